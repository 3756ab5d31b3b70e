// matrix_canvas.cpp: the shared matrix canvas (matrix_canvas.hpp).
//
// [SECTION] Draw: the frame's steps in order
// [SECTION] Layout and view
// [SECTION] Raster: request, upload, colour
// [SECTION] Extent, block lines, highlights
// [SECTION] Hover, status and legend
// [SECTION] Labels and legend
#include "matrix_canvas.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "../i18n/strings.hpp"
#include "colorbar.hpp"
#include "paragraph.hpp"
#include "hover_format.hpp"
#include "busy_overlay.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

RasterMode ModeOf(CanvasColoring coloring) {
    switch (coloring) {
        case CanvasColoring::Parameter: return RasterMode::ParameterId;
        case CanvasColoring::Value: return RasterMode::MeanValue;
        default: return RasterMode::Count;
    }
}

// Entries narrower than this (px) get no text label.
constexpr double kLabelMinPx = 26.0;

// The colour the shader gives one structural non-zero at entry level (colormap.frag.glsl), so its
// label can pick black or white text.
void CellColor(const CanvasOptions& options, Index param, float value, float rgb[3]) {
    switch (options.coloring) {
        case CanvasColoring::Parameter: {
            const float v = static_cast<float>(param);
            const float h = v * 0.61803398875f - std::floor(v * 0.61803398875f) + 0.1f;
            const float sat = 0.55f + 0.35f * (v * 0.3819660113f - std::floor(v * 0.3819660113f));
            ImGui::ColorConvertHSVtoRGB(h - std::floor(h), sat, 0.95f, rgb[0], rgb[1], rgb[2]);
            break;
        }
        case CanvasColoring::Value:
            gfx::ColormapColor(gfx::Colormap::Diverging, 0.5f + 0.5f * value / std::max(options.value_range, 1e-12f), rgb);
            break;
        default: gfx::ColormapColor(gfx::Colormap::Viridis, 1.0f, rgb); break;  // density 1: the top of the map
    }
}

}  // namespace

void MatrixCanvas::FocusEntry(Index row, Index col, double pixels) {
    m_focus = std::make_pair(row, col);
    m_focus_pixels = pixels;
    m_focus_corner = false;
}

void MatrixCanvas::ShowFromEntry(Index row, Index col, double pixels) {
    FocusEntry(row, col, pixels);
    m_focus_corner = true;
}

// [SECTION] Draw: the frame's steps in order

void MatrixCanvas::Draw(const char* id, std::shared_ptr<const StructuredMatrix> matrix, std::uint64_t generation,
                        ImVec2 size, const CanvasOptions& options) {
    ImGui::PushID(id);
    if (options.navigation && matrix && matrix->Rows() > 0 && matrix->Cols() > 0) size.y -= DrawNavigation(*matrix, size.x, options);
    const Frame frame = Layout(size, options);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    DrawTitles(draw, frame, options);

    ImGui::SetCursorScreenPos(frame.min);
    ImGui::InvisibleButton("##canvas", frame.canvas_size);
    const bool hovered = ImGui::IsItemHovered();
    bool active = ImGui::IsItemActive();
    if (options.navigation) HandleMinimapInput(hovered, &active);
    draw->AddRectFilled(frame.min, frame.max, IM_COL32(20, 21, 25, 255));
    m_hovered.reset();
    if (!matrix || matrix->Rows() <= 0 || matrix->Cols() <= 0) {
        draw->AddRect(frame.min, frame.max, IM_COL32(70, 70, 80, 255));
        ImGui::SetCursorScreenPos(ImVec2(frame.origin.x, frame.max.y + frame.legend));
        ImGui::Dummy(ImVec2(0, 0));
        ImGui::PopID();
        return;
    }

    UpdateDensity(*matrix, options);
    UpdateView(*matrix, frame, hovered, active, options);
    RequestRaster(matrix, generation, options);
    draw->PushClipRect(frame.min, frame.max, true);
    DrawRaster(draw, generation, options);
    DrawExtentAndBlocks(draw, *matrix, frame, options);
    if (std::min(m_view.Zoom(), m_view.Zoom() * m_view.Aspect()) >= kLabelMinPx) DrawLabels(draw, *matrix, m_view.Visible(), options);
    DrawHighlights(draw, *matrix, frame, options);
    DrawTarget(draw, *matrix);
    if (hovered && !m_minimap_drag) DrawHover(draw, *matrix, options);
    // Progress where the eye is: after a moment of recomputing, the stale picture dims and spins.
    if (m_raster.Busy() || options.stale) {
        if (m_busy_since < 0) m_busy_since = ImGui::GetTime();
        if (ImGui::GetTime() - m_busy_since > 0.25)
            DrawBusyOverlay(draw, frame.min, frame.max, options.stale ? options.progress : m_raster.Progress());
    } else {
        m_busy_since = -1.0;
    }
    if (options.navigation) {
        DrawMinimap(draw, *matrix, frame, options);
        DrawReadout(draw, *matrix, frame, options);
    }
    draw->PopClipRect();
    draw->AddRect(frame.min, frame.max, IM_COL32(70, 70, 80, 255));
    DrawStatusAndLegend(draw, frame, options);
    ImGui::SetCursorScreenPos(ImVec2(frame.origin.x, frame.max.y + frame.legend));
    ImGui::Dummy(ImVec2(frame.canvas_size.x, 0));
    ImGui::PopID();
}

