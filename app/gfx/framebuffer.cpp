#include "framebuffer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "gl.hpp"

namespace lens::gfx {

Framebuffer::~Framebuffer() { Reset(); }

Framebuffer::Framebuffer(Framebuffer&& other) noexcept
    : m_fbo(std::exchange(other.m_fbo, 0)), m_color(std::move(other.m_color)) {}

Framebuffer& Framebuffer::operator=(Framebuffer&& other) noexcept {
    if (this != &other) {
        Reset();
        m_fbo = std::exchange(other.m_fbo, 0);
        m_color = std::move(other.m_color);
    }
    return *this;
}

void Framebuffer::Reset() {
    if (m_fbo != 0) {
        GLuint id = m_fbo;
        glDeleteFramebuffers(1, &id);
    }
    m_fbo = 0;
    m_color.Reset();
}

int MaxRenderTargetSide() {
    GLint renderbuffer = 0, texture = 0;
    glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &renderbuffer);
    glGetIntegerv(GL_MAX_TEXTURE_SIZE, &texture);
    return std::min(renderbuffer, texture);
}

bool Framebuffer::Create(int width, int height, std::string* error) {
    Reset();
    int limit = MaxRenderTargetSide();
    if (width <= 0 || height <= 0 || width > limit || height > limit) {
        if (error)
            *error = "render target " + std::to_string(width) + "x" + std::to_string(height) +
                     " exceeds this OpenGL driver's limit of " + std::to_string(limit) + " px a side";
        return false;
    }
    m_color.Allocate(width, height, PixelFormat::Rgba8, Filter::Linear);
    GLuint fbo = 0;
    glGenFramebuffers(1, &fbo);
    m_fbo = fbo;
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, m_color.Id(), 0);
    GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    if (status != GL_FRAMEBUFFER_COMPLETE) {
        if (error) *error = "framebuffer incomplete (status 0x" + std::to_string(status) + ")";
        Reset();
        return false;
    }
    return true;
}

void Framebuffer::Bind() const {
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo);
    glViewport(0, 0, m_color.Width(), m_color.Height());
}

void Framebuffer::BindDefault() { glBindFramebuffer(GL_FRAMEBUFFER, 0); }

std::vector<std::uint8_t> Framebuffer::ReadRgba() const {
    const int w = m_color.Width(), h = m_color.Height();
    std::vector<std::uint8_t> pixels(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
    if (m_fbo == 0) return pixels;
    glBindFramebuffer(GL_READ_FRAMEBUFFER, m_fbo);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    // GL's origin is bottom-left; PNGs and Grids are top-left.
    const size_t row = static_cast<size_t>(w) * 4;
    std::vector<std::uint8_t> swap(row);
    for (int y = 0; y < h / 2; ++y) {
        auto* a = pixels.data() + static_cast<size_t>(y) * row;
        auto* b = pixels.data() + static_cast<size_t>(h - 1 - y) * row;
        std::memcpy(swap.data(), a, row);
        std::memcpy(a, b, row);
        std::memcpy(b, swap.data(), row);
    }
    return pixels;
}

}  // namespace lens::gfx
