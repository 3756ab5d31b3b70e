// lens/operator.hpp: the one abstraction every "expanded matrix" view draws through.
//
// Each layer (fully connected, convolution, Kronecker simplifications, selection, attention on a
// given input, patch merging) is a linear map y = M x on the flattened input. A StructuredMatrix
// exposes M by its structure: sizes, exact non-zero counts, which trainable weight sits in each
// entry, a matrix-free product and an exact rasterizer. Nothing here materialises M unless the
// caller passes a budget it fits in (ToDense, ToSparse, WriteMatrixMarket).
//
// Conventions (said out loud, because they surprise):
// - Row = flattened output element, column = flattened input element. The flattening order is a
//   stated choice of each implementation (e.g. ConvSpec::order).
// - A structural non-zero is an entry that stores a trainable weight, even if that weight's value
//   happens to be 0.0. Biases are not in the matrix (y = M x + b): Parameters() excludes them.
// - Grids are row-major, origin top-left (grid.hpp); Eigen matrices are column-major unless stated.
//
// [SECTION] Viewport and pixel <-> index partition
// [SECTION] Entry data (what a row, a column, an entry stands for)
// [SECTION] StructuredMatrix
// [SECTION] Generic helpers (reference rasterizer, dense, sparse, MatrixMarket)
#pragma once

#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lens/count.hpp"
#include "lens/grid.hpp"

namespace lens {

// [SECTION] Viewport and pixel <-> index partition

// Largest raster side Rasterize produces; larger requests yield an empty grid (bounded memory).
inline constexpr int kMaxRasterSide = 8192;

// The rectangle [row0, row0 + rows) x [col0, col0 + cols) of a matrix, drawn onto
// width_px x height_px pixels. Along each axis independently (see PixelSpanOf):
// - zoomed out (rows >= height_px): pixel py covers rows
//   [row0 + floor(py * rows / height_px), row0 + floor((py + 1) * rows / height_px)), an exact
//   partition: every row lands in exactly one pixel row;
// - zoomed in (rows < height_px): pixel py shows the single row row0 + floor(py * rows / height_px),
//   so one entry covers several pixels.
// Rows or columns outside the matrix are empty (count 0, NaN for the other modes).
struct Viewport {
    Index row0 = 0;     // first matrix row shown (flattened output index)
    Index col0 = 0;     // first matrix column shown (flattened input index)
    Index rows = 0;     // matrix rows shown, >= 1
    Index cols = 0;     // matrix columns shown, >= 1
    int width_px = 0;   // pixels across, 1..kMaxRasterSide
    int height_px = 0;  // pixels down, 1..kMaxRasterSide
};

// What each pixel of Rasterize holds.
enum class RasterMode {
    Count,      // exact number of structural non-zeros in the pixel's block (float: exact below 2^24)
    MeanValue,  // mean stored weight value over the pixel's structural non-zeros; NaN where none
    // Parameter index stored in the pixel's entries when all its structural non-zeros store the
    // same one (always so for a single entry); -1 when they store different parameters ("mixed");
    // NaN where there is none. Decided exactly, not sampled. As float: ids above 2^24 are rounded.
    ParameterId,
};

// Half-open range [lo, hi) of indices along one axis.
struct IndexSpan {
    Index lo = 0;
    Index hi = 0;
};

// Matrix indices covered by pixel p (0 <= p < pixels) of an axis showing [start, start + count):
// the exact partition described at Viewport. Never overflows (count may be near 2^63).
IndexSpan PixelSpanOf(Index start, Index count, int pixels, int p);
// Pixels [lo, hi) that show index i on that axis (empty when i is not shown).
IndexSpan PixelsShowing(Index start, Index count, int pixels, Index i);

// [SECTION] Entry data (what a row, a column, an entry stands for)
//
// Plain data, no prose: the app formats it in the UI language. Names are the notes' symbols ("c",
// "y", "x", "n", "f", "ky", "block", ...). A name may point into the matrix that produced it, so the
// data is valid while that matrix lives.

struct Coordinate {
    std::string_view name;  // the symbol, e.g. "c"
    Index value = 0;
};

// What a row (an output element) or a column (an input element) stands for.
struct EntryCoords {
    enum class Side { Output, Input };
    Side side = Side::Output;
    std::vector<Coordinate> parts;  // e.g. (c=3, y=10, x=4); (block=1, c=0, y=2, x=3)
};

// One stored weight: w[o, i, ky, kx] with its value; `fixed`: a constant (the 1 of an identity or
// a selection), not a trained or computed weight.
struct WeightRef {
    std::string_view name;           // "w", "A", "Wv", "x" (im2col: the input element copied), "p"
    std::vector<Coordinate> index;   // e.g. (o=3, i=1, ky=0, kx=2)
    float value = 0.0f;
    bool fixed = false;
};

// Entry (row, col) as data. `structural`: a weight is stored there (ForEachInRow lists the column).
// `weights`: what the entry's parameter is: one weight, or the factors of a product (Kronecker:
// A[n,m] * Wv[j,f]; fixed factors left out unless all are fixed); empty for a structural zero.
struct EntryInfo {
    EntryCoords out, in;
    bool inside = false;  // (row, col) lies in the matrix
    bool structural = false;
    std::optional<Index> parameter;
    std::vector<WeightRef> weights;
    float value = 0.0f;  // the entry of M (0 for a structural zero)
};

// [SECTION] StructuredMatrix

class StructuredMatrix {
public:
    virtual ~StructuredMatrix() = default;

