// Tests of lens/fc.hpp: the fully connected layer with features and its two simplifications,
// against loops over the notes' formulas, Eigen's kroneckerProduct, the 1x1 convolution, the
// brute-force rasterizer, the notes' figures, and bad specs.
//
// [SECTION] The notes' figures
// [SECTION] Full layer against its 4-D formula
// [SECTION] Simplification I: share across features
// [SECTION] Simplification II: share across inputs (the 1x1 convolution)
// [SECTION] Huge layers are drawn, never materialised
// [SECTION] Bad specs
#include "lens/fc.hpp"
#include "lens/conv.hpp"  // the convolution checked against the dense form

#include <gtest/gtest.h>

#include <unsupported/Eigen/KroneckerProduct>

#include <cmath>
#include <random>

#include "operator_checks.hpp"

namespace lens {
namespace {

using testing::CheckSmallOperator;
using testing::ExpectSameRaster;
using testing::Pick;
using testing::RandomVector;

FcSpec RandomSpec(std::mt19937_64& rng) {
    FcSpec s;
    s.in_count = Pick(rng, 1, 5);
    s.out_count = Pick(rng, 1, 5);
    s.in_features = Pick(rng, 1, 4);
    s.out_features = Pick(rng, 1, 4);
    s.order = rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
    s.seed = rng();
    return s;
}

// Index of x[n, f] (or y[n, f]) for N positions and F features in `order`.
Index Flat(FlatOrder order, Index n, Index f, Index positions, Index features) {
    return order == FlatOrder::PositionMajor ? n * features + f : f * positions + n;
}

void ExpectNear(std::span<const float> got, const std::vector<double>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-4 * (1.0 + std::fabs(want[i]))) << what << " at " << i;
}

// [SECTION] The notes' figures

TEST(FcNotes, FullyConnected1024To100With64Features) {
    const FcStats s = *ComputeFcStats(*FindFcPreset("fc_1024_100_f64"));
    EXPECT_EQ(s.rows, 6400);   // 100 x 64
    EXPECT_EQ(s.cols, 65536);  // 1024 x 64
    EXPECT_EQ(s.full_weights, 419430400);  // 100x64x1024x64
    EXPECT_EQ(FormatExact(s.full_weights), "419,430,400");
    EXPECT_EQ(s.full_macs, 419430400);
    EXPECT_TRUE(s.share_features_applicable);
    EXPECT_EQ(s.share_features_weights, 102400);  // 100 x 1024
    EXPECT_EQ(s.share_features_macs, 6553600);    // 100 x 1024 x 64
    EXPECT_FALSE(s.share_inputs_applicable);      // 1024 inputs, 100 outputs
    EXPECT_EQ(s.share_inputs_weights, 4096);      // 64 x 64, as the notes count it
    EXPECT_EQ(s.share_inputs_macs, 0);
    EXPECT_NE(s.share_inputs_note.find("N_out = 100, N_in = 1024"), std::string::npos);
    std::string error;
    EXPECT_FALSE(MakeFcOperator(*FindFcPreset("fc_1024_100_f64"), FcForm::ShareInputs, &error));
    EXPECT_NE(error.find("does not apply"), std::string::npos);
    const MatrixPtr one = MakeFcOperator(*FindFcPreset("fc_1024_100_f64"), FcForm::ShareFeatures);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->Rows(), 6400);
    EXPECT_EQ(one->Cols(), 65536);
    EXPECT_EQ(one->Parameters(), 102400);
    EXPECT_EQ(TrainableWeights(*one), 102400);
    EXPECT_EQ(one->NonZeros(), 6553600);
    const MatrixPtr full = MakeFcOperator(*FindFcPreset("fc_1024_100_f64"), FcForm::Full);
    ASSERT_TRUE(full);
    EXPECT_EQ(full->Parameters(), 419430400);
    EXPECT_EQ(full->NonZeros(), 419430400);
}

