// app/panels/panel.hpp: the base of every concept panel, and their self-registration.
// A panel holds its own Spec and caches as members (never function statics), declares its
// editable fields once (DeclareFields: the keys, editors, presets and --list-keys all come from
// there), draws through DrawContent, and exports its numbers. The base owns Begin/End.
// LessonPanel (lesson_panel.hpp) adds the latest task, busy state, progress, validation and export
// of a panel that is a view over a core lesson.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <imgui.h>

#include <lens/image.hpp>

#include "../i18n/strings.hpp"
#include "fields.hpp"

namespace lens::app {

struct AppContext;
class ExportSink;

class Panel {
public:
    virtual ~Panel() = default;

    // Command-line name: "image", "conv", ... (stable, lower case).
    virtual const char* Id() const = 0;
    virtual i18n::S Title() const = 0;

    // Draws the panel into the current host region: BeginChild, DrawContent, EndChild.
    void Draw(AppContext& context);
    // The panel's numbers (stats.json) and arrays (.npy). Pure: no GL, callable without a window.
    virtual void Export(AppContext& context, ExportSink& sink);
    // Items the panel adds to the File menu (after Open image), e.g. File > Open model.
    virtual void DrawFileMenuItems() {}
    // Checks the settable keys together, after the command line set them (fields valid alone may
    // clash, e.g. groups not dividing channels). Returns "" when fine, else the message (exit 2).
    virtual std::string ValidateKeys() { return {}; }
    // The input files the keys name (weights, ...), once the keys are set: "" when usable, else why
    // not (exit 4, "an input file is unusable"). A usable file that clashes with the settings (a
    // wrong shape) is ValidateKeys' (exit 2).
    virtual std::string ValidateInputFiles() { return {}; }
    // The checks that need the input image (a patch larger than the image's own size): called
    // once the image is loaded, before any export or screenshot. "" when fine, else the message.
    virtual std::string ValidateForImage(const Image& image) {
        (void)image;
        return {};
    }
    // True while a background task this panel needs for its current view is still running.
    virtual bool Busy() const { return false; }
    // Progress of that task in [0, 1], for the status bar.
    virtual float Progress() const { return 0.0f; }
    // True when the panel's canvases show their own progress overlay (the base then draws none).
    virtual bool ShowsOwnProgress() const { return false; }
    // True while the panel plays an animation: the host renders continuously (no idle wait) but
    // neither shows "Recomputing" nor makes a screenshot wait for it to end.
    virtual bool Animating() const { return false; }

    // The panel's fields (declared once, lazily). Keys() is the same table, by its older name.
    FieldTable& Fields();
    FieldTable& Keys() { return Fields(); }
    // Screen rectangle of the panel's figure (its canvas) in the last drawn frame; the whole panel
    // region when the panel marked none. Used by File > Export figure.
    ImVec2 FigureMin() const { return m_figure_min; }
    ImVec2 FigureMax() const { return m_figure_max; }

protected:
    virtual void DrawContent(AppContext& context) = 0;
    // Declares the panel's editable fields; called once, lazily. Fields must outlive the panel.
    virtual void DeclareFields(FieldTable& fields) { BindKeys(fields); }
    // The older name: keys without labels or editors (panels that draw their own editors).
    virtual void BindKeys(KeyTable& keys) { (void)keys; }
    // The editor column's widgets from the declarations: spec fields, then view settings.
    bool DrawSpecFields(const std::vector<SpecIssue>& issues) { return DrawFieldEditors(Fields(), issues, false); }
    bool DrawDisplayFields() { return DrawFieldEditors(Fields(), {}, true); }
    // Marks the figure rectangle (screen coordinates) drawn this frame.
    void MarkFigure(ImVec2 min, ImVec2 max);
    // Every panel's layout: an editor column `width_em` font sizes wide on the left (a child
    // window), then BeginMainArea ends it and opens the main area on its right, which the panel
    // closes with ImGui::EndChild().
    static void BeginEditorColumn(float width_em = 17.0f);
public:
    // Presentation mode (the lesson's F5): the editor column collapses, the figure fills the panel.
    static void SetControlsHidden(bool hidden);
protected:
    static void BeginMainArea();

private:
    FieldTable m_fields;
    bool m_fields_declared = false;
    bool m_figure_marked = false;
    double m_busy_since = -1.0;  // ImGui time the panel became busy (the overlay waits a moment)
    ImVec2 m_figure_min{0, 0};
    ImVec2 m_figure_max{0, 0};
};

using PanelFactory = std::function<std::unique_ptr<Panel>()>;

// Registers a panel type at static-initialisation time; `order` sorts the navigation list.
struct PanelRegistration {
    PanelRegistration(int order, const char* id, PanelFactory factory);
};

// A fresh instance of every registered panel, in navigation order.
std::vector<std::unique_ptr<Panel>> CreateAllPanels();
// The registered ids, in navigation order.
std::vector<std::string> RegisteredPanelIds();

#define LENS_REGISTER_PANEL(Type, order, id)                                                   \
    namespace {                                                                                \
    const ::lens::app::PanelRegistration kRegistration##Type(order, id, [] {                   \
        return std::unique_ptr<::lens::app::Panel>(std::make_unique<Type>());                  \
    });                                                                                        \
    }

}  // namespace lens::app
