#include "fields.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace lens::app {
namespace {

std::string FormatDouble(double v) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%g", v);
    return buffer;
}

std::string Join(const std::vector<ChoiceOption>& options) {
    std::string out;
    for (const auto& option : options) out += (out.empty() ? "" : "|") + option.key;
    return out;
}

}  // namespace

// [SECTION] Parsing

std::string Echo(const std::string& value) {
    constexpr std::size_t kShown = 60;
    if (value.size() <= kShown) return "'" + value + "'";
    return "'" + value.substr(0, kShown) + "...' (" + std::to_string(value.size()) + " bytes)";
}

bool ParseStrictInteger(const std::string& text, std::int64_t* out) {
    if (text.empty()) return false;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (*begin == '+') ++begin;
    if (begin == end || *begin == '+' || (*begin == '-' && begin + 1 == end)) return false;
    std::int64_t parsed = 0;
    auto [ptr, ec] = std::from_chars(begin, end, parsed);
    if (ec != std::errc() || ptr != end) return false;
    *out = parsed;
    return true;
}

bool ParseStrictUnsigned(const std::string& text, std::uint64_t* out) {
    if (text.empty()) return false;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (*begin == '+') ++begin;
    if (begin == end || *begin < '0' || *begin > '9') return false;
    std::uint64_t parsed = 0;
    auto [ptr, ec] = std::from_chars(begin, end, parsed);
    if (ec != std::errc() || ptr != end) return false;
    *out = parsed;
    return true;
}

bool ParseSize(const std::string& text, int min_side, int max_side, int* width, int* height, std::string* error) {
    auto x = text.find_first_of("xX");
    std::int64_t w = 0, h = 0;
    if (x == std::string::npos || !ParseStrictInteger(text.substr(0, x), &w) || !ParseStrictInteger(text.substr(x + 1), &h)) {
        if (error) *error = Echo(text) + " is not a size WxH such as 1280x800";
        return false;
    }
    if (w < min_side || h < min_side || w > max_side || h > max_side) {
        if (error)
            *error = "size " + Echo(text) + " is out of range: each side must be " + std::to_string(min_side) + ".." +
                     std::to_string(max_side);
        return false;
    }
    *width = static_cast<int>(w);
    *height = static_cast<int>(h);
    return true;
}

// [SECTION] Field

std::string Field::Range() const {
    switch (type) {
        case FieldType::Int: return std::to_string(min) + ".." + std::to_string(max);
        case FieldType::Seed: return "0..18446744073709551615";
        case FieldType::Float: return FormatDouble(fmin) + ".." + FormatDouble(fmax);
        case FieldType::Bool: return "0|1";
        case FieldType::Choice: return Join(choices);
        case FieldType::Text: return "text, at most " + std::to_string(max_length) + " bytes";
        case FieldType::Custom: return range_text;
    }
    return {};
}

std::string Field::Set(const std::string& value) {
    std::string message;
    switch (type) {
        case FieldType::Int: {
            std::int64_t parsed = 0;
            if (!ParseStrictInteger(value, &parsed)) return Echo(value) + " is not an integer (expected " + Range() + ")";
            if (parsed < min || parsed > max) return std::to_string(parsed) + " is out of range " + Range();
            set_int(parsed);
            break;
        }
        case FieldType::Seed: {
            std::uint64_t parsed = 0;
            if (!ParseStrictUnsigned(value, &parsed)) return Echo(value) + " is not a non-negative integer below 2^64";
            set_text(std::to_string(parsed));
            break;
        }
        case FieldType::Float: {
            char* end = nullptr;
            const double parsed = std::strtod(value.c_str(), &end);
            if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(parsed) || value.front() == ' ')
                return Echo(value) + " is not a number (expected " + Range() + ")";
            if (parsed < fmin || parsed > fmax) return Echo(value) + " is out of range " + Range();
            set_float(parsed);
            break;
        }
        case FieldType::Bool: {
            if (value == "1" || value == "true" || value == "on" || value == "yes") set_int(1);
            else if (value == "0" || value == "false" || value == "off" || value == "no") set_int(0);
            else return Echo(value) + " is not a boolean (expected 0 or 1)";
            break;
        }
        case FieldType::Choice: {
            bool found = false;
            for (std::size_t i = 0; i < choices.size() && !found; ++i)
                if (choices[i].key == value) {
                    found = true;
                    if (preset) {
                        message = parse(value);
                        if (!message.empty()) return message;
                    } else {
                        set_int(static_cast<std::int64_t>(i));
                    }
                }
            if (!found) return Echo(value) + " is not one of " + Range();
            break;
        }
        case FieldType::Text: {
            if (value.size() > max_length)
                return "text of " + std::to_string(value.size()) + " bytes is longer than " + std::to_string(max_length) + " bytes";
            set_text(value);
            break;
        }
        case FieldType::Custom: {
            message = parse(value);
            if (!message.empty()) return message;
            break;
        }
    }
    if (on_set) on_set();
    return {};
}

