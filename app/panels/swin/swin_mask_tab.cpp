// app/panels/swin/swin_mask_tab.cpp: the Swin panel's "Mask and position" tab: the selected
// window's tokens where they come from in the image, shaded by the query's attention; the window as
// gathered; its M^2 x M^2 mask, relative position index and attention (one head).
#include <set>

#include "../../widgets/paragraph.hpp"
#include "swin_panel.hpp"

namespace lens::app::swin {

using i18n::S;
using i18n::Tr;

void SwinPanel::DrawMaskTab(const SwinBase& b, ImVec2 avail) {
    const SwinWindowLayout& l = b.geometry->layout;
    const Index m = l.window, n = m * m;
    const float font = ImGui::GetFontSize();
    const float gap = font;
    if (m > kHeatmapMaxWindow) {
        ImGui::PushTextWrapPos(0);
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinHeatmapTooLarge), static_cast<long long>(n), static_cast<long long>(n),
                           static_cast<long long>(kHeatmapMaxWindow)));
        ImGui::PopTextWrapPos();
        return;
    }
    // Fixed for the whole frame: clicks below change the selection for the next one.
    MaskView v;
    v.selected = WindowOf(l);
    v.query = QueryOf(l);
    v.tokens = WindowSourcePatches(l, v.selected);
    if (v.tokens.empty()) return;
    SyncMask(b, v);
    const SwinWindowAttention* att = m_attention->Current();
    const AttentionKey* att_key = m_attention->CurrentKey();
    v.att = att;
    v.att_current = att && att_key && att->result && att_key->window_index == v.selected && att_key->base == m_base->Generation();
    v.row = v.att_current ? att->result->attention.data() + v.query * n : nullptr;

    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float top_h = avail.y * 0.5f;
    // Three columns: the image, the window as gathered, the numbers.
    const float image_col = avail.x * 0.36f, mosaic_col = avail.x * 0.26f;
    const std::string overlay_caption = Tr(S::SwinOverlayTitle);
    const std::string mosaic_caption = Fmt(Tr(S::SwinMosaicShort), static_cast<long long>(v.selected));
    const float cap_h = std::max(CaptionHeight(overlay_caption, image_col), CaptionHeight(mosaic_caption, mosaic_col));
    DrawMaskOverlay(b, v, top, image_col, top_h, cap_h, overlay_caption);
    MarkFigure(top, ImVec2(top.x + avail.x, top.y + top_h));

    // The window as gathered (rolled frame), the same shading; then the numbers.
    const float mosaic_x = top.x + image_col + gap;
    const float mosaic_side = std::max(16.0f, std::min(top_h - cap_h, mosaic_col - gap));
    Caption(ImVec2(mosaic_x, top.y), mosaic_caption, mosaic_col - gap);
    ImGui::SetCursorScreenPos(ImVec2(mosaic_x, top.y + cap_h));
    if (auto s = DrawWindowMosaic(b, v.selected, ImVec2(mosaic_side, mosaic_side), v.row, v.query); s && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_selection.query = *s;
    const float text_x = mosaic_x + mosaic_col;
    ImGui::SetCursorScreenPos(ImVec2(text_x, top.y));
    ImGui::BeginChild("##mask_text", ImVec2(top.x + avail.x - text_x, top_h), false);
    DrawMaskText(b, v);
    ImGui::EndChild();

    // Bottom row: the mask, the relative position index, the window's attention.
    const float bottom_y = top.y + top_h + gap * 0.5f;
    DrawMaskMaps(v, l, ImVec2(top.x, bottom_y), ImVec2(avail.x, top.y + avail.y - bottom_y));
}

