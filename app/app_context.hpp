// app/app_context.hpp: what the host gives every panel each frame. No GL or window-system code here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <imgui.h>

#include <lens/image.hpp>
#include <lens/task.hpp>

namespace lens::app {

struct AppContext {
    std::shared_ptr<const Image> image;  // the current input image; never null after start-up
    std::uint64_t image_version = 0;     // bumps on every successful load
    TaskRunner* tasks = nullptr;         // background work (cancellable, with progress)
    ImFont* mono_font = nullptr;         // for numbers and matrices; may be null (use default)
    float ui_scale = 1.0f;               // DPI x figure-export scale
    bool headless = false;               // rendering off-screen for --screenshot
    std::string status;                  // a panel may set a one-line message for the status bar
};

}  // namespace lens::app
