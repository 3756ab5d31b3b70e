// app/panels/image_panel.cpp: the loaded input image, what it is as a tensor, and a zoomable
// view with a pixel readout. Every other panel reads the same image from the AppContext.
#include <algorithm>
#include <cstdio>

#include <lens/count.hpp>
#include <lens/memo.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../gfx/texture.hpp"
#include "../widgets/zoom_view.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

enum class ImageViewMode { Rgb = 0, Red, Green, Blue, Luma };

struct ImageViewKey {
    std::uint64_t image_version = 0;
    int mode = 0;
    bool operator==(const ImageViewKey&) const = default;
};

struct DisplayPixels {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  // row-major, origin top-left
};

// Textures larger than this per side are shown downsampled (GL drivers cap texture sizes and
// a 16384^2 texture would cost 1 GiB); the readout still reports full-resolution pixels.
constexpr int kMaxDisplaySide = 4096;

class ImagePanel final : public Panel {
public:
    const char* Id() const override { return "image"; }
    i18n::S Title() const override { return S::PanelImage; }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        const Image& image = *context.image;
        sink.String("name", image.name);
        sink.Integer("width", image.width);
        sink.Integer("height", image.height);
        sink.Integer("channels", 3);
        sink.Integer("source_channels", image.source_channels);
        sink.Integer("source_bits", image.source_bits);
        sink.Integer("values", static_cast<std::int64_t>(image.width) * image.height * 3);
        sink.ArrayU8("image", image.rgb, {image.height, image.width, 3});
    }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Choice("view", S::ImageView, &m_mode,
                 {{"rgb", S::ImageViewRgb}, {"r", S::ImageViewRed}, {"g", S::ImageViewGreen}, {"b", S::ImageViewBlue}, {"luma", S::ImageViewLuma}},
                 "which channel to show")
            .EditWith(Editor::RadioRow)
            .Display();
        f.Float("zoom", Label(), &m_requested_zoom, 0.0, 64.0, "screen pixels per image pixel; 0 fits the window").EditWith(Editor::None).Display();
    }

    void DrawContent(AppContext& context) override {
        const Image& image = *context.image;
        DrawInfo(image);
        ImGui::Separator();
        DrawView(context, image);
    }

