// app/panels/mlp_panel.cpp: "MLP". A multi-layer perceptron is a chain of fully connected layers:
// the notes' 1024 -> 2048 -> 100. The layer stack with the shape on every edge, each weight matrix
// drawn to one common scale, and the exact counts.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <lens/lessons/mlp_lesson.hpp>

#include "../widgets/paragraph.hpp"
#include "../widgets/matrix_canvas.hpp"
#include "lesson_panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

class MlpPanel final : public LessonPanel<MlpLesson> {
public:
    MlpPanel() { m_preset = "notes"; }

    const char* Id() const override { return "mlp"; }
    i18n::S Title() const override { return S::PanelMlp; }
    bool Busy() const override {
        return LessonPanel::Busy() || std::any_of(m_canvases.begin(), m_canvases.end(), [](const auto& c) { return c && c->Busy(); });
    }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Preset("preset", S::FcPreset, {{"notes", S::MlpPresetNotes}, {"mnist", "784, 256, 10"}}, &m_preset,
                 [this](const std::string& key) {
                     auto spec = MlpLesson::Preset(key);
                     if (spec) m_spec = *spec;
                     return spec.has_value();
                 },
                 "load a case (applied before other keys)");
        f.Text("widths", S::MlpWidths, &m_spec.widths, MlpLesson::kMaxWidthsText,
               "layer widths, input first, e.g. 1024,2048,100 (2 to 65 widths, each 1..2^31)");
        f.Bool("bias", S::ConvBias, &m_spec.bias, "one bias per output node in every layer");
    }

    void DrawContent(AppContext& context) override {
        const Result* shown = Latest(context);
        const auto issues = Issues();
        BeginEditorColumn();
        DrawSpecFields(issues);
        if (!issues.empty() && shown) {
            ImGui::PushTextWrapPos(0);
            ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), "%s", Tr(S::MlpShowingLast));
            ImGui::PopTextWrapPos();
        }
        ImGui::Separator();
        if (shown) {
            const MlpStats& st = shown->stats;
            ImGui::Text("%s: %s", Tr(S::MlpTotalParameters), FormatExact(st.parameters).c_str());
            ImGui::Text("%s: %s", Tr(S::MlpTotalWeights), FormatExact(st.weights).c_str());
            ImGui::Text("%s: %s", Tr(S::MlpTotalBiases), FormatExact(st.biases).c_str());
            ImGui::Text("%s: %s", Tr(S::MlpTotalMacs), FormatExact(st.macs).c_str());
            ImGui::Spacing();
            ParagraphDisabled(Tr(S::MlpExplain));
        }
        BeginMainArea();
        if (shown) DrawStack(context, *shown);
        ImGui::EndChild();
    }

