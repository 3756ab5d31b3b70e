// conv.cpp: convolution as an expanded sparse matrix: the spec, its statistics and the operator.
// The reference computations and presets are in conv_reference.cpp, the rasterizer in
// conv_raster.cpp (with conv_kron.hpp and conv_kron_engine.hpp).
//
// [SECTION] Spec: padding, output size, validation
// [SECTION] Statistics
// [SECTION] Operator: construction, weights, index maps
// [SECTION] Operator: rows, lookups, labels
// [SECTION] Operator: matrix-free product
// [SECTION] Figures
#include "lens/conv.hpp"
#include "lens/figures.hpp"
#include "lens/random.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "conv_detail.hpp"

namespace lens {
namespace {

using conv_detail::CeilDiv;
using conv_detail::FloorDiv;
using conv_detail::ValidOutputs;

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

    if (spec.dims == 1 && spec.in_h != 1) {
        issues.push_back({"in_h", "a 1-D convolution (dims=1) has in_h = 1 (got " + FormatExact(spec.in_h) + ")"});
    }
    if (spec.dims == 1 && spec.kernel_h != 1) {
        issues.push_back({"kernel_h", "a 1-D convolution (dims=1) has kernel_h = 1 (got " + FormatExact(spec.kernel_h) + ")"});
    }
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

EntryCoords ConvOperator::RowCoords(Index row) const {
    if (row < 0 || row >= Rows()) return StructuredMatrix::RowCoords(row);
    const ConvCoord c = DecodeRow(row);
    if (m_spec.dims == 1) return {EntryCoords::Side::Output, {{"c", c.c}, {"x", c.x}}};
    return {EntryCoords::Side::Output, {{"c", c.c}, {"y", c.y}, {"x", c.x}}};
}

EntryCoords ConvOperator::ColCoords(Index col) const {
    if (col < 0 || col >= Cols()) return StructuredMatrix::ColCoords(col);
    const ConvCoord c = DecodeCol(col);
    if (m_spec.dims == 1) return {EntryCoords::Side::Input, {{"c", c.c}, {"x", c.x}}};
    return {EntryCoords::Side::Input, {{"c", c.c}, {"y", c.y}, {"x", c.x}}};
}

std::vector<WeightRef> ConvOperator::ParameterWeights(Index param) const {
    if (param < 0 || param >= Parameters()) return {};
    const ParamCoord p = DecodeParam(param);
    WeightRef w{"w", {{"o", p.out_c}, {"i", p.in_local}, {"ky", p.ky}, {"kx", p.kx}}, ParameterValue(param), false};
    if (m_spec.dims == 1) w.index = {{"o", p.out_c}, {"i", p.in_local}, {"k", p.kx}};
    return {w};
}

// [SECTION] Operator: matrix-free product

void ConvOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != Cols() || static_cast<Index>(y.size()) != Rows()) return;
    if (conv_detail::ApplyByTaps(*this, x, y)) return;  // channel-major, stride 1, wide: one GEMM per tap
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

// [SECTION] Figures

std::string PaddingText(const ConvSpec& spec) {
    switch (spec.padding_mode) {
        case PaddingMode::Valid: return "valid";
        case PaddingMode::Same: return "same";
        case PaddingMode::Full: return "full";
        default: return std::to_string(spec.padding);
    }
}

void VisitFigures(const ConvOperator& op, FigureVisitor& visitor) {
    const ConvSpec& spec = op.Spec();
    const ConvStats& st = op.Stats();
    visitor.Integer("dims", spec.dims);
    visitor.String("padding", PaddingText(spec));
    visitor.String("order", spec.order == FlatOrder::ChannelMajor ? "channel_major" : "position_major");
    visitor.Integer("rows", st.rows);
    visitor.Integer("cols", st.cols);
    visitor.Integer("out_h", st.out_h);
    visitor.Integer("out_w", st.out_w);
    visitor.Integer("nonzeros", st.nonzeros);
    visitor.Number("density", st.density);
    visitor.Integer("weights", st.weights);
    visitor.Integer("parameters", st.parameters);
    visitor.Integer("useful_macs", st.useful_macs);
    visitor.Integer("padded_macs", st.padded_macs);
    visitor.Integer("dense_macs", st.dense_macs);
    visitor.Number("gemm_utilization", st.gemm_utilization);
    visitor.Integer("im2col_rows", st.im2col_rows);
    visitor.Integer("im2col_cols", st.im2col_cols);
    visitor.Integer("im2col_entries", st.im2col_entries);
    visitor.Number("im2col_duplication", st.im2col_duplication);
    visitor.Integer("separable_weights", st.separable_weights);
    visitor.ArrayF32("weight", op.Weights(), {spec.out_channels, spec.in_channels / spec.groups, spec.kernel_h, spec.kernel_w});
    if (spec.bias) visitor.ArrayF32("bias", op.Bias(), {spec.out_channels});
}

}  // namespace lens
