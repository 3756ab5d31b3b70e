// conv_kron_engine.hpp (core-internal, for conv_raster.cpp): the prefix-sum engine that gives exact
// rectangle sums of a three-factor Kronecker product over every pixel of a viewport.
//
// [SECTION] Rasterizer: the prefix-sum engine
#pragma once

#include <algorithm>
#include <array>
#include <vector>

#include "conv_kron.hpp"

namespace lens::conv_detail {

template <class T>
class KronEngine {
public:
    KronEngine(const std::array<Factor, 3>& factors, const AxisPlan& rows, const AxisPlan& cols)
        : m_rows(rows), m_cols(cols) {
        const size_t nr = rows.bounds.size(), nc = cols.bounds.size();
        for (int k = 0; k < 3; ++k) m_levels[k].f = factors[k];
        // Split each boundary into per-level coordinates: R = (x0 * m1 + x1) * m2 + x2.
        for (int k = 0; k < 3; ++k) {
            m_levels[k].x.resize(nr);
            m_levels[k].y.resize(nc);
        }
        const Index m1 = factors[1].m, m2 = factors[2].m, n1 = factors[1].n, n2 = factors[2].n;
        for (size_t r = 0; r < nr; ++r) {
            const Index v = rows.bounds[r];
            m_levels[2].x[r] = v % m2;
            m_levels[1].x[r] = (v / m2) % m1;
            m_levels[0].x[r] = v / m2 / m1;
        }
        for (size_t c = 0; c < nc; ++c) {
            const Index v = cols.bounds[c];
            m_levels[2].y[c] = v % n2;
            m_levels[1].y[c] = (v / n2) % n1;
            m_levels[0].y[c] = v / n2 / n1;
        }
        for (Level& level : m_levels) PrepareLevel(level);
        m_m1 = m1;
        m_m2 = m2;
        m_n1 = n1;
        m_n2 = n2;
        m_fcoord.resize(nc);
        for (size_t c = 0; c < nc; ++c) m_fcoord[c] = cols.bounds[c] % (n1 * n2);
        // Pixels per level-0 column block when that is a whole number: the pixel grid then repeats
        // with the matrix (see SparsePiece).
        Index shift = 0;
        if (!__builtin_mul_overflow(n1 * n2, static_cast<Index>(cols.Pixels()), &shift) && shift % cols.count == 0) {
            m_period_px = shift / cols.count;
        }
        // Totals and the partial-row / partial-column prefixes of the inner products Q1 = L2 and
        // Q0 = L1 (x) L2 (the level formula with the other coordinate at its full extent).
        const Level &l1 = m_levels[1], &l2 = m_levels[2];
        m_qtot1 = At(l2, l2.f.m, l2.x_full, l2.f.n, l2.y_full);
        m_qtot0 = At(l1, l1.f.m, l1.x_full, l1.f.n, l1.y_full) * m_qtot1;
        m_qcol1.resize(nc);
        m_qcol0.resize(nc);
        for (size_t c = 0; c < nc; ++c) {
            m_qcol1[c] = At(l2, l2.f.m, l2.x_full, l2.y[c], l2.iy0[c]);
            const T a = At(l1, l1.f.m, l1.x_full, l1.y[c], l1.iy0[c]);
            const T b = At(l1, l1.f.m, l1.x_full, l1.y[c] + 1, l1.iy1[c]);
            m_qcol0[c] = a * m_qtot1 + (b - a) * m_qcol1[c];
        }
        m_qrow1.resize(nr);
        m_qrow0.resize(nr);
        for (size_t r = 0; r < nr; ++r) {
            m_qrow1[r] = At(l2, l2.x[r], l2.ix0[r], l2.f.n, l2.y_full);
            const T a = At(l1, l1.x[r], l1.ix0[r], l1.f.n, l1.y_full);
            const T b = At(l1, l1.x[r] + 1, l1.ix1[r], l1.f.n, l1.y_full);
            m_qrow0[r] = a * m_qtot1 + (b - a) * m_qrow1[r];
        }
    }

