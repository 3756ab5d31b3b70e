// lens/cnn.hpp: a CNN as a list of layers (the notes' "Convolution is all you need": convolutions
// with down- and up-sampling growing the receptive field), with per-layer shapes, parameters,
// multiply-accumulates, activations and receptive fields, a compact text form, presets, and a
// float forward pass (Eigen GEMMs, with the direct loops kept as its reference).
//
// Counting conventions (torchvision's, as ../shared/reference/published-counts.md states them):
// - Parameters = every weight and bias (sum of numel over model.parameters()); no batch-norm here.
// - MACs, batch 1, one per multiply-accumulate; biases, activations, pooling and up-sampling by
//   copying count 0. Convolution: out_h*out_w*Cout*(Cin/groups)*kh*kw (padding taps included);
//   transposed convolution: in_h*in_w*Cin*Cout*kh*kw/groups; linear: in*out.
// - Transformer block (the hybrid's transformer part; self-contained here, see CnnTransformerBlockCounts):
//   tokens N = H*W of the incoming map (no class token), width d = its channels. Pre-LN block:
//   LayerNorm, QKV (3 d^2 + 3d) and output projection (d^2 + d) with biases, LayerNorm, MLP d -> m -> d
//   with biases (m = mlp_ratio * d). Parameters 4d^2 + 4d + 2dm + m + d + 4d (the 4d: two LayerNorms'
//   weight and bias); MACs 4Nd^2 + 2N^2 d + 2Ndm (projections, Q K^T and A V, MLP). Heads do not
//   change either count (d must divide by them). ViT-B's block: 7,087,872 parameters.
// - Activations of a layer = elements of its output map (C*H*W), batch 1.
//
// Receptive fields (per axis, in input pixels; layer k's output is what the region is asked of):
// - InputRegion(k, y, x) propagates the output interval [y, y] back through layers k..0: a
//   convolution or pool (kernel k, stride s, padding p, dilation d) maps [lo, hi] to
//   [lo*s - p, hi*s - p + d*(k-1)]; nearest up-sampling by f to [floor(lo/f), floor(hi/f)]; a
//   transposed convolution to [ceil((lo + p - k + 1)/s), floor((hi + p)/s)]; a global layer
//   (global average pool, linear, transformer block) to the whole incoming map.
//   `unclipped` never clips: the textbook region, reaching into padding. `clipped` is the tight
//   bounding box of the input pixels the output really depends on: the taps followed back through
//   every layer, keeping only those that land inside each map (positions outside a map are padding,
//   which carries no input), so a dilated or strided tap that steps over the border adds nothing.
//   It is a box, not a mask: with dilation or strides above the kernel, pixels between the reached
//   ones lie inside it unreached. It is empty (y0 == y1 or x0 == x1) when the output sees only
//   padding. Both are inclusive-exclusive. Cost O(layers), or O(layers * map side) from the first
//   layer whose taps leave gaps.
// - The per-layer summary CnnField: jump = input pixels per output step, an exact rational
//   (jump_num / jump_den; up-sampling by f divides it by f, so it can be fractional; 0 after a
//   global layer, where every location sees the same region); start = unclipped y0 of output 0
//   (negative: reaches into padding); size = the largest unclipped region size over output
//   locations. Without up-sampling every location's region is [start + o*jump, start + o*jump + size),
//   the textbook recurrence size += d*(k-1)*jump, start -= p*jump, jump *= s. With up-sampling the
//   floors make the regions step unevenly (down 2, down 2, up 2: steps of 0, 4, 0, 4 px, jump 2); they
//   repeat every `period` locations, shifted by period * jump px, where period is the smallest t that
//   makes t * jump / jump_l whole for every earlier layer output l (and the input). `size` is the
//   maximum over one period (over the first kCnnFieldPeriodCap locations when the period is longer,
//   which takes more than nine 2x up-samplings: then a lower bound).
//
// [SECTION] Layers and the text form
// [SECTION] Spec, limits and analysis
// [SECTION] Receptive field of a location
// [SECTION] Presets
// [SECTION] Forward pass
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lens/count.hpp"
#include "lens/spec.hpp"

