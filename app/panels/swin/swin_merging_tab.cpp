// app/panels/swin/swin_merging_tab.cpp: the Swin panel's "Patch merging" tab: the stage's grid
// with a part coloured by source x0..x3, that part enlarged, the steps (concatenate to 4C,
// LayerNorm, Linear to 2C) with this stage's shapes, the hierarchy of the four stages, and the
// operator (the gather or the reduction) on the matrix canvas.
#include "../../widgets/paragraph.hpp"
#include "swin_panel.hpp"

namespace lens::app::swin {

using i18n::S;
using i18n::Tr;

namespace {

// Which of x0..x3 token (y, x) is in its 2 x 2 group: x1 the odd row, x2 the odd column.
int SourceOf(Index y, Index x) { return static_cast<int>((y % 2) + 2 * (x % 2)); }

// The canvas hover's value line in the active language: what entry (row, col) of the gather or the
// reduction holds, and which x_k of which merged token input col is.
std::string MergeDescribe(const PatchMergingOperator& op, Index row, Index col) {
    const Index c = op.Spec().channels, p = col / c, y = p / op.Spec().width, x = p % op.Spec().width;
    const long long k = SourceOf(y, x), i = static_cast<long long>(y / 2), j = static_cast<long long>(x / 2);
    const std::optional<Index> param = op.ParameterAt(row, col);
    if (!param) return Fmt(Tr(S::SwinCanvasDescribeZero), k, i, j);
    if (op.Part() == PatchMergingPart::Gather) return Fmt(Tr(S::SwinCanvasDescribeCopied), k, i, j);
    const Index in = 4 * c;
    return Fmt(Tr(S::SwinCanvasDescribeWeight), static_cast<long long>(*param / in), static_cast<long long>(*param % in),
               static_cast<double>(op.ParameterValue(*param)), k, i, j);
}

// The canvas hover's row and column lines in the active language (the operator's own RowLabel
// and ColLabel are English): output (i, j) and x_k, c or o; input (y, x, c).
std::string MergeRowLabel(const PatchMergingOperator& op, Index row) {
    const bool gather = op.Part() == PatchMergingPart::Gather;
    const Index c = op.Spec().channels, per = (gather ? 4 : 2) * c, mw = MergedSide(op.Spec().width);
    const Index token = row / per, r = row % per;
    const long long i = static_cast<long long>(token / mw), j = static_cast<long long>(token % mw);
    if (gather) return Fmt(Tr(S::SwinCanvasRowGather), i, j, static_cast<long long>(r / c), static_cast<long long>(r % c));
    return Fmt(Tr(S::SwinCanvasRowReduction), i, j, static_cast<long long>(r));
}

std::string MergeColLabel(const PatchMergingOperator& op, Index col) {
    const Index c = op.Spec().channels, p = col / c;
    return Fmt(Tr(S::SwinCanvasColLabel), static_cast<long long>(p / op.Spec().width), static_cast<long long>(p % op.Spec().width),
               static_cast<long long>(col % c));
}

}  // namespace

void SwinPanel::DrawMergingTab(const SwinBase& b, ImVec2 avail) {
    const SwinGeometry& g = *b.geometry;
    const float font = ImGui::GetFontSize();
    const float gap = font;
    const Index stage = g.stage;
    const Index gh = g.grid_h[static_cast<size_t>(stage)], gw = g.grid_w[static_cast<size_t>(stage)];
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
    if (!last) {
        for (Index y = y0; y < y1; ++y)
            for (Index x = x0; x < x1; ++x) {
                const ImVec2 p0 = f.At(static_cast<double>(y), static_cast<double>(x));
                draw->AddRectFilled(p0, ImVec2(p0.x + f.cell, p0.y + f.cell), WithAlpha(kMergeColors[static_cast<size_t>(SourceOf(y, x))], 130));
            }
        draw->AddRect(f.At(static_cast<double>(y0), static_cast<double>(x0)), f.At(static_cast<double>(y1), static_cast<double>(x1)),
                      IM_COL32(255, 210, 80, 255), 0, 0, 2.5f);
    }
    draw->AddRect(ImVec2(f.origin.x - 1, f.origin.y - 1), ImVec2(f.Max().x + 1, f.Max().y + 1), IM_COL32(120, 120, 135, 255));
    if (hovered) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const Index y = std::clamp<Index>(static_cast<Index>((mouse.y - f.origin.y) / f.cell), 0, f.rows - 1);
        const Index x = std::clamp<Index>(static_cast<Index>((mouse.x - f.origin.x) / f.cell), 0, f.cols - 1);
        MergeTooltip(b, y, x);
        if (clicked) {
            m_merge_y = std::max<Index>(0, y - kMergeRegion / 2 + 1);
            m_merge_x = std::max<Index>(0, x - kMergeRegion / 2 + 1);
        }
    }

