// bench_conv: convolution as a matrix, timed.
//
// [SECTION] Cases
// [SECTION] Rasterization (the acceptance target: whole matrix -> 1024 x 1024)
// [SECTION] Products: matrix-free Apply vs direct loops vs im2col + GEMM vs dense GEMM
// [SECTION] Reporter: medians and ratios against the baseline, same process
//
// Every benchmark runs 5 repetitions and reports aggregates; the final table (stderr, so that
// --benchmark_format=json stays parseable on stdout) gives each median and its ratio to the
// baseline "raster_count/baseline_16x16_c1".
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_main.hpp"
#include "lens/conv.hpp"

namespace {

using namespace lens;

// [SECTION] Cases

// 2-D, 3x3, padding full (the notes' construction), `side` x `side`, `channels` -> `channels`.
ConvSpec FullConv(Index side, Index channels) {
    ConvSpec s;
    s.in_h = s.in_w = side;
    s.in_channels = s.out_channels = channels;
    s.kernel_h = s.kernel_w = 3;
    s.padding_mode = PaddingMode::Full;
    return s;
}

ConvSpec SameConv(Index side, Index channels) {
    ConvSpec s = FullConv(side, channels);
    s.padding_mode = PaddingMode::Same;
    return s;
}

ConvOperator Make(const ConvSpec& spec) {
    auto op = ConvOperator::Create(spec);
    if (!op) {
        std::fprintf(stderr, "invalid benchmark spec\n");
        std::abort();
    }
    return *op;
}

std::vector<float> RandomInput(Index n) {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& f : v) f = u(rng);
    return v;
}

// [SECTION] Rasterization (the acceptance target: whole matrix -> 1024 x 1024)

void Raster(benchmark::State& state, ConvSpec spec, RasterMode mode, int width, int height) {
    const ConvOperator op = Make(spec);
    Grid<float> grid(width, height);  // reused, as the panel reuses its texture buffer
    const Viewport vp = WholeMatrix(op, width, height);
    for (auto _ : state) {
        op.Rasterize(vp, mode, grid);
        benchmark::DoNotOptimize(grid.data.data());
        benchmark::ClobberMemory();
    }
    state.counters["rows"] = static_cast<double>(op.Rows());
    state.counters["nonzeros"] = static_cast<double>(op.NonZeros());
    state.counters["pixels/s"] = benchmark::Counter(static_cast<double>(width) * height, benchmark::Counter::kIsIterationInvariantRate);
}

// [SECTION] Products: matrix-free Apply vs direct loops vs im2col + GEMM vs dense GEMM

enum class Product { Apply, Direct, Im2col, Dense };

