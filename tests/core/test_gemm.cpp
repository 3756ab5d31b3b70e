// test_gemm.cpp: lens::Gemm (OpenBLAS cblas_sgemm, row-major) against naive double loops: random
// sizes (k = 0 included), both transposes, padded row strides, alpha and beta (0 included).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "lens/gemm.hpp"

namespace lens {
namespace {

TEST(Gemm, MatchesNaiveLoopsWithTransposesStridesAndBeta) {
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int trial = 0; trial < 200; ++trial) {
        const Index m = 1 + static_cast<Index>(rng() % 40), n = 1 + static_cast<Index>(rng() % 40), k = static_cast<Index>(rng() % 40);
        const bool ta = rng() % 2 == 0, tb = rng() % 2 == 0;
        const Index pad = static_cast<Index>(rng() % 3);
        const Index lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        const float alpha = u(rng), beta = trial % 3 == 0 ? 0.0f : u(rng);
        std::vector<float> a(static_cast<size_t>((ta ? k : m) * lda + 1)), b(static_cast<size_t>((tb ? n : k) * ldb + 1)),
            c(static_cast<size_t>(m * ldc));
        for (float& v : a) v = u(rng);
        for (float& v : b) v = u(rng);
        for (float& v : c) v = u(rng);
        std::vector<double> want(c.begin(), c.end());
        for (Index i = 0; i < m; ++i)
            for (Index j = 0; j < n; ++j) {
                double acc = 0.0;
                for (Index p = 0; p < k; ++p) {
                    const double av = ta ? a[static_cast<size_t>(p * lda + i)] : a[static_cast<size_t>(i * lda + p)];
                    const double bv = tb ? b[static_cast<size_t>(j * ldb + p)] : b[static_cast<size_t>(p * ldb + j)];
                    acc += av * bv;
                }
                want[static_cast<size_t>(i * ldc + j)] = alpha * acc + beta * c[static_cast<size_t>(i * ldc + j)];
            }
        Gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
        for (Index i = 0; i < m; ++i)
            for (Index j = 0; j < n; ++j)
                ASSERT_NEAR(c[static_cast<size_t>(i * ldc + j)], want[static_cast<size_t>(i * ldc + j)], 1e-4 * (1.0 + static_cast<double>(k)))
                    << "trial " << trial;
    }
}

TEST(Gemm, ComputeThreadsIsSettableAndIgnoresNonsense) {
    const int saved = ComputeThreads();
    SetComputeThreads(1);
    EXPECT_EQ(ComputeThreads(), 1);
    SetComputeThreads(0);
    EXPECT_EQ(ComputeThreads(), 1);
    SetComputeThreads(2);
    EXPECT_EQ(ComputeThreads(), 2);
    SetComputeThreads(saved);
}

}  // namespace
}  // namespace lens
