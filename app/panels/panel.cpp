#include "panel.hpp"

#include <algorithm>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../widgets/busy_overlay.hpp"

namespace lens::app {
namespace {

struct RegistryEntry {
    int order;
    std::string id;
    PanelFactory factory;
};

// Function-local so registration order across translation units does not matter.
std::vector<RegistryEntry>& Registry() {
    static std::vector<RegistryEntry> entries;
    return entries;
}

std::vector<RegistryEntry> SortedRegistry() {
    auto entries = Registry();
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
    return entries;
}

}  // namespace

PanelRegistration::PanelRegistration(int order, const char* id, PanelFactory factory) {
    Registry().push_back({order, id, std::move(factory)});
}

std::vector<std::unique_ptr<Panel>> CreateAllPanels() {
    std::vector<std::unique_ptr<Panel>> panels;
    for (const auto& entry : SortedRegistry()) panels.push_back(entry.factory());
    return panels;
}

std::vector<std::string> RegisteredPanelIds() {
    std::vector<std::string> ids;
    for (const auto& entry : SortedRegistry()) ids.push_back(entry.id);
    return ids;
}

FieldTable& Panel::Fields() {
    if (!m_fields_declared) {
        DeclareFields(m_fields);
        m_fields_declared = true;
    }
    return m_fields;
}

void Panel::MarkFigure(ImVec2 min, ImVec2 max) {
    m_figure_min = min;
    m_figure_max = max;
    m_figure_marked = true;
}

void Panel::Export(AppContext& context, ExportSink& sink) {
    (void)context;
    sink.String("panel", Id());
}

void Panel::Draw(AppContext& context) {
    m_figure_marked = false;
    ImGui::PushID(Id());
    ImGui::BeginChild("##panel", ImVec2(0, 0), false, ImGuiWindowFlags_None);
    const ImVec2 origin = ImGui::GetWindowPos();
    const ImVec2 size = ImGui::GetWindowSize();
    DrawContent(context);
    if (!m_figure_marked) MarkFigure(origin, ImVec2(origin.x + size.x, origin.y + size.y));
    ImGui::EndChild();
    // Progress where the eye is: after a moment of recomputing, the stale figure dims and spins
    // (drawn over the panel's child windows, under popups and tooltips).
    if (Busy() && !ShowsOwnProgress()) {
        if (m_busy_since < 0) m_busy_since = ImGui::GetTime();
        if (ImGui::GetTime() - m_busy_since > 0.25) {
            DrawBusyOverlay(ImGui::GetForegroundDrawList(), m_figure_min, m_figure_max, Progress());
        }
    } else {
        m_busy_since = -1.0;
    }
    ImGui::PopID();
}

namespace {
bool g_controls_hidden = false;
}  // namespace

void Panel::SetControlsHidden(bool hidden) { g_controls_hidden = hidden; }

void Panel::BeginEditorColumn(float width_em) {
    ImGui::BeginChild("##editors", ImVec2(g_controls_hidden ? 1.0f : ImGui::GetFontSize() * width_em, 0), false);
}

void Panel::BeginMainArea() {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##main", ImVec2(0, 0), false);
}

}  // namespace lens::app
