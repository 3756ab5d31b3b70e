// gemm.cpp: lens::Gemm on OpenBLAS's cblas_sgemm, and the process's compute thread count
// (lens/gemm.hpp).
#include "lens/gemm.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace lens {
namespace {

int ThreadsFromEnvironment() {
    for (const char* name : {"LENS_THREADS", "OPENBLAS_NUM_THREADS"}) {
        if (const char* v = std::getenv(name)) {
            const int n = std::atoi(v);
            if (n >= 1) return n;
        }
    }
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

struct ThreadState {
    std::mutex mutex;
    int threads = 0;          // 0 until first asked
    int single_guards = 0;    // live SingleThreadedGemm objects
};

ThreadState& State() {
    static ThreadState state;
    return state;
}

int ThreadsLocked(ThreadState& s) {
    if (s.threads == 0) {
        s.threads = ThreadsFromEnvironment();
        openblas_set_num_threads(s.threads);
    }
    return s.threads;
}

}  // namespace

int ComputeThreads() {
    ThreadState& s = State();
    std::lock_guard lock(s.mutex);
    return ThreadsLocked(s);
}

void SetComputeThreads(int threads) {
    if (threads < 1) return;
    ThreadState& s = State();
    std::lock_guard lock(s.mutex);
    s.threads = threads;
    if (s.single_guards == 0) openblas_set_num_threads(threads);
}

SingleThreadedGemm::SingleThreadedGemm() {
    ThreadState& s = State();
    std::lock_guard lock(s.mutex);
    ThreadsLocked(s);
    if (s.single_guards++ == 0) openblas_set_num_threads(1);
}

SingleThreadedGemm::~SingleThreadedGemm() {
    ThreadState& s = State();
    std::lock_guard lock(s.mutex);
    if (--s.single_guards == 0) openblas_set_num_threads(s.threads);
}

void Gemm(bool trans_a, bool trans_b, Index m, Index n, Index k, float alpha, const float* a, Index lda, const float* b, Index ldb,
          float beta, float* c, Index ldc) {
    if (m <= 0 || n <= 0) return;
    ComputeThreads();  // applies the environment's thread count on first use
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
                static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(std::max<Index>(1, lda)), b,
                static_cast<blasint>(std::max<Index>(1, ldb)), beta, c, static_cast<blasint>(std::max<Index>(1, ldc)));
}

}  // namespace lens
