// scale.cpp: colour-scale math (lens/scale.hpp).
#include "lens/scale.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace lens {
namespace {

// 10^e for an integer e, correctly rounded for the exponents a colour bar uses (|e| <= 22 exact).
double PowerOfTen(int e) { return e >= 0 ? std::pow(10.0, e) : 1.0 / std::pow(10.0, -e); }

// k x m x 10^e without the rounding error of k x (m x 10^e) for negative e.
double Multiple(double k, double m, int e) {
    const double v = e >= 0 ? k * m * PowerOfTen(e) : (k * m) / PowerOfTen(-e);
    return v + 0.0;  // -0 -> +0
}

// Whether a printed number is a zero ("-0", "0.000", "-0.00e+00").
bool PrintsAsZero(const char* text) {
    for (const char* p = text; *p && *p != 'e'; ++p)
        if (*p >= '1' && *p <= '9') return false;
    return true;
}

void StripTrailingZeros(std::string& digits) {
    if (digits.find('.') == std::string::npos) return;
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    if (!digits.empty() && digits.back() == '.') digits.pop_back();
}

}  // namespace

std::vector<double> LinearTicks(double lo, double hi, int max_ticks) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
    if (lo > hi) std::swap(lo, hi);
    if (lo == hi) return {lo + 0.0};
    const int n = std::max(max_ticks, 2);
    const double raw = (hi - lo) / static_cast<double>(n - 1);
    int e = static_cast<int>(std::floor(std::log10(raw)));
    static constexpr double kMantissas[] = {1, 2, 5};
    // Try 1, 2, 5 x 10^e upwards until at most n multiples fit (at most a few steps).
    for (int guard = 0; guard < 8; ++guard, ++e) {
        for (double m : kMantissas) {
            const double step = Multiple(1, m, e);
            const double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
            const double count = last - first + 1;
            if (count > n) continue;
            if (count < 2) return {lo + 0.0, hi + 0.0};
            std::vector<double> ticks;
            for (double k = first; k <= last; k += 1) ticks.push_back(Multiple(k, m, e));
            return ticks;
        }
    }
    return {lo + 0.0, hi + 0.0};
}

std::vector<double> LogTicks(double lo, double hi, int max_ticks) {
    if (!std::isfinite(lo) || !std::isfinite(hi) || lo <= 0 || hi <= 0) return {};
    if (lo > hi) std::swap(lo, hi);
    const int first = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
    const int last = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
    if (last < first) return lo == hi ? std::vector<double>{lo} : std::vector<double>{lo, hi};
    const int count = last - first + 1;
    const int n = std::max(max_ticks, 2);
    const int stride = (count + n - 1) / n;
    std::vector<double> ticks;
    for (int d = last; d >= first; d -= stride) ticks.push_back(PowerOfTen(d));
    std::reverse(ticks.begin(), ticks.end());
    return ticks;
}

std::vector<double> TicksOf(const ValueScale& scale, int max_ticks) {
    return scale.kind == ScaleKind::Log10 ? LogTicks(scale.lo, scale.hi, max_ticks) : LinearTicks(scale.lo, scale.hi, max_ticks);
}

std::string FormatNumber(double value, int significant) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    const int digits = std::clamp(significant, 1, 17);
    char text[64];
    // Round to the significant digits first: the exponent after rounding decides the form.
    std::snprintf(text, sizeof text, "%.*e", digits - 1, value);
    if (PrintsAsZero(text)) return "0";
    const int e = std::atoi(std::strchr(text, 'e') + 1);
    if (e >= -3 && e < 6) {
        std::snprintf(text, sizeof text, "%.*f", std::max(0, digits - 1 - e), value);
        std::string out = text;
        StripTrailingZeros(out);
        return out == "-0" ? "0" : out;
    }
    std::string out = text;
    const size_t at = out.find('e');
    std::string mantissa = out.substr(0, at);
    StripTrailingZeros(mantissa);
    return mantissa + out.substr(at);
}

std::string FormatPercent(double fraction, int significant) { return FormatNumber(fraction * 100.0, significant) + " %"; }

double NiceCeil(double value) {
    if (!std::isfinite(value) || value <= 0) return 0;
    const int e = static_cast<int>(std::floor(std::log10(value)));
    static constexpr double kMantissas[] = {1, 2, 2.5, 5, 10};
    for (int shift = -1; shift <= 1; ++shift) {
        for (double m : kMantissas) {
            const double nice = Multiple(1, m, e + shift);
            if (nice >= value) return nice;
        }
    }
    return value;
}

ValueScale SymmetricScale(double max_abs, double limit, double floor) {
    double m = std::isfinite(max_abs) ? std::fabs(max_abs) : (limit > 0 ? limit : 1.0);
    m = NiceCeil(std::max(m, floor > 0 ? floor : 1e-6));
    if (limit > 0 && std::isfinite(limit)) m = std::min(m, limit);
    return {-m, m, ScaleKind::Linear};
}

ValueScale ProbabilityScale(bool automatic, double peak) {
    if (!automatic || !std::isfinite(peak)) return {0.0, 1.0, ScaleKind::Linear};
    return {0.0, std::min(1.0, NiceCeil(std::max(peak, 1e-6))), ScaleKind::Linear};
}

ValueScale SharedMaxScale(std::span<const double> maxima, double floor) {
    double hi = floor;
    for (double m : maxima)
        if (std::isfinite(m) && m > hi) hi = m;
    return {0.0, hi, ScaleKind::Linear};
}

double Density(Count nonzeros, Index rows, Index cols) {
    if (rows <= 0 || cols <= 0 || nonzeros <= 0) return 0.0;
    const double entries = static_cast<double>(rows) * static_cast<double>(cols);
    return std::min(1.0, static_cast<double>(nonzeros) / entries);
}

ValueScale DensityScale(std::span<const double> densities) {
    double smallest = std::numeric_limits<double>::infinity();
    for (double d : densities)
        if (std::isfinite(d) && d > 0) smallest = std::min(smallest, d);
    if (!std::isfinite(smallest)) return {1e-3, 1.0, ScaleKind::Log10};
    const int e = static_cast<int>(std::floor(std::log10(smallest / 10.0) + 1e-9));
    return {std::clamp(PowerOfTen(e), 1e-12, 1e-1), 1.0, ScaleKind::Log10};
}

double ScalePosition(const ValueScale& scale, double value) {
    if (std::isnan(value)) return 0;
    double t = 0;
    if (scale.kind == ScaleKind::Log10) {
        if (value <= scale.lo || scale.lo <= 0) return 0;
        t = (std::log10(value) - std::log10(scale.lo)) / (std::log10(scale.hi) - std::log10(scale.lo));
    } else {
        t = scale.hi > scale.lo ? (value - scale.lo) / (scale.hi - scale.lo) : 1.0;
    }
    return std::clamp(t, 0.0, 1.0);
}

double RelativeLuminance(double r, double g, double b) {
    const auto linear = [](double c) {
        c = std::clamp(c, 0.0, 1.0);
        return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

bool DarkTextOn(double r, double g, double b) {
    const double l = RelativeLuminance(r, g, b);
    // Contrast ratios (WCAG): against black (l + 0.05) / 0.05, against white 1.05 / (l + 0.05).
    return (l + 0.05) / 0.05 > 1.05 / (l + 0.05);
}

}  // namespace lens
