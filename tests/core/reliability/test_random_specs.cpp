// Randomised specs (issue 15): thousands of random field combinations per lesson, drawn around
// the edges (0, 1, -1, the limits, one past them, 2^31, 2^62, INT64_MIN/MAX), pushed through
// validation; those that pass and are small are computed. Nothing may crash, throw, overflow
// (the sanitizer build runs this too) or pass validation above a work cap. Fixed seed.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <random>

#include "lens/conv.hpp"
#include "lens/lessons/attention_lesson.hpp"
#include "lens/lessons/concat_lesson.hpp"
#include "lens/lessons/conv_apply.hpp"
#include "lens/lessons/fc_lesson.hpp"
#include "lens/lessons/matmul_lesson.hpp"
#include "lens/lessons/mlp_lesson.hpp"

namespace {

using lens::Count;
using lens::Index;

class Draw {
public:
    explicit Draw(std::uint64_t seed) : m_rng(seed) {}
    // A value near an edge of [lo, hi], a wild one, or a small one.
    std::int64_t Near(std::int64_t lo, std::int64_t hi) {
        constexpr std::int64_t kWild[] = {0, -1, 1, 2, 3, std::int64_t{1} << 31, std::int64_t{1} << 62,
                                          std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()};
        switch (Pick(6)) {
            case 0: return kWild[Pick(std::size(kWild))];
            case 1: return lo + static_cast<std::int64_t>(Pick(3)) - 1;
            case 2: return hi + static_cast<std::int64_t>(Pick(3)) - 1;
            case 3: return std::uniform_int_distribution<std::int64_t>(lo, hi)(m_rng);
            default: return std::uniform_int_distribution<std::int64_t>(1, 9)(m_rng);
        }
    }
    std::size_t Pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(m_rng); }

private:
    std::mt19937_64 m_rng;
};

constexpr int kTrials = 3000;

TEST(RandomSpecs, Matmul) {
    Draw d(1501);
    int computed = 0;
    for (int t = 0; t < kTrials; ++t) {
        lens::MatmulSpec s;
        s.m = d.Near(1, lens::kMatmulMaxSide);
        s.n = d.Near(1, lens::kMatmulMaxSide);
        s.p = d.Near(1, lens::kMatmulMaxSide);
        s.rank_a = d.Near(1, std::max<Index>(1, std::min(s.m, s.n)));
        s.rank_b = d.Near(1, std::max<Index>(1, std::min(s.n, s.p)));
        s.seed = static_cast<std::uint64_t>(d.Near(0, 100));
        const auto issues = lens::MatmulLesson::Issues(s);
        const bool in_range = s.m >= 1 && s.n >= 1 && s.p >= 1 && s.m <= lens::kMatmulMaxSide && s.n <= lens::kMatmulMaxSide &&
                              s.p <= lens::kMatmulMaxSide && s.rank_a >= 1 && s.rank_b >= 1 &&
                              s.rank_a <= std::min(s.m, s.n) && s.rank_b <= std::min(s.n, s.p);
        // Independent work count, in long double.
        const long double work = in_range ? static_cast<long double>(s.m) * s.n * std::min(s.m, s.n) +
                                                static_cast<long double>(s.n) * s.p * std::min(s.n, s.p) +
                                                static_cast<long double>(s.m) * s.p * std::min(s.m, s.p)
                                          : 0;
        EXPECT_EQ(issues.empty(), in_range && work <= static_cast<long double>(lens::kMatmulMaxSvdWork))
            << s.m << " " << s.n << " " << s.p << " " << s.rank_a << " " << s.rank_b;
        if (issues.empty() && s.m * s.n * s.p <= 4096) {
            lens::TaskContext context;
            auto r = lens::MatmulLesson::Compute(s, nullptr, context);
            EXPECT_LE(r.matmul.rank_ab, std::min(r.matmul.rank_a, r.matmul.rank_b));
            ++computed;
        }
    }
    EXPECT_GT(computed, 100);
}

