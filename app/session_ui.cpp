// app/session_ui.cpp: sessions, undo / redo, copy as command line, pin and compare in the UI.
#include "session_ui.hpp"

#include <cstdio>
#include <filesystem>

#include <imgui.h>

#include <lens/atomic_file.hpp>

#include "app.hpp"
#include "export.hpp"

namespace lens::app {

namespace fs = std::filesystem;
using i18n::S;
using i18n::Tr;

namespace {

std::string Printf(const char* format, const std::string& a) {
    std::vector<char> buffer(a.size() + std::char_traits<char>::length(format) + 64);
    std::snprintf(buffer.data(), buffer.size(), format, a.c_str());
    return buffer.data();
}

std::string Printf(const char* format, int n, const std::string& a) {
    std::vector<char> buffer(a.size() + std::char_traits<char>::length(format) + 64);
    std::snprintf(buffer.data(), buffer.size(), format, n, a.c_str());
    return buffer.data();
}

bool IsBundledImage(const std::string& path) {
    std::error_code ec;
    return fs::equivalent(path, fs::path(AssetsDirectory()) / "astronaut.png", ec);
}

std::string ImagePathOf(const SessionHost& host) {
    if (!host.context.image || IsBundledImage(host.context.image->path)) return {};
    std::error_code ec;
    const fs::path absolute = fs::absolute(host.context.image->path, ec);
    return ec ? host.context.image->path : absolute.string();
}

std::string FormatNumber(const nlohmann::json& value) {
    if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
    if (value.is_number_float()) {
        char buffer[48];
        std::snprintf(buffer, sizeof buffer, "%.6g", value.get<double>());
        return buffer;
    }
    if (value.is_string()) return value.get<std::string>();
    return {};
}

}  // namespace

// [SECTION] Capture and apply

Session CaptureSession(const SessionHost& host) {
    Session session;
    session.panel = host.panels[static_cast<std::size_t>(host.current)]->Id();
    session.language = i18n::LanguageCode(i18n::CurrentLanguage());
    session.image = ImagePathOf(host);
    for (const auto& panel : host.panels) session.panels.emplace_back(panel->Id(), SnapshotFields(panel->Fields()));
    return session;
}

std::vector<std::string> ApplySession(const Session& session, SessionHost& host, bool apply_language) {
    std::vector<std::string> skipped;
    for (const auto& [id, values] : session.panels) {
        Panel* target = nullptr;
        for (auto& panel : host.panels)
            if (id == panel->Id()) target = panel.get();
        if (!target) {
            skipped.push_back("panel \"" + id + "\" does not exist; skipped");
            continue;
        }
        for (auto& message : RestoreFields(target->Fields(), values, id)) skipped.push_back(std::move(message));
        if (std::string problem = target->ValidateKeys(); !problem.empty())
            skipped.push_back(id + ": " + problem + " (kept as read)");
    }
    if (!session.panel.empty()) {
        bool found = false;
        for (std::size_t i = 0; i < host.panels.size(); ++i)
            if (session.panel == host.panels[i]->Id()) {
                host.current = static_cast<int>(i);
                found = true;
            }
        if (!found) skipped.push_back("panel \"" + session.panel + "\" does not exist; the current panel is kept");
    }
    if (apply_language && !session.language.empty()) {
        i18n::Language language;
        if (i18n::ParseLanguageCode(session.language, &language)) i18n::SetLanguage(language);
        else skipped.push_back("language \"" + session.language + "\" is not en or zh-TW; skipped");
    }
    return skipped;
}

bool WriteSessionFile(const std::string& path, const Session& session, std::string* error) {
    return WriteFileAtomically(path, std::string_view(SessionToJson(session)), error);
}

// [SECTION] Menus

void SessionUi::DrawFileMenuItems(SessionHost& host) {
    if (ImGui::MenuItem(Tr(S::MenuOpenSession))) {
        m_dialog = Dialog::Open;
        m_dialog_opening = true;
    }
    if (ImGui::MenuItem(Tr(S::MenuSaveSession))) {
        m_dialog = Dialog::Save;
        m_dialog_opening = true;
    }
    if (ImGui::MenuItem(Tr(S::MenuCopyCommand), "Ctrl+Shift+C")) {
        Panel& panel = *host.panels[static_cast<std::size_t>(host.current)];
        ImGui::SetClipboardText(
            CommandLine(panel.Id(), SnapshotFields(panel.Fields()), ImagePathOf(host), i18n::LanguageCode(i18n::CurrentLanguage()))
                .c_str());
        host.set_status(Tr(S::CommandCopied), false);
    }
}

void SessionUi::DrawEditMenu(SessionHost& host) {
    if (!ImGui::BeginMenu(Tr(S::MenuEdit))) return;
    const std::string id = host.panels[static_cast<std::size_t>(host.current)]->Id();
    EditHistory& history = m_history[id];
    if (ImGui::MenuItem(Tr(S::MenuUndo), "Ctrl+Z", false, history.CanUndo())) Undo(host, false);
    if (ImGui::MenuItem(Tr(S::MenuRedo), "Ctrl+Shift+Z", false, history.CanRedo())) Undo(host, true);
    ImGui::Separator();
    if (ImGui::MenuItem(Tr(S::MenuPinA))) Pin(host);
    if (ImGui::MenuItem(Tr(S::MenuCompareA), nullptr, m_compare_open, m_pinned.has_value())) m_compare_open = !m_compare_open;
    ImGui::EndMenu();
}

// [SECTION] Per frame

void SessionUi::EndFrame(SessionHost& host) {
    Panel& panel = *host.panels[static_cast<std::size_t>(host.current)];
    const ImGuiIO& io = ImGui::GetIO();
    // A drag or a text edit in progress is one step, recorded when it ends.
    if (!ImGui::IsAnyItemActive()) m_history[panel.Id()].Observe(SnapshotFields(panel.Fields()));
    if (io.KeyCtrl && !io.WantTextInput) {
        if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Z), false)) Undo(host, io.KeyShift);
        if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Y), false)) Undo(host, true);
        if (io.KeyShift && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_C), false)) {
            ImGui::SetClipboardText(CommandLine(panel.Id(), SnapshotFields(panel.Fields()), ImagePathOf(host),
                                                i18n::LanguageCode(i18n::CurrentLanguage()))
                                        .c_str());
            host.set_status(Tr(S::CommandCopied), false);
        }
    }
    DrawDialog(host);
    DrawCompare(host);
}

