// app/panels/swin_panel.cpp: "Swin". The notes' "(3C) SWIN Transformer" over a real image: the patch
// grid and the window grid of any stage, regular or shifted windows with the cyclic shift played
// token by token (the image rolls, wrapping around, until the shifted windows are regular again),
// windows coloured by region label; a window's M^2 x M^2 mask and relative position index, and its
// masked attention drawn over the image; patch merging step by step (x0..x3, 4C, LayerNorm, 2C) with
// its operator on the canvas and the 56 -> 28 -> 14 -> 7 hierarchy; the stage table of Swin-T/S/B/L
// and the global against window attention cost as the image grows.
//
// Frames (said out loud, they decide every picture): the window grid is the padded grid of the
// chosen stage; the "rolled frame" is the grid after torch.roll(-s): rolled position p holds the
// token from (p + s) mod L (lens/swin.hpp). With roll progress t in [0, 1] the canvas shows the
// grid rolled by t * s: the image and everything attached to it (region colours, window lines) move
// together, so t = 0 shows the shifted windows on the image as it is and t = 1 the regular windows
// of the rolled grid that torchvision computes.
//
// [SECTION] Spec and keys
// [SECTION] Computation (task runner)
// [SECTION] Frames and text helpers
// [SECTION] Panel
// [SECTION] Drawing helpers
// [SECTION] Editors
// [SECTION] Tab: windows and shift
// [SECTION] Tab: mask and position
// [SECTION] Tab: patch merging
// [SECTION] Tab: stages and complexity
// [SECTION] DrawContent
// [SECTION] Export
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include <lens/lessons/swin_lesson.hpp>
#include <lens/memo.hpp>
#include <lens/patch.hpp>  // kPatchMaxPatch
#include <lens/swin.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../gfx/texture.hpp"
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

inline constexpr std::int64_t kMaxResize = kSwinLessonMaxResize;          // px: the resize range
inline constexpr int kStages = kSwinLessonStages;                          // every preset has four stages
inline constexpr Index kHeatmapMaxWindow = kSwinLessonMaxAttentionWindow;  // M: the M^2 x M^2 heatmaps and attention are drawn up to here
inline constexpr Index kMergeExample = 4;                 // the operator canvas: a 4 x 4 map ...
inline constexpr Index kMergeExampleChannels = 4;         // ... of 4 channels
inline constexpr Index kMergeRegion = 8;                  // tokens a side of the x0..x3 colouring

constexpr std::array<const char*, 4> kVariantKeys{"t", "s", "b", "l"};
constexpr std::array<const char*, 4> kVariantNames{"Swin-T", "Swin-S", "Swin-B", "Swin-L"};

// Region labels 0..8: translucent categorical hues (tab10), the same in every view.
constexpr std::array<ImU32, 9> kLabelColors{IM_COL32(31, 119, 180, 255), IM_COL32(255, 127, 14, 255), IM_COL32(44, 160, 44, 255),
                                            IM_COL32(214, 39, 40, 255),  IM_COL32(148, 103, 189, 255), IM_COL32(160, 100, 85, 255),
                                            IM_COL32(227, 119, 194, 255), IM_COL32(188, 189, 34, 255), IM_COL32(23, 190, 207, 255)};
// Patch merging's four sources x0..x3.
constexpr std::array<ImU32, 4> kMergeColors{IM_COL32(235, 85, 80, 255), IM_COL32(90, 200, 100, 255), IM_COL32(90, 145, 255, 255),
                                            IM_COL32(240, 200, 60, 255)};

ImU32 WithAlpha(ImU32 color, int alpha) { return (color & ~IM_COL32_A_MASK) | (static_cast<ImU32>(alpha) << IM_COL32_A_SHIFT); }
ImU32 LabelColor(int label, int alpha = 255) { return WithAlpha(kLabelColors[static_cast<size_t>(std::clamp(label, 0, 8))], alpha); }

// What the base computation depends on: the lesson spec and the image.
struct BaseKey {
    SwinLessonSpec spec;
    std::uint64_t image_version = 0;
    bool operator==(const BaseKey&) const = default;
};

// [SECTION] Computation (task runner)

struct AttentionKey {
    std::uint64_t base = 0;  // the base result's generation
    Index window_index = 0;
    int projection = 0;      // 0 identity, 1 seeded random
    bool operator==(const AttentionKey&) const = default;
};

// [SECTION] Frames and text helpers

// The padded token grid of a stage drawn at a screen position, `cell` px per token.
struct GridFrame {
    ImVec2 origin{0, 0};
    float cell = 1;
    Index rows = 1, cols = 1;  // the period of the roll: the padded grid
    ImVec2 At(double y, double x) const { return ImVec2(origin.x + static_cast<float>(x) * cell, origin.y + static_cast<float>(y) * cell); }
    ImVec2 Max() const { return At(static_cast<double>(rows), static_cast<double>(cols)); }
};

double Wrap(double v, double period) {
    const double r = std::fmod(v, period);
    return r < 0 ? r + period : r;
}

// printf into a string (captions measured before they are drawn).
template <class... Args>
std::string Fmt(const char* format, Args... args) {
    char buffer[1024];
    std::snprintf(buffer, sizeof buffer, format, args...);
    return buffer;
}

// [SECTION] Panel

class SwinPanel final : public Panel {
public:
    const char* Id() const override { return "swin"; }
    i18n::S Title() const override { return S::SwinTitle; }
    bool Busy() const override { return (m_base && m_base->Busy()) || (m_attention && m_attention->Busy()) || (m_canvas && m_tab == 2 && m_canvas->Busy()); }
    // While the roll plays, frames must keep coming.
    bool Animating() const override { return m_playing; }
    float Progress() const override {
        if (m_base && m_base->Busy()) return m_base->Progress();
        if (m_attention && m_attention->Busy()) return m_attention->Progress();
        return 1.0f;
    }

    std::string ValidateKeys() override {
        if (m_spec.resize == 0) return {};  // the image's own size: checked in ValidateForImage
        return JoinIssues(CheckAll(m_spec.resize, m_spec.resize));
    }
    std::string ValidateForImage(const Image& image) override {
        if (m_spec.resize > 0) return {};  // resized: ValidateKeys checked it
        return JoinIssues(CheckAll(SideOf(image.height), SideOf(image.width)));
    }

    void Export(AppContext& context, ExportSink& sink) override;

protected:
    void BindKeys(KeyTable& keys) override {
        keys.Choice("variant", &m_spec.variant, {"t", "s", "b", "l"}, "Swin-T, Swin-S, Swin-B or Swin-L (torchvision; L as in the paper)");
        keys.Int64("patch", &m_spec.patch, 1, kPatchMaxPatch, "patch size P, px (Swin: 4)");
        keys.Int64("window", &m_spec.window, 1, kSwinMaxWindow, "window M, tokens a side (Swin: 7)");
        keys.Bool("shift", &m_spec.shift, "shifted windows (s = floor(M/2)) or regular ones (s = 0)");
        keys.Int64("stage", &m_spec.stage, 0, kStages - 1, "the stage whose grid and windows are shown (0..3: the paper's stages 1..4)");
        keys.Int64("resize", &m_spec.resize, 0, kMaxResize, "square edge the image is resized to, px (0 = its own size)");
        keys.Choice("fit", &m_spec.fit, {"pad", "crop"}, "when P does not divide a side: pad with zeros or crop (torchvision's floor)");
        keys.Int64("window_index", &m_window_index, -1, kSwinMaxGridTokens - 1, "the selected window, row-major over the padded grid (-1 = the last one)");
        keys.Int64("query", &m_query, -1, kSwinMaxWindow * kSwinMaxWindow - 1, "query slot inside the window, ty * M + tx (-1 = the centre)");
        keys.Float("roll", &m_roll, 0.0f, 1.0f, "progress of the cyclic shift drawn, 0..1 (shifted windows)");
        keys.Choice("projection", &m_projection, {"identity", "random"}, "Q, K, V of the window attention: identity or seeded random");
        keys.Choice("merge_part", &m_merge_part, {"gather", "reduction"}, "patch merging on the canvas: the 0/1 gather or the reduction (I (x) W) G");
        keys.Choice("view", &m_tab, {"windows", "mask", "merging", "stages"}, "which tab is shown");
    }

    void DrawContent(AppContext& context) override;

private:
    static Index SideOf(int v) { return static_cast<Index>(v); }
    SwinSelection Selection() const { return {m_window_index, m_query, m_projection}; }
    // Every problem of the keys together, for an image_h x image_w image (after resizing).
    std::vector<SpecIssue> CheckAll(Index image_h, Index image_w) const { return CheckSwinLesson(m_spec, Selection(), image_h, image_w); }
    Index WindowOf(const SwinWindowLayout& l) const { return SwinSelectedWindow(l, m_window_index); }
    Index QueryOf(const SwinWindowLayout& l) const { return SwinSelectedQuery(l, m_query); }

    void DrawEditors(const SwinBase* b);
    void DrawWindowsTab(const SwinBase& b, ImVec2 avail);
    void DrawMaskTab(const SwinBase& b, ImVec2 avail);
    void DrawMergingTab(const SwinBase& b, ImVec2 avail);
    void DrawStagesTab(const SwinBase& b, ImVec2 avail);

    // Drawing helpers (the image texture and the label texture belong to the current base).
    void SyncTextures(const SwinBase& b);
    void DrawGridBackground(ImDrawList* draw, const GridFrame& f) const;
    void DrawImageLayer(ImDrawList* draw, const SwinBase& b, const GridFrame& f, double offset_y, double offset_x) const;
    void DrawLabelLayer(ImDrawList* draw, const GridFrame& f, double offset_y, double offset_x) const;
    void DrawTokenPatch(ImDrawList* draw, const SwinBase& b, Index y, Index x, ImVec2 p0, float side) const;
    // The selected window's M x M tokens as gathered after the roll, patch by patch from the image.
    // `attention`: the query's row (shades the tokens), or null. Returns the slot under the pointer.
    std::optional<Index> DrawWindowMosaic(const SwinBase& b, Index window_index, ImVec2 size, const float* attention, Index query);

    SwinLessonSpec m_spec;
    std::int64_t m_window_index = -1;
    std::int64_t m_query = -1;
    float m_roll = 1.0f;
    bool m_playing = false;
    int m_projection = 1;  // seeded random: softer attention than Q = K = V = X, whose diagonal dominates
    int m_merge_part = 1;
    int m_tab = 0;
    bool m_force_tab = true;
    Index m_merge_y = 0, m_merge_x = 0;  // top-left token of the x0..x3 colouring

    std::unique_ptr<LatestTask<BaseKey, SwinBase>> m_base;
    std::unique_ptr<LatestTask<AttentionKey, SwinWindowAttention>> m_attention;
    std::unique_ptr<MatrixCanvas> m_canvas;
    gfx::CachedTexture m_image_texture, m_label_texture, m_mask_texture;
    std::uint64_t m_textures_for = 0;
    bool m_labels_shown = false;
    std::array<bool, 9> m_present{};  // labels that occur in the grid
    std::pair<std::uint64_t, Index> m_mask_for{0, -1};
    std::vector<float> m_mask;  // the selected window's M^2 x M^2 mask
    std::uint64_t m_mask_uploads = 0;
    Memo<Index, Grid<float>> m_rpi;  // the relative position index of M, as floats
    Heatmap m_rpi_map, m_attention_map;
    Memo<int, std::shared_ptr<const PatchMergingOperator>> m_merge_op;
};

