// dense_ops.cpp: identity, selection, Kronecker product and block concatenation as structured
// matrices, and the per-pixel rasterizer they share.
//
// [SECTION] Helpers
// [SECTION] Block statistics and the shared rasterizer
// [SECTION] Identity
// [SECTION] Selection (slice)
// [SECTION] Kronecker product
// [SECTION] Block concatenation
#include "lens/dense_ops.hpp"
#include "lens/conv.hpp"  // kConvMaxChannels, kConvMaxSide: the same input limits

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace lens {
namespace {

// [SECTION] Helpers

void SetError(std::string* out, std::string message) {
    if (out) *out = std::move(message);
}

std::string Num(Index v) { return std::to_string(v); }

std::string FormatValue(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4f", v);
    return buffer;
}

bool ViewportValid(const Viewport& vp) {
    if (vp.rows < 1 || vp.cols < 1) return false;
    if (vp.width_px < 1 || vp.height_px < 1 || vp.width_px > kMaxRasterSide || vp.height_px > kMaxRasterSide) return false;
    Index end = 0;
    return !__builtin_add_overflow(vp.row0, vp.rows, &end) && !__builtin_add_overflow(vp.col0, vp.cols, &end);
}

IndexSpan Clip(IndexSpan s, Index size) {
    s.lo = std::clamp<Index>(s.lo, 0, size);
    s.hi = std::clamp<Index>(s.hi, s.lo, size);
    return s;
}

bool SameSpan(IndexSpan a, IndexSpan b) { return a.lo == b.lo && a.hi == b.hi; }

// Adds a parameter state to an accumulated one (kBlockNoParam is the neutral element).
void MergeParam(Index& into, Index part) {
    if (part == kBlockNoParam) return;
    if (into == kBlockNoParam) {
        into = part;
    } else if (into != part) {
        into = kBlockMixedParam;
    }
}

float PixelValue(const BlockStats& s, RasterMode mode) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    switch (mode) {
        case RasterMode::Count: return static_cast<float>(s.count);
        case RasterMode::MeanValue: return s.count > 0 ? static_cast<float>(s.sum / static_cast<double>(s.count)) : nan;
        case RasterMode::ParameterId: return s.param == kBlockNoParam ? nan : static_cast<float>(s.param);
    }
    return nan;
}

// The statistics of a block of a fixed 0/1 operator (identity, selection) holding `count` ones.
BlockStats FixedOnes(Count count) {
    BlockStats s;
    s.count = count;
    s.sum = static_cast<double>(count);
    s.param = count > 0 ? 0 : kBlockNoParam;
    return s;
}

}  // namespace

// [SECTION] Block statistics and the shared rasterizer

void BlockStatsMatrix::Rasterize(const Viewport& vp, RasterMode mode, Grid<float>& out) const {
    if (!ViewportValid(vp)) {
        out.Resize(0, 0);
        return;
    }
    const int width = vp.width_px, height = vp.height_px;
    out.Resize(width, height, mode == RasterMode::Count ? 0.0f : std::numeric_limits<float>::quiet_NaN());
    // Sampled means read about kRasterSampleBudget entries per call, whatever the zoom.
    const Count pixels = static_cast<Count>(width) * height;
    const Count budget = std::clamp<Count>(kRasterSampleBudget / pixels, 1, kRasterMaxBlockSample);
    std::vector<IndexSpan> col_spans(static_cast<size_t>(width));
    for (int px = 0; px < width; ++px) col_spans[static_cast<size_t>(px)] = Clip(PixelSpanOf(vp.col0, vp.cols, width, px), Cols());
    IndexSpan previous{-1, -1};
    for (int py = 0; py < height; ++py) {
        const IndexSpan rows = Clip(PixelSpanOf(vp.row0, vp.rows, height, py), Rows());
        if (py > 0 && SameSpan(rows, previous)) {
            std::copy_n(&out.At(0, py - 1), width, &out.At(0, py));
            continue;
        }
        previous = rows;
        if (rows.lo >= rows.hi) continue;
        for (int px = 0; px < width; ++px) {
            const IndexSpan cols = col_spans[static_cast<size_t>(px)];
            if (cols.lo >= cols.hi) continue;
            if (px > 0 && SameSpan(cols, col_spans[static_cast<size_t>(px - 1)])) {
                out.At(px, py) = out.At(px - 1, py);
                continue;
            }
            out.At(px, py) = PixelValue(StatsOf(rows, cols, mode, budget), mode);
        }
    }
}

