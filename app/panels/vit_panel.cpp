// app/panels/vit_panel.cpp: "ViT patches". The image cut into P x P patches (any stride, padded or
// cropped when it does not divide, and the panel says which), the token matrix N x (P*P*3) with
// the hovered patch's row lit, the selected patch enlarged, and the patch embedding as the
// convolution it is (kernel = stride = P, one weight shared by every patch) on the operator canvas,
// with its size against a fully connected layer doing the same job.
//
// [SECTION] Spec and keys
// [SECTION] Drawing
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <lens/lessons/vit_lesson.hpp>
#include <lens/patch.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../gfx/texture.hpp"
#include "../widgets/heatmap.hpp"
#include "../widgets/matrix_canvas.hpp"
#include "../widgets/paragraph.hpp"
#include "../widgets/spec_editor.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

// [SECTION] Spec and keys

// The lesson's spec plus the image's version (part of the task key).
struct VitPanelSpec : VitLessonSpec {
    std::uint64_t image_version = 0;
    bool operator==(const VitPanelSpec&) const = default;
};

using Computed = VitLessonResult;

class VitPanel final : public Panel {
public:
    const char* Id() const override { return "vit"; }
    i18n::S Title() const override { return S::PanelVit; }
    bool Busy() const override { return (m_task && m_task->Busy()) || (m_canvas && m_canvas->Busy()); }
    float Progress() const override { return m_task ? m_task->Progress() : 0; }

    std::string ValidateKeys() override {
        // With resize = 0 the size is the image's: checked in ValidateForImage.
        if (m_spec.resize == 0) return {};
        return JoinIssues(Validate(ToPatchSpec(m_spec), m_spec.resize, m_spec.resize));
    }
    std::string ValidateForImage(const Image& image) override {
        return JoinIssues(Validate(ToPatchSpec(m_spec), image.height, image.width));
    }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        TaskContext none;
        VisitFigures(ComputeVitLesson(m_spec, *context.image, none), sink);
    }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Preset("preset", S::FcPreset, {{"vit_b_16", S::VitPresetB16}, {"vit_22b", S::VitPreset22B}}, &m_preset,
                 [this](const std::string& name) { return ApplyPreset(name); },
                 "ViT-B/16 (P 16 at 224) or ViT-22B (P 14 at 224)");
        f.Int("resize", S::AttnResize, &m_spec.resize, 0, kPatchMaxSide, "square edge the image is resized to (0 = its own size)");
        f.Int("patch", S::AttnPatch, &m_spec.patch, 1, kPatchMaxPatch, "patch size P, px");
        f.Int("stride", S::VitStride, &m_spec.stride, 1, kPatchMaxPatch, "stride S between patches, px (S = P: ViT)");
        f.Choice("fit", S::VitFit, &m_spec.fit, {{"pad", S::VitFitPad}, {"crop", S::VitFitCrop}}, "when the patches do not end at the image's edge");
        f.Choice("order", S::VitOrder, &m_spec.order, {{"chw", S::VitOrderChw}, {"hwc", S::VitOrderHwc}},
                 "values inside a token: (c,y,x) as PyTorch or (y,x,c) as the notes");
        f.Int("embed_dim", S::VitEmbedDim, &m_spec.embed_dim, 1, kConvMaxChannels, "patch embedding width D (the P x P x 3 x D kernel at most " + FormatExact(kConvMaxWeights) + " weights)");
        // A view setting, chosen by clicking a patch.
        f.Int("select", S::VitSelect, &m_selected, 0, kPatchMaxTokens - 1, "the selected patch (token index)").EditWith(Editor::None).Display();
    }

    void DrawContent(AppContext& context) override;

