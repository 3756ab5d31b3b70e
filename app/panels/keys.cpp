#include "keys.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace lens::app {
namespace {

template <class T>
bool ParseInteger(const std::string& text, T* out) {
    if (text.empty()) return false;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (*begin == '+') ++begin;
    auto [ptr, ec] = std::from_chars(begin, end, *out);
    return ec == std::errc() && ptr == end;
}

}  // namespace

void KeyTable::Int(std::string name, int* field, int min, int max, std::string help) {
    std::string range = std::to_string(min) + ".." + std::to_string(max);
    Custom(std::move(name), range, std::move(help), [=](const std::string& value) -> std::string {
        int parsed = 0;
        if (!ParseInteger(value, &parsed)) return "'" + value + "' is not an integer (expected " + range + ")";
        if (parsed < min || parsed > max) return std::to_string(parsed) + " is out of range " + range;
        *field = parsed;
        return {};
    });
}

void KeyTable::Int64(std::string name, std::int64_t* field, std::int64_t min, std::int64_t max, std::string help) {
    std::string range = std::to_string(min) + ".." + std::to_string(max);
    Custom(std::move(name), range, std::move(help), [=](const std::string& value) -> std::string {
        std::int64_t parsed = 0;
        if (!ParseInteger(value, &parsed)) return "'" + value + "' is not an integer (expected " + range + ")";
        if (parsed < min || parsed > max) return std::to_string(parsed) + " is out of range " + range;
        *field = parsed;
        return {};
    });
}

void KeyTable::Float(std::string name, float* field, float min, float max, std::string help) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%g..%g", static_cast<double>(min), static_cast<double>(max));
    std::string range = buffer;
    Custom(std::move(name), range, std::move(help), [=](const std::string& value) -> std::string {
        char* end = nullptr;
        double parsed = std::strtod(value.c_str(), &end);
        if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(parsed))
            return "'" + value + "' is not a number (expected " + range + ")";
        if (parsed < min || parsed > max) return value + " is out of range " + range;
        *field = static_cast<float>(parsed);
        return {};
    });
}

void KeyTable::Bool(std::string name, bool* field, std::string help) {
    Custom(std::move(name), "0|1", std::move(help), [=](const std::string& value) -> std::string {
        if (value == "1" || value == "true" || value == "on" || value == "yes") {
            *field = true;
            return {};
        }
        if (value == "0" || value == "false" || value == "off" || value == "no") {
            *field = false;
            return {};
        }
        return "'" + value + "' is not a boolean (expected 0 or 1)";
    });
}

void KeyTable::Choice(std::string name, int* field, std::vector<std::string> options, std::string help) {
    std::string range;
    for (const auto& option : options) range += (range.empty() ? "" : "|") + option;
    Custom(std::move(name), range, std::move(help), [=](const std::string& value) -> std::string {
        for (size_t i = 0; i < options.size(); ++i) {
            if (options[i] == value) {
                *field = static_cast<int>(i);
                return {};
            }
        }
        return "'" + value + "' is not one of " + range;
    });
}

void KeyTable::Text(std::string name, std::string* field, std::size_t max_length, std::string help) {
    Custom(std::move(name), "text", std::move(help), [=](const std::string& value) -> std::string {
        if (value.size() > max_length) return "text longer than " + std::to_string(max_length) + " bytes";
        *field = value;
        return {};
    });
}

void KeyTable::Custom(std::string name, std::string range, std::string help,
                      std::function<std::string(const std::string&)> parse) {
    m_entries.push_back({KeyInfo{std::move(name), std::move(range), std::move(help)}, std::move(parse)});
}

bool KeyTable::Set(const std::string& key, const std::string& value, std::string* error) const {
    for (const auto& entry : m_entries) {
        if (entry.info.name != key) continue;
        std::string message = entry.parse(value);
        if (message.empty()) return true;
        if (error) *error = "key '" + key + "': " + message;
        return false;
    }
    if (error) {
        std::string valid;
        for (const auto& entry : m_entries) valid += (valid.empty() ? "" : ", ") + entry.info.name;
        *error = "unknown key '" + key + "'; valid keys: " + (valid.empty() ? "(none)" : valid);
    }
    return false;
}

std::vector<KeyInfo> KeyTable::List() const {
    std::vector<KeyInfo> out;
    out.reserve(m_entries.size());
    for (const auto& entry : m_entries) out.push_back(entry.info);
    return out;
}

bool KeyTable::Has(const std::string& key) const {
    for (const auto& entry : m_entries)
        if (entry.info.name == key) return true;
    return false;
}

bool ParseSize(const std::string& text, int min_side, int max_side, int* width, int* height, std::string* error) {
    auto x = text.find_first_of("xX");
    int w = 0, h = 0;
    if (x == std::string::npos || !ParseInteger(text.substr(0, x), &w) || !ParseInteger(text.substr(x + 1), &h)) {
        if (error) *error = "'" + text + "' is not a size WxH such as 1280x800";
        return false;
    }
    if (w < min_side || h < min_side || w > max_side || h > max_side) {
        if (error)
            *error = "size " + text + " is out of range: each side must be " + std::to_string(min_side) + ".." +
                     std::to_string(max_side);
        return false;
    }
    *width = w;
    *height = h;
    return true;
}

}  // namespace lens::app