// The selected window's mask, from the labels (0 within a region, -100 across), and its texture.
void SwinPanel::SyncMask(const SwinBase& b, const MaskView& v) {
    const Index m = b.geometry->layout.window, n = m * m, selected = v.selected;
    const std::vector<SwinWindowToken>& tokens = v.tokens;
    const std::pair<std::uint64_t, Index> mask_key{m_base->Generation(), selected};
    if (mask_key != m_mask_for) {
        m_mask = WindowMaskOf(b.labels, m, selected);
        m_mask_for = mask_key;
        std::vector<std::uint8_t> rgba(static_cast<size_t>(n * n) * 4, 0);
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j) {
                const size_t e = static_cast<size_t>(i * n + j);
                const bool allowed = e < m_mask.size() && m_mask[e] == 0.0f;
                const ImU32 c = !allowed ? IM_COL32(28, 28, 34, 255) : m_labels_shown ? LabelColor(tokens[static_cast<size_t>(i)].label) : IM_COL32(200, 205, 215, 255);
                rgba[e * 4 + 0] = static_cast<std::uint8_t>((c >> IM_COL32_R_SHIFT) & 0xFF);
                rgba[e * 4 + 1] = static_cast<std::uint8_t>((c >> IM_COL32_G_SHIFT) & 0xFF);
                rgba[e * 4 + 2] = static_cast<std::uint8_t>((c >> IM_COL32_B_SHIFT) & 0xFF);
                rgba[e * 4 + 3] = 255;
            }
        m_mask_texture.Sync(++m_mask_uploads, static_cast<int>(n), static_cast<int>(n),
                            gfx::PixelFormat::Rgba8, rgba.data(), gfx::Filter::Nearest);
    }
}

// The image with the window's tokens where they come from, shaded by the query's attention.
void SwinPanel::DrawMaskOverlay(const SwinBase& b, const MaskView& v, ImVec2 top, float image_col, float top_h, float cap_h,
                                const std::string& overlay_caption) {
    const SwinWindowLayout& l = b.geometry->layout;
    const Index m = l.window, n = m * m;
    const Index selected = v.selected, query = v.query;
    const std::vector<SwinWindowToken>& tokens = v.tokens;
    const float* row = v.row;
    GridFrame f;
    f.rows = l.padded_h;
    f.cols = l.padded_w;
    const float image_box = std::max(16.0f, std::min(top_h - cap_h, image_col));
    f.cell = std::max(0.05f, image_box / static_cast<float>(std::max(f.rows, f.cols)));
    Caption(top, overlay_caption, image_col);
    f.origin = ImVec2(top.x, top.y + cap_h);
    ImGui::SetCursorScreenPos(f.origin);
    ImGui::InvisibleButton("##overlay", ImVec2(f.cell * static_cast<float>(f.cols), f.cell * static_cast<float>(f.rows)));
    const bool over_hovered = ImGui::IsItemHovered();
    const bool over_clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    DrawGridBackground(draw, f);
    DrawImageLayer(draw, b, f, 0, 0);
    draw->AddRectFilled(f.origin, f.Max(), IM_COL32(8, 8, 14, 175));
    float peak = 1e-9f;
    if (row)
        for (Index s = 0; s < n; ++s) peak = std::max(peak, row[s]);
    const int query_label = tokens[static_cast<size_t>(query)].label;
    for (Index s = 0; s < n; ++s) {
        const SwinWindowToken& t = tokens[static_cast<size_t>(s)];
        const ImVec2 p0 = f.At(static_cast<double>(t.y), static_cast<double>(t.x));
        DrawTokenPatch(draw, b, t.y, t.x, p0, f.cell);
        const ImVec2 p1(p0.x + f.cell, p0.y + f.cell);
        if (row) draw->AddRectFilled(p0, p1, IM_COL32(8, 8, 14, static_cast<int>(215 * (1 - row[s] / peak))));
        if (m_labels_shown && f.cell >= 3) draw->AddRect(p0, p1, LabelColor(t.label, t.label == query_label ? 200 : 120));
    }
    // Each region of the window is one rectangle of the image: outline it, visible however small the tokens.
    std::set<int> window_labels;
    for (const SwinWindowToken& t : tokens) window_labels.insert(t.label);
    for (int label : window_labels) {
        Index ry0 = f.rows, rx0 = f.cols, ry1 = -1, rx1 = -1;
        for (const SwinWindowToken& t : tokens)
            if (t.label == label) {
                ry0 = std::min(ry0, t.y);
                rx0 = std::min(rx0, t.x);
                ry1 = std::max(ry1, t.y);
                rx1 = std::max(rx1, t.x);
            }
        if (ry1 < 0) continue;
        const ImVec2 a = f.At(static_cast<double>(ry0), static_cast<double>(rx0)), c = f.At(static_cast<double>(ry1 + 1), static_cast<double>(rx1 + 1));
        draw->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(c.x + 2, c.y + 2), m_labels_shown ? LabelColor(label, 255) : IM_COL32(255, 255, 255, 220), 0, 0, 2.5f);
    }
    {
        const SwinWindowToken& q = tokens[static_cast<size_t>(query)];
        const ImVec2 q0 = f.At(static_cast<double>(q.y), static_cast<double>(q.x));
        draw->AddRect(ImVec2(q0.x - 1, q0.y - 1), ImVec2(q0.x + f.cell + 1, q0.y + f.cell + 1), IM_COL32(255, 210, 80, 255), 0, 0, 2.5f);
    }
    draw->AddRect(ImVec2(f.origin.x - 1, f.origin.y - 1), ImVec2(f.Max().x + 1, f.Max().y + 1), IM_COL32(120, 120, 135, 255));
    if (over_hovered) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const Index oy = std::clamp<Index>(static_cast<Index>((mouse.y - f.origin.y) / f.cell), 0, f.rows - 1);
        const Index ox = std::clamp<Index>(static_cast<Index>((mouse.x - f.origin.x) / f.cell), 0, f.cols - 1);
        // The original token's place in the rolled frame: its window and slot.
        const Index py = (oy - l.shift_h + l.padded_h) % l.padded_h, px = (ox - l.shift_w + l.padded_w) % l.padded_w;
        const Index w = (py / m) * l.windows_w + px / m, slot = (py % m) * m + px % m;
        if (w == selected && row)
            ImGui::SetTooltip(Tr(S::SwinOverlayHoverIn), static_cast<long long>(oy), static_cast<long long>(ox), static_cast<long long>(slot),
                              tokens[static_cast<size_t>(slot)].label, static_cast<double>(row[slot]),
                              static_cast<double>(m_mask.empty() ? 0.0f : m_mask[static_cast<size_t>(query * n + slot)]));
        else
            ImGui::SetTooltip(Tr(S::SwinOverlayHoverOut), static_cast<long long>(oy), static_cast<long long>(ox), static_cast<long long>(w));
        if (over_clicked) {
            m_selection.window_index = w;
            m_selection.query = slot;
        }
    }
}