// [SECTION] Layout and view

MatrixCanvas::Frame MatrixCanvas::Layout(ImVec2 size, const CanvasOptions& options) {
    Frame f;
    // Room for two lines of legend: it wraps on narrow canvases.
    f.legend = options.legend_height > 0 ? options.legend_height : ImGui::GetTextLineHeight() * 2 + 8;
    f.axis = ImGui::GetTextLineHeightWithSpacing();
    f.origin = ImGui::GetCursorScreenPos();
    // Layout: column title on top, row title rotated on the left is hard in ImGui: put it on top too.
    f.min = ImVec2(f.origin.x, f.origin.y + f.axis);
    f.canvas_size = ImVec2(std::max(size.x, 32.0f), std::max(size.y - f.axis - f.legend, 32.0f));
    f.max = ImVec2(f.min.x + f.canvas_size.x, f.min.y + f.canvas_size.y);
    m_min = f.origin;
    m_max = ImVec2(f.max.x, f.max.y + f.legend);
    m_canvas_min = f.min;
    m_canvas_max = f.max;
    return f;
}

void MatrixCanvas::DrawTitles(ImDrawList* draw, const Frame& frame, const CanvasOptions& options) {
    // Axis titles: columns across the top, rows on the left of the same line.
    char title[512];
    std::snprintf(title, sizeof title, "%s %s    %s %s", Tr(S::CanvasRows), options.row_title, Tr(S::CanvasCols),
                  options.col_title);
    draw->PushClipRect(frame.origin, ImVec2(frame.origin.x + frame.canvas_size.x, frame.origin.y + frame.axis), true);
    draw->AddText(frame.origin, ImGui::GetColorU32(ImGuiCol_TextDisabled), title);
    draw->PopClipRect();
}

void MatrixCanvas::UpdateView(const StructuredMatrix& matrix, const Frame& frame, bool hovered, bool active,
                              const CanvasOptions& options) {
    // Matrices far wider than tall (or the reverse) would fit to a sliver: the view keeps
    // uniform zoom (square entries), which is what "the matrix as it is" means.
    m_view.SetContent(static_cast<double>(matrix.Cols()), static_cast<double>(matrix.Rows()));
    m_view.SetMaxZoom(ImGui::GetFontSize() * 8.0);
    m_view.SetStretch(options.stretch);
    if (m_focus) {
        m_view.RequestZoom(m_focus_pixels);
    }
    m_view.HandleInput(frame.min, frame.canvas_size, hovered, active);
    if (m_focus) {
        // After the zoom is applied, centre on the entry.
        const double inset = m_focus_corner ? 0.0 : 0.5;
        const ImVec2 at = m_view.ContentToScreen(static_cast<double>(m_focus->second) + inset, static_cast<double>(m_focus->first) + inset);
        const ImVec2 target = m_focus_corner ? frame.min
                                             : ImVec2(frame.min.x + frame.canvas_size.x * 0.5f, frame.min.y + frame.canvas_size.y * 0.5f);
        m_view.Pan(target.x - at.x, target.y - at.y);
        m_focus.reset();
    }
}

// [SECTION] Raster: request, upload, colour

