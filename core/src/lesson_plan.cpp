// core/src/lesson_plan.cpp: parsing and checking the lesson plan (lens/lesson_plan.hpp), the
// figure expressions of its claims, and each verdict against the computed figure. nlohmann/json is
// header-only and pure C++.
#include "lens/lesson_plan.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

namespace lens {

namespace {

constexpr struct {
    Verdict verdict;
    const char* name;
} kVerdicts[] = {{Verdict::Match, "match"},         {Verdict::Rounded, "rounded"}, {Verdict::Slip, "slip"},
                 {Verdict::Ambiguous, "ambiguous"}, {Verdict::Open, "open"},       {Verdict::Concept, "concept"}};

using Json = nlohmann::json;

bool GetString(const Json& object, const char* key, bool required, std::string* out, std::string* error) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required) *error = std::string("missing \"") + key + "\"";
        return !required;
    }
    if (!it->is_string()) {
        *error = std::string("\"") + key + "\" must be a string";
        return false;
    }
    *out = it->get<std::string>();
    if (required && out->empty()) {
        *error = std::string("\"") + key + "\" is empty";
        return false;
    }
    return true;
}

bool ParseClaim(const Json& json, LessonClaim* claim, std::string* error) {
    if (!json.is_object()) {
        *error = "a claim must be an object";
        return false;
    }
    std::string verdict;
    if (!GetString(json, "id", true, &claim->id, error) || !GetString(json, "notes_text", true, &claim->notes_text, error) ||
        !GetString(json, "figure", false, &claim->figure, error) || !GetString(json, "verdict", true, &verdict, error) ||
        !GetString(json, "explanation_en", true, &claim->explanation_en, error) ||
        !GetString(json, "explanation_zh", true, &claim->explanation_zh, error))
        return false;
    if (!ParseVerdict(verdict, &claim->verdict)) {
        *error = "unknown verdict \"" + verdict + "\" (match, rounded, slip, ambiguous, open, concept)";
        return false;
    }
    if (auto it = json.find("notes_value"); it != json.end() && !it->is_null()) {
        if (!it->is_number()) {
            *error = "\"notes_value\" must be a number or null";
            return false;
        }
        claim->notes_value = it->get<double>();
    }
    if (auto it = json.find("tolerance"); it != json.end()) {
        if (!it->is_number() || it->get<double>() < 0 || it->get<double>() >= 1) {
            *error = "\"tolerance\" must be a relative number in [0, 1)";
            return false;
        }
        claim->tolerance = it->get<double>();
    }
    const bool needs_value = claim->verdict == Verdict::Match || claim->verdict == Verdict::Rounded ||
                             claim->verdict == Verdict::Slip || claim->verdict == Verdict::Ambiguous;
    if (needs_value && (!claim->notes_value || claim->figure.empty())) {
        *error = std::string("verdict \"") + verdict + "\" needs a notes_value and a figure";
        return false;
    }
    if (claim->verdict == Verdict::Open && claim->notes_value) {
        *error = "verdict \"open\" (the notes ask) has no notes_value";
        return false;
    }
    if (!claim->figure.empty()) {
        std::string syntax;
        EvaluateFigureExpression(claim->figure, [](std::string_view, std::optional<int>) { return std::optional<double>(1.0); },
                                 &syntax);
        if (!syntax.empty() && syntax.find("division by zero") == std::string::npos) {
            *error = "figure \"" + claim->figure + "\": " + syntax;
            return false;
        }
    }
    return true;
}

bool ParseStep(const Json& json, LessonStep* step, std::string* error) {
    if (!json.is_object()) {
        *error = "a step must be an object";
        return false;
    }
    if (!GetString(json, "id", true, &step->id, error)) return false;
    auto fail = [&](const std::string& message) {
        *error = "step \"" + step->id + "\": " + message;
        return false;
    };
    std::string message;
    if (!GetString(json, "panel", true, &step->panel, &message) || !GetString(json, "quote", true, &step->quote, &message) ||
        !GetString(json, "gloss", true, &step->gloss, &message) || !GetString(json, "title_en", true, &step->title_en, &message) ||
        !GetString(json, "title_zh", true, &step->title_zh, &message) || !GetString(json, "card_en", true, &step->card_en, &message) ||
        !GetString(json, "card_zh", true, &step->card_zh, &message))
        return fail(message);
    auto section = json.find("section");
    if (section == json.end() || !section->is_number_integer() || section->get<int>() < 1 || section->get<int>() > kLessonSections)
        return fail("\"section\" must be an integer 1 to 12");
    step->section = section->get<int>();
    if (auto sets = json.find("set"); sets != json.end()) {
        if (!sets->is_object()) return fail("\"set\" must be an object of key: value strings");
        for (const auto& [key, value] : sets->items()) {
            if (!value.is_string()) return fail("\"set\": the value of \"" + key + "\" must be a string");
            step->sets.emplace_back(key, value.get<std::string>());
        }
        // "preset" first, as the command line applies it (FieldTable::SetAll does too).
    }
    auto claims = json.find("claims");
    if (claims == json.end() || !claims->is_array() || claims->empty()) return fail("\"claims\" must be a non-empty array");
    for (const auto& item : *claims) {
        LessonClaim claim;
        if (!ParseClaim(item, &claim, &message)) return fail((claim.id.empty() ? "" : "claim \"" + claim.id + "\": ") + message);
        step->claims.push_back(std::move(claim));
    }
    return true;
}

