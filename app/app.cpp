// app/app.cpp: window, frame loop, panel host, headless render and export.
//
// [SECTION] Paths and settings
// [SECTION] State
// [SECTION] Preparation (no GL)
// [SECTION] Window, GL and ImGui set-up
// [SECTION] Frame: menu bar, navigation, panel, status bar, dialogs
// [SECTION] Off-screen rendering (screenshots, figure export)
// [SECTION] Main loop
#include "app.hpp"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <imgui.h>
#include <lens/atomic_file.hpp>
#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include "app_cli.hpp"
#include "app_context.hpp"
#include "export.hpp"
#include "gfx/frame.hpp"
#include "gfx/framebuffer.hpp"
#include "lesson/lesson.hpp"
#include "panels/panel.hpp"
#include "animation_export.hpp"
#include "widgets/svg_figure.hpp"
#include "session_ui.hpp"
#include "settings.hpp"
#include "platform/window.hpp"
#include "ui_style.hpp"
#include "widgets/file_browser.hpp"
#include "widgets/layout_check.hpp"

namespace lens::app {

namespace fs = std::filesystem;
using i18n::S;
using i18n::Tr;

// [SECTION] Paths and settings

std::string AssetsDirectory() {
    std::error_code ec;
    // Installed or built next to the executable first, then the source tree this was built from.
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (fs::path candidate : {exe.parent_path() / "assets", exe.parent_path().parent_path() / "assets"}) {
            if (fs::exists(candidate / "astronaut.png", ec)) return candidate.string();
        }
    }
    return LENS_SOURCE_ASSETS_DIR;
}

namespace {

S ImageErrorString(ImageError error) {
    switch (error) {
        case ImageError::Missing: return S::ErrImageMissing;
        case ImageError::Empty: return S::ErrImageEmpty;
        case ImageError::Truncated: return S::ErrImageTruncated;
        case ImageError::NotAnImage: return S::ErrImageNotImage;
        case ImageError::TooLarge: return S::ErrImageTooLarge;
        default: return S::ErrImageUnreadable;
    }
}

// The window's background, behind every ImGui window.
constexpr gfx::Rgba kBackground{0.086f, 0.090f, 0.106f, 1.0f};

std::string Format(const char* format, const std::string& a) {
    std::vector<char> buffer(a.size() + std::char_traits<char>::length(format) + 64);
    std::snprintf(buffer.data(), buffer.size(), format, a.c_str());
    return buffer.data();
}

}  // namespace

// [SECTION] State

struct App::Impl {
    AppOptions options;
    std::vector<std::unique_ptr<Panel>> panels;
    int current = 0;
    AppContext context;
    // Two workers: a long computation (applying a large convolution) must not hold up the
    // canvas rasters of the next frame.
    TaskRunner tasks{2};

    platform::Window window;
    bool imgui_ready = false;
    FontSet fonts;
    float dpi_scale = 1.0f;
    float built_scale = 0.0f;  // scale the font atlas was last built for

    std::string status;        // last message for the status bar
    bool status_is_error = false;
    bool quit = false;
    std::vector<std::string> dropped;  // paths from drag-and-drop, handled at the next frame
    struct Shortcut {
        platform::Key key;
        bool shift;
    };
    std::vector<Shortcut> shortcuts;   // Ctrl+key presses, handled at the next frame
    double last_input_time = 0;        // window.Time() of the last input event
    double frame_ms = 0;               // CPU time of the last interactive frame

    FileBrowser browser;
    bool export_dialog = false;
    char export_path[1024] = {};
    int export_scale_index = 0;  // 1x, 2x, 4x
    bool export_confirm = false;
    struct PendingExport {
        std::string path;
        int scale;
    };
    std::optional<PendingExport> pending_export;
    // File > Export animation and --animate (animation_export.hpp).
    AnimationExporter animation;
    int animation_panel = 0;  // the panel being exported
    // Set by ExportFigure for a .svg path: RenderOffscreen then also converts its last frame.
    bool svg_capture = false;
    std::string svg_text;

    // The guided lesson (app/lesson/): its bar, presentation mode and the UI zoom (Ctrl +/-).
    LessonBar lesson;
    float ui_zoom = 1.0f;
    LessonBar::Host LessonHost() { return {&panels, &current, &context}; }
    std::vector<std::string> layout_problems;  // --layout-check: what the last off-screen frame cut

