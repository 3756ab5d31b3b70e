// Tests of lens/conv.hpp: the expanded convolution matrix against independent references
// (naive loops written here, dense materialisation, brute-force rasterization), the notes'
// figures, PyTorch's size formula, and invalid specs.
//
// [SECTION] Independent reference
// [SECTION] Random specs: product, structure, references
// [SECTION] Random viewports: exact rasterization
// [SECTION] The notes' figures
// [SECTION] PyTorch's output size and padding
// [SECTION] Invalid specs
// [SECTION] Materialisation and export
// [SECTION] Hover text and labels
#include "lens/conv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

namespace lens {
namespace {

// [SECTION] Independent reference

// Padding per side as PyTorch resolves it (written again here on purpose).
void RefPadding(const ConvSpec& s, Index kernel, Index& lo, Index& hi) {
    const Index span = s.dilation * (kernel - 1);
    switch (s.padding_mode) {
        case PaddingMode::Explicit: lo = hi = s.padding; break;
        case PaddingMode::Valid: lo = hi = 0; break;
        case PaddingMode::Same: lo = span / 2; hi = span - lo; break;
        case PaddingMode::Full: lo = hi = span; break;
    }
}

struct RefGeometry {
    Index out_h, out_w, pad_top, pad_left;
};

RefGeometry RefGeom(const ConvSpec& s) {
    Index top = 0, bottom = 0, left = 0, right = 0;
    if (s.dims == 2) RefPadding(s, s.kernel_h, top, bottom);
    RefPadding(s, s.kernel_w, left, right);
    auto size = [&](Index in, Index k, Index lo, Index hi) {
        const double v = std::floor(static_cast<double>(in + lo + hi - s.dilation * (k - 1) - 1) / static_cast<double>(s.stride));
        return static_cast<Index>(v) + 1;
    };
    return {size(s.in_h, s.kernel_h, top, bottom), size(s.in_w, s.kernel_w, left, right), top, left};
}

// Naive convolution over C,H,W tensors, weights in PyTorch layout, double accumulation.
std::vector<double> RefConv(const ConvSpec& s, std::span<const float> w, std::span<const float> x) {
    const RefGeometry g = RefGeom(s);
    const Index cig = s.in_channels / s.groups, cog = s.out_channels / s.groups;
    std::vector<double> y(static_cast<size_t>(s.out_channels * g.out_h * g.out_w), 0.0);
    for (Index o = 0; o < s.out_channels; ++o)
        for (Index oy = 0; oy < g.out_h; ++oy)
            for (Index ox = 0; ox < g.out_w; ++ox) {
                double acc = 0;
                for (Index j = 0; j < cig; ++j)
                    for (Index ky = 0; ky < s.kernel_h; ++ky)
                        for (Index kx = 0; kx < s.kernel_w; ++kx) {
                            // Position in the zero-padded input, then back to the unpadded one.
                            const Index py = oy * s.stride + ky * s.dilation, px = ox * s.stride + kx * s.dilation;
                            const Index iy = py - g.pad_top, ix = px - g.pad_left;
                            if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;
                            const Index i = (o / cog) * cig + j;
                            acc += static_cast<double>(w[static_cast<size_t>(((o * cig + j) * s.kernel_h + ky) * s.kernel_w + kx)]) *
                                   x[static_cast<size_t>((i * s.in_h + iy) * s.in_w + ix)];
                        }
                y[static_cast<size_t>((o * g.out_h + oy) * g.out_w + ox)] = acc;
            }
    return y;
}

// Flat index of (c, y, x) in a C,H,W tensor flattened in `order`.
Index RefFlat(FlatOrder order, Index c, Index y, Index x, Index channels, Index h, Index w) {
    return order == FlatOrder::ChannelMajor ? (c * h + y) * w + x : (y * w + x) * channels + c;
}

// Tolerance for float results against a double reference: relative to the sum of |terms|.
void ExpectClose(std::span<const float> got, std::span<const double> want, double scale, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-5 * scale + 1e-5 * std::fabs(want[i])) << what << " at " << i;
    }
}

std::vector<float> RandomVector(size_t n, std::mt19937_64& rng) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& f : v) f = u(rng);
    return v;
}

// [SECTION] Random specs: product, structure, references

