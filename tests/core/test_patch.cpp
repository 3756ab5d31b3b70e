// Tests of lens/patch.hpp: patch counts for every small divisible and non-divisible case (pad and
// crop) against brute-force counting, the token matrix against a naive gather written here, the
// patch embedding as a convolution against token rows times the weight, weight sharing, the notes'
// ViT figures, and bad input (patch larger than the image, zero stride, 4096 x 4096 requests).
//
// [SECTION] Helpers
// [SECTION] Patch counts
// [SECTION] Token matrix
// [SECTION] Patch embedding
// [SECTION] The notes' figures
// [SECTION] Bad input
#include "lens/patch.hpp"
#include "lens/tokens.hpp"

#include <gtest/gtest.h>

#include <random>

#include "operator_checks.hpp"
#include "random_image.hpp"

namespace lens {
namespace {

// [SECTION] Helpers

bool Has(const std::vector<SpecIssue>& issues, const std::string& field, const std::string& words) {
    for (const auto& issue : issues) {
        if (issue.field == field && issue.message.find(words) != std::string::npos) return true;
    }
    return false;
}

// [SECTION] Patch counts

TEST(PatchCounts, EveryAxisAgainstBruteForce) {
    for (Index length = 1; length <= 40; ++length) {
        for (Index patch = 1; patch <= length; ++patch) {
            for (Index stride = 1; stride <= 12; ++stride) {
                // Crop: every origin k*S whose patch fits. Pad: origins until the image is covered.
                Index crop_count = 0;
                for (Index origin = 0; origin + patch <= length; origin += stride) ++crop_count;
                Index pad_count = 1;
                while ((pad_count - 1) * stride + patch < length) ++pad_count;
                const auto crop = FitPatchAxis(length, patch, stride, PatchFit::Crop);
                const auto pad = FitPatchAxis(length, patch, stride, PatchFit::Pad);
                ASSERT_TRUE(crop && pad) << length << " " << patch << " " << stride;
                EXPECT_EQ(crop->patches, crop_count) << length << " " << patch << " " << stride;
                EXPECT_EQ(pad->patches, pad_count) << length << " " << patch << " " << stride;
                EXPECT_EQ(crop->extent, (crop_count - 1) * stride + patch);
                EXPECT_EQ(crop->crop, length - crop->extent);
                EXPECT_EQ(crop->pad, 0);
                EXPECT_EQ(pad->extent, (pad_count - 1) * stride + patch);
                EXPECT_EQ(pad->pad, pad->extent - length);
                EXPECT_EQ(pad->crop, 0);
                EXPECT_LT(pad->pad, stride) << "padding never needs a whole stride";
                const bool divides = (length - patch) % stride == 0;
                EXPECT_EQ(crop->patches == pad->patches, divides);
                if (divides) {
                    EXPECT_EQ(crop->crop, 0);
                    EXPECT_EQ(pad->pad, 0);
                    EXPECT_EQ(pad->extent, length);
                }
            }
        }
        EXPECT_FALSE(FitPatchAxis(length, length + 1, 1, PatchFit::Pad));
        EXPECT_FALSE(FitPatchAxis(length, length + 1, 1, PatchFit::Crop));
    }
    EXPECT_FALSE(FitPatchAxis(10, 3, 0, PatchFit::Pad));
    EXPECT_FALSE(FitPatchAxis(10, 0, 1, PatchFit::Pad));
    EXPECT_FALSE(FitPatchAxis(0, 1, 1, PatchFit::Crop));
}

TEST(PatchCounts, GeometryCombinesTheAxes) {
    PatchSpec spec;
    spec.patch = 16;
    spec.stride = 16;
    spec.fit = PatchFit::Pad;
    const auto pad = ComputePatchGeometry(spec, 250, 300);  // h = 250, w = 300
    ASSERT_TRUE(pad);
    EXPECT_EQ(pad->patches_h, 16);  // ceil(250 / 16)
    EXPECT_EQ(pad->patches_w, 19);  // ceil(300 / 16)
    EXPECT_EQ(pad->h.pad, 6);
    EXPECT_EQ(pad->w.pad, 4);
    EXPECT_EQ(pad->tokens, 16 * 19);
    EXPECT_EQ(pad->token_dim, 768);
    EXPECT_EQ(pad->token_floats, 16 * 19 * 768);
    spec.fit = PatchFit::Crop;
    const auto crop = ComputePatchGeometry(spec, 250, 300);
    ASSERT_TRUE(crop);
    EXPECT_EQ(crop->patches_h, 15);
    EXPECT_EQ(crop->patches_w, 18);
    EXPECT_EQ(crop->h.crop, 10);
    EXPECT_EQ(crop->w.crop, 12);
    // Overlapping and gapped strides.
    spec.patch = 8;
    spec.stride = 4;
    spec.fit = PatchFit::Crop;
    EXPECT_EQ(ComputePatchGeometry(spec, 32, 32)->tokens, 7 * 7);
    spec.stride = 12;
    EXPECT_EQ(ComputePatchGeometry(spec, 32, 32)->tokens, 3 * 3);  // origins 0, 12, 24
    // Resize: an edge, or 0 for the image's own size.
    spec = PatchSpec{};
    spec.resize = 224;
    EXPECT_EQ(ComputePatchGeometry(spec, 1000, 37)->tokens, 196);
    spec.resize = 0;
    EXPECT_EQ(ComputePatchGeometry(spec, 64, 32)->tokens, 4 * 2);
}

TEST(PatchCounts, RegionsAndHover) {
    PatchSpec spec;
    spec.patch = 4;
    spec.stride = 6;  // gaps of 2 px
    spec.fit = PatchFit::Pad;
    const auto g = ComputePatchGeometry(spec, 13, 20);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->patches_h, 3);  // origins 0, 6, 12 (12 + 4 > 13: padded by 3)
    EXPECT_EQ(g->patches_w, 4);  // origins 0, 6, 12, 18 (18 + 4 > 20: padded by 2)
    EXPECT_EQ(PatchRegion(*g, 5), (PatchRect{6, 6, 10, 10}));
    EXPECT_EQ(PatchRegion(*g, 99), PatchRect{});
    for (Index y = -1; y < 18; ++y) {
        for (Index x = -1; x < 25; ++x) {
            Index expect = -1;
            for (Index t = 0; t < g->tokens; ++t) {
                const PatchRect r = PatchRegion(*g, t);
                if (y >= r.y0 && y < r.y1 && x >= r.x0 && x < r.x1) expect = t;
            }
            EXPECT_EQ(PatchAtPixel(*g, y, x), expect) << y << "," << x;
        }
    }
    spec.stride = 2;  // overlapping: the patch that starts last wins
    const auto o = ComputePatchGeometry(spec, 10, 10);
    ASSERT_TRUE(o);
    for (Index y = 0; y < 10; ++y) {
        for (Index x = 0; x < 10; ++x) {
            Index expect = -1;
            for (Index t = 0; t < o->tokens; ++t) {
                const PatchRect r = PatchRegion(*o, t);
                if (y >= r.y0 && y < r.y1 && x >= r.x0 && x < r.x1) expect = t;  // raster order: last = latest origin
            }
            EXPECT_EQ(PatchAtPixel(*o, y, x), expect) << y << "," << x;
        }
    }
}

// [SECTION] Token matrix

// The naive gather: token (i, j), value (c, y, x) is pixel (i*S + y, j*S + x) or 0 past the image.
RowMatrixF NaiveTokens(const Image& image, Index patch, Index stride, Index ph, Index pw, FlatOrder order) {
    RowMatrixF t(ph * pw, patch * patch * 3);
    for (Index i = 0; i < ph; ++i) {
        for (Index j = 0; j < pw; ++j) {
            for (Index c = 0; c < 3; ++c) {
                for (Index y = 0; y < patch; ++y) {
                    for (Index x = 0; x < patch; ++x) {
                        const Index iy = i * stride + y, ix = j * stride + x;
                        float v = 0.0f;
                        if (iy < image.height && ix < image.width) {
                            v = image.rgb[static_cast<size_t>((iy * image.width + ix) * 3 + c)] / 255.0f;
                        }
                        const Index col = order == FlatOrder::ChannelMajor ? (c * patch + y) * patch + x : (y * patch + x) * 3 + c;
                        t(i * pw + j, col) = v;
                    }
                }
            }
        }
    }
    return t;
}

TEST(PatchTokens, MatchNaiveGatherOnRandomCases) {
    std::mt19937_64 rng(6);
    for (int trial = 0; trial < 300; ++trial) {
        const int w = static_cast<int>(testing::Pick(rng, 1, 24)), h = static_cast<int>(testing::Pick(rng, 1, 24));
        const Image image = RandomImage(rng, w, h);
        PatchSpec spec;
        spec.patch = testing::Pick(rng, 1, std::min(w, h));
        spec.stride = testing::Pick(rng, 1, 9);
        spec.fit = rng() % 2 ? PatchFit::Pad : PatchFit::Crop;
        spec.order = rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        spec.embed_dim = 4;
        const PatchifyResult r = Patchify(image, spec);
        ASSERT_TRUE(r.issues.empty()) << JoinIssues(r.issues);
        ASSERT_TRUE(r.tokens && r.geometry);
        const auto& g = *r.geometry;
        const RowMatrixF expect = NaiveTokens(image, spec.patch, spec.stride, g.patches_h, g.patches_w, spec.order);
        ASSERT_EQ(r.tokens->rows(), g.tokens);
        ASSERT_EQ(r.tokens->cols(), g.token_dim);
        EXPECT_TRUE(*r.tokens == expect) << "trial " << trial << " " << w << "x" << h << " P" << spec.patch << " S" << spec.stride;
    }
}

TEST(PatchTokens, PaddingIsZeroAndCropDropsTheBorder) {
    std::mt19937_64 rng(1);
    Image image = RandomImage(rng, 5, 5);
    for (auto& b : image.rgb) b = 255;  // every real value is 1
    PatchSpec spec;
    spec.patch = 4;
    spec.stride = 4;
    spec.fit = PatchFit::Pad;
    auto r = Patchify(image, spec);
    ASSERT_TRUE(r.tokens);
    EXPECT_EQ(r.tokens->rows(), 4);
    EXPECT_FLOAT_EQ(r.tokens->sum(), 25.0f * 3.0f);  // padding adds zeros only
    spec.fit = PatchFit::Crop;
    r = Patchify(image, spec);
    ASSERT_TRUE(r.tokens);
    EXPECT_EQ(r.tokens->rows(), 1);
    EXPECT_FLOAT_EQ(r.tokens->sum(), 16.0f * 3.0f);
}

// [SECTION] Patch embedding

TEST(PatchEmbedding, IsTheConvolutionOfTokenRowsWithOneSharedKernel) {
    std::mt19937_64 rng(16);
    for (int trial = 0; trial < 60; ++trial) {
        const int w = static_cast<int>(testing::Pick(rng, 2, 20)), h = static_cast<int>(testing::Pick(rng, 2, 20));
        const Image image = RandomImage(rng, w, h);
        PatchSpec spec;
        spec.patch = testing::Pick(rng, 1, std::min<Index>(std::min(w, h), 5));
        spec.stride = testing::Pick(rng, 1, 6);
        spec.fit = rng() % 2 ? PatchFit::Pad : PatchFit::Crop;
        spec.embed_dim = testing::Pick(rng, 1, 5);
        const auto g = ComputePatchGeometry(spec, h, w);
        ASSERT_TRUE(g);
        const auto tokens = BuildPatchTokens(image, *g, FlatOrder::ChannelMajor);
        ASSERT_TRUE(tokens);
        const auto op = PatchEmbeddingOperator(*g, true, FlatOrder::ChannelMajor, 7);
        ASSERT_TRUE(op);
        EXPECT_EQ(op->Stats().out_h, g->patches_h);
        EXPECT_EQ(op->Stats().out_w, g->patches_w);
        EXPECT_EQ(op->Parameters(), g->embed_weights);
        EXPECT_EQ(op->Stats().parameters, g->embed_parameters);
        EXPECT_EQ(op->Stats().padded_macs, g->embed_macs);
        const std::vector<float> x = FittedImageChw(image, *g);
        ASSERT_EQ(static_cast<Index>(x.size()), op->Cols());
        std::vector<float> y(static_cast<size_t>(op->Rows()));
        op->Apply(x, y);
        // The conv weight (D, 3, P, P) flattened per output channel is a D x (3*P*P) matrix; token
        // rows in (c, y, x) order times its transpose give every patch's embedding.
        Eigen::Map<const RowMatrixF> weight(op->Weights().data(), g->embed_dim, g->token_dim);
        const RowMatrixF embedded = *tokens * weight.transpose();
        for (Index d = 0; d < g->embed_dim; ++d) {
            for (Index t = 0; t < g->tokens; ++t) {
                const float got = y[static_cast<size_t>(d * g->tokens + t)];  // channel-major (d, i, j)
                ASSERT_NEAR(got, embedded(t, d), 1e-4f) << "trial " << trial;
            }
        }
        // One weight, shared: the parameter at (patch t, tap) is the same for every patch.
        const Index eh = g->h.extent, ew = g->w.extent;
        for (Index t = 0; t < g->tokens; ++t) {
            const Index i = t / g->patches_w, j = t % g->patches_w;
            for (Index c = 0; c < 3; ++c) {
                for (Index py = 0; py < spec.patch; ++py) {
                    const Index col = (c * eh + i * spec.stride + py) * ew + j * spec.stride;
                    const auto param = op->ParameterAt(op->EncodeRow({0, i, j}), col);
                    ASSERT_TRUE(param);
                    EXPECT_EQ(*param, (c * spec.patch + py) * spec.patch);
                }
            }
        }
        if (op->Rows() * op->Cols() <= (Index{1} << 16)) testing::CheckSmallOperator(*op, rng, "patch embedding");
    }
}

TEST(PatchEmbedding, PositionMajorGivesTheTokenByWidthMatrix) {
    std::mt19937_64 rng(3);
    const Image image = RandomImage(rng, 12, 8);
    PatchSpec spec;
    spec.patch = 4;
    spec.stride = 4;
    spec.embed_dim = 6;
    const auto g = ComputePatchGeometry(spec, 8, 12);
    ASSERT_TRUE(g);
    const auto cm = PatchEmbeddingOperator(*g, false, FlatOrder::ChannelMajor, 5);
    const auto pm = PatchEmbeddingOperator(*g, false, FlatOrder::PositionMajor, 5);
    ASSERT_TRUE(cm && pm);
    const std::vector<float> x_chw = FittedImageChw(image, *g);
    std::vector<float> y_cm(static_cast<size_t>(cm->Rows())), y_pm(static_cast<size_t>(pm->Rows()));
    cm->Apply(x_chw, y_cm);
    pm->Apply(ChwToOrder(*pm, x_chw, true), y_pm);
    for (Index t = 0; t < g->tokens; ++t) {
        for (Index d = 0; d < 6; ++d) {
            EXPECT_FLOAT_EQ(y_pm[static_cast<size_t>(t * 6 + d)], y_cm[static_cast<size_t>(d * g->tokens + t)]);
        }
    }
}

// [SECTION] The notes' figures

TEST(PatchNotes, VitFigures) {
    PatchSpec spec;  // patch 16, stride 16, D 768
    const auto at224 = ComputePatchGeometry(spec, 224, 224);
    const auto at256 = ComputePatchGeometry(spec, 256, 256);
    ASSERT_TRUE(at224 && at256);
    EXPECT_EQ(at224->tokens, 196);
    EXPECT_EQ(at256->tokens, 256);
    EXPECT_EQ(at224->token_dim, 768);  // one patch = 16x16x3
    EXPECT_EQ(at224->embed_weights, 589'824);
    EXPECT_EQ(at224->embed_parameters, 590'592);  // torchvision vit_b_16 conv_proj
    EXPECT_EQ(at224->embed_macs, 115'605'504);
    spec.patch = spec.stride = 14;  // ViT-22B
    EXPECT_EQ(ComputePatchGeometry(spec, 224, 224)->tokens, 256);
    // The embedding kernel is the same size whatever the image: the notes' "shared weight".
    spec.patch = spec.stride = 16;
    EXPECT_EQ(ComputePatchGeometry(spec, 4096, 4096)->embed_weights, at224->embed_weights);
    EXPECT_EQ(ComputePatchGeometry(spec, 4096, 4096)->tokens, 65'536);
}

// [SECTION] Bad input

TEST(PatchBadInput, PatchLargerThanTheImage) {
    PatchSpec spec;
    spec.patch = 32;
    spec.stride = 32;
    for (PatchFit fit : {PatchFit::Pad, PatchFit::Crop}) {
        spec.fit = fit;
        std::vector<SpecIssue> issues;
        EXPECT_FALSE(ComputePatchGeometry(spec, 20, 100, &issues));
        EXPECT_TRUE(Has(issues, "patch", "larger than the image")) << JoinIssues(issues);
        EXPECT_TRUE(Has(Validate(spec, 20, 100), "patch", "at most 20 px"));
    }
    spec.resize = 16;  // the resized image is what counts
    EXPECT_TRUE(Has(Validate(spec, 1000, 1000), "patch", "larger than the image"));
}

TEST(PatchBadInput, ZeroNegativeAndOversizedFields) {
    PatchSpec spec;
    spec.stride = 0;
    EXPECT_TRUE(Has(Validate(spec, 224, 224), "stride", "between 1 and"));
    spec.stride = -3;
    EXPECT_TRUE(Has(Validate(spec, 224, 224), "stride", "got -3"));
    spec = PatchSpec{};
    spec.patch = 0;
    EXPECT_TRUE(Has(Validate(spec, 224, 224), "patch", "between 1 and"));
    spec = PatchSpec{};
    spec.resize = -1;
    EXPECT_TRUE(Has(Validate(spec, 224, 224), "resize", "own size"));
    spec.resize = 20000;
    EXPECT_TRUE(Has(Validate(spec, 224, 224), "resize", "16,384"));
    spec = PatchSpec{};
    spec.embed_dim = 0;
    EXPECT_TRUE(Has(Validate(spec, 224, 224), "embed_dim", "between 1 and"));
    spec.embed_dim = 65536;
    spec.patch = spec.stride = 64;  // 64*64*3*65536 weights
    EXPECT_TRUE(Has(Validate(spec, 224, 224), "embed_dim", "exceeds the limit"));
    EXPECT_TRUE(Has(Validate(PatchSpec{}, 0, 0), "image", "no image"));
    EXPECT_TRUE(Has(Validate(PatchSpec{}, 20000, 100), "image", "set resize"));
    std::mt19937_64 rng(2);
    const auto g = ComputePatchGeometry(PatchSpec{}, 64, 64);
    ASSERT_TRUE(g);
    std::string error;
    EXPECT_FALSE(BuildPatchTokens(RandomImage(rng, 63, 64), *g, FlatOrder::ChannelMajor, &error));
    EXPECT_NE(error.find("64 x 64"), std::string::npos) << error;
    EXPECT_TRUE(FittedImageChw(Image{}, *g).empty());
}

TEST(PatchBadInput, HugeRequestsGiveAMessageAndAllocateNothing) {
    std::mt19937_64 rng(9);
    const Image small = RandomImage(rng, 40, 30);
    PatchSpec spec;
    spec.resize = 4096;  // 65,536 tokens of 768 values: counted, not built
    const auto g = ComputePatchGeometry(spec, small.height, small.width);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->tokens, 65'536);
    const auto issues = Validate(spec, small.height, small.width);
    ASSERT_FALSE(issues.empty());
    EXPECT_TRUE(Has(issues, "patch", "65,536 tokens")) << JoinIssues(issues);
    const PatchifyResult r = Patchify(small, spec);
    EXPECT_FALSE(r.issues.empty());
    EXPECT_TRUE(r.geometry.has_value());  // the counts are still there to show
    EXPECT_FALSE(r.tokens.has_value());
    EXPECT_TRUE(r.image.Empty()) << "refused before resizing";
    // Token width past the float limit: overlapping large patches.
    spec.resize = 2048;
    spec.patch = 256;
    spec.stride = 16;
    spec.embed_dim = 1;  // keeps the embedding kernel within its own limit
    EXPECT_TRUE(Has(Validate(spec, 10, 10), "patch", "exceeds the limit"));
    // The largest allowed request builds (2048 x 2048 at P = 16: 16,384 tokens).
    spec = PatchSpec{};
    spec.resize = 2048;
    EXPECT_TRUE(Validate(spec, 10, 10).empty());
}

// [SECTION] One geometry for every patch user

TEST(PatchFormat, ElementIndexInvertsElementAtInBothOrders) {
    for (Index p = 1; p <= 9; ++p)
        for (FlatOrder order : {FlatOrder::ChannelMajor, FlatOrder::PositionMajor}) {
            std::vector<int> hits(static_cast<size_t>(p * p * 3), 0);
            for (Index f = 0; f < p * p * 3; ++f) {
                const PatchElement e = PatchElementAt(f, p, order);
                ASSERT_TRUE(e.c >= 0 && e.c < 3 && e.y >= 0 && e.y < p && e.x >= 0 && e.x < p);
                ASSERT_EQ(PatchElementIndex(e, p, order), f);
                ++hits[static_cast<size_t>(f)];
            }
            for (int h : hits) ASSERT_EQ(h, 1);
        }
    EXPECT_EQ(PatchElementIndex({2, 1, 0}, 4, FlatOrder::ChannelMajor), (2 * 4 + 1) * 4 + 0);
    EXPECT_EQ(PatchElementIndex({2, 1, 0}, 4, FlatOrder::PositionMajor), (1 * 4 + 0) * 3 + 2);
}

// Every format (both ranges, both orders), any stride and fit, against a per-pixel copy.
TEST(PatchFormat, TokensInEveryFormatMatchANaiveCopy) {
    std::mt19937_64 rng(31);
    for (int trial = 0; trial < 120; ++trial) {
        const int w = 2 + static_cast<int>(rng() % 20), h = 2 + static_cast<int>(rng() % 20);
        const Image image = RandomImage(rng, w, h);
        const Index p = 1 + static_cast<Index>(rng() % static_cast<std::uint64_t>(std::min(w, h)));
        const Index s = 1 + static_cast<Index>(rng() % 7);
        const PatchFit fit = rng() % 2 ? PatchFit::Pad : PatchFit::Crop;
        const PatchTokenFormat format{rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor,
                                      rng() % 2 ? PatchRange::Unit : PatchRange::Symmetric};
        const auto g = ComputePatchGrid(h, w, p, s, fit);
        ASSERT_TRUE(g);
        const auto tokens = BuildPatchTokens(image, *g, format);
        ASSERT_TRUE(tokens);
        ASSERT_EQ(tokens->rows(), g->patches_h * g->patches_w);
        for (Index t = 0; t < tokens->rows(); ++t)
            for (Index c = 0; c < 3; ++c)
                for (Index y = 0; y < p; ++y)
                    for (Index x = 0; x < p; ++x) {
                        const Index iy = (t / g->patches_w) * s + y, ix = (t % g->patches_w) * s + x;
                        float want = 0.0f;
                        if (iy < h && ix < w) {
                            const float byte = image.rgb[static_cast<size_t>((iy * w + ix) * 3 + c)];
                            want = format.range == PatchRange::Unit ? byte / 255.0f : byte * (2.0f / 255.0f) - 1.0f;
                        }
                        ASSERT_EQ((*tokens)(t, PatchElementIndex({c, y, x}, p, format.order)), want);
                    }
    }
}

// The attention panel's image tokens (tokens.hpp) are this geometry at stride P: same grid, same
// padding or cropping, same values.
TEST(PatchFormat, AttentionImageTokensAreThePatchGeometryAtStrideP) {
    std::mt19937_64 rng(32);
    for (int trial = 0; trial < 60; ++trial) {
        const int w = 2 + static_cast<int>(rng() % 30), h = 2 + static_cast<int>(rng() % 30);
        const Image image = RandomImage(rng, w, h);
        PatchTokensSpec spec;
        spec.patch = 1 + static_cast<Index>(rng() % static_cast<std::uint64_t>(std::min(w, h)));
        spec.fit = rng() % 2 ? PatchFit::Pad : PatchFit::Crop;
        spec.range = rng() % 2 ? PatchRange::Unit : PatchRange::Symmetric;
        spec.order = rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        const auto set = PatchTokens(image, spec);
        ASSERT_TRUE(set);
        PatchSpec ps;
        ps.resize = 0;
        ps.patch = ps.stride = spec.patch;
        ps.fit = spec.fit;
        const auto g = ComputePatchGeometry(ps, h, w);
        ASSERT_TRUE(g);
        EXPECT_EQ(set->grid_rows, g->patches_h);
        EXPECT_EQ(set->grid_cols, g->patches_w);
        EXPECT_EQ(set->covered_width, g->w.extent);
        EXPECT_EQ(set->covered_height, g->h.extent);
        EXPECT_EQ(set->pad_right, g->w.pad);
        EXPECT_EQ(set->pad_bottom, g->h.pad);
        EXPECT_EQ(set->crop_right, g->w.crop);
        EXPECT_EQ(set->crop_bottom, g->h.crop);
        const auto tokens = BuildPatchTokens(image, *g, PatchTokenFormat{spec.order, spec.range});
        ASSERT_TRUE(tokens);
        ASSERT_EQ(set->x.rows(), tokens->rows());
        ASSERT_EQ(set->x.cols(), tokens->cols());
        for (Index i = 0; i < tokens->size(); ++i) ASSERT_EQ(set->x.data()[i], tokens->data()[i]);
    }
}

}  // namespace
}  // namespace lens