void MatrixCanvas::RequestRaster(std::shared_ptr<const StructuredMatrix> matrix, std::uint64_t generation,
                                 const CanvasOptions& options) {
    // The integer block of entries in view, and its raster size: one pixel per entry when zoomed
    // in (the GPU magnifies with nearest filtering), one per screen pixel when zoomed out.
    const ContentRect visible = m_view.Visible();
    RasterKey key;
    key.generation = generation;
    key.col0 = static_cast<Index>(std::floor(visible.x0));
    key.row0 = static_cast<Index>(std::floor(visible.y0));
    key.cols = std::max<Index>(1, static_cast<Index>(std::ceil(visible.x1)) - key.col0);
    key.rows = std::max<Index>(1, static_cast<Index>(std::ceil(visible.y1)) - key.row0);
    const double zoom = m_view.Zoom();
    const double zoom_y = zoom * m_view.Aspect();
    key.width_px = static_cast<int>(std::clamp<double>(std::min<double>(static_cast<double>(key.cols), std::ceil(static_cast<double>(key.cols) * zoom)), 1.0, 4096.0));
    key.height_px = static_cast<int>(std::clamp<double>(std::min<double>(static_cast<double>(key.rows), std::ceil(static_cast<double>(key.rows) * zoom_y)), 1.0, 4096.0));
    key.mode = static_cast<int>(ModeOf(options.coloring));

    m_raster.Request(key, [matrix, key](TaskContext& context) {
        Raster raster;
        raster.viewport = Viewport{key.row0, key.col0, key.rows, key.cols, key.width_px, key.height_px};
        context.ThrowIfCancelled();
        matrix->Rasterize(raster.viewport, static_cast<RasterMode>(key.mode), raster.grid);
        float lo = 0, hi = 0;
        for (float v : raster.grid.data) {
            if (!std::isfinite(v)) continue;
            if (key.mode == static_cast<int>(RasterMode::MeanValue)) {
                hi = std::max(hi, std::fabs(v));
            } else {
                hi = std::max(hi, v);
            }
        }
        raster.lo = lo;
        raster.hi = hi;
        raster.entries_per_pixel_row = std::max<Index>(1, (key.rows + key.height_px - 1) / key.height_px);
        raster.entries_per_pixel_col = std::max<Index>(1, (key.cols + key.width_px - 1) / key.width_px);
        return raster;
    });
    m_raster.Poll();
}

void MatrixCanvas::DrawRaster(ImDrawList* draw, std::uint64_t generation, const CanvasOptions& options) {
    const Raster* raster = m_raster.Current();
    if (!raster || raster->grid.Empty() || m_raster.CurrentKey()->generation != generation) return;
    m_values.Sync(m_raster.Generation(), raster->grid.width, raster->grid.height, gfx::PixelFormat::R32f,
                  raster->grid.data.data(), gfx::Filter::Nearest);
    gfx::ColormapParams params;
    switch (options.coloring) {
        case CanvasColoring::Structure:
            // Density: non-zeros per entry the pixel covers, on the (shared) log scale. Edge pixels
            // may cover fewer entries than the interior ones: they read a little sparser.
            params = ColormapParamsFor(gfx::Colormap::Viridis, m_density_scale);
            params.value_scale = 1.0f / static_cast<float>(raster->entries_per_pixel_row * raster->entries_per_pixel_col);
            break;
        case CanvasColoring::Parameter: params.map = gfx::Colormap::Categorical; break;
        case CanvasColoring::Value:
            params.map = gfx::Colormap::Diverging;
            params.lo = -options.value_range;
            params.hi = options.value_range;
            break;
    }
    if (m_colored_generation != m_raster.Generation() || !(params == m_colored_params) || !m_colored.Valid()) {
        std::string error;
        if (m_pass.Render(m_values.Get(), params, m_colored, &error)) {
            m_colored_generation = m_raster.Generation();
            m_colored_params = params;
        } else if (!error.empty()) {
            m_error = error;
        }
    }
    const Viewport& vp = raster->viewport;
    const ImVec2 a = m_view.ContentToScreen(static_cast<double>(vp.col0), static_cast<double>(vp.row0));
    const ImVec2 b = m_view.ContentToScreen(static_cast<double>(vp.col0 + vp.cols), static_cast<double>(vp.row0 + vp.rows));
    if (m_colored.Valid()) draw->AddImage(m_colored.Color().ImId(), a, b);
}

// [SECTION] Extent, block lines, highlights

