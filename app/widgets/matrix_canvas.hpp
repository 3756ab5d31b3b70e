// app/widgets/matrix_canvas.hpp: the canvas every operator view draws through. It shows any
// StructuredMatrix from the whole matrix down to single labelled entries: wheel zoom about the
// pointer, drag pan, double-click fit, a hover readout from the matrix's entry data (formatted by
// hover_format.hpp in the UI language), linked row/column highlights, block grid lines with thinned
// labels at every zoom and a colour bar; and the navigation a billion-entry matrix needs
// (canvas_nav.cpp): zoom presets, go to row/column, next and previous structural non-zero, centre on
// the hovered row, a minimap, a zoom readout and a breadcrumb. Rasterisation runs on the task
// runner (exact, bounded by the pixels), so panning never blocks a frame; the colormap runs on the GPU.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <imgui.h>

#include <lens/operator.hpp>
#include <lens/scale.hpp>
#include <lens/task.hpp>

#include "../gfx/colormap.hpp"
#include "../gfx/texture.hpp"
#include "zoom_view.hpp"

namespace lens::app {

enum class CanvasColoring { Structure = 0, Parameter = 1, Value = 2 };

struct CanvasOptions {
    CanvasColoring coloring = CanvasColoring::Structure;  // density, parameter identity, weight value
    Index row_block = 0;                 // draw a line every row_block rows (0 = none), e.g. H*W per channel
    Index col_block = 0;                 // likewise for columns
    const char* row_block_label = nullptr;  // printf format for a row block's index, e.g. "out c=%lld"
    const char* col_block_label = nullptr;  // likewise for column blocks (nullptr = no labels)
    std::optional<Index> highlight_row;  // linked highlight from another view
    std::optional<Index> highlight_col;
    const char* row_title = "";          // what rows are, e.g. "output (c, y, x)"
    const char* col_title = "";          // what columns are
    float value_range = 1.0f;            // |value| mapped to the ends of the diverging map
    float legend_height = 0.0f;          // px reserved below for the legend (0 = one text line)
    bool stretch = false;                // fit both axes (rectangular entries) for very thin matrices
    bool navigation = true;              // toolbar, minimap, zoom readout and breadcrumb
    std::int64_t* goto_row = nullptr;    // where the go-to row lives (e.g. a panel's focus_row key); null = the canvas' own
    std::int64_t* goto_col = nullptr;    // likewise the column
    bool stale = false;                  // the matrix shown is being recomputed: dim it, spin
    float progress = -1.0f;              // that recomputation's progress, 0..1 (< 0: unknown)
    // Hover text in the UI language; when empty, the matrix's Entry() formatted by hover_format.hpp.
    std::function<std::string(Index row, Index col)> describe;
    // The hover's row and column labels in the UI language; when empty, RowCoords/ColCoords formatted.
    std::function<std::string(Index row)> row_label;
    std::function<std::string(Index col)> col_label;
    // Colour bar (colorbar.hpp): Structure colours non-zeros per entry covered (density) on a log
    // scale; matrices compared side by side pass one shared scale (lens::DensityScale of all their
    // densities); unset = the matrix's own. `legend_caption` replaces the legend's text (e.g. a
    // selection matrix's "1 = copied" instead of "one hue per trainable weight").
    std::optional<ValueScale> density_scale;
    const char* legend_caption = nullptr;
};

struct CanvasHover {
    Index row = 0;
    Index col = 0;
};

class MatrixCanvas {
public:
    explicit MatrixCanvas(TaskRunner& runner) : m_raster(runner) {}

    // Draws `matrix` (identified by `generation`: bump it whenever the matrix changes) into a
    // region of `size` px at the cursor. The matrix may be null (draws an empty frame).
    void Draw(const char* id, std::shared_ptr<const StructuredMatrix> matrix, std::uint64_t generation, ImVec2 size,
              const CanvasOptions& options);

    // The entry under the pointer in the last frame, if any.
    std::optional<CanvasHover> Hovered() const { return m_hovered; }
    bool Busy() const { return m_raster.Busy(); }
    float Progress() const { return m_raster.Progress(); }
    // Fits the whole matrix at the next Draw.
    void Fit() { m_view.Fit(); }
    // Zooms so that one entry covers `pixels` px, centred on (row, col), at the next Draw.
    void FocusEntry(Index row, Index col, double pixels);
    // Zooms likewise, with entry (row, col) at the top-left corner of the canvas.
    void ShowFromEntry(Index row, Index col, double pixels);
    // Centres entry (row, col) at no less than single-entry zoom and outlines it (navigation).
    void GoTo(Index row, Index col);
    ImVec2 Min() const { return m_min; }
    ImVec2 Max() const { return m_max; }
    // For overlays a panel draws (brackets, labels): the last frame's canvas rectangle (without the
    // titles and legend) and where content point (col, row) lies on screen.
    ImVec2 CanvasMin() const { return m_canvas_min; }
    ImVec2 CanvasMax() const { return m_canvas_max; }
    ImVec2 ContentToScreen(double col, double row) const { return m_view.ContentToScreen(col, row); }

private:
    struct RasterKey {
        std::uint64_t generation = 0;
        Index row0 = 0, col0 = 0, rows = 0, cols = 0;
        int width_px = 0, height_px = 0;
        int mode = 0;
        bool operator==(const RasterKey&) const = default;
    };
    struct Raster {
        Grid<float> grid;
        Viewport viewport;
        float lo = 0, hi = 0;  // finite value range (counts: max per pixel; values: max |v|)
        Index entries_per_pixel_row = 1, entries_per_pixel_col = 1;
    };

