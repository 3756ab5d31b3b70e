// tests/core/model/safetensors_writer.hpp: writes small .safetensors files (good and deliberately
// bad) for the model tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <lens/count.hpp>

namespace lens::test {

struct RawTensor {
    std::string name;
    std::string dtype = "F32";
    std::vector<Index> shape;
    std::vector<std::uint8_t> bytes;
};

inline RawTensor F32Tensor(std::string name, std::vector<Index> shape, const std::vector<float>& values) {
    RawTensor t{std::move(name), "F32", std::move(shape), std::vector<std::uint8_t>(values.size() * 4)};
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
}

// The header JSON for `tensors` laid out back to back (offsets as a valid writer would give).
inline nlohmann::json HeaderOf(const std::vector<RawTensor>& tensors) {
    nlohmann::json header = nlohmann::json::object();
    std::size_t offset = 0;
    for (const auto& t : tensors) {
        header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
        offset += t.bytes.size();
    }
    return header;
}

// Writes [header length][header text][data]; `declared_length` < 0 writes the true length.
inline void WriteRaw(const std::string& path, const std::string& header_text, const std::vector<std::uint8_t>& data,
                     long long declared_length = -1) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::uint64_t n = declared_length < 0 ? header_text.size() : static_cast<std::uint64_t>(declared_length);
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline std::vector<std::uint8_t> DataOf(const std::vector<RawTensor>& tensors) {
    std::vector<std::uint8_t> data;
    for (const auto& t : tensors) data.insert(data.end(), t.bytes.begin(), t.bytes.end());
    return data;
}

// A valid file: header padded with spaces to 8 bytes, so that F32 data is aligned.
inline void WriteSafetensors(const std::string& path, const std::vector<RawTensor>& tensors) {
    std::string text = HeaderOf(tensors).dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    WriteRaw(path, text, DataOf(tensors));
}

}  // namespace lens::test
