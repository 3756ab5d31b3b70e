// conv.cpp: convolution as an expanded sparse matrix.
//
// [SECTION] Arithmetic helpers
// [SECTION] Spec: padding, output size, validation
// [SECTION] Statistics
// [SECTION] Operator: construction, weights, index maps
// [SECTION] Operator: rows, lookups, labels
// [SECTION] Operator: matrix-free product
// [SECTION] Reference computations (direct, im2col + GEMM, dense)
// [SECTION] Presets
// [SECTION] Rasterizer: Kronecker factors
// [SECTION] Rasterizer: pixel plans and the prefix-sum engine
// [SECTION] Rasterizer: modes
#include "lens/conv.hpp"
#include "lens/random.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <type_traits>

namespace lens {
namespace {

// [SECTION] Arithmetic helpers

__extension__ typedef unsigned __int128 U128;  // exact moments for ParameterId (see RasterizeParameterId)

// floor(a / b) and ceil(a / b) for b > 0 and any sign of a (C++ division truncates toward 0).
Index FloorDiv(Index a, Index b) { return a / b - ((a % b != 0) && (a < 0)); }
Index CeilDiv(Index a, Index b) { return -FloorDiv(-a, b); }

// Number of output positions o in [0, out) whose tap k lands inside [0, in).
Index ValidOutputs(Index in, Index out, Index stride, Index dilation, Index pad_lo, Index k) {
    const Index offset = pad_lo - k * dilation;  // input = o * stride - offset
    const Index lo = std::max<Index>(0, CeilDiv(offset, stride));
    const Index hi = std::min(out, CeilDiv(in + offset, stride));
    return std::max<Index>(0, hi - lo);
}


std::string Coord(const ConvCoord& c, int dims) {
    char buffer[96];
    if (dims == 1) {
        std::snprintf(buffer, sizeof buffer, "(c=%lld, x=%lld)", static_cast<long long>(c.c), static_cast<long long>(c.x));
    } else {
        std::snprintf(buffer, sizeof buffer, "(c=%lld, y=%lld, x=%lld)", static_cast<long long>(c.c),
                      static_cast<long long>(c.y), static_cast<long long>(c.x));
    }
    return buffer;
}

// [SECTION] Spec: padding, output size, validation

struct FieldLimit {
    const char* field;
    Index ConvSpec::*member;
    Index min;
    Index max;
};

constexpr FieldLimit kFieldLimits[] = {
    {"in_h", &ConvSpec::in_h, 1, kConvMaxSide},
    {"in_w", &ConvSpec::in_w, 1, kConvMaxSide},
    {"in_channels", &ConvSpec::in_channels, 1, kConvMaxChannels},
    {"out_channels", &ConvSpec::out_channels, 1, kConvMaxChannels},
    {"kernel_h", &ConvSpec::kernel_h, 1, kConvMaxKernel},
    {"kernel_w", &ConvSpec::kernel_w, 1, kConvMaxKernel},
    {"stride", &ConvSpec::stride, 1, kConvMaxKernel},
    {"padding", &ConvSpec::padding, 0, kConvMaxSide},
    {"dilation", &ConvSpec::dilation, 1, kConvMaxKernel},
    {"groups", &ConvSpec::groups, 1, kConvMaxChannels},
};

// Figures derived from a spec whose fields are each within their limits; fails naming the first
// product that overflows 64 bits.
struct Derived {
    ConvStats stats;
    std::optional<SpecIssue> issue;
};

Derived Derive(const ConvSpec& spec) {
    Derived d;
    ConvStats& s = d.stats;
    auto fail = [&](const char* field, std::string what) {
        d.issue = SpecIssue{field, std::move(what)};
        return d;
    };
    const char* size_field = spec.dims == 1 ? "in_w" : "in_h";
    s.pad_h = ResolvePadding(spec, true);
    s.pad_w = ResolvePadding(spec, false);
    // Each field is bounded, so these sums and products of two or three fields fit easily.
    s.out_h = ConvOutputSize(spec.in_h, spec.kernel_h, spec.stride, s.pad_h.lo, s.pad_h.hi, spec.dilation);
    s.out_w = ConvOutputSize(spec.in_w, spec.kernel_w, spec.stride, s.pad_w.lo, s.pad_w.hi, spec.dilation);
    const Index in_per_group = spec.in_channels / spec.groups;
    const Index out_per_group = spec.out_channels / spec.groups;

    const auto rows = CheckedProduct({spec.out_channels, s.out_h, s.out_w});
    const auto cols = CheckedProduct({spec.in_channels, spec.in_h, spec.in_w});
    if (!rows) return fail(size_field, "the output (out_channels x out_h x out_w) has more than 2^63 elements");
    if (!cols) return fail(size_field, "the input (in_channels x in_h x in_w) has more than 2^63 elements");
    s.rows = *rows;
    s.cols = *cols;
    s.input_elements = *cols;
    const auto dense = CheckedMul(s.rows, s.cols);
    if (!dense) {
        return fail(size_field, "the expanded matrix (" + FormatExact(s.rows) + " x " + FormatExact(s.cols) +
                                    ") has more than 2^63 entries; make the input or the channels smaller");
    }
    s.dense_macs = *dense;

    const auto weights = CheckedProduct({spec.kernel_h, spec.kernel_w, in_per_group, spec.out_channels});
    if (!weights || *weights > kConvMaxWeights) {
        return fail("out_channels", "kernel_h x kernel_w x in_channels/groups x out_channels exceeds the limit of " +
                                        FormatExact(kConvMaxWeights) + " weights");
    }
    s.weights = *weights;
    s.parameters = s.weights + (spec.bias ? spec.out_channels : 0);

    // Non-zeros separate per axis: (taps landing inside, summed over ky) x (same over kx).
    Count valid_h = 0;
    Count valid_w = 0;
    for (Index k = 0; k < spec.kernel_h; ++k) valid_h += ValidOutputs(spec.in_h, s.out_h, spec.stride, spec.dilation, s.pad_h.lo, k);
    for (Index k = 0; k < spec.kernel_w; ++k) valid_w += ValidOutputs(spec.in_w, s.out_w, spec.stride, spec.dilation, s.pad_w.lo, k);
    const auto nonzeros = CheckedProduct({spec.out_channels, in_per_group, valid_h, valid_w});
    if (!nonzeros) return fail(size_field, "the number of non-zeros exceeds 2^63");
    s.nonzeros = *nonzeros;
    s.useful_macs = s.nonzeros;
    s.density = s.dense_macs > 0 ? static_cast<double>(s.nonzeros) / static_cast<double>(s.dense_macs) : 0.0;
    s.gemm_utilization = s.density;

    s.im2col_rows = s.out_h * s.out_w;
    s.im2col_cols = in_per_group * spec.kernel_h * spec.kernel_w;
    const auto im2col = CheckedProduct({s.im2col_rows, s.im2col_cols, spec.groups});
    const auto padded = CheckedProduct({s.im2col_rows, s.im2col_cols, out_per_group, spec.groups});
    if (!im2col || !padded) return fail(size_field, "the im2col matrix has more than 2^63 entries");
    s.im2col_entries = *im2col;
    s.padded_macs = *padded;
    s.im2col_duplication = static_cast<double>(s.im2col_entries) / static_cast<double>(s.input_elements);
    const auto separable = SeparableParameters(spec.kernel_h, spec.kernel_w, spec.in_channels, spec.out_channels);
    s.separable_weights = separable ? *separable : -1;
    return d;
}

}  // namespace

AxisPadding ResolvePadding(const ConvSpec& spec, bool vertical) {
    if (vertical && spec.dims == 1) return {};
    const Index kernel = vertical ? spec.kernel_h : spec.kernel_w;
    const Index span = spec.dilation * (kernel - 1);  // how far the dilated kernel reaches past its first tap
    switch (spec.padding_mode) {
        case PaddingMode::Explicit: return {spec.padding, spec.padding};
        case PaddingMode::Valid: return {};
        case PaddingMode::Same: return {span / 2, span - span / 2};  // PyTorch: the odd one goes right/bottom
        case PaddingMode::Full: return {span, span};
    }
    return {};
}

Index ConvOutputSize(Index in, Index kernel, Index stride, Index pad_lo, Index pad_hi, Index dilation) {
    return FloorDiv(in + pad_lo + pad_hi - dilation * (kernel - 1) - 1, stride) + 1;
}

std::vector<SpecIssue> Validate(const ConvSpec& spec) {
    std::vector<SpecIssue> issues;
    if (spec.dims != 1 && spec.dims != 2) issues.push_back({"dims", "dims must be 1 or 2"});
    for (const FieldLimit& limit : kFieldLimits) {
        const Index value = spec.*(limit.member);
        if (value < limit.min || value > limit.max) {
            issues.push_back({limit.field, std::string(limit.field) + " must be between " + FormatExact(limit.min) +
                                               " and " + FormatExact(limit.max) + " (got " + FormatExact(value) + ")"});
        }
    }
    if (!issues.empty()) return issues;  // the checks below divide and multiply these fields

    if (spec.dims == 1 && spec.in_h != 1) issues.push_back({"in_h", "a 1-D convolution has in_h = 1"});
    if (spec.dims == 1 && spec.kernel_h != 1) issues.push_back({"kernel_h", "a 1-D convolution has kernel_h = 1"});
    if (spec.in_channels % spec.groups != 0) {
        issues.push_back({"groups", "groups (" + FormatExact(spec.groups) + ") must divide in_channels (" +
                                        FormatExact(spec.in_channels) + ")"});
    }
    if (spec.out_channels % spec.groups != 0) {
        issues.push_back({"groups", "groups (" + FormatExact(spec.groups) + ") must divide out_channels (" +
                                        FormatExact(spec.out_channels) + ")"});
    }
    if (spec.padding_mode == PaddingMode::Same && spec.stride != 1) {
        issues.push_back({"padding_mode", "padding 'same' needs stride 1 (PyTorch refuses strided 'same')"});
    }
    for (const bool vertical : {true, false}) {
        if (vertical && spec.dims == 1) continue;
        const AxisPadding pad = ResolvePadding(spec, vertical);
        const Index in = vertical ? spec.in_h : spec.in_w;
        const Index kernel = vertical ? spec.kernel_h : spec.kernel_w;
        if (ConvOutputSize(in, kernel, spec.stride, pad.lo, pad.hi, spec.dilation) < 1) {
            issues.push_back({vertical ? "kernel_h" : "kernel_w",
                              "the dilated kernel (" + FormatExact(spec.dilation * (kernel - 1) + 1) +
                                  ") is larger than the padded input (" + FormatExact(in + pad.lo + pad.hi) + ")"});
        }
    }
    if (!issues.empty()) return issues;
    if (auto issue = Derive(spec).issue) issues.push_back(*issue);
    return issues;
}

// [SECTION] Statistics

std::optional<ConvStats> ComputeConvStats(const ConvSpec& spec) {
    if (!Validate(spec).empty()) return std::nullopt;
    return Derive(spec).stats;
}

std::optional<Count> StandardConvWeights(Count kernel_h, Count kernel_w, Count cin, Count cout) {
    return CheckedProduct({kernel_h, kernel_w, cin, cout});
}

std::optional<Count> SeparableParameters(Count kernel_h, Count kernel_w, Count cin, Count cout) {
    const auto depthwise = CheckedProduct({kernel_h, kernel_w, cin});
    const auto pointwise = CheckedMul(cin, cout);
    if (!depthwise || !pointwise) return std::nullopt;
    return CheckedAdd(*depthwise, *pointwise);
}

// [SECTION] Operator: construction, weights, index maps

std::optional<ConvOperator> ConvOperator::Create(const ConvSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found = Validate(spec);
    if (!found.empty()) {
        if (issues) *issues = std::move(found);
        return std::nullopt;
    }
    if (issues) issues->clear();
    ConvOperator op;
    op.m_spec = spec;
    op.m_stats = Derive(spec).stats;
    op.m_in_per_group = spec.in_channels / spec.groups;
    op.m_out_per_group = spec.out_channels / spec.groups;
    op.m_h = Axis{spec.in_h, op.m_stats.out_h, spec.kernel_h, spec.stride, spec.dilation, op.m_stats.pad_h.lo};
    op.m_w = Axis{spec.in_w, op.m_stats.out_w, spec.kernel_w, spec.stride, spec.dilation, op.m_stats.pad_w.lo};
    if (spec.dims == 1) op.m_h = Axis{};  // one row, one tap: every formula below stays 2-D
    // PyTorch's default init bound for both weight and bias: 1/sqrt(fan_in).
    const double bound = 1.0 / std::sqrt(static_cast<double>(op.m_in_per_group * spec.kernel_h * spec.kernel_w));
    std::uint64_t state = spec.seed;
    op.m_weights.resize(static_cast<size_t>(op.m_stats.weights));
    for (float& w : op.m_weights) w = UniformSymmetric(state, bound);
    if (spec.bias) {
        op.m_bias.resize(static_cast<size_t>(spec.out_channels));
        for (float& b : op.m_bias) b = UniformSymmetric(state, bound);
    }
    return op;
}

bool ConvOperator::SetWeights(std::vector<float> weights) {
    if (static_cast<Count>(weights.size()) != m_stats.weights) return false;
    m_weights = std::move(weights);
    return true;
}

bool ConvOperator::SetBias(std::vector<float> bias) {
    if (!m_spec.bias || static_cast<Index>(bias.size()) != m_spec.out_channels) return false;
    m_bias = std::move(bias);
    return true;
}

ConvCoord ConvOperator::DecodeRow(Index row) const {
    if (m_spec.order == FlatOrder::ChannelMajor) {
        const Index plane = m_h.out * m_w.out;
        const Index rem = row % plane;
        return {row / plane, rem / m_w.out, rem % m_w.out};
    }
    const Index pos = row / m_spec.out_channels;
    return {row % m_spec.out_channels, pos / m_w.out, pos % m_w.out};
}

ConvCoord ConvOperator::DecodeCol(Index col) const {
    if (m_spec.order == FlatOrder::ChannelMajor) {
        const Index plane = m_h.in * m_w.in;
        const Index rem = col % plane;
        return {col / plane, rem / m_w.in, rem % m_w.in};
    }
    const Index pos = col / m_spec.in_channels;
    return {col % m_spec.in_channels, pos / m_w.in, pos % m_w.in};
}

Index ConvOperator::EncodeRow(const ConvCoord& out) const {
    if (m_spec.order == FlatOrder::ChannelMajor) return (out.c * m_h.out + out.y) * m_w.out + out.x;
    return (out.y * m_w.out + out.x) * m_spec.out_channels + out.c;
}

Index ConvOperator::EncodeCol(const ConvCoord& in) const {
    if (m_spec.order == FlatOrder::ChannelMajor) return (in.c * m_h.in + in.y) * m_w.in + in.x;
    return (in.y * m_w.in + in.x) * m_spec.in_channels + in.c;
}

Index ConvOperator::ParamIndex(Index out_c, Index in_local, Index ky, Index kx) const {
    return ((out_c * m_in_per_group + in_local) * m_h.kernel + ky) * m_w.kernel + kx;
}

ConvOperator::ParamCoord ConvOperator::DecodeParam(Index param) const {
    ParamCoord p{};
    p.kx = param % m_w.kernel;
    param /= m_w.kernel;
    p.ky = param % m_h.kernel;
    param /= m_h.kernel;
    p.in_local = param % m_in_per_group;
    p.out_c = param / m_in_per_group;
    return p;
}

// [SECTION] Operator: rows, lookups, labels

void ConvOperator::ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const {
    if (row < 0 || row >= Rows()) return;
    const ConvCoord out = DecodeRow(row);
    const Index group = out.c / m_out_per_group;
    const Index c_first = group * m_in_per_group;
    // Ascending columns: channel-major has the channel outermost in the column index, position-major
    // innermost, so the loop nest follows the order (iy and ix grow with ky and kx).
    if (m_spec.order == FlatOrder::ChannelMajor) {
        ForEachTap(out.c, out.y, out.x, [&](Index in_c, Index iy, Index ix, Index param) {
            fn((in_c * m_h.in + iy) * m_w.in + ix, param);
        });
        return;
    }
    for (Index ky = 0; ky < m_h.kernel; ++ky) {
        const Index iy = m_h.Hit(out.y, ky);
        if (iy < 0 || iy >= m_h.in) continue;
        for (Index kx = 0; kx < m_w.kernel; ++kx) {
            const Index ix = m_w.Hit(out.x, kx);
            if (ix < 0 || ix >= m_w.in) continue;
            const Index base = (iy * m_w.in + ix) * m_spec.in_channels + c_first;
            for (Index il = 0; il < m_in_per_group; ++il) fn(base + il, ParamIndex(out.c, il, ky, kx));
        }
    }
}

float ConvOperator::ParameterValue(Index param) const {
    if (param < 0 || param >= static_cast<Index>(m_weights.size())) return 0.0f;
    return m_weights[static_cast<size_t>(param)];
}

std::optional<Index> ConvOperator::ParameterAt(Index row, Index col) const {
    if (row < 0 || row >= Rows() || col < 0 || col >= Cols()) return std::nullopt;
    const ConvCoord out = DecodeRow(row);
    const ConvCoord in = DecodeCol(col);
    const Index group = out.c / m_out_per_group;
    if (in.c / m_in_per_group != group) return std::nullopt;
    // Solve in = out * stride - pad + k * dilation for the tap k on each axis.
    const Index dy = in.y - out.y * m_h.stride + m_h.pad_lo;
    const Index dx = in.x - out.x * m_w.stride + m_w.pad_lo;
    if (dy < 0 || dx < 0 || dy % m_h.dilation != 0 || dx % m_w.dilation != 0) return std::nullopt;
    const Index ky = dy / m_h.dilation;
    const Index kx = dx / m_w.dilation;
    if (ky >= m_h.kernel || kx >= m_w.kernel) return std::nullopt;
    return ParamIndex(out.c, in.c - group * m_in_per_group, ky, kx);
}

std::string ConvOperator::Describe(Index row, Index col) const {
    if (row < 0 || row >= Rows() || col < 0 || col >= Cols()) return "outside the matrix";
    const ConvCoord out = DecodeRow(row);
    const ConvCoord in = DecodeCol(col);
    const std::string head = "output " + Coord(out, m_spec.dims);
    if (const auto param = ParameterAt(row, col)) {
        char value[32];
        std::snprintf(value, sizeof value, "%.4f", static_cast<double>(ParameterValue(*param)));
        return head + " <- input " + Coord(in, m_spec.dims) + " via " + ParameterLabel(*param) + " = " + value;
    }
    const Index out_group = out.c / m_out_per_group;
    const Index in_group = in.c / m_in_per_group;
    if (out_group != in_group) {
        return head + ", input " + Coord(in, m_spec.dims) + ": zero (input channel " + std::to_string(in.c) +
               " is in group " + std::to_string(in_group) + ", output channel " + std::to_string(out.c) +
               " in group " + std::to_string(out_group) + ")";
    }
    return head + ", input " + Coord(in, m_spec.dims) + ": zero (outside the receptive field)";
}

std::string ConvOperator::RowLabel(Index row) const {
    if (row < 0 || row >= Rows()) return StructuredMatrix::RowLabel(row).append(" (outside)");
    return "out " + Coord(DecodeRow(row), m_spec.dims);
}

std::string ConvOperator::ColLabel(Index col) const {
    if (col < 0 || col >= Cols()) return StructuredMatrix::ColLabel(col).append(" (outside)");
    return "in " + Coord(DecodeCol(col), m_spec.dims);
}

std::string ConvOperator::ParameterLabel(Index param) const {
    if (param < 0 || param >= Parameters()) return StructuredMatrix::ParameterLabel(param).append(" (outside)");
    const ParamCoord p = DecodeParam(param);
    char buffer[96];
    // PyTorch's layout: Conv1d weight is (out, in/groups, k), Conv2d (out, in/groups, kh, kw).
    if (m_spec.dims == 1) {
        std::snprintf(buffer, sizeof buffer, "w[%lld,%lld,%lld]", static_cast<long long>(p.out_c),
                      static_cast<long long>(p.in_local), static_cast<long long>(p.kx));
    } else {
        std::snprintf(buffer, sizeof buffer, "w[%lld,%lld,%lld,%lld]", static_cast<long long>(p.out_c),
                      static_cast<long long>(p.in_local), static_cast<long long>(p.ky), static_cast<long long>(p.kx));
    }
    return buffer;
}

// [SECTION] Operator: matrix-free product

void ConvOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != Cols() || static_cast<Index>(y.size()) != Rows()) return;
    std::fill(y.begin(), y.end(), 0.0f);
    const bool channel_major = m_spec.order == FlatOrder::ChannelMajor;
    const Index out_c_stride = channel_major ? m_h.out * m_w.out : 1;
    const Index out_y_stride = channel_major ? m_w.out : m_w.out * m_spec.out_channels;
    const Index out_x_stride = channel_major ? 1 : m_spec.out_channels;
    const Index in_c_stride = InStrideC();
    const Index in_y_stride = InStrideY();
    const Index in_x_stride = InStrideX();
    // One weight at a time over all the output positions it touches: each (o, i, ky, kx) is an
    // axpy over a strided sub-grid, which keeps the inner loop branch-free.
    auto valid = [](const Axis& a, Index k, Index& lo, Index& hi) {
        const Index offset = a.pad_lo - k * a.dilation;
        lo = std::max<Index>(0, CeilDiv(offset, a.stride));
        hi = std::min(a.out, CeilDiv(a.in + offset, a.stride));
    };
    for (Index o = 0; o < m_spec.out_channels; ++o) {
        const Index group = o / m_out_per_group;
        for (Index il = 0; il < m_in_per_group; ++il) {
            const Index in_c = group * m_in_per_group + il;
            for (Index ky = 0; ky < m_h.kernel; ++ky) {
                Index oy_lo = 0, oy_hi = 0;
                valid(m_h, ky, oy_lo, oy_hi);
                for (Index kx = 0; kx < m_w.kernel; ++kx) {
                    Index ox_lo = 0, ox_hi = 0;
                    valid(m_w, kx, ox_lo, ox_hi);
                    if (ox_lo >= ox_hi) continue;
                    const float w = m_weights[static_cast<size_t>(ParamIndex(o, il, ky, kx))];
                    for (Index oy = oy_lo; oy < oy_hi; ++oy) {
                        float* out = y.data() + o * out_c_stride + oy * out_y_stride;
                        const float* in = x.data() + in_c * in_c_stride + m_h.Hit(oy, ky) * in_y_stride;
                        if (out_x_stride == 1 && in_x_stride == 1 && m_w.stride == 1) {
                            // Contiguous rows (channel-major, stride 1): a plain axpy the compiler vectorizes.
                            float* __restrict dst = out + ox_lo;
                            const float* __restrict src = in + m_w.Hit(ox_lo, kx);
                            const Index n = ox_hi - ox_lo;
                            for (Index k = 0; k < n; ++k) dst[k] += w * src[k];
                            continue;
                        }
                        for (Index ox = ox_lo; ox < ox_hi; ++ox) {
                            out[ox * out_x_stride] += w * in[m_w.Hit(ox, kx) * in_x_stride];
                        }
                    }
                }
            }
        }
    }
}

