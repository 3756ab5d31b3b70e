// conv_taps.cpp: the fast paths of a convolution's product, both on lens::Gemm (OpenBLAS).
//
// conv_detail::ApplyByTaps (ConvOperator::Apply, the structured operator): with stride 1, the matrix is
// sum over taps (ky, kx) of W_tap (x) Shift_tap, W_tap the out x in weights of that tap. On a copy
// of x zero-padded to Hp x Wp (Hp = out_h + (kh-1) dh, Wp = out_w + (kw-1) dw), Shift_tap is an
// offset of ky*dh*Wp + kx*dw into each padded plane, so each tap is one GEMM straight on that
// memory (no im2col); the product is computed over "wide" rows of Wp positions and the valid out_w
// kept. Tiled over output rows so each tile's accumulator stays in cache; tiles split over threads.
//
// ConvIm2colGemmTiled (the im2col + GEMM way): the patch x positions matrix of a tile of whole
// output rows, row-major (each row a shifted copy of an input row segment), then one GEMM.
//
// [SECTION] Shared: tiles and threads
// [SECTION] Structured operator: one GEMM per tap
// [SECTION] im2col + GEMM, tiled
#include <omp.h>

#include <algorithm>
#include <vector>

#include "conv_detail.hpp"
#include "lens/conv.hpp"
#include "lens/gemm.hpp"

