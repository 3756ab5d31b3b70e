// lens/scale.hpp: the colour-scale decisions that are math, shared by every colour bar: nice tick
// values (linear 1-2-5 steps, log powers of ten), the one number format of legends and labels
// (-0 prints as 0), symmetric limits for signed values, a shared maximum for figures compared side
// by side, the log-density scale of huge sparse matrices, and the luminance that picks a label's
// colour. Pure functions, no UI text.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "lens/count.hpp"

namespace lens {

enum class ScaleKind { Linear = 0, Log10 = 1 };

// A value range mapped onto a colormap: lo to the start, hi to the end. Log10 needs 0 < lo < hi.
struct ValueScale {
    double lo = 0.0;
    double hi = 1.0;
    ScaleKind kind = ScaleKind::Linear;
    bool operator==(const ValueScale&) const = default;
};

// "Nice" tick values in [lo, hi], ascending: the multiples of one step (1, 2 or 5 x 10^k) that lie
// in the range, at most max(max_ticks, 2) of them, each computed as k x m / 10^e so that it prints
// exactly (0.3, never 0.30000000000000004; 0, never -0). When fewer than two multiples fit: {lo, hi}.
// Empty when lo or hi is not finite; {lo} when lo == hi; lo > hi is treated as [hi, lo].
std::vector<double> LinearTicks(double lo, double hi, int max_ticks);

// Powers of ten in [lo, hi] (0 < lo <= hi), ascending; every k-th decade, counted down from the
// top one, when more than max_ticks would fit. When no power of ten lies in the range: {lo, hi}.
// Empty for lo <= 0 or non-finite bounds.
std::vector<double> LogTicks(double lo, double hi, int max_ticks);

// Ticks of a scale: LinearTicks or LogTicks.
std::vector<double> TicksOf(const ValueScale& scale, int max_ticks);

// The one number format of colour bars, labels and legends: `significant` significant digits, no
// exponent between 1e-3 and 1e6 (trailing zeros dropped: "0.5", "12", "1,250,000" style digits
// without grouping: "1250000" is printed "1.25e+06"), exponent form outside ("1e-05", "2.4e+09").
// Anything that rounds to zero prints "0" (never "-0", "-0.00"); NaN prints "NaN"; inf "inf"/"-inf".
std::string FormatNumber(double value, int significant = 3);

// A value as a percentage with `significant` significant digits: 0.000135 -> "0.0135 %".
std::string FormatPercent(double fraction, int significant = 3);

// The smallest "nice" number (1, 2, 2.5, 5 x 10^k) >= value (> 0); 0 for value <= 0 or non-finite.
double NiceCeil(double value);

// Symmetric limits for signed values (logits, activations): [-m, m] with m = NiceCeil(max_abs),
// capped at `limit` when limit > 0 (values beyond it saturate). m is at least `floor` (> 0) so an
// all-zero figure still has a scale.
ValueScale SymmetricScale(double max_abs, double limit = 0.0, double floor = 1e-6);

// Probabilities: the fixed scale [0, 1]; with `automatic`, [0, NiceCeil(peak)] capped at 1.
ValueScale ProbabilityScale(bool automatic, double peak);

// One scale for figures compared side by side: [0, the largest of `maxima`] (non-finite and
// negative entries ignored; at least `floor`).
ValueScale SharedMaxScale(std::span<const double> maxima, double floor = 1.0);

// The density of a matrix: non-zeros / (rows x cols), in [0, 1]; 0 for an empty matrix. Exact in
// double for any int64 counts (no overflow: the product is formed in double).
double Density(Count nonzeros, Index rows, Index cols);

// Log density scale for one or more matrices compared side by side: [floor, 1] on Log10, where
// floor is the power of ten at or below a tenth of the smallest positive density (so the sparsest
// matrix's typical pixel sits one decade above the bottom of the map), clamped to [1e-12, 1e-1].
// Densities <= 0 are ignored; with none positive the floor is 1e-3.
ValueScale DensityScale(std::span<const double> densities);

// Where `value` falls on the scale, 0..1 (clamped); Log10 maps log10(value), values <= lo -> 0.
double ScalePosition(const ValueScale& scale, double value);

// WCAG relative luminance of an sRGB colour (components 0..1), 0 (black) .. 1 (white).
double RelativeLuminance(double r, double g, double b);

// Whether text on a cell of this colour should be dark (true) or light (false): the one of black
// or white with the larger contrast ratio.
bool DarkTextOn(double r, double g, double b);

}  // namespace lens
