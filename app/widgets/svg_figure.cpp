// app/widgets/svg_figure.cpp: ImGui draw lists -> SVG (see svg_figure.hpp).
#include "svg_figure.hpp"

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <unordered_map>

namespace lens::app {

namespace {

// [SECTION] Small formatting helpers

std::string Num(float v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", static_cast<double>(v));
    std::string s = buffer;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

std::string Colour(ImU32 c, const char* attribute) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s=\"#%02x%02x%02x\"", attribute, c & 0xFF, (c >> 8) & 0xFF, (c >> 16) & 0xFF);
    std::string out = buffer;
    const unsigned alpha = (c >> 24) & 0xFF;
    if (alpha != 255) out += std::string(" ") + attribute + "-opacity=\"" + Num(static_cast<float>(alpha) / 255.0f) + "\"";
    return out;
}

std::string Escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

void AppendUtf8(std::string* out, unsigned cp) {
    if (cp < 0x80) {
        *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        *out += static_cast<char>(0xC0 | (cp >> 6));
        *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        *out += static_cast<char>(0xE0 | (cp >> 12));
        *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string Base64(const std::vector<std::uint8_t>& bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const unsigned n = (static_cast<unsigned>(bytes[i]) << 16) | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0) |
                           (i + 2 < bytes.size() ? bytes[i + 2] : 0);
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? table[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? table[n & 63] : '=';
    }
    return out;
}

void AppendBytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
}

// [SECTION] Glyphs: a glyph quad is recognised by where its texture coordinates point in the atlas

struct GlyphInfo {
    const ImFont* font;
    const ImFontGlyph* glyph;
};

std::unordered_map<std::uint64_t, GlyphInfo> GlyphIndex(const ImFontAtlas& atlas) {
    std::unordered_map<std::uint64_t, GlyphInfo> index;
    for (const ImFont* font : atlas.Fonts)
        for (const ImFontGlyph& glyph : font->Glyphs) {
            const auto u = static_cast<std::uint64_t>(std::lround(glyph.U0 * static_cast<float>(atlas.TexWidth)));
            const auto v = static_cast<std::uint64_t>(std::lround(glyph.V0 * static_cast<float>(atlas.TexHeight)));
            index.emplace((u << 32) | v, GlyphInfo{font, &glyph});
        }
    return index;
}

// Dear ImGui sizes a font by its line height (ascent - descent); SVG's font-size is the em. The
// ratio em / line height of the fonts ui_style.cpp loads: DejaVu Sans and Sans Mono (2048 units
// per em, hhea ascent 1901, descent -483) and Noto Sans CJK (1000 per em, 1160, -288).
float EmPerLineHeight(unsigned codepoint) {
    const bool cjk = codepoint >= 0x2E80;
    return cjk ? 1000.0f / 1448.0f : 2048.0f / 2384.0f;
}

struct PlacedGlyph {
    unsigned codepoint;
    float pen_x, baseline, size, advance, space_advance;
    ImU32 colour;
};

// [SECTION] The writer

class SvgWriter {
public:
    SvgWriter(ImVec2 origin, const TextureReader& reader) : m_origin(origin), m_reader(reader) {}

    void SetClip(const ImVec4& clip) {
        const std::string key = Num(clip.x) + "," + Num(clip.y) + "," + Num(clip.z) + "," + Num(clip.w);
        if (key == m_clip_key) return;
        FlushText();
        FlushShapes();
        if (!m_clip_key.empty()) m_body += "</g>\n";
        auto [it, inserted] = m_clips.emplace(key, static_cast<int>(m_clips.size()));
        if (inserted)
            m_defs += "<clipPath id=\"c" + std::to_string(it->second) + "\"><rect x=\"" + Num(clip.x - m_origin.x) + "\" y=\"" +
                      Num(clip.y - m_origin.y) + "\" width=\"" + Num(clip.z - clip.x) + "\" height=\"" + Num(clip.w - clip.y) +
                      "\"/></clipPath>\n";
        m_body += "<g clip-path=\"url(#c" + std::to_string(it->second) + ")\">\n";
        m_clip_key = key;
    }

    // A lone axis-aligned quad is a <rect>; consecutive shapes of one colour (a rounded box's
    // triangles, a thick line's quads) are one <path>, so renderers draw no seams between them.
    void Polygon(const std::vector<ImVec2>& points, ImU32 colour) {
        FlushText();
        if (((colour >> 24) & 0xFF) == 0) return;
        if (!m_shapes.empty() && colour != m_shape_colour) FlushShapes();
        m_shape_colour = colour;
        m_shapes.push_back(points);
    }

