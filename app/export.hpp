// app/export.hpp: what --export DIR writes: DIR/stats.json (one JSON object of named numbers,
// strings and arrays of numbers) and one .npy file per array. Panels fill an ExportSink; no GL.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <lens/count.hpp>
#include <lens/figures.hpp>

namespace lens::app {

// A FigureVisitor: a core lesson's VisitFigures writes straight into the export.
class ExportSink final : public FigureVisitor {
public:
    void Number(std::string_view name, double value) override;
    void Integer(std::string_view name, std::int64_t value) override;
    void String(std::string_view name, std::string_view value) override;
    void NumberArray(std::string_view name, std::span<const double> values) override;
    // Any JSON value under `name` (the lesson's claims).
    void Json(std::string_view name, nlohmann::json value) { m_stats[std::string(name)] = std::move(value); }
    // An array written as NAME.npy (float32, C order). The shape's product must equal values.size().
    void ArrayF32(const std::string& name, std::vector<float> values, std::vector<Index> shape);
    void ArrayF32(std::string_view name, std::span<const float> values, std::vector<Index> shape) override;
    // An array written as NAME.npy (uint8, C order).
    void ArrayU8(const std::string& name, std::vector<std::uint8_t> values, std::vector<Index> shape);
    void ArrayU8(std::string_view name, std::span<const std::uint8_t> values, std::vector<Index> shape) override;

    // Any other file (e.g. a MatrixMarket matrix): `write(path, error)` is called by WriteTo.
    void File(const std::string& file_name, std::function<bool(const std::string& path, std::string* error)> write);

    const nlohmann::json& Stats() const { return m_stats; }
    // Creates DIR if needed and writes everything. False with a message when anything fails.
    bool WriteTo(const std::string& directory, std::string* error) const;

private:
    struct Array {
        std::string name;
        std::vector<float> f32;
        std::vector<std::uint8_t> u8;
        bool is_u8 = false;
        std::vector<Index> shape;
    };
    nlohmann::json m_stats = nlohmann::json::object();
    std::vector<Array> m_arrays;
    std::vector<std::pair<std::string, std::function<bool(const std::string&, std::string*)>>> m_files;
};

}  // namespace lens::app
