// app/widgets/file_browser.hpp: a small modal file browser for File > Open image. Hand-written
// because Debian's Dear ImGui ships none and the native dialogs would add a GTK dependency.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lens::app {

class FileBrowser {
public:
    // Opens the modal at the next Draw, starting in `directory` (the current one if empty).
    void Open(const std::string& directory);
    // Draws the modal if open; returns the chosen file once, when the user presses Open.
    std::optional<std::string> Draw();

private:
    struct Entry {
        std::string name;
        bool is_directory;
        std::uintmax_t size;
    };
    void List();

    bool m_open_requested = false;
    std::string m_directory;
    std::vector<Entry> m_entries;
    std::string m_error;
    char m_file_name[512] = {};
    int m_selected = -1;
};

}  // namespace lens::app