void MatrixCanvas::DrawExtentAndBlocks(ImDrawList* draw, const StructuredMatrix& matrix, const Frame& frame,
                                       const CanvasOptions& options) {
    // The matrix's own extent (structural zeros and the empty margin look alike otherwise).
    const ImVec2 extent_min = m_view.ContentToScreen(0, 0);
    const ImVec2 extent_max = m_view.ContentToScreen(static_cast<double>(matrix.Cols()), static_cast<double>(matrix.Rows()));
    draw->AddRect(ImVec2(extent_min.x - 1, extent_min.y - 1), ImVec2(extent_max.x + 1, extent_max.y + 1), IM_COL32(100, 102, 116, 255));
    // Block lines (channel boundaries), only when they are well apart, within the matrix.
    const ImVec2 lo(std::max(frame.min.x, extent_min.x), std::max(frame.min.y, extent_min.y));
    const ImVec2 hi(std::min(frame.max.x, extent_max.x), std::min(frame.max.y, extent_max.y));
    DrawBlockLines(draw, frame, lo, hi, options.col_block, true, options.col_block_label);
    DrawBlockLines(draw, frame, lo, hi, options.row_block, false, options.row_block_label);
}

// The smallest of 1, 2, 5, 10, 20, 50, ... that is at least x.
static double NiceStep(double x) {
    double step = 1;
    while (step < x) {
        if (step * 2 >= x) return step * 2;
        if (step * 5 >= x) return step * 5;
        step *= 10;
    }
    return step;
}

void MatrixCanvas::DrawBlockLines(ImDrawList* draw, const Frame& frame, ImVec2 lo, ImVec2 hi, Index block, bool vertical,
                                  const char* label) {
    if (block <= 0) return;
    const ContentRect visible = m_view.Visible();
    const double zoom = m_view.Zoom();
    const double zoom_y = zoom * m_view.Aspect();
    const double b = static_cast<double>(block);
    const double spacing = b * (vertical ? zoom : zoom_y);
    const double count = std::ceil((vertical ? m_view.ContentWidth() : m_view.ContentHeight()) / b);
    if (count < 2 || spacing <= 0) return;
    // Every block at every zoom, thinned to every k-th line when they crowd (3 px apart at least).
    const double line_step = NiceStep(3.0 / spacing);
    const double first = std::floor((vertical ? visible.x0 : visible.y0) / b);
    const double last = std::ceil((vertical ? visible.x1 : visible.y1) / b);
    const ImU32 colour = spacing >= 12 ? IM_COL32(255, 255, 255, 46) : IM_COL32(255, 255, 255, 30);
    for (double k = std::ceil(first / line_step) * line_step; k <= last; k += line_step) {
        if (vertical) {
            const float x = m_view.ContentToScreen(k * b, 0).x;
            draw->AddLine(ImVec2(x, lo.y), ImVec2(x, hi.y), colour);
        } else {
            const float y = m_view.ContentToScreen(0, k * b).y;
            draw->AddLine(ImVec2(lo.x, y), ImVec2(hi.x, y), colour);
        }
    }
    // Labels along the canvas edge, thinned so that they never collide: every k-th block, k a nice
    // step that leaves the widest label (the last block's) room plus a gap.
    if (!label) return;
    char text[48];
    std::snprintf(text, sizeof text, label, static_cast<long long>(count - 1));
    const ImVec2 widest = ImGui::CalcTextSize(text);
    const double need = (vertical ? widest.x : widest.y) + ImGui::GetFontSize() * (vertical ? 1.0 : 0.4);
    const double label_step = NiceStep(need / spacing);
    const ImVec2 min = frame.min, max = frame.max;
    for (double k = std::ceil(first / label_step) * label_step; k < last && k < count; k += label_step) {
        std::snprintf(text, sizeof text, label, static_cast<long long>(k));
        // At the block's centre when the block is wide enough, else just after its line.
        const double centre = spacing >= need ? (k + 0.5) * b : k * b;
        ImVec2 at = vertical ? ImVec2(m_view.ContentToScreen(centre, 0).x, min.y + 3) : ImVec2(min.x + 3, m_view.ContentToScreen(0, centre).y);
        const ImVec2 ts = ImGui::CalcTextSize(text);
        if (spacing >= need) {
            if (vertical) at.x -= ts.x * 0.5f; else at.y -= ts.y * 0.5f;
        } else {
            if (vertical) at.x += 3; else at.y += 2;
        }
        // Whole labels only: one that would stick out of the canvas is left out, never cut.
        if (at.x < min.x + 1 || at.y < min.y + 1 || at.x + ts.x > max.x - 1 || at.y + ts.y > max.y - 1) continue;
        draw->AddRectFilled(ImVec2(at.x - 3, at.y - 1), ImVec2(at.x + ts.x + 3, at.y + ts.y + 1), IM_COL32(0, 0, 0, 150), 3);
        draw->AddText(at, IM_COL32(220, 225, 235, 255), text);
    }
}