BlockStats StatsOfBlock(const StructuredMatrix& m, IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) {
    if (const auto* fast = dynamic_cast<const BlockStatsMatrix*>(&m)) return fast->StatsOf(rows, cols, mode, sample_budget);
    // A foreign operator: one pixel covering the whole block is exactly its statistics.
    const Viewport vp{rows.lo, cols.lo, rows.hi - rows.lo, cols.hi - cols.lo, 1, 1};
    Grid<float> grid;
    BlockStats s;
    auto pixel = [&](RasterMode what) {
        m.Rasterize(vp, what, grid);
        return grid.Empty() ? std::numeric_limits<float>::quiet_NaN() : grid.data[0];
    };
    if (mode == RasterMode::ParameterId) {
        const float id = pixel(RasterMode::ParameterId);
        if (std::isnan(id)) return s;
        s.count = 1;  // non-empty
        s.param = id < 0.0f ? kBlockMixedParam : static_cast<Index>(std::llround(id));
        return s;
    }
    const float count = pixel(RasterMode::Count);
    s.count = std::isnan(count) ? 0 : static_cast<Count>(std::llround(count));
    if (mode == RasterMode::MeanValue && s.count > 0) s.sum = static_cast<double>(pixel(RasterMode::MeanValue)) * static_cast<double>(s.count);
    return s;
}

Count TrainableWeights(const StructuredMatrix& m) {
    if (const auto* fast = dynamic_cast<const BlockStatsMatrix*>(&m)) return fast->TrainableWeights();
    return m.Parameters();
}

// [SECTION] Identity

std::shared_ptr<const IdentityOperator> IdentityOperator::Create(Index n, std::string axis, std::string* error) {
    if (n < 1) {
        SetError(error, "the identity's size must be at least 1 (got " + Num(n) + ")");
        return nullptr;
    }
    return std::shared_ptr<const IdentityOperator>(new IdentityOperator(n, std::move(axis)));
}

void IdentityOperator::ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const {
    if (row < 0 || row >= m_n) return;
    fn(row, 0);
}

std::optional<Index> IdentityOperator::ParameterAt(Index row, Index col) const {
    if (row < 0 || row >= m_n || row != col) return std::nullopt;
    return Index{0};
}

BlockStats IdentityOperator::StatsOf(IndexSpan rows, IndexSpan cols, RasterMode, Count) const {
    // The diagonal meets the rectangle on the overlap of its row and column ranges.
    return FixedOnes(std::max<Index>(0, std::min(rows.hi, cols.hi) - std::max(rows.lo, cols.lo)));
}

void IdentityOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != m_n || static_cast<Index>(y.size()) != m_n) return;
    std::copy(x.begin(), x.end(), y.begin());
}

std::string IdentityOperator::Label(Index i, const char* fallback) const {
    if (m_axis.empty()) return std::string(fallback).append(Num(i));
    return m_axis + "=" + Num(i);
}

std::string IdentityOperator::RowLabel(Index row) const { return Label(row, "row "); }
std::string IdentityOperator::ColLabel(Index col) const { return Label(col, "col "); }
std::string IdentityOperator::ParameterLabel(Index param) const {
    return param == 0 ? "1 (fixed)" : StructuredMatrix::ParameterLabel(param).append(" (outside)");
}

std::string IdentityOperator::Describe(Index row, Index col) const {
    if (row < 0 || row >= m_n || col < 0 || col >= m_n) return "outside the matrix";
    const std::string head = RowLabel(row) + " <- " + ColLabel(col) + ": ";
    return head + (row == col ? "1 (identity, fixed)" : "0 (off the diagonal)");
}

// [SECTION] Selection (slice)

std::vector<SpecIssue> Validate(const SliceSpec& spec) {
    std::vector<SpecIssue> issues;
    auto range = [&](const char* field, Index value, Index max) {
        if (value < 1 || value > max) issues.push_back({field, std::string(field) + " must be between 1 and " + FormatExact(max) + " (got " + Num(value) + ")"});
    };
    range("channels", spec.channels, kConvMaxChannels);
    range("height", spec.height, kConvMaxSide);
    range("width", spec.width, kConvMaxSide);
    if (spec.begin < 0 || spec.begin >= spec.channels) {
        issues.push_back({"begin", "the first kept channel must be in 0.." + Num(std::max<Index>(0, spec.channels - 1)) + " (got " + Num(spec.begin) + ")"});
    }
    if (spec.end <= spec.begin || spec.end > spec.channels) {
        issues.push_back({"end", "the end channel must be after begin and at most channels (got " + Num(spec.end) + ")"});
    }
    // Sizes are within limits here: C*H*W <= 2^16 * 2^40 cannot overflow.
    return issues;
}

