// app/panels/swin/swin_panel.hpp: the Swin panel's class, shared by its sources (private to
// app/panels/swin/): swin_panel.cpp (drawing helpers, editors, DrawContent, export) and one file per
// tab (swin_windows_tab.cpp, swin_mask_tab.cpp, swin_merging_tab.cpp, swin_stages_tab.cpp). The
// computation is the core lesson lens/lessons/swin_lesson.hpp; this panel lays out and draws it.
//
// Frames (said out loud, they decide every picture): the window grid is the padded grid of the
// chosen stage; the "rolled frame" is the grid after torch.roll(-s): rolled position p holds the
// token from (p + s) mod L (lens/swin.hpp). With roll progress t in [0, 1] the canvas shows the
// grid rolled by t * s: the image and everything attached to it (region colours, window lines) move
// together, so t = 0 shows the shifted windows on the image as it is and t = 1 the regular windows
// of the rolled grid that torchvision computes.
//
// [SECTION] Constants and colours
// [SECTION] Keys of the tasks
// [SECTION] Frames and text helpers
// [SECTION] Panel
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <lens/lessons/swin_lesson.hpp>
#include <lens/memo.hpp>
#include <lens/patch.hpp>  // kPatchMaxPatch
#include <lens/swin.hpp>

#include "../../app_context.hpp"
#include "../../export.hpp"
#include "../../gfx/texture.hpp"
#include "../../widgets/heatmap.hpp"
#include "../../widgets/matrix_canvas.hpp"
#include "../panel.hpp"