void MatrixCanvas::DrawHighlights(ImDrawList* draw, const StructuredMatrix& matrix, const Frame& frame,
                                  const CanvasOptions& options) {
    // Linked highlights.
    const ImU32 highlight = IM_COL32(255, 210, 90, 200);
    if (options.highlight_row && *options.highlight_row >= 0 && *options.highlight_row < matrix.Rows()) {
        const double r = static_cast<double>(*options.highlight_row);
        const float y0 = m_view.ContentToScreen(0, r).y, y1 = std::max(m_view.ContentToScreen(0, r + 1).y, y0 + 1.0f);
        draw->AddRect(ImVec2(frame.min.x, y0 - 1), ImVec2(frame.max.x, y1 + 1), highlight, 0, 0, 1.5f);
    }
    if (options.highlight_col && *options.highlight_col >= 0 && *options.highlight_col < matrix.Cols()) {
        const double c = static_cast<double>(*options.highlight_col);
        const float x0 = m_view.ContentToScreen(c, 0).x, x1 = std::max(m_view.ContentToScreen(c + 1, 0).x, x0 + 1.0f);
        draw->AddRect(ImVec2(x0 - 1, frame.min.y), ImVec2(x1 + 1, frame.max.y), highlight, 0, 0, 1.5f);
    }
}

// [SECTION] Hover, status and legend

