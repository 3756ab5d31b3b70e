// app/gfx/texture.hpp: move-only RAII OpenGL textures, and a cache that re-uploads only when a
// producer's generation changes. Panels see ImTextureID-compatible handles (void*), never GL.
#pragma once

#include <cstdint>
#include <vector>

namespace lens::gfx {

enum class PixelFormat { Rgb8, Rgba8, R32f };
enum class Filter { Nearest, Linear };

class Texture {
public:
    Texture() = default;
    ~Texture();
    Texture(const Texture&) = delete;
    Texture& operator=(const Texture&) = delete;
    Texture(Texture&& other) noexcept;
    Texture& operator=(Texture&& other) noexcept;

    // Uploads width x height pixels, row-major with the origin top-left (as Grid and PNG), tightly
    // packed. Reallocates only when the size or format changes. Needs a current GL context.
    void Upload(int width, int height, PixelFormat format, const void* pixels, Filter filter = Filter::Linear);
    // Allocates storage without data (render targets).
    void Allocate(int width, int height, PixelFormat format, Filter filter = Filter::Linear);
    void SetFilter(Filter filter);
    void Reset();

    unsigned Id() const { return m_id; }
    int Width() const { return m_width; }
    int Height() const { return m_height; }
    bool Valid() const { return m_id != 0; }
    // The handle ImGui::Image takes (ImTextureID is void* in Dear ImGui 1.86).
    void* ImId() const { return reinterpret_cast<void*>(static_cast<std::uintptr_t>(m_id)); }

private:
    unsigned m_id = 0;
    int m_width = 0;
    int m_height = 0;
    PixelFormat m_format = PixelFormat::Rgba8;
};

// A texture fed from a Memo-like producer: Sync uploads only when `generation` differs from the
// one last uploaded (DESIGN.md section 3: compare keys and generations, not slider bools).
class CachedTexture {
public:
    // Returns true when it uploaded.
    bool Sync(std::uint64_t generation, int width, int height, PixelFormat format, const void* pixels,
              Filter filter = Filter::Linear);
    bool NeedsUpload(std::uint64_t generation) const { return !m_texture.Valid() || generation != m_generation; }
    const Texture& Get() const { return m_texture; }
    void SetFilter(Filter filter) { m_texture.SetFilter(filter); }
    void Reset() { m_texture.Reset(); m_generation = 0; }

private:
    Texture m_texture;
    std::uint64_t m_generation = 0;
};

// Reads back the RGBA8 pixels of the texture behind an ImGui handle (top row first as uploaded);
// false for a handle that is not a 2-D texture. Used to embed matrices in SVG figures.
bool ReadTextureRgba(void* im_id, int* width, int* height, std::vector<std::uint8_t>* rgba);

}  // namespace lens::gfx
