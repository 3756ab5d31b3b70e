// app/panels/conv_panel.cpp: "Convolution as a matrix". The notes' central picture: a
// convolution is a product with a huge, sparse matrix whose rows repeat one pattern of shared
// weights, so running it as a dense GEMM wastes almost all the work.
//
// [SECTION] Spec, presets and keys
// [SECTION] Building the operator (memoised on the spec)
// [SECTION] Apply to the image (the conv_apply lesson, formatted here)
// [SECTION] Drawing: editors, statistics, canvases, linked grids
// [SECTION] Export
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <lens/conv.hpp>
#include <lens/im2col.hpp>
#include <lens/kernels.hpp>
#include <lens/lessons/conv_apply.hpp>
#include <lens/memo.hpp>

#include "../widgets/paragraph.hpp"
#include "../app_context.hpp"
#include "../export.hpp"
#include "../widgets/colorbar.hpp"
#include "../widgets/heatmap.hpp"
#include "../widgets/matrix_canvas.hpp"
#include "../widgets/spec_editor.hpp"
#include "../widgets/table_text.hpp"
#include "common_fields.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

// [SECTION] Spec, presets and keys

// The padding key's words after the integer form, in PaddingMode order (Explicit is the integer).
constexpr const char* kPaddingWords[] = {"", "valid", "same", "full"};

// matrix.mtx is written only up to this many non-zeros (the issue's limit).
constexpr Count kMtxBudget = 5'000'000;

struct Built {
    std::shared_ptr<const ConvOperator> op;       // the last valid operator (kept while the spec is invalid)
    std::shared_ptr<const Im2colMatrix> im2col;   // group 0's im2col matrix
    std::vector<SpecIssue> issues;                // of the current spec; empty when valid
    std::uint64_t op_generation = 0;              // bumps when `op` changes
};

struct ApplyKey {
    ConvSpec spec;
    std::uint64_t image_version = 0;
    int kernel = 0;
    bool operator==(const ApplyKey&) const = default;
};

// The names of the four ways, in ConvWay order.
constexpr S kWayNames[] = {S::ConvWayDirect, S::ConvWayStructured, S::ConvWayIm2col, S::ConvWayDense};

// What the table's note column says about a way: why it did not run, or what the dense way ran on.
std::string WayNote(const ConvWayResult& way) {
    if (way.way != ConvWay::Dense) return way.ran ? std::string() : way.refused_why;
    if (way.dense_too_large) return Tr(S::ConvDenseTooLarge);
    if (!way.ran) return way.refused_why;
    char note[200];
    if (!way.on_crop) {
        std::snprintf(note, sizeof note, Tr(S::ConvDenseFull), way.dense_over_direct);
    } else {
        std::snprintf(note, sizeof note, Tr(S::ConvDenseCrop), static_cast<long long>(way.crop_h), static_cast<long long>(way.crop_w),
                      FormatSI(way.dense_rate * 1000.0).c_str(), way.full_dense_s / 3600.0);
    }
    return note;
}

class ConvPanel final : public Panel {
public:
    ConvPanel() { ApplyPreset("small"); }

    const char* Id() const override { return "conv"; }
    i18n::S Title() const override { return S::PanelConv; }
    // Only the tab on screen polls its tasks, so only its tasks count.
    bool Busy() const override {
        if (m_tab == 1) return m_apply && m_apply->Busy();
        return (m_canvas && m_canvas->Busy()) || (m_im2col_canvas && m_im2col_canvas->Busy());
    }
    bool ShowsOwnProgress() const override { return m_tab == 0; }
    float Progress() const override { return m_apply && m_apply->Busy() ? m_apply->Progress() : 0.5f; }

