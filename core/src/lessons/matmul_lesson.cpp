#include "lens/lessons/matmul_lesson.hpp"

#include <algorithm>

namespace lens {

Grid<float> ToRowMajorGrid(const Eigen::MatrixXd& m) {
    Grid<float> grid(static_cast<int>(m.cols()), static_cast<int>(m.rows()));
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c) grid.At(static_cast<int>(c), static_cast<int>(r)) = static_cast<float>(m(r, c));
    return grid;
}

MatmulLesson::Result MatmulLesson::Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context) {
    (void)image;
    (void)context;  // three SVDs in Eigen: not interruptible; the size limit bounds them
    Result r;
    r.spec = spec;
    r.matmul = *ComputeMatmul(spec);
    r.a = ToRowMajorGrid(r.matmul.a);
    r.b = ToRowMajorGrid(r.matmul.b);
    r.ab = ToRowMajorGrid(r.matmul.ab);
    r.range_a = static_cast<float>(std::max(r.matmul.a.cwiseAbs().maxCoeff(), 1e-12));
    r.range_b = static_cast<float>(std::max(r.matmul.b.cwiseAbs().maxCoeff(), 1e-12));
    r.range_ab = static_cast<float>(std::max(r.matmul.ab.cwiseAbs().maxCoeff(), 1e-12));
    return r;
}

void MatmulLesson::VisitFigures(const Result& r, FigureVisitor& v) {
    const MatmulResult& m = r.matmul;
    v.Integer("m", r.spec.m);
    v.Integer("n", r.spec.n);
    v.Integer("p", r.spec.p);
    v.Integer("rows", r.spec.m);
    v.Integer("cols", r.spec.p);
    v.Integer("rank_a", m.rank_a);
    v.Integer("rank_b", m.rank_b);
    v.Integer("rank_ab", m.rank_ab);
    v.Integer("rank_bound", m.bound);
    v.Integer("side_bound", m.side_bound);
    v.Integer("bound_holds", m.bound_holds ? 1 : 0);
    v.Number("tolerance_ab", m.tol_ab);
    auto values = [](const Eigen::VectorXd& x) { return std::vector<double>(x.data(), x.data() + x.size()); };
    v.NumberArray("singular_values_a", values(m.sv_a));
    v.NumberArray("singular_values_b", values(m.sv_b));
    v.NumberArray("singular_values_ab", values(m.sv_ab));
    v.ArrayF32("a", r.a.data, {r.spec.m, r.spec.n});
    v.ArrayF32("b", r.b.data, {r.spec.n, r.spec.p});
    v.ArrayF32("ab", r.ab.data, {r.spec.m, r.spec.p});
}

}  // namespace lens
