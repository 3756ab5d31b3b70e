// app/panels/cnn_panel.cpp: "CNN hierarchy". The notes' "Convolution is all you need": small
// kernels see little, so a CNN stacks them with down- and up-sampling, and the receptive field
// grows layer by layer while the weights stay few and the multiply-accumulates many. The panel
// edits a layer list (the compact text form of lens/cnn.hpp, or a preset), tabulates every layer
// (shape, parameters, MACs, activations, receptive field size / jump / start), draws the receptive
// field of any location of any layer over the image (with the same spot's region at every earlier
// layer), runs the image through the stack for feature maps, and charts parameters against MACs.
// The computation is the lesson's (lens/lessons/cnn_lesson.hpp); this file words and draws it.
//
// [SECTION] Presets, keys and limits
// [SECTION] Analysis (memoised on the layer text, the input size and the language)
// [SECTION] Receptive fields: the chosen location and the same spot at earlier layers
// [SECTION] Feature maps (forward pass on the task runner, bounded)
// [SECTION] Classic kernels and the image as input
// [SECTION] The panel: keys, export
// [SECTION] Drawing: editors, table, receptive field over the image, feature maps, chart
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

// GCC 12 reports LatestTask::Poll's move of its optional key as maybe-uninitialized once Poll is
// inlined into the feature-map view (a false positive: the key is engaged whenever it is read).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <lens/task.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <lens/cnn.hpp>
#include <lens/image.hpp>
#include <lens/lessons/cnn_lesson.hpp>
#include <lens/memo.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../gfx/texture.hpp"
#include "../widgets/heatmap.hpp"
#include "../widgets/spec_editor.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

// [SECTION] Presets, keys and limits

constexpr const char* kPresetKeys[] = {"notes", "vgg16", "encoder_decoder", "mobilenet_v1", "hybrid"};
constexpr S kPresetNames[] = {S::CnnPresetNotes, S::CnnPresetVgg16, S::CnnPresetEncoderDecoder, S::CnnPresetMobileNet,
                              S::CnnPresetHybrid};
constexpr int kPresetCount = 5;

enum class KernelChoice { Seeded = 0, Identity, Box, Sharpen, SobelX, SobelY };
constexpr const char* kKernelKeys[] = {"random", "identity", "box", "sharpen", "sobel_x", "sobel_y"};
constexpr S kKernelNames[] = {S::ConvKernelRandom, S::ConvKernelIdentity, S::ConvKernelBox,
                              S::ConvKernelSharpen, S::ConvKernelSobelX, S::ConvKernelSobelY};
constexpr int kKernelCount = 6;

constexpr Index kMaxInputSide = kCnnLessonMaxInputSide;
// Feature maps run on the worker thread within the lesson's budgets (lens/lessons/cnn_lesson.hpp).
constexpr CnnForwardBudget kBudget{};
constexpr size_t kTextCapacity = 8192;

std::string Fmt(const char* format, ...) {
    char buffer[1024];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    return buffer;
}

long long LL(Index v) { return static_cast<long long>(v); }

std::string ShapeText(const CnnShape& s) { return Fmt("%lld x %lld x %lld", LL(s.c), LL(s.h), LL(s.w)); }

std::string FieldSizeText(const CnnLayerStats& st) {
    if (st.field_y.size == st.field_x.size) return FormatExact(st.field_y.size);
    return FormatExact(st.field_y.size) + " x " + FormatExact(st.field_x.size);
}

std::string JumpText(const CnnField& f) {
    if (f.jump_num == 0) return "-";
    if (f.jump_den == 1) return FormatExact(f.jump_num);
    return FormatExact(f.jump_num) + "/" + FormatExact(f.jump_den);
}

std::string JumpPairText(const CnnLayerStats& st) {
    const std::string y = JumpText(st.field_y), x = JumpText(st.field_x);
    return y == x ? y : y + ", " + x;
}

std::string StartText(const CnnLayerStats& st) {
    if (st.field_y.global && st.field_x.global) return "-";
    if (st.field_y.start == st.field_x.start) return std::to_string(st.field_y.start);
    return std::to_string(st.field_y.start) + ", " + std::to_string(st.field_x.start);
}

// One layer per line: the canonical form is easier to read and edit that way.
std::string MultiLine(const std::vector<CnnLayer>& layers) {
    std::string text = FormatLayers(layers), out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ',' && i + 1 < text.size() && text[i + 1] == ' ') {
            out += '\n';
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

// Integer keys that accept any integer, so that 0 or -5 reach Validate and get its sentence.
std::string ParseAnyInteger(const std::string& value, std::int64_t* out) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != 0 || errno == ERANGE) return "'" + value + "' is not an integer";
    *out = v;
    return {};
}

// [SECTION] Analysis (memoised on the layer text, the input size and the language)

struct AnalysisKey {
    std::string text;
    std::int64_t in_h = 0, in_w = 0, in_channels = 0;
    i18n::Language language = i18n::Language::English;
    bool operator==(const AnalysisKey&) const = default;
};

struct Analysis {
    std::vector<SpecIssue> issues;            // empty when the stack is valid, worded in the key's language
    std::string preset;                       // the preset the stack equals, or "custom"
    std::shared_ptr<const CnnSpec> spec;      // set when valid
    std::shared_ptr<const CnnStats> stats;    // set when valid
};

// The lesson's analysis, its size problems worded in the key's language.
Analysis Analyze(const AnalysisKey& key) {
    using Kind = CnnLessonIssue::Kind;
    const auto lang = key.language;
    CnnLessonAnalysis lesson = AnalyzeCnnLesson({key.text, key.in_h, key.in_w, key.in_channels});
    Analysis a{{}, std::move(lesson.preset), std::move(lesson.spec), std::move(lesson.stats)};
    for (const CnnLessonIssue& i : lesson.issues) {
        switch (i.kind) {
            case Kind::Core: a.issues.push_back({i.field, i.message}); break;
            case Kind::SideBelowOne:
                a.issues.push_back({i.field, Fmt(i18n::TextIn(S::CnnErrSideSmall, lang), i.field.c_str(), static_cast<long long>(i.value))});
                break;
            case Kind::SideAboveLimit:
                a.issues.push_back({i.field, Fmt(i18n::TextIn(S::CnnErrSideLarge, lang), static_cast<long long>(i.value),
                                                 static_cast<long long>(i.value2), LL(kMaxInputSide))});
                break;
            case Kind::Channels:
                a.issues.push_back({i.field, Fmt(i18n::TextIn(S::CnnErrChannels, lang), LL(kCnnMaxChannels), static_cast<long long>(i.value))});
                break;
        }
    }
    return a;
}

// [SECTION] Receptive fields: the chosen location and the same spot at earlier layers

// Colour of layer j of 0..last: cyan for the first layers through green and yellow to orange.
ImU32 LayerColor(Index j, Index last) {
    const float t = last > 0 ? static_cast<float>(j) / static_cast<float>(last) : 1.0f;
    float r, g, b;
    ImGui::ColorConvertHSVtoRGB(0.5f - 0.42f * t, 0.85f, 1.0f, r, g, b);
    return ImGui::ColorConvertFloat4ToU32(ImVec4(r, g, b, 1.0f));
}

// [SECTION] Feature maps (forward pass on the task runner, bounded)

struct ForwardKey {
    CnnSpec spec;  // the whole (valid) stack; the task plans what runs
    std::uint64_t image_version = 0;
    int kernel = 0;
    std::int64_t seed = 0;
    bool operator==(const ForwardKey&) const = default;
};

// [SECTION] Classic kernels and the image as input (app-side until core has one kernels module
// and one image-to-CHW; the lesson takes them as hooks)

