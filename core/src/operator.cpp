// operator.cpp: the pixel <-> index partition and the generic (slow, simple) helpers every
// StructuredMatrix gets for free: reference rasterizer, reference product, dense and sparse
// materialisation under a budget, MatrixMarket export.
//
// [SECTION] Pixel partition
// [SECTION] StructuredMatrix defaults
// [SECTION] Reference rasterizer and product
// [SECTION] Dense, sparse, MatrixMarket
#include "lens/operator.hpp"

#include "lens/atomic_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

namespace lens {
namespace {

__extension__ typedef __int128 Int128;  // pixel <-> index products reach 2^63 * 2^13

// floor(p * count / pixels) without overflow (64-bit division when the product fits: 128-bit
// division is a slow library call).
Index PartitionPoint(Index count, int pixels, Index p) {
    if (count <= std::numeric_limits<Index>::max() / (kMaxRasterSide + 1)) return p * count / pixels;
    return static_cast<Index>(static_cast<Int128>(p) * count / pixels);
}

// ceil(a / b) for a >= 0, b > 0.
Int128 CeilDiv128(Int128 a, Int128 b) { return (a + b - 1) / b; }

bool ViewportValid(const Viewport& vp) {
    if (vp.rows < 1 || vp.cols < 1) return false;
    if (vp.width_px < 1 || vp.height_px < 1 || vp.width_px > kMaxRasterSide || vp.height_px > kMaxRasterSide) return false;
    Index end = 0;
    return !__builtin_add_overflow(vp.row0, vp.rows, &end) && !__builtin_add_overflow(vp.col0, vp.cols, &end);
}

void SetError(std::string* out, std::string message) {
    if (out) *out = std::move(message);
}

}  // namespace

// [SECTION] Pixel partition

IndexSpan PixelSpanOf(Index start, Index count, int pixels, int p) {
    if (count < 1 || pixels < 1 || p < 0 || p >= pixels) return {start, start};
    const Index lo = start + PartitionPoint(count, pixels, p);
    // Zoomed in, each pixel shows exactly one index; zoomed out, consecutive partition points.
    const Index hi = count >= pixels ? start + PartitionPoint(count, pixels, p + 1) : lo + 1;
    return {lo, hi};
}

IndexSpan PixelsShowing(Index start, Index count, int pixels, Index i) {
    if (count < 1 || pixels < 1) return {0, 0};
    Index offset = 0;
    if (__builtin_sub_overflow(i, start, &offset) || offset < 0 || offset >= count) return {0, 0};
    if (count >= pixels) {
        // The last p with floor(p * count / pixels) <= offset.
        const Int128 p = (static_cast<Int128>(offset + 1) * pixels - 1) / count;
        return {static_cast<Index>(p), static_cast<Index>(p) + 1};
    }
    // Pixels p with floor(p * count / pixels) == offset.
    const Int128 lo = CeilDiv128(static_cast<Int128>(offset) * pixels, count);
    const Int128 hi = CeilDiv128(static_cast<Int128>(offset + 1) * pixels, count);
    return {static_cast<Index>(lo), static_cast<Index>(hi)};
}

Viewport WholeMatrix(const StructuredMatrix& m, int width_px, int height_px) {
    return Viewport{0, 0, m.Rows(), m.Cols(), width_px, height_px};
}

// [SECTION] StructuredMatrix defaults

std::optional<Index> StructuredMatrix::ParameterAt(Index row, Index col) const {
    std::optional<Index> found;
    ForEachInRow(row, [&](Index c, Index param) {
        if (c == col) found = param;
    });
    return found;
}

// std::string(prefix).append(...) rather than "prefix" + std::string: GCC 12 raises a false
// -Wrestrict on the latter at -O3 (GCC bug 105329).
std::string StructuredMatrix::RowLabel(Index row) const { return std::string("row ").append(std::to_string(row)); }
std::string StructuredMatrix::ColLabel(Index col) const { return std::string("col ").append(std::to_string(col)); }
std::string StructuredMatrix::ParameterLabel(Index param) const { return std::string("p").append(std::to_string(param)); }

EntryCoords StructuredMatrix::RowCoords(Index row) const { return {EntryCoords::Side::Output, {{"i", row}}}; }
EntryCoords StructuredMatrix::ColCoords(Index col) const { return {EntryCoords::Side::Input, {{"j", col}}}; }

std::vector<WeightRef> StructuredMatrix::ParameterWeights(Index param) const {
    if (param < 0 || param >= Parameters()) return {};
    return {WeightRef{"p", {{"p", param}}, ParameterValue(param), false}};
}

EntryInfo StructuredMatrix::Entry(Index row, Index col) const {
    EntryInfo info;
    info.out = RowCoords(row);
    info.in = ColCoords(col);
    info.inside = row >= 0 && row < Rows() && col >= 0 && col < Cols();
    if (!info.inside) return info;
    info.parameter = ParameterAt(row, col);
    info.structural = info.parameter.has_value();
    if (info.parameter) {
        info.weights = ParameterWeights(*info.parameter);
        info.value = ParameterValue(*info.parameter);
    }
    return info;
}

// [SECTION] Reference rasterizer and product

void RasterizeByRows(const StructuredMatrix& m, const Viewport& vp, RasterMode mode, Grid<float>& out) {
    if (!ViewportValid(vp)) {
        out.Resize(0, 0);
        return;
    }
    const float nan = std::numeric_limits<float>::quiet_NaN();
    out.Resize(vp.width_px, vp.height_px, mode == RasterMode::Count ? 0.0f : nan);
    const int width = vp.width_px;
    // Per-pixel accumulators of one pixel row. first_param == -2: nothing seen yet; -1: mixed.
    std::vector<Count> counts(static_cast<size_t>(width));
    std::vector<double> sums(static_cast<size_t>(width));
    std::vector<Index> first_param(static_cast<size_t>(width));
    IndexSpan previous{-1, -1};
    for (int py = 0; py < vp.height_px; ++py) {
        IndexSpan span = PixelSpanOf(vp.row0, vp.rows, vp.height_px, py);
        span.lo = std::max<Index>(span.lo, 0);
        span.hi = std::min(span.hi, m.Rows());
        if (py > 0 && span.lo == previous.lo && span.hi == previous.hi) {
            // Zoomed in: this pixel row shows the same matrix row as the one above.
            std::copy_n(&out.At(0, py - 1), width, &out.At(0, py));
            continue;
        }
        previous = span;
        std::fill(counts.begin(), counts.end(), 0);
        std::fill(sums.begin(), sums.end(), 0.0);
        std::fill(first_param.begin(), first_param.end(), Index{-2});
        for (Index row = span.lo; row < span.hi; ++row) {
            m.ForEachInRow(row, [&](Index col, Index param) {
                const IndexSpan pixels = PixelsShowing(vp.col0, vp.cols, width, col);
                if (pixels.lo >= pixels.hi) return;
                const double value = m.ParameterValue(param);
                for (Index px = pixels.lo; px < pixels.hi; ++px) {
                    const size_t k = static_cast<size_t>(px);
                    ++counts[k];
                    sums[k] += value;
                    if (first_param[k] == -2) {
                        first_param[k] = param;
                    } else if (first_param[k] != param) {
                        first_param[k] = -1;
                    }
                }
            });
        }
        for (int px = 0; px < width; ++px) {
            const size_t k = static_cast<size_t>(px);
            float& pixel = out.At(px, py);
            switch (mode) {
                case RasterMode::Count: pixel = static_cast<float>(counts[k]); break;
                case RasterMode::MeanValue:
                    pixel = counts[k] > 0 ? static_cast<float>(sums[k] / static_cast<double>(counts[k])) : nan;
                    break;
                case RasterMode::ParameterId:
                    pixel = counts[k] > 0 ? static_cast<float>(first_param[k]) : nan;
                    break;
            }
        }
    }
}

void ApplyByRows(const StructuredMatrix& m, std::span<const float> x, std::span<float> y) {
    if (static_cast<Index>(x.size()) != m.Cols() || static_cast<Index>(y.size()) != m.Rows()) return;
    for (Index row = 0; row < m.Rows(); ++row) {
        double acc = 0.0;  // double: the reference must be more accurate than what it checks
        m.ForEachInRow(row, [&](Index col, Index param) {
            acc += static_cast<double>(m.ParameterValue(param)) * x[static_cast<size_t>(col)];
        });
        y[static_cast<size_t>(row)] = static_cast<float>(acc);
    }
}

// [SECTION] Dense, sparse, MatrixMarket

std::optional<Eigen::MatrixXf> ToDense(const StructuredMatrix& m, Count max_entries, std::string* why) {
    const auto entries = CheckedMul(m.Rows(), m.Cols());
    if (!entries || *entries > max_entries) {
        SetError(why, "dense matrix would have " + (entries ? FormatExact(*entries) : std::string("more than 9.2e18")) +
                          " entries, over the budget of " + FormatExact(max_entries));
        return std::nullopt;
    }
    Eigen::MatrixXf dense = Eigen::MatrixXf::Zero(static_cast<Eigen::Index>(m.Rows()), static_cast<Eigen::Index>(m.Cols()));
    for (Index row = 0; row < m.Rows(); ++row) {
        m.ForEachInRow(row, [&](Index col, Index param) {
            dense(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(col)) = m.ParameterValue(param);
        });
    }
    return dense;
}

std::optional<SparseRowMatrix> ToSparse(const StructuredMatrix& m, Count max_nonzeros, std::string* why) {
    // The outer index array has Rows() + 1 entries: it counts against the budget too.
    if (m.NonZeros() > max_nonzeros || m.Rows() > max_nonzeros) {
        SetError(why, "sparse matrix has " + FormatExact(m.NonZeros()) + " non-zeros and " + FormatExact(m.Rows()) +
                          " rows, over the budget of " + FormatExact(max_nonzeros));
        return std::nullopt;
    }
    SparseRowMatrix sparse(static_cast<Eigen::Index>(m.Rows()), static_cast<Eigen::Index>(m.Cols()));
    sparse.reserve(static_cast<Eigen::Index>(m.NonZeros()));
    for (Index row = 0; row < m.Rows(); ++row) {
        sparse.startVec(static_cast<Eigen::Index>(row));
        // ForEachInRow yields ascending columns, which is what insertBack requires.
        m.ForEachInRow(row, [&](Index col, Index param) {
            sparse.insertBack(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(col)) = m.ParameterValue(param);
        });
    }
    sparse.finalize();
    return sparse;
}

bool WriteMatrixMarket(const StructuredMatrix& m, const std::string& path, Count max_nonzeros, std::string* error) {
    if (m.NonZeros() > max_nonzeros || m.Rows() > max_nonzeros) {
        SetError(error, "matrix has " + FormatExact(m.NonZeros()) + " non-zeros and " + FormatExact(m.Rows()) +
                            " rows, over the export budget of " + FormatExact(max_nonzeros));
        return false;
    }
    return WriteFileAtomically(
        path,
        [&](AtomicWriter& out) {
            char line[96];
            auto put = [&](int length) { return length > 0 && out.Write(line, static_cast<size_t>(length)); };
            out.Write("%%MatrixMarket matrix coordinate real general\n");
            out.Write("% written by MatrixLens: row = flattened output, col = flattened input, 1-based\n");
            put(std::snprintf(line, sizeof line, "%lld %lld %lld\n", static_cast<long long>(m.Rows()),
                              static_cast<long long>(m.Cols()), static_cast<long long>(m.NonZeros())));
            for (Index row = 0; row < m.Rows() && out.Ok(); ++row) {
                m.ForEachInRow(row, [&](Index col, Index param) {
                    // %.9g round-trips every float exactly.
                    put(std::snprintf(line, sizeof line, "%lld %lld %.9g\n", static_cast<long long>(row + 1),
                                      static_cast<long long>(col + 1), static_cast<double>(m.ParameterValue(param))));
                });
            }
            return out.Ok();
        },
        error);
}

}  // namespace lens
