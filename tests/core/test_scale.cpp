// test_scale.cpp: colour-scale math (lens/scale.hpp) against its definitions: ticks are evenly
// spaced nice multiples inside the range (checked against a brute-force search over 1-2-5 steps),
// numbers round-trip within their significant digits and never print "-0", symmetric and density
// scales contain what they must, luminance against the WCAG formula's known points.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>

#include <lens/scale.hpp>

namespace lens {
namespace {

bool IsNiceStep(double step) {
    const double e = std::floor(std::log10(step) + 1e-9);
    const double m = step / std::pow(10.0, e);
    return std::fabs(m - 1) < 1e-9 || std::fabs(m - 2) < 1e-9 || std::fabs(m - 5) < 1e-9;
}

// The fewest-ticks-at-most-n choice by brute force: the smallest 1-2-5 step whose multiples in
// [lo, hi] number at most n.
double BruteForceStep(double lo, double hi, int n) {
    for (int e = -20; e <= 20; ++e)
        for (double m : {1.0, 2.0, 5.0}) {
            const double step = m * std::pow(10.0, e);
            const double count = std::floor(hi / step + 1e-9) - std::ceil(lo / step - 1e-9) + 1;
            if (count <= n) return step;
        }
    return 0;
}

TEST(Scale, LinearTicksAreNiceEvenAndInside) {
    std::mt19937_64 rng(14);
    std::uniform_real_distribution<double> mag(-6, 6), unit(-1, 1);
    for (int trial = 0; trial < 2000; ++trial) {
        const double scale = std::pow(10.0, mag(rng));
        double lo = unit(rng) * scale, hi = unit(rng) * scale;
        if (lo > hi) std::swap(lo, hi);
        if (lo == hi) continue;
        const int n = 2 + static_cast<int>(rng() % 9);
        const auto ticks = LinearTicks(lo, hi, n);
        ASSERT_GE(ticks.size(), 2u);
        ASSERT_LE(static_cast<int>(ticks.size()), n);
        for (double t : ticks) {
            ASSERT_GE(t, lo - 1e-9 * scale);
            ASSERT_LE(t, hi + 1e-9 * scale);
            if (t == 0) {
                ASSERT_FALSE(std::signbit(t)) << "tick -0";
            }
        }
        if (ticks.size() == 2 && ticks[0] == lo && ticks[1] == hi) {
            // Fallback: fewer than two multiples of the chosen step fit.
            continue;
        }
        const double step = ticks[1] - ticks[0];
        ASSERT_TRUE(IsNiceStep(step)) << step;
        ASSERT_NEAR(step, BruteForceStep(lo, hi, n), step * 1e-9) << lo << " " << hi << " n=" << n;
        for (size_t i = 1; i < ticks.size(); ++i) ASSERT_NEAR(ticks[i] - ticks[i - 1], step, step * 1e-9);
        // Each tick prints exactly: 15 significant digits give no more than 3 non-zero ones here.
        for (double t : ticks) {
            const std::string s = FormatNumber(t, 15);
            ASSERT_EQ(s.find("000000"), std::string::npos) << s;
            ASSERT_EQ(s.find("999999"), std::string::npos) << s;
        }
    }
}

TEST(Scale, LinearTicksKnownCases) {
    EXPECT_EQ(LinearTicks(0, 1, 6), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1.0}));
    EXPECT_EQ(LinearTicks(-1, 1, 5), (std::vector<double>{-1, -0.5, 0, 0.5, 1}));
    EXPECT_EQ(LinearTicks(0, 0.3, 4), (std::vector<double>{0, 0.1, 0.2, 0.3}));
    EXPECT_EQ(LinearTicks(5, 5, 4), (std::vector<double>{5}));
    EXPECT_EQ(LinearTicks(1, 0, 3), (std::vector<double>{0, 0.5, 1}));
    EXPECT_TRUE(LinearTicks(0, NAN, 4).empty());
    EXPECT_TRUE(LinearTicks(-INFINITY, 1, 4).empty());
    EXPECT_FALSE(std::signbit(LinearTicks(-1, 1, 3)[1]));
}