// [SECTION] Drawing helpers

void SwinPanel::SyncTextures(const SwinBase& b) {
    const std::uint64_t gen = m_base->Generation();
    if (m_textures_for == gen) return;
    m_textures_for = gen;
    m_image_texture.Sync(gen, b.image->width, b.image->height, gfx::PixelFormat::Rgb8, b.image->rgb.data(), gfx::Filter::Nearest);
    // Region colours: only when the labels differ (a regular layout is one region).
    m_present.fill(false);
    for (int v : b.labels.data) m_present[static_cast<size_t>(std::clamp(v, 0, 8))] = true;
    m_labels_shown = std::count(m_present.begin(), m_present.end(), true) > 1;
    if (m_labels_shown) {
        std::vector<std::uint8_t> rgba(b.labels.data.size() * 4);
        for (size_t i = 0; i < b.labels.data.size(); ++i) {
            const ImU32 c = LabelColor(b.labels.data[i]);
            rgba[i * 4 + 0] = static_cast<std::uint8_t>((c >> IM_COL32_R_SHIFT) & 0xFF);
            rgba[i * 4 + 1] = static_cast<std::uint8_t>((c >> IM_COL32_G_SHIFT) & 0xFF);
            rgba[i * 4 + 2] = static_cast<std::uint8_t>((c >> IM_COL32_B_SHIFT) & 0xFF);
            // Label 0 (the interior, most of the grid) faintly, so the image stays readable.
            rgba[i * 4 + 3] = b.labels.data[i] == 0 ? 40 : 110;
        }
        m_label_texture.Sync(gen, b.labels.width, b.labels.height, gfx::PixelFormat::Rgba8, rgba.data(), gfx::Filter::Nearest);
    }
}

// Padding (zero tokens) everywhere; the image layer covers what is not padding.
void SwinPanel::DrawGridBackground(ImDrawList* draw, const GridFrame& f) const {
    const ImVec2 a = f.origin, b = f.Max();
    draw->AddRectFilled(a, b, IM_COL32(52, 52, 62, 255));
    draw->PushClipRect(a, b, true);
    for (float t = -(b.y - a.y); t < b.x - a.x; t += 8) draw->AddLine(ImVec2(a.x + t, b.y), ImVec2(a.x + t + (b.y - a.y), a.y), IM_COL32(255, 200, 90, 60));
    draw->PopClipRect();
}

// The image as the stage's tokens see it, its top-left token displayed at (offset_y, offset_x)
// tokens, wrapping around the period (four copies, clipped): a cyclic shift of the whole grid.
void SwinPanel::DrawImageLayer(ImDrawList* draw, const SwinBase& b, const GridFrame& f, double offset_y, double offset_x) const {
    const SwinGeometry& g = *b.geometry;
    const double tp = static_cast<double>(g.token_px);
    const double h = static_cast<double>(g.content_h) / tp, w = static_cast<double>(g.content_w) / tp;
    const ImVec2 uv(static_cast<float>(g.content_w) / static_cast<float>(b.image->width), static_cast<float>(g.content_h) / static_cast<float>(b.image->height));
    const double oy = Wrap(offset_y, static_cast<double>(f.rows)), ox = Wrap(offset_x, static_cast<double>(f.cols));
    draw->PushClipRect(f.origin, f.Max(), true);
    for (double cy : {oy, oy - static_cast<double>(f.rows)})
        for (double cx : {ox, ox - static_cast<double>(f.cols)})
            draw->AddImage(m_image_texture.Get().ImId(), f.At(cy, cx), f.At(cy + h, cx + w), ImVec2(0, 0), uv);
    draw->PopClipRect();
}

void SwinPanel::DrawLabelLayer(ImDrawList* draw, const GridFrame& f, double offset_y, double offset_x) const {
    if (!m_labels_shown) return;
    const double oy = Wrap(offset_y, static_cast<double>(f.rows)), ox = Wrap(offset_x, static_cast<double>(f.cols));
    draw->PushClipRect(f.origin, f.Max(), true);
    for (double cy : {oy, oy - static_cast<double>(f.rows)})
        for (double cx : {ox, ox - static_cast<double>(f.cols)})
            draw->AddImage(m_label_texture.Get().ImId(), f.At(cy, cx), f.At(cy + static_cast<double>(f.rows), cx + static_cast<double>(f.cols)));
    draw->PopClipRect();
}

// Lines every `step` tokens, displaced by `offset` tokens and wrapped, across a frame.
void WrappedLines(ImDrawList* draw, const GridFrame& f, Index step, double offset_y, double offset_x, ImU32 color, float thickness) {
    for (Index k = 0; k * step < f.rows; ++k) {
        const double y = Wrap(static_cast<double>(k * step) + offset_y, static_cast<double>(f.rows));
        draw->AddLine(f.At(y, 0), f.At(y, static_cast<double>(f.cols)), color, thickness);
    }
    for (Index k = 0; k * step < f.cols; ++k) {
        const double x = Wrap(static_cast<double>(k * step) + offset_x, static_cast<double>(f.cols));
        draw->AddLine(f.At(0, x), f.At(static_cast<double>(f.rows), x), color, thickness);
    }
}

// A rectangle of tokens displaced and wrapped around the frame (up to four pieces, clipped).
void WrappedRect(ImDrawList* draw, const GridFrame& f, double y0, double x0, double h, double w, ImU32 color, float thickness, bool filled = false) {
    const double oy = Wrap(y0, static_cast<double>(f.rows)), ox = Wrap(x0, static_cast<double>(f.cols));
    draw->PushClipRect(ImVec2(f.origin.x - thickness, f.origin.y - thickness), ImVec2(f.Max().x + thickness, f.Max().y + thickness), true);
    for (double cy : {oy, oy - static_cast<double>(f.rows)})
        for (double cx : {ox, ox - static_cast<double>(f.cols)}) {
            if (cy + h <= 0 || cx + w <= 0) continue;
            if (filled) draw->AddRectFilled(f.At(cy, cx), f.At(cy + h, cx + w), color);
            else draw->AddRect(f.At(cy, cx), f.At(cy + h, cx + w), color, 0, 0, thickness);
        }
    draw->PopClipRect();
}

// One token of the stage drawn as a square at p0: its pixels from the image, zeros (hatched) past it.
void SwinPanel::DrawTokenPatch(ImDrawList* draw, const SwinBase& b, Index y, Index x, ImVec2 p0, float side) const {
    const SwinGeometry& g = *b.geometry;
    const ImVec2 p1(p0.x + side, p0.y + side);
    draw->AddRectFilled(p0, p1, IM_COL32(52, 52, 62, 255));
    const Index tp = g.token_px;
    const Index y0 = y * tp, x0 = x * tp, y1 = std::min(y0 + tp, g.content_h), x1 = std::min(x0 + tp, g.content_w);
    if (y1 <= y0 || x1 <= x0) {
        draw->PushClipRect(p0, p1, true);
        for (float t = -side; t < side; t += 6) draw->AddLine(ImVec2(p0.x + t, p1.y), ImVec2(p0.x + t + side, p0.y), IM_COL32(255, 200, 90, 70));
        draw->PopClipRect();
        return;
    }
    const float iw = static_cast<float>(b.image->width), ih = static_cast<float>(b.image->height);
    const float fx = static_cast<float>(x1 - x0) / static_cast<float>(tp), fy = static_cast<float>(y1 - y0) / static_cast<float>(tp);
    draw->AddImage(m_image_texture.Get().ImId(), p0, ImVec2(p0.x + side * fx, p0.y + side * fy), ImVec2(static_cast<float>(x0) / iw, static_cast<float>(y0) / ih),
                   ImVec2(static_cast<float>(x1) / iw, static_cast<float>(y1) / ih));
}

std::optional<Index> SwinPanel::DrawWindowMosaic(const SwinBase& b, Index window_index, ImVec2 size, const float* attention, Index query) {
    const SwinWindowLayout& l = b.geometry->layout;
    const Index m = l.window;
    const std::vector<SwinWindowToken> tokens = WindowSourcePatches(l, window_index);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float side = std::max(8.0f, std::min(size.x, size.y));
    const float cell = side / static_cast<float>(m);
    ImGui::InvisibleButton("##mosaic", ImVec2(side, side));
    const bool hovered = ImGui::IsItemHovered();
    if (tokens.empty()) return std::nullopt;
    float peak = 1e-9f;
    if (attention)
        for (Index s = 0; s < m * m; ++s) peak = std::max(peak, attention[s]);
    const int query_label = tokens[static_cast<size_t>(std::clamp<Index>(query, 0, m * m - 1))].label;
    const float gap = cell >= 10 ? 1.0f : 0.0f;
    for (Index s = 0; s < m * m; ++s) {
        const SwinWindowToken& t = tokens[static_cast<size_t>(s)];
        const ImVec2 p0(origin.x + static_cast<float>(s % m) * cell, origin.y + static_cast<float>(s / m) * cell);
        DrawTokenPatch(draw, b, t.y, t.x, ImVec2(p0.x + gap, p0.y + gap), cell - 2 * gap);
        const ImVec2 p1(p0.x + cell - gap, p0.y + cell - gap);
        if (attention) {
            const float a = attention[s] / peak;
            draw->AddRectFilled(ImVec2(p0.x + gap, p0.y + gap), p1, IM_COL32(8, 8, 14, static_cast<int>(215 * (1 - a))));
            if (t.label != query_label && cell >= 8) {
                draw->AddLine(ImVec2(p0.x + 3, p0.y + 3), ImVec2(p1.x - 3, p1.y - 3), IM_COL32(255, 90, 80, 170), 1.5f);
                draw->AddLine(ImVec2(p1.x - 3, p0.y + 3), ImVec2(p0.x + 3, p1.y - 3), IM_COL32(255, 90, 80, 170), 1.5f);
            }
        } else if (m_labels_shown) {
            draw->AddRectFilled(ImVec2(p0.x + gap, p0.y + gap), p1, LabelColor(t.label, 70));
        }
        if (m_labels_shown && cell >= 6) draw->AddRect(ImVec2(p0.x + gap, p0.y + gap), p1, LabelColor(t.label, 230), 0, 0, cell >= 14 ? 2.0f : 1.0f);
    }
    // Region borders inside the window: where neighbouring slots' labels differ.
    for (Index s = 0; s < m * m; ++s) {
        const int label = tokens[static_cast<size_t>(s)].label;
        const float x = origin.x + static_cast<float>(s % m) * cell, y = origin.y + static_cast<float>(s / m) * cell;
        if (s % m + 1 < m && tokens[static_cast<size_t>(s + 1)].label != label)
            draw->AddLine(ImVec2(x + cell, y), ImVec2(x + cell, y + cell), IM_COL32(255, 255, 255, 230), 2.0f);
        if (s / m + 1 < m && tokens[static_cast<size_t>(s + m)].label != label)
            draw->AddLine(ImVec2(x, y + cell), ImVec2(x + cell, y + cell), IM_COL32(255, 255, 255, 230), 2.0f);
    }
    if (attention && query >= 0 && query < m * m) {
        const ImVec2 q0(origin.x + static_cast<float>(query % m) * cell, origin.y + static_cast<float>(query / m) * cell);
        draw->AddRect(q0, ImVec2(q0.x + cell, q0.y + cell), IM_COL32(255, 210, 80, 255), 0, 0, 2.5f);
    }
    draw->AddRect(origin, ImVec2(origin.x + side, origin.y + side), IM_COL32(255, 210, 80, 255), 0, 0, 2.0f);
    if (!hovered) return std::nullopt;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const Index tx = std::clamp<Index>(static_cast<Index>((mouse.x - origin.x) / cell), 0, m - 1);
    const Index ty = std::clamp<Index>(static_cast<Index>((mouse.y - origin.y) / cell), 0, m - 1);
    const Index s = ty * m + tx;
    const SwinWindowToken& t = tokens[static_cast<size_t>(s)];
    if (attention)
        ImGui::SetTooltip(Tr(S::SwinMosaicHoverAttention), static_cast<long long>(s), static_cast<long long>(t.y), static_cast<long long>(t.x),
                          t.label, static_cast<double>(attention[s]));
    else
        ImGui::SetTooltip(Tr(S::SwinMosaicHover), static_cast<long long>(s), static_cast<long long>(t.y), static_cast<long long>(t.x), t.label,
                          t.padding ? Tr(S::SwinPaddingToken) : "");
    return s;
}