SelectionOperator::SelectionOperator(const SliceSpec& spec)
    : m_spec(spec), m_kept(spec.end - spec.begin), m_plane(spec.height * spec.width) {
    m_rows = m_kept * m_plane;
    m_cols = spec.channels * m_plane;
}

std::shared_ptr<const SelectionOperator> SelectionOperator::Create(const SliceSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found = Validate(spec);
    if (!found.empty()) {
        if (issues) *issues = std::move(found);
        return nullptr;
    }
    if (issues) issues->clear();
    return std::shared_ptr<const SelectionOperator>(new SelectionOperator(spec));
}

Index SelectionOperator::SourceCol(Index row) const {
    if (m_spec.order == FlatOrder::ChannelMajor) return row + m_spec.begin * m_plane;
    return (row / m_kept) * m_spec.channels + m_spec.begin + row % m_kept;
}

Index SelectionOperator::FirstRowAtOrAfter(Index col) const {
    if (m_spec.order == FlatOrder::ChannelMajor) return std::clamp<Index>(col - m_spec.begin * m_plane, 0, m_rows);
    // Position-major: within a position the kept channels are columns begin..end-1 of that
    // position's block of `channels` columns.
    const Index shifted = col - m_spec.begin;
    if (shifted <= 0) return 0;
    const Index pos = shifted / m_spec.channels;
    const Index rem = shifted % m_spec.channels;
    return std::min(m_rows, rem < m_kept ? pos * m_kept + rem : (pos + 1) * m_kept);
}

void SelectionOperator::ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const {
    if (row < 0 || row >= m_rows) return;
    fn(SourceCol(row), 0);
}

std::optional<Index> SelectionOperator::ParameterAt(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols || SourceCol(row) != col) return std::nullopt;
    return Index{0};
}

BlockStats SelectionOperator::StatsOf(IndexSpan rows, IndexSpan cols, RasterMode, Count) const {
    // SourceCol is strictly increasing, so the rows whose 1 falls in [cols.lo, cols.hi) are a range.
    const Index lo = std::max(rows.lo, FirstRowAtOrAfter(cols.lo));
    const Index hi = std::min(rows.hi, FirstRowAtOrAfter(cols.hi));
    return FixedOnes(std::max<Index>(0, hi - lo));
}

void SelectionOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != m_cols || static_cast<Index>(y.size()) != m_rows) return;
    for (Index row = 0; row < m_rows; ++row) y[static_cast<size_t>(row)] = x[static_cast<size_t>(SourceCol(row))];
}

std::string SelectionOperator::Coord(Index index, Index channels, const char* head) const {
    const std::vector<Coordinate> parts = CoordParts(index, channels);  // c, y, x
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%s (c=%lld, y=%lld, x=%lld)", head, static_cast<long long>(parts[0].value),
                  static_cast<long long>(parts[1].value), static_cast<long long>(parts[2].value));
    return buffer;
}

std::string SelectionOperator::RowLabel(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowLabel(row).append(" (outside)");
    return Coord(row, m_kept, "out");
}

std::string SelectionOperator::ColLabel(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColLabel(col).append(" (outside)");
    return Coord(col, m_spec.channels, "in");
}

std::string SelectionOperator::ParameterLabel(Index param) const {
    return param == 0 ? "1 (fixed)" : StructuredMatrix::ParameterLabel(param).append(" (outside)");
}

std::string SelectionOperator::Describe(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return "outside the matrix";
    const std::string head = RowLabel(row) + " <- " + ColLabel(col) + ": ";
    if (SourceCol(row) == col) return head + "1 (copied: channel " + Num(m_spec.begin) + ".." + Num(m_spec.end - 1) + " kept)";
    return head + "0 (out copies " + ColLabel(SourceCol(row)) + ")";
}

// [SECTION] Kronecker product

