// lens/scaling.hpp: why fully connected layers do not scale to images and convolutions and ViTs do
// (the notes' "Convolution is all you need"): parameters and multiply-accumulates of five models as
// a square RGB image grows (64 x 64 to 4096 x 4096 by default), in exact checked 64-bit arithmetic.
//
// Per edge E (an E x E x C image, C = 3):
// - fc:            a fully connected layer from the flattened image to a same-size output:
//                  (E*E*C)^2 weights, no bias; MACs = weights. 256: 38,654,705,664.
// - fc_separable:  the notes' "depth-wise + point-wise" on the flattened image: one dense
//                  (E*E) x (E*E) matrix per channel, then a C x C channel mix: (E*E)^2 * C + C^2
//                  (the notes write "+ 3x3": 9 = C^2); 256: 12,884,901,897. MACs: (E*E)^2 * C for
//                  the per-channel matrices plus E*E * C^2 for the channel mix at every pixel.
// - conv:          one 3x3 convolution 512 -> 1024 (the notes' deep layer, 4,718,592 weights) applied
//                  at full resolution E x E (padding 1, stride 1): weights constant, MACs = E*E*weights.
// - separable:     its depth-wise 3x3 + point-wise replacement: 3x3x512 + 512x1024 = 528,896 weights
//                  (11.2 % of 4,718,592; the notes' "529K"); MACs = E*E*528,896.
// - cnn:           a CNN stack (default: the MobileNet v1 preset) with its input set to C x E x E:
//                  parameters constant while no layer flattens a map, MACs growing with the pixels.
// - vit:           ViT (default ViT-B/16: patch 16, width 768, 12 blocks, 12 heads, MLP 3072, class
//                  token, 1000 classes) at E x E: N = floor(E/16)^2 patches (+1 class token); learned
//                  positions (N+1) x d are parameters, so they grow with the image (a real ViT
//                  interpolates its 197 positions instead); MACs grow with N^2 in attention. At 224 it
//                  is torchvision's vit_b_16: 86,567,656 parameters, 17,563,828,224 MACs.
// A figure that overflows 64 bits (or cannot be computed: a patch larger than the image, a CNN
// stack that shrinks the map to nothing) is reported as nullopt with a note, never wrapped.
//
// [SECTION] ViT counts
// [SECTION] Curves
// [SECTION] The notes' figures
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lens/cnn.hpp"
#include "lens/count.hpp"

namespace lens {

// [SECTION] ViT counts

struct VitScalingSpec {
    Index patch = 16;       // P, px: patches cut without overlap; a remainder is cropped (stride-P conv)
    Index width = 768;      // d
    Index depth = 12;       // transformer blocks
    Index heads = 12;       // must divide d (counts do not depend on it)
    Index mlp = 3072;       // MLP hidden width
    Index classes = 1000;   // head Linear(d, classes) with bias; 0: no head
    bool class_token = true;  // one learned token prepended (N + 1 tokens in every block)

