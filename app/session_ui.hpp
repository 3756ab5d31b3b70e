// app/session_ui.hpp: sessions, undo / redo, "copy as command line" and "pin as A / compare" in
// the UI, and the session capture / apply that the command line (--session, --save-session)
// shares with it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app_context.hpp"
#include "panels/panel.hpp"
#include "session.hpp"

namespace lens::app {

// What the session code needs from the host.
struct SessionHost {
    std::vector<std::unique_ptr<Panel>>& panels;
    int& current;
    AppContext& context;
    std::function<bool(const std::string& path)> load_image;        // false: kept the previous image
    std::function<void(const std::string& message, bool error)> set_status;
};

// Every panel's fields, the current panel, the image (a bundled image is stored as "") and the language.
Session CaptureSession(const SessionHost& host);
// Applies what it can (never fatal): the current panel, every panel's fields, the language when
// `apply_language`; returns the messages of what was skipped. The image is the caller's.
std::vector<std::string> ApplySession(const Session& session, SessionHost& host, bool apply_language);
// Writes the session through a temporary file and a rename. False with the reason.
bool WriteSessionFile(const std::string& path, const Session& session, std::string* error);

class SessionUi {
public:
    void DrawFileMenuItems(SessionHost& host);
    void DrawEditMenu(SessionHost& host);
    // Once per frame after the panel drew: records edits, handles Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y,
    // draws the session dialog and the comparison window.
    void EndFrame(SessionHost& host);

private:
    enum class Dialog { None, Open, Save };
    struct Pinned {
        std::string panel;
        FieldValues values;
        nlohmann::json stats;
    };
    void Undo(SessionHost& host, bool redo);
    void Pin(SessionHost& host);
    void DrawDialog(SessionHost& host);
    void DrawCompare(SessionHost& host);
    nlohmann::json ExportStats(SessionHost& host);

    std::map<std::string, EditHistory> m_history;  // per panel id
    Dialog m_dialog = Dialog::None;
    bool m_dialog_opening = false;
    char m_path[1024] = {};
    std::string m_dialog_error;
    std::optional<Pinned> m_pinned;
    bool m_compare_open = false;
    nlohmann::json m_live_stats;
};

}  // namespace lens::app