namespace {

// One piece of a span of the product's rows (or columns): factor-A indices x factor-B indices.
struct KronPiece {
    IndexSpan a;
    IndexSpan b;
};

// Splits [span.lo, span.hi) of indices i*inner + k into at most 3 rectangles of (i, k): a partial
// A-index, the whole A-indices, a partial A-index (merged where they line up).
int SplitSpan(IndexSpan span, Index inner, KronPiece out[3]) {
    const Index i0 = span.lo / inner, k0 = span.lo % inner;
    const Index i1 = (span.hi - 1) / inner, k1 = (span.hi - 1) % inner + 1;
    if (i0 == i1) {
        out[0] = {{i0, i0 + 1}, {k0, k1}};
        return 1;
    }
    int n = 0;
    Index full_lo = i0, full_hi = i1 + 1;
    if (k0 != 0) {
        out[n++] = {{i0, i0 + 1}, {k0, inner}};
        full_lo = i0 + 1;
    }
    if (k1 != inner) full_hi = i1;
    if (full_lo < full_hi) out[n++] = {{full_lo, full_hi}, {0, inner}};
    if (k1 != inner) out[n++] = {{i1, i1 + 1}, {0, k1}};
    return n;
}

BlockStats Query(const StructuredMatrix& m, const BlockStatsMatrix* fast, IndexSpan rows, IndexSpan cols, RasterMode mode,
                 Count budget) {
    return fast ? fast->StatsOf(rows, cols, mode, budget) : StatsOfBlock(m, rows, cols, mode, budget);
}

}  // namespace

std::shared_ptr<const KroneckerOperator> KroneckerOperator::Create(MatrixPtr a, MatrixPtr b, std::string* error) {
    if (!a || !b) {
        SetError(error, "a Kronecker factor is missing");
        return nullptr;
    }
    const auto rows = CheckedMul(a->Rows(), b->Rows());
    const auto cols = CheckedMul(a->Cols(), b->Cols());
    const auto nonzeros = CheckedMul(a->NonZeros(), b->NonZeros());
    const auto parameters = CheckedMul(a->Parameters(), b->Parameters());
    if (!rows || !cols || !nonzeros || !parameters || *rows < 1 || *cols < 1) {
        SetError(error, "the Kronecker product of a " + Num(a->Rows()) + " x " + Num(a->Cols()) + " and a " + Num(b->Rows()) +
                            " x " + Num(b->Cols()) + " matrix has sizes, non-zeros or parameters beyond 64 bits");
        return nullptr;
    }
    std::shared_ptr<KroneckerOperator> op(new KroneckerOperator());
    op->m_a_stats = dynamic_cast<const BlockStatsMatrix*>(a.get());
    op->m_b_stats = dynamic_cast<const BlockStatsMatrix*>(b.get());
    op->m_a = std::move(a);
    op->m_b = std::move(b);
    op->m_rows = *rows;
    op->m_cols = *cols;
    op->m_nonzeros = *nonzeros;
    op->m_parameters = *parameters;
    return op;
}

Count KroneckerOperator::TrainableWeights() const {
    return CheckedAdd(lens::TrainableWeights(*m_a), lens::TrainableWeights(*m_b)).value_or(std::numeric_limits<Count>::max());
}

void KroneckerOperator::ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const {
    if (row < 0 || row >= m_rows) return;
    const Index r = m_b->Rows(), s = m_b->Cols(), pb_count = m_b->Parameters();
    std::vector<std::pair<Index, Index>> b_row;
    m_b->ForEachInRow(row % r, [&](Index l, Index pb) { b_row.emplace_back(l, pb); });
    if (b_row.empty()) return;
    // Columns j*s + l ascend with j outer and l inner, as both factors yield them ascending.
    m_a->ForEachInRow(row / r, [&](Index j, Index pa) {
        for (const auto& [l, pb] : b_row) fn(j * s + l, pa * pb_count + pb);
    });
}

float KroneckerOperator::ParameterValue(Index param) const {
    if (param < 0 || param >= m_parameters) return 0.0f;
    const Count pb_count = m_b->Parameters();
    // The exact product of two floats fits a double: one rounding, as Eigen's float product.
    return static_cast<float>(static_cast<double>(m_a->ParameterValue(param / pb_count)) *
                              static_cast<double>(m_b->ParameterValue(param % pb_count)));
}

std::optional<Index> KroneckerOperator::ParameterAt(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return std::nullopt;
    const Index r = m_b->Rows(), s = m_b->Cols();
    const auto pa = m_a->ParameterAt(row / r, col / s);
    if (!pa) return std::nullopt;
    const auto pb = m_b->ParameterAt(row % r, col % s);
    if (!pb) return std::nullopt;
    return *pa * m_b->Parameters() + *pb;
}