TEST(FcNotes, FullyConnected1024To100WithoutFeatures) {
    const FcStats s = *ComputeFcStats(*FindFcPreset("fc_1024_100"));
    EXPECT_EQ(s.full_weights, 102400);  // Weight 100 x 1024
    EXPECT_EQ(s.share_features_weights, 102400);
    EXPECT_EQ(s.share_inputs_weights, 1);
}

TEST(FcNotes, Tokens512By768) {
    const FcSpec spec = *FindFcPreset("tokens_512_768");
    const FcStats s = *ComputeFcStats(spec);
    EXPECT_EQ(s.rows, 393216);
    EXPECT_EQ(s.full_weights, 154618822656);  // (512 x 768)^2
    EXPECT_EQ(FormatExact(s.full_weights), "154,618,822,656");
    EXPECT_TRUE(s.share_inputs_applicable);
    EXPECT_EQ(s.share_inputs_weights, 589824);  // 768 x 768
    EXPECT_EQ(s.share_inputs_macs, 301989888);  // 512 x 768 x 768
    EXPECT_TRUE(s.share_features_applicable);
    EXPECT_EQ(s.share_features_weights, 262144);  // 512 x 512
    const MatrixPtr two = MakeFcOperator(spec, FcForm::ShareInputs);
    ASSERT_TRUE(two);
    EXPECT_EQ(two->Parameters(), 589824);
    EXPECT_EQ(two->NonZeros(), 301989888);
    const MatrixPtr full = MakeFcOperator(spec, FcForm::Full);
    ASSERT_TRUE(full);
    EXPECT_EQ(full->Parameters(), 154618822656);
    EXPECT_EQ(full->NonZeros(), 154618822656);
}

// [SECTION] Full layer against its 4-D formula

TEST(FcFull, MatchesFourDimensionalLoopsInBothOrders) {
    std::mt19937_64 rng(21);
    for (int trial = 0; trial < 200; ++trial) {
        const FcSpec s = RandomSpec(rng);
        const auto op = DenseFcOperator::Create(s);
        ASSERT_TRUE(op);
        const std::string what = "full trial " + std::to_string(trial);
        CheckSmallOperator(*op, rng, what);
        if (HasFatalFailure()) return;
        // y[o, g] = sum_{n, f} W[o, g, n, f] x[n, f], flattened in s.order.
        const std::vector<float> x = RandomVector(rng, op->Cols());
        std::vector<double> want(static_cast<size_t>(op->Rows()), 0.0);
        const double bound = 1.0 / std::sqrt(static_cast<double>(s.in_count * s.in_features));
        for (Index o = 0; o < s.out_count; ++o)
            for (Index g = 0; g < s.out_features; ++g)
                for (Index n = 0; n < s.in_count; ++n)
                    for (Index f = 0; f < s.in_features; ++f) {
                        const float w = op->Weight(o, g, n, f);
                        ASSERT_LE(std::fabs(w), bound);
                        const Index row = Flat(s.order, o, g, s.out_count, s.out_features);
                        const Index col = Flat(s.order, n, f, s.in_count, s.in_features);
                        ASSERT_EQ(*op->ParameterAt(row, col), ((o * s.out_features + g) * s.in_count + n) * s.in_features + f);
                        want[static_cast<size_t>(row)] += static_cast<double>(w) * x[static_cast<size_t>(Flat(s.order, n, f, s.in_count, s.in_features))];
                    }
        std::vector<float> y(want.size());
        op->Apply(x, y);
        ExpectNear(y, want, what);
    }
}

TEST(FcFull, OrderPermutesTheMatrixAndKeepsTheWeights) {
    FcSpec s{3, 2, 4, 5, FlatOrder::PositionMajor, 77};
    const auto a = DenseFcOperator::Create(s);
    s.order = FlatOrder::ChannelMajor;
    const auto b = DenseFcOperator::Create(s);
    for (Index o = 0; o < 2; ++o)
        for (Index g = 0; g < 5; ++g)
            for (Index n = 0; n < 3; ++n)
                for (Index f = 0; f < 4; ++f) {
                    const auto pa = a->ParameterAt(a->EncodeRow(o, g), a->EncodeCol(n, f));
                    const auto pb = b->ParameterAt(b->EncodeRow(o, g), b->EncodeCol(n, f));
                    ASSERT_EQ(*pa, *pb);
                    ASSERT_EQ(*pa, a->ParamIndex(o, g, n, f));
                }
    EXPECT_EQ(a->ParameterLabel(a->ParamIndex(1, 4, 2, 3)), "w[1,4,2,3]");
    EXPECT_EQ(a->RowLabel(a->EncodeRow(1, 4)), "out (n=1, f=4)");
    EXPECT_NE(a->Describe(0, 0).find("via w[0,0,0,0] = "), std::string::npos);
}

