// core/src/swin_detail.hpp: helpers shared by the Swin sources (swin.cpp, swin_merging.cpp,
// swin_stages.cpp): issue reporting and rounding. Private to core/src.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "lens/count.hpp"
#include "lens/spec.hpp"

namespace lens::swin_detail {

inline std::string Num(Index v) { return FormatExact(v); }

inline void Report(std::vector<SpecIssue>* issues, std::string field, std::string message) {
    if (issues) issues->push_back({std::move(field), std::move(message)});
}

inline bool InRange(std::vector<SpecIssue>* issues, const char* field, const char* what, Index value, Index lo, Index hi) {
    if (value >= lo && value <= hi) return true;
    Report(issues, field, std::string(what) + " must be between " + Num(lo) + " and " + Num(hi) + " (got " + Num(value) + ")");
    return false;
}

inline Index RoundUp(Index value, Index multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace lens::swin_detail