// A kh x kw classic kernel (the conv panel's choices), or nullopt for seeded weights.
std::optional<std::vector<float>> ClassicKernel(KernelChoice choice, Index kh, Index kw) {
    if (choice == KernelChoice::Seeded) return std::nullopt;
    std::vector<float> k(static_cast<size_t>(kh * kw), 0.0f);
    auto at = [&](Index y, Index x) -> float& { return k[static_cast<size_t>(y * kw + x)]; };
    const Index cy = kh / 2, cx = kw / 2;
    switch (choice) {
        case KernelChoice::Seeded: break;
        case KernelChoice::Identity: at(cy, cx) = 1; break;
        case KernelChoice::Box:
            for (auto& v : k) v = 1.0f / static_cast<float>(kh * kw);
            break;
        case KernelChoice::Sharpen:
            for (auto& v : k) v = -1.0f / static_cast<float>(kh * kw);
            at(cy, cx) += 2.0f;
            break;
        case KernelChoice::SobelX:
        case KernelChoice::SobelY:
            for (Index y = 0; y < kh; ++y)
                for (Index x = 0; x < kw; ++x) {
                    const float dy = static_cast<float>(y - cy), dx = static_cast<float>(x - cx);
                    const float sy = 1.0f + (kh > 1 ? 1.0f - std::fabs(dy) / static_cast<float>(std::max<Index>(cy, 1)) : 0.0f);
                    const float sx = 1.0f + (kw > 1 ? 1.0f - std::fabs(dx) / static_cast<float>(std::max<Index>(cx, 1)) : 0.0f);
                    at(y, x) = choice == KernelChoice::SobelX ? dx * sy : dy * sx;
                }
            break;
    }
    return k;
}

// Replaces the seeded weights of spatial layers by one classic kernel per (out, in) pair, divided
// by the inputs it sums over, and zeroes their biases. 1x1 convolutions average the channels and
// transposed convolutions copy (nearest up-sampling when kernel = stride), so the picture survives
// the stack; transformer blocks keep their seeded weights.
void ApplyClassicKernels(const CnnStats& stats, KernelChoice choice, CnnWeights& w) {
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        const CnnLayer& l = st.layer;
        std::vector<float>& weights = w.weights[i];
        if (weights.empty()) continue;
        const Index taps = l.kernel_h * l.kernel_w;
        switch (l.kind) {
            case CnnLayerKind::Conv:
            case CnnLayerKind::Depthwise:
            case CnnLayerKind::Down:
            case CnnLayerKind::Pointwise: {
                const bool one = l.kind == CnnLayerKind::Pointwise || taps == 1;
                const auto k = one ? std::vector<float>{1.0f} : *ClassicKernel(choice, l.kernel_h, l.kernel_w);
                const Index kt = static_cast<Index>(k.size());
                const Index per = std::max<Index>(1, static_cast<Index>(weights.size()) / std::max<Index>(1, st.out.c * kt));
                for (size_t e = 0; e < weights.size(); ++e) weights[e] = k[e % k.size()] / static_cast<float>(per);
                break;
            }
            case CnnLayerKind::TransposedConv: {
                const Index per_in = std::max<Index>(1, st.in.c / std::max<Index>(1, l.groups));
                const float v = static_cast<float>(l.stride * l.stride) / static_cast<float>(std::max<Index>(1, taps)) /
                                static_cast<float>(per_in);
                std::fill(weights.begin(), weights.end(), v);
                break;
            }
            default: continue;  // transformer blocks, linear layers (never run here)
        }
        std::fill(w.biases[i].begin(), w.biases[i].end(), 0.0f);
    }
}

// The image as the stack's C,H,W input: resized; three channels take R, G, B, others the luminance.
std::vector<float> ImageInput(const Image& image, Index c, Index h, Index w) {
    const Image resized = ResizeRgb(image, static_cast<int>(w), static_cast<int>(h));
    if (resized.Empty()) throw std::runtime_error("the image cannot be resized to " + std::to_string(w) + " x " + std::to_string(h));
    std::vector<float> x(static_cast<size_t>(c * h * w));
    for (Index y = 0; y < h; ++y)
        for (Index xx = 0; xx < w; ++xx) {
            const size_t at = (static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(xx)) * 3;
            const float r = resized.rgb[at] / 255.0f, g = resized.rgb[at + 1] / 255.0f, b = resized.rgb[at + 2] / 255.0f;
            const float luma = 0.2126f * r + 0.7152f * g + 0.0722f * b;
            for (Index ch = 0; ch < c; ++ch)
                x[static_cast<size_t>((ch * h + y) * w + xx)] = c == 3 ? (ch == 0 ? r : ch == 1 ? g : b) : luma;
        }
    return x;
}

// The feature-map task: the lesson's forward pass on the image, with the chosen kernels.
CnnFeatureMaps ComputeFeatures(const ForwardKey& key, std::shared_ptr<const Image> image, TaskContext& context) {
    auto input = [&image](const CnnShape& in) { return ImageInput(*image, in.c, in.h, in.w); };
    CnnWeightsFn adjust;
    if (key.kernel != 0) {
        adjust = [choice = static_cast<KernelChoice>(key.kernel)](const CnnStats& stats, CnnWeights& w) { ApplyClassicKernels(stats, choice, w); };
    }
    return ComputeCnnFeatureMaps(key.spec, static_cast<std::uint64_t>(key.seed), input, adjust, context, kBudget);
}

// [SECTION] The panel: keys, export

class CnnPanel final : public Panel {
public:
    CnnPanel() { ApplyPreset("notes"); }

    const char* Id() const override { return "cnn"; }
    i18n::S Title() const override { return S::CnnTitle; }
    bool Busy() const override { return m_view == 0 && m_features && m_features->Busy(); }
    float Progress() const override { return m_features ? m_features->Progress() : 0.0f; }

    std::string ValidateKeys() override {
        const Analysis a = Analyze(KeyFor(i18n::Language::English));
        if (!a.issues.empty()) return JoinIssues(a.issues);
        std::vector<SpecIssue> issues;
        const CnnStats& stats = *a.stats;
        const Index layers = static_cast<Index>(stats.layers.size());
        // Keys that were set must be in range; the others take their defaults.
        if (m_query_set[0] && (m_query_layer < 1 || m_query_layer > layers)) {
            issues.push_back({"query_layer", Fmt(i18n::TextIn(S::CnnErrQueryLayer, i18n::Language::English),
                                                 static_cast<long long>(m_query_layer), LL(layers))});
        } else if (m_query_set[1] || m_query_set[2]) {
            const CnnQuery q = ResolvedQuery(stats);
            const CnnShape& out = stats.layers[static_cast<size_t>(q.layer)].out;
            const bool bad_y = m_query_set[1] && (m_query_y < 0 || m_query_y >= out.h);
            const bool bad_x = m_query_set[2] && (m_query_x < 0 || m_query_x >= out.w);
            if (bad_y || bad_x)
                issues.push_back({bad_y ? "query_y" : "query_x",
                                  Fmt(i18n::TextIn(S::CnnErrQueryLocation, i18n::Language::English),
                                      static_cast<long long>(m_query_set[1] ? m_query_y : q.y),
                                      static_cast<long long>(m_query_set[2] ? m_query_x : q.x), LL(q.layer + 1), LL(out.h), LL(out.w))});
        }
        return JoinIssues(issues);
    }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        const Analysis a = Analyze(KeyFor(i18n::Language::English));
        if (!a.stats) return;
        VisitFigures(CnnLessonResult{a.preset, a.spec, a.stats, ResolvedQuery(*a.stats)}, sink);
    }

