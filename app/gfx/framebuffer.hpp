// app/gfx/framebuffer.hpp: a move-only RAII off-screen render target (RGBA8 colour), used for
// headless screenshots, figure export and GPU passes such as the colormap.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "texture.hpp"

namespace lens::gfx {

class Framebuffer {
public:
    Framebuffer() = default;
    ~Framebuffer();
    Framebuffer(const Framebuffer&) = delete;
    Framebuffer& operator=(const Framebuffer&) = delete;
    Framebuffer(Framebuffer&& other) noexcept;
    Framebuffer& operator=(Framebuffer&& other) noexcept;

    // (Re)creates the target at width x height. Returns false with a message when the driver
    // refuses (size over GL_MAX_RENDERBUFFER_SIZE, incomplete framebuffer).
    bool Create(int width, int height, std::string* error);
    void Bind() const;        // also sets the viewport to the whole target
    static void BindDefault();
    // Reads the colour buffer as RGBA8, row-major, origin top-left (flipped from GL's bottom-left).
    std::vector<std::uint8_t> ReadRgba() const;

    int Width() const { return m_color.Width(); }
    int Height() const { return m_color.Height(); }
    const Texture& Color() const { return m_color; }
    void SetFilter(Filter filter) { m_color.SetFilter(filter); }
    bool Valid() const { return m_fbo != 0; }

private:
    void Reset();
    unsigned m_fbo = 0;
    Texture m_color;
};

// Largest side a render target may have on this driver.
int MaxRenderTargetSide();

}  // namespace lens::gfx