    std::string ValidateKeys() override { return JoinIssues(Validate(m_spec)); }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        auto op = ConvOperator::Create(m_spec);
        if (!op) return;
        VisitFigures(*op, sink);
        if (op->Stats().nonzeros <= kMtxBudget) {
            auto shared = std::make_shared<const ConvOperator>(std::move(*op));
            sink.File("matrix.mtx", [shared](const std::string& path, std::string* error) {
                return WriteMatrixMarket(*shared, path, kMtxBudget, error);
            });
        }
    }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Preset("preset", S::FcPreset,
                 {{"conv1d_256_k3", S::ConvPreset1d}, {"conv1d_256_c64", S::ConvPreset1dC64}, {"conv2d_256_c64", S::ConvPreset2d},
                  {"depthwise", S::ConvPresetDepthwise}, {"pointwise", S::ConvPresetPointwise}, {"small", S::ConvPresetSmall}},
                 &m_preset, [this](const std::string& key) { return ApplyPreset(key); },
                 "load one of the notes' cases (apply before other keys)");
        f.Choice("dims", "dims", &m_spec.dims, {{"1", "1-D", 1}, {"2", "2-D", 2}},
                 "1-D or 2-D convolution (1 sets in_h and kernel_h to 1)")
            .EditWith(Editor::RadioRow)
            .OnSet([this] { DimsChanged(); });
        auto two_d = [this] { return m_spec.dims == 2; };
        f.Int("in_h", S::ConvInH, &m_spec.in_h, 1, kConvMaxSide, "input height (1 for 1-D)").VisibleWhen(two_d);
        // Labelled "length" in 1-D (DrawEditors switches the label).
        f.Int("in_w", S::ConvInW, &m_spec.in_w, 1, kConvMaxSide, "input width (1-D: length)");
        f.Int("in_channels", S::ConvInChannels, &m_spec.in_channels, 1, kConvMaxChannels, "input channels");
        f.Int("out_channels", S::ConvOutChannels, &m_spec.out_channels, 1, kConvMaxChannels, "output channels");
        f.Int("kernel_h", S::ConvKernelH, &m_spec.kernel_h, 1, kConvMaxKernel, "kernel height (1 for 1-D)").VisibleWhen(two_d);
        f.Int("kernel_w", S::ConvKernelW, &m_spec.kernel_w, 1, kConvMaxKernel, "kernel width");
        f.Int("stride", S::ConvStride, &m_spec.stride, 1, kConvMaxKernel, "stride, both axes");
        // Mode and zeros in one key; its editor (a combo, and the zeros for an integer) is DrawPadding.
        Field& padding = f.Custom("padding", "integer|valid|same|full", "zeros per side, or PyTorch's 'valid'/'same', or 'full'",
                                  [this](const std::string& value) { return SetPadding(value); });
        padding.get_text = [this] {
            return m_spec.padding_mode == PaddingMode::Explicit ? std::to_string(m_spec.padding)
                                                                : std::string(kPaddingWords[static_cast<int>(m_spec.padding_mode)]);
        };
        f.Int("dilation", S::ConvDilation, &m_spec.dilation, 1, kConvMaxKernel, "spacing between kernel taps");
        f.Int("groups", S::ConvGroups, &m_spec.groups, 1, kConvMaxChannels, "1 = full convolution; in_channels = depth-wise");
        f.Bool("bias", S::ConvBias, &m_spec.bias, "add a bias per output channel (outside the matrix)");
        f.Choice("order", S::ConvOrder, &m_spec.order,
                 {{"channel_major", S::ConvOrderChannel, static_cast<std::int64_t>(FlatOrder::ChannelMajor)},
                  {"position_major", S::ConvOrderPosition, static_cast<std::int64_t>(FlatOrder::PositionMajor)}},
                 "how tensors are flattened");
        // 0..2^63-1 as before (not Seed's 0..2^64-1).
        f.Int("seed", S::ConvSeed, &m_spec.seed, 0, std::numeric_limits<std::int64_t>::max(), "seed of the random weights");
        DeclareMatrixColoring(f, &m_coloring);
        f.Choice("view", S::ConvTabMatrix, &m_tab, {{"matrix", S::ConvTabMatrix}, {"apply", S::ConvTabApply}}, "which tab is shown")
            .EditWith(Editor::None)
            .Display();
        f.Choice("kernel", S::ConvApplyKernel, &m_kernel,
                 {{"random", S::ConvKernelRandom}, {"identity", S::ConvKernelIdentity}, {"box", S::ConvKernelBox},
                  {"sharpen", S::ConvKernelSharpen}, {"sobel_x", S::ConvKernelSobelX}, {"sobel_y", S::ConvKernelSobelY}},
                 "weights used when applying to the image")
            .EditWith(Editor::RadioRow)
            .Display();
        f.Float("zoom", "zoom", &m_zoom, 0.0, 200.0, "pixels per matrix entry (0 = fit the whole matrix)").EditWith(Editor::None).Display();
        f.Int("focus_row", "focus_row", &m_focus_row, 0, std::numeric_limits<std::int64_t>::max(), "row to centre when zoom > 0")
            .EditWith(Editor::None)
            .Display();
        f.Int("focus_col", "focus_col", &m_focus_col, 0, std::numeric_limits<std::int64_t>::max(), "column to centre when zoom > 0")
            .EditWith(Editor::None)
            .Display();
    }

    void DrawContent(AppContext& context) override;

