// app/panels/model/model_views.cpp: the Trained ViT panel's drawing: the editor column's facts and
// top-5, the crop with an attention overlay (class token, rollout or a chosen patch), the same per
// head for the chosen layer, and the mosaic of every layer x head attention map.
//
// [SECTION] Facts and classes
// [SECTION] Overlay values
// [SECTION] Overlay and mosaic
// [SECTION] Layout
#include <algorithm>
#include <cmath>

#include "../../app_context.hpp"
#include "../../widgets/paragraph.hpp"
#include "model_panel.hpp"

namespace lens::app {

using i18n::S;
using i18n::Tr;

namespace {
long long L(Index v) { return static_cast<long long>(v); }
const char* YesNo(bool b) { return Tr(b ? S::ModelYes : S::ModelNo); }
}  // namespace

// [SECTION] Facts and classes

void ModelPanel::DrawInfo(const ModelComputed* c) {
    if (!m_model) return;
    const VitConfig& cfg = m_model->Config();
    ImGui::Separator();
    ImGui::PushTextWrapPos(0);
    ImGui::Text(Tr(S::ModelLayoutLine), VitLayoutName(cfg.layout), L(cfg.depth), L(cfg.width), L(cfg.heads), cfg.heads_source.c_str(),
                L(cfg.mlp), L(cfg.patch), L(cfg.image_size), L(cfg.image_size), L(cfg.tokens));
    const std::string classes = cfg.head ? Printf(Tr(S::ModelClasses), L(cfg.num_classes)) : std::string(Tr(S::ModelNo));
    ImGui::Text(Tr(S::ModelTokensLine), YesNo(cfg.class_token), YesNo(cfg.dist_token), classes.c_str(), cfg.ln_eps);
    const Count file = m_model->FileParameters(), inferred = m_model->InferredParameters();
    ImGui::Text(Tr(S::ModelParams), FormatExact(file).c_str(), FormatExact(inferred).c_str());
    ImGui::TextUnformatted(Tr(file == inferred ? S::ModelParamsAgree : S::ModelParamsDiffer));
    const std::string resize = cfg.resize_direct
                                   ? Printf(Tr(S::ModelResizeDirect), L(cfg.image_size), L(cfg.image_size))
                                   : Printf(Tr(S::ModelResizeCrop), L(static_cast<Index>(std::floor(static_cast<double>(cfg.image_size) / cfg.crop_pct))),
                                            L(cfg.image_size));
    ImGui::TextDisabled(Tr(S::ModelPreprocessNote), resize.c_str(), static_cast<double>(cfg.mean[0]), static_cast<double>(cfg.mean[1]),
                        static_cast<double>(cfg.mean[2]), static_cast<double>(cfg.std[0]), static_cast<double>(cfg.std[1]),
                        static_cast<double>(cfg.std[2]));
    ImGui::Separator();
    if (!cfg.head) {
        ImGui::TextUnformatted(Tr(S::ModelNoHead));
    } else if (c) {
        ImGui::TextUnformatted(Tr(S::ModelTop5));
        for (std::size_t i = 0; i < c->run.top.size(); ++i) {
            const std::string& name = ClassName(c->run.top[i]);
            const std::string label = name.empty() ? Printf(Tr(S::ModelClassNumber), L(c->run.top[i])) : name;
            ImGui::ProgressBar(c->run.top_prob[i], ImVec2(ImGui::GetFontSize() * 4, 0), Printf("%.1f%%", 100.0 * c->run.top_prob[i]).c_str());
            ImGui::SameLine();
            ImGui::TextUnformatted(label.c_str());
        }
    }
    ImGui::PopTextWrapPos();
}

// [SECTION] Overlay values

std::vector<float> ModelPanel::OverlayValues(const ModelComputed& c, Index layer, Index head) const {
    const VitConfig& cfg = c.run.config;
    const Index n = cfg.tokens, patches = cfg.grid * cfg.grid;
    std::vector<float> values(static_cast<std::size_t>(patches), 0.0f);
    // One query row (or the mean of all rows without a class token) of an N x N matrix, over the patches.
    auto add_row = [&](const float* m, float weight) {
        if (m_overlay != ModelOverlay::Patch && !cfg.class_token) {
            for (Index q = 0; q < n; ++q)
                for (Index p = 0; p < patches; ++p) values[static_cast<std::size_t>(p)] += weight * m[q * n + cfg.prefix + p] / static_cast<float>(n);
            return;
        }
        const Index q = m_overlay == ModelOverlay::Patch ? cfg.prefix + ChosenPatch(cfg) : 0;
        for (Index p = 0; p < patches; ++p) values[static_cast<std::size_t>(p)] += weight * m[q * n + cfg.prefix + p];
    };
    if (m_overlay == ModelOverlay::Rollout) {
        add_row(c.run.rollout.data(), 1.0f);
        return values;
    }
    const float* layer_maps = c.run.attention.data() + layer * cfg.heads * n * n;
    if (head >= 0) {
        add_row(layer_maps + head * n * n, 1.0f);
    } else {
        for (Index h = 0; h < cfg.heads; ++h) add_row(layer_maps + h * n * n, 1.0f / static_cast<float>(cfg.heads));
    }
    return values;
}

// [SECTION] Overlay and mosaic

Index ModelPanel::DrawOverlay(const char* id, const ModelComputed& c, const std::vector<float>& values, ImVec2 at, float size, Index highlight) {
    const VitConfig& cfg = c.run.config;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    ImGui::SetCursorScreenPos(at);
    ImGui::InvisibleButton(id, ImVec2(size, size));
    const bool hovered = ImGui::IsItemHovered();
    draw->AddImage(m_crop_texture.Get().ImId(), at, ImVec2(at.x + size, at.y + size));
    const float peak = std::max(*std::max_element(values.begin(), values.end()), 1e-12f);
    const float cell = size / static_cast<float>(cfg.grid);
    for (Index p = 0; p < static_cast<Index>(values.size()); ++p) {
        const float a = values[static_cast<std::size_t>(p)] / peak;
        const ImVec2 p0(at.x + cell * static_cast<float>(p % cfg.grid), at.y + cell * static_cast<float>(p / cfg.grid));
        draw->AddRectFilled(p0, ImVec2(p0.x + cell, p0.y + cell), IM_COL32(10, 10, 20, static_cast<int>(225 * (1 - std::sqrt(a)))));
    }
    if (highlight >= 0) {
        const ImVec2 q0(at.x + cell * static_cast<float>(highlight % cfg.grid), at.y + cell * static_cast<float>(highlight / cfg.grid));
        draw->AddRect(q0, ImVec2(q0.x + cell, q0.y + cell), IM_COL32(255, 210, 80, 255), 0, 0, 2.0f);
    }
    draw->AddRect(at, ImVec2(at.x + size, at.y + size), IM_COL32(90, 90, 100, 255));
    if (!hovered) return -1;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const Index gx = std::clamp<Index>(static_cast<Index>((mouse.x - at.x) / cell), 0, cfg.grid - 1);
    const Index gy = std::clamp<Index>(static_cast<Index>((mouse.y - at.y) / cell), 0, cfg.grid - 1);
    const Index p = gy * cfg.grid + gx;
    ImGui::SetTooltip(Tr(S::ModelOverlayHover), L(gy), L(gx), static_cast<double>(values[static_cast<std::size_t>(p)]));
    return p;
}

void ModelPanel::DrawMosaic(const ModelComputed& c, ImVec2 at, ImVec2 size) {
    const VitConfig& cfg = c.run.config;
    gfx::ColormapParams viridis;
    viridis.map = gfx::Colormap::Viridis;
    viridis.lo = 0;
    viridis.hi = c.mosaic_hi;
    ImGui::SetCursorScreenPos(at);
    ImVec2 mn, mx;
    m_mosaic_map.Draw("##mosaic", c.mosaic, m_task->Generation(), size, viridis, &mn, &mx);
    const float sx = (mx.x - mn.x) / static_cast<float>(c.mosaic.width), sy = (mx.y - mn.y) / static_cast<float>(c.mosaic.height);
    const float step = static_cast<float>(c.cell + c.gap);
    const Index layer = m_layer < 0 || m_layer >= cfg.depth ? cfg.depth - 1 : m_layer;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    for (Index h = 0; h < cfg.heads; ++h) {
        if (m_head >= 0 && h != m_head) continue;
        const ImVec2 p0(mn.x + sx * step * static_cast<float>(h), mn.y + sy * step * static_cast<float>(layer));
        draw->AddRect(ImVec2(p0.x - 1, p0.y - 1), ImVec2(p0.x + sx * static_cast<float>(c.cell) + 1, p0.y + sy * static_cast<float>(c.cell) + 1),
                      IM_COL32(255, 210, 80, 255), 0, 0, 1.5f);
    }
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    if (mouse.x >= mn.x && mouse.y >= mn.y && mouse.x < mx.x && mouse.y < mx.y && ImGui::IsWindowHovered()) {
        const Index h = std::min<Index>(static_cast<Index>((mouse.x - mn.x) / (sx * step)), cfg.heads - 1);
        const Index l = std::min<Index>(static_cast<Index>((mouse.y - mn.y) / (sy * step)), cfg.depth - 1);
        ImGui::SetTooltip(Tr(S::ModelGridHover), L(l), L(h));
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
            m_layer = l;
            m_head = h;
        }
    }
    MarkFigure(mn, mx);
}

