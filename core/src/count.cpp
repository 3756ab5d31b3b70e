#include "lens/count.hpp"

#include <cmath>
#include <cstdio>

namespace lens {

std::optional<Count> CheckedMul(Count a, Count b) {
    if (a < 0 || b < 0) return std::nullopt;
    Count out = 0;
    if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
    return out;
}

std::optional<Count> CheckedAdd(Count a, Count b) {
    if (a < 0 || b < 0) return std::nullopt;
    Count out = 0;
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}

std::optional<Count> CheckedProduct(std::initializer_list<Count> factors) {
    Count acc = 1;
    for (Count f : factors) {
        auto next = CheckedMul(acc, f);
        if (!next) return std::nullopt;
        acc = *next;
    }
    return acc;
}

std::string FormatExact(Count value) {
    const bool negative = value < 0;
    // Work in unsigned so that INT64_MIN formats correctly.
    std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    std::string digits = std::to_string(magnitude);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3 + 1);
    int lead = static_cast<int>(digits.size() % 3);
    if (lead == 0) lead = 3;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (static_cast<int>(i) - lead) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return negative ? "-" + out : out;
}

std::string FormatSI(double value, int decimals) {
    static const char* kPrefixes[] = {"", " K", " M", " G", " T", " P", " E"};
    if (!std::isfinite(value)) return "n/a";
    double magnitude = std::fabs(value);
    int step = 0;
    while (magnitude >= 1000.0 && step < 6) {
        magnitude /= 1000.0;
        ++step;
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s%.*f%s", value < 0 ? "-" : "", step == 0 ? 0 : decimals, magnitude,
                  kPrefixes[step]);
    return buffer;
}

}  // namespace lens
