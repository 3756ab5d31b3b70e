// lens/dense_ops.hpp: the structured matrices the notes build fully connected layers, their
// simplifications, slicing and concatenation from: identity, channel selection (slice), the
// Kronecker product of two operators, and block concatenation of operators.
//
// The notes' two simplifications of a fully connected layer with features are Kronecker products:
// sharing one weight across the features is W (x) I_F, sharing one across the inputs (the 1x1
// convolution) is I_N (x) W_F (position-major flattening; fc.hpp builds them). Slicing channels is
// a 0/1 selection matrix, concatenating outputs stacks matrices [A; B], and a layer acting on
// concatenated inputs is [A B], so that [A B] [x1; x2] = A x1 + B x2.
//
// Fixed entries (said out loud, because operator.hpp has no word for them): ForEachInRow must name
// a parameter 0 <= param < Parameters() for every structural non-zero, and the generic helpers
// (ToDense, RasterizeByRows, ApplyByRows) read the entry's value through ParameterValue(param). An
// identity or selection entry is a structural non-zero with the fixed value 1, not a trainable
// weight, so these operators have exactly ONE parameter, index 0, value 1.0, labelled "1 (fixed)":
// Parameters() == 1 while TrainableWeights() == 0. In a Kronecker product that single parameter
// makes the product's parameter of entry (a, b) equal to the other factor's parameter, which is
// the weight sharing of the simplifications (W (x) I_F has Parameters() == Parameters(W)).
//
// Every operator here answers exact statistics of any rectangle (BlockStatsMatrix::StatsOf) in
// time independent of the rectangle's size, so Rasterize costs O(pixels) and composes: a product
// or a concatenation asks its parts about a few sub-rectangles per pixel block.
//
// [SECTION] Block statistics: the exact-rectangle interface shared by these operators
// [SECTION] Identity
// [SECTION] Selection (slice)
// [SECTION] Kronecker product
// [SECTION] Block concatenation
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lens/spec.hpp"
#include "lens/types.hpp"
#include "lens/operator.hpp"

namespace lens {

using MatrixPtr = std::shared_ptr<const StructuredMatrix>;

// [SECTION] Block statistics: the exact-rectangle interface shared by these operators

// Parameter state of a block in BlockStats::param besides a parameter index >= 0.
inline constexpr Index kBlockNoParam = -2;     // the block holds no structural non-zero
inline constexpr Index kBlockMixedParam = -1;  // its non-zeros store different parameters (as RasterMode::ParameterId)

// Rasterize(MeanValue) on operators without exact block sums (a huge DenseFcOperator) reads at most
// this many entries in total per call, and at most kRasterMaxBlockSample per pixel.
inline constexpr Count kRasterSampleBudget = Count{1} << 21;
inline constexpr Count kRasterMaxBlockSample = 4096;

// What Rasterize reports about one rectangle of a matrix.
struct BlockStats {
    Count count = 0;              // structural non-zeros (exact in Count and MeanValue modes; in
                                  // ParameterId mode only count > 0, "non-empty", is meaningful)
    double sum = 0.0;             // sum of their values (MeanValue mode only)
    Index param = kBlockNoParam;  // ParameterId mode only: the one parameter, kBlockMixedParam or kBlockNoParam
};

// A StructuredMatrix that reports exact statistics of any rectangle; Rasterize is derived from it.
class BlockStatsMatrix : public StructuredMatrix {
public:
    // Statistics of rows [rows.lo, rows.hi) x cols [cols.lo, cols.hi); both spans non-empty and
    // inside the matrix (callers clip). `mode` says which fields are needed (see BlockStats);
    // `sample_budget` >= 1 bounds the entries an operator without exact block sums may read for
    // one MeanValue block (the others ignore it).
    virtual BlockStats StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const = 0;
    // Distinct trainable weights: Parameters() minus fixed entries (0 for identity and selection).
    virtual Count TrainableWeights() const { return Parameters(); }

