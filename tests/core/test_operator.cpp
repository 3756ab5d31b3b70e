// Tests of lens/operator.hpp: the pixel <-> index partition and the generic helpers, on a tiny
// hand-written StructuredMatrix so that nothing here depends on a particular layer.
#include "lens/operator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

namespace lens {
namespace {

// A small matrix given by its entries; 0 is a structural zero, parameter = row-major entry index.
class TableMatrix final : public StructuredMatrix {
public:
    TableMatrix(Index rows, Index cols, std::vector<float> values) : m_rows(rows), m_cols(cols), m_values(std::move(values)) {}
    Index Rows() const override { return m_rows; }
    Index Cols() const override { return m_cols; }
    Count NonZeros() const override {
        Count n = 0;
        for (float v : m_values) n += v != 0.0f;
        return n;
    }
    Count Parameters() const override { return static_cast<Count>(m_values.size()); }
    void ForEachInRow(Index row, const std::function<void(Index, Index)>& fn) const override {
        if (row < 0 || row >= m_rows) return;
        for (Index c = 0; c < m_cols; ++c) {
            if (m_values[static_cast<size_t>(row * m_cols + c)] != 0.0f) fn(c, row * m_cols + c);
        }
    }
    float ParameterValue(Index p) const override { return m_values[static_cast<size_t>(p)]; }
    void Rasterize(const Viewport& vp, RasterMode mode, Grid<float>& out) const override { RasterizeByRows(*this, vp, mode, out); }
    void Apply(std::span<const float> x, std::span<float> y) const override { ApplyByRows(*this, x, y); }
    std::string Describe(Index row, Index col) const override { return RowLabel(row) + ", " + ColLabel(col); }

private:
    Index m_rows, m_cols;
    std::vector<float> m_values;
};

TableMatrix Example() {
    // 3 x 4:  [1 0 2 0; 0 0 3 0; 4 5 0 6]
    return TableMatrix(3, 4, {1, 0, 2, 0, 0, 0, 3, 0, 4, 5, 0, 6});
}

TEST(PixelPartition, ZoomedOutIsAnExactPartition) {
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 2000; ++trial) {
        const int pixels = 1 + static_cast<int>(rng() % 50);
        const Index count = pixels + static_cast<Index>(rng() % 500);
        const Index start = static_cast<Index>(rng() % 100) - 50;
        Index expected_lo = start;
        for (int p = 0; p < pixels; ++p) {
            const IndexSpan span = PixelSpanOf(start, count, pixels, p);
            ASSERT_EQ(span.lo, expected_lo);
            ASSERT_GT(span.hi, span.lo);
            for (Index i : {span.lo, span.hi - 1}) {
                const IndexSpan back = PixelsShowing(start, count, pixels, i);
                ASSERT_EQ(back.lo, p);
                ASSERT_EQ(back.hi, p + 1);
            }
            expected_lo = span.hi;
        }
        EXPECT_EQ(expected_lo, start + count);
    }
}

TEST(PixelPartition, ZoomedInShowsOneIndexPerPixel) {
    std::mt19937_64 rng(8);
    for (int trial = 0; trial < 2000; ++trial) {
        const Index count = 1 + static_cast<Index>(rng() % 40);
        const int pixels = static_cast<int>(count) + 1 + static_cast<int>(rng() % 200);
        std::vector<int> seen(static_cast<size_t>(count), 0);
        for (int p = 0; p < pixels; ++p) {
            const IndexSpan span = PixelSpanOf(0, count, pixels, p);
            ASSERT_EQ(span.hi, span.lo + 1);
            ASSERT_GE(span.lo, 0);
            ASSERT_LT(span.lo, count);
            ++seen[static_cast<size_t>(span.lo)];
        }
        for (Index i = 0; i < count; ++i) {
            const IndexSpan back = PixelsShowing(0, count, pixels, i);
            EXPECT_EQ(back.hi - back.lo, seen[static_cast<size_t>(i)]) << "every index shows on >= 1 pixel";
            EXPECT_GE(seen[static_cast<size_t>(i)], 1);
            for (Index p = back.lo; p < back.hi; ++p) EXPECT_EQ(PixelSpanOf(0, count, pixels, static_cast<int>(p)).lo, i);
        }
    }
}

TEST(PixelPartition, HugeCountsDoNotOverflow) {
    const Index count = (Index{1} << 62) + 12345;
    const IndexSpan last = PixelSpanOf(0, count, kMaxRasterSide, kMaxRasterSide - 1);
    EXPECT_EQ(last.hi, count);
    EXPECT_EQ(PixelsShowing(0, count, kMaxRasterSide, count - 1).lo, kMaxRasterSide - 1);
}

TEST(GenericHelpers, ReferenceRasterizerModes) {
    const TableMatrix m = Example();
    Grid<float> grid;
    RasterizeByRows(m, WholeMatrix(m, 4, 3), RasterMode::Count, grid);  // one pixel per entry
    const float expected_count[] = {1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1};
    for (int i = 0; i < 12; ++i) EXPECT_EQ(grid.data[static_cast<size_t>(i)], expected_count[i]);

    RasterizeByRows(m, WholeMatrix(m, 2, 1), RasterMode::Count, grid);  // cols {0,1} and {2,3}
    EXPECT_EQ(grid.data[0], 3);
    EXPECT_EQ(grid.data[1], 3);
    RasterizeByRows(m, WholeMatrix(m, 2, 1), RasterMode::MeanValue, grid);
    EXPECT_FLOAT_EQ(grid.data[0], (1 + 4 + 5) / 3.0f);
    EXPECT_FLOAT_EQ(grid.data[1], (2 + 3 + 6) / 3.0f);
    RasterizeByRows(m, Viewport{1, 0, 1, 4, 2, 1}, RasterMode::ParameterId, grid);  // row 1 only
    EXPECT_TRUE(std::isnan(grid.data[0]));
    EXPECT_EQ(grid.data[1], 6);  // the single non-zero (1, 2) is parameter 6
    RasterizeByRows(m, Viewport{0, 0, 3, 4, 1, 1}, RasterMode::ParameterId, grid);
    EXPECT_EQ(grid.data[0], -1);  // mixed

    RasterizeByRows(m, Viewport{0, 0, 3, 4, 8, 6}, RasterMode::Count, grid);  // zoomed in: 2x2 pixels per entry
    EXPECT_EQ(grid.At(0, 0), 1);
    EXPECT_EQ(grid.At(1, 1), 1);
    EXPECT_EQ(grid.At(2, 0), 0);
    EXPECT_EQ(grid.At(7, 5), 1);

    RasterizeByRows(m, Viewport{0, 0, 0, 4, 8, 6}, RasterMode::Count, grid);  // invalid: empty grid
    EXPECT_TRUE(grid.Empty());
}

TEST(GenericHelpers, DenseSparseAndProduct) {
    const TableMatrix m = Example();
    std::string why;
    EXPECT_FALSE(ToDense(m, 11, &why).has_value());
    EXPECT_NE(why.find("budget"), std::string::npos);
    const auto dense = ToDense(m, 12, &why);
    ASSERT_TRUE(dense.has_value());
    EXPECT_EQ((*dense)(2, 3), 6.0f);
    EXPECT_EQ((*dense)(1, 0), 0.0f);

    EXPECT_FALSE(ToSparse(m, 5, &why).has_value());
    const auto sparse = ToSparse(m, 6, &why);
    ASSERT_TRUE(sparse.has_value());
    EXPECT_EQ(sparse->nonZeros(), 6);
    EXPECT_TRUE(Eigen::MatrixXf(*sparse).isApprox(*dense));

    const std::vector<float> x = {1, 2, 3, 4};
    std::vector<float> y(3);
    m.Apply(x, y);
    EXPECT_EQ(y[0], 1 + 2 * 3);
    EXPECT_EQ(y[1], 3 * 3);
    EXPECT_EQ(y[2], 4 + 5 * 2 + 6 * 4);
}

TEST(GenericHelpers, MatrixMarketRoundTrip) {
    const TableMatrix m = Example();
    const std::string path = ::testing::TempDir() + "lens_operator_example.mtx";
    std::string error;
    EXPECT_FALSE(WriteMatrixMarket(m, path, 5, &error));
    EXPECT_FALSE(error.empty());
    ASSERT_TRUE(WriteMatrixMarket(m, path, 100, &error)) << error;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "%%MatrixMarket matrix coordinate real general");
    while (in.peek() == '%') std::getline(in, line);
    long long rows = 0, cols = 0, nnz = 0;
    in >> rows >> cols >> nnz;
    EXPECT_EQ(rows, 3);
    EXPECT_EQ(cols, 4);
    EXPECT_EQ(nnz, 6);
    Eigen::MatrixXf back = Eigen::MatrixXf::Zero(3, 4);
    for (long long k = 0; k < nnz; ++k) {
        long long r = 0, c = 0;
        float v = 0;
        in >> r >> c >> v;
        back(r - 1, c - 1) = v;
    }
    EXPECT_TRUE(back.isApprox(*ToDense(m, 100)));
    std::remove(path.c_str());
}

}  // namespace
}  // namespace lens
