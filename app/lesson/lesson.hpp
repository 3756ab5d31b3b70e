// app/lesson/lesson.hpp: the guided lesson through the notes (assets/lessons/notes.json, parsed by
// lens/lesson_plan.hpp). A step opens a panel with its keys (the same FieldTable path as --set);
// its claims are computed from the figures that panel's --export writes (ExportSink::Stats), never
// typed in. LessonBar draws the bar at the top of the window; the CLI's --list-lessons and
// --lesson use the functions below.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <lens/lesson_plan.hpp>

#include "../app_context.hpp"
#include "../panels/panel.hpp"

namespace lens::app {

class ExportSink;

// The bundled plan, loaded and checked once; null (with the reason) when unusable.
const LessonPlan* BundledLessonPlan(std::string* error = nullptr);

// One claim, computed: the figure's value (nullopt when the claim computes nothing) and "" or
// the reason the verdict does not hold.
struct ComputedClaim {
    std::optional<double> value;
    std::string problem;
};
// Reads the claims' figures from a panel's export (stats.json as a JSON object).
std::vector<ComputedClaim> ComputeClaims(const LessonStep& step, const nlohmann::json& stats);
// Adds lesson_id, lesson_section and claims to an export; "" or the first claim's problem.
std::string AddLessonToExport(const LessonStep& step, ExportSink& sink);

struct AppOptions;
// `--lesson ID`: sets the step's panel and puts its keys before the command line's own --set.
// kExitOk, or kExitBadArguments (unknown step) / kExitInputUnusable (the plan is unusable).
int ResolveLessonOption(AppOptions* options);

// `--list-lessons`: ID<TAB>section<TAB>panel<TAB>title (English).
int PrintLessonList();

// "1,769,472", "0.0116", "5.55": a claim's number as the card shows it.
std::string FormatClaimValue(double value);

// The lesson bar: section, step k of n, previous / next, section menu, the card and the claims
// with their computed values and verdicts. It swaps the current panel for a fresh one with the
// step's keys when the step changes.
class LessonBar {
public:
    struct Host {
        std::vector<std::unique_ptr<Panel>>* panels = nullptr;
        int* current = nullptr;
        AppContext* context = nullptr;
    };
    // Opens step `index` (clamped): fresh panel, keys applied, claims computed. False with a
    // status message when the step cannot be opened.
    bool Open(Host host, int index);
    bool Open(Host host, const std::string& id);
    // Shows step `id` over the current panel as it is (keys already set by --lesson): computes
    // the claims from its export. "" or the first claim's problem.
    std::string Show(Host host, const std::string& id);
    bool Active() const { return m_active; }
    void Close() { m_active = false; }
    bool Presenting() const { return m_presenting; }
    void SetPresenting(bool on) { m_presenting = on; }

    // Keyboard: PgDn/PgUp, arrows, space (only when no text field is active), F5, Esc. Returns a
    // UI zoom factor request (Ctrl +/-) as a multiplier, 1 when none.
    float HandleKeys(Host host);
    // Draws the bar at (0, top), full width; returns its height.
    float Draw(Host host, float top, float width, float max_height);

private:
    void DrawClaims(const LessonStep& step);
    bool m_active = false;
    bool m_presenting = false;
    int m_index = 0;
    float m_content_height = 0.0f;  // the bar's content at the last frame: the bar shrinks to fit it
    std::vector<ComputedClaim> m_claims;
};

// Code points the plan's zh-TW and English text needs in the font atlas (beyond the string table).
std::u32string LessonCodePoints();

}  // namespace lens::app
