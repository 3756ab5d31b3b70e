// app/panels/mlp_panel.cpp: "MLP". A multi-layer perceptron is a chain of fully connected layers:
// the notes' 1024 -> 2048 -> 100. The layer stack with the shape on every edge, each weight matrix
// drawn to one common scale, and the exact counts.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <lens/mlp.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../widgets/matrix_canvas.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

class MlpPanel final : public Panel {
public:
    MlpPanel() { std::snprintf(m_text, sizeof m_text, "%s", "1024, 2048, 100"); }

    const char* Id() const override { return "mlp"; }
    i18n::S Title() const override { return S::PanelMlp; }
    bool Busy() const override {
        return std::any_of(m_canvases.begin(), m_canvases.end(), [](const auto& c) { return c && c->Busy(); });
    }

    std::string ValidateKeys() override {
        std::string error;
        if (!ParseWidths(m_text, &error)) return "widths: " + error;
        MlpSpec spec{*ParseWidths(m_text), m_bias};
        if (!ComputeMlpStats(spec, &error)) return "widths: " + error;
        return {};
    }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        auto widths = ParseWidths(m_text);
        if (!widths) return;
        auto stats = ComputeMlpStats(MlpSpec{*widths, m_bias});
        if (!stats) return;
        sink.String("widths", FormatWidths(*widths));
        sink.Integer("bias", m_bias ? 1 : 0);
        sink.Integer("layers", static_cast<std::int64_t>(stats->layers.size()));
        sink.Integer("weights", stats->weights);
        sink.Integer("biases", stats->biases);
        sink.Integer("parameters", stats->parameters);
        sink.Integer("macs", stats->macs);
        std::vector<double> in, out, weights, biases, macs;
        for (const auto& layer : stats->layers) {
            in.push_back(static_cast<double>(layer.in));
            out.push_back(static_cast<double>(layer.out));
            weights.push_back(static_cast<double>(layer.weights));
            biases.push_back(static_cast<double>(layer.biases));
            macs.push_back(static_cast<double>(layer.macs));
        }
        sink.NumberArray("layer_in", in);
        sink.NumberArray("layer_out", out);
        sink.NumberArray("layer_weights", weights);
        sink.NumberArray("layer_biases", biases);
        sink.NumberArray("layer_macs", macs);
    }

protected:
    void BindKeys(KeyTable& keys) override {
        keys.Custom("widths", "list", "layer widths, input first, e.g. 1024,2048,100", [this](const std::string& value) -> std::string {
            std::string error;
            if (!ParseWidths(value, &error)) return error;
            if (value.size() >= sizeof m_text) return "the list is too long";
            std::snprintf(m_text, sizeof m_text, "%s", value.c_str());
            return {};
        });
        keys.Bool("bias", &m_bias, "one bias per output node in every layer");
    }

    void DrawContent(AppContext& context) override {
        BeginEditorColumn();
        ImGui::TextUnformatted(Tr(S::MlpWidths));
        ImGui::SetNextItemWidth(-1);
        ImGui::InputText("##widths", m_text, sizeof m_text);
        ImGui::Checkbox(Tr(S::ConvBias), &m_bias);
        if (ImGui::Button(Tr(S::MlpPresetNotes))) std::snprintf(m_text, sizeof m_text, "%s", "1024, 2048, 100");
        if (ImGui::Button("784, 256, 10")) std::snprintf(m_text, sizeof m_text, "%s", "784, 256, 10");
        std::string error;
        auto widths = ParseWidths(m_text, &error);
        std::optional<MlpStats> stats;
        if (widths) stats = ComputeMlpStats(MlpSpec{*widths, m_bias}, &error);
        if (!stats) {
            ImGui::PushTextWrapPos(0);
            ImGui::TextColored(ImVec4(1, 0.5f, 0.45f, 1), "%s", error.c_str());
            if (m_shown) ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), "%s", Tr(S::MlpShowingLast));
            ImGui::PopTextWrapPos();
        } else {
            m_shown = MlpSpec{*widths, m_bias};
            m_stats = *stats;
        }
        ImGui::Separator();
        if (m_shown) {
            ImGui::Text("%s: %s", Tr(S::MlpTotalParameters), FormatExact(m_stats.parameters).c_str());
            ImGui::Text("%s: %s", Tr(S::MlpTotalWeights), FormatExact(m_stats.weights).c_str());
            ImGui::Text("%s: %s", Tr(S::MlpTotalBiases), FormatExact(m_stats.biases).c_str());
            ImGui::Text("%s: %s", Tr(S::MlpTotalMacs), FormatExact(m_stats.macs).c_str());
            ImGui::Spacing();
            ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
            ImGui::TextWrapped("%s", Tr(S::MlpExplain));
            ImGui::PopStyleColor();
        }
        BeginMainArea();
        if (m_shown) DrawStack(context);
        ImGui::EndChild();
    }

private:
    void DrawStack(AppContext& context) {
        const MlpSpec& spec = *m_shown;
        const auto& layers = m_stats.layers;
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
        if (m_canvases.size() != layers.size() || m_canvas_spec != spec) {
            m_canvases.clear();
            m_operators.clear();
            for (size_t i = 0; i < layers.size(); ++i) {
                m_canvases.push_back(std::make_unique<MatrixCanvas>(*context.tasks));
                m_operators.push_back(MlpLayerOperator(spec, static_cast<int>(i)));
            }
            m_canvas_spec = spec;
            ++m_generation;
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
            m_canvases[i]->Draw(title, m_operators[i], m_generation, ImVec2(std::max(w, 48.0f), h + label_h + legend_h), options);
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
            ImGui::TextUnformatted(FormatExact(m_stats.weights).c_str());
            ImGui::TableSetColumnIndex(3);
            ImGui::TextUnformatted(FormatExact(m_stats.biases).c_str());
            ImGui::TableSetColumnIndex(4);
            ImGui::TextUnformatted(FormatExact(m_stats.parameters).c_str());
            ImGui::TableSetColumnIndex(5);
            ImGui::TextUnformatted(FormatExact(m_stats.macs).c_str());
            ImGui::EndTable();
        }
    }

    char m_text[512] = {};
    bool m_bias = true;
    std::optional<MlpSpec> m_shown;  // the last valid spec (kept while the text does not parse)
    MlpStats m_stats;
    MlpSpec m_canvas_spec;
    std::vector<std::unique_ptr<MatrixCanvas>> m_canvases;
    std::vector<MatrixPtr> m_operators;
    std::uint64_t m_generation = 0;
};

}  // namespace

LENS_REGISTER_PANEL(MlpPanel, 30, "mlp")

}  // namespace lens::app
