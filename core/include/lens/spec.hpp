// lens/spec.hpp: what every Spec's Validate() returns: problems named by the field (the key a
// user sets on the command line, the editor the panel draws the message next to).
#pragma once

#include <string>
#include <vector>

namespace lens {

// One problem with a spec, shown next to the field it names.
struct SpecIssue {
    std::string field;    // the spec's key, e.g. "groups"
    std::string message;  // English, one sentence
};

// "groups: must divide in_channels; stride: ..." (empty when there are none), for the command line.
inline std::string JoinIssues(const std::vector<SpecIssue>& issues) {
    std::string out;
    for (const auto& issue : issues) out += (out.empty() ? "" : "; ") + issue.field + ": " + issue.message;
    return out;
}

}  // namespace lens
