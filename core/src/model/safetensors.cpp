// lens/model/safetensors.cpp: the memory-mapped .safetensors reader.
//
// [SECTION] Half and bfloat16
// [SECTION] Header validation
// [SECTION] Opening and mapping
// [SECTION] Access
//
// Hand-written: the format is 8 bytes plus a JSON header (parsed by nlohmann-json); the official
// readers are Rust and Python, and Debian packages no C++ one.
#include "lens/model/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

namespace lens {

// [SECTION] Half and bfloat16

float HalfToFloat(std::uint16_t bits) {
    const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1fu;
    std::uint32_t mantissa = bits & 0x3ffu;
    std::uint32_t out = 0;
    if (exponent == 0x1f) {
        out = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN
    } else if (exponent != 0) {
        out = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa != 0) {  // subnormal: normalise
        int shift = 0;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            ++shift;
        }
        mantissa &= 0x3ffu;
        out = sign | (static_cast<std::uint32_t>(113 - shift) << 23) | (mantissa << 13);
    } else {
        out = sign;  // signed zero
    }
    return std::bit_cast<float>(out);
}

float BFloat16ToFloat(std::uint16_t bits) { return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16); }

const char* DTypeName(TensorDType dtype) {
    switch (dtype) {
        case TensorDType::F32: return "F32";
        case TensorDType::F16: return "F16";
        case TensorDType::BF16: return "BF16";
    }
    return "?";
}

Index DTypeSize(TensorDType dtype) { return dtype == TensorDType::F32 ? 4 : 2; }

Index TensorInfo::Elements() const {
    Index n = 1;
    for (Index s : shape) n *= s;  // overflow was excluded when the header was validated
    return n;
}

namespace {

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

bool Fail(std::string* error, const std::string& path, const std::string& reason) {
    if (error != nullptr) *error = Quoted(path) + ": " + reason;
    return false;
}

bool ParseDType(const std::string& text, TensorDType* out) {
    if (text == "F32") *out = TensorDType::F32;
    else if (text == "F16") *out = TensorDType::F16;
    else if (text == "BF16") *out = TensorDType::BF16;
    else return false;
    return true;
}

// A JSON value as a non-negative 64-bit index, refusing floats, negatives and huge values.
bool AsIndex(const nlohmann::json& value, Index* out) {
    if (value.is_number_unsigned()) {
        const auto v = value.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<Index>::max())) return false;
        *out = static_cast<Index>(v);
        return true;
    }
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        if (v < 0) return false;
        *out = v;
        return true;
    }
    return false;
}

// [SECTION] Header validation

// One header entry -> TensorInfo, checking everything that concerns this tensor alone.
bool ParseEntry(const std::string& name, const nlohmann::json& entry, Index data_bytes, const SafetensorsLimits& limits,
                TensorInfo* info, std::string* reason) {
    const std::string what = "tensor " + Quoted(name);
    if (!entry.is_object()) return *reason = what + " is not a JSON object", false;
    const auto dtype = entry.find("dtype");
    const auto shape = entry.find("shape");
    const auto offsets = entry.find("data_offsets");
    if (dtype == entry.end() || !dtype->is_string()) return *reason = what + " has no dtype string", false;
    if (!ParseDType(dtype->get<std::string>(), &info->dtype))
        return *reason = what + " has dtype " + Quoted(dtype->get<std::string>()) + ", which is unsupported (F32, F16 or BF16)", false;
    if (shape == entry.end() || !shape->is_array()) return *reason = what + " has no shape array", false;
    if (static_cast<Index>(shape->size()) > limits.max_rank)
        return *reason = what + " has " + std::to_string(shape->size()) + " axes, more than " + std::to_string(limits.max_rank), false;
    Index elements = 1;
    for (const auto& axis : *shape) {
        Index n = 0;
        if (!AsIndex(axis, &n)) return *reason = what + " has a shape entry that is not a non-negative integer", false;
        if (n != 0 && elements > std::numeric_limits<Index>::max() / 8 / n)
            return *reason = what + " has a shape whose size overflows 64 bits", false;
        info->shape.push_back(n);
        elements *= n;
    }
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2)
        return *reason = what + " has no data_offsets [begin, end]", false;
    if (!AsIndex((*offsets)[0], &info->begin) || !AsIndex((*offsets)[1], &info->end))
        return *reason = what + " has data_offsets that are not non-negative integers", false;
    if (info->begin > info->end)
        return *reason = what + " has data_offsets [" + std::to_string(info->begin) + ", " + std::to_string(info->end) + ") that end before they begin", false;
    if (info->end > data_bytes)
        return *reason = what + " has data_offsets [" + std::to_string(info->begin) + ", " + std::to_string(info->end) +
                         ") out of range: the data section has only " + std::to_string(data_bytes) + " bytes (a truncated file?)", false;
    const Index expected = elements * DTypeSize(info->dtype);
    if (info->end - info->begin != expected)
        return *reason = what + " has " + std::to_string(info->end - info->begin) + " bytes of data, but its shape and dtype need " +
                         std::to_string(expected), false;
    info->name = name;
    return true;
}

