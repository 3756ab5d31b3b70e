// conv_kron.hpp (core-internal, for conv_raster.cpp): the rasterizer's Kronecker factors of a
// convolution matrix, their closed-form prefix sums and tables, and the per-axis pixel plans.
//
// [SECTION] Rasterizer: Kronecker factors
// [SECTION] Rasterizer: pixel plans
#pragma once

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "conv_detail.hpp"

namespace lens::conv_detail {

// [SECTION] Rasterizer: Kronecker factors
//
// With channel-major flattening, entry (r, c) of M is a structural non-zero iff its channels are
// in the same group AND a tap links the output row to the input row AND a tap links the output
// column to the input column: pattern(M) = G (x) Y (x) X (position-major: Y (x) X (x) G). The
// number of non-zeros in a rectangle of a Kronecker product P (x) Q follows from prefix counts
// of the factors ("pre(R, C)" = count in [0, R) x [0, C)): with R = a*mQ + b, C = e*nQ + f,
//   pre(R, C) = P(a,e)*Qtot + [P(a,e+1) - P(a,e)]*Q(mQ,f) + [P(a+1,e) - P(a,e)]*Q(b,nQ)
//             + [P(a+1,e+1) - P(a+1,e) - P(a,e+1) + P(a,e)]*Q(b,f)
// (full blocks, the partial block column, the partial block row, the corner block), applied
// twice for three factors. Every pixel is then an inclusion-exclusion of four prefix values, so
// the cost is O(pixels) plus factor tables that depend only on the pixel boundaries, never on
// the number of rows or non-zeros. The same algebra gives weight sums (MeanValue: one term per
// tap, G replaced by that tap's weights) and index moments (ParameterId).


enum class FactorKind { Channel, Spatial };
// Channel: First/Second = output/input channel index (and squares); Weight = one tap's weights.
// Spatial: First = tap index along this axis (and square); Single = one tap only.
enum class FactorValue { Ones, First, FirstSq, Second, SecondSq, Weight, Single };

struct Factor {
    FactorKind kind = FactorKind::Spatial;
    FactorValue value = FactorValue::Ones;
    Index m = 1, n = 1;  // rows, cols
    // Channel: block diagonal, `groups` blocks of out_per_group x in_per_group.
    Index out_per_group = 1, in_per_group = 1;
    const float* weights = nullptr;  // Weight: PyTorch layout; this tap's weight is [(o*ipg + il)*taps + tap]
    Index taps = 1, tap = 0;
    // Spatial: 1-D kernel pattern, out x in.
    Index stride = 1, dilation = 1, pad_lo = 0, kernel = 1;
};

// sum_{k<n} k and sum_{k<n} k^2, in the engine's number type.
template <class T>
T SumTo(Index n) {
    return n <= 0 ? T(0) : T(n) * T(n - 1) / T(2);
}
template <class T>
T SumSqTo(Index n) {
    return n <= 0 ? T(0) : T(n - 1) * T(n) * T(2 * n - 1) / T(6);
}

// Prefix sum of a Channel factor (any value but Weight) over [0, a) x [0, e), closed form.
template <class T>
T ChannelPre(const Factor& f, Index a, Index e) {
    a = std::clamp<Index>(a, 0, f.m);
    e = std::clamp<Index>(e, 0, f.n);
    const Index mo = f.out_per_group, mi = f.in_per_group;
    const Index ga = a / mo, ra = a % mo, ge = e / mi, re = e % mi;
    // Groups below min(ga, ge) are whole blocks; group min(ga, ge) is partial; the rest is empty.
    const Index g = std::min(ga, ge);
    const Index rows = ga < ge ? ra : (ga > ge ? mo : ra);
    const Index cols = ga < ge ? mi : (ga > ge ? re : re);
    const Index o0 = g * mo, i0 = g * mi;
    switch (f.value) {
        case FactorValue::Ones: return T(g) * T(mo) * T(mi) + T(rows) * T(cols);
        case FactorValue::First: return T(mi) * SumTo<T>(o0) + T(cols) * (SumTo<T>(o0 + rows) - SumTo<T>(o0));
        case FactorValue::FirstSq: return T(mi) * SumSqTo<T>(o0) + T(cols) * (SumSqTo<T>(o0 + rows) - SumSqTo<T>(o0));
        case FactorValue::Second: return T(mo) * SumTo<T>(i0) + T(rows) * (SumTo<T>(i0 + cols) - SumTo<T>(i0));
        case FactorValue::SecondSq: return T(mo) * SumSqTo<T>(i0) + T(rows) * (SumSqTo<T>(i0 + cols) - SumSqTo<T>(i0));
        default: return T(0);  // Weight is always tabulated (BuildWeightTable)
    }
}

// Value carried by tap k of a Spatial factor (0 for taps it does not include).
template <class T>
T TapValue(const Factor& f, Index k) {
    switch (f.value) {
        case FactorValue::First: return T(k);
        case FactorValue::FirstSq: return T(k) * T(k);
        case FactorValue::Single: return T(k == f.tap ? 1 : 0);
        default: return T(1);
    }
}

// Output positions [lo, hi) whose tap k lands in input [0, y), clipped to [0, m).
inline void TapRange(const Factor& f, Index k, Index y, Index& lo, Index& hi) {
    const Index offset = f.pad_lo - k * f.dilation;
    lo = std::max<Index>(0, CeilDiv(offset, f.stride));
    hi = std::min(f.m, CeilDiv(y + offset, f.stride));
}

// Prefix sum of a Spatial factor over [0, x) x [0, y), O(kernel).
template <class T>
T SpatialPre(const Factor& f, Index x, Index y) {
    x = std::clamp<Index>(x, 0, f.m);
    y = std::clamp<Index>(y, 0, f.n);
    T sum = T(0);
    if (x == 0 || y == 0) return sum;
    const Index k_lo = f.value == FactorValue::Single ? f.tap : 0;
    const Index k_hi = f.value == FactorValue::Single ? f.tap + 1 : f.kernel;
    for (Index k = k_lo; k < k_hi; ++k) {
        Index lo = 0, hi = 0;
        TapRange(f, k, y, lo, hi);
        hi = std::min(hi, x);
        if (hi > lo) sum += TapValue<T>(f, k) * T(hi - lo);
    }
    return sum;
}

template <class T>
T FactorPre(const Factor& f, Index x, Index y) {
    return f.kind == FactorKind::Channel ? ChannelPre<T>(f, x, y) : SpatialPre<T>(f, x, y);
}

// Spatial table. Pre(x, y) = sum_k v_k * clamp(x - lo_k, 0, hi_k(y) - lo_k). Large kernels: for
// each y, sweep the sorted xs once: Pre is piecewise linear in x with slope changes at lo_k and
// hi_k, both non-increasing in k, so the breakpoints come sorted by walking k downwards;
// O(ys * (kernel + xs)) instead of O(ys * xs * kernel).
template <class T>
void BuildSpatialTable(const Factor& f, const std::vector<Index>& xs, const std::vector<Index>& ys, std::vector<T>& out) {
    const size_t nx = xs.size(), ny = ys.size();
    out.assign(nx * ny, T(0));
    const Index k_lo = f.value == FactorValue::Single ? f.tap : 0;
    const Index k_hi = f.value == FactorValue::Single ? f.tap + 1 : f.kernel;
    constexpr Index kDirectTaps = 16;
    if (k_hi - k_lo <= kDirectTaps) {
        // Few taps: evaluate sum_k v_k * clamp(x - lo_k, 0, len_k(y)) directly, row by row of the
        // table (contiguous stores, no branches); O(xs * ys * taps).
        const size_t taps = static_cast<size_t>(k_hi - k_lo);
        std::vector<Index> lo(taps);
        std::vector<T> len(taps * ny), weight(taps);  // len[t * ny + iy], in T so the loop below vectorizes
        for (size_t t = 0; t < taps; ++t) {
            const Index k = k_lo + static_cast<Index>(t);
            weight[t] = TapValue<T>(f, k);
            for (size_t iy = 0; iy < ny; ++iy) {
                Index a = 0, b = 0;
                TapRange(f, k, std::clamp<Index>(ys[iy], 0, f.n), a, b);
                lo[t] = a;  // independent of y
                len[t * ny + iy] = T(std::max<Index>(0, b - a));
            }
        }
        for (size_t ix = 0; ix < nx; ++ix) {
            const Index x = std::clamp<Index>(xs[ix], 0, f.m);
            T* row = out.data() + ix * ny;
            for (size_t t = 0; t < taps; ++t) {
                const T reach = T(std::max<Index>(x - lo[t], 0));
                const T w = weight[t];
                const T* l = len.data() + t * ny;
                for (size_t iy = 0; iy < ny; ++iy) row[iy] += w * std::min(reach, l[iy]);
            }
        }
        return;
    }
    std::vector<Index> starts, ends;
    std::vector<T> start_values, end_values;
    for (size_t iy = 0; iy < ny; ++iy) {
        const Index y = std::clamp<Index>(ys[iy], 0, f.n);
        starts.clear();
        ends.clear();
        start_values.clear();
        end_values.clear();
        for (Index k = k_hi - 1; k >= k_lo; --k) {  // ascending lo_k and hi_k
            Index lo = 0, hi = 0;
            TapRange(f, k, y, lo, hi);
            if (hi <= lo) continue;
            starts.push_back(lo);
            start_values.push_back(TapValue<T>(f, k));
            ends.push_back(hi);
            end_values.push_back(TapValue<T>(f, k));
        }
        // Merge the breakpoints with the queries; value advances by slope * distance.
        size_t s = 0, e = 0;
        Index at = 0;
        T value = T(0), slope = T(0);
        for (size_t ix = 0; ix < nx; ++ix) {
            const Index x = std::clamp<Index>(xs[ix], 0, f.m);
            while (true) {
                const Index next_start = s < starts.size() ? starts[s] : std::numeric_limits<Index>::max();
                const Index next_end = e < ends.size() ? ends[e] : std::numeric_limits<Index>::max();
                const Index next = std::min(next_start, next_end);
                if (next > x) break;
                value += slope * T(next - at);
                at = next;
                if (next_start == next) {
                    slope += start_values[s++];
                } else {
                    slope -= end_values[e++];
                }
            }
            value += slope * T(x - at);
            at = x;
            out[ix * ny + iy] = value;
        }
    }
}

// Weight table: prefix sums of one tap's block-diagonal weights at the (sorted) queried corners,
// adding one output channel (row) at a time. A query column y in group G sees the full sums of the
// rows of groups < G plus group G's rows prefixed up to y; rows of later groups add nothing. So
// only the current group keeps a per-column partial prefix, and a finished group's partial is
// kept at the queried columns inside it: O(weights of the tap + xs * ys), whatever the channels.
inline void BuildWeightTable(const Factor& f, const std::vector<Index>& xs, const std::vector<Index>& ys, std::vector<double>& out) {
    const size_t nx = xs.size(), ny = ys.size();
    const Index mo = f.out_per_group, mi = f.in_per_group;
    const Index groups = f.m / mo;
    out.assign(nx * ny, 0.0);
    std::vector<Index> query_group(ny), query_offset(ny);
    for (size_t iy = 0; iy < ny; ++iy) {
        const Index y = std::clamp<Index>(ys[iy], 0, f.n);
        query_group[iy] = y / mi;  // == groups for y == n
        query_offset[iy] = y - query_group[iy] * mi;
    }
    std::vector<double> before(static_cast<size_t>(groups) + 1, 0.0);  // full sums of the rows of groups < g
    std::vector<double> partial(static_cast<size_t>(mi) + 1, 0.0);     // current group's rows, prefix over its columns
    std::vector<double> finished(ny, 0.0);                              // a finished group's partial at the query
    Index group = 0;
    size_t next_query = 0;  // first query column not in a finished group (ys ascending)
    auto finish_group = [&] {
        before[static_cast<size_t>(group) + 1] = before[static_cast<size_t>(group)] + partial[static_cast<size_t>(mi)];
        for (; next_query < ny && query_group[next_query] <= group; ++next_query) {
            if (query_group[next_query] == group) finished[next_query] = partial[static_cast<size_t>(query_offset[next_query])];
        }
        ++group;
        std::fill(partial.begin(), partial.end(), 0.0);
    };
    auto store = [&](size_t row) {
        for (size_t iy = 0; iy < ny; ++iy) {
            const Index g = query_group[iy];
            double v = 0.0;
            if (g < group) {
                v = before[static_cast<size_t>(g)] + finished[iy];
            } else if (g == group) {
                v = before[static_cast<size_t>(g)] + partial[static_cast<size_t>(query_offset[iy])];
            } else {
                v = before[static_cast<size_t>(group)] + partial[static_cast<size_t>(mi)];
            }
            out[row * ny + iy] = v;
        }
    };
    size_t ix = 0;
    for (Index o = 0; ix < nx; ++o) {
        while (ix < nx && std::clamp<Index>(xs[ix], 0, f.m) <= o) store(ix++);
        if (o >= f.m || ix >= nx) break;
        while (o / mo > group) finish_group();
        double run = 0.0;
        for (Index il = 0; il < mi; ++il) {
            run += f.weights[(o * mi + il) * f.taps + f.tap];
            partial[static_cast<size_t>(il) + 1] += run;
        }
    }
}

// [SECTION] Rasterizer: pixel plans and the prefix-sum engine

// One viewport axis: the distinct matrix boundaries its pixels need, and each pixel's [lo, hi)
// as positions in that list.
struct AxisPlan {
    std::vector<Index> bounds;          // ascending, distinct, within [0, size]
    std::vector<int> lo, hi;            // per pixel: positions in bounds
    std::vector<Index> lo_val, hi_val;  // per pixel: the boundaries themselves (non-decreasing)
    Index start = 0, count = 1;
    double pixels_per_index = 0;        // for a first guess in the searches below
    bool zoomed_in = false;             // every pixel shows at most one index