// A small recursive-descent evaluator: expr = term {(+|-) term}; term = factor {(*|/) factor};
// factor = number | name ['[' integer ']'] | '(' expr ')' | '-' factor.
class Evaluator {
public:
    Evaluator(std::string_view text, const FigureLookup* lookup, std::vector<std::string>* names)
        : m_text(text), m_lookup(lookup), m_names(names) {}

    std::optional<double> Run(std::string* error) {
        auto value = Expr();
        Skip();
        if (m_error.empty() && m_at != m_text.size()) m_error = "unexpected '" + std::string(1, m_text[m_at]) + "'";
        if (!m_error.empty()) {
            if (error) *error = m_error;
            return std::nullopt;
        }
        return value;
    }

private:
    void Skip() {
        while (m_at < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_at]))) ++m_at;
    }
    bool Eat(char c) {
        Skip();
        if (m_at < m_text.size() && m_text[m_at] == c) {
            ++m_at;
            return true;
        }
        return false;
    }
    double Expr() {
        double value = Term();
        while (m_error.empty()) {
            if (Eat('+')) value += Term();
            else if (Eat('-')) value -= Term();
            else break;
        }
        return value;
    }
    double Term() {
        double value = Factor();
        while (m_error.empty()) {
            if (Eat('*')) {
                value *= Factor();
            } else if (Eat('/')) {
                const double divisor = Factor();
                if (divisor == 0 && m_error.empty()) m_error = "division by zero";
                value = divisor == 0 ? 0 : value / divisor;
            } else {
                break;
            }
        }
        return value;
    }
    double Factor() {
        Skip();
        if (m_at >= m_text.size()) return Fail("expression ends early");
        const char c = m_text[m_at];
        if (Eat('(')) {
            const double value = Expr();
            if (!Eat(')')) return Fail("missing ')'");
            return value;
        }
        if (Eat('-')) return -Factor();
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
            const std::string rest(m_text.substr(m_at));
            char* end = nullptr;
            const double value = std::strtod(rest.c_str(), &end);
            m_at += static_cast<std::size_t>(end - rest.c_str());
            return value;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            const std::size_t begin = m_at;
            while (m_at < m_text.size() && (std::isalnum(static_cast<unsigned char>(m_text[m_at])) || m_text[m_at] == '_')) ++m_at;
            const std::string name(m_text.substr(begin, m_at - begin));
            std::optional<int> index;
            if (Eat('[')) {
                Skip();
                int i = 0;
                bool any = false;
                while (m_at < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_at])) && i < 1000000) {
                    i = i * 10 + (m_text[m_at++] - '0');
                    any = true;
                }
                if (!any || !Eat(']')) return Fail("an index is [integer]");
                index = i;
            }
            if (m_names) m_names->push_back(name);
            if (!m_lookup) return 1;
            auto value = (*m_lookup)(name, index);
            if (!value) return Fail("no figure \"" + name + (index ? "[" + std::to_string(*index) + "]" : "") + "\"");
            return *value;
        }
        return Fail("unexpected '" + std::string(1, c) + "'");
    }
    double Fail(const std::string& message) {
        if (m_error.empty()) m_error = message;
        m_at = m_text.size();
        return 0;
    }

    std::string_view m_text;
    const FigureLookup* m_lookup;
    std::vector<std::string>* m_names;
    std::size_t m_at = 0;
    std::string m_error;
};

bool Within(double computed, double notes, double tolerance) {
    return std::abs(computed - notes) <= tolerance * std::max(std::abs(computed), std::abs(notes));
}