TEST(Scale, LogTicksArePowersOfTenInside) {
    EXPECT_EQ(LogTicks(1e-3, 1, 8), (std::vector<double>{1e-3, 1e-2, 1e-1, 1}));
    EXPECT_EQ(LogTicks(1e-6, 1, 4), (std::vector<double>{1e-6, 1e-4, 1e-2, 1}));
    EXPECT_EQ(LogTicks(1e-6, 1, 3), (std::vector<double>{1e-6, 1e-3, 1}));
    EXPECT_EQ(LogTicks(2, 5, 4), (std::vector<double>{2, 5}));
    EXPECT_TRUE(LogTicks(0, 1, 4).empty());
    EXPECT_TRUE(LogTicks(-1, 1, 4).empty());
    std::mt19937_64 rng(15);
    std::uniform_real_distribution<double> mag(-12, 3);
    for (int trial = 0; trial < 500; ++trial) {
        double lo = std::pow(10.0, mag(rng)), hi = std::pow(10.0, mag(rng));
        if (lo > hi) std::swap(lo, hi);
        const int n = 2 + static_cast<int>(rng() % 6);
        const auto ticks = LogTicks(lo, hi, n);
        ASSERT_FALSE(ticks.empty());
        ASSERT_LE(static_cast<int>(ticks.size()), std::max(n, 2));
        const double top = std::pow(10.0, std::floor(std::log10(hi) + 1e-9));
        if (top >= lo) {
            ASSERT_DOUBLE_EQ(ticks.back(), top);
            for (double t : ticks) {
                ASSERT_GE(t, lo * (1 - 1e-12));
                ASSERT_LE(t, hi * (1 + 1e-12));
                ASSERT_NEAR(std::log10(t), std::round(std::log10(t)), 1e-9);
            }
        }
    }
}

TEST(Scale, FormatNumberRoundTripsAndNeverPrintsMinusZero) {
    EXPECT_EQ(FormatNumber(-0.0), "0");
    EXPECT_EQ(FormatNumber(-0.0001, 1), "-1e-04");
    EXPECT_EQ(FormatNumber(-0.001, 1), "-0.001");
    EXPECT_EQ(FormatNumber(-0.0004, 3), "-4e-04");
    EXPECT_EQ(FormatNumber(-1e-20, 3), "-1e-20");
    EXPECT_EQ(FormatNumber(0.5), "0.5");
    EXPECT_EQ(FormatNumber(12), "12");
    EXPECT_EQ(FormatNumber(0.000135), "1.35e-04");
    EXPECT_EQ(FormatNumber(0.00135), "0.00135");
    EXPECT_EQ(FormatNumber(2.4e9), "2.4e+09");
    EXPECT_EQ(FormatNumber(9.996), "10");
    EXPECT_EQ(FormatNumber(999999), "1e+06");
    EXPECT_EQ(FormatNumber(NAN), "NaN");
    EXPECT_EQ(FormatNumber(-INFINITY), "-inf");
    EXPECT_EQ(FormatPercent(0.000135), "0.0135 %");
    std::mt19937_64 rng(16);
    std::uniform_real_distribution<double> mag(-15, 15), unit(-1, 1);
    for (int trial = 0; trial < 5000; ++trial) {
        const double v = unit(rng) * std::pow(10.0, mag(rng));
        const int sig = 1 + static_cast<int>(rng() % 6);
        const std::string s = FormatNumber(v, sig);
        ASSERT_NE(s.rfind("-0", 0) == 0 && std::strtod(s.c_str(), nullptr) == 0, true) << s;
        const double back = std::strtod(s.c_str(), nullptr);
        ASSERT_LE(std::fabs(back - v), std::fabs(v) * 0.5 * std::pow(10.0, 1 - sig) * (1 + 1e-9)) << v << " -> " << s;
    }
}