// [SECTION] Editors

void SwinPanel::DrawEditors(const SwinBase* b) {
    const std::vector<SpecIssue> none;
    const auto& issues = b ? b->issues : none;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::Combo(Tr(S::SwinVariant), &m_spec.variant, kVariantNames.data(), static_cast<int>(kVariantNames.size()));
    SpecField(Tr(S::AttnResize), "resize", &m_spec.resize, 0, kMaxResize, issues);
    const char* fits[] = {Tr(S::VitFitPad), Tr(S::VitFitCrop)};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    ImGui::Combo(Tr(S::VitFit), &m_spec.fit, fits, 2);
    SpecField(Tr(S::AttnPatch), "patch", &m_spec.patch, 1, kPatchMaxPatch, issues);
    SpecField(Tr(S::SwinWindow), "window", &m_spec.window, 1, kSwinMaxWindow, issues);
    ImGui::Checkbox(Tr(S::SwinShiftToggle), &m_spec.shift);
    SpecFieldIssues("shift", issues);
    int stage = static_cast<int>(m_spec.stage) + 1;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (ImGui::SliderInt(Tr(S::SwinStage), &stage, 1, kStages)) m_spec.stage = stage - 1;
    const char* projections[] = {Tr(S::AttnProjIdentity), Tr(S::AttnProjRandom)};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    ImGui::Combo(Tr(S::AttnProjection), &m_projection, projections, 2);
    for (const char* f : {"image", "grid", "stage"}) SpecFieldIssues(f, issues);
    if (!b || !b->geometry) return;
    const SwinGeometry& g = *b->geometry;
    const SwinPatchGrid& pg = g.patch_grid;
    const SwinWindowLayout& l = g.layout;
    ImGui::Separator();
    ImGui::PushTextWrapPos(0);
    Paragraph(Fmt(Tr(S::SwinGridLine), static_cast<long long>(g.image_w), static_cast<long long>(g.image_h), static_cast<long long>(pg.patch),
                static_cast<long long>(pg.grid_w), static_cast<long long>(pg.grid_h), static_cast<long long>(pg.Tokens())));
    if (pg.crop_bottom > 0 || pg.crop_right > 0)
        ParagraphColored(ImVec4(1, 0.6f, 0.5f, 1), Fmt(Tr(S::SwinCropLine), static_cast<long long>(pg.crop_bottom), static_cast<long long>(pg.crop_right)));
    if (pg.pad_bottom > 0 || pg.pad_right > 0)
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinPadLine), static_cast<long long>(pg.pad_bottom), static_cast<long long>(pg.pad_right)));
    const Index channels = b->config.embed_dim << g.stage;
    Paragraph(Fmt(Tr(S::SwinStageLine), static_cast<int>(g.stage + 1), static_cast<long long>(l.grid_w), static_cast<long long>(l.grid_h),
                static_cast<long long>(channels), static_cast<long long>(l.padded_w), static_cast<long long>(l.padded_h),
                static_cast<long long>(l.windows_w), static_cast<long long>(l.windows_h), static_cast<long long>(l.windows),
                static_cast<long long>(l.window), static_cast<long long>(l.window), static_cast<long long>(l.TokensPerWindow())));
    if (l.pad_bottom > 0 || l.pad_right > 0)
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinWindowPadLine), static_cast<long long>(l.pad_bottom), static_cast<long long>(l.pad_right)));
    if (l.Shifted())
        Paragraph(Fmt(Tr(S::SwinShiftLine), static_cast<long long>(l.shift_h), static_cast<long long>(l.shift_w)));
    else if (m_spec.shift && l.shift > 0)
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinNoShiftLine), static_cast<long long>(l.window), static_cast<long long>(l.padded_w),
                           static_cast<long long>(l.padded_h)));
    else
        ImGui::TextUnformatted(Tr(S::SwinRegularLine));
    if (l.Shifted() && (l.shift_h == 0 || l.shift_w == 0))
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinOneAxisLine), static_cast<long long>(l.window)));
    if (b->stats) {
        // One figure a line: ImGui wraps after '.' and ',', which would split the numbers.
        Paragraph(Fmt(Tr(S::SwinTotalsTitle), kVariantNames[static_cast<size_t>(std::clamp(m_spec.variant, 0, 3))],
                    static_cast<long long>(g.patch_grid.grid_w * g.patch_grid.patch), static_cast<long long>(g.patch_grid.grid_h * g.patch_grid.patch)));
        Paragraph(Fmt(Tr(S::SwinTotalsParams), FormatExact(b->stats->parameters).c_str()));
        Paragraph(Fmt(Tr(S::SwinTotalsMacs), FormatSI(static_cast<double>(b->stats->macs), 3).c_str()));
    }
    for (const auto& issue : b->stats_issues) ParagraphColored(ImVec4(1, 0.5f, 0.45f, 1), Fmt("%s: %s", issue.field.c_str(), issue.message.c_str()));
    ImGui::PopTextWrapPos();
}

// [SECTION] Tab: windows and shift

