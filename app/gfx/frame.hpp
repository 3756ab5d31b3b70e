// app/gfx/frame.hpp: the per-frame GL the host needs: loading GL for a fresh context, clearing the
// window or a render target, waiting for the GPU, and the ImGui OpenGL 3 renderer backend.
#pragma once

#include <string>

namespace lens::gfx {

// A GL entry point, and the window system's function that finds one by name (same shape as
// platform::ProcAddressFn, so the window can hand it over without knowing gfx).
using ProcAddress = void (*)();
using ProcAddressFn = ProcAddress (*)(const char* name);

struct Rgba {
    float r, g, b, a;
};

// Loads GL for the current context. False with a message when it is older than 3.3.
bool LoadGL(ProcAddressFn find, std::string* error);

// Binds the window's framebuffer, sets the viewport to width x height pixels and clears it.
void ClearWindow(int width, int height, Rgba color);
// Clears the bound target (its viewport set by Framebuffer::Bind).
void Clear(Rgba color);
// Blocks until every GL command issued so far has finished.
void Finish();

// The ImGui OpenGL 3 backend (GLSL 330 core). Init needs a current ImGui context and GL context.
void InitImGuiRenderer();
void NewImGuiRendererFrame();
void RenderImGuiDrawData();  // the draw data of the last ImGui::Render()
void RebuildImGuiFontTexture();  // after the font atlas was rebuilt
void ShutdownImGuiRenderer();

}  // namespace lens::gfx
