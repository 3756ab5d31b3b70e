// app/panels/attention_panel.cpp: "Attention". Tokens from text or from the image's patches,
// X X^T X and its rank, Q/K/V, the softmax heatmaps per head with hover, the output, the attention
// of one query drawn over the image, the same attention as a structured matrix on vec X, and the
// entropy against the weight scale with and without QK LayerNorm (ViT-22B's fix), all computed.
//
// [SECTION] Spec and keys
// [SECTION] Drawing
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <lens/attention.hpp>
#include <lens/lessons/attention_lesson.hpp>
#include <lens/tokens.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../gfx/texture.hpp"
#include "../widgets/animation_controls.hpp"
#include "../widgets/colorbar.hpp"
#include "../widgets/heatmap.hpp"
#include "../widgets/matrix_canvas.hpp"
#include "../widgets/paragraph.hpp"
#include "../widgets/plot.hpp"
#include "../widgets/spec_editor.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

// [SECTION] Spec and keys

// The lesson's spec plus what only the panel needs: the query drawn over the image and the
// image's version (part of the task key).
struct AttentionPanelSpec : AttentionLessonSpec {
    std::int64_t query = 0;          // the query token whose attention row is shown over the image
    std::uint64_t image_version = 0;
    bool operator==(const AttentionPanelSpec&) const = default;
};

// The entropy against the weight scale, with and without QK norm: depends on the tokens, the
// projections, heads and mask, not on the current weight scale or QK-norm toggle.
struct CurveKey {
    AttentionPrepKey prep;
    Index heads = 0;
    bool causal = false;
    bool operator==(const CurveKey&) const = default;
};

using Computed = AttentionLessonResult;

// Token k's label in the UI language: the word for text, "patch (row, column)" for image patches.
std::string TokenLabel(const TokenSet& tokens, Index k) {
    if (tokens.grid_cols > 0) return Printf(Tr(S::AttnPatchLabel), static_cast<long long>(k / tokens.grid_cols), static_cast<long long>(k % tokens.grid_cols));
    return tokens.labels[static_cast<size_t>(k)];
}

class AttentionPanel final : public Panel {
public:
    AttentionPanel() { ApplyPreset("teaching"); }

    const char* Id() const override { return "attention"; }
    i18n::S Title() const override { return S::PanelAttention; }
    bool Busy() const override {
        return (m_task && m_task->Busy()) || (m_curves && m_curves->Busy()) || (m_canvas && m_tab == 1 && m_canvas->Busy());
    }
    float Progress() const override { return m_task ? m_task->Progress() : 0; }
    bool Animating() const override { return m_anim.Playing(); }

    // The lesson's work cap (kAttentionLessonMaxMacs), checked before any export or screenshot so
    // that an over-large spec exits 2 instead of exporting nothing.
    std::vector<SpecIssue> WorkCap(Index tokens, Index width) const {
        const Count macs = AttentionLessonMacs(tokens, width, m_spec.attention.d_model, m_spec.attention.projection != ProjectionKind::Identity);
        if (macs <= kAttentionLessonMaxMacs) return {};
        return {{m_spec.source == 0 ? "text" : "patch", FormatExact(tokens) + " tokens of " + FormatExact(width) + " values need " +
                                                            FormatExact(macs) + " multiply-accumulates, more than the limit of " +
                                                            FormatExact(kAttentionLessonMaxMacs) +
                                                            "; use fewer or smaller tokens (resize, patch) or a smaller d_model"}};
    }

    std::string ValidateForImage(const Image& image) override {
        if (m_spec.source == 0 || m_spec.patch < 1) return {};
        const Index rows = m_spec.resize > 0 ? m_spec.resize : image.height;
        const Index cols = m_spec.resize > 0 ? m_spec.resize : image.width;
        const Index tokens = (rows / m_spec.patch) * (cols / m_spec.patch);
        return JoinIssues(WorkCap(tokens, m_spec.patch * m_spec.patch * 3));
    }

    std::string ValidateKeys() override {
        std::vector<SpecIssue> issues;
        if (m_spec.source == 0) {
            TextTokensSpec t;
            t.width = m_spec.attention.d_model;
            auto tokens = TextTokens(m_spec.text, t, &issues);
            if (tokens) Append(issues, Validate(m_spec.attention, tokens->Tokens(), tokens->Width()));
            if (tokens) Append(issues, WorkCap(tokens->Tokens(), tokens->Width()));
        } else {
            PatchTokensSpec p;
            p.patch = m_spec.patch;
            const Index side = m_spec.resize;
            if (side > 0) {
                auto grid = PatchGridOf(side, side, p, &issues);
                if (grid) Append(issues, Validate(m_spec.attention, grid->Tokens() == 0 ? grid->grid_rows * grid->grid_cols : grid->Tokens(), m_spec.patch * m_spec.patch * 3));
            }
        }
        if (m_spec.attention.projection == ProjectionKind::File) {
            std::vector<SpecIssue> load;
            LoadAttentionWeights(m_spec.attention, m_spec.source == 0 ? m_spec.attention.d_model : m_spec.patch * m_spec.patch * 3, &load);
            Append(issues, load);
        }
        return JoinIssues(issues);
    }

