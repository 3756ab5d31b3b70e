// Tests of lens/attention.hpp: softmax, heads, multi-head attention against a naive double
// reference, the causal mask, the QK-norm entropy behaviour, the rank of X X^T X, attention as a
// structured matrix on vec X, and bad input (specs, .npy files, huge N, cancellation).
//
// [SECTION] Helpers and the naive reference
// [SECTION] Softmax, LayerNorm, heads
// [SECTION] Attention against the reference
// [SECTION] Causal mask
// [SECTION] QK norm and entropy
// [SECTION] Weightless attention X X^T X
// [SECTION] Attention as a structured matrix on vec X
// [SECTION] Bad input
#include "lens/attention.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>

#include "lens/npy.hpp"
#include "operator_checks.hpp"

namespace lens {
namespace {

// [SECTION] Helpers and the naive reference

RowMatrixF RandomTokens(std::mt19937_64& rng, Index n, Index d, float sigma = 1.0f) {
    std::normal_distribution<float> dist(0.0f, sigma);
    RowMatrixF x(n, d);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = dist(rng);
    return x;
}

bool HasField(const std::vector<SpecIssue>& issues, const std::string& field) {
    for (const SpecIssue& i : issues)
        if (i.field == field && !i.message.empty()) return true;
    return false;
}

struct Reference {
    std::vector<double> scores, attention, entropy;  // heads x N x N, heads x N
    Eigen::MatrixXd output;                          // N x d_model
};

// Straight loops in double from the definitions (PyTorch's multi-head attention without biases).
Reference NaiveAttention(const RowMatrixF& x, const AttentionWeights& w, const AttentionSpec& spec) {
    const Index n = x.rows(), din = x.cols(), d = spec.d_model, heads = spec.heads, dh = d / heads;
    auto project = [&](const RowMatrixF& m) {
        Eigen::MatrixXd out(n, d);
        for (Index i = 0; i < n; ++i)
            for (Index o = 0; o < d; ++o) {
                double acc = 0.0;
                for (Index f = 0; f < din; ++f) acc += static_cast<double>(x(i, f)) * (m.size() ? m(o, f) : (o == f ? 1.0 : 0.0));
                out(i, o) = acc;
            }
        return out;
    };
    Eigen::MatrixXd q = project(w.wq) * spec.weight_scale, k = project(w.wk) * spec.weight_scale, v = project(w.wv);
    Reference ref;
    ref.scores.assign(static_cast<size_t>(heads * n * n), 0.0);
    ref.attention.assign(static_cast<size_t>(heads * n * n), 0.0);
    ref.entropy.assign(static_cast<size_t>(heads * n), 0.0);
    Eigen::MatrixXd context = Eigen::MatrixXd::Zero(n, d);
    auto layer_norm = [&](Eigen::MatrixXd& m, Index col0) {
        for (Index i = 0; i < n; ++i) {
            double mean = 0.0, var = 0.0;
            for (Index j = 0; j < dh; ++j) mean += m(i, col0 + j);
            mean /= static_cast<double>(dh);
            for (Index j = 0; j < dh; ++j) var += (m(i, col0 + j) - mean) * (m(i, col0 + j) - mean);
            var /= static_cast<double>(dh);
            for (Index j = 0; j < dh; ++j) m(i, col0 + j) = (m(i, col0 + j) - mean) / std::sqrt(var + 1e-6);
        }
    };
    for (Index h = 0; h < heads; ++h) {
        if (spec.qk_norm) {
            layer_norm(q, h * dh);
            layer_norm(k, h * dh);
        }
        for (Index i = 0; i < n; ++i) {
            std::vector<double> row(static_cast<size_t>(n));
            double mx = -std::numeric_limits<double>::infinity();
            for (Index j = 0; j < n; ++j) {
                double s = 0.0;
                for (Index t = 0; t < dh; ++t) s += q(i, h * dh + t) * k(j, h * dh + t);
                s /= std::sqrt(static_cast<double>(dh));
                if (spec.causal && j > i) s = -std::numeric_limits<double>::infinity();
                row[static_cast<size_t>(j)] = s;
                ref.scores[static_cast<size_t>((h * n + i) * n + j)] = s;
                mx = std::max(mx, s);
            }
            double z = 0.0;
            for (Index j = 0; j < n; ++j) z += std::exp(row[static_cast<size_t>(j)] - mx);
            double entropy = 0.0;
            for (Index j = 0; j < n; ++j) {
                const double p = std::exp(row[static_cast<size_t>(j)] - mx) / z;
                ref.attention[static_cast<size_t>((h * n + i) * n + j)] = p;
                if (p > 0.0) entropy -= p * std::log(p);
                for (Index t = 0; t < dh; ++t) context(i, h * dh + t) += p * v(j, h * dh + t);
            }
            ref.entropy[static_cast<size_t>(h * n + i)] = entropy;
        }
    }
    if (w.wo.size()) {
        ref.output = context * w.wo.cast<double>().transpose();
    } else {
        ref.output = context;
    }
    return ref;
}

void ExpectNear(float got, double want, double tol, const std::string& what) {
    if (std::isinf(want)) {
        EXPECT_EQ(got, static_cast<float>(want)) << what;
    } else {
        EXPECT_NEAR(got, want, tol * (1.0 + std::fabs(want))) << what;
    }
}

// [SECTION] Softmax, LayerNorm, heads

TEST(AttentionSoftmaxTest, RowsSumToOneAndMatchDoubleSoftmax) {
    std::mt19937_64 rng(3);
    RowMatrixF logits = RandomTokens(rng, 9, 13, 4.0f);
    logits(0, 3) = 1e30f;  // huge: subtracting the maximum keeps it finite
    logits(1, 0) = -std::numeric_limits<float>::infinity();
    logits(2, 5) = -1e30f;
    RowMatrixF probs(9, 13);
    std::vector<float> entropy(9);
    SoftmaxRows(logits, probs, entropy);
    for (Index r = 0; r < 9; ++r) {
        EXPECT_NEAR(probs.row(r).sum(), 1.0f, 1e-5f);
        double mx = -std::numeric_limits<double>::infinity(), z = 0.0, h = 0.0;
        for (Index c = 0; c < 13; ++c) mx = std::max(mx, static_cast<double>(logits(r, c)));
        for (Index c = 0; c < 13; ++c) z += std::exp(logits(r, c) - mx);
        for (Index c = 0; c < 13; ++c) {
            const double p = std::exp(logits(r, c) - mx) / z;
            EXPECT_NEAR(probs(r, c), p, 1e-6);
            if (p > 0) h -= p * std::log(p);
        }
        EXPECT_NEAR(entropy[static_cast<size_t>(r)], h, 1e-5);
    }
    EXPECT_EQ(probs(1, 0), 0.0f);
    EXPECT_FLOAT_EQ(probs(0, 3), 1.0f);
    EXPECT_NEAR(entropy[0], 0.0f, 1e-6f);
    // In place, and a fully masked row.
    RowMatrixF same = logits;
    same.row(4).setConstant(-std::numeric_limits<float>::infinity());
    SoftmaxRows(same, same, entropy);
    EXPECT_EQ(same.row(4).sum(), 0.0f);
    EXPECT_EQ(entropy[4], 0.0f);
    EXPECT_NEAR((same.row(3) - probs.row(3)).cwiseAbs().maxCoeff(), 0.0f, 1e-7f);
    // Uniform logits: entropy log N.
    RowMatrixF flat = RowMatrixF::Constant(1, 50, 2.5f), out(1, 50);
    std::vector<float> e1(1);
    SoftmaxRows(flat, out, e1);
    EXPECT_NEAR(e1[0], std::log(50.0f), 1e-5f);
}

TEST(AttentionSoftmaxTest, LayerNormRowsHaveZeroMeanUnitVariance) {
    std::mt19937_64 rng(4);
    RowMatrixF x = RandomTokens(rng, 5, 64, 30.0f);
    x.array() += 7.0f;
    LayerNormRows(x);
    for (Index r = 0; r < 5; ++r) {
        EXPECT_NEAR(x.row(r).mean(), 0.0f, 1e-5f);
        EXPECT_NEAR(x.row(r).squaredNorm() / 64.0f, 1.0f, 1e-4f);
    }
}

TEST(AttentionHeadsTest, SplitAndMergeRoundTrip) {
    std::mt19937_64 rng(5);
    const RowMatrixF x = RandomTokens(rng, 7, 12);
    for (Index heads : {1, 2, 3, 4, 6, 12}) {
        const std::vector<RowMatrixF> parts = SplitHeads(x, heads);
        ASSERT_EQ(static_cast<Index>(parts.size()), heads);
        for (Index h = 0; h < heads; ++h) {
            ASSERT_EQ(parts[static_cast<size_t>(h)].cols(), 12 / heads);
            EXPECT_EQ(parts[static_cast<size_t>(h)](2, 0), x(2, h * (12 / heads)));  // head h = columns [h*dh, (h+1)*dh)
        }
        EXPECT_EQ(MergeHeads(parts), x);
    }
    EXPECT_TRUE(SplitHeads(x, 5).empty());
    EXPECT_TRUE(SplitHeads(x, 0).empty());
    EXPECT_EQ(MergeHeads({RowMatrixF(2, 3), RowMatrixF(2, 4)}).size(), 0);
}

// [SECTION] Attention against the reference

TEST(AttentionTest, EqualsNaiveReferenceOverRandomSpecs) {
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 60; ++trial) {
        const Index n = 1 + static_cast<Index>(rng() % 9);
        const Index heads = 1 + static_cast<Index>(rng() % 3);
        const Index dh = 1 + static_cast<Index>(rng() % 4);
        AttentionSpec spec;
        spec.heads = heads;
        spec.d_model = heads * dh;
        spec.projection = rng() % 3 == 0 ? ProjectionKind::Identity : ProjectionKind::Random;
        const Index din = spec.projection == ProjectionKind::Identity ? spec.d_model : 1 + static_cast<Index>(rng() % 7);
        spec.weight_scale = 0.25f + static_cast<float>(rng() % 100) / 25.0f;
        spec.qk_norm = rng() % 2 == 0;
        spec.causal = rng() % 2 == 0;
        spec.seed = rng();
        spec.keep_scores = true;
        const RowMatrixF x = RandomTokens(rng, n, din);
        std::vector<SpecIssue> issues;
        const auto input = PrepareAttention(x, spec, &issues);
        ASSERT_TRUE(input) << (issues.empty() ? "" : issues.front().message);
        const auto r = Attend(*input, spec, &issues);
        ASSERT_TRUE(r) << (issues.empty() ? "" : issues.front().message);
        const Reference ref = NaiveAttention(x, input->weights, spec);
        const std::string what = "trial " + std::to_string(trial);
        ASSERT_EQ(r->scores.size(), ref.scores.size());
        for (size_t i = 0; i < ref.scores.size(); ++i) ExpectNear(r->scores[i], ref.scores[i], 1e-4, what + " score " + std::to_string(i));
        for (size_t i = 0; i < ref.attention.size(); ++i) ExpectNear((*r->attention)[i], ref.attention[i], 1e-4, what + " attention");
        for (size_t i = 0; i < ref.entropy.size(); ++i) ExpectNear(r->entropy[i], ref.entropy[i], 1e-4, what + " entropy");
        for (Index i = 0; i < n; ++i)
            for (Index o = 0; o < spec.d_model; ++o) ExpectNear(r->output(i, o), ref.output(i, o), 1e-4, what + " output");
        double mean = 0.0;
        for (double e : ref.entropy) mean += e;
        EXPECT_NEAR(r->mean_entropy, mean / static_cast<double>(ref.entropy.size()), 1e-5) << what;
        EXPECT_EQ(r->Scores(0).rows(), n);
        EXPECT_EQ(r->Attention(heads - 1)(0, 0), (*r->attention)[static_cast<size_t>((heads - 1) * n * n)]);
        // The one-call form agrees (to rounding: with AVX, Eigen's kernels depend on the buffers'
        // alignment, so two runs on copies of the same data may differ in the last bits).
        const auto once = ComputeAttention(x, spec);
        ASSERT_TRUE(once);
        ASSERT_EQ(once->output.rows(), r->output.rows());
        ASSERT_EQ(once->output.cols(), r->output.cols());
        for (Index i = 0; i < r->output.size(); ++i) ExpectNear(once->output.data()[i], r->output.data()[i], 1e-5, what + " once");
    }
}

TEST(AttentionTest, IdentityProjectionIsSoftmaxOfScaledGram) {
    // softmax(s^2 X X^T / sqrt(d_head)) X for one head: the tokens enter as they are.
    std::mt19937_64 rng(12);
    const RowMatrixF x = RandomTokens(rng, 6, 16, 0.3f);
    AttentionSpec spec;
    spec.d_model = 16;
    spec.heads = 1;
    spec.weight_scale = 1.7f;
    const auto r = ComputeAttention(x, spec);
    ASSERT_TRUE(r);
    const Eigen::MatrixXd xd = x.cast<double>();
    Eigen::MatrixXd s = xd * xd.transpose() * (1.7 * 1.7 / 4.0);
    for (Index i = 0; i < 6; ++i) {
        s.row(i).array() -= s.row(i).maxCoeff();
        s.row(i) = s.row(i).array().exp().matrix();
        s.row(i) /= s.row(i).sum();
    }
    EXPECT_LT((r->Attention(0).cast<double>() - s).cwiseAbs().maxCoeff(), 1e-5);
    EXPECT_LT((r->output.cast<double>() - s * xd).cwiseAbs().maxCoeff(), 1e-5);
    EXPECT_EQ(r->context, r->output);  // no Wo with the identity projection
}

TEST(AttentionTest, LargeInputsUseRowBlocksConsistently) {
    // N = 1500 makes Attend split each head into several blocks of query rows; the entropy-only
    // path of the curve must agree with Attend's.
    std::mt19937_64 rng(13);
    const RowMatrixF x = RandomTokens(rng, 1500, 8);
    AttentionSpec spec;
    spec.d_model = 8;
    spec.heads = 2;
    spec.causal = true;
    spec.keep_scores = false;
    const auto input = PrepareAttention(x, spec);
    ASSERT_TRUE(input);
    const auto r = Attend(*input, spec);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->scores.empty());
    for (Index h = 0; h < 2; ++h)
        for (Index i : {0, 699, 700, 1499}) EXPECT_NEAR(r->Attention(h).row(i).sum(), 1.0f, 1e-4f);
    const float scale = 1.0f;
    const auto curve = MeanEntropyAtScales(*input, spec, std::span<const float>(&scale, 1), false);
    ASSERT_TRUE(curve);
    // To float rounding: the two paths run their GEMMs on differently blocked (and aligned) buffers.
    EXPECT_NEAR((*curve)[0], r->mean_entropy, 1e-6);
    // Causal uniform ceiling: mean of log(n + 1).
    double uniform = 0.0;
    for (int i = 1; i <= 1500; ++i) uniform += std::log(static_cast<double>(i));
    EXPECT_NEAR(r->uniform_entropy, uniform / 1500.0, 1e-9);
}