namespace lens {

// [SECTION] Layers and the text form
//
// Grammar of the text form (the CLI key `layers`), case-sensitive, spaces allowed between tokens:
//   list   := layer { sep layer }          sep := "," | ";" | newline
//   layer  := kind [lead] { field } [ "*" count ]
//   field  := letter number                ("s2", "p1", "c64"; "b0" / "b1" for the bias)
//   kernel := number [ "x" number ]        (kh x kw; "3" means 3x3)
// Kinds, their lead and fields (defaults in brackets; c defaults to the incoming channels):
//   conv<kernel>    s[1] p[0] d[1] g[1] c[in] b[1]   convolution (PyTorch Conv2d, bias on by default)
//   dw<kernel>      s[1] p[0] d[1] b[1]              depth-wise: groups = channels = out channels
//   pw<count>       b[1]                             point-wise 1x1 convolution to <count> channels
//   maxpool<kernel> s[kernel] p[0]                   max pooling ("pool<k>" is the same)
//   avgpool<kernel> s[kernel] p[0]                   average pooling (padding counted as zeros)
//   gap                                              global average pool to C x 1 x 1
//   down            c[in] b[1]                       stride-2 down-sampling: conv 3x3, stride 2, padding 1
//   up<factor>      [2]                              nearest up-sampling by <factor>
//   tconv<kernel>   s[kernel] p[0] g[1] c[in] b[1]   transposed convolution ("tconv2 c64": k=2 s=2)
//   fc<count>       b[1]                             flatten (C,H,W channel-major), then Linear to <count>
//   tf              h[1] r[4]                        transformer block on the H*W tokens of width C
//                                                    (h heads, MLP ratio r)
// "*n" repeats the layer n times ("tf h12 *12"). Example: "conv3x3p1c64, pool2, dw3x3s2p1, pw128, up2, fc1000".
// FormatLayers prints this canonical form: no spaces inside a layer, ", " between layers, only the
// fields that differ from the defaults, runs of equal layers as "*n".

enum class CnnLayerKind {
    Conv,            // convolution: kernel, stride, padding, dilation, groups, out channels, bias
    Depthwise,       // groups = channels, one kh x kw kernel per channel
    Pointwise,       // 1x1 convolution
    MaxPool,         // max over each window (PyTorch pads with -inf)
    AvgPool,         // mean over each window, padding counted as zeros (count_include_pad=True)
    GlobalAvgPool,   // mean over the whole map: C x 1 x 1
    Down,            // stride-2 down-sampling: 3x3 convolution, stride 2, padding 1
    Upsample,        // nearest up-sampling by `factor` (copies: no parameters, 0 MACs)
    TransposedConv,  // PyTorch ConvTranspose2d (output_padding 0, dilation 1)
    Linear,          // flatten, then a fully connected layer (the classifier head)
    Transformer,     // transformer block on the map's H*W tokens (see the top)
};

// One layer as typed. Fields a kind does not use keep their defaults (so == compares layers).
struct CnnLayer {
    CnnLayerKind kind = CnnLayerKind::Conv;
    Index kernel_h = 3;        // taps (window for pools), rows
    Index kernel_w = 3;        // taps, columns
    Index stride = 1;          // elements, both axes (pools and tconv default to the kernel: see Make*)
    Index padding = 0;         // elements per side, both axes
    Index dilation = 1;        // spacing between taps (Conv, Depthwise)
    Index groups = 1;          // Conv, TransposedConv: divides in and out channels
    Index out_channels = 0;    // Conv, Down, TransposedConv: 0 = the incoming channels; Pointwise, Linear: required
    bool bias = true;          // Conv, Depthwise, Pointwise, Down, TransposedConv, Linear (PyTorch's default)
    Index factor = 2;          // Upsample
    Index heads = 1;           // Transformer
    Index mlp_ratio = 4;       // Transformer: MLP width = mlp_ratio * channels

