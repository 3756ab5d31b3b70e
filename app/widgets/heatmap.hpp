// app/widgets/heatmap.hpp: a Grid<float> drawn through the GPU colormap, fitted into a box with
// its aspect ratio kept. For images, feature maps and attention maps (the matrix canvas is for
// operators). Re-uploads only when the caller's generation changes.
#pragma once

#include <cstdint>

#include <imgui.h>

#include <lens/grid.hpp>

#include "../gfx/colormap.hpp"
#include "../gfx/texture.hpp"

namespace lens::app {

class Heatmap {
public:
    // Draws `grid` into a box of `size` at the cursor. Returns the screen rectangle of the image
    // in *min / *max (for overlays and hover). `generation` identifies the grid's contents.
    void Draw(const char* id, const Grid<float>& grid, std::uint64_t generation, ImVec2 size,
              const gfx::ColormapParams& params, ImVec2* min = nullptr, ImVec2* max = nullptr);

private:
    gfx::CachedTexture m_values;
    gfx::Framebuffer m_colored;
    gfx::ColormapPass m_pass;
    std::uint64_t m_colored_generation = 0;
    gfx::ColormapParams m_params;
    bool m_has_colored = false;
};

}  // namespace lens::app