    Panel& CurrentPanel() { return *panels[static_cast<size_t>(current)]; }
    // Sessions, undo / redo, copy as command line, pin and compare (session_ui.hpp).
    SessionUi session_ui;
    SessionHost Host() {
        return SessionHost{panels, current, context, [this](const std::string& path) { return LoadImage(path) == ImageError::None; },
                           [this](const std::string& message, bool error) {
                               status = message;
                               status_is_error = error;
                           }};
    }
    // Opens the file browser in the current image's folder.
    void OpenBrowser() { browser.Open(context.image ? fs::path(context.image->path).parent_path().string() : std::string()); }

    // Loads an image; on failure keeps the current one and reports why. Returns the error.
    ImageError LoadImage(const std::string& path) {
        ImageLoadResult result = LoadImageFile(path);
        if (!result.image) {
            status = Format(Tr(ImageErrorString(result.error)), path);
            if (!result.message.empty()) status += " " + Format(Tr(S::ErrReason), result.message);
            if (context.image) status += std::string(" ") + Tr(S::KeptPreviousImage);
            status_is_error = true;
            return result.error == ImageError::None ? ImageError::Unreadable : result.error;
        }
        context.image = std::make_shared<const Image>(std::move(*result.image));
        ++context.image_version;
        status = Format(Tr(S::StatusImageLoaded), context.image->name);
        status_is_error = false;
        return ImageError::None;
    }

    // [SECTION] Window, GL and ImGui set-up
    int InitWindow(bool hidden);
    void Shutdown();
    void EnsureFonts(float scale);
    // [SECTION] Frame
    void Frame(bool interactive);
    void DrawMenuBar(bool interactive);
    void DrawExportDialog();
    // [SECTION] Off-screen rendering
    bool RenderOffscreen(int width, int height, float scale, std::vector<std::uint8_t>* rgba, ImVec2* figure_min,
                         ImVec2* figure_max, std::string* error);
    bool WritePng(const std::string& path, int width, int height, const std::vector<std::uint8_t>& rgba,
                  std::string* error);
    // Renders the UI at `request.scale` times a base size and writes the current panel's figure.
    bool ExportFigure(const PendingExport& request, int base_width, int base_height);
    // Renders one off-screen frame at the window's size for the animation export.
    bool RenderAnimationFrame(std::vector<std::uint8_t>* rgba, int* width, int* height, ImVec2* figure_min, ImVec2* figure_max,
                              std::string* error);
};

App::App() : m_impl(std::make_unique<Impl>()) {}
App::~App() { m_impl->Shutdown(); }

// [SECTION] Preparation (no GL)

