// app/platform/window.hpp: the one window of the program (GLFW, OpenGL 3.3 core context) and the
// ImGui GLFW backend. The only code that includes GLFW; it makes no GL calls (gfx loads GL through
// the proc-address function the window hands it).
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace lens::platform {

// A GL entry point, and the window system's function that finds one by name.
using ProcAddress = void (*)();
using ProcAddressFn = ProcAddress (*)(const char* name);
// Loads GL for the current context through `find` (gfx::LoadGL); false with a message when the
// context is unusable.
using GlLoader = std::function<bool(ProcAddressFn find, std::string* error)>;

// The keys the host binds to Ctrl shortcuts; every other key arrives as Other.
enum class Key { Other, O, E, Q, Tab };

struct WindowOptions {
    int width = 1280;   // screen coordinates
    int height = 800;
    std::string title;
    bool visible = true;
};

// What the window reports from its event callbacks (called from PollEvents / WaitEvents).
struct WindowHooks {
    std::function<void(const std::string& path)> drop;  // the first path of a drag-and-drop
    // Ctrl+key pressed. Dear ImGui 1.86 samples key state once per frame, so a tap shorter than a
    // frame could be missed: hosts queue these and act at the next frame.
    std::function<void(Key key, bool shift)> shortcut;
    std::function<void()> activity;  // any key, pointer, button, scroll or resize event
};

struct WindowState;  // window.cpp

class Window {
public:
    Window();
    ~Window();  // destroys the window and ends GLFW
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;
    Window(Window&& other) noexcept;
    Window& operator=(Window&& other) noexcept;

    // Opens the window with a current OpenGL 3.3 core context (vsync on), loads GL through `load`
    // and installs the event callbacks. On failure returns an invalid window and says why in
    // `error` (no display, no 3.3 core context, or what `load` refused). GLFW's own errors are
    // printed to stderr as they happen.
    static Window Create(const WindowOptions& options, const GlLoader& load, std::string* error);
    bool Valid() const { return m_state != nullptr; }

    // The hooks may be set or replaced at any time; they are called on the event thread.
    void SetHooks(WindowHooks hooks);

    // The ImGui GLFW backend. InitImGui needs a current ImGui context and chains to the
    // callbacks installed by Create; ShutdownImGui must come before the ImGui context goes.
    void InitImGui();
    void NewImGuiFrame();
    void ShutdownImGui();

    bool ShouldClose() const;
    void PollEvents();
    void WaitEvents(double timeout_seconds);
    double Time() const;  // seconds since the window system started
    void SwapBuffers();
    void FramebufferSize(int* width, int* height) const;  // pixels
    void WindowSize(int* width, int* height) const;       // screen coordinates
    float ContentScale() const;                           // the larger of the x and y DPI scales

private:
    std::unique_ptr<WindowState> m_state;  // heap-held: GLFW's user pointer must not move with the Window
};

}  // namespace lens::platform