private:
    bool ApplyPreset(const std::string& key) {
        auto spec = FindConvPreset(key);
        if (!spec) return false;
        m_spec = *spec;
        m_dims_shown = m_spec.dims;
        m_preset = key;
        // Shared-weight hues read entry by entry; zoomed out over millions of entries every pixel
        // mixes weights, so the big cases open on structure (density).
        m_coloring = key == "small" ? 1 : 0;
        return true;
    }

    // After dims is set: switching to 1-D sets the height and the kernel height to 1 (a 1-D spec
    // with either != 1 is refused); switching back restores the 2-D values they had.
    void DimsChanged() {
        if (m_spec.dims == m_dims_shown) return;
        if (m_spec.dims == 1) {
            m_saved_in_h = m_spec.in_h;
            m_saved_kernel_h = m_spec.kernel_h;
            m_spec.in_h = m_spec.kernel_h = 1;
        } else {
            m_spec.in_h = m_saved_in_h;
            m_spec.kernel_h = m_saved_kernel_h;
        }
        m_dims_shown = m_spec.dims;
    }

    // The padding key: an integer 0..1024 (zeros per side) or valid|same|full.
    std::string SetPadding(const std::string& value) {
        for (int mode = 1; mode < 4; ++mode)
            if (value == kPaddingWords[mode]) {
                m_spec.padding_mode = static_cast<PaddingMode>(mode);
                return {};
            }
        std::int64_t p = 0;
        if (!ParseStrictInteger(value, &p) || p < 0 || p > kConvMaxKernel)
            return "'" + value + "' is not valid|same|full or an integer 0.." + std::to_string(kConvMaxKernel);
        m_spec.padding_mode = PaddingMode::Explicit;
        m_spec.padding = p;
        return {};
    }

    // [SECTION] Building the operator (memoised on the spec)
    const Built& Build() {
        return m_built.Get(m_spec, [&] {
            Built built;
            built.issues = Validate(m_spec);
            const Built* previous = m_built.Peek();
            if (built.issues.empty()) {
                if (auto op = ConvOperator::Create(m_spec)) {
                    built.op = std::make_shared<const ConvOperator>(std::move(*op));
                    built.im2col = std::make_shared<const Im2colMatrix>(built.op, 0);
                    built.op_generation = (previous ? previous->op_generation : 0) + 1;
                    return built;
                }
            }
            if (previous) {  // keep showing the last valid operator
                built.op = previous->op;
                built.im2col = previous->im2col;
                built.op_generation = previous->op_generation;
            }
            return built;
        });
    }

    // [SECTION] Drawing
    void DrawEditors(const Built& built);
    void DrawStats(const ConvOperator& op);
    void DrawMatrixTab(AppContext& context, const Built& built, ImVec2 avail);
    void DrawApplyTab(AppContext& context, const Built& built, ImVec2 avail);
    void DrawLinkedGrids(const ConvOperator& op, ImVec2 size);
    void DrawPadding(Field& field, const std::vector<SpecIssue>& issues);

    // The spec the fields edit, and the view settings.
    ConvSpec m_spec;
    int m_dims_shown = 2;                                 // the dims the editors last switched to
    std::int64_t m_saved_in_h = 8, m_saved_kernel_h = 3;  // the 2-D values while 1-D is chosen
    int m_coloring = 1;
    int m_tab = 0;
    int m_kernel = 0;
    float m_zoom = 0.0f;
    float m_applied_zoom = -1.0f;
    std::int64_t m_focus_row = 0, m_focus_col = 0;
    std::string m_preset;

    Memo<ConvSpec, Built> m_built;
    std::unique_ptr<MatrixCanvas> m_canvas, m_im2col_canvas;
    std::unique_ptr<LatestTask<ApplyKey, ConvApplyResult>> m_apply;
    Heatmap m_input_map, m_output_map;
    std::optional<Index> m_grid_row, m_grid_col;  // linked highlights from the small grids
    bool m_force_tab = true;                      // select m_tab's tab at the next frame (keys, start-up)
};

// The spec fields in declaration order; padding's mode combo and zeros are drawn by hand.
void ConvPanel::DrawEditors(const Built& built) {
    const auto& issues = built.issues;
    FieldTable& fields = Fields();
    fields.Find("in_w")->label = m_spec.dims == 2 ? S::ConvInW : S::ConvLength;
    for (Field& field : fields.All()) {
        if (field.display) continue;
        if (field.key == "padding") DrawPadding(field, issues);
        else DrawFieldEditor(fields, field, issues);
    }
    // Issues about fields with no editor of their own (sizes overflowing, kernel vs input).
    for (const auto& issue : issues) {
        const Field* field = fields.Find(issue.field);
        if (!field || (field->editor == Editor::None && field->key != "padding") || !field->Visible())
            ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.45f, 1.0f), "%s: %s", issue.field.c_str(), issue.message.c_str());
    }
    if (!issues.empty() && built.op) ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.4f, 1.0f), "%s", Tr(S::ConvShowingLastValid));
}

