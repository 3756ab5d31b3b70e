#include "spec_editor.hpp"

#include <algorithm>

#include <imgui.h>

namespace lens::app {

void SpecFieldIssues(const char* field, const std::vector<SpecIssue>& issues) {
    for (const auto& issue : issues)
        if (issue.field == field) {
            ImGui::PushTextWrapPos(0);
            ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.45f, 1.0f), "%s", issue.message.c_str());
            ImGui::PopTextWrapPos();
        }
}

bool SpecField(const char* label, const char* field, std::int64_t* value, std::int64_t lo, std::int64_t hi,
               const std::vector<SpecIssue>& issues) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    const std::int64_t step = 1;
    const bool changed = ImGui::InputScalar(label, ImGuiDataType_S64, value, &step, nullptr, "%lld");
    if (changed) *value = std::clamp(*value, lo, hi);
    SpecFieldIssues(field, issues);
    return changed;
}

void SpecIssueList(const std::vector<SpecIssue>& issues) {
    ImGui::PushTextWrapPos(0);
    for (const auto& issue : issues) ImGui::TextColored(ImVec4(1, 0.5f, 0.45f, 1), "%s: %s", issue.field.c_str(), issue.message.c_str());
    ImGui::PopTextWrapPos();
}

void ErrorText(const std::string& message) {
    if (message.empty()) return;
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(ImVec4(1, 0.5f, 0.45f, 1), "%s", message.c_str());
    ImGui::PopTextWrapPos();
}

}  // namespace lens::app
