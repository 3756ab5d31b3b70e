// fuzz/fuzz_field_values.cpp: the strict number parsers every --set key goes through, and the
// WxH size parser: never crash; nothing but digits and a sign is ever accepted as an integer.
#include <panels/fields.hpp>

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::int64_t value = 0;
    // Only ASCII digits (with an optional leading '-') are ever accepted.
    if (lens::app::ParseStrictInteger(text, &value) && text.find_first_not_of("+-0123456789") != std::string::npos)
        __builtin_trap();
    std::uint64_t unsigned_value = 0;
    (void)lens::app::ParseStrictUnsigned(text, &unsigned_value);
    int w = 0, h = 0;
    std::string error;
    if (lens::app::ParseSize(text, 64, 8192, &w, &h, &error) && (w < 64 || w > 8192 || h < 64 || h > 8192)) __builtin_trap();
    return 0;
}