void ConvPanel::DrawPadding(Field& field, const std::vector<SpecIssue>& issues) {
    const char* modes[] = {Tr(S::ConvPadExplicit), kPaddingWords[1], kPaddingWords[2], kPaddingWords[3]};
    int mode = static_cast<int>(m_spec.padding_mode);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (ImGui::Combo(Tr(S::ConvPaddingMode), &mode, modes, 4)) {
        m_spec.padding_mode = static_cast<PaddingMode>(mode);
        Fields().Edited(field);
    }
    if (m_spec.padding_mode != PaddingMode::Explicit) SpecFieldIssues("padding", issues);
    else if (SpecField(Tr(S::ConvPadding), "padding", &m_spec.padding, 0, kConvMaxKernel, issues)) Fields().Edited(field);
}

void ConvPanel::DrawStats(const ConvOperator& op) {
    const ConvStats& st = op.Stats();
    const ConvSpec& s = op.Spec();
    // Values whole in a column fitted to them; names and formulas elide (full text on hover).
    // Narrow: no formula column; each formula shows on its name's hover instead.
    const bool formulas = ImGui::GetContentRegionAvail().x > ImGui::GetFontSize() * 30;
    if (!ImGui::BeginTable("##stats", formulas ? 3 : 2, TableFlagsNeverCut())) return;
    LabelColumn(Tr(S::ConvStatFigure), 1.0f);
    NumberColumn(Tr(S::ConvStatValue));
    if (formulas) LabelColumn(Tr(S::ConvStatFormula), 1.4f);
    ImGui::TableHeadersRow();
    auto row = [formulas](const char* name, const std::string& value, const std::string& formula) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        CellLabel(name);
        if (!formulas && ImGui::IsItemHovered()) ImGui::SetTooltip("%s\n%s", name, formula.c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(value.c_str());
        if (!formulas) return;
        ImGui::TableSetColumnIndex(2);
        CellLabel(formula, true);
    };
    auto n = [](Count v) { return FormatExact(v); };
    char buf[160];
    std::snprintf(buf, sizeof buf, "%lld x %lld", static_cast<long long>(st.out_h), static_cast<long long>(st.out_w));
    row(Tr(S::ConvStatOutput), buf, "floor((in + pads - d(k-1) - 1)/s) + 1");
    row(Tr(S::ConvStatRows), n(st.rows), "Cout x out_h x out_w");
    row(Tr(S::ConvStatCols), n(st.cols), "Cin x H x W");
    row(Tr(S::ConvStatNonzeros), n(st.nonzeros), Tr(S::ConvStatNonzerosFormula));
    std::snprintf(buf, sizeof buf, "%.3g%%", st.density * 100.0);
    row(Tr(S::ConvStatDensity), buf, Tr(S::ConvStatDensityFormula));
    row(Tr(S::ConvStatWeights), n(st.weights), "kh x kw x Cin/groups x Cout");
    row(Tr(S::ConvStatParameters), n(st.parameters), Tr(s.bias ? S::ConvStatParametersBias : S::ConvStatParametersNoBias));
    row(Tr(S::ConvStatUseful), n(st.useful_macs), Tr(S::ConvStatUsefulFormula));
    row(Tr(S::ConvStatDense), n(st.dense_macs) + " (" + FormatSI(static_cast<double>(st.dense_macs)) + ")", Tr(S::ConvRowsTimesCols));
    std::snprintf(buf, sizeof buf, "%.3g%%", st.gemm_utilization * 100.0);
    row(Tr(S::ConvStatUtilization), buf, Tr(S::ConvStatUtilizationFormula));
    std::snprintf(buf, sizeof buf, "%s x %s%s", n(st.im2col_rows).c_str(), n(st.im2col_cols).c_str(),
                  s.groups > 1 ? (" x " + std::to_string(s.groups)).c_str() : "");
    row(Tr(S::ConvStatIm2col), buf, s.groups > 1 ? "(out_h out_w) x (Cin/g kh kw) x groups" : "(out_h out_w) x (Cin kh kw)");
    std::snprintf(buf, sizeof buf, "%.2f x", st.im2col_duplication);
    row(Tr(S::ConvStatDuplication), buf, Tr(S::ConvStatDuplicationFormula));
    std::snprintf(buf, sizeof buf, "%s vs %s", n(st.weights).c_str(), n(st.separable_weights).c_str());
    row(Tr(S::ConvStatSeparable), buf, "kh kw Cin Cout vs kh kw Cin + Cin Cout");
    ImGui::EndTable();
}