    // Pixel runs [first, end) of a row that the sparse path evaluated; the rest of the row is 0.
    using Runs = std::vector<std::pair<int, int>>;
    // Pixels [first, end) equal the pixel `period` to their left (period 0: none). See SparsePiece.
    struct Repeat {
        int first = 0, end = 0, period = 0;
    };

    // Calls sink(py, values, repeat, runs, copy) for every pixel row: values = that row's exact sums
    // (width entries); repeat = same values as the previous call; runs = where values may be
    // non-zero, or nullptr when the whole row was evaluated. With kSinkCopies the sink applies
    // `copy` itself (values are then 0 there); otherwise copy is always empty.
    template <bool kSinkCopies = false, class Sink>
    void Run(Sink&& sink) const {
        const size_t width = m_cols.lo.size(), nc = m_cols.bounds.size();
        std::vector<T> slot[2] = {std::vector<T>(nc), std::vector<T>(nc)};
        int slot_bound[2] = {-1, -1};
        std::vector<T> band(nc), values(width, T(0));
        // Prefix rows are cached: zoomed out, a pixel row's upper boundary is the next one's lower.
        auto fetch = [&](int want, int keep) -> const T* {
            for (int s = 0; s < 2; ++s) {
                if (slot_bound[s] == want) return slot[s].data();
            }
            const int s = slot_bound[0] == keep ? 1 : 0;
            PrefixRow(static_cast<size_t>(want), slot[s].data());
            slot_bound[s] = want;
            return slot[s].data();
        };
        Runs runs, dirty;        // dirty: where values may be non-zero (all of it when dirty_all)
        bool dirty_all = false;
        auto clear = [&] {       // zero values, touching only what the last row wrote
            if (dirty_all) {
                std::fill(values.begin(), values.end(), T(0));
            } else {
                for (const auto& [first, end] : dirty) std::fill(values.begin() + first, values.begin() + end, T(0));
            }
            dirty_all = false;
            dirty.clear();
        };
        const Runs* row_runs = nullptr;
        Repeat copy;
        int previous_lo = -1, previous_hi = -1;
        for (size_t py = 0; py < m_rows.lo.size(); ++py) {
            const int lo = m_rows.lo[py], hi = m_rows.hi[py];
            if (lo == previous_lo && hi == previous_hi) {  // zoomed in: same rows as above
                sink(static_cast<int>(py), values.data(), true, row_runs, copy);
                continue;
            }
            previous_lo = lo;
            previous_hi = hi;
            runs.clear();
            row_runs = &runs;
            copy = Repeat{};
            clear();
            if (lo == hi) {
                // no rows: all zero
            } else if (SparseBand(lo, hi, values.data(), runs, copy)) {
                if (!kSinkCopies && copy.period > 0) {
                    for (int p = copy.first; p < copy.end; ++p) values[static_cast<size_t>(p)] = values[static_cast<size_t>(p - copy.period)];
                    runs.emplace_back(copy.first, copy.end);
                    copy = Repeat{};
                }
                dirty = runs;
            } else {
                row_runs = nullptr;
                dirty_all = true;
                const T* upper = fetch(hi, lo);
                const T* lower = fetch(lo, hi);
                for (size_t c = 0; c < nc; ++c) band[c] = upper[c] - lower[c];
                const int* col_lo = m_cols.lo.data();
                const int* col_hi = m_cols.hi.data();
                for (size_t px = 0; px < width; ++px) values[px] = band[static_cast<size_t>(col_hi[px])] - band[static_cast<size_t>(col_lo[px])];
            }
            sink(static_cast<int>(py), values.data(), false, row_runs, copy);
        }
    }

private:
    struct Level {
        Factor f;
        std::vector<Index> x, y;          // coordinate of each row / column boundary at this level
        bool table = false;               // prefix values tabulated at xs x ys
        std::vector<Index> xs, ys;        // tabulated coordinates (ascending)
        std::vector<T> values;            // values[ix * ys.size() + iy]
        std::vector<int> ix0, ix1;        // per row boundary: position of x and x + 1 in xs
        std::vector<int> iy0, iy1;        // per column boundary: position of y and y + 1 in ys
        int x_full = 0, y_full = 0;       // position of m in xs and n in ys
    };