void ConvOperator::ApplyBias(std::span<float> y) const {
    if (!m_spec.bias || static_cast<Index>(y.size()) != Rows()) return;
    for (Index row = 0; row < Rows(); ++row) {
        y[static_cast<size_t>(row)] += m_bias[static_cast<size_t>(DecodeRow(row).c)];
    }
}

// [SECTION] Reference computations (direct, im2col + GEMM, dense)

bool ConvDirect(const ConvOperator& op, std::span<const float> x_chw, std::span<float> y_chw) {
    if (static_cast<Index>(x_chw.size()) != op.Cols() || static_cast<Index>(y_chw.size()) != op.Rows()) return false;
    const ConvSpec& s = op.Spec();
    const ConvStats& st = op.Stats();
    const Index in_h = s.dims == 1 ? 1 : s.in_h;
    const Index k_h = s.dims == 1 ? 1 : s.kernel_h;
    const Index in_per_group = s.in_channels / s.groups;
    const Index out_per_group = s.out_channels / s.groups;
    const std::span<const float> w = op.Weights();
    for (Index o = 0; o < s.out_channels; ++o) {
        const Index group = o / out_per_group;
        for (Index oy = 0; oy < st.out_h; ++oy) {
            for (Index ox = 0; ox < st.out_w; ++ox) {
                float acc = 0.0f;
                for (Index il = 0; il < in_per_group; ++il) {
                    const Index i = group * in_per_group + il;
                    for (Index ky = 0; ky < k_h; ++ky) {
                        const Index iy = oy * s.stride - st.pad_h.lo + ky * s.dilation;
                        if (iy < 0 || iy >= in_h) continue;
                        for (Index kx = 0; kx < s.kernel_w; ++kx) {
                            const Index ix = ox * s.stride - st.pad_w.lo + kx * s.dilation;
                            if (ix < 0 || ix >= s.in_w) continue;
                            acc += w[static_cast<size_t>(((o * in_per_group + il) * k_h + ky) * s.kernel_w + kx)] *
                                   x_chw[static_cast<size_t>((i * in_h + iy) * s.in_w + ix)];
                        }
                    }
                }
                y_chw[static_cast<size_t>((o * st.out_h + oy) * st.out_w + ox)] = acc;
            }
        }
    }
    return true;
}