void SwinPanel::DrawWindowsTab(const SwinBase& b, ImVec2 avail) {
    const SwinGeometry& g = *b.geometry;
    const SwinWindowLayout& l = g.layout;
    const float font = ImGui::GetFontSize();
    const float gap = font;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    // Controls: regular / shifted, then the roll, one token at a time or played.
    int mode = m_spec.shift ? 1 : 0;
    if (ImGui::RadioButton(Tr(S::SwinModeRegular), &mode, 0)) m_playing = false;
    ImGui::SameLine();
    ImGui::RadioButton(Tr(S::SwinModeShifted), &mode, 1);
    m_spec.shift = mode == 1;
    const Index steps = std::max(l.shift_h, l.shift_w);
    if (m_spec.shift && steps > 0) {
        // The roll's controls on the same line when they fit, else on the next.
        const ImGuiStyle& style = ImGui::GetStyle();
        const float play_w = std::max(ImGui::CalcTextSize(Tr(S::SwinPlay)).x, ImGui::CalcTextSize(Tr(S::SwinPause)).x) + 2 * style.FramePadding.x;
        const float needed = gap + 2 * (ImGui::GetFrameHeight() + style.ItemSpacing.x) + font * 9 + style.ItemInnerSpacing.x +
                             ImGui::CalcTextSize(Tr(S::SwinRoll)).x + gap + play_w;
        ImGui::SameLine(0, gap);
        if (ImGui::GetContentRegionAvail().x < needed) ImGui::NewLine();
        if (ImGui::ArrowButton("##back", ImGuiDir_Left)) {
            m_playing = false;
            m_roll = std::max(0.0f, (std::ceil(m_roll * static_cast<float>(steps) - 1e-3f) - 1.0f) / static_cast<float>(steps));
        }
        ImGui::SameLine();
        if (ImGui::ArrowButton("##forward", ImGuiDir_Right)) {
            m_playing = false;
            m_roll = std::min(1.0f, (std::floor(m_roll * static_cast<float>(steps) + 1e-3f) + 1.0f) / static_cast<float>(steps));
        }
        ImGui::SameLine();
        ImGui::SetNextItemWidth(font * 9);
        if (ImGui::SliderFloat(Tr(S::SwinRoll), &m_roll, 0.0f, 1.0f, "%.2f")) m_playing = false;
        ImGui::SameLine(0, gap);
        if (ImGui::Button(m_playing ? Tr(S::SwinPause) : Tr(S::SwinPlay))) {
            if (!m_playing && m_roll >= 1.0f) m_roll = 0.0f;
            m_playing = !m_playing;
        }
    }
    const float t = m_spec.shift ? m_roll : 0.0f;
    const double sy = static_cast<double>(l.shift_h), sx = static_cast<double>(l.shift_w);
    const double ry = t * sy, rx = t * sx;  // tokens rolled so far (up and left)

    const float controls_h = ImGui::GetCursorScreenPos().y - top.y;
    const float side_w = std::max(font * 17, avail.x * 0.32f);
    const float caption_w = avail.x - side_w - gap;
    const ImVec2 box(caption_w, avail.y - controls_h - CaptionHeight(Tr(S::SwinGridCaption), caption_w) - 2);
    GridFrame f;
    f.rows = l.padded_h;
    f.cols = l.padded_w;
    f.cell = std::max(0.05f, std::min(box.x / static_cast<float>(f.cols), box.y / static_cast<float>(f.rows)));
    f.origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##grid", ImVec2(f.cell * static_cast<float>(f.cols), f.cell * static_cast<float>(f.rows)));
    const bool hovered = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    DrawGridBackground(draw, f);
    DrawImageLayer(draw, b, f, -ry, -rx);
    DrawLabelLayer(draw, f, sy - ry, sx - rx);
    draw->PushClipRect(f.origin, f.Max(), true);
    if (f.cell >= 4) WrappedLines(draw, f, 1, -ry, -rx, IM_COL32(255, 255, 255, f.cell >= 8 ? 55 : 35), 1.0f);
    const float window_px = f.cell * static_cast<float>(l.window);
    // Window lines fade when windows are small, so that the image stays visible.
    const int window_alpha = window_px >= 16 ? 215 : window_px >= 8 ? 150 : 70;
    if (window_px >= 4) WrappedLines(draw, f, l.window, sy - ry, sx - rx, IM_COL32(255, 255, 255, window_alpha), window_px >= 24 ? 2.0f : 1.0f);
    // The seam: where the image's first row and column are now (they wrap around as it rolls).
    if (ry > 0 || rx > 0) {
        const double y = Wrap(-ry, static_cast<double>(f.rows)), x = Wrap(-rx, static_cast<double>(f.cols));
        if (ry > 0) draw->AddLine(f.At(y, 0), f.At(y, static_cast<double>(f.cols)), IM_COL32(255, 150, 40, 230), 2.0f);
        if (rx > 0) draw->AddLine(f.At(0, x), f.At(static_cast<double>(f.rows), x), IM_COL32(255, 150, 40, 230), 2.0f);
    }
    draw->PopClipRect();
    draw->AddRect(ImVec2(f.origin.x - 1, f.origin.y - 1), ImVec2(f.Max().x + 1, f.Max().y + 1), IM_COL32(120, 120, 135, 255));
    const Index m = l.window;
    const Index selected = WindowOf(l);
    auto window_rect = [&](Index w, ImU32 color, float thickness) {
        WrappedRect(draw, f, static_cast<double>((w / l.windows_w) * m) + sy - ry, static_cast<double>((w % l.windows_w) * m) + sx - rx,
                    static_cast<double>(m), static_cast<double>(m), color, thickness);
    };
    window_rect(selected, IM_COL32(255, 210, 80, 255), 3.0f);
    if (hovered) {
        // Displayed position -> rolled frame (windows are regular there) -> the original token.
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const double dy = (mouse.y - f.origin.y) / f.cell, dx = (mouse.x - f.origin.x) / f.cell;
        const Index py = std::clamp<Index>(static_cast<Index>(Wrap(dy - sy + ry, static_cast<double>(f.rows))), 0, f.rows - 1);
        const Index px = std::clamp<Index>(static_cast<Index>(Wrap(dx - sx + rx, static_cast<double>(f.cols))), 0, f.cols - 1);
        const Index w = (py / m) * l.windows_w + px / m;
        const Index oy = (py + l.shift_h) % l.padded_h, ox = (px + l.shift_w) % l.padded_w;
        window_rect(w, IM_COL32(120, 220, 255, 255), 2.0f);
        const int label = b.labels.Empty() ? 0 : b.labels.At(static_cast<int>(px), static_cast<int>(py));
        const bool padding = oy >= l.grid_h || ox >= l.grid_w;
        ImGui::SetTooltip(Tr(S::SwinGridHover), static_cast<long long>(oy), static_cast<long long>(ox), static_cast<long long>(w),
                          static_cast<long long>(w / l.windows_w), static_cast<long long>(w % l.windows_w), static_cast<long long>((py % m) * m + px % m),
                          label, padding ? Tr(S::SwinPaddingToken) : "");
        if (clicked) m_window_index = w;
    }
    MarkFigure(f.origin, f.Max());
    Caption(ImVec2(f.origin.x, f.Max().y + 2), Tr(S::SwinGridCaption), box.x);

    // The side column: legend, what is shown, the selected window as gathered.
    ImGui::SetCursorScreenPos(ImVec2(top.x + avail.x - side_w, top.y + controls_h));
    ImGui::BeginChild("##windows_side", ImVec2(side_w, avail.y - controls_h), false);
    ImGui::PushTextWrapPos(0);
    if (m_labels_shown) {
        ImGui::TextUnformatted(Tr(S::SwinLegend));
        const float sw = ImGui::GetTextLineHeight();
        const float item_w = sw + 4 + ImGui::CalcTextSize("0").x + font * 0.7f;
        float used = 0;
        for (int label = 0; label < 9; ++label) {
            if (!m_present[static_cast<size_t>(label)]) continue;
            if (used > 0 && item_w > ImGui::GetContentRegionAvail().x) {
                ImGui::NewLine();
                used = 0;
            }
            used += item_w;
            const ImVec2 p = ImGui::GetCursorScreenPos();
            ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + sw, p.y + sw), LabelColor(label, 200));
            ImGui::Dummy(ImVec2(sw, sw));
            ImGui::SameLine(0, 4);
            ImGui::Text("%d", label);
            ImGui::SameLine(0, font * 0.7f);
        }
        ImGui::NewLine();
    }
    if (!m_spec.shift || !l.Shifted()) {
        Paragraph(Fmt(Tr(S::SwinExplainRegular), static_cast<long long>(l.padded_w), static_cast<long long>(l.padded_h),
                           static_cast<long long>(l.windows_w), static_cast<long long>(l.windows_h), static_cast<long long>(m), static_cast<long long>(m)));
    } else if (t <= 0.0f) {
        Paragraph(Fmt(Tr(S::SwinExplainShifted), static_cast<long long>(l.shift_h), static_cast<long long>(l.shift_w)));
    } else if (t < 1.0f) {
        Paragraph(Fmt(Tr(S::SwinExplainRolling), ry, rx));
    } else {
        Paragraph(Fmt(Tr(S::SwinExplainRolled), static_cast<long long>(l.shift_h), static_cast<long long>(l.shift_w), static_cast<long long>(l.windows)));
    }
    if (m_spec.shift && l.shift > 0 && !l.Shifted())
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinNoShiftLine), static_cast<long long>(m), static_cast<long long>(l.padded_w),
                           static_cast<long long>(l.padded_h)));
    ImGui::Spacing();
    const std::vector<SwinWindowToken> tokens = WindowSourcePatches(l, selected);
    std::set<int> regions;
    for (const auto& tk : tokens) regions.insert(tk.label);
    Paragraph(Fmt(Tr(S::SwinMosaicTitle), static_cast<long long>(selected), static_cast<long long>(selected / l.windows_w),
                static_cast<long long>(selected % l.windows_w), static_cast<int>(regions.size())));
    const ImVec2 left = ImGui::GetContentRegionAvail();
    DrawWindowMosaic(b, selected, ImVec2(left.x - 4, left.y - 4), nullptr, -1);
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
}

// [SECTION] Tab: mask and position

