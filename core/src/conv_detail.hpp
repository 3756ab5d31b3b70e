// conv_detail.hpp (core-internal): arithmetic shared by the convolution sources (conv.cpp,
// conv_reference.cpp, conv_raster.cpp): floor/ceil division and the per-tap valid-output count.
#pragma once

#include <algorithm>

#include "lens/conv.hpp"

namespace lens::conv_detail {

__extension__ typedef unsigned __int128 U128;  // exact moments for ParameterId (see RasterizeParameterId)

// floor(a / b) and ceil(a / b) for b > 0 and any sign of a (C++ division truncates toward 0).
inline Index FloorDiv(Index a, Index b) { return a / b - ((a % b != 0) && (a < 0)); }
inline Index CeilDiv(Index a, Index b) { return -FloorDiv(-a, b); }

// Number of output positions o in [0, out) whose tap k lands inside [0, in).
inline Index ValidOutputs(Index in, Index out, Index stride, Index dilation, Index pad_lo, Index k) {
    const Index offset = pad_lo - k * dilation;  // input = o * stride - offset
    const Index lo = std::max<Index>(0, CeilDiv(offset, stride));
    const Index hi = std::min(out, CeilDiv(in + offset, stride));
    return std::max<Index>(0, hi - lo);
}

}  // namespace lens::conv_detail
