// Tests of lens/dense_ops.hpp: identity, selection, Kronecker product and concatenation against
// their dense materialisation, Eigen's kroneckerProduct, and the brute-force rasterizer, on random
// small operators (including a foreign operator that only has the generic rasterizer), plus the
// notes' large Kronecker forms drawn from structure, and bad input.
//
// [SECTION] A foreign operator and random operators
// [SECTION] Identity and selection
// [SECTION] Kronecker product
// [SECTION] Concatenation
// [SECTION] The notes' sizes, drawn from structure
// [SECTION] Bad input
#include "lens/dense_ops.hpp"

#include <gtest/gtest.h>

#include <unsupported/Eigen/KroneckerProduct>

#include <cmath>
#include <limits>
#include <random>

#include "lens/fc.hpp"
#include "lens/conv.hpp"  // convolution blocks and limits
#include "operator_checks.hpp"

namespace lens {
namespace {

using testing::CheckSmallOperator;
using testing::ExpectSameRaster;
using testing::Pick;

// [SECTION] A foreign operator and random operators

// A sparse matrix given by a table, with parameters shared between entries; it knows nothing of
// BlockStatsMatrix, so products and concatenations must query it through its own Rasterize.
class TableMatrix final : public StructuredMatrix {
public:
    TableMatrix(Index rows, Index cols, std::vector<Index> params, std::vector<float> values)
        : m_rows(rows), m_cols(cols), m_params(std::move(params)), m_values(std::move(values)) {}
    Index Rows() const override { return m_rows; }
    Index Cols() const override { return m_cols; }
    Count NonZeros() const override {
        Count n = 0;
        for (Index p : m_params) n += p >= 0;
        return n;
    }
    Count Parameters() const override { return static_cast<Count>(m_values.size()); }
    void ForEachInRow(Index row, const std::function<void(Index, Index)>& fn) const override {
        if (row < 0 || row >= m_rows) return;
        for (Index c = 0; c < m_cols; ++c) {
            const Index p = m_params[static_cast<size_t>(row * m_cols + c)];
            if (p >= 0) fn(c, p);
        }
    }
    float ParameterValue(Index p) const override {
        return p >= 0 && p < Parameters() ? m_values[static_cast<size_t>(p)] : 0.0f;
    }
    void Rasterize(const Viewport& vp, RasterMode mode, Grid<float>& out) const override { RasterizeByRows(*this, vp, mode, out); }
    void Apply(std::span<const float> x, std::span<float> y) const override { ApplyByRows(*this, x, y); }
    std::string Describe(Index row, Index col) const override { return RowLabel(row) + ", " + ColLabel(col); }

private:
    Index m_rows, m_cols;
    std::vector<Index> m_params;  // row-major, -1 for a structural zero
    std::vector<float> m_values;
};

MatrixPtr RandomTable(std::mt19937_64& rng, Index rows, Index cols) {
    const Index param_count = Pick(rng, 1, 4);  // few parameters: entries share them
    std::vector<Index> params(static_cast<size_t>(rows * cols));
    for (Index& p : params) p = rng() % 3 == 0 ? -1 : Pick(rng, 0, param_count - 1);
    std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
    std::vector<float> values(static_cast<size_t>(param_count));
    for (float& v : values) v = dist(rng);
    return std::make_shared<TableMatrix>(rows, cols, std::move(params), std::move(values));
}

MatrixPtr RandomDense(std::mt19937_64& rng, Index rows, Index cols) {
    // rows = N_out * F_out and cols = N_in * F_in with F = 1: any size.
    return DenseFcOperator::Create(FcSpec{cols, rows, 1, 1, FlatOrder::PositionMajor, rng()});
}

MatrixPtr RandomSelection(std::mt19937_64& rng) {
    SliceSpec s;
    s.channels = Pick(rng, 1, 5);
    s.height = Pick(rng, 1, 2);
    s.width = Pick(rng, 1, 3);
    s.begin = Pick(rng, 0, s.channels - 1);
    s.end = Pick(rng, s.begin + 1, s.channels);
    s.order = rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
    return SelectionOperator::Create(s);
}

MatrixPtr RandomLeaf(std::mt19937_64& rng) {
    switch (rng() % 5) {
        case 0: return IdentityOperator::Create(Pick(rng, 1, 6));
        case 1: return RandomSelection(rng);
        case 2: {
            FcSpec s{Pick(rng, 1, 3), Pick(rng, 1, 3), Pick(rng, 1, 3), Pick(rng, 1, 3), FlatOrder::PositionMajor, rng()};
            s.order = rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
            return DenseFcOperator::Create(s);
        }
        case 3: return RandomTable(rng, Pick(rng, 1, 6), Pick(rng, 1, 6));
        default: return RandomDense(rng, Pick(rng, 1, 5), Pick(rng, 1, 5));
    }
}

// A block with `cols` columns (for stacking under another operator).
MatrixPtr RandomWithCols(std::mt19937_64& rng, Index cols) {
    return rng() % 2 ? RandomTable(rng, Pick(rng, 1, 5), cols) : RandomDense(rng, Pick(rng, 1, 5), cols);
}

MatrixPtr RandomWithRows(std::mt19937_64& rng, Index rows) {
    return rng() % 2 ? RandomTable(rng, rows, Pick(rng, 1, 5)) : RandomDense(rng, rows, Pick(rng, 1, 5));
}

// A random tree of products and concatenations over the leaves, at most `max_entries` entries.
MatrixPtr RandomOperator(std::mt19937_64& rng, int depth, Count max_entries) {
    for (;;) {
        MatrixPtr op;
        const int kind = depth <= 0 ? 0 : static_cast<int>(rng() % 4);
        if (kind == 0) {
            op = RandomLeaf(rng);
        } else if (kind == 1) {
            op = KroneckerOperator::Create(RandomOperator(rng, depth - 1, 64), RandomOperator(rng, depth - 1, 64));
        } else if (kind == 2) {
            MatrixPtr first = RandomOperator(rng, depth - 1, 256);
            std::vector<MatrixPtr> blocks{first};
            for (Index k = Pick(rng, 0, 2); k > 0; --k) blocks.push_back(RandomWithCols(rng, first->Cols()));
            std::shuffle(blocks.begin(), blocks.end(), rng);
            op = ConcatRows(blocks);
        } else {
            MatrixPtr first = RandomOperator(rng, depth - 1, 256);
            std::vector<MatrixPtr> blocks{first};
            for (Index k = Pick(rng, 0, 2); k > 0; --k) blocks.push_back(RandomWithRows(rng, first->Rows()));
            std::shuffle(blocks.begin(), blocks.end(), rng);
            op = ConcatCols(blocks);
        }
        if (op && op->Rows() * op->Cols() <= max_entries) return op;
    }
}

// [SECTION] Identity and selection

TEST(IdentityOperator, StructureProductAndRaster) {
    std::mt19937_64 rng(1);
    for (Index n : {1, 2, 3, 7, 20}) {
        const auto id = IdentityOperator::Create(n, "f");
        ASSERT_TRUE(id);
        EXPECT_EQ(id->NonZeros(), n);
        EXPECT_EQ(id->Parameters(), 1);  // the fixed value 1
        EXPECT_EQ(id->TrainableWeights(), 0);
        EXPECT_EQ(TrainableWeights(*id), 0);
        EXPECT_EQ(id->ParameterValue(0), 1.0f);
        EXPECT_EQ(id->ParameterLabel(0), "1 (fixed)");
        EXPECT_EQ(id->RowLabel(2), "f=2");
        CheckSmallOperator(*id, rng, "identity " + std::to_string(n));
        const auto dense = ToDense(*id, 1 << 20);
        EXPECT_TRUE(dense->isApprox(Eigen::MatrixXf::Identity(n, n)));
    }
}

TEST(SelectionOperator, RandomSlicesMatchReferences) {
    std::mt19937_64 rng(2);
    for (int trial = 0; trial < 200; ++trial) {
        SliceSpec s;
        s.channels = Pick(rng, 1, 6);
        s.height = Pick(rng, 1, 3);
        s.width = Pick(rng, 1, 3);
        s.begin = Pick(rng, 0, s.channels - 1);
        s.end = Pick(rng, s.begin + 1, s.channels);
        s.order = rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        const auto sel = SelectionOperator::Create(s);
        ASSERT_TRUE(sel);
        const std::string what = "slice trial " + std::to_string(trial);
        CheckSmallOperator(*sel, rng, what);
        // Against a tensor slice written with explicit (c, y, x) loops.
        const Index plane = s.height * s.width, kept = s.end - s.begin;
        const std::vector<float> x = testing::RandomVector(rng, sel->Cols());
        std::vector<float> y(static_cast<size_t>(sel->Rows()));
        sel->Apply(x, y);
        for (Index c = 0; c < kept; ++c)
            for (Index pos = 0; pos < plane; ++pos) {
                const Index out = s.order == FlatOrder::ChannelMajor ? c * plane + pos : pos * kept + c;
                const Index in = s.order == FlatOrder::ChannelMajor ? (c + s.begin) * plane + pos : pos * s.channels + c + s.begin;
                ASSERT_EQ(y[static_cast<size_t>(out)], x[static_cast<size_t>(in)]) << what;
            }
        EXPECT_EQ(sel->TrainableWeights(), 0);
    }
}

TEST(SelectionOperator, ChannelMajorSliceIsAShiftedIdentity) {
    const auto sel = SelectionOperator::Create(SliceSpec{8, 4, 4, 2, 5, FlatOrder::ChannelMajor});
    ASSERT_TRUE(sel);
    EXPECT_EQ(sel->Rows(), 3 * 16);
    EXPECT_EQ(sel->Cols(), 8 * 16);
    const Eigen::MatrixXf dense = *ToDense(*sel, 1 << 20);
    Eigen::MatrixXf expected = Eigen::MatrixXf::Zero(48, 128);
    expected.block(0, 32, 48, 48).setIdentity();  // [0 I 0]
    EXPECT_EQ(dense, expected);
    EXPECT_NE(sel->Describe(0, 32).find("1 (copied"), std::string::npos);
}

// [SECTION] Kronecker product

TEST(KronOperator, MatchesEigenKroneckerProductBothOrders) {
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 300; ++trial) {
        const MatrixPtr a = RandomLeaf(rng), b = RandomLeaf(rng);
        const auto da = ToDense(*a, 1 << 16), db = ToDense(*b, 1 << 16);
        ASSERT_TRUE(da && db);
        for (int order = 0; order < 2; ++order) {
            const MatrixPtr& first = order == 0 ? a : b;
            const MatrixPtr& second = order == 0 ? b : a;
            const auto kron = KroneckerOperator::Create(first, second);
            ASSERT_TRUE(kron);
            const Eigen::MatrixXf expected = order == 0 ? Eigen::MatrixXf(Eigen::kroneckerProduct(*da, *db))
                                                        : Eigen::MatrixXf(Eigen::kroneckerProduct(*db, *da));
            const auto dense = ToDense(*kron, 1 << 20);
            ASSERT_TRUE(dense);
            ASSERT_EQ(dense->rows(), expected.rows());
            ASSERT_EQ(dense->cols(), expected.cols());
            // One rounding of the exact product of two floats on both sides: equal, not close.
            ASSERT_EQ(*dense, expected) << "trial " << trial << " order " << order;
            EXPECT_EQ(kron->NonZeros(), first->NonZeros() * second->NonZeros());
            EXPECT_EQ(kron->Parameters(), first->Parameters() * second->Parameters());
            EXPECT_EQ(kron->TrainableWeights(), TrainableWeights(*first) + TrainableWeights(*second));
        }
    }
}

TEST(KronOperator, ParameterOfAnEntryIsThePairOfFactorParameters) {
    std::mt19937_64 rng(4);
    for (int trial = 0; trial < 100; ++trial) {
        const MatrixPtr a = RandomLeaf(rng), b = RandomLeaf(rng);
        const auto kron = KroneckerOperator::Create(a, b);
        ASSERT_TRUE(kron);
        const Index r = b->Rows(), s = b->Cols();
        for (Index row = 0; row < kron->Rows(); ++row)
            for (Index col = 0; col < kron->Cols(); ++col) {
                const auto pa = a->ParameterAt(row / r, col / s), pb = b->ParameterAt(row % r, col % s);
                const auto p = kron->ParameterAt(row, col);
                ASSERT_EQ(p.has_value(), pa.has_value() && pb.has_value());
                if (p) {
                    ASSERT_EQ(*p, *pa * b->Parameters() + *pb);
                }
            }
    }
}

TEST(KronOperator, RandomProductsMatchReferences) {
    std::mt19937_64 rng(5);
    for (int trial = 0; trial < 150; ++trial) {
        const auto kron = KroneckerOperator::Create(RandomOperator(rng, 1, 64), RandomOperator(rng, 1, 64));
        ASSERT_TRUE(kron);
        CheckSmallOperator(*kron, rng, "kron trial " + std::to_string(trial));
        if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST(KronOperator, SharedWeightShowsAsOneParameterPerBlock) {
    // W (x) I_3: every entry of block (i, j) stores W's parameter (i, j); a pixel covering one
    // block's diagonal shows that parameter, not "mixed".
    const MatrixPtr w = DenseFcOperator::Create(FcSpec{4, 2, 1, 1, FlatOrder::PositionMajor, 9});
    const MatrixPtr id = IdentityOperator::Create(3);
    const auto kron = KroneckerOperator::Create(w, id);
    ASSERT_TRUE(kron);
    EXPECT_EQ(kron->Parameters(), 8);
    EXPECT_EQ(kron->TrainableWeights(), 8);
    EXPECT_EQ(kron->ParameterLabel(5), w->ParameterLabel(5));
    Grid<float> grid;
    kron->Rasterize(WholeMatrix(*kron, 4, 2), RasterMode::ParameterId, grid);  // one pixel per 3x3 block
    for (int py = 0; py < 2; ++py)
        for (int px = 0; px < 4; ++px) EXPECT_EQ(grid.At(px, py), static_cast<float>(py * 4 + px));
    kron->Rasterize(WholeMatrix(*kron, 4, 2), RasterMode::Count, grid);
    for (float v : grid.data) EXPECT_EQ(v, 3.0f);
    // I_3 (x) W: the same weights, repeated along the diagonal blocks.
    const auto swapped = KroneckerOperator::Create(id, w);
    EXPECT_EQ(*swapped->ParameterAt(2 * 2 + 1, 2 * 4 + 3), *kron->ParameterAt(1 * 3 + 2, 3 * 3 + 2));
    EXPECT_NE(kron->Describe(0, 0).find("A[0,0] * B[0,0]"), std::string::npos);
    EXPECT_NE(kron->Describe(0, 1).find("structural zero"), std::string::npos);
}

// [SECTION] Concatenation

TEST(ConcatOperator, RowsStackOutputsColsSumInputs) {
    std::mt19937_64 rng(6);
    for (int trial = 0; trial < 150; ++trial) {
        const bool rows_axis = trial % 2 == 0;
        MatrixPtr first = RandomOperator(rng, 1, 128);
        std::vector<MatrixPtr> blocks{first};
        for (Index k = Pick(rng, 1, 3); k > 0; --k)
            blocks.push_back(rows_axis ? RandomWithCols(rng, first->Cols()) : RandomWithRows(rng, first->Rows()));
        const auto cat = rows_axis ? ConcatRows(blocks) : ConcatCols(blocks);
        ASSERT_TRUE(cat);
        if (cat->Rows() * cat->Cols() > (1 << 16)) continue;
        const std::string what = std::string(rows_axis ? "rows" : "cols") + " trial " + std::to_string(trial);
        CheckSmallOperator(*cat, rng, what);
        if (::testing::Test::HasFatalFailure()) return;
        // Dense: the blocks side by side, parameters offset per block.
        Eigen::MatrixXf expected(cat->Rows(), cat->Cols());
        Index offset = 0;
        Count param_offset = 0;
        for (const MatrixPtr& b : blocks) {
            const Eigen::MatrixXf d = *ToDense(*b, 1 << 16);
            if (rows_axis) {
                expected.block(offset, 0, d.rows(), d.cols()) = d;
                offset += d.rows();
            } else {
                expected.block(0, offset, d.rows(), d.cols()) = d;
                offset += d.cols();
            }
            param_offset += b->Parameters();
        }
        EXPECT_EQ(*ToDense(*cat, 1 << 16), expected) << what;
        EXPECT_EQ(cat->Parameters(), param_offset);
    }
}

TEST(ConcatOperator, ConvolutionOfAConcatenationIsTheSumOfConvolutions) {
    // [A B] [x1; x2] = A x1 + B x2: a layer reading concatenated channels is two layers added.
    const auto conv_spec = [](Index cin, std::uint64_t seed) {
        ConvSpec s;
        s.in_h = 5;
        s.in_w = 6;
        s.in_channels = cin;
        s.out_channels = 2;
        s.padding = 1;
        s.seed = seed;
        return s;
    };
    const auto a = ConvOperator::Create(conv_spec(2, 11)), b = ConvOperator::Create(conv_spec(3, 12));
    ASSERT_TRUE(a && b);
    const MatrixPtr pa = std::make_shared<ConvOperator>(*a), pb = std::make_shared<ConvOperator>(*b);
    const auto cat = ConcatCols({pa, pb});
    ASSERT_TRUE(cat);
    std::mt19937_64 rng(7);
    const std::vector<float> x = testing::RandomVector(rng, cat->Cols());
    std::vector<float> y(static_cast<size_t>(cat->Rows())), y1(y.size()), y2(y.size());
    cat->Apply(x, y);
    pa->Apply(std::span<const float>(x).first(static_cast<size_t>(pa->Cols())), y1);
    pb->Apply(std::span<const float>(x).subspan(static_cast<size_t>(pa->Cols())), y2);
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], y1[i] + y2[i], 1e-5f);
    EXPECT_EQ(cat->NonZeros(), pa->NonZeros() + pb->NonZeros());
    // A foreign factor goes through its own rasterizer: still exact.
    ExpectSameRaster(*cat, WholeMatrix(*cat, 37, 23), "conv concat");
}

TEST(ConcatOperator, SliceThenConcatRebuildsTheTensor) {
    // Channels [0, 3) and [3, 8) of an 8-channel tensor, stacked again: the identity (channel-major).
    const auto lo = SelectionOperator::Create(SliceSpec{8, 2, 3, 0, 3, FlatOrder::ChannelMajor});
    const auto hi = SelectionOperator::Create(SliceSpec{8, 2, 3, 3, 8, FlatOrder::ChannelMajor});
    const auto cat = ConcatRows({lo, hi});
    ASSERT_TRUE(cat);
    EXPECT_EQ(*ToDense(*cat, 1 << 20), Eigen::MatrixXf::Identity(48, 48));
    EXPECT_EQ(cat->Parameters(), 2);  // one fixed parameter per block
    EXPECT_EQ(cat->TrainableWeights(), 0);
    EXPECT_EQ(cat->RowLabel(20).substr(0, 8), "block 1:");
}

// [SECTION] The notes' sizes, drawn from structure

// Pixels of a large operator against brute force over their blocks (ParameterAt on every entry).
void ExpectPixelsMatchBruteForce(const StructuredMatrix& op, const Viewport& vp, int samples, std::mt19937_64& rng) {
    Grid<float> count, mean, id;
    op.Rasterize(vp, RasterMode::Count, count);
    op.Rasterize(vp, RasterMode::MeanValue, mean);
    op.Rasterize(vp, RasterMode::ParameterId, id);
    for (int k = 0; k < samples; ++k) {
        const int px = static_cast<int>(Pick(rng, 0, vp.width_px - 1)), py = static_cast<int>(Pick(rng, 0, vp.height_px - 1));
        const IndexSpan rows = PixelSpanOf(vp.row0, vp.rows, vp.height_px, py);
        const IndexSpan cols = PixelSpanOf(vp.col0, vp.cols, vp.width_px, px);
        Count n = 0;
        double sum = 0.0;
        Index param = -2;
        for (Index r = rows.lo; r < rows.hi; ++r)
            for (Index c = cols.lo; c < cols.hi; ++c)
                if (const auto p = op.ParameterAt(r, c)) {
                    ++n;
                    sum += op.ParameterValue(*p);
                    param = param == -2 ? *p : (param == *p ? param : -1);
                }
        ASSERT_EQ(count.At(px, py), static_cast<float>(n)) << px << "," << py;
        if (n == 0) continue;
        ASSERT_NEAR(mean.At(px, py), sum / static_cast<double>(n), 1e-5) << px << "," << py;
        ASSERT_EQ(id.At(px, py), static_cast<float>(param)) << px << "," << py;
    }
}

TEST(KronOperator, NotesWeightTimesIdentityAt1024Pixels) {
    // W (100 x 1024) (x) I_64: the 6400 x 65536 matrix of simplification I.
    const MatrixPtr w = DenseFcOperator::Create(FcSpec{1024, 100, 1, 1, FlatOrder::PositionMajor, 1});
    const auto kron = KroneckerOperator::Create(w, IdentityOperator::Create(64, "f"));
    ASSERT_TRUE(kron);
    EXPECT_EQ(kron->Rows(), 6400);
    EXPECT_EQ(kron->Cols(), 65536);
    EXPECT_EQ(kron->NonZeros(), 6553600);
    EXPECT_EQ(kron->Parameters(), 102400);
    std::mt19937_64 rng(8);
    for (const Viewport& vp : {WholeMatrix(*kron, 1024, 1024), WholeMatrix(*kron, 1000, 999),
                               Viewport{1000, 3000, 70, 900, 333, 517}}) {
        Grid<float> grid;
        kron->Rasterize(vp, RasterMode::Count, grid);
        Count total = 0;
        for (float v : grid.data) total += static_cast<Count>(v);
        if (vp.rows == kron->Rows()) {
            EXPECT_EQ(total, kron->NonZeros());
        }
        ExpectPixelsMatchBruteForce(*kron, vp, 200, rng);
    }
    // Thin strips against the brute-force rasterizer (each row costs 1024 entries there).
    ExpectSameRaster(*kron, Viewport{0, 0, 40, 65536, 512, 40}, "W (x) I strip");
    ExpectSameRaster(*kron, Viewport{3190, 31000, 23, 3000, 97, 31}, "W (x) I window");
}

TEST(KronOperator, NotesIdentityTimesFeatureWeightAt1024Pixels) {
    // I_512 (x) W_F (768 x 768): simplification II for 512 tokens, 393216 x 393216.
    const MatrixPtr v = DenseFcOperator::Create(FcSpec{1, 1, 768, 768, FlatOrder::PositionMajor, 1});
    const auto kron = KroneckerOperator::Create(IdentityOperator::Create(512, "n"), v);
    ASSERT_TRUE(kron);
    EXPECT_EQ(kron->Rows(), 393216);
    EXPECT_EQ(kron->NonZeros(), Count{512} * 768 * 768);
    EXPECT_EQ(kron->Parameters(), 589824);
    Grid<float> grid;
    kron->Rasterize(WholeMatrix(*kron, 1024, 1024), RasterMode::Count, grid);
    Count total = 0;
    for (float v_px : grid.data) total += static_cast<Count>(v_px);
    EXPECT_EQ(total, 301989888);
    std::mt19937_64 rng(9);
    ExpectPixelsMatchBruteForce(*kron, Viewport{0, 0, 393216, 393216, 1024, 1024}, 4, rng);
    ExpectPixelsMatchBruteForce(*kron, Viewport{760, 700, 40, 100, 900, 700}, 200, rng);
    ExpectSameRaster(*kron, Viewport{1500, 0, 12, 393216, 700, 12}, "I (x) V strip");
}

// [SECTION] Bad input

TEST(IdentityOperator, BadSizesGiveAMessage) {
    std::string error;
    EXPECT_FALSE(IdentityOperator::Create(0, "", &error));
    EXPECT_NE(error.find("at least 1"), std::string::npos);
    EXPECT_FALSE(IdentityOperator::Create(-5, "", &error));
}

TEST(SelectionOperator, BadSpecsNameTheField) {
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(SelectionOperator::Create(SliceSpec{8, 4, 4, 5, 5, FlatOrder::ChannelMajor}, &issues));
    ASSERT_FALSE(issues.empty());
    EXPECT_EQ(issues[0].field, "end");
    EXPECT_FALSE(SelectionOperator::Create(SliceSpec{0, 4, 4, 0, 1, FlatOrder::ChannelMajor}, &issues));
    EXPECT_EQ(issues[0].field, "channels");
    EXPECT_FALSE(SelectionOperator::Create(SliceSpec{8, -1, 4, 0, 1, FlatOrder::ChannelMajor}, &issues));
    EXPECT_EQ(issues[0].field, "height");
    EXPECT_FALSE(SelectionOperator::Create(SliceSpec{8, 4, 4, -1, 3, FlatOrder::ChannelMajor}, &issues));
    EXPECT_EQ(issues[0].field, "begin");
    EXPECT_FALSE(SelectionOperator::Create(SliceSpec{8, 4, 4, 2, 9, FlatOrder::ChannelMajor}, &issues));
    EXPECT_EQ(issues[0].field, "end");
    EXPECT_FALSE(SelectionOperator::Create(SliceSpec{8, kConvMaxSide + 1, 4, 2, 3, FlatOrder::ChannelMajor}, &issues));
}

TEST(KronOperator, OverflowAndMissingFactorsGiveAMessage) {
    std::string error;
    EXPECT_FALSE(KroneckerOperator::Create(nullptr, IdentityOperator::Create(2), &error));
    EXPECT_NE(error.find("missing"), std::string::npos);
    const MatrixPtr huge = IdentityOperator::Create(Index{1} << 40);
    EXPECT_FALSE(KroneckerOperator::Create(huge, huge, &error));  // 2^80 rows
    EXPECT_NE(error.find("64 bits"), std::string::npos);
    // 2^31 x 2^31 fits: it is drawn from structure, never allocated.
    const MatrixPtr big = IdentityOperator::Create(Index{1} << 31);
    const auto kron = KroneckerOperator::Create(big, big);
    ASSERT_TRUE(kron);
    EXPECT_EQ(kron->NonZeros(), Count{1} << 62);
    Grid<float> grid;
    kron->Rasterize(WholeMatrix(*kron, 64, 64), RasterMode::Count, grid);
    EXPECT_EQ(grid.At(0, 0), static_cast<float>(Count{1} << 56));
    EXPECT_EQ(grid.At(1, 0), 0.0f);
    std::string why;
    EXPECT_FALSE(ToDense(*kron, Count{1} << 24, &why));
}

TEST(ConcatOperator, MismatchedOrEmptyBlocksGiveAMessage) {
    std::string error;
    EXPECT_FALSE(ConcatRows({}, &error));
    EXPECT_NE(error.find("nothing"), std::string::npos);
    const MatrixPtr a = IdentityOperator::Create(3), b = IdentityOperator::Create(4);
    EXPECT_FALSE(ConcatRows({a, b}, &error));
    EXPECT_NE(error.find("columns"), std::string::npos);
    EXPECT_FALSE(ConcatCols({a, b}, &error));
    EXPECT_NE(error.find("rows"), std::string::npos);
    EXPECT_FALSE(ConcatRows({a, nullptr}, &error));
    EXPECT_NE(error.find("missing"), std::string::npos);
    const MatrixPtr huge = IdentityOperator::Create(std::numeric_limits<Index>::max() / 2 + 1);
    EXPECT_FALSE(ConcatCols({huge, huge}, &error));
    EXPECT_NE(error.find("overflow"), std::string::npos);
}

}  // namespace
}  // namespace lens
