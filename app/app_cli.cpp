// app/app_cli.cpp: the command line's listings (--list-panels, --list-keys, --keys-markdown) and
// the wording of validation messages for what the user did or did not type. No GL.
#include "app_cli.hpp"

#include <algorithm>
#include <cstdio>

#include "app.hpp"
#include "panels/panel.hpp"

namespace lens::app {

// In a validation message ("field: text; field: text", lens::JoinIssues), a core field that is not a
// key is named by its key (padding_mode -> padding), and a value the user never
// typed is named as a default: "rank_b: ... (got 5)" -> "rank_b: ... (default 5, not set on the
// command line)", or "(5 from the preset)" when a preset was given.
std::string NameUntypedValues(const std::string& message, const std::vector<std::pair<std::string, std::string>>& sets,
                              const std::vector<std::string>& keys) {
    auto typed = [&](const std::string& key) {
        return std::any_of(sets.begin(), sets.end(), [&](const auto& set) { return set.first == key; });
    };
    const bool preset = typed("preset");
    std::string out;
    std::size_t at = 0;
    while (at < message.size()) {
        // The next issue starts after "; " followed by a known key and ':'.
        std::size_t end = message.size();
        for (std::size_t next = message.find("; ", at); next != std::string::npos; next = message.find("; ", next + 2)) {
            const std::size_t colon = message.find(':', next + 2);
            if (colon != std::string::npos && std::find(keys.begin(), keys.end(), message.substr(next + 2, colon - next - 2)) != keys.end()) {
                end = next;
                break;
            }
        }
        std::string issue = message.substr(at, end - at);
        std::string field = issue.substr(0, issue.find(':'));
        // A core field name that is not a key ("padding_mode") is shown as the key it belongs to ("padding").
        if (std::find(keys.begin(), keys.end(), field) == keys.end()) {
            for (const std::string& key : keys)
                if (field.size() > key.size() && field.compare(0, key.size() + 1, key + "_") == 0) {
                    issue.replace(0, field.size(), key);
                    field = key;
                    break;
                }
        }
        const std::size_t got = issue.rfind("(got ");
        if (got != std::string::npos && std::find(keys.begin(), keys.end(), field) != keys.end() && !typed(field)) {
            const std::size_t close = issue.find(')', got);
            const std::string value = issue.substr(got + 5, close == std::string::npos ? std::string::npos : close - got - 5);
            issue.replace(got, close == std::string::npos ? std::string::npos : close - got + 1,
                          preset ? "(" + value + " from the preset)" : "(default " + value + ", not set on the command line)");
        }
        out += (out.empty() ? "" : "; ") + issue;
        at = end == message.size() ? end : end + 2;
    }
    return out;
}

std::vector<std::string> App::PanelIds() { return RegisteredPanelIds(); }

bool App::ListKeys(const std::string& panel_id, std::string* error) {
    for (auto& panel : CreateAllPanels()) {
        if (panel->Id() != panel_id) continue;
        auto keys = panel->Keys().List();
        if (keys.empty()) std::printf("(panel '%s' has no settable keys)\n", panel_id.c_str());
        for (const auto& key : keys) std::printf("%-16s %-28s %s\n", key.name.c_str(), key.range.c_str(), key.help.c_str());
        return true;
    }
    std::string valid;
    for (const auto& id : RegisteredPanelIds()) valid += (valid.empty() ? "" : ", ") + id;
    if (error) *error = "unknown panel '" + panel_id + "'; valid panels: " + valid;
    return false;
}

void App::PrintKeysMarkdown() {
    std::printf("| panel | keys (`--set key=value`; view settings after \"view:\") |\n| --- | --- |\n");
    for (auto& panel : CreateAllPanels()) {
        std::string spec, view;
        for (const auto& key : panel->Keys().List()) {
            std::string range = key.range;
            for (std::size_t at = 0; (at = range.find('|', at)) != std::string::npos; at += 2) range.replace(at, 1, ", ");
            const std::string item = "`" + key.name + "` (" + range + ")";
            std::string& into = key.display ? view : spec;
            into += (into.empty() ? "" : ", ") + item;
        }
        if (spec.empty() && view.empty()) spec = "none";
        if (!view.empty()) spec += (spec.empty() ? "view: " : "; view: ") + view;
        std::printf("| `%s` | %s |\n", panel->Id(), spec.c_str());
    }
}

}  // namespace lens::app
