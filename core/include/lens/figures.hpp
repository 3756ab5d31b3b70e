// lens/figures.hpp: a lesson's named figures, visited once. Each core lesson (lens/lessons/*.hpp)
// offers `void VisitFigures(const XResult&, FigureVisitor&)`, naming every number and array it
// computed; the app's --export (stats.json and .npy files) and its statistics tables are both
// visitors, so a number exists once and a table can never disagree with the export.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "count.hpp"

namespace lens {

class FigureVisitor {
public:
    virtual ~FigureVisitor() = default;
    virtual void Integer(std::string_view name, std::int64_t value) = 0;
    virtual void Number(std::string_view name, double value) = 0;
    virtual void String(std::string_view name, std::string_view value) = 0;
    // A short array of numbers, written into stats.json (per-layer figures, curves).
    virtual void NumberArray(std::string_view name, std::span<const double> values) = 0;
    // A large array, written as NAME.npy (float32 or uint8, C order); `shape`'s product is the size.
    virtual void ArrayF32(std::string_view name, std::span<const float> values, std::vector<Index> shape) = 0;
    virtual void ArrayU8(std::string_view name, std::span<const std::uint8_t> values, std::vector<Index> shape) = 0;
};

// A visitor that keeps only the scalars, by name: for tables, lesson cards and tests that read one
// figure (`Find("nonzeros")`) the same way the export writes it.
class FigureRecorder final : public FigureVisitor {
public:
    struct Scalar {
        std::string name;
        bool is_integer = false;
        std::int64_t integer = 0;
        double number = 0;
        std::string text;
        bool is_text = false;
    };
    void Integer(std::string_view name, std::int64_t value) override {
        m_scalars.push_back({std::string(name), true, value, static_cast<double>(value), {}, false});
    }
    void Number(std::string_view name, double value) override { m_scalars.push_back({std::string(name), false, 0, value, {}, false}); }
    void String(std::string_view name, std::string_view value) override {
        m_scalars.push_back({std::string(name), false, 0, 0, std::string(value), true});
    }
    void NumberArray(std::string_view name, std::span<const double> values) override {
        m_arrays.push_back({std::string(name), std::vector<double>(values.begin(), values.end())});
    }
    void ArrayF32(std::string_view, std::span<const float>, std::vector<Index>) override {}
    void ArrayU8(std::string_view, std::span<const std::uint8_t>, std::vector<Index>) override {}

    const Scalar* Find(std::string_view name) const {
        for (const auto& s : m_scalars)
            if (s.name == name) return &s;
        return nullptr;
    }
    const std::vector<double>* FindArray(std::string_view name) const {
        for (const auto& a : m_arrays)
            if (a.first == name) return &a.second;
        return nullptr;
    }
    const std::vector<Scalar>& Scalars() const { return m_scalars; }

private:
    std::vector<Scalar> m_scalars;
    std::vector<std::pair<std::string, std::vector<double>>> m_arrays;
};

}  // namespace lens