    // Tables beyond this many bytes are evaluated on the fly instead (slower, O(kernel) a value).
    static constexpr size_t kTableBytes = size_t{48} << 20;

    // Sorted distinct {v, v + 1 (capped), extent}: a marker array when the extent is small, a sort otherwise.
    static void Coordinates(const std::vector<Index>& coords, Index extent, std::vector<Index>& out) {
        out.clear();
        if (extent <= 8 * static_cast<Index>(coords.size()) + 64) {
            std::vector<unsigned char> used(static_cast<size_t>(extent) + 1, 0);
            for (Index v : coords) used[static_cast<size_t>(v)] = used[static_cast<size_t>(std::min(v + 1, extent))] = 1;
            used[static_cast<size_t>(extent)] = 1;
            for (Index v = 0; v <= extent; ++v) {
                if (used[static_cast<size_t>(v)]) out.push_back(v);
            }
            return;
        }
        out.reserve(2 * coords.size() + 1);
        for (Index v : coords) {
            out.push_back(v);
            out.push_back(std::min(v + 1, extent));
        }
        out.push_back(extent);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }

    static void Positions(const std::vector<Index>& sorted, const std::vector<Index>& coords, Index extent,
                          std::vector<int>& at, std::vector<int>& at_next) {
        at.resize(coords.size());
        at_next.resize(coords.size());
        if (extent <= 8 * static_cast<Index>(coords.size()) + 64) {  // small extent: a lookup table
            std::vector<int> position(static_cast<size_t>(extent) + 1, 0);
            for (size_t i = 0; i < sorted.size(); ++i) position[static_cast<size_t>(sorted[i])] = static_cast<int>(i);
            for (size_t i = 0; i < coords.size(); ++i) {
                at[i] = position[static_cast<size_t>(coords[i])];
                at_next[i] = position[static_cast<size_t>(std::min(coords[i] + 1, extent))];
            }
            return;
        }
        for (size_t i = 0; i < coords.size(); ++i) {
            auto find = [&](Index v) {
                return static_cast<int>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
            };
            at[i] = find(coords[i]);
            at_next[i] = find(std::min(coords[i] + 1, extent));
        }
    }

    void PrepareLevel(Level& level) {
        const Factor& f = level.f;
        Coordinates(level.x, f.m, level.xs);
        Coordinates(level.y, f.n, level.ys);
        Positions(level.xs, level.x, f.m, level.ix0, level.ix1);
        Positions(level.ys, level.y, f.n, level.iy0, level.iy1);
        level.x_full = static_cast<int>(level.xs.size()) - 1;  // m is the largest coordinate
        level.y_full = static_cast<int>(level.ys.size()) - 1;
        const size_t entries = level.xs.size() * level.ys.size();
        const bool weight = f.kind == FactorKind::Channel && f.value == FactorValue::Weight;
        level.table = weight || entries * sizeof(T) <= kTableBytes;
        if (!level.table) return;
        if (weight) {
            if constexpr (std::is_same_v<T, double>) BuildWeightTable(f, level.xs, level.ys, level.values);
        } else if (f.kind == FactorKind::Spatial) {
            BuildSpatialTable<T>(f, level.xs, level.ys, level.values);
        } else {
            level.values.resize(entries);
            for (size_t ix = 0; ix < level.xs.size(); ++ix) {
                for (size_t iy = 0; iy < level.ys.size(); ++iy) {
                    level.values[ix * level.ys.size() + iy] = ChannelPre<T>(f, level.xs[ix], level.ys[iy]);
                }
            }
        }
    }

    // Prefix value of a level's factor at (x, y), whose table positions are (ix, iy).
    static T At(const Level& level, Index x, int ix, Index y, int iy) {
        if (level.table) return level.values[static_cast<size_t>(ix) * level.ys.size() + static_cast<size_t>(iy)];
        return FactorPre<T>(level.f, x, y);
    }

