// bench_attention: multi-head softmax(Q K^T / sqrt(d_head)) V at the notes' sizes, timed.
//
// ViT-B/16 on a 224 x 224 image is N = 196 tokens of d = 768 with 12 heads; N = 1024 and 4096 are
// 512 x 512 and 1024 x 1024 images at patch 16. Identity projections, so Q = K = V = X and the work
// is exactly the peer's (bench/peer_torch.py). Medians of 5 repetitions; the closing table gives each
// median and its ratio to the N = 196 case, measured in the same process.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "bench_main.hpp"
#include "lens/attention.hpp"
#include "lens/attention_fused.hpp"

namespace {

using namespace lens;

AttentionInput MakeInput(Index n, Index d) {
    std::mt19937 rng(3);
    std::normal_distribution<float> g(0.0f, 1.0f);
    RowMatrixF x(n, d);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = g(rng);
    AttentionSpec spec;
    spec.d_model = d;
    spec.heads = 12;
    spec.projection = ProjectionKind::Identity;
    auto input = PrepareAttention(std::move(x), spec);
    if (!input) std::abort();
    return std::move(*input);
}

void BM_Attention(benchmark::State& state) {
    const Index n = state.range(0);
    const bool keep_scores = state.range(1) != 0;
    AttentionSpec spec;
    spec.d_model = 768;
    spec.heads = 12;
    spec.projection = ProjectionKind::Identity;
    spec.keep_scores = keep_scores;
    const AttentionInput input = MakeInput(n, 768);
    for (auto _ : state) {
        auto result = Attend(input, spec);
        benchmark::DoNotOptimize(result);
    }
    // Q K^T and A V: 2 N^2 d multiply-accumulates.
    state.counters["MACs"] = static_cast<double>(2 * n * n * 768);
}

// The fused path (AttendFused, scores not kept): output and entropies, nothing N x N.
void BM_AttentionFused(benchmark::State& state) {
    const Index n = state.range(0);
    AttentionSpec spec;
    spec.d_model = 768;
    spec.heads = 12;
    spec.projection = ProjectionKind::Identity;
    spec.keep_scores = false;
    const AttentionInput input = MakeInput(n, 768);
    for (auto _ : state) {
        auto result = AttendFused(input, spec);
        benchmark::DoNotOptimize(result);
    }
    state.counters["MACs"] = static_cast<double>(2 * n * n * 768);
}

BENCHMARK(BM_AttentionFused)
    ->Name("attention_fused")
    ->ArgNames({"N"})
    ->Arg(196)
    ->Arg(1024)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

BENCHMARK(BM_Attention)
    ->Name("attention")
    ->ArgNames({"N", "scores"})
    ->Args({196, 0})
    ->Args({196, 1})
    ->Args({1024, 0})
    ->Args({4096, 0})
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

// What the attention panel does per change at ViT-B/16's size (N = 196, d = 768, 12 heads, keep
// the scores, as the heatmaps need): "update" is a heads / weight-scale / QK-norm / mask change
// (Attend on the kept input, plus the structured-matrix view), "full" a token or projection change
// as every change was before the panel kept its input (tokens already made: projections, X X^T X
// and its rank, Attend, and the two entropy curves of 17 scales each). Arg 1 picks the projection
// (0 identity, 1 seeded random with Wo).
void BM_PanelRecompute(benchmark::State& state) {
    const bool full = state.range(0) != 0;
    AttentionSpec spec;
    spec.d_model = 768;
    spec.heads = 12;
    spec.projection = state.range(1) != 0 ? ProjectionKind::Random : ProjectionKind::Identity;
    std::mt19937 rng(3);
    std::normal_distribution<float> g(0.0f, 1.0f);
    RowMatrixF x(196, 768);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = g(rng);
    auto kept = PrepareAttention(x, spec);
    if (!kept) std::abort();
    const std::vector<float> scales = GeometricScales(0.1f, 10.0f, 17);
    for (auto _ : state) {
        if (full) {
            auto input = PrepareAttention(x, spec);
            auto weightless = ComputeWeightlessAttention(x);
            auto result = Attend(*input, spec);
            auto view = MakeAttentionOperator(*input, *result, 0);
            auto plain = MeanEntropyAtScales(*input, spec, scales, false);
            auto normed = MeanEntropyAtScales(*input, spec, scales, true);
            benchmark::DoNotOptimize(weightless);
            benchmark::DoNotOptimize(view);
            benchmark::DoNotOptimize(plain);
            benchmark::DoNotOptimize(normed);
        } else {
            auto result = Attend(*kept, spec);
            auto view = MakeAttentionOperator(*kept, *result, 0);
            benchmark::DoNotOptimize(view);
        }
    }
}

BENCHMARK(BM_PanelRecompute)
    ->Name("panel_recompute")
    ->ArgNames({"full", "random"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

// Prints each median and its ratio to the first case after the usual output (stderr keeps the
// JSON on stdout parseable).
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& run : runs)
            if (run.aggregate_name == "median") m_medians.emplace_back(run.run_name.str(), run.GetAdjustedRealTime());
        ConsoleReporter::ReportRuns(runs);
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        if (m_medians.empty()) return;
        std::fprintf(stderr, "\n%-34s %12s %10s\n", "benchmark (median of 5)", "wall ms", "x base");
        for (const auto& [name, ms] : m_medians) std::fprintf(stderr, "%-34s %12.3f %10.2f\n", name.c_str(), ms, ms / m_medians.front().second);
    }

private:
    std::vector<std::pair<std::string, double>> m_medians;
};

}  // namespace

int main(int argc, char** argv) {
    lens::bench::TakeThreadsFlag(argc, argv);
    // With --benchmark_format=json the default reporter is used (for bench/peer_torch.py). Checked
    // before Initialize, which consumes the flags it knows.
    bool json = false;
    for (int i = 1; i < argc; ++i) json = json || std::string(argv[i]).find("format=json") != std::string::npos;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (json) {
        benchmark::RunSpecifiedBenchmarks();
    } else {
        RatioReporter reporter;
        benchmark::RunSpecifiedBenchmarks(&reporter);
    }
    benchmark::Shutdown();
    return 0;
}
