// lens/matmul.hpp: the notes' first point, "A: m x n, B: n x p, AB is m x p, rank at most
// min(m, n, p)", on seeded random matrices of chosen rank.
//
// A (m x n) of rank rank_a is built as U_a V_a^T from thin Gaussian factors (m x rank_a and
// n x rank_a), B (n x p) likewise; AB = A * B. Singular values come from Eigen's BDCSVD (it switches
// to Jacobi below 16 columns), numerical ranks count those above a tolerance, and the bound
//     rank(AB) <= min(rank A, rank B) <= min(m, n, p)
// is checked on the numbers. For these Gaussian factors the inequality is generically an equality
// (rank(AB) = min(rank_a, rank_b)): V_a^T U_b is a rank_a x rank_b Gaussian-like product of full rank.
//
// Tolerance (stated because it decides the rank): NumPy's matrix_rank default,
//     tol = max(rows, cols) * eps * sigma_max,   eps = 2.22e-16 (double),
// separately for A, B and AB. Everything is double precision; Eigen matrices are column-major.
//
// Cost: three SVDs and a product, O(max(m,n,p)^3) time, a few matrices of at most
// kMatmulMaxSide^2 doubles plus the SVD's work space. Measured on one core: about 0.6 s per
// 1024 x 1024 SVD (2.4 s in all at m = n = p = 1024), eight times that at 2048 (about 20 s,
// 200 MB), so callers run it off the UI thread. The limit is 2048 rather than 4096, where one
// call would take minutes and about a gigabyte with no way to cancel it.
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <optional>
#include <vector>

#include "lens/spec.hpp"
#include "lens/count.hpp"

namespace lens {

struct MatmulSpec {
    Index m = 8;             // rows of A and of AB
    Index n = 4;             // columns of A = rows of B (the shared, contracted side)
    Index p = 6;             // columns of B and of AB
    Index rank_a = 3;        // rank of A, 1..min(m, n)
    Index rank_b = 4;        // rank of B, 1..min(n, p)
    std::uint64_t seed = 1;  // seeds the Gaussian factors

    bool operator==(const MatmulSpec&) const = default;
};

inline constexpr Index kMatmulMaxSide = 2048;  // m, n, p (see Cost above)
// The three SVDs cost about rows * cols * min(rows, cols) each (MatmulSvdWork). Their sum is capped
// so that the largest accepted spec takes about 3 s of one core (m = n = p = 1024: 3.2e9, 1.9 s
// measured with the export; full rank at 2048^3 would be 2.6e10, about 30 s).
inline constexpr Count kMatmulMaxSvdWork = 6'000'000'000;
// m n min(m, n) + n p min(n, p) + m p min(m, p); a matrix with a side outside 1..kMatmulMaxSide counts 0.
Count MatmulSvdWork(const MatmulSpec& spec);

// Every problem with the spec: sizes outside 1..kMatmulMaxSide, ranks outside 1..min of their
// matrix's sides, the SVDs' work over kMatmulMaxSvdWork (field names "m", "n", "p", "rank_a", "rank_b").
std::vector<SpecIssue> Validate(const MatmulSpec& spec);

struct MatmulResult {
    Eigen::MatrixXd a;         // m x n, rank rank_a by construction
    Eigen::MatrixXd b;         // n x p
    Eigen::MatrixXd ab;        // m x p, the product A * B
    Eigen::VectorXd sv_a;      // singular values of A, descending, min(m, n) of them
    Eigen::VectorXd sv_b;      // min(n, p) of them
    Eigen::VectorXd sv_ab;     // min(m, p) of them
    double tol_a = 0.0;        // numerical-rank tolerance of A: max(m, n) * eps * sv_a[0]
    double tol_b = 0.0;        // max(n, p) * eps * sv_b[0]
    double tol_ab = 0.0;       // max(m, p) * eps * sv_ab[0]
    Index rank_a = 0;          // singular values of A above tol_a
    Index rank_b = 0;
    Index rank_ab = 0;
    Index bound = 0;           // min(rank_a, rank_b): the bound on rank_ab
    Index side_bound = 0;      // min(m, n, p): the notes' bound, >= bound
    bool bound_holds = false;  // rank_ab <= bound <= side_bound
};

// NumPy's default tolerance max(rows, cols) * eps * sigma_max for singular values `sv` (descending)
// of a rows x cols matrix; 0 for an empty vector.
double RankTolerance(const Eigen::VectorXd& sv, Index rows, Index cols);
// Number of singular values strictly above `tolerance`.
Index NumericalRank(const Eigen::VectorXd& sv, double tolerance);

// A, B, AB, their singular values and ranks for a valid spec; nullopt (issues in *issues) otherwise.
// Deterministic: the same spec gives the same numbers on every platform (own Gaussian generator).
std::optional<MatmulResult> ComputeMatmul(const MatmulSpec& spec, std::vector<SpecIssue>* issues = nullptr);

}  // namespace lens