protected:
    void BindKeys(KeyTable& keys) override {
        keys.Custom("preset", "notes|vgg16|encoder_decoder|mobilenet_v1|hybrid", "load a stack (apply before other keys)",
                    [this](const std::string& v) -> std::string {
                        if (!FindCnnPreset(v)) return "'" + v + "' is not a preset (notes|vgg16|encoder_decoder|mobilenet_v1|hybrid)";
                        ApplyPreset(v);
                        return {};
                    });
        keys.Custom("layers", "text", "the layer list in the compact text form, e.g. conv3x3p1c64,maxpool2,dw3s2p1,pw128",
                    [this](const std::string& v) -> std::string {
                        if (v.size() >= kTextCapacity) return "the layer list is longer than " + std::to_string(kTextCapacity - 1) + " bytes";
                        // One layer per line when it parses; as typed otherwise (the error's offset refers to it).
                        if (auto parsed = ParseLayers(v)) SetText(MultiLine(*parsed));
                        else SetText(v);
                        return {};
                    });
        auto size_key = [&](const char* name, std::int64_t* field, const char* help) {
            keys.Custom(name, "1.." + std::to_string(kMaxInputSide), help, [field](const std::string& v) { return ParseAnyInteger(v, field); });
        };
        size_key("in_h", &m_in_h, "input height, px");
        size_key("in_w", &m_in_w, "input width, px");
        keys.Custom("in_channels", "1.." + std::to_string(kCnnMaxChannels), "input channels (3: RGB)",
                    [this](const std::string& v) { return ParseAnyInteger(v, &m_in_channels); });
        auto query_key = [&](const char* name, std::int64_t* field, int which, const char* help) {
            keys.Custom(name, "integer", help, [this, field, which](const std::string& v) {
                std::string error = ParseAnyInteger(v, field);
                if (error.empty()) {
                    m_query_set[which] = true;
                    m_scroll_to_query = true;
                }
                return error;
            });
        };
        query_key("query_layer", &m_query_layer, 0,
                  "layer whose output location is queried, 1 = the first, as the table numbers them (default: the last with a map)");
        query_key("query_y", &m_query_y, 1, "row of that layer's output map, 0-based (default: the middle)");
        query_key("query_x", &m_query_x, 2, "column of that layer's output map, 0-based (default: the middle)");
        keys.Choice("kernel", &m_kernel, std::vector<std::string>(std::begin(kKernelKeys), std::end(kKernelKeys)), "weights of the feature maps' convolutions");
        keys.Int64("seed", &m_seed, 0, std::numeric_limits<std::int64_t>::max(), "seed of the random weights");
        keys.Choice("view", &m_view, {"features", "chart"}, "which tab is shown");
    }

    void DrawContent(AppContext& context) override;

private:
    AnalysisKey KeyFor(i18n::Language language) const { return {m_text_value, m_in_h, m_in_w, m_in_channels, language}; }

    void SetText(const std::string& text) {
        m_text_value = text;
        std::snprintf(m_text, sizeof m_text, "%s", text.c_str());
    }

    void ApplyPreset(const std::string& key) {
        auto spec = FindCnnPreset(key);
        if (!spec) return;
        SetText(MultiLine(spec->layers));
        m_in_h = spec->in_h;
        m_in_w = spec->in_w;
        m_in_channels = spec->in_channels;
        m_query_set[0] = m_query_set[1] = m_query_set[2] = false;
        m_scroll_to_query = true;
    }

    // The query in range of `stats`: what the user or the keys chose, the defaults for the rest
    // (the last layer with a map, its middle).
    CnnQuery ResolvedQuery(const CnnStats& stats) const {
        auto chosen = [this](int which, std::int64_t value) { return m_query_set[which] ? std::optional<Index>(value) : std::nullopt; };
        return ResolveCnnQuery(stats, chosen(0, m_query_layer - 1), chosen(1, m_query_y), chosen(2, m_query_x));
    }

    void SetQuery(const CnnQuery& q) {
        m_query_set[0] = m_query_set[1] = m_query_set[2] = true;
        m_query_layer = q.layer + 1;
        m_query_y = q.y;
        m_query_x = q.x;
    }

    // Another layer, keeping the spot: the location of `layer` centred nearest the current region.
    void SelectLayer(const CnnStats& stats, Index layer) { SetQuery(CnnSameSpot(stats, ResolvedQuery(stats), layer)); }

    void DrawEditors(const Analysis& analysis, const CnnStats* stats);
    void DrawQueryMap(const CnnStats& stats, float width);
    void DrawTable(const CnnStats& stats, float height);
    void DrawReceptiveField(AppContext& context, const CnnStats& stats, ImVec2 size);
    void DrawFeatures(AppContext& context, const CnnStats& stats, ImVec2 size);
    void DrawChart(const CnnStats& stats, ImVec2 size);

    // Editable fields (bound to keys).
    std::string m_text_value;
    char m_text[kTextCapacity] = {};
    std::int64_t m_in_h = 256, m_in_w = 256, m_in_channels = 3;
    std::int64_t m_query_layer = 1, m_query_y = 0, m_query_x = 0;
    bool m_query_set[3] = {false, false, false};  // layer, y, x chosen (else the current stack's defaults)
    bool m_scroll_to_query = true;   // scroll the table to the query row at the next frame
    int m_kernel = 0;
    std::int64_t m_seed = 1;
    int m_view = 0;
    bool m_force_tab = true;

    Memo<AnalysisKey, Analysis> m_analysis;
    std::shared_ptr<const CnnSpec> m_valid_spec;    // the last valid stack (shown while the fields are wrong)
    std::shared_ptr<const CnnStats> m_valid_stats;
    std::unique_ptr<LatestTask<ForwardKey, CnnFeatureMaps>> m_features;
    std::vector<std::unique_ptr<Heatmap>> m_maps;
    gfx::CachedTexture m_image_texture;
};

// [SECTION] Drawing: editors, table, receptive field over the image, feature maps, chart

const ImVec4 kErrorColor(1.0f, 0.5f, 0.45f, 1.0f);
const ImVec4 kNoteColor(1.0f, 0.8f, 0.4f, 1.0f);

void WrappedDisabled(const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
}

void WrappedColored(const ImVec4& color, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
}

