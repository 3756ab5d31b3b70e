// app/panels/swin/swin_windows_tab.cpp: the Swin panel's "Windows and shift" tab: regular or
// shifted windows over the stage's padded grid, the cyclic shift played token by token, region
// colours, and the selected window's tokens as gathered (the mosaic).
#include <set>

#include "../../widgets/paragraph.hpp"
#include "swin_panel.hpp"

namespace lens::app::swin {

using i18n::S;
using i18n::Tr;

void SwinPanel::DrawWindowsTab(const SwinBase& b, ImVec2 avail) {
    const SwinWindowLayout& l = b.geometry->layout;
    const float font = ImGui::GetFontSize();
    const float gap = font;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    DrawRollControls(l);
    const float controls_h = ImGui::GetCursorScreenPos().y - top.y;
    const float side_w = std::max(font * 17, avail.x * 0.32f);
    const float caption_w = avail.x - side_w - gap;
    const ImVec2 box(caption_w, avail.y - controls_h - CaptionHeight(Tr(S::SwinGridCaption), caption_w) - 2);
    const Index selected = WindowOf(l);
    DrawWindowGrid(b, box, selected);
    // The side column: legend, what is shown, the selected window as gathered.
    ImGui::SetCursorScreenPos(ImVec2(top.x + avail.x - side_w, top.y + controls_h));
    DrawWindowsSide(b, ImVec2(side_w, avail.y - controls_h), selected);
}

// Regular / shifted, then the roll, one token at a time or played.
void SwinPanel::DrawRollControls(const SwinWindowLayout& l) {
    const float font = ImGui::GetFontSize();
    const float gap = font;
    int mode = m_spec.shift ? 1 : 0;
    if (ImGui::RadioButton(Tr(S::SwinModeRegular), &mode, 0)) m_playing = false;
    ImGui::SameLine();
    ImGui::RadioButton(Tr(S::SwinModeShifted), &mode, 1);
    m_spec.shift = mode == 1;
    const Index steps = std::max(l.shift_h, l.shift_w);
    if (m_spec.shift && steps > 0) {
        // The roll's controls on the same line when they fit, else on the next.
        const ImGuiStyle& style = ImGui::GetStyle();
        const float play_w = std::max(ImGui::CalcTextSize(Tr(S::SwinPlay)).x, ImGui::CalcTextSize(Tr(S::SwinPause)).x) + 2 * style.FramePadding.x;
        const float needed = gap + 2 * (ImGui::GetFrameHeight() + style.ItemSpacing.x) + font * 9 + style.ItemInnerSpacing.x +
                             ImGui::CalcTextSize(Tr(S::SwinRoll)).x + gap + play_w;
        ImGui::SameLine(0, gap);
        if (ImGui::GetContentRegionAvail().x < needed) ImGui::NewLine();
        if (ImGui::ArrowButton("##back", ImGuiDir_Left)) {
            m_playing = false;
            m_roll = std::max(0.0f, (std::ceil(m_roll * static_cast<float>(steps) - 1e-3f) - 1.0f) / static_cast<float>(steps));
        }
        ImGui::SameLine();
        if (ImGui::ArrowButton("##forward", ImGuiDir_Right)) {
            m_playing = false;
            m_roll = std::min(1.0f, (std::floor(m_roll * static_cast<float>(steps) + 1e-3f) + 1.0f) / static_cast<float>(steps));
        }
        ImGui::SameLine();
        ImGui::SetNextItemWidth(font * 9);
        if (ImGui::SliderFloat(Tr(S::SwinRoll), &m_roll, 0.0f, 1.0f, "%.2f")) m_playing = false;
        ImGui::SameLine(0, gap);
        if (ImGui::Button(m_playing ? Tr(S::SwinPause) : Tr(S::SwinPlay))) {
            if (!m_playing && m_roll >= 1.0f) m_roll = 0.0f;
            m_playing = !m_playing;
        }
    }
}

// The stage's padded grid rolled by t * s, the window lines, the selected and the hovered window.
void SwinPanel::DrawWindowGrid(const SwinBase& b, ImVec2 box, Index selected) {
    const SwinWindowLayout& l = b.geometry->layout;
    const float t = m_spec.shift ? m_roll : 0.0f;
    const double sy = static_cast<double>(l.shift_h), sx = static_cast<double>(l.shift_w);
    const double ry = t * sy, rx = t * sx;  // tokens rolled so far (up and left)
    GridFrame f;
    f.rows = l.padded_h;
    f.cols = l.padded_w;
    f.cell = std::max(0.05f, std::min(box.x / static_cast<float>(f.cols), box.y / static_cast<float>(f.rows)));
    f.origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##grid", ImVec2(f.cell * static_cast<float>(f.cols), f.cell * static_cast<float>(f.rows)));
    const bool hovered = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    DrawGridBackground(draw, f);
    DrawImageLayer(draw, b, f, -ry, -rx);
    DrawLabelLayer(draw, f, sy - ry, sx - rx);
    draw->PushClipRect(f.origin, f.Max(), true);
    if (f.cell >= 4) WrappedLines(draw, f, 1, -ry, -rx, IM_COL32(255, 255, 255, f.cell >= 8 ? 55 : 35), 1.0f);
    const float window_px = f.cell * static_cast<float>(l.window);
    // Window lines fade when windows are small, so that the image stays visible.
    const int window_alpha = window_px >= 16 ? 215 : window_px >= 8 ? 150 : 70;
    if (window_px >= 4) WrappedLines(draw, f, l.window, sy - ry, sx - rx, IM_COL32(255, 255, 255, window_alpha), window_px >= 24 ? 2.0f : 1.0f);
    // The seam: where the image's first row and column are now (they wrap around as it rolls).
    if (ry > 0 || rx > 0) {
        const double y = Wrap(-ry, static_cast<double>(f.rows)), x = Wrap(-rx, static_cast<double>(f.cols));
        if (ry > 0) draw->AddLine(f.At(y, 0), f.At(y, static_cast<double>(f.cols)), IM_COL32(255, 150, 40, 230), 2.0f);
        if (rx > 0) draw->AddLine(f.At(0, x), f.At(static_cast<double>(f.rows), x), IM_COL32(255, 150, 40, 230), 2.0f);
    }
    draw->PopClipRect();
    draw->AddRect(ImVec2(f.origin.x - 1, f.origin.y - 1), ImVec2(f.Max().x + 1, f.Max().y + 1), IM_COL32(120, 120, 135, 255));
    const Index m = l.window;
    auto window_rect = [&](Index w, ImU32 color, float thickness) {
        WrappedRect(draw, f, static_cast<double>((w / l.windows_w) * m) + sy - ry, static_cast<double>((w % l.windows_w) * m) + sx - rx,
                    static_cast<double>(m), static_cast<double>(m), color, thickness);
    };
    window_rect(selected, IM_COL32(255, 210, 80, 255), 3.0f);
    if (hovered) {
        // Displayed position -> rolled frame (windows are regular there) -> the original token.
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const double dy = (mouse.y - f.origin.y) / f.cell, dx = (mouse.x - f.origin.x) / f.cell;
        const Index py = std::clamp<Index>(static_cast<Index>(Wrap(dy - sy + ry, static_cast<double>(f.rows))), 0, f.rows - 1);
        const Index px = std::clamp<Index>(static_cast<Index>(Wrap(dx - sx + rx, static_cast<double>(f.cols))), 0, f.cols - 1);
        const Index w = (py / m) * l.windows_w + px / m;
        const Index oy = (py + l.shift_h) % l.padded_h, ox = (px + l.shift_w) % l.padded_w;
        window_rect(w, IM_COL32(120, 220, 255, 255), 2.0f);
        const int label = b.labels.Empty() ? 0 : b.labels.At(static_cast<int>(px), static_cast<int>(py));
        const bool padding = oy >= l.grid_h || ox >= l.grid_w;
        ImGui::SetTooltip(Tr(S::SwinGridHover), static_cast<long long>(oy), static_cast<long long>(ox), static_cast<long long>(w),
                          static_cast<long long>(w / l.windows_w), static_cast<long long>(w % l.windows_w), static_cast<long long>((py % m) * m + px % m),
                          label, padding ? Tr(S::SwinPaddingToken) : "");
        if (clicked) m_selection.window_index = w;
    }
    MarkFigure(f.origin, f.Max());
    Caption(ImVec2(f.origin.x, f.Max().y + 2), Tr(S::SwinGridCaption), box.x);
}

void SwinPanel::DrawWindowsSide(const SwinBase& b, ImVec2 size, Index selected) {
    const SwinWindowLayout& l = b.geometry->layout;
    const float font = ImGui::GetFontSize();
    const Index m = l.window;
    const float t = m_spec.shift ? m_roll : 0.0f;
    const double ry = t * static_cast<double>(l.shift_h), rx = t * static_cast<double>(l.shift_w);
    ImGui::BeginChild("##windows_side", size, false);
    ImGui::PushTextWrapPos(0);
    if (m_labels_shown) {
        ImGui::TextUnformatted(Tr(S::SwinLegend));
        const float sw = ImGui::GetTextLineHeight();
        const float item_w = sw + 4 + ImGui::CalcTextSize("0").x + font * 0.7f;
        float used = 0;
        for (int label = 0; label < 9; ++label) {
            if (!m_present[static_cast<size_t>(label)]) continue;
            if (used > 0 && item_w > ImGui::GetContentRegionAvail().x) {
                ImGui::NewLine();
                used = 0;
            }
            used += item_w;
            const ImVec2 p = ImGui::GetCursorScreenPos();
            ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + sw, p.y + sw), LabelColor(label, 200));
            ImGui::Dummy(ImVec2(sw, sw));
            ImGui::SameLine(0, 4);
            ImGui::Text("%d", label);
            ImGui::SameLine(0, font * 0.7f);
        }
        ImGui::NewLine();
    }
    if (!m_spec.shift || !l.Shifted()) {
        Paragraph(Fmt(Tr(S::SwinExplainRegular), static_cast<long long>(l.padded_w), static_cast<long long>(l.padded_h),
                           static_cast<long long>(l.windows_w), static_cast<long long>(l.windows_h), static_cast<long long>(m), static_cast<long long>(m)));
    } else if (t <= 0.0f) {
        Paragraph(Fmt(Tr(S::SwinExplainShifted), static_cast<long long>(l.shift_h), static_cast<long long>(l.shift_w)));
    } else if (t < 1.0f) {
        Paragraph(Fmt(Tr(S::SwinExplainRolling), ry, rx));
    } else {
        Paragraph(Fmt(Tr(S::SwinExplainRolled), static_cast<long long>(l.shift_h), static_cast<long long>(l.shift_w), static_cast<long long>(l.windows)));
    }
    if (m_spec.shift && l.shift > 0 && !l.Shifted())
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinNoShiftLine), static_cast<long long>(m), static_cast<long long>(l.padded_w),
                           static_cast<long long>(l.padded_h)));
    ImGui::Spacing();
    const std::vector<SwinWindowToken> tokens = WindowSourcePatches(l, selected);
    std::set<int> regions;
    for (const auto& tk : tokens) regions.insert(tk.label);
    Paragraph(Fmt(Tr(S::SwinMosaicTitle), static_cast<long long>(selected), static_cast<long long>(selected / l.windows_w),
                static_cast<long long>(selected % l.windows_w), static_cast<int>(regions.size())));
    const ImVec2 left = ImGui::GetContentRegionAvail();
    DrawWindowMosaic(b, selected, ImVec2(left.x - 4, left.y - 4), nullptr, -1);
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
}

}  // namespace lens::app::swin
