// Tests for lens/memo.hpp: computes once per key, recomputes on change, generation, Invalidate.
#include "lens/memo.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

TEST(Memo, ComputesOnceForEqualKeys) {
    lens::Memo<int, std::string> memo;
    EXPECT_FALSE(memo.Has());
    EXPECT_EQ(memo.Peek(), nullptr);
    EXPECT_EQ(memo.Generation(), 0u);
    int calls = 0;
    auto compute = [&calls](int key) {
        ++calls;
        return "value " + std::to_string(key);
    };
    EXPECT_EQ(memo.Get(3, compute), "value 3");
    EXPECT_EQ(memo.Get(3, compute), "value 3");
    EXPECT_EQ(memo.Get(3, compute), "value 3");
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(memo.Generation(), 1u);
    ASSERT_TRUE(memo.Has());
    ASSERT_NE(memo.Peek(), nullptr);
    EXPECT_EQ(*memo.Peek(), "value 3");
    ASSERT_NE(memo.PeekKey(), nullptr);
    EXPECT_EQ(*memo.PeekKey(), 3);
}

TEST(Memo, RecomputesOnKeyChangeIncludingBackToAnOldKey) {
    lens::Memo<int, int> memo;
    std::vector<int> computed;
    auto square = [&computed](int key) {
        computed.push_back(key);
        return key * key;
    };
    EXPECT_EQ(memo.Get(2, square), 4);
    EXPECT_EQ(memo.Get(5, square), 25);
    EXPECT_EQ(memo.Get(5, square), 25);
    EXPECT_EQ(memo.Get(2, square), 4);  // only the last key is cached
    EXPECT_EQ(computed, (std::vector<int>{2, 5, 2}));
    EXPECT_EQ(memo.Generation(), 3u);
}

TEST(Memo, NullaryComputeAndInvalidate) {
    lens::Memo<std::string, int> memo;
    int calls = 0;
    auto compute = [&calls] { return ++calls; };
    EXPECT_EQ(memo.Get("a", compute), 1);
    memo.Invalidate();
    // The stale value stays visible until the next Get.
    ASSERT_NE(memo.Peek(), nullptr);
    EXPECT_EQ(*memo.Peek(), 1);
    EXPECT_EQ(memo.Generation(), 1u);
    EXPECT_EQ(memo.Get("a", compute), 2);  // same key, recomputed
    EXPECT_EQ(memo.Get("a", compute), 2);
    EXPECT_EQ(memo.Generation(), 2u);
    EXPECT_EQ(calls, 2);
}

struct ConvSpecKey {
    int in_channels = 1;
    int kernel = 3;
    float stride = 1;
    std::uint64_t image_version = 0;
    bool operator==(const ConvSpecKey&) const = default;
};

TEST(Memo, StructKeyWithDefaultedEquality) {
    lens::Memo<ConvSpecKey, std::vector<float>> memo;
    int calls = 0;
    auto compute = [&calls](const ConvSpecKey& key) {
        ++calls;
        return std::vector<float>(static_cast<size_t>(key.kernel * key.kernel), 1.0f);
    };
    ConvSpecKey key;
    EXPECT_EQ(memo.Get(key, compute).size(), 9u);
    ConvSpecKey same = key;  // an equal value, not the same object: no recompute
    memo.Get(same, compute);
    EXPECT_EQ(calls, 1);
    key.image_version = 1;  // a new image with the same spec counts as a change
    memo.Get(key, compute);
    EXPECT_EQ(calls, 2);
    key.kernel = 5;
    EXPECT_EQ(memo.Get(key, compute).size(), 25u);
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(memo.Generation(), 3u);
}

TEST(Memo, ThrowingComputeLeavesMemoUnchanged) {
    lens::Memo<int, int> memo;
    memo.Get(1, [](int k) { return k * 10; });
    EXPECT_THROW(memo.Get(2, [](int) -> int { throw std::runtime_error("no"); }), std::runtime_error);
    EXPECT_EQ(*memo.Peek(), 10);
    EXPECT_EQ(*memo.PeekKey(), 1);
    EXPECT_EQ(memo.Generation(), 1u);
    EXPECT_EQ(memo.Get(2, [](int k) { return k * 10; }), 20);
    EXPECT_EQ(memo.Generation(), 2u);
}

TEST(Memo, GenerationTellsATextureCacheToReupload) {
    // The pattern a panel uses: upload only when the memo's generation moved past the uploaded one.
    lens::Memo<int, int> memo;
    std::uint64_t uploaded = 0;
    int uploads = 0;
    for (int frame = 0; frame < 10; ++frame) {
        const int slider = frame < 4 ? 7 : 8;
        memo.Get(slider, [](int k) { return k + 1; });
        if (memo.Generation() != uploaded) {
            uploaded = memo.Generation();
            ++uploads;
        }
    }
    EXPECT_EQ(uploads, 2);
}

}  // namespace