// A plane of h x w cells (input or output map of one channel) with highlighted cells. Returns the
// hovered cell, if any. Planes too fine to draw cell by cell are drawn as a frame with the
// highlights placed proportionally.
struct Mark {
    Index y, x;
    ImU32 color;
};

std::optional<std::pair<Index, Index>> DrawPlane(const char* title, Index h, Index w, const std::vector<Mark>& marks, ImVec2 box) {
    ImGui::BeginGroup();
    ImGui::TextDisabled("%s", title);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float cell = std::min(box.x / static_cast<float>(w), (box.y - ImGui::GetTextLineHeightWithSpacing()) / static_cast<float>(h));
    // A 1-D signal (h = 1) is drawn as a strip tall enough to see and point at.
    const float cell_h = h == 1 ? std::max(cell, ImGui::GetFontSize()) : cell;
    const ImVec2 size(cell * static_cast<float>(w), cell_h * static_cast<float>(h));
    ImGui::InvisibleButton(title, ImVec2(std::max(size.x, 1.0f), std::max(size.y, 1.0f)));
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(38, 40, 48, 255));
    if (cell >= 4.0f) {
        for (Index y = 0; y <= h; ++y)
            draw->AddLine(ImVec2(origin.x, origin.y + cell_h * static_cast<float>(y)), ImVec2(origin.x + size.x, origin.y + cell_h * static_cast<float>(y)), IM_COL32(70, 72, 84, 255));
        for (Index x = 0; x <= w; ++x)
            draw->AddLine(ImVec2(origin.x + cell * static_cast<float>(x), origin.y), ImVec2(origin.x + cell * static_cast<float>(x), origin.y + size.y), IM_COL32(70, 72, 84, 255));
    }
    const float min_mark = 3.0f;
    for (const Mark& m : marks) {
        const ImVec2 a(origin.x + cell * static_cast<float>(m.x), origin.y + cell_h * static_cast<float>(m.y));
        const ImVec2 b(std::max(a.x + cell, a.x + min_mark), std::max(a.y + cell_h, a.y + min_mark));
        draw->AddRectFilled(a, b, m.color);
    }
    draw->AddRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(110, 110, 125, 255));
    std::optional<std::pair<Index, Index>> hovered;
    if (ImGui::IsItemHovered() && cell > 0) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const Index x = static_cast<Index>((mouse.x - origin.x) / cell), y = static_cast<Index>((mouse.y - origin.y) / cell_h);
        if (x >= 0 && y >= 0 && x < w && y < h) hovered = std::make_pair(y, x);
    }
    ImGui::EndGroup();
    return hovered;
}

