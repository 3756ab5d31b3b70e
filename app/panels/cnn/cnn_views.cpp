// app/panels/cnn/cnn_views.cpp: the CNN panel's views (cnn_panel.hpp): the layer table, the
// receptive field of the chosen location over the image (with the same spot at every earlier
// layer), the feature maps of the image through the stack, and the parameters / MACs chart.
//
// [SECTION] Table
// [SECTION] Receptive field over the image
// [SECTION] Feature maps
// [SECTION] Chart
#include "cnn_panel.hpp"

#include <cmath>
#include <cstdio>

namespace lens::app::cnn {

// [SECTION] Table

static void RightAligned(const std::string& text) {
    const float w = ImGui::CalcTextSize(text.c_str()).x;
    const float avail = ImGui::GetContentRegionAvail().x;
    if (avail > w) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + avail - w);
    ImGui::TextUnformatted(text.c_str());
}

void CnnPanel::DrawTable(const CnnStats& stats, float height) {
    const CnnQuery q = ResolvedQuery(stats);
    // Cells as text first, so that every column gets the width of its widest entry (numbers are
    // never cut); the layer column takes what is left, and a narrow window scrolls sideways.
    constexpr int kColumns = 9;
    struct Row {
        std::string cells[kColumns];
        Index layer = -1;  // -1: the input or the total row
        bool total = false;
    };
    std::vector<Row> rows;
    rows.reserve(stats.layers.size() + 2);
    rows.push_back({{"0", Tr(S::CnnRowInput), ShapeText(stats.input), "-", "-", "-", "1", "1", "0"}, -1, false});
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        rows.push_back({{std::to_string(i + 1), st.text, ShapeText(st.out), FormatExact(st.parameters), FormatExact(st.macs),
                         FormatExact(st.activations), st.field_y.global ? std::string(Tr(S::CnnGlobal)) : FieldSizeText(st),
                         JumpPairText(st), StartText(st)},
                        static_cast<Index>(i), false});
    }
    rows.push_back({{"", Tr(S::CnnRowTotal), ShapeText(stats.out), FormatExact(stats.parameters), FormatExact(stats.macs),
                     FormatExact(stats.activations), "", "", ""},
                    -1, true});
    const S headers[kColumns] = {S::CnnColNumber, S::CnnColLayer, S::CnnColOutput, S::CnnColParameters, S::CnnColMacs,
                                 S::CnnColActivations, S::CnnColField, S::CnnColJump, S::CnnColStart};
    float widths[kColumns];
    float total_w = 0;
    const ImGuiStyle& style = ImGui::GetStyle();
    for (int c = 0; c < kColumns; ++c) {
        widths[c] = ImGui::CalcTextSize(Tr(headers[c])).x;
        for (const Row& r : rows) widths[c] = std::max(widths[c], ImGui::CalcTextSize(r.cells[c].c_str()).x);
        widths[c] += ImGui::GetFontSize() * 0.15f;
        total_w += widths[c] + style.CellPadding.x * 2 + 1;
    }
    const float row_h = ImGui::GetTextLineHeight() + style.CellPadding.y * 2;
    const bool scrolls = row_h * static_cast<float>(rows.size() + 1) > height;
    const float avail = ImGui::GetContentRegionAvail().x - (scrolls ? style.ScrollbarSize : 0.0f) - 2;
    if (total_w < avail) widths[1] += avail - total_w;
    ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                            ImGuiTableFlags_BordersOuterH | ImGuiTableFlags_SizingFixedFit;
    if (total_w > avail) flags |= ImGuiTableFlags_ScrollX;
    if (!ImGui::BeginTable("##stages", kColumns, flags, ImVec2(0, height))) return;
    ImGui::TableSetupScrollFreeze(1, 1);
    for (int c = 0; c < kColumns; ++c) ImGui::TableSetupColumn(Tr(headers[c]), ImGuiTableColumnFlags_WidthFixed, widths[c]);
    ImGui::TableHeadersRow();
    for (const Row& r : rows) {
        ImGui::TableNextRow();
        const bool selected = r.layer >= 0 && r.layer == q.layer;
        for (int c = 0; c < kColumns; ++c) {
            ImGui::TableSetColumnIndex(c);
            if (c == 0 && r.layer >= 0) {
                if (ImGui::Selectable(r.cells[0].c_str(), selected, ImGuiSelectableFlags_SpanAllColumns)) SelectLayer(stats, r.layer);
                if (selected && m_scroll_to_query) ImGui::SetScrollHereY(0.5f);
                continue;
            }
            const bool dim = r.layer < 0 && !r.total && c <= 1;
            if (r.total && c == 1) ImGui::PushStyleColor(ImGuiCol_Text, kNoteColor);
            else if (dim) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
            if (c >= 3) RightAligned(r.cells[c]);
            else ImGui::TextUnformatted(r.cells[c].c_str());
            if ((r.total && c == 1) || dim) ImGui::PopStyleColor();
        }
    }
    m_scroll_to_query = false;
    ImGui::EndTable();
}

