// app/widgets/colorbar.hpp: the one colour bar of every heatmap and matrix: a horizontal gradient of
// the colormap with numeric ticks (lens/scale.hpp: nice values, one number format, -0 as 0), the
// colormap's name and what the colour means, and an optional badge (e.g. "0.0135 % non-zero").
// Also the bridge from a ValueScale to the GPU colormap's parameters, and the label colour that
// follows a cell's luminance.
#pragma once

#include <string>

#include <imgui.h>

#include <lens/scale.hpp>

#include "../gfx/colormap.hpp"

namespace lens::app {

struct ColorbarSpec {
    gfx::Colormap map = gfx::Colormap::Viridis;
    ValueScale scale;               // the values at the two ends (Log10: ticks at powers of ten)
    const char* caption = nullptr;  // what the colour shows, in the UI language (may be null)
    std::string badge;              // shown after the caption, highlighted (may be empty)
};

// The GPU colormap's parameters that draw `scale` on `map` (Log10 maps log10(v) from lo to hi).
gfx::ColormapParams ColormapParamsFor(gfx::Colormap map, const ValueScale& scale);
// The scale a colormap's parameters draw (the inverse of ColormapParamsFor).
ValueScale ScaleOf(const gfx::ColormapParams& params);

// The colormap's name in the UI language ("viridis", "blue-white-red").
const char* ColormapName(gfx::Colormap map);

// Height (px) DrawColorbar uses at this width.
float ColorbarHeight(float width, const ColorbarSpec& spec);
// Draws the bar with its top-left at `at`, `width` px wide, with the draw list only (no item).
// Returns the height used.
float DrawColorbar(ImDrawList* draw, ImVec2 at, float width, const ColorbarSpec& spec);
// The same as an ImGui item at the cursor (advances the layout).
void Colorbar(const char* id, float width, const ColorbarSpec& spec);

// Text colour for a label on a cell of colour rgb (0..1): black or white, whichever reads better.
ImU32 LabelColorOn(const float rgb[3]);
// Labels drawn smaller than this (px) are dropped, not shrunk further.
inline constexpr float kMinLabelPx = 9.0f;

}  // namespace lens::app