std::string Field::Current() const {
    switch (type) {
        case FieldType::Int: return std::to_string(get_int());
        case FieldType::Bool: return get_int() ? "1" : "0";
        case FieldType::Choice: {
            if (preset) return get_text();
            const std::int64_t i = get_int();
            return i >= 0 && i < static_cast<std::int64_t>(choices.size()) ? choices[static_cast<std::size_t>(i)].key : std::string();
        }
        case FieldType::Float: {
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "%.9g", get_float());
            return buffer;
        }
        case FieldType::Seed:
        case FieldType::Text: return get_text();
        case FieldType::Custom: return get_text ? get_text() : std::string();
    }
    return {};
}

// [SECTION] Declarations

Field& FieldTable::Add(std::string key, Label label, std::string help, FieldType type) {
    Field field;
    field.key = std::move(key);
    field.label = label;
    field.help = std::move(help);
    field.type = type;
    m_fields.push_back(std::move(field));
    return m_fields.back();
}

Field& FieldTable::Bool(std::string key, Label label, bool* value, std::string help) {
    Field& f = Add(std::move(key), label, std::move(help), FieldType::Bool);
    f.min = 0;
    f.max = 1;
    f.get_int = [value] { return *value ? 1 : 0; };
    f.set_int = [value](std::int64_t v) { *value = v != 0; };
    f.editor = Editor::Checkbox;
    return f;
}

Field& FieldTable::Text(std::string key, Label label, std::string* value, std::size_t max_length, std::string help) {
    Field& f = Add(std::move(key), label, std::move(help), FieldType::Text);
    f.max_length = max_length;
    f.get_text = [value] { return *value; };
    f.set_text = [value](const std::string& v) { *value = v; };
    f.editor = Editor::Text;
    return f;
}

Field& FieldTable::Seed(std::string key, Label label, std::uint64_t* value, std::string help) {
    Field& f = Add(std::move(key), label, std::move(help), FieldType::Seed);
    f.get_text = [value] { return std::to_string(*value); };
    f.set_text = [value](const std::string& v) { *value = std::strtoull(v.c_str(), nullptr, 10); };
    f.editor = Editor::Input;
    return f;
}

Field& FieldTable::Preset(std::string key, Label label, std::vector<ChoiceOption> options, std::string* current,
                          std::function<bool(const std::string&)> apply, std::string help) {
    Field& f = Add(std::move(key), label, std::move(help), FieldType::Choice);
    f.preset = true;
    f.min = 0;
    f.max = static_cast<std::int64_t>(options.size()) - 1;
    f.choices = std::move(options);
    f.get_text = [current] { return *current; };
    f.get_int = [current, choices = f.choices]() -> std::int64_t {
        for (std::size_t i = 0; i < choices.size(); ++i)
            if (choices[i].key == *current) return static_cast<std::int64_t>(i);
        return -1;
    };
    f.parse = [current, apply = std::move(apply)](const std::string& word) -> std::string {
        if (!apply(word)) return Echo(word) + " is not a preset";
        *current = word;
        return {};
    };
    f.set_int = [parse = f.parse, choices = f.choices](std::int64_t i) {
        if (i >= 0 && i < static_cast<std::int64_t>(choices.size())) parse(choices[static_cast<std::size_t>(i)].key);
    };
    f.editor = Editor::Combo;
    m_preset_current = current;
    return f;
}

