// app/widgets/canvas_nav.cpp: the matrix canvas' navigation (matrix_canvas.hpp), for matrices too
// large to browse by wheel and drag alone (the notes' 2-D 64-channel case is 4.2M x 4.2M with
// 0.0135 % non-zeros: zooming in strands one in structural zeros).
//
// [SECTION] Toolbar: zoom presets, next/previous non-zero, centre on row, go to
// [SECTION] Minimap
// [SECTION] Readout and breadcrumb, target outline
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include <lens/count.hpp>
#include <lens/navigate.hpp>

#include "../i18n/strings.hpp"
#include "matrix_canvas.hpp"
#include "paragraph.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

constexpr Index kSearchRows = Index{1} << 16;  // rows a next/previous search scans in one click

// Places the next toolbar item of width `w` on the current line when it fits, else on a new one.
void Flow(float w, float right, bool* first) {
    if (!*first) {
        const float x = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x;
        if (x + w <= right) ImGui::SameLine();
    }
    *first = false;
}

float ButtonWidth(const char* label) { return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2; }

// The block-label breadcrumb of one axis: "out c=30" (empty without labels).
std::string BlockCrumb(const char* format, Index block, Index index) {
    if (!format || block <= 0) return {};
    char text[48];
    std::snprintf(text, sizeof text, format, static_cast<long long>(index / block));
    return text;
}

}  // namespace

double MatrixCanvas::EntryZoom() const { return std::max(40.0, static_cast<double>(ImGui::GetFontSize()) * 2.6); }

void MatrixCanvas::GoTo(Index row, Index col) {
    const double zoom = std::max(m_view.Zoom(), EntryZoom());
    m_view.RequestView(zoom, static_cast<double>(col) + 0.5, (static_cast<double>(row) + 0.5));
    m_target = std::make_pair(row, col);
    m_nav_message.clear();
}

// [SECTION] Toolbar: zoom presets, next/previous non-zero, centre on row, go to

float MatrixCanvas::DrawNavigation(const StructuredMatrix& matrix, float width, const CanvasOptions& options) {
    const float top = ImGui::GetCursorScreenPos().y;
    const float right = ImGui::GetCursorScreenPos().x + width;
    const Index rows = matrix.Rows(), cols = matrix.Cols();
    // The entry navigation starts from: the outlined target, else the view's centre.
    auto from = [&]() -> std::pair<Index, Index> {
        if (m_target) return *m_target;
        return {std::clamp<Index>(static_cast<Index>(m_view.CenterY()), 0, rows - 1), std::clamp<Index>(static_cast<Index>(m_view.CenterX()), 0, cols - 1)};
    };
    bool first = true;
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(ImGui::GetStyle().ItemSpacing.x * 0.6f, ImGui::GetStyle().ItemSpacing.y * 0.6f));
    // Zoom presets.
    Flow(ButtonWidth(Tr(S::CanvasNavWhole)), right, &first);
    if (ImGui::SmallButton(Tr(S::CanvasNavWhole))) {
        m_view.Fit();
        m_target.reset();
    }
    Flow(ButtonWidth(Tr(S::CanvasNavBlock)), right, &first);
    if (ImGui::SmallButton(Tr(S::CanvasNavBlock))) {
        // One block (a channel pair's sub-matrix) filling the canvas; without blocks, 64 x 64 entries.
        const Index bh = options.row_block > 0 ? options.row_block : std::min<Index>(rows, 64);
        const Index bw = options.col_block > 0 ? options.col_block : std::min<Index>(cols, 64);
        const auto [r, c] = from();
        const double r0 = static_cast<double>((r / bh) * bh), c0 = static_cast<double>((c / bw) * bw);
        const ImVec2 region = m_view.RegionSize();
        const double zoom = std::min(region.x / static_cast<double>(bw), region.y / (static_cast<double>(bh) * m_view.Aspect()));
        m_view.RequestView(zoom, c0 + static_cast<double>(bw) * 0.5, r0 + static_cast<double>(bh) * 0.5);
    }
    Flow(ButtonWidth(Tr(S::CanvasNavEntries)), right, &first);
    if (ImGui::SmallButton(Tr(S::CanvasNavEntries))) {
        const auto [r, c] = from();
        GoTo(r, c);
    }
    // Next and previous structural non-zero, from the target or the view's centre.
    Flow(ButtonWidth(Tr(S::CanvasNavPrev)), right, &first);
    if (ImGui::SmallButton(Tr(S::CanvasNavPrev))) {
        const auto [r, c] = from();
        if (auto e = PreviousNonZero(matrix, r, c, kSearchRows)) GoTo(e->row, e->col);
        else m_nav_message = Printf(Tr(S::CanvasNavNone), FormatExact(kSearchRows).c_str());
    }
    Flow(ButtonWidth(Tr(S::CanvasNavNext)), right, &first);
    if (ImGui::SmallButton(Tr(S::CanvasNavNext))) {
        const auto [r, c] = from();
        if (auto e = NextNonZero(matrix, r, c, kSearchRows)) GoTo(e->row, e->col);
        else m_nav_message = Printf(Tr(S::CanvasNavNone), FormatExact(kSearchRows).c_str());
    }
    // Centre on the row last hovered (an output): its first non-zero, at single-entry zoom.
    if (m_last_hovered && m_last_hovered->row < rows) {
        const std::string label = Printf(Tr(S::CanvasNavCentreRow), FormatExact(m_last_hovered->row).c_str()) + "##centre";
        Flow(ButtonWidth(label.c_str()), right, &first);
        if (ImGui::SmallButton(label.c_str())) {
            const Index r = m_last_hovered->row;
            auto e = NextNonZero(matrix, r, -1, 1);
            GoTo(r, e ? e->col : m_last_hovered->col);
        }
    }
    // Go to row / column: the fields live in the options (a panel's keys) or here.
    std::int64_t* row = options.goto_row ? options.goto_row : &m_goto_row;
    std::int64_t* col = options.goto_col ? options.goto_col : &m_goto_col;
    const float field_w = ImGui::CalcTextSize("0000000000").x + ImGui::GetStyle().FramePadding.x * 2;
    bool go = false;
    auto field = [&](S label, const char* id, std::int64_t* value, Index count) {
        const float label_w = ImGui::CalcTextSize(Tr(label)).x;
        Flow(label_w + ImGui::GetStyle().ItemSpacing.x + field_w, right, &first);
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(Tr(label));
        ImGui::SameLine();
        ImGui::SetNextItemWidth(field_w);
        ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(ImGui::GetStyle().FramePadding.x, 0));
        go |= ImGui::InputScalar(id, ImGuiDataType_S64, value, nullptr, nullptr, nullptr, ImGuiInputTextFlags_EnterReturnsTrue);
        ImGui::PopStyleVar();
        *value = std::clamp<std::int64_t>(*value, 0, count - 1);
    };
    field(S::CanvasRow, "##goto_row", row, rows);
    field(S::CanvasCol, "##goto_col", col, cols);
    Flow(ButtonWidth(Tr(S::CanvasNavGo)), right, &first);
    go |= ImGui::SmallButton(Tr(S::CanvasNavGo));
    if (go) GoTo(*row, *col);
    ImGui::PopStyleVar();
    return ImGui::GetCursorScreenPos().y - top;
}