// [SECTION] Receptive field over the image

static void DashedRect(ImDrawList* draw, ImVec2 a, ImVec2 b, ImU32 color, float thickness) {
    const float dash = thickness * 4.5f, gap = thickness * 3.5f;
    auto line = [&](ImVec2 p, ImVec2 q) {
        const float len = std::hypot(q.x - p.x, q.y - p.y);
        if (len <= 0) return;
        const ImVec2 d((q.x - p.x) / len, (q.y - p.y) / len);
        for (float t = 0; t < len; t += dash + gap) {
            const float e = std::min(t + dash, len);
            draw->AddLine(ImVec2(p.x + d.x * t, p.y + d.y * t), ImVec2(p.x + d.x * e, p.y + d.y * e), color, thickness);
        }
    };
    line(a, ImVec2(b.x, a.y));
    line(ImVec2(b.x, a.y), b);
    line(b, ImVec2(a.x, b.y));
    line(ImVec2(a.x, b.y), a);
}

void CnnPanel::DrawReceptiveField(AppContext& context, const CnnStats& stats, ImVec2 size) {
    const Image& image = *context.image;
    const float ui = context.ui_scale;  // line widths follow the UI (and figure-export) scale
    m_image_texture.Sync(context.image_version + 1, image.width, image.height, gfx::PixelFormat::Rgb8, image.rgb.data());
    const CnnQuery q = ResolvedQuery(stats);
    const std::vector<CnnAncestor> chain = CnnAncestors(stats, q);
    if (chain.empty()) return;
    const CnnAncestor& chosen = chain.back();
    const CnnLayerStats& layer = stats.layers[static_cast<size_t>(q.layer)];
    const double in_h = static_cast<double>(stats.input.h), in_w = static_cast<double>(stats.input.w);

    WrappedDisabled(Fmt(Tr(S::CnnImageCaption), LL(stats.input.h), LL(stats.input.w)).c_str());
    // The legend's lines, measured first so that the picture gets exactly the rest of the height.
    const PixelRegion& c = chosen.region.clipped;
    const PixelRegion& u = chosen.region.unclipped;
    const std::string title = c.Empty() ? Fmt(Tr(S::CnnRegionOnlyPadding), LL(q.layer + 1), layer.text.c_str(), LL(q.y), LL(q.x))
                                        : Fmt(Tr(S::CnnRegionTitle), LL(q.layer + 1), layer.text.c_str(), LL(q.y), LL(q.x), LL(c.y0),
                                              LL(c.y1 - 1), LL(c.x0), LL(c.x1 - 1), LL(c.y1 - c.y0), LL(c.x1 - c.x0));
    const std::string unclipped = !(u == c) && !u.Empty()
                                      ? Fmt(Tr(S::CnnRegionUnclipped), LL(u.y0), LL(u.y1 - 1), LL(u.x0), LL(u.x1 - 1), LL(u.y1 - u.y0), LL(u.x1 - u.x0))
                                      : std::string(Tr(S::CnnRegionInside));
    const std::string frames = q.layer > 0 ? Fmt(Tr(S::CnnRegionLegend), LL(q.layer + 1)) : std::string();
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    float legend_h = spacing * 2;
    for (const std::string* text : {&title, &unclipped, &frames})
        if (!text->empty()) legend_h += ImGui::CalcTextSize(text->c_str(), nullptr, false, size.x).y + spacing;
    if (q.layer > 0) legend_h += ImGui::GetFontSize() + spacing;
    ImVec2 box(size.x, std::max(ImGui::GetContentRegionAvail().y - legend_h, 40.0f));
    // World rectangle (input pixels): the image plus the unclipped region, so that the padding the
    // textbook region reaches into is visible; at most half an image beyond each side.
    const double wy0 = std::max(std::min(0.0, static_cast<double>(u.y0)), -0.5 * in_h);
    const double wx0 = std::max(std::min(0.0, static_cast<double>(u.x0)), -0.5 * in_w);
    const double wy1 = std::min(std::max(in_h, static_cast<double>(u.y1)), 1.5 * in_h);
    const double wx1 = std::min(std::max(in_w, static_cast<double>(u.x1)), 1.5 * in_w);
    const double scale = std::min(box.x / (wx1 - wx0), box.y / (wy1 - wy0));
    box.y = std::min(box.y, static_cast<float>((wy1 - wy0) * scale) + 1);  // the legend follows the picture
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float ox = top.x + static_cast<float>((box.x - (wx1 - wx0) * scale) * 0.5);
    auto at = [&](double y, double x) {
        return ImVec2(ox + static_cast<float>((x - wx0) * scale), top.y + static_cast<float>((y - wy0) * scale));
    };
    ImGui::InvisibleButton("##rf", box);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->PushClipRect(top, ImVec2(top.x + box.x, top.y + box.y), true);
    // Padding: a dark hatched margin around the image.
    const ImVec2 w0 = at(wy0, wx0), w1 = at(wy1, wx1);
    draw->AddRectFilled(w0, w1, IM_COL32(28, 29, 34, 255));
    draw->PushClipRect(w0, w1, true);
    for (float d = 0; d < (w1.x - w0.x) + (w1.y - w0.y); d += 9)
        draw->AddLine(ImVec2(w0.x + d, w0.y), ImVec2(w0.x, w0.y + d), IM_COL32(255, 255, 255, 14));
    draw->PopClipRect();
    const ImVec2 i0 = at(0, 0), i1 = at(in_h, in_w);
    draw->AddImage(m_image_texture.Get().ImId(), i0, i1);
    // Dim what the chosen location does not see.
    const ImU32 dim = IM_COL32(8, 8, 14, 150);
    if (!c.Empty()) {
        const ImVec2 c0 = at(static_cast<double>(c.y0), static_cast<double>(c.x0)), c1 = at(static_cast<double>(c.y1), static_cast<double>(c.x1));
        draw->AddRectFilled(i0, ImVec2(i1.x, c0.y), dim);
        draw->AddRectFilled(ImVec2(i0.x, c1.y), i1, dim);
        draw->AddRectFilled(ImVec2(i0.x, c0.y), ImVec2(c0.x, c1.y), dim);
        draw->AddRectFilled(ImVec2(c1.x, c0.y), ImVec2(i1.x, c1.y), dim);
    } else {
        draw->AddRectFilled(i0, i1, dim);
    }
    draw->AddRect(ImVec2(i0.x - 1, i0.y - 1), ImVec2(i1.x + 1, i1.y + 1), IM_COL32(150, 150, 165, 255));
    // The same spot at every earlier layer, inside out: thin frames in the layer's colour.
    for (size_t k = 0; k + 1 < chain.size(); ++k) {
        const PixelRegion& r = chain[k].region.clipped;
        if (r.Empty()) continue;
        draw->AddRect(at(static_cast<double>(r.y0), static_cast<double>(r.x0)), at(static_cast<double>(r.y1), static_cast<double>(r.x1)),
                      LayerColor(chain[k].layer, q.layer), 0, 0, 1.5f * ui);
    }
    // The chosen location: the unclipped region dashed, the clipped one thick over a dark outline.
    const ImU32 chosen_color = LayerColor(q.layer, q.layer);
    if (!(u == c) && !u.Empty())
        DashedRect(draw, at(static_cast<double>(u.y0), static_cast<double>(u.x0)), at(static_cast<double>(u.y1), static_cast<double>(u.x1)),
                   IM_COL32(255, 255, 255, 230), 1.5f * ui);
    if (!c.Empty()) {
        const ImVec2 c0 = at(static_cast<double>(c.y0), static_cast<double>(c.x0)), c1 = at(static_cast<double>(c.y1), static_cast<double>(c.x1));
        draw->AddRect(c0, c1, IM_COL32(0, 0, 0, 200), 0, 0, 5.0f * ui);
        draw->AddRect(c0, c1, chosen_color, 0, 0, 2.5f * ui);
    }
    draw->PopClipRect();
    if (hovered) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const double py = wy0 + (mouse.y - top.y) / scale, px = wx0 + (mouse.x - ox) / scale;
        if (py >= 0 && px >= 0 && py < in_h && px < in_w) {
            ImGui::SetTooltip(Tr(S::CnnRegionHover), static_cast<long long>(py), static_cast<long long>(px), LL(q.layer + 1));
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left))
                SetQuery({q.layer, CnnNearestOnAxis(stats, q.layer, true, std::floor(py)), CnnNearestOnAxis(stats, q.layer, false, std::floor(px))});
        }
    }

    // Legend.
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + size.x);
    ImGui::TextColored(c.Empty() ? kNoteColor : ImGui::ColorConvertU32ToFloat4(chosen_color), "%s", title.c_str());
    ImGui::TextDisabled("%s", unclipped.c_str());
    if (q.layer > 0) {
        ImGui::TextDisabled("%s", frames.c_str());
        // One swatch per layer, numbered where there is room.
        const float sw = std::min(ImGui::GetFontSize() * 1.6f, size.x / static_cast<float>(q.layer + 1));
        const ImVec2 p = ImGui::GetCursorScreenPos();
        ImDrawList* d = ImGui::GetWindowDrawList();
        for (Index j = 0; j <= q.layer; ++j) {
            const ImVec2 a(p.x + sw * static_cast<float>(j), p.y);
            d->AddRectFilled(a, ImVec2(a.x + sw - 1, a.y + ImGui::GetFontSize()), LayerColor(j, q.layer));
            char n[24];
            std::snprintf(n, sizeof n, "%lld", LL(j + 1));
            const ImVec2 ts = ImGui::CalcTextSize(n);
            if (ts.x + 2 < sw) d->AddText(ImVec2(a.x + (sw - 1 - ts.x) * 0.5f, a.y), IM_COL32(20, 20, 24, 255), n);
        }
        ImGui::Dummy(ImVec2(sw * static_cast<float>(q.layer + 1), ImGui::GetFontSize()));
    }
    ImGui::PopTextWrapPos();
}