TEST(RandomSpecs, Concat) {
    Draw d(1502);
    int computed = 0;
    for (int t = 0; t < kTrials; ++t) {
        lens::ConcatSpec s;
        s.in_channels = d.Near(1, 64);
        s.channels_a = d.Near(1, 64);
        s.channels_b = d.Near(1, 64);
        s.height = d.Near(1, 256);
        s.width = d.Near(1, 256);
        s.kernel = d.Near(1, 15);
        s.out_channels = d.Near(1, 64);
        s.slice_begin = d.Near(0, 8);
        s.slice_end = d.Near(1, 9);
        const auto issues = lens::ConcatLesson::Issues(s);
        if (!issues.empty()) continue;
        EXPECT_LE(lens::ConcatMacs(s), lens::kConcatMaxMacs);
        EXPECT_GT(lens::ConcatMacs(s), 0);
        if (lens::ConcatMacs(s) <= 200000) {
            lens::TaskContext context;
            auto r = lens::ConcatLesson::Compute(s, nullptr, context);
            EXPECT_LT(r.max_difference, 1e-3);
            ++computed;
        }
    }
    EXPECT_GT(computed, 20);
}

TEST(RandomSpecs, ConvAndApply) {
    Draw d(1503);
    int created = 0;
    for (int t = 0; t < kTrials; ++t) {
        lens::ConvSpec s;
        s.dims = d.Pick(4) == 0 ? 1 : 2;
        s.in_h = s.dims == 1 ? 1 : d.Near(1, lens::kConvMaxSide);
        s.in_w = d.Near(1, lens::kConvMaxSide);
        s.in_channels = d.Near(1, lens::kConvMaxChannels);
        s.out_channels = d.Near(1, lens::kConvMaxChannels);
        s.kernel_h = s.dims == 1 ? 1 : d.Near(1, 9);
        s.kernel_w = d.Near(1, 9);
        s.stride = d.Near(1, 4);
        s.padding = d.Near(0, 4);
        s.padding_mode = static_cast<lens::PaddingMode>(d.Pick(4));
        s.dilation = d.Near(1, 3);
        s.groups = d.Near(1, 4);
        const auto issues = lens::Validate(s);
        const auto apply = lens::ConvApplyIssues(s);
        if (!issues.empty()) {
            EXPECT_FALSE(apply.empty());
            continue;
        }
        auto op = lens::ConvOperator::Create(s);
        ASSERT_TRUE(op.has_value());
        ++created;
        const auto& st = op->Stats();
        EXPECT_EQ(apply.empty(), st.useful_macs <= lens::kConvApplyMaxMacs && st.rows <= lens::kConvApplyMaxEntries &&
                                     st.cols <= lens::kConvApplyMaxEntries);
    }
    EXPECT_GT(created, 20);
}

TEST(RandomSpecs, FcAndMlp) {
    Draw d(1504);
    for (int t = 0; t < kTrials; ++t) {
        lens::FcSpec s;
        s.in_count = d.Near(1, lens::kFcMaxSide);
        s.out_count = d.Near(1, lens::kFcMaxSide);
        s.in_features = d.Near(1, lens::kFcMaxSide);
        s.out_features = d.Near(1, lens::kFcMaxSide);
        const auto issues = lens::FcLesson::Issues(s);
        const bool in_range = s.in_count >= 1 && s.out_count >= 1 && s.in_features >= 1 && s.out_features >= 1 &&
                              s.in_count <= lens::kFcMaxSide && s.out_count <= lens::kFcMaxSide &&
                              s.in_features <= lens::kFcMaxSide && s.out_features <= lens::kFcMaxSide;
        if (!in_range) {
            EXPECT_FALSE(issues.empty());
        }
        // The MLP's widths as the text the key takes.
        std::vector<Index> widths(1 + d.Pick(70));
        for (Index& w : widths) w = d.Near(1, lens::kMlpMaxWidth);
        lens::MlpLesson::Spec m;
        m.widths.clear();
        for (Index w : widths) m.widths += (m.widths.empty() ? "" : ",") + std::to_string(w);
        const auto mlp_issues = lens::MlpLesson::Issues(m);
        bool ok = widths.size() >= 2 && widths.size() <= lens::kMlpMaxLayers + 1;
        for (Index w : widths) ok = ok && w >= 1 && w <= lens::kMlpMaxWidth;
        if (!ok) {
            EXPECT_FALSE(mlp_issues.empty()) << m.widths;
        }
    }
}