    std::string ValidateInputFiles() override { return JoinIssues(CheckAttentionWeightFiles(m_spec.attention)); }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        TaskContext none;
        VisitFigures(ComputeAttentionLesson(m_spec, context.image.get(), none), sink);
    }

protected:
    void DeclareFields(FieldTable& f) override {
        const auto image = [this] { return m_spec.source == kAttentionSourceImage; };
        const auto file = [this] { return m_spec.attention.projection == ProjectionKind::File; };
        f.Preset("preset", S::FcPreset,
                 {{"teaching", S::AttnPresetTeaching}, {"uniform", S::AttnPresetUniform}, {"sharp", S::AttnPresetSharp},
                  {"qk_norm", S::AttnPresetQkNorm}, {"image", S::AttnPresetImage}},
                 &m_preset, [this](const std::string& key) { return ApplyPreset(key); }, "load a case (applied before other keys)");
        f.Choice("source", S::AttnSource, &m_spec.source, {{"text", S::AttnSourceText}, {"image", S::AttnSourceImage}},
                 "tokens from text or from the image's patches")
            .EditWith(Editor::RadioRow);
        f.Text("text", S::AttnTextInput, &m_spec.text, static_cast<size_t>(kMaxTextBytes), "the text (source=text)")
            .EditWith(Editor::MultilineText)
            .VisibleWhen([image] { return !image(); });
        f.Int("patch", S::AttnPatch, &m_spec.patch, 1, kMaxPatch, "patch size P (source=image)").VisibleWhen(image);
        f.Int("resize", S::AttnResize, &m_spec.resize, 0, 4096, "image edge before patching (0 = own size)").VisibleWhen(image);
        f.Bool("positions", S::AttnPositions, &m_spec.positions, "add sinusoidal positions");
        f.Int("d_model", "d_model", &m_spec.attention.d_model, 1, kMaxTokenWidth,
              "width of Q, K, V (= token width with identity; random and file projections: at most " + FormatExact(kAttentionMaxWidth) + ")");
        f.Int("heads", S::BlockHeads, &m_spec.attention.heads, 1, 1 << 12, "attention heads (divide d_model)");
        f.Choice("projection", S::AttnProjection, &m_spec.attention.projection,
                 {{"identity", S::AttnProjIdentity}, {"random", S::AttnProjRandom}, {"file", S::AttnProjFile}}, "Q, K, V projections");
        f.Text("wq", "Wq (.npy)", &m_spec.attention.wq, 4096, ".npy of Wq (projection=file)").VisibleWhen(file);
        f.Text("wk", "Wk (.npy)", &m_spec.attention.wk, 4096, ".npy of Wk (projection=file)").VisibleWhen(file);
        f.Text("wv", "Wv (.npy)", &m_spec.attention.wv, 4096, ".npy of Wv (projection=file)").VisibleWhen(file);
        // The animation: the logits grow with the square of the scale, and the softmax sharpens
        // (unless QK LayerNorm is on, where the scale cancels).
        f.Float("weight_scale", S::AttnWeightScale, &m_spec.attention.weight_scale, 0.0, 100.0, "multiplies Wq and Wk")
            .Logarithmic()
            .Animation({}, 0.0, 8.0);
        f.Bool("qk_norm", S::AttnQkNorm, &m_spec.attention.qk_norm, "LayerNorm on queries and keys");
        f.Bool("causal", S::AttnCausal, &m_spec.attention.causal, "query n sees keys 0..n only");
        f.Seed("seed", S::ConvSeed, &m_spec.attention.seed, "seed of tokens and projections");
        // View settings: the query's slider is bounded by the tokens of the shown result, the tab
        // bar is the view's editor.
        f.Int("query", S::AttnQuery, &m_spec.query, 0, kMaxTokens - 1, "query token shown over the image").EditWith(Editor::None).Display();
        f.Choice("colour_scale", S::AttnColourScale, &m_scale_auto, {{"fixed", S::AttnScaleFixed}, {"auto", S::AttnScaleAuto}},
                 "fixed: attention on 0..1, logits on -logit_limit..logit_limit; auto: each figure's own range")
            .Display();
        f.Float("logit_limit", S::AttnLogitLimit, &m_logit_limit, 0.1, 1000.0, "ends of the fixed logit scale (colour_scale=fixed)")
            .Logarithmic()
            .Display();
        f.Choice("view", S::AttnView, &m_tab, {{"heatmaps", S::AttnTabHeatmaps}, {"matrix", S::AttnTabMatrix}}, "which tab is shown")
            .EditWith(Editor::None)
            .Display()
            .OnSet([this] { m_force_tab = true; });
    }

    void DrawContent(AppContext& context) override;

