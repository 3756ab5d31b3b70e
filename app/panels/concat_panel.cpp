// app/panels/concat_panel.cpp: "Concat & slice". Concatenating feature maps along channels is
// stacking the producing layers' matrices ([A; B], the notes' "Cout dimension"); slicing channels
// is a selection matrix; and a convolution over a concatenation [x1; x2] is [W1 W2] [x1; x2] =
// W1 x1 + W2 x2: the sum of two convolutions on the parts, with the weight's column blocks.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include <lens/conv.hpp>
#include <lens/dense_ops.hpp>
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

struct ConcatSpec {
    std::int64_t in_channels = 2;   // channels of the input x that both branches read
    std::int64_t channels_a = 2;    // C1: channels branch A produces
    std::int64_t channels_b = 3;    // C2: channels branch B produces
    std::int64_t height = 4;        // H of every map, elements
    std::int64_t width = 4;         // W
    std::int64_t kernel = 3;        // kernel of every convolution (padding 'same')
    std::int64_t out_channels = 2;  // channels of the convolution applied to the concatenation
    std::int64_t slice_begin = 1;   // slice [begin, end) of the C1 + C2 concatenated channels
    std::int64_t slice_end = 4;
    bool operator==(const ConcatSpec&) const = default;
};

ConvSpec Branch(const ConcatSpec& s, Index in, Index out, std::uint64_t seed) {
    ConvSpec c;
    c.dims = 2;
    c.in_h = s.height;
    c.in_w = s.width;
    c.in_channels = in;
    c.out_channels = out;
    c.kernel_h = c.kernel_w = s.kernel;
    c.padding_mode = PaddingMode::Same;
    c.seed = seed;
    return c;
}

struct Built {
    std::vector<SpecIssue> issues;
    MatrixPtr stacked;      // [A; B]
    MatrixPtr slice;        // selection of channels [begin, end)
    MatrixPtr on_concat;    // one convolution with C1 + C2 input channels
    MatrixPtr as_blocks;    // [W1 W2]: two convolutions on the parts, side by side
    double max_difference = NAN;  // |on_concat x - (W1 x1 + W2 x2)| over a random x
    std::uint64_t generation = 0;
};

std::vector<SpecIssue> ValidateConcat(const ConcatSpec& s) {
    std::vector<SpecIssue> issues;
    auto range = [&](const char* field, std::int64_t v, std::int64_t lo, std::int64_t hi) {
        if (v < lo || v > hi) issues.push_back({field, "must be " + std::to_string(lo) + ".." + std::to_string(hi)});
    };
    range("in_channels", s.in_channels, 1, 64);
    range("channels_a", s.channels_a, 1, 64);
    range("channels_b", s.channels_b, 1, 64);
    range("height", s.height, 1, 256);
    range("width", s.width, 1, 256);
    range("kernel", s.kernel, 1, 15);
    range("out_channels", s.out_channels, 1, 64);
    const std::int64_t total = s.channels_a + s.channels_b;
    if (s.slice_begin < 0 || s.slice_begin >= total) issues.push_back({"slice_begin", "must be 0.." + std::to_string(total - 1)});
    if (s.slice_end <= s.slice_begin || s.slice_end > total)
        issues.push_back({"slice_end", "must be above slice_begin and at most C1 + C2 = " + std::to_string(total)});
    return issues;
}