void ConvPanel::DrawLinkedGrids(const ConvOperator& op, ImVec2 size) {
    const ConvSpec& s = op.Spec();
    const ConvStats& st = op.Stats();
    // What is linked: the canvas' hovered entry, else the centre output of channel 0.
    Index row = 0, col = -1;
    if (auto h = m_canvas->Hovered()) {
        row = h->row;
        col = h->col;
    } else if (m_grid_row) {
        row = *m_grid_row;
    } else {
        row = op.EncodeRow(ConvCoord{0, st.out_h / 2, st.out_w / 2});
    }
    const ConvCoord out = op.DecodeRow(row);
    const ConvCoord in = col >= 0 ? op.DecodeCol(col) : ConvCoord{(out.c / (s.out_channels / s.groups)) * (s.in_channels / s.groups), -1, -1};
    std::vector<Mark> in_marks;
    std::optional<ConvOperator::ParamCoord> tap;
    op.ForEachTap(out.c, out.y, out.x, [&](Index ic, Index iy, Index ix, Index param) {
        if (ic != in.c) return;
        const bool this_entry = iy == in.y && ix == in.x;
        in_marks.push_back({iy, ix, this_entry ? IM_COL32(255, 255, 255, 255) : IM_COL32(255, 200, 80, 200)});
        if (this_entry) tap = op.DecodeParam(param);
    });
    const float w3 = (size.x - ImGui::GetStyle().ItemSpacing.x * 2) / 3.0f;
    char title[160];
    std::snprintf(title, sizeof title, Tr(S::ConvGridInput), static_cast<long long>(in.c));
    m_grid_row.reset();
    m_grid_col.reset();
    if (auto hovered = DrawPlane(title, s.in_h, s.in_w, in_marks, ImVec2(w3, size.y)))
        m_grid_col = op.EncodeCol(ConvCoord{in.c, hovered->first, hovered->second});
    ImGui::SameLine();
    // The kernel slice w[o, i_local, :, :] with the tap of the hovered entry outlined.
    {
        ImGui::BeginGroup();
        const Index il = in.c - (out.c / (s.out_channels / s.groups)) * (s.in_channels / s.groups);
        std::snprintf(title, sizeof title, Tr(S::ConvGridKernel), static_cast<long long>(out.c), static_cast<long long>(il));
        ImGui::TextDisabled("%s", title);
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        const float cell = std::min({w3 / static_cast<float>(s.kernel_w), (size.y - ImGui::GetTextLineHeightWithSpacing()) / static_cast<float>(s.kernel_h), 64.0f});
        ImGui::Dummy(ImVec2(cell * static_cast<float>(s.kernel_w), cell * static_cast<float>(s.kernel_h)));
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const float bound = 1.0f / std::sqrt(static_cast<float>(std::max<Index>(1, s.in_channels / s.groups * s.kernel_h * s.kernel_w)));
        if (s.kernel_h * s.kernel_w <= 4096 && il >= 0 && il < s.in_channels / s.groups) {
            for (Index ky = 0; ky < s.kernel_h; ++ky)
                for (Index kx = 0; kx < s.kernel_w; ++kx) {
                    const Index param = op.ParamIndex(out.c, il, ky, kx);
                    const float v = op.ParameterValue(param);
                    float rgb[3];
                    gfx::ColormapColor(gfx::Colormap::Diverging, 0.5f + 0.5f * v / bound, rgb);
                    const ImVec2 a(origin.x + cell * static_cast<float>(kx), origin.y + cell * static_cast<float>(ky));
                    const ImVec2 b(a.x + cell, a.y + cell);
                    draw->AddRectFilled(a, b, ImGui::ColorConvertFloat4ToU32(ImVec4(rgb[0], rgb[1], rgb[2], 1)));
                    draw->AddRect(a, b, IM_COL32(30, 30, 36, 255));
                    if (tap && tap->ky == ky && tap->kx == kx) draw->AddRect(a, b, IM_COL32(255, 255, 255, 255), 0, 0, 2.5f);
                    if (cell >= 40) {
                        // One number format (no "-0.00"), ink after the cell's luminance.
                        const std::string text = FormatNumber(static_cast<double>(v), 2);
                        const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
                        draw->AddText(ImVec2(a.x + (cell - ts.x) / 2, a.y + (cell - ts.y) / 2), LabelColorOn(rgb), text.c_str());
                    }
                }
        }
        ImGui::EndGroup();
    }
    ImGui::SameLine();
    std::snprintf(title, sizeof title, Tr(S::ConvGridOutput), static_cast<long long>(out.c));
    if (auto hovered = DrawPlane(title, st.out_h, st.out_w, {{out.y, out.x, IM_COL32(120, 200, 255, 255)}}, ImVec2(w3, size.y)))
        m_grid_row = op.EncodeRow(ConvCoord{out.c, hovered->first, hovered->second});
}