namespace lens {
namespace {

using conv_detail::CeilDiv;

// [SECTION] Shared: tiles and threads

// Output rows per tile so that a tile holds about `target` floats per channel-row of work (at
// least one row), and the number of tiles.
Index RowsPerTile(Index row_floats, Index target) { return std::max<Index>(1, target / std::max<Index>(1, row_floats)); }

// Runs body(tile, worker) for tiles [0, tiles) over ComputeThreads() threads (OpenMP, dynamic
// schedule); each worker's GEMMs run on its own thread. One thread: a plain loop, GEMMs threaded.
template <class Body>
void ForTiles(Index tiles, int workers, Body&& body) {
    if (workers <= 1 || tiles <= 1) {
        for (Index t = 0; t < tiles; ++t) body(t, 0);
        return;
    }
    SingleThreadedGemm single;
#pragma omp parallel for schedule(dynamic, 1) num_threads(workers)
    for (Index t = 0; t < tiles; ++t) body(t, omp_get_thread_num());
}

}  // namespace

// [SECTION] Structured operator: one GEMM per tap

bool conv_detail::ApplyByTaps(const ConvOperator& op, std::span<const float> x, std::span<float> y) {
    const ConvSpec& spec = op.Spec();
    const ConvStats& st = op.Stats();
    const Index groups = spec.groups, in_pg = spec.in_channels / groups, out_pg = spec.out_channels / groups;
    // Worth it with enough channels per group for a GEMM; otherwise the axpy loop is as fast.
    if (spec.order != FlatOrder::ChannelMajor || spec.stride != 1 || in_pg * out_pg < 64) return false;
    const Index in_h = spec.dims == 1 ? 1 : spec.in_h, in_w = spec.in_w, dil = spec.dilation;
    const Index kh = spec.dims == 1 ? 1 : spec.kernel_h, kw = spec.kernel_w, taps = kh * kw;
    const Index out_h = st.out_h, out_w = st.out_w, pad_top = st.pad_h.lo, pad_left = st.pad_w.lo;
    const Index hp = out_h + (kh - 1) * dil, wp = out_w + (kw - 1) * dil;
    const Index slack = (kw - 1) * dil;  // the last wide row of a tap reads this far past the plane
    const Index plane = hp * wp + slack;
    // Padded input: padded (py, px) is input (py - pad_top, px - pad_left), zero outside.
    std::vector<float> padded(static_cast<size_t>(spec.in_channels * plane), 0.0f);
    const Index px_lo = std::max<Index>(0, pad_left), px_hi = std::min(wp, in_w + pad_left);
    for (Index c = 0; c < spec.in_channels && px_lo < px_hi; ++c) {
        for (Index py = 0; py < hp; ++py) {
            const Index iy = py - pad_top;
            if (iy < 0 || iy >= in_h) continue;
            const float* src = x.data() + (c * in_h + iy) * in_w + (px_lo - pad_left);
            std::copy_n(src, px_hi - px_lo, padded.begin() + static_cast<std::ptrdiff_t>(c * plane + py * wp + px_lo));
        }
    }
    // Per group and tap, the out_pg x in_pg weights, row-major (PyTorch's w[o, i, ky, kx] regathered).
    const std::span<const float> w = op.Weights();
    std::vector<float> tap_w(static_cast<size_t>(groups * taps * out_pg * in_pg));
    for (Index g = 0; g < groups; ++g)
        for (Index t = 0; t < taps; ++t)
            for (Index o = 0; o < out_pg; ++o)
                for (Index i = 0; i < in_pg; ++i)
                    tap_w[static_cast<size_t>(((g * taps + t) * out_pg + o) * in_pg + i)] =
                        w[static_cast<size_t>(((g * out_pg + o) * in_pg + i) * taps + t)];
    const Index rows_per_tile = RowsPerTile(wp * std::max(in_pg, out_pg), Index{1} << 17);
    const Index row_tiles = (out_h + rows_per_tile - 1) / rows_per_tile;
    const int workers = ComputeThreads();
    std::vector<std::vector<float>> acc(static_cast<size_t>(std::max(1, workers)),
                                        std::vector<float>(static_cast<size_t>(out_pg * rows_per_tile * wp)));
    const Index out_plane = out_h * out_w;
    ForTiles(groups * row_tiles, workers, [&](Index tile, int worker) {
        const Index g = tile / row_tiles, oy0 = (tile % row_tiles) * rows_per_tile;
        const Index rows = std::min(rows_per_tile, out_h - oy0), n = rows * wp;
        float* c = acc[static_cast<size_t>(worker)].data();
        for (Index t = 0; t < taps; ++t) {
            const Index offset = (oy0 + (t / kw) * dil) * wp + (t % kw) * dil;
            Gemm(false, false, out_pg, n, in_pg, 1.0f, tap_w.data() + (g * taps + t) * out_pg * in_pg, in_pg,
                 padded.data() + g * in_pg * plane + offset, plane, t == 0 ? 0.0f : 1.0f, c, n);
        }
        for (Index o = 0; o < out_pg; ++o)
            for (Index r = 0; r < rows; ++r)
                std::copy_n(c + o * n + r * wp, out_w, y.begin() + static_cast<std::ptrdiff_t>((g * out_pg + o) * out_plane + (oy0 + r) * out_w));
    });
    return true;
}

// [SECTION] im2col + GEMM, tiled

void conv_detail::ConvIm2colGemmTiled(const ConvOperator& op, std::span<const float> x_chw, std::span<float> y_chw) {
    const ConvSpec& s = op.Spec();
    const ConvStats& st = op.Stats();
    const Index in_h = s.dims == 1 ? 1 : s.in_h, k_h = s.dims == 1 ? 1 : s.kernel_h, k_w = s.kernel_w;
    const Index in_pg = s.in_channels / s.groups, out_pg = s.out_channels / s.groups;
    const Index patch = st.im2col_cols, positions = st.im2col_rows;
    const Index rows_per_tile = RowsPerTile(st.out_w * patch, Index{1} << 19);
    const Index row_tiles = (st.out_h + rows_per_tile - 1) / rows_per_tile;
    const int workers = ComputeThreads();
    std::vector<std::vector<float>> tiles(static_cast<size_t>(std::max(1, workers)),
                                          std::vector<float>(static_cast<size_t>(patch * rows_per_tile * st.out_w)));
    ForTiles(s.groups * row_tiles, workers, [&](Index tile, int worker) {
        const Index g = tile / row_tiles, oy0 = (tile % row_tiles) * rows_per_tile;
        const Index rows = std::min(rows_per_tile, st.out_h - oy0), n = rows * st.out_w;
        float* cols = tiles[static_cast<size_t>(worker)].data();
        // Row (il, ky, kx) of the patch matrix; column (r, ox) is input (iy, ix) or a padding zero.
        for (Index il = 0; il < in_pg; ++il) {
            const float* plane = x_chw.data() + (g * in_pg + il) * in_h * s.in_w;
            for (Index ky = 0; ky < k_h; ++ky) {
                for (Index kx = 0; kx < k_w; ++kx) {
                    float* row = cols + ((il * k_h + ky) * k_w + kx) * n;
                    // Valid ox: 0 <= ox*stride - pad + kx*dil < in_w.
                    const Index off = kx * s.dilation - st.pad_w.lo;
                    const Index ox_lo = std::clamp<Index>(CeilDiv(-off, s.stride), 0, st.out_w);
                    const Index ox_hi = std::clamp<Index>(CeilDiv(s.in_w - off, s.stride), ox_lo, st.out_w);
                    for (Index r = 0; r < rows; ++r) {
                        float* dst = row + r * st.out_w;
                        const Index iy = (oy0 + r) * s.stride - st.pad_h.lo + ky * s.dilation;
                        if (iy < 0 || iy >= in_h) {
                            std::fill_n(dst, st.out_w, 0.0f);
                            continue;
                        }
                        std::fill_n(dst, ox_lo, 0.0f);
                        std::fill(dst + ox_hi, dst + st.out_w, 0.0f);
                        const float* src = plane + iy * s.in_w;  // input ix = ox * stride + off
                        if (s.stride == 1) {
                            std::copy(src + ox_lo + off, src + ox_hi + off, dst + ox_lo);
                        } else {
                            for (Index ox = ox_lo; ox < ox_hi; ++ox) dst[ox] = src[ox * s.stride + off];
                        }
                    }
                }
            }
        }
        Gemm(false, false, out_pg, n, patch, 1.0f, op.Weights().data() + g * out_pg * patch, patch, cols, n, 0.0f,
             y_chw.data() + g * out_pg * positions + oy0 * st.out_w, positions);
    });
}

}  // namespace lens
