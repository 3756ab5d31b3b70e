// app/widgets/busy_overlay.cpp: see busy_overlay.hpp.
#include "busy_overlay.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "../i18n/strings.hpp"

namespace lens::app {

void DrawBusyOverlay(ImDrawList* draw, ImVec2 min, ImVec2 max, float progress) {
    if (max.x - min.x < 8 || max.y - min.y < 8) return;
    draw->AddRectFilled(min, max, IM_COL32(10, 10, 14, 140));
    const float font = ImGui::GetFontSize();
    const ImVec2 centre((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f);
    const float radius = std::min({font * 1.1f, (max.x - min.x) * 0.2f, (max.y - min.y) * 0.2f});
    // A spinner: a quarter arc turning once a second.
    const float t = static_cast<float>(ImGui::GetTime());
    const float start = t * 6.2831853f;
    draw->PathArcTo(centre, radius, start, start + 4.0f, 24);
    draw->PathStroke(IM_COL32(255, 220, 120, 255), 0, std::max(2.0f, font * 0.18f));
    char text[96];
    if (progress >= 0 && progress <= 1)
        std::snprintf(text, sizeof text, "%s %d%%", i18n::Tr(i18n::S::CanvasRecomputing), static_cast<int>(progress * 100.0f));
    else
        std::snprintf(text, sizeof text, "%s", i18n::Tr(i18n::S::CanvasRecomputing));
    const ImVec2 ts = ImGui::CalcTextSize(text);
    if (ts.x + 8 > max.x - min.x) return;  // no room for the words: the spinner says it
    const ImVec2 at(centre.x - ts.x * 0.5f, centre.y + radius + font * 0.4f);
    draw->AddRectFilled(ImVec2(at.x - 6, at.y - 3), ImVec2(at.x + ts.x + 6, at.y + ts.y + 9), IM_COL32(0, 0, 0, 190), 4);
    draw->AddText(at, IM_COL32(255, 220, 120, 255), text);
    if (progress >= 0 && progress <= 1) {
        const float y = at.y + ts.y + 3;
        draw->AddRectFilled(ImVec2(at.x, y), ImVec2(at.x + ts.x, y + 3), IM_COL32(80, 80, 90, 255));
        draw->AddRectFilled(ImVec2(at.x, y), ImVec2(at.x + ts.x * progress, y + 3), IM_COL32(255, 220, 120, 255));
    }
}

}  // namespace lens::app