// The caps at their edges: the largest accepted spec is accepted, one step more is refused with
// a message that names the limit.
TEST(RandomSpecs, CapsAtTheirEdges) {
    lens::MatmulSpec m{1024, 1024, 1024, 1024, 1024, 1};
    EXPECT_TRUE(lens::Validate(m).empty());
    m = {2048, 2048, 2048, 2048, 2048, 1};
    auto issues = lens::Validate(m);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_NE(issues[0].message.find("6,000,000,000"), std::string::npos) << issues[0].message;

    lens::ConcatSpec c;
    c.in_channels = c.channels_a = c.channels_b = c.out_channels = 64;
    c.height = c.width = 256;
    c.kernel = 15;
    issues = lens::ConcatLesson::Issues(c);
    ASSERT_FALSE(issues.empty());
    EXPECT_NE(issues[0].message.find("limit"), std::string::npos) << issues[0].message;

    lens::ConvSpec notes;  // the notes' 256 x 256, 64 -> 64, 3 x 3 layer: applied
    notes.in_h = notes.in_w = 256;
    notes.in_channels = notes.out_channels = 64;
    notes.padding = 1;
    EXPECT_TRUE(lens::ConvApplyIssues(notes).empty());
    lens::ConvSpec big = notes;  // 2048 x 2048 with 64 channels: refused before any allocation
    big.in_h = big.in_w = 2048;
    issues = lens::ConvApplyIssues(big);
    ASSERT_FALSE(issues.empty());
    EXPECT_NE(lens::JoinIssues(issues).find("limit"), std::string::npos);
    lens::TaskContext context;
    lens::Image image;
    EXPECT_THROW(lens::ComputeConvApply(big, lens::KernelChoice::Seeded, image, context), std::length_error);
}

TEST(RandomSpecs, AttentionWorkCap) {
    // A 4096 px image in 147 px patches (27 x 27 tokens of 64,827 values): refused.
    EXPECT_GT(lens::AttentionLessonMacs(729, 147 * 147 * 3, 147 * 147 * 3, false), lens::kAttentionLessonMaxMacs);
    // ViT-B/16 at 224 px with random projections: accepted.
    EXPECT_LE(lens::AttentionLessonMacs(196, 768, 768, true), lens::kAttentionLessonMaxMacs);
    // Independent formula on random sizes.
    std::mt19937_64 rng(1505);
    for (int t = 0; t < 1000; ++t) {
        const Index n = static_cast<Index>(rng() % 8192) + 1, w = static_cast<Index>(rng() % 65536) + 1,
                    dm = static_cast<Index>(rng() % 65536) + 1;
        const bool projected = rng() % 2 == 0;
        const long double want = (projected ? 3.0L * n * w * dm : 0.0L) + 2.0L * n * n * dm + 2.0L * n * n * w;
        EXPECT_EQ(static_cast<long double>(lens::AttentionLessonMacs(n, w, dm, projected)), want);
    }
    // Through the lesson: 1024 x 1024 in 16 px patches is 4,096 tokens; with the identity that is
    // 5.2e10 MACs, refused with the limit named and nothing computed.
    auto image = std::make_shared<lens::Image>();
    image->width = image->height = 1024;
    image->rgb.assign(1024 * 1024 * 3, 100);
    lens::AttentionLessonSpec spec;
    spec.source = lens::kAttentionSourceImage;
    spec.patch = 16;
    spec.resize = 0;
    spec.attention.d_model = 768;
    spec.attention.heads = 12;
    spec.attention.projection = lens::ProjectionKind::Identity;
    lens::TaskContext context;
    auto prepared = lens::PrepareAttentionLesson(spec, image.get(), context);
    ASSERT_FALSE(prepared.issues.empty());
    EXPECT_NE(lens::JoinIssues(prepared.issues).find("30,000,000,000"), std::string::npos) << lens::JoinIssues(prepared.issues);
    EXPECT_EQ(prepared.input, nullptr);
}

}  // namespace