bool ConvIm2colGemm(const ConvOperator& op, std::span<const float> x_chw, std::span<float> y_chw, Count max_entries,
                    std::string* why) {
    if (static_cast<Index>(x_chw.size()) != op.Cols() || static_cast<Index>(y_chw.size()) != op.Rows()) return false;
    const ConvSpec& s = op.Spec();
    const ConvStats& st = op.Stats();
    const Count per_group = st.im2col_rows * st.im2col_cols;  // one group's matrix is reused for the next
    if (per_group > max_entries) {
        if (why) *why = "im2col matrix has " + FormatExact(per_group) + " entries, over the budget of " + FormatExact(max_entries);
        return false;
    }
    const Index in_h = s.dims == 1 ? 1 : s.in_h;
    const Index k_h = s.dims == 1 ? 1 : s.kernel_h;
    const Index in_per_group = s.in_channels / s.groups;
    const Index out_per_group = s.out_channels / s.groups;
    const Index positions = st.im2col_rows;
    const Index patch = st.im2col_cols;
    // Column-major (patch x positions): each output position's patch is one contiguous column.
    Eigen::MatrixXf columns(static_cast<Eigen::Index>(patch), static_cast<Eigen::Index>(positions));
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    for (Index g = 0; g < s.groups; ++g) {
        for (Index oy = 0; oy < st.out_h; ++oy) {
            for (Index ox = 0; ox < st.out_w; ++ox) {
                float* column = columns.data() + (oy * st.out_w + ox) * patch;
                for (Index il = 0; il < in_per_group; ++il) {
                    const float* plane = x_chw.data() + (g * in_per_group + il) * in_h * s.in_w;
                    for (Index ky = 0; ky < k_h; ++ky) {
                        const Index iy = oy * s.stride - st.pad_h.lo + ky * s.dilation;
                        for (Index kx = 0; kx < s.kernel_w; ++kx) {
                            const Index ix = ox * s.stride - st.pad_w.lo + kx * s.dilation;
                            const bool inside = iy >= 0 && iy < in_h && ix >= 0 && ix < s.in_w;
                            *column++ = inside ? plane[iy * s.in_w + ix] : 0.0f;  // padding taps are explicit zeros
                        }
                    }
                }
            }
        }
        // The group's weights (out_per_group x patch) are row-major in PyTorch's layout, and so is
        // the output slice (out_per_group x positions) of a C,H,W tensor.
        Eigen::Map<const RowMajor> weights(op.Weights().data() + g * out_per_group * patch,
                                           static_cast<Eigen::Index>(out_per_group), static_cast<Eigen::Index>(patch));
        Eigen::Map<RowMajor> out(y_chw.data() + g * out_per_group * positions, static_cast<Eigen::Index>(out_per_group),
                                 static_cast<Eigen::Index>(positions));
        out.noalias() = weights * columns;
    }
    return true;
}

std::vector<float> ChwToOrder(const ConvOperator& op, std::span<const float> chw, bool input) {
    if (static_cast<Index>(chw.size()) != (input ? op.Cols() : op.Rows())) return {};
    std::vector<float> out(chw.begin(), chw.end());
    if (op.Spec().order == FlatOrder::ChannelMajor) return out;
    const Index channels = input ? op.Spec().in_channels : op.Spec().out_channels;
    const Index plane = static_cast<Index>(chw.size()) / channels;
    for (Index c = 0; c < channels; ++c) {
        for (Index pos = 0; pos < plane; ++pos) out[static_cast<size_t>(pos * channels + c)] = chw[static_cast<size_t>(c * plane + pos)];
    }
    return out;
}

std::vector<float> OrderToChw(const ConvOperator& op, std::span<const float> ordered, bool input) {
    if (static_cast<Index>(ordered.size()) != (input ? op.Cols() : op.Rows())) return {};
    std::vector<float> out(ordered.begin(), ordered.end());
    if (op.Spec().order == FlatOrder::ChannelMajor) return out;
    const Index channels = input ? op.Spec().in_channels : op.Spec().out_channels;
    const Index plane = static_cast<Index>(ordered.size()) / channels;
    for (Index c = 0; c < channels; ++c) {
        for (Index pos = 0; pos < plane; ++pos) out[static_cast<size_t>(c * plane + pos)] = ordered[static_cast<size_t>(pos * channels + c)];
    }
    return out;
}

bool ConvDenseGemm(const ConvOperator& op, const Eigen::MatrixXf& dense, std::span<const float> x_chw,
                   std::span<float> y_chw) {
    if (static_cast<Index>(x_chw.size()) != op.Cols() || static_cast<Index>(y_chw.size()) != op.Rows()) return false;
    if (dense.rows() != op.Rows() || dense.cols() != op.Cols()) return false;
    const std::vector<float> x = ChwToOrder(op, x_chw, true);
    Eigen::VectorXf y = dense * Eigen::Map<const Eigen::VectorXf>(x.data(), static_cast<Eigen::Index>(x.size()));
    const std::vector<float> y_out = OrderToChw(op, std::span<const float>(y.data(), static_cast<size_t>(y.size())), false);
    std::copy(y_out.begin(), y_out.end(), y_chw.begin());
    return true;
}

// [SECTION] Presets

ConvSpec PointwiseSpec(Index in_h, Index in_w, Index in_channels, Index out_channels) {
    ConvSpec s;
    s.in_h = in_h;
    s.in_w = in_w;
    s.in_channels = in_channels;
    s.out_channels = out_channels;
    s.kernel_h = s.kernel_w = 1;
    s.padding_mode = PaddingMode::Valid;
    return s;
}

ConvSpec DepthwiseSpec(Index in_h, Index in_w, Index channels, Index kernel, PaddingMode padding_mode) {
    ConvSpec s;
    s.in_h = in_h;
    s.in_w = in_w;
    s.in_channels = s.out_channels = s.groups = channels;
    s.kernel_h = s.kernel_w = kernel;
    s.padding_mode = padding_mode;
    return s;
}

std::vector<std::pair<std::string, ConvSpec>> ConvPresets() {
    std::vector<std::pair<std::string, ConvSpec>> presets;
    ConvSpec k3;  // the notes' 1-D case: 256 inputs, kernel 3, every partial overlap -> 258 x 256
    k3.dims = 1;
    k3.in_h = 1;
    k3.in_w = 256;
    k3.kernel_h = 1;
    k3.kernel_w = 3;
    k3.padding_mode = PaddingMode::Full;
    presets.emplace_back("conv1d_256_k3", k3);
    ConvSpec c64 = k3;  // with 64 -> 64 channels: (258x64) x (256x64)
    c64.in_channels = c64.out_channels = 64;
    presets.emplace_back("conv1d_256_c64", c64);
    ConvSpec c2d;  // 2-D 256x256, 64 -> 64, 3x3, full: (258x258x64) x (256x256x64)
    c2d.in_h = c2d.in_w = 256;
    c2d.in_channels = c2d.out_channels = 64;
    c2d.kernel_h = c2d.kernel_w = 3;
    c2d.padding_mode = PaddingMode::Full;
    presets.emplace_back("conv2d_256_c64", c2d);
    presets.emplace_back("depthwise", DepthwiseSpec(256, 256, 64, 3, PaddingMode::Same));
    presets.emplace_back("pointwise", PointwiseSpec(256, 256, 64, 64));
    ConvSpec small;  // readable entry by entry: 64 x 64 doubly-block Toeplitz
    small.in_h = small.in_w = 8;
    small.padding_mode = PaddingMode::Same;
    presets.emplace_back("small", small);
    return presets;
}

std::optional<ConvSpec> FindConvPreset(const std::string& key) {
    for (auto& [name, spec] : ConvPresets()) {
        if (name == key) return spec;
    }
    return std::nullopt;
}

