#include "shader.hpp"

#include <utility>
#include <vector>

#include "gl.hpp"

namespace lens::gfx {
namespace {

GLuint Compile(GLenum type, const char* name, std::string* error) {
    const char* source = EmbeddedShader(name);
    if (!source) {
        if (error) *error = std::string("no embedded shader named ") + name;
        return 0;
    }
    GLuint shader = glCreateShader(type);
    glShaderSource(shader, 1, &source, nullptr);
    glCompileShader(shader);
    GLint ok = 0;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        GLint length = 0;
        glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
        std::vector<char> log(static_cast<size_t>(std::max(length, 1)));
        glGetShaderInfoLog(shader, length, nullptr, log.data());
        if (error) *error = std::string(name) + ": " + log.data();
        glDeleteShader(shader);
        return 0;
    }
    return shader;
}

}  // namespace

ShaderProgram::~ShaderProgram() { Reset(); }
ShaderProgram::ShaderProgram(ShaderProgram&& other) noexcept : m_program(std::exchange(other.m_program, 0)) {}
ShaderProgram& ShaderProgram::operator=(ShaderProgram&& other) noexcept {
    if (this != &other) {
        Reset();
        m_program = std::exchange(other.m_program, 0);
    }
    return *this;
}

void ShaderProgram::Reset() {
    if (m_program != 0) glDeleteProgram(m_program);
    m_program = 0;
}

bool ShaderProgram::Build(const char* vertex_name, const char* fragment_name, std::string* error) {
    Reset();
    GLuint vs = Compile(GL_VERTEX_SHADER, vertex_name, error);
    if (!vs) return false;
    GLuint fs = Compile(GL_FRAGMENT_SHADER, fragment_name, error);
    if (!fs) {
        glDeleteShader(vs);
        return false;
    }
    GLuint program = glCreateProgram();
    glAttachShader(program, vs);
    glAttachShader(program, fs);
    glLinkProgram(program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (!ok) {
        GLint length = 0;
        glGetProgramiv(program, GL_INFO_LOG_LENGTH, &length);
        std::vector<char> log(static_cast<size_t>(std::max(length, 1)));
        glGetProgramInfoLog(program, length, nullptr, log.data());
        if (error) *error = std::string("link: ") + log.data();
        glDeleteProgram(program);
        return false;
    }
    m_program = program;
    return true;
}

void ShaderProgram::Use() const { glUseProgram(m_program); }
int ShaderProgram::Uniform(const char* name) const { return glGetUniformLocation(m_program, name); }

}  // namespace lens::gfx