    bool operator==(const CnnLayer&) const = default;
};

// Layers with every other field at its default (the text form's defaults).
CnnLayer MakeConv(Index kernel, Index out_channels, Index stride = 1, Index padding = 0, bool bias = true);
CnnLayer MakeDepthwise(Index kernel, Index stride = 1, Index padding = 0, bool bias = true);
CnnLayer MakePointwise(Index out_channels, bool bias = true);
CnnLayer MakePool(CnnLayerKind kind, Index kernel, Index stride = 0 /* 0 = kernel */, Index padding = 0);
CnnLayer MakeGlobalAvgPool();
CnnLayer MakeDown(Index out_channels = 0, bool bias = true);
CnnLayer MakeUpsample(Index factor = 2);
CnnLayer MakeTransposedConv(Index kernel, Index out_channels = 0, Index stride = 0 /* 0 = kernel */, bool bias = true);
CnnLayer MakeLinear(Index out_features, bool bias = true);
CnnLayer MakeTransformer(Index heads = 1, Index mlp_ratio = 4);

// Where and why a layer list does not parse.
struct LayerParseError {
    Index offset = 0;     // 0-based byte offset into the text
    std::string message;  // "character 14: unknown field 'q' in conv (it takes s, p, d, g, c, b)"
};

inline constexpr int kCnnMaxLayers = 128;           // layers in a stack, after "*n" repeats
inline constexpr Index kCnnMaxNumber = Index{1} << 20;  // any number in the text form

// Parses the text form above. nullopt (with *error) for an empty list, an unknown kind or field, a
// field the kind does not take or given twice, a missing or malformed number, a number above
// kCnnMaxNumber, a zero where at least 1 is needed, or more than kCnnMaxLayers layers. Shapes are
// not checked here (see AnalyzeCnn).
std::optional<std::vector<CnnLayer>> ParseLayers(std::string_view text, LayerParseError* error = nullptr);
// "conv3x3p1c64": one layer in canonical form.
std::string FormatLayer(const CnnLayer& layer);
// "conv3x3p1c64, pool2, ...": the canonical form ParseLayers reads back (equal layer lists).
std::string FormatLayers(std::span<const CnnLayer> layers);

// [SECTION] Spec, limits and analysis

inline constexpr Index kCnnMaxSide = Index{1} << 16;     // px: input side and every map side (up-sampling included)
inline constexpr Index kCnnMaxChannels = Index{1} << 16; // channels of every map, features of a linear layer
inline constexpr Index kCnnMaxKernel = 1024;             // kernel, stride, padding, dilation, up factor
inline constexpr Index kCnnFieldPeriodCap = 512;         // locations scanned for CnnField::size (see the top)

struct CnnSpec {
    Index in_channels = 3;           // input channels (3: RGB)
    Index in_h = 224;                // px
    Index in_w = 224;                // px
    std::vector<CnnLayer> layers;    // applied in order

