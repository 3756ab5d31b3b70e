// Tests of lens/navigate.hpp: NextNonZero / PreviousNonZero against a row-major scan of the dense
// materialisation, on many random small convolutions (every order, padding, groups, stride,
// dilation) and fully connected layers, from every entry and from outside the matrix; the row
// budget; and the notes' 2-D 64-channel case (4.2M x 4.2M), where a scan of the dense matrix is
// impossible but the answer follows from the geometry.
#include "lens/navigate.hpp"

#include <gtest/gtest.h>

#include <random>

#include "lens/conv.hpp"

namespace lens {
namespace {

ConvSpec RandomNavSpec(std::mt19937_64& rng) {
    auto pick = [&](Index lo, Index hi) { return lo + static_cast<Index>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
    while (true) {
        ConvSpec s;
        s.dims = pick(1, 2) == 1 ? 1 : 2;
        s.groups = pick(1, 3);
        s.in_channels = s.groups * pick(1, 2);
        s.out_channels = s.groups * pick(1, 2);
        s.in_w = pick(1, 7);
        s.kernel_w = pick(1, 4);
        s.in_h = s.dims == 1 ? 1 : pick(1, 6);
        s.kernel_h = s.dims == 1 ? 1 : pick(1, 3);
        s.stride = pick(1, 3);
        s.dilation = pick(1, 3);
        s.padding_mode = static_cast<PaddingMode>(pick(0, 3));
        s.padding = pick(0, 3);
        s.order = pick(0, 1) == 0 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        s.seed = rng();
        if (Validate(s).empty()) return s;
    }
}

// The reference: the dense matrix's non-zeros in row-major order (structural non-zeros hold random
// weights, never exactly 0), scanned by hand.
struct DenseScan {
    Eigen::MatrixXf dense;
    std::optional<MatrixEntry> Next(Index row, Index col) const {
        for (Index r = std::max<Index>(row, 0); r < dense.rows(); ++r)
            for (Index c = (r == row ? col + 1 : 0); c < dense.cols(); ++c)
                if (c >= 0 && dense(r, c) != 0.0f) return MatrixEntry{r, c};
        return std::nullopt;
    }
    std::optional<MatrixEntry> Previous(Index row, Index col) const {
        for (Index r = std::min<Index>(row, dense.rows() - 1); r >= 0; --r)
            for (Index c = (r == row ? col - 1 : dense.cols() - 1); c >= 0; --c)
                if (c < dense.cols() && dense(r, c) != 0.0f) return MatrixEntry{r, c};
        return std::nullopt;
    }
};

TEST(Navigate, NextAndPreviousMatchDenseScanOnRandomConvolutions) {
    std::mt19937_64 rng(4242);
    int checked = 0, empty_rows_seen = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const ConvSpec s = RandomNavSpec(rng);
        auto op = ConvOperator::Create(s);
        ASSERT_TRUE(op.has_value());
        if (op->Rows() * op->Cols() > (Index{1} << 14)) continue;
        DenseScan ref{*ToDense(*op, Count{1} << 14)};
        for (Index r = 0; r < op->Rows(); ++r) {
            int in_row = 0;
            op->ForEachInRow(r, [&](Index, Index) { ++in_row; });
            if (in_row == 0) ++empty_rows_seen;
        }
        for (Index r = -1; r <= op->Rows(); ++r)
            for (Index c = -1; c <= op->Cols(); ++c) {
                ASSERT_EQ(NextNonZero(*op, r, c), ref.Next(r, c)) << "trial " << trial << " (" << r << "," << c << ")";
                ASSERT_EQ(PreviousNonZero(*op, r, c), ref.Previous(r, c)) << "trial " << trial << " (" << r << "," << c << ")";
            }
        ++checked;
    }
    EXPECT_GT(checked, 150);
    EXPECT_GT(empty_rows_seen, 0);  // padding-free cases with rows of only structural zeros were covered
}

TEST(Navigate, RowBudgetStopsTheScan) {
    ConvSpec s;  // 1-D, length 8, kernel 3, no padding: row r's first non-zero is column r*stride
    s.dims = 1;
    s.in_h = 1;
    s.kernel_h = 1;
    s.in_w = 8;
    s.kernel_w = 3;
    s.padding_mode = PaddingMode::Explicit;
    s.padding = 0;
    ASSERT_TRUE(Validate(s).empty());
    auto op = ConvOperator::Create(s);
    ASSERT_TRUE(op.has_value());
    // From the last non-zero of row 0 the next is in row 1: one row scanned is not enough.
    EXPECT_EQ(NextNonZero(*op, 0, 2, 1), std::nullopt);
    EXPECT_EQ(NextNonZero(*op, 0, 2, 2), (MatrixEntry{1, 1}));
    EXPECT_EQ(PreviousNonZero(*op, 1, 1, 1), std::nullopt);
    EXPECT_EQ(PreviousNonZero(*op, 1, 1, 2), (MatrixEntry{0, 2}));
    EXPECT_EQ(NextNonZero(*op, op->Rows() - 1, op->Cols() - 1), std::nullopt);
    EXPECT_EQ(PreviousNonZero(*op, 0, 0), std::nullopt);
}

TEST(Navigate, NotesTwoDimensional64ChannelCase) {
    auto spec = FindConvPreset("conv2d_256_c64");
    ASSERT_TRUE(spec.has_value());
    auto op = ConvOperator::Create(*spec);
    ASSERT_TRUE(op.has_value());
    ASSERT_GT(op->Rows(), Index{4'000'000});
    // From the middle of an all-zero stretch of a row, the next non-zero is that row's next tap,
    // and agrees with ParameterAt; the previous is the tap before.
    const Index row = op->Rows() / 2 + 1234;
    std::vector<Index> taps;
    op->ForEachInRow(row, [&](Index c, Index) { taps.push_back(c); });
    ASSERT_GT(taps.size(), 2u);
    size_t gap = 0;  // the widest stretch of structural zeros between two taps
    for (size_t i = 1; i + 1 < taps.size(); ++i)
        if (taps[i + 1] - taps[i] > taps[gap + 1] - taps[gap]) gap = i;
    const Index a = taps[gap], b = taps[gap + 1];
    ASSERT_GT(b - a, 100);
    const Index between = (a + b) / 2;
    EXPECT_EQ(NextNonZero(*op, row, between), (MatrixEntry{row, b}));
    EXPECT_EQ(PreviousNonZero(*op, row, between), (MatrixEntry{row, a}));
    EXPECT_TRUE(op->ParameterAt(row, b).has_value());
    for (Index c = a + 1; c < b; c += std::max<Index>(1, (b - a) / 97)) EXPECT_FALSE(op->ParameterAt(row, c).has_value());
    // After a row's last tap comes the first tap of the next row.
    std::vector<Index> next_taps;
    op->ForEachInRow(row + 1, [&](Index c, Index) { next_taps.push_back(c); });
    ASSERT_FALSE(next_taps.empty());
    EXPECT_EQ(NextNonZero(*op, row, taps.back()), (MatrixEntry{row + 1, next_taps.front()}));
}

}  // namespace
}  // namespace lens
