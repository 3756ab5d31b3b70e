// app/animation_export.hpp: a panel's animation as an animated GIF (File > Export animation,
// --animate). A panel has an animation when one of its fields is marked Animation() (a 0..1
// display field its figure is drawn from); the exporter steps that field through the frames,
// renders each off-screen, crops the figure and encodes the GIF (gif_encoder.hpp). In the UI one
// frame is rendered per pass of the main loop, with progress, and Esc or Cancel stops it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <imgui.h>

#include "gif_encoder.hpp"
#include "panels/panel.hpp"

namespace lens::app {

class AnimationExporter {
public:
    // Renders one frame: the RGBA pixels, their size, and the figure's rectangle in them.
    using RenderFn = std::function<bool(std::vector<std::uint8_t>* rgba, int* width, int* height, ImVec2* figure_min,
                                        ImVec2* figure_max, std::string* error)>;
    static constexpr int kMaxFrames = 600;
    static constexpr int kAutoMaxFrames = 120;

    // "" when `panel` can be animated, else why not (for exit 2).
    static std::string CheckPanel(Panel& panel);
    // `frames` 0 = one per step of the animation (at most kAutoMaxFrames).
    bool Start(Panel& panel, const std::string& path, int frames, int fps, std::string* error);
    // Renders the next frame, or encodes and writes when all are rendered. Returns true once the
    // export has ended; then `*ok` and `*message` say how.
    bool Step(Panel& panel, const RenderFn& render, bool* ok, std::string* message);
    void Cancel(Panel& panel);
    bool Active() const { return m_job.has_value(); }
    float Progress() const;

    // File > Export animation: the dialog (path, frames). Starts the export when confirmed and
    // then returns true.
    void OpenDialog() { m_dialog_opening = true; }
    bool DrawDialog(Panel& panel, std::string* status, bool* status_is_error);
    // While exporting: a small progress window with Cancel. Returns true when the user cancelled.
    bool DrawProgress();

private:
    struct Job {
        std::string path;
        std::string key;
        std::string restore_value;
        int frames = 2;
        int next = 0;
        GifFrames gif;
        ImVec2 crop_min, crop_max;
    };
    std::optional<Job> m_job;
    bool m_dialog_opening = false;
    char m_path[1024] = {};
    int m_frames = 0;
    int m_fps = 12;
    std::string m_dialog_error;
};

}  // namespace lens::app
