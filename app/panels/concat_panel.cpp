// app/panels/concat_panel.cpp: "Concat & slice". Concatenating feature maps along channels is
// stacking the producing layers' matrices ([A; B], the notes' "Cout dimension"); slicing channels
// is a selection matrix; and a convolution over a concatenation [x1; x2] is [W1 W2] [x1; x2] =
// W1 x1 + W2 x2: the sum of two convolutions on the parts, with the weight's column blocks.
#include <lens/lessons/concat_lesson.hpp>

#include "../widgets/matrix_canvas.hpp"
#include "common_fields.hpp"
#include "lesson_panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

class ConcatPanel final : public LessonPanel<ConcatLesson> {
public:
    const char* Id() const override { return "concat"; }
    i18n::S Title() const override { return S::PanelConcat; }
    bool Busy() const override {
        for (const auto& c : m_canvases)
            if (c && c->Busy()) return true;
        return LessonPanel::Busy();
    }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Int("in_channels", S::ConcatInChannels, &m_spec.in_channels, 1, 64, "channels of the shared input x");
        f.Int("channels_a", "C1", &m_spec.channels_a, 1, 64, "C1: channels of branch A");
        f.Int("channels_b", "C2", &m_spec.channels_b, 1, 64, "C2: channels of branch B");
        f.Int("height", S::ConvInH, &m_spec.height, 1, 256, "map height");
        f.Int("width", S::ConvInW, &m_spec.width, 1, 256, "map width");
        f.Int("kernel", S::ConcatKernel, &m_spec.kernel, 1, 15, "kernel size of every convolution (padding same)");
        f.Int("out_channels", S::ConcatOutChannels, &m_spec.out_channels, 1, 64, "output channels of the convolution on the concatenation");
        f.Int("slice_begin", S::ConcatSliceBegin, &m_spec.slice_begin, 0, 127, "first concatenated channel kept");
        f.Int("slice_end", S::ConcatSliceEnd, &m_spec.slice_end, 1, 128, "one past the last channel kept");
        DeclareMatrixColoring(f, &m_coloring);
    }

    void DrawContent(AppContext& context) override {
        if (!m_canvases[0])
            for (auto& c : m_canvases) c = std::make_unique<MatrixCanvas>(*context.tasks);
        const Result* shown = Latest(context);
        BeginEditorColumn();
        DrawSpecFields(Issues());
        ImGui::Separator();
        DrawDisplayFields();
        BeginMainArea();
        if (shown && shown->stacked) DrawMatrices(*shown);
        ImGui::EndChild();
    }

private:
    void DrawMatrices(const Result& b) {
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const float gap = ImGui::GetFontSize();
        const float head = ImGui::GetTextLineHeightWithSpacing() * 3.3f;
        const float w = (avail.x - 2 * gap) / 3;
        const float h = avail.y - head - ImGui::GetTextLineHeightWithSpacing() * 3;
        const ImVec2 top = ImGui::GetCursorScreenPos();
        const Index hw = b.spec.height * b.spec.width;
        struct Item {
            S title;
            S note;
            MatrixPtr m;
            Index row_block, col_block;
        };
        const Item items[3] = {{S::ConcatTitleStack, S::ConcatNoteStack, b.stacked, hw, hw},
                               {S::ConcatTitleSlice, S::ConcatNoteSlice, b.slice, hw, hw},
                               {S::ConcatTitleBlocks, S::ConcatNoteBlocks, b.as_blocks, hw, hw}};
        for (int i = 0; i < 3; ++i) {
            ImGui::SetCursorScreenPos(ImVec2(top.x + static_cast<float>(i) * (w + gap), top.y));
            ImGui::BeginGroup();
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
            ImGui::TextColored(ImVec4(1.0f, 0.82f, 0.45f, 1.0f), "%s", Tr(items[i].title));
            ImGui::TextDisabled("%s", Tr(items[i].note));
            ImGui::PopTextWrapPos();
            ImGui::SetCursorScreenPos(ImVec2(top.x + static_cast<float>(i) * (w + gap), top.y + head));
            CanvasOptions options;
            options.coloring = static_cast<CanvasColoring>(m_coloring);
            options.row_block = items[i].row_block;
            options.col_block = items[i].col_block;
            options.row_title = Tr(S::MlpRowsOut);
            options.col_title = Tr(S::MlpColsIn);
            options.value_range = 0.4f;
            m_canvases[static_cast<size_t>(i)]->Draw(i == 0 ? "stack" : i == 1 ? "slice" : "blocks", items[i].m, Generation(), ImVec2(w, h), options);
            ImGui::EndGroup();
        }
        MarkFigure(top, ImVec2(top.x + avail.x, top.y + head + h));
        ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + head + h));
        ImGui::PushTextWrapPos(0);
        ImGui::Text(Tr(S::ConcatCheck), b.max_difference);
        ImGui::TextDisabled("%s", Tr(S::ConcatExplain));
        ImGui::PopTextWrapPos();
    }

    int m_coloring = 1;
    std::unique_ptr<MatrixCanvas> m_canvases[3];
};

}  // namespace

LENS_REGISTER_PANEL(ConcatPanel, 50, "concat")

}  // namespace lens::app