int App::Prepare(const AppOptions& options) {
    Impl& s = *m_impl;
    s.options = options;
    s.panels = CreateAllPanels();
    if (s.panels.empty()) {
        std::fprintf(stderr, "matrixlens: no panels are registered\n");
        return kExitBadArguments;
    }
    if (!options.panel.empty()) {
        auto it = std::find_if(s.panels.begin(), s.panels.end(), [&](const auto& p) { return options.panel == p->Id(); });
        if (it == s.panels.end()) {
            std::string error;
            ListKeys(options.panel, &error);
            std::fprintf(stderr, "matrixlens: %s\n", error.c_str());
            return kExitBadArguments;
        }
        s.current = static_cast<int>(it - s.panels.begin());
    }
    // A session (--session FILE) first: its panel, fields, image and language, each skipped with a
    // message when unusable; the command line's own options and keys then apply on top.
    std::string session_image;
    std::optional<i18n::Language> session_language;
    if (!options.session_path.empty()) {
        Session session;
        std::vector<std::string> warnings;
        std::string error;
        if (!ReadSessionFile(options.session_path, &session, &warnings, &error)) {
            std::fprintf(stderr, "matrixlens: --session: %s\n", error.c_str());
            return kExitInputUnusable;
        }
        const int chosen = s.current;
        SessionHost host = s.Host();
        for (auto& message : ApplySession(session, host, false)) warnings.push_back(std::move(message));
        if (!options.panel.empty()) s.current = chosen;
        for (const auto& message : warnings) std::fprintf(stderr, "matrixlens: --session: %s\n", message.c_str());
        session_image = session.image;
        if (i18n::Language language; i18n::ParseLanguageCode(session.language, &language)) session_language = language;
    }
    // Presets first, then the other keys in command-line order (FieldTable::SetAll).
    if (std::string error; !s.CurrentPanel().Fields().SetAll(options.sets, &error)) {
        std::fprintf(stderr, "matrixlens: --set: %s\n", error.c_str());
        return kExitBadArguments;
    }
    if (!options.animate_path.empty()) {
        if (std::string problem = AnimationExporter::CheckPanel(s.CurrentPanel()); !problem.empty()) {
            std::fprintf(stderr, "matrixlens: --animate: %s\n", problem.c_str());
            return kExitBadArguments;
        }
    }
    if (std::string problem = s.CurrentPanel().ValidateInputFiles(); !problem.empty()) {
        std::fprintf(stderr, "matrixlens: unusable input file for panel '%s': %s\n", s.CurrentPanel().Id(), problem.c_str());
        return kExitInputUnusable;
    }
    if (std::string problem = s.CurrentPanel().ValidateKeys(); !problem.empty()) {
        std::vector<std::string> keys;
        for (const auto& key : s.CurrentPanel().Keys().List()) keys.push_back(key.name);
        problem = NameUntypedValues(problem, options.sets, keys);
        std::fprintf(stderr, "matrixlens: invalid settings for panel '%s': %s\n", s.CurrentPanel().Id(), problem.c_str());
        return kExitBadArguments;
    }
    i18n::Language language = i18n::Language::English;
    std::string settings_warning;
    if (options.language) {
        language = *options.language;
    } else if (session_language) {
        language = *session_language;
    } else if (options.screenshot_path.empty() && options.export_dir.empty() && !options.layout_check) {
        SettingsFile settings = LoadSettings(SettingsPath());
        language = RememberedLanguage(settings).value_or(i18n::Language::English);
        settings_warning = settings.warning;
    }
    i18n::SetLanguage(language);
    if (!settings_warning.empty()) std::fprintf(stderr, "matrixlens: %s\n", settings_warning.c_str());

    const std::string image_path = !options.image_path.empty() ? options.image_path
                                   : !session_image.empty()     ? session_image
                                                                : AssetsDirectory() + "/astronaut.png";
    if (s.LoadImage(image_path) != ImageError::None) {
        std::fprintf(stderr, "matrixlens: %s\n", s.status.c_str());
        return kExitInputUnusable;
    }
    if (std::string problem = s.CurrentPanel().ValidateForImage(*s.context.image); !problem.empty()) {
        std::fprintf(stderr, "matrixlens: invalid settings for panel '%s' on %s: %s\n", s.CurrentPanel().Id(), image_path.c_str(),
                     problem.c_str());
        return kExitBadArguments;
    }
    s.status = settings_warning.empty() ? std::string(Tr(S::StatusReady)) : Format(Tr(S::StatusSettingsWarning), settings_warning);
    s.status_is_error = !settings_warning.empty();
    s.context.tasks = &s.tasks;
    s.lesson.SetPresenting(options.present);
    if (!options.lesson.empty()) {
        if (std::string problem = s.lesson.Show(s.LessonHost(), options.lesson); !problem.empty()) {
            std::fprintf(stderr, "matrixlens: lesson step '%s': %s\n", options.lesson.c_str(), problem.c_str());
            return kExitInputUnusable;
        }
    }
    return kExitOk;
}

int App::SaveSession(const std::string& path) {
    Impl& s = *m_impl;
    std::error_code ec;
    if (fs::exists(path, ec)) {
        std::fprintf(stderr, "matrixlens: %s already exists; not overwriting it\n", path.c_str());
        return kExitOutputFailed;
    }
    std::string error;
    if (!WriteSessionFile(path, CaptureSession(s.Host()), &error)) {
        std::fprintf(stderr, "matrixlens: --save-session: %s\n", error.c_str());
        return kExitOutputFailed;
    }
    return kExitOk;
}

int App::ExportNumbers() {
    Impl& s = *m_impl;
    ExportSink sink;
    s.CurrentPanel().Export(s.context, sink);
    const LessonPlan* plan = s.options.lesson.empty() ? nullptr : BundledLessonPlan();
    if (plan) AddLessonToExport(plan->steps[static_cast<std::size_t>(plan->Find(s.options.lesson))], sink);
    std::string error;
    if (!sink.WriteTo(s.options.export_dir, &error)) {
        std::fprintf(stderr, "matrixlens: export failed: %s\n", error.c_str());
        return kExitOutputFailed;
    }
    return kExitOk;
}

// [SECTION] Window, GL and ImGui set-up

