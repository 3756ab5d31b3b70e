// app/widgets/hover_format.hpp: a matrix entry's data (lens/operator.hpp: EntryCoords, EntryInfo)
// as hover text in the UI language. Symbols and weight indices stay as they are ("c=3",
// "w[3, 1, 0, 2]"); the words around them come from the string table.
#pragma once

#include <string>

#include <lens/operator.hpp>

namespace lens::app {

// "output (c=3, y=10, x=4)" / "輸出（c=3, y=10, x=4）"; a leading block index as "block 1: ...".
std::string FormatCoords(const EntryCoords& coords);
// "w[3, 1, 0, 2]"; a product of factors as "A[3, 5] * Wv[2, 7]"; a fixed entry as "1".
std::string FormatWeights(const std::vector<WeightRef>& weights);
// One line: what the entry connects and the weight stored there (or that it is a structural zero).
std::string FormatEntry(const EntryInfo& entry);

}  // namespace lens::app