TEST(FcFull, MeansWithoutTheTableAreExactOnSmallBlocksAndSampledOnLarge) {
    // 1024 x 2048 = 2M entries: above kDenseFcTableEntries, values come from the hash alone.
    const auto op = DenseFcOperator::Create(FcSpec{2048, 1024, 1, 1, FlatOrder::PositionMajor, 5});
    ASSERT_TRUE(op);
    EXPECT_FALSE(op->ExactMeans());
    ExpectSameRaster(*op, Viewport{100, 300, 40, 200, 13, 7}, "small blocks");
    ExpectSameRaster(*op, Viewport{1000, 2000, 40, 200, 300, 70}, "zoomed in, sticking out");
    // 8x8 pixels of 128 x 256 entries: sampled (4096 per pixel), close to the exact block mean.
    Grid<float> sampled, again;
    op->Rasterize(WholeMatrix(*op, 8, 8), RasterMode::MeanValue, sampled);
    op->Rasterize(WholeMatrix(*op, 8, 8), RasterMode::MeanValue, again);
    EXPECT_EQ(sampled.data, again.data);  // deterministic
    const double bound = 1.0 / std::sqrt(2048.0);
    for (int py = 0; py < 8; ++py)
        for (int px = 0; px < 8; ++px) {
            double sum = 0.0;
            for (Index r = py * 128; r < (py + 1) * 128; ++r)
                for (Index c = px * 256; c < (px + 1) * 256; ++c) sum += op->ParameterValue(*op->ParameterAt(r, c));
            EXPECT_NEAR(sampled.At(px, py), sum / (128.0 * 256.0), 0.06 * bound);
        }
    // With the table (768 x 768), means of any block are exact.
    const auto small = DenseFcOperator::Create(FcSpec{1, 1, 768, 768, FlatOrder::PositionMajor, 5});
    EXPECT_TRUE(small->ExactMeans());
    ExpectSameRaster(*small, WholeMatrix(*small, 7, 5), "table, whole");
}

// [SECTION] Simplification I: share across features

TEST(FcShareFeatures, IsWKronIdentityPositionMajorAndIdentityKronWFeatureMajor) {
    std::mt19937_64 rng(22);
    for (int trial = 0; trial < 200; ++trial) {
        FcSpec s = RandomSpec(rng);
        s.out_features = s.in_features;
        const MatrixPtr op = MakeFcOperator(s, FcForm::ShareFeatures);
        ASSERT_TRUE(op);
        const std::string what = "I trial " + std::to_string(trial);
        CheckSmallOperator(*op, rng, what);
        if (HasFatalFailure()) return;
        const auto* kron = dynamic_cast<const KroneckerOperator*>(op.get());
        ASSERT_TRUE(kron);
        // The shared weight W (N_out x N_in) is the factor that is not the identity.
        const bool position_major = s.order == FlatOrder::PositionMajor;
        const StructuredMatrix& w = position_major ? kron->A() : kron->B();
        const StructuredMatrix& id = position_major ? kron->B() : kron->A();
        ASSERT_TRUE(dynamic_cast<const IdentityOperator*>(&id)) << what;
        ASSERT_EQ(w.Rows(), s.out_count);
        ASSERT_EQ(w.Cols(), s.in_count);
        const Eigen::MatrixXf wd = *ToDense(w, 1 << 20);
        const Eigen::MatrixXf eye = Eigen::MatrixXf::Identity(s.in_features, s.in_features);
        const Eigen::MatrixXf expected = position_major ? Eigen::MatrixXf(Eigen::kroneckerProduct(wd, eye))
                                                        : Eigen::MatrixXf(Eigen::kroneckerProduct(eye, wd));
        ASSERT_EQ(*ToDense(*op, 1 << 20), expected) << what;
        // Naively: y[o, f] = sum_n W[o, n] x[n, f], each feature on its own.
        const std::vector<float> x = RandomVector(rng, op->Cols());
        std::vector<double> want(static_cast<size_t>(op->Rows()), 0.0);
        for (Index o = 0; o < s.out_count; ++o)
            for (Index f = 0; f < s.in_features; ++f)
                for (Index n = 0; n < s.in_count; ++n)
                    want[static_cast<size_t>(Flat(s.order, o, f, s.out_count, s.in_features))] +=
                        static_cast<double>(wd(o, n)) * x[static_cast<size_t>(Flat(s.order, n, f, s.in_count, s.in_features))];
        std::vector<float> y(want.size());
        op->Apply(x, y);
        ExpectNear(y, want, what);
        EXPECT_EQ(op->Parameters(), s.out_count * s.in_count);
        EXPECT_EQ(op->NonZeros(), s.out_count * s.in_count * s.in_features);
    }
}

