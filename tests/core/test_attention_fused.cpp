// test_attention_fused.cpp: the fused attention path (AttendFused with keep_scores false: online
// softmax over key blocks, nothing N x N) against the materialised one (attention.cpp's row
// blocks, itself checked against naive loops in test_attention.cpp) on random cases that cross the
// 64-query and 256-key block edges, causal or not, QK norm or not, weight scales up to where the
// softmax is nearly one-hot, at 1 and 2 threads. Tolerance (float32): |a - b| <= 2e-5 + 2e-4 |b|
// for outputs and entropies, 1e-5 relative for the mean entropy.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "lens/attention_fused.hpp"
#include "lens/gemm.hpp"

namespace lens {
namespace {

RowMatrixF RandomTokens(std::mt19937_64& rng, Index n, Index d) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    RowMatrixF x(n, d);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = dist(rng);
    return x;
}

void ExpectClose(double got, double want, const std::string& what) {
    ASSERT_LE(std::fabs(got - want), 2e-5 + 2e-4 * std::fabs(want)) << what << ": " << got << " vs " << want;
}

TEST(AttentionFused, EqualsMaterialisedOverRandomCases) {
    std::mt19937_64 rng(31);
    const int saved = ComputeThreads();
    for (int trial = 0; trial < 48; ++trial) {
        const Index n = 1 + static_cast<Index>(rng() % (trial % 4 == 0 ? 700 : 90));
        AttentionSpec spec;
        spec.heads = 1 + static_cast<Index>(rng() % 4);
        spec.d_model = spec.heads * (1 + static_cast<Index>(rng() % 16));
        spec.projection = rng() % 2 == 0 ? ProjectionKind::Identity : ProjectionKind::Random;
        const Index din = spec.projection == ProjectionKind::Identity ? spec.d_model : 1 + static_cast<Index>(rng() % 12);
        spec.weight_scale = 0.1f + static_cast<float>(rng() % 100) / 20.0f;
        spec.qk_norm = rng() % 2 == 0;
        spec.causal = rng() % 2 == 0;
        spec.seed = rng();
        const RowMatrixF x = RandomTokens(rng, n, din);
        const auto input = PrepareAttention(x, spec);
        ASSERT_TRUE(input);
        spec.keep_scores = false;
        const auto full = Attend(*input, spec);
        ASSERT_TRUE(full);
        for (int threads : {1, 2}) {
            SetComputeThreads(threads);
            const auto fused = AttendFused(*input, spec);
            ASSERT_TRUE(fused);
            const std::string what = "trial " + std::to_string(trial) + ", n " + std::to_string(n) + ", threads " + std::to_string(threads);
            EXPECT_TRUE(fused->attention == nullptr || fused->attention->empty()) << what;
            EXPECT_EQ(fused->Attention(0).rows(), 0) << what;
            ASSERT_EQ(fused->output.rows(), full->output.rows());
            ASSERT_EQ(fused->output.cols(), full->output.cols());
            for (Index i = 0; i < full->output.size(); ++i) ExpectClose(fused->output.data()[i], full->output.data()[i], what + " output");
            ASSERT_EQ(fused->entropy.size(), full->entropy.size());
            for (size_t i = 0; i < full->entropy.size(); ++i) ExpectClose(fused->entropy[i], full->entropy[i], what + " entropy");
            EXPECT_NEAR(fused->mean_entropy, full->mean_entropy, 1e-5 * std::max(1.0, full->mean_entropy)) << what;
        }
    }
    SetComputeThreads(saved);
}

TEST(AttentionFused, MeanEntropyDoesNotDependOnTheThreadCount) {
    std::mt19937_64 rng(8);
    AttentionSpec spec;
    spec.heads = 6;
    spec.d_model = 48;
    spec.projection = ProjectionKind::Identity;
    spec.causal = true;
    const auto input = PrepareAttention(RandomTokens(rng, 300, 48), spec);
    ASSERT_TRUE(input);
    const int saved = ComputeThreads();
    const float scales[] = {0.5f, 1.0f, 4.0f};
    SetComputeThreads(1);
    const auto one = MeanEntropyAtScales(*input, spec, scales, false);
    SetComputeThreads(2);
    const auto two = MeanEntropyAtScales(*input, spec, scales, false);
    SetComputeThreads(saved);
    ASSERT_TRUE(one && two);
    for (size_t i = 0; i < 3; ++i) EXPECT_NEAR((*one)[i], (*two)[i], 1e-9);
}

}  // namespace
}  // namespace lens
