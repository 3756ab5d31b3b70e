// tests/core/test_im2col.cpp: the im2col matrix against a naive unfold written here, for random
// small convolutions; im2col x (weights as a column) equals the convolution.
#include <gtest/gtest.h>

#include <random>

#include <lens/im2col.hpp>

namespace {

using namespace lens;

ConvSpec RandomSpec(std::mt19937& rng) {
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (;;) {
        ConvSpec s;
        s.dims = pick(1, 2);
        s.in_w = pick(1, 9);
        s.in_h = s.dims == 1 ? 1 : pick(1, 9);
        s.groups = pick(1, 3);
        s.in_channels = s.groups * pick(1, 2);
        s.out_channels = s.groups * pick(1, 2);
        s.kernel_w = pick(1, 4);
        s.kernel_h = s.dims == 1 ? 1 : pick(1, 4);
        s.stride = pick(1, 3);
        s.dilation = pick(1, 2);
        s.padding_mode = static_cast<PaddingMode>(pick(0, 3));
        s.padding = pick(0, 2);
        s.order = pick(0, 1) ? FlatOrder::PositionMajor : FlatOrder::ChannelMajor;
        s.seed = static_cast<std::uint64_t>(pick(1, 1000));
        if (Validate(s).empty()) return s;
    }
}

TEST(Im2col, MatchesNaiveUnfoldAndConvolution) {
    std::mt19937 rng(1234);
    for (int trial = 0; trial < 200; ++trial) {
        const ConvSpec spec = RandomSpec(rng);
        auto op = std::make_shared<const ConvOperator>(*ConvOperator::Create(spec));
        const ConvStats& st = op->Stats();
        const Index per = spec.in_channels / spec.groups;
        std::vector<float> x(static_cast<size_t>(op->Cols()));
        std::uniform_real_distribution<float> u(-1, 1);
        for (auto& v : x) v = u(rng);
        for (Index g = 0; g < spec.groups; ++g) {
            Im2colMatrix m(op, g, x);
            ASSERT_EQ(m.Rows(), st.out_h * st.out_w);
            ASSERT_EQ(m.Cols(), per * spec.kernel_h * spec.kernel_w);
            Count nonzeros = 0;
            // Naive unfold: entry (p, (i, ky, kx)) is x[g*per + i, oy*s - pad + ky*d, ox*s - pad + kx*d] or 0.
            for (Index oy = 0; oy < st.out_h; ++oy)
                for (Index ox = 0; ox < st.out_w; ++ox)
                    for (Index i = 0; i < per; ++i)
                        for (Index ky = 0; ky < spec.kernel_h; ++ky)
                            for (Index kx = 0; kx < spec.kernel_w; ++kx) {
                                const Index iy = oy * spec.stride - st.pad_h.lo + ky * spec.dilation;
                                const Index ix = ox * spec.stride - st.pad_w.lo + kx * spec.dilation;
                                const Index row = oy * st.out_w + ox, col = (i * spec.kernel_h + ky) * spec.kernel_w + kx;
                                auto param = m.ParameterAt(row, col);
                                const bool inside = iy >= 0 && iy < spec.in_h && ix >= 0 && ix < spec.in_w;
                                ASSERT_EQ(param.has_value(), inside) << "trial " << trial;
                                if (!inside) continue;
                                ++nonzeros;
                                const Index expect = op->EncodeCol(ConvCoord{g * per + i, iy, ix});
                                ASSERT_EQ(*param, expect);
                                ASSERT_EQ(m.ParameterValue(*param), x[static_cast<size_t>(expect)]);
                            }
            EXPECT_EQ(m.NonZeros(), nonzeros) << "trial " << trial;
            // Whole-matrix raster totals equal the non-zeros.
            Grid<float> grid;
            // Zoomed out (a pixel covers whole entries), so every entry is counted once.
            const int w_px = static_cast<int>(std::min<Index>(5, m.Cols())), h_px = static_cast<int>(std::min<Index>(7, m.Rows()));
            m.Rasterize(Viewport{0, 0, m.Rows(), m.Cols(), w_px, h_px}, RasterMode::Count, grid);
            double total = 0;
            for (float v : grid.data) total += v;
            EXPECT_EQ(static_cast<Count>(total), nonzeros);
            // im2col times each output channel's weights equals the convolution.
            std::vector<float> y(static_cast<size_t>(op->Rows()));
            op->Apply(x, y);
            for (Index o = g * (spec.out_channels / spec.groups); o < (g + 1) * (spec.out_channels / spec.groups); ++o) {
                std::vector<float> w(static_cast<size_t>(m.Cols())), out(static_cast<size_t>(m.Rows()));
                for (Index c = 0; c < m.Cols(); ++c)
                    w[static_cast<size_t>(c)] = op->ParameterValue(op->ParamIndex(o, c / (spec.kernel_h * spec.kernel_w),
                                                                                  (c / spec.kernel_w) % spec.kernel_h, c % spec.kernel_w));
                m.Apply(w, out);
                for (Index p = 0; p < m.Rows(); ++p) {
                    const Index row = op->EncodeRow(ConvCoord{o, p / st.out_w, p % st.out_w});
                    ASSERT_NEAR(out[static_cast<size_t>(p)], y[static_cast<size_t>(row)], 1e-4) << "trial " << trial;
                }
            }
        }
    }
}

TEST(Im2col, DescribesPaddingAndCopies) {
    ConvSpec spec = *FindConvPreset("small");
    auto op = std::make_shared<const ConvOperator>(*ConvOperator::Create(spec));
    Im2colMatrix m(op, 0);
    EXPECT_NE(m.Describe(0, 0).find("padding"), std::string::npos);  // top-left tap of output (0,0) is padding
    EXPECT_NE(m.Describe(0, 4).find("copies input (c=0, y=0, x=0)"), std::string::npos);
    EXPECT_EQ(m.Parameters(), 64);
}

}  // namespace
