// app/widgets/table_text.cpp: see table_text.hpp.
#include "table_text.hpp"

namespace lens::app {

ImGuiTableFlags TableFlagsNeverCut() {
    return ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit;
}

void NumberColumn(const char* header) { ImGui::TableSetupColumn(header, ImGuiTableColumnFlags_WidthFixed); }

void LabelColumn(const char* header, float weight) { ImGui::TableSetupColumn(header, ImGuiTableColumnFlags_WidthStretch, weight); }

std::string ElideToWidth(const std::string& text, float width) {
    if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
    const char* dots = "...";
    const float room = width - ImGui::CalcTextSize(dots).x;
    std::size_t end = 0;
    for (std::size_t next = 0; next < text.size();) {
        std::size_t step = 1;
        const unsigned char c = static_cast<unsigned char>(text[next]);
        if (c >= 0xF0) step = 4;
        else if (c >= 0xE0) step = 3;
        else if (c >= 0xC0) step = 2;
        if (ImGui::CalcTextSize(text.c_str(), text.c_str() + next + step).x > room) break;
        next += step;
        end = next;
    }
    return text.substr(0, end) + dots;
}

void CellLabel(const std::string& text, bool disabled) {
    const float width = ImGui::GetContentRegionAvail().x;
    const std::string shown = ElideToWidth(text, width);
    if (disabled) ImGui::TextDisabled("%s", shown.c_str());
    else ImGui::TextUnformatted(shown.c_str());
    if (shown.size() != text.size() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
}

}  // namespace lens::app
