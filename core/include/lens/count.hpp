// lens/count.hpp: exact, overflow-checked 64-bit counting and number formatting.
// Sizes in MatrixLens reach billions of rows and trillions of entries: every product of
// user-typed sizes goes through these helpers, which report overflow instead of wrapping.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace lens {

using Index = std::int64_t;  // a row, column or element index (signed: differences are common)
using Count = std::int64_t;  // an exact count of entries, weights or MACs

// a * b, or nullopt when the exact product does not fit in int64 (or an operand is negative).
std::optional<Count> CheckedMul(Count a, Count b);
// a + b, or nullopt on overflow (or a negative operand).
std::optional<Count> CheckedAdd(Count a, Count b);
// Product of all factors, nullopt on overflow or a negative factor.
std::optional<Count> CheckedProduct(std::initializer_list<Count> factors);

// A sequence of checked operations for one count: one overflow poisons the whole result, which
// the caller then refuses (never shows wrapped). Failed operations return 0.
class CheckedCount {
public:
    Count Mul(std::initializer_list<Count> factors) {
        const std::optional<Count> v = CheckedProduct(factors);
        if (!v) m_overflow = true;
        return v.value_or(0);
    }
    Count Add(Count a, Count b) {
        const std::optional<Count> v = CheckedAdd(a, b);
        if (!v) m_overflow = true;
        return v.value_or(0);
    }
    Count Add(std::initializer_list<Count> terms) {
        Count total = 0;
        for (Count t : terms) total = Add(total, t);
        return total;
    }
    bool Overflow() const { return m_overflow; }

private:
    bool m_overflow = false;
};

// "419,430,400": exact decimal with thousands separators.
std::string FormatExact(Count value);
// "419.4 M", "2.42 G", "17.564 G": SI prefix with `digits` significant decimals after the point.
std::string FormatSI(double value, int decimals = 1);

}  // namespace lens
