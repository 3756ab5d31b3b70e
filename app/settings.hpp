// app/settings.hpp: the remembered settings file ($XDG_CONFIG_HOME/matrixlens/settings.json, else
// ~/.config/matrixlens/settings.json). Reading never throws, never blocks and never reads more than
// kMaxSettingsBytes: only a regular file is opened (a directory, FIFO or device is ignored with a
// warning). A file that is not a JSON object (or is too large) is moved aside to settings.json.bad
// and reported once. Saving keeps every key it does not know and goes through the atomic writer.
// No GL: unit-tested in tests/app/test_settings.cpp.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "i18n/strings.hpp"

namespace lens::app {

inline constexpr long long kMaxSettingsBytes = 64 * 1024;

// "" when neither XDG_CONFIG_HOME nor HOME is set.
std::string SettingsPath();

struct SettingsFile {
    nlohmann::json json = nlohmann::json::object();  // every key read (unknown ones kept); {} when unusable
    std::string warning;  // English, non-empty when the file existed but could not be used (say it once)
    bool moved_aside = false;  // a corrupt file was renamed to PATH.bad
};

// Reads `path` (absent: an empty object, no warning).
SettingsFile LoadSettings(const std::string& path);
// Writes `json` to `path` atomically, creating the directory. False with *error on failure.
bool SaveSettings(const std::string& path, const nlohmann::json& json, std::string* error);

// The "language" key, when it holds a known code.
std::optional<i18n::Language> RememberedLanguage(const SettingsFile& settings);
// Re-reads `path`, sets "language" and saves, keeping the other keys. False with *error (or the
// load's warning) on failure.
bool RememberLanguage(const std::string& path, i18n::Language language, std::string* error);

}  // namespace lens::app