void ConvPanel::DrawMatrixTab(AppContext& context, const Built& built, ImVec2 avail) {
    (void)context;
    const ConvOperator& op = *built.op;
    const ConvSpec& s = op.Spec();
    const float bottom_h = std::max(avail.y * 0.3f, ImGui::GetTextLineHeightWithSpacing() * 11.5f);
    const float canvas_h = avail.y - bottom_h - ImGui::GetStyle().ItemSpacing.y;
    const float im2col_w = avail.x * 0.22f;
    const float main_w = avail.x - im2col_w - ImGui::GetStyle().ItemSpacing.x;

    if (m_zoom != m_applied_zoom) {
        m_applied_zoom = m_zoom;
        if (m_zoom > 0) m_canvas->FocusEntry(m_focus_row, m_focus_col, m_zoom);
        else m_canvas->Fit();
    }
    CanvasOptions options;
    options.coloring = static_cast<CanvasColoring>(m_coloring);
    const bool channel_major = s.order == FlatOrder::ChannelMajor;
    options.row_block = channel_major ? op.Stats().out_h * op.Stats().out_w : 0;
    options.col_block = channel_major ? s.in_h * s.in_w : 0;
    options.row_title = channel_major ? Tr(S::ConvRowsChannelMajor) : Tr(S::ConvRowsPositionMajor);
    options.col_title = channel_major ? Tr(S::ConvColsChannelMajor) : Tr(S::ConvColsPositionMajor);
    options.row_block_label = channel_major ? "out c=%lld" : nullptr;
    options.col_block_label = channel_major ? "in c=%lld" : nullptr;
    options.value_range = 1.0f / std::sqrt(static_cast<float>(std::max<Index>(1, s.in_channels / s.groups * s.kernel_h * s.kernel_w)));
    options.describe = [&op](Index row, Index col) {
        const ConvCoord out = op.DecodeRow(row), in = op.DecodeCol(col);
        char text[320];
        if (auto param = op.ParameterAt(row, col)) {
            const auto p = op.DecodeParam(*param);
            std::snprintf(text, sizeof text, Tr(S::ConvHoverWeight), static_cast<long long>(out.c), static_cast<long long>(out.y),
                          static_cast<long long>(out.x), static_cast<long long>(in.c), static_cast<long long>(in.y),
                          static_cast<long long>(in.x), static_cast<long long>(p.out_c), static_cast<long long>(p.in_local),
                          static_cast<long long>(p.ky), static_cast<long long>(p.kx), static_cast<double>(op.ParameterValue(*param)));
        } else {
            std::snprintf(text, sizeof text, Tr(S::ConvHoverZero), static_cast<long long>(out.c), static_cast<long long>(out.y),
                          static_cast<long long>(out.x), static_cast<long long>(in.c), static_cast<long long>(in.y),
                          static_cast<long long>(in.x));
        }
        return std::string(text);
    };
    options.highlight_row = m_grid_row;
    options.highlight_col = m_grid_col;
    // The canvas' go-to fields edit the focus_row / focus_col keys.
    options.goto_row = &m_focus_row;
    options.goto_col = &m_focus_col;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    ImGui::BeginGroup();
    m_canvas->Draw("expanded", built.op, built.op_generation, ImVec2(main_w, canvas_h), options);
    ImGui::EndGroup();
    MarkFigure(top, ImVec2(top.x + main_w, top.y + canvas_h));
    ImGui::SameLine();
    ImGui::BeginGroup();
    CanvasOptions im2col_options;
    im2col_options.coloring = options.coloring == CanvasColoring::Value ? CanvasColoring::Structure : options.coloring;
    im2col_options.row_title = Tr(S::ConvIm2colRows);
    im2col_options.col_title = Tr(S::ConvIm2colCols);
    im2col_options.col_block = s.kernel_h * s.kernel_w;
    im2col_options.stretch = true;
    im2col_options.navigation = false;  // a side view: the expanded matrix carries the navigation
    m_im2col_canvas->Draw("im2col", built.im2col, built.op_generation, ImVec2(im2col_w, canvas_h), im2col_options);
    ImGui::EndGroup();
    const float grids_w = std::min(avail.x * 0.38f, ImGui::GetFontSize() * 24);
    ImGui::BeginGroup();
    DrawLinkedGrids(op, ImVec2(grids_w, bottom_h));
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginChild("##stats_child", ImVec2(0, bottom_h), false);
    DrawStats(op);
    ImGui::EndChild();
}

