// matmul.cpp: seeded low-rank matrices, their product, singular values and numerical ranks.
#include "lens/matmul.hpp"
#include "lens/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace lens {
namespace {

Eigen::MatrixXd GaussianMatrix(Gaussian& g, Index rows, Index cols) {
    Eigen::MatrixXd m(rows, cols);
    for (Index c = 0; c < cols; ++c)
        for (Index r = 0; r < rows; ++r) m(r, c) = g.Next();
    return m;
}

Eigen::VectorXd SingularValues(const Eigen::MatrixXd& m) {
    // Values only (no U, V): BDCSVD falls back to Jacobi for small matrices by itself.
    Eigen::BDCSVD<Eigen::MatrixXd> svd(m);
    return svd.singularValues();
}

}  // namespace

std::vector<SpecIssue> Validate(const MatmulSpec& spec) {
    std::vector<SpecIssue> issues;
    auto side = [&](const char* field, Index value) {
        if (value < 1 || value > kMatmulMaxSide) {
            issues.push_back({field, std::string(field) + " must be between 1 and " + std::to_string(kMatmulMaxSide) +
                                         " (got " + std::to_string(value) + ")"});
        }
    };
    side("m", spec.m);
    side("n", spec.n);
    side("p", spec.p);
    auto rank = [&](const char* field, Index value, Index rows, Index cols, const char* matrix) {
        // With a bad side the limit is meaningless; the side's own issue says enough.
        if (rows < 1 || cols < 1 || rows > kMatmulMaxSide || cols > kMatmulMaxSide) {
            if (value < 1) issues.push_back({field, std::string(field) + " must be at least 1 (got " + std::to_string(value) + ")"});
            return;
        }
        const Index limit = std::min(rows, cols);
        if (value < 1 || value > limit) {
            issues.push_back({field, std::string("the rank of ") + matrix + " (" + std::to_string(rows) + " x " +
                                         std::to_string(cols) + ") must be between 1 and " + std::to_string(limit) +
                                         " (got " + std::to_string(value) + ")"});
        }
    };
    rank("rank_a", spec.rank_a, spec.m, spec.n, "A");
    rank("rank_b", spec.rank_b, spec.n, spec.p, "B");
    if (issues.empty()) {
        if (const Count work = MatmulSvdWork(spec); work > kMatmulMaxSvdWork) {
            issues.push_back({"m", "m x n x p = " + std::to_string(spec.m) + " x " + std::to_string(spec.n) + " x " +
                                       std::to_string(spec.p) + " needs " + FormatExact(work) +
                                       " units of SVD work (m n min(m, n) + n p min(n, p) + m p min(m, p)), more than the limit of " +
                                       FormatExact(kMatmulMaxSvdWork) + "; make m, n or p smaller"});
        }
    }
    return issues;
}

Count MatmulSvdWork(const MatmulSpec& spec) {
    auto cube = [](Index rows, Index cols) -> Count {
        if (rows < 1 || cols < 1 || rows > kMatmulMaxSide || cols > kMatmulMaxSide) return 0;
        return rows * cols * std::min(rows, cols);  // <= 2048^3: no overflow
    };
    return cube(spec.m, spec.n) + cube(spec.n, spec.p) + cube(spec.m, spec.p);
}

double RankTolerance(const Eigen::VectorXd& sv, Index rows, Index cols) {
    if (sv.size() == 0) return 0.0;
    return static_cast<double>(std::max(rows, cols)) * std::numeric_limits<double>::epsilon() * sv.maxCoeff();
}

Index NumericalRank(const Eigen::VectorXd& sv, double tolerance) {
    return static_cast<Index>((sv.array() > tolerance).count());
}

std::optional<MatmulResult> ComputeMatmul(const MatmulSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found = Validate(spec);
    if (!found.empty()) {
        if (issues) *issues = std::move(found);
        return std::nullopt;
    }
    if (issues) issues->clear();
    Gaussian g(spec.seed);
    MatmulResult r;
    // A = U_a V_a^T and B = U_b V_b^T: products of thin factors have exactly the chosen rank
    // (with probability 1), which the SVD then has to find.
    const Eigen::MatrixXd u_a = GaussianMatrix(g, spec.m, spec.rank_a);
    const Eigen::MatrixXd v_a = GaussianMatrix(g, spec.n, spec.rank_a);
    const Eigen::MatrixXd u_b = GaussianMatrix(g, spec.n, spec.rank_b);
    const Eigen::MatrixXd v_b = GaussianMatrix(g, spec.p, spec.rank_b);
    r.a.noalias() = u_a * v_a.transpose();
    r.b.noalias() = u_b * v_b.transpose();
    r.ab.noalias() = r.a * r.b;
    r.sv_a = SingularValues(r.a);
    r.sv_b = SingularValues(r.b);
    r.sv_ab = SingularValues(r.ab);
    r.tol_a = RankTolerance(r.sv_a, spec.m, spec.n);
    r.tol_b = RankTolerance(r.sv_b, spec.n, spec.p);
    r.tol_ab = RankTolerance(r.sv_ab, spec.m, spec.p);
    r.rank_a = NumericalRank(r.sv_a, r.tol_a);
    r.rank_b = NumericalRank(r.sv_b, r.tol_b);
    r.rank_ab = NumericalRank(r.sv_ab, r.tol_ab);
    r.bound = std::min(r.rank_a, r.rank_b);
    r.side_bound = std::min({spec.m, spec.n, spec.p});
    r.bound_holds = r.rank_ab <= r.bound && r.bound <= r.side_bound;
    return r;
}

}  // namespace lens