private:
    void DrawStack(AppContext& context, const Result& shown) {
        const MlpSpec& spec = shown.spec;
        const MlpStats& stats = shown.stats;
        const auto& layers = stats.layers;
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const float font = ImGui::GetFontSize();
        const ImVec2 top = ImGui::GetCursorScreenPos();
        ImDrawList* draw = ImGui::GetWindowDrawList();

        // 1. The stack as a diagram: one column of nodes per layer width (height ~ log of the width,
        //    so 10 and 4096 both stay visible), the shape on every edge.
        const float diagram_h = std::min(avail.y * 0.3f, font * 11);
        const size_t count = spec.widths.size();
        const float column_gap = avail.x / static_cast<float>(count);
        double log_max = 0;
        for (Index w : spec.widths) log_max = std::max(log_max, std::log10(static_cast<double>(w) + 1));
        std::vector<ImVec2> tops, bottoms;
        for (size_t i = 0; i < count; ++i) {
            const float x = top.x + column_gap * (static_cast<float>(i) + 0.5f);
            const float h = static_cast<float>(std::log10(static_cast<double>(spec.widths[i]) + 1) / std::max(log_max, 1e-9)) * (diagram_h - font * 3);
            const float cy = top.y + (diagram_h - font * 1.5f) * 0.5f;
            const ImVec2 a(x - font * 0.6f, cy - h * 0.5f), b(x + font * 0.6f, cy + h * 0.5f);
            const ImU32 color = i == 0 ? IM_COL32(120, 190, 255, 255) : i + 1 == count ? IM_COL32(140, 230, 140, 255) : IM_COL32(255, 190, 90, 255);
            draw->AddRectFilled(a, b, color, 4);
            tops.push_back(a);
            bottoms.push_back(b);
            const std::string label = FormatExact(spec.widths[i]);
            const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
            draw->AddText(ImVec2(x - ts.x * 0.5f, top.y + diagram_h - font * 1.4f), IM_COL32(230, 230, 235, 255), label.c_str());
        }
        for (size_t i = 0; i + 1 < count; ++i) {
            const ImVec2 from(bottoms[i].x, (tops[i].y + bottoms[i].y) * 0.5f), to(tops[i + 1].x, (tops[i + 1].y + bottoms[i + 1].y) * 0.5f);
            draw->AddLine(from, to, IM_COL32(200, 200, 210, 160), 2);
            draw->AddTriangleFilled(ImVec2(to.x, to.y), ImVec2(to.x - 8, to.y - 5), ImVec2(to.x - 8, to.y + 5), IM_COL32(200, 200, 210, 200));
            char text[96];
            std::snprintf(text, sizeof text, "W%zu: %s x %s", i + 1, FormatExact(layers[i].out).c_str(), FormatExact(layers[i].in).c_str());
            const ImVec2 ts = ImGui::CalcTextSize(text);
            const ImVec2 mid((from.x + to.x) * 0.5f, (from.y + to.y) * 0.5f);
            draw->AddText(ImVec2(mid.x - ts.x * 0.5f, mid.y - ts.y - 4), IM_COL32(230, 230, 235, 255), text);
        }
        ImGui::Dummy(ImVec2(avail.x, diagram_h));

        // 2. The weight matrices at one common scale (entries are squares of the same size).
        const float table_h = ImGui::GetTextLineHeightWithSpacing() * static_cast<float>(layers.size() + 2.5f);
        const float label_h = ImGui::GetTextLineHeightWithSpacing();
        const float legend_h = ImGui::GetTextLineHeightWithSpacing() * 1.6f;
        const float matrices_h = avail.y - diagram_h - table_h - ImGui::GetStyle().ItemSpacing.y * 3;
        const float gap = font;
        double total_w = 0, max_h = 0;
        for (const auto& layer : layers) {
            total_w += static_cast<double>(layer.in);
            max_h = std::max(max_h, static_cast<double>(layer.out));
        }
        const double scale = std::min((avail.x - gap * static_cast<float>(layers.size())) / total_w,
                                      (matrices_h - 2 * label_h - legend_h) / max_h);
        if (m_canvases.size() != layers.size()) {
            m_canvases.clear();
            for (size_t i = 0; i < layers.size(); ++i) m_canvases.push_back(std::make_unique<MatrixCanvas>(*context.tasks));
        }
        const ImVec2 matrices_top = ImGui::GetCursorScreenPos();
        float x = matrices_top.x;
        for (size_t i = 0; i < layers.size(); ++i) {
            const float w = static_cast<float>(static_cast<double>(layers[i].in) * scale);
            const float h = static_cast<float>(static_cast<double>(layers[i].out) * scale);
            ImGui::SetCursorScreenPos(ImVec2(x, matrices_top.y));
            char title[96];
            std::snprintf(title, sizeof title, "W%zu", i + 1);
            CanvasOptions options;
            options.coloring = CanvasColoring::Value;
            options.value_range = 1.0f / std::sqrt(static_cast<float>(layers[i].in));
            options.row_title = Tr(S::MlpRowsOut);
            options.col_title = Tr(S::MlpColsIn);
            options.legend_height = legend_h;
            ImGui::BeginGroup();
            ImGui::TextUnformatted(title);
            m_canvases[i]->Draw(title, shown.layers[i], Generation(), ImVec2(std::max(w, 48.0f), h + label_h + legend_h), options);
            ImGui::EndGroup();
            x += std::max(w, 48.0f) + gap;
        }
        MarkFigure(top, ImVec2(top.x + avail.x, matrices_top.y + matrices_h));
        ImGui::SetCursorScreenPos(ImVec2(top.x, matrices_top.y + matrices_h));

        // 3. The counts per layer.
        if (ImGui::BeginTable("##layers", 7, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchSame)) {
            for (S header : {S::MlpLayer, S::MlpShape, S::ConvStatWeights, S::MlpBiases, S::ConvStatParameters, S::MlpMacs, S::MlpMaxRank})
                ImGui::TableSetupColumn(Tr(header));
            ImGui::TableHeadersRow();
            for (size_t i = 0; i < layers.size(); ++i) {
                const auto& l = layers[i];
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::Text("W%zu", i + 1);
                ImGui::TableSetColumnIndex(1);
                ImGui::Text("%s -> %s", FormatExact(l.in).c_str(), FormatExact(l.out).c_str());
                ImGui::TableSetColumnIndex(2);
                ImGui::TextUnformatted(FormatExact(l.weights).c_str());
                ImGui::TableSetColumnIndex(3);
                ImGui::TextUnformatted(FormatExact(l.biases).c_str());
                ImGui::TableSetColumnIndex(4);
                ImGui::TextUnformatted(FormatExact(l.parameters).c_str());
                ImGui::TableSetColumnIndex(5);
                ImGui::TextUnformatted(FormatExact(l.macs).c_str());
                ImGui::TableSetColumnIndex(6);
                ImGui::TextUnformatted(FormatExact(l.max_rank).c_str());
            }
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextUnformatted(Tr(S::MlpTotal));
            ImGui::TableSetColumnIndex(2);
            ImGui::TextUnformatted(FormatExact(stats.weights).c_str());
            ImGui::TableSetColumnIndex(3);
            ImGui::TextUnformatted(FormatExact(stats.biases).c_str());
            ImGui::TableSetColumnIndex(4);
            ImGui::TextUnformatted(FormatExact(stats.parameters).c_str());
            ImGui::TableSetColumnIndex(5);
            ImGui::TextUnformatted(FormatExact(stats.macs).c_str());
            ImGui::EndTable();
        }
    }

    std::string m_preset;
    std::vector<std::unique_ptr<MatrixCanvas>> m_canvases;
};

}  // namespace

LENS_REGISTER_PANEL(MlpPanel, 30, "mlp")

}  // namespace lens::app
