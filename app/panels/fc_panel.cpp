// app/panels/fc_panel.cpp: "Fully connected & its simplifications". With features, a fully
// connected layer's weight is a 4-D tensor (the notes' 100x64x1024x64); the notes simplify it by
// sharing weights across features (I) or across inputs (II, the 1x1 convolution). All three are
// drawn as the matrices they are, side by side at the same scale: I and II are Kronecker products.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <lens/fc.hpp>
#include <lens/memo.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../widgets/matrix_canvas.hpp"
#include "../widgets/spec_editor.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

struct FcPresetEntry {
    const char* key;
    S name;
};
constexpr FcPresetEntry kFcPresets[] = {
    {"fc_1024_100_f64", S::FcPresetNotes}, {"fc_1024_100", S::FcPresetPlain}, {"tokens_512_768", S::FcPresetTokens}, {"small", S::FcPresetSmall}};

struct FcBuilt {
    std::optional<FcStats> stats;
    std::vector<SpecIssue> issues;
    MatrixPtr forms[3];
    std::string reasons[3];
    std::uint64_t generation = 0;
};

class FcPanel final : public Panel {
public:
    FcPanel() { ApplyPreset("small"); }

    const char* Id() const override { return "fc"; }
    i18n::S Title() const override { return S::PanelFc; }
    bool Busy() const override {
        for (const auto& c : m_canvases)
            if (c && c->Busy()) return true;
        return false;
    }

    std::string ValidateKeys() override {
        return JoinIssues(Validate(m_spec));
    }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        auto stats = ComputeFcStats(m_spec);
        if (!stats) return;
        sink.Integer("in_count", m_spec.in_count);
        sink.Integer("out_count", m_spec.out_count);
        sink.Integer("in_features", m_spec.in_features);
        sink.Integer("out_features", m_spec.out_features);
        sink.String("order", m_spec.order == FlatOrder::PositionMajor ? "position_major" : "feature_major");
        sink.Integer("rows", stats->rows);
        sink.Integer("cols", stats->cols);
        sink.Integer("parameters_full", stats->full_weights);
        sink.Integer("macs_full", stats->full_macs);
        sink.Integer("parameters_share_features", stats->share_features_weights);
        sink.Integer("share_features_applicable", stats->share_features_applicable ? 1 : 0);
        sink.Integer("macs_share_features", stats->share_features_macs);
        sink.Integer("parameters_share_inputs", stats->share_inputs_weights);
        sink.Integer("share_inputs_applicable", stats->share_inputs_applicable ? 1 : 0);
        sink.Integer("macs_share_inputs", stats->share_inputs_macs);
    }

protected:
    void BindKeys(KeyTable& keys) override {
        keys.Custom("preset", "fc_1024_100_f64|fc_1024_100|tokens_512_768|small", "load a case (apply before other keys)",
                    [this](const std::string& value) -> std::string {
                        if (value != "small" && !FindFcPreset(value)) return "'" + value + "' is not a preset";
                        ApplyPreset(value);
                        return {};
                    });
        keys.Int64("in_count", &m_spec.in_count, 1, kFcMaxSide, "input positions N_in");
        keys.Int64("out_count", &m_spec.out_count, 1, kFcMaxSide, "output positions N_out");
        keys.Int64("in_features", &m_spec.in_features, 1, kFcMaxSide, "features per input F_in");
        keys.Int64("out_features", &m_spec.out_features, 1, kFcMaxSide, "features per output F_out");
        keys.Custom("order", "position_major|feature_major", "flattening: n*F + f or f*N + n", [this](const std::string& v) -> std::string {
            if (v == "position_major") m_spec.order = FlatOrder::PositionMajor;
            else if (v == "feature_major") m_spec.order = FlatOrder::ChannelMajor;
            else return "'" + v + "' is not position_major|feature_major";
            return {};
        });
        keys.Choice("color", &m_coloring, {"structure", "parameter", "value"}, "matrix colouring");
    }

    void DrawContent(AppContext& context) override {
        if (!m_canvases[0])
            for (auto& c : m_canvases) c = std::make_unique<MatrixCanvas>(*context.tasks);
        const FcBuilt& built = m_built.Get(m_spec, [&] {
            FcBuilt b;
            b.issues = Validate(m_spec);
            const FcBuilt* previous = m_built.Peek();
            b.generation = (previous ? previous->generation : 0) + 1;
            b.stats = ComputeFcStats(m_spec);
            if (b.stats) {
                const FcForm forms[3] = {FcForm::Full, FcForm::ShareFeatures, FcForm::ShareInputs};
                for (int i = 0; i < 3; ++i) b.forms[i] = MakeFcOperator(m_spec, forms[i], &b.reasons[i]);
            }
            return b;
        });

        BeginEditorColumn();
        DrawEditors(built);
        BeginMainArea();
        if (built.stats) DrawForms(built);
        ImGui::EndChild();
    }