    // Where this frame's canvas lies (screen px).
    struct Frame {
        ImVec2 origin;       // top-left of the whole widget (titles above the canvas)
        ImVec2 min, max;     // the canvas itself
        ImVec2 canvas_size;  // max - min
        float legend = 0;    // px below the canvas for the legend
        float axis = 0;      // px above the canvas for the axis titles
    };
    // The steps of Draw, in order.
    Frame Layout(ImVec2 size, const CanvasOptions& options);
    void DrawTitles(ImDrawList* draw, const Frame& frame, const CanvasOptions& options);
    void UpdateView(const StructuredMatrix& matrix, const Frame& frame, bool hovered, bool active, const CanvasOptions& options);
    void RequestRaster(std::shared_ptr<const StructuredMatrix> matrix, std::uint64_t generation, const CanvasOptions& options);
    void DrawRaster(ImDrawList* draw, std::uint64_t generation, const CanvasOptions& options);
    void DrawExtentAndBlocks(ImDrawList* draw, const StructuredMatrix& matrix, const Frame& frame, const CanvasOptions& options);
    void DrawBlockLines(ImDrawList* draw, const Frame& frame, ImVec2 lo, ImVec2 hi, Index block, bool vertical, const char* label);
    void DrawHighlights(ImDrawList* draw, const StructuredMatrix& matrix, const Frame& frame, const CanvasOptions& options);
    void DrawHover(ImDrawList* draw, const StructuredMatrix& matrix, const CanvasOptions& options);
    void DrawStatusAndLegend(ImDrawList* draw, const Frame& frame, const CanvasOptions& options);
    void DrawLabels(ImDrawList* draw, const StructuredMatrix& matrix, const ContentRect& visible, const CanvasOptions& options);
    void DrawLegend(ImDrawList* draw, ImVec2 at, float width, const CanvasOptions& options);
    // The Structure colouring's scale and the matrix's density (badge), set by each Draw.
    void UpdateDensity(const StructuredMatrix& matrix, const CanvasOptions& options);
    // Navigation (canvas_nav.cpp).
    float DrawNavigation(const StructuredMatrix& matrix, float width, const CanvasOptions& options);  // toolbar; its height
    void HandleMinimapInput(bool hovered, bool* active);
    void DrawMinimap(ImDrawList* draw, const StructuredMatrix& matrix, const Frame& frame, const CanvasOptions& options);
    void DrawReadout(ImDrawList* draw, const StructuredMatrix& matrix, const Frame& frame, const CanvasOptions& options);
    void DrawTarget(ImDrawList* draw, const StructuredMatrix& matrix);
    double EntryZoom() const;

    LatestTask<RasterKey, Raster> m_raster;
    ZoomView m_view;
    gfx::CachedTexture m_values;
    gfx::Framebuffer m_colored;
    gfx::ColormapPass m_pass;
    std::uint64_t m_colored_generation = 0;
    gfx::ColormapParams m_colored_params;
    std::optional<CanvasHover> m_hovered;
    std::optional<std::pair<Index, Index>> m_focus;
    double m_focus_pixels = 0;
    bool m_focus_corner = false;  // ShowFromEntry: the entry at the top-left, not the centre
    std::string m_error;
    // Navigation state.
    std::optional<CanvasHover> m_last_hovered;       // the last entry under the pointer
    std::optional<std::pair<Index, Index>> m_target;  // where navigation went: outlined
    std::int64_t m_goto_row = 0, m_goto_col = 0;      // the go-to fields when the options give none
    std::string m_nav_message;                        // "no non-zero within ..." after a failed search
    bool m_minimap_drag = false;
    bool m_minimap_shown = false;
    ImVec2 m_minimap_min{0, 0}, m_minimap_max{0, 0};  // last frame's minimap (screen px)
    double m_busy_since = -1.0;                        // ImGui time the raster or panel became busy
    ImVec2 m_min{0, 0}, m_max{0, 0};
    ValueScale m_density_scale{1e-3, 1.0, ScaleKind::Log10};
    ImVec2 m_canvas_min{0, 0}, m_canvas_max{0, 0};
    double m_density = 0;
};

}  // namespace lens::app