bool ParseHeader(std::string_view text, Index data_bytes, const SafetensorsLimits& limits, std::vector<TensorInfo>* tensors,
                 std::string* reason) {
    const nlohmann::json header = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (header.is_discarded()) return *reason = "the header is not valid JSON (a header length that lies, or not a safetensors file)", false;
    if (!header.is_object()) return *reason = "the header is not a JSON object", false;
    if (static_cast<Index>(header.size()) > limits.max_tensors + 1)
        return *reason = "the header lists " + std::to_string(header.size()) + " entries, more than " + std::to_string(limits.max_tensors), false;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") continue;  // free-form strings (format, framework): not needed
        TensorInfo info;
        if (!ParseEntry(name, entry, data_bytes, limits, &info, reason)) return false;
        tensors->push_back(std::move(info));
    }
    std::sort(tensors->begin(), tensors->end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (std::size_t i = 1; i < tensors->size(); ++i) {
        const TensorInfo& a = (*tensors)[i - 1];
        const TensorInfo& b = (*tensors)[i];
        if (b.begin < a.end)
            return *reason = "tensors " + Quoted(a.name) + " [" + std::to_string(a.begin) + ", " + std::to_string(a.end) + ") and " +
                             Quoted(b.name) + " [" + std::to_string(b.begin) + ", " + std::to_string(b.end) + ") overlap", false;
    }
    return true;
}

Count PhysicalMemoryBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return std::numeric_limits<Count>::max();
    return static_cast<Count>(pages) * static_cast<Count>(page);
}

// Closes a descriptor on every exit path.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) close(fd);
    }
};

}  // namespace

// [SECTION] Opening and mapping

std::unique_ptr<SafetensorsFile> SafetensorsFile::Open(const std::string& path, std::string* error, const SafetensorsLimits& limits) {
    Fd file;
    file.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) return Fail(error, path, std::string("cannot open: ") + std::strerror(errno)), nullptr;
    struct stat st {};
    if (fstat(file.fd, &st) != 0) return Fail(error, path, std::string("cannot stat: ") + std::strerror(errno)), nullptr;
    if (!S_ISREG(st.st_mode)) return Fail(error, path, "not a regular file"), nullptr;
    const Count size = static_cast<Count>(st.st_size);
    const Count limit = std::min(limits.max_file_bytes, PhysicalMemoryBytes());
    if (size > limit)
        return Fail(error, path, "the file is " + std::to_string(size) + " bytes, larger than the memory limit of " + std::to_string(limit) +
                                     " bytes"), nullptr;
    if (size < 8) return Fail(error, path, "truncated: " + std::to_string(size) + " bytes, shorter than the 8-byte header length"), nullptr;

    void* map = mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_PRIVATE, file.fd, 0);
    if (map == MAP_FAILED) return Fail(error, path, std::string("cannot map: ") + std::strerror(errno)), nullptr;
    std::unique_ptr<SafetensorsFile> out(new SafetensorsFile());
    out->m_path = path;
    out->m_map = static_cast<const std::byte*>(map);
    out->m_size = static_cast<std::size_t>(size);

    std::uint64_t header_bytes = 0;
    for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | std::to_integer<std::uint64_t>(out->m_map[i]);
    if (header_bytes > static_cast<std::uint64_t>(size - 8))
        return Fail(error, path, "the header length " + std::to_string(header_bytes) + " lies: only " + std::to_string(size - 8) +
                                     " bytes follow it"), nullptr;
    if (header_bytes > static_cast<std::uint64_t>(limits.max_header_bytes))
        return Fail(error, path, "the header is " + std::to_string(header_bytes) + " bytes, over the limit of " +
                                     std::to_string(limits.max_header_bytes)), nullptr;
    out->m_data_offset = 8 + static_cast<std::size_t>(header_bytes);
    const std::string_view text(reinterpret_cast<const char*>(out->m_map + 8), static_cast<std::size_t>(header_bytes));
    std::string reason;
    if (!ParseHeader(text, size - static_cast<Count>(out->m_data_offset), limits, &out->m_tensors, &reason))
        return Fail(error, path, reason), nullptr;
    return out;
}

SafetensorsFile::~SafetensorsFile() {
    if (m_map != nullptr) munmap(const_cast<std::byte*>(m_map), m_size);
}

// [SECTION] Access

const TensorInfo* SafetensorsFile::Find(const std::string& name) const {
    for (const auto& t : m_tensors)
        if (t.name == name) return &t;
    return nullptr;
}

std::span<const std::byte> SafetensorsFile::Bytes(const TensorInfo& tensor) const {
    return {m_map + m_data_offset + tensor.begin, static_cast<std::size_t>(tensor.end - tensor.begin)};
}

std::span<const float> SafetensorsFile::FloatView(const TensorInfo& tensor) const {
    if (tensor.dtype != TensorDType::F32) return {};
    const std::byte* data = m_map + m_data_offset + tensor.begin;
    if (reinterpret_cast<std::uintptr_t>(data) % alignof(float) != 0) return {};
    static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");
    return {reinterpret_cast<const float*>(data), static_cast<std::size_t>(tensor.Elements())};
}

void SafetensorsFile::ToFloat(const TensorInfo& tensor, std::span<float> out) const {
    const std::byte* data = m_map + m_data_offset + tensor.begin;
    const std::size_t n = std::min(out.size(), static_cast<std::size_t>(tensor.Elements()));
    if (tensor.dtype == TensorDType::F32) {
        std::memcpy(out.data(), data, n * sizeof(float));
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t bits = 0;
        std::memcpy(&bits, data + 2 * i, 2);
        out[i] = tensor.dtype == TensorDType::F16 ? HalfToFloat(bits) : BFloat16ToFloat(bits);
    }
}

Count SafetensorsFile::TotalElements() const {
    Count total = 0;
    for (const auto& t : m_tensors) total += t.Elements();
    return total;
}

}  // namespace lens