// [SECTION] Minimap

void MatrixCanvas::HandleMinimapInput(bool hovered, bool* active) {
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const bool inside = m_minimap_shown && mouse.x >= m_minimap_min.x && mouse.y >= m_minimap_min.y && mouse.x < m_minimap_max.x &&
                        mouse.y < m_minimap_max.y;
    if (hovered && inside && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_minimap_drag = true;
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) m_minimap_drag = false;
    if (!m_minimap_drag) return;
    *active = false;  // the drag moves the viewport box, not the matrix
    const float w = std::max(m_minimap_max.x - m_minimap_min.x, 1.0f), h = std::max(m_minimap_max.y - m_minimap_min.y, 1.0f);
    const double x = std::clamp((mouse.x - m_minimap_min.x) / w, 0.0f, 1.0f) * m_view.ContentWidth();
    const double y = std::clamp((mouse.y - m_minimap_min.y) / h, 0.0f, 1.0f) * m_view.ContentHeight();
    m_view.RequestView(m_view.Zoom(), x, y);
}

void MatrixCanvas::DrawMinimap(ImDrawList* draw, const StructuredMatrix& matrix, const Frame& frame, const CanvasOptions& options) {
    // Only when zoomed in: at fit the canvas is its own overview.
    const ContentRect v = m_view.Visible();
    const double cols = static_cast<double>(matrix.Cols()), rows = static_cast<double>(matrix.Rows());
    m_minimap_shown = (v.x1 - v.x0) * (v.y1 - v.y0) < 0.98 * cols * rows;
    if (!m_minimap_shown) return;
    const float side = std::clamp(std::min(frame.canvas_size.x, frame.canvas_size.y) * 0.24f, 40.0f, 150.0f);
    const float w = std::max(8.0f, side * static_cast<float>(cols / std::max(cols, rows)));
    const float h = std::max(8.0f, side * static_cast<float>(rows / std::max(cols, rows)));
    const ImVec2 a(frame.max.x - w - 8, frame.min.y + 8), b(frame.max.x - 8, frame.min.y + 8 + h);
    m_minimap_min = a;
    m_minimap_max = b;
    draw->AddRectFilled(ImVec2(a.x - 3, a.y - 3), ImVec2(b.x + 3, b.y + 3), IM_COL32(0, 0, 0, 190), 3);
    draw->AddRectFilled(a, b, IM_COL32(34, 36, 44, 255));
    // The block grid, thinned to lines 4 px apart at least.
    auto grid = [&](Index block, bool vertical) {
        if (block <= 0) return;
        const double extent = vertical ? cols : rows, px = vertical ? w : h;
        const double count = std::ceil(extent / static_cast<double>(block));
        if (count < 2) return;
        double step = 1;
        while (px / count * step < 4) step *= 2;
        for (double k = step; k < count; k += step) {
            const float t = static_cast<float>(k * static_cast<double>(block) / extent);
            if (vertical) draw->AddLine(ImVec2(a.x + w * t, a.y), ImVec2(a.x + w * t, b.y), IM_COL32(255, 255, 255, 36));
            else draw->AddLine(ImVec2(a.x, a.y + h * t), ImVec2(b.x, a.y + h * t), IM_COL32(255, 255, 255, 36));
        }
    };
    grid(options.col_block, true);
    grid(options.row_block, false);
    // The viewport box, at least 4 px so it stays visible at any zoom.
    ImVec2 va(a.x + w * static_cast<float>(v.x0 / cols), a.y + h * static_cast<float>(v.y0 / rows));
    ImVec2 vb(a.x + w * static_cast<float>(v.x1 / cols), a.y + h * static_cast<float>(v.y1 / rows));
    if (vb.x - va.x < 4) { const float c = (va.x + vb.x) * 0.5f; va.x = c - 2; vb.x = c + 2; }
    if (vb.y - va.y < 4) { const float c = (va.y + vb.y) * 0.5f; va.y = c - 2; vb.y = c + 2; }
    draw->AddRectFilled(va, vb, IM_COL32(255, 210, 90, 60));
    draw->AddRect(va, vb, IM_COL32(255, 210, 90, 255), 0, 0, 1.5f);
    draw->AddRect(a, b, IM_COL32(120, 122, 136, 255));
}