private:
    // The teaching default shows structure: seeded-random projections at weight scale 1 give
    // near-uniform attention (mean entropy 2.602 against 2.639 uniform on the default text), so the
    // default scales Wq, Wk by kTeachingWeightScale. The other presets contrast it.
    static constexpr float kTeachingWeightScale = 3.0f;
    bool ApplyPreset(const std::string& key) {
        AttentionPanelSpec spec;
        spec.attention.d_model = 64;
        spec.attention.heads = 4;
        spec.attention.projection = ProjectionKind::Random;
        spec.attention.weight_scale = kTeachingWeightScale;
        if (key == "uniform") {
            spec.attention.weight_scale = 0.1f;
        } else if (key == "sharp") {
            spec.attention.weight_scale = 8.0f;
        } else if (key == "qk_norm") {
            spec.attention.weight_scale = 8.0f;
            spec.attention.qk_norm = true;
        } else if (key == "image") {
            spec.source = kAttentionSourceImage;
        } else if (key != "teaching") {
            return false;
        }
        spec.query = m_spec.query;
        m_spec = spec;
        m_preset = key;
        return true;
    }

    static void Append(std::vector<SpecIssue>& to, const std::vector<SpecIssue>& from) { to.insert(to.end(), from.begin(), from.end()); }

    void DrawEditors(const Computed* c);
    void DrawHeatmaps(AppContext& context, const Computed& c, ImVec2 avail);
    void DrawOverlay(AppContext& context, const Computed& c, ImVec2 size);
    void DrawTokenAxes(const Computed& c, ImVec2 min, ImVec2 max, std::optional<std::pair<Index, Index>> hover);
    ValueScale ProbabilityScaleOf(const Computed& c) const;

    AttentionPanelSpec m_spec;
    std::string m_preset;
    int m_scale_auto = 0;         // colour scales: 0 fixed (probabilities 0..1, logits +-limit), 1 each figure's own
    float m_logit_limit = 8.0f;   // the fixed logit scale's ends
    int m_tab = 0;
    bool m_force_tab = true;
    std::unique_ptr<LatestTask<AttentionPanelSpec, Computed>> m_task;
    std::unique_ptr<LatestTask<CurveKey, AttentionCurves>> m_curves;
    std::shared_ptr<AttentionPreparedCache> m_cache = std::make_shared<AttentionPreparedCache>();
    std::unique_ptr<MatrixCanvas> m_canvas;
    AnimationControls m_anim;  // the softmax sharpening: weight_scale 0 -> 8
    Heatmap m_x_map, m_scores_map, m_attention_map, m_output_map;
    std::vector<Heatmap> m_head_maps = std::vector<Heatmap>(16);
    gfx::CachedTexture m_image_texture;
    std::uint64_t m_image_version_uploaded = 0;
};

// [SECTION] Drawing

void AttentionPanel::DrawEditors(const Computed* c) {
    const std::vector<SpecIssue> none;
    DrawSpecFields(c ? c->issues : none);
    DrawDisplayFields();
    if (c && c->result) {
        const AttentionResult& r = *c->result;
        int query = static_cast<int>(std::min<std::int64_t>(m_spec.query, r.tokens - 1));
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
        if (ImGui::SliderInt(Tr(S::AttnQuery), &query, 0, static_cast<int>(r.tokens - 1))) m_spec.query = query;
        ImGui::Separator();
        ImGui::PushTextWrapPos(0);
        ImGui::Text(Tr(S::AttnTokens), static_cast<long long>(r.tokens), static_cast<long long>(c->prep->tokens.Width()),
                    static_cast<long long>(r.d_model), static_cast<long long>(r.heads), static_cast<long long>(r.d_head));
        if (c->prep->weightless)
            ImGui::Text(Tr(S::AttnRank), static_cast<long long>(c->prep->weightless->rows), static_cast<long long>(c->prep->weightless->cols),
                        static_cast<long long>(c->prep->weightless->rank), static_cast<long long>(c->prep->weightless->bound));
        ImGui::Text(Tr(S::AttnEntropy), r.mean_entropy, r.uniform_entropy);
        ImGui::TextDisabled(Tr(S::AttnRecomputeTime), c->attend_ms);
        ImGui::PopTextWrapPos();
    }
}

