// cnn.cpp: CNN stacks: the text form, shapes and counts, receptive fields, presets, forward pass.
//
// [SECTION] Helpers
// [SECTION] Layer constructors
// [SECTION] Text form: parsing
// [SECTION] Text form: printing
// [SECTION] Receptive fields: per-axis maps and interval propagation
// [SECTION] Analysis: shapes and counts per layer
// [SECTION] Analysis: the stack
// [SECTION] Receptive field of a location
// [SECTION] Presets
// [SECTION] Forward pass: weights
// [SECTION] Forward pass: layers without multiplies (both paths)
// [SECTION] Forward pass: the reference (direct loops, double accumulators)
// [SECTION] Forward pass: the fast path (Eigen GEMMs)
// [SECTION] Forward pass: the stack
#include "lens/cnn.hpp"
#include "lens/random.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>

#include "lens/conv.hpp"  // ConvOutputSize: the one output-size formula of the project

namespace lens {
namespace {

// [SECTION] Helpers

__extension__ typedef __int128 I128;  // interval ends: products of strides stay exact before clamping

std::string Num(Index v) { return std::to_string(v); }


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
    Index kernel = 1;  // Window: effective (dilated) kernel; TConv: kernel
    Index stride = 1;  // Window, TConv
    Index pad = 0;     // Window, TConv
    Index factor = 1;  // Up
    Index in = 1;      // size of the layer's input map on this axis
};

// Interval [lo, hi] of positions (inclusive); `empty` once nothing is left.
struct Span {
    I128 lo = 0, hi = 0;
    bool empty = false;
};

constexpr I128 kSpanClamp = I128{1} << 62;  // unclipped ends are clamped here (see Back)

AxisOp AxisOf(const CnnLayer& l, const CnnShape& in, bool vertical) {
    AxisOp op;
    op.in = vertical ? in.h : in.w;
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

// Region of output position `o` of layer `layer` on one axis: back through layers layer..0.
Span RegionOnAxis(const std::vector<CnnLayerStats>& layers, Index layer, Index o, bool vertical, bool clip,
                  bool* saturated) {
    Span s{o, o, false};
    for (Index l = layer; l >= 0; --l) {
        const auto& ls = layers[static_cast<size_t>(l)];
        s = Back(AxisOf(ls.layer, ls.in, vertical), s, clip, saturated);
        if (s.empty) break;
    }
    return s;
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

// [SECTION] Layer constructors

CnnLayer MakeConv(Index kernel, Index out_channels, Index stride, Index padding, bool bias) {
    CnnLayer l;
    l.kind = CnnLayerKind::Conv;
    l.kernel_h = l.kernel_w = kernel;
    l.out_channels = out_channels;
    l.stride = stride;
    l.padding = padding;
    l.bias = bias;
    return l;
}

CnnLayer MakeDepthwise(Index kernel, Index stride, Index padding, bool bias) {
    CnnLayer l = MakeConv(kernel, 0, stride, padding, bias);
    l.kind = CnnLayerKind::Depthwise;
    return l;
}

CnnLayer MakePointwise(Index out_channels, bool bias) {
    CnnLayer l = MakeConv(1, out_channels, 1, 0, bias);
    l.kind = CnnLayerKind::Pointwise;
    return l;
}

CnnLayer MakePool(CnnLayerKind kind, Index kernel, Index stride, Index padding) {
    CnnLayer l;
    l.kind = kind;
    l.kernel_h = l.kernel_w = kernel;
    l.stride = stride > 0 ? stride : kernel;
    l.padding = padding;
    return l;
}

CnnLayer MakeGlobalAvgPool() {
    CnnLayer l;
    l.kind = CnnLayerKind::GlobalAvgPool;
    return l;
}

CnnLayer MakeDown(Index out_channels, bool bias) {
    CnnLayer l = MakeConv(3, out_channels, 2, 1, bias);
    l.kind = CnnLayerKind::Down;
    return l;
}

CnnLayer MakeUpsample(Index factor) {
    CnnLayer l;
    l.kind = CnnLayerKind::Upsample;
    l.factor = factor;
    return l;
}

CnnLayer MakeTransposedConv(Index kernel, Index out_channels, Index stride, bool bias) {
    CnnLayer l = MakeConv(kernel, out_channels, stride > 0 ? stride : kernel, 0, bias);
    l.kind = CnnLayerKind::TransposedConv;
    return l;
}

CnnLayer MakeLinear(Index out_features, bool bias) {
    CnnLayer l;
    l.kind = CnnLayerKind::Linear;
    l.out_channels = out_features;
    l.bias = bias;
    return l;
}

CnnLayer MakeTransformer(Index heads, Index mlp_ratio) {
    CnnLayer l;
    l.kind = CnnLayerKind::Transformer;
    l.heads = heads;
    l.mlp_ratio = mlp_ratio;
    return l;
}

// [SECTION] Text form: parsing

namespace {

enum class Lead {
    None,       // nothing may follow the kind word directly
    Kernel,     // required: "3" or "3x5"
    Square,     // required: "2" (square window or kernel; "2x2" accepted)
    Count,      // required: channels or features
    Factor,     // optional: up-sampling factor, default 2
};

struct KindWord {
    const char* word;
    CnnLayerKind kind;
    Lead lead;
    const char* fields;  // field letters this kind takes
};

// Longest words first, so that "maxpool" is not read as something shorter.
constexpr KindWord kKindWords[] = {
    {"maxpool", CnnLayerKind::MaxPool, Lead::Square, "sp"},
    {"avgpool", CnnLayerKind::AvgPool, Lead::Square, "sp"},
    {"tconv", CnnLayerKind::TransposedConv, Lead::Square, "spgcb"},
    {"conv", CnnLayerKind::Conv, Lead::Kernel, "spdgcb"},
    {"pool", CnnLayerKind::MaxPool, Lead::Square, "sp"},
    {"down", CnnLayerKind::Down, Lead::None, "cb"},
    {"gap", CnnLayerKind::GlobalAvgPool, Lead::None, ""},
    {"dw", CnnLayerKind::Depthwise, Lead::Kernel, "spdb"},
    {"pw", CnnLayerKind::Pointwise, Lead::Count, "b"},
    {"up", CnnLayerKind::Upsample, Lead::Factor, ""},
    {"fc", CnnLayerKind::Linear, Lead::Count, "b"},
    {"tf", CnnLayerKind::Transformer, Lead::None, "hr"},
};

constexpr const char* kKindList = "conv, dw, pw, maxpool (pool), avgpool, gap, down, up, tconv, fc, tf";

class LayerParser {
public:
    explicit LayerParser(std::string_view text) : m_text(text) {}

    std::optional<std::vector<CnnLayer>> Parse(LayerParseError* error) {
        std::vector<CnnLayer> layers;
        SkipSpace(true);
        if (AtEnd()) return Fail(error, 0, "the layer list is empty: type layers such as conv3x3p1c64, maxpool2, fc10");
        for (;;) {
            const size_t layer_start = m_pos;
            CnnLayer layer;
            Index repeat = 1;
            if (!ParseLayer(layer, repeat)) return Fail(error, m_error_pos, m_error);
            if (static_cast<Index>(layers.size()) + repeat > kCnnMaxLayers) {
                return Fail(error, layer_start,
                            "more than " + Num(kCnnMaxLayers) + " layers (after repeats): shorten the stack");
            }
            layers.insert(layers.end(), static_cast<size_t>(repeat), layer);
            SkipSpace(false);
            if (AtEnd()) break;
            const char c = Peek();
            if (c == ',' || c == ';') {
                ++m_pos;
                SkipSpace(true);
                if (AtEnd()) return Fail(error, m_pos, "a layer is missing at the end, after '" + std::string(1, c) + "'");
                if (Peek() == ',' || Peek() == ';') return Fail(error, m_pos, "a layer is missing between two separators");
            } else if (c == '\n' || c == '\r') {
                SkipSpace(true);
                if (AtEnd()) break;
                if (Peek() == ',' || Peek() == ';') return Fail(error, m_pos, "a layer is missing before '" + std::string(1, Peek()) + "'");
            } else {
                return Fail(error, m_pos, "unexpected '" + std::string(1, c) + "' after " + LayerText(layer_start) +
                                              ": separate layers with ',' or ';'");
            }
        }
        return layers;
    }

private:
    bool AtEnd() const { return m_pos >= m_text.size(); }
    char Peek() const { return m_text[m_pos]; }
    static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
    static bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

    void SkipSpace(bool newlines) {
        while (!AtEnd()) {
            const char c = Peek();
            if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
                ++m_pos;
            } else {
                break;
            }
        }
    }

    std::string LayerText(size_t start) const {
        return "'" + std::string(m_text.substr(start, m_pos - start)) + "'";
    }

    std::optional<std::vector<CnnLayer>> Fail(LayerParseError* error, size_t at, std::string why) {
        if (error) {
            error->offset = static_cast<Index>(at);
            error->message = "character " + Num(static_cast<Index>(at) + 1) + ": " + why;
        }
        return std::nullopt;
    }

    bool Error(size_t at, std::string why) {
        m_error_pos = at;
        m_error = std::move(why);
        return false;
    }

    // A whole number at m_pos; `what` names it in messages.
    bool Number(Index& value, const std::string& what) {
        const size_t start = m_pos;
        if (AtEnd() || !IsDigit(Peek())) {
            if (!AtEnd() && Peek() == '-') return Error(m_pos, what + " cannot be negative");
            return Error(m_pos, "expected a whole number for " + what);
        }
        value = 0;
        while (!AtEnd() && IsDigit(Peek())) {
            if (value <= kCnnMaxNumber) value = value * 10 + (Peek() - '0');
            ++m_pos;
        }
        if (value > kCnnMaxNumber) return Error(start, what + " is above the limit of " + FormatExact(kCnnMaxNumber));
        return true;
    }

    bool Positive(Index& value, const std::string& what) {
        const size_t start = m_pos;
        if (!Number(value, what)) return false;
        if (value < 1) return Error(start, what + " must be at least 1");
        return true;
    }

    bool ParseLayer(CnnLayer& layer, Index& repeat) {
        const KindWord* kind = nullptr;
        for (const KindWord& k : kKindWords) {
            if (m_text.substr(m_pos).starts_with(k.word)) {
                kind = &k;
                break;
            }
        }
        if (!kind) {
            size_t end = m_pos;
            while (end < m_text.size() && IsLetter(m_text[end])) ++end;
            if (end == m_pos) return Error(m_pos, "expected a layer kind (" + std::string(kKindList) + ")");
            return Error(m_pos, "unknown layer kind '" + std::string(m_text.substr(m_pos, end - m_pos)) + "' (expected " +
                                    kKindList + ")");
        }
        const std::string word = kind->word;
        m_pos += word.size();
        // Defaults of the kind (see the grammar in cnn.hpp).
        switch (kind->kind) {
            case CnnLayerKind::Conv: layer = MakeConv(3, 0); break;
            case CnnLayerKind::Depthwise: layer = MakeDepthwise(3); break;
            case CnnLayerKind::Pointwise: layer = MakePointwise(1); break;
            case CnnLayerKind::MaxPool:
            case CnnLayerKind::AvgPool: layer = MakePool(kind->kind, 2); break;
            case CnnLayerKind::GlobalAvgPool: layer = MakeGlobalAvgPool(); break;
            case CnnLayerKind::Down: layer = MakeDown(); break;
            case CnnLayerKind::Upsample: layer = MakeUpsample(2); break;
            case CnnLayerKind::TransposedConv: layer = MakeTransposedConv(2); break;
            case CnnLayerKind::Linear: layer = MakeLinear(1); break;
            case CnnLayerKind::Transformer: layer = MakeTransformer(); break;
        }
        // The lead number.
        SkipSpace(false);
        const bool has_digit = !AtEnd() && IsDigit(Peek());
        switch (kind->lead) {
            case Lead::None:
                if (has_digit) return Error(m_pos, word + " takes no number directly after it");
                break;
            case Lead::Kernel:
            case Lead::Square: {
                if (!has_digit) return Error(m_pos, word + " needs its kernel size, e.g. " + word + (kind->lead == Lead::Kernel ? "3x3" : "2"));
                Index kh = 0, kw = 0;
                if (!Positive(kh, "the kernel size")) return false;
                kw = kh;
                if (!AtEnd() && Peek() == 'x') {
                    ++m_pos;
                    const size_t at = m_pos;
                    if (!Positive(kw, "the kernel width")) return false;
                    if (kind->lead == Lead::Square && kw != kh) return Error(at, word + " takes a square kernel (" + Num(kh) + "x" + Num(kh) + ")");
                }
                layer.kernel_h = kh;
                layer.kernel_w = kw;
                if (kind->kind == CnnLayerKind::MaxPool || kind->kind == CnnLayerKind::AvgPool ||
                    kind->kind == CnnLayerKind::TransposedConv) {
                    layer.stride = kh;  // PyTorch's pooling default; the transposed convolution's up-sampling by k
                }
                break;
            }
            case Lead::Count: {
                if (!has_digit) return Error(m_pos, word + " needs its output size, e.g. " + word + "128");
                if (!Positive(layer.out_channels, word == "fc" ? "the output features" : "the output channels")) return false;
                break;
            }
            case Lead::Factor:
                if (has_digit && !Positive(layer.factor, "the up-sampling factor")) return false;
                break;
        }
        // Fields.
        std::string seen;
        for (;;) {
            SkipSpace(false);
            if (AtEnd() || !IsLetter(Peek())) break;
            const size_t at = m_pos;
            const char f = Peek();
            if (std::string_view(kind->fields).find(f) == std::string_view::npos) {
                std::string list;
                for (const char* c = kind->fields; *c; ++c) list += (list.empty() ? "" : ", ") + std::string(1, *c);
                return Error(at, "unknown field '" + std::string(1, f) + "' for " + word + " (" +
                                     (list.empty() ? std::string("it takes no fields") : "it takes " + list) + ")");
            }
            if (seen.find(f) != std::string::npos) return Error(at, "field '" + std::string(1, f) + "' is given twice");
            seen += f;
            ++m_pos;
            Index value = 0;
            switch (f) {
                case 's': if (!Positive(layer.stride, "the stride")) return false; break;
                case 'p': if (!Number(layer.padding, "the padding")) return false; break;
                case 'd': if (!Positive(layer.dilation, "the dilation")) return false; break;
                case 'g': if (!Positive(layer.groups, "groups")) return false; break;
                case 'c': if (!Positive(layer.out_channels, "the output channels")) return false; break;
                case 'h': if (!Positive(layer.heads, "the heads")) return false; break;
                case 'r': if (!Positive(layer.mlp_ratio, "the MLP ratio")) return false; break;
                case 'b':
                    if (!Number(value, "the bias flag")) return false;
                    if (value > 1) return Error(at + 1, "the bias flag is b0 (no bias) or b1 (bias)");
                    layer.bias = value == 1;
                    break;
                default: break;
            }
        }
        SkipSpace(false);
        if (!AtEnd() && Peek() == '*') {
            ++m_pos;
            SkipSpace(false);
            const size_t at = m_pos;
            if (!Positive(repeat, "the repeat count")) return false;
            if (repeat > kCnnMaxLayers) return Error(at, "the repeat count is above the limit of " + Num(kCnnMaxLayers) + " layers");
        }
        return true;
    }

    std::string_view m_text;
    size_t m_pos = 0;
    size_t m_error_pos = 0;
    std::string m_error;
};

}  // namespace

std::optional<std::vector<CnnLayer>> ParseLayers(std::string_view text, LayerParseError* error) {
    if (text.size() > (size_t{1} << 20)) {
        if (error) *error = {0, "character 1: the layer list is longer than 1 MiB"};
        return std::nullopt;
    }
    return LayerParser(text).Parse(error);
}

// [SECTION] Text form: printing

std::string FormatLayer(const CnnLayer& l) {
    auto kernel = [&] { return l.kernel_h == l.kernel_w ? Num(l.kernel_h) + "x" + Num(l.kernel_h) : Num(l.kernel_h) + "x" + Num(l.kernel_w); };
    auto field = [](char key, Index value, Index default_value) {
        return value == default_value ? std::string() : std::string(1, key) + Num(value);
    };
    const std::string bias = l.bias ? "" : "b0";
    switch (l.kind) {
        case CnnLayerKind::Conv:
            return "conv" + kernel() + field('s', l.stride, 1) + field('p', l.padding, 0) + field('d', l.dilation, 1) +
                   field('g', l.groups, 1) + field('c', l.out_channels, 0) + bias;
        case CnnLayerKind::Depthwise:
            return "dw" + kernel() + field('s', l.stride, 1) + field('p', l.padding, 0) + field('d', l.dilation, 1) + bias;
        case CnnLayerKind::Pointwise: return "pw" + Num(l.out_channels) + bias;
        case CnnLayerKind::MaxPool:
        case CnnLayerKind::AvgPool:
            return std::string(l.kind == CnnLayerKind::MaxPool ? "maxpool" : "avgpool") + Num(l.kernel_h) +
                   field('s', l.stride, l.kernel_h) + field('p', l.padding, 0);
        case CnnLayerKind::GlobalAvgPool: return "gap";
        case CnnLayerKind::Down: return "down" + field('c', l.out_channels, 0) + bias;
        case CnnLayerKind::Upsample: return "up" + Num(l.factor);
        case CnnLayerKind::TransposedConv:
            return "tconv" + Num(l.kernel_h) + field('s', l.stride, l.kernel_h) + field('p', l.padding, 0) +
                   field('g', l.groups, 1) + field('c', l.out_channels, 0) + bias;
        case CnnLayerKind::Linear: return "fc" + Num(l.out_channels) + bias;
        case CnnLayerKind::Transformer: return "tf" + field('h', l.heads, 1) + field('r', l.mlp_ratio, 4);
    }
    return "?";
}

std::string FormatLayers(std::span<const CnnLayer> layers) {
    std::string out;
    for (size_t i = 0; i < layers.size();) {
        size_t run = 1;
        while (i + run < layers.size() && layers[i + run] == layers[i]) ++run;
        if (!out.empty()) out += ", ";
        out += FormatLayer(layers[i]);
        if (run > 1) out += "*" + Num(static_cast<Index>(run));
        i += run;
    }
    return out;
}

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
            const AxisOp op = AxisOf(st.layer, st.in, vertical);
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
                const Span s = RegionOnAxis(stats.layers, index, o, vertical, false, &saturated);
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
        const Span sy = RegionOnAxis(stats.layers, layer_index, out_y, true, clip, nullptr);
        const Span sx = RegionOnAxis(stats.layers, layer_index, out_x, false, clip, nullptr);
        PixelRegion region;
        if (!sy.empty && !sx.empty) {
            region = {static_cast<Index>(sy.lo), static_cast<Index>(sx.lo), static_cast<Index>(sy.hi + 1),
                      static_cast<Index>(sx.hi + 1)};
        }
        (clip ? r.clipped : r.unclipped) = region;
    }
    return r;
}