void CnnPanel::DrawEditors(const Analysis& analysis, const CnnStats* stats) {
    const auto& issues = analysis.issues;
    const std::string& preset = analysis.preset;
    int index = -1;
    for (int i = 0; i < kPresetCount; ++i)
        if (preset == kPresetKeys[i]) index = i;
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##preset", index >= 0 ? Tr(kPresetNames[index]) : Tr(S::CnnPresetCustom))) {
        for (int i = 0; i < kPresetCount; ++i)
            if (ImGui::Selectable(Tr(kPresetNames[i]), i == index)) ApplyPreset(kPresetKeys[i]);
        ImGui::EndCombo();
    }
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(Tr(S::CnnLayers));
    ImGui::PopTextWrapPos();
    const float lines = 7.5f;
    if (ImGui::InputTextMultiline("##layers", m_text, sizeof m_text, ImVec2(-1, ImGui::GetTextLineHeight() * lines)))
        m_text_value = m_text;
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
        ImGui::TextUnformatted(Tr(S::CnnLayersHelp));
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
    SpecFieldIssues("layers", issues);
    SpecField(Tr(S::CnnInH), "in_h", &m_in_h, 0, kCnnMaxSide, issues);
    SpecField(Tr(S::CnnInW), "in_w", &m_in_w, 0, kCnnMaxSide, issues);
    SpecField(Tr(S::CnnInChannels), "in_channels", &m_in_channels, 0, kCnnMaxChannels, issues);
    if (!issues.empty() && stats) WrappedColored(kNoteColor, Tr(S::CnnShowingLastValid));
    if (!stats) return;

    ImGui::Separator();
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(Tr(S::CnnQueryTitle));
    ImGui::PopTextWrapPos();
    const std::vector<SpecIssue> none;
    std::int64_t layer = ResolvedQuery(*stats).layer + 1;
    if (SpecField(Tr(S::CnnQueryLayer), "query_layer", &layer, 1, static_cast<Index>(stats->layers.size()), none)) {
        SelectLayer(*stats, layer - 1);
        m_scroll_to_query = true;
    }
    const CnnQuery q = ResolvedQuery(*stats);
    std::int64_t y = q.y, x = q.x;
    const CnnShape& out = stats->layers[static_cast<size_t>(q.layer)].out;
    const bool changed_y = SpecField(Tr(S::CnnQueryY), "query_y", &y, 0, out.h - 1, none);
    const bool changed_x = SpecField(Tr(S::CnnQueryX), "query_x", &x, 0, out.w - 1, none);
    if (changed_y || changed_x) SetQuery({q.layer, y, x});
    DrawQueryMap(*stats, ImGui::GetContentRegionAvail().x);

    ImGui::Separator();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    const char* kernels[kKernelCount];
    for (int i = 0; i < kKernelCount; ++i) kernels[i] = Tr(kKernelNames[i]);
    ImGui::Combo(Tr(S::ConvApplyKernel), &m_kernel, kernels, kKernelCount);
    if (m_kernel == 0) SpecField(Tr(S::CnnKernelSeed), "seed", &m_seed, 0, std::numeric_limits<std::int64_t>::max(), none);
}

// The chosen layer's output map as a grid of cells; click to choose the location.
void CnnPanel::DrawQueryMap(const CnnStats& stats, float width) {
    const CnnQuery q = ResolvedQuery(stats);
    const CnnShape& out = stats.layers[static_cast<size_t>(q.layer)].out;
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::PushTextWrapPos(0);
    ImGui::Text(Tr(S::CnnQueryMapTitle), LL(q.layer + 1), LL(out.h), LL(out.w));
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
    const float max_h = ImGui::GetFontSize() * 9;
    const float cell = std::min(width / static_cast<float>(out.w), max_h / static_cast<float>(out.h));
    const ImVec2 size(std::max(cell * static_cast<float>(out.w), 2.0f), std::max(cell * static_cast<float>(out.h), 2.0f));
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##query_map", size);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(38, 40, 48, 255));
    if (cell >= 5.0f && out.h <= 256 && out.w <= 256) {
        for (Index yy = 0; yy <= out.h; ++yy)
            draw->AddLine(ImVec2(origin.x, origin.y + cell * static_cast<float>(yy)),
                          ImVec2(origin.x + size.x, origin.y + cell * static_cast<float>(yy)), IM_COL32(70, 72, 84, 255));
        for (Index xx = 0; xx <= out.w; ++xx)
            draw->AddLine(ImVec2(origin.x + cell * static_cast<float>(xx), origin.y),
                          ImVec2(origin.x + cell * static_cast<float>(xx), origin.y + size.y), IM_COL32(70, 72, 84, 255));
    }
    const ImVec2 a(origin.x + cell * static_cast<float>(q.x), origin.y + cell * static_cast<float>(q.y));
    const ImVec2 b(std::max(a.x + cell, a.x + 4), std::max(a.y + cell, a.y + 4));
    draw->AddRectFilled(a, b, LayerColor(1, 1));
    draw->AddRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(110, 110, 125, 255));
    if (ImGui::IsItemHovered() && cell > 0) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const Index yy = std::clamp<Index>(static_cast<Index>((mouse.y - origin.y) / cell), 0, out.h - 1);
        const Index xx = std::clamp<Index>(static_cast<Index>((mouse.x - origin.x) / cell), 0, out.w - 1);
        ImGui::SetTooltip("y=%lld, x=%lld", LL(yy), LL(xx));
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) SetQuery({q.layer, yy, xx});
    }
}

void RightAligned(const std::string& text) {
    const float w = ImGui::CalcTextSize(text.c_str()).x;
    const float avail = ImGui::GetContentRegionAvail().x;
    if (avail > w) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + avail - w);
    ImGui::TextUnformatted(text.c_str());
}

void CnnPanel::DrawTable(const CnnStats& stats, float height) {
    const CnnQuery q = ResolvedQuery(stats);
    // Cells as text first, so that every column gets the width of its widest entry (numbers are
    // never cut); the layer column takes what is left, and a narrow window scrolls sideways.
    constexpr int kColumns = 9;
    struct Row {
        std::string cells[kColumns];
        Index layer = -1;  // -1: the input or the total row
        bool total = false;
    };
    std::vector<Row> rows;
    rows.reserve(stats.layers.size() + 2);
    rows.push_back({{"0", Tr(S::CnnRowInput), ShapeText(stats.input), "-", "-", "-", "1", "1", "0"}, -1, false});
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        rows.push_back({{std::to_string(i + 1), st.text, ShapeText(st.out), FormatExact(st.parameters), FormatExact(st.macs),
                         FormatExact(st.activations), st.field_y.global ? std::string(Tr(S::CnnGlobal)) : FieldSizeText(st),
                         JumpPairText(st), StartText(st)},
                        static_cast<Index>(i), false});
    }
    rows.push_back({{"", Tr(S::CnnRowTotal), ShapeText(stats.out), FormatExact(stats.parameters), FormatExact(stats.macs),
                     FormatExact(stats.activations), "", "", ""},
                    -1, true});
    const S headers[kColumns] = {S::CnnColNumber, S::CnnColLayer, S::CnnColOutput, S::CnnColParameters, S::CnnColMacs,
                                 S::CnnColActivations, S::CnnColField, S::CnnColJump, S::CnnColStart};
    float widths[kColumns];
    float total_w = 0;
    const ImGuiStyle& style = ImGui::GetStyle();
    for (int c = 0; c < kColumns; ++c) {
        widths[c] = ImGui::CalcTextSize(Tr(headers[c])).x;
        for (const Row& r : rows) widths[c] = std::max(widths[c], ImGui::CalcTextSize(r.cells[c].c_str()).x);
        widths[c] += ImGui::GetFontSize() * 0.15f;
        total_w += widths[c] + style.CellPadding.x * 2 + 1;
    }
    const float row_h = ImGui::GetTextLineHeight() + style.CellPadding.y * 2;
    const bool scrolls = row_h * static_cast<float>(rows.size() + 1) > height;
    const float avail = ImGui::GetContentRegionAvail().x - (scrolls ? style.ScrollbarSize : 0.0f) - 2;
    if (total_w < avail) widths[1] += avail - total_w;
    ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                            ImGuiTableFlags_BordersOuterH | ImGuiTableFlags_SizingFixedFit;
    if (total_w > avail) flags |= ImGuiTableFlags_ScrollX;
    if (!ImGui::BeginTable("##stages", kColumns, flags, ImVec2(0, height))) return;
    ImGui::TableSetupScrollFreeze(1, 1);
    for (int c = 0; c < kColumns; ++c) ImGui::TableSetupColumn(Tr(headers[c]), ImGuiTableColumnFlags_WidthFixed, widths[c]);
    ImGui::TableHeadersRow();
    for (const Row& r : rows) {
        ImGui::TableNextRow();
        const bool selected = r.layer >= 0 && r.layer == q.layer;
        for (int c = 0; c < kColumns; ++c) {
            ImGui::TableSetColumnIndex(c);
            if (c == 0 && r.layer >= 0) {
                if (ImGui::Selectable(r.cells[0].c_str(), selected, ImGuiSelectableFlags_SpanAllColumns)) SelectLayer(stats, r.layer);
                if (selected && m_scroll_to_query) ImGui::SetScrollHereY(0.5f);
                continue;
            }
            const bool dim = r.layer < 0 && !r.total && c <= 1;
            if (r.total && c == 1) ImGui::PushStyleColor(ImGuiCol_Text, kNoteColor);
            else if (dim) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
            if (c >= 3) RightAligned(r.cells[c]);
            else ImGui::TextUnformatted(r.cells[c].c_str());
            if ((r.total && c == 1) || dim) ImGui::PopStyleColor();
        }
    }
    m_scroll_to_query = false;
    ImGui::EndTable();
}