// [SECTION] Layout

void ModelPanel::DrawNoModel(AppContext& context, ImVec2 avail) {
    Paragraph(Tr(S::ModelNone), nullptr, avail.x);
    if (m_preview_version != context.image_version + 1) {
        VitConfig cfg;
        cfg.image_size = 224;
        m_preview = VitCropImage(*context.image, cfg);
        m_preview_version = context.image_version + 1;
        m_preview_texture.Sync(m_preview_version, m_preview.width, m_preview.height, gfx::PixelFormat::Rgb8, m_preview.rgb.data());
    }
    const float side = std::min(ImGui::GetContentRegionAvail().x, ImGui::GetContentRegionAvail().y);
    if (side > 16) ImGui::Image(m_preview_texture.Get().ImId(), ImVec2(side, side));
}

void ModelPanel::DrawViews(AppContext& context, const ModelComputed& c, ImVec2 avail) {
    (void)context;
    const VitConfig& cfg = c.run.config;
    if (m_crop_generation != m_task->Generation()) {
        m_crop_texture.Sync(m_task->Generation(), c.crop.width, c.crop.height, gfx::PixelFormat::Rgb8, c.crop.rgb.data());
        m_crop_generation = m_task->Generation();
    }
    const Index layer = m_layer < 0 || m_layer >= cfg.depth ? cfg.depth - 1 : m_layer;
    const Index head = m_head >= cfg.heads ? -1 : m_head;
    const float gap = ImGui::GetFontSize();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float left_w = std::floor(avail.x * 0.42f);

    // Left: the crop with the overlay, and its caption.
    const char* mode = Tr(m_overlay == ModelOverlay::ClassToken ? S::ModelOverlayClass
                          : m_overlay == ModelOverlay::Rollout  ? S::ModelOverlayRollout
                                                                : S::ModelOverlayPatch);
    const std::string crop_title = Printf(Tr(S::ModelCropTitle), L(cfg.image_size), L(cfg.image_size), mode);
    Caption(top, crop_title, left_w);
    const float title_line = CaptionHeight(crop_title, left_w);
    const float side = std::min(left_w, avail.y * 0.62f - title_line);
    const std::vector<float> values = OverlayValues(c, layer, head);
    const Index chosen = m_overlay == ModelOverlay::Patch ? ChosenPatch(cfg) : -1;
    const Index clicked = DrawOverlay("##crop", c, values, ImVec2(top.x, top.y + title_line), side, chosen);
    if (clicked >= 0 && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
        m_patch = clicked;
        m_overlay = ModelOverlay::Patch;
    }
    const std::string head_text = head < 0 ? std::string(Tr(S::ModelHeadMean)) : Printf(Tr(S::ModelHeadN), L(head));
    const float peak = *std::max_element(values.begin(), values.end());
    std::string caption = Printf(Tr(S::ModelOverlayCaption), static_cast<double>(peak), L(layer), head_text.c_str());
    if (m_overlay == ModelOverlay::Rollout) caption += std::string(" ") + Tr(S::ModelRolloutNote);
    if (!cfg.class_token && m_overlay != ModelOverlay::Patch) caption += std::string(" ") + Tr(S::ModelNoClassNote);
    Caption(ImVec2(top.x, top.y + title_line + side + 4), caption, left_w);

    // Left, below: the same overlay per head of the chosen layer (rollout has no heads: class token).
    const float heads_y = top.y + title_line + side + 4 + CaptionHeight(caption, left_w) + gap * 0.5f;
    const float heads_h = top.y + avail.y - heads_y - line;
    if (heads_h > 24 && m_overlay != ModelOverlay::Rollout) {
        ImGui::SetCursorScreenPos(ImVec2(top.x, heads_y));
        ImGui::TextDisabled(Tr(S::ModelHeadsTitle), L(layer), mode);
        const int count = static_cast<int>(cfg.heads);
        int cols = 1;
        while (cols < count && (left_w / static_cast<float>(cols)) * std::ceil(static_cast<float>(count) / static_cast<float>(cols)) > heads_h) ++cols;
        const float tile = std::min(left_w / static_cast<float>(cols), heads_h) - 3;
        for (int h = 0; h < count; ++h) {
            const ImVec2 at(top.x + static_cast<float>(h % cols) * (tile + 3), heads_y + line + static_cast<float>(h / cols) * (tile + 3));
            const Index hovered = DrawOverlay(("##head" + std::to_string(h)).c_str(), c, OverlayValues(c, layer, h), at, tile, chosen);
            if (hovered >= 0 && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_head = h;
        }
    }

    // Right: every layer x head map.
    const float right_x = top.x + left_w + gap;
    const float right_w = avail.x - left_w - gap;
    ImGui::SetCursorScreenPos(ImVec2(right_x, top.y));
    const std::string title = Tr(S::ModelGridTitle);
    Caption(ImVec2(right_x, top.y), title, right_w);
    const float title_h = CaptionHeight(title, right_w);
    const std::string scale = Printf(Tr(S::ModelGridScale), static_cast<double>(c.mosaic_hi), L(c.cell), L(c.cell));
    const float scale_h = CaptionHeight(scale, right_w);
    const float mosaic_h = avail.y - title_h - scale_h - gap;
    DrawMosaic(c, ImVec2(right_x, top.y + title_h + 4), ImVec2(right_w, mosaic_h));
    Caption(ImVec2(right_x, top.y + title_h + 8 + mosaic_h), scale, right_w);
    ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + avail.y));
}

}  // namespace lens::app