private:
    void DrawInfo(const Image& image) {
        if (ImGui::BeginTable("##info", 2, ImGuiTableFlags_SizingFixedFit)) {
            auto row = [](const char* label, const std::string& value) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::TextDisabled("%s", label);
                ImGui::TableSetColumnIndex(1);
                ImGui::TextUnformatted(value.c_str());
            };
            row(Tr(S::ImageFile), image.name);
            row(Tr(S::ImageWidth), std::to_string(image.width) + " px");
            row(Tr(S::ImageHeight), std::to_string(image.height) + " px");
            row(Tr(S::ImageChannels), std::to_string(image.source_channels));
            row(Tr(S::ImageBits), std::to_string(image.source_bits));
            ImGui::EndTable();
        }
        const Count values = static_cast<Count>(image.width) * image.height * 3;
        ImGui::Text(Tr(S::ImageLoadedAs), image.width, image.height, FormatExact(values).c_str());
        ImGui::Text(Tr(S::ImageAsTensor), image.height, image.width, FormatExact(values).c_str());
        ImGui::TextDisabled("%s", Tr(S::ImageDropHint));

        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(Tr(S::ImageView));
        ImGui::SameLine();
        DrawFieldEditor(Fields(), *Fields().Find("view"), {});
        ImGui::SameLine(0, 24);
        if (ImGui::Button(Tr(S::ImageFit))) m_view.Fit();
        ImGui::SameLine();
        ImGui::Text("%s %.0f%%", Tr(S::ImageZoom), m_view.Zoom() * 100.0);
    }

    void DrawView(AppContext& context, const Image& image) {
        const DisplayPixels& pixels = m_pixels.Get(ImageViewKey{context.image_version, m_mode}, [&] { return MakeDisplay(image); });
        m_texture.Sync(m_pixels.Generation(), pixels.width, pixels.height, gfx::PixelFormat::Rgb8, pixels.rgb.data(),
                       gfx::Filter::Linear);
        ImVec2 avail = ImGui::GetContentRegionAvail();
        avail.y = std::max(avail.y, 64.0f);
        const ImVec2 min = ImGui::GetCursorScreenPos();
        ImGui::InvisibleButton("##canvas", avail);
        m_view.SetContent(image.width, image.height);
        if (m_requested_zoom != m_applied_zoom) {
            m_applied_zoom = m_requested_zoom;
            m_view.RequestZoom(m_requested_zoom);
        }
        m_view.HandleInput(min, avail, ImGui::IsItemHovered(), ImGui::IsItemActive());
        // Nearest filtering once image pixels are large on screen, so single pixels stay crisp.
        m_texture_filter_nearest = m_view.Zoom() * pixels.width / image.width >= 3.0;

        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImVec2 max(min.x + avail.x, min.y + avail.y);
        draw->PushClipRect(min, max, true);
        draw->AddRectFilled(min, max, IM_COL32(24, 24, 28, 255));
        const ImVec2 a = m_view.ContentToScreen(0, 0);
        const ImVec2 b = m_view.ContentToScreen(image.width, image.height);
        m_texture.SetFilter(m_texture_filter_nearest ? gfx::Filter::Nearest : gfx::Filter::Linear);
        draw->AddImage(m_texture.Get().ImId(), a, b);
        draw->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), IM_COL32(90, 90, 100, 255));
        draw->PopClipRect();
        MarkFigure(min, max);

        if (ImGui::IsItemHovered()) {
            double x = 0, y = 0;
            m_view.ScreenToContent(ImGui::GetIO().MousePos, &x, &y);
            if (x >= 0 && y >= 0 && x < image.width && y < image.height) {
                const int px = static_cast<int>(x), py = static_cast<int>(y);
                const size_t at = (static_cast<size_t>(py) * static_cast<size_t>(image.width) + static_cast<size_t>(px)) * 3;
                ImGui::BeginTooltip();
                ImGui::Text(Tr(S::ImageHover), px, py, image.rgb[at], image.rgb[at + 1], image.rgb[at + 2]);
                ImGui::EndTooltip();
            }
        }
    }

    DisplayPixels MakeDisplay(const Image& image) const {
        const Image* source = &image;
        Image reduced;
        if (image.width > kMaxDisplaySide || image.height > kMaxDisplaySide) {
            const double s = static_cast<double>(kMaxDisplaySide) / std::max(image.width, image.height);
            reduced = ResizeRgb(image, std::max(1, static_cast<int>(image.width * s)), std::max(1, static_cast<int>(image.height * s)));
            source = &reduced;
        }
        DisplayPixels out;
        out.width = source->width;
        out.height = source->height;
        out.rgb = source->rgb;
        const auto mode = static_cast<ImageViewMode>(m_mode);
        if (mode == ImageViewMode::Rgb) return out;
        for (size_t i = 0; i + 2 < out.rgb.size(); i += 3) {
            const std::uint8_t r = out.rgb[i], g = out.rgb[i + 1], b = out.rgb[i + 2];
            std::uint8_t v = 0;
            switch (mode) {
                case ImageViewMode::Red: v = r; break;
                case ImageViewMode::Green: v = g; break;
                case ImageViewMode::Blue: v = b; break;
                default: v = static_cast<std::uint8_t>(std::clamp(0.2126 * r + 0.7152 * g + 0.0722 * b + 0.5, 0.0, 255.0)); break;
            }
            out.rgb[i] = out.rgb[i + 1] = out.rgb[i + 2] = v;
        }
        return out;
    }

    int m_mode = 0;
    float m_requested_zoom = 0.0f;
    float m_applied_zoom = -1.0f;
    bool m_texture_filter_nearest = false;
    Memo<ImageViewKey, DisplayPixels> m_pixels;
    gfx::CachedTexture m_texture;
    ZoomView m_view;
};

}  // namespace

LENS_REGISTER_PANEL(ImagePanel, 0, "image")

}  // namespace lens::app