// [SECTION] Rasterizer: Kronecker factors
//
// With channel-major flattening, entry (r, c) of M is a structural non-zero iff its channels are
// in the same group AND a tap links the output row to the input row AND a tap links the output
// column to the input column: pattern(M) = G (x) Y (x) X (position-major: Y (x) X (x) G). The
// number of non-zeros in a rectangle of a Kronecker product P (x) Q follows from prefix counts
// of the factors ("pre(R, C)" = count in [0, R) x [0, C)): with R = a*mQ + b, C = e*nQ + f,
//   pre(R, C) = P(a,e)*Qtot + [P(a,e+1) - P(a,e)]*Q(mQ,f) + [P(a+1,e) - P(a,e)]*Q(b,nQ)
//             + [P(a+1,e+1) - P(a+1,e) - P(a,e+1) + P(a,e)]*Q(b,f)
// (full blocks, the partial block column, the partial block row, the corner block), applied
// twice for three factors. Every pixel is then an inclusion-exclusion of four prefix values, so
// the cost is O(pixels) plus factor tables that depend only on the pixel boundaries, never on
// the number of rows or non-zeros. The same algebra gives weight sums (MeanValue: one term per
// tap, G replaced by that tap's weights) and index moments (ParameterId).

namespace {

enum class FactorKind { Channel, Spatial };
// Channel: First/Second = output/input channel index (and squares); Weight = one tap's weights.
// Spatial: First = tap index along this axis (and square); Single = one tap only.
enum class FactorValue { Ones, First, FirstSq, Second, SecondSq, Weight, Single };

struct Factor {
    FactorKind kind = FactorKind::Spatial;
    FactorValue value = FactorValue::Ones;
    Index m = 1, n = 1;  // rows, cols
    // Channel: block diagonal, `groups` blocks of out_per_group x in_per_group.
    Index out_per_group = 1, in_per_group = 1;
    const float* weights = nullptr;  // Weight: PyTorch layout; this tap's weight is [(o*ipg + il)*taps + tap]
    Index taps = 1, tap = 0;
    // Spatial: 1-D kernel pattern, out x in.
    Index stride = 1, dilation = 1, pad_lo = 0, kernel = 1;
};

// sum_{k<n} k and sum_{k<n} k^2, in the engine's number type.
template <class T>
T SumTo(Index n) {
    return n <= 0 ? T(0) : T(n) * T(n - 1) / T(2);
}
template <class T>
T SumSqTo(Index n) {
    return n <= 0 ? T(0) : T(n - 1) * T(n) * T(2 * n - 1) / T(6);
}

// Prefix sum of a Channel factor (any value but Weight) over [0, a) x [0, e), closed form.
template <class T>
T ChannelPre(const Factor& f, Index a, Index e) {
    a = std::clamp<Index>(a, 0, f.m);
    e = std::clamp<Index>(e, 0, f.n);
    const Index mo = f.out_per_group, mi = f.in_per_group;
    const Index ga = a / mo, ra = a % mo, ge = e / mi, re = e % mi;
    // Groups below min(ga, ge) are whole blocks; group min(ga, ge) is partial; the rest is empty.
    const Index g = std::min(ga, ge);
    const Index rows = ga < ge ? ra : (ga > ge ? mo : ra);
    const Index cols = ga < ge ? mi : (ga > ge ? re : re);
    const Index o0 = g * mo, i0 = g * mi;
    switch (f.value) {
        case FactorValue::Ones: return T(g) * T(mo) * T(mi) + T(rows) * T(cols);
        case FactorValue::First: return T(mi) * SumTo<T>(o0) + T(cols) * (SumTo<T>(o0 + rows) - SumTo<T>(o0));
        case FactorValue::FirstSq: return T(mi) * SumSqTo<T>(o0) + T(cols) * (SumSqTo<T>(o0 + rows) - SumSqTo<T>(o0));
        case FactorValue::Second: return T(mo) * SumTo<T>(i0) + T(rows) * (SumTo<T>(i0 + cols) - SumTo<T>(i0));
        case FactorValue::SecondSq: return T(mo) * SumSqTo<T>(i0) + T(rows) * (SumSqTo<T>(i0 + cols) - SumSqTo<T>(i0));
        default: return T(0);  // Weight is always tabulated (BuildWeightTable)
    }
}

// Value carried by tap k of a Spatial factor (0 for taps it does not include).
template <class T>
T TapValue(const Factor& f, Index k) {
    switch (f.value) {
        case FactorValue::First: return T(k);
        case FactorValue::FirstSq: return T(k) * T(k);
        case FactorValue::Single: return T(k == f.tap ? 1 : 0);
        default: return T(1);
    }
}

// Output positions [lo, hi) whose tap k lands in input [0, y), clipped to [0, m).
void TapRange(const Factor& f, Index k, Index y, Index& lo, Index& hi) {
    const Index offset = f.pad_lo - k * f.dilation;
    lo = std::max<Index>(0, CeilDiv(offset, f.stride));
    hi = std::min(f.m, CeilDiv(y + offset, f.stride));
}

// Prefix sum of a Spatial factor over [0, x) x [0, y), O(kernel).
template <class T>
T SpatialPre(const Factor& f, Index x, Index y) {
    x = std::clamp<Index>(x, 0, f.m);
    y = std::clamp<Index>(y, 0, f.n);
    T sum = T(0);
    if (x == 0 || y == 0) return sum;
    const Index k_lo = f.value == FactorValue::Single ? f.tap : 0;
    const Index k_hi = f.value == FactorValue::Single ? f.tap + 1 : f.kernel;
    for (Index k = k_lo; k < k_hi; ++k) {
        Index lo = 0, hi = 0;
        TapRange(f, k, y, lo, hi);
        hi = std::min(hi, x);
        if (hi > lo) sum += TapValue<T>(f, k) * T(hi - lo);
    }
    return sum;
}

template <class T>
T FactorPre(const Factor& f, Index x, Index y) {
    return f.kind == FactorKind::Channel ? ChannelPre<T>(f, x, y) : SpatialPre<T>(f, x, y);
}

// Spatial table. Pre(x, y) = sum_k v_k * clamp(x - lo_k, 0, hi_k(y) - lo_k). Large kernels: for
// each y, sweep the sorted xs once: Pre is piecewise linear in x with slope changes at lo_k and
// hi_k, both non-increasing in k, so the breakpoints come sorted by walking k downwards;
// O(ys * (kernel + xs)) instead of O(ys * xs * kernel).
template <class T>
void BuildSpatialTable(const Factor& f, const std::vector<Index>& xs, const std::vector<Index>& ys, std::vector<T>& out) {
    const size_t nx = xs.size(), ny = ys.size();
    out.assign(nx * ny, T(0));
    const Index k_lo = f.value == FactorValue::Single ? f.tap : 0;
    const Index k_hi = f.value == FactorValue::Single ? f.tap + 1 : f.kernel;
    constexpr Index kDirectTaps = 16;
    if (k_hi - k_lo <= kDirectTaps) {
        // Few taps: evaluate sum_k v_k * clamp(x - lo_k, 0, len_k(y)) directly, row by row of the
        // table (contiguous stores, no branches); O(xs * ys * taps).
        const size_t taps = static_cast<size_t>(k_hi - k_lo);
        std::vector<Index> lo(taps);
        std::vector<T> len(taps * ny), weight(taps);  // len[t * ny + iy], in T so the loop below vectorizes
        for (size_t t = 0; t < taps; ++t) {
            const Index k = k_lo + static_cast<Index>(t);
            weight[t] = TapValue<T>(f, k);
            for (size_t iy = 0; iy < ny; ++iy) {
                Index a = 0, b = 0;
                TapRange(f, k, std::clamp<Index>(ys[iy], 0, f.n), a, b);
                lo[t] = a;  // independent of y
                len[t * ny + iy] = T(std::max<Index>(0, b - a));
            }
        }
        for (size_t ix = 0; ix < nx; ++ix) {
            const Index x = std::clamp<Index>(xs[ix], 0, f.m);
            T* row = out.data() + ix * ny;
            for (size_t t = 0; t < taps; ++t) {
                const T reach = T(std::max<Index>(x - lo[t], 0));
                const T w = weight[t];
                const T* l = len.data() + t * ny;
                for (size_t iy = 0; iy < ny; ++iy) row[iy] += w * std::min(reach, l[iy]);
            }
        }
        return;
    }
    std::vector<Index> starts, ends;
    std::vector<T> start_values, end_values;
    for (size_t iy = 0; iy < ny; ++iy) {
        const Index y = std::clamp<Index>(ys[iy], 0, f.n);
        starts.clear();
        ends.clear();
        start_values.clear();
        end_values.clear();
        for (Index k = k_hi - 1; k >= k_lo; --k) {  // ascending lo_k and hi_k
            Index lo = 0, hi = 0;
            TapRange(f, k, y, lo, hi);
            if (hi <= lo) continue;
            starts.push_back(lo);
            start_values.push_back(TapValue<T>(f, k));
            ends.push_back(hi);
            end_values.push_back(TapValue<T>(f, k));
        }
        // Merge the breakpoints with the queries; value advances by slope * distance.
        size_t s = 0, e = 0;
        Index at = 0;
        T value = T(0), slope = T(0);
        for (size_t ix = 0; ix < nx; ++ix) {
            const Index x = std::clamp<Index>(xs[ix], 0, f.m);
            while (true) {
                const Index next_start = s < starts.size() ? starts[s] : std::numeric_limits<Index>::max();
                const Index next_end = e < ends.size() ? ends[e] : std::numeric_limits<Index>::max();
                const Index next = std::min(next_start, next_end);
                if (next > x) break;
                value += slope * T(next - at);
                at = next;
                if (next_start == next) {
                    slope += start_values[s++];
                } else {
                    slope -= end_values[e++];
                }
            }
            value += slope * T(x - at);
            at = x;
            out[ix * ny + iy] = value;
        }
    }
}

// Weight table: prefix sums of one tap's block-diagonal weights at the (sorted) queried corners,
// adding one output channel (row) at a time. A query column y in group G sees the full sums of the
// rows of groups < G plus group G's rows prefixed up to y; rows of later groups add nothing. So
// only the current group keeps a per-column partial prefix, and a finished group's partial is
// kept at the queried columns inside it: O(weights of the tap + xs * ys), whatever the channels.
void BuildWeightTable(const Factor& f, const std::vector<Index>& xs, const std::vector<Index>& ys, std::vector<double>& out) {
    const size_t nx = xs.size(), ny = ys.size();
    const Index mo = f.out_per_group, mi = f.in_per_group;
    const Index groups = f.m / mo;
    out.assign(nx * ny, 0.0);
    std::vector<Index> query_group(ny), query_offset(ny);
    for (size_t iy = 0; iy < ny; ++iy) {
        const Index y = std::clamp<Index>(ys[iy], 0, f.n);
        query_group[iy] = y / mi;  // == groups for y == n
        query_offset[iy] = y - query_group[iy] * mi;
    }
    std::vector<double> before(static_cast<size_t>(groups) + 1, 0.0);  // full sums of the rows of groups < g
    std::vector<double> partial(static_cast<size_t>(mi) + 1, 0.0);     // current group's rows, prefix over its columns
    std::vector<double> finished(ny, 0.0);                              // a finished group's partial at the query
    Index group = 0;
    size_t next_query = 0;  // first query column not in a finished group (ys ascending)
    auto finish_group = [&] {
        before[static_cast<size_t>(group) + 1] = before[static_cast<size_t>(group)] + partial[static_cast<size_t>(mi)];
        for (; next_query < ny && query_group[next_query] <= group; ++next_query) {
            if (query_group[next_query] == group) finished[next_query] = partial[static_cast<size_t>(query_offset[next_query])];
        }
        ++group;
        std::fill(partial.begin(), partial.end(), 0.0);
    };
    auto store = [&](size_t row) {
        for (size_t iy = 0; iy < ny; ++iy) {
            const Index g = query_group[iy];
            double v = 0.0;
            if (g < group) {
                v = before[static_cast<size_t>(g)] + finished[iy];
            } else if (g == group) {
                v = before[static_cast<size_t>(g)] + partial[static_cast<size_t>(query_offset[iy])];
            } else {
                v = before[static_cast<size_t>(group)] + partial[static_cast<size_t>(mi)];
            }
            out[row * ny + iy] = v;
        }
    };
    size_t ix = 0;
    for (Index o = 0; ix < nx; ++o) {
        while (ix < nx && std::clamp<Index>(xs[ix], 0, f.m) <= o) store(ix++);
        if (o >= f.m || ix >= nx) break;
        while (o / mo > group) finish_group();
        double run = 0.0;
        for (Index il = 0; il < mi; ++il) {
            run += f.weights[(o * mi + il) * f.taps + f.tap];
            partial[static_cast<size_t>(il) + 1] += run;
        }
    }
}

// [SECTION] Rasterizer: pixel plans and the prefix-sum engine

// One viewport axis: the distinct matrix boundaries its pixels need, and each pixel's [lo, hi)
// as positions in that list.
struct AxisPlan {
    std::vector<Index> bounds;          // ascending, distinct, within [0, size]
    std::vector<int> lo, hi;            // per pixel: positions in bounds
    std::vector<Index> lo_val, hi_val;  // per pixel: the boundaries themselves (non-decreasing)
    Index start = 0, count = 1;
    double pixels_per_index = 0;        // for a first guess in the searches below
    bool zoomed_in = false;             // every pixel shows at most one index

