// app/panels/field_editors.cpp: the editor column drawn from the field declarations (fields.hpp):
// one widget per field by its editor kind, clamped to its range, with the spec's validation
// messages for that field under it. Combos are as wide as their longest label.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "../widgets/spec_editor.hpp"
#include "fields.hpp"

namespace lens::app {
namespace {

float ComboWidth(const Field& field) {
    float widest = 0;
    for (const auto& option : field.choices) widest = std::max(widest, ImGui::CalcTextSize(option.label.Text()).x);
    const ImGuiStyle& style = ImGui::GetStyle();
    const float wanted = widest + style.FramePadding.x * 2 + ImGui::GetFrameHeight() + style.ItemInnerSpacing.x;
    return std::min(wanted, std::max(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 6));
}

const char* OptionLabel(const ChoiceOption& option) {
    const char* text = option.label.Text();
    return text && *text ? text : option.key.c_str();
}

// Returns true when the user changed the value.
bool DrawOne(Field& f) {
    const char* label = f.label.Text();
    char id[160];
    std::snprintf(id, sizeof id, "%s##%s", label && *label ? label : f.key.c_str(), f.key.c_str());
    switch (f.editor) {
        case Editor::None: return false;
        case Editor::Checkbox: {
            bool v = f.get_int() != 0;
            if (!ImGui::Checkbox(id, &v)) return false;
            f.set_int(v ? 1 : 0);
            return true;
        }
        case Editor::Radio:
        case Editor::RadioRow: {
            const std::int64_t current = f.get_int();
            bool changed = false;
            ImGui::PushID(f.key.c_str());
            if (f.editor == Editor::Radio) ImGui::TextUnformatted(label);
            for (std::size_t i = 0; i < f.choices.size(); ++i) {
                if (i > 0 && f.editor == Editor::RadioRow) ImGui::SameLine();
                if (ImGui::RadioButton(OptionLabel(f.choices[i]), current == static_cast<std::int64_t>(i))) {
                    f.set_int(static_cast<std::int64_t>(i));
                    changed = true;
                }
            }
            ImGui::PopID();
            return changed;
        }
        case Editor::Combo: {
            const std::int64_t current = f.get_int();
            const bool known = current >= 0 && current < static_cast<std::int64_t>(f.choices.size());
            const char* shown = known ? OptionLabel(f.choices[static_cast<std::size_t>(current)]) : i18n::Tr(i18n::S::PresetCustom);
            ImGui::SetNextItemWidth(f.preset ? -1.0f : ComboWidth(f));
            bool changed = false;
            if (ImGui::BeginCombo(f.preset ? (std::string("##") + f.key).c_str() : id, shown)) {
                for (std::size_t i = 0; i < f.choices.size(); ++i)
                    if (ImGui::Selectable(OptionLabel(f.choices[i]), current == static_cast<std::int64_t>(i))) {
                        f.set_int(static_cast<std::int64_t>(i));
                        changed = true;
                    }
                ImGui::EndCombo();
            }
            return changed;
        }
        case Editor::Input:
        case Editor::Slider: {
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
            if (f.type == FieldType::Seed) {
                std::uint64_t v = std::strtoull(f.get_text().c_str(), nullptr, 10);
                if (!ImGui::InputScalar(id, ImGuiDataType_U64, &v)) return false;
                f.set_text(std::to_string(v));
                return true;
            }
            if (f.type == FieldType::Float) {
                double v = f.get_float();
                const ImGuiSliderFlags flags = ImGuiSliderFlags_AlwaysClamp | (f.logarithmic ? ImGuiSliderFlags_Logarithmic : 0);
                const bool changed = f.editor == Editor::Slider
                                         ? ImGui::SliderScalar(id, ImGuiDataType_Double, &v, &f.fmin, &f.fmax, "%.3g", flags)
                                         : ImGui::InputDouble(id, &v, 0, 0, "%.4g");
                if (!changed) return false;
                f.set_float(std::clamp(v, f.fmin, f.fmax));
                return true;
            }
            std::int64_t v = f.get_int();
            bool changed = false;
            if (f.editor == Editor::Slider) {
                changed = ImGui::SliderScalar(id, ImGuiDataType_S64, &v, &f.min, &f.max, "%lld", ImGuiSliderFlags_AlwaysClamp);
            } else {
                const std::int64_t step = 1;
                changed = ImGui::InputScalar(id, ImGuiDataType_S64, &v, &step, nullptr, "%lld");
            }
            if (!changed) return false;
            f.set_int(std::clamp(v, f.min, f.max));
            return true;
        }
        case Editor::Text:
        case Editor::MultilineText: {
            std::string text = f.get_text();
            std::vector<char> buffer(f.max_length + 1, '\0');
            std::copy_n(text.begin(), std::min(text.size(), f.max_length), buffer.begin());
            bool changed = false;
            if (f.editor == Editor::MultilineText) {
                ImGui::TextUnformatted(label);
                changed = ImGui::InputTextMultiline((std::string("##") + f.key).c_str(), buffer.data(), buffer.size(),
                                                    ImVec2(-1, ImGui::GetTextLineHeight() * 8));
            } else {
                ImGui::SetNextItemWidth(-1);
                ImGui::TextUnformatted(label);
                changed = ImGui::InputText((std::string("##") + f.key).c_str(), buffer.data(), buffer.size());
            }
            if (!changed) return false;
            f.set_text(buffer.data());
            return true;
        }
    }
    return false;
}

}  // namespace

bool DrawFieldEditor(FieldTable& table, Field& field, const std::vector<SpecIssue>& issues) {
    if (field.editor == Editor::None || !field.Visible()) return false;
    const bool changed = DrawOne(field);
    if (changed) table.Edited(field);
    SpecFieldIssues(field.key.c_str(), issues);
    return changed;
}

bool DrawFieldEditors(FieldTable& table, const std::vector<SpecIssue>& issues, bool display_fields) {
    bool changed = false;
    for (Field& field : table.All())
        if (field.display == display_fields) changed |= DrawFieldEditor(table, field, issues);
    // Messages about fields that have no editor of their own (sizes overflowing, kernel vs input).
    for (const auto& issue : issues) {
        const Field* field = table.Find(issue.field);
        if (!field || field->editor == Editor::None || !field->Visible())
            ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.45f, 1.0f), "%s: %s", issue.field.c_str(), issue.message.c_str());
    }
    return changed;
}

}  // namespace lens::app
