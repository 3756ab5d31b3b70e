// tests/app/test_app_logic.cpp: the string table is complete and consistent in both languages,
// and panel keys parse, range-check and report errors as the command line promises.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "i18n/strings.hpp"
#include "panels/keys.hpp"

namespace {

using lens::i18n::Language;
using lens::i18n::S;

std::vector<std::string> Conversions(const std::string& format) {
    std::vector<std::string> out;
    static const std::regex conversion("%[-+ #0]*[0-9]*(\\.[0-9]+)?(ll|l|z)?[diouxXfFeEgGsc%]");
    for (auto it = std::sregex_iterator(format.begin(), format.end(), conversion); it != std::sregex_iterator(); ++it)
        out.push_back(it->str());
    return out;
}

bool ValidUtf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (extra < 0 || i + static_cast<size_t>(extra) >= s.size() + (extra == 0 ? 1 : 0)) return false;
        for (int k = 1; k <= extra; ++k)
            if ((static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0xC0) != 0x80) return false;
        i += static_cast<size_t>(extra) + 1;
    }
    return true;
}

TEST(StringTable, EveryEntryIsFilledInBothLanguages) {
    for (size_t i = 0; i < lens::i18n::kStringCount; ++i) {
        const auto id = static_cast<S>(i);
        std::string en = lens::i18n::TextIn(id, Language::English);
        std::string zh = lens::i18n::TextIn(id, Language::TraditionalChinese);
        EXPECT_FALSE(en.empty()) << lens::i18n::Name(id);
        EXPECT_FALSE(zh.empty()) << lens::i18n::Name(id);
        EXPECT_TRUE(ValidUtf8(en)) << lens::i18n::Name(id);
        EXPECT_TRUE(ValidUtf8(zh)) << lens::i18n::Name(id);
    }
}

TEST(StringTable, FormatsMatchAcrossLanguages) {
    for (size_t i = 0; i < lens::i18n::kStringCount; ++i) {
        const auto id = static_cast<S>(i);
        EXPECT_EQ(Conversions(lens::i18n::TextIn(id, Language::English)),
                  Conversions(lens::i18n::TextIn(id, Language::TraditionalChinese)))
            << lens::i18n::Name(id);
    }
}

TEST(StringTable, ChineseIsActuallyTranslated) {
    // Most entries must differ between languages; identical ones are names, symbols or formats.
    size_t same = 0;
    for (size_t i = 0; i < lens::i18n::kStringCount; ++i) {
        const auto id = static_cast<S>(i);
        if (std::string(lens::i18n::TextIn(id, Language::English)) == lens::i18n::TextIn(id, Language::TraditionalChinese)) ++same;
    }
    EXPECT_LT(same * 5, lens::i18n::kStringCount) << same << " of " << lens::i18n::kStringCount << " entries are untranslated";
}

TEST(StringTable, CodePointsCoverTheChineseTable) {
    auto points = lens::i18n::CodePointsUsed(Language::TraditionalChinese);
    EXPECT_GT(points.size(), 50u);
    EXPECT_TRUE(std::is_sorted(points.begin(), points.end()));
    EXPECT_NE(points.find(U'檔'), std::u32string::npos);  // "File" menu
    for (char32_t cp : points) EXPECT_GE(cp, 0x80u);
}

TEST(StringTable, LanguageSwitch) {
    lens::i18n::SetLanguage(Language::TraditionalChinese);
    EXPECT_STREQ(lens::i18n::Tr(S::MenuFile), "檔案");
    lens::i18n::SetLanguage(Language::English);
    EXPECT_STREQ(lens::i18n::Tr(S::MenuFile), "File");
    Language parsed;
    EXPECT_TRUE(lens::i18n::ParseLanguageCode("zh-TW", &parsed));
    EXPECT_EQ(parsed, Language::TraditionalChinese);
    EXPECT_FALSE(lens::i18n::ParseLanguageCode("fr", &parsed));
}

TEST(KeyTable, ParsesAndRangeChecks) {
    lens::app::KeyTable keys;
    int kernel = 3, mode = 0;
    float scale = 1.0f;
    bool bias = false;
    keys.Int("kernel", &kernel, 1, 1024, "kernel size");
    keys.Choice("padding", &mode, {"valid", "same", "full"}, "padding mode");
    keys.Float("scale", &scale, 0.0f, 10.0f, "weight scale");
    keys.Bool("bias", &bias, "bias");
    std::string error;
    EXPECT_TRUE(keys.Set("kernel", "5", &error));
    EXPECT_EQ(kernel, 5);
    EXPECT_FALSE(keys.Set("kernel", "0", &error));
    EXPECT_NE(error.find("out of range"), std::string::npos);
    EXPECT_EQ(kernel, 5) << "a refused value leaves the field unchanged";
    for (const char* bad : {"", "3x", "1e3", "99999999999999999999", "-", "+"}) EXPECT_FALSE(keys.Set("kernel", bad, &error)) << bad;
    EXPECT_TRUE(keys.Set("padding", "full", &error));
    EXPECT_EQ(mode, 2);
    EXPECT_FALSE(keys.Set("padding", "circular", &error));
    EXPECT_NE(error.find("valid|same|full"), std::string::npos);
    EXPECT_TRUE(keys.Set("scale", "2.5", &error));
    EXPECT_FLOAT_EQ(scale, 2.5f);
    for (const char* bad : {"nan", "inf", "-1", "11", "abc"}) EXPECT_FALSE(keys.Set("scale", bad, &error)) << bad;
    EXPECT_TRUE(keys.Set("bias", "1", &error));
    EXPECT_TRUE(bias);
    EXPECT_FALSE(keys.Set("bias", "2", &error));
    EXPECT_FALSE(keys.Set("nosuch", "1", &error));
    EXPECT_NE(error.find("valid keys: kernel, padding, scale, bias"), std::string::npos) << error;
    EXPECT_EQ(keys.List().size(), 4u);
}