    int Pixels() const { return static_cast<int>(lo.size()); }
    int Guess(Index i) const {
        const double p = static_cast<double>(i - start) * pixels_per_index;
        return static_cast<int>(std::clamp(p, 0.0, static_cast<double>(Pixels() - 1)));
    }
    // Pixels [first, last) whose index span meets [i_first, i_last]. A guess plus a short walk:
    // the partition is within a pixel of linear.
    std::pair<int, int> Meeting(Index i_first, Index i_last) const {
        const int n = Pixels();
        int first = Guess(i_first);
        while (first > 0 && hi_val[static_cast<size_t>(first) - 1] > i_first) --first;
        while (first < n && hi_val[static_cast<size_t>(first)] <= i_first) ++first;
        int last = Guess(i_last);
        while (last < n - 1 && lo_val[static_cast<size_t>(last) + 1] <= i_last) ++last;
        while (last >= 0 && lo_val[static_cast<size_t>(last)] > i_last) --last;
        return {first, last + 1};
    }
};

AxisPlan MakeAxisPlan(Index start, Index count, int pixels, Index size) {
    AxisPlan plan;
    plan.start = start;
    plan.count = count;
    plan.pixels_per_index = static_cast<double>(pixels) / static_cast<double>(count);
    plan.zoomed_in = count < pixels;
    plan.lo_val.resize(static_cast<size_t>(pixels));
    plan.hi_val.resize(static_cast<size_t>(pixels));
    for (int p = 0; p < pixels; ++p) {
        const IndexSpan span = PixelSpanOf(start, count, pixels, p);
        plan.lo_val[static_cast<size_t>(p)] = std::clamp<Index>(span.lo, 0, size);  // outside the matrix: empty
        plan.hi_val[static_cast<size_t>(p)] = std::clamp<Index>(span.hi, 0, size);
    }
    // Both ends are non-decreasing in p: merge rather than sort, and find positions by walking.
    plan.bounds.resize(2 * static_cast<size_t>(pixels));
    std::merge(plan.lo_val.begin(), plan.lo_val.end(), plan.hi_val.begin(), plan.hi_val.end(), plan.bounds.begin());
    plan.bounds.erase(std::unique(plan.bounds.begin(), plan.bounds.end()), plan.bounds.end());
    plan.lo.resize(static_cast<size_t>(pixels));
    plan.hi.resize(static_cast<size_t>(pixels));
    size_t at_lo = 0, at_hi = 0;
    for (size_t p = 0; p < static_cast<size_t>(pixels); ++p) {
        while (plan.bounds[at_lo] < plan.lo_val[p]) ++at_lo;
        while (plan.bounds[at_hi] < plan.hi_val[p]) ++at_hi;
        plan.lo[p] = static_cast<int>(at_lo);
        plan.hi[p] = static_cast<int>(at_hi);
    }
    return plan;
}

// Hull [lo, hi) of the columns where rows [x_first, x_last] of a factor have non-zeros (empty:
// lo >= hi). A superset is fine: it only widens the windows the sparse path evaluates.
IndexSpan RowHull(const Factor& f, Index x_first, Index x_last) {
    if (f.kind == FactorKind::Channel) {
        return {(x_first / f.out_per_group) * f.in_per_group, (x_last / f.out_per_group + 1) * f.in_per_group};
    }
    const Index k_lo = f.value == FactorValue::Single ? f.tap : 0;
    const Index k_hi = f.value == FactorValue::Single ? f.tap : f.kernel - 1;
    const Index lo = x_first * f.stride - f.pad_lo + k_lo * f.dilation;
    const Index hi = x_last * f.stride - f.pad_lo + k_hi * f.dilation + 1;
    return {std::max<Index>(lo, 0), std::min(hi, f.n)};
}

// Exact rectangle sums of a three-factor Kronecker product L0 (x) L1 (x) L2 over every pixel.
template <class T>
class KronEngine {
public:
    KronEngine(const std::array<Factor, 3>& factors, const AxisPlan& rows, const AxisPlan& cols)
        : m_rows(rows), m_cols(cols) {
        const size_t nr = rows.bounds.size(), nc = cols.bounds.size();
        for (int k = 0; k < 3; ++k) m_levels[k].f = factors[k];
        // Split each boundary into per-level coordinates: R = (x0 * m1 + x1) * m2 + x2.
        for (int k = 0; k < 3; ++k) {
            m_levels[k].x.resize(nr);
            m_levels[k].y.resize(nc);
        }
        const Index m1 = factors[1].m, m2 = factors[2].m, n1 = factors[1].n, n2 = factors[2].n;
        for (size_t r = 0; r < nr; ++r) {
            const Index v = rows.bounds[r];
            m_levels[2].x[r] = v % m2;
            m_levels[1].x[r] = (v / m2) % m1;
            m_levels[0].x[r] = v / m2 / m1;
        }
        for (size_t c = 0; c < nc; ++c) {
            const Index v = cols.bounds[c];
            m_levels[2].y[c] = v % n2;
            m_levels[1].y[c] = (v / n2) % n1;
            m_levels[0].y[c] = v / n2 / n1;
        }
        for (Level& level : m_levels) PrepareLevel(level);
        m_m1 = m1;
        m_m2 = m2;
        m_n1 = n1;
        m_n2 = n2;
        m_fcoord.resize(nc);
        for (size_t c = 0; c < nc; ++c) m_fcoord[c] = cols.bounds[c] % (n1 * n2);
        // Pixels per level-0 column block when that is a whole number: the pixel grid then repeats
        // with the matrix (see SparsePiece).
        Index shift = 0;
        if (!__builtin_mul_overflow(n1 * n2, static_cast<Index>(cols.Pixels()), &shift) && shift % cols.count == 0) {
            m_period_px = shift / cols.count;
        }
        // Totals and the partial-row / partial-column prefixes of the inner products Q1 = L2 and
        // Q0 = L1 (x) L2 (the level formula with the other coordinate at its full extent).
        const Level &l1 = m_levels[1], &l2 = m_levels[2];
        m_qtot1 = At(l2, l2.f.m, l2.x_full, l2.f.n, l2.y_full);
        m_qtot0 = At(l1, l1.f.m, l1.x_full, l1.f.n, l1.y_full) * m_qtot1;
        m_qcol1.resize(nc);
        m_qcol0.resize(nc);
        for (size_t c = 0; c < nc; ++c) {
            m_qcol1[c] = At(l2, l2.f.m, l2.x_full, l2.y[c], l2.iy0[c]);
            const T a = At(l1, l1.f.m, l1.x_full, l1.y[c], l1.iy0[c]);
            const T b = At(l1, l1.f.m, l1.x_full, l1.y[c] + 1, l1.iy1[c]);
            m_qcol0[c] = a * m_qtot1 + (b - a) * m_qcol1[c];
        }
        m_qrow1.resize(nr);
        m_qrow0.resize(nr);
        for (size_t r = 0; r < nr; ++r) {
            m_qrow1[r] = At(l2, l2.x[r], l2.ix0[r], l2.f.n, l2.y_full);
            const T a = At(l1, l1.x[r], l1.ix0[r], l1.f.n, l1.y_full);
            const T b = At(l1, l1.x[r] + 1, l1.ix1[r], l1.f.n, l1.y_full);
            m_qrow0[r] = a * m_qtot1 + (b - a) * m_qrow1[r];
        }
    }

    // Pixel runs [first, end) of a row that the sparse path evaluated; the rest of the row is 0.
    using Runs = std::vector<std::pair<int, int>>;
    // Pixels [first, end) equal the pixel `period` to their left (period 0: none). See SparsePiece.
    struct Repeat {
        int first = 0, end = 0, period = 0;
    };