private:
    bool ApplyPreset(const std::string& name) {
        if (name == "vit_b_16") {
            m_spec.patch = m_spec.stride = 16;
            m_spec.embed_dim = 768;
        } else if (name == "vit_22b") {
            m_spec.patch = m_spec.stride = 14;
            m_spec.embed_dim = 6144;
        } else {
            return false;
        }
        m_spec.resize = 224;
        return true;
    }
    void DrawEditors(const Computed* c);
    void DrawImage(const Computed& c, ImVec2 size, std::optional<Index>* hovered);
    void DrawTokens(const Computed& c, ImVec2 size, std::optional<Index> lit);

    VitPanelSpec m_spec;
    std::string m_preset = "vit_b_16";  // the default spec is ViT-B/16's
    std::int64_t m_selected = 0;
    std::unique_ptr<LatestTask<VitPanelSpec, Computed>> m_task;
    std::unique_ptr<MatrixCanvas> m_canvas;
    Heatmap m_tokens_map;
    gfx::CachedTexture m_image_texture;
    std::uint64_t m_image_uploaded = 0;
    std::pair<std::uint64_t, Index> m_focused{0, -1};  // (generation, patch) the canvas was last opened on
};

// [SECTION] Drawing

void VitPanel::DrawEditors(const Computed* c) {
    const std::vector<SpecIssue> none;
    DrawSpecFields(c ? c->issues : none);
    if (!c || !c->geometry) return;
    const PatchGeometry& g = *c->geometry;
    ImGui::Separator();
    const ImVec4 warn(1, 0.8f, 0.4f, 1), bad(1, 0.6f, 0.5f, 1);
    Paragraph(Printf(Tr(S::VitGridLine), static_cast<long long>(g.w.image), static_cast<long long>(g.h.image), static_cast<long long>(g.patches_w),
                     static_cast<long long>(g.patches_h), static_cast<long long>(g.tokens)));
    Paragraph(Printf(Tr(S::VitTokenLine), static_cast<long long>(g.patch), static_cast<long long>(g.patch), static_cast<long long>(g.token_dim)));
    if (g.h.pad > 0 || g.w.pad > 0)
        ParagraphColored(warn, Printf(Tr(S::VitPadLine), static_cast<long long>(g.h.pad), static_cast<long long>(g.w.pad)));
    else if (g.h.crop > 0 || g.w.crop > 0)
        ParagraphColored(bad, Printf(Tr(S::VitCropLine), static_cast<long long>(g.h.crop), static_cast<long long>(g.w.crop)));
    else if (g.stride <= g.patch)
        Paragraph(Tr(S::VitExactLine));
    if (g.stride > g.patch) ParagraphColored(bad, Tr(S::VitGapLine));
    if (g.stride < g.patch) Paragraph(Tr(S::VitOverlapLine));
    Paragraph(Printf(Tr(S::VitEmbedLine), FormatExact(g.embed_weights).c_str(), static_cast<long long>(g.tokens),
                     FormatExact(g.embed_parameters).c_str(), FormatExact(g.embed_macs).c_str()));
    if (c->fc_weights > 0)
        Paragraph(Printf(Tr(S::VitFcLine), FormatExact(c->fc_weights).c_str(), FormatExact(c->fc_weights / std::max<Count>(g.embed_weights, 1)).c_str()));
}