bool Equal(double computed, double notes) { return std::abs(computed - notes) <= 1e-9 * std::max(1.0, std::abs(notes)); }

}  // namespace

const char* VerdictName(Verdict verdict) {
    for (const auto& v : kVerdicts)
        if (v.verdict == verdict) return v.name;
    return "concept";
}

bool ParseVerdict(std::string_view name, Verdict* out) {
    for (const auto& v : kVerdicts)
        if (name == v.name) {
            *out = v.verdict;
            return true;
        }
    return false;
}

int LessonPlan::Find(std::string_view id) const {
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (steps[i].id == id) return static_cast<int>(i);
    return -1;
}

bool ParseLessonPlan(std::string_view json_text, LessonPlan* plan, std::string* error) {
    auto fail = [&](const std::string& message) {
        if (error) *error = message;
        return false;
    };
    Json json = Json::parse(json_text.begin(), json_text.end(), nullptr, false);
    if (json.is_discarded()) return fail("not valid JSON");
    if (!json.is_object() || !json.contains("steps") || !json["steps"].is_array() || json["steps"].empty())
        return fail("expected an object with a non-empty \"steps\" array");
    LessonPlan result;
    std::set<std::string> step_ids, claim_ids;
    int last_section = 1;
    for (const auto& item : json["steps"]) {
        LessonStep step;
        std::string message;
        if (!ParseStep(item, &step, &message))
            return fail(message.rfind("step", 0) == 0 ? message : "step " + std::to_string(result.steps.size() + 1) + ": " + message);
        if (!step_ids.insert(step.id).second) return fail("step \"" + step.id + "\" appears twice");
        for (const auto& claim : step.claims)
            if (!claim_ids.insert(claim.id).second) return fail("claim \"" + claim.id + "\" appears twice");
        if (step.section < last_section)
            return fail("step \"" + step.id + "\": section " + std::to_string(step.section) + " after section " +
                        std::to_string(last_section) + " (the notes' order)");
        last_section = step.section;
        result.steps.push_back(std::move(step));
    }
    for (int section = 1; section <= kLessonSections; ++section) {
        bool found = false;
        for (const auto& step : result.steps) found = found || step.section == section;
        if (!found) return fail("section " + std::to_string(section) + " has no step");
    }
    *plan = std::move(result);
    return true;
}

std::optional<double> EvaluateFigureExpression(std::string_view expression, const FigureLookup& lookup, std::string* error) {
    return Evaluator(expression, &lookup, nullptr).Run(error);
}

std::vector<std::string> FigureNames(std::string_view expression) {
    std::vector<std::string> names;
    Evaluator(expression, nullptr, &names).Run(nullptr);
    return names;
}

std::string CheckVerdict(const LessonClaim& claim, std::optional<double> computed) {
    const auto& notes = claim.notes_value;
    const std::string name = VerdictName(claim.verdict);
    if (!claim.figure.empty() && !computed) return "the figure \"" + claim.figure + "\" was not computed";
    auto show = [](double v) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.17g", v);
        return std::string(buffer);
    };
    switch (claim.verdict) {
        case Verdict::Match:
            if (!notes || !computed) return "\"match\" needs a notes value and a computed figure";
            if (!Equal(*computed, *notes)) return "\"match\" but the notes say " + show(*notes) + " and the figure is " + show(*computed);
            return {};
        case Verdict::Rounded:
            if (!notes || !computed) return "\"rounded\" needs a notes value and a computed figure";
            if (Equal(*computed, *notes)) return "\"rounded\" but the notes' " + show(*notes) + " is exact: say \"match\"";
            if (!Within(*computed, *notes, claim.tolerance))
                return "\"rounded\" but " + show(*notes) + " is not within " + show(claim.tolerance) + " of " + show(*computed);
            return {};
        case Verdict::Slip:
            if (!notes || !computed) return "\"slip\" needs a notes value and a computed figure";
            if (Within(*computed, *notes, claim.tolerance))
                return "\"slip\" but the notes' " + show(*notes) + " is within rounding of " + show(*computed);
            return {};
        case Verdict::Ambiguous:
            if (!notes || !computed) return "\"ambiguous\" needs a notes value and a computed figure";
            return {};
        case Verdict::Open:
            if (notes) return "\"open\" has no notes value (the notes ask)";
            return {};
        case Verdict::Concept:
            if (notes && computed && !Within(*computed, *notes, claim.tolerance))
                return "\"concept\" but the notes' " + show(*notes) + " disagrees with " + show(*computed);
            return {};
    }
    return "unknown verdict " + name;
}

}  // namespace lens
