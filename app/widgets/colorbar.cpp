// app/widgets/colorbar.cpp: the colour bar widget (colorbar.hpp).
#include "colorbar.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "../i18n/strings.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

constexpr int kGradientSteps = 64;

struct Geometry {
    float bar_w = 0;         // gradient width
    float bar_h = 0;         // gradient height
    float caption_x = 0;     // caption's offset from the left
    float caption_w = 0;     // caption's wrap width
    bool caption_below = false;
};

std::string CaptionText(const ColorbarSpec& spec) {
    std::string text = ColormapName(spec.map);
    if (spec.caption && *spec.caption) text.append(": ").append(spec.caption);
    return text;
}

Geometry GeometryOf(float width, const ColorbarSpec& spec) {
    const float font = ImGui::GetFontSize();
    Geometry g;
    g.bar_h = std::round(font * 0.6f);
    if (spec.map == gfx::Colormap::Categorical) {
        g.bar_w = std::min(width, font * 4);
    } else {
        g.bar_w = std::clamp(width * 0.45f, std::min(width, font * 7), font * 16);
    }
    g.caption_x = g.bar_w + font * 0.6f;
    g.caption_w = width - g.caption_x;
    if (g.caption_w < font * 6) {
        g.caption_below = true;
        g.bar_w = width;
        g.caption_x = 0;
        g.caption_w = width;
    }
    return g;
}

ImU32 ColorOf(gfx::Colormap map, float t) {
    float rgb[3];
    gfx::ColormapColor(map, t, rgb);
    return ImGui::ColorConvertFloat4ToU32(ImVec4(rgb[0], rgb[1], rgb[2], 1));
}

float CaptionHeight(const Geometry& g, const ColorbarSpec& spec) {
    std::string text = CaptionText(spec);
    if (!spec.badge.empty()) text.append("  ").append(spec.badge);
    return ImGui::GetFont()->CalcTextSizeA(ImGui::GetFontSize(), FLT_MAX, std::max(g.caption_w, 1.0f), text.c_str()).y;
}

}  // namespace

gfx::ColormapParams ColormapParamsFor(gfx::Colormap map, const ValueScale& scale) {
    gfx::ColormapParams params;
    params.map = map;
    params.lo = static_cast<float>(scale.lo);
    params.hi = static_cast<float>(scale.hi);
    params.log10 = scale.kind == ScaleKind::Log10;
    return params;
}

ValueScale ScaleOf(const gfx::ColormapParams& params) {
    return {params.lo, params.hi, params.log10 ? ScaleKind::Log10 : ScaleKind::Linear};
}

const char* ColormapName(gfx::Colormap map) {
    switch (map) {
        case gfx::Colormap::Diverging: return Tr(S::ColormapDiverging);
        case gfx::Colormap::Categorical: return Tr(S::ColormapCategorical);
        case gfx::Colormap::Greys: return Tr(S::ColormapGreys);
        default: return Tr(S::ColormapViridis);
    }
}

float ColorbarHeight(float width, const ColorbarSpec& spec) {
    const Geometry g = GeometryOf(width, spec);
    const float line = ImGui::GetTextLineHeight();
    const float bar = g.bar_h + 3 + line;  // gradient, tick marks, numbers
    const float caption = CaptionHeight(g, spec);
    return g.caption_below ? bar + 2 + caption : std::max(bar, caption);
}