    // One StatsOf per distinct pixel block (pixel rows or columns that show the same indices as
    // their neighbour, zoomed in, are copied): cost O(pixels * cost of StatsOf). MeanValue is
    // exact unless the operator says otherwise (DenseFcOperator above its table size).
    void Rasterize(const Viewport& viewport, RasterMode mode, Grid<float>& out) const override;
};

// Statistics of a block of any StructuredMatrix: StatsOf for a BlockStatsMatrix; otherwise the
// matrix's own Rasterize on a 1x1 viewport (one call per mode; two for MeanValue), so counts are
// exact up to 2^24 per block, as that operator's floats are. Spans must be non-empty and inside.
BlockStats StatsOfBlock(const StructuredMatrix& m, IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget);

// Trainable weights of any operator: BlockStatsMatrix::TrainableWeights(), else Parameters().
Count TrainableWeights(const StructuredMatrix& m);

// [SECTION] Identity

// The n x n identity: n structural non-zeros of the fixed value 1 (one parameter, see the top).
class IdentityOperator final : public BlockStatsMatrix {
public:
    // I_n for n >= 1, or nullptr (with *error) otherwise. `axis` names the index in labels
    // ("f" gives "f=3"); empty gives "row 3" / "col 3".
    static std::shared_ptr<const IdentityOperator> Create(Index n, std::string axis = {}, std::string* error = nullptr);

    Index Rows() const override { return m_n; }
    Index Cols() const override { return m_n; }
    Count NonZeros() const override { return m_n; }
    Count Parameters() const override { return 1; }  // the fixed value 1
    Count TrainableWeights() const override { return 0; }
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;
    float ParameterValue(Index param) const override { return param == 0 ? 1.0f : 0.0f; }
    std::optional<Index> ParameterAt(Index row, Index col) const override;  // O(1)
    BlockStats StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const override;  // O(1)
    void Apply(std::span<const float> x, std::span<float> y) const override;  // y = x
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;
    std::string ColLabel(Index col) const override;
    std::string ParameterLabel(Index param) const override;  // "1 (fixed)"
    EntryCoords RowCoords(Index row) const override;
    EntryCoords ColCoords(Index col) const override;
    std::vector<WeightRef> ParameterWeights(Index param) const override;

private:
    IdentityOperator(Index n, std::string axis) : m_n(n), m_axis(std::move(axis)) {}
    std::string Label(Index i, const char* fallback) const;
    Index m_n;
    std::string m_axis;
};

// [SECTION] Selection (slice)

// Keeping channels [begin, end) of a C x H x W tensor, PyTorch's x[begin:end] on the channel axis.
struct SliceSpec {
    Index channels = 8;                         // C: channels of the input tensor
    Index height = 4;                           // H, elements (1 for a sequence)
    Index width = 4;                            // W, elements
    Index begin = 2;                            // first channel kept
    Index end = 5;                              // one past the last channel kept
    FlatOrder order = FlatOrder::ChannelMajor;  // flattening of input and output tensors

    bool operator==(const SliceSpec&) const = default;
};

// Every problem with the spec: sizes outside 1..kConvMaxSide (height, width) or 1..kConvMaxChannels
// (channels), and 0 <= begin < end <= channels.
std::vector<SpecIssue> Validate(const SliceSpec& spec);

// The (end-begin)*H*W x C*H*W selection matrix: one 1 per row, at the input element the output
// element copies. Channel-major it is [0 I 0] (a shifted identity); position-major the ones step by
// C between positions. Fixed entries: one parameter (see the top).
class SelectionOperator final : public BlockStatsMatrix {
public:
    // The operator of `spec`, or nullptr (issues in *issues) when the spec is invalid.
    static std::shared_ptr<const SelectionOperator> Create(const SliceSpec& spec, std::vector<SpecIssue>* issues = nullptr);

    const SliceSpec& Spec() const { return m_spec; }
    // Column of the single 1 in `row` (row inside the matrix); strictly increasing in row.
    Index SourceCol(Index row) const;

