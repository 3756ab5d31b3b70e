// Tests of lens/lessons/conv_apply.hpp, lens/kernels.hpp and ImageToChw (lens/image.hpp): the four
// ways of applying a convolution agree with a naive direct convolution written here, over many
// random small specs and images; the classic kernels match their definitions; the CHW input
// matches a per-pixel loop over the resized image; the exported figures match the statistics.
//
// [SECTION] Independent references
// [SECTION] Kernels
// [SECTION] Image to C,H,W
// [SECTION] The four ways against the naive convolution
// [SECTION] Figures
#include "lens/lessons/conv_apply.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "lens/figures.hpp"
#include "../random_image.hpp"

namespace lens {
namespace {

// [SECTION] Independent references

// PyTorch's Conv2d (no bias) on a C,H,W tensor, padding resolved here on purpose.
std::vector<float> NaiveConv(const ConvSpec& s, const std::vector<float>& w, const std::vector<float>& x) {
    auto pad = [&](Index kernel, bool vertical) -> std::pair<Index, Index> {
        if (vertical && s.dims == 1) return {0, 0};
        const Index span = s.dilation * (kernel - 1);
        switch (s.padding_mode) {
            case PaddingMode::Explicit: return {s.padding, s.padding};
            case PaddingMode::Valid: return {0, 0};
            case PaddingMode::Same: return {span / 2, span - span / 2};
            case PaddingMode::Full: return {span, span};
        }
        return {0, 0};
    };
    const auto [pt, pb] = pad(s.kernel_h, true);
    const auto [pl, pr] = pad(s.kernel_w, false);
    const Index oh = (s.in_h + pt + pb - s.dilation * (s.kernel_h - 1) - 1) / s.stride + 1;
    const Index ow = (s.in_w + pl + pr - s.dilation * (s.kernel_w - 1) - 1) / s.stride + 1;
    const Index ipg = s.in_channels / s.groups, opg = s.out_channels / s.groups;
    std::vector<float> y(static_cast<size_t>(s.out_channels * oh * ow), 0.0f);
    for (Index o = 0; o < s.out_channels; ++o)
        for (Index oy = 0; oy < oh; ++oy)
            for (Index ox = 0; ox < ow; ++ox) {
                double acc = 0;
                for (Index il = 0; il < ipg; ++il)
                    for (Index ky = 0; ky < s.kernel_h; ++ky)
                        for (Index kx = 0; kx < s.kernel_w; ++kx) {
                            const Index iy = oy * s.stride - pt + ky * s.dilation, ix = ox * s.stride - pl + kx * s.dilation;
                            if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;
                            const Index i = (o / opg) * ipg + il;
                            acc += static_cast<double>(w[static_cast<size_t>(((o * ipg + il) * s.kernel_h + ky) * s.kernel_w + kx)]) *
                                   static_cast<double>(x[static_cast<size_t>((i * s.in_h + iy) * s.in_w + ix)]);
                        }
                y[static_cast<size_t>((o * oh + oy) * ow + ox)] = static_cast<float>(acc);
            }
    return y;
}

ConvSpec RandomSpec(std::mt19937_64& rng) {
    auto pick = [&](Index lo, Index hi) { return std::uniform_int_distribution<Index>(lo, hi)(rng); };
    for (;;) {
        ConvSpec s;
        s.dims = pick(0, 3) == 0 ? 1 : 2;
        s.in_w = pick(1, 14);
        s.in_h = s.dims == 1 ? 1 : pick(1, 14);
        s.groups = pick(1, 3);
        s.in_channels = s.groups * pick(1, 2);
        if (pick(0, 3) == 0) s.in_channels = 3;  // the RGB path
        s.out_channels = s.groups * pick(1, 2);
        s.kernel_w = pick(1, 5);
        s.kernel_h = s.dims == 1 ? 1 : pick(1, 5);
        s.stride = pick(1, 3);
        s.dilation = pick(1, 2);
        s.padding_mode = static_cast<PaddingMode>(pick(0, 3));
        s.padding = pick(0, 2);
        s.order = pick(0, 1) ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        s.seed = static_cast<std::uint64_t>(pick(1, 1000));
        if (Validate(s).empty()) return s;
    }
}

// [SECTION] Kernels

TEST(ConvKernels, MatchTheirDefinitions) {
    for (Index kh = 1; kh <= 6; ++kh) {
        for (Index kw = 1; kw <= 6; ++kw) {
            const Index cy = kh / 2, cx = kw / 2, n = kh * kw;
            EXPECT_FALSE(ClassicKernelValues(KernelChoice::Seeded, kh, kw));
            const auto id = *ClassicKernelValues(KernelChoice::Identity, kh, kw);
            const auto box = *ClassicKernelValues(KernelChoice::Box, kh, kw);
            const auto sharpen = *ClassicKernelValues(KernelChoice::Sharpen, kh, kw);
            const auto sx = *ClassicKernelValues(KernelChoice::SobelX, kh, kw);
            const auto sy = *ClassicKernelValues(KernelChoice::SobelY, kh, kw);
            ASSERT_EQ(static_cast<Index>(id.size()), n);
            double sharpen_sum = 0;
            for (Index y = 0; y < kh; ++y)
                for (Index x = 0; x < kw; ++x) {
                    const size_t i = static_cast<size_t>(y * kw + x);
                    const bool centre = y == cy && x == cx;
                    EXPECT_EQ(id[i], centre ? 1.0f : 0.0f);
                    EXPECT_FLOAT_EQ(box[i], 1.0f / static_cast<float>(n));
                    EXPECT_FLOAT_EQ(sharpen[i], -1.0f / static_cast<float>(n) + (centre ? 2.0f : 0.0f));
                    sharpen_sum += sharpen[i];
                    const double wy = kh > 1 ? 2.0 - std::fabs(double(y - cy)) / double(std::max<Index>(cy, 1)) : 1.0;
                    const double wx = kw > 1 ? 2.0 - std::fabs(double(x - cx)) / double(std::max<Index>(cx, 1)) : 1.0;
                    EXPECT_NEAR(sx[i], double(x - cx) * wy, 1e-6);
                    EXPECT_NEAR(sy[i], double(y - cy) * wx, 1e-6);
                }
            EXPECT_NEAR(sharpen_sum, 1.0, 1e-5);
        }
    }
    // 3 x 3 Sobel is the textbook kernel.
    const std::vector<float> sobel_x = {-1, 0, 1, -2, 0, 2, -1, 0, 1};
    EXPECT_EQ(*ClassicKernelValues(KernelChoice::SobelX, 3, 3), sobel_x);
    const std::vector<float> sobel_y = {-1, -2, -1, 0, 0, 0, 1, 2, 1};
    EXPECT_EQ(*ClassicKernelValues(KernelChoice::SobelY, 3, 3), sobel_y);
    EXPECT_FALSE(ClassicKernelValues(KernelChoice::Box, 0, 3));
    for (int i = 0; i < kKernelChoices; ++i) EXPECT_EQ(FindKernelChoice(kKernelKeys[i]), static_cast<KernelChoice>(i));
    EXPECT_FALSE(FindKernelChoice("blur"));
    const std::vector<float> k = {1, 2, 3};
    EXPECT_EQ(TileKernel(k, 7, 2.0f), (std::vector<float>{0.5f, 1, 1.5f, 0.5f, 1, 1.5f, 0.5f}));
    EXPECT_TRUE(TileKernel({}, 4, 1.0f).empty());
}

// [SECTION] Image to C,H,W

TEST(ConvImageToChw, MatchesAPerPixelLoop) {
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 40; ++trial) {
        const Image image = RandomImage(rng, 1 + static_cast<int>(rng() % 20), 1 + static_cast<int>(rng() % 20));
        const Index c = 1 + static_cast<Index>(rng() % 4), h = 1 + static_cast<Index>(rng() % 12), w = 1 + static_cast<Index>(rng() % 12);
        const std::vector<float> x = ImageToChw(image, c, h, w);
        const Image resized = ResizeRgb(image, static_cast<int>(w), static_cast<int>(h));
        ASSERT_EQ(static_cast<Index>(x.size()), c * h * w);
        for (Index ch = 0; ch < c; ++ch)
            for (Index y = 0; y < h; ++y)
                for (Index xx = 0; xx < w; ++xx) {
                    const size_t p = static_cast<size_t>((y * w + xx) * 3);
                    const float r = resized.rgb[p] / 255.0f, g = resized.rgb[p + 1] / 255.0f, b = resized.rgb[p + 2] / 255.0f;
                    const float expect = c == 3 ? (ch == 0 ? r : ch == 1 ? g : b) : 0.2126f * r + 0.7152f * g + 0.0722f * b;
                    EXPECT_EQ(x[static_cast<size_t>((ch * h + y) * w + xx)], expect);
                }
        // Luminance channels agree with ToLuminance of the resized image.
        if (c != 3) {
            const Grid<float> luma = ToLuminance(resized);
            for (size_t i = 0; i < luma.data.size(); ++i) EXPECT_NEAR(x[i], luma.data[i], 1e-6);
        }
    }
    EXPECT_TRUE(ImageToChw(Image{}, 1, 4, 4).empty());
    EXPECT_TRUE(ImageToChw(RandomImage(rng, 4, 4), 0, 4, 4).empty());
}

// [SECTION] The four ways against the naive convolution

TEST(ConvApply, FourWaysAgreeWithNaiveConvolution) {
    std::mt19937_64 rng(12);
    int crops = 0, too_large = 0;
    for (int trial = 0; trial < 120; ++trial) {
        const ConvSpec spec = RandomSpec(rng);
        const Image image = RandomImage(rng, 1 + static_cast<int>(rng() % 24), 1 + static_cast<int>(rng() % 24));
        const auto kernel = static_cast<KernelChoice>(trial % kKernelChoices);
        TaskContext task;
        // A small dense budget now and then, so that the dense way runs on a crop.
        ConvApplyBudgets budgets;
        if (trial % 4 == 3) budgets.dense_entries = 64;
        const ConvApplyResult r = ComputeConvApply(spec, kernel, image, task, budgets);
        ASSERT_TRUE(r.valid) << trial;
        // The input: ImageToChw (2-D), the middle row of the image resized to in_w (1-D).
        if (spec.dims == 2) {
            EXPECT_EQ(r.x_chw, ImageToChw(image, spec.in_channels, spec.in_h, spec.in_w));
        } else {
            const auto full = ImageToChw(image, spec.in_channels, image.height, spec.in_w);
            for (Index c = 0; c < spec.in_channels; ++c)
                for (Index x = 0; x < spec.in_w; ++x)
                    EXPECT_EQ(r.x_chw[static_cast<size_t>(c * spec.in_w + x)],
                              full[static_cast<size_t>((c * image.height + image.height / 2) * spec.in_w + x)]);
        }
        // The weights: seeded, or the classic kernel in every slice over in_channels/groups.
        auto op = ConvOperator::Create(spec);
        ASSERT_TRUE(op);
        if (kernel == KernelChoice::Seeded) {
            EXPECT_EQ(r.weights, std::vector<float>(op->Weights().begin(), op->Weights().end()));
        } else {
            const auto k = *ClassicKernelValues(kernel, spec.kernel_h, spec.kernel_w);
            ASSERT_EQ(static_cast<Count>(r.weights.size()), op->Stats().weights);
            for (size_t i = 0; i < r.weights.size(); ++i)
                EXPECT_FLOAT_EQ(r.weights[i], k[i % k.size()] / static_cast<float>(spec.in_channels / spec.groups));
        }
        const std::vector<float> expect = NaiveConv(spec, r.weights, r.x_chw);
        ASSERT_EQ(r.y_chw.size(), expect.size());
        for (size_t i = 0; i < expect.size(); ++i) EXPECT_NEAR(r.y_chw[i], expect[i], 1e-4) << trial << " at " << i;
        for (const ConvWayResult& way : r.ways) {
            if (way.way == ConvWay::Dense && way.dense_too_large) {  // only with the tiny budget
                EXPECT_EQ(budgets.dense_entries, 64);
                ++too_large;
                continue;
            }
            if (way.way == ConvWay::Dense) crops += way.on_crop;
            EXPECT_TRUE(way.ran) << trial << " way " << static_cast<int>(way.way);
            EXPECT_LE(way.max_diff, 1e-4) << trial << " way " << static_cast<int>(way.way);
            EXPECT_TRUE(std::isfinite(way.ms));
        }
        const ConvWayResult& dense = r.ways[3];
        if (dense.dense_too_large) continue;
        EXPECT_EQ(dense.on_crop, dense.crop_h != spec.in_h || dense.crop_w != spec.in_w);
        if (budgets.dense_entries >= op->Stats().dense_macs) {
            EXPECT_FALSE(dense.on_crop);
        }
        EXPECT_EQ(r.crop, dense.crop_w);
        // Channel 0 for display.
        EXPECT_EQ(r.input.width, spec.in_w);
        EXPECT_EQ(r.output.width, op->Stats().out_w);
        for (size_t i = 0; i < r.output.data.size(); ++i) EXPECT_EQ(r.output.data[i], r.y_chw[i]);
    }
    EXPECT_GT(crops, 3);  // the dense way's crop path was exercised
    EXPECT_LT(too_large, 30);
}

TEST(ConvApply, RefusalsAreData) {
    ConvSpec spec;
    spec.in_h = spec.in_w = 16;
    spec.in_channels = 2;
    std::mt19937_64 rng(3);
    const Image image = RandomImage(rng, 10, 10);
    TaskContext task;
    ConvApplyBudgets budgets;
    budgets.im2col_entries = 10;  // 256 positions x 18 taps
    const ConvApplyResult r = ComputeConvApply(spec, KernelChoice::Box, image, task, budgets);
    ASSERT_TRUE(r.valid);
    EXPECT_FALSE(r.ways[2].ran);
    EXPECT_FALSE(r.ways[2].refused_why.empty());
    EXPECT_TRUE(std::isnan(r.ways[2].ms));
    // Invalid spec: issues, nothing computed.
    spec.groups = 3;
    const ConvApplyResult bad = ComputeConvApply(spec, KernelChoice::Box, image, task);
    EXPECT_FALSE(bad.valid);
    EXPECT_FALSE(bad.issues.empty());
    // An empty image: not valid.
    spec.groups = 1;
    EXPECT_FALSE(ComputeConvApply(spec, KernelChoice::Box, Image{}, task).valid);
}

// [SECTION] Figures

TEST(ConvFigures, NameEveryStatistic) {
    ConvSpec spec;
    spec.in_h = 5;
    spec.in_w = 7;
    spec.bias = true;
    spec.padding_mode = PaddingMode::Full;
    const auto op = *ConvOperator::Create(spec);
    FigureRecorder figures;
    VisitFigures(op, figures);
    const ConvStats& st = op.Stats();
    EXPECT_EQ(figures.Find("dims")->integer, 2);
    EXPECT_EQ(figures.Find("padding")->text, "full");
    EXPECT_EQ(figures.Find("order")->text, "channel_major");
    EXPECT_EQ(figures.Find("rows")->integer, st.rows);
    EXPECT_EQ(figures.Find("nonzeros")->integer, st.nonzeros);
    EXPECT_EQ(figures.Find("separable_weights")->integer, st.separable_weights);
    EXPECT_DOUBLE_EQ(figures.Find("density")->number, st.density);
    EXPECT_EQ(figures.Scalars().size(), 20u);
    spec.padding_mode = PaddingMode::Explicit;
    spec.padding = 2;
    EXPECT_EQ(PaddingText(spec), "2");
}

}  // namespace
}  // namespace lens