TEST(FieldTable, DeclaredOnceDrivesKeysListAndRanges) {
    using namespace lens::app;
    enum class Order { ChannelMajor, PositionMajor };
    struct Spec {
        std::int64_t stride = 1;
        Order order = Order::ChannelMajor;
        std::uint64_t seed = 1;
        std::string text = "a";
        double scale = 1;
    } spec;
    FieldTable fields;
    fields.Int("stride", lens::i18n::S::ConvStride, &spec.stride, 1, 1024, "stride");
    fields.Choice("order", "order", &spec.order,
                  {{"position_major", "p", static_cast<std::int64_t>(Order::PositionMajor)},
                   {"channel_major", "c", static_cast<std::int64_t>(Order::ChannelMajor)}},
                  "flattening");
    fields.Seed("seed", "seed", &spec.seed, "seed");
    fields.Text("text", "text", &spec.text, 8, "text");
    fields.Float("scale", "scale", &spec.scale, 0.0, 10.0, "scale").Display();
    std::string error;
    // Choices store their declared values, listed in declaration order.
    EXPECT_TRUE(fields.Set("order", "position_major", &error));
    EXPECT_EQ(spec.order, Order::PositionMajor);
    EXPECT_EQ(fields.List()[1].range, "position_major|channel_major");
    EXPECT_EQ(fields.Find("order")->Current(), "position_major");
    // Seeds: the whole unsigned 64-bit range, nothing past it, no sign, no spaces.
    EXPECT_TRUE(fields.Set("seed", "18446744073709551615", &error));
    EXPECT_EQ(spec.seed, 18446744073709551615ull);
    for (const char* bad : {"18446744073709551616", "99999999999999999999999", "-5", " 5", "5 ", "", "1e3", "\xd9\xa3"})
        EXPECT_FALSE(fields.Set("seed", bad, &error)) << bad;
    EXPECT_EQ(spec.seed, 18446744073709551615ull) << "a refused value leaves the field unchanged";
    for (const char* bad : {" 5", "5 ", "+-5", "--5", "0x10", "5.0"}) EXPECT_FALSE(fields.Set("stride", bad, &error)) << bad;
    // A long bad value is echoed cut to 60 bytes with its length.
    EXPECT_FALSE(fields.Set("stride", std::string(100000, '7'), &error));
    EXPECT_LT(error.size(), 200u);
    EXPECT_NE(error.find("(100000 bytes)"), std::string::npos) << error;
    EXPECT_FALSE(fields.Set("text", "123456789", &error));
    EXPECT_NE(error.find("longer than 8 bytes"), std::string::npos) << error;
    EXPECT_TRUE(fields.List()[4].display);
    EXPECT_EQ(fields.CurrentAsArguments(),
              "--set stride=1 --set order=position_major --set seed=18446744073709551615 --set text=a --set scale=1");
}

TEST(FieldTable, PresetsApplyBeforeOtherKeysWhateverTheOrder) {
    using namespace lens::app;
    struct Spec {
        std::int64_t width = 1;
        std::int64_t depth = 1;
    } spec;
    std::string preset;
    FieldTable fields;
    fields.Preset("preset", "preset", {{"big", "big"}, {"small", "small"}}, &preset,
                  [&](const std::string& key) {
                      if (key == "big") spec = {100, 10};
                      else if (key == "small") spec = {2, 2};
                      else return false;
                      return true;
                  },
                  "preset");
    fields.Int("width", "width", &spec.width, 1, 1000, "width");
    fields.Int("depth", "depth", &spec.depth, 1, 1000, "depth");
    std::string error;
    ASSERT_TRUE(fields.SetAll({{"width", "7"}, {"preset", "big"}}, &error)) << error;
    EXPECT_EQ(spec.width, 7) << "the explicit key wins over the preset typed after it";
    EXPECT_EQ(spec.depth, 10);
    EXPECT_EQ(preset, "") << "a key set after the preset makes the state custom";
    ASSERT_TRUE(fields.SetAll({{"preset", "big"}}, &error)) << error;
    EXPECT_EQ(preset, "big");
    // An out-of-range key is refused even when a preset follows it on the command line.
    EXPECT_FALSE(fields.SetAll({{"width", "2049"}, {"preset", "small"}}, &error));
    EXPECT_NE(error.find("width"), std::string::npos);
    EXPECT_FALSE(fields.SetAll({{"preset", "huge"}}, &error));
    EXPECT_NE(error.find("big|small"), std::string::npos) << error;
    // An edit from an editor turns the preset into "custom"; display fields do not.
    fields.Edited(*fields.Find("width"));
    EXPECT_EQ(preset, "");
}

TEST(KeyTable, ParseSize) {
    int w = 0, h = 0;
    std::string error;
    EXPECT_TRUE(lens::app::ParseSize("1280x800", 64, 8192, &w, &h, &error));
    EXPECT_EQ(w, 1280);
    EXPECT_EQ(h, 800);
    for (const char* bad : {"", "x", "12x", "x12", "10x10", "100000x100", "-5x100", "axb"})
        EXPECT_FALSE(lens::app::ParseSize(bad, 64, 8192, &w, &h, &error)) << bad;
}

}  // namespace