Built BuildConcat(const ConcatSpec& s, std::uint64_t generation) {
    Built b;
    b.generation = generation;
    b.issues = ValidateConcat(s);
    if (!b.issues.empty()) return b;
    auto a = ConvOperator::Create(Branch(s, s.in_channels, s.channels_a, 11));
    auto bb = ConvOperator::Create(Branch(s, s.in_channels, s.channels_b, 12));
    auto whole = ConvOperator::Create(Branch(s, s.channels_a + s.channels_b, s.out_channels, 13));
    auto part1 = ConvOperator::Create(Branch(s, s.channels_a, s.out_channels, 14));
    auto part2 = ConvOperator::Create(Branch(s, s.channels_b, s.out_channels, 15));
    if (!a || !bb || !whole || !part1 || !part2) {
        b.issues.push_back({"kernel", "the kernel does not fit the map"});
        return b;
    }
    // The parts take the whole convolution's weight column blocks W[:, :C1] and W[:, C1:].
    const Index k2 = s.kernel * s.kernel, c = s.channels_a + s.channels_b;
    std::vector<float> w1, w2;
    const auto w = whole->Weights();
    for (Index o = 0; o < s.out_channels; ++o)
        for (Index i = 0; i < c; ++i)
            for (Index t = 0; t < k2; ++t) (i < s.channels_a ? w1 : w2).push_back(w[static_cast<size_t>((o * c + i) * k2 + t)]);
    part1->SetWeights(std::move(w1));
    part2->SetWeights(std::move(w2));
    b.stacked = ConcatRows({std::make_shared<const ConvOperator>(std::move(*a)), std::make_shared<const ConvOperator>(std::move(*bb))});
    SliceSpec slice;
    slice.channels = c;
    slice.height = s.height;
    slice.width = s.width;
    slice.begin = s.slice_begin;
    slice.end = s.slice_end;
    b.slice = SelectionOperator::Create(slice);
    b.on_concat = std::make_shared<const ConvOperator>(std::move(*whole));
    b.as_blocks = ConcatCols({std::make_shared<const ConvOperator>(std::move(*part1)), std::make_shared<const ConvOperator>(std::move(*part2))});
    // Check the claim numerically on a random input.
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<float> x(static_cast<size_t>(b.on_concat->Cols()));
    for (auto& v : x) v = u(rng);
    std::vector<float> y1(static_cast<size_t>(b.on_concat->Rows())), y2(y1.size());
    b.on_concat->Apply(x, y1);
    b.as_blocks->Apply(x, y2);
    b.max_difference = 0;
    for (size_t i = 0; i < y1.size(); ++i) b.max_difference = std::max(b.max_difference, static_cast<double>(std::fabs(y1[i] - y2[i])));
    return b;
}

class ConcatPanel final : public Panel {
public:
    const char* Id() const override { return "concat"; }
    i18n::S Title() const override { return S::PanelConcat; }
    bool Busy() const override {
        for (const auto& c : m_canvases)
            if (c && c->Busy()) return true;
        return false;
    }
    std::string ValidateKeys() override {
        return JoinIssues(ValidateConcat(m_spec));
    }
    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        Built b = BuildConcat(m_spec, 1);
        if (!b.issues.empty()) return;
        sink.Integer("concat_rows", b.stacked->Rows());
        sink.Integer("concat_cols", b.stacked->Cols());
        sink.Integer("slice_rows", b.slice->Rows());
        sink.Integer("slice_cols", b.slice->Cols());
        sink.Integer("slice_nonzeros", b.slice->NonZeros());
        sink.Integer("conv_rows", b.on_concat->Rows());
        sink.Integer("conv_cols", b.on_concat->Cols());
        sink.Integer("block_boundary_col", m_spec.channels_a * m_spec.height * m_spec.width);
        sink.Number("max_difference", b.max_difference);
    }

