// lens/lessons/matmul_lesson.hpp: the "Matrix product & rank" lesson. A (m x n) times B (n x p) is
// m x p, and its rank is at most min(rank A, rank B) <= min(m, n, p): seeded matrices of chosen
// rank, their product, singular values and ranks (lens/matmul.hpp), as row-major grids for display.
#pragma once

#include <memory>
#include <vector>

#include "lens/figures.hpp"
#include "lens/grid.hpp"
#include "lens/image.hpp"
#include "lens/matmul.hpp"
#include "lens/task.hpp"

namespace lens {

struct MatmulLesson {
    using Spec = MatmulSpec;
    struct Result {
        MatmulSpec spec;
        MatmulResult matmul;
        Grid<float> a, b, ab;                       // row-major copies of A, B, AB
        float range_a = 1, range_b = 1, range_ab = 1;  // largest |entry| of each (at least 1e-12)
    };
    static std::vector<SpecIssue> Issues(const Spec& spec) { return Validate(spec); }
    static Result Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context);
    // m, n, p, rows, cols, the three ranks, both bounds, whether the bound holds, AB's tolerance,
    // the three singular value lists, and a, b, ab as arrays.
    static void VisitFigures(const Result& result, FigureVisitor& visitor);
};

// Eigen (column-major) to a row-major grid, element by element.
Grid<float> ToRowMajorGrid(const Eigen::MatrixXd& m);

}  // namespace lens