TEST(FcShareFeatures, NotApplicableWhenFeatureCountsDiffer) {
    const FcSpec s{8, 4, 3, 5, FlatOrder::PositionMajor, 1};
    const FcStats stats = *ComputeFcStats(s);
    EXPECT_FALSE(stats.share_features_applicable);
    EXPECT_EQ(stats.share_features_macs, 0);
    EXPECT_NE(stats.share_features_note.find("F_out = 5, F_in = 3"), std::string::npos);
    std::string error;
    EXPECT_FALSE(MakeFcOperator(s, FcForm::ShareFeatures, &error));
    EXPECT_NE(error.find("simplification I does not apply"), std::string::npos);
}

// [SECTION] Simplification II: share across inputs (the 1x1 convolution)

TEST(FcShareInputs, IsIdentityKronVAndEqualsThePointwiseConvolution) {
    std::mt19937_64 rng(23);
    for (int trial = 0; trial < 200; ++trial) {
        FcSpec s = RandomSpec(rng);
        s.out_count = s.in_count;
        const MatrixPtr op = MakeFcOperator(s, FcForm::ShareInputs);
        ASSERT_TRUE(op);
        const std::string what = "II trial " + std::to_string(trial);
        CheckSmallOperator(*op, rng, what);
        if (HasFatalFailure()) return;
        const auto* kron = dynamic_cast<const KroneckerOperator*>(op.get());
        ASSERT_TRUE(kron);
        const bool position_major = s.order == FlatOrder::PositionMajor;
        const StructuredMatrix& v = position_major ? kron->B() : kron->A();
        ASSERT_EQ(v.Rows(), s.out_features);
        ASSERT_EQ(v.Cols(), s.in_features);
        const Eigen::MatrixXf vd = *ToDense(v, 1 << 20);
        const Eigen::MatrixXf eye = Eigen::MatrixXf::Identity(s.in_count, s.in_count);
        const Eigen::MatrixXf expected = position_major ? Eigen::MatrixXf(Eigen::kroneckerProduct(eye, vd))
                                                        : Eigen::MatrixXf(Eigen::kroneckerProduct(vd, eye));
        ASSERT_EQ(*ToDense(*op, 1 << 20), expected) << what;
        // The 1x1 convolution over a length-N sequence with V as its weight (PyTorch layout
        // (out_channels, in_channels, 1, 1) = V's row-major entries), flattened the same way.
        ConvSpec conv = PointwiseSpec(1, s.in_count, s.in_features, s.out_features);
        conv.order = s.order;
        auto pointwise = ConvOperator::Create(conv);
        ASSERT_TRUE(pointwise);
        std::vector<float> weights;
        for (Index g = 0; g < s.out_features; ++g)
            for (Index f = 0; f < s.in_features; ++f) weights.push_back(vd(g, f));
        ASSERT_TRUE(pointwise->SetWeights(weights));
        ASSERT_EQ(*ToDense(*pointwise, 1 << 20), expected) << what;
        // Naively: y[n, g] = sum_f V[g, f] x[n, f], each position on its own.
        const std::vector<float> x = RandomVector(rng, op->Cols());
        std::vector<double> want(static_cast<size_t>(op->Rows()), 0.0);
        for (Index n = 0; n < s.in_count; ++n)
            for (Index g = 0; g < s.out_features; ++g)
                for (Index f = 0; f < s.in_features; ++f)
                    want[static_cast<size_t>(Flat(s.order, n, g, s.in_count, s.out_features))] +=
                        static_cast<double>(vd(g, f)) * x[static_cast<size_t>(Flat(s.order, n, f, s.in_count, s.in_features))];
        std::vector<float> y(want.size());
        op->Apply(x, y);
        ExpectNear(y, want, what);
        EXPECT_EQ(op->Parameters(), s.out_features * s.in_features);
    }
}

