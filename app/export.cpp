// app/export.cpp: ExportSink (see export.hpp); every file goes through lens::WriteFileAtomically.
#include "export.hpp"

#include <filesystem>

#include <lens/atomic_file.hpp>
#include <lens/npy.hpp>

namespace lens::app {

void ExportSink::Number(std::string_view name, double value) { m_stats[std::string(name)] = value; }
void ExportSink::Integer(std::string_view name, std::int64_t value) { m_stats[std::string(name)] = value; }
void ExportSink::String(std::string_view name, std::string_view value) { m_stats[std::string(name)] = std::string(value); }
void ExportSink::NumberArray(std::string_view name, std::span<const double> values) {
    m_stats[std::string(name)] = std::vector<double>(values.begin(), values.end());
}

void ExportSink::ArrayF32(std::string_view name, std::span<const float> values, std::vector<Index> shape) {
    ArrayF32(std::string(name), std::vector<float>(values.begin(), values.end()), std::move(shape));
}

void ExportSink::ArrayU8(std::string_view name, std::span<const std::uint8_t> values, std::vector<Index> shape) {
    ArrayU8(std::string(name), std::vector<std::uint8_t>(values.begin(), values.end()), std::move(shape));
}

void ExportSink::ArrayF32(const std::string& name, std::vector<float> values, std::vector<Index> shape) {
    Array array;
    array.name = name;
    array.f32 = std::move(values);
    array.shape = std::move(shape);
    m_arrays.push_back(std::move(array));
}

void ExportSink::ArrayU8(const std::string& name, std::vector<std::uint8_t> values, std::vector<Index> shape) {
    Array array;
    array.name = name;
    array.u8 = std::move(values);
    array.is_u8 = true;
    array.shape = std::move(shape);
    m_arrays.push_back(std::move(array));
}

void ExportSink::File(const std::string& file_name, std::function<bool(const std::string&, std::string*)> write) {
    m_files.emplace_back(file_name, std::move(write));
}

bool ExportSink::WriteTo(const std::string& directory, std::string* error) const {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(directory, ec);
    if (ec || !fs::is_directory(directory)) {
        if (error) *error = "cannot create export directory " + directory + (ec ? ": " + ec.message() : "");
        return false;
    }
    const fs::path stats_path = fs::path(directory) / "stats.json";
    if (!WriteFileAtomically(stats_path.string(), std::string_view(m_stats.dump(2) + "\n"), error)) return false;
    for (const auto& array : m_arrays) {
        const std::string path = (fs::path(directory) / (array.name + ".npy")).string();
        bool ok = array.is_u8 ? WriteNpy(path, std::span<const std::uint8_t>(array.u8), std::span<const Index>(array.shape), error)
                              : WriteNpy(path, std::span<const float>(array.f32), std::span<const Index>(array.shape), error);
        if (!ok) return false;
    }
    for (const auto& [name, write] : m_files)
        if (!write((fs::path(directory) / name).string(), error)) return false;
    return true;
}

}  // namespace lens::app