private:
    void ApplyPreset(const std::string& key) {
        if (key == "small") {
            m_spec = FcSpec{};
            m_spec.in_count = 6;
            m_spec.out_count = 6;
            m_spec.in_features = 3;
            m_spec.out_features = 3;
        } else if (auto spec = FindFcPreset(key)) {
            m_spec = *spec;
        }
        m_preset = key;
        m_coloring = key == "small" ? 1 : 0;
    }

    void DrawEditors(const FcBuilt& built) {
        int index = -1;
        for (int i = 0; i < 4; ++i)
            if (m_preset == kFcPresets[i].key) index = i;
        ImGui::SetNextItemWidth(-1);
        if (ImGui::BeginCombo("##preset", index >= 0 ? Tr(kFcPresets[index].name) : Tr(S::ConvPresetCustom))) {
            for (int i = 0; i < 4; ++i)
                if (ImGui::Selectable(Tr(kFcPresets[i].name), i == index)) ApplyPreset(kFcPresets[i].key);
            ImGui::EndCombo();
        }
        auto field = [&](const char* label, const char* name, std::int64_t* value) {
            if (SpecField(label, name, value, 1, kFcMaxSide, built.issues)) m_preset.clear();
        };
        field(Tr(S::FcInCount), "in_count", &m_spec.in_count);
        field(Tr(S::FcOutCount), "out_count", &m_spec.out_count);
        field(Tr(S::FcInFeatures), "in_features", &m_spec.in_features);
        field(Tr(S::FcOutFeatures), "out_features", &m_spec.out_features);
        int order = m_spec.order == FlatOrder::PositionMajor ? 0 : 1;
        ImGui::TextUnformatted(Tr(S::ConvOrder));
        if (ImGui::RadioButton(Tr(S::FcOrderPosition), &order, 0)) m_spec.order = FlatOrder::PositionMajor;
        if (ImGui::RadioButton(Tr(S::FcOrderFeature), &order, 1)) m_spec.order = FlatOrder::ChannelMajor;
        ImGui::Separator();
        ImGui::TextUnformatted(Tr(S::ConvColorBy));
        ImGui::RadioButton(Tr(S::ConvColorStructure), &m_coloring, 0);
        ImGui::RadioButton(Tr(S::ConvColorParameter), &m_coloring, 1);
        ImGui::RadioButton(Tr(S::ConvColorValue), &m_coloring, 2);
        ImGui::Separator();
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextWrapped("%s", Tr(m_spec.order == FlatOrder::PositionMajor ? S::FcExplainPosition : S::FcExplainFeature));
        ImGui::PopStyleColor();
        for (const auto& issue : built.issues)
            if (issue.field != "in_count" && issue.field != "out_count" && issue.field != "in_features" && issue.field != "out_features")
                ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.45f, 1.0f), "%s: %s", issue.field.c_str(), issue.message.c_str());
    }

    void DrawForms(const FcBuilt& built) {
        const FcStats& st = *built.stats;
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const float gap = ImGui::GetFontSize();
        const float head_h = ImGui::GetTextLineHeightWithSpacing() * 4.2f;
        const float table_h = ImGui::GetTextLineHeightWithSpacing() * 5.5f;
        const float w = (avail.x - 2 * gap) / 3;
        const float h = avail.y - head_h - table_h;
        const bool position = m_spec.order == FlatOrder::PositionMajor;
        const S titles[3] = {S::FcFormFull, S::FcFormShareFeatures, S::FcFormShareInputs};
        const char* formulas[3] = {"W[o, g, n, f]", position ? "W (x) I_F" : "I_F (x) W", position ? "I_N (x) V" : "V (x) I_N"};
        const Count params[3] = {st.full_weights, st.share_features_weights, st.share_inputs_weights};
        const Count macs[3] = {st.full_macs, st.share_features_macs, st.share_inputs_macs};
        const ImVec2 top = ImGui::GetCursorScreenPos();
        auto full = std::dynamic_pointer_cast<const DenseFcOperator>(built.forms[0]);
        for (int i = 0; i < 3; ++i) {
            ImGui::SetCursorScreenPos(ImVec2(top.x + static_cast<float>(i) * (w + gap), top.y));
            ImGui::BeginGroup();
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
            ImGui::TextColored(ImVec4(1.0f, 0.82f, 0.45f, 1.0f), "%s", Tr(titles[i]));
            ImGui::Text("%s    %s %s", formulas[i], Tr(S::ConvStatParameters), FormatExact(params[i]).c_str());
            ImGui::TextDisabled("MACs %s", built.forms[i] ? FormatExact(macs[i]).c_str() : "-");
            ImGui::PopTextWrapPos();
            ImGui::SetCursorScreenPos(ImVec2(top.x + static_cast<float>(i) * (w + gap), top.y + head_h));
            if (built.forms[i]) {
                CanvasOptions options;
                options.coloring = static_cast<CanvasColoring>(m_coloring);
                options.row_title = position ? Tr(S::FcRowsPosition) : Tr(S::FcRowsFeature);
                options.col_title = position ? Tr(S::FcColsPosition) : Tr(S::FcColsFeature);
                options.value_range = 1.0f / std::sqrt(static_cast<float>(std::max<Index>(1, position ? m_spec.in_count : m_spec.in_count)));
                options.row_block = position ? m_spec.out_features : m_spec.out_count;
                options.col_block = position ? m_spec.in_features : m_spec.in_count;
                const MatrixPtr form = built.forms[i];
                if (full) {
                    options.describe = [full, form](Index row, Index col) {
                        const auto out = full->DecodeRow(row), in = full->DecodeCol(col);
                        char text[256];
                        if (auto param = form->ParameterAt(row, col))
                            std::snprintf(text, sizeof text, Tr(S::FcHover), static_cast<long long>(out.n), static_cast<long long>(out.f),
                                          static_cast<long long>(in.n), static_cast<long long>(in.f), form->ParameterLabel(*param).c_str(),
                                          static_cast<double>(form->ParameterValue(*param)));
                        else
                            std::snprintf(text, sizeof text, Tr(S::FcHoverZero), static_cast<long long>(out.n), static_cast<long long>(out.f),
                                          static_cast<long long>(in.n), static_cast<long long>(in.f));
                        return std::string(text);
                    };
                }
                m_canvases[static_cast<size_t>(i)]->Draw(i == 0 ? "full" : i == 1 ? "share_f" : "share_n", form, built.generation,
                                                         ImVec2(w, h), options);
            } else {
                const ImVec2 a = ImGui::GetCursorScreenPos();
                ImGui::GetWindowDrawList()->AddRect(a, ImVec2(a.x + w, a.y + h - ImGui::GetTextLineHeightWithSpacing()), IM_COL32(120, 70, 70, 255));
                ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w - 8);
                ImGui::SetCursorScreenPos(ImVec2(a.x + 8, a.y + 8));
                ImGui::TextColored(ImVec4(1.0f, 0.6f, 0.5f, 1.0f), "%s", Tr(S::FcNotApplicable));
                ImGui::SetCursorScreenPos(ImVec2(a.x + 8, ImGui::GetCursorScreenPos().y));
                ImGui::TextWrapped("%s", Tr(i == 2 ? S::FcNotApplicableInputs : S::FcNotApplicableFeatures));
                ImGui::PopTextWrapPos();
            }
            ImGui::EndGroup();
        }
        MarkFigure(top, ImVec2(top.x + avail.x, top.y + head_h + h));
        ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + head_h + h));
        char text[512];
        std::snprintf(text, sizeof text, Tr(S::FcSummary), FormatExact(st.rows).c_str(), FormatExact(st.cols).c_str(),
                      FormatExact(st.full_weights).c_str(), FormatExact(st.share_features_weights).c_str(),
                      FormatExact(st.share_inputs_weights).c_str());
        ImGui::PushTextWrapPos(0);
        ImGui::TextUnformatted(text);
        ImGui::TextDisabled("%s", Tr(S::FcKroneckerNote));
        ImGui::PopTextWrapPos();
    }

    FcSpec m_spec;
    std::string m_preset;
    int m_coloring = 1;
    Memo<FcSpec, FcBuilt> m_built;
    std::unique_ptr<MatrixCanvas> m_canvases[3];
};

}  // namespace

LENS_REGISTER_PANEL(FcPanel, 20, "fc")

}  // namespace lens::app
