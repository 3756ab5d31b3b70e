// Tests of the one wrapping routine (app/widgets/paragraph.hpp) with a real ImGui font atlas: numbers
// are never split ("7,087,872", "4.31e-13", "2.639" stay whole at every width that can hold them),
// lines break at spaces and next to CJK characters (never before CJK closing punctuation), no line
// is wider than asked unless a single unbreakable run is, and no character is lost or repeated.
#include <gtest/gtest.h>

#include <string>

#include <imgui.h>

#include "widgets/paragraph.hpp"

namespace lens::app {
namespace {

class Wrap : public ::testing::Test {
protected:
    void SetUp() override {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;  // no imgui.ini left behind
        io.Fonts->AddFontDefault();
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsAlpha8(&pixels, &w, &h);
        io.DisplaySize = ImVec2(800, 600);
        io.DeltaTime = 1.0f / 60.0f;
        ImGui::NewFrame();
    }
    void TearDown() override {
        ImGui::EndFrame();
        ImGui::DestroyContext();
    }
    static std::vector<std::string> Lines(const std::string& text, float width) {
        std::vector<std::string> out;
        for (const auto& [a, b] : WrapLines(text.data(), text.data() + text.size(), width)) out.emplace_back(a, b);
        return out;
    }
    static float Width(const std::string& s) { return ImGui::CalcTextSize(s.c_str()).x; }
};

// Every number of `numbers` appears whole on one line.
void ExpectWhole(const std::vector<std::string>& lines, const std::vector<std::string>& numbers, float width) {
    for (const std::string& n : numbers) {
        bool found = false;
        for (const std::string& line : lines) found |= line.find(n) != std::string::npos;
        EXPECT_TRUE(found) << "'" << n << "' split at width " << width;
    }
}

TEST_F(Wrap, NumbersStayWholeAtEveryWidth) {
    const std::string text = "The exact block has 7,087,872: the notes leave out W_o (589,824), the biases (6,912); error 4.31e-13 and entropy 2.639 of 2.602.";
    const std::vector<std::string> numbers = {"7,087,872:", "(589,824),", "(6,912);", "4.31e-13", "2.639", "2.602."};
    int widths = 0;
    for (float width = Width("(589,824),") + 1; width < 900; width += 7) {
        const auto lines = Lines(text, width);
        ExpectWhole(lines, numbers, width);
        for (const std::string& line : lines) EXPECT_LE(Width(line), width + 0.5f) << "'" << line << "'";
        // Nothing lost: the lines joined by the spaces they broke at are the text.
        std::string joined;
        for (const std::string& line : lines) joined += (joined.empty() ? "" : " ") + line;
        EXPECT_EQ(joined, text) << width;
        ++widths;
    }
    EXPECT_GT(widths, 100);
}

TEST_F(Wrap, ImGuisOwnWrappingWouldSplitThem) {
    // The reason this routine exists: ImGui's word wrap breaks after ',' and '.' inside numbers.
    const std::string text = "parameters 7,087,872 in all";
    ImFont* font = ImGui::GetFont();
    bool split = false;
    for (float width = 20; width < 300 && !split; width += 3) {
        const char* end = font->CalcWordWrapPositionA(1.0f, text.c_str(), text.c_str() + text.size(), width);
        const std::string first(text.c_str(), end);
        split = first.find("7,") != std::string::npos && first.find("7,087,872") == std::string::npos;
    }
    EXPECT_TRUE(split);
}

TEST_F(Wrap, CjkBreaksBetweenCharactersButKeepsNumbersAndPunctuation) {
    // 注意力熵 2.639，接近均勻分佈的 2.602。(attention entropy 2.639, near uniform 2.602)
    const std::string text = "\xe6\xb3\xa8\xe6\x84\x8f\xe5\x8a\x9b\xe7\x86\xb5 2.639\xef\xbc\x8c\xe6\x8e\xa5\xe8\xbf\x91\xe5\x9d\x87\xe5\x8b\xbb"
                             "\xe5\x88\x86\xe4\xbd\x88\xe7\x9a\x84 2.602\xe3\x80\x82";
    bool broke_inside_cjk = false;
    for (float width = Width("2.639") + 16; width < 400; width += 5) {
        const auto lines = Lines(text, width);
        ExpectWhole(lines, {"2.639", "2.602"}, width);
        for (size_t i = 1; i < lines.size(); ++i) {
            // Never a line that starts with the full-width comma or the ideographic full stop.
            EXPECT_NE(lines[i].rfind("\xef\xbc\x8c", 0), 0u) << width;
            EXPECT_NE(lines[i].rfind("\xe3\x80\x82", 0), 0u) << width;
            const unsigned char c = static_cast<unsigned char>(lines[i][0]);
            if (c >= 0xE0 && lines[i - 1].back() != ' ') broke_inside_cjk = true;
        }
    }
    EXPECT_TRUE(broke_inside_cjk);  // CJK text breaks between characters, with no space needed
}

}  // namespace
}  // namespace lens::app