// [SECTION] Feature maps

void CnnPanel::DrawFeatures(AppContext& context, const CnnStats& stats, ImVec2 size) {
    ForwardKey key{*m_valid_spec, context.image_version, m_kernel, m_kernel == 0 ? m_seed : 0};
    auto image = context.image;
    m_features->Request(key, [key, image](TaskContext& task) { return ComputeFeatures(key, image, task); });
    m_features->Poll();
    const CnnFeatureMaps* maps = m_features->Current();
    // The shown maps belong to the current stack (not an older one still shown while recomputing).
    const bool current = maps && m_features->CurrentKey() && *m_features->CurrentKey() == key;
    std::vector<std::string> notes;
    if (stats.input.c != 3) notes.push_back(Tr(S::CnnFeaturesInput));
    if (maps) {
        const CnnForwardPlan& plan = maps->plan;
        if (plan.stop == CnnPlanStop::Linear && plan.prefix > 0)
            notes.push_back(Fmt(Tr(S::CnnFeaturesStopLinear), LL(plan.prefix + 1), LL(plan.prefix + 1)));
        if (plan.stop == CnnPlanStop::Parameters)
            notes.push_back(Fmt(Tr(S::CnnFeaturesStopParameters), LL(plan.prefix + 1), FormatExact(kBudget.max_parameters).c_str()));
        if (plan.stop == CnnPlanStop::Budget)
            notes.push_back(Fmt(Tr(S::CnnFeaturesStopBudget), LL(plan.prefix + 1), FormatSI(static_cast<double>(kBudget.max_macs)).c_str()));
        if (plan.downscaled)
            notes.push_back(Fmt(Tr(S::CnnFeaturesDownscaled), LL(plan.run.in_h), LL(plan.run.in_w), LL(maps->full_h), LL(maps->full_w),
                                FormatSI(static_cast<double>(plan.full_macs)).c_str(), FormatSI(static_cast<double>(kBudget.max_macs)).c_str()));
    }
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + size.x);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextUnformatted(Tr(S::CnnFeaturesNote));
    ImGui::PopStyleColor();
    for (const auto& n : notes) ImGui::TextColored(kNoteColor, "%s", n.c_str());
    ImGui::PopTextWrapPos();
    if (!m_features->Error().empty()) WrappedColored(kErrorColor, m_features->Error());
    if (m_features->Busy()) ImGui::TextColored(kNoteColor, Tr(S::CnnFeaturesRunning), static_cast<int>(m_features->Progress() * 100));
    if (!maps) return;
    const CnnForwardPlan& plan = maps->plan;
    if (plan.prefix == 0 && plan.stop == CnnPlanStop::Linear) {
        WrappedColored(kErrorColor, Tr(S::CnnFeaturesNone));
        return;
    }
    if (plan.too_large) {
        WrappedColored(kErrorColor, Fmt(Tr(S::CnnFeaturesTooLarge), LL(plan.min_h), LL(plan.min_w), FormatExact(plan.min_macs).c_str(),
                                        FormatExact(plan.min_elements).c_str(), FormatExact(kBudget.max_macs).c_str(),
                                        FormatExact(kBudget.max_elements).c_str()));
        return;
    }

    const CnnQuery q = ResolvedQuery(stats);
    const std::vector<CnnAncestor> chain = current ? CnnAncestors(stats, q) : std::vector<CnnAncestor>{};
    ImGui::BeginChild("##maps", ImVec2(0, 0), false);
    const float avail_w = ImGui::GetContentRegionAvail().x;
    // The label column is as wide as the widest label (within bounds); labels never run under the maps.
    float widest = ImGui::GetFontSize() * 7;
    for (size_t i = 0; i < maps->layers.size() && i < stats.layers.size(); ++i) {
        char label[96];
        std::snprintf(label, sizeof label, "%zu  %s", i + 1, stats.layers[i].text.c_str());
        widest = std::max(widest, ImGui::CalcTextSize(label).x);
    }
    const float label_w = std::min(widest + ImGui::GetFontSize() * 0.8f, avail_w * 0.4f);
    const float tile = std::clamp((avail_w - label_w) / static_cast<float>(kCnnShownChannels) - 2.0f, 24.0f, ImGui::GetFontSize() * 8.0f);
    const std::uint64_t gen = m_features->Generation();
    if (m_maps.size() < maps->layers.size()) m_maps.resize(maps->layers.size());
    for (size_t i = 0; i < maps->layers.size(); ++i) {
        const CnnLayerMaps& lm = maps->layers[i];
        const CnnLayerStats& st = stats.layers[std::min(i, stats.layers.size() - 1)];
        const float row_h = lm.strip ? ImGui::GetFontSize() * 3.2f : std::max(tile, ImGui::GetTextLineHeightWithSpacing() * 3.2f);
        const ImVec2 row0 = ImGui::GetCursorScreenPos();
        // Rows off screen are skipped (their heatmaps would upload textures for nothing).
        if (!ImGui::IsRectVisible(row0, ImVec2(row0.x + avail_w, row0.y + row_h))) {
            ImGui::Dummy(ImVec2(avail_w, row_h));
            continue;
        }
        const bool is_query = current && static_cast<Index>(i) == q.layer;
        ImGui::PushClipRect(row0, ImVec2(row0.x + label_w - 4, row0.y + row_h), true);
        ImGui::BeginGroup();
        ImGui::TextColored(is_query ? ImGui::ColorConvertU32ToFloat4(LayerColor(q.layer, q.layer)) : ImGui::GetStyleColorVec4(ImGuiCol_Text),
                           "%lld  %s", LL(static_cast<Index>(i) + 1), st.text.c_str());
        ImGui::TextDisabled(Tr(S::CnnFeaturesRow), LL(st.out.c), LL(st.out.h), LL(st.out.w));
        if (lm.strip) ImGui::TextDisabled(Tr(S::CnnFeaturesChannels), lm.shown - 1);
        else if (plan.downscaled) ImGui::TextDisabled(Tr(S::CnnFeaturesRun), LL(lm.shape.h), LL(lm.shape.w));
        ImGui::EndGroup();
        ImGui::PopClipRect();
        ImGui::SetCursorScreenPos(ImVec2(row0.x + label_w, row0.y));
        if (!m_maps[i]) m_maps[i] = std::make_unique<Heatmap>();
        gfx::ColormapParams params;
        if (lm.lo < 0) {
            params.map = gfx::Colormap::Diverging;
            const float m = std::max({std::fabs(lm.lo), std::fabs(lm.hi), 1e-12f});
            params.lo = -m;
            params.hi = m;
        } else {
            params.map = gfx::Colormap::Greys;
            params.lo = 0;
            params.hi = std::max(lm.hi, 1e-12f);
            params.zero_rgba[0] = params.zero_rgba[1] = params.zero_rgba[2] = 0.0f;
        }
        const float strip_h = ImGui::GetFontSize() * 1.4f;
        const ImVec2 box = lm.strip ? ImVec2(avail_w - label_w, strip_h) : ImVec2(avail_w - label_w, row_h - 2);
        ImVec2 mn, mx;
        char id[24];
        std::snprintf(id, sizeof id, "map%zu", i);
        m_maps[i]->Draw(id, lm.mosaic, gen, box, params, &mn, &mx);
        const bool hovered = ImGui::IsItemHovered();
        // The chosen location (this layer) or the same spot (earlier layers), in each tile.
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const float px = lm.mosaic.width > 0 ? (mx.x - mn.x) / static_cast<float>(lm.mosaic.width) : 0;
        if (!lm.strip && i < chain.size() && static_cast<Index>(i) <= q.layer) {
            const CnnAncestor& a = chain[i];
            const Index ry = a.y * lm.shape.h / std::max<Index>(1, st.out.h), rx = a.x * lm.shape.w / std::max<Index>(1, st.out.w);
            for (int t = 0; t < lm.shown; ++t) {
                const float tx = mn.x + px * static_cast<float>(t * (static_cast<int>(lm.shape.w) + lm.gap));
                const ImVec2 a0(tx + px * static_cast<float>(rx), mn.y + px * static_cast<float>(ry));
                const ImVec2 a1(std::max(a0.x + px, a0.x + 3), std::max(a0.y + px, a0.y + 3));
                draw->AddRect(ImVec2(a0.x - 1, a0.y - 1), ImVec2(a1.x + 1, a1.y + 1), IM_COL32(0, 0, 0, 220), 0, 0, 3.0f * context.ui_scale);
                draw->AddRect(ImVec2(a0.x - 1, a0.y - 1), ImVec2(a1.x + 1, a1.y + 1), LayerColor(a.layer, q.layer), 0, 0,
                              1.5f * context.ui_scale);
            }
        }
        if (hovered && px > 0) {
            const ImVec2 mouse = ImGui::GetIO().MousePos;
            const int mxp = static_cast<int>((mouse.x - mn.x) / px), myp = static_cast<int>((mouse.y - mn.y) / px);
            int t = 0, lx = mxp;
            if (!lm.strip) {
                t = mxp / (static_cast<int>(lm.shape.w) + lm.gap);
                lx = mxp - t * (static_cast<int>(lm.shape.w) + lm.gap);
            }
            const bool inside = lm.strip ? (mxp >= 0 && mxp < lm.shown) : (t >= 0 && t < lm.shown && lx >= 0 && lx < lm.shape.w && myp >= 0 && myp < lm.shape.h);
            if (inside) {
                const int channel = lm.strip ? mxp : t;
                const Index ry = lm.strip ? 0 : myp, rx = lm.strip ? 0 : lx;
                const float v = lm.mosaic.At(mxp, lm.strip ? 0 : myp);
                ImGui::SetTooltip(Tr(S::CnnFeaturesHover), channel, LL(ry), LL(rx), static_cast<double>(v));
                if (ImGui::IsMouseClicked(ImGuiMouseButton_Left) && i < stats.layers.size()) {
                    // Back to the stack's own map size (the run may be downscaled).
                    const Index fy = std::min<Index>(st.out.h - 1, (2 * ry + 1) * st.out.h / std::max<Index>(1, 2 * lm.shape.h));
                    const Index fx = std::min<Index>(st.out.w - 1, (2 * rx + 1) * st.out.w / std::max<Index>(1, 2 * lm.shape.w));
                    SetQuery({static_cast<Index>(i), fy, fx});
                    m_scroll_to_query = true;
                }
            }
        }
        ImGui::SetCursorScreenPos(ImVec2(row0.x, row0.y + row_h + 4));
        ImGui::Dummy(ImVec2(avail_w, 0));
    }
    if (plan.prefix < static_cast<Index>(stats.layers.size()) && current) ImGui::TextDisabled("...");
    ImGui::EndChild();
}