// The numbers beside the pictures: the window's regions, the query, its attention mass.
void SwinPanel::DrawMaskText(const SwinBase& b, const MaskView& v) {
    const SwinGeometry& g = *b.geometry;
    const SwinWindowLayout& l = g.layout;
    const Index m = l.window, n = m * m;
    const Index selected = v.selected, query = v.query;
    const std::vector<SwinWindowToken>& tokens = v.tokens;
    const float* row = v.row;
    const SwinWindowAttention* att = v.att;
    const bool att_current = v.att_current;
    ImGui::PushTextWrapPos(0);
    std::set<int> regions;
    for (const auto& t : tokens) regions.insert(t.label);
    std::string region_list;
    for (int r : regions) region_list += (region_list.empty() ? "" : ", ") + std::to_string(r);
    const SwinWindowToken& qt = tokens[static_cast<size_t>(query)];
    Paragraph(Fmt(Tr(S::SwinMaskWindowLine), static_cast<long long>(selected), static_cast<long long>(selected / l.windows_w),
                       static_cast<long long>(selected % l.windows_w), static_cast<int>(regions.size()), region_list.c_str()));
    if (!l.Shifted()) ParagraphDisabled(Tr(S::SwinLabelsUnshifted));
    Paragraph(Fmt(Tr(S::SwinMaskQueryLine), static_cast<long long>(query), static_cast<long long>(query / m), static_cast<long long>(query % m),
                       qt.label, static_cast<long long>(qt.y), static_cast<long long>(qt.x), qt.padding ? Tr(S::SwinPaddingToken) : ""));
    if (row) {
        double own = 0, other = 0;
        Index others = 0;
        for (Index s = 0; s < n; ++s) {
            if (tokens[static_cast<size_t>(s)].label == qt.label) own += row[s];
            else {
                other += row[s];
                ++others;
            }
        }
        if (others > 0) Paragraph(Fmt(Tr(S::SwinMaskMassLine), own, static_cast<long long>(others), other));
        else Paragraph(Fmt(Tr(S::SwinMaskAllOneRegion), static_cast<long long>(n)));
    } else if (!b.tokens) {
        ParagraphColored(ImVec4(1, 0.8f, 0.4f, 1), Fmt(Tr(S::SwinAttentionTooLarge), FormatExact(b.token_floats).c_str(),
                           FormatExact(kSwinLessonTokenBudget).c_str(), static_cast<long long>(kAttentionMaxWidth)));
    } else if (att && !att->issues.empty() && att_current) {
        IssueLines(att->issues);
    } else {
        ParagraphDisabled(Tr(S::SwinComputing));
    }
    ParagraphDisabled(Fmt(Tr(S::SwinTokensNote), static_cast<long long>(g.patch_grid.patch), static_cast<long long>(g.patch_grid.patch),
                        static_cast<int>(g.stage + 1), static_cast<long long>(Index{1} << g.stage), static_cast<long long>(Index{1} << g.stage),
                        Tr(m_selection.projection == 1 ? S::SwinProjRandomShort : S::SwinProjIdentityShort)));
    ImGui::PopTextWrapPos();
}

