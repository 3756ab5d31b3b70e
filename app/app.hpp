// app/app.hpp: the application: window, frame loop, panel host, headless render and export.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "i18n/strings.hpp"

namespace lens::app {

// Process exit codes (also documented in the README).
enum ExitCode : int {
    kExitOk = 0,
    kExitBadArguments = 2,   // unknown panel or key, bad value
    kExitNoOpenGL = 3,       // no display or no OpenGL 3.3 context
    kExitInputUnusable = 4,  // the image (or another input file) cannot be used
    kExitOutputFailed = 5,   // a screenshot or export could not be written
    kExitLayoutCut = 6,      // --layout-check found a cut number or content off the window
};

struct AppOptions {
    std::string panel;                                       // panel id to show first ("" = image)
    std::string image_path;                                  // "" = the bundled default image
    std::vector<std::pair<std::string, std::string>> sets;   // --set key=value, in order
    std::optional<i18n::Language> language;                  // --lang; else the remembered one
    std::string screenshot_path;                             // non-empty: render off-screen and exit
    int width = 1280;                                        // window / screenshot width, px
    int height = 800;                                        // window / screenshot height, px
    float scale = 1.0f;                                      // screenshot UI scale (1, 2, 4)
    std::string export_dir;                                  // non-empty: write stats.json + .npy
    std::string figure_path;                                 // non-empty: write the panel's figure PNG (as File > Export figure) and exit
    bool force = false;                                      // --force: --screenshot/--figure may replace a file
    std::string hover;                                       // "x,y": simulated pointer for screenshots
    std::string animate_path;                                // --animate OUT.gif: the panel's animation
    int animate_frames = 0;                                  // --frames (0 = one per step, at most 120)
    int animate_fps = 12;                                    // --fps
    std::string session_path;                                // --session FILE: restore before --set
    std::string lesson;                                      // --lesson ID: the step (panel and keys resolved by main)
    bool present = false;                                    // --present: presentation mode (lesson bar, no controls)
    bool layout_check = false;                               // render off-screen, list cut numbers, exit 6 if any
};

class App {
public:
    App();
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    // Validates the options without touching GL (panel, keys, image). Returns kExitOk or an exit
    // code, with the message printed to stderr.
    int Prepare(const AppOptions& options);
    // Writes every panel's fields, the image and the language as a session file (no GL needed).
    int SaveSession(const std::string& path);
    // Writes the export directory (no GL needed).
    int ExportNumbers();
    // Opens the window (hidden for screenshots), renders, and returns the exit code.
    int Run();

    static std::vector<std::string> PanelIds();
    // Lists a panel's keys on stdout; false if the panel does not exist.
    static bool ListKeys(const std::string& panel, std::string* error);
    // The README's key table (Markdown), generated from every panel's field declarations.
    static void PrintKeysMarkdown();

private:
    struct Impl;  // app.cpp
    std::unique_ptr<Impl> m_impl;
};

// Where the bundled assets are (next to the executable, or in the source tree).
std::string AssetsDirectory();

}  // namespace lens::app