    void FlushShapes() {
        if (m_shapes.empty()) return;
        if (m_shapes.size() == 1 && m_shapes[0].size() == 4 && AxisAligned(m_shapes[0])) {
            const auto& points = m_shapes[0];
            float x0 = points[0].x, x1 = points[0].x, y0 = points[0].y, y1 = points[0].y;
            for (const ImVec2& p : points) {
                x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
            }
            m_body += "<rect x=\"" + Num(x0 - m_origin.x) + "\" y=\"" + Num(y0 - m_origin.y) + "\" width=\"" + Num(x1 - x0) +
                      "\" height=\"" + Num(y1 - y0) + "\" " + Colour(m_shape_colour, "fill") + "/>\n";
        } else {
            m_body += "<path d=\"";
            for (const auto& points : m_shapes) {
                for (std::size_t i = 0; i < points.size(); ++i)
                    m_body += (i == 0 ? "M" : "L") + Num(points[i].x - m_origin.x) + " " + Num(points[i].y - m_origin.y);
                m_body += "Z";
            }
            m_body += "\" " + Colour(m_shape_colour, "fill") + "/>\n";
        }
        m_shapes.clear();
    }

    void Image(ImTextureID texture, ImVec2 p0, ImVec2 p1, ImVec2 uv0, ImVec2 uv1) {
        FlushText();
        FlushShapes();
        const TexturePixels* pixels = Pixels(texture);
        if (!pixels) return;
        const int x0 = std::clamp(static_cast<int>(std::floor(std::min(uv0.x, uv1.x) * static_cast<float>(pixels->width))), 0, pixels->width - 1);
        const int y0 = std::clamp(static_cast<int>(std::floor(std::min(uv0.y, uv1.y) * static_cast<float>(pixels->height))), 0, pixels->height - 1);
        const int x1 = std::clamp(static_cast<int>(std::ceil(std::max(uv0.x, uv1.x) * static_cast<float>(pixels->width))), x0 + 1, pixels->width);
        const int y1 = std::clamp(static_cast<int>(std::ceil(std::max(uv0.y, uv1.y) * static_cast<float>(pixels->height))), y0 + 1, pixels->height);
        const int w = x1 - x0, h = y1 - y0;
        std::vector<std::uint8_t> crop(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
        for (int y = 0; y < h; ++y) {
            // Flip rows when the quad's v runs upwards (textures drawn bottom-up).
            const int sy = uv0.y <= uv1.y ? y0 + y : y1 - 1 - y;
            std::copy_n(pixels->rgba.data() + (static_cast<std::size_t>(sy) * static_cast<std::size_t>(pixels->width) + static_cast<std::size_t>(x0)) * 4,
                        static_cast<std::size_t>(w) * 4, crop.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(w) * 4);
        }
        // Cells drawn larger than a pixel are repeated (nearest neighbour) so that every viewer shows
        // sharp cells: not every SVG renderer honours image-rendering: pixelated.
        const int factor = std::clamp(std::min(static_cast<int>(std::fabs(p1.x - p0.x)) / w, static_cast<int>(std::fabs(p1.y - p0.y)) / h), 1,
                                      std::max(1, 2048 / std::max(w, h)));
        if (factor > 1) {
            const int sw = w * factor, sh = h * factor;
            std::vector<std::uint8_t> scaled(static_cast<std::size_t>(sw) * static_cast<std::size_t>(sh) * 4);
            for (int y = 0; y < sh; ++y)
                for (int x = 0; x < sw; ++x)
                    std::copy_n(crop.data() + (static_cast<std::size_t>(y / factor) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x / factor)) * 4, 4,
                                scaled.data() + (static_cast<std::size_t>(y) * static_cast<std::size_t>(sw) + static_cast<std::size_t>(x)) * 4);
            crop = std::move(scaled);
        }
        std::vector<std::uint8_t> png;
        stbi_write_png_to_func(AppendBytes, &png, w * factor, h * factor, 4, crop.data(), w * factor * 4);
        m_body += "<image x=\"" + Num(std::min(p0.x, p1.x) - m_origin.x) + "\" y=\"" + Num(std::min(p0.y, p1.y) - m_origin.y) +
                  "\" width=\"" + Num(std::fabs(p1.x - p0.x)) + "\" height=\"" + Num(std::fabs(p1.y - p0.y)) +
                  "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64," + Base64(png) +
                  "\"/>\n";
    }