// The mask, the relative position index and the window's attention, side by side; `at` is the
// row's top-left, `avail` its size.
void SwinPanel::DrawMaskMaps(const MaskView& v, const SwinWindowLayout& l, ImVec2 at, ImVec2 avail) {
    const Index m = l.window, n = m * m, query = v.query;
    const std::vector<SwinWindowToken>& tokens = v.tokens;
    const SwinWindowAttention* att = v.att;
    const bool att_current = v.att_current;
    const float gap = ImGui::GetFontSize();
    const ImVec2 top(at.x, 0);
    const float bottom_y = at.y, bottom_h = avail.y;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const Grid<float>& rpi = m_rpi.Get(m, [m] {
        const std::vector<Index> index = RelativePositionIndex(m);
        Grid<float> grid(static_cast<int>(m * m), static_cast<int>(m * m));
        for (size_t e = 0; e < index.size(); ++e) grid.data[e] = static_cast<float>(index[e]);
        return grid;
    });
    const float w3 = (avail.x - 2 * gap) / 3;
    const std::string captions[3] = {Fmt(Tr(S::SwinMaskTitle), static_cast<long long>(n), static_cast<long long>(n)),
                                     Fmt(Tr(S::SwinRpiTitle), static_cast<long long>(2 * m - 1), static_cast<long long>(2 * m - 1)),
                                     Fmt(Tr(S::SwinAttentionTitle), static_cast<long long>(n), static_cast<long long>(n))};
    float caps_h = 0;
    for (const auto& c : captions) caps_h = std::max(caps_h, CaptionHeight(c, w3));
    for (int k = 0; k < 3; ++k) Caption(ImVec2(top.x + static_cast<float>(k) * (w3 + gap), bottom_y), captions[k], w3);
    const float map_side = std::max(16.0f, std::min(w3, bottom_h - caps_h));
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    auto slot_at = [&](ImVec2 mn, ImVec2 mx, Index* i, Index* j) {
        if (!ImGui::IsWindowHovered() || mouse.x < mn.x || mouse.y < mn.y || mouse.x >= mx.x || mouse.y >= mx.y) return false;
        *i = std::clamp<Index>(static_cast<Index>((mouse.y - mn.y) / (mx.y - mn.y) * static_cast<float>(n)), 0, n - 1);
        *j = std::clamp<Index>(static_cast<Index>((mouse.x - mn.x) / (mx.x - mn.x) * static_cast<float>(n)), 0, n - 1);
        return true;
    };
    auto query_band = [&](ImVec2 mn, ImVec2 mx) {
        const float h = (mx.y - mn.y) / static_cast<float>(n);
        const float y0 = mn.y + h * static_cast<float>(query);
        draw->AddRect(ImVec2(mn.x - 2, y0 - 1), ImVec2(mx.x + 2, y0 + h + 1), IM_COL32(255, 210, 80, 255), 0, 0, 1.5f);
    };
    // Mask.
    {
        const ImVec2 mn(top.x, bottom_y + caps_h), mx(mn.x + map_side, mn.y + map_side);
        draw->AddImage(m_mask_texture.Get().ImId(), mn, mx);
        draw->AddRect(ImVec2(mn.x - 1, mn.y - 1), ImVec2(mx.x + 1, mx.y + 1), IM_COL32(90, 90, 100, 255));
        query_band(mn, mx);
        Index i = 0, j = 0;
        if (slot_at(mn, mx, &i, &j) && !m_mask.empty())
            ImGui::SetTooltip(Tr(S::SwinMaskHover), static_cast<long long>(i), static_cast<long long>(j), tokens[static_cast<size_t>(i)].label,
                              tokens[static_cast<size_t>(j)].label, static_cast<double>(m_mask[static_cast<size_t>(i * n + j)]));
    }
    // Relative position index.
    ImGui::SetCursorScreenPos(ImVec2(top.x + w3 + gap, bottom_y + caps_h));
    {
        gfx::ColormapParams viridis;
        viridis.map = gfx::Colormap::Viridis;
        viridis.lo = 0;
        viridis.hi = static_cast<float>(std::max<Index>((2 * m - 1) * (2 * m - 1) - 1, 1));
        viridis.zero_rgba[0] = 0.267f;
        viridis.zero_rgba[1] = 0.005f;
        viridis.zero_rgba[2] = 0.329f;
        ImVec2 mn, mx;
        m_rpi_map.Draw("rpi", rpi, m_rpi.Generation(), ImVec2(map_side, map_side), viridis, &mn, &mx);
        query_band(mn, mx);
        Index i = 0, j = 0;
        if (slot_at(mn, mx, &i, &j))
            ImGui::SetTooltip(Tr(S::SwinRpiHover), static_cast<long long>(i), static_cast<long long>(i / m), static_cast<long long>(i % m),
                              static_cast<long long>(j), static_cast<long long>(j / m), static_cast<long long>(j % m),
                              static_cast<long long>(rpi.data[static_cast<size_t>(i * n + j)]), static_cast<long long>(i / m - j / m),
                              static_cast<long long>(i % m - j % m));
    }
    // The window's attention (one head).
    ImGui::SetCursorScreenPos(ImVec2(top.x + 2 * (w3 + gap), bottom_y + caps_h));
    if (att_current) {
        gfx::ColormapParams viridis;
        viridis.map = gfx::Colormap::Viridis;
        viridis.lo = 0;
        viridis.hi = att->peak;
        viridis.zero_rgba[0] = 0.267f;
        viridis.zero_rgba[1] = 0.005f;
        viridis.zero_rgba[2] = 0.329f;
        ImVec2 mn, mx;
        m_attention_map.Draw("attention", att->grid, m_attention->Generation(), ImVec2(map_side, map_side), viridis, &mn, &mx);
        query_band(mn, mx);
        Index i = 0, j = 0;
        if (slot_at(mn, mx, &i, &j)) {
            ImGui::SetTooltip(Tr(S::SwinAttentionHover), static_cast<long long>(i), static_cast<long long>(j), tokens[static_cast<size_t>(i)].label,
                              tokens[static_cast<size_t>(j)].label, static_cast<double>(att->grid.data[static_cast<size_t>(i * n + j)]),
                              static_cast<double>(att->result->mask[static_cast<size_t>(i * n + j)]));
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m_selection.query = i;
        }
    } else {
        ImGui::Dummy(ImVec2(map_side, map_side));
    }
}

}  // namespace lens::app::swin
