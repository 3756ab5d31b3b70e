// app/widgets/hover_format.cpp: entry data as hover text in the UI language (see the header).
#include "hover_format.hpp"

#include <cstdio>

#include "../i18n/strings.hpp"

namespace lens::app {

using i18n::S;
using i18n::Tr;

namespace {

// printf into a std::string (the formats come from the string table).
template <typename... Args>
std::string Format(const char* format, Args... args) {
    const int n = std::snprintf(nullptr, 0, format, args...);
    if (n <= 0) return {};
    std::string out(static_cast<size_t>(n) + 1, '\0');
    std::snprintf(out.data(), out.size(), format, args...);
    out.resize(static_cast<size_t>(n));
    return out;
}

std::string Join(const std::vector<Coordinate>& parts, bool with_names) {
    std::string out;
    for (const Coordinate& part : parts) {
        if (!out.empty()) out += ", ";
        if (with_names) out.append(part.name).append("=");
        out += std::to_string(part.value);
    }
    return out;
}

std::string ValueText(float value) { return Format("%.4f", static_cast<double>(value)); }

}  // namespace

std::string FormatCoords(const EntryCoords& coords) {
    std::vector<Coordinate> parts = coords.parts;
    std::vector<Index> blocks;
    while (!parts.empty() && parts.front().name == "block") {
        blocks.push_back(parts.front().value);
        parts.erase(parts.begin());
    }
    const S side = coords.side == EntryCoords::Side::Output ? S::HoverOutput : S::HoverInput;
    std::string text = Format(Tr(side), Join(parts, true).c_str());
    for (auto b = blocks.rbegin(); b != blocks.rend(); ++b) text = Format(Tr(S::HoverBlock), static_cast<long long>(*b), text.c_str());
    return text;
}

std::string FormatWeights(const std::vector<WeightRef>& weights) {
    std::string out;
    for (const WeightRef& w : weights) {
        if (!out.empty()) out += " * ";
        if (w.fixed) {
            out += "1";
            continue;
        }
        out.append(w.name);
        out += "[" + Join(w.index, false) + "]";
    }
    return out;
}

std::string FormatEntry(const EntryInfo& entry) {
    if (!entry.inside) return Tr(S::HoverOutside);
    const std::string out = FormatCoords(entry.out), in = FormatCoords(entry.in);
    if (!entry.structural) return Format(Tr(S::HoverZero), out.c_str(), in.c_str());
    if (entry.weights.size() == 1 && entry.weights.front().fixed) return Format(Tr(S::HoverFixed), out.c_str(), in.c_str());
    if (entry.weights.size() > 1) {
        std::string values;
        for (const WeightRef& w : entry.weights) values += (values.empty() ? "" : " * ") + ValueText(w.value);
        return Format(Tr(S::HoverProduct), out.c_str(), in.c_str(), FormatWeights(entry.weights).c_str(), values.c_str(),
                      static_cast<double>(entry.value));
    }
    return Format(Tr(S::HoverWeight), out.c_str(), in.c_str(), FormatWeights(entry.weights).c_str(), static_cast<double>(entry.value));
}

}  // namespace lens::app
