// app/lesson/lesson.cpp: loading the bundled lesson plan, computing its claims from a panel's
// export, the --lesson export additions and --list-lessons. The bar itself: lesson_bar.cpp.
#include "lesson.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <lens/count.hpp>

#include "../app.hpp"
#include "../export.hpp"

namespace lens::app {

const LessonPlan* BundledLessonPlan(std::string* error) {
    struct Loaded {
        std::unique_ptr<LessonPlan> plan;
        std::string error;
    };
    static const Loaded loaded = [] {
        Loaded result;
        const std::string path = AssetsDirectory() + "/lessons/notes.json";
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            result.error = "cannot read " + path;
            return result;
        }
        std::stringstream text;
        text << in.rdbuf();
        auto plan = std::make_unique<LessonPlan>();
        if (!ParseLessonPlan(text.str(), plan.get(), &result.error)) {
            result.error = path + ": " + result.error;
            return result;
        }
        result.plan = std::move(plan);
        return result;
    }();
    if (error) *error = loaded.error;
    return loaded.plan.get();
}

std::vector<ComputedClaim> ComputeClaims(const LessonStep& step, const nlohmann::json& stats) {
    const FigureLookup lookup = [&](std::string_view name, std::optional<int> index) -> std::optional<double> {
        auto it = stats.find(std::string(name));
        if (it == stats.end()) return std::nullopt;
        const nlohmann::json* value = &*it;
        if (index) {
            if (!value->is_array() || *index < 0 || static_cast<std::size_t>(*index) >= value->size()) return std::nullopt;
            value = &(*value)[static_cast<std::size_t>(*index)];
        }
        if (!value->is_number()) return std::nullopt;
        return value->get<double>();
    };
    std::vector<ComputedClaim> result;
    for (const LessonClaim& claim : step.claims) {
        ComputedClaim computed;
        std::string error;
        if (!claim.figure.empty()) computed.value = EvaluateFigureExpression(claim.figure, lookup, &error);
        computed.problem = !error.empty() ? "claim \"" + claim.id + "\": " + error : std::string();
        if (computed.problem.empty())
            if (std::string why = CheckVerdict(claim, computed.value); !why.empty()) computed.problem = "claim \"" + claim.id + "\": " + why;
        result.push_back(std::move(computed));
    }
    return result;
}

std::string AddLessonToExport(const LessonStep& step, ExportSink& sink) {
    const std::vector<ComputedClaim> computed = ComputeClaims(step, sink.Stats());
    nlohmann::json claims = nlohmann::json::array();
    std::string first_problem;
    for (std::size_t i = 0; i < step.claims.size(); ++i) {
        const LessonClaim& claim = step.claims[i];
        nlohmann::json item = {{"id", claim.id}, {"notes_text", claim.notes_text}, {"verdict", VerdictName(claim.verdict)}};
        item["notes_value"] = claim.notes_value ? nlohmann::json(*claim.notes_value) : nlohmann::json(nullptr);
        item["computed_value"] = computed[i].value ? nlohmann::json(*computed[i].value) : nlohmann::json(nullptr);
        item["figure"] = claim.figure;
        claims.push_back(std::move(item));
        if (first_problem.empty()) first_problem = computed[i].problem;
    }
    sink.String("lesson_id", step.id);
    sink.Integer("lesson_section", step.section);
    sink.Json("claims", std::move(claims));
    return first_problem.empty() ? std::string() : "lesson step \"" + step.id + "\" (panel " + step.panel + "): " + first_problem;
}

int ResolveLessonOption(AppOptions* options) {
    std::string error;
    const LessonPlan* plan = BundledLessonPlan(&error);
    if (!plan) {
        std::fprintf(stderr, "matrixlens: the lesson cannot be loaded: %s\n", error.c_str());
        return kExitInputUnusable;
    }
    const int index = plan->Find(options->lesson);
    if (index < 0) {
        std::fprintf(stderr, "matrixlens: unknown lesson step '%s'; see --list-lessons\n", options->lesson.c_str());
        return kExitBadArguments;
    }
    const LessonStep& step = plan->steps[static_cast<std::size_t>(index)];
    if (!options->panel.empty() && options->panel != step.panel) {
        std::fprintf(stderr, "matrixlens: --lesson %s opens panel '%s', not '%s'\n", step.id.c_str(), step.panel.c_str(), options->panel.c_str());
        return kExitBadArguments;
    }
    options->panel = step.panel;
    auto sets = step.sets;
    sets.insert(sets.end(), options->sets.begin(), options->sets.end());
    options->sets = std::move(sets);
    return kExitOk;
}

int PrintLessonList() {
    std::string error;
    const LessonPlan* plan = BundledLessonPlan(&error);
    if (!plan) {
        std::fprintf(stderr, "matrixlens: the lesson cannot be loaded: %s\n", error.c_str());
        return kExitInputUnusable;
    }
    for (const LessonStep& step : plan->steps)
        std::printf("%s\t%d\t%s\t%s\n", step.id.c_str(), step.section, step.panel.c_str(), step.title_en.c_str());
    return kExitOk;
}

std::string FormatClaimValue(double value) {
    if (std::abs(value) < 9e15 && value == std::floor(value)) return FormatExact(static_cast<Count>(value));
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.4g", value);
    return buffer;
}

std::u32string LessonCodePoints() {
    std::u32string points;
    const LessonPlan* plan = BundledLessonPlan();
    if (!plan) return points;
    auto add = [&](const std::string& text) {
        for (std::size_t i = 0; i < text.size();) {
            const unsigned char c = static_cast<unsigned char>(text[i]);
            const int length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
            char32_t cp = length == 1 ? c : length == 2 ? (c & 0x1F) : length == 3 ? (c & 0x0F) : (c & 0x07);
            for (int k = 1; k < length && i + static_cast<std::size_t>(k) < text.size(); ++k)
                cp = (cp << 6) | (static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0x3F);
            if (cp >= 0x80) points.push_back(cp);
            i += static_cast<std::size_t>(length);
        }
    };
    for (const LessonStep& step : plan->steps) {
        for (const std::string* text : {&step.quote, &step.gloss, &step.title_en, &step.title_zh, &step.card_en, &step.card_zh}) add(*text);
        for (const LessonClaim& claim : step.claims)
            for (const std::string* text : {&claim.notes_text, &claim.explanation_en, &claim.explanation_zh}) add(*text);
    }
    return points;
}

}  // namespace lens::app
