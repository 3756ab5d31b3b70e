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

#include <lens/memo.hpp>
#include <lens/scaling.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../widgets/plot.hpp"
#include "../widgets/spec_editor.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

// [SECTION] Spec and keys

inline constexpr std::int64_t kMaxEdge = 1 << 16;  // px: the panel's range (the core takes 2^20)

struct ScalingPanelSpec {
    std::int64_t edge_lo = 64;
    std::int64_t edge_hi = 4096;
    int cnn = 0;   // index into CnnPresets()
    int vit = 0;   // 0 ViT-B/16, 1 ViT-L/16, 2 ViT-B/32
    bool operator==(const ScalingPanelSpec&) const = default;
};

// The six models, in ScalingRow's order.
constexpr int kModels = 6;
const ScalingFigure& FigureOf(const ScalingRow& row, int model) {
    const std::array<const ScalingFigure*, kModels> all{&row.fc, &row.fc_separable, &row.conv, &row.separable, &row.cnn, &row.vit};
    return *all[static_cast<size_t>(model)];
}
constexpr std::array<const char*, kModels> kModelKeys{"fc", "fc_separable", "conv", "separable", "cnn", "vit"};
constexpr std::array<S, kModels> kModelNames{S::ScaleFc, S::ScaleFcSeparable, S::ScaleConv, S::ScaleSeparable, S::ScaleCnn, S::ScaleVit};
constexpr std::array<ImU32, kModels> kModelColors{IM_COL32(255, 110, 90, 255), IM_COL32(255, 175, 80, 255), IM_COL32(120, 200, 255, 255),
                                                  IM_COL32(120, 230, 150, 255), IM_COL32(200, 150, 255, 255), IM_COL32(250, 230, 110, 255)};

const std::vector<CnnPreset>& Presets() {
    static const std::vector<CnnPreset> presets = CnnPresets();
    return presets;
}

VitScalingSpec VitOf(int which) {
    VitScalingSpec v;
    if (which == 1) {  // ViT-L/16
        v.width = 1024;
        v.depth = 24;
        v.heads = 16;
        v.mlp = 4096;
    } else if (which == 2) {  // ViT-B/32
        v.patch = 32;
    }
    return v;
}

std::vector<ScalingRow> Compute(const ScalingPanelSpec& spec, std::vector<SpecIssue>* issues) {
    if (spec.edge_lo < 1 || spec.edge_hi > kMaxEdge || spec.edge_lo > spec.edge_hi) {
        if (issues) issues->push_back({"edge_lo", "the edges must satisfy 1 <= edge_lo <= edge_hi <= " + FormatExact(kMaxEdge)});
        return {};
    }
    ScalingSpec s;
    s.edges = PowerOfTwoEdges(spec.edge_lo, spec.edge_hi);
    if (s.edges.empty()) s.edges = {spec.edge_lo};
    const auto& presets = Presets();
    if (spec.cnn >= 0 && spec.cnn < static_cast<int>(presets.size())) s.cnn = presets[static_cast<size_t>(spec.cnn)].spec.layers;
    s.vit = VitOf(spec.vit);
    return ComputeScaling(s);
}

double AsDouble(const std::optional<Count>& v) { return v ? static_cast<double>(*v) : std::nan(""); }

class ScalingPanel final : public Panel {
public:
    const char* Id() const override { return "scaling"; }
    i18n::S Title() const override { return S::PanelScaling; }