// [SECTION] Chart

// Parameters and MACs per layer as paired bars on a log axis, the chosen layer highlighted.
void CnnPanel::DrawChart(const CnnStats& stats, ImVec2 size) {
    WrappedDisabled(Tr(S::CnnChartNote));
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 box(std::max(avail.x, 80.0f), std::max(std::min(avail.y, size.y), 80.0f));
    ImGui::InvisibleButton("##chart", box);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float font = ImGui::GetFontSize();
    const ImVec2 p0(origin.x + font * 3.4f, origin.y + font * 2.0f), p1(origin.x + box.x - font * 0.5f, origin.y + box.y - font * 2.4f);
    draw->AddRectFilled(p0, p1, IM_COL32(24, 25, 30, 255));
    const Index n = static_cast<Index>(stats.layers.size());
    double top = 1;
    for (const auto& st : stats.layers) top = std::max({top, static_cast<double>(st.parameters), static_cast<double>(st.macs)});
    const int decades = std::max(1, static_cast<int>(std::ceil(std::log10(top))));
    auto y_of = [&](double v) {
        const double t = v <= 1 ? 0.0 : std::log10(v) / decades;
        return p1.y - static_cast<float>(t) * (p1.y - p0.y);
    };
    const ImU32 grid = IM_COL32(255, 255, 255, 24), text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const int step = decades > 8 ? 2 : 1;
    for (int d = 0; d <= decades; d += step) {
        const float y = y_of(std::pow(10.0, d));
        draw->AddLine(ImVec2(p0.x, y), ImVec2(p1.x, y), grid);
        char label[24];
        std::snprintf(label, sizeof label, "1e%d", d);
        const ImVec2 ts = ImGui::CalcTextSize(label);
        draw->AddText(ImVec2(p0.x - ts.x - 4, y - ts.y * 0.5f), text, label);
    }
    const CnnQuery q = ResolvedQuery(stats);
    const float slot = (p1.x - p0.x) / static_cast<float>(std::max<Index>(n, 1));
    const ImU32 param_color = IM_COL32(120, 200, 255, 255), mac_color = IM_COL32(255, 160, 90, 255);
    Index hover = -1;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const int label_every = std::max(1, static_cast<int>(std::ceil(ImGui::CalcTextSize("888").x / std::max(slot, 1.0f))));
    for (Index i = 0; i < n; ++i) {
        const CnnLayerStats& st = stats.layers[static_cast<size_t>(i)];
        const float x = p0.x + slot * static_cast<float>(i);
        if (i == q.layer) draw->AddRectFilled(ImVec2(x, p0.y), ImVec2(x + slot, p1.y), IM_COL32(255, 210, 90, 40));
        if (hovered && mouse.x >= x && mouse.x < x + slot && mouse.y >= p0.y && mouse.y < p1.y) {
            hover = i;
            draw->AddRectFilled(ImVec2(x, p0.y), ImVec2(x + slot, p1.y), IM_COL32(255, 255, 255, 20));
        }
        const float bw = std::max(1.0f, slot * 0.36f), gap = slot * 0.1f;
        if (st.parameters > 0) draw->AddRectFilled(ImVec2(x + gap, y_of(static_cast<double>(st.parameters))), ImVec2(x + gap + bw, p1.y), param_color);
        if (st.macs > 0) draw->AddRectFilled(ImVec2(x + gap + bw, y_of(static_cast<double>(st.macs))), ImVec2(x + gap + 2 * bw, p1.y), mac_color);
        if (i % label_every == 0 || i == q.layer) {
            char label[24];
            std::snprintf(label, sizeof label, "%lld", LL(i + 1));
            const ImVec2 ts = ImGui::CalcTextSize(label);
            draw->AddText(ImVec2(x + (slot - ts.x) * 0.5f, p1.y + 2), i == q.layer ? IM_COL32(255, 210, 90, 255) : text, label);
        }
    }
    draw->AddRect(p0, p1, IM_COL32(70, 72, 84, 255));
    const char* axis = Tr(S::CnnChartLayer);
    const ImVec2 ats = ImGui::CalcTextSize(axis);
    draw->AddText(ImVec2((p0.x + p1.x - ats.x) * 0.5f, p1.y + font * 1.2f), text, axis);
    draw->AddText(ImVec2(origin.x, origin.y), text, Tr(S::CnnChartAxis));
    // Legend, top right, above the plot.
    float lx = p1.x;
    for (const auto& [label, color] : {std::pair<const char*, ImU32>{Tr(S::CnnChartMacs), mac_color}, {Tr(S::CnnChartParameters), param_color}}) {
        const ImVec2 ts = ImGui::CalcTextSize(label);
        lx -= ts.x;
        draw->AddText(ImVec2(lx, origin.y), IM_COL32(230, 230, 235, 255), label);
        lx -= font * 1.1f;
        draw->AddRectFilled(ImVec2(lx, origin.y + font * 0.2f), ImVec2(lx + font * 0.8f, origin.y + font), color);
        lx -= font * 1.2f;
    }
    MarkFigure(origin, ImVec2(origin.x + box.x, origin.y + box.y));
    if (hover >= 0) {
        const CnnLayerStats& st = stats.layers[static_cast<size_t>(hover)];
        ImGui::SetTooltip(Tr(S::CnnChartHover), LL(hover + 1), st.text.c_str(), FormatExact(st.parameters).c_str(), FormatExact(st.macs).c_str());
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
            SelectLayer(stats, hover);
            m_scroll_to_query = true;
        }
    }
}

}  // namespace lens::app::cnn
