// app/panels/scaling_panel.cpp: "Scaling". Why fully connected layers do not scale to images (the
// notes' "Convolution is all you need"): parameters and MACs of a fully connected layer, its
// per-channel "separable" form, a 3x3 convolution 512 -> 1024 and its depth-wise + point-wise
// pair, a CNN stack and a ViT as the image grows, on log axes with the notes' sizes marked, an
// exact table, and the notes' figures recomputed with their slips named.
//
// [SECTION] Spec and keys
// [SECTION] Drawing
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include <lens/lessons/scaling_lesson.hpp>

#include "../widgets/paragraph.hpp"
#include "../widgets/plot.hpp"
#include "lesson_panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

// [SECTION] Spec and keys

constexpr int kModels = ScalingLesson::kModels;
double AsDouble(const std::optional<Count>& v) { return v ? static_cast<double>(*v) : std::nan(""); }
constexpr std::array<S, kModels> kModelNames{S::ScaleFc, S::ScaleFcSeparable, S::ScaleConv, S::ScaleSeparable, S::ScaleCnn, S::ScaleVit};
constexpr std::array<ImU32, kModels> kModelColors{IM_COL32(255, 110, 90, 255), IM_COL32(255, 175, 80, 255), IM_COL32(120, 200, 255, 255),
                                                  IM_COL32(120, 230, 150, 255), IM_COL32(200, 150, 255, 255), IM_COL32(250, 230, 110, 255)};

class ScalingPanel final : public LessonPanel<ScalingLesson> {
public:
    const char* Id() const override { return "scaling"; }
    i18n::S Title() const override { return S::PanelScaling; }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Int("edge_lo", S::ScaleEdgeLo, &m_spec.edge_lo, 1, ScalingLesson::kMaxEdge, "smallest image edge, px");
        f.Int("edge_hi", S::ScaleEdgeHi, &m_spec.edge_hi, 1, ScalingLesson::kMaxEdge, "largest image edge, px (doubling from edge_lo)");
        std::vector<ChoiceOption> cnns;
        for (const auto& p : ScalingLesson::Presets()) cnns.push_back({p.key, p.key.c_str()});
        f.Choice("cnn", S::ScaleCnnPreset, &m_spec.cnn, std::move(cnns), "the CNN stack");
        f.Choice("vit", S::ScaleVitPreset, &m_spec.vit, {{"vit_b_16", "ViT-B/16"}, {"vit_l_16", "ViT-L/16"}, {"vit_b_32", "ViT-B/32"}}, "the ViT");
        f.Choice("metric", Label(), &m_metric, {{"parameters", S::ScaleTableParams}, {"macs", S::ScaleTableMacs}}, "what the table shows")
            .EditWith(Editor::RadioRow)
            .Display();
    }

    void DrawContent(AppContext& context) override;

private:
    void DrawNotes();

    int m_metric = 0;
    std::array<bool, kModels> m_shown{true, true, true, true, true, true};
};

// [SECTION] Drawing

void ScalingPanel::DrawNotes() {
    const NotesScalingFigures n = ComputeNotesScalingFigures();
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(Tr(S::ScaleNotesTitle));
    // Bullet + wrapped text (BulletText does not wrap).
    auto bullet = [](const char* format, auto... args) {
        ImGui::Bullet();
        Paragraph(Printf(format, args...));
    };
    bullet(Tr(S::ScaleNoteFc), FormatExact(n.fc_256).c_str());
    bullet(Tr(S::ScaleNote4k), FormatExact(n.pixel_ratio_4k).c_str(), FormatExact(n.weight_ratio_4k).c_str(), FormatExact(n.fc_4k).c_str());
    bullet(Tr(S::ScaleNoteFcSep), FormatExact(n.fc_separable_256).c_str());
    bullet(Tr(S::ScaleNoteLayers), FormatExact(n.first_layer).c_str(), FormatExact(n.deep_layer).c_str());
    bullet(Tr(S::ScaleNoteSeparable), FormatExact(n.separable).c_str(), n.separable_ratio * 100);
    bullet(Tr(S::ScaleNoteTwenty), FormatExact(n.twenty_deep_layers).c_str());
    bullet(Tr(S::ScaleNoteVit), static_cast<long long>(n.vit_tokens_224), static_cast<long long>(n.vit_token_dim),
           static_cast<long long>(n.vit_tokens_256), static_cast<long long>(n.vit22b_tokens));
    bullet(Tr(S::ScaleNotePatches3), FormatExact(n.patches3_crop).c_str(), FormatExact(n.patches3_pad).c_str());
    ImGui::PopTextWrapPos();
}