namespace {

// Statistics of the union of the products of row pieces and column pieces (each piece pair is
// A's block times B's block).
BlockStats CombinePieces(const StructuredMatrix& a, const BlockStatsMatrix* a_stats, const StructuredMatrix& b,
                         const BlockStatsMatrix* b_stats, const KronPiece* row_pieces, int n_rows, const KronPiece* col_pieces,
                         int n_cols, RasterMode mode, Count sample_budget) {
    const Count pb_count = b.Parameters();
    BlockStats total;
    for (int t = 0; t < n_rows; ++t) {
        for (int u = 0; u < n_cols; ++u) {
            const BlockStats sa = Query(a, a_stats, row_pieces[t].a, col_pieces[u].a, mode, sample_budget);
            if (sa.count == 0) continue;
            const BlockStats sb = Query(b, b_stats, row_pieces[t].b, col_pieces[u].b, mode, sample_budget);
            if (sb.count == 0) continue;
            // Every entry of the piece is x*y for x in A's block and y in B's: counts multiply, sums
            // multiply (the sum over pairs of x*y is (sum x)(sum y)), and the parameter pair is
            // unique only when each factor's block holds one parameter.
            total.count += sa.count * sb.count;
            if (mode == RasterMode::MeanValue) total.sum += sa.sum * sb.sum;
            if (mode == RasterMode::ParameterId) {
                MergeParam(total.param, sa.param >= 0 && sb.param >= 0 ? sa.param * pb_count + sb.param : kBlockMixedParam);
                if (total.param == kBlockMixedParam) return total;
            }
        }
    }
    return total;
}

// The pieces of one pixel row or column of a viewport, and whether it repeats its neighbour.
struct AxisPixel {
    KronPiece pieces[3];
    int count = 0;  // 0: the pixel shows nothing of the matrix
    bool same_as_previous = false;
};

std::vector<AxisPixel> PlanAxis(Index start, Index length, int pixels, Index size, Index inner) {
    std::vector<AxisPixel> plan(static_cast<size_t>(pixels));
    IndexSpan previous{-1, -1};
    for (int p = 0; p < pixels; ++p) {
        AxisPixel& pixel = plan[static_cast<size_t>(p)];
        const IndexSpan span = Clip(PixelSpanOf(start, length, pixels, p), size);
        pixel.same_as_previous = p > 0 && SameSpan(span, previous);
        previous = span;
        if (span.lo < span.hi && !pixel.same_as_previous) pixel.count = SplitSpan(span, inner, pixel.pieces);
    }
    return plan;
}

}  // namespace

BlockStats KroneckerOperator::StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const {
    KronPiece row_pieces[3], col_pieces[3];
    const int n_rows = SplitSpan(rows, m_b->Rows(), row_pieces);
    const int n_cols = SplitSpan(cols, m_b->Cols(), col_pieces);
    return CombinePieces(*m_a, m_a_stats, *m_b, m_b_stats, row_pieces, n_rows, col_pieces, n_cols, mode, sample_budget);
}

void KroneckerOperator::Rasterize(const Viewport& vp, RasterMode mode, Grid<float>& out) const {
    if (!ViewportValid(vp)) {
        out.Resize(0, 0);
        return;
    }
    const int width = vp.width_px, height = vp.height_px;
    out.Resize(width, height, mode == RasterMode::Count ? 0.0f : std::numeric_limits<float>::quiet_NaN());
    const Count budget = std::clamp<Count>(kRasterSampleBudget / (static_cast<Count>(width) * height), 1, kRasterMaxBlockSample);
    // The same partition as BlockStatsMatrix::Rasterize, with each pixel's split into factor
    // pieces computed once per pixel row and column instead of once per pixel.
    const std::vector<AxisPixel> rows = PlanAxis(vp.row0, vp.rows, height, m_rows, m_b->Rows());
    const std::vector<AxisPixel> cols = PlanAxis(vp.col0, vp.cols, width, m_cols, m_b->Cols());
    for (int py = 0; py < height; ++py) {
        const AxisPixel& row = rows[static_cast<size_t>(py)];
        if (row.same_as_previous) {
            std::copy_n(&out.At(0, py - 1), width, &out.At(0, py));
            continue;
        }
        if (row.count == 0) continue;
        for (int px = 0; px < width; ++px) {
            const AxisPixel& col = cols[static_cast<size_t>(px)];
            if (col.same_as_previous) {
                out.At(px, py) = out.At(px - 1, py);
                continue;
            }
            if (col.count == 0) continue;
            out.At(px, py) = PixelValue(CombinePieces(*m_a, m_a_stats, *m_b, m_b_stats, row.pieces, row.count, col.pieces,
                                                      col.count, mode, budget),
                                        mode);
        }
    }
}

void KroneckerOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != m_cols || static_cast<Index>(y.size()) != m_rows) return;
    const Index p = m_a->Rows(), q = m_a->Cols(), r = m_b->Rows(), s = m_b->Cols();
    const auto qr = CheckedMul(q, r), ps = CheckedMul(p, s);
    // At least one of q*r, p*s is <= max(q*s, p*r) (see the header), so the smaller one fits.
    const bool b_first = qr && (!ps || *qr <= *ps);
    auto sz = [](Index v) { return static_cast<size_t>(v); };
    if (b_first) {
        // Z = X B^T (q x r, row-major), then Y = A Z column by column.
        std::vector<float> z(sz(*qr));
        for (Index j = 0; j < q; ++j) m_b->Apply(x.subspan(sz(j * s), sz(s)), std::span<float>(z).subspan(sz(j * r), sz(r)));
        std::vector<float> column(sz(q)), out(sz(p));
        for (Index k = 0; k < r; ++k) {
            for (Index j = 0; j < q; ++j) column[sz(j)] = z[sz(j * r + k)];
            m_a->Apply(column, out);
            for (Index i = 0; i < p; ++i) y[sz(i * r + k)] = out[sz(i)];
        }
        return;
    }
    // W = A X (p x s, row-major) column by column, then each row of Y is B times a row of W.
    std::vector<float> w(sz(*ps));
    std::vector<float> column(sz(q)), out(sz(p));
    for (Index l = 0; l < s; ++l) {
        for (Index j = 0; j < q; ++j) column[sz(j)] = x[sz(j * s + l)];
        m_a->Apply(column, out);
        for (Index i = 0; i < p; ++i) w[sz(i * s + l)] = out[sz(i)];
    }
    for (Index i = 0; i < p; ++i) m_b->Apply(std::span<const float>(w).subspan(sz(i * s), sz(s)), y.subspan(sz(i * r), sz(r)));
}

std::string KroneckerOperator::RowLabel(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowLabel(row).append(" (outside)");
    const Index r = m_b->Rows();
    return "row " + Num(row) + " = (" + m_a->RowLabel(row / r) + ", " + m_b->RowLabel(row % r) + ")";
}

std::string KroneckerOperator::ColLabel(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColLabel(col).append(" (outside)");
    const Index s = m_b->Cols();
    return "col " + Num(col) + " = (" + m_a->ColLabel(col / s) + ", " + m_b->ColLabel(col % s) + ")";
}

std::string KroneckerOperator::ParameterLabel(Index param) const {
    if (param < 0 || param >= m_parameters) return StructuredMatrix::ParameterLabel(param).append(" (outside)");
    const Count pb_count = m_b->Parameters();
    const Index pa = param / pb_count, pb = param % pb_count;
    const bool a_fixed = lens::TrainableWeights(*m_a) == 0, b_fixed = lens::TrainableWeights(*m_b) == 0;
    if (b_fixed && !a_fixed) return m_a->ParameterLabel(pa);
    if (a_fixed && !b_fixed) return m_b->ParameterLabel(pb);
    return m_a->ParameterLabel(pa) + " * " + m_b->ParameterLabel(pb);
}

std::string KroneckerOperator::Describe(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return "outside the matrix";
    const Index r = m_b->Rows(), s = m_b->Cols();
    const Index i = row / r, k = row % r, j = col / s, l = col % s;
    const std::string head = RowLabel(row) + " <- " + ColLabel(col) + ": ";
    const std::string a_entry = "A[" + Num(i) + "," + Num(j) + "]", b_entry = "B[" + Num(k) + "," + Num(l) + "]";
    const auto pa = m_a->ParameterAt(i, j);
    if (!pa) return head + "0 (" + a_entry + " is a structural zero)";
    const auto pb = m_b->ParameterAt(k, l);
    if (!pb) return head + "0 (" + b_entry + " is a structural zero)";
    const Index param = *pa * m_b->Parameters() + *pb;
    return head + a_entry + " * " + b_entry + " = " + FormatValue(m_a->ParameterValue(*pa)) + " * " +
           FormatValue(m_b->ParameterValue(*pb)) + " = " + FormatValue(ParameterValue(param)) + " via " + ParameterLabel(param);
}

// [SECTION] Block concatenation

