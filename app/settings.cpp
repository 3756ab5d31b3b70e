// app/settings.cpp: see settings.hpp. POSIX open/fstat/read so that a FIFO or a device is never
// waited on and a huge file is never pulled into memory.
#include "settings.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <lens/atomic_file.hpp>

namespace lens::app {

namespace {

namespace fs = std::filesystem;

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

const char* KindOf(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// Moves a corrupt file aside so that the next start is clean and the user can still look at it.
void MoveAside(const std::string& path, const std::string& reason, SettingsFile* settings) {
    const std::string bad = path + ".bad";
    std::error_code ec;
    fs::rename(path, bad, ec);
    settings->moved_aside = !ec;
    settings->warning = "the settings file " + Quoted(path) + " " + reason +
                        (ec ? "; it is ignored (moving it aside failed: " + ec.message() + ")"
                            : "; it was moved aside to " + Quoted(bad) + " and the defaults are used");
}

}  // namespace

std::string SettingsPath() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    fs::path base = xdg && *xdg ? fs::path(xdg) : home && *home ? fs::path(home) / ".config" : fs::path();
    return base.empty() ? std::string() : (base / "matrixlens" / "settings.json").string();
}

SettingsFile LoadSettings(const std::string& path) {
    SettingsFile settings;
    if (path.empty()) return settings;
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 && errno == ENOENT) return settings;
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            settings.warning = "the settings file " + Quoted(path) + " cannot be opened (" + std::strerror(errno) + "); it is ignored";
        return settings;
    }
    std::string text;
    std::string problem;
    if (::fstat(fd, &info) != 0) {
        problem = std::string("cannot be examined (") + std::strerror(errno) + ")";
    } else if (!S_ISREG(info.st_mode)) {
        problem = std::string("is ") + KindOf(info.st_mode) + ", not a regular file";
    } else if (info.st_size > kMaxSettingsBytes) {
        ::close(fd);
        MoveAside(path, "is " + std::to_string(info.st_size) + " bytes, more than the limit of " +
                            std::to_string(kMaxSettingsBytes), &settings);
        return settings;
    } else {
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                problem = std::string("cannot be read (") + std::strerror(errno) + ")";
                break;
            }
            if (n == 0) break;
            text.append(buffer, static_cast<size_t>(n));
            if (static_cast<long long>(text.size()) > kMaxSettingsBytes) {
                problem = "grew past the limit of " + std::to_string(kMaxSettingsBytes) + " bytes while being read";
                break;
            }
        }
    }
    ::close(fd);
    if (!problem.empty()) {
        settings.warning = "the settings file " + Quoted(path) + " " + problem + "; it is ignored";
        return settings;
    }
    nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
        MoveAside(path, json.is_discarded() ? "is not valid JSON" : "does not hold a JSON object", &settings);
        return settings;
    }
    settings.json = std::move(json);
    return settings;
}

bool SaveSettings(const std::string& path, const nlohmann::json& json, std::string* error) {
    if (path.empty()) {
        if (error) *error = "no settings path (neither XDG_CONFIG_HOME nor HOME is set)";
        return false;
    }
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    // dump() throws on invalid UTF-8; replace it instead (keys read back are kept as they were).
    const std::string text = json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return WriteFileAtomically(path, std::string_view(text), error);
}

std::optional<i18n::Language> RememberedLanguage(const SettingsFile& settings) {
    auto it = settings.json.find("language");
    if (it == settings.json.end() || !it->is_string()) return std::nullopt;
    i18n::Language language;
    if (!i18n::ParseLanguageCode(it->get<std::string>(), &language)) return std::nullopt;
    return language;
}

bool RememberLanguage(const std::string& path, i18n::Language language, std::string* error) {
    SettingsFile settings = LoadSettings(path);
    if (!settings.warning.empty() && !settings.moved_aside) {
        // A file that exists but cannot be read is not replaced: it may hold keys we would lose.
        if (error) *error = settings.warning;
        return false;
    }
    settings.json["language"] = i18n::LanguageCode(language);
    return SaveSettings(path, settings.json, error);
}

}  // namespace lens::app
