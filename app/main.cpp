// app/main.cpp: the command line (CLI11) -> App. Exit codes are listed in app.hpp and the README.
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "app.hpp"
#include "lesson/lesson.hpp"
#include "panels/keys.hpp"

namespace {

// True when two output paths name the same file (after resolving ".", "..", and symbolic links).
bool SameOutputPath(const std::string& a, const std::string& b) {
    std::error_code ec_a, ec_b;
    const auto resolved_a = std::filesystem::weakly_canonical(std::filesystem::absolute(a, ec_a), ec_a);
    const auto resolved_b = std::filesystem::weakly_canonical(std::filesystem::absolute(b, ec_b), ec_b);
    if (ec_a || ec_b) return a == b;
    return resolved_a == resolved_b;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace lens::app;
    CLI::App cli{"MatrixLens: neural-network layers shown as the matrices they really are."};
    cli.set_version_flag("--version", "MatrixLens 0.1.0");
    AppOptions options;
    std::vector<std::string> sets;
    std::string lang, size, model;
    bool list_panels = false, list_keys = false, keys_markdown = false, list_lessons = false;
    cli.add_option("--lesson", options.lesson, "open a step of the guided lesson (see --list-lessons)");
    cli.add_flag("--list-lessons", list_lessons, "print the lesson's steps (ID, section, panel, title) and exit");
    cli.add_flag("--present", options.present, "presentation mode: the lesson card over the figure, no controls");
    cli.add_option("--panel", options.panel, "panel to show (see --list-panels)");
    cli.add_option("--image", options.image_path, "input image (PNG, JPEG, ...); default: the bundled astronaut.png");
    cli.add_option("--set", sets, "panel setting key=value (repeatable; see --panel NAME --list-keys)");
    cli.add_option("--lang", lang, "user-interface language: en | zh-TW");
    cli.add_option("--screenshot", options.screenshot_path, "render off-screen into this PNG and exit; never overwrites without --force");
    cli.add_option("--size", size, "window or screenshot size WxH (default 1280x800)");
    cli.add_option("--scale", options.scale, "screenshot UI scale, 1 to 4 (default 1)")->check(CLI::Range(1.0f, 4.0f));
    cli.add_option("--export", options.export_dir, "write the panel's numbers (stats.json) and arrays (.npy) into DIR");
    cli.add_option("--figure", options.figure_path,
                   "write the panel's figure as PNG, or SVG for a .svg name (as File > Export figure; --scale 1, 2 or 4); never overwrites without --force");
    std::string save_session;
    cli.add_option("--session", options.session_path, "restore a saved session (every panel's settings, image, language) before --set");
    cli.add_option("--save-session", save_session, "write the state (after --session and --set) as a session file, never overwriting");
    cli.add_option("--animate", options.animate_path, "write the panel's animation as an animated GIF and exit, never overwriting");
    cli.add_option("--frames", options.animate_frames, "frames of --animate, 2 to 600 (default: one per step, at most 120)")
        ->check(CLI::Range(2, 600));
    cli.add_option("--fps", options.animate_fps, "frame rate of --animate, 1 to 50 (default 12)")->check(CLI::Range(1, 50));
    cli.add_option("--model", model, "ViT checkpoint (.safetensors) for the model panel (the same as --panel model --set model=FILE)");
    cli.add_flag("--force", options.force, "let --screenshot and --figure replace an existing file");
    cli.add_option("--hover", options.hover, "simulated pointer position x,y in screenshot pixels");
    cli.add_flag("--layout-check", options.layout_check,
                 "render off-screen (as --screenshot) and exit 6 listing every number cut or off the window");
    cli.add_flag("--list-panels", list_panels, "print the panel names and exit");
    cli.add_flag("--list-keys", list_keys, "print the settable keys of --panel and exit");
    cli.add_flag("--keys-markdown", keys_markdown, "print every panel's keys as the README's Markdown table and exit");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = cli.exit(error);
        return code == 0 ? kExitOk : kExitBadArguments;
    }

    if (list_lessons) return PrintLessonList();
    if (!options.lesson.empty())
        if (int code = ResolveLessonOption(&options); code != kExitOk) return code;
    if (list_panels) {
        for (const auto& id : App::PanelIds()) std::printf("%s\n", id.c_str());
        return kExitOk;
    }
    if (keys_markdown) {
        App::PrintKeysMarkdown();
        return kExitOk;
    }
    if (list_keys) {
        if (options.panel.empty()) {
            std::fprintf(stderr, "matrixlens: --list-keys needs --panel NAME\n");
            return kExitBadArguments;
        }
        std::string error;
        if (!App::ListKeys(options.panel, &error)) {
            std::fprintf(stderr, "matrixlens: %s\n", error.c_str());
            return kExitBadArguments;
        }
        return kExitOk;
    }
    for (const auto& item : sets) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::fprintf(stderr, "matrixlens: --set expects key=value, got '%s'\n", item.c_str());
            return kExitBadArguments;
        }
        options.sets.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    if (!model.empty()) {  // --model FILE: the model panel's key
        options.sets.emplace_back("model", model);
        if (options.panel.empty()) options.panel = "model";
    }
    if (!lang.empty()) {
        lens::i18n::Language language;
        if (!lens::i18n::ParseLanguageCode(lang, &language)) {
            std::fprintf(stderr, "matrixlens: unknown language '%s'; valid: en, zh-TW\n", lang.c_str());
            return kExitBadArguments;
        }
        options.language = language;
    }
    if (!size.empty()) {
        std::string error;
        if (!ParseSize(size, 64, 8192, &options.width, &options.height, &error)) {
            std::fprintf(stderr, "matrixlens: --size: %s\n", error.c_str());
            return kExitBadArguments;
        }
    }
    {
        const std::pair<const char*, const std::string*> outputs[] = {
            {"--screenshot", &options.screenshot_path}, {"--figure", &options.figure_path}, {"--animate", &options.animate_path}};
        for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = i + 1; j < 3; ++j)
                if (!outputs[i].second->empty() && !outputs[j].second->empty() && SameOutputPath(*outputs[i].second, *outputs[j].second)) {
                    std::fprintf(stderr, "matrixlens: %s and %s name the same file '%s'; one would overwrite the other\n", outputs[i].first,
                                 outputs[j].first, outputs[j].second->c_str());
                    return kExitBadArguments;
                }
    }
    if (!options.hover.empty()) {
        float x = 0, y = 0;
        if (std::sscanf(options.hover.c_str(), "%f,%f", &x, &y) != 2) {
            std::fprintf(stderr, "matrixlens: --hover expects x,y (pixels), got '%s'\n", options.hover.c_str());
            return kExitBadArguments;
        }
    }

    App app;
    if (int code = app.Prepare(options); code != kExitOk) return code;
    if (!save_session.empty()) {
        if (int code = app.SaveSession(save_session); code != kExitOk) return code;
        if (options.export_dir.empty() && options.screenshot_path.empty() && options.figure_path.empty()) return kExitOk;
    }
    if (!options.export_dir.empty()) {
        if (int code = app.ExportNumbers(); code != kExitOk) return code;
        if (options.screenshot_path.empty() && options.figure_path.empty() && !options.layout_check) return kExitOk;  // numbers only: no window
    }
    return app.Run();
}
