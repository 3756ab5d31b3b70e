// app/ui_style.hpp: the dark theme and the font atlas (Latin + Traditional Chinese glyphs that
// the string table uses, and a monospaced face for numbers). ImGui only; no GL.
#pragma once

#include <string>

#include <imgui.h>

namespace lens::app {

struct FontSet {
    ImFont* regular = nullptr;  // UI text, with the CJK glyphs merged in when available
    ImFont* mono = nullptr;     // numbers, matrix labels
    bool cjk_available = false;
    std::string warning;        // one line when something was missing (English, for stderr)
};

// Rebuilds the atlas for a UI scale (DPI x export scale). The caller re-creates the GPU font
// texture afterwards. Fonts come from Debian's fonts-dejavu-core and fonts-noto-cjk; missing
// files fall back to ImGui's built-in font with a warning.
FontSet BuildFonts(float scale);
// Code points beyond the string table the atlas must hold (the lesson's text); before BuildFonts.
void SetExtraGlyphs(std::u32string code_points);
// Applies the theme, scaled, from a fresh base style (so repeated calls do not compound).
void ApplyTheme(float scale);

}  // namespace lens::app
