// app/widgets/plot.hpp: a small line plot drawn with ImDrawList (Debian ships no ImPlot): several
// series, linear or log axes, tick labels, a legend, horizontal reference lines and a hover
// readout. For singular values, entropy curves and scaling charts.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <imgui.h>

namespace lens::app {

struct PlotSeries {
    std::string label;
    std::vector<double> x;  // same length as y; non-finite points (and <= 0 on a log axis) are skipped
    std::vector<double> y;
    ImU32 color = IM_COL32(255, 255, 255, 255);
    bool markers = true;
    bool line = true;            // false: markers only (marked points, not a curve)
    float marker_radius = 2.6f;  // px
};

struct PlotLine {
    double y = 0;  // a horizontal reference line at this value (e.g. a rank tolerance)
    std::string label;
    ImU32 color = IM_COL32(255, 255, 255, 120);
};

struct PlotAxes {
    bool log_x = false;
    bool log_y = false;
    std::string x_label;
    std::string y_label;
    std::vector<double> x_ticks;  // explicit x ticks (data units, labelled "%g"); empty: automatic
    bool legend_left = false;     // legend in the top-left corner instead of the top-right
    bool legend_outside = false;  // legend under the plot (one line per series), clear of the curves
};

// Draws the plot into a box of `size` at the cursor.
void LinePlot(const char* id, ImVec2 size, std::span<const PlotSeries> series, const PlotAxes& axes,
              std::span<const PlotLine> lines = {});

}  // namespace lens::app
