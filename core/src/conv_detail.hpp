// conv_detail.hpp (core-internal): arithmetic shared by the convolution sources (conv.cpp,
// conv_reference.cpp, conv_raster.cpp, conv_taps.cpp): floor/ceil division, the per-tap
// valid-output count, and the tiled im2col + GEMM.
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

// ConvOperator::Apply's one-GEMM-per-tap path (conv_taps.cpp) on x and y in the operator's order;
// false (y untouched) when the spec does not suit it (position-major, strided, few channels).
bool ApplyByTaps(const ConvOperator& op, std::span<const float> x, std::span<float> y);
// ConvIm2colGemm's work once sizes and budget are checked (conv_taps.cpp): x_chw, y_chw of the
// operator's sizes.
void ConvIm2colGemmTiled(const ConvOperator& op, std::span<const float> x_chw, std::span<float> y_chw);

}  // namespace lens::conv_detail
