// lens/navigate.hpp: finding one's way in a structured matrix too large to look at whole: the next
// (or previous) structural non-zero from an entry, in row-major order. Works through
// ForEachInRow, so the cost is the non-zeros of the rows scanned, never the matrix.
#pragma once

#include <optional>

#include "operator.hpp"

namespace lens {

struct MatrixEntry {
    Index row = 0;
    Index col = 0;
    bool operator==(const MatrixEntry&) const = default;
};

// The first structural non-zero strictly after (row, col) in row-major order (later columns of
// `row`, then the following rows). Scans at most `max_rows` rows; nullopt when there is none in
// them (or none at all). (row, col) may lie outside the matrix: it is clamped first (a row below
// -1 starts at the top, a row past the end finds nothing).
std::optional<MatrixEntry> NextNonZero(const StructuredMatrix& m, Index row, Index col, Index max_rows = Index{1} << 20);
// The last structural non-zero strictly before (row, col) in row-major order; same contract.
std::optional<MatrixEntry> PreviousNonZero(const StructuredMatrix& m, Index row, Index col, Index max_rows = Index{1} << 20);

}  // namespace lens