// [SECTION] Causal mask

TEST(AttentionCausalTest, RowsAreZeroAboveTheDiagonal) {
    std::mt19937_64 rng(21);
    const RowMatrixF x = RandomTokens(rng, 10, 12);
    AttentionSpec spec;
    spec.d_model = 12;
    spec.heads = 3;
    spec.causal = true;
    spec.projection = ProjectionKind::Random;
    const auto r = ComputeAttention(x, spec);
    ASSERT_TRUE(r);
    for (Index h = 0; h < 3; ++h) {
        for (Index i = 0; i < 10; ++i) {
            EXPECT_NEAR(r->Attention(h).row(i).sum(), 1.0f, 1e-5f);
            for (Index j = i + 1; j < 10; ++j) {
                EXPECT_EQ(r->Attention(h)(i, j), 0.0f);
                EXPECT_EQ(r->Scores(h)(i, j), -std::numeric_limits<float>::infinity());
            }
            EXPECT_GT(r->Attention(h)(i, i), 0.0f);
        }
        EXPECT_FLOAT_EQ(r->Attention(h)(0, 0), 1.0f);  // the first query sees only itself
    }
}

// [SECTION] QK norm and entropy

TEST(AttentionQkNormTest, WithoutNormEntropyCollapsesWithNormItStays) {
    std::mt19937_64 rng(31);
    const RowMatrixF x = RandomTokens(rng, 64, 64);
    AttentionSpec spec;
    spec.d_model = 64;
    spec.heads = 4;
    spec.projection = ProjectionKind::Random;
    const auto input = PrepareAttention(x, spec);
    ASSERT_TRUE(input);
    const std::vector<float> scales = GeometricScales(0.5f, 32.0f, 7);
    ASSERT_EQ(scales.size(), 7u);
    EXPECT_NEAR(scales.front(), 0.5f, 1e-6f);
    EXPECT_NEAR(scales.back(), 32.0f, 1e-4f);
    const auto off = MeanEntropyAtScales(*input, spec, scales, false);
    const auto on = MeanEntropyAtScales(*input, spec, scales, true);
    ASSERT_TRUE(off && on);
    // Off: logits grow with s^2, the mean entropy falls monotonically towards 0 (one-hot rows).
    EXPECT_GT((*off)[0], 0.9 * std::log(64.0));  // small logits: near uniform
    for (size_t i = 1; i < off->size(); ++i) EXPECT_LT((*off)[i], (*off)[i - 1]) << i;
    EXPECT_LT(off->back(), 0.05);
    // On: LayerNorm cancels the scale; the entropy stays put, well away from 0.
    for (size_t i = 0; i < on->size(); ++i) EXPECT_NEAR((*on)[i], (*on)[0], 1e-3) << i;
    EXPECT_GT((*on)[0], 1.0);
    // Attend at a scale agrees with the curve: both come from the same softmax (to float rounding:
    // the two run their GEMMs on differently blocked buffers).
    spec.weight_scale = scales[4];
    spec.qk_norm = false;
    EXPECT_NEAR(Attend(*input, spec)->mean_entropy, (*off)[4], 1e-6);
    spec.qk_norm = true;
    EXPECT_NEAR(Attend(*input, spec)->mean_entropy, (*on)[4], 1e-6);
    // Scale 0: every logit 0 (without norm): uniform attention, entropy log N.
    const float zero = 0.0f;
    EXPECT_NEAR((*MeanEntropyAtScales(*input, spec, std::span<const float>(&zero, 1), false))[0], std::log(64.0), 1e-5);
}

