// app/widgets/layout_check.cpp: see layout_check.hpp.
//
// ImFont::RenderText writes each glyph as one quad: vertices (x1,y1,u1,v1) (x2,y1,u2,v1)
// (x2,y2,u2,v2) (x1,y2,u1,v2) and indices b,b+1,b+2, b,b+2,b+3. A quad with that index pattern
// whose corner UVs are exactly a glyph's UVs in the atlas is that glyph. Glyphs wholly outside
// their clip rectangle are never emitted, so a cut number always leaves a straddling glyph.
#include "layout_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include <imgui.h>
#include <imgui_internal.h>

namespace lens::app {
namespace {

struct GlyphKey {
    float u0, v0, u1, v1;
    bool operator<(const GlyphKey& o) const {
        if (u0 != o.u0) return u0 < o.u0;
        if (v0 != o.v0) return v0 < o.v0;
        if (u1 != o.u1) return u1 < o.u1;
        return v1 < o.v1;
    }
};

std::map<GlyphKey, unsigned> GlyphTable() {
    std::map<GlyphKey, unsigned> table;
    for (ImFont* font : ImGui::GetIO().Fonts->Fonts)
        for (const ImFontGlyph& g : font->Glyphs)
            if (g.Visible) table[GlyphKey{g.U0, g.V0, g.U1, g.V1}] = g.Codepoint;
    return table;
}

void AppendUtf8(std::string& out, unsigned c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// The window that owns a draw list (child windows have their own lists).
const ImGuiWindow* OwnerOf(const ImDrawList* list) {
    for (const ImGuiWindow* w : GImGui->Windows)
        if (w->DrawList == list) return w;
    return nullptr;
}

// One line of text as drawn: its glyphs in order, and whether a digit of it was cut.
struct Run {
    std::string text;
    float x = 0, y = 0, last_x = 0;
    bool cut_digit = false;
    const char* why = "";
};

}  // namespace

std::vector<std::string> CheckLayout(const ImDrawData* data) {
    std::vector<std::string> problems;
    if (!data || !GImGui) return problems;
    const auto glyphs = GlyphTable();
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    constexpr float kSlack = 0.5f;  // px: antialiasing fringes are not cuts
    for (int l = 0; l < data->CmdListsCount; ++l) {
        const ImDrawList* list = data->CmdLists[l];
        const ImGuiWindow* window = OwnerOf(list);
        const bool scroll_x = window && window->ScrollbarX, scroll_y = window && window->ScrollbarY;
        const char* name = window ? window->Name : "?";
        for (const ImDrawCmd& cmd : list->CmdBuffer) {
            if (cmd.UserCallback) continue;
            Run run;
            auto flush = [&] {
                if (run.cut_digit) {
                    char line[640];
                    std::snprintf(line, sizeof line, "cut number \"%s\" at (%.0f, %.0f) in %s: %s", run.text.c_str(), run.x, run.y, name, run.why);
                    problems.emplace_back(line);
                }
                run = Run{};
            };
            for (unsigned i = 0; i + 6 <= cmd.ElemCount;) {
                const ImDrawIdx* idx = list->IdxBuffer.Data + cmd.IdxOffset + i;
                const unsigned b = idx[0];
                const bool quad = idx[1] == b + 1 && idx[2] == b + 2 && idx[3] == b && idx[4] == b + 2 && idx[5] == b + 3;
                if (!quad) {
                    i += 3;
                    continue;
                }
                const ImDrawVert* v = list->VtxBuffer.Data + cmd.VtxOffset + b;
                const auto found = glyphs.find(GlyphKey{v[0].uv.x, v[0].uv.y, v[2].uv.x, v[2].uv.y});
                if (found == glyphs.end()) {
                    i += 6;
                    continue;
                }
                const float x1 = v[0].pos.x, y1 = v[0].pos.y, x2 = v[2].pos.x, y2 = v[2].pos.y;
                // A new run when the baseline changes or the pen goes back.
                if (!run.text.empty() && (std::fabs(y1 - run.y) > ImGui::GetFontSize() * 0.9f || x1 < run.last_x - 1.0f)) flush();
                if (run.text.empty()) {
                    run.x = x1;
                    run.y = y1;
                }
                run.last_x = x2;
                AppendUtf8(run.text, found->second);
                const bool digit = found->second >= '0' && found->second <= '9';
                const ImVec4& c = cmd.ClipRect;
                // A glyph wholly outside its clip shows nothing (a line left out, not cut): only
                // glyphs partly shown count.
                if (x2 <= c.x || x1 >= c.z || y2 <= c.y || y1 >= c.w) {
                    i += 6;
                    continue;
                }
                const bool clip_x = x1 < c.x - kSlack || x2 > c.z + kSlack;
                const bool clip_y = y1 < c.y - kSlack || y2 > c.w + kSlack;
                const bool off = x1 < -kSlack || y1 < -kSlack || x2 > display.x + kSlack || y2 > display.y + kSlack;
                if (digit && off) {
                    run.cut_digit = true;
                    run.why = "off the window";
                } else if (digit && clip_x && !scroll_x) {
                    run.cut_digit = true;
                    run.why = "clipped at a left or right edge";
                } else if (digit && clip_y && !scroll_y) {
                    run.cut_digit = true;
                    run.why = "clipped at a top or bottom edge";
                }
                i += 6;
            }
            flush();
        }
    }
    // Windows whose content is wider or taller than they are, with no scrollbar to reach it.
    for (const ImGuiWindow* w : GImGui->Windows) {
        if (!w->Active || w->Hidden || w->SkipItems || (w->Flags & ImGuiWindowFlags_MenuBar)) continue;
        const float inner_w = w->InnerRect.GetWidth() - w->WindowPadding.x * 2, inner_h = w->InnerRect.GetHeight() - w->WindowPadding.y * 2;
        const float over_x = w->ContentSize.x - inner_w, over_y = w->ContentSize.y - inner_h;
        char line[640];
        // A few px (a multi-line text field's own margin) are not cut content.
        const float slack = std::max(w->WindowPadding.x * 2, ImGui::GetFontSize() * 0.75f) + 1;
        if (over_x > slack && !w->ScrollbarX && !(w->Flags & ImGuiWindowFlags_AlwaysAutoResize)) {
            std::snprintf(line, sizeof line, "content of %s runs %.0f px past its right edge (no horizontal scrollbar)", w->Name, over_x);
            problems.emplace_back(line);
        }
        if (over_y > 1.0f && !w->ScrollbarY && (w->Flags & ImGuiWindowFlags_NoScrollbar) && !(w->Flags & ImGuiWindowFlags_AlwaysAutoResize)) {
            std::snprintf(line, sizeof line, "content of %s runs %.0f px past its bottom edge (no scrollbar)", w->Name, over_y);
            problems.emplace_back(line);
        }
    }
    return problems;
}

}  // namespace lens::app
