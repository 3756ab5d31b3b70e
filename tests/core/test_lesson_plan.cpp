// tests/core/test_lesson_plan.cpp: the lesson plan's parser, figure expressions and verdict checks
// (lens/lesson_plan.hpp), and the bundled plan assets/lessons/notes.json parses and is consistent.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <lens/lesson_plan.hpp>

namespace lens {
namespace {

std::optional<double> Eval(const std::string& text, const std::map<std::string, double>& figures, std::string* error = nullptr) {
    return EvaluateFigureExpression(
        text,
        [&](std::string_view name, std::optional<int> index) -> std::optional<double> {
            std::string key(name);
            if (index) key += "[" + std::to_string(*index) + "]";
            auto it = figures.find(key);
            return it == figures.end() ? std::nullopt : std::optional<double>(it->second);
        },
        error);
}

TEST(LessonPlanExpression, RandomArithmeticAgainstDirectComputation) {
    std::mt19937 rng(13);
    std::uniform_real_distribution<double> u(1.0, 100.0);
    for (int trial = 0; trial < 200; ++trial) {
        const double a = u(rng), b = u(rng), c = u(rng);
        std::map<std::string, double> f{{"a", a}, {"b_2", b}, {"arr[3]", c}};
        EXPECT_DOUBLE_EQ(*Eval("a + b_2 * arr[3]", f), a + b * c);
        EXPECT_DOUBLE_EQ(*Eval("(a + b_2) / arr[3]", f), (a + b) / c);
        EXPECT_DOUBLE_EQ(*Eval("a - b_2 - arr[3]", f), a - b - c);
        EXPECT_DOUBLE_EQ(*Eval("a / b_2 / 2", f), a / b / 2);
        EXPECT_DOUBLE_EQ(*Eval("-a * 3", f), -a * 3);
    }
}

TEST(LessonPlanExpression, ErrorsAreNamed) {
    std::map<std::string, double> f{{"a", 2}, {"z", 0}};
    std::string error;
    EXPECT_FALSE(Eval("a +", f, &error));
    EXPECT_FALSE(Eval("nope * 2", f, &error));
    EXPECT_NE(error.find("nope"), std::string::npos);
    EXPECT_FALSE(Eval("a / z", f, &error));
    EXPECT_NE(error.find("zero"), std::string::npos);
    EXPECT_FALSE(Eval("(a", f, &error));
    EXPECT_FALSE(Eval("a[", f, &error));
    EXPECT_FALSE(Eval("a $ 2", f, &error));
    EXPECT_EQ(FigureNames("rows * cols / layer_weights[1]"), (std::vector<std::string>{"rows", "cols", "layer_weights"}));
}

LessonClaim Claim(Verdict verdict, std::optional<double> notes, double tolerance = 0.05) {
    LessonClaim claim;
    claim.id = "c";
    claim.figure = "x";
    claim.verdict = verdict;
    claim.notes_value = notes;
    claim.tolerance = tolerance;
    return claim;
}

TEST(LessonPlanVerdict, EachVerdictAcceptsItsCaseAndRejectsTheOthers) {
    EXPECT_EQ(CheckVerdict(Claim(Verdict::Match, 768), 768.0), "");
    EXPECT_NE(CheckVerdict(Claim(Verdict::Match, 774), 768.0), "");
    EXPECT_EQ(CheckVerdict(Claim(Verdict::Rounded, 419e6, 0.01), 419430400.0), "");
    EXPECT_NE(CheckVerdict(Claim(Verdict::Rounded, 419430400, 0.01), 419430400.0), "");  // exact: say match
    EXPECT_NE(CheckVerdict(Claim(Verdict::Rounded, 500e6, 0.01), 419430400.0), "");
    EXPECT_EQ(CheckVerdict(Claim(Verdict::Slip, 774, 0.001), 768.0), "");
    EXPECT_NE(CheckVerdict(Claim(Verdict::Slip, 768, 0.001), 768.0), "");
    EXPECT_EQ(CheckVerdict(Claim(Verdict::Ambiguous, 7281), 7225.0), "");
    EXPECT_NE(CheckVerdict(Claim(Verdict::Ambiguous, std::nullopt), 7225.0), "");
    EXPECT_EQ(CheckVerdict(Claim(Verdict::Open, std::nullopt), 124439808.0), "");
    EXPECT_NE(CheckVerdict(Claim(Verdict::Open, 1), 124439808.0), "");
    LessonClaim bare = Claim(Verdict::Concept, std::nullopt);
    bare.figure.clear();
    EXPECT_EQ(CheckVerdict(bare, std::nullopt), "");
    EXPECT_EQ(CheckVerdict(Claim(Verdict::Concept, 100), 101.0), "");
    EXPECT_NE(CheckVerdict(Claim(Verdict::Concept, 10), 20.0), "");
    EXPECT_NE(CheckVerdict(Claim(Verdict::Match, 1), std::nullopt), "");  // a figure that was not computed
}

TEST(LessonPlanVerdict, RandomValuesClassifyConsistently) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(1.0, 1e9), r(-0.2, 0.2);
    for (int trial = 0; trial < 500; ++trial) {
        const double computed = u(rng), notes = computed * (1 + r(rng)), tol = 0.05;
        const bool within = std::abs(computed - notes) <= tol * std::max(computed, notes);
        EXPECT_EQ(CheckVerdict(Claim(Verdict::Rounded, notes, tol), computed).empty(), within);
        EXPECT_EQ(CheckVerdict(Claim(Verdict::Slip, notes, tol), computed).empty(), !within);
    }
}

std::string Plan(const std::string& steps) { return "{\"steps\": [" + steps + "]}"; }

std::string Step(const std::string& id, int section, const std::string& claims) {
    std::ostringstream out;
    out << "{\"id\":\"" << id << "\",\"section\":" << section
        << ",\"panel\":\"fc\",\"set\":{\"preset\":\"fc_1024_100\"},\"quote\":\"q\",\"gloss\":\"g\",\"title_en\":\"t\",\"title_zh\":\"t\","
           "\"card_en\":\"c\",\"card_zh\":\"c\",\"claims\":["
        << claims << "]}";
    return out.str();
}

std::string ClaimJson(const std::string& id, const std::string& verdict, const std::string& notes_value = "null",
                      const std::string& figure = "x") {
    return "{\"id\":\"" + id + "\",\"notes_text\":\"n\",\"notes_value\":" + notes_value + ",\"figure\":\"" + figure +
           "\",\"verdict\":\"" + verdict + "\",\"explanation_en\":\"e\",\"explanation_zh\":\"e\"}";
}

std::string AllSections(const std::string& first) {
    std::string steps = first;
    for (int s = 2; s <= kLessonSections; ++s) steps += "," + Step("s" + std::to_string(s), s, ClaimJson("k" + std::to_string(s), "concept"));
    return Plan(steps);
}

TEST(LessonPlanParse, AcceptsAWellFormedPlan) {
    LessonPlan plan;
    std::string error;
    ASSERT_TRUE(ParseLessonPlan(AllSections(Step("a", 1, ClaimJson("c1", "match", "100"))), &plan, &error)) << error;
    ASSERT_EQ(plan.steps.size(), 12u);
    EXPECT_EQ(plan.steps[0].sets.at(0).first, "preset");
    EXPECT_EQ(plan.steps[0].claims[0].verdict, Verdict::Match);
    EXPECT_EQ(*plan.steps[0].claims[0].notes_value, 100);
    EXPECT_EQ(plan.Find("s5"), 4);
    EXPECT_EQ(plan.Find("zz"), -1);
}

TEST(LessonPlanParse, RejectsEachDefectWithItsReason) {
    const std::pair<std::string, std::string> cases[] = {
        {"not json", "JSON"},
        {AllSections(Step("a", 1, ClaimJson("c1", "maybe", "1"))), "unknown verdict"},
        {AllSections(Step("a", 1, ClaimJson("c1", "match"))), "notes_value"},
        {AllSections(Step("a", 1, ClaimJson("c1", "open", "3"))), "open"},
        {AllSections(Step("a", 1, ClaimJson("c1", "concept") + "," + ClaimJson("c1", "concept"))), "twice"},
        {AllSections(Step("s2", 1, ClaimJson("c1", "concept"))), "twice"},
        {AllSections(Step("a", 13, ClaimJson("c1", "concept"))), "section"},
        {AllSections(Step("a", 3, ClaimJson("c1", "concept"))), "notes' order"},
        {AllSections(Step("a", 1, "")), "claims"},
        {AllSections(Step("a", 1, ClaimJson("c1", "match", "1", "rows *"))), "figure"},
        {Plan(Step("a", 1, ClaimJson("c1", "concept"))), "section 2 has no step"},
    };
    for (const auto& [text, reason] : cases) {
        LessonPlan plan;
        std::string error;
        EXPECT_FALSE(ParseLessonPlan(text, &plan, &error)) << text;
        EXPECT_NE(error.find(reason), std::string::npos) << error << " (expected " << reason << ")";
    }
}

TEST(LessonPlanParse, TheBundledNotesPlanParses) {
    std::ifstream in(std::string(LENS_ASSETS_DIR) + "/lessons/notes.json");
    ASSERT_TRUE(in) << "assets/lessons/notes.json is missing";
    std::stringstream text;
    text << in.rdbuf();
    LessonPlan plan;
    std::string error;
    ASSERT_TRUE(ParseLessonPlan(text.str(), &plan, &error)) << error;
    std::size_t claims = 0;
    for (const auto& step : plan.steps) claims += step.claims.size();
    EXPECT_GT(claims, 100u);
}

}  // namespace
}  // namespace lens
