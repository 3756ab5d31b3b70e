// conv_raster.cpp: the convolution matrix's rasterizer (counts, mean values, parameter ids per pixel),
// exact from the Kronecker structure (conv_kron.hpp) through the prefix-sum engine
// (conv_kron_engine.hpp).
//
// [SECTION] Rasterizer: modes
#include "lens/conv.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>

#include "conv_kron_engine.hpp"

namespace lens {

using namespace conv_detail;

// [SECTION] Rasterizer: modes

struct ConvRasterAccess {
    // Kronecker factors of op in level order; G's values and the axes' values as given.
    // ky, kx: the tap of Single / Weight factors.
    static std::array<Factor, 3> Factors(const ConvOperator& op, FactorValue channel, FactorValue vertical,
                                         FactorValue horizontal, Index ky = 0, Index kx = 0) {
        Factor g;
        g.kind = FactorKind::Channel;
        g.value = channel;
        g.m = op.m_spec.out_channels;
        g.n = op.m_spec.in_channels;
        g.out_per_group = op.m_out_per_group;
        g.in_per_group = op.m_in_per_group;
        g.weights = op.m_weights.data();
        g.taps = op.m_h.kernel * op.m_w.kernel;
        g.tap = ky * op.m_w.kernel + kx;
        auto axis = [](const ConvOperator::Axis& a, FactorValue value, Index tap) {
            Factor f;
            f.kind = FactorKind::Spatial;
            f.value = value;
            f.m = a.out;
            f.n = a.in;
            f.stride = a.stride;
            f.dilation = a.dilation;
            f.pad_lo = a.pad_lo;
            f.kernel = a.kernel;
            f.tap = tap;
            return f;
        };
        const Factor y = axis(op.m_h, vertical, ky), x = axis(op.m_w, horizontal, kx);
        if (op.m_spec.order == FlatOrder::ChannelMajor) return {g, y, x};
        return {y, x, g};
    }

    static void Rasterize(const ConvOperator& op, const Viewport& vp, RasterMode mode, Grid<float>& out) {
        if (vp.rows < 1 || vp.cols < 1 || vp.width_px < 1 || vp.height_px < 1 || vp.width_px > kMaxRasterSide ||
            vp.height_px > kMaxRasterSide || vp.row0 > std::numeric_limits<Index>::max() - vp.rows ||
            vp.col0 > std::numeric_limits<Index>::max() - vp.cols) {
            out.Resize(0, 0);
            return;
        }
        const int width = vp.width_px, height = vp.height_px;
        if (static_cast<int>(out.data.size()) != width * height) {
            out.Resize(width, height);
        } else {
            out.width = width;
            out.height = height;
        }
        const AxisPlan rows = MakeAxisPlan(vp.row0, vp.rows, height, op.Rows());
        const AxisPlan cols = MakeAxisPlan(vp.col0, vp.cols, width, op.Cols());
        const float nan = std::numeric_limits<float>::quiet_NaN();
        if (mode == RasterMode::Count) {
            // Doubles hold every partial count exactly below 2^53 (all intermediate values are
            // counts of sub-rectangles) and convert to float faster than 64-bit integers.
            if (op.NonZeros() < (Count{1} << 53)) {
                RasterizeCounts<double>(op, rows, cols, out);
            } else {
                RasterizeCounts<Count>(op, rows, cols, out);
            }
            return;
        }
        if (rows.zoomed_in && cols.zoomed_in) {
            RasterizeEntries(op, vp, mode, rows, cols, out);
            return;
        }
        const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
        if (mode == RasterMode::MeanValue) {
            std::vector<Count> count(pixels);
            std::vector<double> sum(pixels, 0.0);
            KronEngine<Count>(Factors(op, FactorValue::Ones, FactorValue::Ones, FactorValue::Ones), rows, cols)
                .Run([&](int py, const Count* values, bool, const auto*, const auto&) { std::copy_n(values, width, count.data() + static_cast<size_t>(py) * width); });
            // One Kronecker term per tap: (that tap's weights) (x) (its row shift) (x) (its column shift).
            for (Index ky = 0; ky < op.m_h.kernel; ++ky) {
                for (Index kx = 0; kx < op.m_w.kernel; ++kx) {
                    KronEngine<double>(Factors(op, FactorValue::Weight, FactorValue::Single, FactorValue::Single, ky, kx), rows, cols).Run([&](int py, const double* values, bool, const auto*, const auto&) {
                        double* dst = sum.data() + static_cast<size_t>(py) * width;
                        for (int px = 0; px < width; ++px) dst[px] += values[px];
                    });
                }
            }
            for (size_t i = 0; i < pixels; ++i) {
                out.data[i] = count[i] > 0 ? static_cast<float>(sum[i] / static_cast<double>(count[i])) : nan;
            }
            return;
        }
        RasterizeParameterId(op, rows, cols, out);
    }

    template <class T>
    static void RasterizeCounts(const ConvOperator& op, const AxisPlan& rows, const AxisPlan& cols, Grid<float>& out) {
        const int width = out.width;
        KronEngine<T>(Factors(op, FactorValue::Ones, FactorValue::Ones, FactorValue::Ones), rows, cols)
            .template Run<true>([&](int py, const T* values, bool repeat, const auto* runs, const auto& copy) {
                float* dst = &out.At(0, py);
                if (repeat) {
                    std::copy_n(dst - width, width, dst);
                } else if (runs) {  // sparse row: zeros, the evaluated runs, then the repeating pixels
                    std::fill_n(dst, width, 0.0f);
                    for (const auto& [first, end] : *runs) {
                        for (int px = first; px < end; ++px) dst[px] = static_cast<float>(values[px]);
                    }
                    for (int px = copy.first; px < copy.end; ++px) dst[px] = dst[px - copy.period];
                } else {
                    for (int px = 0; px < width; ++px) dst[px] = static_cast<float>(values[px]);
                }
            });
    }

