// mlp.cpp: layer widths from text, and the MLP's exact counts.
//
// [SECTION] Widths: parsing and formatting
// [SECTION] Spec, validation and counts
#include "lens/mlp.hpp"

#include <algorithm>

namespace lens {
namespace {

void SetError(std::string* out, std::string message) {
    if (out) *out = std::move(message);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsArrow(std::string_view text, size_t i) { return i + 1 < text.size() && text[i] == '-' && text[i + 1] == '>'; }
bool EndsItem(std::string_view text, size_t i) { return i >= text.size() || IsSpace(text[i]) || text[i] == ',' || IsArrow(text, i); }

// The offending item for a message: from `i` up to the next separator, at most 24 characters.
std::string ItemAt(std::string_view text, size_t i) {
    size_t j = i;
    while (j < text.size() && !IsSpace(text[j]) && text[j] != ',' && j - i < 24) ++j;
    return std::string(text.substr(i, std::max<size_t>(j - i, 1)));
}

}  // namespace

// [SECTION] Widths: parsing and formatting

std::optional<std::vector<Index>> ParseWidths(std::string_view text, std::string* error) {
    std::vector<Index> widths;
    bool after_separator = false;  // a ',' or '->' was read and no width after it yet
    size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (IsSpace(c)) {
            ++i;
            continue;
        }
        if (c == ',' || IsArrow(text, i)) {
            if (widths.empty() || after_separator) {
                SetError(error, "a width is missing before '" + std::string(c == ',' ? "," : "->") + "'");
                return std::nullopt;
            }
            after_separator = true;
            i += c == ',' ? 1 : 2;
            continue;
        }
        if (!IsDigit(c)) {
            SetError(error, c == '-' && i + 1 < text.size() && IsDigit(text[i + 1])
                                ? "widths cannot be negative ('" + ItemAt(text, i) + "')"
                                : "'" + ItemAt(text, i) + "' is not a whole number");
            return std::nullopt;
        }
        size_t j = i;
        Index value = 0;
        bool too_large = false;
        for (; j < text.size() && IsDigit(text[j]); ++j) {
            // Stop accumulating once above the limit: no overflow however many digits follow.
            if (!too_large) value = value * 10 + (text[j] - '0');
            too_large = too_large || value > kMlpMaxWidth;
        }
        if (!EndsItem(text, j)) {
            SetError(error, "'" + ItemAt(text, i) + "' is not a whole number");
            return std::nullopt;
        }
        if (too_large) {
            SetError(error, "width " + ItemAt(text, i) + " is above the limit of " + FormatExact(kMlpMaxWidth));
            return std::nullopt;
        }
        if (value == 0) {
            SetError(error, "widths must be at least 1 (got 0)");
            return std::nullopt;
        }
        if (static_cast<int>(widths.size()) > kMlpMaxLayers) {
            SetError(error, "at most " + std::to_string(kMlpMaxLayers + 1) + " widths (" + std::to_string(kMlpMaxLayers) + " layers)");
            return std::nullopt;
        }
        widths.push_back(value);
        after_separator = false;
        i = j;
    }
    if (widths.empty()) {
        SetError(error, "enter the layer widths, e.g. 1024, 2048, 100");
        return std::nullopt;
    }
    if (after_separator) {
        SetError(error, "a width is missing at the end");
        return std::nullopt;
    }
    if (widths.size() < 2) {
        SetError(error, "an MLP needs at least two widths (input and output)");
        return std::nullopt;
    }
    return widths;
}

std::string FormatWidths(std::span<const Index> widths) {
    std::string out;
    for (size_t k = 0; k < widths.size(); ++k) {
        if (k > 0) out += ", ";
        out += std::to_string(widths[k]);
    }
    return out;
}

// [SECTION] Spec, validation and counts

std::vector<SpecIssue> Validate(const MlpSpec& spec) {
    std::vector<SpecIssue> issues;
    if (spec.widths.size() < 2) issues.push_back({"widths", "an MLP needs at least two widths (input and output)"});
    if (spec.widths.size() > static_cast<size_t>(kMlpMaxLayers) + 1) {
        issues.push_back({"widths", "at most " + std::to_string(kMlpMaxLayers + 1) + " widths (" + std::to_string(kMlpMaxLayers) + " layers)"});
    }
    for (size_t k = 0; k < spec.widths.size(); ++k) {
        const Index w = spec.widths[k];
        if (w < 1 || w > kMlpMaxWidth) {
            issues.push_back({"widths", "width " + std::to_string(k) + " must be between 1 and " + FormatExact(kMlpMaxWidth) +
                                            " (got " + std::to_string(w) + ")"});
            break;
        }
    }
    return issues;
}

std::optional<MlpStats> ComputeMlpStats(const MlpSpec& spec, std::string* error) {
    const std::vector<SpecIssue> issues = Validate(spec);
    if (!issues.empty()) {
        SetError(error, issues.front().message);
        return std::nullopt;
    }
    MlpStats stats;
    for (size_t k = 0; k + 1 < spec.widths.size(); ++k) {
        MlpLayer layer;
        layer.in = spec.widths[k];
        layer.out = spec.widths[k + 1];
        // Widths are at most 2^31, so one layer's product fits; the totals may not.
        layer.weights = layer.in * layer.out;
        layer.biases = spec.bias ? layer.out : 0;
        layer.parameters = layer.weights + layer.biases;
        layer.macs = layer.weights;
        layer.max_rank = std::min(layer.in, layer.out);
        const auto weights = CheckedAdd(stats.weights, layer.weights);
        const auto biases = CheckedAdd(stats.biases, layer.biases);
        const auto parameters = CheckedAdd(stats.parameters, layer.parameters);
        const auto macs = CheckedAdd(stats.macs, layer.macs);
        if (!weights || !biases || !parameters || !macs) {
            SetError(error, "the MLP's total weights overflow 64 bits (more than 9.2e18) after layer " + std::to_string(k));
            return std::nullopt;
        }
        stats.weights = *weights;
        stats.biases = *biases;
        stats.parameters = *parameters;
        stats.macs = *macs;
        stats.layers.push_back(layer);
    }
    return stats;
}

MatrixPtr MlpLayerOperator(const MlpSpec& spec, int layer, std::uint64_t seed, std::string* error) {
    const std::vector<SpecIssue> issues = Validate(spec);
    if (!issues.empty()) {
        SetError(error, issues.front().message);
        return nullptr;
    }
    if (layer < 0 || static_cast<size_t>(layer) + 1 >= spec.widths.size()) {
        SetError(error, "no layer " + std::to_string(layer) + " (the MLP has " + std::to_string(spec.widths.size() - 1) + ")");
        return nullptr;
    }
    const FcSpec fc{spec.widths[static_cast<size_t>(layer)], spec.widths[static_cast<size_t>(layer) + 1], 1, 1,
                    FlatOrder::PositionMajor, seed + static_cast<std::uint64_t>(layer)};
    std::vector<SpecIssue> fc_issues;
    MatrixPtr op = DenseFcOperator::Create(fc, &fc_issues);
    if (!op) SetError(error, fc_issues.empty() ? std::string("invalid layer") : fc_issues.front().message);
    return op;
}

}  // namespace lens
