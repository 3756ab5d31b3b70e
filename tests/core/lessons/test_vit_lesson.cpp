// Tests of lens/lessons/vit_lesson.hpp: the token matrix against a naive per-pixel patch copy
// (any patch, stride, fit and order), ValueAt against the same copy, the counts, the embedding
// operator's shape, and the figures it names.
#include "lens/lessons/vit_lesson.hpp"

#include <gtest/gtest.h>

#include <random>
#include "../random_image.hpp"

namespace lens {
namespace {

// Pixel (y, x, c) of the image or 0 past it, as 0..1.
float PixelOrZero(const Image& image, Index y, Index x, Index c) {
    if (y >= image.height || x >= image.width) return 0.0f;
    return static_cast<float>(image.rgb[static_cast<size_t>((y * image.width + x) * 3 + c)]) / 255.0f;
}

TEST(VitLesson, TokensAreANaivePerPixelPatchCopy) {
    std::mt19937_64 rng(21);
    for (int trial = 0; trial < 80; ++trial) {
        const int w = std::uniform_int_distribution<int>(3, 24)(rng), h = std::uniform_int_distribution<int>(3, 24)(rng);
        const Image image = RandomImage(rng, w, h);
        VitLessonSpec spec;
        spec.resize = 0;
        spec.patch = std::uniform_int_distribution<int>(1, std::min(w, h))(rng);
        spec.stride = std::uniform_int_distribution<int>(1, 8)(rng);
        spec.fit = std::uniform_int_distribution<int>(0, 1)(rng);
        spec.order = std::uniform_int_distribution<int>(0, 1)(rng);
        spec.embed_dim = std::uniform_int_distribution<int>(1, 8)(rng);
        TaskContext none;
        const VitLessonResult c = ComputeVitLesson(spec, image, none);
        ASSERT_TRUE(c.tokens) << (c.issues.empty() ? "" : c.issues[0].message);
        const Index p = spec.patch, s = spec.stride;
        // Naive counts: patches every S px until one reaches the side (pad: the last may hang over
        // it, or lie wholly in the padding when S > P), or while they fit (crop).
        auto count = [&](Index side) {
            Index n = 0;
            for (Index o = 0;; o += s) {
                if (spec.fit == 1 && o + p > side) break;
                ++n;
                if (o + p >= side) break;
            }
            return n;
        };
        const Index ph = count(h), pw = count(w);
        ASSERT_EQ(c.geometry->patches_h, ph);
        ASSERT_EQ(c.geometry->patches_w, pw);
        ASSERT_EQ(c.tokens->rows(), ph * pw);
        ASSERT_EQ(c.tokens->cols(), p * p * 3);
        for (Index t = 0; t < ph * pw; ++t)
            for (Index f = 0; f < p * p * 3; ++f) {
                const TokenValue v = ValueAt(f, p, spec.order);
                const Index y = (t / pw) * s + v.y, x = (t % pw) * s + v.x;
                ASSERT_EQ((*c.tokens)(t, f), PixelOrZero(image, y, x, v.c)) << t << " " << f;
                ASSERT_EQ(c.token_grid.At(static_cast<int>(f), static_cast<int>(t)), (*c.tokens)(t, f));
            }
        ASSERT_TRUE(c.embedding);
        EXPECT_EQ(c.embedding->Rows(), c.geometry->tokens * spec.embed_dim);
        EXPECT_EQ(c.fc_weights, Count{h} * w * 3 * ph * pw * spec.embed_dim);
    }
}

TEST(VitLesson, ValueAtIsABijectionInBothOrders) {
    for (Index p = 1; p <= 7; ++p)
        for (int order = 0; order < 2; ++order) {
            std::vector<int> seen(static_cast<size_t>(p * p * 3), 0);
            for (Index f = 0; f < p * p * 3; ++f) {
                const TokenValue v = ValueAt(f, p, order);
                ASSERT_TRUE(v.c >= 0 && v.c < 3 && v.y >= 0 && v.y < p && v.x >= 0 && v.x < p);
                const Index back = order == 0 ? (v.c * p + v.y) * p + v.x : (v.y * p + v.x) * 3 + v.c;
                ASSERT_EQ(back, f);
                ++seen[static_cast<size_t>(back)];
            }
            for (int s : seen) ASSERT_EQ(s, 1);
        }
}

TEST(VitLesson, RefusedSpecsKeepCountsOrNothing) {
    std::mt19937_64 rng(22);
    const Image image = RandomImage(rng, 16, 16);
    VitLessonSpec spec;
    spec.resize = 0;
    spec.patch = 32;  // larger than the image
    TaskContext none;
    VitLessonResult c = ComputeVitLesson(spec, image, none);
    EXPECT_FALSE(c.geometry);
    EXPECT_FALSE(c.issues.empty());
    FigureRecorder recorder;
    VisitFigures(c, recorder);
    EXPECT_TRUE(recorder.Scalars().empty());
    spec.patch = 1;
    spec.stride = 1;
    spec.resize = 4096;  // counts exist, the matrix is refused
    c = ComputeVitLesson(spec, image, none);
    ASSERT_TRUE(c.geometry);
    EXPECT_FALSE(c.tokens);
    FigureRecorder counts;
    VisitFigures(c, counts);
    EXPECT_EQ(counts.Find("tokens")->integer, 4096 * 4096);
}

TEST(VitLesson, FiguresNameEveryExportedNumber) {
    std::mt19937_64 rng(23);
    const Image image = RandomImage(rng, 40, 30);
    VitLessonSpec spec;
    spec.resize = 0;
    spec.patch = 16;
    spec.stride = 16;
    spec.embed_dim = 4;
    TaskContext none;
    const VitLessonResult c = ComputeVitLesson(spec, image, none);
    FigureRecorder r;
    VisitFigures(c, r);
    const char* names[] = {"image_h", "image_w", "patches_h", "patches_w", "tokens", "token_dim", "pad_h", "pad_w",
                           "crop_h", "crop_w", "embed_dim", "embed_weights", "embed_parameters", "embed_macs", "fc_weights"};
    ASSERT_EQ(r.Scalars().size(), std::size(names));
    for (size_t i = 0; i < std::size(names); ++i) EXPECT_EQ(r.Scalars()[i].name, names[i]);
    EXPECT_EQ(r.Find("image_h")->integer, 30);
    EXPECT_EQ(r.Find("patches_w")->integer, 3);
    EXPECT_EQ(r.Find("pad_h")->integer, 2);
    EXPECT_EQ(r.Find("pad_w")->integer, 8);
    EXPECT_EQ(r.Find("tokens")->integer, 6);
}

}  // namespace
}  // namespace lens
