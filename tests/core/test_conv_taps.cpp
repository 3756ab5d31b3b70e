// test_conv_taps.cpp: the convolution's GEMM paths (conv_taps.cpp) against naive double loops:
// ConvOperator::Apply's one-GEMM-per-tap path (channel-major, stride 1, >= 64 channel pairs per
// group) and the tiled im2col + GEMM, on random specs wide enough to take them, at 1 and 2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "lens/conv.hpp"
#include "lens/gemm.hpp"

namespace lens {
namespace {

// y[o, oy, ox] = sum over (il, ky, kx) of w[o, il, ky, kx] x[g*in_pg + il, iy, ix], in double,
// positions from the stats' output size and padding (checked elsewhere against PyTorch's formula).
std::vector<double> NaiveConv(const ConvOperator& op, const std::vector<float>& x) {
    const ConvSpec& s = op.Spec();
    const ConvStats& st = op.Stats();
    const Index in_h = s.dims == 1 ? 1 : s.in_h, kh = s.dims == 1 ? 1 : s.kernel_h;
    const Index in_pg = s.in_channels / s.groups, out_pg = s.out_channels / s.groups;
    std::vector<double> y(static_cast<size_t>(s.out_channels * st.out_h * st.out_w), 0.0);
    for (Index o = 0; o < s.out_channels; ++o)
        for (Index oy = 0; oy < st.out_h; ++oy)
            for (Index ox = 0; ox < st.out_w; ++ox) {
                double acc = 0.0;
                for (Index il = 0; il < in_pg; ++il)
                    for (Index ky = 0; ky < kh; ++ky)
                        for (Index kx = 0; kx < s.kernel_w; ++kx) {
                            const Index iy = oy * s.stride - st.pad_h.lo + ky * s.dilation;
                            const Index ix = ox * s.stride - st.pad_w.lo + kx * s.dilation;
                            if (iy < 0 || iy >= in_h || ix < 0 || ix >= s.in_w) continue;
                            const Index c = (o / out_pg) * in_pg + il;
                            acc += static_cast<double>(op.Weights()[static_cast<size_t>(((o * in_pg + il) * kh + ky) * s.kernel_w + kx)]) *
                                   x[static_cast<size_t>((c * in_h + iy) * s.in_w + ix)];
                        }
                y[static_cast<size_t>((o * st.out_h + oy) * st.out_w + ox)] = acc;
            }
    return y;
}

ConvSpec WideSpec(std::mt19937_64& rng) {
    auto pick = [&](Index lo, Index hi) { return lo + static_cast<Index>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
    while (true) {
        ConvSpec s;
        s.dims = pick(1, 2) == 1 ? 1 : 2;
        s.groups = pick(1, 2);
        s.in_channels = s.groups * pick(4, 12);
        s.out_channels = s.groups * pick(8, 12);
        s.in_w = pick(1, 23);
        s.kernel_w = pick(1, 4);
        s.in_h = s.dims == 1 ? 1 : pick(1, 17);
        s.kernel_h = s.dims == 1 ? 1 : pick(1, 3);
        s.stride = pick(1, 4) == 1 ? 2 : 1;  // mostly stride 1 (the tap path); some strided (the fallback)
        s.dilation = pick(1, 2);
        s.padding_mode = static_cast<PaddingMode>(pick(0, 3));
        s.padding = pick(0, 3);
        s.seed = rng();
        if (Validate(s).empty()) return s;
    }
}

TEST(ConvTaps, ApplyAndIm2colMatchNaiveLoopsAtOneAndTwoThreads) {
    std::mt19937_64 rng(77);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    const int saved = ComputeThreads();
    int tap_cases = 0;
    for (int trial = 0; trial < 120; ++trial) {
        const ConvSpec s = WideSpec(rng);
        auto op = ConvOperator::Create(s);
        ASSERT_TRUE(op.has_value());
        std::vector<float> x(static_cast<size_t>(op->Cols()));
        for (float& v : x) v = u(rng);
        const std::vector<double> want = NaiveConv(*op, x);
        double scale = 1.0;  // bounds every |term| since |x| <= 1
        for (float w : op->Weights()) scale += std::fabs(w);
        if (s.stride == 1) ++tap_cases;
        for (int threads : {1, 2}) {
            SetComputeThreads(threads);
            std::vector<float> y(want.size(), 123.0f), z(want.size(), 123.0f);
            op->Apply(x, y);  // channel-major: the CHW layout
            ASSERT_TRUE(ConvIm2colGemm(*op, x, z, Count{1} << 24));
            for (size_t i = 0; i < want.size(); ++i) {
                ASSERT_NEAR(y[i], want[i], 1e-5 * scale) << "Apply, trial " << trial << ", threads " << threads << ", i " << i;
                ASSERT_NEAR(z[i], want[i], 1e-5 * scale) << "im2col, trial " << trial << ", threads " << threads << ", i " << i;
            }
        }
    }
    SetComputeThreads(saved);
    EXPECT_GT(tap_cases, 60);  // the tap path was exercised
}

}  // namespace
}  // namespace lens