void AttentionPanel::DrawOverlay(AppContext& context, const Computed& c, ImVec2 size) {
    const AttentionResult& r = *c.result;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const Index n = r.tokens;
    const Index q = std::clamp<Index>(m_spec.query, 0, n - 1);
    if (m_spec.source == 1 && c.prep->tokens.grid_cols > 0) {
        // The image as patched (resized), with the query patch's attention row over it.
        const Image& image = *context.image;
        if (m_image_version_uploaded != context.image_version + 1) {
            m_image_texture.Sync(context.image_version + 1, image.width, image.height, gfx::PixelFormat::Rgb8, image.rgb.data());
            m_image_version_uploaded = context.image_version + 1;
        }
        // Square patches, the grid fitted into the box with its aspect ratio.
        const float cell = std::min(size.x / static_cast<float>(c.prep->tokens.grid_cols), size.y / static_cast<float>(c.prep->tokens.grid_rows));
        const float cw = cell, ch = cell;
        const ImVec2 extent(cell * static_cast<float>(c.prep->tokens.grid_cols), cell * static_cast<float>(c.prep->tokens.grid_rows));
        const ImVec2 max(origin.x + extent.x, origin.y + extent.y);
        // The image covers the patched area minus padding (cropping drops part of the image instead).
        const float used_w = extent.x * static_cast<float>(c.prep->tokens.covered_width - c.prep->tokens.pad_right) / static_cast<float>(c.prep->tokens.covered_width);
        const float used_h = extent.y * static_cast<float>(c.prep->tokens.covered_height - c.prep->tokens.pad_bottom) / static_cast<float>(c.prep->tokens.covered_height);
        const float uv_x = c.prep->tokens.crop_right > 0 ? 1.0f - static_cast<float>(c.prep->tokens.crop_right) / static_cast<float>(c.prep->tokens.covered_width + c.prep->tokens.crop_right) : 1.0f;
        const float uv_y = c.prep->tokens.crop_bottom > 0 ? 1.0f - static_cast<float>(c.prep->tokens.crop_bottom) / static_cast<float>(c.prep->tokens.covered_height + c.prep->tokens.crop_bottom) : 1.0f;
        ImGui::InvisibleButton("##overlay", extent);
        const bool hovered = ImGui::IsItemHovered();
        draw->AddImage(m_image_texture.Get().ImId(), origin, ImVec2(origin.x + used_w, origin.y + used_h), ImVec2(0, 0), ImVec2(uv_x, uv_y));
        const auto row = r.Attention(0).row(q);
        // On the softmax map's scale (0..1 fixed): near-uniform attention stays dark everywhere.
        const float peak = static_cast<float>(std::max(ProbabilityScaleOf(c).hi, 1e-9));
        for (Index k = 0; k < n; ++k) {
            const float a = std::min(row(k) / peak, 1.0f);
            const Index gy = k / c.prep->tokens.grid_cols, gx = k % c.prep->tokens.grid_cols;
            const ImVec2 p0(origin.x + cw * static_cast<float>(gx), origin.y + ch * static_cast<float>(gy));
            // Darken what the query ignores, so what it attends to shows through.
            draw->AddRectFilled(p0, ImVec2(p0.x + cw, p0.y + ch), IM_COL32(10, 10, 20, static_cast<int>(220 * (1 - a))));
        }
        const Index qy = q / c.prep->tokens.grid_cols, qx = q % c.prep->tokens.grid_cols;
        const ImVec2 q0(origin.x + cw * static_cast<float>(qx), origin.y + ch * static_cast<float>(qy));
        draw->AddRect(q0, ImVec2(q0.x + cw, q0.y + ch), IM_COL32(255, 210, 80, 255), 0, 0, 2.5f);
        draw->AddRect(origin, max, IM_COL32(90, 90, 100, 255));
        if (hovered) {
            const ImVec2 mouse = ImGui::GetIO().MousePos;
            const Index gx = std::clamp<Index>(static_cast<Index>((mouse.x - origin.x) / cw), 0, c.prep->tokens.grid_cols - 1);
            const Index gy = std::clamp<Index>(static_cast<Index>((mouse.y - origin.y) / ch), 0, c.prep->tokens.grid_rows - 1);
            const Index k = gy * c.prep->tokens.grid_cols + gx;
            ImGui::SetTooltip(Tr(S::AttnOverlayHover), static_cast<long long>(k), TokenLabel(c.prep->tokens, k).c_str(),
                              static_cast<double>(row(k)));
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_spec.query = k;
        }
    } else {
        // Text: the tokens as a sentence, each shaded by the query's attention.
        const auto row = r.Attention(0).row(q);
        const float peak = static_cast<float>(std::max(ProbabilityScaleOf(c).hi, 1e-9));
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + size.x);
        float x = origin.x, y = origin.y;
        const float line = ImGui::GetTextLineHeightWithSpacing() * 1.3f;
        for (Index k = 0; k < n; ++k) {
            const std::string& label = c.prep->tokens.labels[static_cast<size_t>(k)];
            const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
            if (x + ts.x + 8 > origin.x + size.x) {
                x = origin.x;
                y += line;
            }
            const float a = std::min(row(k) / peak, 1.0f);
            draw->AddRectFilled(ImVec2(x, y), ImVec2(x + ts.x + 8, y + ts.y + 4), IM_COL32(255, 170, 60, static_cast<int>(230 * a)), 4);
            if (k == q) draw->AddRect(ImVec2(x, y), ImVec2(x + ts.x + 8, y + ts.y + 4), IM_COL32(120, 200, 255, 255), 4, 0, 2);
            draw->AddText(ImVec2(x + 4, y + 2), IM_COL32(240, 240, 245, 255), label.c_str());
            x += ts.x + 12;
        }
        ImGui::PopTextWrapPos();
        ImGui::Dummy(ImVec2(size.x, y - origin.y + line));
    }
}