void DashedRect(ImDrawList* draw, ImVec2 a, ImVec2 b, ImU32 color, float thickness) {
    const float dash = thickness * 4.5f, gap = thickness * 3.5f;
    auto line = [&](ImVec2 p, ImVec2 q) {
        const float len = std::hypot(q.x - p.x, q.y - p.y);
        if (len <= 0) return;
        const ImVec2 d((q.x - p.x) / len, (q.y - p.y) / len);
        for (float t = 0; t < len; t += dash + gap) {
            const float e = std::min(t + dash, len);
            draw->AddLine(ImVec2(p.x + d.x * t, p.y + d.y * t), ImVec2(p.x + d.x * e, p.y + d.y * e), color, thickness);
        }
    };
    line(a, ImVec2(b.x, a.y));
    line(ImVec2(b.x, a.y), b);
    line(b, ImVec2(a.x, b.y));
    line(ImVec2(a.x, b.y), a);
}

void CnnPanel::DrawReceptiveField(AppContext& context, const CnnStats& stats, ImVec2 size) {
    const Image& image = *context.image;
    const float ui = context.ui_scale;  // line widths follow the UI (and figure-export) scale
    m_image_texture.Sync(context.image_version + 1, image.width, image.height, gfx::PixelFormat::Rgb8, image.rgb.data());
    const CnnQuery q = ResolvedQuery(stats);
    const std::vector<CnnAncestor> chain = CnnAncestors(stats, q);
    if (chain.empty()) return;
    const CnnAncestor& chosen = chain.back();
    const CnnLayerStats& layer = stats.layers[static_cast<size_t>(q.layer)];
    const double in_h = static_cast<double>(stats.input.h), in_w = static_cast<double>(stats.input.w);

    WrappedDisabled(Fmt(Tr(S::CnnImageCaption), LL(stats.input.h), LL(stats.input.w)).c_str());
    // The legend's lines, measured first so that the picture gets exactly the rest of the height.
    const PixelRegion& c = chosen.region.clipped;
    const PixelRegion& u = chosen.region.unclipped;
    const std::string title = c.Empty() ? Fmt(Tr(S::CnnRegionOnlyPadding), LL(q.layer + 1), layer.text.c_str(), LL(q.y), LL(q.x))
                                        : Fmt(Tr(S::CnnRegionTitle), LL(q.layer + 1), layer.text.c_str(), LL(q.y), LL(q.x), LL(c.y0),
                                              LL(c.y1 - 1), LL(c.x0), LL(c.x1 - 1), LL(c.y1 - c.y0), LL(c.x1 - c.x0));
    const std::string unclipped = !(u == c) && !u.Empty()
                                      ? Fmt(Tr(S::CnnRegionUnclipped), LL(u.y0), LL(u.y1 - 1), LL(u.x0), LL(u.x1 - 1), LL(u.y1 - u.y0), LL(u.x1 - u.x0))
                                      : std::string(Tr(S::CnnRegionInside));
    const std::string frames = q.layer > 0 ? Fmt(Tr(S::CnnRegionLegend), LL(q.layer + 1)) : std::string();
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    float legend_h = spacing * 2;
    for (const std::string* text : {&title, &unclipped, &frames})
        if (!text->empty()) legend_h += ImGui::CalcTextSize(text->c_str(), nullptr, false, size.x).y + spacing;
    if (q.layer > 0) legend_h += ImGui::GetFontSize() + spacing;
    ImVec2 box(size.x, std::max(ImGui::GetContentRegionAvail().y - legend_h, 40.0f));
    // World rectangle (input pixels): the image plus the unclipped region, so that the padding the
    // textbook region reaches into is visible; at most half an image beyond each side.
    const double wy0 = std::max(std::min(0.0, static_cast<double>(u.y0)), -0.5 * in_h);
    const double wx0 = std::max(std::min(0.0, static_cast<double>(u.x0)), -0.5 * in_w);
    const double wy1 = std::min(std::max(in_h, static_cast<double>(u.y1)), 1.5 * in_h);
    const double wx1 = std::min(std::max(in_w, static_cast<double>(u.x1)), 1.5 * in_w);
    const double scale = std::min(box.x / (wx1 - wx0), box.y / (wy1 - wy0));
    box.y = std::min(box.y, static_cast<float>((wy1 - wy0) * scale) + 1);  // the legend follows the picture
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float ox = top.x + static_cast<float>((box.x - (wx1 - wx0) * scale) * 0.5);
    auto at = [&](double y, double x) {
        return ImVec2(ox + static_cast<float>((x - wx0) * scale), top.y + static_cast<float>((y - wy0) * scale));
    };
    ImGui::InvisibleButton("##rf", box);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->PushClipRect(top, ImVec2(top.x + box.x, top.y + box.y), true);
    // Padding: a dark hatched margin around the image.
    const ImVec2 w0 = at(wy0, wx0), w1 = at(wy1, wx1);
    draw->AddRectFilled(w0, w1, IM_COL32(28, 29, 34, 255));
    draw->PushClipRect(w0, w1, true);
    for (float d = 0; d < (w1.x - w0.x) + (w1.y - w0.y); d += 9)
        draw->AddLine(ImVec2(w0.x + d, w0.y), ImVec2(w0.x, w0.y + d), IM_COL32(255, 255, 255, 14));
    draw->PopClipRect();
    const ImVec2 i0 = at(0, 0), i1 = at(in_h, in_w);
    draw->AddImage(m_image_texture.Get().ImId(), i0, i1);
    // Dim what the chosen location does not see.
    const ImU32 dim = IM_COL32(8, 8, 14, 150);
    if (!c.Empty()) {
        const ImVec2 c0 = at(static_cast<double>(c.y0), static_cast<double>(c.x0)), c1 = at(static_cast<double>(c.y1), static_cast<double>(c.x1));
        draw->AddRectFilled(i0, ImVec2(i1.x, c0.y), dim);
        draw->AddRectFilled(ImVec2(i0.x, c1.y), i1, dim);
        draw->AddRectFilled(ImVec2(i0.x, c0.y), ImVec2(c0.x, c1.y), dim);
        draw->AddRectFilled(ImVec2(c1.x, c0.y), ImVec2(i1.x, c1.y), dim);
    } else {
        draw->AddRectFilled(i0, i1, dim);
    }
    draw->AddRect(ImVec2(i0.x - 1, i0.y - 1), ImVec2(i1.x + 1, i1.y + 1), IM_COL32(150, 150, 165, 255));
    // The same spot at every earlier layer, inside out: thin frames in the layer's colour.
    for (size_t k = 0; k + 1 < chain.size(); ++k) {
        const PixelRegion& r = chain[k].region.clipped;
        if (r.Empty()) continue;
        draw->AddRect(at(static_cast<double>(r.y0), static_cast<double>(r.x0)), at(static_cast<double>(r.y1), static_cast<double>(r.x1)),
                      LayerColor(chain[k].layer, q.layer), 0, 0, 1.5f * ui);
    }
    // The chosen location: the unclipped region dashed, the clipped one thick over a dark outline.
    const ImU32 chosen_color = LayerColor(q.layer, q.layer);
    if (!(u == c) && !u.Empty())
        DashedRect(draw, at(static_cast<double>(u.y0), static_cast<double>(u.x0)), at(static_cast<double>(u.y1), static_cast<double>(u.x1)),
                   IM_COL32(255, 255, 255, 230), 1.5f * ui);
    if (!c.Empty()) {
        const ImVec2 c0 = at(static_cast<double>(c.y0), static_cast<double>(c.x0)), c1 = at(static_cast<double>(c.y1), static_cast<double>(c.x1));
        draw->AddRect(c0, c1, IM_COL32(0, 0, 0, 200), 0, 0, 5.0f * ui);
        draw->AddRect(c0, c1, chosen_color, 0, 0, 2.5f * ui);
    }
    draw->PopClipRect();
    if (hovered) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const double py = wy0 + (mouse.y - top.y) / scale, px = wx0 + (mouse.x - ox) / scale;
        if (py >= 0 && px >= 0 && py < in_h && px < in_w) {
            ImGui::SetTooltip(Tr(S::CnnRegionHover), static_cast<long long>(py), static_cast<long long>(px), LL(q.layer + 1));
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left))
                SetQuery({q.layer, CnnNearestOnAxis(stats, q.layer, true, std::floor(py)), CnnNearestOnAxis(stats, q.layer, false, std::floor(px))});
        }
    }

    // Legend.
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + size.x);
    ImGui::TextColored(c.Empty() ? kNoteColor : ImGui::ColorConvertU32ToFloat4(chosen_color), "%s", title.c_str());
    ImGui::TextDisabled("%s", unclipped.c_str());
    if (q.layer > 0) {
        ImGui::TextDisabled("%s", frames.c_str());
        // One swatch per layer, numbered where there is room.
        const float sw = std::min(ImGui::GetFontSize() * 1.6f, size.x / static_cast<float>(q.layer + 1));
        const ImVec2 p = ImGui::GetCursorScreenPos();
        ImDrawList* d = ImGui::GetWindowDrawList();
        for (Index j = 0; j <= q.layer; ++j) {
            const ImVec2 a(p.x + sw * static_cast<float>(j), p.y);
            d->AddRectFilled(a, ImVec2(a.x + sw - 1, a.y + ImGui::GetFontSize()), LayerColor(j, q.layer));
            char n[24];
            std::snprintf(n, sizeof n, "%lld", LL(j + 1));
            const ImVec2 ts = ImGui::CalcTextSize(n);
            if (ts.x + 2 < sw) d->AddText(ImVec2(a.x + (sw - 1 - ts.x) * 0.5f, a.y), IM_COL32(20, 20, 24, 255), n);
        }
        ImGui::Dummy(ImVec2(sw * static_cast<float>(q.layer + 1), ImGui::GetFontSize()));
    }
    ImGui::PopTextWrapPos();
}

