// lens/lesson_plan.hpp: the guided lesson through the author's notes, as data. A plan is a list of
// steps (assets/lessons/notes.json); each step opens one panel with some `--set` keys and carries
// claims: what the notes say (their text and number) and the NAME of the figure the panel exports
// that answers it, or a small arithmetic of named figures ("weights / parameters"). The number on
// screen is read from the panel's figures, never typed in; the verdict is checked against it here,
// so the data cannot silently say "match" where the figures disagree.
//
// Pure: no UI. The app checks that panels, keys and figure names exist.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lens {

enum class Verdict {
    Match,      // the notes' number equals the computed figure
    Rounded,    // the notes round the computed figure (within the claim's tolerance)
    Slip,       // the notes' number is wrong; the explanation names the right figure and why
    Ambiguous,  // true under a reading the notes do not state (the explanation gives it)
    Open,       // the notes ask ("rank ???"); the card answers with the computed figure
    Concept,    // a statement the step demonstrates (a number, if any, must agree)
};

// "match", "rounded", ... (the stats.json spelling).
const char* VerdictName(Verdict verdict);
bool ParseVerdict(std::string_view name, Verdict* out);

struct LessonClaim {
    std::string id;
    std::string notes_text;                 // the notes' words, verbatim
    std::optional<double> notes_value;      // the notes' number, in units (419M -> 419e6); none for questions
    std::string figure;                     // expression over figure names; "" when nothing is computed
    double tolerance = 0.05;                // relative, for "rounded" (and "concept" with a number)
    Verdict verdict = Verdict::Concept;
    std::string explanation_en, explanation_zh;
};

struct LessonStep {
    std::string id;
    int section = 0;  // 1..12, the notes' sections
    std::string panel;
    std::vector<std::pair<std::string, std::string>> sets;  // applied like --set, in order
    std::string quote;                                      // the notes' sentence, verbatim
    std::string gloss;                                      // its English gloss
    std::string title_en, title_zh, card_en, card_zh;
    std::vector<LessonClaim> claims;
};

struct LessonPlan {
    std::vector<LessonStep> steps;
    // Index of the step with this id, or -1.
    int Find(std::string_view id) const;
};

inline constexpr int kLessonSections = 12;

// Parses and checks a plan (JSON text): required fields present and typed, ids of steps and claims
// unique, sections 1..12 in non-decreasing order and every one present, verdicts valid, each claim's
// fields consistent with its verdict (open: no notes value; match/rounded/slip/ambiguous: a notes
// value and a figure). False with a message naming the step and claim otherwise.
bool ParseLessonPlan(std::string_view json_text, LessonPlan* plan, std::string* error);

// Looks a figure up by name ("nonzeros", or "layer_weights[1]" for an array element).
using FigureLookup = std::function<std::optional<double>(std::string_view name, std::optional<int> index)>;

// Evaluates a claim's expression: figure names, numbers, + - * / and parentheses, with the usual
// precedence. nullopt (with a message) for a syntax error, an unknown figure or a division by zero.
std::optional<double> EvaluateFigureExpression(std::string_view expression, const FigureLookup& lookup,
                                               std::string* error);
// The figure names an expression reads (for the app's existence checks).
std::vector<std::string> FigureNames(std::string_view expression);

// Whether the computed value (nullopt when the claim computes nothing) agrees with the verdict:
// match = equal; rounded = differ but within tolerance; slip = differ beyond it; ambiguous = both
// present; open = a computed answer or none, no notes value; concept = when both present, within
// tolerance. "" when consistent, else why not.
std::string CheckVerdict(const LessonClaim& claim, std::optional<double> computed);

}  // namespace lens
