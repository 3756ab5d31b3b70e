// app/lesson/lesson_bar.cpp: the lesson bar at the top of the window: section menu, step k of n,
// previous / next, the notes' quote, the card, and the claims with the numbers computed from the
// panel's own export and their verdicts. Keys: PgDn / PgUp, arrows, space; F5 presents.
#include <algorithm>
#include <cstdio>

#include <imgui.h>

#include "../export.hpp"
#include "lesson.hpp"

namespace lens::app {

using i18n::S;
using i18n::Tr;

namespace {

bool Chinese() { return i18n::CurrentLanguage() == i18n::Language::TraditionalChinese; }

S SectionName(int section) {
    static const S kNames[kLessonSections] = {S::LessonSection1, S::LessonSection2,  S::LessonSection3,  S::LessonSection4,
                                              S::LessonSection5, S::LessonSection6,  S::LessonSection7,  S::LessonSection8,
                                              S::LessonSection9, S::LessonSection10, S::LessonSection11, S::LessonSection12};
    return kNames[std::clamp(section, 1, kLessonSections) - 1];
}

std::string SectionLabel(int section) {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, Tr(S::LessonSectionFmt), section, Tr(SectionName(section)));
    return buffer;
}

struct Badge {
    S label;
    ImVec4 colour;
};

Badge VerdictBadge(Verdict verdict) {
    switch (verdict) {
        case Verdict::Match: return {S::VerdictMatch, ImVec4(0.45f, 0.85f, 0.45f, 1)};
        case Verdict::Rounded: return {S::VerdictRounded, ImVec4(0.45f, 0.80f, 0.85f, 1)};
        case Verdict::Slip: return {S::VerdictSlip, ImVec4(1.00f, 0.65f, 0.30f, 1)};
        case Verdict::Ambiguous: return {S::VerdictAmbiguous, ImVec4(0.95f, 0.85f, 0.35f, 1)};
        case Verdict::Open: return {S::VerdictOpen, ImVec4(0.55f, 0.70f, 1.00f, 1)};
        case Verdict::Concept: break;
    }
    return {S::VerdictConcept, ImVec4(0.70f, 0.70f, 0.75f, 1)};
}

}  // namespace

bool LessonBar::Open(Host host, const std::string& id) {
    const LessonPlan* plan = BundledLessonPlan();
    const int index = plan ? plan->Find(id) : -1;
    return index >= 0 && Open(host, index);
}

std::string LessonBar::Show(Host host, const std::string& id) {
    const LessonPlan* plan = BundledLessonPlan();
    const int index = plan ? plan->Find(id) : -1;
    if (index < 0) return "unknown lesson step " + id;
    m_index = index;
    const LessonStep& step = plan->steps[static_cast<std::size_t>(index)];
    ExportSink sink;
    (*host.panels)[static_cast<std::size_t>(*host.current)]->Export(*host.context, sink);
    m_claims = ComputeClaims(step, sink.Stats());
    m_active = true;
    for (const ComputedClaim& claim : m_claims)
        if (!claim.problem.empty()) return claim.problem;
    return {};
}

bool LessonBar::Open(Host host, int index) {
    std::string error;
    const LessonPlan* plan = BundledLessonPlan(&error);
    if (!plan) {
        char message[1024];
        std::snprintf(message, sizeof message, Tr(S::LessonUnavailable), error.c_str());
        host.context->status = message;
        return false;
    }
    m_index = std::clamp(index, 0, static_cast<int>(plan->steps.size()) - 1);
    const LessonStep& step = plan->steps[static_cast<std::size_t>(m_index)];
    auto& panels = *host.panels;
    auto it = std::find_if(panels.begin(), panels.end(), [&](const auto& p) { return step.panel == p->Id(); });
    if (it == panels.end()) return false;
    const auto at = static_cast<std::size_t>(it - panels.begin());
    // A fresh panel, so the step shows exactly its keys (as `--lesson ID` does).
    auto fresh = CreateAllPanels();
    if (at < fresh.size() && step.panel == fresh[at]->Id()) panels[at] = std::move(fresh[at]);
    Panel& panel = *panels[at];
    if (!panel.Fields().SetAll(step.sets, &error) || !(error = panel.ValidateKeys()).empty()) {
        host.context->status = "lesson " + step.id + ": " + error;
        return false;
    }
    *host.current = static_cast<int>(at);
    ExportSink sink;
    panel.Export(*host.context, sink);
    m_claims = ComputeClaims(step, sink.Stats());
    m_active = true;
    return true;
}

namespace {

// ImGui 1.86 indexes io.KeysDown by the window system's key codes (GLFW's, through the backend);
// keys without an ImGuiKey_ of their own are named here by those codes.
constexpr int kKeyF5 = 294, kKeyEqual = 61, kKeyMinus = 45, kKeyPadAdd = 334, kKeyPadSubtract = 333;

bool Pressed(ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key)); }

}  // namespace

float LessonBar::HandleKeys(Host host) {
    const ImGuiIO& io = ImGui::GetIO();
    float zoom = 1.0f;
    if (io.KeyCtrl && (ImGui::IsKeyPressed(kKeyEqual) || ImGui::IsKeyPressed(kKeyPadAdd))) zoom = 1.15f;
    if (io.KeyCtrl && (ImGui::IsKeyPressed(kKeyMinus) || ImGui::IsKeyPressed(kKeyPadSubtract))) zoom = 1.0f / 1.15f;
    if (ImGui::IsKeyPressed(kKeyF5, false)) {
        if (!m_active) Open(host, m_index);
        m_presenting = !m_presenting;
    }
    if (m_presenting && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) m_presenting = false;
    if (!m_active || io.WantTextInput) return zoom;
    const bool next = Pressed(ImGuiKey_PageDown) || Pressed(ImGuiKey_RightArrow) || Pressed(ImGuiKey_DownArrow) || Pressed(ImGuiKey_Space);
    const bool previous = Pressed(ImGuiKey_PageUp) || Pressed(ImGuiKey_LeftArrow) || Pressed(ImGuiKey_UpArrow);
    if (next) Open(host, m_index + 1);
    if (previous) Open(host, m_index - 1);
    return zoom;
}