void CnnPanel::DrawFeatures(AppContext& context, const CnnStats& stats, ImVec2 size) {
    ForwardKey key{*m_valid_spec, context.image_version, m_kernel, m_kernel == 0 ? m_seed : 0};
    auto image = context.image;
    m_features->Request(key, [key, image](TaskContext& task) { return ComputeFeatures(key, image, task); });
    m_features->Poll();
    const CnnFeatureMaps* maps = m_features->Current();
    // The shown maps belong to the current stack (not an older one still shown while recomputing).
    const bool current = maps && m_features->CurrentKey() && *m_features->CurrentKey() == key;
    std::vector<std::string> notes;
    if (stats.input.c != 3) notes.push_back(Tr(S::CnnFeaturesInput));
    if (maps) {
        const CnnForwardPlan& plan = maps->plan;
        if (plan.stop == CnnPlanStop::Linear && plan.prefix > 0)
            notes.push_back(Fmt(Tr(S::CnnFeaturesStopLinear), LL(plan.prefix + 1), LL(plan.prefix + 1)));
        if (plan.stop == CnnPlanStop::Parameters)
            notes.push_back(Fmt(Tr(S::CnnFeaturesStopParameters), LL(plan.prefix + 1), FormatExact(kBudget.max_parameters).c_str()));
        if (plan.stop == CnnPlanStop::Budget)
            notes.push_back(Fmt(Tr(S::CnnFeaturesStopBudget), LL(plan.prefix + 1), FormatSI(static_cast<double>(kBudget.max_macs)).c_str()));
        if (plan.downscaled)
            notes.push_back(Fmt(Tr(S::CnnFeaturesDownscaled), LL(plan.run.in_h), LL(plan.run.in_w), LL(maps->full_h), LL(maps->full_w),
                                FormatSI(static_cast<double>(plan.full_macs)).c_str(), FormatSI(static_cast<double>(kBudget.max_macs)).c_str()));
    }
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + size.x);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextUnformatted(Tr(S::CnnFeaturesNote));
    ImGui::PopStyleColor();
    for (const auto& n : notes) ImGui::TextColored(kNoteColor, "%s", n.c_str());
    ImGui::PopTextWrapPos();
    if (!m_features->Error().empty()) WrappedColored(kErrorColor, m_features->Error());
    if (m_features->Busy()) ImGui::TextColored(kNoteColor, Tr(S::CnnFeaturesRunning), static_cast<int>(m_features->Progress() * 100));
    if (!maps) return;
    const CnnForwardPlan& plan = maps->plan;
    if (plan.prefix == 0 && plan.stop == CnnPlanStop::Linear) {
        WrappedColored(kErrorColor, Tr(S::CnnFeaturesNone));
        return;
    }
    if (plan.too_large) {
        WrappedColored(kErrorColor, Fmt(Tr(S::CnnFeaturesTooLarge), LL(plan.min_h), LL(plan.min_w), FormatExact(plan.min_macs).c_str(),
                                        FormatExact(plan.min_elements).c_str(), FormatExact(kBudget.max_macs).c_str(),
                                        FormatExact(kBudget.max_elements).c_str()));
        return;
    }

    const CnnQuery q = ResolvedQuery(stats);
    const std::vector<CnnAncestor> chain = current ? CnnAncestors(stats, q) : std::vector<CnnAncestor>{};
    ImGui::BeginChild("##maps", ImVec2(0, 0), false);
    const float avail_w = ImGui::GetContentRegionAvail().x;
    // The label column is as wide as the widest label (within bounds); labels never run under the maps.
    float widest = ImGui::GetFontSize() * 7;
    for (size_t i = 0; i < maps->layers.size() && i < stats.layers.size(); ++i) {
        char label[96];
        std::snprintf(label, sizeof label, "%zu  %s", i + 1, stats.layers[i].text.c_str());
        widest = std::max(widest, ImGui::CalcTextSize(label).x);
    }
    const float label_w = std::min(widest + ImGui::GetFontSize() * 0.8f, avail_w * 0.4f);
    const float tile = std::clamp((avail_w - label_w) / static_cast<float>(kCnnShownChannels) - 2.0f, 24.0f, ImGui::GetFontSize() * 8.0f);
    const std::uint64_t gen = m_features->Generation();
    if (m_maps.size() < maps->layers.size()) m_maps.resize(maps->layers.size());
    for (size_t i = 0; i < maps->layers.size(); ++i) {
        const CnnLayerMaps& lm = maps->layers[i];
        const CnnLayerStats& st = stats.layers[std::min(i, stats.layers.size() - 1)];
        const float row_h = lm.strip ? ImGui::GetFontSize() * 3.2f : std::max(tile, ImGui::GetTextLineHeightWithSpacing() * 3.2f);
        const ImVec2 row0 = ImGui::GetCursorScreenPos();
        // Rows off screen are skipped (their heatmaps would upload textures for nothing).
        if (!ImGui::IsRectVisible(row0, ImVec2(row0.x + avail_w, row0.y + row_h))) {
            ImGui::Dummy(ImVec2(avail_w, row_h));
            continue;
        }
        const bool is_query = current && static_cast<Index>(i) == q.layer;
        ImGui::PushClipRect(row0, ImVec2(row0.x + label_w - 4, row0.y + row_h), true);
        ImGui::BeginGroup();
        ImGui::TextColored(is_query ? ImGui::ColorConvertU32ToFloat4(LayerColor(q.layer, q.layer)) : ImGui::GetStyleColorVec4(ImGuiCol_Text),
                           "%lld  %s", LL(static_cast<Index>(i) + 1), st.text.c_str());
        ImGui::TextDisabled(Tr(S::CnnFeaturesRow), LL(st.out.c), LL(st.out.h), LL(st.out.w));
        if (lm.strip) ImGui::TextDisabled(Tr(S::CnnFeaturesChannels), lm.shown - 1);
        else if (plan.downscaled) ImGui::TextDisabled(Tr(S::CnnFeaturesRun), LL(lm.shape.h), LL(lm.shape.w));
        ImGui::EndGroup();
        ImGui::PopClipRect();
        ImGui::SetCursorScreenPos(ImVec2(row0.x + label_w, row0.y));
        if (!m_maps[i]) m_maps[i] = std::make_unique<Heatmap>();
        gfx::ColormapParams params;
        if (lm.lo < 0) {
            params.map = gfx::Colormap::Diverging;
            const float m = std::max({std::fabs(lm.lo), std::fabs(lm.hi), 1e-12f});
            params.lo = -m;
            params.hi = m;
        } else {
            params.map = gfx::Colormap::Greys;
            params.lo = 0;
            params.hi = std::max(lm.hi, 1e-12f);
            params.zero_rgba[0] = params.zero_rgba[1] = params.zero_rgba[2] = 0.0f;
        }
        const float strip_h = ImGui::GetFontSize() * 1.4f;
        const ImVec2 box = lm.strip ? ImVec2(avail_w - label_w, strip_h) : ImVec2(avail_w - label_w, row_h - 2);
        ImVec2 mn, mx;
        char id[24];
        std::snprintf(id, sizeof id, "map%zu", i);
        m_maps[i]->Draw(id, lm.mosaic, gen, box, params, &mn, &mx);
        const bool hovered = ImGui::IsItemHovered();
        // The chosen location (this layer) or the same spot (earlier layers), in each tile.
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const float px = lm.mosaic.width > 0 ? (mx.x - mn.x) / static_cast<float>(lm.mosaic.width) : 0;
        if (!lm.strip && i < chain.size() && static_cast<Index>(i) <= q.layer) {
            const CnnAncestor& a = chain[i];
            const Index ry = a.y * lm.shape.h / std::max<Index>(1, st.out.h), rx = a.x * lm.shape.w / std::max<Index>(1, st.out.w);
            for (int t = 0; t < lm.shown; ++t) {
                const float tx = mn.x + px * static_cast<float>(t * (static_cast<int>(lm.shape.w) + lm.gap));
                const ImVec2 a0(tx + px * static_cast<float>(rx), mn.y + px * static_cast<float>(ry));
                const ImVec2 a1(std::max(a0.x + px, a0.x + 3), std::max(a0.y + px, a0.y + 3));
                draw->AddRect(ImVec2(a0.x - 1, a0.y - 1), ImVec2(a1.x + 1, a1.y + 1), IM_COL32(0, 0, 0, 220), 0, 0, 3.0f * context.ui_scale);
                draw->AddRect(ImVec2(a0.x - 1, a0.y - 1), ImVec2(a1.x + 1, a1.y + 1), LayerColor(a.layer, q.layer), 0, 0,
                              1.5f * context.ui_scale);
            }
        }
        if (hovered && px > 0) {
            const ImVec2 mouse = ImGui::GetIO().MousePos;
            const int mxp = static_cast<int>((mouse.x - mn.x) / px), myp = static_cast<int>((mouse.y - mn.y) / px);
            int t = 0, lx = mxp;
            if (!lm.strip) {
                t = mxp / (static_cast<int>(lm.shape.w) + lm.gap);
                lx = mxp - t * (static_cast<int>(lm.shape.w) + lm.gap);
            }
            const bool inside = lm.strip ? (mxp >= 0 && mxp < lm.shown) : (t >= 0 && t < lm.shown && lx >= 0 && lx < lm.shape.w && myp >= 0 && myp < lm.shape.h);
            if (inside) {
                const int channel = lm.strip ? mxp : t;
                const Index ry = lm.strip ? 0 : myp, rx = lm.strip ? 0 : lx;
                const float v = lm.mosaic.At(mxp, lm.strip ? 0 : myp);
                ImGui::SetTooltip("c=%d, y=%lld, x=%lld: %.4g", channel, LL(ry), LL(rx), static_cast<double>(v));
                if (ImGui::IsMouseClicked(ImGuiMouseButton_Left) && i < stats.layers.size()) {
                    // Back to the stack's own map size (the run may be downscaled).
                    const Index fy = std::min<Index>(st.out.h - 1, (2 * ry + 1) * st.out.h / std::max<Index>(1, 2 * lm.shape.h));
                    const Index fx = std::min<Index>(st.out.w - 1, (2 * rx + 1) * st.out.w / std::max<Index>(1, 2 * lm.shape.w));
                    SetQuery({static_cast<Index>(i), fy, fx});
                    m_scroll_to_query = true;
                }
            }
        }
        ImGui::SetCursorScreenPos(ImVec2(row0.x, row0.y + row_h + 4));
        ImGui::Dummy(ImVec2(avail_w, 0));
    }
    if (plan.prefix < static_cast<Index>(stats.layers.size()) && current) ImGui::TextDisabled("...");
    ImGui::EndChild();
}