ConvSpec RandomSpec(std::mt19937_64& rng) {
    auto pick = [&](Index lo, Index hi) { return lo + static_cast<Index>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
    while (true) {
        ConvSpec s;
        s.dims = pick(1, 2) == 1 ? 1 : 2;
        s.groups = pick(1, 3);
        s.in_channels = s.groups * pick(1, 2);
        s.out_channels = s.groups * pick(1, 3);
        s.in_w = pick(1, 9);
        s.kernel_w = pick(1, 4);
        s.in_h = s.dims == 1 ? 1 : pick(1, 8);
        s.kernel_h = s.dims == 1 ? 1 : pick(1, 3);
        s.stride = pick(1, 3);
        s.dilation = pick(1, 3);
        s.padding_mode = static_cast<PaddingMode>(pick(0, 3));
        s.padding = pick(0, 3);
        s.bias = pick(0, 1) == 1;
        s.order = pick(0, 1) == 0 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        s.seed = rng();
        if (Validate(s).empty()) return s;
    }
}

TEST(ConvRandom, ApplyMatchesNaiveLoopsAndDenseMaterialisation) {
    std::mt19937_64 rng(2024);
    int checked = 0;
    for (int trial = 0; trial < 400; ++trial) {
        const ConvSpec s = RandomSpec(rng);
        auto op = ConvOperator::Create(s);
        ASSERT_TRUE(op.has_value());
        const RefGeometry g = RefGeom(s);
        ASSERT_EQ(op->Stats().out_h, g.out_h);
        ASSERT_EQ(op->Stats().out_w, g.out_w);
        ASSERT_EQ(op->Rows(), s.out_channels * g.out_h * g.out_w);
        ASSERT_EQ(op->Cols(), s.in_channels * s.in_h * s.in_w);
        ASSERT_EQ(op->Parameters(), s.kernel_h * s.kernel_w * (s.in_channels / s.groups) * s.out_channels);
        ASSERT_EQ(op->Stats().parameters, op->Parameters() + (s.bias ? s.out_channels : 0));

        const std::vector<float> x_chw = RandomVector(static_cast<size_t>(op->Cols()), rng);
        const std::vector<double> want_chw = RefConv(s, op->Weights(), x_chw);
        double scale = 1.0;  // sum of |w| bounds every |term| since |x| <= 1
        for (float w : op->Weights()) scale += std::fabs(w);

        // Inputs/outputs in the operator's order.
        std::vector<float> x(x_chw.size());
        std::vector<double> want(want_chw.size());
        for (Index c = 0; c < s.in_channels; ++c)
            for (Index yy = 0; yy < s.in_h; ++yy)
                for (Index xx = 0; xx < s.in_w; ++xx)
                    x[static_cast<size_t>(RefFlat(s.order, c, yy, xx, s.in_channels, s.in_h, s.in_w))] =
                        x_chw[static_cast<size_t>((c * s.in_h + yy) * s.in_w + xx)];
        for (Index c = 0; c < s.out_channels; ++c)
            for (Index yy = 0; yy < g.out_h; ++yy)
                for (Index xx = 0; xx < g.out_w; ++xx)
                    want[static_cast<size_t>(RefFlat(s.order, c, yy, xx, s.out_channels, g.out_h, g.out_w))] =
                        want_chw[static_cast<size_t>((c * g.out_h + yy) * g.out_w + xx)];

        std::vector<float> y(static_cast<size_t>(op->Rows()));
        op->Apply(x, y);
        ExpectClose(y, want, scale, "Apply");

        // Dense matrix built here from ForEachInRow, also checking its contract.
        Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(op->Rows(), op->Cols());
        Count enumerated = 0;
        for (Index r = 0; r < op->Rows(); ++r) {
            Index last = -1;
            op->ForEachInRow(r, [&](Index c, Index p) {
                ASSERT_GT(c, last) << "ascending columns";
                last = c;
                ASSERT_GE(p, 0);
                ASSERT_LT(p, op->Parameters());
                ASSERT_EQ(op->ParameterAt(r, c), p);
                dense(r, c) = op->ParameterValue(p);
                ++enumerated;
            });
        }
        ASSERT_EQ(enumerated, op->NonZeros());
        const Eigen::VectorXd xd = Eigen::Map<const Eigen::VectorXf>(x.data(), static_cast<Eigen::Index>(x.size())).cast<double>();
        const Eigen::VectorXd yd = dense * xd;
        for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(yd[static_cast<Eigen::Index>(i)], want[i], 1e-9 * scale);

        // The library's own CHW references agree too.
        std::vector<float> y_chw(want_chw.size());
        ASSERT_TRUE(ConvDirect(*op, x_chw, y_chw));
        ExpectClose(y_chw, want_chw, scale, "ConvDirect");
        std::fill(y_chw.begin(), y_chw.end(), 0.0f);
        ASSERT_TRUE(ConvIm2colGemm(*op, x_chw, y_chw, 1 << 20));
        ExpectClose(y_chw, want_chw, scale, "ConvIm2colGemm");
        const auto dense_f = ToDense(*op, 1 << 22);
        ASSERT_TRUE(dense_f.has_value());
        ASSERT_TRUE(ConvDenseGemm(*op, *dense_f, x_chw, y_chw));
        ExpectClose(y_chw, want_chw, scale, "ConvDenseGemm");

        // Bias stays outside the matrix.
        std::vector<float> biased = y;
        op->ApplyBias(biased);
        for (Index r = 0; r < op->Rows(); ++r) {
            const float b = s.bias ? op->Bias()[static_cast<size_t>(op->DecodeRow(r).c)] : 0.0f;
            ASSERT_FLOAT_EQ(biased[static_cast<size_t>(r)], y[static_cast<size_t>(r)] + b);
        }
        ++checked;
    }
    EXPECT_EQ(checked, 400);
}

TEST(ConvRandom, IndexMapsRoundTrip) {
    std::mt19937_64 rng(99);
    for (int trial = 0; trial < 100; ++trial) {
        const ConvSpec s = RandomSpec(rng);
        const auto op = ConvOperator::Create(s);
        ASSERT_TRUE(op);
        for (Index r = 0; r < op->Rows(); ++r) ASSERT_EQ(op->EncodeRow(op->DecodeRow(r)), r);
        for (Index c = 0; c < op->Cols(); ++c) ASSERT_EQ(op->EncodeCol(op->DecodeCol(c)), c);
        for (Index p = 0; p < op->Parameters(); ++p) {
            const auto q = op->DecodeParam(p);
            ASSERT_EQ(op->ParamIndex(q.out_c, q.in_local, q.ky, q.kx), p);
        }
        // ForEachTap lists exactly the row's non-zeros.
        for (Index r = 0; r < op->Rows(); ++r) {
            std::vector<std::pair<Index, Index>> from_row, from_taps;
            op->ForEachInRow(r, [&](Index c, Index p) { from_row.emplace_back(c, p); });
            const ConvCoord o = op->DecodeRow(r);
            op->ForEachTap(o.c, o.y, o.x, [&](Index ic, Index iy, Index ix, Index p) {
                from_taps.emplace_back(op->EncodeCol({ic, iy, ix}), p);
            });
            std::sort(from_taps.begin(), from_taps.end());
            ASSERT_EQ(from_row, from_taps);
        }
    }
}

// [SECTION] Random viewports: exact rasterization

// Compares the fast rasterizer with the brute-force one (RasterizeByRows) in every mode.
void ExpectSameRaster(const ConvOperator& op, const Viewport& vp, const std::string& what) {
    for (RasterMode mode : {RasterMode::Count, RasterMode::MeanValue, RasterMode::ParameterId}) {
        Grid<float> fast, slow;
        op.Rasterize(vp, mode, fast);
        RasterizeByRows(op, vp, mode, slow);
        ASSERT_EQ(fast.width, slow.width);
        ASSERT_EQ(fast.height, slow.height);
        for (size_t i = 0; i < fast.data.size(); ++i) {
            const float a = fast.data[i], b = slow.data[i];
            if (std::isnan(b)) {
                ASSERT_TRUE(std::isnan(a)) << what << " mode " << static_cast<int>(mode) << " pixel " << i << " got " << a;
            } else if (mode == RasterMode::MeanValue) {
                ASSERT_NEAR(a, b, 1e-5f * (1.0f + std::fabs(b))) << what << " pixel " << i;
            } else {
                ASSERT_EQ(a, b) << what << " mode " << static_cast<int>(mode) << " pixel " << i;
            }
        }
    }
}

TEST(ConvRaster, RandomViewportsMatchBruteForce) {
    std::mt19937_64 rng(31337);
    auto pick = [&](Index lo, Index hi) { return lo + static_cast<Index>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
    for (int trial = 0; trial < 300; ++trial) {
        const ConvSpec s = RandomSpec(rng);
        const auto op = ConvOperator::Create(s);
        ASSERT_TRUE(op);
        const Index rows = op->Rows(), cols = op->Cols();
        // Whole matrix at a random size (zoomed in or out per axis), then a sub-rectangle that
        // may stick out of the matrix.
        Viewport whole = WholeMatrix(*op, static_cast<int>(pick(1, 48)), static_cast<int>(pick(1, 48)));
        ExpectSameRaster(*op, whole, "whole, trial " + std::to_string(trial));
        Viewport sub;
        sub.row0 = pick(-2, rows - 1);
        sub.col0 = pick(-2, cols - 1);
        sub.rows = pick(1, rows + 2);
        sub.cols = pick(1, cols + 2);
        sub.width_px = static_cast<int>(pick(1, 40));
        sub.height_px = static_cast<int>(pick(1, 40));
        ExpectSameRaster(*op, sub, "sub, trial " + std::to_string(trial));

        // Zoomed out, the counts add up to the non-zeros exactly.
        Grid<float> grid;
        const int w = static_cast<int>(std::min<Index>(cols, pick(1, 33))), h = static_cast<int>(std::min<Index>(rows, pick(1, 33)));
        op->Rasterize(WholeMatrix(*op, w, h), RasterMode::Count, grid);
        Count total = 0;
        for (float v : grid.data) total += static_cast<Count>(v);
        ASSERT_EQ(total, op->NonZeros());
    }
}

TEST(ConvRaster, PeriodicPixelGridsMatchBruteForce) {
    // When a whole number of pixels spans one input channel's columns, the rasterizer copies
    // windows between channels instead of evaluating them: check exactly those layouts.
    std::mt19937_64 rng(777);
    auto pick = [&](Index lo, Index hi) { return lo + static_cast<Index>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
    for (int trial = 0; trial < 120; ++trial) {
        ConvSpec s = RandomSpec(rng);
        s.order = FlatOrder::ChannelMajor;
        s.groups = pick(1, 2);
        s.in_channels = s.groups * pick(5, 7);  // the shortcut needs >= 5 channels per group
        s.out_channels = s.groups * pick(1, 2);
        if (!Validate(s).empty()) continue;
        const auto op = ConvOperator::Create(s);
        ASSERT_TRUE(op);
        const Index plane = s.in_h * s.in_w;  // columns per input channel
        const Index channels_shown = pick(5, s.in_channels);
        Viewport vp;
        vp.cols = channels_shown * plane;
        vp.col0 = pick(0, op->Cols() - vp.cols);  // any offset keeps the grid periodic
        vp.width_px = static_cast<int>(channels_shown * pick(1, 3));
        vp.rows = pick(1, op->Rows());
        vp.row0 = pick(0, op->Rows() - vp.rows);
        vp.height_px = static_cast<int>(pick(1, 30));
        ExpectSameRaster(*op, vp, "periodic trial " + std::to_string(trial));
    }
}

TEST(ConvRaster, LargeKernelsMatchBruteForce) {
    // Kernels above 16 taps build their prefix tables by a sweep instead of direct sums.
    std::mt19937_64 rng(555);
    auto pick = [&](Index lo, Index hi) { return lo + static_cast<Index>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
    for (int trial = 0; trial < 40; ++trial) {
        ConvSpec s;
        s.dims = trial % 2 == 0 ? 1 : 2;
        s.in_w = pick(20, 70);
        s.kernel_w = pick(17, 40);
        s.in_h = s.dims == 1 ? 1 : pick(1, 4);
        s.kernel_h = s.dims == 1 ? 1 : pick(1, 2);
        s.in_channels = pick(1, 2);
        s.out_channels = pick(1, 2);
        s.stride = pick(1, 3);
        s.dilation = pick(1, 2);
        s.padding_mode = static_cast<PaddingMode>(pick(0, 3));
        s.padding = pick(0, 20);
        s.order = pick(0, 1) == 0 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        if (!Validate(s).empty()) continue;
        const auto op = ConvOperator::Create(s);
        ASSERT_TRUE(op);
        ExpectSameRaster(*op, WholeMatrix(*op, static_cast<int>(pick(1, 60)), static_cast<int>(pick(1, 60))),
                         "large kernel trial " + std::to_string(trial));
    }
}

TEST(ConvRaster, LargePresetsMatchBruteForceOnThinViewports) {
    // The brute force costs (rows shown) x (non-zeros per row), so thin bands of the huge
    // matrices are checkable: they exercise large coordinates, channel boundaries and both orders.
    std::mt19937_64 rng(4242);
    for (const auto& [name, preset] : ConvPresets()) {
        for (FlatOrder order : {FlatOrder::ChannelMajor, FlatOrder::PositionMajor}) {
            ConvSpec s = preset;
            s.order = order;
            const auto op = ConvOperator::Create(s);
            ASSERT_TRUE(op) << name;
            for (int trial = 0; trial < 4; ++trial) {
                Viewport vp;
                vp.rows = 1 + static_cast<Index>(rng() % 40);
                vp.row0 = static_cast<Index>(rng() % static_cast<uint64_t>(op->Rows() - vp.rows + 1));
                vp.cols = 1 + static_cast<Index>(rng() % static_cast<uint64_t>(op->Cols()));
                vp.col0 = static_cast<Index>(rng() % static_cast<uint64_t>(op->Cols() - vp.cols + 1));
                vp.width_px = 1 + static_cast<int>(rng() % 64);
                vp.height_px = 1 + static_cast<int>(rng() % 64);
                ExpectSameRaster(*op, vp, name + " trial " + std::to_string(trial));
            }
        }
    }
}

TEST(ConvRaster, LargestCaseWholeMatrixCountsAreExact) {
    const auto op = ConvOperator::Create(*FindConvPreset("conv2d_256_c64"));
    ASSERT_TRUE(op);
    for (auto [w, h] : {std::pair{1024, 1024}, std::pair{1000, 777}, std::pair{1, 1}, std::pair{3, 2}}) {
        Grid<float> grid;
        op->Rasterize(WholeMatrix(*op, w, h), RasterMode::Count, grid);
        ASSERT_EQ(grid.width, w);
        Count total = 0;
        double as_float = 0;
        for (float v : grid.data) {
            as_float += v;
            total += static_cast<Count>(v);
        }
        if (w * h >= 1000) {  // pixels hold fewer than 2^24 non-zeros: exact as floats
            EXPECT_EQ(total, op->NonZeros()) << w << "x" << h;
        }
        EXPECT_NEAR(as_float, static_cast<double>(op->NonZeros()), 1e-6 * static_cast<double>(op->NonZeros()));
    }
}

TEST(ConvRaster, CountsAbove2To53UseExactIntegers) {
    // 4 -> 4 channels, 23200 x 23200, 1024 x 1024 kernel, full padding: about 9.03e15 non-zeros,
    // past what doubles count exactly, so the rasterizer switches to 64-bit integers. (The
    // weights take 64 MB.)
    ConvSpec s;
    s.in_h = s.in_w = 23'200;
    s.in_channels = s.out_channels = 4;
    s.kernel_h = s.kernel_w = 1024;
    s.padding_mode = PaddingMode::Full;
    const auto op = ConvOperator::Create(s);
    ASSERT_TRUE(op);
    EXPECT_EQ(op->NonZeros(), Count{16} * (Count{1024} * 23'200) * (Count{1024} * 23'200));
    EXPECT_GT(op->NonZeros(), Count{1} << 53);
    Grid<float> grid;
    op->Rasterize(WholeMatrix(*op, 48, 40), RasterMode::Count, grid);
    double total = 0;
    for (float v : grid.data) total += v;
    EXPECT_NEAR(total, static_cast<double>(op->NonZeros()), 1e-6 * static_cast<double>(op->NonZeros()));
    // One full row (4 Mi non-zeros) checked pixel by pixel against the brute force.
    const Viewport row{op->Rows() / 2 + 12345, 0, 1, op->Cols(), 64, 1};
    Grid<float> fast, slow;
    op->Rasterize(row, RasterMode::Count, fast);
    RasterizeByRows(*op, row, RasterMode::Count, slow);
    ASSERT_EQ(fast.data, slow.data);
}

TEST(ConvRaster, ParameterIdAndMeanOnSmallestCases) {
    // 1-D, one channel, kernel 3, full padding: a 258 x 256 banded Toeplitz matrix. Zoomed to
    // one pixel per entry, diagonal d (col - row + 2) stores weight w[0,0,d].
    const auto op = ConvOperator::Create(*FindConvPreset("conv1d_256_k3"));
    ASSERT_TRUE(op);
    Grid<float> ids, means;
    op->Rasterize(WholeMatrix(*op, 256, 258), RasterMode::ParameterId, ids);
    op->Rasterize(WholeMatrix(*op, 256, 258), RasterMode::MeanValue, means);
    for (int r = 0; r < 258; ++r) {
        for (int c = 0; c < 256; ++c) {
            const int tap = c - r + 2;
            if (tap >= 0 && tap < 3) {
                ASSERT_EQ(ids.At(c, r), tap);
                ASSERT_EQ(means.At(c, r), op->Weights()[static_cast<size_t>(tap)]);
            } else {
                ASSERT_TRUE(std::isnan(ids.At(c, r)));
                ASSERT_TRUE(std::isnan(means.At(c, r)));
            }
        }
    }
    // Zoomed out 2:1 on both axes, pixels hold several taps: mixed.
    op->Rasterize(WholeMatrix(*op, 128, 129), RasterMode::ParameterId, ids);
    EXPECT_EQ(ids.At(10, 10), -1.0f);
    EXPECT_TRUE(std::isnan(ids.At(100, 10)));
}

TEST(ConvRaster, InvalidViewportsGiveEmptyGrids) {
    const auto op = ConvOperator::Create(*FindConvPreset("small"));
    Grid<float> grid(5, 5, 1.0f);
    op->Rasterize(Viewport{0, 0, 0, 10, 10, 10}, RasterMode::Count, grid);
    EXPECT_TRUE(grid.Empty());
    op->Rasterize(Viewport{0, 0, 10, 10, kMaxRasterSide + 1, 10}, RasterMode::Count, grid);
    EXPECT_TRUE(grid.Empty());
    op->Rasterize(Viewport{std::numeric_limits<Index>::max(), 0, 10, 10, 4, 4}, RasterMode::Count, grid);
    EXPECT_TRUE(grid.Empty());
    // Entirely outside the matrix: valid, and empty.
    op->Rasterize(Viewport{1000, 1000, 10, 10, 4, 4}, RasterMode::Count, grid);
    ASSERT_EQ(grid.data.size(), 16u);
    for (float v : grid.data) EXPECT_EQ(v, 0.0f);
    op->Rasterize(Viewport{1000, 1000, 10, 10, 4, 4}, RasterMode::MeanValue, grid);
    for (float v : grid.data) EXPECT_TRUE(std::isnan(v));
}

// [SECTION] The notes' figures

TEST(ConvNotes, OneDimensional) {
    const auto k3 = ComputeConvStats(*FindConvPreset("conv1d_256_k3"));
    ASSERT_TRUE(k3);
    EXPECT_EQ(k3->rows, 258);  // "258 = 256 + 3 - 1"
    EXPECT_EQ(k3->cols, 256);
    EXPECT_EQ(k3->nonzeros, 3 * 256);  // the notes' "3 x 258" counts the 6 corner taps that hit padding
    EXPECT_EQ(k3->padded_macs, 3 * 258);
    EXPECT_EQ(k3->weights, 3);

    const auto c64 = ComputeConvStats(*FindConvPreset("conv1d_256_c64"));
    ASSERT_TRUE(c64);
    EXPECT_EQ(c64->rows, 258 * 64);
    EXPECT_EQ(c64->cols, 256 * 64);
    EXPECT_EQ(c64->weights, 3 * 64 * 64);  // kernel x Cin x Cout
    EXPECT_EQ(c64->nonzeros, Count{3} * 256 * 64 * 64);
}

TEST(ConvNotes, TwoDimensionalLargestCase) {
    const ConvSpec s = *FindConvPreset("conv2d_256_c64");
    const auto st = ComputeConvStats(s);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->out_h, 258);
    EXPECT_EQ(st->rows, 4'260'096);  // 258 x 258 x 64
    EXPECT_EQ(st->cols, 4'194'304);  // 256 x 256 x 64
    EXPECT_EQ(st->dense_macs, Count{4'260'096} * 4'194'304);
    // Closed form, counted here independently: per tap, the output positions whose input is
    // inside, separately per axis; times every (out, in) channel pair.
    Count per_axis = 0;
    for (Index k = 0; k < 3; ++k)
        for (Index o = 0; o < 258; ++o) per_axis += (o - 2 + k >= 0 && o - 2 + k < 256);
    EXPECT_EQ(per_axis, 768);
    EXPECT_EQ(st->nonzeros, per_axis * per_axis * 64 * 64);
    EXPECT_EQ(st->nonzeros, 2'415'919'104);  // "about 2.4 billion"
    EXPECT_EQ(st->weights, 36'864);          // 3x3x64x64 = 36.9K
    EXPECT_EQ(st->separable_weights, 4'672); // 3x3x64 + 64x64 = 4.7K
    EXPECT_EQ(st->im2col_rows, 258 * 258);
    EXPECT_EQ(st->im2col_cols, 3 * 3 * 64);
    EXPECT_NEAR(st->gemm_utilization, 2'415'919'104.0 / (4'260'096.0 * 4'194'304.0), 1e-18);
    const auto op = ConvOperator::Create(s);
    ASSERT_TRUE(op);
    EXPECT_EQ(op->NonZeros(), 2'415'919'104);
}

TEST(ConvNotes, SeparableFigures) {
    EXPECT_EQ(StandardConvWeights(3, 3, 64, 64), 36'864);
    EXPECT_EQ(SeparableParameters(3, 3, 64, 64), 4'672);
    EXPECT_EQ(StandardConvWeights(3, 3, 512, 1024), 4'718'592);   // "4.7M"
    EXPECT_EQ(SeparableParameters(3, 3, 512, 1024), 528'896);     // MobileNet-style "529K", 11%
    EXPECT_FALSE(SeparableParameters(Count{1} << 40, Count{1} << 40, 2, 2).has_value());

    const auto depthwise = ComputeConvStats(*FindConvPreset("depthwise"));
    ASSERT_TRUE(depthwise);
    EXPECT_EQ(depthwise->weights, 3 * 3 * 64);
    EXPECT_EQ(depthwise->rows, 256 * 256 * 64);
    const auto pointwise = ComputeConvStats(*FindConvPreset("pointwise"));
    ASSERT_TRUE(pointwise);
    EXPECT_EQ(pointwise->weights, 64 * 64);
    EXPECT_EQ(pointwise->nonzeros, Count{256} * 256 * 64 * 64);
    EXPECT_EQ(pointwise->useful_macs, pointwise->padded_macs);  // no padding, no wasted taps
    const auto small = ComputeConvStats(*FindConvPreset("small"));
    ASSERT_TRUE(small);
    EXPECT_EQ(small->rows, 64);
    EXPECT_EQ(small->cols, 64);
}

// [SECTION] PyTorch's output size and padding

TEST(ConvShape, OutputSizeFormula) {
    EXPECT_EQ(ConvOutputSize(5, 3, 2, 1, 1, 1), 3);
    EXPECT_EQ(ConvOutputSize(7, 3, 1, 0, 0, 2), 3);
    EXPECT_EQ(ConvOutputSize(256, 3, 1, 2, 2, 1), 258);
    EXPECT_EQ(ConvOutputSize(224, 16, 16, 0, 0, 1), 14);  // ViT patch embedding
    EXPECT_EQ(ConvOutputSize(6, 3, 2, 0, 0, 1), 2);       // floor((6-3)/2)+1
    EXPECT_EQ(ConvOutputSize(2, 5, 1, 0, 0, 1), -2);      // does not fit: < 1
}

TEST(ConvShape, SamePaddingSplitsLikePyTorch) {
    ConvSpec s;
    s.in_h = s.in_w = 10;
    s.kernel_h = 4;  // even kernel, total 3: 1 on top, 2 at the bottom
    s.kernel_w = 5;
    s.padding_mode = PaddingMode::Same;
    EXPECT_EQ(ResolvePadding(s, true).lo, 1);
    EXPECT_EQ(ResolvePadding(s, true).hi, 2);
    s.dilation = 2;  // width: total 2*4 = 8, split 4 and 4
    EXPECT_EQ(ResolvePadding(s, false).lo, 4);
    EXPECT_EQ(ResolvePadding(s, false).hi, 4);
    EXPECT_EQ(ResolvePadding(s, true).lo, 3);  // total 6
    const auto st = ComputeConvStats(s);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->out_h, 10);
    EXPECT_EQ(st->out_w, 10);
    s.padding_mode = PaddingMode::Full;
    EXPECT_EQ(ResolvePadding(s, false).lo, 8);
    s.dims = 1;
    EXPECT_EQ(ResolvePadding(s, true).lo, 0);  // 1-D never pads the height
}

// [SECTION] Invalid specs

bool HasIssue(const ConvSpec& s, const std::string& field) {
    for (const SpecIssue& issue : Validate(s)) {
        EXPECT_FALSE(issue.message.empty());
        if (issue.field == field) return true;
    }
    return false;
}

TEST(ConvValidate, NamesTheField) {
    const ConvSpec good = *FindConvPreset("small");
    EXPECT_TRUE(Validate(good).empty());
    auto with = [&](auto change) {
        ConvSpec s = good;
        change(s);
        return s;
    };
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.in_w = 2; s.kernel_w = 5; s.padding_mode = PaddingMode::Valid; }), "kernel_w"));
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.in_h = 2; s.dilation = 3; s.padding_mode = PaddingMode::Valid; }), "kernel_h"));
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.in_channels = 4; s.groups = 3; s.out_channels = 3; }), "groups"));
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.in_channels = 3; s.groups = 3; s.out_channels = 4; }), "groups"));
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.stride = 2; }), "padding_mode"));  // 'same' with stride 2
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.dims = 3; }), "dims"));
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.dims = 1; }), "in_h"));  // 1-D with in_h 8
    // 1-D with a height or kernel height != 1 is refused by name, never silently flattened.
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.dims = 1; s.in_h = 1; }), "kernel_h"));  // kernel_h 3
    EXPECT_FALSE(HasIssue(with([](ConvSpec& s) { s.dims = 1; s.in_h = 1; }), "in_h"));
    EXPECT_TRUE(Validate(with([](ConvSpec& s) { s.dims = 1; s.in_h = 1; s.kernel_h = 1; })).empty());
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.dims = 1; s.in_h = 5; s.kernel_h = 1; }), "in_h"));
    EXPECT_FALSE(ConvOperator::Create(with([](ConvSpec& s) { s.dims = 1; s.in_h = 5; s.kernel_h = 1; })));
    for (const char* field : {"in_h", "in_w", "in_channels", "out_channels", "kernel_h", "kernel_w", "stride", "dilation", "groups"}) {
        for (Index bad : {Index{0}, Index{-1}, std::numeric_limits<Index>::min(), std::numeric_limits<Index>::max()}) {
            ConvSpec s = good;
            if (std::string(field) == "in_h") s.in_h = bad;
            if (std::string(field) == "in_w") s.in_w = bad;
            if (std::string(field) == "in_channels") s.in_channels = bad;
            if (std::string(field) == "out_channels") s.out_channels = bad;
            if (std::string(field) == "kernel_h") s.kernel_h = bad;
            if (std::string(field) == "kernel_w") s.kernel_w = bad;
            if (std::string(field) == "stride") s.stride = bad;
            if (std::string(field) == "dilation") s.dilation = bad;
            if (std::string(field) == "groups") s.groups = bad;
            EXPECT_TRUE(HasIssue(s, field)) << field << " = " << bad;
            EXPECT_FALSE(ConvOperator::Create(s).has_value());
            EXPECT_FALSE(ComputeConvStats(s).has_value());
        }
    }
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.padding = -1; }), "padding"));
    EXPECT_TRUE(HasIssue(with([](ConvSpec& s) { s.in_h = s.in_w = 1'000'000'000; }), "in_h"));
}

TEST(ConvValidate, OverflowAndBudgetsAreCaughtBeforeAllocating) {
    ConvSpec huge;  // every field at its limit: the matrix would have ~2^112 entries
    huge.in_h = huge.in_w = kConvMaxSide;
    huge.in_channels = huge.out_channels = kConvMaxChannels;
    huge.kernel_h = huge.kernel_w = 1;
    huge.padding_mode = PaddingMode::Valid;
    EXPECT_TRUE(HasIssue(huge, "in_h"));
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(ConvOperator::Create(huge, &issues).has_value());
    EXPECT_FALSE(issues.empty());

    ConvSpec heavy;  // fits in 64 bits but would store 2^36 weights
    heavy.in_h = heavy.in_w = 256;
    heavy.in_channels = heavy.out_channels = 1024;
    heavy.kernel_h = heavy.kernel_w = 256;
    heavy.padding_mode = PaddingMode::Same;
    EXPECT_TRUE(HasIssue(heavy, "out_channels"));

    ConvSpec wide = huge;  // one channel: 2^40 x 2^40 has 2^80 entries, over 64 bits
    wide.in_channels = wide.out_channels = 1;
    EXPECT_TRUE(HasIssue(wide, "in_h"));

    wide.in_h = wide.in_w = Index{1} << 15;  // 2^30 rows: stats and rasterization use the structure
    wide.kernel_h = wide.kernel_w = 3;
    wide.padding_mode = PaddingMode::Same;
    const auto op = ConvOperator::Create(wide);
    ASSERT_TRUE(op);
    EXPECT_EQ(op->Rows(), Index{1} << 30);
    Grid<float> grid;
    op->Rasterize(WholeMatrix(*op, 64, 64), RasterMode::Count, grid);
    Count total = 0;
    for (float v : grid.data) total += static_cast<Count>(v);
    EXPECT_NEAR(static_cast<double>(total), static_cast<double>(op->NonZeros()), 1e-6 * static_cast<double>(op->NonZeros()));
}

// [SECTION] Materialisation and export

TEST(ConvExport, BudgetsRefuseWithAMessage) {
    const auto big = ConvOperator::Create(*FindConvPreset("conv2d_256_c64"));
    ASSERT_TRUE(big);
    std::string why;
    EXPECT_FALSE(ToDense(*big, Count{1} << 28, &why).has_value());
    EXPECT_NE(why.find("budget"), std::string::npos);
    why.clear();
    EXPECT_FALSE(ToSparse(*big, 10'000'000, &why).has_value());
    EXPECT_NE(why.find("budget"), std::string::npos);
    why.clear();
    EXPECT_FALSE(WriteMatrixMarket(*big, ::testing::TempDir() + "never.mtx", 10'000'000, &why));
    EXPECT_FALSE(why.empty());
    std::vector<float> x(static_cast<size_t>(big->Cols())), y(static_cast<size_t>(big->Rows()));
    EXPECT_FALSE(ConvIm2colGemm(*big, x, y, 1'000'000, &why));

    const auto small = ConvOperator::Create(*FindConvPreset("small"));
    const auto sparse = ToSparse(*small, 10'000);
    const auto dense = ToDense(*small, 10'000);
    ASSERT_TRUE(sparse && dense);
    EXPECT_EQ(sparse->nonZeros(), small->NonZeros());
    EXPECT_TRUE(Eigen::MatrixXf(*sparse).isApprox(*dense));
}

TEST(ConvExport, MatrixMarketParsesBack) {
    ConvSpec s = *FindConvPreset("small");
    s.in_channels = 2;
    s.out_channels = 2;
    s.order = FlatOrder::PositionMajor;
    const auto op = ConvOperator::Create(s);
    ASSERT_TRUE(op);
    const std::string path = ::testing::TempDir() + "lens_conv_small.mtx";
    std::string error;
    ASSERT_TRUE(WriteMatrixMarket(*op, path, 100'000, &error)) << error;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "%%MatrixMarket matrix coordinate real general");
    while (in.peek() == '%') std::getline(in, line);
    long long rows = 0, cols = 0, nnz = 0;
    in >> rows >> cols >> nnz;
    ASSERT_EQ(rows, op->Rows());
    ASSERT_EQ(cols, op->Cols());
    ASSERT_EQ(nnz, op->NonZeros());
    for (long long k = 0; k < nnz; ++k) {
        long long r = 0, c = 0;
        float v = 0;
        in >> r >> c >> v;
        const auto param = op->ParameterAt(r - 1, c - 1);
        ASSERT_TRUE(param.has_value()) << r << "," << c;
        ASSERT_EQ(v, op->ParameterValue(*param));  // %.9g round-trips floats exactly
    }
    std::remove(path.c_str());
}

TEST(ConvWeights, SeededSettableAndPyTorchBound) {
    const ConvSpec s = *FindConvPreset("conv2d_256_c64");
    auto a = ConvOperator::Create(s);
    auto b = ConvOperator::Create(s);
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(std::equal(a->Weights().begin(), a->Weights().end(), b->Weights().begin()));
    const double bound = 1.0 / std::sqrt(64.0 * 9.0);
    for (float w : a->Weights()) ASSERT_LE(std::fabs(w), bound);
    ConvSpec other = s;
    other.seed = 2;
    auto c = ConvOperator::Create(other);
    EXPECT_FALSE(std::equal(a->Weights().begin(), a->Weights().end(), c->Weights().begin()));
    EXPECT_FALSE(a->SetWeights(std::vector<float>(5)));
    std::vector<float> ramp(a->Weights().size());
    for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i);
    EXPECT_TRUE(a->SetWeights(ramp));
    EXPECT_EQ(a->ParameterValue(1234), 1234.0f);
    EXPECT_FALSE(a->SetBias({1.0f}));  // no bias in this spec
}

// [SECTION] Hover text and labels

TEST(ConvText, DescribeAndLabels) {
    ConvSpec s;
    s.in_h = s.in_w = 8;
    s.in_channels = 2;
    s.out_channels = 3;
    s.padding_mode = PaddingMode::Explicit;
    s.padding = 1;
    auto op = ConvOperator::Create(s);
    ASSERT_TRUE(op);
    std::vector<float> w(op->Weights().size(), 0.0f);
    w[static_cast<size_t>(op->ParamIndex(2, 1, 0, 0))] = 0.1234f;
    ASSERT_TRUE(op->SetWeights(w));
    const Index row = op->EncodeRow({2, 5, 7});
    EXPECT_EQ(op->Describe(row, op->EncodeCol({1, 4, 6})), "output (c=2, y=5, x=7) <- input (c=1, y=4, x=6) via w[2,1,0,0] = 0.1234");
    EXPECT_EQ(op->Describe(row, op->EncodeCol({1, 0, 0})), "output (c=2, y=5, x=7), input (c=1, y=0, x=0): zero (outside the receptive field)");
    EXPECT_EQ(op->RowLabel(row), "out (c=2, y=5, x=7)");
    EXPECT_EQ(op->ColLabel(op->EncodeCol({1, 4, 6})), "in (c=1, y=4, x=6)");
    EXPECT_EQ(op->ParameterLabel(op->ParamIndex(2, 1, 0, 2)), "w[2,1,0,2]");
    EXPECT_EQ(op->Describe(-1, 0), "outside the matrix");

    ConvSpec g = s;
    g.groups = 2;
    g.in_channels = 2;
    g.out_channels = 2;
    auto grouped = ConvOperator::Create(g);
    ASSERT_TRUE(grouped);
    EXPECT_NE(grouped->Describe(grouped->EncodeRow({0, 3, 3}), grouped->EncodeCol({1, 3, 3})).find("group"), std::string::npos);

    const auto one_d = ConvOperator::Create(*FindConvPreset("conv1d_256_k3"));
    EXPECT_EQ(one_d->RowLabel(5), "out (c=0, x=5)");
    EXPECT_EQ(one_d->ParameterLabel(2), "w[0,0,2]");  // Conv1d weight is (out, in/groups, k)
}

}  // namespace
}  // namespace lens