    int Pixels() const { return static_cast<int>(lo.size()); }
    int Guess(Index i) const {
        const double p = static_cast<double>(i - start) * pixels_per_index;
        return static_cast<int>(std::clamp(p, 0.0, static_cast<double>(Pixels() - 1)));
    }
    // Pixels [first, last) whose index span meets [i_first, i_last]. A guess plus a short walk:
    // the partition is within a pixel of linear.
    std::pair<int, int> Meeting(Index i_first, Index i_last) const {
        const int n = Pixels();
        int first = Guess(i_first);
        while (first > 0 && hi_val[static_cast<size_t>(first) - 1] > i_first) --first;
        while (first < n && hi_val[static_cast<size_t>(first)] <= i_first) ++first;
        int last = Guess(i_last);
        while (last < n - 1 && lo_val[static_cast<size_t>(last) + 1] <= i_last) ++last;
        while (last >= 0 && lo_val[static_cast<size_t>(last)] > i_last) --last;
        return {first, last + 1};
    }
};

inline AxisPlan MakeAxisPlan(Index start, Index count, int pixels, Index size) {
    AxisPlan plan;
    plan.start = start;
    plan.count = count;
    plan.pixels_per_index = static_cast<double>(pixels) / static_cast<double>(count);
    plan.zoomed_in = count < pixels;
    plan.lo_val.resize(static_cast<size_t>(pixels));
    plan.hi_val.resize(static_cast<size_t>(pixels));
    for (int p = 0; p < pixels; ++p) {
        const IndexSpan span = PixelSpanOf(start, count, pixels, p);
        plan.lo_val[static_cast<size_t>(p)] = std::clamp<Index>(span.lo, 0, size);  // outside the matrix: empty
        plan.hi_val[static_cast<size_t>(p)] = std::clamp<Index>(span.hi, 0, size);
    }
    // Both ends are non-decreasing in p: merge rather than sort, and find positions by walking.
    plan.bounds.resize(2 * static_cast<size_t>(pixels));
    std::merge(plan.lo_val.begin(), plan.lo_val.end(), plan.hi_val.begin(), plan.hi_val.end(), plan.bounds.begin());
    plan.bounds.erase(std::unique(plan.bounds.begin(), plan.bounds.end()), plan.bounds.end());
    plan.lo.resize(static_cast<size_t>(pixels));
    plan.hi.resize(static_cast<size_t>(pixels));
    size_t at_lo = 0, at_hi = 0;
    for (size_t p = 0; p < static_cast<size_t>(pixels); ++p) {
        while (plan.bounds[at_lo] < plan.lo_val[p]) ++at_lo;
        while (plan.bounds[at_hi] < plan.hi_val[p]) ++at_hi;
        plan.lo[p] = static_cast<int>(at_lo);
        plan.hi[p] = static_cast<int>(at_hi);
    }
    return plan;
}

// Hull [lo, hi) of the columns where rows [x_first, x_last] of a factor have non-zeros (empty:
// lo >= hi). A superset is fine: it only widens the windows the sparse path evaluates.
inline IndexSpan RowHull(const Factor& f, Index x_first, Index x_last) {
    if (f.kind == FactorKind::Channel) {
        return {(x_first / f.out_per_group) * f.in_per_group, (x_last / f.out_per_group + 1) * f.in_per_group};
    }
    const Index k_lo = f.value == FactorValue::Single ? f.tap : 0;
    const Index k_hi = f.value == FactorValue::Single ? f.tap : f.kernel - 1;
    const Index lo = x_first * f.stride - f.pad_lo + k_lo * f.dilation;
    const Index hi = x_last * f.stride - f.pad_lo + k_hi * f.dilation + 1;
    return {std::max<Index>(lo, 0), std::min(hi, f.n)};
}

// Exact rectangle sums of a three-factor Kronecker product L0 (x) L1 (x) L2 over every pixel.

}  // namespace lens::conv_detail
