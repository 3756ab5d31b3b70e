#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace lens::app {
namespace {

bool Usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

double Map(double v, bool log) { return log ? std::log10(v) : v; }

// "1e-12", "0.5", "1000", "2.3 M" style tick text.
std::string TickText(double v, bool log) {
    char text[32];
    if (log) {
        const double e = std::round(v);
        if (std::fabs(v - e) < 1e-6) std::snprintf(text, sizeof text, "1e%d", static_cast<int>(e));
        else std::snprintf(text, sizeof text, "%.2g", std::pow(10.0, v));
    } else {
        std::snprintf(text, sizeof text, "%.3g", v);
    }
    return text;
}

}  // namespace

void LinePlot(const char* id, ImVec2 size, std::span<const PlotSeries> series, const PlotAxes& axes,
              std::span<const PlotLine> lines) {
    ImGui::PushID(id);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##plot", ImVec2(std::max(size.x, 40.0f), std::max(size.y, 40.0f)));
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float font = ImGui::GetFontSize();
    // The y label sits on its own line above the plot, clear of the legend (top right, inside).
    const ImVec2 plot_min(origin.x + font * 3.6f, origin.y + (axes.y_label.empty() ? font * 0.6f : font * 1.6f));
    // A legend outside the plot takes one line per series under the x axis.
    const float legend_h = axes.legend_outside ? static_cast<float>(series.size()) * (ImGui::GetTextLineHeight() + 3) : 0.0f;
    const ImVec2 plot_max(origin.x + size.x - font * 0.6f, origin.y + size.y - font * 2.6f - legend_h);
    draw->AddRectFilled(plot_min, plot_max, IM_COL32(24, 25, 30, 255));

    // Data range.
    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    for (const auto& s : series)
        for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
            if (!Usable(s.x[i], axes.log_x) || !Usable(s.y[i], axes.log_y)) continue;
            x0 = std::min(x0, Map(s.x[i], axes.log_x));
            x1 = std::max(x1, Map(s.x[i], axes.log_x));
            y0 = std::min(y0, Map(s.y[i], axes.log_y));
            y1 = std::max(y1, Map(s.y[i], axes.log_y));
        }
    for (const auto& line : lines)
        if (Usable(line.y, axes.log_y)) {
            y0 = std::min(y0, Map(line.y, axes.log_y));
            y1 = std::max(y1, Map(line.y, axes.log_y));
        }
    if (!(x0 <= x1) || !(y0 <= y1)) {
        draw->AddRect(plot_min, plot_max, IM_COL32(70, 70, 80, 255));
        ImGui::PopID();
        return;
    }
    if (x1 - x0 < 1e-12) { x0 -= 0.5; x1 += 0.5; }
    if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
    const double pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
    auto to_screen = [&](double x, double y) {
        return ImVec2(plot_min.x + static_cast<float>((x - x0) / (x1 - x0)) * (plot_max.x - plot_min.x),
                      plot_max.y - static_cast<float>((y - y0) / (y1 - y0)) * (plot_max.y - plot_min.y));
    };

    // Ticks: decades on log axes, about five steps on linear ones.
    const ImU32 grid = IM_COL32(255, 255, 255, 22), text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    auto ticks = [&](double lo, double hi, bool log) {
        std::vector<double> out;
        double step = log ? 1.0 : std::pow(10.0, std::floor(std::log10((hi - lo) / 4)));
        if (!log && (hi - lo) / step > 8) step *= 2;
        if (log) while ((hi - lo) / step > 8) step *= 2;
        for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push_back(t);
        return out;
    };
    for (double t : ticks(y0, y1, axes.log_y)) {
        const float y = to_screen(x0, t).y;
        draw->AddLine(ImVec2(plot_min.x, y), ImVec2(plot_max.x, y), grid);
        const std::string label = TickText(t, axes.log_y);
        const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
        draw->AddText(ImVec2(plot_min.x - ts.x - 4, y - ts.y * 0.5f), text, label.c_str());
    }
    std::vector<std::pair<double, std::string>> x_ticks;
    if (!axes.x_ticks.empty()) {
        for (double t : axes.x_ticks) {
            if (!Usable(t, axes.log_x) || Map(t, axes.log_x) < x0 - 1e-9 || Map(t, axes.log_x) > x1 + 1e-9) continue;
            char text[32];
            std::snprintf(text, sizeof text, "%g", t);
            x_ticks.emplace_back(Map(t, axes.log_x), text);
        }
    } else {
        for (double t : ticks(x0, x1, axes.log_x)) x_ticks.emplace_back(t, TickText(t, axes.log_x));
    }
    for (const auto& [t, label] : x_ticks) {
        const float x = to_screen(t, y0).x;
        draw->AddLine(ImVec2(x, plot_min.y), ImVec2(x, plot_max.y), grid);
        const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
        // Centred under the tick, kept inside the plot's box (the last tick sits on the right edge).
        const float tx = std::clamp(x - ts.x * 0.5f, origin.x, origin.x + size.x - ts.x);
        draw->AddText(ImVec2(tx, plot_max.y + 2), text, label.c_str());
    }
    if (!axes.x_label.empty()) {
        const ImVec2 ts = ImGui::CalcTextSize(axes.x_label.c_str());
        draw->AddText(ImVec2((plot_min.x + plot_max.x - ts.x) * 0.5f, plot_max.y + font * 1.3f), text, axes.x_label.c_str());
    }
    if (!axes.y_label.empty()) draw->AddText(ImVec2(origin.x + font * 0.3f, origin.y + font * 0.2f), text, axes.y_label.c_str());

    draw->PushClipRect(plot_min, plot_max, true);
    for (const auto& line : lines) {
        if (!Usable(line.y, axes.log_y)) continue;
        const float y = to_screen(x0, Map(line.y, axes.log_y)).y;
        for (float x = plot_min.x; x < plot_max.x; x += 8) draw->AddLine(ImVec2(x, y), ImVec2(std::min(x + 4, plot_max.x), y), line.color, 1.5f);
        draw->AddText(ImVec2(plot_max.x - ImGui::CalcTextSize(line.label.c_str()).x - 4, y - font - 1), line.color, line.label.c_str());
    }
    // Hover: the nearest point of any series.
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    float best = font * 1.5f;
    const PlotSeries* best_series = nullptr;
    size_t best_index = 0;
    for (const auto& s : series) {
        std::vector<ImVec2> points;
        for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
            if (!Usable(s.x[i], axes.log_x) || !Usable(s.y[i], axes.log_y)) continue;
            const ImVec2 p = to_screen(Map(s.x[i], axes.log_x), Map(s.y[i], axes.log_y));
            points.push_back(p);
            const float d = std::hypot(p.x - mouse.x, p.y - mouse.y);
            if (hovered && d < best) {
                best = d;
                best_series = &s;
                best_index = i;
            }
        }
        if (s.line && points.size() > 1) draw->AddPolyline(points.data(), static_cast<int>(points.size()), s.color, 0, 2.0f);
        if ((s.markers || !s.line) && points.size() <= 200)
            for (const ImVec2& p : points) {
                draw->AddCircleFilled(p, s.marker_radius, s.color);
                if (!s.line) draw->AddCircle(p, s.marker_radius + 1.5f, IM_COL32(0, 0, 0, 200), 0, 1.5f);
            }
    }
    draw->PopClipRect();
    draw->AddRect(plot_min, plot_max, IM_COL32(70, 72, 84, 255));

    // Legend, top right (or left), or under the x axis label.
    float ly = axes.legend_outside ? plot_max.y + font * 2.6f : plot_min.y + 4;
    for (const auto& s : series) {
        const ImVec2 ts = ImGui::CalcTextSize(s.label.c_str());
        const float lx = axes.legend_left || axes.legend_outside ? plot_min.x + 6 : plot_max.x - ts.x - font * 1.6f;
        draw->AddRectFilled(ImVec2(lx - 4, ly - 1), ImVec2(lx + ts.x + font * 1.6f - 2, ly + ts.y + 1), IM_COL32(0, 0, 0, 140), 3);
        if (s.line) draw->AddLine(ImVec2(lx, ly + ts.y * 0.5f), ImVec2(lx + font * 0.9f, ly + ts.y * 0.5f), s.color, 2.5f);
        else draw->AddCircleFilled(ImVec2(lx + font * 0.45f, ly + ts.y * 0.5f), s.marker_radius, s.color);
        draw->AddText(ImVec2(lx + font * 1.2f, ly), IM_COL32(230, 230, 235, 255), s.label.c_str());
        ly += ts.y + 3;
    }
    if (best_series) {
        ImGui::BeginTooltip();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(best_series->color), "%s", best_series->label.c_str());
        ImGui::Text("x = %.6g, y = %.6g", best_series->x[best_index], best_series->y[best_index]);
        ImGui::EndTooltip();
    }
    ImGui::PopID();
}

}  // namespace lens::app