std::shared_ptr<const ConcatOperator> ConcatOperator::Create(ConcatAxis axis, std::vector<MatrixPtr> blocks, std::string* error) {
    if (blocks.empty()) {
        SetError(error, "nothing to concatenate");
        return nullptr;
    }
    std::shared_ptr<ConcatOperator> op(new ConcatOperator());
    op->m_axis = axis;
    op->m_offsets.push_back(0);
    op->m_param_offsets.push_back(0);
    for (size_t b = 0; b < blocks.size(); ++b) {
        const MatrixPtr& block = blocks[b];
        if (!block) {
            SetError(error, "block " + std::to_string(b) + " is missing");
            return nullptr;
        }
        const Index along = axis == ConcatAxis::Rows ? block->Rows() : block->Cols();
        const Index across = axis == ConcatAxis::Rows ? block->Cols() : block->Rows();
        const Index first_across = axis == ConcatAxis::Rows ? blocks[0]->Cols() : blocks[0]->Rows();
        if (across != first_across) {
            SetError(error, std::string("block ") + std::to_string(b) + " has " + Num(across) +
                                (axis == ConcatAxis::Rows ? " columns" : " rows") + ", block 0 has " + Num(first_across) +
                                (axis == ConcatAxis::Rows ? ": stacked outputs need one input size"
                                                          : ": concatenated inputs need one output size"));
            return nullptr;
        }
        const auto offset = CheckedAdd(op->m_offsets.back(), along);
        const auto params = CheckedAdd(op->m_param_offsets.back(), block->Parameters());
        const auto nonzeros = CheckedAdd(op->m_nonzeros, block->NonZeros());
        if (!offset || !params || !nonzeros) {
            SetError(error, "the concatenation's size, non-zeros or parameters overflow 64 bits");
            return nullptr;
        }
        op->m_offsets.push_back(*offset);
        op->m_param_offsets.push_back(*params);
        op->m_nonzeros = *nonzeros;
        op->m_stats.push_back(dynamic_cast<const BlockStatsMatrix*>(block.get()));
    }
    op->m_rows = axis == ConcatAxis::Rows ? op->m_offsets.back() : blocks[0]->Rows();
    op->m_cols = axis == ConcatAxis::Rows ? blocks[0]->Cols() : op->m_offsets.back();
    op->m_blocks = std::move(blocks);
    return op;
}

std::shared_ptr<const ConcatOperator> ConcatRows(std::vector<MatrixPtr> blocks, std::string* error) {
    return ConcatOperator::Create(ConcatAxis::Rows, std::move(blocks), error);
}

std::shared_ptr<const ConcatOperator> ConcatCols(std::vector<MatrixPtr> blocks, std::string* error) {
    return ConcatOperator::Create(ConcatAxis::Cols, std::move(blocks), error);
}

size_t ConcatOperator::BlockAt(Index i) const {
    // The last block whose offset is <= i (blocks of size 0 cannot exist: sizes are >= 1).
    return static_cast<size_t>(std::upper_bound(m_offsets.begin(), m_offsets.end(), i) - m_offsets.begin()) - 1;
}

size_t ConcatOperator::BlockOfParam(Index param) const {
    // Blocks may own no parameter (a foreign all-zero block): take the last block starting at or
    // before `param` that owns it.
    return static_cast<size_t>(std::upper_bound(m_param_offsets.begin(), m_param_offsets.end(), param) - m_param_offsets.begin()) - 1;
}

Count ConcatOperator::TrainableWeights() const {
    Count total = 0;
    for (const MatrixPtr& block : m_blocks) total = CheckedAdd(total, lens::TrainableWeights(*block)).value_or(std::numeric_limits<Count>::max());
    return total;
}

void ConcatOperator::ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const {
    if (row < 0 || row >= m_rows) return;
    if (m_axis == ConcatAxis::Rows) {
        const size_t b = BlockAt(row);
        const Count offset = m_param_offsets[b];
        m_blocks[b]->ForEachInRow(row - m_offsets[b], [&](Index col, Index param) { fn(col, param + offset); });
        return;
    }
    for (size_t b = 0; b < m_blocks.size(); ++b) {
        const Index col_offset = m_offsets[b];
        const Count offset = m_param_offsets[b];
        m_blocks[b]->ForEachInRow(row, [&](Index col, Index param) { fn(col + col_offset, param + offset); });
    }
}

float ConcatOperator::ParameterValue(Index param) const {
    if (param < 0 || param >= Parameters()) return 0.0f;
    const size_t b = BlockOfParam(param);
    return m_blocks[b]->ParameterValue(param - m_param_offsets[b]);
}

std::optional<Index> ConcatOperator::ParameterAt(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return std::nullopt;
    const size_t b = BlockAt(m_axis == ConcatAxis::Rows ? row : col);
    const auto param = m_axis == ConcatAxis::Rows ? m_blocks[b]->ParameterAt(row - m_offsets[b], col)
                                                  : m_blocks[b]->ParameterAt(row, col - m_offsets[b]);
    if (!param) return std::nullopt;
    return *param + m_param_offsets[b];
}

