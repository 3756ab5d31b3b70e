// app/widgets/paragraph.hpp: wrapped text that breaks only at spaces and next to CJK characters.
// ImGui 1.86's own wrapping also breaks after '.' and ',', which splits numbers such as
// "8,388,608" or "4.491" across lines; every paragraph with figures in it goes through here.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

namespace lens::app {

// printf into a std::string (any length).
std::string Printf(const char* format, ...);

// The lines of [text, end) wrapped to `width` px in the current font: (begin, end) pointers into it.
std::vector<std::pair<const char*, const char*>> WrapLines(const char* text, const char* end, float width);

// A paragraph wrapped to `width` px (0: the space left on the right), in `color` when given.
void Paragraph(const std::string& text, const ImVec4* color = nullptr, float width = 0);
void ParagraphColored(const ImVec4& color, const std::string& text);
void ParagraphDisabled(const std::string& text);

// A caption wrapped to `width` px: its height, and drawing it (disabled colour) at a screen position.
float CaptionHeight(const std::string& text, float width);
void Caption(ImVec2 at, const std::string& text, float width);

}  // namespace lens::app
