// app/gfx/colormap.hpp: the colormap pass. A float texture (values, NaN = empty) is mapped to
// colour by a shader into an RGBA render target, so changing the colormap or its range
// re-renders on the GPU and re-uploads nothing.
#pragma once

#include <cstdint>
#include <string>

#include "framebuffer.hpp"
#include "shader.hpp"
#include "texture.hpp"

namespace lens::gfx {

enum class Colormap { Viridis = 0, Diverging = 1, Categorical = 2, Greys = 3 };

struct ColormapParams {
    Colormap map = Colormap::Viridis;
    float lo = 0.0f;                                 // value at the start of the map
    float hi = 1.0f;                                 // value at the end of the map
    bool log10 = false;                              // map log10(v) from lo (> 0) to hi: densities spanning decades
    float value_scale = 1.0f;                        // v is multiplied by this first (counts per pixel -> density)
    float empty_rgba[4] = {0.10f, 0.105f, 0.12f, 1.0f};  // NaN pixels
    float zero_rgba[4] = {0.10f, 0.105f, 0.12f, 1.0f};   // exact zeros (viridis, greys)
    bool operator==(const ColormapParams&) const = default;
};

// Viridis, the diverging map and greys on the CPU, for legends drawn with ImGui (t in [0, 1]).
void ColormapColor(Colormap map, float t, float rgb[3]);

class ColormapPass {
public:
    // Renders `values` (R32F) through the map into `target` (resized to the values' size).
    // Returns false with a message when the shader cannot be built (reported once).
    bool Render(const Texture& values, const ColormapParams& params, Framebuffer& target, std::string* error);

private:
    ShaderProgram m_program;
    unsigned m_vao = 0;
    bool m_failed = false;
};

}  // namespace lens::gfx