// [SECTION] Weightless attention X X^T X

TEST(AttentionWeightlessTest, ShapeAndRankMinOfSides) {
    std::mt19937_64 rng(41);
    for (auto [n, d] : std::vector<std::pair<Index, Index>>{{5, 8}, {12, 4}, {9, 9}, {1, 6}, {30, 1}}) {
        const RowMatrixF x = RandomTokens(rng, n, d);
        const auto w = ComputeWeightlessAttention(x);
        ASSERT_TRUE(w);
        EXPECT_EQ(w->product.rows(), n);  // the same shape as X
        EXPECT_EQ(w->product.cols(), d);
        EXPECT_EQ(w->bound, std::min(n, d));
        EXPECT_EQ(w->rank, std::min(n, d)) << n << "x" << d;
        const Eigen::MatrixXd xd = x.cast<double>(), f = xd * xd.transpose() * xd;
        EXPECT_LT((w->product.cast<double>() - f).cwiseAbs().maxCoeff(), 1e-4 * (1.0 + f.cwiseAbs().maxCoeff()));
        // Singular values against an SVD of the product: the cubes of X's.
        const Eigen::VectorXd sv = Eigen::JacobiSVD<Eigen::MatrixXd>(f).singularValues();
        for (Index i = 0; i < sv.size(); ++i) EXPECT_NEAR(w->singular_values(i), sv(i), 1e-8 * sv(0)) << i;
    }
}

