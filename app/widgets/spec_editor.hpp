// app/widgets/spec_editor.hpp: the editors every panel's spec uses: an integer field with +/-
// steps, clamped to its range, with the spec's Validate() messages for that field shown under it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <lens/spec.hpp>

namespace lens::app {

// Draws `label` editing *value in [lo, hi]; returns true when the user changed it. Messages of
// `issues` whose field is `field` are drawn below in the error colour.
bool SpecField(const char* label, const char* field, std::int64_t* value, std::int64_t lo, std::int64_t hi,
               const std::vector<SpecIssue>& issues);
// The messages of `issues` for `field` (for editors that are not SpecFields, e.g. combos).
void SpecFieldIssues(const char* field, const std::vector<SpecIssue>& issues);
// Every issue as "field: message", wrapped, in the error colour (a panel's main area when nothing
// could be computed).
void SpecIssueList(const std::vector<SpecIssue>& issues);
// One message in the error colour, wrapped; nothing when it is empty (a task's Error()).
void ErrorText(const std::string& message);

}  // namespace lens::app
