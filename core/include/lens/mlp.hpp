// lens/mlp.hpp: a multi-layer perceptron as a list of layer widths (the notes' 1024 -> 2048 -> 100),
// with per-layer and total weights, biases and multiply-accumulates, in checked 64-bit arithmetic.
//
// Layer k maps widths[k] inputs to widths[k+1] outputs: weights widths[k] * widths[k+1], biases
// widths[k+1] (when enabled), MACs widths[k] * widths[k+1] (one per weight, per input vector; the
// bias additions and the activations are not MACs). Each layer's weight is a widths[k+1] x
// widths[k] matrix, so its rank is at most min(widths[k], widths[k+1]).
//
// [SECTION] Widths: parsing and formatting
// [SECTION] Spec, validation and counts
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lens/spec.hpp"
#include "lens/fc.hpp"

namespace lens {

// [SECTION] Widths: parsing and formatting

inline constexpr Index kMlpMaxWidth = Index{1} << 31;  // nodes in one layer
inline constexpr int kMlpMaxLayers = 64;               // weight layers, i.e. at most 65 widths

// Parses "1024, 2048, 100" (also "1024 -> 2048 -> 100" or "1024 2048 100"): whole decimal numbers
// separated by commas, "->" or whitespace, spaces around them ignored. Returns nullopt (with an
// English message in *error) for an empty text, anything that is not a whole number (signs,
// decimals, letters), an empty item ("1024,,100", a leading or trailing comma), a width of 0 or above
// kMlpMaxWidth, fewer than 2 widths or more than kMlpMaxLayers + 1.
std::optional<std::vector<Index>> ParseWidths(std::string_view text, std::string* error = nullptr);
// "1024, 2048, 100": the form ParseWidths reads back.
std::string FormatWidths(std::span<const Index> widths);

// [SECTION] Spec, validation and counts

struct MlpSpec {
    std::vector<Index> widths{1024, 2048, 100};  // nodes per layer, input first, output last
    bool bias = true;                            // every layer adds one bias per output node

    bool operator==(const MlpSpec&) const = default;
};

// Every problem with the spec (field "widths"): fewer than 2 or more than kMlpMaxLayers + 1 widths,
// a width outside 1..kMlpMaxWidth.
std::vector<SpecIssue> Validate(const MlpSpec& spec);

struct MlpLayer {
    Index in = 0;        // input nodes
    Index out = 0;       // output nodes
    Count weights = 0;   // in * out
    Count biases = 0;    // out when the spec has biases, else 0
    Count parameters = 0;  // weights + biases
    Count macs = 0;      // in * out per input vector
    Index max_rank = 0;  // min(in, out): the rank the weight matrix can have
};

struct MlpStats {
    std::vector<MlpLayer> layers;  // widths.size() - 1 of them, input side first
    Count weights = 0;             // sum over layers
    Count biases = 0;
    Count parameters = 0;          // weights + biases
    Count macs = 0;
};

// Per-layer and total counts, or nullopt (with an English message in *error) when the spec is
// invalid or a total overflows 64 bits.
std::optional<MlpStats> ComputeMlpStats(const MlpSpec& spec, std::string* error = nullptr);

// Layer `layer`'s weight as a dense out x in operator (a DenseFcOperator with one feature, seeded
// seed + layer), or nullptr (with *error) for an invalid spec or layer index.
MatrixPtr MlpLayerOperator(const MlpSpec& spec, int layer, std::uint64_t seed = 1, std::string* error = nullptr);

}  // namespace lens