// [SECTION] Presets

namespace {

CnnSpec NotesHierarchy() {
    // The notes' numbers are weights: no bias, so parameters == the figures they quote.
    CnnSpec s{3, 256, 256, {}};
    const Index widths[] = {64, 128, 256, 512, 1024};
    for (size_t i = 0; i < std::size(widths); ++i) {
        if (i > 0) s.layers.push_back(MakePool(CnnLayerKind::MaxPool, 2));
        s.layers.push_back(MakeConv(3, widths[i], 1, 1, false));
    }
    return s;
}

CnnSpec Vgg16() {
    CnnSpec s{3, 224, 224, {}};
    const int stages[][2] = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
    for (const auto& stage : stages) {
        for (int k = 0; k < stage[1]; ++k) s.layers.push_back(MakeConv(3, stage[0], 1, 1, true));
        s.layers.push_back(MakePool(CnnLayerKind::MaxPool, 2));
    }
    s.layers.push_back(MakeLinear(4096));
    s.layers.push_back(MakeLinear(4096));
    s.layers.push_back(MakeLinear(1000));
    return s;
}

CnnSpec EncoderDecoder() {
    CnnSpec s{3, 256, 256, {}};
    auto conv = [&](Index c) { s.layers.push_back(MakeConv(3, c, 1, 1, true)); };
    conv(64);
    s.layers.push_back(MakeDown(128));
    conv(128);
    s.layers.push_back(MakeDown(256));
    conv(256);
    s.layers.push_back(MakeDown(512));
    conv(512);
    s.layers.push_back(MakeTransposedConv(2, 256));
    conv(256);
    s.layers.push_back(MakeUpsample(2));  // one nearest up-sampling, to show both kinds
    conv(128);
    s.layers.push_back(MakeTransposedConv(2, 64));
    conv(64);
    s.layers.push_back(MakePointwise(3));
    return s;
}

CnnSpec MobileNetV1() {
    // Howard et al. 2017, Table 1. Batch norm follows every convolution in the paper, so the
    // convolutions have no bias; published-counts.md recounts without batch-norm parameters.
    CnnSpec s{3, 224, 224, {}};
    s.layers.push_back(MakeConv(3, 32, 2, 1, false));
    const Index strides[] = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
    const Index widths[] = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
    for (size_t i = 0; i < std::size(strides); ++i) {
        s.layers.push_back(MakeDepthwise(3, strides[i], 1, false));
        s.layers.push_back(MakePointwise(widths[i], false));
    }
    s.layers.push_back(MakeGlobalAvgPool());
    // 1000 classes with bias: 4,210,088 parameters and 568,740,352 MACs exactly (TF-slim's 1001
    // classes would give 4,211,113 and 568,741,376).
    s.layers.push_back(MakeLinear(1000, true));
    return s;
}

CnnSpec Hybrid() {
    CnnSpec s{3, 256, 256, {}};
    for (Index c : {64, 128, 256, 256}) s.layers.push_back(MakeConv(3, c, 2, 1, false));
    s.layers.push_back(MakePointwise(384));  // project to the transformer's width, as a patch embedding does
    for (int k = 0; k < 6; ++k) s.layers.push_back(MakeTransformer(6, 4));
    s.layers.push_back(MakeGlobalAvgPool());
    s.layers.push_back(MakeLinear(1000));
    return s;
}

}  // namespace