int App::Impl::InitWindow(bool hidden) {
    platform::WindowOptions window_options;
    window_options.width = hidden ? 64 : options.width;
    window_options.height = hidden ? 64 : options.height;
    window_options.title = "MatrixLens";
    window_options.visible = !hidden;
    std::string error;
    window = platform::Window::Create(window_options, gfx::LoadGL, &error);
    if (!window.Valid()) {
        std::fprintf(stderr, "matrixlens: %s\n", error.c_str());
        return kExitNoOpenGL;
    }
    platform::WindowHooks hooks;
    hooks.drop = [this](const std::string& path) { dropped.push_back(path); };
    hooks.shortcut = [this](platform::Key key, bool shift) { shortcuts.push_back({key, shift}); };
    hooks.activity = [this] { last_input_time = window.Time(); };
    window.SetHooks(std::move(hooks));
    if (!hidden) dpi_scale = std::clamp(window.ContentScale(), 1.0f, 4.0f);
    SetExtraGlyphs(LessonCodePoints());

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    io.IniFilename = nullptr;  // the layout is fixed; the language is remembered in settings.json
    window.InitImGui();
    gfx::InitImGuiRenderer();
    imgui_ready = true;
    EnsureFonts(dpi_scale);
    if (!fonts.warning.empty()) std::fprintf(stderr, "matrixlens: %s\n", fonts.warning.c_str());
    if (!fonts.cjk_available && i18n::CurrentLanguage() == i18n::Language::TraditionalChinese) {
        i18n::SetLanguage(i18n::Language::English);
        status = Tr(S::StatusFontMissing);
    }
    return kExitOk;
}

void App::Impl::EnsureFonts(float scale) {
    if (scale == built_scale) return;
    fonts = BuildFonts(scale);
    ApplyTheme(scale);
    gfx::RebuildImGuiFontTexture();
    built_scale = scale;
    context.mono_font = fonts.mono;
    context.ui_scale = scale;
}

void App::Impl::Shutdown() {
    panels.clear();  // panels own GL textures: release them while the context exists
    if (imgui_ready) {
        gfx::ShutdownImGuiRenderer();
        window.ShutdownImGui();
        ImGui::DestroyContext();
        imgui_ready = false;
    }
    window = platform::Window();  // closes the window and ends the window system
}

// [SECTION] Frame: menu bar, navigation, panel, status bar, dialogs

void App::Impl::DrawMenuBar(bool interactive) {
    if (!ImGui::BeginMainMenuBar()) return;
    if (ImGui::BeginMenu(Tr(S::MenuFile))) {
        if (ImGui::MenuItem(Tr(S::MenuOpenImage), "Ctrl+O")) OpenBrowser();
        CurrentPanel().DrawFileMenuItems();
        if (ImGui::MenuItem(Tr(S::MenuExportFigure), "Ctrl+E")) export_dialog = true;
        if (ImGui::MenuItem(Tr(S::MenuExportAnimation), nullptr, false, !animation.Active())) animation.OpenDialog();
        ImGui::Separator();
        SessionHost host = Host();
        session_ui.DrawFileMenuItems(host);
        ImGui::Separator();
        if (ImGui::MenuItem(Tr(S::MenuQuit), "Ctrl+Q")) quit = true;
        ImGui::EndMenu();
    }
    {
        SessionHost host = Host();
        session_ui.DrawEditMenu(host);
    }
    if (ImGui::BeginMenu(Tr(S::MenuView))) {
        for (int i = 0; i < static_cast<int>(panels.size()); ++i)
            if (ImGui::MenuItem(Tr(panels[static_cast<size_t>(i)]->Title()), nullptr, current == i)) current = i;
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu(Tr(S::MenuLanguage))) {
        auto choose = [&](i18n::Language language, S label, bool enabled) {
            if (ImGui::MenuItem(Tr(label), nullptr, i18n::CurrentLanguage() == language, enabled)) {
                i18n::SetLanguage(language);
                if (std::string error; interactive && !RememberLanguage(SettingsPath(), language, &error)) {
                    status = Format(Tr(S::StatusSettingsWarning), error);
                    status_is_error = true;
                }
            }
        };
        choose(i18n::Language::English, S::LanguageEnglish, true);
        choose(i18n::Language::TraditionalChinese, S::LanguageChinese, fonts.cjk_available);
        ImGui::EndMenu();
    }
    ImGui::EndMainMenuBar();
}