    Index Rows() const override { return m_rows; }
    Index Cols() const override { return m_cols; }
    Count NonZeros() const override { return m_rows; }
    Count Parameters() const override { return 1; }
    Count TrainableWeights() const override { return 0; }
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;
    float ParameterValue(Index param) const override { return param == 0 ? 1.0f : 0.0f; }
    std::optional<Index> ParameterAt(Index row, Index col) const override;  // O(1)
    BlockStats StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const override;  // O(1)
    void Apply(std::span<const float> x, std::span<float> y) const override;  // gathers the kept channels
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;          // "out (c=1, y=2, x=3)"
    std::string ColLabel(Index col) const override;          // "in (c=3, y=2, x=3)"
    std::string ParameterLabel(Index param) const override;  // "1 (fixed)"
    EntryCoords RowCoords(Index row) const override;
    EntryCoords ColCoords(Index col) const override;
    std::vector<WeightRef> ParameterWeights(Index param) const override;

private:
    explicit SelectionOperator(const SliceSpec& spec);
    // First row whose SourceCol is >= col (Rows() when none).
    Index FirstRowAtOrAfter(Index col) const;
    std::string Coord(Index index, Index channels, const char* head) const;
    std::vector<Coordinate> CoordParts(Index index, Index channels) const;
    SliceSpec m_spec;
    Index m_kept = 0;   // end - begin
    Index m_plane = 0;  // H * W
    Index m_rows = 0, m_cols = 0;
};

// [SECTION] Kronecker product

// M = A (x) B for A (p x q) and B (r x s): a (p*r) x (q*s) matrix, entry (i*r + k, j*s + l) =
// A(i,j) * B(k,l), structural non-zero where both are. Parameter of that entry:
// pa * Parameters(B) + pb (pa, pb the factors' parameters), so Parameters() = Parameters(A) *
// Parameters(B) distinct stored products; with an identity or selection factor (one fixed
// parameter) it is the other factor's parameter: the weight sharing of the notes' simplifications.
// TrainableWeights() = TrainableWeights(A) + TrainableWeights(B) (the factored layer's weights).
class KroneckerOperator final : public BlockStatsMatrix {
public:
    // A (x) B, or nullptr (with *error) when a factor is null or Rows, Cols, NonZeros or
    // Parameters of the product overflow 64 bits. Shares ownership of the factors.
    static std::shared_ptr<const KroneckerOperator> Create(MatrixPtr a, MatrixPtr b, std::string* error = nullptr);

    const StructuredMatrix& A() const { return *m_a; }
    const StructuredMatrix& B() const { return *m_b; }