void SwinPanel::DrawMaskTab(const SwinBase& b, ImVec2 avail) {
    const SwinGeometry& g = *b.geometry;
    const SwinWindowLayout& l = g.layout;
    const Index m = l.window, n = m * m;
    const float font = ImGui::GetFontSize();
    const float gap = font;
    if (m > kHeatmapMaxWindow) {
        ImGui::PushTextWrapPos(0);
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinHeatmapTooLarge), static_cast<long long>(n), static_cast<long long>(n),
                           static_cast<long long>(kHeatmapMaxWindow)));
        ImGui::PopTextWrapPos();
        return;
    }
    const Index selected = WindowOf(l);
    const Index query = QueryOf(l);
    const std::vector<SwinWindowToken> tokens = WindowSourcePatches(l, selected);
    if (tokens.empty()) return;
    // The selected window's mask, from the labels (0 within a region, -100 across).
    const std::pair<std::uint64_t, Index> mask_key{m_base->Generation(), selected};
    if (mask_key != m_mask_for) {
        m_mask = WindowMaskOf(b.labels, m, selected);
        m_mask_for = mask_key;
        std::vector<std::uint8_t> rgba(static_cast<size_t>(n * n) * 4, 0);
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j) {
                const size_t e = static_cast<size_t>(i * n + j);
                const bool allowed = e < m_mask.size() && m_mask[e] == 0.0f;
                const ImU32 c = !allowed ? IM_COL32(28, 28, 34, 255) : m_labels_shown ? LabelColor(tokens[static_cast<size_t>(i)].label) : IM_COL32(200, 205, 215, 255);
                rgba[e * 4 + 0] = static_cast<std::uint8_t>((c >> IM_COL32_R_SHIFT) & 0xFF);
                rgba[e * 4 + 1] = static_cast<std::uint8_t>((c >> IM_COL32_G_SHIFT) & 0xFF);
                rgba[e * 4 + 2] = static_cast<std::uint8_t>((c >> IM_COL32_B_SHIFT) & 0xFF);
                rgba[e * 4 + 3] = 255;
            }
        m_mask_texture.Sync(++m_mask_uploads, static_cast<int>(n), static_cast<int>(n),
                            gfx::PixelFormat::Rgba8, rgba.data(), gfx::Filter::Nearest);
    }
    const Grid<float>& rpi = m_rpi.Get(m, [m] {
        const std::vector<Index> index = RelativePositionIndex(m);
        Grid<float> grid(static_cast<int>(m * m), static_cast<int>(m * m));
        for (size_t e = 0; e < index.size(); ++e) grid.data[e] = static_cast<float>(index[e]);
        return grid;
    });
    const SwinWindowAttention* att = m_attention->Current();
    const AttentionKey* att_key = m_attention->CurrentKey();
    const bool att_current = att && att_key && att->result && att_key->window_index == selected && att_key->base == m_base->Generation();
    const float* row = att_current ? att->result->attention.data() + query * n : nullptr;

    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float top_h = avail.y * 0.5f;
    // Three columns: the image, the window as gathered, the numbers.
    const float image_col = avail.x * 0.36f, mosaic_col = avail.x * 0.26f;
    const std::string overlay_caption = Tr(S::SwinOverlayTitle);
    const std::string mosaic_caption = Fmt(Tr(S::SwinMosaicShort), static_cast<long long>(selected));
    const float cap_h = std::max(CaptionHeight(overlay_caption, image_col), CaptionHeight(mosaic_caption, mosaic_col));
    // The image with the window's tokens where they come from, shaded by the query's attention.
    GridFrame f;
    f.rows = l.padded_h;
    f.cols = l.padded_w;
    const float image_box = std::max(16.0f, std::min(top_h - cap_h, image_col));
    f.cell = std::max(0.05f, image_box / static_cast<float>(std::max(f.rows, f.cols)));
    Caption(top, overlay_caption, image_col);
    f.origin = ImVec2(top.x, top.y + cap_h);
    ImGui::SetCursorScreenPos(f.origin);
    ImGui::InvisibleButton("##overlay", ImVec2(f.cell * static_cast<float>(f.cols), f.cell * static_cast<float>(f.rows)));
    const bool over_hovered = ImGui::IsItemHovered();
    const bool over_clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    DrawGridBackground(draw, f);
    DrawImageLayer(draw, b, f, 0, 0);
    draw->AddRectFilled(f.origin, f.Max(), IM_COL32(8, 8, 14, 175));
    float peak = 1e-9f;
    if (row)
        for (Index s = 0; s < n; ++s) peak = std::max(peak, row[s]);
    const int query_label = tokens[static_cast<size_t>(query)].label;
    for (Index s = 0; s < n; ++s) {
        const SwinWindowToken& t = tokens[static_cast<size_t>(s)];
        const ImVec2 p0 = f.At(static_cast<double>(t.y), static_cast<double>(t.x));
        DrawTokenPatch(draw, b, t.y, t.x, p0, f.cell);
        const ImVec2 p1(p0.x + f.cell, p0.y + f.cell);
        if (row) draw->AddRectFilled(p0, p1, IM_COL32(8, 8, 14, static_cast<int>(215 * (1 - row[s] / peak))));
        if (m_labels_shown && f.cell >= 3) draw->AddRect(p0, p1, LabelColor(t.label, t.label == query_label ? 200 : 120));
    }
    // Each region of the window is one rectangle of the image: outline it, visible however small the tokens.
    std::set<int> window_labels;
    for (const SwinWindowToken& t : tokens) window_labels.insert(t.label);
    for (int label : window_labels) {
        Index ry0 = f.rows, rx0 = f.cols, ry1 = -1, rx1 = -1;
        for (const SwinWindowToken& t : tokens)
            if (t.label == label) {
                ry0 = std::min(ry0, t.y);
                rx0 = std::min(rx0, t.x);
                ry1 = std::max(ry1, t.y);
                rx1 = std::max(rx1, t.x);
            }
        if (ry1 < 0) continue;
        const ImVec2 a = f.At(static_cast<double>(ry0), static_cast<double>(rx0)), c = f.At(static_cast<double>(ry1 + 1), static_cast<double>(rx1 + 1));
        draw->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(c.x + 2, c.y + 2), m_labels_shown ? LabelColor(label, 255) : IM_COL32(255, 255, 255, 220), 0, 0, 2.5f);
    }
    {
        const SwinWindowToken& q = tokens[static_cast<size_t>(query)];
        const ImVec2 q0 = f.At(static_cast<double>(q.y), static_cast<double>(q.x));
        draw->AddRect(ImVec2(q0.x - 1, q0.y - 1), ImVec2(q0.x + f.cell + 1, q0.y + f.cell + 1), IM_COL32(255, 210, 80, 255), 0, 0, 2.5f);
    }
    draw->AddRect(ImVec2(f.origin.x - 1, f.origin.y - 1), ImVec2(f.Max().x + 1, f.Max().y + 1), IM_COL32(120, 120, 135, 255));
    if (over_hovered) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const Index oy = std::clamp<Index>(static_cast<Index>((mouse.y - f.origin.y) / f.cell), 0, f.rows - 1);
        const Index ox = std::clamp<Index>(static_cast<Index>((mouse.x - f.origin.x) / f.cell), 0, f.cols - 1);
        // The original token's place in the rolled frame: its window and slot.
        const Index py = (oy - l.shift_h + l.padded_h) % l.padded_h, px = (ox - l.shift_w + l.padded_w) % l.padded_w;
        const Index w = (py / m) * l.windows_w + px / m, slot = (py % m) * m + px % m;
        if (w == selected && row)
            ImGui::SetTooltip(Tr(S::SwinOverlayHoverIn), static_cast<long long>(oy), static_cast<long long>(ox), static_cast<long long>(slot),
                              tokens[static_cast<size_t>(slot)].label, static_cast<double>(row[slot]),
                              static_cast<double>(m_mask.empty() ? 0.0f : m_mask[static_cast<size_t>(query * n + slot)]));
        else
            ImGui::SetTooltip(Tr(S::SwinOverlayHoverOut), static_cast<long long>(oy), static_cast<long long>(ox), static_cast<long long>(w));
        if (over_clicked) {
            m_window_index = w;
            m_query = slot;
        }
    }
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + top_h));

    // The window as gathered (rolled frame), the same shading; then the numbers.
    const float mosaic_x = top.x + image_col + gap;
    const float mosaic_side = std::max(16.0f, std::min(top_h - cap_h, mosaic_col - gap));
    Caption(ImVec2(mosaic_x, top.y), mosaic_caption, mosaic_col - gap);
    ImGui::SetCursorScreenPos(ImVec2(mosaic_x, top.y + cap_h));
    if (auto s = DrawWindowMosaic(b, selected, ImVec2(mosaic_side, mosaic_side), row, query); s && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_query = *s;
    const float text_x = mosaic_x + mosaic_col;
    ImGui::SetCursorScreenPos(ImVec2(text_x, top.y));
    ImGui::BeginChild("##mask_text", ImVec2(top.x + avail.x - text_x, top_h), false);
    ImGui::PushTextWrapPos(0);
    std::set<int> regions;
    for (const auto& t : tokens) regions.insert(t.label);
    std::string region_list;
    for (int r : regions) region_list += (region_list.empty() ? "" : ", ") + std::to_string(r);
    const SwinWindowToken& qt = tokens[static_cast<size_t>(query)];
    Paragraph(Fmt(Tr(S::SwinMaskWindowLine), static_cast<long long>(selected), static_cast<long long>(selected / l.windows_w),
                       static_cast<long long>(selected % l.windows_w), static_cast<int>(regions.size()), region_list.c_str()));
    if (!l.Shifted()) ParagraphDisabled(Tr(S::SwinLabelsUnshifted));
    Paragraph(Fmt(Tr(S::SwinMaskQueryLine), static_cast<long long>(query), static_cast<long long>(query / m), static_cast<long long>(query % m),
                       qt.label, static_cast<long long>(qt.y), static_cast<long long>(qt.x), qt.padding ? Tr(S::SwinPaddingToken) : ""));
    if (row) {
        double own = 0, other = 0;
        Index others = 0;
        for (Index s = 0; s < n; ++s) {
            if (tokens[static_cast<size_t>(s)].label == qt.label) own += row[s];
            else {
                other += row[s];
                ++others;
            }
        }
        if (others > 0) Paragraph(Fmt(Tr(S::SwinMaskMassLine), own, static_cast<long long>(others), other));
        else Paragraph(Fmt(Tr(S::SwinMaskAllOneRegion), static_cast<long long>(n)));
    } else if (!b.tokens) {
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinAttentionTooLarge), FormatExact(b.token_floats).c_str(),
                           FormatExact(kSwinLessonTokenBudget).c_str(), static_cast<long long>(kAttentionMaxWidth)));
    } else if (att && !att->issues.empty() && att_current) {
        for (const auto& issue : att->issues) ParagraphColored(ImVec4(1, 0.5f, 0.45f, 1), Fmt("%s: %s", issue.field.c_str(), issue.message.c_str()));
    } else {
        ParagraphDisabled(Tr(S::SwinComputing));
    }
    ParagraphDisabled(Fmt(Tr(S::SwinTokensNote), static_cast<long long>(g.patch_grid.patch), static_cast<long long>(g.patch_grid.patch),
                        static_cast<int>(g.stage + 1), static_cast<long long>(Index{1} << g.stage), static_cast<long long>(Index{1} << g.stage),
                        Tr(m_projection == 1 ? S::SwinProjRandomShort : S::SwinProjIdentityShort)));
    ImGui::PopTextWrapPos();
    ImGui::EndChild();

    // Bottom row: the mask, the relative position index, the window's attention.
    const float bottom_y = top.y + top_h + gap * 0.5f;
    const float bottom_h = top.y + avail.y - bottom_y;
    const float w3 = (avail.x - 2 * gap) / 3;
    const std::string captions[3] = {Fmt(Tr(S::SwinMaskTitle), static_cast<long long>(n), static_cast<long long>(n)),
                                     Fmt(Tr(S::SwinRpiTitle), static_cast<long long>(2 * m - 1), static_cast<long long>(2 * m - 1)),
                                     Fmt(Tr(S::SwinAttentionTitle), static_cast<long long>(n), static_cast<long long>(n))};
    float caps_h = 0;
    for (const auto& c : captions) caps_h = std::max(caps_h, CaptionHeight(c, w3));
    for (int k = 0; k < 3; ++k) Caption(ImVec2(top.x + static_cast<float>(k) * (w3 + gap), bottom_y), captions[k], w3);
    const float map_side = std::max(16.0f, std::min(w3, bottom_h - caps_h));
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    auto slot_at = [&](ImVec2 mn, ImVec2 mx, Index* i, Index* j) {
        if (!ImGui::IsWindowHovered() || mouse.x < mn.x || mouse.y < mn.y || mouse.x >= mx.x || mouse.y >= mx.y) return false;
        *i = std::clamp<Index>(static_cast<Index>((mouse.y - mn.y) / (mx.y - mn.y) * static_cast<float>(n)), 0, n - 1);
        *j = std::clamp<Index>(static_cast<Index>((mouse.x - mn.x) / (mx.x - mn.x) * static_cast<float>(n)), 0, n - 1);
        return true;
    };
    auto query_band = [&](ImVec2 mn, ImVec2 mx) {
        const float h = (mx.y - mn.y) / static_cast<float>(n);
        const float y0 = mn.y + h * static_cast<float>(query);
        draw->AddRect(ImVec2(mn.x - 2, y0 - 1), ImVec2(mx.x + 2, y0 + h + 1), IM_COL32(255, 210, 80, 255), 0, 0, 1.5f);
    };
    // Mask.
    {
        const ImVec2 mn(top.x, bottom_y + caps_h), mx(mn.x + map_side, mn.y + map_side);
        draw->AddImage(m_mask_texture.Get().ImId(), mn, mx);
        draw->AddRect(ImVec2(mn.x - 1, mn.y - 1), ImVec2(mx.x + 1, mx.y + 1), IM_COL32(90, 90, 100, 255));
        query_band(mn, mx);
        Index i = 0, j = 0;
        if (slot_at(mn, mx, &i, &j) && !m_mask.empty())
            ImGui::SetTooltip(Tr(S::SwinMaskHover), static_cast<long long>(i), static_cast<long long>(j), tokens[static_cast<size_t>(i)].label,
                              tokens[static_cast<size_t>(j)].label, static_cast<double>(m_mask[static_cast<size_t>(i * n + j)]));
    }
    // Relative position index.
    ImGui::SetCursorScreenPos(ImVec2(top.x + w3 + gap, bottom_y + caps_h));
    {
        gfx::ColormapParams viridis;
        viridis.map = gfx::Colormap::Viridis;
        viridis.lo = 0;
        viridis.hi = static_cast<float>(std::max<Index>((2 * m - 1) * (2 * m - 1) - 1, 1));
        viridis.zero_rgba[0] = 0.267f;
        viridis.zero_rgba[1] = 0.005f;
        viridis.zero_rgba[2] = 0.329f;
        ImVec2 mn, mx;
        m_rpi_map.Draw("rpi", rpi, m_rpi.Generation(), ImVec2(map_side, map_side), viridis, &mn, &mx);
        query_band(mn, mx);
        Index i = 0, j = 0;
        if (slot_at(mn, mx, &i, &j))
            ImGui::SetTooltip(Tr(S::SwinRpiHover), static_cast<long long>(i), static_cast<long long>(i / m), static_cast<long long>(i % m),
                              static_cast<long long>(j), static_cast<long long>(j / m), static_cast<long long>(j % m),
                              static_cast<long long>(rpi.data[static_cast<size_t>(i * n + j)]), static_cast<long long>(i / m - j / m),
                              static_cast<long long>(i % m - j % m));
    }
    // The window's attention (one head).
    ImGui::SetCursorScreenPos(ImVec2(top.x + 2 * (w3 + gap), bottom_y + caps_h));
    if (att_current) {
        gfx::ColormapParams viridis;
        viridis.map = gfx::Colormap::Viridis;
        viridis.lo = 0;
        viridis.hi = att->peak;
        viridis.zero_rgba[0] = 0.267f;
        viridis.zero_rgba[1] = 0.005f;
        viridis.zero_rgba[2] = 0.329f;
        ImVec2 mn, mx;
        m_attention_map.Draw("attention", att->grid, m_attention->Generation(), ImVec2(map_side, map_side), viridis, &mn, &mx);
        query_band(mn, mx);
        Index i = 0, j = 0;
        if (slot_at(mn, mx, &i, &j)) {
            ImGui::SetTooltip(Tr(S::SwinAttentionHover), static_cast<long long>(i), static_cast<long long>(j), tokens[static_cast<size_t>(i)].label,
                              tokens[static_cast<size_t>(j)].label, static_cast<double>(att->grid.data[static_cast<size_t>(i * n + j)]),
                              static_cast<double>(att->result->mask[static_cast<size_t>(i * n + j)]));
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_query = i;
        }
    } else {
        ImGui::Dummy(ImVec2(map_side, map_side));
    }
}

