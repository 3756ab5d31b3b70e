// app/panels/cnn/cnn_panel.hpp (private to app/panels/cnn/): the "CNN hierarchy" panel's class and
// what its files share. The panel is a view over the CNN lesson (lens/lessons/cnn_lesson.hpp):
// cnn_panel.cpp holds the fields (declared once), the editors and the layout; cnn_views.cpp the table, the
// receptive field over the image, the feature maps and the chart; cnn_classic_kernels.cpp the
// classic kernels and the image as input (app-side until core has one kernels module).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <lens/cnn.hpp>
#include <lens/image.hpp>
#include <lens/lessons/cnn_lesson.hpp>
#include <lens/memo.hpp>
#include <lens/task.hpp>

#include "../../app_context.hpp"
#include "../../export.hpp"
#include "../../gfx/texture.hpp"
#include "../../widgets/heatmap.hpp"
#include "../../widgets/spec_editor.hpp"
#include "../panel.hpp"

namespace lens::app::cnn {

using i18n::S;
using i18n::Tr;

// [SECTION] Presets, kernels and limits

constexpr const char* kPresetKeys[] = {"notes", "vgg16", "encoder_decoder", "mobilenet_v1", "hybrid"};
constexpr S kPresetNames[] = {S::CnnPresetNotes, S::CnnPresetVgg16, S::CnnPresetEncoderDecoder, S::CnnPresetMobileNet,
                              S::CnnPresetHybrid};
constexpr int kPresetCount = 5;


constexpr Index kMaxInputSide = kCnnLessonMaxInputSide;
// Feature maps run on the worker thread within the lesson's budgets (lens/lessons/cnn_lesson.hpp).
constexpr CnnForwardBudget kBudget{};
constexpr size_t kMaxLayerTextBytes = 8191;  // the layer text

// [SECTION] Text helpers (cnn_panel.cpp)

// printf into a std::string (up to 1 KiB).
std::string Fmt(const char* format, ...);
inline long long LL(Index v) { return static_cast<long long>(v); }
std::string ShapeText(const CnnShape& s);
std::string FieldSizeText(const CnnLayerStats& st);
std::string JumpPairText(const CnnLayerStats& st);
std::string StartText(const CnnLayerStats& st);
// One layer per line: the canonical form is easier to read and edit that way.
std::string MultiLine(const std::vector<CnnLayer>& layers);
// Integer keys that accept any integer, so that 0 or -5 reach Validate and get its sentence.
std::string ParseAnyInteger(const std::string& value, std::int64_t* out);

// [SECTION] Fields (cnn_panel.cpp)

// An integer field whose --list-keys range and editor bounds are [min, max] (what the checks
// honour) but which takes any integer from the command line, so that 0 or -5 reach the checks and
// get their sentence.
Field& CheckedInt(FieldTable& f, std::string key, Label label, std::int64_t* value, std::int64_t min, std::int64_t max,
                  std::string help);

// [SECTION] Analysis (memoised on the layer text, the input size and the language)

struct AnalysisKey {
    CnnLessonSpec spec;
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
Analysis Analyze(const AnalysisKey& key);

// [SECTION] Drawing helpers (cnn_panel.cpp)

// Colour of layer j of 0..last: cyan for the first layers through green and yellow to orange.
ImU32 LayerColor(Index j, Index last);
inline const ImVec4 kErrorColor(1.0f, 0.5f, 0.45f, 1.0f);
inline const ImVec4 kNoteColor(1.0f, 0.8f, 0.4f, 1.0f);
void WrappedDisabled(const char* text);
void WrappedColored(const ImVec4& color, const std::string& text);

// [SECTION] Feature maps: the task's key and work (cnn_classic_kernels.cpp)

struct ForwardKey {
    CnnSpec spec;  // the whole (valid) stack; the task plans what runs
    std::uint64_t image_version = 0;
    int kernel = 0;
    std::int64_t seed = 0;
    bool operator==(const ForwardKey&) const = default;
};

// The feature-map task: the lesson's forward pass on the image, with the chosen kernels.
CnnFeatureMaps ComputeFeatures(const ForwardKey& key, std::shared_ptr<const Image> image, TaskContext& context);

// [SECTION] The panel

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
    // Every key, its label, range, help and editor (cnn_panel.cpp).
    void DeclareFields(FieldTable& f) override;
    void DrawContent(AppContext& context) override;

private:
    AnalysisKey KeyFor(i18n::Language language) const { return {m_spec, language}; }

    // Loads a preset's stack, one layer a line, with the default query; false for an unknown key.
    bool ApplyPreset(const std::string& key) {
        auto spec = FindCnnPreset(key);
        if (!spec) return false;
        m_spec = {MultiLine(spec->layers), spec->in_h, spec->in_w, spec->in_channels};
        m_query_set[0] = m_query_set[1] = m_query_set[2] = false;
        m_scroll_to_query = true;
        return true;
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

    // What the fields point at (DeclareFields): the stack as typed, and the view settings.
    CnnLessonSpec m_spec;
    std::string m_preset;  // the preset the stack equals (the analysis's), "" for custom
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

}  // namespace lens::app::cnn