    Index Rows() const override { return m_rows; }
    Index Cols() const override { return m_cols; }
    Count NonZeros() const override { return m_nonzeros; }
    Count Parameters() const override { return m_parameters; }
    Count TrainableWeights() const override;
    // Row i*r + k: A's row i times B's row k; cost O(nnz of both rows + the row's non-zeros).
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;
    float ParameterValue(Index param) const override;  // A's value times B's value, rounded to float
    std::optional<Index> ParameterAt(Index row, Index col) const override;  // one ParameterAt per factor
    // Exact. A block of rows splits into at most 3 pieces (a partial A-row, whole A-rows, a partial
    // A-row) and likewise its columns; each of the <= 9 piece pairs costs one StatsOfBlock on A and
    // one on B. For the notes' sizes (W 100x1024 (x) I_64, I_512 (x) W 768x768) drawn at 1024x1024
    // pixels that is a few million O(1) queries.
    BlockStats StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const override;
    // As BlockStatsMatrix::Rasterize, with the pieces computed once per pixel row and column.
    // Measured (one core, -O2): 10-30 ms for each notes' form at 1024 x 1024 pixels, any mode.
    void Rasterize(const Viewport& viewport, RasterMode mode, Grid<float>& out) const override;
    // y = (A (x) B) x = vec(A X B^T) with X the q x s row-major view of x: q products by B then r by
    // A, or s by A then p by B, whichever keeps the intermediate (q*r or p*s floats) smaller; it
    // never exceeds max(Rows(), Cols()).
    void Apply(std::span<const float> x, std::span<float> y) const override;
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;          // "row 200 = (out n=3, f=8)"
    std::string ColLabel(Index col) const override;
    std::string ParameterLabel(Index param) const override;  // the trainable factor's label when the other is fixed
    EntryCoords RowCoords(Index row) const override;
    EntryCoords ColCoords(Index col) const override;
    std::vector<WeightRef> ParameterWeights(Index param) const override;

private:
    KroneckerOperator() = default;
    MatrixPtr m_a, m_b;
    const BlockStatsMatrix* m_a_stats = nullptr;  // m_a as a BlockStatsMatrix, or null (foreign operator)
    const BlockStatsMatrix* m_b_stats = nullptr;
    Index m_rows = 0, m_cols = 0;
    Count m_nonzeros = 0, m_parameters = 0;
};

// [SECTION] Block concatenation

enum class ConcatAxis {
    Rows,  // [A; B; ...]: the same input, outputs stacked (channel concatenation, channel-major)
    Cols,  // [A B ...]: inputs stacked, outputs summed: [A B] [x1; x2] = A x1 + B x2
};

// Blocks placed one after another along an axis. Parameter indices are offset per block (block b's
// parameter p is p + the sum of Parameters() of the blocks before it), so blocks never share.
class ConcatOperator final : public BlockStatsMatrix {
public:
    // The concatenation, or nullptr (with *error) when the list is empty, holds a null, the blocks'
    // other sizes differ (Cols for ConcatAxis::Rows, Rows for Cols), or a total overflows 64 bits.
    static std::shared_ptr<const ConcatOperator> Create(ConcatAxis axis, std::vector<MatrixPtr> blocks,
                                                        std::string* error = nullptr);

    ConcatAxis Axis() const { return m_axis; }
    const std::vector<MatrixPtr>& Blocks() const { return m_blocks; }
    // First row (ConcatAxis::Rows) or column (Cols) of block b; Offset(Blocks().size()) is the total.
    Index Offset(size_t b) const { return m_offsets[b]; }
    // First parameter index of block b.
    Count ParamOffset(size_t b) const { return m_param_offsets[b]; }