BlockStats ConcatOperator::StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const {
    const IndexSpan along = m_axis == ConcatAxis::Rows ? rows : cols;
    BlockStats total;
    for (size_t b = BlockAt(along.lo); b < m_blocks.size() && m_offsets[b] < along.hi; ++b) {
        const IndexSpan local{std::max(along.lo, m_offsets[b]) - m_offsets[b], std::min(along.hi, m_offsets[b + 1]) - m_offsets[b]};
        if (local.lo >= local.hi) continue;
        const BlockStats part = m_axis == ConcatAxis::Rows ? Query(*m_blocks[b], m_stats[b], local, cols, mode, sample_budget)
                                                           : Query(*m_blocks[b], m_stats[b], rows, local, mode, sample_budget);
        total.count += part.count;
        total.sum += part.sum;
        if (mode == RasterMode::ParameterId) {
            MergeParam(total.param, part.param >= 0 ? part.param + m_param_offsets[b] : part.param);
            if (total.param == kBlockMixedParam) return total;
        }
    }
    return total;
}

void ConcatOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != m_cols || static_cast<Index>(y.size()) != m_rows) return;
    auto sz = [](Index v) { return static_cast<size_t>(v); };
    if (m_axis == ConcatAxis::Rows) {
        for (size_t b = 0; b < m_blocks.size(); ++b) m_blocks[b]->Apply(x, y.subspan(sz(m_offsets[b]), sz(m_offsets[b + 1] - m_offsets[b])));
        return;
    }
    std::fill(y.begin(), y.end(), 0.0f);
    std::vector<float> part(sz(m_rows));
    for (size_t b = 0; b < m_blocks.size(); ++b) {
        m_blocks[b]->Apply(x.subspan(sz(m_offsets[b]), sz(m_offsets[b + 1] - m_offsets[b])), part);
        for (size_t i = 0; i < part.size(); ++i) y[i] += part[i];
    }
}

std::string ConcatOperator::RowLabel(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowLabel(row).append(" (outside)");
    if (m_axis == ConcatAxis::Cols) return m_blocks[0]->RowLabel(row);
    const size_t b = BlockAt(row);
    return "block " + std::to_string(b) + ": " + m_blocks[b]->RowLabel(row - m_offsets[b]);
}

std::string ConcatOperator::ColLabel(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColLabel(col).append(" (outside)");
    if (m_axis == ConcatAxis::Rows) return m_blocks[0]->ColLabel(col);
    const size_t b = BlockAt(col);
    return "block " + std::to_string(b) + ": " + m_blocks[b]->ColLabel(col - m_offsets[b]);
}

std::string ConcatOperator::ParameterLabel(Index param) const {
    if (param < 0 || param >= Parameters()) return StructuredMatrix::ParameterLabel(param).append(" (outside)");
    const size_t b = BlockOfParam(param);
    return "block " + std::to_string(b) + ": " + m_blocks[b]->ParameterLabel(param - m_param_offsets[b]);
}

std::string ConcatOperator::Describe(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return "outside the matrix";
    const size_t b = BlockAt(m_axis == ConcatAxis::Rows ? row : col);
    const Index local_row = m_axis == ConcatAxis::Rows ? row - m_offsets[b] : row;
    const Index local_col = m_axis == ConcatAxis::Rows ? col : col - m_offsets[b];
    return "block " + std::to_string(b) + ": " + m_blocks[b]->Describe(local_row, local_col);
}

// [SECTION] Dense blocks

namespace {
__extension__ typedef __int128 Int128;  // sample positions: index * length reaches 2^12 * 2^62
}  // namespace

Index StratumMidpoint(Index lo, Index length, Index t, Index n) {
    Index product = 0;
    // 64-bit division when the product fits: 128-bit division is a slow library call.
    if (!__builtin_mul_overflow(2 * t + 1, length, &product)) return lo + product / (2 * n);
    return lo + static_cast<Index>((static_cast<Int128>(2 * t + 1) * length) / (2 * static_cast<Int128>(n)));
}

Index FloorSqrt(Index v) {
    Index r = static_cast<Index>(std::sqrt(static_cast<double>(v)));
    while (r > 0 && r * r > v) --r;
    while ((r + 1) * (r + 1) <= v) ++r;
    return r;
}

}  // namespace lens
