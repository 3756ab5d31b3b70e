// app/widgets/table_text.hpp: table cells that never cut a number. Label cells are elided with
// "..." to the column (the whole text in a tooltip); number cells are drawn whole, in columns set
// up with NumberColumn (fixed, fitted to their widest cell). Tables that can still be too wide
// for the window are caught by --layout-check.
#pragma once

#include <string>

#include <imgui.h>

namespace lens::app {

// Table flags for a table whose number columns fit their content and whose label columns share
// what is left.
ImGuiTableFlags TableFlagsNeverCut();
// A column of numbers: as wide as its widest cell.
void NumberColumn(const char* header);
// A column of labels: shares the remaining width (weight), elided where too narrow.
void LabelColumn(const char* header, float weight = 1.0f);
// A label cell elided to the column's width; the full text shows on hover when elided.
void CellLabel(const std::string& text, bool disabled = false);
// The text of `text` that fits `width` px, with "..." when cut (whole UTF-8 characters).
std::string ElideToWidth(const std::string& text, float width);

}  // namespace lens::app
