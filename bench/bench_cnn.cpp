// bench_cnn: the CNN forward pass (ForwardStack, Eigen GEMMs) against its reference
// (ForwardStackReference, direct loops), on the presets the CNN hierarchy panel runs.
//
// [SECTION] Cases
// [SECTION] Reporter: medians, speed-ups against the reference, same process
//
// Cases are "<method>/<preset>_<side>": the notes' 3x3 hierarchy and MobileNet v1 at 64 and 128 px
// a side with both methods (the reference takes seconds there), and the fast path alone at the
// presets' own sizes (256 and 224). Every case runs 5 repetitions; the closing table (stderr, so that
// --benchmark_format=json stays parseable on stdout) gives each median, its G MAC/s, and the
// reference's median over the fast path's for the same preset and size.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_main.hpp"
#include "lens/cnn.hpp"

namespace {

using namespace lens;

// [SECTION] Cases

struct Prepared {
    CnnStats stats;
    CnnWeights weights;
    std::vector<float> input;
};

Prepared Prepare(const std::string& preset, Index side) {
    auto spec = FindCnnPreset(preset);
    if (!spec) std::abort();
    spec->in_h = spec->in_w = side;
    auto stats = AnalyzeCnn(*spec);
    if (!stats) std::abort();
    auto weights = SeedCnnWeights(*stats, 7);
    if (!weights) std::abort();
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);  // an image's range
    std::vector<float> input(static_cast<size_t>(stats->input.c * stats->input.h * stats->input.w));
    for (float& v : input) v = u(rng);
    return {std::move(*stats), std::move(*weights), std::move(input)};
}

void Forward(benchmark::State& state, const std::string& preset, Index side, bool reference) {
    const Prepared p = Prepare(preset, side);
    CnnForwardLimits limits;
    limits.max_macs = Count{1} << 40;  // the bench chooses its sizes; the default limit is not measured here
    std::string error;
    for (auto _ : state) {
        auto out = reference ? ForwardStackReference(p.stats, p.weights, p.input, limits, &error)
                             : ForwardStack(p.stats, p.weights, p.input, limits, &error);
        if (!out) {
            state.SkipWithError(error.c_str());
            return;
        }
        benchmark::DoNotOptimize(out->back().data());
        benchmark::ClobberMemory();
    }
    state.counters["MACs"] = static_cast<double>(p.stats.macs);
}

void RegisterAll() {
    auto add = [](const std::string& preset, Index side, bool reference) {
        const std::string name = std::string(reference ? "reference/" : "fast/") + preset + "_" + std::to_string(side);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) { Forward(st, preset, side, reference); })
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1)
            ->Repetitions(5)
            ->ReportAggregatesOnly(true);
    };
    for (const char* preset : {"notes", "mobilenet_v1"}) {
        for (Index side : {64, 128}) {
            add(preset, side, true);
            add(preset, side, false);
        }
    }
    add("notes", 256, false);
    add("mobilenet_v1", 224, false);
}

// [SECTION] Reporter: medians, speed-ups against the reference, same process

// Forwards everything to the display reporter the user asked for, keeps the medians, and prints
// the table at the end.
class RatioReporter : public benchmark::BenchmarkReporter {
public:
    explicit RatioReporter(std::unique_ptr<benchmark::BenchmarkReporter> inner) : m_inner(std::move(inner)) {}
    bool ReportContext(const Context& context) override { return m_inner->ReportContext(context); }
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs) {
            if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
                const std::string& name = run.run_name.function_name;
                m_order.push_back(name);
                const auto macs = run.counters.find("MACs");
                m_median[name] = {run.GetAdjustedRealTime(), macs == run.counters.end() ? 0.0 : macs->second.value};  // ms, MACs
            }
        }
        m_inner->ReportRuns(runs);
    }
    void Finalize() override {
        m_inner->Finalize();
        std::fprintf(stderr, "\n%-28s %12s %10s %14s\n", "benchmark (median of 5)", "wall ms", "G MAC/s", "reference / it");
        for (const std::string& name : m_order) {
            const auto [ms, macs] = m_median[name];
            const double rate = ms > 0 ? macs / (ms * 1e6) : 0.0;
            const std::string fast_prefix = "fast/";
            const auto ref = name.rfind(fast_prefix, 0) == 0 ? m_median.find("reference/" + name.substr(fast_prefix.size())) : m_median.end();
            if (ref != m_median.end() && ms > 0) {
                std::fprintf(stderr, "%-28s %12.1f %10.2f %14.1f\n", name.c_str(), ms, rate, ref->second.first / ms);
            } else {
                std::fprintf(stderr, "%-28s %12.1f %10.2f %14s\n", name.c_str(), ms, rate, "-");
            }
        }
    }

private:
    std::unique_ptr<benchmark::BenchmarkReporter> m_inner;
    std::vector<std::string> m_order;
    std::map<std::string, std::pair<double, double>> m_median;  // wall ms, MACs
};

}  // namespace

int main(int argc, char** argv) { return lens::bench::RunBenchmarks<RatioReporter>(argc, argv, RegisterAll); }
