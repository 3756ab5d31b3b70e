// app/panels/fc_panel.cpp: "Fully connected & its simplifications". With features, a fully
// connected layer's weight is a 4-D tensor (the notes' 100x64x1024x64); the notes simplify it by
// sharing weights across features (I) or across inputs (II, the 1x1 convolution). All three are
// drawn as the matrices they are, side by side at the same scale: I and II are Kronecker products.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <vector>

#include <lens/lessons/fc_lesson.hpp>

#include "../widgets/paragraph.hpp"
#include "../widgets/matrix_canvas.hpp"
#include "common_fields.hpp"
#include "lesson_panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

class FcPanel final : public LessonPanel<FcLesson> {
public:
    FcPanel() { ApplyPreset("small"); }

    const char* Id() const override { return "fc"; }
    i18n::S Title() const override { return S::PanelFc; }
    bool Busy() const override {
        for (const auto& c : m_canvases)
            if (c && c->Busy()) return true;
        return LessonPanel::Busy();
    }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Preset("preset", S::FcPreset,
                 {{"fc_1024_100_f64", S::FcPresetNotes}, {"fc_1024_100", S::FcPresetPlain}, {"tokens_512_768", S::FcPresetTokens},
                  {"small", S::FcPresetSmall}},
                 &m_preset, [this](const std::string& key) { return ApplyPreset(key); }, "load a case (applied before other keys)");
        f.Int("in_count", S::FcInCount, &m_spec.in_count, 1, kFcMaxSide, "input positions N_in");
        f.Int("out_count", S::FcOutCount, &m_spec.out_count, 1, kFcMaxSide, "output positions N_out");
        f.Int("in_features", S::FcInFeatures, &m_spec.in_features, 1, kFcMaxSide, "features per input F_in");
        f.Int("out_features", S::FcOutFeatures, &m_spec.out_features, 1, kFcMaxSide, "features per output F_out");
        f.Choice("order", S::ConvOrder, &m_spec.order,
                 {{"position_major", S::FcOrderPosition, static_cast<std::int64_t>(FlatOrder::PositionMajor)},
                  {"feature_major", S::FcOrderFeature, static_cast<std::int64_t>(FlatOrder::ChannelMajor)}},
                 "flattening: n*F + f or f*N + n")
            .EditWith(Editor::Radio);
        DeclareMatrixColoring(f, &m_coloring);
    }

    void DrawContent(AppContext& context) override {
        if (!m_canvases[0])
            for (auto& c : m_canvases) c = std::make_unique<MatrixCanvas>(*context.tasks);
        const Result* result = Latest(context);
        BeginEditorColumn();
        DrawSpecFields(Issues());
        ImGui::Separator();
        DrawDisplayFields();
        ImGui::Separator();
        ParagraphDisabled(Tr(m_spec.order == FlatOrder::PositionMajor ? S::FcExplainPosition : S::FcExplainFeature));
        BeginMainArea();
        if (result) DrawForms(*result);
        ImGui::EndChild();
    }

private:
    bool ApplyPreset(const std::string& key) {
        auto spec = FcLesson::Preset(key);
        if (!spec) return false;
        m_spec = *spec;
        m_preset = key;
        m_coloring = key == "small" ? 1 : 0;
        return true;
    }

    void DrawForms(const Result& built) {
        const FcStats& st = built.stats;
        const FcSpec& spec = built.spec;
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const float gap = ImGui::GetFontSize();
        const float head_h = ImGui::GetTextLineHeightWithSpacing() * 4.2f;
        const float table_h = ImGui::GetTextLineHeightWithSpacing() * 5.5f;
        const float w = (avail.x - 2 * gap) / 3;
        const float h = avail.y - head_h - table_h;
        const bool position = spec.order == FlatOrder::PositionMajor;
        const S titles[3] = {S::FcFormFull, S::FcFormShareFeatures, S::FcFormShareInputs};
        const char* formulas[3] = {"W[o, g, n, f]", position ? "W (x) I_F" : "I_F (x) W", position ? "I_N (x) V" : "V (x) I_N"};
        const Count params[3] = {st.full_weights, st.share_features_weights, st.share_inputs_weights};
        const Count macs[3] = {st.full_macs, st.share_features_macs, st.share_inputs_macs};
        const ImVec2 top = ImGui::GetCursorScreenPos();
        auto full = std::dynamic_pointer_cast<const DenseFcOperator>(built.forms[0]);
        // The three forms are compared side by side: one density scale for all (the full weight
        // shows denser than form I, 64 times sparser on the notes' presets).
        std::vector<double> densities;
        for (const MatrixPtr& form : built.forms)
            if (form) densities.push_back(Density(form->NonZeros(), form->Rows(), form->Cols()));
        const ValueScale shared = DensityScale(densities);
        for (int i = 0; i < 3; ++i) {
            ImGui::SetCursorScreenPos(ImVec2(top.x + static_cast<float>(i) * (w + gap), top.y));
            ImGui::BeginGroup();
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
            ImGui::TextColored(ImVec4(1.0f, 0.82f, 0.45f, 1.0f), "%s", Tr(titles[i]));
            Paragraph(Printf("%s    %s %s", formulas[i], Tr(S::ConvStatParameters), FormatExact(params[i]).c_str()), nullptr, w);
            ParagraphDisabled(Printf("MACs %s", built.forms[static_cast<size_t>(i)] ? FormatExact(macs[i]).c_str() : "-"));
            ImGui::PopTextWrapPos();
            ImGui::SetCursorScreenPos(ImVec2(top.x + static_cast<float>(i) * (w + gap), top.y + head_h));
            if (built.forms[static_cast<size_t>(i)]) {
                CanvasOptions options;
                options.coloring = static_cast<CanvasColoring>(m_coloring);
                options.row_title = position ? Tr(S::FcRowsPosition) : Tr(S::FcRowsFeature);
                options.col_title = position ? Tr(S::FcColsPosition) : Tr(S::FcColsFeature);
                options.value_range = 1.0f / std::sqrt(static_cast<float>(std::max<Index>(1, spec.in_count)));
                options.row_block = position ? spec.out_features : spec.out_count;
                options.col_block = position ? spec.in_features : spec.in_count;
                options.density_scale = shared;
                const MatrixPtr form = built.forms[static_cast<size_t>(i)];
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
                m_canvases[static_cast<size_t>(i)]->Draw(i == 0 ? "full" : i == 1 ? "share_f" : "share_n", form, Generation(),
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
        Paragraph(text);
        ParagraphDisabled(Tr(S::FcKroneckerNote));
    }

    std::string m_preset;
    int m_coloring = 1;
    std::unique_ptr<MatrixCanvas> m_canvases[3];
};

}  // namespace

LENS_REGISTER_PANEL(FcPanel, 20, "fc")

}  // namespace lens::app