    // pre(R, C) for row boundary r and every column boundary.
    void PrefixRow(size_t r, T* out) const {
        const Level &l0 = m_levels[0], &l1 = m_levels[1], &l2 = m_levels[2];
        const size_t nc = m_cols.bounds.size();
        const T qrow0 = m_qrow0[r], qrow1 = m_qrow1[r], qtot0 = m_qtot0, qtot1 = m_qtot1;
        // One level of the Kronecker formula: P at the four corners around (x, y), inner value v.
        auto combine = [](T p00, T p01, T p10, T p11, T qtot, T qcol, T qrow, T v) {
            return p00 * qtot + (p01 - p00) * qcol + (p10 - p00) * qrow + (p11 - p10 - p01 + p00) * v;
        };
        if (l0.table && l1.table && l2.table) {
            // The hot loop: table lookups only.
            const size_t n0 = l0.ys.size(), n1 = l1.ys.size(), n2 = l2.ys.size();
            const T* a0 = l0.values.data() + static_cast<size_t>(l0.ix0[r]) * n0;
            const T* a1 = l0.values.data() + static_cast<size_t>(l0.ix1[r]) * n0;
            const T* b0 = l1.values.data() + static_cast<size_t>(l1.ix0[r]) * n1;
            const T* b1 = l1.values.data() + static_cast<size_t>(l1.ix1[r]) * n1;
            const T* c0 = l2.values.data() + static_cast<size_t>(l2.ix0[r]) * n2;
            const int *y0a = l0.iy0.data(), *y0b = l0.iy1.data(), *y1a = l1.iy0.data(), *y1b = l1.iy1.data();
            const int* y2a = l2.iy0.data();
            const T *qcol0 = m_qcol0.data(), *qcol1 = m_qcol1.data();
            for (size_t c = 0; c < nc; ++c) {
                const T v2 = c0[y2a[c]];
                const T v1 = combine(b0[y1a[c]], b0[y1b[c]], b1[y1a[c]], b1[y1b[c]], qtot1, qcol1[c], qrow1, v2);
                out[c] = combine(a0[y0a[c]], a0[y0b[c]], a1[y0a[c]], a1[y0b[c]], qtot0, qcol0[c], qrow0, v1);
            }
            return;
        }
        auto corners = [&](const Level& l, size_t c, T& p00, T& p01, T& p10, T& p11) {
            const Index x = l.x[r], y = l.y[c];
            p00 = At(l, x, l.ix0[r], y, l.iy0[c]);
            p01 = At(l, x, l.ix0[r], y + 1, l.iy1[c]);
            p10 = At(l, x + 1, l.ix1[r], y, l.iy0[c]);
            p11 = At(l, x + 1, l.ix1[r], y + 1, l.iy1[c]);
        };
        for (size_t c = 0; c < nc; ++c) {
            const T v2 = At(l2, l2.x[r], l2.ix0[r], l2.y[c], l2.iy0[c]);
            T p00, p01, p10, p11;
            corners(l1, c, p00, p01, p10, p11);
            const T v1 = combine(p00, p01, p10, p11, qtot1, m_qcol1[c], qrow1, v2);
            corners(l0, c, p00, p01, p10, p11);
            out[c] = combine(p00, p01, p10, p11, qtot0, m_qcol0[c], qrow0, v1);
        }
    }

    // Sparse path. A pixel row's rows [R0, R1) inside one level-0 block a give the column function
    //   B(C) = pre(R1, C) - pre(R0, C) = D0(a, e) * dq + E0(a, e) * I(f),   C = e * nQ + f,
    // (D0: row a's prefix up to e, E0: its entry at e, dq: the rows' total in Q, I: their prefix in
    // Q up to column f). I is 0 below the rows' column hull [f_lo, f_hi) in Q and dq above it, and
    // E0 vanishes outside row a's hull in L0, so B is constant outside the windows
    // e * nQ + [f_lo, f_hi): only pixels meeting a window are evaluated, the rest are 0. A pixel
    // row crossing one block boundary is two such pieces; more (or too many windows): dense path.
    // values must be all zero on entry.
    bool SparseBand(int lo, int hi, T* values, Runs& runs, Repeat& copy) const {
        const Index mq = m_m1 * m_m2;
        const Index r0 = m_rows.bounds[static_cast<size_t>(lo)], r1 = m_rows.bounds[static_cast<size_t>(hi)];
        const Index a0 = r0 / mq, a1 = (r1 - 1) / mq;
        if (a1 > a0 + 1) return false;
        if (a0 == a1) return SparsePiece(a0, lo, hi, r1 == (a0 + 1) * mq, &copy, values, runs);
        return SparsePiece(a0, lo, -1, true, nullptr, values, runs) &&
               SparsePiece(a1, -1, hi, r1 == (a1 + 1) * mq, nullptr, values, runs);
    }

