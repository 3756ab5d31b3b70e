// app/widgets/busy_overlay.hpp: progress where the eye is. While a figure recomputes, its stale
// picture is dimmed and a spinner with a progress bar sits in its middle.
#pragma once

#include <imgui.h>

namespace lens::app {

// Dims [min, max) on `draw` and draws a spinner, "recomputing" and, for 0 <= progress <= 1, a bar.
// progress < 0: unknown (spinner only).
void DrawBusyOverlay(ImDrawList* draw, ImVec2 min, ImVec2 max, float progress);

}  // namespace lens::app