void MatrixCanvas::DrawHover(ImDrawList* draw, const StructuredMatrix& matrix, const CanvasOptions& options) {
    // The entry under the pointer, a crosshair and the readout.
    double x = 0, y = 0;
    m_view.ScreenToContent(ImGui::GetIO().MousePos, &x, &y);
    if (x < 0 || y < 0 || x >= static_cast<double>(matrix.Cols()) || y >= static_cast<double>(matrix.Rows())) return;
    CanvasHover h{static_cast<Index>(y), static_cast<Index>(x)};
    m_hovered = h;
    m_last_hovered = h;
    const ImVec2 a = m_view.ContentToScreen(static_cast<double>(h.col), static_cast<double>(h.row));
    const ImVec2 b = m_view.ContentToScreen(static_cast<double>(h.col + 1), static_cast<double>(h.row + 1));
    draw->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(std::max(b.x, a.x + 1) + 1, std::max(b.y, a.y + 1) + 1),
                  IM_COL32(255, 255, 255, 230), 0, 0, 1.5f);
    ImGui::BeginTooltip();
    ImGui::Text("%s %s", Tr(S::CanvasRow), FormatExact(h.row).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s", (options.row_label ? options.row_label(h.row) : FormatCoords(matrix.RowCoords(h.row))).c_str());
    ImGui::Text("%s %s", Tr(S::CanvasCol), FormatExact(h.col).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s", (options.col_label ? options.col_label(h.col) : FormatCoords(matrix.ColCoords(h.col))).c_str());
    ImGui::Separator();
    ImGui::TextUnformatted((options.describe ? options.describe(h.row, h.col) : FormatEntry(matrix.Entry(h.row, h.col))).c_str());
    ImGui::EndTooltip();
}

void MatrixCanvas::DrawStatusAndLegend(ImDrawList* draw, const Frame& frame, const CanvasOptions& options) {
    const ImVec2 min = frame.min, max = frame.max;
    // Whole lines only: a legend wrapped past the room shows no half-cut line.
    const float line_h = ImGui::GetTextLineHeight();
    const float legend = frame.legend;
    draw->PushClipRect(ImVec2(min.x, max.y), ImVec2(max.x, max.y + 4 + std::max(1.0f, std::floor((legend - 4) / line_h)) * line_h), true);
    DrawLegend(draw, ImVec2(min.x, max.y + 4), frame.canvas_size.x, options);
    draw->PopClipRect();
}

// [SECTION] Labels and legend

void MatrixCanvas::DrawLabels(ImDrawList* draw, const StructuredMatrix& matrix, const ContentRect& visible, const CanvasOptions& options) {
    // At entry level: the weight's label in every structural non-zero that is on screen, in black or
    // white after the cell's colour; labels that would be smaller than kMinLabelPx are dropped.
    const Index c0 = static_cast<Index>(std::floor(visible.x0)), c1 = static_cast<Index>(std::ceil(visible.x1));
    const Index r0 = static_cast<Index>(std::floor(visible.y0)), r1 = static_cast<Index>(std::ceil(visible.y1));
    if ((c1 - c0) * (r1 - r0) > 20000) return;  // bounded by the zoom; a guard against tiny fonts
    const double zoom = m_view.Zoom();
    ImFont* font = ImGui::GetFont();
    const float base = ImGui::GetFontSize();
    for (Index r = r0; r < r1; ++r) {
        for (Index c = c0; c < c1; ++c) {
            auto param = matrix.ParameterAt(r, c);
            if (!param) continue;
            std::string label = matrix.ParameterLabel(*param);
            float size = base;
            ImVec2 ts = font->CalcTextSizeA(size, FLT_MAX, 0, label.c_str());
            if (ts.x > zoom - 4) {
                // Too wide: drop the "w[" ... "]" decoration, then shrink.
                if (label.size() > 3 && label[0] == 'w' && label[1] == '[') label = label.substr(2, label.size() - 3);
                ts = font->CalcTextSizeA(size, FLT_MAX, 0, label.c_str());
                if (ts.x > zoom - 4) {
                    size = size * static_cast<float>((zoom - 4) / ts.x);
                    if (size < kMinLabelPx) continue;
                    ts = font->CalcTextSizeA(size, FLT_MAX, 0, label.c_str());
                }
            }
            if (ts.x > zoom) continue;
            const ImVec2 a = m_view.ContentToScreen(static_cast<double>(c) + 0.5, static_cast<double>(r) + 0.5);
            // Whole labels only: an entry cut by the canvas edge shows none (never half a number).
            const ImVec2 clip_min = draw->GetClipRectMin(), clip_max = draw->GetClipRectMax();
            if (a.x - zoom * 0.5 < clip_min.x || a.x + zoom * 0.5 > clip_max.x || a.y - ts.y < clip_min.y || a.y + ts.y * 1.5f > clip_max.y) continue;
            const float value = matrix.ParameterValue(*param);
            float rgb[3];
            CellColor(options, *param, value, rgb);
            const ImU32 ink = LabelColorOn(rgb);
            draw->AddText(font, size, ImVec2(a.x - ts.x * 0.5f, a.y - ts.y * 0.5f), ink, label.c_str());
            if (zoom >= base * 3.2) {
                const std::string text = FormatNumber(value);
                const float small = base * 0.8f;
                const ImVec2 vs = font->CalcTextSizeA(small, FLT_MAX, 0, text.c_str());
                draw->AddText(font, small, ImVec2(a.x - vs.x * 0.5f, a.y + ts.y * 0.5f), ink, text.c_str());
            }
        }
    }
}

void MatrixCanvas::UpdateDensity(const StructuredMatrix& matrix, const CanvasOptions& options) {
    m_density = Density(matrix.NonZeros(), matrix.Rows(), matrix.Cols());
    const double own[] = {m_density};
    m_density_scale = options.density_scale ? *options.density_scale : DensityScale(own);
}

void MatrixCanvas::DrawLegend(ImDrawList* draw, ImVec2 at, float width, const CanvasOptions& options) {
    ColorbarSpec bar;
    switch (options.coloring) {
        case CanvasColoring::Parameter:
            bar.map = gfx::Colormap::Categorical;
            bar.caption = options.legend_caption ? options.legend_caption : Tr(S::CanvasLegendParameter);
            break;
        case CanvasColoring::Value:
            bar.map = gfx::Colormap::Diverging;
            bar.scale = SymmetricScale(options.value_range, options.value_range);
            bar.caption = options.legend_caption ? options.legend_caption : Tr(S::CanvasLegendValue);
            break;
        default: {
            bar.map = gfx::Colormap::Viridis;
            bar.scale = m_density_scale;
            const Raster* raster = m_raster.Current();
            const Index block = raster ? raster->entries_per_pixel_row * raster->entries_per_pixel_col : 1;
            bar.caption = options.legend_caption ? options.legend_caption : Tr(block > 1 ? S::CanvasLegendDensity : S::CanvasLegendEntry);
            bar.badge = Printf(Tr(S::CanvasDensityBadge), FormatPercent(m_density).c_str());
            break;
        }
    }
    DrawColorbar(draw, at, width, bar);
}

}  // namespace lens::app
