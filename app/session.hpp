// app/session.hpp: sessions and edit history, GL-free. A session is every panel's fields, the
// current panel, the image path and the language, stored as a readable JSON file; the edit
// history gives undo / redo of field edits; the command line reproduces the current state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "panels/fields.hpp"

namespace lens::app {

// A panel's fields as key = value, in declaration order (presets left out: the fields they set
// are listed one by one).
using FieldValues = std::vector<std::pair<std::string, std::string>>;

FieldValues SnapshotFields(const FieldTable& fields);
// Sets every value it can. A value the field refuses, or a key the panel does not have, is
// skipped; the returned messages say which and why ("conv.stride: 0 is out of range 1..15").
std::vector<std::string> RestoreFields(FieldTable& fields, const FieldValues& values, std::string_view panel_id);

// `matrixlens --panel ID [--image PATH] [--lang CODE] --set k=v ...`, quoted for a POSIX shell.
std::string CommandLine(std::string_view panel_id, const FieldValues& values, const std::string& image_path,
                        const std::string& language_code);
std::string ShellQuote(const std::string& word);

struct Session {
    static constexpr int kVersion = 1;
    std::string panel;     // current panel id
    std::string language;  // "en" | "zh-TW" | "" (unchanged)
    std::string image;     // "" = the bundled image
    std::vector<std::pair<std::string, FieldValues>> panels;  // panel id -> its fields
};

std::string SessionToJson(const Session& session);
// Parses a session. A document that is not a session object fails with `error`; anything inside
// that is not understood (an unknown member, a value of the wrong type) is skipped and named in
// `warnings`.
bool ParseSession(std::string_view text, Session* session, std::vector<std::string>* warnings, std::string* error);
// Reads a regular file of at most kMaxSessionBytes; never blocks on a FIFO or throws.
constexpr std::size_t kMaxSessionBytes = 4u << 20;
bool ReadSessionFile(const std::string& path, Session* session, std::vector<std::string>* warnings, std::string* error);

// Undo / redo of field edits: Observe() the fields after every frame in which no editor is being
// dragged; each distinct state becomes a step.
class EditHistory {
public:
    static constexpr std::size_t kMaxSteps = 200;
    // Records `now` if it differs from the current step (dropping any redo steps).
    void Observe(const FieldValues& now);
    bool CanUndo() const { return m_index > 0; }
    bool CanRedo() const { return m_index + 1 < m_steps.size(); }
    // The state to restore, or nullptr when there is none. Moves the cursor.
    const FieldValues* Undo();
    const FieldValues* Redo();
    std::size_t Steps() const { return m_steps.size(); }

private:
    std::vector<FieldValues> m_steps;
    std::size_t m_index = 0;
};

}  // namespace lens::app