    // Calls sink(py, values, repeat, runs, copy) for every pixel row: values = that row's exact sums
    // (width entries); repeat = same values as the previous call; runs = where values may be
    // non-zero, or nullptr when the whole row was evaluated. With kSinkCopies the sink applies
    // `copy` itself (values are then 0 there); otherwise copy is always empty.
    template <bool kSinkCopies = false, class Sink>
    void Run(Sink&& sink) const {
        const size_t width = m_cols.lo.size(), nc = m_cols.bounds.size();
        std::vector<T> slot[2] = {std::vector<T>(nc), std::vector<T>(nc)};
        int slot_bound[2] = {-1, -1};
        std::vector<T> band(nc), values(width, T(0));
        // Prefix rows are cached: zoomed out, a pixel row's upper boundary is the next one's lower.
        auto fetch = [&](int want, int keep) -> const T* {
            for (int s = 0; s < 2; ++s) {
                if (slot_bound[s] == want) return slot[s].data();
            }
            const int s = slot_bound[0] == keep ? 1 : 0;
            PrefixRow(static_cast<size_t>(want), slot[s].data());
            slot_bound[s] = want;
            return slot[s].data();
        };
        Runs runs, dirty;        // dirty: where values may be non-zero (all of it when dirty_all)
        bool dirty_all = false;
        auto clear = [&] {       // zero values, touching only what the last row wrote
            if (dirty_all) {
                std::fill(values.begin(), values.end(), T(0));
            } else {
                for (const auto& [first, end] : dirty) std::fill(values.begin() + first, values.begin() + end, T(0));
            }
            dirty_all = false;
            dirty.clear();
        };
        const Runs* row_runs = nullptr;
        Repeat copy;
        int previous_lo = -1, previous_hi = -1;
        for (size_t py = 0; py < m_rows.lo.size(); ++py) {
            const int lo = m_rows.lo[py], hi = m_rows.hi[py];
            if (lo == previous_lo && hi == previous_hi) {  // zoomed in: same rows as above
                sink(static_cast<int>(py), values.data(), true, row_runs, copy);
                continue;
            }
            previous_lo = lo;
            previous_hi = hi;
            runs.clear();
            row_runs = &runs;
            copy = Repeat{};
            clear();
            if (lo == hi) {
                // no rows: all zero
            } else if (SparseBand(lo, hi, values.data(), runs, copy)) {
                if (!kSinkCopies && copy.period > 0) {
                    for (int p = copy.first; p < copy.end; ++p) values[static_cast<size_t>(p)] = values[static_cast<size_t>(p - copy.period)];
                    runs.emplace_back(copy.first, copy.end);
                    copy = Repeat{};
                }
                dirty = runs;
            } else {
                row_runs = nullptr;
                dirty_all = true;
                const T* upper = fetch(hi, lo);
                const T* lower = fetch(lo, hi);
                for (size_t c = 0; c < nc; ++c) band[c] = upper[c] - lower[c];
                const int* col_lo = m_cols.lo.data();
                const int* col_hi = m_cols.hi.data();
                for (size_t px = 0; px < width; ++px) values[px] = band[static_cast<size_t>(col_hi[px])] - band[static_cast<size_t>(col_lo[px])];
            }
            sink(static_cast<int>(py), values.data(), false, row_runs, copy);
        }
    }

private:
    struct Level {
        Factor f;
        std::vector<Index> x, y;          // coordinate of each row / column boundary at this level
        bool table = false;               // prefix values tabulated at xs x ys
        std::vector<Index> xs, ys;        // tabulated coordinates (ascending)
        std::vector<T> values;            // values[ix * ys.size() + iy]
        std::vector<int> ix0, ix1;        // per row boundary: position of x and x + 1 in xs
        std::vector<int> iy0, iy1;        // per column boundary: position of y and y + 1 in ys
        int x_full = 0, y_full = 0;       // position of m in xs and n in ys
    };

    // Tables beyond this many bytes are evaluated on the fly instead (slower, O(kernel) a value).
    static constexpr size_t kTableBytes = size_t{48} << 20;

    // Sorted distinct {v, v + 1 (capped), extent}: a marker array when the extent is small, a sort otherwise.
    static void Coordinates(const std::vector<Index>& coords, Index extent, std::vector<Index>& out) {
        out.clear();
        if (extent <= 8 * static_cast<Index>(coords.size()) + 64) {
            std::vector<unsigned char> used(static_cast<size_t>(extent) + 1, 0);
            for (Index v : coords) used[static_cast<size_t>(v)] = used[static_cast<size_t>(std::min(v + 1, extent))] = 1;
            used[static_cast<size_t>(extent)] = 1;
            for (Index v = 0; v <= extent; ++v) {
                if (used[static_cast<size_t>(v)]) out.push_back(v);
            }
            return;
        }
        out.reserve(2 * coords.size() + 1);
        for (Index v : coords) {
            out.push_back(v);
            out.push_back(std::min(v + 1, extent));
        }
        out.push_back(extent);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }

    static void Positions(const std::vector<Index>& sorted, const std::vector<Index>& coords, Index extent,
                          std::vector<int>& at, std::vector<int>& at_next) {
        at.resize(coords.size());
        at_next.resize(coords.size());
        if (extent <= 8 * static_cast<Index>(coords.size()) + 64) {  // small extent: a lookup table
            std::vector<int> position(static_cast<size_t>(extent) + 1, 0);
            for (size_t i = 0; i < sorted.size(); ++i) position[static_cast<size_t>(sorted[i])] = static_cast<int>(i);
            for (size_t i = 0; i < coords.size(); ++i) {
                at[i] = position[static_cast<size_t>(coords[i])];
                at_next[i] = position[static_cast<size_t>(std::min(coords[i] + 1, extent))];
            }
            return;
        }
        for (size_t i = 0; i < coords.size(); ++i) {
            auto find = [&](Index v) {
                return static_cast<int>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
            };
            at[i] = find(coords[i]);
            at_next[i] = find(std::min(coords[i] + 1, extent));
        }
    }

    void PrepareLevel(Level& level) {
        const Factor& f = level.f;
        Coordinates(level.x, f.m, level.xs);
        Coordinates(level.y, f.n, level.ys);
        Positions(level.xs, level.x, f.m, level.ix0, level.ix1);
        Positions(level.ys, level.y, f.n, level.iy0, level.iy1);
        level.x_full = static_cast<int>(level.xs.size()) - 1;  // m is the largest coordinate
        level.y_full = static_cast<int>(level.ys.size()) - 1;
        const size_t entries = level.xs.size() * level.ys.size();
        const bool weight = f.kind == FactorKind::Channel && f.value == FactorValue::Weight;
        level.table = weight || entries * sizeof(T) <= kTableBytes;
        if (!level.table) return;
        if (weight) {
            if constexpr (std::is_same_v<T, double>) BuildWeightTable(f, level.xs, level.ys, level.values);
        } else if (f.kind == FactorKind::Spatial) {
            BuildSpatialTable<T>(f, level.xs, level.ys, level.values);
        } else {
            level.values.resize(entries);
            for (size_t ix = 0; ix < level.xs.size(); ++ix) {
                for (size_t iy = 0; iy < level.ys.size(); ++iy) {
                    level.values[ix * level.ys.size() + iy] = ChannelPre<T>(f, level.xs[ix], level.ys[iy]);
                }
            }
        }
    }

    // Prefix value of a level's factor at (x, y), whose table positions are (ix, iy).
    static T At(const Level& level, Index x, int ix, Index y, int iy) {
        if (level.table) return level.values[static_cast<size_t>(ix) * level.ys.size() + static_cast<size_t>(iy)];
        return FactorPre<T>(level.f, x, y);
    }

    // pre(R, C) for row boundary r and every column boundary.
    void PrefixRow(size_t r, T* out) const {
        const Level &l0 = m_levels[0], &l1 = m_levels[1], &l2 = m_levels[2];
        const size_t nc = m_cols.bounds.size();
        const T qrow0 = m_qrow0[r], qrow1 = m_qrow1[r], qtot0 = m_qtot0, qtot1 = m_qtot1;
        // One level of the Kronecker formula: P at the four corners around (x, y), inner value v.
        auto combine = [](T p00, T p01, T p10, T p11, T qtot, T qcol, T qrow, T v) {
            return p00 * qtot + (p01 - p00) * qcol + (p10 - p00) * qrow + (p11 - p10 - p01 + p00) * v;
        };
        if (l0.table && l1.table && l2.table) {
            // The hot loop: table lookups only.
            const size_t n0 = l0.ys.size(), n1 = l1.ys.size(), n2 = l2.ys.size();
            const T* a0 = l0.values.data() + static_cast<size_t>(l0.ix0[r]) * n0;
            const T* a1 = l0.values.data() + static_cast<size_t>(l0.ix1[r]) * n0;
            const T* b0 = l1.values.data() + static_cast<size_t>(l1.ix0[r]) * n1;
            const T* b1 = l1.values.data() + static_cast<size_t>(l1.ix1[r]) * n1;
            const T* c0 = l2.values.data() + static_cast<size_t>(l2.ix0[r]) * n2;
            const int *y0a = l0.iy0.data(), *y0b = l0.iy1.data(), *y1a = l1.iy0.data(), *y1b = l1.iy1.data();
            const int* y2a = l2.iy0.data();
            const T *qcol0 = m_qcol0.data(), *qcol1 = m_qcol1.data();
            for (size_t c = 0; c < nc; ++c) {
                const T v2 = c0[y2a[c]];
                const T v1 = combine(b0[y1a[c]], b0[y1b[c]], b1[y1a[c]], b1[y1b[c]], qtot1, qcol1[c], qrow1, v2);
                out[c] = combine(a0[y0a[c]], a0[y0b[c]], a1[y0a[c]], a1[y0b[c]], qtot0, qcol0[c], qrow0, v1);
            }
            return;
        }
        auto corners = [&](const Level& l, size_t c, T& p00, T& p01, T& p10, T& p11) {
            const Index x = l.x[r], y = l.y[c];
            p00 = At(l, x, l.ix0[r], y, l.iy0[c]);
            p01 = At(l, x, l.ix0[r], y + 1, l.iy1[c]);
            p10 = At(l, x + 1, l.ix1[r], y, l.iy0[c]);
            p11 = At(l, x + 1, l.ix1[r], y + 1, l.iy1[c]);
        };
        for (size_t c = 0; c < nc; ++c) {
            const T v2 = At(l2, l2.x[r], l2.ix0[r], l2.y[c], l2.iy0[c]);
            T p00, p01, p10, p11;
            corners(l1, c, p00, p01, p10, p11);
            const T v1 = combine(p00, p01, p10, p11, qtot1, m_qcol1[c], qrow1, v2);
            corners(l0, c, p00, p01, p10, p11);
            out[c] = combine(p00, p01, p10, p11, qtot0, m_qcol0[c], qrow0, v1);
        }
    }

    // Sparse path. A pixel row's rows [R0, R1) inside one level-0 block a give the column function
    //   B(C) = pre(R1, C) - pre(R0, C) = D0(a, e) * dq + E0(a, e) * I(f),   C = e * nQ + f,
    // (D0: row a's prefix up to e, E0: its entry at e, dq: the rows' total in Q, I: their prefix in
    // Q up to column f). I is 0 below the rows' column hull [f_lo, f_hi) in Q and dq above it, and
    // E0 vanishes outside row a's hull in L0, so B is constant outside the windows
    // e * nQ + [f_lo, f_hi): only pixels meeting a window are evaluated, the rest are 0. A pixel
    // row crossing one block boundary is two such pieces; more (or too many windows): dense path.
    // values must be all zero on entry.
    bool SparseBand(int lo, int hi, T* values, Runs& runs, Repeat& copy) const {
        const Index mq = m_m1 * m_m2;
        const Index r0 = m_rows.bounds[static_cast<size_t>(lo)], r1 = m_rows.bounds[static_cast<size_t>(hi)];
        const Index a0 = r0 / mq, a1 = (r1 - 1) / mq;
        if (a1 > a0 + 1) return false;
        if (a0 == a1) return SparsePiece(a0, lo, hi, r1 == (a0 + 1) * mq, &copy, values, runs);
        return SparsePiece(a0, lo, -1, true, nullptr, values, runs) &&
               SparsePiece(a1, -1, hi, r1 == (a1 + 1) * mq, nullptr, values, runs);
    }

