#include "heatmap.hpp"

#include <algorithm>
#include <string>

namespace lens::app {

void Heatmap::Draw(const char* id, const Grid<float>& grid, std::uint64_t generation, ImVec2 size,
                   const gfx::ColormapParams& params, ImVec2* out_min, ImVec2* out_max, const HeatmapBar& bar) {
    ImGui::PushID(id);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::Dummy(size);
    // The colour bar takes the bottom of the box unless the image would keep under a third of it.
    const ColorbarSpec spec = HeatmapColorbar(params, bar);
    const float bar_h = bar.show ? ColorbarHeight(size.x, spec) + 8 : 0.0f;
    const bool show_bar = bar.show && size.y - bar_h >= std::max(size.y / 3.0f, 16.0f);
    if (show_bar) size.y -= bar_h;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    if (grid.Empty()) {
        draw->AddRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(70, 70, 80, 255));
        ImGui::PopID();
        return;
    }
    m_values.Sync(generation, grid.width, grid.height, gfx::PixelFormat::R32f, grid.data.data(), gfx::Filter::Nearest);
    if (!m_has_colored || m_colored_generation != generation || !(m_params == params)) {
        std::string error;
        if (m_pass.Render(m_values.Get(), params, m_colored, &error)) {
            m_has_colored = true;
            m_colored_generation = generation;
            m_params = params;
        }
    }
    const float scale = std::min(size.x / static_cast<float>(grid.width), size.y / static_cast<float>(grid.height));
    const ImVec2 image(static_cast<float>(grid.width) * scale, static_cast<float>(grid.height) * scale);
    // Centred across, at the top when a colour bar follows (the bar sits right under the image).
    const ImVec2 min(origin.x + (size.x - image.x) * 0.5f, origin.y + (show_bar ? 0.0f : (size.y - image.y) * 0.5f));
    const ImVec2 max(min.x + image.x, min.y + image.y);
    if (m_has_colored) draw->AddImage(m_colored.Color().ImId(), min, max);
    draw->AddRect(ImVec2(min.x - 1, min.y - 1), ImVec2(max.x + 1, max.y + 1), IM_COL32(90, 90, 100, 255));
    if (show_bar) DrawColorbar(draw, ImVec2(origin.x, max.y + 6), size.x, spec);
    if (out_min) *out_min = min;
    if (out_max) *out_max = max;
    ImGui::PopID();
}

ColorbarSpec HeatmapColorbar(const gfx::ColormapParams& params, const HeatmapBar& bar) {
    ColorbarSpec spec;
    spec.map = params.map;
    spec.scale = ScaleOf(params);
    spec.caption = bar.caption;
    spec.badge = bar.badge;
    return spec;
}

}  // namespace lens::app
