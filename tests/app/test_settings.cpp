// Tests for app/settings.hpp: a settings.json that is a directory, a FIFO, garbage, too large or
// unreadable never throws or blocks; a corrupt one is moved aside once with a warning; saving the
// language keeps every other key and leaves no temporary behind.
#include "settings.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace {

namespace fs = std::filesystem;
using lens::app::LoadSettings;

class SettingsTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        m_dir = fs::temp_directory_path() / ("lens_settings_test_" + std::to_string(rd()));
        fs::create_directories(m_dir / "matrixlens");
        m_path = (m_dir / "matrixlens" / "settings.json").string();
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    void Write(const std::string& text) {
        std::ofstream out(m_path, std::ios::binary);
        out << text;
    }
    std::string Read(const std::string& path) const {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    fs::path m_dir;
    std::string m_path;
};

TEST_F(SettingsTest, AbsentFileIsEmptyWithoutWarning) {
    auto settings = LoadSettings(m_path);
    EXPECT_TRUE(settings.json.is_object());
    EXPECT_TRUE(settings.json.empty());
    EXPECT_TRUE(settings.warning.empty());
}

TEST_F(SettingsTest, DirectoryIsIgnoredWithAWarning) {
    fs::create_directory(m_path);
    auto settings = LoadSettings(m_path);
    EXPECT_TRUE(settings.json.empty());
    EXPECT_NE(settings.warning.find("directory"), std::string::npos) << settings.warning;
    EXPECT_TRUE(fs::is_directory(m_path));
    std::string error;
    EXPECT_FALSE(lens::app::RememberLanguage(m_path, lens::i18n::Language::English, &error));
    EXPECT_FALSE(error.empty());
}

// Opening a FIFO for reading would wait for a writer: the loader must return at once. (If it
// blocked, this test would hang; ctest's timeout turns that into a failure.)
TEST_F(SettingsTest, FifoIsNeverWaitedOn) {
    ASSERT_EQ(::mkfifo(m_path.c_str(), 0600), 0);
    auto settings = LoadSettings(m_path);
    EXPECT_TRUE(settings.json.empty());
    EXPECT_NE(settings.warning.find("FIFO"), std::string::npos) << settings.warning;
}

TEST_F(SettingsTest, GarbageIsMovedAsideOnce) {
    Write("{\"language\": \"zh-TW\", oops");
    auto settings = LoadSettings(m_path);
    EXPECT_TRUE(settings.json.empty());
    EXPECT_TRUE(settings.moved_aside);
    EXPECT_NE(settings.warning.find("settings.json.bad"), std::string::npos) << settings.warning;
    EXPECT_FALSE(fs::exists(m_path));
    EXPECT_EQ(Read(m_path + ".bad"), "{\"language\": \"zh-TW\", oops");
    // Said once: the next load finds no file and says nothing.
    EXPECT_TRUE(LoadSettings(m_path).warning.empty());
}

TEST_F(SettingsTest, NonObjectJsonIsMovedAside) {
    for (const char* text : {"[1, 2]", "\"en\"", "null", "", "\xff\xfe"}) {
        Write(text);
        auto settings = LoadSettings(m_path);
        EXPECT_TRUE(settings.json.empty()) << text;
        EXPECT_TRUE(settings.moved_aside) << text;
        fs::remove(m_path + ".bad");
    }
}

TEST_F(SettingsTest, HugeFileIsRefusedWithoutReadingIt) {
    Write("{\"language\": \"en\", \"pad\": \"" + std::string(lens::app::kMaxSettingsBytes, 'x') + "\"}");
    auto settings = LoadSettings(m_path);
    EXPECT_TRUE(settings.json.empty());
    EXPECT_NE(settings.warning.find("limit"), std::string::npos) << settings.warning;
    EXPECT_TRUE(fs::exists(m_path + ".bad"));
}

TEST_F(SettingsTest, RememberLanguageKeepsUnknownKeys) {
    Write(R"({"language": "en", "window": {"width": 1500}, "future_key": [1, 2, 3]})");
    std::string error;
    ASSERT_TRUE(lens::app::RememberLanguage(m_path, lens::i18n::Language::TraditionalChinese, &error)) << error;
    auto settings = LoadSettings(m_path);
    EXPECT_TRUE(settings.warning.empty()) << settings.warning;
    EXPECT_EQ(settings.json["language"], "zh-TW");
    EXPECT_EQ(settings.json["window"]["width"], 1500);
    EXPECT_EQ(settings.json["future_key"], nlohmann::json({1, 2, 3}));
    EXPECT_EQ(lens::app::RememberedLanguage(settings), lens::i18n::Language::TraditionalChinese);
    // Only settings.json in its directory: no temporary left behind.
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(m_dir / "matrixlens")) ++entries;
    EXPECT_EQ(entries, 1);
}

TEST_F(SettingsTest, RememberLanguageCreatesTheDirectory) {
    const std::string path = (m_dir / "new" / "matrixlens" / "settings.json").string();
    std::string error;
    ASSERT_TRUE(lens::app::RememberLanguage(path, lens::i18n::Language::English, &error)) << error;
    EXPECT_EQ(LoadSettings(path).json["language"], "en");
}

TEST_F(SettingsTest, UnknownLanguageIsNotRemembered) {
    Write(R"({"language": "klingon"})");
    EXPECT_FALSE(lens::app::RememberedLanguage(LoadSettings(m_path)).has_value());
    Write(R"({"language": 5})");
    EXPECT_FALSE(lens::app::RememberedLanguage(LoadSettings(m_path)).has_value());
}

}  // namespace