void SessionUi::Undo(SessionHost& host, bool redo) {
    Panel& panel = *host.panels[static_cast<std::size_t>(host.current)];
    EditHistory& history = m_history[panel.Id()];
    const FieldValues* state = redo ? history.Redo() : history.Undo();
    if (!state) {
        host.set_status(Tr(redo ? S::RedoNothing : S::UndoNothing), false);
        return;
    }
    RestoreFields(panel.Fields(), *state, panel.Id());
}

nlohmann::json SessionUi::ExportStats(SessionHost& host) {
    ExportSink sink;
    host.panels[static_cast<std::size_t>(host.current)]->Export(host.context, sink);
    return sink.Stats();
}

void SessionUi::Pin(SessionHost& host) {
    Panel& panel = *host.panels[static_cast<std::size_t>(host.current)];
    m_pinned = Pinned{panel.Id(), SnapshotFields(panel.Fields()), ExportStats(host)};
    m_live_stats = m_pinned->stats;
    m_compare_open = true;
    host.set_status(Printf(Tr(S::PinnedA), Tr(panel.Title())), false);
}

// [SECTION] Dialog and comparison window

void SessionUi::DrawDialog(SessionHost& host) {
    if (m_dialog == Dialog::None) return;
    if (m_dialog_opening) {
        ImGui::OpenPopup("##session");
        m_dialog_opening = false;
        m_dialog_error.clear();
        if (m_path[0] == 0) {
            std::error_code ec;
            std::snprintf(m_path, sizeof m_path, "%s", (fs::current_path(ec) / "matrixlens-session.json").string().c_str());
        }
    }
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.4f), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal("##session", nullptr, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoTitleBar)) {
        m_dialog = Dialog::None;
        return;
    }
    const bool saving = m_dialog == Dialog::Save;
    ImGui::TextUnformatted(Tr(saving ? S::SessionSaveTitle : S::SessionOpenTitle));
    ImGui::Separator();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 30);
    if (ImGui::InputText(Tr(S::SessionPath), m_path, sizeof m_path)) m_dialog_error.clear();
    if (!m_dialog_error.empty()) ImGui::TextColored(ImVec4(1, 0.5f, 0.45f, 1), "%s", m_dialog_error.c_str());
    auto close = [&] {
        ImGui::CloseCurrentPopup();
        m_dialog = Dialog::None;
    };
    std::error_code ec;
    if (saving) {
        const bool exists = fs::exists(m_path, ec);
        if (exists) ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), "%s", Printf(Tr(S::SessionExists), m_path).c_str());
        if (ImGui::Button(Tr(S::SessionSave))) {
            std::string error;
            if (WriteSessionFile(m_path, CaptureSession(host), &error)) {
                host.set_status(Printf(Tr(S::SessionSaved), m_path), false);
                close();
            } else {
                m_dialog_error = Printf(Tr(S::SessionSaveFailed), error);
            }
        }
    } else if (ImGui::Button(Tr(S::SessionOpen))) {
        Session session;
        std::vector<std::string> warnings;
        std::string error;
        if (!ReadSessionFile(m_path, &session, &warnings, &error)) {
            m_dialog_error = Printf(Tr(S::SessionFailed), error);  // the program stays as it was
        } else {
            if (!session.image.empty() && !host.load_image(session.image))
                warnings.push_back("image " + session.image + " could not be loaded; the current image is kept");
            for (auto& message : ApplySession(session, host, true)) warnings.push_back(std::move(message));
            std::string joined;
            for (const auto& w : warnings) joined += (joined.empty() ? "" : "; ") + w;
            host.set_status(warnings.empty() ? Printf(Tr(S::SessionOpened), m_path)
                                             : Printf(Tr(S::SessionSkipped), static_cast<int>(warnings.size()), joined),
                            !warnings.empty());
            close();
        }
    }
    ImGui::SameLine();
    if (ImGui::Button(Tr(S::SessionCancel))) close();
    ImGui::EndPopup();
}