void App::Impl::DrawExportDialog() {
    if (export_dialog) {
        ImGui::OpenPopup("##export");
        export_dialog = false;
        export_confirm = false;
        if (export_path[0] == 0) {
            std::error_code ec;
            std::string path = (fs::current_path(ec) / ("matrixlens-" + std::string(CurrentPanel().Id()) + ".png")).string();
            std::snprintf(export_path, sizeof export_path, "%s", path.c_str());
        }
    }
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.4f), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal("##export", nullptr, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoTitleBar)) return;
    ImGui::TextUnformatted(Tr(S::ExportTitle));
    ImGui::Separator();
    ImGui::TextDisabled("%s", Tr(S::ExportNote));
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 30);
    ImGui::InputText(Tr(S::ExportPath), export_path, sizeof export_path);
    ImGui::TextUnformatted(Tr(S::ExportScale));
    const char* scales[] = {"1x", "2x", "4x"};
    for (int i = 0; i < 3; ++i) {
        ImGui::SameLine();
        ImGui::RadioButton(scales[i], &export_scale_index, i);
    }
    const int scale = 1 << export_scale_index;
    std::error_code ec;
    if (export_confirm) {
        ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), Tr(S::ExportExists), export_path);
        if (ImGui::Button(Tr(S::ExportOverwrite))) {
            pending_export = PendingExport{export_path, scale};
            ImGui::CloseCurrentPopup();
        }
    } else if (ImGui::Button(Tr(S::ExportDo))) {
        if (fs::exists(export_path, ec)) {
            export_confirm = true;  // never overwrite silently
        } else {
            pending_export = PendingExport{export_path, scale};
            ImGui::CloseCurrentPopup();
        }
    }
    ImGui::SameLine();
    if (ImGui::Button(Tr(S::ExportCancel))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

void App::Impl::Frame(bool interactive) {
    ImGuiIO& io = ImGui::GetIO();
    if (interactive) {
        for (const auto& path : dropped) LoadImage(path);
        dropped.clear();
        for (const Shortcut& shortcut : shortcuts) {
            if (shortcut.key == platform::Key::O) OpenBrowser();
            if (shortcut.key == platform::Key::E) export_dialog = true;
            if (shortcut.key == platform::Key::Q) quit = true;
            if (shortcut.key == platform::Key::Tab) {
                const int n = static_cast<int>(panels.size());
                current = (current + (shortcut.shift ? n - 1 : 1)) % n;
            }
        }
        shortcuts.clear();
        ui_zoom = std::clamp(ui_zoom * lesson.HandleKeys(LessonHost()), 0.6f, 3.0f);
    }

    // Presentation mode: no menu, navigation or status bar; the lesson card over the figure.
    const bool presenting = lesson.Presenting() && lesson.Active();
    Panel::SetControlsHidden(presenting);
    if (!presenting) DrawMenuBar(interactive);
    const float menu_height = presenting ? 0.0f : ImGui::GetFrameHeight();
    const float status_height = presenting ? 0.0f : ImGui::GetFrameHeight() + ImGui::GetStyle().WindowPadding.y;
    const ImVec2 display = io.DisplaySize;
    const float lesson_height = lesson.Draw(LessonHost(), menu_height, display.x, display.y * (presenting ? 0.45f : 0.36f));

    ImGui::SetNextWindowPos(ImVec2(0, menu_height + lesson_height));
    ImGui::SetNextWindowSize(ImVec2(display.x, std::max(1.0f, display.y - menu_height - lesson_height - status_height)));
    const ImGuiWindowFlags host_flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                        ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoSavedSettings;
    ImGui::Begin("##host", nullptr, host_flags);
    {
        // As wide as the longest panel title (in the current language), within reason.
        float nav_width = ImGui::GetFontSize() * 8.0f;
        for (const auto& panel : panels) nav_width = std::max(nav_width, ImGui::CalcTextSize(Tr(panel->Title())).x);
        nav_width = std::min(nav_width + ImGui::GetStyle().WindowPadding.x * 2 + ImGui::GetStyle().ItemSpacing.x, display.x * 0.25f);
        ImGui::BeginChild("##nav", ImVec2(presenting ? 1.0f : nav_width, 0), true);
        if (!lesson.Active() && ImGui::Button(Tr(S::LessonStart))) lesson.Open(LessonHost(), 0);
        ImGui::TextDisabled("%s", Tr(S::NavPanels));
        ImGui::Separator();
        for (int i = 0; i < static_cast<int>(panels.size()); ++i) {
            ImGui::PushID(i);
            if (ImGui::Selectable(Tr(panels[static_cast<size_t>(i)]->Title()), current == i)) current = i;
            ImGui::PopID();
        }
        ImGui::EndChild();
        ImGui::SameLine();
        ImGui::BeginGroup();
        ImGui::TextUnformatted(Tr(CurrentPanel().Title()));
        ImGui::Separator();
        CurrentPanel().Draw(context);
        ImGui::EndGroup();
    }
    ImGui::End();
    if (interactive) {
        SessionHost host = Host();
        session_ui.EndFrame(host);
    }

    if (presenting) return;
    // Status bar.
    ImGui::SetNextWindowPos(ImVec2(0, display.y - status_height));
    ImGui::SetNextWindowSize(ImVec2(display.x, status_height));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(ImGui::GetStyle().WindowPadding.x, ImGui::GetStyle().WindowPadding.y * 0.5f));
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImGui::GetStyleColorVec4(ImGuiCol_MenuBarBg));
    ImGui::Begin("##status", nullptr, host_flags);
    if (context.image)
        ImGui::Text(Tr(S::StatusImage), context.image->name.c_str(), context.image->width, context.image->height);
    ImGui::SameLine(0, ImGui::GetFontSize() * 2);
    // While recomputing the status bar says so instead of "Ready" (the figure itself dims and spins).
    const bool busy = CurrentPanel().Busy();
    if (busy) {
        ImGui::Text(Tr(S::StatusRecomputing), static_cast<int>(CurrentPanel().Progress() * 100));
        ImGui::SameLine(0, ImGui::GetFontSize() * 2);
    }
    if (!context.status.empty()) {
        status = context.status;
        status_is_error = false;
        context.status.clear();
    }
    if (status_is_error)
        ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.45f, 1.0f), "%s", status.c_str());
    else if (!(busy && status == Tr(S::StatusReady)))
        ImGui::TextUnformatted(status.c_str());
    if (interactive) {
        char fps[32];
        std::snprintf(fps, sizeof fps, Tr(S::StatusFrameTime), frame_ms);
        ImGui::SameLine(display.x - ImGui::CalcTextSize(fps).x - ImGui::GetStyle().WindowPadding.x);
        ImGui::TextDisabled("%s", fps);
    }
    ImGui::End();
    ImGui::PopStyleColor();
    ImGui::PopStyleVar();

    if (interactive) {
        if (auto path = browser.Draw()) LoadImage(*path);
        DrawExportDialog();
        if (animation.DrawDialog(CurrentPanel(), &status, &status_is_error)) animation_panel = current;
        if (animation.Active() && (animation.DrawProgress() || animation_panel != current)) {
            animation.Cancel(*panels[static_cast<size_t>(animation_panel)]);
            status = Tr(S::AnimationCancelled);
            status_is_error = false;
        }
    }
}