Field& FieldTable::Custom(std::string key, std::string range, std::string help, std::function<std::string(const std::string&)> parse) {
    Field& f = Add(std::move(key), Label(), std::move(help), FieldType::Custom);
    f.range_text = std::move(range);
    f.parse = std::move(parse);
    f.editor = Editor::None;
    return f;
}

// [SECTION] Legacy declarations

void FieldTable::Int(std::string key, int* value, int min, int max, std::string help) {
    Int<int>(std::move(key), Label(), value, min, max, std::move(help)).EditWith(Editor::None);
}
void FieldTable::Int64(std::string key, std::int64_t* value, std::int64_t min, std::int64_t max, std::string help) {
    Int<std::int64_t>(std::move(key), Label(), value, min, max, std::move(help)).EditWith(Editor::None);
}
void FieldTable::Float(std::string key, float* value, float min, float max, std::string help) {
    Float<float>(std::move(key), Label(), value, min, max, std::move(help)).EditWith(Editor::None);
}
void FieldTable::Bool(std::string key, bool* value, std::string help) {
    Bool(std::move(key), Label(), value, std::move(help)).EditWith(Editor::None);
}
void FieldTable::Choice(std::string key, int* value, std::vector<std::string> options, std::string help) {
    std::vector<ChoiceOption> choices;
    for (auto& option : options) choices.push_back({std::move(option), Label()});
    Choice<int>(std::move(key), Label(), value, std::move(choices), std::move(help)).EditWith(Editor::None);
}
void FieldTable::Text(std::string key, std::string* value, std::size_t max_length, std::string help) {
    Text(std::move(key), Label(), value, max_length, std::move(help)).EditWith(Editor::None);
}

// [SECTION] Use

Field* FieldTable::Find(const std::string& key) {
    for (auto& field : m_fields)
        if (field.key == key) return &field;
    return nullptr;
}

bool FieldTable::Has(const std::string& key) const {
    for (const auto& field : m_fields)
        if (field.key == key) return true;
    return false;
}

bool FieldTable::Set(const std::string& key, const std::string& value, std::string* error) {
    if (Field* field = Find(key)) {
        std::string message = field->Set(value);
        if (message.empty()) {
            // A key set after a preset makes the state custom, as an edit in the editor does.
            if (!field->display && !field->preset && m_preset_current) m_preset_current->clear();
            return true;
        }
        if (error) *error = "key '" + key + "': " + message;
        return false;
    }
    if (error) {
        std::string valid;
        for (const auto& field : m_fields) valid += (valid.empty() ? "" : ", ") + field.key;
        *error = "unknown key " + Echo(key) + "; valid keys: " + (valid.empty() ? "(none)" : valid);
    }
    return false;
}

bool FieldTable::SetAll(const std::vector<std::pair<std::string, std::string>>& assignments, std::string* error) {
    for (const bool presets : {true, false})
        for (const auto& [key, value] : assignments) {
            const Field* field = Find(key);
            if ((field && field->preset) != presets) continue;
            if (!Set(key, value, error)) return false;
        }
    return true;
}

std::vector<KeyInfo> FieldTable::List() const {
    std::vector<KeyInfo> out;
    out.reserve(m_fields.size());
    for (const auto& field : m_fields) out.push_back(KeyInfo{field.key, field.Range(), field.help, field.display});
    return out;
}

void FieldTable::Edited(Field& field) {
    if (field.on_set) field.on_set();
    if (!field.display && !field.preset && m_preset_current) m_preset_current->clear();
}

std::string FieldTable::CurrentAsArguments() const {
    std::string out;
    for (const auto& field : m_fields) {
        if (field.preset || field.type == FieldType::Custom) continue;
        std::string value = field.Current();
        const bool plain = !value.empty() && value.find_first_of(" \t'\"\\$`!*?;&|<>()") == std::string::npos;
        out += (out.empty() ? "" : " ") + std::string("--set ") + field.key + "=" + (plain ? value : "'" + value + "'");
    }
    return out;
}

}  // namespace lens::app