    // Adds the piece of block a between row boundary `lo` (-1: the block's start) and `hi` (or the
    // block's end when at_end) to values. `copy` (non-null when the piece is the whole pixel row)
    // receives the pixels that repeat instead of being written. False: too many windows, use the
    // dense path.
    bool SparsePiece(Index a, int lo, int hi, bool at_end, Repeat* copy, T* values, Runs& runs) const {
        const Level &l0 = m_levels[0], &l1 = m_levels[1], &l2 = m_levels[2];
        const Index mq = m_m1 * m_m2, nq = m_n1 * m_n2;
        const bool at_start = lo < 0;
        const Index b0 = at_start ? 0 : m_rows.bounds[static_cast<size_t>(lo)] - a * mq;
        const Index b1 = at_end ? mq : m_rows.bounds[static_cast<size_t>(hi)] - a * mq;
        if (b0 >= b1) return true;
        // Column hulls: of the rows in Q (flattened to f), and of row a in L0.
        const Index x1_first = b0 / m_m2, x1_last = (b1 - 1) / m_m2;
        const IndexSpan h1 = RowHull(l1.f, x1_first, x1_last);
        const IndexSpan h2 = x1_first == x1_last ? RowHull(l2.f, b0 % m_m2, (b1 - 1) % m_m2) : RowHull(l2.f, 0, m_m2 - 1);
        const IndexSpan h0 = RowHull(l0.f, a, a);
        if (h0.lo >= h0.hi || h1.lo >= h1.hi || h2.lo >= h2.hi) return true;  // no non-zeros
        const Index f_lo = h1.lo * m_n2 + h2.lo, f_hi = (h1.hi - 1) * m_n2 + h2.hi;
        const bool whole = f_lo == 0 && f_hi == nq;
        if (!whole && h0.hi - h0.lo > 4 * static_cast<Index>(m_cols.Pixels()) + 64) return false;

        int ia = 0, ia1 = 0;  // table positions of a and a + 1 in level 0
        if (l0.table) {
            ia = static_cast<int>(std::lower_bound(l0.xs.begin(), l0.xs.end(), a) - l0.xs.begin());
            ia1 = static_cast<int>(std::lower_bound(l0.xs.begin(), l0.xs.end(), std::min(a + 1, l0.f.m)) - l0.xs.begin());
            if (static_cast<size_t>(ia1) >= l0.xs.size() || l0.xs[static_cast<size_t>(ia)] != a) return false;
        }
        const T dq = (at_end ? m_qtot0 : m_qrow0[static_cast<size_t>(hi)]) - (at_start ? T(0) : m_qrow0[static_cast<size_t>(lo)]);

        const bool fast_inner = l1.table && l2.table;
        InnerRow upper_row, lower_row;
        if (fast_inner) {
            if (!at_end) upper_row = MakeInnerRow(static_cast<size_t>(hi));
            if (!at_start) lower_row = MakeInnerRow(static_cast<size_t>(lo));
        }
        // B at a column boundary, with row a's D0/E0 cached per e and I memoised per f (windows of
        // different channels often share their offsets f).
        Index cached_e = -1;
        T d0 = T(0), e0 = T(0);
        std::array<Index, kMemo> memo_f;
        std::array<T, kMemo> memo_v;
        memo_f.fill(-1);
        auto inner = [&](size_t c) __attribute__((always_inline)) -> T {
            const Index f = m_fcoord[c];
            if (f <= f_lo) return T(0);
            if (f >= f_hi) return dq;
            // Fibonacci hashing: offsets are often multiples of a large power of two.
            const size_t slot = static_cast<size_t>((static_cast<std::uint64_t>(f) * 0x9E3779B97F4A7C15ull) >> 58);
            if (memo_f[slot] == f) return memo_v[slot];
            T upper, lower;
            if (fast_inner) {
                // Both inner levels tabulated: direct row pointers, shared column lookups.
                const int y1a = l1.iy0[c], y1b = l1.iy1[c], y2 = l2.iy0[c];
                const T qcol1 = m_qcol1[c];
                auto v1 = [&](const InnerRow& row) __attribute__((always_inline)) {
                    const T p00 = row.p0[y1a], p01 = row.p0[y1b], p10 = row.p1[y1a], p11 = row.p1[y1b];
                    return p00 * m_qtot1 + (p01 - p00) * qcol1 + (p10 - p00) * row.qrow1 + (p11 - p10 - p01 + p00) * row.v2[y2];
                };
                upper = at_end ? m_qcol0[c] : v1(upper_row);
                lower = at_start ? T(0) : v1(lower_row);
            } else {
                upper = at_end ? m_qcol0[c] : V1(static_cast<size_t>(hi), c);
                lower = at_start ? T(0) : V1(static_cast<size_t>(lo), c);
            }
            memo_f[slot] = f;
            memo_v[slot] = upper - lower;
            return upper - lower;
        };
        auto column = [&](size_t c) __attribute__((always_inline)) -> T {
            const Index e = l0.y[c];
            if (e != cached_e) {
                cached_e = e;
                const T p00 = At(l0, a, ia, e, l0.iy0[c]), p01 = At(l0, a, ia, e + 1, l0.iy1[c]);
                const T p10 = At(l0, a + 1, ia1, e, l0.iy0[c]), p11 = At(l0, a + 1, ia1, e + 1, l0.iy1[c]);
                d0 = p10 - p00;
                e0 = p11 - p10 - p01 + p00;
            }
            return d0 * dq + e0 * inner(c);
        };
        // Pixels meeting the windows, merged into runs and evaluated run by run.
        int run_first = 0, run_end = 0;
        auto evaluate = [&](int first, int end) {
            runs.emplace_back(first, end);
            int last_lo = -1, last_hi = -1, cached_bound = -1;
            T cached_value = T(0), delta = T(0);
            for (int p = first; p < end; ++p) {
                const int c_lo = m_cols.lo[static_cast<size_t>(p)], c_hi = m_cols.hi[static_cast<size_t>(p)];
                if (c_lo != last_lo || c_hi != last_hi) {
                    const T low = c_lo == cached_bound ? cached_value : column(static_cast<size_t>(c_lo));
                    const T high = column(static_cast<size_t>(c_hi));
                    cached_bound = c_hi;
                    cached_value = high;
                    delta = high - low;
                    last_lo = c_lo;
                    last_hi = c_hi;
                }
                values[p] += delta;
            }
        };
        const Index view_first = m_cols.start, view_last = m_cols.start + m_cols.count - 1;
        int floor_px = 0;  // pixels below are final already (copied)
        auto window = [&](Index first, Index last) {
            first = std::max(first, view_first);
            last = std::min(last, view_last);
            if (first > last) return;
            auto [p_first, p_end] = m_cols.Meeting(first, last);
            p_first = std::max(p_first, floor_px);
            if (p_first >= p_end) return;
            if (p_first <= run_end && run_end > run_first) {
                run_end = std::max(run_end, p_end);
                return;
            }
            if (run_end > run_first) evaluate(run_first, run_end);
            run_first = p_first;
            run_end = p_end;
        };
        if (whole) {
            window(h0.lo * nq, h0.hi * nq - 1);
            if (run_end > run_first) evaluate(run_first, run_end);
            return true;
        }
        // Periodic shortcut. When row a of L0 is constant over its hull (ones, or a value that
        // depends on the row only), B(C + nQ) = B(C) + E0 * dq for e(C) in [e_lo, e_hi - 1): a pixel
        // whose ends lie there has the same value as the pixel one block to the left. If the pixel
        // grid also repeats every nQ columns (period_px whole pixels), window e is window e - 1
        // copied: evaluate two windows, copy up to window e_hi - 2, evaluate the last.
        const bool constant_row = l0.f.kind == FactorKind::Channel &&
                                  (l0.f.value == FactorValue::Ones || l0.f.value == FactorValue::First ||
                                   l0.f.value == FactorValue::FirstSq);
        Index e = h0.lo;
        const Index t_first = (h0.lo + 1) * nq + f_lo, t_last = (h0.lo + 1) * nq + f_hi - 1;
        if (copy && constant_row && m_period_px > 0 && h0.hi - h0.lo >= 5 && t_first >= view_first && t_last <= view_last) {
            window(h0.lo * nq + f_lo, h0.lo * nq + f_hi - 1);
            window(t_first, t_last);
            if (run_end > run_first) evaluate(run_first, run_end);
            run_first = run_end = 0;
            // Every pixel from window e_lo + 2 to the end of window e_hi - 2 (gaps included: they
            // are 0 like their sources) equals the pixel one period to the left.
            const auto [tf, te] = m_cols.Meeting(t_first, t_last);
            const Index period = m_period_px;
            const int first = static_cast<int>(std::min<Index>(tf + period, m_cols.Pixels()));
            const int end = static_cast<int>(std::min<Index>(te + (h0.hi - h0.lo - 3) * period, m_cols.Pixels()));
            if (end > first) *copy = Repeat{first, end, static_cast<int>(period)};
            floor_px = std::max(first, end);
            e = h0.hi - 1;
        }
        for (; e < h0.hi; ++e) window(e * nq + f_lo, e * nq + f_hi - 1);
        if (run_end > run_first) evaluate(run_first, run_end);
        return true;
    }

    // A row boundary's view into tabulated levels 1 and 2: rows x1 and x1 + 1 of L1, row x2 of L2.
    struct InnerRow {
        const T* p0 = nullptr;
        const T* p1 = nullptr;
        const T* v2 = nullptr;
        T qrow1 = T(0);
    };
    InnerRow MakeInnerRow(size_t r) const {
        const Level &l1 = m_levels[1], &l2 = m_levels[2];
        return {l1.values.data() + static_cast<size_t>(l1.ix0[r]) * l1.ys.size(),
                l1.values.data() + static_cast<size_t>(l1.ix1[r]) * l1.ys.size(),
                l2.values.data() + static_cast<size_t>(l2.ix0[r]) * l2.ys.size(), m_qrow1[r]};
    }

    // Prefix of Q0 = L1 (x) L2 at (row boundary r's inner row, column boundary c's f).
    T V1(size_t r, size_t c) const {
        const Level &l1 = m_levels[1], &l2 = m_levels[2];
        const T v2 = At(l2, l2.x[r], l2.ix0[r], l2.y[c], l2.iy0[c]);
        const Index x = l1.x[r], y = l1.y[c];
        const T p00 = At(l1, x, l1.ix0[r], y, l1.iy0[c]), p01 = At(l1, x, l1.ix0[r], y + 1, l1.iy1[c]);
        const T p10 = At(l1, x + 1, l1.ix1[r], y, l1.iy0[c]), p11 = At(l1, x + 1, l1.ix1[r], y + 1, l1.iy1[c]);
        return p00 * m_qtot1 + (p01 - p00) * m_qcol1[c] + (p10 - p00) * m_qrow1[r] + (p11 - p10 - p01 + p00) * v2;
    }

    static constexpr size_t kMemo = 64;

    const AxisPlan& m_rows;
    const AxisPlan& m_cols;
    Index m_m1 = 1, m_m2 = 1, m_n1 = 1, m_n2 = 1;
    Index m_period_px = 0;        // pixels per level-0 column block, 0 when not a whole number
    std::vector<Index> m_fcoord;  // per column boundary: its offset f inside its level-0 block
    std::array<Level, 3> m_levels;
    T m_qtot0 = T(0), m_qtot1 = T(0);
    std::vector<T> m_qcol0, m_qcol1, m_qrow0, m_qrow1;
};

}  // namespace