// Parameters and MACs per layer as paired bars on a log axis, the chosen layer highlighted.
void CnnPanel::DrawChart(const CnnStats& stats, ImVec2 size) {
    WrappedDisabled(Tr(S::CnnChartNote));
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 box(std::max(avail.x, 80.0f), std::max(std::min(avail.y, size.y), 80.0f));
    ImGui::InvisibleButton("##chart", box);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float font = ImGui::GetFontSize();
    const ImVec2 p0(origin.x + font * 3.4f, origin.y + font * 2.0f), p1(origin.x + box.x - font * 0.5f, origin.y + box.y - font * 2.4f);
    draw->AddRectFilled(p0, p1, IM_COL32(24, 25, 30, 255));
    const Index n = static_cast<Index>(stats.layers.size());
    double top = 1;
    for (const auto& st : stats.layers) top = std::max({top, static_cast<double>(st.parameters), static_cast<double>(st.macs)});
    const int decades = std::max(1, static_cast<int>(std::ceil(std::log10(top))));
    auto y_of = [&](double v) {
        const double t = v <= 1 ? 0.0 : std::log10(v) / decades;
        return p1.y - static_cast<float>(t) * (p1.y - p0.y);
    };
    const ImU32 grid = IM_COL32(255, 255, 255, 24), text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const int step = decades > 8 ? 2 : 1;
    for (int d = 0; d <= decades; d += step) {
        const float y = y_of(std::pow(10.0, d));
        draw->AddLine(ImVec2(p0.x, y), ImVec2(p1.x, y), grid);
        char label[24];
        std::snprintf(label, sizeof label, "1e%d", d);
        const ImVec2 ts = ImGui::CalcTextSize(label);
        draw->AddText(ImVec2(p0.x - ts.x - 4, y - ts.y * 0.5f), text, label);
    }
    const CnnQuery q = ResolvedQuery(stats);
    const float slot = (p1.x - p0.x) / static_cast<float>(std::max<Index>(n, 1));
    const ImU32 param_color = IM_COL32(120, 200, 255, 255), mac_color = IM_COL32(255, 160, 90, 255);
    Index hover = -1;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const int label_every = std::max(1, static_cast<int>(std::ceil(ImGui::CalcTextSize("888").x / std::max(slot, 1.0f))));
    for (Index i = 0; i < n; ++i) {
        const CnnLayerStats& st = stats.layers[static_cast<size_t>(i)];
        const float x = p0.x + slot * static_cast<float>(i);
        if (i == q.layer) draw->AddRectFilled(ImVec2(x, p0.y), ImVec2(x + slot, p1.y), IM_COL32(255, 210, 90, 40));
        if (hovered && mouse.x >= x && mouse.x < x + slot && mouse.y >= p0.y && mouse.y < p1.y) {
            hover = i;
            draw->AddRectFilled(ImVec2(x, p0.y), ImVec2(x + slot, p1.y), IM_COL32(255, 255, 255, 20));
        }
        const float bw = std::max(1.0f, slot * 0.36f), gap = slot * 0.1f;
        if (st.parameters > 0) draw->AddRectFilled(ImVec2(x + gap, y_of(static_cast<double>(st.parameters))), ImVec2(x + gap + bw, p1.y), param_color);
        if (st.macs > 0) draw->AddRectFilled(ImVec2(x + gap + bw, y_of(static_cast<double>(st.macs))), ImVec2(x + gap + 2 * bw, p1.y), mac_color);
        if (i % label_every == 0 || i == q.layer) {
            char label[24];
            std::snprintf(label, sizeof label, "%lld", LL(i + 1));
            const ImVec2 ts = ImGui::CalcTextSize(label);
            draw->AddText(ImVec2(x + (slot - ts.x) * 0.5f, p1.y + 2), i == q.layer ? IM_COL32(255, 210, 90, 255) : text, label);
        }
    }
    draw->AddRect(p0, p1, IM_COL32(70, 72, 84, 255));
    const char* axis = Tr(S::CnnChartLayer);
    const ImVec2 ats = ImGui::CalcTextSize(axis);
    draw->AddText(ImVec2((p0.x + p1.x - ats.x) * 0.5f, p1.y + font * 1.2f), text, axis);
    draw->AddText(ImVec2(origin.x, origin.y), text, Tr(S::CnnChartAxis));
    // Legend, top right, above the plot.
    float lx = p1.x;
    for (const auto& [label, color] : {std::pair<const char*, ImU32>{Tr(S::CnnChartMacs), mac_color}, {Tr(S::CnnChartParameters), param_color}}) {
        const ImVec2 ts = ImGui::CalcTextSize(label);
        lx -= ts.x;
        draw->AddText(ImVec2(lx, origin.y), IM_COL32(230, 230, 235, 255), label);
        lx -= font * 1.1f;
        draw->AddRectFilled(ImVec2(lx, origin.y + font * 0.2f), ImVec2(lx + font * 0.8f, origin.y + font), color);
        lx -= font * 1.2f;
    }
    MarkFigure(origin, ImVec2(origin.x + box.x, origin.y + box.y));
    if (hover >= 0) {
        const CnnLayerStats& st = stats.layers[static_cast<size_t>(hover)];
        ImGui::SetTooltip(Tr(S::CnnChartHover), LL(hover + 1), st.text.c_str(), FormatExact(st.parameters).c_str(), FormatExact(st.macs).c_str());
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
            SelectLayer(stats, hover);
            m_scroll_to_query = true;
        }
    }
}