    // The coloured part enlarged, patch by patch: which 2 x 2 tokens join, and as which x_k.
    const float zoom_x = top.x + image_col + gap;
    float text_x = zoom_x;
    if (!last) {
        DrawMergeZoom(b, f, y0, x0, ImVec2(zoom_x, top.y), ImVec2(zoom_col - gap, top_h), cap_h, zoom_caption);
        text_x = zoom_x + zoom_col;
    }
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + top_h));

    // The steps, with this stage's shapes.
    const float text_w = top.x + avail.x - text_x;
    ImGui::SetCursorScreenPos(ImVec2(text_x, top.y));
    ImGui::BeginChild("##merge_steps", ImVec2(text_w, top_h), false);
    DrawMergeSteps(b, y0, x0);
    ImGui::EndChild();

    // Bottom: the hierarchy (one thumbnail per stage, click to choose) and the operator.
    const float bottom_y = top.y + top_h + gap * 0.5f;
    const float bottom_h = top.y + avail.y - bottom_y;
    const float thumbs_w = image_col;
    DrawHierarchy(b, ImVec2(top.x, bottom_y), thumbs_w, bottom_h);
    const float canvas_x = top.x + thumbs_w + gap;
    DrawMergeCanvas(ImVec2(canvas_x, bottom_y), ImVec2(top.x + avail.x - canvas_x, top.y + avail.y - bottom_y));
}

void SwinPanel::MergeTooltip(const SwinBase& b, Index y, Index x) const {
    const SwinGeometry& g = *b.geometry;
    const Index stage = g.stage;
    const Index gh = g.grid_h[static_cast<size_t>(stage)], gw = g.grid_w[static_cast<size_t>(stage)];
    const bool last = stage + 1 >= kStages;
    const bool padding = y >= gh || x >= gw;
    if (last)
        ImGui::SetTooltip(Tr(S::SwinMergeHoverLast), static_cast<long long>(y), static_cast<long long>(x));
    else
        ImGui::SetTooltip(Tr(S::SwinMergeHover), static_cast<long long>(y), static_cast<long long>(x), static_cast<long long>(y / 2),
                          static_cast<long long>(x / 2), SourceOf(y, x), padding ? Tr(S::SwinPaddingToken) : "");
}

// The coloured part of the grid enlarged, from `at`, within `size` (the caption's width, the row's height).
void SwinPanel::DrawMergeZoom(const SwinBase& b, const GridFrame& f, Index y0, Index x0, ImVec2 at, ImVec2 size, float cap_h,
                              const std::string& zoom_caption) {
    const float font = ImGui::GetFontSize();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    Caption(at, zoom_caption, size.x);
    const float zoom_side = std::max(16.0f, std::min(size.y - cap_h, size.x));
    const float cell = zoom_side / static_cast<float>(kMergeRegion);
    const ImVec2 z0(at.x, at.y + cap_h);
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
            const ImU32 c = kMergeColors[static_cast<size_t>(SourceOf(y, x))];
            draw->AddRectFilled(p0, ImVec2(p0.x + cell, p0.y + cell), WithAlpha(c, 70));
            draw->AddRect(ImVec2(p0.x + 1, p0.y + 1), ImVec2(p0.x + cell - 1, p0.y + cell - 1), WithAlpha(c, 255), 0, 0, 2.0f);
            if (cell >= font * 1.4f) {
                char text[8];
                std::snprintf(text, sizeof text, "x%d", SourceOf(y, x));
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
        if (y < f.rows && x < f.cols) MergeTooltip(b, y, x);
    }
}

// The steps, with this stage's shapes (inside the steps' child window).
void SwinPanel::DrawMergeSteps(const SwinBase& b, Index y0, Index x0) {
    const SwinGeometry& g = *b.geometry;
    const Index stage = g.stage;
    const Index gh = g.grid_h[static_cast<size_t>(stage)], gw = g.grid_w[static_cast<size_t>(stage)];
    const bool last = stage + 1 >= kStages;
    const float font = ImGui::GetFontSize();
    const Index channels = b.config.embed_dim << stage;
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
}

// One thumbnail per stage, two a row, click to choose; `at` is the top-left, within width x height.
void SwinPanel::DrawHierarchy(const SwinBase& b, ImVec2 at0, float thumbs_w, float bottom_h) {
    const SwinGeometry& g = *b.geometry;
    const Index stage = g.stage;
    const float gap = ImGui::GetFontSize();
    const float label_h = ImGui::GetTextLineHeightWithSpacing();
    const ImVec2 top(at0.x, 0);
    const float bottom_y = at0.y;
    ImDrawList* draw = ImGui::GetWindowDrawList();
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
}

// Patch merging as a matrix on a 4 x 4 x 4 example: the gather or the reduction.
void SwinPanel::DrawMergeCanvas(ImVec2 at, ImVec2 size) {
    const float canvas_x = at.x, bottom_y = at.y, canvas_w = size.x;
    const std::string canvas_caption = Fmt(Tr(S::SwinCanvasTitle), static_cast<long long>(kMergeExample), static_cast<long long>(kMergeExample),
                                           static_cast<long long>(kMergeExampleChannels));
    Caption(ImVec2(canvas_x, bottom_y), canvas_caption, canvas_w);
    ImGui::SetCursorScreenPos(ImVec2(canvas_x, bottom_y + CaptionHeight(canvas_caption, canvas_w)));
    DrawFieldEditor(Fields(), *Fields().Find("merge_part"), {});
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
    if (op) {
        options.describe = [op](Index row, Index col) { return MergeDescribe(*op, row, col); };
        options.row_label = [op](Index row) { return MergeRowLabel(*op, row); };
        options.col_label = [op](Index col) { return MergeColLabel(*op, col); };
    }
    m_canvas->Draw("merge_operator", op, m_merge_op.Generation(), ImVec2(canvas_w, at.y + size.y - canvas_y), options);
}

}  // namespace lens::app::swin
