// cnn_analysis.cpp: CNN stacks analysed: per-layer shapes and counts, receptive-field summaries,
// and the input region of one output location (lens/cnn.hpp).
//
// [SECTION] Helpers
// [SECTION] Receptive fields: per-axis maps and interval propagation
// [SECTION] Analysis: shapes and counts per layer
// [SECTION] Analysis: the stack
// [SECTION] Receptive field of a location
#include "lens/cnn.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "cnn_internal.hpp"
#include "lens/conv.hpp"  // ConvOutputSize: the one output-size formula of the project

namespace lens {
namespace {

using cnn_detail::Num;

// [SECTION] Helpers

__extension__ typedef __int128 I128;  // interval ends: products of strides stay exact before clamping


I128 FloorDiv(I128 a, I128 b) {  // b > 0
    I128 q = a / b;
    if ((a % b != 0) && (a < 0)) --q;
    return q;
}
I128 CeilDiv(I128 a, I128 b) { return -FloorDiv(-a, b); }

I128 Gcd(I128 a, I128 b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b != 0) {
        const I128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

// A non-negative rational num/den, den > 0, kept reduced; `ok` false once it leaves int64.
struct Ratio {
    Index num = 1;
    Index den = 1;
    bool ok = true;
};

Ratio MakeRatio(I128 num, I128 den) {
    Ratio r;
    if (num == 0) return {0, 1, true};
    const I128 g = Gcd(num, den);
    num /= g;
    den /= g;
    const I128 max = std::numeric_limits<Index>::max();
    if (num > max || den > max) return {0, 1, false};
    r.num = static_cast<Index>(num);
    r.den = static_cast<Index>(den);
    return r;
}

// [SECTION] Receptive fields: per-axis maps and interval propagation

// How one layer maps positions of its output back to its input, along one axis.
struct AxisOp {
    enum Kind { Window, Up, TConv, Global } kind = Window;
    Index kernel = 1;    // Window: effective (dilated) kernel; TConv: kernel
    Index taps = 1;      // Window: taps of the kernel (window)
    Index dilation = 1;  // Window: spacing of the taps
    Index stride = 1;    // Window, TConv
    Index pad = 0;       // Window, TConv
    Index factor = 1;    // Up
    Index in = 1;        // size of the layer's input map on this axis
    Index out = 1;       // size of its output map on this axis
};

// Interval [lo, hi] of positions (inclusive); `empty` once nothing is left.
struct Span {
    I128 lo = 0, hi = 0;
    bool empty = false;
};

constexpr I128 kSpanClamp = I128{1} << 62;  // unclipped ends are clamped here (see Back)

AxisOp AxisOf(const CnnLayerStats& st, bool vertical) {
    const CnnLayer& l = st.layer;
    AxisOp op;
    op.in = vertical ? st.in.h : st.in.w;
    op.out = vertical ? st.out.h : st.out.w;
    const Index kernel = vertical ? l.kernel_h : l.kernel_w;
    switch (l.kind) {
        case CnnLayerKind::Conv:
        case CnnLayerKind::Depthwise:
        case CnnLayerKind::Pointwise:
        case CnnLayerKind::Down:
        case CnnLayerKind::MaxPool:
        case CnnLayerKind::AvgPool:
            op.kind = AxisOp::Window;
            op.kernel = l.dilation * (kernel - 1) + 1;  // the dilated kernel's reach
            op.taps = kernel;
            op.dilation = l.dilation;
            op.stride = l.stride;
            op.pad = l.padding;
            break;
        case CnnLayerKind::Upsample:
            op.kind = AxisOp::Up;
            op.factor = l.factor;
            break;
        case CnnLayerKind::TransposedConv:
            op.kind = AxisOp::TConv;
            op.kernel = kernel;
            op.stride = l.stride;
            op.pad = l.padding;
            break;
        case CnnLayerKind::GlobalAvgPool:
        case CnnLayerKind::Linear:
        case CnnLayerKind::Transformer:
            op.kind = AxisOp::Global;
            break;
    }
    return op;
}

// Maps an interval of the layer's output positions to the input positions it reads (see the top of
// cnn.hpp for each formula). clip: intersect with the input map [0, in). Unclipped ends are clamped
// to +-2^62 (setting *saturated) so that pathological stacks cannot overflow; AnalyzeCnn refuses
// the stacks whose summary saturates.
Span Back(const AxisOp& op, Span s, bool clip, bool* saturated) {
    if (s.empty) return s;
    Span r;
    switch (op.kind) {
        case AxisOp::Window:
            r.lo = s.lo * op.stride - op.pad;
            r.hi = s.hi * op.stride - op.pad + op.kernel - 1;
            break;
        case AxisOp::Up:
            r.lo = FloorDiv(s.lo, op.factor);
            r.hi = FloorDiv(s.hi, op.factor);
            break;
        case AxisOp::TConv:
            // Output o receives input i when i*s - p <= o <= i*s - p + k - 1.
            r.lo = CeilDiv(s.lo + op.pad - op.kernel + 1, op.stride);
            r.hi = FloorDiv(s.hi + op.pad, op.stride);
            break;
        case AxisOp::Global:
            r.lo = 0;
            r.hi = op.in - 1;
            break;
    }
    if (clip) {
        r.lo = std::max<I128>(r.lo, 0);
        r.hi = std::min<I128>(r.hi, op.in - 1);
    }
    if (r.lo > r.hi) {
        r.empty = true;
        return r;
    }
    for (I128* end : {&r.lo, &r.hi}) {
        if (*end > kSpanClamp || *end < -kSpanClamp) {
            *end = std::clamp(*end, -kSpanClamp, kSpanClamp);
            if (saturated) *saturated = true;
        }
    }
    return r;
}

// Unclipped region of output position `o` of layer `layer` on one axis: back through layers layer..0.
Span RegionOnAxis(const std::vector<CnnLayerStats>& layers, Index layer, Index o, bool vertical, bool* saturated) {
    Span s{o, o, false};
    for (Index l = layer; l >= 0; --l) {
        s = Back(AxisOf(layers[static_cast<size_t>(l)], vertical), s, false, saturated);
        if (s.empty) break;
    }
    return s;
}

// Positions of one map axis that a location depends on: an interval while they are contiguous, a
// mask of the map (one entry per position) once dilation, or a stride above the window, leaves gaps.
struct AxisSet {
    Span span;                       // when `mask` is empty
    std::vector<std::uint8_t> mask;  // else: 1 where a position is read
};

// Whether a window layer reads a contiguous set of inputs (before clipping) for the outputs `s`
// (not empty). Conservative: false only sends the set through the exact mask path.
bool WindowImageContiguous(const AxisOp& op, const Span& s) {
    const bool one = s.lo == s.hi;
    if (op.taps == 1) return one || op.stride == 1;
    if (op.dilation == 1) return one || op.stride <= op.taps;
    return op.stride == 1 && s.hi - s.lo + 1 >= op.dilation;
}

// First and last set entry of a mask (lo > hi when none).
Span MaskBounds(const std::vector<std::uint8_t>& mask) {
    const auto first = std::find(mask.begin(), mask.end(), std::uint8_t{1});
    if (first == mask.end()) return Span{0, 0, true};
    const auto last = std::find(mask.rbegin(), mask.rend(), std::uint8_t{1}).base() - 1;
    return Span{first - mask.begin(), last - mask.begin(), false};
}

// The mask's set as an interval again when it has no gaps (or is empty).
AxisSet Simplify(std::vector<std::uint8_t> mask) {
    const Span b = MaskBounds(mask);
    if (b.empty) return {b, {}};
    const auto first = mask.begin() + static_cast<std::ptrdiff_t>(b.lo), last = mask.begin() + static_cast<std::ptrdiff_t>(b.hi);
    if (std::find(first, last, std::uint8_t{0}) != last) return {Span{}, std::move(mask)};
    return {b, {}};
}

// Inputs (a mask of the input map) that the outputs in `out_mask` (a mask of the output map) read,
// tap by tap; positions in the padding read nothing.
std::vector<std::uint8_t> BackMask(const AxisOp& op, const std::vector<std::uint8_t>& out_mask) {
    const Index in = op.in, out = static_cast<Index>(out_mask.size());
    std::vector<std::uint8_t> mask(static_cast<size_t>(in), 0);
    auto at = [](auto& v, Index i) -> auto& { return v[static_cast<size_t>(i)]; };
    switch (op.kind) {
        case AxisOp::Window: {
            // Input i (padded position j = i + pad) is read when j - k*dilation = o*stride for a tap
            // k < taps and a read output o: count such o*stride along each chain j, j - d, j - 2d, ...
            const Index d = op.dilation, reach = op.taps * op.dilation, n = op.pad + in;
            std::vector<Index> chain(static_cast<size_t>(n), 0);
            for (Index j = 0; j < n; ++j) {
                const bool hit = j % op.stride == 0 && j / op.stride < out && at(out_mask, j / op.stride);
                at(chain, j) = (hit ? 1 : 0) + (j >= d ? at(chain, j - d) : 0);
            }
            for (Index i = 0; i < in; ++i) {
                const Index j = i + op.pad;
                at(mask, i) = at(chain, j) - (j >= reach ? at(chain, j - reach) : 0) > 0;
            }
            break;
        }
        case AxisOp::Up:
            for (Index o = 0; o < out; ++o)
                if (at(out_mask, o)) at(mask, o / op.factor) = 1;
            break;
        case AxisOp::TConv: {
            // Input i writes outputs i*stride - pad .. i*stride - pad + kernel - 1: is any of them read?
            std::vector<Index> prefix(static_cast<size_t>(out) + 1, 0);
            for (Index o = 0; o < out; ++o) at(prefix, o + 1) = at(prefix, o) + at(out_mask, o);
            for (Index i = 0; i < in; ++i) {
                const Index lo = std::max<Index>(i * op.stride - op.pad, 0);
                const Index hi = std::min<Index>(i * op.stride - op.pad + op.kernel - 1, out - 1);
                at(mask, i) = lo <= hi && at(prefix, hi + 1) > at(prefix, lo);
            }
            break;
        }
        case AxisOp::Global:
            if (!MaskBounds(out_mask).empty) std::fill(mask.begin(), mask.end(), std::uint8_t{1});
            break;
    }
    return mask;
}

// Clipped region of output position `o` of layer `layer` on one axis: the bounding interval of the
// input positions its taps actually reach. Intervals while the set stays contiguous (O(layers));
// masks (O(map sizes)) from the first layer whose taps leave gaps, until it is contiguous again.
Span TightRegionOnAxis(const std::vector<CnnLayerStats>& layers, Index layer, Index o, bool vertical) {
    AxisSet set{Span{o, o, false}, {}};
    for (Index l = layer; l >= 0; --l) {
        const AxisOp op = AxisOf(layers[static_cast<size_t>(l)], vertical);
        if (set.mask.empty() && op.kind == AxisOp::Window && !WindowImageContiguous(op, set.span)) {
            set.mask.assign(static_cast<size_t>(op.out), 0);
            std::fill(set.mask.begin() + static_cast<std::ptrdiff_t>(set.span.lo),
                      set.mask.begin() + static_cast<std::ptrdiff_t>(set.span.hi + 1), std::uint8_t{1});
        }
        if (set.mask.empty()) {
            set.span = Back(op, set.span, true, nullptr);
        } else {
            set = Simplify(BackMask(op, set.mask));
        }
        if (set.mask.empty() && set.span.empty) break;  // only padding: nothing further back
    }
    return set.mask.empty() ? set.span : MaskBounds(set.mask);
}

// [SECTION] Analysis: shapes and counts per layer

std::optional<std::string> CheckField(const char* what, Index value, Index lo, Index hi) {
    if (value < lo || value > hi) {
        return std::string(what) + " must be between " + FormatExact(lo) + " and " + FormatExact(hi) + " (got " +
               FormatExact(value) + ")";
    }
    return std::nullopt;
}

std::string Size(Index h, Index w) { return Num(h) + " x " + Num(w); }

// Resolves `typed` against the incoming map and fills stats (shapes, counts); a problem otherwise.
std::optional<std::string> AnalyzeLayer(const CnnLayer& typed, const CnnShape& in, CnnLayerStats& st) {
    CnnLayer l = typed;
    // Kinds with a fixed geometry: the fields a user cannot type are set here, whatever they hold.
    if (l.kind == CnnLayerKind::Pointwise) {
        l.kernel_h = l.kernel_w = 1;
        l.stride = 1;
        l.padding = 0;
        l.dilation = 1;
        l.groups = 1;
    } else if (l.kind == CnnLayerKind::Down) {
        l.kernel_h = l.kernel_w = 3;
        l.stride = 2;
        l.padding = 1;
        l.dilation = 1;
        l.groups = 1;
    } else if (l.kind == CnnLayerKind::Depthwise) {
        l.groups = in.c;
        l.out_channels = in.c;
    } else if (l.kind == CnnLayerKind::MaxPool || l.kind == CnnLayerKind::AvgPool) {
        l.dilation = 1;
    }
    st.in = in;
    st.text = FormatLayer(typed);

    const bool windowed = l.kind == CnnLayerKind::Conv || l.kind == CnnLayerKind::Depthwise ||
                          l.kind == CnnLayerKind::Pointwise || l.kind == CnnLayerKind::Down ||
                          l.kind == CnnLayerKind::MaxPool || l.kind == CnnLayerKind::AvgPool;
    const bool convolution = l.kind == CnnLayerKind::Conv || l.kind == CnnLayerKind::Depthwise ||
                             l.kind == CnnLayerKind::Pointwise || l.kind == CnnLayerKind::Down;
    if (windowed || l.kind == CnnLayerKind::TransposedConv) {
        for (auto problem : {CheckField("the kernel", l.kernel_h, 1, kCnnMaxKernel), CheckField("the kernel", l.kernel_w, 1, kCnnMaxKernel),
                             CheckField("the stride", l.stride, 1, kCnnMaxKernel), CheckField("the padding", l.padding, 0, kCnnMaxKernel),
                             CheckField("the dilation", l.dilation, 1, kCnnMaxKernel)}) {
            if (problem) return problem;
        }
    }
    if ((l.kind == CnnLayerKind::MaxPool || l.kind == CnnLayerKind::AvgPool || l.kind == CnnLayerKind::TransposedConv) &&
        l.kernel_h != l.kernel_w) {
        return std::string("pooling windows and transposed-convolution kernels are square here");
    }
    if (l.kind == CnnLayerKind::MaxPool || l.kind == CnnLayerKind::AvgPool) {
        if (2 * l.padding > l.kernel_h) {
            return "the padding (" + Num(l.padding) + ") must be at most half the window (" + Num(l.kernel_h) +
                   "), as PyTorch requires";
        }
    }

    Count weights = 0, biases = 0, macs = 0;
    CnnShape out = in;
    auto overflow = [](const char* what) { return std::string("the ") + what + " count overflows 64 bits"; };

    if (windowed) {
        const Index oh = ConvOutputSize(in.h, l.kernel_h, l.stride, l.padding, l.padding, l.dilation);
        const Index ow = ConvOutputSize(in.w, l.kernel_w, l.stride, l.padding, l.padding, l.dilation);
        if (oh < 1 || ow < 1) {
            const Index reach_h = l.dilation * (l.kernel_h - 1) + 1, reach_w = l.dilation * (l.kernel_w - 1) + 1;
            const bool pool = l.kind == CnnLayerKind::MaxPool || l.kind == CnnLayerKind::AvgPool;
            return "the " + Size(in.h, in.w) + " map (" + Size(in.h + 2 * l.padding, in.w + 2 * l.padding) +
                   " with padding) is smaller than the " + (pool ? std::string("window") : std::string("dilated kernel")) +
                   " (" + Size(reach_h, reach_w) + "): the stack shrinks the map to nothing";
        }
        out.h = oh;
        out.w = ow;
    }
    if (convolution) {
        const Index cout = l.out_channels > 0 ? l.out_channels : in.c;
        if (auto p = CheckField("the output channels", cout, 1, kCnnMaxChannels)) return p;
        if (auto p = CheckField("groups", l.groups, 1, kCnnMaxChannels)) return p;
        if (in.c % l.groups != 0 || cout % l.groups != 0) {
            return "groups (" + Num(l.groups) + ") must divide the input channels (" + Num(in.c) + ") and the output channels (" +
                   Num(cout) + ")";
        }
        l.out_channels = cout;
        out.c = cout;
        const auto w = CheckedProduct({l.kernel_h, l.kernel_w, in.c / l.groups, cout});
        const auto m = w ? CheckedProduct({out.h, out.w, *w}) : std::nullopt;
        if (!w) return overflow("weight");
        if (!m) return overflow("multiply-accumulate");
        weights = *w;
        biases = l.bias ? cout : 0;
        macs = *m;
    }
    switch (l.kind) {
        case CnnLayerKind::GlobalAvgPool:
            out = {in.c, 1, 1};
            break;
        case CnnLayerKind::Upsample: {
            if (auto p = CheckField("the up-sampling factor", l.factor, 1, kCnnMaxKernel)) return p;
            out.h = in.h * l.factor;
            out.w = in.w * l.factor;
            break;
        }
        case CnnLayerKind::TransposedConv: {
            const Index cout = l.out_channels > 0 ? l.out_channels : in.c;
            if (auto p = CheckField("the output channels", cout, 1, kCnnMaxChannels)) return p;
            if (auto p = CheckField("groups", l.groups, 1, kCnnMaxChannels)) return p;
            if (in.c % l.groups != 0 || cout % l.groups != 0) {
                return "groups (" + Num(l.groups) + ") must divide the input channels (" + Num(in.c) +
                       ") and the output channels (" + Num(cout) + ")";
            }
            l.out_channels = cout;
            // PyTorch's ConvTranspose2d size: (in - 1) * stride - 2 * padding + kernel (output_padding 0).
            out.h = (in.h - 1) * l.stride - 2 * l.padding + l.kernel_h;
            out.w = (in.w - 1) * l.stride - 2 * l.padding + l.kernel_w;
            if (out.h < 1 || out.w < 1) {
                return "the padding (" + Num(l.padding) + ") removes the whole " + Size(in.h, in.w) +
                       " map's output: the stack shrinks the map to nothing";
            }
            out.c = cout;
            const auto w = CheckedProduct({in.c, cout / l.groups, l.kernel_h, l.kernel_w});
            const auto m = w ? CheckedProduct({in.h, in.w, *w}) : std::nullopt;
            if (!w) return overflow("weight");
            if (!m) return overflow("multiply-accumulate");
            weights = *w;
            biases = l.bias ? cout : 0;
            macs = *m;
            break;
        }
        case CnnLayerKind::Linear: {
            if (auto p = CheckField("the output features", l.out_channels, 1, kCnnMaxChannels)) return p;
            const auto features = CheckedProduct({in.c, in.h, in.w});
            const auto w = features ? CheckedMul(*features, l.out_channels) : std::nullopt;
            if (!w) return overflow("weight");
            weights = *w;
            biases = l.bias ? l.out_channels : 0;
            macs = *w;
            out = {l.out_channels, 1, 1};
            break;
        }
        case CnnLayerKind::Transformer: {
            if (auto p = CheckField("the heads", l.heads, 1, kCnnMaxChannels)) return p;
            if (auto p = CheckField("the MLP ratio", l.mlp_ratio, 1, 64)) return p;
            if (in.c % l.heads != 0) {
                return "the heads (" + Num(l.heads) + ") must divide the width (" + Num(in.c) + " channels)";
            }
            const auto tokens = CheckedMul(in.h, in.w);
            const auto counts = tokens ? CnnTransformerBlockCounts(*tokens, in.c, in.c * l.mlp_ratio) : std::nullopt;
            if (!counts) return overflow("multiply-accumulate");
            const Index d = in.c, m = in.c * l.mlp_ratio;
            biases = 3 * d + d + m + d;  // QKV, output projection, the MLP's two layers
            weights = counts->parameters - biases;
            macs = counts->macs;
            break;
        }
        default:
            break;
    }
    if (out.h > kCnnMaxSide || out.w > kCnnMaxSide) {
        return "the map grows to " + Size(out.h, out.w) + ", above the limit of " + FormatExact(kCnnMaxSide) + " on a side";
    }
    const auto activations = CheckedProduct({out.c, out.h, out.w});
    if (!activations) return overflow("activation");
    st.layer = l;
    st.out = out;
    st.weights = weights;
    st.biases = biases;
    st.parameters = weights + biases;
    st.macs = macs;
    st.activations = *activations;
    return std::nullopt;
}

}  // namespace

// [SECTION] Analysis: the stack

std::optional<CnnTransformerCounts> CnnTransformerBlockCounts(Index tokens, Index width, Index mlp) {
    const Count n = tokens, d = width, m = mlp;
    if (n < 1 || d < 1 || m < 1) return std::nullopt;
    // Parameters: QKV + output projection 4d^2 + 4d, MLP 2dm + m + d, two LayerNorms 4d.
    const auto d2 = CheckedMul(d, d);
    const auto dm = CheckedMul(d, m);
    if (!d2 || !dm) return std::nullopt;
    const auto p1 = CheckedMul(4, *d2);
    const auto p2 = CheckedMul(2, *dm);
    if (!p1 || !p2) return std::nullopt;
    auto params = CheckedAdd(*p1, *p2);
    for (Count term : {4 * d, m, d, 4 * d}) {
        if (params) params = CheckedAdd(*params, term);
    }
    // MACs: projections 4 N d^2, Q K^T and A V 2 N^2 d, MLP 2 N d m.
    const auto proj = CheckedProduct({4, n, d, d});
    const auto attn = CheckedProduct({2, n, n, d});
    const auto mlp_macs = CheckedProduct({2, n, d, m});
    auto macs = proj && attn ? CheckedAdd(*proj, *attn) : std::nullopt;
    if (macs && mlp_macs) {
        macs = CheckedAdd(*macs, *mlp_macs);
    } else {
        macs = std::nullopt;
    }
    if (!params || !macs) return std::nullopt;
    return CnnTransformerCounts{*params, *macs};
}

std::optional<CnnStats> AnalyzeCnn(const CnnSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found;
    if (auto p = CheckField("in_channels", spec.in_channels, 1, kCnnMaxChannels)) found.push_back({"in_channels", *p});
    if (auto p = CheckField("in_h", spec.in_h, 1, kCnnMaxSide)) found.push_back({"in_h", *p});
    if (auto p = CheckField("in_w", spec.in_w, 1, kCnnMaxSide)) found.push_back({"in_w", *p});
    if (spec.layers.empty()) found.push_back({"layers", "the stack has no layers: type some, e.g. conv3x3p1c64, maxpool2"});
    if (static_cast<Index>(spec.layers.size()) > kCnnMaxLayers) {
        found.push_back({"layers", "the stack has " + Num(static_cast<Index>(spec.layers.size())) + " layers, above the limit of " +
                                       Num(kCnnMaxLayers)});
    }
    auto fail = [&](std::vector<SpecIssue> what) -> std::optional<CnnStats> {
        if (issues) issues->insert(issues->end(), what.begin(), what.end());
        return std::nullopt;
    };
    if (!found.empty()) return fail(found);

    CnnStats stats;
    stats.input = {spec.in_channels, spec.in_h, spec.in_w};
    CnnShape shape = stats.input;
    // Cumulative jumps (input pixels per step) of every layer's output, per axis, for the periods.
    std::vector<Ratio> jumps_y, jumps_x;
    Index last_global = -1;
    for (size_t i = 0; i < spec.layers.size(); ++i) {
        const Index index = static_cast<Index>(i);
        CnnLayerStats st;
        const std::string name = "layer " + Num(index + 1) + " (" + FormatLayer(spec.layers[i]) + ")";
        if (auto problem = AnalyzeLayer(spec.layers[i], shape, st)) return fail({{"layers", name + ": " + *problem}});
        const auto params = CheckedAdd(stats.parameters, st.parameters);
        const auto macs = CheckedAdd(stats.macs, st.macs);
        const auto acts = CheckedAdd(stats.activations, st.activations);
        if (!params || !macs || !acts) return fail({{"layers", name + ": the stack's totals overflow 64 bits"}});
        stats.parameters = *params;
        stats.macs = *macs;
        stats.activations = *acts;
        stats.max_activation = std::max(stats.max_activation, st.activations);
        shape = st.out;
        stats.layers.push_back(st);

        // Receptive-field summary of this layer, per axis.
        bool saturated = false;
        for (const bool vertical : {true, false}) {
            const AxisOp op = AxisOf(st, vertical);
            std::vector<Ratio>& jumps = vertical ? jumps_y : jumps_x;
            const Ratio before = jumps.empty() ? Ratio{} : jumps.back();
            Ratio j;
            switch (op.kind) {
                case AxisOp::Window: j = MakeRatio(I128{before.num} * op.stride, before.den); break;
                case AxisOp::Up: j = MakeRatio(before.num, I128{before.den} * op.factor); break;
                case AxisOp::TConv: j = MakeRatio(before.num, I128{before.den} * op.stride); break;
                case AxisOp::Global: j = Ratio{0, 1, true}; break;
            }
            if (!before.ok || !j.ok) return fail({{"layers", name + ": the receptive field's jump overflows 64 bits"}});
            jumps.push_back(j);
            if (op.kind == AxisOp::Global) last_global = index;

            // Period of the region pattern: the smallest t making t * J_index / J_l whole for every
            // layer output l after the last global layer (and for the input, J = 1); capped.
            const Index out_size = vertical ? st.out.h : st.out.w;
            I128 period = 1;  // after a global layer every location has the same region
            if (last_global < 0) {
                auto fold = [&](Ratio jl) {
                    if (period > kCnnFieldPeriodCap || jl.num == 0) return;
                    const I128 num = I128{j.num} * jl.den, den = I128{j.den} * jl.num;
                    const I128 reduced_den = den / Gcd(num, den);
                    period = period / Gcd(period, reduced_den) * reduced_den;
                };
                fold(Ratio{});
                for (Index l = std::max<Index>(last_global + 1, 0); l <= index; ++l) fold(jumps[static_cast<size_t>(l)]);
            }
            const Index scan = static_cast<Index>(std::min<I128>({period, I128{out_size}, I128{kCnnFieldPeriodCap}}));
            CnnField field;
            field.jump_num = j.num;
            field.jump_den = j.den;
            field.period = static_cast<Index>(std::min<I128>(period, I128{kCnnFieldPeriodCap} + 1));
            field.global = last_global >= 0;
            field.size = 0;
            for (Index o = 0; o < scan; ++o) {
                const Span s = RegionOnAxis(stats.layers, index, o, vertical, &saturated);
                if (o == 0) field.start = static_cast<Index>(s.lo);
                if (!s.empty) field.size = std::max(field.size, static_cast<Index>(s.hi - s.lo + 1));
            }
            (vertical ? stats.layers.back().field_y : stats.layers.back().field_x) = field;
        }
        if (saturated) return fail({{"layers", name + ": the receptive field reaches past 2^62 px"}});
    }
    stats.out = shape;
    return stats;
}

std::vector<SpecIssue> Validate(const CnnSpec& spec) {
    std::vector<SpecIssue> issues;
    AnalyzeCnn(spec, &issues);
    return issues;
}

// [SECTION] Receptive field of a location

std::optional<InputRegionResult> InputRegion(const CnnStats& stats, Index layer_index, Index out_y, Index out_x) {
    if (layer_index < 0 || layer_index >= static_cast<Index>(stats.layers.size())) return std::nullopt;
    const CnnShape& out = stats.layers[static_cast<size_t>(layer_index)].out;
    if (out_y < 0 || out_y >= out.h || out_x < 0 || out_x >= out.w) return std::nullopt;
    InputRegionResult r;
    for (const bool clip : {true, false}) {
        const Span sy = clip ? TightRegionOnAxis(stats.layers, layer_index, out_y, true)
                             : RegionOnAxis(stats.layers, layer_index, out_y, true, nullptr);
        const Span sx = clip ? TightRegionOnAxis(stats.layers, layer_index, out_x, false)
                             : RegionOnAxis(stats.layers, layer_index, out_x, false, nullptr);
        PixelRegion region;
        if (!sy.empty && !sx.empty) {
            region = {static_cast<Index>(sy.lo), static_cast<Index>(sx.lo), static_cast<Index>(sy.hi + 1),
                      static_cast<Index>(sx.hi + 1)};
        }
        (clip ? r.clipped : r.unclipped) = region;
    }
    return r;
}

}  // namespace lens