TEST(AttentionWeightlessTest, RepeatedTokensLowerTheRank) {
    // "the cat the cat" without positions: two distinct rows, rank 2 < min(4, 768).
    const auto tokens = TextTokens("the cat the cat", TextTokensSpec{});
    ASSERT_TRUE(tokens);
    const auto w = ComputeWeightlessAttention(tokens->x);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->bound, 4);
    EXPECT_EQ(w->rank, 2);
    EXPECT_EQ(tokens->distinct, 2);
    // A rank-3 product of thin factors, tall and wide.
    std::mt19937_64 rng(42);
    for (auto [n, d] : std::vector<std::pair<Index, Index>>{{20, 9}, {9, 20}}) {
        const RowMatrixF x = RandomTokens(rng, n, 3) * RandomTokens(rng, 3, d);
        EXPECT_EQ(ComputeWeightlessAttention(x)->rank, 3);
    }
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(ComputeWeightlessAttention(RowMatrixF(), &issues));
    EXPECT_TRUE(HasField(issues, "tokens"));
}

// [SECTION] Attention as a structured matrix on vec X

TEST(AttentionOperatorTest, KroneckerFormActsOnTokenMajorVecX) {
    std::mt19937_64 rng(51);
    for (ProjectionKind kind : {ProjectionKind::Random, ProjectionKind::Identity}) {
        for (Index heads : {1, 2}) {
            const Index n = 4, din = 4;
            AttentionSpec spec;
            spec.d_model = 4;
            spec.heads = heads;
            spec.projection = kind;
            const RowMatrixF x = RandomTokens(rng, n, din);
            const auto input = PrepareAttention(x, spec);
            ASSERT_TRUE(input);
            const auto r = Attend(*input, spec);
            ASSERT_TRUE(r);
            const Index dh = 4 / heads;
            std::string error;
            const MatrixPtr all = MakeAttentionOperator(*input, *r, -1, &error);
            ASSERT_TRUE(all) << error;
            EXPECT_EQ(all->Rows(), n * spec.d_model);
            EXPECT_EQ(all->Cols(), n * din);
            // vec X token-major; the result head-major: ((h * N + n) * d_head + j).
            std::vector<float> y(static_cast<size_t>(all->Rows()));
            all->Apply(std::span<const float>(x.data(), static_cast<size_t>(x.size())), y);
            for (Index h = 0; h < heads; ++h)
                for (Index i = 0; i < n; ++i)
                    for (Index j = 0; j < dh; ++j)
                        EXPECT_NEAR(y[static_cast<size_t>((h * n + i) * dh + j)], r->context(i, h * dh + j), 1e-5);
            testing::CheckSmallOperator(*all, rng, "attention operator");
            // Attention entries are computed, not trained: only Wv's weights count.
            const Count trainable = kind == ProjectionKind::Identity ? 0 : spec.d_model * din;
            EXPECT_EQ(TrainableWeights(*all), trainable);
            const MatrixPtr one = MakeAttentionOperator(*input, *r, heads - 1, &error);
            ASSERT_TRUE(one) << error;
            EXPECT_EQ(one->Rows(), n * dh);
            testing::CheckSmallOperator(*one, rng, "one head");
        }
    }
}

