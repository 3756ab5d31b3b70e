#include "file_browser.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <imgui.h>

#include "../i18n/strings.hpp"

namespace lens::app {
namespace {

namespace fs = std::filesystem;
using i18n::S;
using i18n::Tr;

bool IsImageName(const std::string& name) {
    std::string ext = fs::path(name).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* known : {".png", ".jpg", ".jpeg", ".bmp"})
        if (ext == known) return true;
    return false;
}

}  // namespace

void FileBrowser::Open(const std::string& directory) {
    std::error_code ec;
    m_directory = directory.empty() ? fs::current_path(ec).string() : directory;
    m_open_requested = true;
    m_selected = -1;
    m_file_name[0] = 0;
    List();
}

void FileBrowser::List() {
    m_entries.clear();
    m_error.clear();
    std::error_code ec;
    fs::directory_iterator it(m_directory, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
        m_error = ec.message();
        return;
    }
    // A folder with millions of entries must not stall the UI: list at most this many.
    constexpr size_t kMaxEntries = 5000;
    for (; it != fs::directory_iterator() && m_entries.size() < kMaxEntries; it.increment(ec)) {
        if (ec) break;
        const auto& path = it->path();
        std::string name = path.filename().string();
        if (name.empty() || name[0] == '.') continue;
        std::error_code type_ec;
        bool is_dir = it->is_directory(type_ec);
        if (!is_dir && !IsImageName(name)) continue;
        std::uintmax_t size = is_dir ? 0 : it->file_size(type_ec);
        m_entries.push_back({name, is_dir, type_ec ? 0 : size});
    }
    std::sort(m_entries.begin(), m_entries.end(), [](const Entry& a, const Entry& b) {
        if (a.is_directory != b.is_directory) return a.is_directory;
        return a.name < b.name;
    });
}

std::optional<std::string> FileBrowser::Draw() {
    std::optional<std::string> chosen;
    if (m_open_requested) {
        ImGui::OpenPopup("##file_browser");
        m_open_requested = false;
    }
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowSize(ImVec2(display.x * 0.6f, display.y * 0.7f), ImGuiCond_Appearing);
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.5f), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal("##file_browser", nullptr, ImGuiWindowFlags_NoTitleBar)) return chosen;

    ImGui::TextUnformatted(Tr(S::BrowserTitle));
    ImGui::Separator();
    if (ImGui::Button(Tr(S::BrowserUp))) {
        fs::path parent = fs::path(m_directory).parent_path();
        if (!parent.empty()) {
            m_directory = parent.string();
            List();
        }
    }
    ImGui::SameLine();
    ImGui::TextDisabled("%s:", Tr(S::BrowserFolder));
    ImGui::SameLine();
    ImGui::TextUnformatted(m_directory.c_str());
    ImGui::TextDisabled("%s", Tr(S::BrowserFilterNote));
    if (!m_error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), Tr(S::BrowserCannotList), m_error.c_str());

    const float footer = ImGui::GetFrameHeightWithSpacing() * 2.2f;
    ImGui::BeginChild("##entries", ImVec2(0, -footer), true);
    std::string enter_directory;
    for (int i = 0; i < static_cast<int>(m_entries.size()); ++i) {
        const Entry& entry = m_entries[static_cast<size_t>(i)];
        std::string label = entry.is_directory ? "[" + entry.name + "]" : entry.name;
        ImGui::PushID(i);
        if (ImGui::Selectable(label.c_str(), m_selected == i, ImGuiSelectableFlags_AllowDoubleClick)) {
            m_selected = i;
            if (entry.is_directory) {
                if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) enter_directory = entry.name;
            } else {
                std::snprintf(m_file_name, sizeof m_file_name, "%s", entry.name.c_str());
                if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
                    chosen = (fs::path(m_directory) / entry.name).string();
            }
        }
        if (!entry.is_directory) {
            ImGui::SameLine(ImGui::GetContentRegionAvail().x * 0.75f);
            ImGui::TextDisabled("%.1f KiB", static_cast<double>(entry.size) / 1024.0);
        }
        ImGui::PopID();
    }
    ImGui::EndChild();
    if (!enter_directory.empty()) {
        m_directory = (fs::path(m_directory) / enter_directory).string();
        m_selected = -1;
        List();
    }

    ImGui::SetNextItemWidth(-1);
    bool submit = ImGui::InputTextWithHint("##name", Tr(S::BrowserFileName), m_file_name, sizeof m_file_name,
                                           ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::Button(Tr(S::BrowserOpen)) || submit) {
        if (m_file_name[0] != 0) {
            fs::path typed(m_file_name);
            chosen = (typed.is_absolute() ? typed : fs::path(m_directory) / typed).string();
        }
    }
    ImGui::SameLine();
    if (ImGui::Button(Tr(S::BrowserCancel)) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    if (chosen) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return chosen;
}

}  // namespace lens::app