    virtual Index Rows() const = 0;            // flattened output size
    virtual Index Cols() const = 0;            // flattened input size
    virtual Count NonZeros() const = 0;        // exact number of structural non-zeros
    virtual Count Parameters() const = 0;      // distinct trainable weights stored in M (bias excluded)

    // Calls fn(col, param) for every structural non-zero of `row`, in ascending col; param is the
    // index of the trainable weight stored there (0 <= param < Parameters()). Row out of range: no call.
    virtual void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const = 0;
    // Value of trainable weight `param` (0 when out of range).
    virtual float ParameterValue(Index param) const = 0;
    // Parameter stored at (row, col), or nullopt for a structural zero / out of range.
    // Default: scans ForEachInRow (implementations override with O(1) lookups).
    virtual std::optional<Index> ParameterAt(Index row, Index col) const;

    // Fills `out` (resized to width_px x height_px) per RasterMode for the viewport. Exact.
    // Implementations keep the cost bounded by the pixels (and the kernel), never by Rows() or
    // NonZeros(). An invalid viewport (sizes < 1 or above kMaxRasterSide) yields an empty grid.
    virtual void Rasterize(const Viewport& viewport, RasterMode mode, Grid<float>& out) const = 0;

    // y = M x, matrix-free. x.size() == Cols(), y.size() == Rows() (otherwise y is left untouched
    // and nothing happens). Bias, if the layer has one, is NOT added.
    virtual void Apply(std::span<const float> x, std::span<float> y) const = 0;

    // Hover text for entry (row, col), English, one line.
    virtual std::string Describe(Index row, Index col) const = 0;
    // "out (c=3, y=10, x=4)": what a row stands for. Default: "row 17".
    virtual std::string RowLabel(Index row) const;
    // "in (c=1, y=9, x=3)": what a column stands for. Default: "col 17".
    virtual std::string ColLabel(Index col) const;
    // "w[3,1,0,2]": the weight a parameter index names. Default: "p17".
    virtual std::string ParameterLabel(Index param) const;

    // The same as data (see Entry data). Defaults: row (i=row) / column (j=col), the weight p[param];
    // implementations that know their structure override RowCoords, ColCoords and ParameterWeights.
    virtual EntryCoords RowCoords(Index row) const;
    virtual EntryCoords ColCoords(Index col) const;
    // The weights parameter `param` is (see EntryInfo::weights); empty out of range.
    virtual std::vector<WeightRef> ParameterWeights(Index param) const;
    // Entry (row, col): the coordinates, ParameterAt, ParameterWeights and ParameterValue together.
    virtual EntryInfo Entry(Index row, Index col) const;
};

// The whole matrix drawn onto width_px x height_px.
Viewport WholeMatrix(const StructuredMatrix& m, int width_px, int height_px);

// [SECTION] Generic helpers (reference rasterizer, dense, sparse, MatrixMarket)

// Reference rasterizer built on ForEachInRow: exact for every mode, simple, and slow (cost grows
// with the rows in the viewport times their non-zeros). For small matrices and for tests.
void RasterizeByRows(const StructuredMatrix& m, const Viewport& viewport, RasterMode mode, Grid<float>& out);

// y = M x through ForEachInRow (reference product for tests). Same size contract as Apply.
void ApplyByRows(const StructuredMatrix& m, std::span<const float> x, std::span<float> y);

// M as a dense column-major Eigen matrix, or nullopt (with *why set) when Rows()*Cols() exceeds
// max_entries. Cost: O(Rows()*Cols() + NonZeros()).
std::optional<Eigen::MatrixXf> ToDense(const StructuredMatrix& m, Count max_entries, std::string* why = nullptr);

// Row-major sparse matrix with 64-bit indices (structural non-zeros kept even when the value is 0),
// or nullopt (with *why set) when NonZeros() exceeds max_nonzeros or a size exceeds Eigen's index.
using SparseRowMatrix = Eigen::SparseMatrix<float, Eigen::RowMajor, std::int64_t>;
std::optional<SparseRowMatrix> ToSparse(const StructuredMatrix& m, Count max_nonzeros, std::string* why = nullptr);

// Writes M to `path` as MatrixMarket "coordinate real general" (1-based (row, col, value), value =
// the weight stored there), rows in ascending order. Refuses (false, *error set) above max_nonzeros
// or on an I/O error.
bool WriteMatrixMarket(const StructuredMatrix& m, const std::string& path, Count max_nonzeros,
                       std::string* error = nullptr);

}  // namespace lens