void SessionUi::DrawCompare(SessionHost& host) {
    if (!m_compare_open || !m_pinned) return;
    Panel& panel = *host.panels[static_cast<std::size_t>(host.current)];
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 34, ImGui::GetFontSize() * 24), ImGuiCond_FirstUseEver);
    if (!ImGui::Begin(Tr(S::CompareTitle), &m_compare_open)) {
        ImGui::End();
        return;
    }
    if (m_pinned->panel != panel.Id()) {
        std::string title = m_pinned->panel;
        for (const auto& p : host.panels)
            if (m_pinned->panel == p->Id()) title = Tr(p->Title());
        ImGui::TextWrapped("%s", Printf(Tr(S::CompareOtherPanel), title).c_str());
        ImGui::End();
        return;
    }
    std::string changed;
    const FieldValues live = SnapshotFields(panel.Fields());
    for (std::size_t i = 0; i < live.size() && i < m_pinned->values.size(); ++i)
        if (live[i] != m_pinned->values[i])
            changed += (changed.empty() ? "" : ", ") + live[i].first + " " + m_pinned->values[i].second + " -> " + live[i].second;
    ImGui::TextWrapped("%s", changed.empty() ? Tr(S::CompareNoChange) : Printf(Tr(S::CompareChanged), changed).c_str());
    if (ImGui::Button(Tr(S::CompareRefresh))) m_live_stats = ExportStats(host);
    ImGui::SameLine();
    if (ImGui::Button(Tr(S::CompareRestore))) RestoreFields(panel.Fields(), m_pinned->values, panel.Id());
    if (ImGui::BeginTable("##compare", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable)) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn(Tr(S::CompareFigure));
        ImGui::TableSetupColumn("A");
        ImGui::TableSetupColumn(Tr(S::CompareLive));
        ImGui::TableSetupColumn(Tr(S::CompareDelta));
        ImGui::TableHeadersRow();
        for (const auto& [name, a] : m_pinned->stats.items()) {
            if (!a.is_primitive()) continue;
            const nlohmann::json b = m_live_stats.contains(name) ? m_live_stats[name] : nlohmann::json();
            const bool differs = a != b;
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(name.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(FormatNumber(a).c_str());
            ImGui::TableNextColumn();
            if (differs) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.8f, 0.4f, 1));
            ImGui::TextUnformatted(FormatNumber(b).c_str());
            if (differs) ImGui::PopStyleColor();
            ImGui::TableNextColumn();
            if (a.is_number() && b.is_number() && a.get<double>() != 0) {
                char ratio[32];
                std::snprintf(ratio, sizeof ratio, "%.4gx", b.get<double>() / a.get<double>());
                ImGui::TextUnformatted(ratio);
            }
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

}  // namespace lens::app