std::vector<CnnPreset> CnnPresets() {
    return {
        {"notes", "The notes' hierarchy: 3x3 convolutions and 2x2 max pools, 256x256x3, 64 -> 1024 channels", NotesHierarchy()},
        {"vgg16", "VGG-16 (torchvision) at 224x224", Vgg16()},
        {"encoder_decoder", "Encoder-decoder (U-Net-like, no skips) at 256x256x3", EncoderDecoder()},
        {"mobilenet_v1", "MobileNet v1 1.0 at 224x224: depth-wise separable blocks", MobileNetV1()},
        {"hybrid", "Hybrid: convolutional stem to 16x16, then 6 transformer blocks of width 384", Hybrid()},
    };
}

std::optional<CnnSpec> FindCnnPreset(std::string_view key) {
    for (auto& preset : CnnPresets()) {
        if (preset.key == key) return preset.spec;
    }
    return std::nullopt;
}

// [SECTION] Forward pass: weights

namespace {

// Fan-in of the bound PyTorch uses for a layer's weights and biases.
double FanIn(const CnnLayerStats& st) {
    const CnnLayer& l = st.layer;
    switch (l.kind) {
        case CnnLayerKind::TransposedConv:
            // PyTorch computes fan_in from weight.size(1) * k * k = (out/groups) * k * k.
            return static_cast<double>(l.out_channels / l.groups * l.kernel_h * l.kernel_w);
        case CnnLayerKind::Linear: return static_cast<double>(st.in.c * st.in.h * st.in.w);
        default: return static_cast<double>(st.in.c / std::max<Index>(l.groups, 1) * l.kernel_h * l.kernel_w);
    }
}

}  // namespace