TEST(AttentionOperatorTest, OneIdentityHeadIsAKroneckerIdentity) {
    // A (x) I_d: the notes' "share one weight across features" with the input-dependent A.
    std::mt19937_64 rng(52);
    AttentionSpec spec;
    spec.d_model = 768;
    spec.heads = 1;
    const RowMatrixF x = RandomTokens(rng, 196, 768, 0.05f);
    const auto input = PrepareAttention(x, spec);
    const auto r = Attend(*input, spec);
    ASSERT_TRUE(r);
    const MatrixPtr op = MakeAttentionOperator(*input, *r, 0);
    ASSERT_TRUE(op);
    EXPECT_EQ(op->Rows(), 196 * 768);
    EXPECT_EQ(op->NonZeros(), Count{196} * 196 * 768);
    EXPECT_EQ(op->Parameters(), 196 * 196);  // A's entries; the identity adds none
    const auto at = op->ParameterAt(5 * 768 + 7, 9 * 768 + 7);
    ASSERT_TRUE(at);
    EXPECT_FLOAT_EQ(op->ParameterValue(*at), r->Attention(0)(5, 9));
    EXPECT_FALSE(op->ParameterAt(5 * 768 + 7, 9 * 768 + 8));
    Grid<float> grid;
    op->Rasterize(WholeMatrix(*op, 256, 256), RasterMode::MeanValue, grid);
    EXPECT_EQ(grid.width, 256);
    std::string error;
    EXPECT_FALSE(MakeAttentionOperator(*input, *r, 1, &error));
    EXPECT_FALSE(error.empty());
}