// [SECTION] Tab: patch merging

void SwinPanel::DrawMergingTab(const SwinBase& b, ImVec2 avail) {
    const SwinGeometry& g = *b.geometry;
    const float font = ImGui::GetFontSize();
    const float gap = font;
    const float label_h = ImGui::GetTextLineHeightWithSpacing();
    const Index stage = g.stage;
    const Index gh = g.grid_h[static_cast<size_t>(stage)], gw = g.grid_w[static_cast<size_t>(stage)];
    const Index channels = b.config.embed_dim << stage;
    const bool last = stage + 1 >= kStages;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float top_h = avail.y * 0.56f;
    // Three columns: the stage's grid, the coloured part enlarged, the steps.
    const float image_col = avail.x * 0.36f, zoom_col = avail.x * 0.24f;
    const std::string image_caption = Fmt(Tr(last ? S::SwinMergeImageTitleLast : S::SwinMergeImageTitle), static_cast<int>(stage + 1));
    const std::string zoom_caption = Tr(S::SwinMergeZoomTitle);
    const float cap_h = std::max(CaptionHeight(image_caption, image_col), last ? 0.0f : CaptionHeight(zoom_caption, zoom_col - gap));
    const float image_box = std::max(16.0f, std::min(top_h - cap_h, image_col));
    // The stage's grid (with merging's padding row / column when a side is odd), x0..x3 coloured.
    GridFrame f;
    f.rows = last ? gh : 2 * MergedSide(gh);
    f.cols = last ? gw : 2 * MergedSide(gw);
    f.cell = std::max(0.05f, image_box / static_cast<float>(std::max(f.rows, f.cols)));
    Caption(top, image_caption, image_col);
    f.origin = ImVec2(top.x, top.y + cap_h);
    ImGui::SetCursorScreenPos(f.origin);
    ImGui::InvisibleButton("##merge_grid", ImVec2(f.cell * static_cast<float>(f.cols), f.cell * static_cast<float>(f.rows)));
    const bool hovered = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    DrawGridBackground(draw, f);
    DrawImageLayer(draw, b, f, 0, 0);
    draw->PushClipRect(f.origin, f.Max(), true);
    if (f.cell >= 3) WrappedLines(draw, f, 1, 0, 0, IM_COL32(255, 255, 255, f.cell >= 8 ? 60 : 35), 1.0f);
    if (!last && f.cell * 2 >= 4) WrappedLines(draw, f, 2, 0, 0, IM_COL32(255, 255, 255, 140), 1.0f);
    draw->PopClipRect();
    const Index y0 = std::clamp<Index>(m_merge_y / 2 * 2, 0, std::max<Index>(0, (f.rows - kMergeRegion) / 2 * 2));
    const Index x0 = std::clamp<Index>(m_merge_x / 2 * 2, 0, std::max<Index>(0, (f.cols - kMergeRegion) / 2 * 2));
    const Index y1 = std::min(y0 + kMergeRegion, f.rows), x1 = std::min(x0 + kMergeRegion, f.cols);
    auto source_of = [](Index y, Index x) { return static_cast<int>((y % 2) + 2 * (x % 2)); };  // x1 the odd row, x2 the odd column
    if (!last) {
        for (Index y = y0; y < y1; ++y)
            for (Index x = x0; x < x1; ++x) {
                const ImVec2 p0 = f.At(static_cast<double>(y), static_cast<double>(x));
                draw->AddRectFilled(p0, ImVec2(p0.x + f.cell, p0.y + f.cell), WithAlpha(kMergeColors[static_cast<size_t>(source_of(y, x))], 130));
            }
        draw->AddRect(f.At(static_cast<double>(y0), static_cast<double>(x0)), f.At(static_cast<double>(y1), static_cast<double>(x1)),
                      IM_COL32(255, 210, 80, 255), 0, 0, 2.5f);
    }
    draw->AddRect(ImVec2(f.origin.x - 1, f.origin.y - 1), ImVec2(f.Max().x + 1, f.Max().y + 1), IM_COL32(120, 120, 135, 255));
    auto merge_tooltip = [&](Index y, Index x) {
        const bool padding = y >= gh || x >= gw;
        if (last)
            ImGui::SetTooltip(Tr(S::SwinMergeHoverLast), static_cast<long long>(y), static_cast<long long>(x));
        else
            ImGui::SetTooltip(Tr(S::SwinMergeHover), static_cast<long long>(y), static_cast<long long>(x), static_cast<long long>(y / 2),
                              static_cast<long long>(x / 2), source_of(y, x), padding ? Tr(S::SwinPaddingToken) : "");
    };
    if (hovered) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const Index y = std::clamp<Index>(static_cast<Index>((mouse.y - f.origin.y) / f.cell), 0, f.rows - 1);
        const Index x = std::clamp<Index>(static_cast<Index>((mouse.x - f.origin.x) / f.cell), 0, f.cols - 1);
        merge_tooltip(y, x);
        if (clicked) {
            m_merge_y = std::max<Index>(0, y - kMergeRegion / 2 + 1);
            m_merge_x = std::max<Index>(0, x - kMergeRegion / 2 + 1);
        }
    }

    // The coloured part enlarged, patch by patch: which 2 x 2 tokens join, and as which x_k.
    const float zoom_x = top.x + image_col + gap;
    float text_x = zoom_x;
    if (!last) {
        Caption(ImVec2(zoom_x, top.y), zoom_caption, zoom_col - gap);
        const float zoom_side = std::max(16.0f, std::min(top_h - cap_h, zoom_col - gap));
        const float cell = zoom_side / static_cast<float>(kMergeRegion);
        const ImVec2 z0(zoom_x, top.y + cap_h);
        ImGui::SetCursorScreenPos(z0);
        ImGui::InvisibleButton("##merge_zoom", ImVec2(zoom_side, zoom_side));
        const bool zoom_hovered = ImGui::IsItemHovered();
        for (Index y = y0; y < y0 + kMergeRegion; ++y)
            for (Index x = x0; x < x0 + kMergeRegion; ++x) {
                const ImVec2 p0(z0.x + static_cast<float>(x - x0) * cell, z0.y + static_cast<float>(y - y0) * cell);
                if (y >= f.rows || x >= f.cols) {
                    draw->AddRectFilled(p0, ImVec2(p0.x + cell, p0.y + cell), IM_COL32(30, 30, 36, 255));
                    continue;
                }
                DrawTokenPatch(draw, b, y, x, p0, cell);
                const ImU32 c = kMergeColors[static_cast<size_t>(source_of(y, x))];
                draw->AddRectFilled(p0, ImVec2(p0.x + cell, p0.y + cell), WithAlpha(c, 70));
                draw->AddRect(ImVec2(p0.x + 1, p0.y + 1), ImVec2(p0.x + cell - 1, p0.y + cell - 1), WithAlpha(c, 255), 0, 0, 2.0f);
                if (cell >= font * 1.4f) {
                    char text[8];
                    std::snprintf(text, sizeof text, "x%d", source_of(y, x));
                    draw->AddRectFilled(ImVec2(p0.x + 3, p0.y + 3), ImVec2(p0.x + 5 + ImGui::CalcTextSize(text).x, p0.y + 3 + font), IM_COL32(10, 10, 14, 170));
                    draw->AddText(ImVec2(p0.x + 4, p0.y + 3), IM_COL32(255, 255, 255, 255), text);
                }
            }
        for (Index y = 0; y <= kMergeRegion; y += 2) {
            const float t = static_cast<float>(y) * cell;
            draw->AddLine(ImVec2(z0.x, z0.y + t), ImVec2(z0.x + zoom_side, z0.y + t), IM_COL32(255, 255, 255, 235), 2.5f);
            draw->AddLine(ImVec2(z0.x + t, z0.y), ImVec2(z0.x + t, z0.y + zoom_side), IM_COL32(255, 255, 255, 235), 2.5f);
        }
        draw->AddRect(z0, ImVec2(z0.x + zoom_side, z0.y + zoom_side), IM_COL32(255, 210, 80, 255), 0, 0, 2.5f);
        if (zoom_hovered) {
            const ImVec2 mouse = ImGui::GetIO().MousePos;
            const Index y = y0 + std::clamp<Index>(static_cast<Index>((mouse.y - z0.y) / cell), 0, kMergeRegion - 1);
            const Index x = x0 + std::clamp<Index>(static_cast<Index>((mouse.x - z0.x) / cell), 0, kMergeRegion - 1);
            if (y < f.rows && x < f.cols) merge_tooltip(y, x);
        }
        text_x = zoom_x + zoom_col;
    }
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + top_h));

    // The steps, with this stage's shapes.
    const float text_w = top.x + avail.x - text_x;
    ImGui::SetCursorScreenPos(ImVec2(text_x, top.y));
    ImGui::BeginChild("##merge_steps", ImVec2(text_w, top_h), false);
    ImGui::PushTextWrapPos(0);
    if (last) {
        Paragraph(Fmt(Tr(S::SwinMergeLastNote), static_cast<int>(stage + 1), static_cast<long long>(gw), static_cast<long long>(gh),
                           static_cast<long long>(channels)));
    } else {
        const Index mh = MergedSide(gh), mw = MergedSide(gw);
        ImDrawList* dl = ImGui::GetWindowDrawList();
        const float avail_w = ImGui::GetContentRegionAvail().x;
        const float seg = std::min(font * 4.5f, avail_w / 4.0f);
        const float bar_h = font * 1.3f;
        auto arrow = [&] {
            const ImVec2 p = ImGui::GetCursorScreenPos();
            const float cx = p.x + font;
            dl->AddLine(ImVec2(cx, p.y + 1), ImVec2(cx, p.y + font * 0.7f), IM_COL32(200, 200, 210, 255), 2.0f);
            dl->AddTriangleFilled(ImVec2(cx - 5, p.y + font * 0.7f - 1), ImVec2(cx + 5, p.y + font * 0.7f - 1), ImVec2(cx, p.y + font * 1.05f),
                                  IM_COL32(200, 200, 210, 255));
            ImGui::Dummy(ImVec2(font * 2, font * 1.1f));
        };
        auto bar = [&](float x, float w, ImU32 color, const char* text) {
            const ImVec2 p = ImGui::GetCursorScreenPos();
            dl->AddRectFilled(ImVec2(p.x + x, p.y), ImVec2(p.x + x + w - 2, p.y + bar_h), color, 3.0f);
            dl->PushClipRect(ImVec2(p.x + x, p.y), ImVec2(p.x + x + w - 2, p.y + bar_h), true);
            dl->AddText(ImVec2(p.x + x + 4, p.y + (bar_h - font) * 0.5f), IM_COL32(15, 15, 20, 255), text);
            dl->PopClipRect();
        };
        // 1: the 2 x 2 tokens of the top-left merged token of the coloured part, from the image.
        Paragraph(Fmt(Tr(S::SwinMergeStep1), static_cast<long long>(channels)));
        {
            const ImVec2 p = ImGui::GetCursorScreenPos();
            const float side = std::min(font * 2.2f, seg * 0.5f);
            for (int k = 0; k < 4; ++k) {
                const Index y = y0 + (k & 1), x = x0 + (k >> 1);
                const ImVec2 q(p.x + static_cast<float>(k >> 1) * (side + 3), p.y + static_cast<float>(k & 1) * (side + 3));
                if (y < gh && x < gw) DrawTokenPatch(dl, b, y, x, q, side);
                else dl->AddRectFilled(q, ImVec2(q.x + side, q.y + side), IM_COL32(30, 30, 36, 255));
                dl->AddRect(q, ImVec2(q.x + side, q.y + side), kMergeColors[static_cast<size_t>(k)], 0, 0, 2.5f);
                char text[8];
                std::snprintf(text, sizeof text, "x%d", k);
                dl->AddRectFilled(ImVec2(q.x + 2, q.y + 2), ImVec2(q.x + 4 + ImGui::CalcTextSize(text).x, q.y + 2 + font), IM_COL32(10, 10, 14, 170));
                dl->AddText(ImVec2(q.x + 3, q.y + 2), IM_COL32(255, 255, 255, 255), text);
            }
            ImGui::Dummy(ImVec2(2 * side + 3, 2 * side + 3));
        }
        arrow();
        Paragraph(Fmt(Tr(S::SwinMergeStep2), static_cast<long long>(4 * channels)));
        for (int k = 0; k < 4; ++k) {
            char text[32];
            std::snprintf(text, sizeof text, "x%d: %lld", k, static_cast<long long>(channels));
            bar(static_cast<float>(k) * seg, seg, WithAlpha(kMergeColors[static_cast<size_t>(k)], 230), text);
        }
        ImGui::Dummy(ImVec2(seg * 4, bar_h));
        arrow();
        Paragraph(Fmt(Tr(S::SwinMergeStep3), static_cast<long long>(4 * channels), FormatExact(8 * channels).c_str(),
                           static_cast<long long>(2 * channels), static_cast<long long>(4 * channels), FormatExact(8 * channels * channels).c_str()));
        arrow();
        {
            char text[32];
            std::snprintf(text, sizeof text, "2C = %lld", static_cast<long long>(2 * channels));
            bar(0, seg * 2, IM_COL32(205, 205, 220, 235), text);
            ImGui::Dummy(ImVec2(seg * 2, bar_h));
        }
        ImGui::Spacing();
        Paragraph(Fmt(Tr(S::SwinMergeShapes), static_cast<long long>(gw), static_cast<long long>(gh), static_cast<long long>(channels),
                           static_cast<long long>(mw), static_cast<long long>(mh), static_cast<long long>(4 * channels), static_cast<long long>(mw),
                           static_cast<long long>(mh), static_cast<long long>(2 * channels)));
        if (b.stats && static_cast<size_t>(stage + 1) < b.stats->stages.size()) {
            const SwinStageStats& next = b.stats->stages[static_cast<size_t>(stage + 1)];
            Paragraph(Fmt(Tr(S::SwinMergeCounts), FormatExact(next.merge_parameters).c_str(), FormatExact(next.merge_macs).c_str()));
        }
        if (gh % 2 != 0 || gw % 2 != 0) ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Tr(S::SwinMergeOddNote));
    }
    ImGui::PopTextWrapPos();
    ImGui::EndChild();

    // Bottom: the hierarchy (one thumbnail per stage, click to choose) and the operator.
    const float bottom_y = top.y + top_h + gap * 0.5f;
    const float bottom_h = top.y + avail.y - bottom_y;
    const float thumbs_w = image_col;
    const float thumb = std::max(16.0f, std::min((thumbs_w - gap) / 2, (bottom_h - label_h - gap * 0.5f) / 2 - label_h));
    ImGui::SetCursorScreenPos(ImVec2(top.x, bottom_y));
    ParagraphDisabled(Tr(S::SwinHierarchyTitle));
    for (int k = 0; k < kStages; ++k) {
        const Index th = g.grid_h[static_cast<size_t>(k)], tw = g.grid_w[static_cast<size_t>(k)];
        const ImVec2 at(top.x + static_cast<float>(k % 2) * (thumb + gap), bottom_y + label_h + static_cast<float>(k / 2) * (thumb + label_h + gap * 0.5f));
        GridFrame t;
        t.rows = th;
        t.cols = tw;
        t.cell = thumb / static_cast<float>(std::max(th, tw));
        t.origin = at;
        ImGui::SetCursorScreenPos(at);
        ImGui::PushID(k);
        if (ImGui::InvisibleButton("##thumb", ImVec2(t.cell * static_cast<float>(tw), t.cell * static_cast<float>(th)))) m_spec.stage = k;
        const bool thumb_hovered = ImGui::IsItemHovered();
        ImGui::PopID();
        DrawGridBackground(draw, t);
        {
            // The image at stage k's token size (P * 2^k px a token).
            const double tp = static_cast<double>(g.patch_grid.patch << k);
            const ImVec2 uv(static_cast<float>(g.content_w) / static_cast<float>(b.image->width), static_cast<float>(g.content_h) / static_cast<float>(b.image->height));
            draw->PushClipRect(t.origin, t.Max(), true);
            draw->AddImage(m_image_texture.Get().ImId(), t.origin, t.At(static_cast<double>(g.content_h) / tp, static_cast<double>(g.content_w) / tp), ImVec2(0, 0), uv);
            if (t.cell >= 2.5f) WrappedLines(draw, t, 1, 0, 0, IM_COL32(255, 255, 255, 70), 1.0f);
            draw->PopClipRect();
        }
        draw->AddRect(ImVec2(at.x - 1, at.y - 1), ImVec2(t.Max().x + 1, t.Max().y + 1),
                      k == stage ? IM_COL32(255, 210, 80, 255) : thumb_hovered ? IM_COL32(120, 220, 255, 255) : IM_COL32(120, 120, 135, 255), 0, 0,
                      k == stage ? 2.5f : 1.0f);
        const std::string caption = Fmt(Tr(S::SwinHierarchyCaption), k + 1, static_cast<long long>(tw), static_cast<long long>(th),
                                        static_cast<long long>(b.config.embed_dim << k));
        draw->PushClipRect(ImVec2(at.x, t.Max().y), ImVec2(at.x + thumb + gap * 0.8f, t.Max().y + label_h), true);
        draw->AddText(ImVec2(at.x, t.Max().y + 2), k == stage ? IM_COL32(255, 210, 80, 255) : ImGui::GetColorU32(ImGuiCol_TextDisabled), caption.c_str());
        draw->PopClipRect();
    }
    const float canvas_x = top.x + thumbs_w + gap;
    const float canvas_w = top.x + avail.x - canvas_x;
    const std::string canvas_caption = Fmt(Tr(S::SwinCanvasTitle), static_cast<long long>(kMergeExample), static_cast<long long>(kMergeExample),
                                           static_cast<long long>(kMergeExampleChannels));
    Caption(ImVec2(canvas_x, bottom_y), canvas_caption, canvas_w);
    ImGui::SetCursorScreenPos(ImVec2(canvas_x, bottom_y + CaptionHeight(canvas_caption, canvas_w)));
    ImGui::RadioButton(Tr(S::SwinCanvasGather), &m_merge_part, 0);
    ImGui::SameLine();
    ImGui::RadioButton(Tr(S::SwinCanvasReduction), &m_merge_part, 1);
    const float canvas_y = ImGui::GetCursorScreenPos().y;
    ImGui::SetCursorScreenPos(ImVec2(canvas_x, canvas_y));
    const auto& op = m_merge_op.Get(m_merge_part, [](int part) {
        PatchMergingSpec spec;
        spec.height = kMergeExample;
        spec.width = kMergeExample;
        spec.channels = kMergeExampleChannels;
        return PatchMergingOperator::Create(spec, part == 0 ? PatchMergingPart::Gather : PatchMergingPart::Reduction);
    });
    CanvasOptions options;
    // By value: the gather's ones; the reduction's W_k blocks, the same for every merged token (shared weights).
    options.coloring = CanvasColoring::Value;
    options.value_range = m_merge_part == 0 ? 1.0f : 1.0f / std::sqrt(static_cast<float>(4 * kMergeExampleChannels));
    options.row_title = Tr(m_merge_part == 0 ? S::SwinCanvasRowsGather : S::SwinCanvasRowsReduction);
    options.col_title = Tr(S::SwinCanvasCols);
    options.row_block = m_merge_part == 0 ? kMergeExampleChannels : 2 * kMergeExampleChannels;
    options.col_block = kMergeExampleChannels;
    m_canvas->Draw("merge_operator", op, m_merge_op.Generation(), ImVec2(canvas_w, top.y + avail.y - canvas_y), options);
}

