// tests/app/test_session.cpp: session files, field snapshots, the command line and undo / redo.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "panels/fields.hpp"
#include "session.hpp"

namespace {

using namespace lens::app;

struct Toy {
    int width = 8;
    double scale = 0.5;
    bool bias = true;
    int mode = 0;
    std::string text = "a b";
    FieldTable fields;
    Toy() {
        fields.Int("width", Label(), &width, 1, 64, "width");
        fields.Float("scale", Label(), &scale, 0.0, 4.0, "scale");
        fields.Bool("bias", Label(), &bias, "bias");
        fields.Choice("mode", Label(), &mode, {{"sum", Label()}, {"max", Label()}}, "mode");
        fields.Text("text", Label(), &text, 32, "text");
    }
};

TEST(SessionFields, SnapshotRestoreRoundTripsRandomStates) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 200; ++trial) {
        Toy a, b;
        a.width = std::uniform_int_distribution<int>(1, 64)(rng);
        a.scale = std::uniform_real_distribution<double>(0, 4)(rng);
        a.bias = rng() % 2;
        a.mode = static_cast<int>(rng() % 2);
        a.text = std::string(rng() % 5, static_cast<char>('a' + rng() % 26)) + "' \"$x";
        const FieldValues values = SnapshotFields(a.fields);
        EXPECT_TRUE(RestoreFields(b.fields, values, "toy").empty());
        EXPECT_EQ(SnapshotFields(b.fields), values);
        EXPECT_EQ(b.width, a.width);
        EXPECT_EQ(b.text, a.text);
        EXPECT_FLOAT_EQ(static_cast<float>(b.scale), static_cast<float>(a.scale));
    }
}

TEST(SessionFields, BadValuesAndUnknownKeysAreSkippedAndNamed) {
    Toy toy;
    const auto problems = RestoreFields(toy.fields, {{"width", "0"}, {"nope", "1"}, {"scale", "2"}}, "toy");
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_NE(problems[0].find("toy: key 'width'"), std::string::npos);
    EXPECT_NE(problems[0].find("out of range"), std::string::npos);
    EXPECT_NE(problems[1].find("toy.nope: not a key"), std::string::npos);
    EXPECT_EQ(toy.width, 8);  // unchanged
    EXPECT_DOUBLE_EQ(toy.scale, 2.0);
}

TEST(SessionJson, RoundTrips) {
    Session s;
    s.panel = "conv";
    s.language = "zh-TW";
    s.image = "/tmp/some image.png";
    s.panels = {{"conv", {{"in_w", "64"}, {"padding", "same"}}}, {"fc", {{"text", "quote ' and \" ok"}}}};
    Session back;
    std::vector<std::string> warnings;
    std::string error;
    ASSERT_TRUE(ParseSession(SessionToJson(s), &back, &warnings, &error)) << error;
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(back.panel, s.panel);
    EXPECT_EQ(back.language, s.language);
    EXPECT_EQ(back.image, s.image);
    EXPECT_EQ(back.panels, s.panels);
}

TEST(SessionJson, BadDocumentsFailAndBadMembersAreSkipped) {
    Session s;
    std::vector<std::string> warnings;
    std::string error;
    for (const char* bad : {"", "{", "[]", "42", "{\"panel\": \"conv\"}", "{\"matrixlens_session\": 99}",
                            "{\"matrixlens_session\": \"1\"}", "\xff\xfe"}) {
        error.clear();
        EXPECT_FALSE(ParseSession(bad, &s, &warnings, &error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
    warnings.clear();
    ASSERT_TRUE(ParseSession(R"({"matrixlens_session": 1, "panel": 3, "zoom": 2,
                                "panels": {"conv": {"in_w": 64, "bias": true, "x": [1]}, "fc": 5}})",
                             &s, &warnings, &error));
    EXPECT_EQ(warnings.size(), 4u);  // panel not a string, unknown zoom, conv.x, fc
    ASSERT_EQ(s.panels.size(), 1u);
    EXPECT_EQ(s.panels[0].second, (FieldValues{{"bias", "1"}, {"in_w", "64"}}));
}

TEST(SessionFile, RefusesWhatIsNotARegularBoundedFile) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("ml-session-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    Session s;
    std::string error;
    EXPECT_FALSE(ReadSessionFile((dir / "missing.json").string(), &s, nullptr, &error));
    EXPECT_NE(error.find("No such file"), std::string::npos) << error;
    EXPECT_FALSE(ReadSessionFile(dir.string(), &s, nullptr, &error));
    EXPECT_NE(error.find("directory"), std::string::npos) << error;
    const fs::path fifo = dir / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_FALSE(ReadSessionFile(fifo.string(), &s, nullptr, &error));  // must not block
    EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
    {
        std::ofstream big(dir / "big.json");
        big << std::string(kMaxSessionBytes + 10, ' ');
    }
    EXPECT_FALSE(ReadSessionFile((dir / "big.json").string(), &s, nullptr, &error));
    EXPECT_NE(error.find("at most"), std::string::npos) << error;
    fs::remove_all(dir);
}

TEST(CommandLine, QuotesForTheShell) {
    EXPECT_EQ(ShellQuote("in_w=64"), "in_w=64");
    EXPECT_EQ(ShellQuote("a b"), "'a b'");
    EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
    EXPECT_EQ(ShellQuote(""), "''");
    EXPECT_EQ(CommandLine("mlp", {{"widths", "64, 32"}}, "", "zh-TW"), "matrixlens --panel mlp --lang zh-TW --set 'widths=64, 32'");
}

TEST(EditHistory, UndoRedoWalkTheStates) {
    EditHistory h;
    const FieldValues a{{"k", "1"}}, b{{"k", "2"}}, c{{"k", "3"}}, d{{"k", "4"}};
    h.Observe(a);
    h.Observe(a);  // unchanged: no step
    h.Observe(b);
    h.Observe(c);
    EXPECT_EQ(h.Steps(), 3u);
    EXPECT_FALSE(h.CanRedo());
    EXPECT_EQ(*h.Undo(), b);
    EXPECT_EQ(*h.Undo(), a);
    EXPECT_EQ(h.Undo(), nullptr);
    EXPECT_EQ(*h.Redo(), b);
    h.Observe(b);  // the restored state is not a new step
    EXPECT_TRUE(h.CanRedo());
    h.Observe(d);  // a new edit drops the redo branch
    EXPECT_FALSE(h.CanRedo());
    EXPECT_EQ(*h.Undo(), b);
    for (int i = 0; i < 500; ++i) h.Observe({{"k", std::to_string(100 + i)}});
    EXPECT_EQ(h.Steps(), EditHistory::kMaxSteps);
}

}  // namespace
