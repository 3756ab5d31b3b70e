// app/panels/swin/swin_stages_tab.cpp: the Swin panel's "Stages and complexity" tab: the stage
// table of the chosen variant (tokens, windows, shift, channels, heads, blocks, parameters, MACs)
// and the global against window attention cost as the image grows, with this image marked.
#include "../../widgets/paragraph.hpp"
#include "../../widgets/plot.hpp"
#include "swin_panel.hpp"

namespace lens::app::swin {

using i18n::S;
using i18n::Tr;

void SwinPanel::DrawStagesTab(const SwinBase& b, ImVec2 avail) {
    const SwinGeometry& g = *b.geometry;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    if (!b.stats) {
        ImGui::PushTextWrapPos(0);
        IssueLines(b.stats_issues);
        ImGui::PopTextWrapPos();
        return;
    }
    const SwinStats& st = *b.stats;
    const char* name = kVariantNames[static_cast<size_t>(std::clamp(m_spec.variant, 0, 3))];
    Paragraph(Fmt(Tr(S::SwinTableTitle), name, static_cast<long long>(g.patch_grid.grid_w * g.patch_grid.patch),
                static_cast<long long>(g.patch_grid.grid_h * g.patch_grid.patch), static_cast<long long>(m_spec.patch), static_cast<long long>(m_spec.window)));
    DrawStageTable(b, avail.x);
    ImGui::PushTextWrapPos(top.x + avail.x - ImGui::GetWindowPos().x);
    ParagraphDisabled(Fmt(Tr(S::SwinTableNote), FormatExact(st.relative_bias_parameters).c_str()));
    ImGui::PopTextWrapPos();
    DrawComplexity(b, top, avail);
}

// The embedding, the four stages (click one to show it), the head and the totals.
void SwinPanel::DrawStageTable(const SwinBase& b, float width) {
    const SwinGeometry& g = *b.geometry;
    const SwinStats& st = *b.stats;
    auto cell_count = [](Count v, bool si) {
        if (si) {
            ImGui::TextUnformatted(FormatSI(static_cast<double>(v), 3).c_str());
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", FormatExact(v).c_str());
        } else {
            ImGui::TextUnformatted(FormatExact(v).c_str());
        }
    };
    if (ImGui::BeginTable("##stages", 10, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp, ImVec2(width, 0))) {
        const S headers[] = {S::SwinColStage, S::SwinColTokens, S::SwinColPadded, S::SwinColWindows, S::SwinColShift,
                             S::SwinColChannels, S::SwinColHeads, S::SwinColBlocks, S::SwinColParameters, S::SwinColMacs};
        for (S h : headers) ImGui::TableSetupColumn(Tr(h));
        ImGui::TableHeadersRow();
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Tr(S::SwinRowEmbed));
        ImGui::TableNextColumn();
        ImGui::Text("%lld x %lld", static_cast<long long>(st.patch_grid.grid_w), static_cast<long long>(st.patch_grid.grid_h));
        for (int k = 0; k < 3; ++k) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("-");
        }
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(b.config.embed_dim));
        ImGui::TableNextColumn();
        ImGui::TextDisabled("-");
        ImGui::TableNextColumn();
        ImGui::TextDisabled("-");
        ImGui::TableNextColumn();
        cell_count(st.embed_parameters, false);
        ImGui::TableNextColumn();
        cell_count(st.embed_macs, true);
        for (const SwinStageStats& s : st.stages) {
            ImGui::TableNextRow();
            if (s.stage == g.stage) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, IM_COL32(90, 75, 30, 140));
            ImGui::TableNextColumn();
            char label[48];
            std::snprintf(label, sizeof label, Tr(S::SwinRowStage), static_cast<int>(s.stage + 1));
            if (ImGui::Selectable(label, s.stage == g.stage, ImGuiSelectableFlags_SpanAllColumns)) m_spec.stage = s.stage;
            ImGui::TableNextColumn();
            ImGui::Text("%lld x %lld", static_cast<long long>(s.grid_w), static_cast<long long>(s.grid_h));
            ImGui::TableNextColumn();
            if (s.padded_h != s.grid_h || s.padded_w != s.grid_w)
                ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), "%lld x %lld", static_cast<long long>(s.padded_w), static_cast<long long>(s.padded_h));
            else
                ImGui::Text("%lld x %lld", static_cast<long long>(s.padded_w), static_cast<long long>(s.padded_h));
            ImGui::TableNextColumn();
            ImGui::Text("%s", FormatExact(s.windows).c_str());
            ImGui::TableNextColumn();
            if (s.shift_h == s.shift_w) ImGui::Text("%lld", static_cast<long long>(s.shift_h));
            else ImGui::Text("%lld, %lld", static_cast<long long>(s.shift_w), static_cast<long long>(s.shift_h));
            ImGui::TableNextColumn();
            ImGui::Text("%lld", static_cast<long long>(s.channels));
            ImGui::TableNextColumn();
            ImGui::Text("%lld", static_cast<long long>(s.heads));
            ImGui::TableNextColumn();
            ImGui::Text("%lld", static_cast<long long>(s.depth));
            ImGui::TableNextColumn();
            cell_count(s.parameters, false);
            ImGui::TableNextColumn();
            cell_count(s.macs, true);
        }
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Tr(S::SwinRowHead));
        for (int k = 0; k < 4; ++k) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("-");
        }
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(st.num_features));
        for (int k = 0; k < 2; ++k) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("-");
        }
        ImGui::TableNextColumn();
        cell_count(st.head_parameters, false);
        ImGui::TableNextColumn();
        cell_count(st.head_macs, true);
        ImGui::TableNextRow();
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, IM_COL32(40, 60, 90, 160));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Tr(S::SwinRowTotal));
        for (int k = 0; k < 8; ++k) ImGui::TableNextColumn();
        cell_count(st.parameters, false);
        ImGui::TableNextColumn();
        cell_count(st.macs, true);
        ImGui::EndTable();
    }
}

