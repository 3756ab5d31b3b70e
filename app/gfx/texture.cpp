#include "texture.hpp"

#include <utility>

#include "gl.hpp"

namespace lens::gfx {
namespace {

struct GlFormat {
    GLint internal;
    GLenum format;
    GLenum type;
    GLint alignment;
};

GlFormat ToGl(PixelFormat format) {
    switch (format) {
        case PixelFormat::Rgb8: return {GL_RGB8, GL_RGB, GL_UNSIGNED_BYTE, 1};
        case PixelFormat::Rgba8: return {GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4};
        case PixelFormat::R32f: return {GL_R32F, GL_RED, GL_FLOAT, 4};
    }
    return {GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4};
}

}  // namespace

Texture::~Texture() { Reset(); }

Texture::Texture(Texture&& other) noexcept
    : m_id(std::exchange(other.m_id, 0)),
      m_width(std::exchange(other.m_width, 0)),
      m_height(std::exchange(other.m_height, 0)),
      m_format(other.m_format) {}

Texture& Texture::operator=(Texture&& other) noexcept {
    if (this != &other) {
        Reset();
        m_id = std::exchange(other.m_id, 0);
        m_width = std::exchange(other.m_width, 0);
        m_height = std::exchange(other.m_height, 0);
        m_format = other.m_format;
    }
    return *this;
}

void Texture::Reset() {
    if (m_id != 0) {
        GLuint id = m_id;
        glDeleteTextures(1, &id);
    }
    m_id = 0;
    m_width = m_height = 0;
}

void Texture::SetFilter(Filter filter) {
    if (m_id == 0) return;
    GLint mode = filter == Filter::Nearest ? GL_NEAREST : GL_LINEAR;
    glBindTexture(GL_TEXTURE_2D, m_id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, mode);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, mode);
}

void Texture::Allocate(int width, int height, PixelFormat format, Filter filter) { Upload(width, height, format, nullptr, filter); }

void Texture::Upload(int width, int height, PixelFormat format, const void* pixels, Filter filter) {
    if (width <= 0 || height <= 0) {
        Reset();
        return;
    }
    GlFormat gl = ToGl(format);
    if (m_id == 0) {
        GLuint id = 0;
        glGenTextures(1, &id);
        m_id = id;
        glBindTexture(GL_TEXTURE_2D, m_id);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    }
    glBindTexture(GL_TEXTURE_2D, m_id);
    GLint mode = filter == Filter::Nearest ? GL_NEAREST : GL_LINEAR;
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, mode);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, mode);
    glPixelStorei(GL_UNPACK_ALIGNMENT, gl.alignment);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    if (width == m_width && height == m_height && format == m_format && pixels != nullptr) {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, gl.format, gl.type, pixels);
    } else {
        glTexImage2D(GL_TEXTURE_2D, 0, gl.internal, width, height, 0, gl.format, gl.type, pixels);
    }
    m_width = width;
    m_height = height;
    m_format = format;
}

bool CachedTexture::Sync(std::uint64_t generation, int width, int height, PixelFormat format, const void* pixels,
                         Filter filter) {
    if (!NeedsUpload(generation)) return false;
    m_texture.Upload(width, height, format, pixels, filter);
    m_generation = generation;
    return true;
}

bool ReadTextureRgba(void* im_id, int* width, int* height, std::vector<std::uint8_t>* rgba) {
    const auto id = static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(im_id));
    if (id == 0 || !glIsTexture(id)) return false;
    GLint previous = 0;
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
    glBindTexture(GL_TEXTURE_2D, id);
    GLint w = 0, h = 0;
    glGetTexLevelParameteriv(GL_TEXTURE_2D, 0, GL_TEXTURE_WIDTH, &w);
    glGetTexLevelParameteriv(GL_TEXTURE_2D, 0, GL_TEXTURE_HEIGHT, &h);
    const bool ok = w > 0 && h > 0 && static_cast<long long>(w) * h <= 8192LL * 8192LL;
    if (ok) {
        rgba->assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4, 0);
        glPixelStorei(GL_PACK_ALIGNMENT, 1);
        glGetTexImage(GL_TEXTURE_2D, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba->data());
        *width = w;
        *height = h;
    }
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
    return ok;
}

}  // namespace lens::gfx
