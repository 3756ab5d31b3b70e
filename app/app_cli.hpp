// app/app_cli.hpp: the wording of validation messages for the command line (app_cli.cpp).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lens::app {

// In a validation message ("field: text; field: text", lens::JoinIssues), a core field that is not a
// key is named by its key (padding_mode -> padding), and a value the user never typed is named as
// a default: "(got 5)" -> "(default 5, not set on the command line)", or "(5 from the preset)".
std::string NameUntypedValues(const std::string& message, const std::vector<std::pair<std::string, std::string>>& sets,
                              const std::vector<std::string>& keys);

}  // namespace lens::app