std::optional<CnnWeights> SeedCnnWeights(const CnnStats& stats, std::uint64_t seed, Count max_parameters, std::string* error) {
    if (stats.parameters > max_parameters) {
        if (error) {
            *error = "the stack has " + FormatExact(stats.parameters) + " parameters, above the limit of " +
                     FormatExact(max_parameters) + " for computing feature maps";
        }
        return std::nullopt;
    }
    CnnWeights w;
    w.weights.resize(stats.layers.size());
    w.biases.resize(stats.layers.size());
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        std::uint64_t state = seed ^ (0xD1B54A32D192ED03ull * (i + 1));
        if (st.layer.kind == CnnLayerKind::Transformer) {
            const Index d = st.in.c, m = d * st.layer.mlp_ratio;
            const double bd = 1.0 / std::sqrt(static_cast<double>(d)), bm = 1.0 / std::sqrt(static_cast<double>(m));
            std::vector<float>& v = w.weights[i];
            v.reserve(static_cast<size_t>(st.parameters));
            auto push = [&](Index count, double bound, float constant, bool random) {
                for (Index k = 0; k < count; ++k) v.push_back(random ? UniformSymmetric(state, bound) : constant);
            };
            push(d, 0, 1.0f, false);      // ln1 gamma
            push(d, 0, 0.0f, false);      // ln1 beta
            push(3 * d * d, bd, 0, true); // W_qkv
            push(3 * d, bd, 0, true);     // b_qkv
            push(d * d, bd, 0, true);     // W_o
            push(d, bd, 0, true);         // b_o
            push(d, 0, 1.0f, false);      // ln2 gamma
            push(d, 0, 0.0f, false);      // ln2 beta
            push(m * d, bd, 0, true);     // W_1
            push(m, bd, 0, true);         // b_1
            push(d * m, bm, 0, true);     // W_2
            push(d, bm, 0, true);         // b_2
            continue;
        }
        const double bound = 1.0 / std::sqrt(std::max(1.0, FanIn(st)));
        w.weights[i].resize(static_cast<size_t>(st.weights));
        for (float& x : w.weights[i]) x = UniformSymmetric(state, bound);
        w.biases[i].resize(static_cast<size_t>(st.biases));
        for (float& x : w.biases[i]) x = UniformSymmetric(state, bound);
    }
    return w;
}

// [SECTION] Forward pass: layers without multiplies (both paths)

namespace {

using Tensor = std::vector<float>;  // C,H,W channel-major

size_t At(Index c, Index y, Index x, Index h, Index w) { return static_cast<size_t>((c * h + y) * w + x); }

void ForwardPool(const CnnLayerStats& st, const Tensor& in, Tensor& out) {
    const CnnLayer& l = st.layer;
    const Index h = st.in.h, w = st.in.w, oh = st.out.h, ow = st.out.w;
    const bool max = l.kind == CnnLayerKind::MaxPool;
    const double area = static_cast<double>(l.kernel_h * l.kernel_w);
    for (Index c = 0; c < st.in.c; ++c) {
        for (Index oy = 0; oy < oh; ++oy) {
            for (Index ox = 0; ox < ow; ++ox) {
                double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
                for (Index ky = 0; ky < l.kernel_h; ++ky) {
                    const Index iy = oy * l.stride - l.padding + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (Index kx = 0; kx < l.kernel_w; ++kx) {
                        const Index ix = ox * l.stride - l.padding + kx;
                        if (ix < 0 || ix >= w) continue;
                        const double v = in[At(c, iy, ix, h, w)];
                        acc = max ? std::max(acc, v) : acc + v;
                    }
                }
                out[At(c, oy, ox, oh, ow)] = static_cast<float>(max ? acc : acc / area);  // count_include_pad
            }
        }
    }
}

void ForwardGlobalAvgPool(const CnnLayerStats& st, const Tensor& in, Tensor& out) {
    const Index plane = st.in.h * st.in.w;
    for (Index c = 0; c < st.in.c; ++c) {
        double acc = 0;
        for (Index k = 0; k < plane; ++k) acc += in[static_cast<size_t>(c * plane + k)];
        out[static_cast<size_t>(c)] = static_cast<float>(acc / static_cast<double>(plane));
    }
}

void ForwardUpsample(const CnnLayerStats& st, const Tensor& in, Tensor& out) {
    const Index f = st.layer.factor;
    for (Index c = 0; c < st.out.c; ++c) {
        for (Index y = 0; y < st.out.h; ++y) {
            for (Index x = 0; x < st.out.w; ++x) out[At(c, y, x, st.out.h, st.out.w)] = in[At(c, y / f, x / f, st.in.h, st.in.w)];
        }
    }
}

void LayerNorm(const float* x, Index n, Index d, const float* gamma, const float* beta, float* y) {
    for (Index r = 0; r < n; ++r) {
        double mean = 0, var = 0;
        for (Index k = 0; k < d; ++k) mean += x[r * d + k];
        mean /= static_cast<double>(d);
        for (Index k = 0; k < d; ++k) var += (x[r * d + k] - mean) * (x[r * d + k] - mean);
        var /= static_cast<double>(d);
        const double inv = 1.0 / std::sqrt(var + 1e-6);  // torchvision ViT's eps
        for (Index k = 0; k < d; ++k) y[r * d + k] = static_cast<float>((x[r * d + k] - mean) * inv * gamma[k] + beta[k]);
    }
}

float Gelu(float v) { return static_cast<float>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)))); }  // exact GELU