// [SECTION] Bad input

TEST(AttentionBadInputTest, SpecProblemsAreMessages) {
    AttentionSpec spec;
    spec.heads = 5;  // 768 % 5 != 0
    EXPECT_TRUE(HasField(Validate(spec, 10, 768), "heads"));
    spec.heads = 12;
    EXPECT_TRUE(HasField(Validate(spec, 10, 100), "d_model"));  // identity needs d_model == width
    EXPECT_TRUE(HasField(Validate(spec, 0, 768), "tokens"));
    EXPECT_TRUE(HasField(Validate(spec, kAttentionMaxTokens + 1, 768), "tokens"));
    EXPECT_TRUE(HasField(Validate(spec, 8192, 768), "tokens"));  // 12 x 8192^2 > 2^28 entries
    EXPECT_TRUE(Validate(spec, 4096, 768).empty());
    spec.weight_scale = -1.0f;
    EXPECT_TRUE(HasField(Validate(spec, 10, 768), "weight_scale"));
    spec.weight_scale = std::numeric_limits<float>::quiet_NaN();
    EXPECT_TRUE(HasField(Validate(spec, 10, 768), "weight_scale"));
    spec.weight_scale = 1.0f;
    spec.projection = ProjectionKind::File;
    const auto issues = Validate(spec, 10, 768);
    EXPECT_TRUE(HasField(issues, "wq") && HasField(issues, "wk") && HasField(issues, "wv"));
    spec.projection = ProjectionKind::Random;
    spec.d_model = 16384;
    EXPECT_TRUE(HasField(Validate(spec, 10, 16384), "d_model"));  // 2^28 weights per projection

    std::vector<SpecIssue> out;
    spec = AttentionSpec{};
    spec.heads = 7;
    EXPECT_FALSE(ComputeAttention(RowMatrixF::Zero(3, 768), spec, &out));
    EXPECT_TRUE(HasField(out, "heads"));
    // A prepared input does not fit another d_model.
    spec.heads = 2;
    spec.d_model = 8;
    const auto input = PrepareAttention(RowMatrixF::Ones(3, 8), spec);
    ASSERT_TRUE(input);
    spec.d_model = 4;
    spec.projection = ProjectionKind::Random;
    out.clear();
    EXPECT_FALSE(Attend(*input, spec, &out));
    EXPECT_FALSE(out.empty());
}

