// Tests of lens/matmul.hpp: ranks of products of random factorised matrices, the bound
// rank(AB) <= min(rank A, rank B) <= min(m, n, p), the stated tolerance, determinism, bad specs.
#include "lens/matmul.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace lens {
namespace {

Index Pick(std::mt19937_64& rng, Index lo, Index hi) { return lo + static_cast<Index>(rng() % static_cast<std::uint64_t>(hi - lo + 1)); }

TEST(MatmulRank, BoundHoldsAndIsReachedOnHundredsOfRandomFactorisations) {
    std::mt19937_64 rng(41);
    for (int trial = 0; trial < 400; ++trial) {
        MatmulSpec s;
        s.m = Pick(rng, 1, 12);
        s.n = Pick(rng, 1, 12);
        s.p = Pick(rng, 1, 12);
        s.rank_a = Pick(rng, 1, std::min(s.m, s.n));
        s.rank_b = Pick(rng, 1, std::min(s.n, s.p));
        s.seed = rng();
        const auto r = ComputeMatmul(s);
        ASSERT_TRUE(r) << "trial " << trial;
        const std::string what = "trial " + std::to_string(trial) + " m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) +
                                 " p=" + std::to_string(s.p) + " ra=" + std::to_string(s.rank_a) + " rb=" + std::to_string(s.rank_b);
        ASSERT_EQ(r->a.rows(), s.m);
        ASSERT_EQ(r->a.cols(), s.n);
        ASSERT_EQ(r->b.rows(), s.n);
        ASSERT_EQ(r->b.cols(), s.p);
        ASSERT_EQ(r->ab.rows(), s.m);
        ASSERT_EQ(r->ab.cols(), s.p);
        ASSERT_TRUE(r->ab.isApprox(r->a * r->b)) << what;
        ASSERT_EQ(r->sv_a.size(), std::min(s.m, s.n));
        ASSERT_EQ(r->sv_b.size(), std::min(s.n, s.p));
        ASSERT_EQ(r->sv_ab.size(), std::min(s.m, s.p));
        for (const Eigen::VectorXd* sv : {&r->sv_a, &r->sv_b, &r->sv_ab}) {
            for (Eigen::Index i = 0; i < sv->size(); ++i) {
                ASSERT_GE((*sv)(i), 0.0);
                if (i > 0) {
                    ASSERT_LE((*sv)(i), (*sv)(i - 1));
                }
            }
        }
        // The chosen ranks are found, and the product's rank is exactly the bound (generic
        // Gaussian factors), never above it.
        ASSERT_EQ(r->rank_a, s.rank_a) << what;
        ASSERT_EQ(r->rank_b, s.rank_b) << what;
        ASSERT_EQ(r->bound, std::min(s.rank_a, s.rank_b)) << what;
        ASSERT_LE(r->rank_ab, r->bound) << what;
        ASSERT_EQ(r->rank_ab, r->bound) << what;
        ASSERT_LE(r->bound, r->side_bound) << what;
        ASSERT_EQ(r->side_bound, std::min({s.m, s.n, s.p}));
        ASSERT_TRUE(r->bound_holds) << what;
        // Beyond the rank the singular values are rounding noise, under the tolerance.
        if (r->rank_ab < r->sv_ab.size()) {
            ASSERT_LE(r->sv_ab(r->rank_ab), r->tol_ab) << what;
        }
    }
}

TEST(MatmulRank, ToleranceIsNumpysDefault) {
    const auto r = ComputeMatmul(MatmulSpec{30, 20, 25, 7, 5, 3});
    ASSERT_TRUE(r);
    const double eps = std::numeric_limits<double>::epsilon();
    EXPECT_DOUBLE_EQ(r->tol_a, 30 * eps * r->sv_a(0));
    EXPECT_DOUBLE_EQ(r->tol_b, 25 * eps * r->sv_b(0));
    EXPECT_DOUBLE_EQ(r->tol_ab, 30 * eps * r->sv_ab(0));
    EXPECT_EQ(r->rank_ab, 5);
    EXPECT_EQ(NumericalRank(r->sv_ab, r->tol_ab), 5);
    Eigen::VectorXd sv(3);
    sv << 2.0, 1.0, 1e-20;
    EXPECT_DOUBLE_EQ(RankTolerance(sv, 4, 3), 4 * eps * 2.0);
    EXPECT_EQ(NumericalRank(sv, RankTolerance(sv, 4, 3)), 2);
    EXPECT_EQ(RankTolerance(Eigen::VectorXd(), 0, 0), 0.0);
}

TEST(MatmulRank, NotesShapesAndFullRank) {
    // Full-rank factors: rank(AB) = min(m, n, p), the notes' statement.
    const auto r = ComputeMatmul(MatmulSpec{100, 64, 80, 64, 64, 7});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->rank_ab, 64);
    EXPECT_EQ(r->side_bound, 64);
    // A thin contracted side caps the product however large A and B are.
    const auto thin = ComputeMatmul(MatmulSpec{200, 3, 150, 3, 3, 8});
    ASSERT_TRUE(thin);
    EXPECT_EQ(thin->rank_ab, 3);
    EXPECT_EQ(thin->ab.rows(), 200);
    EXPECT_EQ(thin->ab.cols(), 150);
}

TEST(MatmulRank, SeededAndDeterministic) {
    const MatmulSpec s{9, 7, 8, 4, 6, 123};
    const auto a = ComputeMatmul(s), b = ComputeMatmul(s);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->a, b->a);
    EXPECT_EQ(a->b, b->b);
    MatmulSpec other = s;
    other.seed = 124;
    EXPECT_NE(ComputeMatmul(other)->a, a->a);
}

TEST(MatmulValidate, BadSizesAndRanksNameTheField) {
    std::vector<SpecIssue> issues;
    auto fields = [&](const MatmulSpec& s) {
        std::vector<std::string> out;
        EXPECT_FALSE(ComputeMatmul(s, &issues));
        for (const SpecIssue& i : issues) out.push_back(i.field);
        return out;
    };
    EXPECT_EQ(fields(MatmulSpec{0, 4, 5, 1, 1, 1}), std::vector<std::string>{"m"});
    EXPECT_EQ(fields(MatmulSpec{4, -1, 5, 1, 1, 1}), std::vector<std::string>{"n"});
    EXPECT_EQ(fields(MatmulSpec{4, 4, kMatmulMaxSide + 1, 1, 1, 1}), std::vector<std::string>{"p"});
    EXPECT_EQ(fields(MatmulSpec{4, 3, 5, 4, 1, 1}), std::vector<std::string>{"rank_a"});  // rank above min(m, n)
    EXPECT_EQ(fields(MatmulSpec{4, 6, 5, 1, 6, 1}), std::vector<std::string>{"rank_b"});  // rank above min(n, p)
    EXPECT_EQ(fields(MatmulSpec{4, 6, 5, 0, -2, 1}), (std::vector<std::string>{"rank_a", "rank_b"}));
    EXPECT_NE(issues[0].message.find("between 1 and 4"), std::string::npos);
    // Sizes whose products would overflow are refused before anything is allocated.
    const Index huge = std::numeric_limits<Index>::max();
    EXPECT_EQ(fields(MatmulSpec{huge, huge, huge, huge, huge, 1}), (std::vector<std::string>{"m", "n", "p"}));
    EXPECT_TRUE(Validate(MatmulSpec{}).empty());
}

}  // namespace
}  // namespace lens