    // Adds the piece of block a between row boundary `lo` (-1: the block's start) and `hi` (or the
    // block's end when at_end) to values. `copy` (non-null when the piece is the whole pixel row)
    // receives the pixels that repeat instead of being written. False: too many windows, use the
    // dense path.
    bool SparsePiece(Index a, int lo, int hi, bool at_end, Repeat* copy, T* values, Runs& runs) const {
        const Level &l0 = m_levels[0], &l1 = m_levels[1], &l2 = m_levels[2];
        const Index mq = m_m1 * m_m2, nq = m_n1 * m_n2;
        const bool at_start = lo < 0;
        const Index b0 = at_start ? 0 : m_rows.bounds[static_cast<size_t>(lo)] - a * mq;
        const Index b1 = at_end ? mq : m_rows.bounds[static_cast<size_t>(hi)] - a * mq;
        if (b0 >= b1) return true;
        // Column hulls: of the rows in Q (flattened to f), and of row a in L0.
        const Index x1_first = b0 / m_m2, x1_last = (b1 - 1) / m_m2;
        const IndexSpan h1 = RowHull(l1.f, x1_first, x1_last);
        const IndexSpan h2 = x1_first == x1_last ? RowHull(l2.f, b0 % m_m2, (b1 - 1) % m_m2) : RowHull(l2.f, 0, m_m2 - 1);
        const IndexSpan h0 = RowHull(l0.f, a, a);
        if (h0.lo >= h0.hi || h1.lo >= h1.hi || h2.lo >= h2.hi) return true;  // no non-zeros
        const Index f_lo = h1.lo * m_n2 + h2.lo, f_hi = (h1.hi - 1) * m_n2 + h2.hi;
        const bool whole = f_lo == 0 && f_hi == nq;
        if (!whole && h0.hi - h0.lo > 4 * static_cast<Index>(m_cols.Pixels()) + 64) return false;

        int ia = 0, ia1 = 0;  // table positions of a and a + 1 in level 0
        if (l0.table) {
            ia = static_cast<int>(std::lower_bound(l0.xs.begin(), l0.xs.end(), a) - l0.xs.begin());
            ia1 = static_cast<int>(std::lower_bound(l0.xs.begin(), l0.xs.end(), std::min(a + 1, l0.f.m)) - l0.xs.begin());
            if (static_cast<size_t>(ia1) >= l0.xs.size() || l0.xs[static_cast<size_t>(ia)] != a) return false;
        }
        const T dq = (at_end ? m_qtot0 : m_qrow0[static_cast<size_t>(hi)]) - (at_start ? T(0) : m_qrow0[static_cast<size_t>(lo)]);

        const bool fast_inner = l1.table && l2.table;
        InnerRow upper_row, lower_row;
        if (fast_inner) {
            if (!at_end) upper_row = MakeInnerRow(static_cast<size_t>(hi));
            if (!at_start) lower_row = MakeInnerRow(static_cast<size_t>(lo));
        }
        // B at a column boundary, with row a's D0/E0 cached per e and I memoised per f (windows of
        // different channels often share their offsets f).
        Index cached_e = -1;
        T d0 = T(0), e0 = T(0);
        std::array<Index, kMemo> memo_f;
        std::array<T, kMemo> memo_v;
        memo_f.fill(-1);
        auto inner = [&](size_t c) __attribute__((always_inline)) -> T {
            const Index f = m_fcoord[c];
            if (f <= f_lo) return T(0);
            if (f >= f_hi) return dq;
            // Fibonacci hashing: offsets are often multiples of a large power of two.
            const size_t slot = static_cast<size_t>((static_cast<std::uint64_t>(f) * 0x9E3779B97F4A7C15ull) >> 58);
            if (memo_f[slot] == f) return memo_v[slot];
            T upper, lower;
            if (fast_inner) {
                // Both inner levels tabulated: direct row pointers, shared column lookups.
                const int y1a = l1.iy0[c], y1b = l1.iy1[c], y2 = l2.iy0[c];
                const T qcol1 = m_qcol1[c];
                auto v1 = [&](const InnerRow& row) __attribute__((always_inline)) {
                    const T p00 = row.p0[y1a], p01 = row.p0[y1b], p10 = row.p1[y1a], p11 = row.p1[y1b];
                    return p00 * m_qtot1 + (p01 - p00) * qcol1 + (p10 - p00) * row.qrow1 + (p11 - p10 - p01 + p00) * row.v2[y2];
                };
                upper = at_end ? m_qcol0[c] : v1(upper_row);
                lower = at_start ? T(0) : v1(lower_row);
            } else {
                upper = at_end ? m_qcol0[c] : V1(static_cast<size_t>(hi), c);
                lower = at_start ? T(0) : V1(static_cast<size_t>(lo), c);
            }
            memo_f[slot] = f;
            memo_v[slot] = upper - lower;
            return upper - lower;
        };
        auto column = [&](size_t c) __attribute__((always_inline)) -> T {
            const Index e = l0.y[c];
            if (e != cached_e) {
                cached_e = e;
                const T p00 = At(l0, a, ia, e, l0.iy0[c]), p01 = At(l0, a, ia, e + 1, l0.iy1[c]);
                const T p10 = At(l0, a + 1, ia1, e, l0.iy0[c]), p11 = At(l0, a + 1, ia1, e + 1, l0.iy1[c]);
                d0 = p10 - p00;
                e0 = p11 - p10 - p01 + p00;
            }
            return d0 * dq + e0 * inner(c);
        };
        // Pixels meeting the windows, merged into runs and evaluated run by run.
        int run_first = 0, run_end = 0;
        auto evaluate = [&](int first, int end) {
            runs.emplace_back(first, end);
            int last_lo = -1, last_hi = -1, cached_bound = -1;
            T cached_value = T(0), delta = T(0);
            for (int p = first; p < end; ++p) {
                const int c_lo = m_cols.lo[static_cast<size_t>(p)], c_hi = m_cols.hi[static_cast<size_t>(p)];
                if (c_lo != last_lo || c_hi != last_hi) {
                    const T low = c_lo == cached_bound ? cached_value : column(static_cast<size_t>(c_lo));
                    const T high = column(static_cast<size_t>(c_hi));
                    cached_bound = c_hi;
                    cached_value = high;
                    delta = high - low;
                    last_lo = c_lo;
                    last_hi = c_hi;
                }
                values[p] += delta;
            }
        };
        const Index view_first = m_cols.start, view_last = m_cols.start + m_cols.count - 1;
        int floor_px = 0;  // pixels below are final already (copied)
        auto window = [&](Index first, Index last) {
            first = std::max(first, view_first);
            last = std::min(last, view_last);
            if (first > last) return;
            auto [p_first, p_end] = m_cols.Meeting(first, last);
            p_first = std::max(p_first, floor_px);
            if (p_first >= p_end) return;
            if (p_first <= run_end && run_end > run_first) {
                run_end = std::max(run_end, p_end);
                return;
            }
            if (run_end > run_first) evaluate(run_first, run_end);
            run_first = p_first;
            run_end = p_end;
        };
        if (whole) {
            window(h0.lo * nq, h0.hi * nq - 1);
            if (run_end > run_first) evaluate(run_first, run_end);
            return true;
        }
        // Periodic shortcut. When row a of L0 is constant over its hull (ones, or a value that
        // depends on the row only), B(C + nQ) = B(C) + E0 * dq for e(C) in [e_lo, e_hi - 1): a pixel
        // whose ends lie there has the same value as the pixel one block to the left. If the pixel
        // grid also repeats every nQ columns (period_px whole pixels), window e is window e - 1
        // copied: evaluate two windows, copy up to window e_hi - 2, evaluate the last.
        const bool constant_row = l0.f.kind == FactorKind::Channel &&
                                  (l0.f.value == FactorValue::Ones || l0.f.value == FactorValue::First ||
                                   l0.f.value == FactorValue::FirstSq);
        Index e = h0.lo;
        const Index t_first = (h0.lo + 1) * nq + f_lo, t_last = (h0.lo + 1) * nq + f_hi - 1;
        if (copy && constant_row && m_period_px > 0 && h0.hi - h0.lo >= 5 && t_first >= view_first && t_last <= view_last) {
            window(h0.lo * nq + f_lo, h0.lo * nq + f_hi - 1);
            window(t_first, t_last);
            if (run_end > run_first) evaluate(run_first, run_end);
            run_first = run_end = 0;
            // Every pixel from window e_lo + 2 to the end of window e_hi - 2 (gaps included: they
            // are 0 like their sources) equals the pixel one period to the left.
            const auto [tf, te] = m_cols.Meeting(t_first, t_last);
            const Index period = m_period_px;
            const int first = static_cast<int>(std::min<Index>(tf + period, m_cols.Pixels()));
            const int end = static_cast<int>(std::min<Index>(te + (h0.hi - h0.lo - 3) * period, m_cols.Pixels()));
            if (end > first) *copy = Repeat{first, end, static_cast<int>(period)};
            floor_px = std::max(first, end);
            e = h0.hi - 1;
        }
        for (; e < h0.hi; ++e) window(e * nq + f_lo, e * nq + f_hi - 1);
        if (run_end > run_first) evaluate(run_first, run_end);
        return true;
    }