void ScalingPanel::DrawContent(AppContext& context) {
    const Result* result = Latest(context);
    static const std::vector<ScalingRow> kNone;
    const std::vector<ScalingRow>& rows = result ? result->rows : kNone;

    BeginEditorColumn();
    DrawSpecFields(Issues());
    ImGui::Separator();
    for (int m = 0; m < kModels; ++m) {
        ImGui::PushStyleColor(ImGuiCol_CheckMark, kModelColors[static_cast<size_t>(m)]);
        ImGui::Checkbox(Tr(kModelNames[static_cast<size_t>(m)]), &m_shown[static_cast<size_t>(m)]);
        ImGui::PopStyleColor();
    }
    BeginMainArea();
    if (rows.empty()) {
        ImGui::EndChild();
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float gap = ImGui::GetFontSize();
    const float label_h = ImGui::GetTextLineHeightWithSpacing();
    const float plot_h = avail.y * 0.55f;
    const float plot_w = (avail.x - gap) * 0.5f;
    // The notes' sizes, marked: at 256 px the dense layer's 38.7 G and the per-channel 12.9 G; the
    // 3x3 512 -> 1024 convolution's 4.7 M and its separable 529 K (any size).
    const NotesScalingFigures notes = ComputeNotesScalingFigures();
    for (int metric = 0; metric < 2; ++metric) {
        std::vector<PlotSeries> series;
        for (int m = 0; m < kModels; ++m) {
            if (!m_shown[static_cast<size_t>(m)]) continue;
            PlotSeries s;
            s.label = Tr(kModelNames[static_cast<size_t>(m)]);
            s.color = kModelColors[static_cast<size_t>(m)];
            for (const auto& r : rows) {
                const ScalingFigure& f = ScalingLesson::FigureOf(r, m);
                s.x.push_back(static_cast<double>(r.edge));
                s.y.push_back(AsDouble(metric == 0 ? f.parameters : f.macs));
            }
            series.push_back(std::move(s));
        }
        if (metric == 0) {
            PlotSeries marks;
            marks.label = Tr(S::ScaleNotesMarks);
            marks.color = IM_COL32(255, 255, 255, 255);
            marks.line = false;
            marks.marker_radius = 5.0f;
            marks.x = {256, 256, 256, 256};
            marks.y = {static_cast<double>(notes.fc_256), static_cast<double>(notes.fc_separable_256), static_cast<double>(notes.deep_layer),
                       static_cast<double>(notes.separable)};
            series.push_back(std::move(marks));
        }
        PlotAxes axes;
        axes.log_x = true;
        axes.log_y = true;
        axes.x_label = Tr(S::ScaleEdgeAxis);
        axes.y_label = Tr(metric == 0 ? S::ScaleParamsAxis : S::ScaleMacsAxis);
        axes.legend_left = true;  // the curves rise to the right: the top-left corner is free
        for (const auto& r : rows) axes.x_ticks.push_back(static_cast<double>(r.edge));
        ImGui::SetCursorScreenPos(ImVec2(top.x + static_cast<float>(metric) * (plot_w + gap), top.y));
        LinePlot(metric == 0 ? "params" : "macs", ImVec2(plot_w, plot_h), series, axes);
    }
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + plot_h));

    // The exact table.
    ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + plot_h + gap * 0.5f));
    DrawFieldEditor(Fields(), *Fields().Find("metric"), {});
    ImGui::SameLine();
    ImGui::TextDisabled("%s", Tr(S::ScaleTableNote));
    const float table_h = std::min(top.y + avail.y - ImGui::GetCursorScreenPos().y - label_h * 9,
                                   ImGui::GetFrameHeightWithSpacing() * static_cast<float>(rows.size() + 1));
    if (ImGui::BeginTable("##scaling", kModels + 1, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
                          ImVec2(avail.x, std::max(table_h, label_h * 3)))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn(Tr(S::ScaleImage));
        for (int m = 0; m < kModels; ++m) ImGui::TableSetupColumn(Tr(kModelNames[static_cast<size_t>(m)]));
        ImGui::TableHeadersRow();
        for (const auto& r : rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::Text("%lld x %lld", static_cast<long long>(r.edge), static_cast<long long>(r.edge));
            for (int m = 0; m < kModels; ++m) {
                ImGui::TableNextColumn();
                const ScalingFigure& f = ScalingLesson::FigureOf(r, m);
                const std::optional<Count>& v = m_metric == 0 ? f.parameters : f.macs;
                if (v) {
                    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kModelColors[static_cast<size_t>(m)]), "%s", FormatSI(static_cast<double>(*v)).c_str());
                    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", FormatExact(*v).c_str());
                } else {
                    ImGui::TextDisabled("-");
                    if (ImGui::IsItemHovered() && !f.note.empty()) ImGui::SetTooltip("%s", f.note.c_str());
                }
            }
        }
        ImGui::EndTable();
    }
    DrawNotes();
    ImGui::EndChild();
}

}  // namespace

LENS_REGISTER_PANEL(ScalingPanel, 74, "scaling")

}  // namespace lens::app
