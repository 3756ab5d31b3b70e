#include "colormap.hpp"

#include <algorithm>
#include <cmath>

#include "gl.hpp"

namespace lens::gfx {
namespace {

// The same anchors as shaders/colormap.frag.glsl (viridis as published by matplotlib).
constexpr float kViridis[9][3] = {{68, 1, 84},    {72, 40, 120},  {62, 73, 137},  {49, 104, 142}, {38, 130, 142},
                                  {31, 158, 137}, {53, 183, 121}, {110, 206, 88}, {253, 231, 37}};
constexpr float kDiverging[5][3] = {{5, 48, 97}, {67, 147, 195}, {247, 247, 247}, {214, 96, 77}, {103, 0, 31}};

template <size_t N>
void Interpolate(const float (&anchors)[N][3], float t, float rgb[3]) {
    const float x = std::clamp(t, 0.0f, 1.0f) * static_cast<float>(N - 1);
    const size_t i = std::min(static_cast<size_t>(x), N - 2);
    const float f = x - static_cast<float>(i);
    for (int c = 0; c < 3; ++c) rgb[c] = (anchors[i][c] * (1 - f) + anchors[i + 1][c] * f) / 255.0f;
}

}  // namespace

void ColormapColor(Colormap map, float t, float rgb[3]) {
    switch (map) {
        case Colormap::Diverging: Interpolate(kDiverging, t, rgb); break;
        case Colormap::Greys: rgb[0] = rgb[1] = rgb[2] = std::clamp(t, 0.0f, 1.0f); break;
        default: Interpolate(kViridis, t, rgb); break;
    }
}

bool ColormapPass::Render(const Texture& values, const ColormapParams& params, Framebuffer& target, std::string* error) {
    if (m_failed || !values.Valid()) return false;
    if (!m_program.Valid()) {
        if (!m_program.Build("fullscreen.vert.glsl", "colormap.frag.glsl", error)) {
            m_failed = true;
            return false;
        }
        GLuint vao = 0;
        glGenVertexArrays(1, &vao);
        m_vao = vao;
    }
    if (target.Width() != values.Width() || target.Height() != values.Height()) {
        if (!target.Create(values.Width(), values.Height(), error)) return false;
        target.SetFilter(Filter::Nearest);  // one texel per matrix entry or screen pixel: keep edges crisp
    }
    // Save what ImGui's renderer may rely on; this pass runs between frames' draw calls.
    GLint last_program = 0, last_texture = 0, last_fbo = 0, last_vao = 0, last_viewport[4] = {0, 0, 0, 0};
    glGetIntegerv(GL_CURRENT_PROGRAM, &last_program);
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &last_fbo);
    glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &last_vao);
    glGetIntegerv(GL_VIEWPORT, last_viewport);
    const GLboolean blend = glIsEnabled(GL_BLEND), scissor = glIsEnabled(GL_SCISSOR_TEST);

    target.Bind();
    glDisable(GL_BLEND);
    glDisable(GL_SCISSOR_TEST);
    m_program.Use();
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, values.Id());
    glUniform1i(m_program.Uniform("u_values"), 0);
    glUniform1i(m_program.Uniform("u_map"), static_cast<int>(params.map));
    glUniform1f(m_program.Uniform("u_lo"), params.lo);
    glUniform1f(m_program.Uniform("u_hi"), params.hi);
    glUniform1i(m_program.Uniform("u_log"), params.log10 ? 1 : 0);
    glUniform1f(m_program.Uniform("u_scale"), params.value_scale);
    glUniform4fv(m_program.Uniform("u_empty"), 1, params.empty_rgba);
    glUniform4fv(m_program.Uniform("u_zero"), 1, params.zero_rgba);
    glBindVertexArray(m_vao);
    glDrawArrays(GL_TRIANGLES, 0, 3);

    glBindVertexArray(static_cast<GLuint>(last_vao));
    glUseProgram(static_cast<GLuint>(last_program));
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(last_texture));
    glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(last_fbo));
    glViewport(last_viewport[0], last_viewport[1], last_viewport[2], last_viewport[3]);
    if (blend) glEnable(GL_BLEND);
    if (scissor) glEnable(GL_SCISSOR_TEST);
    return true;
}

}  // namespace lens::gfx