    // A row boundary's view into tabulated levels 1 and 2: rows x1 and x1 + 1 of L1, row x2 of L2.
    struct InnerRow {
        const T* p0 = nullptr;
        const T* p1 = nullptr;
        const T* v2 = nullptr;
        T qrow1 = T(0);
    };
    InnerRow MakeInnerRow(size_t r) const {
        const Level &l1 = m_levels[1], &l2 = m_levels[2];
        return {l1.values.data() + static_cast<size_t>(l1.ix0[r]) * l1.ys.size(),
                l1.values.data() + static_cast<size_t>(l1.ix1[r]) * l1.ys.size(),
                l2.values.data() + static_cast<size_t>(l2.ix0[r]) * l2.ys.size(), m_qrow1[r]};
    }

    // Prefix of Q0 = L1 (x) L2 at (row boundary r's inner row, column boundary c's f).
    T V1(size_t r, size_t c) const {
        const Level &l1 = m_levels[1], &l2 = m_levels[2];
        const T v2 = At(l2, l2.x[r], l2.ix0[r], l2.y[c], l2.iy0[c]);
        const Index x = l1.x[r], y = l1.y[c];
        const T p00 = At(l1, x, l1.ix0[r], y, l1.iy0[c]), p01 = At(l1, x, l1.ix0[r], y + 1, l1.iy1[c]);
        const T p10 = At(l1, x + 1, l1.ix1[r], y, l1.iy0[c]), p11 = At(l1, x + 1, l1.ix1[r], y + 1, l1.iy1[c]);
        return p00 * m_qtot1 + (p01 - p00) * m_qcol1[c] + (p10 - p00) * m_qrow1[r] + (p11 - p10 - p01 + p00) * v2;
    }

    static constexpr size_t kMemo = 64;

    const AxisPlan& m_rows;
    const AxisPlan& m_cols;
    Index m_m1 = 1, m_m2 = 1, m_n1 = 1, m_n2 = 1;
    Index m_period_px = 0;        // pixels per level-0 column block, 0 when not a whole number
    std::vector<Index> m_fcoord;  // per column boundary: its offset f inside its level-0 block
    std::array<Level, 3> m_levels;
    T m_qtot0 = T(0), m_qtot1 = T(0);
    std::vector<T> m_qcol0, m_qcol1, m_qrow0, m_qrow1;
};

}  // namespace lens::conv_detail