float DrawColorbar(ImDrawList* draw, ImVec2 at, float width, const ColorbarSpec& spec) {
    const Geometry g = GeometryOf(width, spec);
    const float font = ImGui::GetFontSize();
    const float line = ImGui::GetTextLineHeight();
    const ImU32 text_col = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 dim_col = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    float bar_bottom = at.y + g.bar_h;
    if (spec.map == gfx::Colormap::Categorical) {
        // Hues have no order: a few swatches, the caption says what equal colours mean.
        const int swatches = 5;
        for (int i = 0; i < swatches; ++i) {
            float rgb[3];
            // The shader's golden-ratio hues (colormap.frag.glsl) for parameter ids 0..4.
            const float h = std::fmod(static_cast<float>(i) * 0.61803398875f + 0.1f, 1.0f);
            ImGui::ColorConvertHSVtoRGB(h, 0.7f, 0.95f, rgb[0], rgb[1], rgb[2]);
            const float x0 = at.x + g.bar_w * static_cast<float>(i) / swatches;
            draw->AddRectFilled(ImVec2(x0, at.y), ImVec2(x0 + g.bar_w / swatches - 1, bar_bottom),
                                ImGui::ColorConvertFloat4ToU32(ImVec4(rgb[0], rgb[1], rgb[2], 1)));
        }
    } else {
        for (int i = 0; i < kGradientSteps; ++i) {
            const float x0 = at.x + g.bar_w * static_cast<float>(i) / kGradientSteps;
            const float x1 = at.x + g.bar_w * static_cast<float>(i + 1) / kGradientSteps;
            draw->AddRectFilled(ImVec2(x0, at.y), ImVec2(x1 + 0.5f, bar_bottom), ColorOf(spec.map, (static_cast<float>(i) + 0.5f) / kGradientSteps));
        }
        draw->AddRect(ImVec2(at.x - 1, at.y - 1), ImVec2(at.x + g.bar_w + 1, bar_bottom + 1), IM_COL32(90, 90, 100, 255));
        // Ticks: as many as fit at three characters' width each; labels never overlap.
        const int max_ticks = std::max(2, static_cast<int>(g.bar_w / (font * 3.2f)));
        float last_right = -FLT_MAX;
        for (double t : TicksOf(spec.scale, max_ticks)) {
            const float x = at.x + g.bar_w * static_cast<float>(ScalePosition(spec.scale, t));
            draw->AddLine(ImVec2(x, bar_bottom - 2), ImVec2(x, bar_bottom + 3), text_col);
            const std::string label = FormatNumber(t);
            const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
            float lx = std::clamp(x - ts.x * 0.5f, at.x, std::max(at.x, at.x + width - ts.x));
            if (lx < last_right + font * 0.4f) continue;
            draw->AddText(ImVec2(lx, bar_bottom + 3), text_col, label.c_str());
            last_right = lx + ts.x;
        }
    }
    const ImVec2 caption_at = g.caption_below ? ImVec2(at.x, bar_bottom + 3 + line + 2) : ImVec2(at.x + g.caption_x, at.y - 2);
    const std::string caption = CaptionText(spec);
    draw->AddText(ImGui::GetFont(), font, caption_at, dim_col, caption.c_str(), nullptr, g.caption_w);
    if (!spec.badge.empty()) {
        // The badge after the caption, on its own line when it does not fit on the caption's last.
        const ImVec2 cs = ImGui::GetFont()->CalcTextSizeA(font, FLT_MAX, g.caption_w, caption.c_str());
        const ImVec2 bs = ImGui::CalcTextSize(spec.badge.c_str());
        ImVec2 b(caption_at.x, caption_at.y + cs.y);
        const float last_line_w = ImGui::GetFont()->CalcTextSizeA(font, FLT_MAX, 0, caption.c_str()).x;
        if (cs.y <= line * 1.5f && last_line_w + font + bs.x <= g.caption_w) b = ImVec2(caption_at.x + last_line_w + font * 0.6f, caption_at.y);
        draw->AddRectFilled(ImVec2(b.x - 3, b.y), ImVec2(b.x + bs.x + 3, b.y + bs.y), IM_COL32(255, 200, 90, 50), 3);
        draw->AddText(b, IM_COL32(255, 215, 120, 255), spec.badge.c_str());
    }
    return ColorbarHeight(width, spec);
}

void Colorbar(const char* id, float width, const ColorbarSpec& spec) {
    ImGui::PushID(id);
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float h = DrawColorbar(ImGui::GetWindowDrawList(), at, width, spec);
    ImGui::Dummy(ImVec2(width, h));
    ImGui::PopID();
}

ImU32 LabelColorOn(const float rgb[3]) {
    return DarkTextOn(rgb[0], rgb[1], rgb[2]) ? IM_COL32(10, 10, 14, 255) : IM_COL32(250, 250, 252, 255);
}

}  // namespace lens::app
