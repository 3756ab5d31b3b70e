// lens/conv.hpp: convolution (1-D and 2-D) as the expanded sparse matrix it is.
//
// The notes' point: a convolution is y = M x with M huge, sparse and repetitive. With channel-major
// flattening M's non-zero pattern is a Kronecker product
//     pattern(M) = G (x) Y (x) X
// where G (out_channels x in_channels) is block-diagonal ones for the groups, and Y (out_h x in_h),
// X (out_w x in_w) are the 1-D patterns of the kernel along each axis (position-major flattening
// gives Y (x) X (x) G). Counts, statistics and the rasterizer work from that structure; nothing
// here materialises M unless a budget allows it.
//
// Conventions: names and formulas follow PyTorch's nn.Conv1d/Conv2d (in_channels, out_channels,
// kernel_size, stride, padding, dilation, groups, bias; weight layout (out_channels,
// in_channels/groups, kernel_h, kernel_w); output size floor((in + pad_lo + pad_hi -
// dilation*(kernel-1) - 1)/stride) + 1). A 1-D convolution is the 2-D one with in_h = kernel_h = 1.
// Flattening order is stated on every spec (FlatOrder). Bias is not in the matrix: y = M x + b.
//
// [SECTION] Spec and validation
// [SECTION] Statistics
// [SECTION] Operator
// [SECTION] Reference computations (direct, im2col + GEMM, dense) for timing and checking
// [SECTION] Presets
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lens/operator.hpp"
#include "lens/spec.hpp"
#include "lens/types.hpp"  // FlatOrder

namespace lens {

class FigureVisitor;  // lens/figures.hpp

// [SECTION] Spec and validation

enum class PaddingMode {
    Explicit,  // `padding` zeros on every side (PyTorch padding=int)
    Valid,     // no padding (PyTorch padding='valid')
    Same,      // output size == input size, stride 1 only; total dilation*(kernel-1), the odd one
               // on the right/bottom (PyTorch padding='same')
    Full,      // dilation*(kernel-1) on every side: every partial overlap (the notes' 256 -> 258)
};

struct ConvSpec {
    int dims = 2;                                   // 1 or 2 (1-D: in_h = kernel_h = 1)
    Index in_h = 8;                                 // input height, elements (1 for 1-D)
    Index in_w = 8;                                 // input width (1-D: length), elements
    Index in_channels = 1;                          // Cin
    Index out_channels = 1;                         // Cout
    Index kernel_h = 3;                             // kernel height, taps (1 for 1-D)
    Index kernel_w = 3;                             // kernel width, taps
    Index stride = 1;                               // step between outputs, elements, both axes
    PaddingMode padding_mode = PaddingMode::Explicit;
    Index padding = 0;                              // zeros per side, elements (Explicit only; 1-D: width only)
    Index dilation = 1;                             // spacing between taps, elements, both axes
    Index groups = 1;                               // divides in_channels and out_channels
    bool bias = false;                              // adds out_channels parameters, outside the matrix
    FlatOrder order = FlatOrder::ChannelMajor;      // how tensors are flattened into vectors
    std::uint64_t seed = 1;                         // seeds the deterministic weights