void ConvPanel::DrawApplyTab(AppContext& context, const Built& built, ImVec2 avail) {
    ImGui::TextUnformatted(Tr(S::ConvApplyKernel));
    ImGui::SameLine();
    DrawFieldEditor(Fields(), *Fields().Find("kernel"), {});
    ApplyKey key{built.op->Spec(), context.image_version, m_kernel};
    auto image = context.image;
    m_apply->Request(key, [key, image](TaskContext& task) {
        return ComputeConvApply(key.spec, static_cast<KernelChoice>(key.kernel), *image, task);
    });
    m_apply->Poll();
    ErrorText(m_apply->Error());
    const ConvApplyResult* result = m_apply->Current();
    if (m_apply->Busy()) ImGui::TextColored(ImVec4(1, 0.85f, 0.45f, 1), Tr(S::ConvApplyRunning), static_cast<int>(m_apply->Progress() * 100));
    if (!result || !result->valid) return;
    if (ImGui::BeginTable("##ways", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn(Tr(S::ConvWay), ImGuiTableColumnFlags_WidthStretch, 1.3f);
        ImGui::TableSetupColumn(Tr(S::ConvWayTime), ImGuiTableColumnFlags_WidthStretch, 0.6f);
        ImGui::TableSetupColumn(Tr(S::ConvWayRatio), ImGuiTableColumnFlags_WidthStretch, 0.5f);
        ImGui::TableSetupColumn(Tr(S::ConvWayDiff), ImGuiTableColumnFlags_WidthStretch, 0.6f);
        ImGui::TableSetupColumn(Tr(S::ConvWayNote), ImGuiTableColumnFlags_WidthStretch, 2.0f);
        ImGui::TableHeadersRow();
        for (const ConvWayResult& m : result->ways) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextUnformatted(Tr(kWayNames[static_cast<int>(m.way)]));
            ImGui::TableSetColumnIndex(1);
            if (!std::isfinite(m.ms)) ImGui::TextDisabled("-");
            else if (m.ms < 1.0) ImGui::Text("%.1f \u00b5s", m.ms * 1000.0);
            else ImGui::Text("%.1f ms", m.ms);
            ImGui::TableSetColumnIndex(2);
            const double base = result->ways.front().ms;
            if (std::isfinite(m.ms) && !m.on_crop && base > 0) ImGui::Text("%.2fx", m.ms / base);
            else ImGui::TextDisabled("-");
            ImGui::TableSetColumnIndex(3);
            if (std::isfinite(m.max_diff)) ImGui::Text("%.2e", m.max_diff);
            else ImGui::TextDisabled("-");
            ImGui::TableSetColumnIndex(4);
            Paragraph(WayNote(m));
        }
        ImGui::EndTable();
    }
    ImGui::TextDisabled("%s", Tr(S::ConvApplyNote));
    const float h = ImGui::GetContentRegionAvail().y - ImGui::GetTextLineHeightWithSpacing();
    const float w = (avail.x - ImGui::GetStyle().ItemSpacing.x) / 2;
    gfx::ColormapParams grey;
    grey.map = gfx::Colormap::Greys;
    grey.lo = 0;
    grey.hi = 1;
    grey.zero_rgba[0] = grey.zero_rgba[1] = grey.zero_rgba[2] = 0.0f;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    ImGui::BeginGroup();
    ImGui::TextDisabled("%s", Tr(S::ConvApplyInput));
    m_input_map.Draw("in", result->input, m_apply->Generation(), ImVec2(w, h), grey);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::TextDisabled("%s", Tr(S::ConvApplyOutput));
    gfx::ColormapParams out = grey;
    if (result->out_lo < 0) {
        out.map = gfx::Colormap::Diverging;
        const float m = std::max(std::fabs(result->out_lo), std::fabs(result->out_hi));
        out.lo = -m;
        out.hi = m;
    } else {
        out.lo = result->out_lo;
        out.hi = std::max(result->out_hi, result->out_lo + 1e-6f);
    }
    m_output_map.Draw("out", result->output, m_apply->Generation(), ImVec2(w, h), out);
    ImGui::EndGroup();
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + h + ImGui::GetTextLineHeightWithSpacing()));
}

void ConvPanel::DrawContent(AppContext& context) {
    if (!m_canvas) {
        m_canvas = std::make_unique<MatrixCanvas>(*context.tasks);
        m_im2col_canvas = std::make_unique<MatrixCanvas>(*context.tasks);
        m_apply = std::make_unique<LatestTask<ApplyKey, ConvApplyResult>>(*context.tasks);
    }
    const Built& built = Build();

    BeginEditorColumn(19);
    DrawEditors(built);
    ImGui::Separator();
    DrawFieldEditor(Fields(), *Fields().Find("color"), {});
    ParagraphDisabled(Tr(S::ConvColorHint));
    BeginMainArea();
    if (!built.op) {
        ImGui::TextColored(ImVec4(1, 0.5f, 0.45f, 1), "%s", Tr(S::ConvNoValidSpec));
        ImGui::EndChild();
        return;
    }
    if (ImGui::BeginTabBar("##tabs")) {
        if (ImGui::BeginTabItem(Tr(S::ConvTabMatrix), nullptr, m_tab == 0 && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!m_force_tab) m_tab = 0;
            DrawMatrixTab(context, built, ImGui::GetContentRegionAvail());
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem(Tr(S::ConvTabApply), nullptr, m_tab == 1 && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!m_force_tab) m_tab = 1;
            DrawApplyTab(context, built, ImGui::GetContentRegionAvail());
            ImGui::EndTabItem();
        }
        m_force_tab = false;
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
}

}  // namespace

LENS_REGISTER_PANEL(ConvPanel, 40, "conv")

}  // namespace lens::app