// Text drawn rotated a quarter turn counter-clockwise, reading upwards from `at` (its baseline's
// start): column labels of a matrix.
void AddTextUpwards(ImDrawList* draw, ImVec2 at, ImU32 color, const char* text) {
    const int start = draw->VtxBuffer.Size;
    draw->AddText(at, color, text);
    for (int i = start; i < draw->VtxBuffer.Size; ++i) {
        ImVec2& p = draw->VtxBuffer[i].pos;
        const float dx = p.x - at.x, dy = p.y - at.y;
        p = ImVec2(at.x + dy, at.y - dx);
    }
}

// A token's axis label: the word (at most 10 characters) or "r,c" for a patch.
std::string AxisLabel(const TokenSet& tokens, Index k) {
    if (tokens.grid_cols > 0) return std::to_string(k / tokens.grid_cols) + "," + std::to_string(k % tokens.grid_cols);
    std::string label = tokens.labels[static_cast<size_t>(k)];
    if (label.size() > 10) label = label.substr(0, 9) + "~";
    return label;
}

// Attention weights on viridis: an exact 0 (underflow, a masked key) is the bottom of the map, not
// the "structural zero" dark of the matrix canvas.
gfx::ColormapParams ProbabilityParams(const ValueScale& scale) {
    gfx::ColormapParams params = ColormapParamsFor(gfx::Colormap::Viridis, scale);
    gfx::ColormapColor(gfx::Colormap::Viridis, 0.0f, params.zero_rgba);
    params.zero_rgba[3] = 1.0f;
    return params;
}

ValueScale AttentionPanel::ProbabilityScaleOf(const Computed& c) const {
    return ProbabilityScale(m_scale_auto != 0, static_cast<double>(c.attention_peak));
}

void AttentionPanel::DrawTokenAxes(const Computed& c, ImVec2 min, ImVec2 max, std::optional<std::pair<Index, Index>> hover) {
    // Token labels: queries down the left, keys rotated along the top; every k-th when rows are
    // thinner than a line of text.
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const Index n = c.result->tokens;
    const float cell = (max.y - min.y) / static_cast<float>(n);
    const float line = ImGui::GetTextLineHeight();
    const Index step = std::max<Index>(1, static_cast<Index>(std::ceil(line / std::max(cell, 1e-3f))));
    const ImU32 normal = ImGui::GetColorU32(ImGuiCol_TextDisabled), lit = IM_COL32(255, 215, 110, 255);
    for (Index k = 0; k < n; ++k) {
        const bool hovered_row = hover && hover->first == k, hovered_col = hover && hover->second == k;
        const bool regular = k % step == 0;
        if (!regular && !hovered_row && !hovered_col) continue;
        const std::string label = AxisLabel(c.prep->tokens, k);
        const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
        const float centre = static_cast<float>(k) * cell + cell * 0.5f;
        if (regular || hovered_row)
            draw->AddText(ImVec2(min.x - ts.x - 4, min.y + centre - ts.y * 0.5f), hovered_row ? lit : normal, label.c_str());
        if (regular || hovered_col)
            AddTextUpwards(draw, ImVec2(min.x + centre - ts.y * 0.5f, min.y - 4), hovered_col ? lit : normal, label.c_str());
    }
}