bool App::Impl::RenderAnimationFrame(std::vector<std::uint8_t>* rgba, int* width, int* height, ImVec2* figure_min, ImVec2* figure_max,
                                     std::string* error) {
    const float scale = context.headless ? options.scale : dpi_scale;
    *width = static_cast<int>(static_cast<float>(options.width) * scale);
    *height = static_cast<int>(static_cast<float>(options.height) * scale);
    const bool ok = RenderOffscreen(*width, *height, scale, rgba, figure_min, figure_max, error);
    if (!context.headless) EnsureFonts(dpi_scale);
    return ok;
}

// [SECTION] Off-screen rendering (screenshots, figure export)

bool App::Impl::RenderOffscreen(int width, int height, float scale, std::vector<std::uint8_t>* rgba, ImVec2* figure_min,
                                ImVec2* figure_max, std::string* error) {
    gfx::Framebuffer target;
    if (!target.Create(width, height, error)) return false;
    EnsureFonts(scale);
    ImGuiIO& io = ImGui::GetIO();
    float hover_x = -FLT_MAX, hover_y = -FLT_MAX;
    if (!options.hover.empty()) std::sscanf(options.hover.c_str(), "%f,%f", &hover_x, &hover_y);
    // A few settling frames lay out auto-sized windows; then wait for background work.
    constexpr int kSettleFrames = 4;
    constexpr int kMaxFrames = 20000;  // about 10 minutes of polling at the sleep below
    int frames = 0;
    if (svg_capture) SvgRenderStyle(true);
    for (int settled = 0; frames < kMaxFrames; ++frames) {
        gfx::NewImGuiRendererFrame();
        window.NewImGuiFrame();
        io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
        io.DisplayFramebufferScale = ImVec2(1, 1);
        io.MousePos = ImVec2(hover_x * scale, hover_y * scale);
        io.DeltaTime = 1.0f / 60.0f;
        ImGui::NewFrame();
        Frame(false);
        ImGui::Render();
        target.Bind();
        gfx::Clear(kBackground);
        gfx::RenderImGuiDrawData();
        if (CurrentPanel().Busy()) {
            settled = 0;
            window.WaitEvents(0.03);
            continue;
        }
        if (++settled >= kSettleFrames) break;
    }
    gfx::Finish();
    if (options.layout_check) layout_problems = CheckLayout(ImGui::GetDrawData());
    *rgba = target.ReadRgba();
    gfx::Framebuffer::BindDefault();
    *figure_min = CurrentPanel().FigureMin();
    *figure_max = CurrentPanel().FigureMax();
    if (svg_capture) {
        SvgRenderStyle(false);
        const ImVec2 lo(std::clamp(figure_min->x, 0.0f, static_cast<float>(width)), std::clamp(figure_min->y, 0.0f, static_cast<float>(height)));
        const ImVec2 hi(std::clamp(figure_max->x, lo.x + 1, static_cast<float>(width)), std::clamp(figure_max->y, lo.y + 1, static_cast<float>(height)));
        svg_text = DrawDataToSvg(*ImGui::GetDrawData(), lo, hi, ImGui::ColorConvertFloat4ToU32(ImVec4(kBackground.r, kBackground.g, kBackground.b, 1)),
                                 [](ImTextureID id, TexturePixels* out) { return gfx::ReadTextureRgba(id, &out->width, &out->height, &out->rgba); });
    }
    if (frames >= kMaxFrames) {
        if (error) *error = "the panel did not finish its background work in time";
        return false;
    }
    return true;
}