    void Glyph(const PlacedGlyph& g) {
        FlushShapes();
        if (!m_run.empty()) {
            const PlacedGlyph& last = m_run.back();
            const float expected = last.pen_x + last.advance;
            const bool same_line = std::fabs(g.baseline - last.baseline) < 0.5f && std::fabs(g.size - last.size) < 0.01f &&
                                   g.colour == last.colour && g.pen_x > expected - 0.5f && g.pen_x < expected + 4 * g.size;
            if (!same_line) FlushText();
        }
        if (!m_run.empty()) {
            const PlacedGlyph& last = m_run.back();
            const float gap = g.pen_x - (last.pen_x + last.advance);
            if (gap > 0.5f && last.space_advance > 0) {
                const int spaces = std::max(1, static_cast<int>(std::lround(gap / last.space_advance)));
                for (int i = 0; i < spaces; ++i)
                    m_run.push_back({' ', last.pen_x + last.advance + static_cast<float>(i) * last.space_advance, last.baseline, last.size,
                                     last.space_advance, last.space_advance, last.colour});
            }
        }
        m_run.push_back(g);
    }

    void FlushText() {
        if (m_run.empty()) return;
        std::string text;
        for (const PlacedGlyph& g : m_run) AppendUtf8(&text, g.codepoint);
        const PlacedGlyph& first = m_run.front();
        const PlacedGlyph& last = m_run.back();
        m_body += "<text x=\"" + Num(first.pen_x - m_origin.x) + "\" y=\"" + Num(first.baseline - m_origin.y) + "\" font-size=\"" +
                  Num(first.size) + "\" textLength=\"" + Num(last.pen_x + last.advance - first.pen_x) +
                  "\" lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\" " + Colour(first.colour, "fill") + ">" + Escape(text) + "</text>\n";
        m_run.clear();
    }

    std::string Finish(ImVec2 size, ImU32 background) {
        FlushText();
        FlushShapes();
        if (!m_clip_key.empty()) m_body += "</g>\n";
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
               Num(size.x) + "\" height=\"" + Num(size.y) + "\" viewBox=\"0 0 " + Num(size.x) + " " + Num(size.y) +
               "\" font-family=\"DejaVu Sans, Noto Sans CJK TC, sans-serif\">\n<defs>\n" + m_defs + "</defs>\n<rect width=\"100%\" height=\"100%\" " +
               Colour(background, "fill") + "/>\n" + m_body + "</svg>\n";
    }

private:
    static bool AxisAligned(const std::vector<ImVec2>& p) {
        auto same = [](float a, float b) { return std::fabs(a - b) < 0.01f; };
        return (same(p[0].y, p[1].y) && same(p[1].x, p[2].x) && same(p[2].y, p[3].y) && same(p[3].x, p[0].x)) ||
               (same(p[0].x, p[1].x) && same(p[1].y, p[2].y) && same(p[2].x, p[3].x) && same(p[3].y, p[0].y));
    }

    const TexturePixels* Pixels(ImTextureID texture) {
        auto it = m_textures.find(texture);
        if (it == m_textures.end()) {
            TexturePixels pixels;
            std::optional<TexturePixels> entry;
            if (m_reader && m_reader(texture, &pixels) && pixels.width > 0 && pixels.height > 0) entry = std::move(pixels);
            it = m_textures.emplace(texture, std::move(entry)).first;
        }
        return it->second ? &*it->second : nullptr;
    }

    ImVec2 m_origin;
    const TextureReader& m_reader;
    std::string m_defs, m_body, m_clip_key;
    std::map<std::string, int> m_clips;
    std::map<ImTextureID, std::optional<TexturePixels>> m_textures;
    std::vector<PlacedGlyph> m_run;
    std::vector<std::vector<ImVec2>> m_shapes;
    ImU32 m_shape_colour = 0;
};

ImU32 MeanColour(const ImDrawVert* const* v, int n) {
    unsigned sum[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < 4; ++c) sum[c] += (v[i]->col >> (8 * c)) & 0xFF;
    ImU32 out = 0;
    for (int c = 0; c < 4; ++c) out |= (sum[c] / static_cast<unsigned>(n)) << (8 * c);
    return out;
}

}  // namespace

void SvgRenderStyle(bool capture) {
    static bool saved_lines = true, saved_tex = true, saved_fill = true;
    ImGuiStyle& style = ImGui::GetStyle();
    if (capture) {
        saved_lines = style.AntiAliasedLines, saved_tex = style.AntiAliasedLinesUseTex, saved_fill = style.AntiAliasedFill;
        style.AntiAliasedLines = style.AntiAliasedLinesUseTex = style.AntiAliasedFill = false;
    } else {
        style.AntiAliasedLines = saved_lines, style.AntiAliasedLinesUseTex = saved_tex, style.AntiAliasedFill = saved_fill;
    }
}