// [SECTION] Rasterizer: modes

struct ConvRasterAccess {
    // Kronecker factors of op in level order; G's values and the axes' values as given.
    // ky, kx: the tap of Single / Weight factors.
    static std::array<Factor, 3> Factors(const ConvOperator& op, FactorValue channel, FactorValue vertical,
                                         FactorValue horizontal, Index ky = 0, Index kx = 0) {
        Factor g;
        g.kind = FactorKind::Channel;
        g.value = channel;
        g.m = op.m_spec.out_channels;
        g.n = op.m_spec.in_channels;
        g.out_per_group = op.m_out_per_group;
        g.in_per_group = op.m_in_per_group;
        g.weights = op.m_weights.data();
        g.taps = op.m_h.kernel * op.m_w.kernel;
        g.tap = ky * op.m_w.kernel + kx;
        auto axis = [](const ConvOperator::Axis& a, FactorValue value, Index tap) {
            Factor f;
            f.kind = FactorKind::Spatial;
            f.value = value;
            f.m = a.out;
            f.n = a.in;
            f.stride = a.stride;
            f.dilation = a.dilation;
            f.pad_lo = a.pad_lo;
            f.kernel = a.kernel;
            f.tap = tap;
            return f;
        };
        const Factor y = axis(op.m_h, vertical, ky), x = axis(op.m_w, horizontal, kx);
        if (op.m_spec.order == FlatOrder::ChannelMajor) return {g, y, x};
        return {y, x, g};
    }

    static void Rasterize(const ConvOperator& op, const Viewport& vp, RasterMode mode, Grid<float>& out) {
        if (vp.rows < 1 || vp.cols < 1 || vp.width_px < 1 || vp.height_px < 1 || vp.width_px > kMaxRasterSide ||
            vp.height_px > kMaxRasterSide || vp.row0 > std::numeric_limits<Index>::max() - vp.rows ||
            vp.col0 > std::numeric_limits<Index>::max() - vp.cols) {
            out.Resize(0, 0);
            return;
        }
        const int width = vp.width_px, height = vp.height_px;
        if (static_cast<int>(out.data.size()) != width * height) {
            out.Resize(width, height);
        } else {
            out.width = width;
            out.height = height;
        }
        const AxisPlan rows = MakeAxisPlan(vp.row0, vp.rows, height, op.Rows());
        const AxisPlan cols = MakeAxisPlan(vp.col0, vp.cols, width, op.Cols());
        const float nan = std::numeric_limits<float>::quiet_NaN();
        if (mode == RasterMode::Count) {
            // Doubles hold every partial count exactly below 2^53 (all intermediate values are
            // counts of sub-rectangles) and convert to float faster than 64-bit integers.
            if (op.NonZeros() < (Count{1} << 53)) {
                RasterizeCounts<double>(op, rows, cols, out);
            } else {
                RasterizeCounts<Count>(op, rows, cols, out);
            }
            return;
        }
        if (rows.zoomed_in && cols.zoomed_in) {
            RasterizeEntries(op, vp, mode, rows, cols, out);
            return;
        }
        const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
        if (mode == RasterMode::MeanValue) {
            std::vector<Count> count(pixels);
            std::vector<double> sum(pixels, 0.0);
            KronEngine<Count>(Factors(op, FactorValue::Ones, FactorValue::Ones, FactorValue::Ones), rows, cols)
                .Run([&](int py, const Count* values, bool, const auto*, const auto&) { std::copy_n(values, width, count.data() + static_cast<size_t>(py) * width); });
            // One Kronecker term per tap: (that tap's weights) (x) (its row shift) (x) (its column shift).
            for (Index ky = 0; ky < op.m_h.kernel; ++ky) {
                for (Index kx = 0; kx < op.m_w.kernel; ++kx) {
                    KronEngine<double>(Factors(op, FactorValue::Weight, FactorValue::Single, FactorValue::Single, ky, kx), rows, cols).Run([&](int py, const double* values, bool, const auto*, const auto&) {
                        double* dst = sum.data() + static_cast<size_t>(py) * width;
                        for (int px = 0; px < width; ++px) dst[px] += values[px];
                    });
                }
            }
            for (size_t i = 0; i < pixels; ++i) {
                out.data[i] = count[i] > 0 ? static_cast<float>(sum[i] / static_cast<double>(count[i])) : nan;
            }
            return;
        }
        RasterizeParameterId(op, rows, cols, out);
    }

    template <class T>
    static void RasterizeCounts(const ConvOperator& op, const AxisPlan& rows, const AxisPlan& cols, Grid<float>& out) {
        const int width = out.width;
        KronEngine<T>(Factors(op, FactorValue::Ones, FactorValue::Ones, FactorValue::Ones), rows, cols)
            .template Run<true>([&](int py, const T* values, bool repeat, const auto* runs, const auto& copy) {
                float* dst = &out.At(0, py);
                if (repeat) {
                    std::copy_n(dst - width, width, dst);
                } else if (runs) {  // sparse row: zeros, the evaluated runs, then the repeating pixels
                    std::fill_n(dst, width, 0.0f);
                    for (const auto& [first, end] : *runs) {
                        for (int px = first; px < end; ++px) dst[px] = static_cast<float>(values[px]);
                    }
                    for (int px = copy.first; px < copy.end; ++px) dst[px] = dst[px - copy.period];
                } else {
                    for (int px = 0; px < width; ++px) dst[px] = static_cast<float>(values[px]);
                }
            });
    }

    // Both axes zoomed in: every pixel shows one entry, looked up directly.
    static void RasterizeEntries(const ConvOperator& op, const Viewport& vp, RasterMode mode, const AxisPlan& rows,
                                 const AxisPlan& cols, Grid<float>& out) {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const int width = vp.width_px;
        for (int py = 0; py < vp.height_px; ++py) {
            float* dst = &out.At(0, py);
            const size_t r = static_cast<size_t>(py);
            // Same entry as the row above (compare both ends: clamped rows outside the matrix
            // share their lower end with the first row inside).
            if (py > 0 && rows.lo[r] == rows.lo[r - 1] && rows.hi[r] == rows.hi[r - 1]) {
                std::copy_n(dst - width, width, dst);
                continue;
            }
            const Index row = rows.bounds[static_cast<size_t>(rows.lo[r])];
            const bool row_inside = rows.lo[r] != rows.hi[r];
            for (int px = 0; px < width; ++px) {
                const size_t p = static_cast<size_t>(px);
                if (px > 0 && cols.lo[p] == cols.lo[p - 1] && cols.hi[p] == cols.hi[p - 1]) {
                    dst[px] = dst[px - 1];
                    continue;
                }
                std::optional<Index> param;
                if (row_inside && cols.lo[p] != cols.hi[p]) param = op.ParameterAt(row, cols.bounds[static_cast<size_t>(cols.lo[p])]);
                if (!param) {
                    dst[px] = nan;
                } else {
                    dst[px] = mode == RasterMode::MeanValue ? op.ParameterValue(*param) : static_cast<float>(*param);
                }
            }
        }
    }

    // All structural non-zeros of a pixel store one parameter iff each of its coordinates
    // (o, i, ky, kx) is constant over them, i.e. has zero variance: with N entries, S1 = sum v and
    // S2 = sum v^2, that is S1 = N v* and S2 = N v*^2 for v* = S1 / N. N, S1 and S2 are prefix
    // sums of Kronecker products like the counts, computed exactly in 128 bits (S2 < 2^63 * 2^32).
    static void RasterizeParameterId(const ConvOperator& op, const AxisPlan& rows, const AxisPlan& cols, Grid<float>& out) {
        const int width = out.width;
        const size_t pixels = out.data.size();
        std::vector<U128> n(pixels);
        KronEngine<U128>(Factors(op, FactorValue::Ones, FactorValue::Ones, FactorValue::Ones), rows, cols)
            .Run([&](int py, const U128* values, bool, const auto*, const auto&) { std::copy_n(values, width, n.data() + static_cast<size_t>(py) * width); });
        std::vector<std::array<Index, 4>> candidate(pixels, std::array<Index, 4>{0, 0, 0, 0});
        std::vector<unsigned char> unique(pixels, 1);
        struct Component {
            Index range;
            FactorValue g, y, x, g_sq, y_sq, x_sq;
        };
        const Component components[4] = {
            {op.m_spec.out_channels, FactorValue::First, FactorValue::Ones, FactorValue::Ones, FactorValue::FirstSq,
             FactorValue::Ones, FactorValue::Ones},
            {op.m_spec.in_channels, FactorValue::Second, FactorValue::Ones, FactorValue::Ones, FactorValue::SecondSq,
             FactorValue::Ones, FactorValue::Ones},
            {op.m_h.kernel, FactorValue::Ones, FactorValue::First, FactorValue::Ones, FactorValue::Ones,
             FactorValue::FirstSq, FactorValue::Ones},
            {op.m_w.kernel, FactorValue::Ones, FactorValue::Ones, FactorValue::First, FactorValue::Ones,
             FactorValue::Ones, FactorValue::FirstSq},
        };
        for (int k = 0; k < 4; ++k) {
            const Component& comp = components[k];
            if (comp.range <= 1) continue;  // the coordinate cannot vary
            KronEngine<U128>(Factors(op, comp.g, comp.y, comp.x), rows, cols).Run([&](int py, const U128* values, bool, const auto*, const auto&) {
                const size_t base = static_cast<size_t>(py) * width;
                for (int px = 0; px < width; ++px) {
                    const size_t i = base + static_cast<size_t>(px);
                    if (n[i] == 0 || !unique[i]) continue;
                    const U128 v = values[px] / n[i];
                    candidate[i][k] = static_cast<Index>(v);
                    unique[i] = values[px] == v * n[i];
                }
            });
            KronEngine<U128>(Factors(op, comp.g_sq, comp.y_sq, comp.x_sq), rows, cols).Run([&](int py, const U128* values, bool, const auto*, const auto&) {
                const size_t base = static_cast<size_t>(py) * width;
                for (int px = 0; px < width; ++px) {
                    const size_t i = base + static_cast<size_t>(px);
                    if (n[i] == 0 || !unique[i]) continue;
                    const U128 v = static_cast<U128>(candidate[i][k]);
                    unique[i] = values[px] == v * v * n[i];
                }
            });
        }
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (size_t i = 0; i < pixels; ++i) {
            if (n[i] == 0) {
                out.data[i] = nan;
            } else if (!unique[i]) {
                out.data[i] = -1.0f;
            } else {
                const auto& c = candidate[i];
                const Index in_local = c[1] - (c[0] / op.m_out_per_group) * op.m_in_per_group;
                out.data[i] = static_cast<float>(op.ParamIndex(c[0], in_local, c[2], c[3]));
            }
        }
    }
};

void ConvOperator::Rasterize(const Viewport& viewport, RasterMode mode, Grid<float>& out) const {
    ConvRasterAccess::Rasterize(*this, viewport, mode, out);
}

}  // namespace lens