// The transformer block's parameters, in CnnWeights' order (see cnn.hpp).
struct BlockParams {
    const float *ln1g, *ln1b, *wqkv, *bqkv, *wo, *bo, *ln2g, *ln2b, *w1, *b1, *w2, *b2;
    BlockParams(const float* p, Index d, Index m)
        : ln1g(p), ln1b(ln1g + d), wqkv(ln1b + d), bqkv(wqkv + 3 * d * d), wo(bqkv + 3 * d), bo(wo + d * d), ln2g(bo + d),
          ln2b(ln2g + d), w1(ln2b + d), b1(w1 + m * d), w2(b1 + m), b2(w2 + d * m) {}
};

// [SECTION] Forward pass: the reference (direct loops, double accumulators)

void DirectConv(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out) {
    const CnnLayer& l = st.layer;
    const Index cin = st.in.c, h = st.in.h, w = st.in.w;
    const Index cout = st.out.c, oh = st.out.h, ow = st.out.w;
    const Index ipg = cin / l.groups, opg = cout / l.groups;
    for (Index o = 0; o < cout; ++o) {
        const Index g = o / opg;
        for (Index oy = 0; oy < oh; ++oy) {
            for (Index ox = 0; ox < ow; ++ox) {
                double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
                for (Index il = 0; il < ipg; ++il) {
                    const Index c = g * ipg + il;
                    for (Index ky = 0; ky < l.kernel_h; ++ky) {
                        const Index iy = oy * l.stride - l.padding + ky * l.dilation;
                        if (iy < 0 || iy >= h) continue;
                        for (Index kx = 0; kx < l.kernel_w; ++kx) {
                            const Index ix = ox * l.stride - l.padding + kx * l.dilation;
                            if (ix < 0 || ix >= w) continue;
                            const size_t wi = static_cast<size_t>(((o * ipg + il) * l.kernel_h + ky) * l.kernel_w + kx);
                            acc += static_cast<double>(weights[wi]) * in[At(c, iy, ix, h, w)];
                        }
                    }
                }
                out[At(o, oy, ox, oh, ow)] = static_cast<float>(acc);
            }
        }
    }
}

void DirectTransposed(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out) {
    const CnnLayer& l = st.layer;
    const Index cin = st.in.c, h = st.in.h, w = st.in.w, oh = st.out.h, ow = st.out.w;
    const Index ipg = cin / l.groups, opg = st.out.c / l.groups;
    std::vector<double> acc(out.size(), 0.0);
    for (Index o = 0; o < st.out.c; ++o) {
        for (Index p = 0; p < oh * ow; ++p) acc[static_cast<size_t>(o * oh * ow + p)] = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
    }
    for (Index c = 0; c < cin; ++c) {
        const Index g = c / ipg;
        for (Index iy = 0; iy < h; ++iy) {
            for (Index ix = 0; ix < w; ++ix) {
                const double v = in[At(c, iy, ix, h, w)];
                for (Index ol = 0; ol < opg; ++ol) {
                    const Index o = g * opg + ol;
                    for (Index ky = 0; ky < l.kernel_h; ++ky) {
                        const Index oy = iy * l.stride - l.padding + ky;
                        if (oy < 0 || oy >= oh) continue;
                        for (Index kx = 0; kx < l.kernel_w; ++kx) {
                            const Index ox = ix * l.stride - l.padding + kx;
                            if (ox < 0 || ox >= ow) continue;
                            const size_t wi = static_cast<size_t>(((c * opg + ol) * l.kernel_h + ky) * l.kernel_w + kx);
                            acc[At(o, oy, ox, oh, ow)] += static_cast<double>(weights[wi]) * v;
                        }
                    }
                }
            }
        }
    }
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(acc[i]);
}

// y[n] = b + W x[n] for the rows of a row-major N x in matrix; W is out x in.
void DirectDense(const float* x, Index n, Index in, const float* weight, const float* bias, Index outw, float* y) {
    for (Index r = 0; r < n; ++r) {
        for (Index o = 0; o < outw; ++o) {
            double acc = bias ? bias[o] : 0.0;
            for (Index k = 0; k < in; ++k) acc += static_cast<double>(weight[o * in + k]) * x[r * in + k];
            y[r * outw + o] = static_cast<float>(acc);
        }
    }
}

