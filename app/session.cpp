// app/session.cpp: sessions as JSON, the command line of the current state, and undo / redo.
#include "session.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

namespace lens::app {

// [SECTION] Fields

FieldValues SnapshotFields(const FieldTable& fields) {
    FieldValues out;
    for (const Field& field : fields.All()) {
        if (field.preset) continue;
        if (field.type == FieldType::Custom && !field.get_text) continue;
        out.emplace_back(field.key, field.Current());
    }
    return out;
}

std::vector<std::string> RestoreFields(FieldTable& fields, const FieldValues& values, std::string_view panel_id) {
    std::vector<std::string> problems;
    for (const auto& [key, value] : values) {
        Field* field = fields.Find(key);
        if (!field) {
            problems.push_back(std::string(panel_id) + "." + key + ": not a key of this panel; skipped");
            continue;
        }
        if (field->Current() == value) continue;  // no hooks run for what did not change
        if (std::string message; !fields.Set(key, value, &message))
            problems.push_back(std::string(panel_id) + ": " + message + "; skipped");
    }
    return problems;
}

std::string ShellQuote(const std::string& word) {
    const bool plain = !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                               "0123456789_-+=.,/:@%") == std::string::npos;
    if (plain) return word;
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string CommandLine(std::string_view panel_id, const FieldValues& values, const std::string& image_path,
                        const std::string& language_code) {
    std::string out = "matrixlens --panel " + ShellQuote(std::string(panel_id));
    if (!image_path.empty()) out += " --image " + ShellQuote(image_path);
    if (!language_code.empty()) out += " --lang " + ShellQuote(language_code);
    for (const auto& [key, value] : values) out += " --set " + ShellQuote(key + "=" + value);
    return out;
}

// [SECTION] Session files

std::string SessionToJson(const Session& session) {
    nlohmann::ordered_json json;
    json["matrixlens_session"] = Session::kVersion;
    json["panel"] = session.panel;
    if (!session.language.empty()) json["language"] = session.language;
    json["image"] = session.image;
    nlohmann::ordered_json panels = nlohmann::ordered_json::object();
    for (const auto& [id, values] : session.panels) {
        nlohmann::ordered_json fields = nlohmann::ordered_json::object();
        for (const auto& [key, value] : values) fields[key] = value;
        panels[id] = std::move(fields);
    }
    json["panels"] = std::move(panels);
    return json.dump(2) + "\n";
}

bool ParseSession(std::string_view text, Session* session, std::vector<std::string>* warnings, std::string* error) {
    auto warn = [&](std::string message) {
        if (warnings) warnings->push_back(std::move(message));
    };
    const nlohmann::json json = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (json.is_discarded()) {
        if (error) *error = "not a session file: it is not valid JSON";
        return false;
    }
    if (!json.is_object() || !json.contains("matrixlens_session")) {
        if (error) *error = "not a session file: no \"matrixlens_session\" member";
        return false;
    }
    const auto& version = json["matrixlens_session"];
    if (!version.is_number_integer() || version.get<std::int64_t>() < 1 || version.get<std::int64_t>() > Session::kVersion) {
        if (error) *error = "unsupported session version " + version.dump() + " (this program reads version 1)";
        return false;
    }
    Session out;
    auto text_member = [&](const char* name, std::string* target) {
        if (!json.contains(name)) return;
        if (json[name].is_string()) *target = json[name].get<std::string>();
        else warn(std::string("\"") + name + "\" is not a string; skipped");
    };
    text_member("panel", &out.panel);
    text_member("language", &out.language);
    text_member("image", &out.image);
    if (json.contains("panels")) {
        if (!json["panels"].is_object()) {
            warn("\"panels\" is not an object; skipped");
        } else {
            for (const auto& [id, fields] : json["panels"].items()) {
                if (!fields.is_object()) {
                    warn("panel \"" + id + "\" is not an object; skipped");
                    continue;
                }
                FieldValues values;
                for (const auto& [key, value] : fields.items()) {
                    if (value.is_string()) values.emplace_back(key, value.get<std::string>());
                    else if (value.is_number_integer() || value.is_number_float() || value.is_boolean())
                        values.emplace_back(key, value.is_boolean() ? (value.get<bool>() ? "1" : "0") : value.dump());
                    else warn(id + "." + key + ": not a string or number; skipped");
                }
                out.panels.emplace_back(id, std::move(values));
            }
        }
    }
    for (const auto& [key, value] : json.items())
        if (key != "matrixlens_session" && key != "panel" && key != "language" && key != "image" && key != "panels")
            warn("unknown member \"" + key + "\"; skipped");
    *session = std::move(out);
    return true;
}

bool ReadSessionFile(const std::string& path, Session* session, std::vector<std::string>* warnings, std::string* error) {
    auto fail = [&](const std::string& why) {
        if (error) *error = path + ": " + why;
        return false;
    };
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return fail(std::strerror(errno));
    if (!S_ISREG(info.st_mode)) return fail(S_ISDIR(info.st_mode) ? "is a directory" : "is not a regular file");
    if (static_cast<std::size_t>(info.st_size) > kMaxSessionBytes)
        return fail("is " + std::to_string(info.st_size) + " bytes; a session file is at most " + std::to_string(kMaxSessionBytes));
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail(std::strerror(errno));
    std::string text(kMaxSessionBytes + 1, '\0');
    std::size_t used = 0;
    while (used < text.size()) {
        const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int saved = errno;
            ::close(fd);
            return fail(std::strerror(saved));
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (used > kMaxSessionBytes) return fail("grew past " + std::to_string(kMaxSessionBytes) + " bytes while being read");
    text.resize(used);
    std::string why;
    if (!ParseSession(text, session, warnings, &why)) return fail(why);
    return true;
}

// [SECTION] Edit history

void EditHistory::Observe(const FieldValues& now) {
    if (!m_steps.empty() && m_steps[m_index] == now) return;
    if (!m_steps.empty()) m_steps.resize(m_index + 1);
    m_steps.push_back(now);
    if (m_steps.size() > kMaxSteps) m_steps.erase(m_steps.begin());
    m_index = m_steps.size() - 1;
}

const FieldValues* EditHistory::Undo() {
    if (!CanUndo()) return nullptr;
    return &m_steps[--m_index];
}

const FieldValues* EditHistory::Redo() {
    if (!CanRedo()) return nullptr;
    return &m_steps[++m_index];
}

}  // namespace lens::app
