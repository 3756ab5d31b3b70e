// fuzz/fuzz_mlp_widths.cpp: lens::ParseWidths on any text; what parses must format and parse back.
#include <lens/mlp.hpp>

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto widths = lens::ParseWidths(text, &error);
    if (!widths) {
        if (error.empty()) __builtin_trap();
        return 0;
    }
    auto again = lens::ParseWidths(lens::FormatWidths(*widths), &error);
    if (!again || *again != *widths) __builtin_trap();
    return 0;
}
