// app/panels/keys.hpp: the settable keys of a panel (--set key=value, --list-keys).
// A panel binds its Spec's fields once; parsing, range checks and listings live here, so the
// command line and the UI's presets change a panel's state through one path. No ImGui here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lens::app {

struct KeyInfo {
    std::string name;   // "kernel_h"
    std::string range;  // "1..1024", "0|1", "rgb|r|g|b|luma"
    std::string help;   // one line, English (the CLI's language)
};

class KeyTable {
public:
    // Integer key with an inclusive range.
    void Int(std::string name, int* field, int min, int max, std::string help);
    // 64-bit integer key (seeds), inclusive range.
    void Int64(std::string name, std::int64_t* field, std::int64_t min, std::int64_t max, std::string help);
    // Floating-point key with an inclusive range; NaN and infinities are refused.
    void Float(std::string name, float* field, float min, float max, std::string help);
    // Boolean key: accepts 0|1|true|false|on|off.
    void Bool(std::string name, bool* field, std::string help);
    // One of a fixed list of words; the field holds the index into `options`.
    void Choice(std::string name, int* field, std::vector<std::string> options, std::string help);
    // Free text, at most `max_length` bytes.
    void Text(std::string name, std::string* field, std::size_t max_length, std::string help);
    // Custom parser: returns an empty string on success, else the message.
    void Custom(std::string name, std::string range, std::string help,
                std::function<std::string(const std::string& value)> parse);

    // Sets `key` from `value`. On failure returns false and a message that names the valid keys
    // or the valid range, and leaves the field unchanged.
    bool Set(const std::string& key, const std::string& value, std::string* error) const;
    std::vector<KeyInfo> List() const;
    bool Has(const std::string& key) const;

private:
    struct Entry {
        KeyInfo info;
        std::function<std::string(const std::string&)> parse;  // "" on success
    };
    std::vector<Entry> m_entries;
};

// Parses "WxH" (e.g. "1280x800") with both sides in [min_side, max_side].
bool ParseSize(const std::string& text, int min_side, int max_side, int* width, int* height, std::string* error);

}  // namespace lens::app