void AttentionPanel::DrawHeatmaps(AppContext& context, const Computed& c, ImVec2 avail) {
    const AttentionResult& r = *c.result;
    const float gap = ImGui::GetFontSize();
    const float label_h = ImGui::GetTextLineHeightWithSpacing();
    const Index n = r.tokens;
    // Room for the token labels of the softmax map (the widest label, at most 6 em).
    float margin = 0;
    for (Index k = 0; k < n; ++k) margin = std::max(margin, ImGui::CalcTextSize(AxisLabel(c.prep->tokens, k).c_str()).x);
    margin = std::min(margin, ImGui::GetFontSize() * 6) + 8;
    const float top_h = std::min((avail.x - 3 * gap) / 3.2f + margin, avail.y * 0.5f);
    const float soft_w = std::min((avail.x - 3 * gap) * 0.36f, top_h - label_h + margin);
    const float w3 = (avail.x - 3 * gap - soft_w) / 3;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const std::uint64_t gen = m_task->Generation();
    const bool automatic = m_scale_auto != 0;
    const ValueScale probability = ProbabilityScaleOf(c);
    // Fixed: logits always on -limit..limit, so their growth with the weight scale shows (and QK
    // LayerNorm's cap); auto: the figure's own symmetric range.
    const double limit = std::max(static_cast<double>(m_logit_limit), 1e-6);
    const ValueScale logits = automatic ? SymmetricScale(c.scores_range) : ValueScale{-limit, limit, ScaleKind::Linear};
    const float xs[4] = {top.x, top.x + w3 + gap, top.x + 2 * (w3 + gap), top.x + 2 * (w3 + gap) + soft_w + gap};
    const float widths[4] = {w3, w3, soft_w, w3};
    auto title = [&](int i, S id) {
        // Clipped to its own column: long titles never run into the next one.
        ImGui::PushClipRect(ImVec2(xs[i], top.y), ImVec2(xs[i] + widths[i] - 4, top.y + label_h), true);
        ImGui::SetCursorScreenPos(ImVec2(xs[i], top.y));
        ImGui::TextUnformatted(Tr(id));
        ImGui::PopClipRect();
    };
    auto cell = [&](int i, S id, Heatmap& map, const Grid<float>& grid, gfx::Colormap colormap, const ValueScale& scale, S caption) {
        title(i, id);
        ImGui::SetCursorScreenPos(ImVec2(xs[i], top.y + label_h));
        HeatmapBar bar;
        bar.caption = Tr(caption);
        map.Draw(Tr(id), grid, gen, ImVec2(w3, top_h - label_h), ColormapParamsFor(colormap, scale), nullptr, nullptr, bar);
    };
    cell(0, S::AttnX, m_x_map, c.x_grid, gfx::Colormap::Diverging, SymmetricScale(c.x_range), S::AttnBarValue);
    if (!c.scores_grid.Empty()) cell(1, S::AttnScores, m_scores_map, c.scores_grid, gfx::Colormap::Diverging, logits, S::AttnBarLogit);
    // The softmax with token labels on both axes, the hovered cell outlined, its row and column lit.
    title(2, S::AttnSoftmax);
    ImGui::SetCursorScreenPos(ImVec2(xs[2] + margin, top.y + label_h + margin));
    HeatmapBar soft_bar;
    soft_bar.caption = Tr(S::AttnBarProbability);
    ImVec2 amn, amx;
    m_attention_map.Draw(Tr(S::AttnSoftmax), c.attention_grid, gen, ImVec2(soft_w - margin, top_h - label_h - margin),
                         ProbabilityParams(probability), &amn, &amx, soft_bar);
    cell(3, S::AttnOutput, m_output_map, c.output_grid, gfx::Colormap::Diverging, SymmetricScale(c.output_range), S::AttnBarValue);
    std::optional<std::pair<Index, Index>> hover;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    if (mouse.x >= amn.x && mouse.y >= amn.y && mouse.x < amx.x && mouse.y < amx.y && ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem)) {
        const Index qi = std::clamp<Index>(static_cast<Index>((mouse.y - amn.y) / (amx.y - amn.y) * static_cast<float>(n)), 0, n - 1);
        const Index ki = std::clamp<Index>(static_cast<Index>((mouse.x - amn.x) / (amx.x - amn.x) * static_cast<float>(n)), 0, n - 1);
        hover = std::make_pair(qi, ki);
        const float cw = (amx.x - amn.x) / static_cast<float>(n), ch = (amx.y - amn.y) / static_cast<float>(n);
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImVec2 c0(amn.x + cw * static_cast<float>(ki), amn.y + ch * static_cast<float>(qi));
        draw->AddRectFilled(ImVec2(amn.x, c0.y), ImVec2(amx.x, c0.y + ch), IM_COL32(255, 255, 255, 40));
        draw->AddRectFilled(ImVec2(c0.x, amn.y), ImVec2(c0.x + cw, amx.y), IM_COL32(255, 255, 255, 40));
        draw->AddRect(ImVec2(c0.x - 1, c0.y - 1), ImVec2(c0.x + cw + 1, c0.y + ch + 1), IM_COL32(255, 215, 110, 255), 0, 0, 2.0f);
        ImGui::SetTooltip(Tr(S::AttnHover), static_cast<long long>(qi), TokenLabel(c.prep->tokens, qi).c_str(),
                          static_cast<long long>(ki), TokenLabel(c.prep->tokens, ki).c_str(),
                          static_cast<double>(r.Attention(0)(qi, ki)));
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_spec.query = qi;
    }
    DrawTokenAxes(c, amn, amx, hover);
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + top_h));

    // Per-head small multiples on a square grid, one colour bar for all (one scale), and the
    // query's attention over the image or text.
    const float bottom_y = top.y + top_h + gap * 0.5f;
    const float bottom_h = avail.y - top_h - gap * 0.5f;
    const float heads_w = avail.x * 0.5f - gap;
    const int shown = static_cast<int>(c.head_grids.size());
    const int cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(shown)))));
    const int rows = (shown + cols - 1) / cols;
    ColorbarSpec heads_bar;
    heads_bar.map = gfx::Colormap::Viridis;
    heads_bar.scale = probability;
    heads_bar.caption = Tr(S::AttnBarProbability);
    const float bar_h = ColorbarHeight(std::min(heads_w, ImGui::GetFontSize() * 22), heads_bar) + 6;
    const float cell_w = std::max(8.0f, std::min(heads_w / static_cast<float>(cols), (bottom_h - label_h - bar_h) / static_cast<float>(std::max(rows, 1))));
    ImGui::SetCursorScreenPos(ImVec2(top.x, bottom_y));
    ImGui::TextDisabled(Tr(S::AttnHeads), static_cast<long long>(r.heads));
    const gfx::ColormapParams head_params = ProbabilityParams(probability);
    HeatmapBar no_bar;
    no_bar.show = false;
    for (int h = 0; h < shown; ++h) {
        ImGui::SetCursorScreenPos(ImVec2(top.x + static_cast<float>(h % cols) * cell_w, bottom_y + label_h + static_cast<float>(h / cols) * cell_w));
        m_head_maps[static_cast<size_t>(h)].Draw(("h" + std::to_string(h)).c_str(), c.head_grids[static_cast<size_t>(h)], gen,
                                                 ImVec2(cell_w - 4, cell_w - 4), head_params, nullptr, nullptr, no_bar);
    }
    ImGui::SetCursorScreenPos(ImVec2(top.x, bottom_y + label_h + static_cast<float>(rows) * cell_w + 2));
    Colorbar("heads_bar", std::min(heads_w, ImGui::GetFontSize() * 22), heads_bar);
    const float right_x = top.x + avail.x * 0.5f;
    const float right_w = avail.x * 0.5f;
    ImGui::SetCursorScreenPos(ImVec2(right_x, bottom_y));
    ImGui::TextDisabled(Tr(S::AttnQueryRow), static_cast<long long>(std::clamp<Index>(m_spec.query, 0, r.tokens - 1)),
                        TokenLabel(c.prep->tokens, std::clamp<Index>(m_spec.query, 0, r.tokens - 1)).c_str());
    ImGui::SetCursorScreenPos(ImVec2(right_x, bottom_y + label_h));
    const float plot_h = bottom_h * 0.5f;
    DrawOverlay(context, c, ImVec2(right_w * 0.48f, bottom_h - label_h));
    // Entropy against weight scale, with and without QK norm.
    ImGui::SetCursorScreenPos(ImVec2(right_x + right_w * 0.5f, bottom_y + label_h));
    PlotSeries plain, normed;
    plain.label = Tr(S::AttnCurvePlain);
    plain.color = IM_COL32(255, 140, 100, 255);
    normed.label = Tr(S::AttnCurveQkNorm);
    normed.color = IM_COL32(120, 200, 255, 255);
    static const AttentionCurves kNone;
    const AttentionCurves& curves = m_curves && m_curves->Current() ? *m_curves->Current() : kNone;
    for (size_t i = 0; i < curves.scales.size(); ++i) {
        if (i < curves.plain.size()) {
            plain.x.push_back(curves.scales[i]);
            plain.y.push_back(curves.plain[i]);
        }
        if (i < curves.qk_norm.size()) {
            normed.x.push_back(curves.scales[i]);
            normed.y.push_back(curves.qk_norm[i]);
        }
    }
    const PlotSeries series[] = {plain, normed};
    const PlotLine lines[] = {{r.uniform_entropy, Tr(S::AttnUniform), IM_COL32(200, 200, 200, 150)}};
    PlotAxes axes;
    axes.log_x = true;
    axes.x_label = Tr(S::AttnWeightScale);
    axes.y_label = Tr(S::AttnEntropyAxis);
    axes.legend_outside = true;
    (void)plot_h;
    LinePlot("entropy", ImVec2(right_w * 0.5f, bottom_h - label_h), series, axes, lines);
}

