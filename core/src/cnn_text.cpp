// cnn_text.cpp: CNN stacks as text: the layer constructors, the compact text form (parsing and
// printing) and the presets (lens/cnn.hpp).
//
// [SECTION] Layer constructors
// [SECTION] Text form: parsing
// [SECTION] Text form: printing
// [SECTION] Presets
#include "lens/cnn.hpp"

#include <iterator>

#include "cnn_internal.hpp"

namespace lens {

using cnn_detail::Num;

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

}  // namespace lens