    Index Rows() const override { return m_rows; }
    Index Cols() const override { return m_cols; }
    Count NonZeros() const override { return m_nonzeros; }
    Count Parameters() const override { return m_param_offsets.back(); }
    Count TrainableWeights() const override;
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;
    float ParameterValue(Index param) const override;
    std::optional<Index> ParameterAt(Index row, Index col) const override;  // O(log blocks) + the block's
    // Exact: one StatsOfBlock per block the rectangle overlaps.
    BlockStats StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const override;
    // Rows: each block writes its slice of y. Cols: y = sum of the blocks' products (one temporary of Rows()).
    void Apply(std::span<const float> x, std::span<float> y) const override;
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;          // "block 1: out (c=0, y=2, x=3)" along the axis
    std::string ColLabel(Index col) const override;
    std::string ParameterLabel(Index param) const override;  // "block 1: w[3,17]"
    EntryCoords RowCoords(Index row) const override;
    EntryCoords ColCoords(Index col) const override;
    std::vector<WeightRef> ParameterWeights(Index param) const override;

private:
    ConcatOperator() = default;
    // Block holding index i along the axis (i inside), and the block holding parameter `param`.
    size_t BlockAt(Index i) const;
    size_t BlockOfParam(Index param) const;
    ConcatAxis m_axis = ConcatAxis::Rows;
    std::vector<MatrixPtr> m_blocks;
    std::vector<const BlockStatsMatrix*> m_stats;  // per block, null for foreign operators
    std::vector<Index> m_offsets;                  // blocks + 1 entries
    std::vector<Count> m_param_offsets;            // blocks + 1 entries
    Index m_rows = 0, m_cols = 0;
    Count m_nonzeros = 0;
};

// [A; B; ...] (same Cols()): outputs concatenated. nullptr with *error as ConcatOperator::Create.
std::shared_ptr<const ConcatOperator> ConcatRows(std::vector<MatrixPtr> blocks, std::string* error = nullptr);
// [A B ...] (same Rows()): acts on concatenated inputs, y = A x1 + B x2 + ....
std::shared_ptr<const ConcatOperator> ConcatCols(std::vector<MatrixPtr> blocks, std::string* error = nullptr);

// [SECTION] Dense blocks (DenseFcOperator, DenseMatrixOperator)

// Midpoint of the t-th of n equal strata of [lo, lo + length): lo + floor((2t + 1) * length / (2n)),
// exact for any 64-bit length (128-bit only when the product overflows).
Index StratumMidpoint(Index lo, Index length, Index t, Index n);
// floor(sqrt(v)) for v >= 0, exact.
Index FloorSqrt(Index v);

// Prefix sums of a rows x cols dense matrix read through value(r, c): (rows+1) x (cols+1) doubles,
// row-major, entry (r, c) = the sum over [0, r) x [0, c).
template <class ValueFn>
std::vector<double> DensePrefixSums(Index rows, Index cols, ValueFn&& value) {
    const size_t stride = static_cast<size_t>(cols) + 1;
    std::vector<double> prefix(static_cast<size_t>(rows + 1) * stride, 0.0);
    for (Index r = 0; r < rows; ++r) {
        double run = 0.0;
        for (Index c = 0; c < cols; ++c) {
            run += static_cast<double>(value(r, c));
            prefix[static_cast<size_t>(r + 1) * stride + static_cast<size_t>(c + 1)] =
                prefix[static_cast<size_t>(r) * stride + static_cast<size_t>(c + 1)] + run;
        }
    }
    return prefix;
}

// BlockStatsMatrix::StatsOf of a dense matrix whose every entry is its own parameter: the count is
// the block's area; ParameterId names param_at(r, c) for a single entry, else kBlockMixedParam;
// MeanValue sums exactly from `prefix` (DensePrefixSums over the whole matrix, of width
// matrix_cols + 1) when it is kept, else reads every entry up to `sample_budget` of them, else
// estimates from a stratified grid of about that many entries (midpoints of equal strata).
template <class ValueFn, class ParamFn>
BlockStats DenseBlockStats(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget, std::span<const double> prefix,
                           Index matrix_cols, ValueFn&& value, ParamFn&& param_at) {
    BlockStats s;
    const Index row_count = rows.hi - rows.lo, col_count = cols.hi - cols.lo;
    s.count = row_count * col_count;  // at most Rows() * Cols(), which fits
    if (mode == RasterMode::ParameterId) {
        s.param = s.count == 1 ? param_at(rows.lo, cols.lo) : kBlockMixedParam;
        return s;
    }
    if (mode != RasterMode::MeanValue) return s;
    if (!prefix.empty()) {
        const size_t stride = static_cast<size_t>(matrix_cols) + 1;
        auto at = [&](Index r, Index c) { return prefix[static_cast<size_t>(r) * stride + static_cast<size_t>(c)]; };
        s.sum = at(rows.hi, cols.hi) - at(rows.lo, cols.hi) - at(rows.hi, cols.lo) + at(rows.lo, cols.lo);
        return s;
    }
    const Count budget = std::max<Count>(1, sample_budget);
    if (s.count <= budget) {
        for (Index r = rows.lo; r < rows.hi; ++r)
            for (Index c = cols.lo; c < cols.hi; ++c) s.sum += static_cast<double>(value(r, c));
        return s;
    }
    const Index sample_rows = std::min(row_count, std::max<Index>(1, FloorSqrt(budget)));
    const Index sample_cols = std::min(col_count, std::max<Index>(1, budget / sample_rows));
    double sum = 0.0;
    for (Index t = 0; t < sample_rows; ++t) {
        const Index r = StratumMidpoint(rows.lo, row_count, t, sample_rows);
        for (Index u = 0; u < sample_cols; ++u) sum += static_cast<double>(value(r, StratumMidpoint(cols.lo, col_count, u, sample_cols)));
    }
    s.sum = sum / static_cast<double>(sample_rows * sample_cols) * static_cast<double>(s.count);
    return s;
}

}  // namespace lens
