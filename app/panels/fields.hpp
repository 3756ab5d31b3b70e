// app/panels/fields.hpp: a panel's editable fields, each declared once. One declaration (key,
// label, where the value lives, range or choices, help, editor kind) gives the `--set` key and its
// strict parsing, `--list-keys` and the README's key table, the editor column's widget with the
// field's validation messages under it, and presets (a preset is a field whose setter loads a
// core Spec). No ImGui here (the editors are drawn by field_editors.cpp).
//
// Adding a field to a panel is one line in its DeclareFields, e.g.
//     fields.Int("stride", S::ConvStride, &m_spec.stride, 1, 1024, "stride, both axes");
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <lens/spec.hpp>

#include "../i18n/strings.hpp"

namespace lens::app {

// What a field is labelled with in the UI: a string-table entry, or a literal symbol ("m", "P").
struct Label {
    Label() = default;
    Label(i18n::S id) : id(id), has_id(true) {}            // NOLINT(google-explicit-constructor)
    Label(const char* literal) : literal(literal) {}      // NOLINT(google-explicit-constructor)
    const char* Text() const { return has_id ? i18n::Tr(id) : literal; }
    i18n::S id{};
    bool has_id = false;
    const char* literal = "";
};

// One option of a choice field: its command-line word, its label, and the value it stores (by
// default its position in the list).
struct ChoiceOption {
    std::string key;
    Label label;
    std::int64_t value = -1;
};

enum class FieldType { Int, Float, Bool, Choice, Text, Seed, Custom };
// Radio: the label, then one option a line; RadioRow: the options on one line, no label.
enum class Editor { Input, Slider, Combo, Radio, RadioRow, Checkbox, Text, MultilineText, None };

struct KeyInfo {
    std::string name;   // "kernel_h"
    std::string range;  // "1..1024", "0|1", "rgb|r|g|b|luma"
    std::string help;   // one line, English (the CLI's language)
    bool display = false;
};

class Field {
public:
    // [SECTION] Modifiers (chained after a declaration)
    // A view setting (colour, zoom, tab): editing it does not turn the preset into "Custom".
    Field& Display() {
        display = true;
        return *this;
    }
    // The editor is drawn only while `when` holds (the key is always settable).
    Field& VisibleWhen(std::function<bool()> when) {
        visible = std::move(when);
        return *this;
    }
    Field& EditWith(Editor kind) {
        editor = kind;
        return *this;
    }
    // Called after every successful set, from the command line or the editor.
    Field& OnSet(std::function<void()> hook) {
        on_set = std::move(hook);
        return *this;
    }
    // The Float field that drives the panel's animation (play, --animate): the animation runs it
    // from `from` (first frame) to `to` (last). `steps` (optional) says how many discrete steps the
    // figure has, so an exported animation can show each once.
    Field& Animation(std::function<int()> steps = {}, double from = 0.0, double to = 1.0) {
        animation = true;
        animation_steps = std::move(steps);
        animation_from = from;
        animation_to = to;
        return *this;
    }
    // The value at animation time t in 0..1, and back.
    double AnimationValue(double t) const { return animation_from + t * (animation_to - animation_from); }
    double AnimationTime(double value) const {
        return animation_to == animation_from ? 0.0 : (value - animation_from) / (animation_to - animation_from);
    }
    // Slider fields: logarithmic scale.
    Field& Logarithmic() {
        logarithmic = true;
        return *this;
    }

    // [SECTION] The declaration
    std::string key;
    Label label;
    std::string help;
    FieldType type = FieldType::Int;
    Editor editor = Editor::Input;
    std::int64_t min = 0, max = 0;     // Int, Seed (max), Choice (index range)
    double fmin = 0, fmax = 0;         // Float
    std::size_t max_length = 0;        // Text
    std::vector<ChoiceOption> choices; // Choice
    std::string range_text;            // Custom: what --list-keys shows
    bool display = false;
    bool preset = false;               // applied before every other key (see FieldTable::SetAll)
    bool logarithmic = false;
    bool animation = false;
    std::function<int()> animation_steps;
    double animation_from = 0.0, animation_to = 1.0;
    std::function<bool()> visible;
    std::function<void()> on_set;

    // [SECTION] Access (type-erased; set by the declaring function)
    std::function<std::int64_t()> get_int;
    std::function<void(std::int64_t)> set_int;
    std::function<double()> get_float;
    std::function<void(double)> set_float;
    std::function<std::string()> get_text;
    std::function<void(const std::string&)> set_text;
    std::function<std::string(const std::string&)> parse;  // Custom: "" on success, else the message

