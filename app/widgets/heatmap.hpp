// app/widgets/heatmap.hpp: a Grid<float> drawn through the GPU colormap, fitted into a box with
// its aspect ratio kept, with its colour bar (colorbar.hpp) below it in the same box. For images,
// feature maps and attention maps (the matrix canvas is for operators). Re-uploads only when the
// caller's generation changes.
#pragma once

#include <cstdint>
#include <string>

#include <imgui.h>

#include <lens/grid.hpp>

#include "../gfx/colormap.hpp"
#include "../gfx/texture.hpp"
#include "colorbar.hpp"

namespace lens::app {

// The colour bar under a heatmap. `show` false: none (a caller drawing one bar for several maps
// that share a scale, e.g. small multiples).
struct HeatmapBar {
    bool show = true;
    const char* caption = nullptr;  // what the colour shows, in the UI language
    std::string badge;
};

class Heatmap {
public:
    // Draws `grid` into a box of `size` at the cursor (the colour bar included). Returns the screen
    // rectangle of the image in *min / *max (for overlays and hover). `generation` identifies the
    // grid's contents; the scale is params' lo..hi (log10 when set).
    void Draw(const char* id, const Grid<float>& grid, std::uint64_t generation, ImVec2 size,
              const gfx::ColormapParams& params, ImVec2* min = nullptr, ImVec2* max = nullptr, const HeatmapBar& bar = {});

private:
    gfx::CachedTexture m_values;
    gfx::Framebuffer m_colored;
    gfx::ColormapPass m_pass;
    std::uint64_t m_colored_generation = 0;
    gfx::ColormapParams m_params;
    bool m_has_colored = false;
};

// The colour bar's spec for a heatmap drawn with `params`.
ColorbarSpec HeatmapColorbar(const gfx::ColormapParams& params, const HeatmapBar& bar);

}  // namespace lens::app