// The image as patched, fitted into `size`: padding hatched, the cropped border dimmed, the patch
// grid, the hovered and the selected patch. *hovered receives the patch under the pointer.
void VitPanel::DrawImage(const Computed& c, ImVec2 size, std::optional<Index>* hovered) {
    const PatchGeometry& g = *c.geometry;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    // Pixel extent shown: the image and the patches' span, whichever is larger on each axis.
    const float span_w = static_cast<float>(std::max(g.w.image, g.w.extent));
    const float span_h = static_cast<float>(std::max(g.h.image, g.h.extent));
    const float scale = std::min(size.x / span_w, size.y / span_h);
    auto at = [&](Index y, Index x) { return ImVec2(origin.x + static_cast<float>(x) * scale, origin.y + static_cast<float>(y) * scale); };
    ImGui::InvisibleButton("##image", ImVec2(span_w * scale, span_h * scale));
    const bool is_hovered = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    draw->AddImage(m_image_texture.Get().ImId(), origin, at(g.h.image, g.w.image));
    // Padding: zeros the model sees, past the image.
    const ImU32 pad_fill = IM_COL32(60, 60, 70, 255), pad_hatch = IM_COL32(255, 200, 90, 90);
    auto hatch = [&](ImVec2 a, ImVec2 b) {
        if (b.x <= a.x || b.y <= a.y) return;
        draw->AddRectFilled(a, b, pad_fill);
        draw->PushClipRect(a, b, true);
        for (float t = -(b.y - a.y); t < b.x - a.x; t += 8) draw->AddLine(ImVec2(a.x + t, b.y), ImVec2(a.x + t + (b.y - a.y), a.y), pad_hatch);
        draw->PopClipRect();
    };
    hatch(at(0, g.w.image), at(g.h.extent, g.w.extent));
    hatch(at(g.h.image, 0), at(g.h.extent, g.w.image));
    // Crop: pixels no patch sees.
    const ImU32 dim = IM_COL32(10, 10, 15, 190);
    if (g.w.extent < g.w.image) draw->AddRectFilled(at(0, g.w.extent), at(g.h.image, g.w.image), dim);
    if (g.h.extent < g.h.image) draw->AddRectFilled(at(g.h.extent, 0), at(g.h.image, std::min(g.w.extent, g.w.image)), dim);
    // The grid: patch origins every S px (patches are P wide), drawn when cells are visible.
    const float cell = static_cast<float>(g.stride) * scale;
    if (cell >= 3) {
        const ImU32 line = IM_COL32(255, 255, 255, cell >= 8 ? 110 : 60);
        for (Index j = 0; j <= g.patches_w; ++j) {
            const Index x = std::min(j * g.stride, g.w.extent);
            draw->AddLine(at(0, x), at(g.h.extent, x), line);
            if (g.stride != g.patch && j < g.patches_w) draw->AddLine(at(0, j * g.stride + g.patch), at(g.h.extent, j * g.stride + g.patch), IM_COL32(120, 200, 255, 50));
        }
        for (Index i = 0; i <= g.patches_h; ++i) {
            const Index y = std::min(i * g.stride, g.h.extent);
            draw->AddLine(at(y, 0), at(y, g.w.extent), line);
        }
    }
    auto outline = [&](Index token, ImU32 color, float thickness) {
        const PatchRect rect = PatchRegion(g, token);
        draw->AddRect(at(rect.y0, rect.x0), at(rect.y1, rect.x1), color, 0, 0, thickness);
    };
    const Index selected = std::clamp<Index>(m_selected, 0, g.tokens - 1);
    outline(selected, IM_COL32(255, 210, 80, 255), 2.5f);
    if (is_hovered) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const Index px = static_cast<Index>((mouse.x - origin.x) / scale), py = static_cast<Index>((mouse.y - origin.y) / scale);
        const Index token = PatchAtPixel(g, py, px);
        if (token >= 0) {
            *hovered = token;
            outline(token, IM_COL32(120, 220, 255, 255), 2.0f);
            const PatchRect rect = PatchRegion(g, token);
            ImGui::SetTooltip(Tr(S::VitHoverPatch), static_cast<long long>(token), static_cast<long long>(token / g.patches_w),
                              static_cast<long long>(token % g.patches_w), static_cast<long long>(rect.y0), static_cast<long long>(rect.y1),
                              static_cast<long long>(rect.x0), static_cast<long long>(rect.x1));
            if (clicked) m_selected = token;
        }
    }
}

void VitPanel::DrawTokens(const Computed& c, ImVec2 size, std::optional<Index> lit) {
    const PatchGeometry& g = *c.geometry;
    gfx::ColormapParams params;
    params.map = gfx::Colormap::Viridis;
    params.lo = 0;
    params.hi = 1;
    ImVec2 mn, mx;
    m_tokens_map.Draw("tokens", c.token_grid, m_task->Generation(), size, params, &mn, &mx);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float row_h = (mx.y - mn.y) / static_cast<float>(g.tokens);
    auto band = [&](Index token, ImU32 color) {
        const float y0 = mn.y + row_h * static_cast<float>(token), y1 = y0 + row_h;
        const float grow = std::max(0.0f, (3.0f - (y1 - y0)) * 0.5f);
        draw->AddRect(ImVec2(mn.x - 2, y0 - grow - 1), ImVec2(mx.x + 2, y1 + grow + 1), color, 0, 0, 2.0f);
    };
    band(std::clamp<Index>(m_selected, 0, g.tokens - 1), IM_COL32(255, 210, 80, 255));
    if (lit) band(*lit, IM_COL32(120, 220, 255, 255));
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    if (mouse.x >= mn.x && mouse.y >= mn.y && mouse.x < mx.x && mouse.y < mx.y && ImGui::IsWindowHovered()) {
        const Index token = std::clamp<Index>(static_cast<Index>((mouse.y - mn.y) / row_h), 0, g.tokens - 1);
        const Index f = std::clamp<Index>(static_cast<Index>((mouse.x - mn.x) / (mx.x - mn.x) * static_cast<float>(g.token_dim)), 0, g.token_dim - 1);
        const TokenValue v = ValueAt(f, g.patch, m_spec.order);
        ImGui::SetTooltip(Tr(S::VitHoverToken), static_cast<long long>(token), static_cast<long long>(f), static_cast<long long>(v.c),
                          static_cast<long long>(v.y), static_cast<long long>(v.x), static_cast<double>((*c.tokens)(token, f)));
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_selected = token;
    }
}