void LessonBar::DrawClaims(const LessonStep& step) {
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("##claims", 5, flags)) return;
    ImGui::TableSetupColumn(Tr(S::LessonColClaim), ImGuiTableColumnFlags_WidthStretch, 3.0f);
    const float em = ImGui::GetFontSize();
    ImGui::TableSetupColumn(Tr(S::LessonColNotesValue), ImGuiTableColumnFlags_WidthFixed, em * 8.5f);
    ImGui::TableSetupColumn(Tr(S::LessonColComputed), ImGuiTableColumnFlags_WidthFixed,
                            std::max(em * 9.5f, ImGui::CalcTextSize(Tr(S::LessonColComputed)).x));
    ImGui::TableSetupColumn(Tr(S::LessonColVerdict), ImGuiTableColumnFlags_WidthFixed, em * 6.0f);
    ImGui::TableSetupColumn(Tr(S::LessonColWhy), ImGuiTableColumnFlags_WidthStretch, 5.0f);
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < step.claims.size(); ++i) {
        const LessonClaim& claim = step.claims[i];
        const ComputedClaim* computed = i < m_claims.size() ? &m_claims[i] : nullptr;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextWrapped("%s", claim.notes_text.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(claim.notes_value ? FormatClaimValue(*claim.notes_value).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(computed && computed->value ? FormatClaimValue(*computed->value).c_str() : "-");
        ImGui::TableNextColumn();
        const Badge badge = VerdictBadge(claim.verdict);
        ImGui::TextColored(badge.colour, "%s", Tr(badge.label));
        ImGui::TableNextColumn();
        if (computed && !computed->problem.empty())
            ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", computed->problem.c_str());
        else
            ImGui::TextWrapped("%s", (Chinese() ? claim.explanation_zh : claim.explanation_en).c_str());
    }
    ImGui::EndTable();
}

float LessonBar::Draw(Host host, float top, float width, float max_height) {
    const LessonPlan* plan = BundledLessonPlan();
    if (!m_active || !plan) return 0.0f;
    const LessonStep& step = plan->steps[static_cast<std::size_t>(m_index)];
    const int count = static_cast<int>(plan->steps.size());
    const float height = m_content_height > 0 ? std::min(max_height, m_content_height) : max_height;
    ImGui::SetNextWindowPos(ImVec2(0, top));
    ImGui::SetNextWindowSize(ImVec2(width, height));
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.11f, 0.13f, 0.17f, 1));
    ImGui::Begin("##lesson", nullptr, flags);
    int go_to = -1;
    if (ImGui::Button(Tr(S::LessonPrev))) go_to = m_index - 1;
    ImGui::SameLine();
    if (ImGui::Button(Tr(S::LessonNext))) go_to = m_index + 1;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18);
    if (ImGui::BeginCombo("##section", SectionLabel(step.section).c_str(), ImGuiComboFlags_HeightLarge)) {
        int last_section = 0;
        for (int i = 0; i < count; ++i) {
            const LessonStep& item = plan->steps[static_cast<std::size_t>(i)];
            if (item.section != last_section) {
                ImGui::TextDisabled("%s", SectionLabel(item.section).c_str());
                last_section = item.section;
            }
            ImGui::PushID(i);
            const std::string label = "   " + (Chinese() ? item.title_zh : item.title_en);
            if (ImGui::Selectable(label.c_str(), i == m_index)) go_to = i;
            ImGui::PopID();
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::TextDisabled(Tr(S::LessonStepOf), m_index + 1, count);
    ImGui::SameLine();
    ImGui::TextUnformatted((Chinese() ? step.title_zh : step.title_en).c_str());
    const char* present = Tr(m_presenting ? S::LessonLeavePresent : S::LessonPresent);
    const float right = ImGui::CalcTextSize(present).x + ImGui::CalcTextSize(Tr(S::LessonHide)).x + ImGui::GetStyle().FramePadding.x * 4 +
                        ImGui::GetStyle().ItemSpacing.x * 2;
    ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - right));
    if (ImGui::Button(present)) m_presenting = !m_presenting;
    ImGui::SameLine();
    if (ImGui::Button(Tr(S::LessonHide))) {
        m_active = false;
        m_presenting = false;
    }
    ImGui::Separator();
    ImGui::TextDisabled("%s", Tr(S::LessonNotesSay));
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.88f, 0.62f, 1));
    ImGui::TextWrapped("%s", step.quote.c_str());
    ImGui::PopStyleColor();
    if (!Chinese()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.72f, 0.72f, 0.66f, 1));
        ImGui::TextWrapped("(%s)", step.gloss.c_str());
        ImGui::PopStyleColor();
    }
    ImGui::Spacing();
    ImGui::TextWrapped("%s", (Chinese() ? step.card_zh : step.card_en).c_str());
    ImGui::Spacing();
    DrawClaims(step);
    if (!m_presenting) ImGui::TextDisabled("%s", Tr(S::LessonKeysHint));
    m_content_height = ImGui::GetCursorPosY() + ImGui::GetStyle().WindowPadding.y;
    ImGui::End();
    ImGui::PopStyleColor();
    if (go_to >= 0 && go_to < count) Open(host, go_to);
    return height;
}

}  // namespace lens::app