    // "1..1024", "0|1", "a|b|c", "text (at most 511 bytes)".
    std::string Range() const;
    // Parses and stores `value`; "" on success, else the message (the field is left unchanged).
    std::string Set(const std::string& value);
    // The current value as the command line would write it.
    std::string Current() const;
    bool Visible() const { return !visible || visible(); }
};

class FieldTable {
public:
    // [SECTION] Declarations. `T` may be any integer type.
    template <class T>
    Field& Int(std::string key, Label label, T* value, std::int64_t min, std::int64_t max, std::string help) {
        static_assert(std::is_integral_v<T>);
        Field& f = Add(std::move(key), label, std::move(help), FieldType::Int);
        f.min = min;
        f.max = max;
        f.get_int = [value] { return static_cast<std::int64_t>(*value); };
        f.set_int = [value](std::int64_t v) { *value = static_cast<T>(v); };
        return f;
    }
    template <class T>
    Field& Float(std::string key, Label label, T* value, double min, double max, std::string help) {
        static_assert(std::is_floating_point_v<T>);
        Field& f = Add(std::move(key), label, std::move(help), FieldType::Float);
        f.fmin = min;
        f.fmax = max;
        f.get_float = [value] { return static_cast<double>(*value); };
        f.set_float = [value](double v) { *value = static_cast<T>(v); };
        f.editor = Editor::Slider;
        return f;
    }
    Field& Bool(std::string key, Label label, bool* value, std::string help);
    // One of a list of words; `E` is an enum or integer whose values are the options' indices.
    template <class E>
    Field& Choice(std::string key, Label label, E* value, std::vector<ChoiceOption> options, std::string help) {
        Field& f = Add(std::move(key), label, std::move(help), FieldType::Choice);
        f.min = 0;
        f.max = static_cast<std::int64_t>(options.size()) - 1;
        for (std::size_t i = 0; i < options.size(); ++i)
            if (options[i].value < 0) options[i].value = static_cast<std::int64_t>(i);
        f.choices = std::move(options);
        // get/set work with the option's index; the field stores the option's value.
        f.get_int = [value, choices = f.choices]() -> std::int64_t {
            for (std::size_t i = 0; i < choices.size(); ++i)
                if (choices[i].value == static_cast<std::int64_t>(*value)) return static_cast<std::int64_t>(i);
            return -1;
        };
        f.set_int = [value, choices = f.choices](std::int64_t i) {
            if (i >= 0 && i < static_cast<std::int64_t>(choices.size())) *value = static_cast<E>(choices[static_cast<std::size_t>(i)].value);
        };
        f.editor = Editor::Combo;
        return f;
    }
    Field& Text(std::string key, Label label, std::string* value, std::size_t max_length, std::string help);
    // A 64-bit seed: any integer 0..2^64-1.
    Field& Seed(std::string key, Label label, std::uint64_t* value, std::string help);
    // A preset: `apply(word)` loads it (a core Spec) and returns false for an unknown word; the
    // field shows `*current` ("" = custom, after any non-display edit). Applied before other keys.
    Field& Preset(std::string key, Label label, std::vector<ChoiceOption> options, std::string* current,
                  std::function<bool(const std::string&)> apply, std::string help);
    // Anything else: `parse` returns "" on success, else the message. No editor.
    Field& Custom(std::string key, std::string range, std::string help, std::function<std::string(const std::string&)> parse);

    // [SECTION] Legacy declarations without a label or editor (panels not yet on DeclareFields)
    void Int(std::string key, int* value, int min, int max, std::string help);
    void Int64(std::string key, std::int64_t* value, std::int64_t min, std::int64_t max, std::string help);
    void Float(std::string key, float* value, float min, float max, std::string help);
    void Bool(std::string key, bool* value, std::string help);
    void Choice(std::string key, int* value, std::vector<std::string> options, std::string help);
    void Text(std::string key, std::string* value, std::size_t max_length, std::string help);

    // [SECTION] Use
    // Sets one key. On failure returns false and a message naming the key and the valid range or
    // keys, and leaves the field unchanged.
    bool Set(const std::string& key, const std::string& value, std::string* error);
    // Sets every assignment: preset fields first, then the rest in the given order, so a preset
    // never silently overwrites a key the user typed. Stops at the first failure.
    bool SetAll(const std::vector<std::pair<std::string, std::string>>& assignments, std::string* error);
    std::vector<KeyInfo> List() const;
    bool Has(const std::string& key) const;
    Field* Find(const std::string& key);
    std::vector<Field>& All() { return m_fields; }
    const std::vector<Field>& All() const { return m_fields; }
    // The field marked Animation(), or nullptr when the panel has no animation.
    Field* AnimationField() {
        for (auto& field : m_fields)
            if (field.animation) return &field;
        return nullptr;
    }
    // Called by an editor after a user edit of `field` (clears the preset unless it is a display field).
    void Edited(Field& field);
    // The fields as the `--set` command-line arguments that reproduce the current state.
    std::string CurrentAsArguments() const;

private:
    Field& Add(std::string key, Label label, std::string help, FieldType type);
    std::vector<Field> m_fields;
    std::string* m_preset_current = nullptr;
};

using KeyTable = FieldTable;

// A value as echoed in a message: at most 60 bytes, with the length when cut.
std::string Echo(const std::string& value);
// Strict integer parsing: ASCII digits with an optional sign, no spaces, no overflow.
bool ParseStrictInteger(const std::string& text, std::int64_t* out);
bool ParseStrictUnsigned(const std::string& text, std::uint64_t* out);
// Parses "WxH" (e.g. "1280x800") with both sides in [min_side, max_side].
bool ParseSize(const std::string& text, int min_side, int max_side, int* width, int* height, std::string* error);

}  // namespace lens::app

// [SECTION] Editors (field_editors.cpp; ImGui, so only in the executable)
namespace lens::app {
// One field's editor (when it has one and is visible) with its messages; true when the user changed it.
bool DrawFieldEditor(FieldTable& table, Field& field, const std::vector<SpecIssue>& issues);
// Every field with an editor, in declaration order: the spec fields (`display_fields` false) or the
// view settings (true); then the messages of fields without an editor. True when anything changed.
bool DrawFieldEditors(FieldTable& table, const std::vector<SpecIssue>& issues, bool display_fields = false);
}  // namespace lens::app
