// operator_checks.hpp: checks every StructuredMatrix must pass against the generic references of
// lens/operator.hpp (dense materialisation, ApplyByRows, RasterizeByRows), shared by the tests of
// the operators in dense_ops.hpp and fc.hpp. Header-only, test code.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lens/operator.hpp"

namespace lens::testing {

inline Index Pick(std::mt19937_64& rng, Index lo, Index hi) {
    return lo + static_cast<Index>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

inline std::vector<float> RandomVector(std::mt19937_64& rng, Index n) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = dist(rng);
    return v;
}

// The fast rasterizer against RasterizeByRows in every mode: counts and parameter ids exactly,
// means to float rounding.
inline void ExpectSameRaster(const StructuredMatrix& op, const Viewport& vp, const std::string& what) {
    for (RasterMode mode : {RasterMode::Count, RasterMode::MeanValue, RasterMode::ParameterId}) {
        Grid<float> fast, slow;
        op.Rasterize(vp, mode, fast);
        RasterizeByRows(op, vp, mode, slow);
        ASSERT_EQ(fast.width, slow.width) << what;
        ASSERT_EQ(fast.height, slow.height) << what;
        for (size_t i = 0; i < fast.data.size(); ++i) {
            const float a = fast.data[i], b = slow.data[i];
            if (std::isnan(b)) {
                ASSERT_TRUE(std::isnan(a)) << what << " mode " << static_cast<int>(mode) << " pixel " << i << " got " << a;
            } else if (mode == RasterMode::MeanValue) {
                ASSERT_NEAR(a, b, 1e-5f * (1.0f + std::fabs(b))) << what << " pixel " << i;
            } else {
                ASSERT_EQ(a, b) << what << " mode " << static_cast<int>(mode) << " pixel " << i;
            }
        }
    }
}

// Structure, product and rasterizer of a small operator (Rows()*Cols() <= 2^16) against the
// references: ForEachInRow (ascending, parameters in range, NonZeros), ParameterAt on every entry,
// Apply == dense * x == ApplyByRows, and Rasterize == RasterizeByRows on random viewports (whole
// matrix zoomed in and out, sub-rectangles sticking out of the matrix), counts adding up.
inline void CheckSmallOperator(const StructuredMatrix& op, std::mt19937_64& rng, const std::string& what) {
    const Index rows = op.Rows(), cols = op.Cols();
    ASSERT_GE(rows, 1) << what;
    ASSERT_GE(cols, 1) << what;
    ASSERT_LE(rows * cols, Index{1} << 16) << what;
    std::string why;
    const auto dense = ToDense(op, Count{1} << 16, &why);
    ASSERT_TRUE(dense) << what << ": " << why;

    Count nonzeros = 0;
    std::vector<std::vector<char>> present(static_cast<size_t>(rows), std::vector<char>(static_cast<size_t>(cols), 0));
    for (Index r = 0; r < rows; ++r) {
        Index last = -1;
        op.ForEachInRow(r, [&](Index c, Index param) {
            ASSERT_GT(c, last) << what << " row " << r;
            ASSERT_LT(c, cols) << what;
            ASSERT_GE(param, 0) << what;
            ASSERT_LT(param, op.Parameters()) << what;
            last = c;
            ++nonzeros;
            present[static_cast<size_t>(r)][static_cast<size_t>(c)] = 1;
            const auto at = op.ParameterAt(r, c);
            ASSERT_TRUE(at.has_value()) << what << " (" << r << "," << c << ")";
            ASSERT_EQ(*at, param) << what << " (" << r << "," << c << ")";
        });
    }
    ASSERT_EQ(nonzeros, op.NonZeros()) << what;
    for (Index r = 0; r < rows; ++r)
        for (Index c = 0; c < cols; ++c)
            if (!present[static_cast<size_t>(r)][static_cast<size_t>(c)]) {
                ASSERT_FALSE(op.ParameterAt(r, c).has_value()) << what;
            }
    EXPECT_FALSE(op.ParameterAt(-1, 0).has_value());
    EXPECT_FALSE(op.ParameterAt(rows, 0).has_value());
    EXPECT_FALSE(op.ParameterAt(0, cols).has_value());

    const std::vector<float> x = RandomVector(rng, cols);
    std::vector<float> y(static_cast<size_t>(rows), 99.0f), y_rows(static_cast<size_t>(rows));
    op.Apply(x, y);
    ApplyByRows(op, x, y_rows);
    const Eigen::VectorXf y_dense = *dense * Eigen::Map<const Eigen::VectorXf>(x.data(), cols);
    for (Index r = 0; r < rows; ++r) {
        const float ref = y_rows[static_cast<size_t>(r)];
        ASSERT_NEAR(y[static_cast<size_t>(r)], ref, 1e-4f * (1.0f + std::fabs(ref))) << what << " row " << r;
        ASSERT_NEAR(y_dense(r), ref, 1e-4f * (1.0f + std::fabs(ref))) << what << " row " << r;
    }
    // Wrong sizes: nothing happens.
    std::vector<float> untouched(static_cast<size_t>(rows) + 1, 5.0f);
    op.Apply(x, untouched);
    for (float v : untouched) ASSERT_EQ(v, 5.0f) << what;

    for (int k = 0; k < 3; ++k) {
        const Viewport whole = WholeMatrix(op, static_cast<int>(Pick(rng, 1, 2 * cols + 3)), static_cast<int>(Pick(rng, 1, 2 * rows + 3)));
        ExpectSameRaster(op, whole, what + " whole");
        Viewport sub;
        sub.row0 = Pick(rng, -2, rows - 1);
        sub.col0 = Pick(rng, -2, cols - 1);
        sub.rows = Pick(rng, 1, rows + 2);
        sub.cols = Pick(rng, 1, cols + 2);
        sub.width_px = static_cast<int>(Pick(rng, 1, 40));
        sub.height_px = static_cast<int>(Pick(rng, 1, 40));
        ExpectSameRaster(op, sub, what + " sub");
    }
    Grid<float> grid;
    op.Rasterize(WholeMatrix(op, static_cast<int>(std::min<Index>(cols, Pick(rng, 1, 17))), static_cast<int>(std::min<Index>(rows, Pick(rng, 1, 17)))),
                 RasterMode::Count, grid);
    Count total = 0;
    for (float v : grid.data) total += static_cast<Count>(v);
    ASSERT_EQ(total, op.NonZeros()) << what;
    op.Rasterize(Viewport{0, 0, 0, cols, 4, 4}, RasterMode::Count, grid);
    EXPECT_TRUE(grid.Empty()) << what;
    op.Rasterize(Viewport{0, 0, rows, cols, kMaxRasterSide + 1, 4}, RasterMode::Count, grid);
    EXPECT_TRUE(grid.Empty()) << what;
}

}  // namespace lens::testing