    std::string ValidateKeys() override {
        std::vector<SpecIssue> issues;
        Compute(m_spec, &issues);
        return JoinIssues(issues);
    }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        const std::vector<ScalingRow> rows = Compute(m_spec, nullptr);
        std::vector<double> edges;
        for (const auto& r : rows) edges.push_back(static_cast<double>(r.edge));
        sink.NumberArray("edges", edges);
        // A figure that overflows 64 bits or cannot be computed is null.
        for (int m = 0; m < kModels; ++m) {
            std::vector<double> params, macs;
            for (const auto& r : rows) {
                params.push_back(AsDouble(FigureOf(r, m).parameters));
                macs.push_back(AsDouble(FigureOf(r, m).macs));
            }
            sink.NumberArray(std::string(kModelKeys[static_cast<size_t>(m)]) + "_parameters", params);
            sink.NumberArray(std::string(kModelKeys[static_cast<size_t>(m)]) + "_macs", macs);
        }
        const NotesScalingFigures n = ComputeNotesScalingFigures();
        sink.Integer("notes_fc_256", n.fc_256);
        sink.Integer("notes_fc_4k", n.fc_4k);
        sink.Integer("notes_pixel_ratio_4k", n.pixel_ratio_4k);
        sink.Integer("notes_weight_ratio_4k", n.weight_ratio_4k);
        sink.Integer("notes_fc_separable_256", n.fc_separable_256);
        sink.Integer("notes_first_layer", n.first_layer);
        sink.Integer("notes_deep_layer", n.deep_layer);
        sink.Integer("notes_separable", n.separable);
        sink.Number("notes_separable_ratio", n.separable_ratio);
        sink.Integer("notes_twenty_deep_layers", n.twenty_deep_layers);
        sink.String("cnn", Presets().empty() ? "" : Presets()[static_cast<size_t>(std::clamp(m_spec.cnn, 0, static_cast<int>(Presets().size()) - 1))].key);
    }

protected:
    void BindKeys(KeyTable& keys) override {
        keys.Int64("edge_lo", &m_spec.edge_lo, 1, kMaxEdge, "smallest image edge, px");
        keys.Int64("edge_hi", &m_spec.edge_hi, 1, kMaxEdge, "largest image edge, px (doubling from edge_lo)");
        std::vector<std::string> names;
        for (const auto& p : Presets()) names.push_back(p.key);
        keys.Choice("cnn", &m_spec.cnn, names, "the CNN stack");
        keys.Choice("vit", &m_spec.vit, {"vit_b_16", "vit_l_16", "vit_b_32"}, "the ViT");
        keys.Choice("metric", &m_metric, {"parameters", "macs"}, "what the table shows");
    }

    void DrawContent(AppContext& context) override;

private:
    void DrawNotes();

    ScalingPanelSpec m_spec;
    int m_metric = 0;
    std::array<bool, kModels> m_shown{true, true, true, true, true, true};
    Memo<ScalingPanelSpec, std::pair<std::vector<ScalingRow>, std::vector<SpecIssue>>> m_rows;
};

// [SECTION] Drawing

void ScalingPanel::DrawNotes() {
    const NotesScalingFigures n = ComputeNotesScalingFigures();
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(Tr(S::ScaleNotesTitle));
    // Bullet + wrapped text (BulletText does not wrap).
    auto bullet = [](const char* format, auto... args) {
        ImGui::Bullet();
        ImGui::TextWrapped(format, args...);
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
    (void)context;
    const auto& [rows, issues] = m_rows.Get(m_spec, [this] {
        std::vector<SpecIssue> found;
        auto computed = Compute(m_spec, &found);
        return std::make_pair(std::move(computed), std::move(found));
    });

    BeginEditorColumn();
    SpecField(Tr(S::ScaleEdgeLo), "edge_lo", &m_spec.edge_lo, 1, kMaxEdge, issues);
    SpecField(Tr(S::ScaleEdgeHi), "edge_hi", &m_spec.edge_hi, 1, kMaxEdge, issues);
    std::vector<const char*> cnn_names;
    for (const auto& p : Presets()) cnn_names.push_back(p.key.c_str());
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    ImGui::Combo(Tr(S::ScaleCnnPreset), &m_spec.cnn, cnn_names.data(), static_cast<int>(cnn_names.size()));
    const char* vits[] = {"ViT-B/16", "ViT-L/16", "ViT-B/32"};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    ImGui::Combo(Tr(S::ScaleVitPreset), &m_spec.vit, vits, 3);
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
                const ScalingFigure& f = FigureOf(r, m);
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
    ImGui::RadioButton(Tr(S::ScaleTableParams), &m_metric, 0);
    ImGui::SameLine();
    ImGui::RadioButton(Tr(S::ScaleTableMacs), &m_metric, 1);
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
                const ScalingFigure& f = FigureOf(r, m);
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

LENS_REGISTER_PANEL(ScalingPanel, 100, "scaling")

}  // namespace lens::app
