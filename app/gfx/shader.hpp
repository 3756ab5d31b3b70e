// app/gfx/shader.hpp: a move-only RAII GLSL program built from the shaders embedded at build time
// (shaders/*.glsl, see app/CMakeLists.txt).
#pragma once

#include <string>

namespace lens::gfx {

// The text of an embedded shader file ("colormap.frag.glsl"), or nullptr.
const char* EmbeddedShader(const char* name);

class ShaderProgram {
public:
    ShaderProgram() = default;
    ~ShaderProgram();
    ShaderProgram(const ShaderProgram&) = delete;
    ShaderProgram& operator=(const ShaderProgram&) = delete;
    ShaderProgram(ShaderProgram&& other) noexcept;
    ShaderProgram& operator=(ShaderProgram&& other) noexcept;

    // Compiles and links two embedded shaders. False with the driver's log on failure.
    bool Build(const char* vertex_name, const char* fragment_name, std::string* error);
    void Use() const;
    int Uniform(const char* name) const;  // location, -1 when absent
    bool Valid() const { return m_program != 0; }

private:
    void Reset();
    unsigned m_program = 0;
};

}  // namespace lens::gfx