// The complexity chart: ViT's global attention against window attention, first stage.
void SwinPanel::DrawComplexity(const SwinBase& b, ImVec2 top, ImVec2 avail) {
    const SwinGeometry& g = *b.geometry;
    const float font = ImGui::GetFontSize();
    const float gap = font;
    const float plot_y = ImGui::GetCursorScreenPos().y + gap * 0.3f;
    const float text_w = std::max(font * 16, avail.x * 0.3f);
    const ImVec2 plot_size(avail.x - text_w - gap, top.y + avail.y - plot_y);
    PlotSeries global, window, padded, here;
    global.label = Tr(S::SwinCurveGlobal);
    global.color = IM_COL32(255, 110, 90, 255);
    window.label = Tr(S::SwinCurveWindow);
    window.color = IM_COL32(120, 200, 255, 255);
    padded.label = Tr(S::SwinCurvePadded);
    padded.color = IM_COL32(120, 230, 150, 200);
    padded.markers = false;
    here.label = Tr(S::SwinCurveHere);
    here.color = IM_COL32(255, 255, 255, 255);
    here.line = false;
    here.marker_radius = 5.0f;
    for (const SwinComplexityPoint& p : b.curve) {
        global.x.push_back(static_cast<double>(p.image));
        global.y.push_back(static_cast<double>(p.global_msa));
        window.x.push_back(static_cast<double>(p.image));
        window.y.push_back(static_cast<double>(p.window_msa));
        padded.x.push_back(static_cast<double>(p.image));
        padded.y.push_back(static_cast<double>(p.window_msa_padded));
    }
    // This image: the paper's two formulas on its own h x w grid (MsaComplexity takes square images),
    // drawn at the side of the square image with as many tokens.
    const Index gh = g.patch_grid.grid_h, gw = g.patch_grid.grid_w, c = b.config.embed_dim, m = m_spec.window;
    const auto hw = CheckedProduct({gh, gw});
    const auto projections = hw ? CheckedProduct({4, *hw, c, c}) : std::nullopt;
    const auto global_attention = hw ? CheckedProduct({2, *hw, *hw, c}) : std::nullopt;
    const auto window_attention = hw ? CheckedProduct({2, m, m, *hw, c}) : std::nullopt;
    std::optional<std::pair<Count, Count>> point;  // global, window MACs
    if (projections && global_attention && window_attention) {
        const auto global_total = CheckedAdd(*projections, *global_attention), window_total = CheckedAdd(*projections, *window_attention);
        if (global_total && window_total) point = std::make_pair(*global_total, *window_total);
    }
    if (point) {
        const double side = std::sqrt(static_cast<double>(*hw)) * static_cast<double>(m_spec.patch);
        here.x = {side, side};
        here.y = {static_cast<double>(point->first), static_cast<double>(point->second)};
    }
    const PlotSeries series[] = {global, window, padded, here};
    PlotAxes axes;
    axes.log_x = true;
    axes.log_y = true;
    axes.x_label = Tr(S::SwinCurveX);
    axes.y_label = Tr(S::SwinCurveY);
    axes.legend_left = true;
    for (double e = 64; e <= 4096; e *= 2)
        if (b.curve.empty() || e >= static_cast<double>(b.curve.front().image)) axes.x_ticks.push_back(e);
    ImGui::SetCursorScreenPos(ImVec2(top.x, plot_y));
    LinePlot("complexity", ImVec2(plot_size.x, std::max(plot_size.y, font * 8)), series, axes);
    ImGui::SetCursorScreenPos(ImVec2(top.x + plot_size.x + gap, plot_y));
    ImGui::BeginChild("##complexity_text", ImVec2(text_w, std::max(plot_size.y, font * 8)), false);
    ImGui::PushTextWrapPos(0);
    Paragraph(Fmt(Tr(S::SwinFormulaGlobal), static_cast<long long>(b.config.embed_dim)));
    Paragraph(Fmt(Tr(S::SwinFormulaWindow), static_cast<long long>(m_spec.window)));
    Paragraph(Fmt(Tr(S::SwinFormulaCrossover), static_cast<long long>(m_spec.window * m_spec.window)));
    if (point) {
        const double ratio = static_cast<double>(point->first) / static_cast<double>(std::max<Count>(point->second, 1));
        Paragraph(Fmt(Tr(S::SwinFormulaHere), static_cast<long long>(gw), static_cast<long long>(gh), FormatSI(static_cast<double>(point->first), 2).c_str(),
                      FormatSI(static_cast<double>(point->second), 2).c_str(), ratio));
    }
    if (!b.curve.empty()) {
        const SwinComplexityPoint& p = b.curve.back();
        Paragraph(Fmt(Tr(S::SwinFormulaLargest), static_cast<long long>(p.image), static_cast<long long>(p.image),
                           static_cast<double>(p.global_msa) / static_cast<double>(std::max<Count>(p.window_msa, 1))));
    }
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + avail.y));
}

}  // namespace lens::app::swin
