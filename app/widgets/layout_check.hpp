// app/widgets/layout_check.hpp: the `--layout-check` hook. After a frame is rendered it reads the
// frame's draw data back and finds what a reader would see cut: a digit whose glyph is clipped by
// its clip rectangle or lies off the window, in a window that cannot scroll that way, and windows
// whose content runs past their edge with no scrollbar to reach it. Glyphs are recognised by
// their texture coordinates in the font atlas, so every text drawn by anyone is covered.
#pragma once

#include <string>
#include <vector>

struct ImDrawData;

namespace lens::app {

// The problems in `data` (the last ImGui::Render()'s), one human-readable line each; empty when
// none. Call before the next ImGui::NewFrame().
std::vector<std::string> CheckLayout(const ImDrawData* data);

}  // namespace lens::app