protected:
    void BindKeys(KeyTable& keys) override {
        keys.Int64("in_channels", &m_spec.in_channels, 1, 64, "channels of the shared input x");
        keys.Int64("channels_a", &m_spec.channels_a, 1, 64, "C1: channels of branch A");
        keys.Int64("channels_b", &m_spec.channels_b, 1, 64, "C2: channels of branch B");
        keys.Int64("height", &m_spec.height, 1, 256, "map height");
        keys.Int64("width", &m_spec.width, 1, 256, "map width");
        keys.Int64("kernel", &m_spec.kernel, 1, 15, "kernel size of every convolution (padding same)");
        keys.Int64("out_channels", &m_spec.out_channels, 1, 64, "output channels of the convolution on the concatenation");
        keys.Int64("slice_begin", &m_spec.slice_begin, 0, 127, "first concatenated channel kept");
        keys.Int64("slice_end", &m_spec.slice_end, 1, 128, "one past the last channel kept");
        keys.Choice("color", &m_coloring, {"structure", "parameter", "value"}, "matrix colouring");
    }

    void DrawContent(AppContext& context) override {
        if (!m_canvases[0])
            for (auto& c : m_canvases) c = std::make_unique<MatrixCanvas>(*context.tasks);
        const Built& built = m_built.Get(m_spec, [&] { return BuildConcat(m_spec, (m_built.Peek() ? m_built.Peek()->generation : 0) + 1); });
        if (built.issues.empty()) m_last_valid = std::make_shared<Built>(built);

        BeginEditorColumn();
        auto field = [&](const char* label, const char* name, std::int64_t* value, std::int64_t lo, std::int64_t hi) {
            SpecField(label, name, value, lo, hi, built.issues);
        };
        field(Tr(S::ConcatInChannels), "in_channels", &m_spec.in_channels, 1, 64);
        field("C1", "channels_a", &m_spec.channels_a, 1, 64);
        field("C2", "channels_b", &m_spec.channels_b, 1, 64);
        field(Tr(S::ConvInH), "height", &m_spec.height, 1, 256);
        field(Tr(S::ConvInW), "width", &m_spec.width, 1, 256);
        field(Tr(S::ConcatKernel), "kernel", &m_spec.kernel, 1, 15);
        field(Tr(S::ConcatOutChannels), "out_channels", &m_spec.out_channels, 1, 64);
        field(Tr(S::ConcatSliceBegin), "slice_begin", &m_spec.slice_begin, 0, 127);
        field(Tr(S::ConcatSliceEnd), "slice_end", &m_spec.slice_end, 1, 128);
        ImGui::Separator();
        ImGui::TextUnformatted(Tr(S::ConvColorBy));
        ImGui::RadioButton(Tr(S::ConvColorStructure), &m_coloring, 0);
        ImGui::RadioButton(Tr(S::ConvColorParameter), &m_coloring, 1);
        ImGui::RadioButton(Tr(S::ConvColorValue), &m_coloring, 2);
        BeginMainArea();
        if (m_last_valid) DrawMatrices(*m_last_valid);
        ImGui::EndChild();
    }

private:
    void DrawMatrices(const Built& b) {
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const float gap = ImGui::GetFontSize();
        const float head = ImGui::GetTextLineHeightWithSpacing() * 3.3f;
        const float w = (avail.x - 2 * gap) / 3;
        const float h = avail.y - head - ImGui::GetTextLineHeightWithSpacing() * 3;
        const ImVec2 top = ImGui::GetCursorScreenPos();
        const Index hw = m_spec.height * m_spec.width;
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
            m_canvases[static_cast<size_t>(i)]->Draw(i == 0 ? "stack" : i == 1 ? "slice" : "blocks", items[i].m, b.generation, ImVec2(w, h), options);
            ImGui::EndGroup();
        }
        MarkFigure(top, ImVec2(top.x + avail.x, top.y + head + h));
        ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + head + h));
        ImGui::PushTextWrapPos(0);
        ImGui::Text(Tr(S::ConcatCheck), b.max_difference);
        ImGui::TextDisabled("%s", Tr(S::ConcatExplain));
        ImGui::PopTextWrapPos();
    }

    ConcatSpec m_spec;
    int m_coloring = 1;
    Memo<ConcatSpec, Built> m_built;
    std::shared_ptr<Built> m_last_valid;
    std::unique_ptr<MatrixCanvas> m_canvases[3];
};

}  // namespace

LENS_REGISTER_PANEL(ConcatPanel, 50, "concat")

}  // namespace lens::app
