// app/widgets/svg_figure.hpp: a rendered ImGui frame as SVG. Dear ImGui draws everything as
// triangles; this converts the frame's draw lists (clipped to the figure's rectangle) back into
// what they were: glyph quads become <text> runs (recognised by their place in the font atlas,
// so text stays text and can be edited or searched), solid quads and triangles become <rect> and
// <polygon>, and textured quads (the heatmaps and matrix rasters) become embedded PNG <image>s, as
// plotting libraries do for large matrices. The frame should be rendered without anti-aliased
// fringes (see SvgRenderStyle) so every shape is a plain solid polygon.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <imgui.h>

namespace lens::app {

struct TexturePixels {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgba;
};

// Reads a texture's pixels back (the GL side lives in gfx/); false when it cannot.
using TextureReader = std::function<bool(ImTextureID id, TexturePixels* out)>;

// Sets (true) or restores (false) the style flags for an SVG capture frame: no anti-aliased
// fringes, no textured lines.
void SvgRenderStyle(bool capture);

// The SVG document of `data` inside [min, max) (screen pixels), with a background rectangle.
std::string DrawDataToSvg(const ImDrawData& data, ImVec2 min, ImVec2 max, ImU32 background, const TextureReader& read_texture);

}  // namespace lens::app