TEST(AttentionBadInputTest, NpyFilesOfTheWrongShapeOrTypeAreRefused) {
    const std::string dir = ::testing::TempDir();
    auto write_f32 = [&](const std::string& name, std::vector<float> data, std::vector<Index> shape) {
        const std::string path = dir + "/" + name;
        std::string error;
        EXPECT_TRUE(WriteNpy(path, std::span<const float>(data), std::span<const Index>(shape), &error)) << error;
        return path;
    };
    std::mt19937_64 rng(61);
    const RowMatrixF wq = RandomTokens(rng, 4, 6), wk = RandomTokens(rng, 4, 6), wv = RandomTokens(rng, 4, 6);
    auto vec = [](const RowMatrixF& m) { return std::vector<float>(m.data(), m.data() + m.size()); };
    const std::string q = write_f32("attn_wq.npy", vec(wq), {4, 6});
    const std::string k = write_f32("attn_wk.npy", vec(wk), {4, 6});
    const std::string v = write_f32("attn_wv.npy", vec(wv), {4, 6});
    AttentionSpec spec;
    spec.d_model = 4;
    spec.heads = 2;
    spec.projection = ProjectionKind::File;
    spec.wq = q;
    spec.wk = k;
    spec.wv = v;
    const RowMatrixF x = RandomTokens(rng, 5, 6);
    std::vector<SpecIssue> issues;
    const auto input = PrepareAttention(x, spec, &issues);
    ASSERT_TRUE(input) << (issues.empty() ? "" : issues.front().message);
    EXPECT_EQ(input->weights.wq, wq);
    EXPECT_LT((input->q - x * wq.transpose()).cwiseAbs().maxCoeff(), 1e-5f);
    EXPECT_TRUE(Attend(*input, spec));

    // Transposed (6, 4), 1-D, int64, missing, NaN.
    spec.wq = write_f32("attn_wq_t.npy", vec(wq), {6, 4});
    issues.clear();
    EXPECT_FALSE(PrepareAttention(x, spec, &issues));
    ASSERT_TRUE(HasField(issues, "wq"));
    EXPECT_NE(issues.front().message.find("(6, 4)"), std::string::npos) << issues.front().message;
    spec.wq = write_f32("attn_wq_1d.npy", vec(wq), {24});
    issues.clear();
    EXPECT_FALSE(PrepareAttention(x, spec, &issues));
    EXPECT_TRUE(HasField(issues, "wq"));
    {
        const std::vector<std::int64_t> ints(24, 1);
        const std::vector<Index> shape{4, 6};
        std::string error;
        ASSERT_TRUE(WriteNpy(dir + "/attn_wk_int.npy", std::span<const std::int64_t>(ints), std::span<const Index>(shape), &error));
    }
    spec.wq = q;
    spec.wk = dir + "/attn_wk_int.npy";
    issues.clear();
    EXPECT_FALSE(PrepareAttention(x, spec, &issues));
    ASSERT_TRUE(HasField(issues, "wk"));
    EXPECT_NE(issues.front().message.find("<i8"), std::string::npos);
    spec.wk = k;
    spec.wv = dir + "/does_not_exist.npy";
    issues.clear();
    EXPECT_FALSE(PrepareAttention(x, spec, &issues));
    EXPECT_TRUE(HasField(issues, "wv"));
    std::vector<float> nan_values = vec(wv);
    nan_values[3] = std::numeric_limits<float>::quiet_NaN();
    spec.wv = write_f32("attn_wv_nan.npy", nan_values, {4, 6});
    issues.clear();
    EXPECT_FALSE(PrepareAttention(x, spec, &issues));
    EXPECT_TRUE(HasField(issues, "wv"));
    // Huge weights: the logits overflow float; a message, not NaN attention.
    spec.wv = v;
    spec.wq = write_f32("attn_wq_huge.npy", std::vector<float>(24, 1e30f), {4, 6});
    spec.wk = spec.wq;
    issues.clear();
    const auto huge = PrepareAttention(x, spec, &issues);
    ASSERT_TRUE(huge);
    EXPECT_FALSE(Attend(*huge, spec, &issues));
    EXPECT_TRUE(HasField(issues, "weight_scale"));
}