// [SECTION] Huge layers are drawn, never materialised

TEST(FcHuge, TokensFullLayerIsDrawnFromStructure) {
    const auto op = DenseFcOperator::Create(*FindFcPreset("tokens_512_768"));
    ASSERT_TRUE(op);
    EXPECT_FALSE(op->ExactMeans());
    Grid<float> grid;
    op->Rasterize(WholeMatrix(*op, 512, 512), RasterMode::Count, grid);
    Count total = 0;
    for (float v : grid.data) total += static_cast<Count>(v);  // 768^2 per pixel: exact in float
    EXPECT_EQ(total, 154618822656);
    op->Rasterize(WholeMatrix(*op, 512, 512), RasterMode::ParameterId, grid);
    for (float v : grid.data) ASSERT_EQ(v, -1.0f);
    op->Rasterize(WholeMatrix(*op, 512, 512), RasterMode::MeanValue, grid);
    const float bound = 1.0f / std::sqrt(393216.0f);
    for (float v : grid.data) {
        ASSERT_TRUE(std::isfinite(v));
        ASSERT_LE(std::fabs(v), bound);
    }
    // Single entries, zoomed in: against the brute-force rasterizer (8 rows of 393216 entries).
    ExpectSameRaster(*op, Viewport{200000, 100000, 8, 64, 128, 16}, "tokens, zoomed in");
    // The product would hash 1.5e11 weights: refused, y untouched.
    std::vector<float> x(static_cast<size_t>(op->Cols()), 1.0f), y(static_cast<size_t>(op->Rows()), 7.0f);
    op->Apply(x, y);
    EXPECT_EQ(y.front(), 7.0f);
    EXPECT_EQ(y.back(), 7.0f);
    std::string why;
    EXPECT_FALSE(ToDense(*op, Count{1} << 26, &why));
    EXPECT_NE(why.find("154,618,822,656"), std::string::npos);
}

// [SECTION] Bad specs

TEST(FcValidate, BadSizesAndOverflowGiveMessages) {
    FcSpec s;
    s.in_count = 0;
    auto issues = Validate(s);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].field, "in_count");
    s = FcSpec{};
    s.out_features = -3;
    issues = Validate(s);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].field, "out_features");
    s = FcSpec{};
    s.out_count = kFcMaxSide + 1;
    EXPECT_FALSE(Validate(s).empty());
    // 2^24 on every side: each side 2^48 fits, the full weight 2^96 does not.
    s = FcSpec{kFcMaxSide, kFcMaxSide, kFcMaxSide, kFcMaxSide, FlatOrder::PositionMajor, 1};
    issues = Validate(s);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_NE(issues[0].message.find("2^63"), std::string::npos);
    EXPECT_FALSE(ComputeFcStats(s));
    std::string error;
    EXPECT_FALSE(MakeFcOperator(s, FcForm::Full, &error));
    EXPECT_FALSE(error.empty());
    std::vector<SpecIssue> found;
    EXPECT_FALSE(DenseFcOperator::Create(s, &found));
    EXPECT_FALSE(found.empty());
    EXPECT_FALSE(FindFcPreset("nope"));
}

}  // namespace
}  // namespace lens