bool App::Impl::WritePng(const std::string& path, int width, int height, const std::vector<std::uint8_t>& rgba,
                         std::string* error) {
    // Encode into memory (stbi_write_png to a file reports success when fwrite or fclose fail),
    // then write through the checked, atomic writer.
    std::vector<std::uint8_t> png;
    auto append = [](void* context, void* data, int size) {
        auto* out = static_cast<std::vector<std::uint8_t>*>(context);
        const auto* bytes = static_cast<const std::uint8_t*>(data);
        out->insert(out->end(), bytes, bytes + size);
    };
    if (stbi_write_png_to_func(append, &png, width, height, 4, rgba.data(), width * 4) == 0 || png.empty()) {
        if (error) *error = "cannot encode the " + std::to_string(width) + " x " + std::to_string(height) + " PNG for " + path;
        return false;
    }
    return WriteFileAtomically(path, std::span<const std::uint8_t>(png), error);
}

bool App::Impl::ExportFigure(const PendingExport& request, int base_width, int base_height) {
    const float factor = static_cast<float>(request.scale);
    const float scale = dpi_scale * factor;
    const int width = static_cast<int>(static_cast<float>(base_width) * scale);
    const int height = static_cast<int>(static_cast<float>(base_height) * scale);
    std::vector<std::uint8_t> rgba;
    ImVec2 fmin, fmax;
    std::string error;
    const std::string extension = fs::path(request.path).extension().string();
    svg_capture = extension == ".svg" || extension == ".SVG";
    const bool rendered = RenderOffscreen(width, height, scale, &rgba, &fmin, &fmax, &error);
    const bool svg = svg_capture;
    svg_capture = false;
    EnsureFonts(dpi_scale);
    char message[1400];
    bool written = false;
    if (rendered && svg) {
        written = WriteFileAtomically(request.path, std::string_view(svg_text), &error);
        if (written)
            std::snprintf(message, sizeof message, Tr(S::ExportSaved), request.path.c_str(), static_cast<int>(fmax.x - fmin.x),
                          static_cast<int>(fmax.y - fmin.y));
    } else if (rendered) {
        const int x0 = std::clamp(static_cast<int>(fmin.x), 0, width - 1);
        const int y0 = std::clamp(static_cast<int>(fmin.y), 0, height - 1);
        const int x1 = std::clamp(static_cast<int>(fmax.x), x0 + 1, width);
        const int y1 = std::clamp(static_cast<int>(fmax.y), y0 + 1, height);
        const int cw = x1 - x0, ch = y1 - y0;
        std::vector<std::uint8_t> crop(static_cast<size_t>(cw) * static_cast<size_t>(ch) * 4);
        for (int y = 0; y < ch; ++y)
            std::copy_n(rgba.data() + (static_cast<size_t>(y0 + y) * static_cast<size_t>(width) + static_cast<size_t>(x0)) * 4,
                        static_cast<size_t>(cw) * 4, crop.data() + static_cast<size_t>(y) * static_cast<size_t>(cw) * 4);
        written = WritePng(request.path, cw, ch, crop, &error);
        if (written) std::snprintf(message, sizeof message, Tr(S::ExportSaved), request.path.c_str(), cw, ch);
    }
    if (!written) std::snprintf(message, sizeof message, Tr(S::ExportFailed), request.path.c_str(), error.c_str());
    status = message;
    status_is_error = !written;
    return written;
}

