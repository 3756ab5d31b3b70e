#include "ui_style.hpp"

#include <filesystem>

#include "i18n/strings.hpp"

namespace lens::app {
namespace {

constexpr const char* kLatinFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kMonoFont = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
constexpr const char* kCjkFont = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
constexpr int kCjkTraditionalFace = 3;  // face index of "Noto Sans CJK TC" in the collection
constexpr float kBaseFontPx = 16.0f;

// The atlas keeps pointers to the glyph ranges until it is built: hold them here.
ImVector<ImWchar> g_cjk_ranges;
std::u32string g_extra_glyphs;

bool Exists(const char* path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
}

}  // namespace

void SetExtraGlyphs(std::u32string code_points) { g_extra_glyphs = std::move(code_points); }

FontSet BuildFonts(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    FontSet set;
    const float px = kBaseFontPx * scale;

    ImFontConfig latin;
    latin.OversampleH = 2;
    latin.OversampleV = 1;
    if (Exists(kLatinFont)) {
        set.regular = io.Fonts->AddFontFromFileTTF(kLatinFont, px, &latin, io.Fonts->GetGlyphRangesDefault());
    }
    if (!set.regular) {
        ImFontConfig fallback;
        fallback.SizePixels = px;
        set.regular = io.Fonts->AddFontDefault(&fallback);
        set.warning = "DejaVu Sans not found (apt-get install fonts-dejavu-core): using ImGui's built-in font";
    }

    if (Exists(kCjkFont)) {
        ImFontGlyphRangesBuilder builder;
        // Glyphs used by either language's table (the language menu shows both names).
        for (auto language : {i18n::Language::English, i18n::Language::TraditionalChinese})
            for (char32_t cp : i18n::CodePointsUsed(language))
                if (cp <= 0xFFFF) builder.AddChar(static_cast<ImWchar>(cp));
        for (char32_t cp : g_extra_glyphs)
            if (cp <= 0xFFFF) builder.AddChar(static_cast<ImWchar>(cp));
        g_cjk_ranges.clear();
        builder.BuildRanges(&g_cjk_ranges);
        ImFontConfig cjk;
        cjk.MergeMode = true;
        cjk.FontNo = kCjkTraditionalFace;
        cjk.OversampleH = 1;
        cjk.OversampleV = 1;
        cjk.PixelSnapH = true;
        // Noto CJK draws its ideographs smaller than DejaVu draws Latin at the same pixel size:
        // enlarge them a little and lift them onto the Latin baseline.
        cjk.GlyphOffset = ImVec2(0, -0.06f * px);
        set.cjk_available = io.Fonts->AddFontFromFileTTF(kCjkFont, px * 1.14f, &cjk, g_cjk_ranges.Data) != nullptr;
    }
    if (!set.cjk_available) {
        set.warning = std::string("Noto Sans CJK TC not found (apt-get install fonts-noto-cjk): the Chinese UI is unavailable, English is used");
    }

    if (Exists(kMonoFont)) set.mono = io.Fonts->AddFontFromFileTTF(kMonoFont, px * 0.95f, &latin, io.Fonts->GetGlyphRangesDefault());
    if (!set.mono) set.mono = set.regular;
    io.Fonts->Build();
    return set;
}

void ApplyTheme(float scale) {
    ImGuiStyle style;
    ImGui::StyleColorsDark(&style);
    style.WindowRounding = 0.0f;
    style.ChildRounding = 4.0f;
    style.FrameRounding = 4.0f;
    style.PopupRounding = 4.0f;
    style.GrabRounding = 4.0f;
    style.TabRounding = 4.0f;
    style.ScrollbarRounding = 6.0f;
    style.WindowPadding = ImVec2(10, 10);
    style.FramePadding = ImVec2(8, 4);
    style.ItemSpacing = ImVec2(8, 6);
    style.WindowBorderSize = 0.0f;
    style.FrameBorderSize = 0.0f;

    ImVec4* c = style.Colors;
    const ImVec4 bg(0.086f, 0.090f, 0.106f, 1.0f);
    const ImVec4 panel(0.118f, 0.125f, 0.145f, 1.0f);
    const ImVec4 accent(0.31f, 0.55f, 0.93f, 1.0f);
    c[ImGuiCol_WindowBg] = bg;
    c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
    c[ImGuiCol_PopupBg] = ImVec4(0.12f, 0.13f, 0.15f, 0.98f);
    c[ImGuiCol_MenuBarBg] = panel;
    c[ImGuiCol_FrameBg] = ImVec4(0.17f, 0.18f, 0.21f, 1.0f);
    c[ImGuiCol_FrameBgHovered] = ImVec4(0.22f, 0.24f, 0.28f, 1.0f);
    c[ImGuiCol_FrameBgActive] = ImVec4(0.25f, 0.28f, 0.34f, 1.0f);
    c[ImGuiCol_Header] = ImVec4(accent.x, accent.y, accent.z, 0.35f);
    c[ImGuiCol_HeaderHovered] = ImVec4(accent.x, accent.y, accent.z, 0.55f);
    c[ImGuiCol_HeaderActive] = ImVec4(accent.x, accent.y, accent.z, 0.75f);
    c[ImGuiCol_Button] = ImVec4(0.20f, 0.22f, 0.27f, 1.0f);
    c[ImGuiCol_ButtonHovered] = ImVec4(accent.x, accent.y, accent.z, 0.65f);
    c[ImGuiCol_ButtonActive] = accent;
    c[ImGuiCol_CheckMark] = ImVec4(0.55f, 0.75f, 1.0f, 1.0f);
    c[ImGuiCol_SliderGrab] = accent;
    c[ImGuiCol_SliderGrabActive] = ImVec4(0.55f, 0.75f, 1.0f, 1.0f);
    c[ImGuiCol_Separator] = ImVec4(0.25f, 0.26f, 0.30f, 1.0f);
    c[ImGuiCol_TableHeaderBg] = panel;
    c[ImGuiCol_TableBorderLight] = ImVec4(0.20f, 0.21f, 0.24f, 1.0f);
    c[ImGuiCol_TableBorderStrong] = ImVec4(0.25f, 0.26f, 0.30f, 1.0f);
    c[ImGuiCol_TableRowBgAlt] = ImVec4(1, 1, 1, 0.03f);
    c[ImGuiCol_TextDisabled] = ImVec4(0.58f, 0.60f, 0.66f, 1.0f);
    c[ImGuiCol_Tab] = panel;
    c[ImGuiCol_TabActive] = ImVec4(accent.x, accent.y, accent.z, 0.6f);
    style.ScaleAllSizes(scale);
    ImGui::GetStyle() = style;
}

}  // namespace lens::app
