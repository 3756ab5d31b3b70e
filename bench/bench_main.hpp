// bench/bench_main.hpp: the main() every benchmark program shares. It registers the program's
// benchmarks and runs them through its own ratio reporter, which wraps Google Benchmark's console
// reporter (or, with --benchmark_format=json, the JSON one, so peer scripts can parse stdout) and
// prints its medians-and-ratios table on stderr when the run ends.
#pragma once

#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>

namespace lens::bench {

// `Reporter` is constructed from the std::unique_ptr<benchmark::BenchmarkReporter> it wraps.
template <class Reporter>
int RunBenchmarks(int argc, char** argv, void (*register_all)()) {
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
