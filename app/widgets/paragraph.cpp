// app/widgets/paragraph.cpp: see paragraph.hpp.
#include "paragraph.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace lens::app {
namespace {

unsigned DecodeUtf8(const char*& p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    unsigned cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    ++p;
    for (int i = 1; i < n && (static_cast<unsigned char>(*p) & 0xC0) == 0x80; ++i, ++p) cp = (cp << 6) | (static_cast<unsigned char>(*p) & 0x3Fu);
    return cp;
}
bool IsWide(unsigned c) { return c >= 0x2E80; }  // CJK ideographs and full-width forms: a line may break next to them
bool NoBreakBefore(unsigned c) {
    return c == 0xFF0C || c == 0x3002 || c == 0x3001 || c == 0xFF1A || c == 0xFF1B || c == 0xFF09 || c == 0x300D || c == 0xFF1F || c == 0xFF01 ||
           c == ',' || c == '.' || c == ')' || c == ':' || c == ';';
}
bool NoBreakAfter(unsigned c) { return c == 0xFF08 || c == 0x300C || c == '('; }

}  // namespace

std::string Printf(const char* format, ...) {
    va_list args;
    va_start(args, format);
    va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    std::string out;
    if (n > 0) {
        out.resize(static_cast<size_t>(n) + 1);
        std::vsnprintf(out.data(), out.size(), format, args);
        out.resize(static_cast<size_t>(n));
    }
    va_end(args);
    return out;
}

std::vector<std::pair<const char*, const char*>> WrapLines(const char* text, const char* end, float width) {
    std::vector<std::pair<const char*, const char*>> lines;
    ImFont* font = ImGui::GetFont();
    const float scale = ImGui::GetFontSize() / font->FontSize;
    auto advance = [&](unsigned c) { return font->GetCharAdvance(static_cast<ImWchar>(c <= 0xFFFF ? c : '?')) * scale; };
    const char* line = text;
    const char* break_end = nullptr;   // the last break opportunity: the line would end here ...
    const char* break_next = nullptr;  // ... and the next one start here
    float w = 0;
    unsigned prev = 0;
    for (const char* p = text; p < end;) {
        const char* at = p;
        const unsigned c = DecodeUtf8(p);
        if (c == '\n') {
            lines.emplace_back(line, at);
            line = p;
            w = 0;
            break_end = nullptr;
            prev = 0;
            continue;
        }
        if (c == ' ') {
            break_end = at;
            break_next = p;
        } else if (at > line && (IsWide(c) || IsWide(prev)) && !NoBreakBefore(c) && !NoBreakAfter(prev)) {
            break_end = at;
            break_next = at;
        }
        w += advance(c);
        if (w > width && c != ' ' && at > line) {
            const bool usable = break_end && break_end > line;
            lines.emplace_back(line, usable ? break_end : at);
            line = usable ? break_next : at;
            while (line < p && *line == ' ') ++line;
            w = 0;
            for (const char* q = line; q < p;) w += advance(DecodeUtf8(q));
            break_end = nullptr;
        }
        prev = c;
    }
    if (line < end || lines.empty()) lines.emplace_back(line, end);
    return lines;
}

// A paragraph wrapped to `width` px (0: the space left on the right; see WrapLines), in `color` when given.
void Paragraph(const std::string& text, const ImVec4* color, float width) {
    if (width <= 0) width = std::max(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 4);
    std::string joined;
    for (const auto& [a, b] : WrapLines(text.data(), text.data() + text.size(), width)) {
        if (!joined.empty()) joined += '\n';
        joined.append(a, b);
    }
    if (color) ImGui::PushStyleColor(ImGuiCol_Text, *color);
    ImGui::PushTextWrapPos(-1.0f);
    ImGui::TextUnformatted(joined.c_str());
    ImGui::PopTextWrapPos();
    if (color) ImGui::PopStyleColor();
}
void ParagraphColored(const ImVec4& color, const std::string& text) { Paragraph(text, &color); }
void ParagraphDisabled(const std::string& text) {
    const ImVec4 color = ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
    Paragraph(text, &color);
}

// A caption wrapped to `width` px: its height, and drawing it at a screen position.
float CaptionHeight(const std::string& text, float width) {
    const float lines = static_cast<float>(WrapLines(text.data(), text.data() + text.size(), width).size());
    return lines * ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.y;
}
void Caption(ImVec2 at, const std::string& text, float width) {
    ImGui::SetCursorScreenPos(at);
    const ImVec4 color = ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
    Paragraph(text, &color, width);
}

}  // namespace lens::app
