// bench/bench_main.hpp: the main() every benchmark program shares. It registers the program's
// benchmarks and runs them through its own ratio reporter, which wraps Google Benchmark's console
// reporter (or, with --benchmark_format=json, the JSON one, so peer scripts can parse stdout) and
// prints its medians-and-ratios table on stderr when the run ends.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "lens/gemm.hpp"

namespace lens::bench {

// --threads=N (ours, taken out before Google Benchmark sees the arguments) sets lens's compute
// threads (lens::SetComputeThreads: OpenBLAS and our OpenMP loops); default: LENS_THREADS,
// OPENBLAS_NUM_THREADS or every core. The thread count is printed on stderr.
inline void TakeThreadsFlag(int& argc, char** argv) {
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) == 0) {
            lens::SetComputeThreads(std::atoi(argv[i] + 10));
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
    std::fprintf(stderr, "lens compute threads: %d\n", lens::ComputeThreads());
}

// `Reporter` is constructed from the std::unique_ptr<benchmark::BenchmarkReporter> it wraps.
template <class Reporter>
int RunBenchmarks(int argc, char** argv, void (*register_all)()) {
    TakeThreadsFlag(argc, argv);
    bool json = false;
    for (int i = 1; i < argc; ++i) json = json || std::strcmp(argv[i], "--benchmark_format=json") == 0;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    register_all();
    std::unique_ptr<benchmark::BenchmarkReporter> inner;
    if (json) {
        inner = std::make_unique<benchmark::JSONReporter>();
    } else {
        inner = std::make_unique<benchmark::ConsoleReporter>();
    }
    Reporter reporter(std::move(inner));
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}

}  // namespace lens::bench