void DirectTransformer(const CnnLayerStats& st, const Tensor& in, const Tensor& p, Tensor& out) {
    const Index n = st.in.h * st.in.w, d = st.in.c, m = d * st.layer.mlp_ratio, heads = st.layer.heads, dh = d / heads;
    const BlockParams bp(p.data(), d, m);
    // Tokens: position n of the map is token n, its channels the features (N x d, row-major).
    Tensor x(static_cast<size_t>(n * d)), y(x.size()), qkv(static_cast<size_t>(n * 3 * d)), mixed(x.size()), hidden(static_cast<size_t>(n * m));
    for (Index c = 0; c < d; ++c) {
        for (Index t = 0; t < n; ++t) x[static_cast<size_t>(t * d + c)] = in[static_cast<size_t>(c * n + t)];
    }
    LayerNorm(x.data(), n, d, bp.ln1g, bp.ln1b, y.data());
    DirectDense(y.data(), n, d, bp.wqkv, bp.bqkv, 3 * d, qkv.data());
    std::vector<double> row(static_cast<size_t>(n));
    const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
    for (Index h = 0; h < heads; ++h) {
        for (Index t = 0; t < n; ++t) {  // one attention row at a time: memory O(N), not O(N^2)
            double top = -std::numeric_limits<double>::infinity();
            for (Index u = 0; u < n; ++u) {
                double s = 0;
                for (Index k = 0; k < dh; ++k) s += static_cast<double>(qkv[static_cast<size_t>(t * 3 * d + h * dh + k)]) * qkv[static_cast<size_t>(u * 3 * d + d + h * dh + k)];
                row[static_cast<size_t>(u)] = s * scale;
                top = std::max(top, row[static_cast<size_t>(u)]);
            }
            double sum = 0;
            for (double& v : row) sum += (v = std::exp(v - top));
            for (Index k = 0; k < dh; ++k) {
                double acc = 0;
                for (Index u = 0; u < n; ++u) acc += row[static_cast<size_t>(u)] * qkv[static_cast<size_t>(u * 3 * d + 2 * d + h * dh + k)];
                mixed[static_cast<size_t>(t * d + h * dh + k)] = static_cast<float>(acc / sum);
            }
        }
    }
    DirectDense(mixed.data(), n, d, bp.wo, bp.bo, d, y.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
    LayerNorm(x.data(), n, d, bp.ln2g, bp.ln2b, y.data());
    DirectDense(y.data(), n, d, bp.w1, bp.b1, m, hidden.data());
    for (float& v : hidden) v = Gelu(v);
    DirectDense(hidden.data(), n, m, bp.w2, bp.b2, d, y.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
    for (Index c = 0; c < d; ++c) {
        for (Index t = 0; t < n; ++t) out[static_cast<size_t>(c * n + t)] = x[static_cast<size_t>(t * d + c)];
    }
}


// [SECTION] Forward pass: the fast path (Eigen GEMMs)
//
// Maps are C,H,W channel-major, so one channel group of a map is a row-major (channels x positions)
// matrix and PyTorch's weights (out, in/groups, kh, kw) are a row-major (out x patch) matrix per
// group: every product below maps the tensors as they lie; Eigen's own default, column-major, is
// used nowhere here.

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRow = Eigen::Map<RowMajorF>;
using MapRowC = Eigen::Map<const RowMajorF>;
using StridedRow = Eigen::Map<RowMajorF, 0, Eigen::OuterStride<>>;  // a block of columns of a wider matrix
using StridedRowC = Eigen::Map<const RowMajorF, 0, Eigen::OuterStride<>>;
using EI = Eigen::Index;

// [lo, hi): the positions q in [0, count) with q * stride + offset in [0, extent). Output columns of a
// convolution tap (offset = kx*d - p, extent = input width), or input columns of a transposed one.
struct Span1 {
    Index lo = 0, hi = 0;
};
Span1 InsideRange(Index offset, Index stride, Index extent, Index count) {
    Span1 r;
    r.lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    r.hi = extent - 1 - offset < 0 ? 0 : (extent - 1 - offset) / stride + 1;
    r.lo = std::min(r.lo, count);
    r.hi = std::clamp(r.hi, r.lo, count);
    return r;
}

void AddBias(const Tensor& bias, Index plane, Tensor& out) {
    if (bias.empty()) return;
    for (size_t o = 0; o < bias.size(); ++o) {
        float* p = out.data() + static_cast<Index>(o) * plane;
        std::for_each(p, p + plane, [b = bias[o]](float& v) { v += b; });
    }
}

// One input channel per group (depth-wise, or groups == in_channels with a channel multiplier):
// a GEMM would have a patch of only kh*kw, so taps are accumulated straight into each output row,
// vectorised along the row.
void FastConvSingleInput(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out) {
    const CnnLayer& l = st.layer;
    const Index h = st.in.h, w = st.in.w, oh = st.out.h, ow = st.out.w, opg = st.out.c / l.groups;
    const Index s = l.stride, kh = l.kernel_h, kw = l.kernel_w;
    std::vector<Span1> inside(static_cast<size_t>(kw));
    for (Index kx = 0; kx < kw; ++kx) inside[static_cast<size_t>(kx)] = InsideRange(kx * l.dilation - l.padding, s, w, ow);
    for (Index o = 0; o < st.out.c; ++o) {
        const float* plane = in.data() + (o / opg) * h * w;
        const float* kernel = weights.data() + o * kh * kw;
        const float b = bias.empty() ? 0.0f : bias[static_cast<size_t>(o)];
        for (Index oy = 0; oy < oh; ++oy) {
            Eigen::Map<Eigen::ArrayXf> row(out.data() + (o * oh + oy) * ow, static_cast<EI>(ow));
            row.setConstant(b);
            for (Index ky = 0; ky < kh; ++ky) {
                const Index iy = oy * s - l.padding + ky * l.dilation;
                if (iy < 0 || iy >= h) continue;
                for (Index kx = 0; kx < kw; ++kx) {
                    const Span1 r = inside[static_cast<size_t>(kx)];
                    if (r.hi <= r.lo) continue;
                    const float wv = kernel[ky * kw + kx];
                    // Input column of output column ox: ox*s + kx*d - p, inside the row for ox in r.
                    const float* src = plane + iy * w + r.lo * s + kx * l.dilation - l.padding;
                    const EI n = static_cast<EI>(r.hi - r.lo);
                    if (s == 1) {
                        row.segment(static_cast<EI>(r.lo), n) += wv * Eigen::Map<const Eigen::ArrayXf>(src, n);
                    } else {
                        row.segment(static_cast<EI>(r.lo), n) +=
                            wv * Eigen::Map<const Eigen::ArrayXf, 0, Eigen::InnerStride<>>(src, n, Eigen::InnerStride<>(static_cast<EI>(s)));
                    }
                }
            }
        }
    }
}

// 1x1, stride 1, no padding: the group's output (opg x HW) = weights (opg x ipg) x input (ipg x HW).
void FastConv1x1(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out) {
    const Index g_count = st.layer.groups, ipg = st.in.c / g_count, opg = st.out.c / g_count, plane = st.in.h * st.in.w;
    for (Index g = 0; g < g_count; ++g) {
        MapRowC wg(weights.data() + g * opg * ipg, static_cast<EI>(opg), static_cast<EI>(ipg));
        MapRowC xg(in.data() + g * ipg * plane, static_cast<EI>(ipg), static_cast<EI>(plane));
        MapRow yg(out.data() + g * opg * plane, static_cast<EI>(opg), static_cast<EI>(plane));
        yg.noalias() = wg * xg;
    }
    AddBias(bias, plane, out);
}

// im2col + GEMM per group, over chunks of output positions (row-major, position p = oy*ow + ox):
// the buffer is (patch x chunk) row-major, row (il, ky, kx) holding that tap's input under each
// output position of the chunk (zero in padding), so a row is a strided copy of input rows. false
// (nothing written) when one position's patch alone is above max_scratch.
bool FastConvIm2col(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out,
                    Count max_scratch) {
    const CnnLayer& l = st.layer;
    const Index h = st.in.h, w = st.in.w, ow = st.out.w, positions = st.out.h * st.out.w;
    const Index ipg = st.in.c / l.groups, opg = st.out.c / l.groups, kh = l.kernel_h, kw = l.kernel_w, s = l.stride;
    const Index patch = ipg * kh * kw;
    if (patch > max_scratch) return false;
    const Index chunk = std::min(positions, std::max<Index>(1, max_scratch / patch));
    std::vector<float> columns(static_cast<size_t>(patch * chunk));
    std::vector<Span1> inside(static_cast<size_t>(kw));
    for (Index kx = 0; kx < kw; ++kx) inside[static_cast<size_t>(kx)] = InsideRange(kx * l.dilation - l.padding, s, w, ow);
    for (Index g = 0; g < l.groups; ++g) {
        MapRowC wg(weights.data() + g * opg * patch, static_cast<EI>(opg), static_cast<EI>(patch));
        for (Index p0 = 0; p0 < positions; p0 += chunk) {
            const Index len = std::min(chunk, positions - p0);
            for (Index il = 0; il < ipg; ++il) {
                const float* plane = in.data() + (g * ipg + il) * h * w;
                for (Index ky = 0; ky < kh; ++ky) {
                    for (Index kx = 0; kx < kw; ++kx) {
                        float* row = columns.data() + ((il * kh + ky) * kw + kx) * len;
                        const Span1 r = inside[static_cast<size_t>(kx)];
                        const Index off = kx * l.dilation - l.padding;
                        // One output row's stretch of the chunk at a time: columns [ox0, ox1) of row oy.
                        for (Index p = p0; p < p0 + len;) {
                            const Index oy = p / ow, ox0 = p % ow, ox1 = std::min(ow, ox0 + (p0 + len - p));
                            float* dst = row + (p - p0);  // dst[ox - ox0]
                            const Index iy = oy * s - l.padding + ky * l.dilation;
                            const Index a = (iy < 0 || iy >= h) ? ox1 : std::clamp(r.lo, ox0, ox1);
                            const Index b = (iy < 0 || iy >= h) ? ox1 : std::clamp(r.hi, a, ox1);
                            std::fill(dst, dst + (a - ox0), 0.0f);
                            if (b > a) {
                                const float* src = plane + iy * w + a * s + off;
                                if (s == 1) {
                                    std::copy(src, src + (b - a), dst + (a - ox0));
                                } else {
                                    for (Index ox = a; ox < b; ++ox) dst[ox - ox0] = src[(ox - a) * s];
                                }
                            }
                            std::fill(dst + (b - ox0), dst + (ox1 - ox0), 0.0f);
                            p += ox1 - ox0;
                        }
                    }
                }
            }
            MapRowC cols(columns.data(), static_cast<EI>(patch), static_cast<EI>(len));
            StridedRow yg(out.data() + g * opg * positions + p0, static_cast<EI>(opg), static_cast<EI>(len),
                          Eigen::OuterStride<>(static_cast<EI>(positions)));
            yg.noalias() = wg * cols;
        }
    }
    AddBias(bias, positions, out);
    return true;
}

void FastConv(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out, Count max_scratch) {
    const CnnLayer& l = st.layer;
    if (st.in.c / l.groups == 1) {
        FastConvSingleInput(st, in, weights, bias, out);
    } else if (l.kernel_h == 1 && l.kernel_w == 1 && l.stride == 1 && l.padding == 0) {
        FastConv1x1(st, in, weights, bias, out);
    } else if (!FastConvIm2col(st, in, weights, bias, out, max_scratch)) {
        DirectConv(st, in, weights, bias, out);  // a single patch above the scratch budget: no buffer at all
    }
}

// Transposed convolution: per group, columns (opg*k*k x chunk) = weights^T (opg*k*k x ipg) x input
// (ipg x chunk of input positions), then col2im: each column entry is added at its output position.
// false (nothing written) when one input position's column is above max_scratch.
bool FastTransposed(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out,
                    Count max_scratch) {
    const CnnLayer& l = st.layer;
    const Index h = st.in.h, w = st.in.w, oh = st.out.h, ow = st.out.w, positions = h * w;
    const Index ipg = st.in.c / l.groups, opg = st.out.c / l.groups, kh = l.kernel_h, kw = l.kernel_w, s = l.stride;
    const Index rows = opg * kh * kw;
    if (rows > max_scratch) return false;
    const Index chunk = std::min(positions, std::max<Index>(1, max_scratch / rows));
    std::vector<float> columns(static_cast<size_t>(rows * chunk));
    std::vector<Span1> inside(static_cast<size_t>(kw));  // input columns ix whose output ix*s - p + kx lies in [0, ow)
    for (Index kx = 0; kx < kw; ++kx) inside[static_cast<size_t>(kx)] = InsideRange(kx - l.padding, s, ow, w);
    std::fill(out.begin(), out.end(), 0.0f);
    for (Index g = 0; g < l.groups; ++g) {
        MapRowC wg(weights.data() + g * ipg * rows, static_cast<EI>(ipg), static_cast<EI>(rows));
        for (Index p0 = 0; p0 < positions; p0 += chunk) {
            const Index len = std::min(chunk, positions - p0);
            StridedRowC xg(in.data() + g * ipg * positions + p0, static_cast<EI>(ipg), static_cast<EI>(len),
                           Eigen::OuterStride<>(static_cast<EI>(positions)));
            MapRow cols(columns.data(), static_cast<EI>(rows), static_cast<EI>(len));
            cols.noalias() = wg.transpose() * xg;
            for (Index ol = 0; ol < opg; ++ol) {
                float* plane = out.data() + (g * opg + ol) * oh * ow;
                for (Index ky = 0; ky < kh; ++ky) {
                    for (Index kx = 0; kx < kw; ++kx) {
                        const float* row = columns.data() + ((ol * kh + ky) * kw + kx) * len;
                        const Span1 r = inside[static_cast<size_t>(kx)];
                        for (Index p = p0; p < p0 + len;) {
                            const Index iy = p / w, ix0 = p % w, ix1 = std::min(w, ix0 + (p0 + len - p));
                            const Index oy = iy * s - l.padding + ky;
                            if (oy >= 0 && oy < oh) {
                                const Index from = (p - p0) - ix0;           // row[from + ix] for ix in [ix0, ix1)
                                const Index to = oy * ow + kx - l.padding;   // plane[to + ix * s] for ix inside
                                const Index a = std::clamp(r.lo, ix0, ix1), b = std::clamp(r.hi, a, ix1);
                                for (Index ix = a; ix < b; ++ix) plane[to + ix * s] += row[from + ix];
                            }
                            p += ix1 - ix0;
                        }
                    }
                }
            }
        }
    }
    AddBias(bias, oh * ow, out);
    return true;
}

// y[n] = b + W x[n] for the rows of a row-major N x in matrix; W is out x in (row-major, PyTorch's).
void FastDense(const float* x, Index n, Index in, const float* weight, const float* bias, Index outw, float* y) {
    MapRowC xm(x, static_cast<EI>(n), static_cast<EI>(in));
    MapRowC wm(weight, static_cast<EI>(outw), static_cast<EI>(in));
    MapRow ym(y, static_cast<EI>(n), static_cast<EI>(outw));
    ym.noalias() = xm * wm.transpose();
    if (bias) ym.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias, static_cast<EI>(outw));
}

// The block as DirectTransformer computes it, with GEMMs; attention over chunks of query rows so
// that the scores (chunk x N) stay under max_scratch (one row at least).
void FastTransformer(const CnnLayerStats& st, const Tensor& in, const Tensor& params, Tensor& out, Count max_scratch) {
    const Index n = st.in.h * st.in.w, d = st.in.c, m = d * st.layer.mlp_ratio, heads = st.layer.heads, dh = d / heads;
    const BlockParams p(params.data(), d, m);
    RowMajorF x = MapRowC(in.data(), static_cast<EI>(d), static_cast<EI>(n)).transpose();  // N x d: token t = position t
    RowMajorF y(x.rows(), x.cols()), qkv(static_cast<EI>(n), static_cast<EI>(3 * d)), mixed(x.rows(), x.cols());
    LayerNorm(x.data(), n, d, p.ln1g, p.ln1b, y.data());
    FastDense(y.data(), n, d, p.wqkv, p.bqkv, 3 * d, qkv.data());
    const Index chunk = std::min(n, std::max<Index>(1, max_scratch / n));
    RowMajorF scores(static_cast<EI>(chunk), static_cast<EI>(n));
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dh)));
    for (Index hd = 0; hd < heads; ++hd) {
        const auto keys = qkv.middleCols(static_cast<EI>(d + hd * dh), static_cast<EI>(dh));
        const auto values = qkv.middleCols(static_cast<EI>(2 * d + hd * dh), static_cast<EI>(dh));
        for (Index t0 = 0; t0 < n; t0 += chunk) {
            const EI len = static_cast<EI>(std::min(chunk, n - t0));
            auto s = scores.topRows(len);
            s.noalias() = (scale * qkv.block(static_cast<EI>(t0), static_cast<EI>(hd * dh), len, static_cast<EI>(dh))) * keys.transpose();
            for (EI r = 0; r < len; ++r) {
                auto row = s.row(r).array();
                row = (row - row.maxCoeff()).exp();
                row /= row.sum();
            }
            mixed.block(static_cast<EI>(t0), static_cast<EI>(hd * dh), len, static_cast<EI>(dh)).noalias() = s * values;
        }
    }
    FastDense(mixed.data(), n, d, p.wo, p.bo, d, y.data());
    x += y;
    LayerNorm(x.data(), n, d, p.ln2g, p.ln2b, y.data());
    RowMajorF hidden(static_cast<EI>(n), static_cast<EI>(m));
    FastDense(y.data(), n, d, p.w1, p.b1, m, hidden.data());
    hidden = hidden.unaryExpr(&Gelu);
    FastDense(hidden.data(), n, m, p.w2, p.b2, d, y.data());
    x += y;
    MapRow(out.data(), static_cast<EI>(d), static_cast<EI>(n)) = x.transpose();
}

}  // namespace