TEST(Scale, SymmetricAndProbabilityScales) {
    std::mt19937_64 rng(17);
    std::uniform_real_distribution<double> mag(-8, 8);
    for (int trial = 0; trial < 1000; ++trial) {
        const double m = std::pow(10.0, mag(rng));
        const ValueScale s = SymmetricScale(m);
        ASSERT_EQ(s.lo, -s.hi);
        ASSERT_GE(s.hi, m);
        if (m >= 1e-6) {
            ASSERT_LE(s.hi, m * 2.0);  // the next nice number is within a factor 2
        } else {
            ASSERT_EQ(s.hi, 1e-6);  // the floor
        }
        const double limit = std::pow(10.0, mag(rng));
        const ValueScale capped = SymmetricScale(m, limit);
        ASSERT_EQ(capped.lo, -capped.hi);
        ASSERT_LE(capped.hi, limit);
        ASSERT_EQ(capped.hi, std::min(s.hi, limit));
    }
    EXPECT_EQ(SymmetricScale(0.0).hi, 1e-6);
    EXPECT_EQ(SymmetricScale(3.1).hi, 5.0);
    EXPECT_EQ(SymmetricScale(30, 8).hi, 8.0);
    EXPECT_EQ(ProbabilityScale(false, 0.03), (ValueScale{0, 1, ScaleKind::Linear}));
    EXPECT_EQ(ProbabilityScale(true, 0.03).hi, 0.05);
    EXPECT_EQ(ProbabilityScale(true, 0.97).hi, 1.0);
    const double maxima[] = {3, -1, NAN, 64, 7};
    EXPECT_EQ(SharedMaxScale(maxima).hi, 64.0);
}

TEST(Scale, DensityAndLogDensityScale) {
    // The notes' 2-D 64-channel convolution: 0.0135 % non-zero.
    EXPECT_EQ(FormatPercent(Density(2415919104, 4194304, 4260096)), "0.0135 %");
    EXPECT_EQ(Density(0, 10, 10), 0.0);
    EXPECT_EQ(Density(5, 0, 10), 0.0);
    std::mt19937_64 rng(18);
    for (int trial = 0; trial < 1000; ++trial) {
        const Index rows = 1 + static_cast<Index>(rng() % 5000000), cols = 1 + static_cast<Index>(rng() % 5000000);
        const Count nnz = static_cast<Count>(rng() % static_cast<std::uint64_t>(rows * cols + 1));
        const double d = Density(nnz, rows, cols);
        ASSERT_NEAR(d, static_cast<double>(static_cast<long double>(nnz) / (static_cast<long double>(rows) * cols)), d * 1e-12);
        if (d <= 0) continue;
        const double ds[] = {d, 1.0};
        const ValueScale s = DensityScale(ds);
        ASSERT_EQ(s.kind, ScaleKind::Log10);
        ASSERT_EQ(s.hi, 1.0);
        if (d / 10 >= 1e-12 && d / 10 <= 1e-1) {
            ASSERT_LE(s.lo, d / 10 * (1 + 1e-12));
            ASSERT_GT(s.lo, d / 100 * (1 - 1e-12));
            // A matrix at that density sits at least a decade up the map.
            ASSERT_GE(ScalePosition(s, d), 1.0 / -std::log10(s.lo) - 1e-9);
        }
        ASSERT_EQ(ScalePosition(s, 1.0), 1.0);
    }
    // The conv preset must not look dense: its density sits far from the top of its scale.
    const double conv[] = {0.000135};
    EXPECT_LT(ScalePosition(DensityScale(conv), 0.000135), 0.3);
    // FC: the full weight (density 1) against form I (1/64) on one scale.
    const double fc[] = {1.0, 1.0 / 64};
    const ValueScale shared = DensityScale(fc);
    EXPECT_GT(ScalePosition(shared, 1.0) - ScalePosition(shared, 1.0 / 64), 0.5);
    const double none[] = {0.0, NAN};
    EXPECT_EQ(DensityScale(none).lo, 1e-3);
}

TEST(Scale, LuminancePicksReadableText) {
    EXPECT_NEAR(RelativeLuminance(1, 1, 1), 1.0, 1e-12);
    EXPECT_NEAR(RelativeLuminance(0, 0, 0), 0.0, 1e-12);
    EXPECT_NEAR(RelativeLuminance(0.5, 0.5, 0.5), 0.2140, 1e-4);  // WCAG: mid grey
    EXPECT_TRUE(DarkTextOn(253 / 255.0, 231 / 255.0, 37 / 255.0));    // viridis yellow
    EXPECT_FALSE(DarkTextOn(68 / 255.0, 1 / 255.0, 84 / 255.0));      // viridis purple
    EXPECT_FALSE(DarkTextOn(103 / 255.0, 0, 31 / 255.0));             // dark red
    EXPECT_TRUE(DarkTextOn(247 / 255.0, 247 / 255.0, 247 / 255.0));   // diverging white
}

}  // namespace
}  // namespace lens