void Multiply(benchmark::State& state, ConvSpec spec, Product product) {
    const ConvOperator op = Make(spec);
    const std::vector<float> x = RandomInput(op.Cols());
    std::vector<float> y(static_cast<size_t>(op.Rows()));
    std::optional<Eigen::MatrixXf> dense;
    if (product == Product::Dense) {
        dense = ToDense(op, Count{1} << 28);
        if (!dense) {
            state.SkipWithError("dense matrix over budget");
            return;
        }
    }
    for (auto _ : state) {
        switch (product) {
            case Product::Apply: op.Apply(x, y); break;
            case Product::Direct: ConvDirect(op, x, y); break;
            case Product::Im2col: ConvIm2colGemm(op, x, y, Count{1} << 28); break;
            case Product::Dense: ConvDenseGemm(op, *dense, x, y); break;
        }
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    // Useful MACs per second: what each method achieves on the work that matters.
    state.counters["useful_MAC/s"] = benchmark::Counter(static_cast<double>(op.Stats().useful_macs), benchmark::Counter::kIsIterationInvariantRate);
}

void RegisterAll() {
    auto raster = [&](const char* name, ConvSpec spec, RasterMode mode, int px = 1024) {
        benchmark::RegisterBenchmark(name, [=](benchmark::State& st) { Raster(st, spec, mode, px, px); })
            ->Unit(benchmark::kMillisecond)
            ->Repetitions(5)
            ->ReportAggregatesOnly(true);
    };
    raster("raster_count/baseline_16x16_c1", FullConv(16, 1), RasterMode::Count);
    raster("raster_count/256x256_c1", FullConv(256, 1), RasterMode::Count);
    raster("raster_count/256x256_c64", FullConv(256, 64), RasterMode::Count);
    // 1000 px: the pixel grid no longer repeats with the 65,536-column channel blocks, so every
    // channel window is evaluated (no copying): the general case.
    raster("raster_count/256x256_c64_1000px", FullConv(256, 64), RasterMode::Count, 1000);
    raster("raster_count/256x256_c64_position_major", [] {
        ConvSpec s = FullConv(256, 64);
        s.order = FlatOrder::PositionMajor;
        return s;
    }(), RasterMode::Count);
    raster("raster_count/depthwise_256x256_c64", *FindConvPreset("depthwise"), RasterMode::Count);
    raster("raster_mean/256x256_c64", FullConv(256, 64), RasterMode::MeanValue);
    raster("raster_param/256x256_c64", FullConv(256, 64), RasterMode::ParameterId);

    auto product = [&](const char* name, ConvSpec spec, Product p, int iterations) {
        auto* b = benchmark::RegisterBenchmark(name, [=](benchmark::State& st) { Multiply(st, spec, p); });
        b->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);
        if (iterations > 0) b->Iterations(iterations);
    };
    product("product/apply/16x16_c16", SameConv(16, 16), Product::Apply, 0);
    product("product/direct/16x16_c16", SameConv(16, 16), Product::Direct, 0);
    product("product/im2col_gemm/16x16_c16", SameConv(16, 16), Product::Im2col, 0);
    product("product/dense_gemm/16x16_c16", SameConv(16, 16), Product::Dense, 0);
    product("product/apply/64x64_c32", SameConv(64, 32), Product::Apply, 0);
    product("product/direct/64x64_c32", SameConv(64, 32), Product::Direct, 0);
    product("product/im2col_gemm/64x64_c32", SameConv(64, 32), Product::Im2col, 0);
    product("product/apply/256x256_c64_full", FullConv(256, 64), Product::Apply, 1);
    product("product/im2col_gemm/256x256_c64_full", FullConv(256, 64), Product::Im2col, 1);
}

// [SECTION] Reporter: medians and ratios against the baseline, same process

// Forwards everything to the display reporter the user asked for, keeps the medians, and prints
// the ratio table at the end.
class RatioReporter : public benchmark::BenchmarkReporter {
public:
    explicit RatioReporter(std::unique_ptr<benchmark::BenchmarkReporter> inner) : m_inner(std::move(inner)) {}
    bool ReportContext(const Context& context) override { return m_inner->ReportContext(context); }
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs) {
            if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
                m_order.push_back(run.run_name.function_name);
                m_median_ms[run.run_name.function_name] = {run.GetAdjustedRealTime(), run.GetAdjustedCPUTime()};  // ms
            }
        }
        m_inner->ReportRuns(runs);
    }
    void Finalize() override {
        m_inner->Finalize();
        // Wall time is what a user sees; CPU time is steadier on a shared machine. Both are given.
        const char* baseline = "raster_count/baseline_16x16_c1";
        const auto base = m_median_ms.find(baseline);
        std::fprintf(stderr, "\n%-46s %10s %10s %10s %10s\n", "benchmark (median of 5)", "wall ms", "x base", "cpu ms",
                     "x base");
        for (const std::string& name : m_order) {
            const auto [wall, cpu] = m_median_ms[name];
            if (base != m_median_ms.end() && base->second.first > 0 && base->second.second > 0) {
                std::fprintf(stderr, "%-46s %10.3f %10.2f %10.3f %10.2f\n", name.c_str(), wall, wall / base->second.first, cpu,
                             cpu / base->second.second);
            } else {
                std::fprintf(stderr, "%-46s %10.3f %10s %10.3f %10s\n", name.c_str(), wall, "-", cpu, "-");
            }
        }
        if (base == m_median_ms.end()) std::fprintf(stderr, "(baseline %s not run: no ratios)\n", baseline);
    }

private:
    std::unique_ptr<benchmark::BenchmarkReporter> m_inner;
    std::vector<std::string> m_order;
    std::map<std::string, std::pair<double, double>> m_median_ms;  // wall, cpu
};

}  // namespace

int main(int argc, char** argv) { return lens::bench::RunBenchmarks<RatioReporter>(argc, argv, RegisterAll); }