namespace lens::app::swin {

// [SECTION] Constants and colours

inline constexpr std::int64_t kMaxResize = kSwinLessonMaxResize;          // px: the resize range
inline constexpr int kStages = kSwinLessonStages;                          // every preset has four stages
inline constexpr Index kHeatmapMaxWindow = kSwinLessonMaxAttentionWindow;  // M: the M^2 x M^2 heatmaps and attention are drawn up to here
inline constexpr Index kMergeExample = 4;                                  // the operator canvas: a 4 x 4 map ...
inline constexpr Index kMergeExampleChannels = 4;                          // ... of 4 channels
inline constexpr Index kMergeRegion = 8;                                   // tokens a side of the x0..x3 colouring

inline constexpr std::array<const char*, 4> kVariantNames{"Swin-T", "Swin-S", "Swin-B", "Swin-L"};

// Region labels 0..8: translucent categorical hues (tab10), the same in every view.
inline constexpr std::array<ImU32, 9> kLabelColors{IM_COL32(31, 119, 180, 255), IM_COL32(255, 127, 14, 255), IM_COL32(44, 160, 44, 255),
                                                   IM_COL32(214, 39, 40, 255),  IM_COL32(148, 103, 189, 255), IM_COL32(160, 100, 85, 255),
                                                   IM_COL32(227, 119, 194, 255), IM_COL32(188, 189, 34, 255), IM_COL32(23, 190, 207, 255)};
// Patch merging's four sources x0..x3.
inline constexpr std::array<ImU32, 4> kMergeColors{IM_COL32(235, 85, 80, 255), IM_COL32(90, 200, 100, 255), IM_COL32(90, 145, 255, 255),
                                                   IM_COL32(240, 200, 60, 255)};

inline ImU32 WithAlpha(ImU32 color, int alpha) { return (color & ~IM_COL32_A_MASK) | (static_cast<ImU32>(alpha) << IM_COL32_A_SHIFT); }
inline ImU32 LabelColor(int label, int alpha = 255) { return WithAlpha(kLabelColors[static_cast<size_t>(std::clamp(label, 0, 8))], alpha); }

// [SECTION] Keys of the tasks

// What the base computation depends on: the lesson spec and the image.
struct BaseKey {
    SwinLessonSpec spec;
    std::uint64_t image_version = 0;
    bool operator==(const BaseKey&) const = default;
};

struct AttentionKey {
    std::uint64_t base = 0;  // the base result's generation
    Index window_index = 0;
    int projection = 0;      // 0 identity, 1 seeded random
    bool operator==(const AttentionKey&) const = default;
};

// What the mask tab shows in one frame (fixed before any click changes the selection).
struct MaskView {
    Index selected = 0, query = 0;
    std::vector<SwinWindowToken> tokens;       // the selected window's slots
    const SwinWindowAttention* att = nullptr;  // the latest attention, maybe of another window
    bool att_current = false;                  // att is the selected window's, of this base
    const float* row = nullptr;                // the query's attention row, or null
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

inline double Wrap(double v, double period) {
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

// Lines every `step` tokens, displaced by `offset` tokens and wrapped, across a frame.
void WrappedLines(ImDrawList* draw, const GridFrame& f, Index step, double offset_y, double offset_x, ImU32 color, float thickness);
// A rectangle of tokens displaced and wrapped around the frame (up to four pieces, clipped).
void WrappedRect(ImDrawList* draw, const GridFrame& f, double y0, double x0, double h, double w, ImU32 color, float thickness, bool filled = false);
// Red issue lines "field: message".
void IssueLines(const std::vector<SpecIssue>& issues);

// [SECTION] Panel

class SwinPanel final : public Panel {
public:
    const char* Id() const override { return "swin"; }
    i18n::S Title() const override { return i18n::S::SwinTitle; }
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
    // Every key, declared once (swin_panel.cpp): the spec's fields point into m_spec, the view
    // settings (selection, roll, canvas part, tab) into m_selection and the members below.
    void DeclareFields(FieldTable& f) override;

    void DrawContent(AppContext& context) override;

private:
    static Index SideOf(int v) { return static_cast<Index>(v); }
    const SwinSelection& Selection() const { return m_selection; }
    // Every problem of the keys together, for an image_h x image_w image (after resizing).
    std::vector<SpecIssue> CheckAll(Index image_h, Index image_w) const { return CheckSwinLesson(m_spec, Selection(), image_h, image_w); }
    Index WindowOf(const SwinWindowLayout& l) const { return SwinSelectedWindow(l, m_selection.window_index); }
    Index QueryOf(const SwinWindowLayout& l) const { return SwinSelectedQuery(l, m_selection.query); }

    // swin_panel.cpp
    void RequestTasks(AppContext& context);
    void DrawEditors(const SwinBase* b);
    void DrawStageSlider();
    void DrawTabs(const SwinBase& b);
    // swin_windows_tab.cpp
    void DrawWindowsTab(const SwinBase& b, ImVec2 avail);
    void DrawRollControls(const SwinWindowLayout& l);
    void DrawWindowGrid(const SwinBase& b, ImVec2 box, Index selected);
    void DrawWindowsSide(const SwinBase& b, ImVec2 size, Index selected);
    // swin_mask_tab.cpp
    void DrawMaskTab(const SwinBase& b, ImVec2 avail);
    void SyncMask(const SwinBase& b, const MaskView& v);
    void DrawMaskOverlay(const SwinBase& b, const MaskView& v, ImVec2 top, float image_col, float top_h, float cap_h, const std::string& caption);
    void DrawMaskText(const SwinBase& b, const MaskView& v);
    void DrawMaskMaps(const MaskView& v, const SwinWindowLayout& l, ImVec2 at, ImVec2 avail);
    // swin_merging_tab.cpp
    void DrawMergingTab(const SwinBase& b, ImVec2 avail);
    void DrawMergeZoom(const SwinBase& b, const GridFrame& f, Index y0, Index x0, ImVec2 at, ImVec2 size, float cap_h, const std::string& caption);
    void DrawMergeSteps(const SwinBase& b, Index y0, Index x0);
    void DrawHierarchy(const SwinBase& b, ImVec2 at, float width, float height);
    void DrawMergeCanvas(ImVec2 at, ImVec2 size);
    void MergeTooltip(const SwinBase& b, Index y, Index x) const;
    // swin_stages_tab.cpp
    void DrawStagesTab(const SwinBase& b, ImVec2 avail);
    void DrawStageTable(const SwinBase& b, float width);
    void DrawComplexity(const SwinBase& b, ImVec2 top, ImVec2 avail);

    // Drawing helpers (swin_panel.cpp; the image texture and the label texture belong to the current base).
    void SyncTextures(const SwinBase& b);
    void DrawGridBackground(ImDrawList* draw, const GridFrame& f) const;
    void DrawImageLayer(ImDrawList* draw, const SwinBase& b, const GridFrame& f, double offset_y, double offset_x) const;
    void DrawLabelLayer(ImDrawList* draw, const GridFrame& f, double offset_y, double offset_x) const;
    void DrawTokenPatch(ImDrawList* draw, const SwinBase& b, Index y, Index x, ImVec2 p0, float side) const;
    // The selected window's M x M tokens as gathered after the roll, patch by patch from the image.
    // `attention`: the query's row (shades the tokens), or null. Returns the slot under the pointer.
    std::optional<Index> DrawWindowMosaic(const SwinBase& b, Index window_index, ImVec2 size, const float* attention, Index query);

    SwinLessonSpec m_spec;
    // Window, query and projection (seeded random by default: softer attention than Q = K = V = X,
    // whose diagonal dominates).
    SwinSelection m_selection;
    float m_roll = 1.0f;
    bool m_playing = false;
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

}  // namespace lens::app::swin