void AttentionPanel::DrawContent(AppContext& context) {
    if (!m_task) {
        m_task = std::make_unique<LatestTask<AttentionPanelSpec, Computed>>(*context.tasks);
        m_curves = std::make_unique<LatestTask<CurveKey, AttentionCurves>>(*context.tasks);
        m_canvas = std::make_unique<MatrixCanvas>(*context.tasks);
    }
    AttentionPanelSpec key = m_spec;
    key.query = 0;  // the query only changes what is drawn, not what is computed
    key.image_version = m_spec.source == 1 ? context.image_version : 0;
    auto image = context.image;
    auto cache = m_cache;
    const std::uint64_t version = key.image_version;
    m_task->Request(key, [key, image, cache, version](TaskContext& task) { return AttendLesson(key, cache->Get(key, image, version, task), task); });
    m_task->Poll();
    const CurveKey curve_key{AttentionPrepKeyOf(key, version), key.attention.heads, key.attention.causal};
    m_curves->Request(curve_key, [key, image, cache, version](TaskContext& task) {
        return ComputeAttentionCurves(key, *cache->Get(key, image, version, task), task);
    });
    m_curves->Poll();
    const Computed* c = m_task->Current();

    BeginEditorColumn();
    DrawEditors(c);
    ErrorText(m_task->Error());
    BeginMainArea();
    if (c && !c->result) {
        SpecIssueList(c->issues);
    }
    if (c && c->result && ImGui::BeginTabBar("##tabs")) {
        if (ImGui::BeginTabItem(Tr(S::AttnTabHeatmaps), nullptr, m_tab == 0 && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!m_force_tab) m_tab = 0;
            m_anim.Draw(Fields(), *Fields().Find("weight_scale"), 0, 6.0f);
            DrawHeatmaps(context, *c, ImGui::GetContentRegionAvail());
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem(Tr(S::AttnTabMatrix), nullptr, m_tab == 1 && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!m_force_tab) m_tab = 1;
            ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x);
            ImGui::TextUnformatted(Tr(S::AttnMatrixNote));
            ImGui::PopTextWrapPos();
            ImGui::PopStyleColor();
            const ImVec2 avail = ImGui::GetContentRegionAvail();
            const ImVec2 top = ImGui::GetCursorScreenPos();
            CanvasOptions options;
            options.coloring = CanvasColoring::Value;
            options.row_title = Tr(S::AttnMatrixRows);
            options.col_title = Tr(S::AttnMatrixCols);
            // Entries are A[n, m] * Wv[j, f]: scale the diverging map by their typical magnitude.
            const float wv = m_spec.attention.projection == ProjectionKind::Identity ? 1.0f
                                                                                     : 1.0f / std::sqrt(static_cast<float>(c->prep->tokens.Width()));
            options.value_range = std::max(c->attention_peak * wv, 1e-6f);
            options.row_block = c->result->d_head;
            options.col_block = c->prep->tokens.Width();
            m_canvas->Draw("attention_matrix", c->operator_head0, m_task->Generation(), avail, options);
            MarkFigure(top, ImVec2(top.x + avail.x, top.y + avail.y));
            ImGui::EndTabItem();
        }
        m_force_tab = false;
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
}

}  // namespace

LENS_REGISTER_PANEL(AttentionPanel, 60, "attention")

}  // namespace lens::app