// [SECTION] Tab: stages and complexity

void SwinPanel::DrawStagesTab(const SwinBase& b, ImVec2 avail) {
    const SwinGeometry& g = *b.geometry;
    const float font = ImGui::GetFontSize();
    const float gap = font;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    if (!b.stats) {
        ImGui::PushTextWrapPos(0);
        for (const auto& issue : b.stats_issues) ParagraphColored(ImVec4(1, 0.5f, 0.45f, 1), Fmt("%s: %s", issue.field.c_str(), issue.message.c_str()));
        ImGui::PopTextWrapPos();
        return;
    }
    const SwinStats& st = *b.stats;
    const char* name = kVariantNames[static_cast<size_t>(std::clamp(m_spec.variant, 0, 3))];
    Paragraph(Fmt(Tr(S::SwinTableTitle), name, static_cast<long long>(g.patch_grid.grid_w * g.patch_grid.patch),
                static_cast<long long>(g.patch_grid.grid_h * g.patch_grid.patch), static_cast<long long>(m_spec.patch), static_cast<long long>(m_spec.window)));
    auto cell_count = [](Count v, bool si) {
        if (si) {
            ImGui::TextUnformatted(FormatSI(static_cast<double>(v), 3).c_str());
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", FormatExact(v).c_str());
        } else {
            ImGui::TextUnformatted(FormatExact(v).c_str());
        }
    };
    if (ImGui::BeginTable("##stages", 10, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp, ImVec2(avail.x, 0))) {
        const S headers[] = {S::SwinColStage, S::SwinColTokens, S::SwinColPadded, S::SwinColWindows, S::SwinColShift,
                             S::SwinColChannels, S::SwinColHeads, S::SwinColBlocks, S::SwinColParameters, S::SwinColMacs};
        for (S h : headers) ImGui::TableSetupColumn(Tr(h));
        ImGui::TableHeadersRow();
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Tr(S::SwinRowEmbed));
        ImGui::TableNextColumn();
        ImGui::Text("%lld x %lld", static_cast<long long>(st.patch_grid.grid_w), static_cast<long long>(st.patch_grid.grid_h));
        for (int k = 0; k < 3; ++k) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("-");
        }
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(b.config.embed_dim));
        ImGui::TableNextColumn();
        ImGui::TextDisabled("-");
        ImGui::TableNextColumn();
        ImGui::TextDisabled("-");
        ImGui::TableNextColumn();
        cell_count(st.embed_parameters, false);
        ImGui::TableNextColumn();
        cell_count(st.embed_macs, true);
        for (const SwinStageStats& s : st.stages) {
            ImGui::TableNextRow();
            if (s.stage == g.stage) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, IM_COL32(90, 75, 30, 140));
            ImGui::TableNextColumn();
            char label[48];
            std::snprintf(label, sizeof label, Tr(S::SwinRowStage), static_cast<int>(s.stage + 1));
            if (ImGui::Selectable(label, s.stage == g.stage, ImGuiSelectableFlags_SpanAllColumns)) m_spec.stage = s.stage;
            ImGui::TableNextColumn();
            ImGui::Text("%lld x %lld", static_cast<long long>(s.grid_w), static_cast<long long>(s.grid_h));
            ImGui::TableNextColumn();
            if (s.padded_h != s.grid_h || s.padded_w != s.grid_w)
                ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), "%lld x %lld", static_cast<long long>(s.padded_w), static_cast<long long>(s.padded_h));
            else
                ImGui::Text("%lld x %lld", static_cast<long long>(s.padded_w), static_cast<long long>(s.padded_h));
            ImGui::TableNextColumn();
            ImGui::Text("%s", FormatExact(s.windows).c_str());
            ImGui::TableNextColumn();
            if (s.shift_h == s.shift_w) ImGui::Text("%lld", static_cast<long long>(s.shift_h));
            else ImGui::Text("%lld, %lld", static_cast<long long>(s.shift_w), static_cast<long long>(s.shift_h));
            ImGui::TableNextColumn();
            ImGui::Text("%lld", static_cast<long long>(s.channels));
            ImGui::TableNextColumn();
            ImGui::Text("%lld", static_cast<long long>(s.heads));
            ImGui::TableNextColumn();
            ImGui::Text("%lld", static_cast<long long>(s.depth));
            ImGui::TableNextColumn();
            cell_count(s.parameters, false);
            ImGui::TableNextColumn();
            cell_count(s.macs, true);
        }
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Tr(S::SwinRowHead));
        for (int k = 0; k < 4; ++k) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("-");
        }
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(st.num_features));
        for (int k = 0; k < 2; ++k) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("-");
        }
        ImGui::TableNextColumn();
        cell_count(st.head_parameters, false);
        ImGui::TableNextColumn();
        cell_count(st.head_macs, true);
        ImGui::TableNextRow();
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, IM_COL32(40, 60, 90, 160));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Tr(S::SwinRowTotal));
        for (int k = 0; k < 8; ++k) ImGui::TableNextColumn();
        cell_count(st.parameters, false);
        ImGui::TableNextColumn();
        cell_count(st.macs, true);
        ImGui::EndTable();
    }
    ImGui::PushTextWrapPos(top.x + avail.x - ImGui::GetWindowPos().x);
    ParagraphDisabled(Fmt(Tr(S::SwinTableNote), FormatExact(st.relative_bias_parameters).c_str()));
    ImGui::PopTextWrapPos();

    // The complexity chart: ViT's global attention against window attention, first stage.
    const float plot_y = ImGui::GetCursorScreenPos().y + gap * 0.3f;
    const float text_w = std::max(font * 16, avail.x * 0.3f);
    const ImVec2 plot_size(avail.x - text_w - gap, top.y + avail.y - plot_y);
    PlotSeries global, window, padded, here;
    global.label = Tr(S::SwinCurveGlobal);
    global.color = IM_COL32(255, 110, 90, 255);
    window.label = Tr(S::SwinCurveWindow);
    window.color = IM_COL32(120, 200, 255, 255);
    padded.label = Tr(S::SwinCurvePadded);
    padded.color = IM_COL32(120, 230, 150, 200);
    padded.markers = false;
    here.label = Tr(S::SwinCurveHere);
    here.color = IM_COL32(255, 255, 255, 255);
    here.line = false;
    here.marker_radius = 5.0f;
    for (const SwinComplexityPoint& p : b.curve) {
        global.x.push_back(static_cast<double>(p.image));
        global.y.push_back(static_cast<double>(p.global_msa));
        window.x.push_back(static_cast<double>(p.image));
        window.y.push_back(static_cast<double>(p.window_msa));
        padded.x.push_back(static_cast<double>(p.image));
        padded.y.push_back(static_cast<double>(p.window_msa_padded));
    }
    // This image: the paper's two formulas on its own h x w grid (MsaComplexity takes square images),
    // drawn at the side of the square image with as many tokens.
    const Index gh = g.patch_grid.grid_h, gw = g.patch_grid.grid_w, c = b.config.embed_dim, m = m_spec.window;
    const auto hw = CheckedProduct({gh, gw});
    const auto projections = hw ? CheckedProduct({4, *hw, c, c}) : std::nullopt;
    const auto global_attention = hw ? CheckedProduct({2, *hw, *hw, c}) : std::nullopt;
    const auto window_attention = hw ? CheckedProduct({2, m, m, *hw, c}) : std::nullopt;
    std::optional<std::pair<Count, Count>> point;  // global, window MACs
    if (projections && global_attention && window_attention) {
        const auto global_total = CheckedAdd(*projections, *global_attention), window_total = CheckedAdd(*projections, *window_attention);
        if (global_total && window_total) point = std::make_pair(*global_total, *window_total);
    }
    if (point) {
        const double side = std::sqrt(static_cast<double>(*hw)) * static_cast<double>(m_spec.patch);
        here.x = {side, side};
        here.y = {static_cast<double>(point->first), static_cast<double>(point->second)};
    }
    const PlotSeries series[] = {global, window, padded, here};
    PlotAxes axes;
    axes.log_x = true;
    axes.log_y = true;
    axes.x_label = Tr(S::SwinCurveX);
    axes.y_label = Tr(S::SwinCurveY);
    axes.legend_left = true;
    for (double e = 64; e <= 4096; e *= 2)
        if (b.curve.empty() || e >= static_cast<double>(b.curve.front().image)) axes.x_ticks.push_back(e);
    ImGui::SetCursorScreenPos(ImVec2(top.x, plot_y));
    LinePlot("complexity", ImVec2(plot_size.x, std::max(plot_size.y, font * 8)), series, axes);
    ImGui::SetCursorScreenPos(ImVec2(top.x + plot_size.x + gap, plot_y));
    ImGui::BeginChild("##complexity_text", ImVec2(text_w, std::max(plot_size.y, font * 8)), false);
    ImGui::PushTextWrapPos(0);
    Paragraph(Fmt(Tr(S::SwinFormulaGlobal), static_cast<long long>(b.config.embed_dim)));
    Paragraph(Fmt(Tr(S::SwinFormulaWindow), static_cast<long long>(m_spec.window)));
    Paragraph(Fmt(Tr(S::SwinFormulaCrossover), static_cast<long long>(m_spec.window * m_spec.window)));
    if (point) {
        const double ratio = static_cast<double>(point->first) / static_cast<double>(std::max<Count>(point->second, 1));
        Paragraph(Fmt(Tr(S::SwinFormulaHere), static_cast<long long>(gw), static_cast<long long>(gh), FormatSI(static_cast<double>(point->first), 2).c_str(),
                      FormatSI(static_cast<double>(point->second), 2).c_str(), ratio));
    }
    if (!b.curve.empty()) {
        const SwinComplexityPoint& p = b.curve.back();
        Paragraph(Fmt(Tr(S::SwinFormulaLargest), static_cast<long long>(p.image), static_cast<long long>(p.image),
                           static_cast<double>(p.global_msa) / static_cast<double>(std::max<Count>(p.window_msa, 1))));
    }
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + avail.y));
}