std::string DrawDataToSvg(const ImDrawData& data, ImVec2 min, ImVec2 max, ImU32 background, const TextureReader& read_texture) {
    const ImFontAtlas& atlas = *ImGui::GetIO().Fonts;
    const auto glyphs = GlyphIndex(atlas);
    const ImVec2 white = atlas.TexUvWhitePixel;
    const float uv_eps = 0.5f / static_cast<float>(std::max(atlas.TexWidth, atlas.TexHeight));
    auto is_white = [&](const ImDrawVert* v) { return std::fabs(v->uv.x - white.x) < uv_eps && std::fabs(v->uv.y - white.y) < uv_eps; };
    SvgWriter svg(min, read_texture);
    for (int l = 0; l < data.CmdListsCount; ++l) {
        const ImDrawList& list = *data.CmdLists[l];
        for (const ImDrawCmd& cmd : list.CmdBuffer) {
            if (cmd.UserCallback) continue;
            const ImVec4 clip(std::max(cmd.ClipRect.x, min.x), std::max(cmd.ClipRect.y, min.y), std::min(cmd.ClipRect.z, max.x),
                              std::min(cmd.ClipRect.w, max.y));
            if (clip.z <= clip.x || clip.w <= clip.y) continue;
            svg.SetClip(clip);
            const ImDrawIdx* idx = list.IdxBuffer.Data + cmd.IdxOffset;
            const ImDrawVert* vtx = list.VtxBuffer.Data + cmd.VtxOffset;
            const bool atlas_texture = cmd.TextureId == atlas.TexID;
            for (unsigned i = 0; i + 2 < cmd.ElemCount;) {
                const bool quad = i + 5 < cmd.ElemCount && idx[i] == idx[i + 3] && idx[i + 2] == idx[i + 4];
                const ImDrawVert* v[4] = {&vtx[idx[i]], &vtx[idx[i + 1]], &vtx[idx[i + 2]], quad ? &vtx[idx[i + 5]] : nullptr};
                const int n = quad ? 4 : 3;
                i += quad ? 6 : 3;
                if (!atlas_texture && quad) {
                    svg.Image(cmd.TextureId, v[0]->pos, v[2]->pos, v[0]->uv, v[2]->uv);
                    continue;
                }
                bool all_white = true;
                for (int k = 0; k < n; ++k) all_white = all_white && is_white(v[k]);
                if (atlas_texture && quad && !all_white) {
                    float u0 = v[0]->uv.x, v0 = v[0]->uv.y;
                    for (int k = 1; k < 4; ++k) u0 = std::min(u0, v[k]->uv.x), v0 = std::min(v0, v[k]->uv.y);
                    const auto key = (static_cast<std::uint64_t>(std::lround(u0 * static_cast<float>(atlas.TexWidth))) << 32) |
                                     static_cast<std::uint64_t>(std::lround(v0 * static_cast<float>(atlas.TexHeight)));
                    if (auto it = glyphs.find(key); it != glyphs.end()) {
                        const ImFontGlyph& g = *it->second.glyph;
                        const ImFont& font = *it->second.font;
                        float top = v[0]->pos.y, left = v[0]->pos.x, bottom = v[0]->pos.y;
                        for (int k = 1; k < 4; ++k)
                            top = std::min(top, v[k]->pos.y), left = std::min(left, v[k]->pos.x), bottom = std::max(bottom, v[k]->pos.y);
                        const float glyph_h = g.Y1 - g.Y0;
                        const float scale = glyph_h > 0 ? (bottom - top) / glyph_h : 1.0f;
                        const ImFontGlyph* space = font.FindGlyphNoFallback(' ');
                        svg.Glyph(PlacedGlyph{g.Codepoint, left - g.X0 * scale, top - g.Y0 * scale + font.Ascent * scale,
                                              font.FontSize * scale * EmPerLineHeight(g.Codepoint),
                                              g.AdvanceX * scale, space ? space->AdvanceX * scale : 0.0f, v[0]->col});
                        continue;
                    }
                }
                std::vector<ImVec2> points;
                for (int k = 0; k < n; ++k) points.push_back(v[k]->pos);
                svg.Polygon(points, MeanColour(v, n));
            }
        }
    }
    return svg.Finish(ImVec2(max.x - min.x, max.y - min.y), background);
}

}  // namespace lens::app