// "An input file is unusable" (exit 4) apart from "the file does not fit the settings" (exit 2):
// CheckAttentionWeightFiles refuses missing, empty, truncated, corrupt, non-float and non-finite
// files whatever d_model is, and passes a readable float file of any shape.
TEST(AttentionBadInputTest, UnusableWeightFilesAreToldApartFromMisfits) {
    const std::string dir = ::testing::TempDir();
    std::mt19937_64 rng(62);
    const RowMatrixF w = RandomTokens(rng, 4, 6);
    const std::vector<float> values(w.data(), w.data() + w.size());
    const std::vector<Index> shape{4, 6};
    const std::string good = dir + "/attn_check_good.npy";
    std::string error;
    ASSERT_TRUE(WriteNpy(good, std::span<const float>(values), std::span<const Index>(shape), &error)) << error;
    std::string bytes;
    {
        std::ifstream in(good, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto write_bytes = [&](const std::string& name, const std::string& content) {
        const std::string path = dir + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    };
    const std::string empty = write_bytes("attn_check_empty.npy", "");
    const std::string truncated = write_bytes("attn_check_truncated.npy", bytes.substr(0, bytes.size() - 10));
    const std::string header_only = write_bytes("attn_check_header.npy", bytes.substr(0, 20));
    const std::string text = write_bytes("attn_check_text.npy", "not an npy file\n");
    AttentionSpec spec;
    spec.d_model = 4;
    spec.heads = 1;
    spec.projection = ProjectionKind::File;
    spec.wq = spec.wk = spec.wv = good;
    EXPECT_TRUE(CheckAttentionWeightFiles(spec).empty());
    for (const std::string& bad : {dir + "/attn_check_missing.npy", empty, truncated, header_only, text}) {
        for (int which = 0; which < 3; ++which) {
            AttentionSpec s = spec;
            std::string* field[] = {&s.wq, &s.wk, &s.wv};
            *field[which] = bad;
            const std::vector<SpecIssue> issues = CheckAttentionWeightFiles(s);
            ASSERT_EQ(issues.size(), 1u) << bad;
            EXPECT_EQ(issues[0].field, std::string(which == 0 ? "wq" : which == 1 ? "wk" : "wv"));
            EXPECT_FALSE(issues[0].message.empty());
        }
    }
    // A readable float file of the wrong shape is usable: the settings clash with it (Validate's job).
    spec.d_model = 8;
    EXPECT_TRUE(CheckAttentionWeightFiles(spec).empty());
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(LoadAttentionWeights(spec, 6, &issues));
    EXPECT_TRUE(HasField(issues, "wq"));
    // Not a file projection, or no path yet: nothing to check here.
    spec.wq.clear();
    EXPECT_TRUE(CheckAttentionWeightFiles(spec).empty());
    spec.projection = ProjectionKind::Random;
    spec.wk = empty;
    EXPECT_TRUE(CheckAttentionWeightFiles(spec).empty());
}

// The identity projection stores no weights: d_model may go up to the token width limit, bounded
// by N x d_model floats; random and file projections keep the width limit of their weights.
TEST(AttentionBadInputTest, IdentityWidthIsBoundByTheTokensNotByWeights) {
    AttentionSpec spec;
    spec.projection = ProjectionKind::Identity;
    spec.heads = 1;
    for (Index d : {kAttentionMaxWidth + 1, Index{30000}, kMaxTokenWidth}) {
        spec.d_model = d;
        EXPECT_TRUE(Validate(spec, 4, d).empty()) << d << ": " << JoinIssues(Validate(spec, 4, d));
    }
    spec.d_model = kMaxTokenWidth + 1;
    EXPECT_TRUE(HasField(Validate(spec, 4, kMaxTokenWidth + 1), "d_model"));
    spec.d_model = kMaxTokenWidth;
    EXPECT_TRUE(HasField(Validate(spec, kMaxTokenEntries / kMaxTokenWidth + 1, kMaxTokenWidth), "tokens"));
    EXPECT_TRUE(Validate(spec, kMaxTokenEntries / kMaxTokenWidth, kMaxTokenWidth).empty());
    spec.projection = ProjectionKind::Random;
    spec.d_model = kAttentionMaxWidth + 1;
    EXPECT_TRUE(HasField(Validate(spec, 4, 8), "d_model"));
    // And it runs: 3 tokens of width 20,000 through attention, Q = K = V = X.
    std::mt19937_64 rng(63);
    const RowMatrixF x = RandomTokens(rng, 3, 20000, 0.01f);
    spec.projection = ProjectionKind::Identity;
    spec.d_model = 20000;
    spec.heads = 4;
    std::vector<SpecIssue> issues;
    const auto result = ComputeAttention(x, spec, &issues);
    ASSERT_TRUE(result) << JoinIssues(issues);
    EXPECT_EQ(result->output.cols(), 20000);
    ASSERT_TRUE(MakeAttentionOperator(*PrepareAttention(x, spec), *result, 0));
}

TEST(AttentionBadInputTest, CancellationStopsWithAMessage) {
    std::mt19937_64 rng(71);
    AttentionSpec spec;
    spec.d_model = 16;
    spec.heads = 4;
    const auto input = PrepareAttention(RandomTokens(rng, 50, 16), spec);
    ASSERT_TRUE(input);
    int calls = 0;
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(Attend(*input, spec, &issues, [&](float) { return ++calls < 2; }));
    EXPECT_TRUE(HasField(issues, "cancelled"));
    EXPECT_EQ(calls, 2);
    std::vector<float> fractions;
    EXPECT_TRUE(Attend(*input, spec, nullptr, [&](float f) {
        fractions.push_back(f);
        return true;
    }));
    ASSERT_FALSE(fractions.empty());
    for (size_t i = 1; i < fractions.size(); ++i) EXPECT_GE(fractions[i], fractions[i - 1]);
    EXPECT_EQ(fractions.back(), 1.0f);
    issues.clear();
    EXPECT_FALSE(ComputeWeightlessAttention(input->x, &issues, [](float) { return false; }));
    EXPECT_TRUE(HasField(issues, "cancelled"));
}

}  // namespace
}  // namespace lens