    bool operator==(const ConvSpec&) const = default;
};

// Limits on what a user can type, so that nothing hangs or allocates without bound.
inline constexpr Index kConvMaxSide = Index{1} << 20;       // in_h, in_w, padding
inline constexpr Index kConvMaxChannels = Index{1} << 16;   // in_channels, out_channels, groups
inline constexpr Index kConvMaxKernel = 1024;               // kernel_h, kernel_w, stride, dilation
inline constexpr Count kConvMaxWeights = Count{1} << 26;    // stored weights (they are allocated)

// Every problem with the spec (empty when valid): non-positive or oversized fields, groups not
// dividing the channels, kernel larger than the padded input, 'same' with stride > 1, 1-D specs
// with in_h or kernel_h != 1, and sizes whose products (rows, cols, non-zeros, dense MACs,
// im2col entries) overflow 64 bits.
std::vector<SpecIssue> Validate(const ConvSpec& spec);

// Padding applied on each side of one axis, after resolving the mode.
struct AxisPadding {
    Index lo = 0;  // top or left, elements
    Index hi = 0;  // bottom or right, elements
};
// Padding of a spatial axis (height: vertical = true). 1-D specs never pad the height.
AxisPadding ResolvePadding(const ConvSpec& spec, bool vertical);

// PyTorch's output size floor((in + pad_lo + pad_hi - dilation*(kernel-1) - 1)/stride) + 1, with
// floor division; a result < 1 means the kernel does not fit. Arguments must be within the limits.
Index ConvOutputSize(Index in, Index kernel, Index stride, Index pad_lo, Index pad_hi, Index dilation);

// [SECTION] Statistics

// Exact figures of the expanded matrix (checked 64-bit arithmetic).
struct ConvStats {
    Index out_h = 0, out_w = 0;           // output size, elements
    AxisPadding pad_h, pad_w;             // resolved padding, elements
    Index rows = 0;                       // out_channels * out_h * out_w (flattened output)
    Index cols = 0;                       // in_channels * in_h * in_w (flattened input)
    Count nonzeros = 0;                   // structural non-zeros: taps that land inside the input
    double density = 0;                   // nonzeros / (rows * cols)
    Count weights = 0;                    // kernel_h*kernel_w*in_channels/groups*out_channels
    Count parameters = 0;                 // weights + out_channels when bias
    // One multiply-accumulate per structural non-zero. Taps that land on padding are NOT
    // structural non-zeros (they multiply a zero that is not in x), so useful_macs < padded_macs
    // whenever padding is used.
    Count useful_macs = 0;
    Count padded_macs = 0;                // out positions * taps * in_channels/groups * out_channels
    Count dense_macs = 0;                 // rows * cols: a dense GEMM on the expanded matrix
    double gemm_utilization = 0;          // useful_macs / dense_macs
    // im2col: per group, a (out_h*out_w) x (in_channels/groups * kernel_h * kernel_w) matrix
    // (padding taps included as zeros), multiplied by the group's weights.
    Count im2col_rows = 0;                // out_h * out_w
    Count im2col_cols = 0;                // in_channels/groups * kernel_h * kernel_w (per group)
    Count im2col_entries = 0;             // im2col_rows * im2col_cols * groups (total)
    Count input_elements = 0;             // in_channels * in_h * in_w
    double im2col_duplication = 0;        // im2col_entries / input_elements
    // The notes' depth-wise separable comparison: kernel*Cin (depth-wise) + Cin*Cout (point-wise).
    Count separable_weights = 0;
};

// Statistics of a valid spec, nullopt when Validate(spec) reports anything.
std::optional<ConvStats> ComputeConvStats(const ConvSpec& spec);

// kernel_h*kernel_w*cin*cout: weights of a standard convolution (nullopt on overflow/negative).
std::optional<Count> StandardConvWeights(Count kernel_h, Count kernel_w, Count cin, Count cout);
// kernel_h*kernel_w*cin + cin*cout: depth-wise then point-wise (nullopt on overflow/negative).
std::optional<Count> SeparableParameters(Count kernel_h, Count kernel_w, Count cin, Count cout);

// [SECTION] Operator

// Coordinates of one tensor element (channel, row, column); 1-D tensors have y = 0.
struct ConvCoord {
    Index c = 0;
    Index y = 0;
    Index x = 0;
    bool operator==(const ConvCoord&) const = default;
};

// The expanded matrix of a valid ConvSpec. Row = output element, column = input element, both in
// spec.order. Parameter index = flat index into the PyTorch weight layout
// (out_channels, in_channels/groups, kernel_h, kernel_w), so a parameter names (o, i, ky, kx).
class ConvOperator final : public StructuredMatrix {
public:
    // The operator of `spec`, or nullopt (issues in *issues) when the spec is invalid.
    // Weights (and bias) are seeded: uniform(-b, b), b = 1/sqrt(in_channels/groups*kernel_h*kernel_w)
    // (PyTorch's default bound), from a splitmix64 stream started at spec.seed.
    static std::optional<ConvOperator> Create(const ConvSpec& spec, std::vector<SpecIssue>* issues = nullptr);