    bool operator==(const CnnSpec&) const = default;
};

struct CnnShape {
    Index c = 0, h = 0, w = 0;  // channels, rows, columns
    bool operator==(const CnnShape&) const = default;
};

// Receptive-field summary of one axis (see the top).
struct CnnField {
    Index size = 1;       // input pixels: largest unclipped region over output locations
    Index jump_num = 1;   // jump = jump_num / jump_den input pixels per output step (0: global)
    Index jump_den = 1;   // > 0; the fraction is kept reduced
    Index start = 0;      // input pixel where output location 0's unclipped region starts
    Index period = 1;     // locations after which the regions repeat (1 without up-sampling); capped
                          // at kCnnFieldPeriodCap + 1
    bool global = false;  // every location sees the whole input (after gap, fc, transformer)
    double Jump() const { return static_cast<double>(jump_num) / static_cast<double>(jump_den); }
};

// The transformer block's counts for N tokens of width d, MLP width m (see the top); nullopt on overflow.
struct CnnTransformerCounts {
    Count parameters = 0;  // 4d^2 + 4d + 2dm + m + d + 4d
    Count macs = 0;        // 4Nd^2 + 2N^2 d + 2Ndm
};
std::optional<CnnTransformerCounts> CnnTransformerBlockCounts(Index tokens, Index width, Index mlp);

struct CnnLayerStats {
    CnnLayer layer;             // as resolved: out_channels filled in, pools' stride set
    std::string text;           // FormatLayer(layer as typed)
    CnnShape in, out;           // incoming and outgoing map
    Count weights = 0;          // parameters that are not biases (a transformer block's LayerNorm gammas and betas count here)
    Count biases = 0;           // bias vectors of convolutions and linear layers (a transformer block's: 3d + d + m + d)
    Count parameters = 0;       // weights + biases
    Count macs = 0;             // torchvision convention (see the top)
    Count activations = 0;      // out.c * out.h * out.w
    CnnField field_y, field_x;  // receptive field of this layer's output, in input pixels
};

struct CnnStats {
    CnnShape input;                     // in_channels x in_h x in_w
    std::vector<CnnLayerStats> layers;  // one per layer, input side first
    CnnShape out;                       // the last layer's output (the input when there are no layers)
    Count parameters = 0;               // sums over layers
    Count macs = 0;
    Count activations = 0;              // sum of every layer's output elements (input not included)
    Count max_activation = 0;           // the largest single output map, elements
};

// Per-layer and total figures, or nullopt with issues. Fields: "in_channels", "in_h", "in_w" (outside
// 1..their limit), "layers" (messages name the layer, numbered from 1 as people count: "layer 7
// (maxpool2): the 1 x 1 map is smaller than the 2 x 2 window: the stack shrinks the map to nothing"), for: no layers, a map shrinking below 1 or
// growing past kCnnMaxSide, channels past kCnnMaxChannels, groups not dividing, pooling padding above
// half the window (PyTorch refuses it), heads not dividing the width, any count overflowing 64 bits.
std::optional<CnnStats> AnalyzeCnn(const CnnSpec& spec, std::vector<SpecIssue>* issues = nullptr);
// AnalyzeCnn's issues (empty when it succeeds).
std::vector<SpecIssue> Validate(const CnnSpec& spec);

// [SECTION] Receptive field of a location

struct PixelRegion {
    Index y0 = 0, x0 = 0, y1 = 0, x1 = 0;  // input pixels [y0, y1) x [x0, x1)
    bool Empty() const { return y1 <= y0 || x1 <= x0; }
    bool operator==(const PixelRegion&) const = default;
};

struct InputRegionResult {
    PixelRegion clipped;    // the tight box of the input pixels the taps reach (see the top); within [0, in_h) x [0, in_w)
    PixelRegion unclipped;  // the textbook region, may reach outside the image
};

// Input pixels that output location (out_y, out_x) of layer `layer_index` (0-based, into
// stats.layers) can depend on; nullopt for a layer or location out of range. Cost: see the top.
std::optional<InputRegionResult> InputRegion(const CnnStats& stats, Index layer_index, Index out_y, Index out_x);

// [SECTION] Presets

struct CnnPreset {
    std::string key;    // "notes", "vgg16", "encoder_decoder", "mobilenet_v1", "hybrid"
    std::string title;  // English, one line
    CnnSpec spec;
};
// notes: the notes' plain hierarchy at 256x256x3 (3x3 convolutions 64 -> 1024 with 2x2 max pools;
//   first layer 3x3x3x64 = 1,728 weights, last 3x3x512x1024 = 4,718,592);
// vgg16: torchvision vgg16 at 224 (13 convolutions with bias, 5 max pools, classifier 25088 -> 4096 ->
//   4096 -> 1000; no dropout, no adaptive pool: it is the identity at 224). 14,714,688 convolution
//   parameters, 138,357,544 in all;
// encoder_decoder: U-Net-like without skips at 256x256x3: three stride-2 downs, three transposed-conv
//   ups back to 256x256x3;
// mobilenet_v1: MobileNet v1 1.0 at 224 (stem conv 3x3 s2 32, 13 depth-wise separable blocks, global
//   average pool, Linear(1024, 1000)); convolutions without bias, classifier with bias, no batch norm:
//   4,210,088 parameters, 568,740,352 MACs;
// hybrid: a convolutional stem (four stride-2 3x3 convolutions, 256 -> 16) then a 1x1 projection to
//   width 384, 6 transformer blocks (6 heads, MLP 4x), global average pool, Linear(384, 1000).
std::vector<CnnPreset> CnnPresets();
// The preset named `key`, or nullopt.
std::optional<CnnSpec> FindCnnPreset(std::string_view key);

// [SECTION] Forward pass

// Weights of every layer, PyTorch layouts: convolution (out, in/groups, kh, kw); transposed
// convolution (in, out/groups, kh, kw); linear (out, in); transformer block: all its parameters in
// `weights`, concatenated: ln1 gamma[d], ln1 beta[d], W_qkv[3d x d], b_qkv[3d], W_o[d x d], b_o[d],
// ln2 gamma[d], ln2 beta[d], W_1[m x d], b_1[m], W_2[d x m], b_2[d] (its `biases` entry stays empty).
// Layers without parameters: empty.
struct CnnWeights {
    std::vector<std::vector<float>> weights;  // one per layer
    std::vector<std::vector<float>> biases;   // one per layer
};

// Deterministic weights: uniform(-b, b), b = 1/sqrt(fan_in) (PyTorch's default bound) from a
// splitmix64 stream per layer seeded by (seed, layer index); LayerNorm gamma 1, beta 0. nullopt
// (with *error) when the stack has more than max_parameters parameters (they are allocated).
std::optional<CnnWeights> SeedCnnWeights(const CnnStats& stats, std::uint64_t seed,
                                         Count max_parameters = Count{1} << 24, std::string* error = nullptr);

// Limits of ForwardStack and ForwardStackReference. max_macs is sized for ForwardStack at about a
// second; it was 2^28 for the direct loops. Measured with bench/bench_cnn.cpp (one thread,
// RelWithDebInfo, medians of 5, ranges over runs on this project's shared 2-core Xeon VM): ForwardStack
// does 5 to 9 G MACs a second with SSE2 only and 8 to 20 with AVX2 + FMA (LENS_NATIVE), the direct
// loops 0.1 to 0.5 (15 to 40 times slower than SSE2 GEMMs, 35 to 120 times than AVX2 ones). The notes'
// hierarchy at 256 x 256 (4.93 G MACs) takes 0.59 to 0.68 s (SSE2) or 0.27 to 0.35 s (AVX2), MobileNet
// v1 at 224 (0.57 G MACs) 78 to 106 ms or 41 to 59 ms. 2^33 MACs is then about 1 s with SSE2 (about
// 0.5 s with AVX2). ForwardStackReference takes the same limits: near 2^33 it runs for half a minute.
struct CnnForwardLimits {
    Count max_macs = Count{1} << 33;      // refuse stacks above this many MACs (8,589,934,592)
    Count max_elements = Count{1} << 26;  // refuse when all output maps together exceed this many floats
    Count max_scratch = Count{1} << 22;   // floats (16 MiB) of ForwardStack's buffer beyond the maps: the
                                          // im2col (col2im) matrix of a chunk of output (input) positions,
                                          // a chunk of attention score rows (one row of H*W at least). A
                                          // layer whose single patch is larger runs the direct loops.
};

// Runs the stack on `input` (C,H,W channel-major, stats.input's size), no activation functions (the
// stack is linear except max pooling and the transformer block's LayerNorm, softmax and GELU): every
// layer's output, C,H,W channel-major. nullopt (with *error) on a size mismatch or above the limits;
// nothing is allocated past them. One thread; float arithmetic through Eigen GEMMs:
// - convolutions (Conv, Down, Pointwise, grouped): 1x1 stride-1 unpadded ones are one GEMM per group
//   on the maps as they lie (no copy); the others im2col + GEMM per group, over chunks of output
//   positions so the im2col buffer stays under max_scratch;
// - one input channel per group (Depthwise, and any groups == in_channels convolution): direct loops
//   over rows, vectorised along each output row, no buffer;
// - transposed convolutions: GEMM per group then col2im (scatter-add), chunked the same way;
// - linear layers and the transformer block: GEMMs; attention over chunks of query rows;
// - pools, up-sampling, global average pool: direct loops (no multiplies to speed up).
// Results equal ForwardStackReference's up to float rounding (the tests hold every layer within 1e-4
// of that layer's largest magnitude).
std::optional<std::vector<std::vector<float>>> ForwardStack(const CnnStats& stats, const CnnWeights& weights,
                                                            std::span<const float> input,
                                                            const CnnForwardLimits& limits = {},
                                                            std::string* error = nullptr);

// The reference for tests and benchmarks (the forward pass as it was before the GEMMs): the same
// contract and checks as ForwardStack, computed by direct scalar loops with double accumulators, one
// output element at a time (transposed convolutions: one input element at a time, into a double
// accumulator the size of the output). max_scratch is not used. 15 to 120 times slower than
// ForwardStack on the presets (see CnnForwardLimits); not for the panels.
std::optional<std::vector<std::vector<float>>> ForwardStackReference(const CnnStats& stats, const CnnWeights& weights,
                                                                     std::span<const float> input,
                                                                     const CnnForwardLimits& limits = {},
                                                                     std::string* error = nullptr);

}  // namespace lens
