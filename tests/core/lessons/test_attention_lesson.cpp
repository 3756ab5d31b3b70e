// Tests of lens/lessons/attention_lesson.hpp: the lesson's tokens (text embeddings, image patches
// against a naive per-pixel copy), its heads against a naive softmax(Q K^T / sqrt(d_head)) per head
// with the causal mask and QK LayerNorm, the row entropies, the entropy curves, the incremental
// cache, and the figures it names.
#include "lens/lessons/attention_lesson.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include "../random_image.hpp"

namespace lens {
namespace {

// Naive attention in double from the tokens and the weights (an empty matrix is the identity).
struct Naive {
    std::vector<double> attention;  // heads x N x N
    std::vector<double> entropy;    // heads x N
    Eigen::MatrixXd output;         // N x d
    double mean_entropy = 0;
};

Eigen::MatrixXd Project(const RowMatrixF& x, const RowMatrixF& w, Index d) {
    const Index n = x.rows(), din = x.cols();
    Eigen::MatrixXd out(n, d);
    for (Index i = 0; i < n; ++i)
        for (Index o = 0; o < d; ++o) {
            double acc = 0;
            for (Index f = 0; f < din; ++f) acc += static_cast<double>(x(i, f)) * (w.size() ? w(o, f) : (o == f ? 1.0 : 0.0));
            out(i, o) = acc;
        }
    return out;
}

void NaiveLayerNorm(Eigen::MatrixXd& m, Index c0, Index dh) {
    for (Index i = 0; i < m.rows(); ++i) {
        double mean = 0, var = 0;
        for (Index j = 0; j < dh; ++j) mean += m(i, c0 + j);
        mean /= static_cast<double>(dh);
        for (Index j = 0; j < dh; ++j) var += (m(i, c0 + j) - mean) * (m(i, c0 + j) - mean);
        var /= static_cast<double>(dh);
        for (Index j = 0; j < dh; ++j) m(i, c0 + j) = (m(i, c0 + j) - mean) / std::sqrt(var + kQkNormEpsilon);
    }
}

Naive NaiveAttend(const RowMatrixF& x, const AttentionWeights& w, const AttentionSpec& spec, double scale) {
    const Index n = x.rows(), d = spec.d_model, heads = spec.heads, dh = d / heads;
    Eigen::MatrixXd q = Project(x, w.wq, d) * scale, k = Project(x, w.wk, d) * scale, v = Project(x, w.wv, d);
    Naive r;
    r.attention.assign(static_cast<size_t>(heads * n * n), 0.0);
    r.entropy.assign(static_cast<size_t>(heads * n), 0.0);
    Eigen::MatrixXd context = Eigen::MatrixXd::Zero(n, d);
    for (Index h = 0; h < heads; ++h) {
        if (spec.qk_norm) {
            NaiveLayerNorm(q, h * dh, dh);
            NaiveLayerNorm(k, h * dh, dh);
        }
        for (Index i = 0; i < n; ++i) {
            std::vector<double> s(static_cast<size_t>(n), -std::numeric_limits<double>::infinity());
            double peak = -std::numeric_limits<double>::infinity();
            for (Index j = 0; j < n; ++j) {
                if (spec.causal && j > i) continue;
                double dot = 0;
                for (Index f = 0; f < dh; ++f) dot += q(i, h * dh + f) * k(j, h * dh + f);
                s[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(dh));
                peak = std::max(peak, s[static_cast<size_t>(j)]);
            }
            double sum = 0;
            for (Index j = 0; j < n; ++j) sum += std::exp(s[static_cast<size_t>(j)] - peak);
            double entropy = 0;
            for (Index j = 0; j < n; ++j) {
                const double a = std::exp(s[static_cast<size_t>(j)] - peak) / sum;
                r.attention[static_cast<size_t>((h * n + i) * n + j)] = a;
                if (a > 0) entropy -= a * std::log(a);
                for (Index f = 0; f < dh; ++f) context(i, h * dh + f) += a * v(j, h * dh + f);
            }
            r.entropy[static_cast<size_t>(h * n + i)] = entropy;
            r.mean_entropy += entropy / static_cast<double>(heads * n);
        }
    }
    r.output = w.wo.size() ? Eigen::MatrixXd(context * w.wo.cast<double>().transpose()) : context;
    return r;
}

AttentionLessonSpec RandomTextSpec(std::mt19937_64& rng) {
    static const char* kWords[] = {"the", "cat", "sat", "on", "mat", "dog", ".", "log", "a", "ran"};
    AttentionLessonSpec spec;
    std::uniform_int_distribution<int> words(1, 9), pick(0, 9), heads_pick(1, 4), coin(0, 1), proj(0, 1);
    spec.text.clear();
    for (int i = 0, n = words(rng); i < n; ++i) spec.text += std::string(kWords[pick(rng)]) + " ";
    spec.attention.heads = heads_pick(rng);
    spec.attention.d_model = spec.attention.heads * std::uniform_int_distribution<int>(1, 6)(rng);
    spec.attention.projection = proj(rng) ? ProjectionKind::Random : ProjectionKind::Identity;
    spec.attention.causal = coin(rng);
    spec.attention.qk_norm = coin(rng);
    spec.attention.weight_scale = std::uniform_real_distribution<float>(0.1f, 3.0f)(rng);
    spec.attention.seed = rng() % 1000;
    spec.positions = coin(rng);
    return spec;
}

void ExpectMatchesNaive(const AttentionLessonResult& c, const AttentionSpec& spec) {
    ASSERT_TRUE(c.result) << (c.issues.empty() ? "" : c.issues[0].message);
    const AttentionResult& r = *c.result;
    const Naive ref = NaiveAttend(c.prep->tokens.x, c.prep->input->weights, spec, spec.weight_scale);
    const Index n = r.tokens;
    ASSERT_EQ(r.attention->size(), ref.attention.size());
    for (size_t i = 0; i < ref.attention.size(); ++i) ASSERT_NEAR((*r.attention)[i], ref.attention[i], 2e-4) << i;
    for (size_t i = 0; i < ref.entropy.size(); ++i) ASSERT_NEAR(r.entropy[i], ref.entropy[i], 2e-3) << i;
    EXPECT_NEAR(r.mean_entropy, ref.mean_entropy, 1e-3);
    for (Index i = 0; i < n; ++i)
        for (Index f = 0; f < r.output.cols(); ++f) ASSERT_NEAR(r.output(i, f), ref.output(i, f), 1e-3 * (1 + std::fabs(ref.output(i, f))));
    // The grids are head 0 and the tokens, the peaks their maxima.
    ASSERT_EQ(c.attention_grid.width, n);
    for (Index i = 0; i < n * n; ++i) ASSERT_EQ(c.attention_grid.data[static_cast<size_t>(i)], (*r.attention)[static_cast<size_t>(i)]);
    EXPECT_EQ(c.head_grids.size(), static_cast<size_t>(std::min<Index>(r.heads, kAttentionLessonHeadGrids)));
    float peak = 0;
    for (Index i = 0; i < n * n; ++i) peak = std::max(peak, (*r.attention)[static_cast<size_t>(i)]);
    EXPECT_EQ(c.attention_peak, peak);
    EXPECT_EQ(c.x_grid.width, c.prep->tokens.Width());
    EXPECT_EQ(c.x_grid.height, n);
    ASSERT_TRUE(c.operator_head0);
    if (spec.causal) {
        for (Index i = 0; i < n; ++i)
            for (Index j = i + 1; j < n; ++j) ASSERT_EQ(r.Attention(0)(i, j), 0.0f);
    }
}

TEST(AttentionLesson, TextTokensAreTheWordEmbeddings) {
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 30; ++trial) {
        AttentionLessonSpec spec = RandomTextSpec(rng);
        spec.positions = false;
        TaskContext none;
        const AttentionPrepared p = PrepareAttentionLesson(spec, nullptr, none);
        ASSERT_TRUE(p.input);
        const Index d = spec.attention.d_model;
        ASSERT_EQ(p.tokens.Width(), d);
        for (Index n = 0; n < p.tokens.Tokens(); ++n) {
            const std::vector<float> e = TokenEmbedding(p.tokens.labels[static_cast<size_t>(n)], d, spec.attention.seed);
            for (Index f = 0; f < d; ++f) ASSERT_EQ(p.tokens.x(n, f), e[static_cast<size_t>(f)]);
        }
        // Without positions X's rank is the number of distinct words (random vectors, d permitting).
        ASSERT_TRUE(p.weightless);
        EXPECT_EQ(p.weightless->bound, std::min(p.tokens.Tokens(), d));
        EXPECT_LE(p.weightless->rank, std::min(p.tokens.distinct, d));
        if (p.tokens.distinct <= 2 && d >= 4) {
            EXPECT_EQ(p.weightless->rank, p.tokens.distinct);
        }
    }
}

TEST(AttentionLesson, ImageTokensAreANaivePatchCopy) {
    std::mt19937_64 rng(12);
    for (int trial = 0; trial < 30; ++trial) {
        const int w = std::uniform_int_distribution<int>(4, 20)(rng), h = std::uniform_int_distribution<int>(4, 20)(rng);
        const Image image = RandomImage(rng, w, h);
        AttentionLessonSpec spec;
        spec.source = kAttentionSourceImage;
        spec.resize = 0;
        spec.patch = std::uniform_int_distribution<int>(1, std::min(w, h))(rng);
        spec.attention.projection = ProjectionKind::Identity;
        const Index p = spec.patch, width = p * p * 3;
        spec.attention.d_model = width;
        spec.attention.heads = 3;
        TaskContext none;
        const AttentionLessonResult c = ComputeAttentionLesson(spec, &image, none);
        const Index cols = (w + p - 1) / p, rows = (h + p - 1) / p;
        ASSERT_TRUE(c.result) << c.issues[0].message;
        ASSERT_EQ(c.prep->tokens.Tokens(), rows * cols);
        ASSERT_EQ(c.prep->tokens.Width(), width);
        for (Index gy = 0; gy < rows; ++gy)
            for (Index gx = 0; gx < cols; ++gx)
                for (Index py = 0; py < p; ++py)
                    for (Index px = 0; px < p; ++px)
                        for (Index ch = 0; ch < 3; ++ch) {
                            const Index y = gy * p + py, x = gx * p + px;
                            const float expected = (y < h && x < w) ? static_cast<float>(image.rgb[static_cast<size_t>((y * w + x) * 3 + ch)]) * (2.0f / 255.0f) - 1.0f : 0.0f;
                            ASSERT_EQ(c.prep->tokens.x(gy * cols + gx, (py * p + px) * 3 + ch), expected);
                        }
        ExpectMatchesNaive(c, spec.attention);
    }
}

TEST(AttentionLesson, HeadsMatchNaiveSoftmaxWithMaskAndNorm) {
    std::mt19937_64 rng(13);
    for (int trial = 0; trial < 60; ++trial) {
        const AttentionLessonSpec spec = RandomTextSpec(rng);
        TaskContext none;
        const AttentionLessonResult c = ComputeAttentionLesson(spec, nullptr, none);
        ExpectMatchesNaive(c, spec.attention);
    }
}

TEST(AttentionLesson, CurvesAreTheNaiveMeanEntropyAtEachScale) {
    std::mt19937_64 rng(14);
    for (int trial = 0; trial < 12; ++trial) {
        const AttentionLessonSpec spec = RandomTextSpec(rng);
        TaskContext none;
        const AttentionLessonResult c = ComputeAttentionLesson(spec, nullptr, none);
        ASSERT_TRUE(c.result);
        ASSERT_EQ(c.curves.scales.size(), 17u);
        ASSERT_EQ(c.curves.plain.size(), 17u);
        ASSERT_EQ(c.curves.qk_norm.size(), 17u);
        EXPECT_NEAR(c.curves.scales.front(), 0.1f, 1e-6f);
        EXPECT_NEAR(c.curves.scales.back(), 10.0f, 1e-5f);
        for (size_t i = 0; i < 17; i += 4) {
            AttentionSpec s = spec.attention;
            s.qk_norm = false;
            EXPECT_NEAR(c.curves.plain[i], NaiveAttend(c.prep->tokens.x, c.prep->input->weights, s, c.curves.scales[i]).mean_entropy, 2e-3);
            s.qk_norm = true;
            EXPECT_NEAR(c.curves.qk_norm[i], NaiveAttend(c.prep->tokens.x, c.prep->input->weights, s, c.curves.scales[i]).mean_entropy, 2e-3);
        }
    }
}

TEST(AttentionLesson, CacheReusesThePreparationAcrossHeadsScaleNormMask) {
    AttentionLessonSpec spec;
    spec.attention.d_model = 8;
    spec.attention.heads = 2;
    spec.attention.projection = ProjectionKind::Random;
    AttentionPreparedCache cache;
    TaskContext none;
    const auto first = cache.Get(spec, nullptr, 0, none);
    AttentionLessonSpec changed = spec;
    changed.attention.heads = 4;
    changed.attention.weight_scale = 3;
    changed.attention.qk_norm = true;
    changed.attention.causal = true;
    EXPECT_EQ(cache.Get(changed, nullptr, 0, none), first);
    EXPECT_EQ(cache.Get(changed, nullptr, 7, none), first);  // text ignores the image version
    const AttentionLessonResult a = AttendLesson(changed, first, none);
    ExpectMatchesNaive(a, changed.attention);
    changed.attention.seed = 2;
    EXPECT_NE(cache.Get(changed, nullptr, 0, none), first);
    changed.source = kAttentionSourceImage;
    EXPECT_EQ(AttentionPrepKeyOf(changed, 5).image_version, 5u);
    EXPECT_TRUE(AttentionPrepKeyOf(changed, 5).text.empty());
}

TEST(AttentionLesson, RefusedSpecsGiveIssuesAndNoFigures) {
    TaskContext none;
    AttentionLessonSpec spec;
    spec.attention.d_model = 8;
    spec.attention.heads = 3;  // does not divide
    spec.attention.projection = ProjectionKind::Random;
    AttentionLessonResult c = ComputeAttentionLesson(spec, nullptr, none);
    EXPECT_FALSE(c.result);
    EXPECT_FALSE(c.issues.empty());
    FigureRecorder recorder;
    VisitFigures(c, recorder);
    EXPECT_TRUE(recorder.Scalars().empty());
    spec.source = kAttentionSourceImage;
    spec.attention.heads = 2;
    c = ComputeAttentionLesson(spec, nullptr, none);  // no image
    EXPECT_FALSE(c.result);
    EXPECT_FALSE(c.issues.empty());
}

class ArrayRecorder final : public FigureVisitor {
public:
    void Integer(std::string_view name, std::int64_t) override { names.emplace_back(name); }
    void Number(std::string_view name, double) override { names.emplace_back(name); }
    void String(std::string_view name, std::string_view) override { names.emplace_back(name); }
    void NumberArray(std::string_view name, std::span<const double>) override { names.emplace_back(name); }
    void ArrayF32(std::string_view name, std::span<const float> values, std::vector<Index> shape) override {
        Index size = 1;
        for (Index s : shape) size *= s;
        EXPECT_EQ(static_cast<size_t>(size), values.size()) << name;
        names.emplace_back("array:" + std::string(name));
    }
    void ArrayU8(std::string_view name, std::span<const std::uint8_t>, std::vector<Index>) override { names.emplace_back(name); }
    std::vector<std::string> names;
};

TEST(AttentionLesson, FiguresNameEveryExportedNumber) {
    AttentionLessonSpec spec;
    spec.attention.d_model = 8;
    spec.attention.heads = 2;
    spec.attention.projection = ProjectionKind::Random;
    TaskContext none;
    const AttentionLessonResult c = ComputeAttentionLesson(spec, nullptr, none);
    ArrayRecorder arrays;
    VisitFigures(c, arrays);
    const std::vector<std::string> expected = {"tokens", "d_model", "heads", "token_width", "rank_xxtx", "rank_bound",
                                               "attended_pairs", "mean_entropy", "uniform_entropy", "weight_scales", "mean_entropy_plain",
                                               "mean_entropy_qk_norm", "array:tokens", "array:scores", "array:attention", "array:output"};
    EXPECT_EQ(arrays.names, expected);
    FigureRecorder recorder;
    VisitFigures(c, recorder);
    EXPECT_EQ(recorder.Find("tokens")->integer, c.result->tokens);
    EXPECT_EQ(recorder.Find("rank_xxtx")->integer, c.prep->weightless->rank);
    EXPECT_EQ(recorder.Find("mean_entropy")->number, c.result->mean_entropy);
    EXPECT_EQ(recorder.FindArray("mean_entropy_plain")->size(), 17u);
}

// attended_pairs counts head 0's non-zero weights: n^2 without the mask, n (n + 1) / 2 with it
// (moderate scales, so no unmasked weight underflows to zero).
TEST(AttentionLesson, AttendedPairsAreTheMaskedTriangleOrTheFullSquare) {
    std::mt19937_64 rng(2013);
    for (int trial = 0; trial < 30; ++trial) {
        AttentionLessonSpec spec = RandomTextSpec(rng);
        spec.attention.weight_scale = 1.0f;
        spec.attention.qk_norm = true;
        TaskContext none;
        const AttentionLessonResult c = ComputeAttentionLesson(spec, nullptr, none);
        ASSERT_TRUE(c.result);
        FigureRecorder recorder;
        VisitFigures(c, recorder);
        const std::int64_t n = c.result->tokens;
        EXPECT_EQ(recorder.Find("attended_pairs")->integer, spec.attention.causal ? n * (n + 1) / 2 : n * n) << trial;
    }
}

}  // namespace
}  // namespace lens
