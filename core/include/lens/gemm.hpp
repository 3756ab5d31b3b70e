// lens/gemm.hpp: the one dense float GEMM entry point of lens_core, and the thread count of the
// heavy work. Every float matrix product (Eigen's, through EIGEN_USE_BLAS, and these) runs on
// Debian's OpenBLAS; see bench/README.md for why OpenBLAS and the measured rates.
#pragma once

#include "lens/count.hpp"

namespace lens {

// C = alpha * op(A) * op(B) + beta * C on row-major float32 matrices: op(A) is m x k, op(B) is
// k x n, C is m x n. trans_a means A is stored k x m (op(A) = A^T), likewise trans_b. lda, ldb and
// ldc are the row strides (elements) of A, B and C as stored. m, n or k of 0 leaves C scaled by
// beta (k == 0) or untouched. Runs on ComputeThreads() threads unless called from a parallel
// region of ours (SingleThreadedGemm), where it runs on the calling thread.
void Gemm(bool trans_a, bool trans_b, Index m, Index n, Index k, float alpha, const float* a, Index lda, const float* b, Index ldb,
          float beta, float* c, Index ldc);

// Threads the heavy work (GEMM, attention heads, conv tiles) may use: OPENBLAS_NUM_THREADS or
// LENS_THREADS at start, else every core. SetComputeThreads(n) with n >= 1 changes it for the
// process (benchmarks compare at 1 and 2 threads); values < 1 are ignored.
int ComputeThreads();
void SetComputeThreads(int threads);

// While alive, GEMMs run on their calling thread: for loops that already split work over
// ComputeThreads() threads themselves (each thread then calls Gemm on its own share).
class SingleThreadedGemm {
public:
    SingleThreadedGemm();
    ~SingleThreadedGemm();
    SingleThreadedGemm(const SingleThreadedGemm&) = delete;
    SingleThreadedGemm& operator=(const SingleThreadedGemm&) = delete;
};

}  // namespace lens
