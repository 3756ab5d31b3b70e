// app/platform/window.cpp: the GLFW window, its callbacks and the ImGui GLFW backend.
#include "window.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <imgui.h>
#include <backends/imgui_impl_glfw.h>

#include <GLFW/glfw3.h>

namespace lens::platform {

struct WindowState {
    GLFWwindow* window = nullptr;
    WindowHooks hooks;
    bool imgui_ready = false;
};

namespace {

void ErrorCallback(int code, const char* description) {
    // GLFW reports missing displays here; the caller turns failures into exit code 3.
    std::fprintf(stderr, "matrixlens: GLFW error %d: %s\n", code, description);
}

WindowState* StateOf(GLFWwindow* window) { return static_cast<WindowState*>(glfwGetWindowUserPointer(window)); }

void Activity(GLFWwindow* window) {
    if (auto* state = StateOf(window); state && state->hooks.activity) state->hooks.activity();
}

void DropCallback(GLFWwindow* window, int count, const char** paths) {
    if (auto* state = StateOf(window); state && count > 0 && state->hooks.drop) state->hooks.drop(paths[0]);
}

Key KeyOf(int key) {
    switch (key) {
        case GLFW_KEY_O: return Key::O;
        case GLFW_KEY_E: return Key::E;
        case GLFW_KEY_Q: return Key::Q;
        case GLFW_KEY_TAB: return Key::Tab;
        default: return Key::Other;
    }
}

// Installed before ImGui's backend, which chains to it.
void KeyCallback(GLFWwindow* window, int key, int, int action, int mods) {
    auto* state = StateOf(window);
    if (!state) return;
    if (state->hooks.activity) state->hooks.activity();
    if (action == GLFW_PRESS && (mods & GLFW_MOD_CONTROL) && state->hooks.shortcut)
        state->hooks.shortcut(KeyOf(key), (mods & GLFW_MOD_SHIFT) != 0);
}

}  // namespace

Window::Window() = default;
Window::Window(Window&& other) noexcept = default;

Window& Window::operator=(Window&& other) noexcept {
    if (this != &other) {
        Window dying(std::move(*this));
        m_state = std::move(other.m_state);
    }
    return *this;
}

Window::~Window() {
    if (!m_state) return;
    if (m_state->imgui_ready && ImGui::GetCurrentContext()) ShutdownImGui();
    glfwDestroyWindow(m_state->window);
    glfwTerminate();
}

Window Window::Create(const WindowOptions& options, const GlLoader& load, std::string* error) {
    glfwSetErrorCallback(ErrorCallback);
    if (!glfwInit()) {
        if (error) *error = "cannot open a display (is DISPLAY set? headless: run under xvfb-run -a)";
        return Window();
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_VISIBLE, options.visible ? GLFW_TRUE : GLFW_FALSE);
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    GLFWwindow* window = glfwCreateWindow(options.width, options.height, options.title.c_str(), nullptr, nullptr);
    if (!window) {
        if (error) *error = "cannot create an OpenGL 3.3 core context";
        glfwTerminate();
        return Window();
    }
    glfwMakeContextCurrent(window);
    if (!load(glfwGetProcAddress, error)) {
        glfwDestroyWindow(window);
        glfwTerminate();
        return Window();
    }
    glfwSwapInterval(1);

    Window result;
    result.m_state = std::make_unique<WindowState>();
    result.m_state->window = window;
    glfwSetWindowUserPointer(window, result.m_state.get());
    glfwSetDropCallback(window, DropCallback);
    glfwSetKeyCallback(window, KeyCallback);
    glfwSetCursorPosCallback(window, [](GLFWwindow* w, double, double) { Activity(w); });
    glfwSetMouseButtonCallback(window, [](GLFWwindow* w, int, int, int) { Activity(w); });
    glfwSetScrollCallback(window, [](GLFWwindow* w, double, double) { Activity(w); });
    glfwSetWindowSizeCallback(window, [](GLFWwindow* w, int, int) { Activity(w); });
    return result;
}

void Window::SetHooks(WindowHooks hooks) { m_state->hooks = std::move(hooks); }

void Window::InitImGui() {
    ImGui_ImplGlfw_InitForOpenGL(m_state->window, true);
    m_state->imgui_ready = true;
}

void Window::NewImGuiFrame() { ImGui_ImplGlfw_NewFrame(); }

void Window::ShutdownImGui() {
    if (!m_state || !m_state->imgui_ready) return;
    ImGui_ImplGlfw_Shutdown();
    m_state->imgui_ready = false;
}

bool Window::ShouldClose() const { return glfwWindowShouldClose(m_state->window) != 0; }
void Window::PollEvents() { glfwPollEvents(); }
void Window::WaitEvents(double timeout_seconds) { glfwWaitEventsTimeout(timeout_seconds); }
double Window::Time() const { return glfwGetTime(); }
void Window::SwapBuffers() { glfwSwapBuffers(m_state->window); }
void Window::FramebufferSize(int* width, int* height) const { glfwGetFramebufferSize(m_state->window, width, height); }
void Window::WindowSize(int* width, int* height) const { glfwGetWindowSize(m_state->window, width, height); }

float Window::ContentScale() const {
    float xs = 1, ys = 1;
    glfwGetWindowContentScale(m_state->window, &xs, &ys);
    return std::max(xs, ys);
}

}  // namespace lens::platform