    const ConvSpec& Spec() const { return m_spec; }
    const ConvStats& Stats() const { return m_stats; }

    // Weights in PyTorch layout (out_channels, in_channels/groups, kernel_h, kernel_w).
    std::span<const float> Weights() const { return m_weights; }
    // Replaces the weights; false (nothing changes) unless weights.size() == Stats().weights.
    bool SetWeights(std::vector<float> weights);
    // Bias (out_channels values; empty when spec.bias is false).
    std::span<const float> Bias() const { return m_bias; }
    // Replaces the bias; false unless spec.bias and bias.size() == out_channels.
    bool SetBias(std::vector<float> bias);

    // Flattened index <-> coordinates, in spec.order. Out-of-range input gives out-of-range output.
    ConvCoord DecodeRow(Index row) const;  // output element (o, oy, ox)
    ConvCoord DecodeCol(Index col) const;  // input element (i, iy, ix)
    Index EncodeRow(const ConvCoord& out) const;
    Index EncodeCol(const ConvCoord& in) const;
    // Parameter index of weight w[o, i_local, ky, kx] and back.
    Index ParamIndex(Index out_c, Index in_local, Index ky, Index kx) const;
    struct ParamCoord {
        Index out_c, in_local, ky, kx;
    };
    ParamCoord DecodeParam(Index param) const;

    // The receptive field of output element (out_c, out_y, out_x): calls fn(in_c, in_y, in_x, param)
    // for every tap that lands inside the input (padding taps are skipped), channels outermost,
    // then ky, then kx. Nothing for an out-of-range output.
    template <class Fn>
    void ForEachTap(Index out_c, Index out_y, Index out_x, Fn&& fn) const;

    // [StructuredMatrix]
    Index Rows() const override { return m_stats.rows; }
    Index Cols() const override { return m_stats.cols; }
    Count NonZeros() const override { return m_stats.nonzeros; }
    Count Parameters() const override { return m_stats.weights; }
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;
    float ParameterValue(Index param) const override;
    std::optional<Index> ParameterAt(Index row, Index col) const override;  // O(1)
    // Exact, from the Kronecker structure. Count costs O(pixels) plus small per-axis tables;
    // MeanValue and ParameterId on pixels that cover several entries cost O(pixels * taps) and
    // O(pixels) (with larger constants); one-entry pixels are looked up directly.
    void Rasterize(const Viewport& viewport, RasterMode mode, Grid<float>& out) const override;
    // y = M x from the structure (no materialisation), in spec.order. Bias excluded: see ApplyBias.
    void Apply(std::span<const float> x, std::span<float> y) const override;
    // "output (c=2, y=5, x=7) <- input (c=1, y=4, x=6) via w[2,1,0,0] = 0.1234", or the reason it is 0.
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;         // "out (c=3, y=10, x=4)"
    std::string ColLabel(Index col) const override;         // "in (c=1, y=9, x=3)"
    std::string ParameterLabel(Index param) const override; // "w[3,1,0,2]"
    EntryCoords RowCoords(Index row) const override;
    EntryCoords ColCoords(Index col) const override;
    std::vector<WeightRef> ParameterWeights(Index param) const override;  // w[o, i, ky, kx] (1-D: w[o, i, k])

    // y += bias, y in spec.order (size Rows()); nothing when the spec has no bias or sizes differ.
    void ApplyBias(std::span<float> y) const;

private:
    ConvOperator() = default;
    // Geometry of one spatial axis.
    struct Axis {
        Index in = 1, out = 1, kernel = 1, stride = 1, dilation = 1, pad_lo = 0;
        // Input position hit by output position o with tap k (may be outside [0, in)).
        Index Hit(Index o, Index k) const { return o * stride - pad_lo + k * dilation; }
    };
    Index InStrideC() const { return m_spec.order == FlatOrder::ChannelMajor ? m_h.in * m_w.in : 1; }
    Index InStrideY() const { return m_spec.order == FlatOrder::ChannelMajor ? m_w.in : m_w.in * m_spec.in_channels; }
    Index InStrideX() const { return m_spec.order == FlatOrder::ChannelMajor ? 1 : m_spec.in_channels; }