    bool operator==(const VitScalingSpec&) const = default;
};

struct VitCounts {
    Index patches = 0;               // floor(H/P) * floor(W/P)
    Index tokens = 0;                // patches (+1 with the class token)
    Count embed_parameters = 0;      // conv P x P x 3 x d + d
    Count class_token = 0;           // d, or 0
    Count position_parameters = 0;   // tokens * d
    Count block_parameters = 0;      // one block (CnnTransformerBlockCounts, see cnn.hpp)
    Count final_norm = 0;            // 2d
    Count head_parameters = 0;       // d * classes + classes
    Count parameters = 0;            // all of the above, blocks times depth
    Count embed_macs = 0;            // patches * P*P*3 * d
    Count block_macs = 0;            // one block at `tokens` tokens
    Count head_macs = 0;             // d * classes (the class token only)
    Count macs = 0;
};

// Counts of the ViT at image_h x image_w x 3, or nullopt (with *error) for a field out of range
// (sizes 1..2^20, heads not dividing the width), a patch larger than the image, or overflow.
std::optional<VitCounts> ComputeVitCounts(const VitScalingSpec& spec, Index image_h, Index image_w,
                                          std::string* error = nullptr);

// [SECTION] Curves

// A parameter count and a MAC count; nullopt where the figure overflows or cannot be computed.
struct ScalingFigure {
    std::optional<Count> parameters;
    std::optional<Count> macs;
    std::string note;  // why a figure is missing (English), empty otherwise
};

struct ScalingRow {
    Index edge = 0;      // E, px
    Count pixels = 0;    // E * E
    ScalingFigure fc, fc_separable, conv, separable, cnn, vit;
};

struct ScalingSpec {
    std::vector<Index> edges;        // px; empty: 64, 128, ..., 4096 (PowerOfTwoEdges(64, 4096))
    Index channels = 3;              // C of the image (fc, fc_separable, cnn input)
    Index conv_in = 512;             // the conv / separable pair: input channels
    Index conv_out = 1024;           //   output channels
    Index conv_kernel = 3;           //   kernel side
    std::vector<CnnLayer> cnn;       // the CNN's layers; empty: the MobileNet v1 preset
    VitScalingSpec vit;              // the ViT
};

inline constexpr Index kScalingMaxEdge = Index{1} << 20;  // px: larger edges are refused (note)
inline constexpr int kScalingMaxEdges = 64;                // rows

// {lo, 2 lo, 4 lo, ...} up to hi inclusive (lo >= 1); empty when lo < 1 or lo > hi.
std::vector<Index> PowerOfTwoEdges(Index lo, Index hi);

// One row per edge (at most kScalingMaxEdges; edges outside 1..kScalingMaxEdge get a row whose
// figures are all missing, with a note). Never allocates per pixel: counts only.
std::vector<ScalingRow> ComputeScaling(const ScalingSpec& spec = {});

// [SECTION] The notes' figures

// The notes' numbers recomputed exactly, with the places where they slip.
struct NotesScalingFigures {
    Count fc_256 = 0;               // (256*256*3)^2 = 38,654,705,664 (the notes' "38B")
    Count fc_4k = 0;                // (4096*4096*3)^2 = 2,533,274,790,395,904
    Count pixel_ratio_4k = 0;       // 4096^2 / 256^2 = 256
    Count weight_ratio_4k = 0;      // fc_4k / fc_256 = 65,536 (the notes say "16 times": a slip)
    Count fc_separable_256 = 0;     // (256*256)^2 * 3 + 3*3 = 12,884,901,897 (the notes' "12.9B")
    Count first_layer = 0;          // 3x3x3x64 = 1,728 ("1.7K")
    Count deep_layer = 0;           // 3x3x512x1024 = 4,718,592 ("4.7M")
    // 3x3x512 + 512x1024 = 4,608 + 524,288 = 528,896 ("529K"). Issue 6 quotes 529,408 for the same
    // formula: that is 528,896 + 512, i.e. with the depth-wise layer's 512 biases.
    Count separable = 0;
    double separable_ratio = 0;     // 528,896 / 4,718,592 = 0.1121 ("about 11 %")
    Count twenty_deep_layers = 0;   // 20 x 4,718,592 = 94,371,840 (the notes' "~80M" is low)
    Index vit_tokens_224 = 0;       // (224/16)^2 = 196
    Index vit_tokens_256 = 0;       // (256/16)^2 = 256
    Index vit_token_dim = 0;        // 16*16*3 = 768
    Index vit22b_tokens = 0;        // (224/14)^2 = 256
    Index patches3_crop = 0;        // 3x3 patches on 256x256: 85 x 85 = 7,225 (crop) ...
    Index patches3_pad = 0;         // ... or 86 x 86 = 7,396 (pad); the notes' "7281" is 65,536 / 9 rounded down
};
NotesScalingFigures ComputeNotesScalingFigures();

}  // namespace lens