void CnnPanel::DrawContent(AppContext& context) {
    if (!m_features) m_features = std::make_unique<LatestTask<ForwardKey, CnnFeatureMaps>>(*context.tasks);
    const Analysis& analysis = m_analysis.Get(KeyFor(i18n::CurrentLanguage()), [](const AnalysisKey& k) { return Analyze(k); });
    if (analysis.stats && analysis.stats != m_valid_stats) {
        m_valid_spec = analysis.spec;
        m_valid_stats = analysis.stats;
    }
    const CnnStats* stats = m_valid_stats.get();

    // A fifth of the width, 13.5 to 17 em: the table needs the room at 1280 px.
    BeginEditorColumn(std::clamp(ImGui::GetContentRegionAvail().x * 0.2f / ImGui::GetFontSize(), 13.5f, 17.0f));
    DrawEditors(analysis, stats);
    BeginMainArea();
    if (!stats) {
        WrappedColored(kErrorColor, Tr(S::CnnNoValidStack));
        ImGui::EndChild();
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    // Totals, then the stage table.
    const CnnLayerStats& last = stats->layers.back();
    const std::string field = last.field_y.global ? std::string(Tr(S::CnnGlobal)) : FieldSizeText(last) + " px";
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(kNoteColor, Tr(S::CnnTotals), (FormatExact(stats->parameters) + " (" + FormatSI(static_cast<double>(stats->parameters)) + ")").c_str(),
                       (FormatExact(stats->macs) + " (" + FormatSI(static_cast<double>(stats->macs)) + ")").c_str(), ShapeText(stats->out).c_str(),
                       field.c_str());
    ImGui::PopTextWrapPos();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    // As tall as its rows, up to about a third of the panel (then it scrolls).
    const float row_h = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2;
    const float table_h = std::min(row_h * static_cast<float>(stats->layers.size() + 3) + 4, std::max(avail.y * 0.36f, line * 6));
    DrawTable(*stats, table_h);
    ImGui::TextDisabled("%s", Tr(S::CnnTableHint));

    // The receptive field over the image, and the tabs beside it.
    const ImVec2 rest = ImGui::GetContentRegionAvail();
    const float rf_w = std::min(rest.x * 0.42f, rest.y + line * 2);
    // The figure (File > Export figure): the receptive field with its legend, or the chart when shown.
    const ImVec2 rf_top = ImGui::GetCursorScreenPos();
    MarkFigure(rf_top, ImVec2(rf_top.x + rf_w, rf_top.y + rest.y));
    ImGui::BeginChild("##rf_child", ImVec2(rf_w, rest.y), false, ImGuiWindowFlags_NoScrollbar);
    DrawReceptiveField(context, *stats, ImVec2(rf_w, rest.y));
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##tabs_child", ImVec2(0, rest.y), false);
    if (ImGui::BeginTabBar("##tabs")) {
        if (ImGui::BeginTabItem(Tr(S::CnnTabFeatures), nullptr, m_view == 0 && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!m_force_tab) m_view = 0;
            DrawFeatures(context, *stats, ImGui::GetContentRegionAvail());
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem(Tr(S::CnnTabChart), nullptr, m_view == 1 && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!m_force_tab) m_view = 1;
            DrawChart(*stats, ImGui::GetContentRegionAvail());
            ImGui::EndTabItem();
        }
        m_force_tab = false;
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
    ImGui::EndChild();
}

}  // namespace

LENS_REGISTER_PANEL(CnnPanel, 90, "cnn")

}  // namespace lens::app