    friend struct ConvRasterAccess;
    ConvSpec m_spec;
    ConvStats m_stats;
    Axis m_h, m_w;
    Index m_in_per_group = 1;   // in_channels / groups
    Index m_out_per_group = 1;  // out_channels / groups
    std::vector<float> m_weights;
    std::vector<float> m_bias;
};

template <class Fn>
void ConvOperator::ForEachTap(Index out_c, Index out_y, Index out_x, Fn&& fn) const {
    if (out_c < 0 || out_c >= m_spec.out_channels || out_y < 0 || out_y >= m_h.out || out_x < 0 || out_x >= m_w.out) return;
    const Index group = out_c / m_out_per_group;
    for (Index il = 0; il < m_in_per_group; ++il) {
        const Index in_c = group * m_in_per_group + il;
        for (Index ky = 0; ky < m_h.kernel; ++ky) {
            const Index iy = m_h.Hit(out_y, ky);
            if (iy < 0 || iy >= m_h.in) continue;
            for (Index kx = 0; kx < m_w.kernel; ++kx) {
                const Index ix = m_w.Hit(out_x, kx);
                if (ix < 0 || ix >= m_w.in) continue;
                fn(in_c, iy, ix, ParamIndex(out_c, il, ky, kx));
            }
        }
    }
}

// The operator's exported figures, named as in the conv panel's stats.json: dims, padding ("valid",
// "same", "full" or the explicit count), order, every ConvStats count and ratio, and the arrays
// "weight" (out_channels, in_channels/groups, kernel_h, kernel_w) and "bias" (when the spec has one).
void VisitFigures(const ConvOperator& op, FigureVisitor& visitor);
// The padding as exported: "valid", "same", "full" or the explicit count ("2").
std::string PaddingText(const ConvSpec& spec);

// [SECTION] Reference computations (direct, im2col + GEMM, dense) for timing and checking
// All take and produce C,H,W (channel-major) tensors whatever op.Spec().order is, exclude the bias,
// and return false (leaving y untouched) when sizes do not match.

// Naive nested loops over (o, oy, ox, i, ky, kx) with explicit bounds checks.
bool ConvDirect(const ConvOperator& op, std::span<const float> x_chw, std::span<float> y_chw);
// im2col per group as an Eigen matrix, times the group's weight matrix (one GEMM per group).
// Refuses (false, *why) when the im2col matrix would exceed max_entries floats.
bool ConvIm2colGemm(const ConvOperator& op, std::span<const float> x_chw, std::span<float> y_chw, Count max_entries,
                    std::string* why = nullptr);
// y = dense * x where dense = ToDense(op, ...) (in op's order); inputs/outputs converted from/to CHW.
bool ConvDenseGemm(const ConvOperator& op, const Eigen::MatrixXf& dense, std::span<const float> x_chw,
                   std::span<float> y_chw);
// Reorders a flattened input (input = true, Cols() values) or output (Rows() values) between
// C,H,W and op's order; empty when the size does not match.
std::vector<float> ChwToOrder(const ConvOperator& op, std::span<const float> chw, bool input);
std::vector<float> OrderToChw(const ConvOperator& op, std::span<const float> ordered, bool input);

// [SECTION] Presets

// 1x1 convolution (point-wise): mixes channels, never positions.
ConvSpec PointwiseSpec(Index in_h, Index in_w, Index in_channels, Index out_channels);
// Depth-wise convolution: groups = channels, one kernel per channel, no channel mixing.
ConvSpec DepthwiseSpec(Index in_h, Index in_w, Index channels, Index kernel, PaddingMode padding_mode);

// The notes' cases, by key: "conv1d_256_k3", "conv1d_256_c64", "conv2d_256_c64", "depthwise",
// "pointwise", "small".
std::vector<std::pair<std::string, ConvSpec>> ConvPresets();
// The preset named `key`, or nullopt.
std::optional<ConvSpec> FindConvPreset(const std::string& key);

}  // namespace lens
