// navigate.cpp: see lens/navigate.hpp.
#include "lens/navigate.hpp"

#include <algorithm>

namespace lens {

std::optional<MatrixEntry> NextNonZero(const StructuredMatrix& m, Index row, Index col, Index max_rows) {
    const Index rows = m.Rows();
    if (rows <= 0 || m.Cols() <= 0 || row >= rows) return std::nullopt;
    if (row < 0) {
        row = 0;
        col = -1;
    }
    const Index last = max_rows >= rows - row ? rows : row + std::max<Index>(max_rows, 1);
    for (Index r = row; r < last; ++r) {
        const Index after = r == row ? col : -1;
        std::optional<Index> found;
        m.ForEachInRow(r, [&](Index c, Index) {
            if (!found && c > after) found = c;
        });
        if (found) return MatrixEntry{r, *found};
    }
    return std::nullopt;
}

std::optional<MatrixEntry> PreviousNonZero(const StructuredMatrix& m, Index row, Index col, Index max_rows) {
    const Index rows = m.Rows();
    if (rows <= 0 || m.Cols() <= 0 || row < 0) return std::nullopt;
    if (row >= rows) {
        row = rows - 1;
        col = m.Cols();
    }
    const Index first = max_rows > row ? 0 : row - std::max<Index>(max_rows, 1) + 1;
    for (Index r = row; r >= first; --r) {
        const Index before = r == row ? col : m.Cols();
        std::optional<Index> found;
        m.ForEachInRow(r, [&](Index c, Index) {
            if (c < before) found = c;  // ascending: the last one below `before` wins
        });
        if (found) return MatrixEntry{r, *found};
    }
    return std::nullopt;
}

}  // namespace lens
