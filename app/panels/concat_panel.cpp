// app/panels/concat_panel.cpp: "Concat & slice". Concatenating feature maps along channels is
// stacking the producing layers' matrices ([A; B], the notes' "Cout dimension"); slicing channels
// is a selection matrix; and a convolution over a concatenation [x1; x2] is [W1 W2] [x1; x2] =
// W1 x1 + W2 x2: the sum of two convolutions on the parts, with the weight's column blocks.
#include <algorithm>
#include <string>

#include <lens/lessons/concat_lesson.hpp>

#include "../widgets/matrix_canvas.hpp"
#include "../widgets/paragraph.hpp"
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
            if (i == 1) options.legend_caption = Tr(S::ConcatSliceLegend);
            // The stack's rows and the blocks' columns split in two: room for the bracket labels.
            const float bracket = ImGui::GetFontSize() * 7;
            const ImVec2 size = i == 0 ? ImVec2(w - bracket, h) : ImVec2(w, h);
            MatrixCanvas& canvas = *m_canvases[static_cast<size_t>(i)];
            canvas.Draw(i == 0 ? "stack" : i == 1 ? "slice" : "blocks", items[i].m, Generation(), size, options);
            const Index split = b.spec.channels_a * hw, total = (b.spec.channels_a + b.spec.channels_b) * hw;
            if (i == 0) DrawRowBrackets(canvas, split, total, b.spec);
            if (i == 2) DrawColumnBrackets(canvas, split, total);
            ImGui::EndGroup();
        }
        MarkFigure(top, ImVec2(top.x + avail.x, top.y + head + h));
        ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + head + h));
        ImGui::PushTextWrapPos(0);
        ImGui::Text(Tr(S::ConcatCheck), b.max_difference);
        ImGui::TextDisabled("%s", Tr(S::ConcatExplain));
        ImGui::PopTextWrapPos();
    }

    // A bracket along [a, b] (screen px, clipped to [lo, hi]) on one side of a canvas, with a label.
    static void Bracket(ImDrawList* draw, bool vertical, float fixed, float a, float b, float lo, float hi, const std::string& label, ImU32 color) {
        a = std::clamp(a, lo, hi);
        b = std::clamp(b, lo, hi);
        if (b - a < 2) return;
        const float tick = 5;
        const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
        if (vertical) {
            const ImVec2 points[] = {ImVec2(fixed, a + 1), ImVec2(fixed + tick, a + 1), ImVec2(fixed + tick, b - 1), ImVec2(fixed, b - 1)};
            draw->AddPolyline(points, 4, color, 0, 2.0f);
            draw->AddText(ImVec2(fixed + tick + 4, std::clamp((a + b - ts.y) * 0.5f, a, std::max(a, b - ts.y))), color, label.c_str());
        } else {
            // Along the canvas's top edge, inside it, the label on a dark plate under the bracket.
            const ImVec2 points[] = {ImVec2(a + 1, fixed + tick), ImVec2(a + 1, fixed), ImVec2(b - 1, fixed), ImVec2(b - 1, fixed + tick)};
            draw->AddPolyline(points, 4, color, 0, 2.0f);
            // Too narrow for the label: its first word ("W1").
            const std::string shown = ts.x + 8 < b - a ? label : label.substr(0, label.find(' '));
            const ImVec2 ss = ImGui::CalcTextSize(shown.c_str());
            if (ss.x + 8 < b - a) {
                const ImVec2 at((a + b - ss.x) * 0.5f, fixed + tick + 2);
                draw->AddRectFilled(ImVec2(at.x - 3, at.y - 1), ImVec2(at.x + ss.x + 3, at.y + ss.y + 1), IM_COL32(0, 0, 0, 170), 3);
                draw->AddText(at, color, shown.c_str());
            }
        }
    }

    // Rows of [A; B]: A's C1 channels, then B's C2, with a line at the split.
    static void DrawRowBrackets(const MatrixCanvas& canvas, Index split, Index total, const ConcatSpec& spec) {
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImVec2 mn = canvas.CanvasMin(), mx = canvas.CanvasMax();
        const float y0 = canvas.ContentToScreen(0, 0).y, ys = canvas.ContentToScreen(0, static_cast<double>(split)).y;
        const float y1 = canvas.ContentToScreen(0, static_cast<double>(total)).y;
        if (ys > mn.y && ys < mx.y) draw->AddLine(ImVec2(mn.x, ys), ImVec2(mx.x, ys), IM_COL32(255, 200, 90, 200), 1.5f);
        Bracket(draw, true, mx.x + 4, y0, ys, mn.y, mx.y, Printf(Tr(S::ConcatRowsA), static_cast<long long>(spec.channels_a)), IM_COL32(120, 190, 255, 255));
        Bracket(draw, true, mx.x + 4, ys, y1, mn.y, mx.y, Printf(Tr(S::ConcatRowsB), static_cast<long long>(spec.channels_b)), IM_COL32(255, 170, 90, 255));
    }

    // Columns of [W1 W2]: W1 reads x1's C1 channels, W2 reads x2's C2.
    static void DrawColumnBrackets(const MatrixCanvas& canvas, Index split, Index total) {
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImVec2 mn = canvas.CanvasMin(), mx = canvas.CanvasMax();
        const float x0 = canvas.ContentToScreen(0, 0).x, xs = canvas.ContentToScreen(static_cast<double>(split), 0).x;
        const float x1 = canvas.ContentToScreen(static_cast<double>(total), 0).x;
        if (xs > mn.x && xs < mx.x) draw->AddLine(ImVec2(xs, mn.y), ImVec2(xs, mx.y), IM_COL32(255, 200, 90, 200), 1.5f);
        Bracket(draw, false, mn.y + 2, x0, xs, mn.x, mx.x, Tr(S::ConcatColsW1), IM_COL32(120, 190, 255, 255));
        Bracket(draw, false, mn.y + 2, xs, x1, mn.x, mx.x, Tr(S::ConcatColsW2), IM_COL32(255, 170, 90, 255));
    }

    int m_coloring = 1;
    std::unique_ptr<MatrixCanvas> m_canvases[3];
};

}  // namespace

LENS_REGISTER_PANEL(ConcatPanel, 50, "concat")

}  // namespace lens::app