// [SECTION] Readout and breadcrumb, target outline

void MatrixCanvas::DrawReadout(ImDrawList* draw, const StructuredMatrix& matrix, const Frame& frame, const CanvasOptions& options) {
    // Zoom: pixels per entry when entries are larger than a pixel, else entries per pixel.
    const double zoom = m_view.Zoom(), zoom_y = zoom * m_view.Aspect();
    std::string text;
    if (std::min(zoom, zoom_y) >= 1.0) {
        char px[32];
        std::snprintf(px, sizeof px, "%.3g", std::min(zoom, zoom_y));
        text = Printf(Tr(S::CanvasNavZoomIn), px);
    } else {
        text = Printf(Tr(S::CanvasNavZoomOut), FormatExact(std::max<Index>(1, static_cast<Index>(std::ceil(1.0 / zoom_y)))).c_str(),
                      FormatExact(std::max<Index>(1, static_cast<Index>(std::ceil(1.0 / zoom)))).c_str());
    }
    // Breadcrumb: where the view's centre (or the target) is, in blocks and entries.
    Index r = std::clamp<Index>(static_cast<Index>(m_view.CenterY()), 0, matrix.Rows() - 1);
    Index c = std::clamp<Index>(static_cast<Index>(m_view.CenterX()), 0, matrix.Cols() - 1);
    if (m_target) std::tie(r, c) = *m_target;
    std::string crumb;
    for (const std::string& part : {BlockCrumb(options.row_block_label, options.row_block, r), BlockCrumb(options.col_block_label, options.col_block, c),
                                    std::string(Tr(S::CanvasRow)) + " " + FormatExact(r), std::string(Tr(S::CanvasCol)) + " " + FormatExact(c)})
        if (!part.empty()) crumb += (crumb.empty() ? "" : ", ") + part;
    // Whole parts only: the longest that fits the canvas (the message, then the crumb, then zoom).
    std::vector<std::string> lines;
    if (!m_nav_message.empty()) lines.push_back(m_nav_message);
    lines.push_back(crumb);
    lines.push_back(text);
    const float room = frame.canvas_size.x - 16;
    float y = frame.max.y - 6;
    for (const std::string& line : lines) {
        const ImVec2 ts = ImGui::CalcTextSize(line.c_str());
        if (ts.x > room || y - ts.y < frame.min.y + 4) continue;
        y -= ts.y + 2;
        const ImVec2 at(frame.min.x + 8, y);
        draw->AddRectFilled(ImVec2(at.x - 4, at.y - 1), ImVec2(at.x + ts.x + 4, at.y + ts.y + 1), IM_COL32(0, 0, 0, 170), 3);
        draw->AddText(at, IM_COL32(225, 228, 236, 255), line.c_str());
    }
}

void MatrixCanvas::DrawTarget(ImDrawList* draw, const StructuredMatrix& matrix) {
    if (!m_target || m_target->first >= matrix.Rows() || m_target->second >= matrix.Cols()) return;
    const ImVec2 a = m_view.ContentToScreen(static_cast<double>(m_target->second), static_cast<double>(m_target->first));
    const ImVec2 b = m_view.ContentToScreen(static_cast<double>(m_target->second + 1), static_cast<double>(m_target->first + 1));
    // At least 9 px, so the target is found even when an entry is smaller than a pixel.
    const float cx = (a.x + b.x) * 0.5f, cy = (a.y + b.y) * 0.5f;
    const float hw = std::max((b.x - a.x) * 0.5f + 2, 4.5f), hh = std::max((b.y - a.y) * 0.5f + 2, 4.5f);
    draw->AddRect(ImVec2(cx - hw, cy - hh), ImVec2(cx + hw, cy + hh), IM_COL32(90, 220, 255, 255), 0, 0, 2.0f);
}

}  // namespace lens::app
