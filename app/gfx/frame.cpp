// app/gfx/frame.cpp: GL loading, frame clearing and the ImGui OpenGL 3 backend.
#include "frame.hpp"

#include <cstdio>

#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>

#include "framebuffer.hpp"
#include "gl.hpp"

namespace lens::gfx {

bool LoadGL(ProcAddressFn find, std::string* error) {
    const int version = gladLoadGL(find);
    if (version >= 30003) return true;
    if (error) {
        char message[96];
        std::snprintf(message, sizeof message, "OpenGL 3.3 is required (got %d.%d)", version / 10000, version % 10000);
        *error = message;
    }
    return false;
}

void ClearWindow(int width, int height, Rgba color) {
    Framebuffer::BindDefault();
    glViewport(0, 0, width, height);
    Clear(color);
}

void Clear(Rgba color) {
    glClearColor(color.r, color.g, color.b, color.a);
    glClear(GL_COLOR_BUFFER_BIT);
}

void Finish() { glFinish(); }

void InitImGuiRenderer() { ImGui_ImplOpenGL3_Init("#version 330 core"); }
void NewImGuiRendererFrame() { ImGui_ImplOpenGL3_NewFrame(); }
void RenderImGuiDrawData() { ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData()); }

void RebuildImGuiFontTexture() {
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
}

void ShutdownImGuiRenderer() { ImGui_ImplOpenGL3_Shutdown(); }

}  // namespace lens::gfx