// [SECTION] DrawContent

void SwinPanel::DrawContent(AppContext& context) {
    if (!m_base) {
        m_base = std::make_unique<LatestTask<BaseKey, SwinBase>>(*context.tasks);
        m_attention = std::make_unique<LatestTask<AttentionKey, SwinWindowAttention>>(*context.tasks);
        m_canvas = std::make_unique<MatrixCanvas>(*context.tasks);
    }
    if (m_playing) {
        m_roll += std::min(ImGui::GetIO().DeltaTime, 1.0f / 30.0f) / 1.5f;  // 1.5 s for the whole roll
        if (m_roll >= 1.0f) {
            m_roll = 1.0f;
            m_playing = false;
        }
    }
    const BaseKey key{m_spec, context.image_version};
    auto image = context.image;
    m_base->Request(key, [key, image](TaskContext& task) { return ComputeSwinBase(key.spec, image, task); });
    m_base->Poll();
    const SwinBase* b = m_base->Current();
    // The selected window's attention, only for the mask tab (and only the one window).
    if (b && b->geometry && b->tokens && m_tab == 1 && b->geometry->layout.window <= kHeatmapMaxWindow) {
        const SwinWindowLayout& l = b->geometry->layout;
        const AttentionKey akey{m_base->Generation(), WindowOf(l), m_projection};
        const auto tokens = b->tokens;
        m_attention->Request(akey, [tokens, l, akey](TaskContext& task) {
            return ComputeSwinWindowAttention(*tokens, l, akey.window_index, akey.projection, task);
        });
    }
    m_attention->Poll();

    BeginEditorColumn();
    DrawEditors(b);
    if (!m_base->Error().empty()) ParagraphColored(ImVec4(1, 0.5f, 0.45f, 1), Fmt("%s", m_base->Error().c_str()));
    BeginMainArea();
    if (b && !b->geometry) {
        ImGui::PushTextWrapPos(0);
        for (const auto& issue : b->issues) ParagraphColored(ImVec4(1, 0.5f, 0.45f, 1), Fmt("%s: %s", issue.field.c_str(), issue.message.c_str()));
        ImGui::PopTextWrapPos();
    }
    if (b && b->geometry) {
        SyncTextures(*b);
        if (ImGui::BeginTabBar("##tabs")) {
            const S titles[] = {S::SwinTabWindows, S::SwinTabMask, S::SwinTabMerging, S::SwinTabStages};
            for (int k = 0; k < 4; ++k) {
                if (!ImGui::BeginTabItem(Tr(titles[k]), nullptr, m_tab == k && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) continue;
                if (!m_force_tab) m_tab = k;
                const ImVec2 avail = ImGui::GetContentRegionAvail();
                switch (k) {
                    case 0: DrawWindowsTab(*b, avail); break;
                    case 1: DrawMaskTab(*b, avail); break;
                    case 2: DrawMergingTab(*b, avail); break;
                    default: DrawStagesTab(*b, avail); break;
                }
                ImGui::EndTabItem();
            }
            m_force_tab = false;
            ImGui::EndTabBar();
        }
    }
    ImGui::EndChild();
}

// [SECTION] Export

void SwinPanel::Export(AppContext& context, ExportSink& sink) {
    Panel::Export(context, sink);
    TaskContext none;
    VisitFigures(ComputeSwinLesson(m_spec, Selection(), context.image, none), sink);
}

}  // namespace

LENS_REGISTER_PANEL(SwinPanel, 110, "swin")

}  // namespace lens::app