// [SECTION] Forward pass: the stack

namespace {

enum class ForwardMethod { Fast, Reference };

std::optional<std::vector<std::vector<float>>> RunStack(const CnnStats& stats, const CnnWeights& weights, std::span<const float> input,
                                                        const CnnForwardLimits& limits, std::string* error, ForwardMethod method) {
    auto fail = [&](std::string why) -> std::optional<std::vector<std::vector<float>>> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (stats.macs > limits.max_macs) {
        return fail("the stack needs " + FormatExact(stats.macs) + " multiply-accumulates, above the limit of " +
                    FormatExact(limits.max_macs) + " for computing feature maps: use a smaller input");
    }
    if (stats.activations > limits.max_elements) {
        return fail("the feature maps hold " + FormatExact(stats.activations) + " values, above the limit of " +
                    FormatExact(limits.max_elements) + ": use a smaller input");
    }
    const auto in_size = CheckedProduct({stats.input.c, stats.input.h, stats.input.w});
    if (!in_size || static_cast<Count>(input.size()) != *in_size) {
        return fail("the input must hold " + Num(stats.input.c) + " x " + Num(stats.input.h) + " x " + Num(stats.input.w) + " values");
    }
    if (weights.weights.size() != stats.layers.size() || weights.biases.size() != stats.layers.size()) {
        return fail("the weights do not match the stack (one entry per layer)");
    }
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        const bool tf = st.layer.kind == CnnLayerKind::Transformer;
        const Count want_w = tf ? st.parameters : st.weights, want_b = tf ? 0 : st.biases;
        if (static_cast<Count>(weights.weights[i].size()) != want_w || static_cast<Count>(weights.biases[i].size()) != want_b) {
            return fail("the weights of layer " + Num(static_cast<Index>(i) + 1) + " (" + st.text + ") have the wrong size");
        }
    }
    const bool fast = method == ForwardMethod::Fast;
    const Count scratch = std::max<Count>(1, limits.max_scratch);
    std::vector<std::vector<float>> outputs;
    outputs.reserve(stats.layers.size());
    const Tensor input_copy(input.begin(), input.end());
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        const Tensor& in = i == 0 ? input_copy : outputs[i - 1];
        Tensor out(static_cast<size_t>(st.activations), 0.0f);
        const Tensor& w = weights.weights[i];
        const Tensor& b = weights.biases[i];
        switch (st.layer.kind) {
            case CnnLayerKind::Conv:
            case CnnLayerKind::Depthwise:
            case CnnLayerKind::Pointwise:
            case CnnLayerKind::Down:
                if (fast) {
                    FastConv(st, in, w, b, out, scratch);
                } else {
                    DirectConv(st, in, w, b, out);
                }
                break;
            case CnnLayerKind::MaxPool:
            case CnnLayerKind::AvgPool: ForwardPool(st, in, out); break;
            case CnnLayerKind::GlobalAvgPool: ForwardGlobalAvgPool(st, in, out); break;
            case CnnLayerKind::Upsample: ForwardUpsample(st, in, out); break;
            case CnnLayerKind::TransposedConv:
                if (!fast || !FastTransposed(st, in, w, b, out, scratch)) DirectTransposed(st, in, w, b, out);
                break;
            case CnnLayerKind::Linear:
                (fast ? FastDense : DirectDense)(in.data(), 1, static_cast<Index>(in.size()), w.data(), b.empty() ? nullptr : b.data(),
                                                 st.out.c, out.data());
                break;
            case CnnLayerKind::Transformer:
                if (fast) {
                    FastTransformer(st, in, w, out, scratch);
                } else {
                    DirectTransformer(st, in, w, out);
                }
                break;
        }
        outputs.push_back(std::move(out));
    }
    return outputs;
}

}  // namespace

std::optional<std::vector<std::vector<float>>> ForwardStack(const CnnStats& stats, const CnnWeights& weights,
                                                            std::span<const float> input, const CnnForwardLimits& limits,
                                                            std::string* error) {
    return RunStack(stats, weights, input, limits, error, ForwardMethod::Fast);
}

std::optional<std::vector<std::vector<float>>> ForwardStackReference(const CnnStats& stats, const CnnWeights& weights,
                                                                     std::span<const float> input, const CnnForwardLimits& limits,
                                                                     std::string* error) {
    return RunStack(stats, weights, input, limits, error, ForwardMethod::Reference);
}

}  // namespace lens