    // Both axes zoomed in: every pixel shows one entry, looked up directly.
    static void RasterizeEntries(const ConvOperator& op, const Viewport& vp, RasterMode mode, const AxisPlan& rows,
                                 const AxisPlan& cols, Grid<float>& out) {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const int width = vp.width_px;
        for (int py = 0; py < vp.height_px; ++py) {
            float* dst = &out.At(0, py);
            const size_t r = static_cast<size_t>(py);
            // Same entry as the row above (compare both ends: clamped rows outside the matrix
            // share their lower end with the first row inside).
            if (py > 0 && rows.lo[r] == rows.lo[r - 1] && rows.hi[r] == rows.hi[r - 1]) {
                std::copy_n(dst - width, width, dst);
                continue;
            }
            const Index row = rows.bounds[static_cast<size_t>(rows.lo[r])];
            const bool row_inside = rows.lo[r] != rows.hi[r];
            for (int px = 0; px < width; ++px) {
                const size_t p = static_cast<size_t>(px);
                if (px > 0 && cols.lo[p] == cols.lo[p - 1] && cols.hi[p] == cols.hi[p - 1]) {
                    dst[px] = dst[px - 1];
                    continue;
                }
                std::optional<Index> param;
                if (row_inside && cols.lo[p] != cols.hi[p]) param = op.ParameterAt(row, cols.bounds[static_cast<size_t>(cols.lo[p])]);
                if (!param) {
                    dst[px] = nan;
                } else {
                    dst[px] = mode == RasterMode::MeanValue ? op.ParameterValue(*param) : static_cast<float>(*param);
                }
            }
        }
    }

    // All structural non-zeros of a pixel store one parameter iff each of its coordinates
    // (o, i, ky, kx) is constant over them, i.e. has zero variance: with N entries, S1 = sum v and
    // S2 = sum v^2, that is S1 = N v* and S2 = N v*^2 for v* = S1 / N. N, S1 and S2 are prefix
    // sums of Kronecker products like the counts, computed exactly in 128 bits (S2 < 2^63 * 2^32).
    static void RasterizeParameterId(const ConvOperator& op, const AxisPlan& rows, const AxisPlan& cols, Grid<float>& out) {
        const int width = out.width;
        const size_t pixels = out.data.size();
        std::vector<U128> n(pixels);
        KronEngine<U128>(Factors(op, FactorValue::Ones, FactorValue::Ones, FactorValue::Ones), rows, cols)
            .Run([&](int py, const U128* values, bool, const auto*, const auto&) { std::copy_n(values, width, n.data() + static_cast<size_t>(py) * width); });
        std::vector<std::array<Index, 4>> candidate(pixels, std::array<Index, 4>{0, 0, 0, 0});
        std::vector<unsigned char> unique(pixels, 1);
        struct Component {
            Index range;
            FactorValue g, y, x, g_sq, y_sq, x_sq;
        };
        const Component components[4] = {
            {op.m_spec.out_channels, FactorValue::First, FactorValue::Ones, FactorValue::Ones, FactorValue::FirstSq,
             FactorValue::Ones, FactorValue::Ones},
            {op.m_spec.in_channels, FactorValue::Second, FactorValue::Ones, FactorValue::Ones, FactorValue::SecondSq,
             FactorValue::Ones, FactorValue::Ones},
            {op.m_h.kernel, FactorValue::Ones, FactorValue::First, FactorValue::Ones, FactorValue::Ones,
             FactorValue::FirstSq, FactorValue::Ones},
            {op.m_w.kernel, FactorValue::Ones, FactorValue::Ones, FactorValue::First, FactorValue::Ones,
             FactorValue::Ones, FactorValue::FirstSq},
        };
        for (int k = 0; k < 4; ++k) {
            const Component& comp = components[k];
            if (comp.range <= 1) continue;  // the coordinate cannot vary
            KronEngine<U128>(Factors(op, comp.g, comp.y, comp.x), rows, cols).Run([&](int py, const U128* values, bool, const auto*, const auto&) {
                const size_t base = static_cast<size_t>(py) * width;
                for (int px = 0; px < width; ++px) {
                    const size_t i = base + static_cast<size_t>(px);
                    if (n[i] == 0 || !unique[i]) continue;
                    const U128 v = values[px] / n[i];
                    candidate[i][k] = static_cast<Index>(v);
                    unique[i] = values[px] == v * n[i];
                }
            });
            KronEngine<U128>(Factors(op, comp.g_sq, comp.y_sq, comp.x_sq), rows, cols).Run([&](int py, const U128* values, bool, const auto*, const auto&) {
                const size_t base = static_cast<size_t>(py) * width;
                for (int px = 0; px < width; ++px) {
                    const size_t i = base + static_cast<size_t>(px);
                    if (n[i] == 0 || !unique[i]) continue;
                    const U128 v = static_cast<U128>(candidate[i][k]);
                    unique[i] = values[px] == v * v * n[i];
                }
            });
        }
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (size_t i = 0; i < pixels; ++i) {
            if (n[i] == 0) {
                out.data[i] = nan;
            } else if (!unique[i]) {
                out.data[i] = -1.0f;
            } else {
                const auto& c = candidate[i];
                const Index in_local = c[1] - (c[0] / op.m_out_per_group) * op.m_in_per_group;
                out.data[i] = static_cast<float>(op.ParamIndex(c[0], in_local, c[2], c[3]));
            }
        }
    }
};

void ConvOperator::Rasterize(const Viewport& viewport, RasterMode mode, Grid<float>& out) const {
    ConvRasterAccess::Rasterize(*this, viewport, mode, out);
}

}  // namespace lens
