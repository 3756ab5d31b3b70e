// app/panels/swin/swin_panel.cpp: "Swin". The notes' "(3C) SWIN Transformer" over a real image: the
// patch grid and the window grid of any stage, regular or shifted windows with the cyclic shift
// played token by token (the image rolls, wrapping around, until the shifted windows are regular
// again), windows coloured by region label; a window's M^2 x M^2 mask and relative position index,
// and its masked attention drawn over the image; patch merging step by step (x0..x3, 4C, LayerNorm,
// 2C) with its operator on the canvas and the 56 -> 28 -> 14 -> 7 hierarchy; the stage table of
// Swin-T/S/B/L and the global against window attention cost as the image grows. The numbers come
// from the core lesson (lens/lessons/swin_lesson.hpp); each tab is drawn in its own file.
//
// [SECTION] Drawing helpers
// [SECTION] Fields and editors
// [SECTION] DrawContent
// [SECTION] Export
#include "swin_panel.hpp"

#include <set>

#include "../../widgets/paragraph.hpp"
#include "../../widgets/spec_editor.hpp"

namespace lens::app::swin {

using i18n::S;
using i18n::Tr;

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
void WrappedRect(ImDrawList* draw, const GridFrame& f, double y0, double x0, double h, double w, ImU32 color, float thickness, bool filled) {
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

void IssueLines(const std::vector<SpecIssue>& issues) {
    for (const auto& issue : issues) ParagraphColored(ImVec4(1, 0.5f, 0.45f, 1), Fmt("%s: %s", issue.field.c_str(), issue.message.c_str()));
}

// [SECTION] Fields and editors

void SwinPanel::DeclareFields(FieldTable& f) {
    std::vector<ChoiceOption> variants;
    for (size_t k = 0; k < kVariantNames.size(); ++k) variants.push_back({std::string(1, "tsbl"[k]), kVariantNames[k]});
    f.Choice("variant", S::SwinVariant, &m_spec.variant, std::move(variants), "Swin-T, Swin-S, Swin-B or Swin-L (torchvision; L as in the paper)");
    f.Int("patch", S::AttnPatch, &m_spec.patch, 1, kPatchMaxPatch, "patch size P, px (Swin: 4)");
    f.Int("window", S::SwinWindow, &m_spec.window, 1, kSwinMaxWindow, "window M, tokens a side (Swin: 7)");
    f.Bool("shift", S::SwinShiftToggle, &m_spec.shift, "shifted windows (s = floor(M/2)) or regular ones (s = 0)");
    // Drawn by hand: the slider counts the paper's stages 1..4.
    f.Int("stage", S::SwinStage, &m_spec.stage, 0, kStages - 1, "the stage whose grid and windows are shown (0..3: the paper's stages 1..4)")
        .EditWith(Editor::None);
    f.Int("resize", S::AttnResize, &m_spec.resize, 0, kMaxResize, "square edge the image is resized to, px (0 = its own size)");
    f.Choice("fit", S::VitFit, &m_spec.fit, {{"pad", S::VitFitPad}, {"crop", S::VitFitCrop}},
             "when P does not divide a side: pad with zeros or crop (torchvision's floor)");
    // The selection: picked by clicking the grid, the mosaic or the mask.
    f.Int("window_index", S::SwinWindowIndex, &m_selection.window_index, -1, kSwinMaxGridTokens - 1,
          "the selected window, row-major over the padded grid (-1 = the last one)")
        .EditWith(Editor::None)
        .Display();
    f.Int("query", S::SwinQuerySlot, &m_selection.query, -1, kSwinMaxWindow * kSwinMaxWindow - 1,
          "query slot inside the window, ty * M + tx (-1 = the centre)")
        .EditWith(Editor::None)
        .Display();
    // Drawn by hand in the windows tab, between its step buttons and the play button.
    f.Float("roll", S::SwinRoll, &m_roll, 0.0, 1.0, "progress of the cyclic shift drawn, 0..1 (shifted windows)")
        .EditWith(Editor::None)
        .Display()
        .Animation();
    f.Choice("projection", S::AttnProjection, &m_selection.projection, {{"identity", S::AttnProjIdentity}, {"random", S::AttnProjRandom}},
             "Q, K, V of the window attention: identity or seeded random");
    f.Choice("merge_part", S::SwinMergePart, &m_merge_part, {{"gather", S::SwinCanvasGather}, {"reduction", S::SwinCanvasReduction}},
             "patch merging on the canvas: the 0/1 gather or the reduction (I (x) W) G")
        .EditWith(Editor::RadioRow)
        .Display();
    f.Choice("view", S::SwinView, &m_tab,
             {{"windows", S::SwinTabWindows}, {"mask", S::SwinTabMask}, {"merging", S::SwinTabMerging}, {"stages", S::SwinTabStages}},
             "which tab is shown")
        .EditWith(Editor::None)
        .Display()
        .OnSet([this] { m_force_tab = true; });
}

// The stage as the paper counts it, 1..4 (the key stores 0..3).
void SwinPanel::DrawStageSlider() {
    int stage = static_cast<int>(m_spec.stage) + 1;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (!ImGui::SliderInt(Tr(S::SwinStage), &stage, 1, kStages)) return;
    m_spec.stage = stage - 1;
    Fields().Edited(*Fields().Find("stage"));
}

void SwinPanel::DrawEditors(const SwinBase* b) {
    const std::vector<SpecIssue> none;
    const auto& issues = b ? b->issues : none;
    FieldTable& fields = Fields();
    for (const char* key : {"variant", "resize", "fit", "patch", "window", "shift"}) DrawFieldEditor(fields, *fields.Find(key), issues);
    DrawStageSlider();
    DrawFieldEditor(fields, *fields.Find("projection"), issues);
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
    IssueLines(b->stats_issues);
    ImGui::PopTextWrapPos();
}

// [SECTION] DrawContent

void SwinPanel::RequestTasks(AppContext& context) {
    const BaseKey key{m_spec, context.image_version};
    auto image = context.image;
    m_base->Request(key, [key, image](TaskContext& task) { return ComputeSwinBase(key.spec, image, task); });
    m_base->Poll();
    const SwinBase* b = m_base->Current();
    // The selected window's attention, only for the mask tab (and only the one window).
    if (b && b->geometry && b->tokens && m_tab == 1 && b->geometry->layout.window <= kHeatmapMaxWindow) {
        const SwinWindowLayout& l = b->geometry->layout;
        const AttentionKey akey{m_base->Generation(), WindowOf(l), m_selection.projection};
        const auto tokens = b->tokens;
        m_attention->Request(akey, [tokens, l, akey](TaskContext& task) {
            return ComputeSwinWindowAttention(*tokens, l, akey.window_index, akey.projection, task);
        });
    }
    m_attention->Poll();
}

void SwinPanel::DrawTabs(const SwinBase& b) {
    if (!ImGui::BeginTabBar("##tabs")) return;
    const S titles[] = {S::SwinTabWindows, S::SwinTabMask, S::SwinTabMerging, S::SwinTabStages};
    for (int k = 0; k < 4; ++k) {
        if (!ImGui::BeginTabItem(Tr(titles[k]), nullptr, m_tab == k && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) continue;
        if (!m_force_tab) m_tab = k;
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        switch (k) {
            case 0: DrawWindowsTab(b, avail); break;
            case 1: DrawMaskTab(b, avail); break;
            case 2: DrawMergingTab(b, avail); break;
            default: DrawStagesTab(b, avail); break;
        }
        ImGui::EndTabItem();
    }
    m_force_tab = false;
    ImGui::EndTabBar();
}

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
    RequestTasks(context);
    const SwinBase* b = m_base->Current();

    BeginEditorColumn();
    DrawEditors(b);
    if (!m_base->Error().empty()) ParagraphColored(ImVec4(1, 0.5f, 0.45f, 1), Fmt("%s", m_base->Error().c_str()));
    BeginMainArea();
    if (b && !b->geometry) {
        ImGui::PushTextWrapPos(0);
        IssueLines(b->issues);
        ImGui::PopTextWrapPos();
    }
    if (b && b->geometry) {
        SyncTextures(*b);
        DrawTabs(*b);
    }
    ImGui::EndChild();
}

// [SECTION] Export

void SwinPanel::Export(AppContext& context, ExportSink& sink) {
    Panel::Export(context, sink);
    TaskContext none;
    VisitFigures(ComputeSwinLesson(m_spec, Selection(), context.image, none), sink);
}

LENS_REGISTER_PANEL(SwinPanel, 110, "swin")

}  // namespace lens::app::swin