// [SECTION] Main loop

int App::Run() {
    Impl& s = *m_impl;
    const bool headless = !s.options.screenshot_path.empty() || !s.options.figure_path.empty() || !s.options.animate_path.empty() ||
                          s.options.layout_check;
    if (int code = s.InitWindow(headless); code != kExitOk) return code;
    s.context.headless = headless;

    // Neither output replaces an existing file unless --force; both are checked before any work.
    for (const std::string* path : {&s.options.figure_path, &s.options.screenshot_path, &s.options.animate_path}) {
        std::error_code ec;
        if (!path->empty() && !s.options.force && fs::exists(fs::symlink_status(*path, ec))) {
            std::fprintf(stderr, "matrixlens: %s already exists; not overwriting it (--force replaces it)\n", path->c_str());
            return kExitOutputFailed;
        }
    }
    if (!s.options.figure_path.empty()) {
        const int scale = std::clamp(static_cast<int>(s.options.scale), 1, 4);
        const bool ok = s.ExportFigure(Impl::PendingExport{s.options.figure_path, scale}, s.options.width, s.options.height);
        std::fprintf(ok ? stdout : stderr, "matrixlens: %s\n", s.status.c_str());
        if (!ok) return kExitOutputFailed;
        if (s.options.screenshot_path.empty() && s.options.animate_path.empty()) return kExitOk;
    }
    if (!s.options.animate_path.empty()) {
        std::string message;
        bool ok = false;
        if (s.animation.Start(s.CurrentPanel(), s.options.animate_path, s.options.animate_frames, s.options.animate_fps, &message)) {
            auto render = [&s](auto... args) { return s.RenderAnimationFrame(args...); };
            while (!s.animation.Step(s.CurrentPanel(), render, &ok, &message)) {
            }
        }
        std::fprintf(ok ? stdout : stderr, "matrixlens: %s\n", message.c_str());
        if (!ok) return kExitOutputFailed;
        if (s.options.screenshot_path.empty()) return kExitOk;
    }
    if (headless) {
        std::vector<std::uint8_t> rgba;
        ImVec2 fmin, fmax;
        std::string error;
        if (!s.RenderOffscreen(s.options.width, s.options.height, s.options.scale, &rgba, &fmin, &fmax, &error)) {
            std::fprintf(stderr, "matrixlens: screenshot failed: %s\n", error.c_str());
            return kExitOutputFailed;
        }
        if (!s.options.screenshot_path.empty() && !s.WritePng(s.options.screenshot_path, s.options.width, s.options.height, rgba, &error)) {
            std::fprintf(stderr, "matrixlens: %s\n", error.c_str());
            return kExitOutputFailed;
        }
        for (const std::string& problem : s.layout_problems) std::fprintf(stderr, "matrixlens: layout: %s\n", problem.c_str());
        return s.layout_problems.empty() ? kExitOk : kExitLayoutCut;
    }

    while (!s.window.ShouldClose() && !s.quit) {
        // Render at display rate while the user interacts (popups and hover need follow-up
        // frames) or a panel computes in the background; otherwise sleep until an event.
        if (s.CurrentPanel().Busy() || s.CurrentPanel().Animating() || s.window.Time() - s.last_input_time < 1.0)
            s.window.PollEvents();
        else
            s.window.WaitEvents(0.5);
        const double frame_start = s.window.Time();
        s.EnsureFonts(s.dpi_scale * s.ui_zoom);
        gfx::NewImGuiRendererFrame();
        s.window.NewImGuiFrame();
        ImGui::NewFrame();
        s.Frame(true);
        ImGui::Render();
        int fb_w = 0, fb_h = 0;
        s.window.FramebufferSize(&fb_w, &fb_h);
        gfx::ClearWindow(fb_w, fb_h, kBackground);
        gfx::RenderImGuiDrawData();
        s.frame_ms = (s.window.Time() - frame_start) * 1000.0;
        s.window.SwapBuffers();
        if (s.pending_export) {
            auto request = *s.pending_export;
            s.pending_export.reset();
            int win_w = 0, win_h = 0;
            s.window.WindowSize(&win_w, &win_h);
            s.ExportFigure(request, win_w, win_h);
        }
        if (s.animation.Active()) {
            bool ok = false;
            std::string message;
            auto render = [&s](auto... args) { return s.RenderAnimationFrame(args...); };
            if (s.animation.Step(s.CurrentPanel(), render, &ok, &message)) {
                s.status = message;
                s.status_is_error = !ok;
            }
        }
    }
    return kExitOk;
}

}  // namespace lens::app