void VitPanel::DrawContent(AppContext& context) {
    if (!m_task) {
        m_task = std::make_unique<LatestTask<VitPanelSpec, Computed>>(*context.tasks);
        m_canvas = std::make_unique<MatrixCanvas>(*context.tasks);
    }
    VitPanelSpec key = m_spec;
    key.image_version = context.image_version;
    auto image = context.image;
    m_task->Request(key, [key, image](TaskContext& task) { return ComputeVitLesson(key, *image, task); });
    m_task->Poll();
    const Computed* c = m_task->Current();

    BeginEditorColumn();
    DrawEditors(c);
    ErrorText(m_task->Error());
    BeginMainArea();
    if (c && !c->tokens) {
        SpecIssueList(c->issues);
    }
    if (c && c->tokens && c->geometry) {
        const PatchGeometry& g = *c->geometry;
        if (m_image_uploaded != m_task->Generation()) {
            m_image_texture.Sync(m_task->Generation(), c->image.width, c->image.height, gfx::PixelFormat::Rgb8, c->image.rgb.data(), gfx::Filter::Nearest);
            m_image_uploaded = m_task->Generation();
        }
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const ImVec2 top = ImGui::GetCursorScreenPos();
        const float gap = ImGui::GetFontSize();
        const float label_h = ImGui::GetTextLineHeightWithSpacing();
        const float top_h = avail.y * 0.5f;
        const float left_w = std::min(avail.x * 0.42f, top_h - label_h);
        const float right_x = top.x + left_w + gap;
        const float right_w = avail.x - left_w - gap;
        const float zoom_side = std::min(right_w * 0.3f, top_h - 2 * label_h);
        const float tokens_x = right_x + zoom_side + gap;
        const float tokens_w = top.x + avail.x - tokens_x;
        // Column titles wrap to their column; the tallest sets where the pictures start.
        const Index selected = std::clamp<Index>(m_selected, 0, g.tokens - 1);
        const std::string image_title = Tr(S::VitImageTitle);
        const std::string zoom_title = Printf(Tr(S::VitSelected), static_cast<long long>(selected));
        const std::string tokens_title = Printf(Tr(S::VitTokensTitle), static_cast<long long>(g.tokens), static_cast<long long>(g.token_dim));
        const float title_h = std::max({CaptionHeight(image_title, left_w), CaptionHeight(zoom_title, zoom_side), CaptionHeight(tokens_title, tokens_w)});
        Caption(top, image_title, left_w);
        Caption(ImVec2(right_x, top.y), zoom_title, zoom_side);
        Caption(ImVec2(tokens_x, top.y), tokens_title, tokens_w);
        ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + title_h));
        // Image with the grid.
        std::optional<Index> hovered;
        DrawImage(*c, ImVec2(left_w, top_h - title_h), &hovered);
        // The selected patch enlarged, then the token matrix.
        const PatchRect rect = PatchRegion(g, selected);
        {
            ImDrawList* draw = ImGui::GetWindowDrawList();
            const ImVec2 z0(right_x, top.y + title_h);
            const float px = zoom_side / static_cast<float>(g.patch);
            // The patch's pixels, padding drawn as the zeros it is.
            const float u0 = static_cast<float>(rect.x0) / static_cast<float>(c->image.width);
            const float v0 = static_cast<float>(rect.y0) / static_cast<float>(c->image.height);
            const Index x1 = std::min(rect.x1, g.w.image), y1 = std::min(rect.y1, g.h.image);
            draw->AddRectFilled(z0, ImVec2(z0.x + zoom_side, z0.y + zoom_side), IM_COL32(0, 0, 0, 255));
            if (x1 > rect.x0 && y1 > rect.y0)
                draw->AddImage(m_image_texture.Get().ImId(), z0,
                               ImVec2(z0.x + px * static_cast<float>(x1 - rect.x0), z0.y + px * static_cast<float>(y1 - rect.y0)), ImVec2(u0, v0),
                               ImVec2(static_cast<float>(x1) / static_cast<float>(c->image.width), static_cast<float>(y1) / static_cast<float>(c->image.height)));
            if (px >= 6)
                for (Index i = 0; i <= g.patch; ++i) {
                    const float t = static_cast<float>(i) * px;
                    draw->AddLine(ImVec2(z0.x + t, z0.y), ImVec2(z0.x + t, z0.y + zoom_side), IM_COL32(255, 255, 255, 40));
                    draw->AddLine(ImVec2(z0.x, z0.y + t), ImVec2(z0.x + zoom_side, z0.y + t), IM_COL32(255, 255, 255, 40));
                }
            draw->AddRect(z0, ImVec2(z0.x + zoom_side, z0.y + zoom_side), IM_COL32(255, 210, 80, 255), 0, 0, 2);
            Caption(ImVec2(z0.x, z0.y + zoom_side + 4),
                    Printf(Tr(S::VitOrderNote), static_cast<long long>(g.patch), static_cast<long long>(g.patch), static_cast<long long>(g.token_dim),
                           m_spec.order == 0 ? "(c, y, x)" : "(y, x, c)"),
                    zoom_side);
        }
        ImGui::SetCursorScreenPos(ImVec2(tokens_x, top.y + title_h));
        // Top-aligned: the box gets the matrix's own aspect ratio.
        const float tokens_h = std::min(top_h - title_h, tokens_w * static_cast<float>(g.tokens) / static_cast<float>(g.token_dim));
        DrawTokens(*c, ImVec2(tokens_w, std::max(tokens_h, 8.0f)), hovered);
        MarkFigure(top, ImVec2(top.x + avail.x, top.y + top_h));

        // The patch embedding on the operator canvas, opened on the selected patch's first rows
        // (channel-major: rows d = 0 of consecutive patches), where the same kernel row steps
        // along by P columns from patch to patch: the shared weight, visible.
        const float bottom_y = top.y + top_h + gap * 0.5f;
        ImGui::SetCursorScreenPos(ImVec2(top.x, bottom_y));
        const std::string embed_title = Tr(S::VitEmbedTitle);
        const float embed_title_h = CaptionHeight(embed_title, avail.x);
        Caption(ImVec2(top.x, bottom_y), embed_title, avail.x);
        ImGui::SetCursorScreenPos(ImVec2(top.x, bottom_y + embed_title_h));
        const ImVec2 canvas_size(avail.x, top.y + avail.y - bottom_y - embed_title_h);
        const bool chw = m_spec.order == 0;
        const std::pair<std::uint64_t, Index> focus_key{m_task->Generation(), selected};
        if (chw && focus_key != m_focused) {
            m_canvas->ShowFromEntry(selected, rect.y0 * g.w.extent + rect.x0, 8.0);
            m_focused = focus_key;
        }
        CanvasOptions options;
        options.coloring = CanvasColoring::Parameter;
        options.row_title = Tr(chw ? S::VitMatrixRowsChw : S::VitMatrixRowsHwc);
        options.col_title = Tr(chw ? S::VitMatrixColsChw : S::VitMatrixColsHwc);
        options.row_block = chw ? g.tokens : g.embed_dim;
        options.col_block = chw ? g.h.extent * g.w.extent : 0;
        options.stretch = !chw;  // position-major rows are D times the columns: fit both axes
        m_canvas->Draw("embedding", c->embedding, m_task->Generation(), canvas_size, options);
    }
    ImGui::EndChild();
}

}  // namespace

LENS_REGISTER_PANEL(VitPanel, 80, "vit")

}  // namespace lens::app
