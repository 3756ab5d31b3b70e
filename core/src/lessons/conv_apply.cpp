// lessons/conv_apply.cpp: one convolution applied to an image four ways, timed and cross-checked
// (lens/lessons/conv_apply.hpp).
//
// [SECTION] Weights and input
// [SECTION] Timing helpers
// [SECTION] The four ways
#include "lens/lessons/conv_apply.hpp"

#include <stdexcept>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace lens {
namespace {

// [SECTION] Timing helpers

template <class F>
double MedianMs(int repeats, F&& run) {
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
        const auto start = std::chrono::steady_clock::now();
        run();
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

double MaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
    return m;
}

// [SECTION] The four ways

ConvWayResult RunStructured(const ConvOperator& op, const std::vector<float>& x, const std::vector<float>& y_direct, int repeats) {
    ConvWayResult way;
    way.way = ConvWay::Structured;
    const std::vector<float> xo = ChwToOrder(op, x, true);
    std::vector<float> yo(static_cast<size_t>(op.Rows()));
    way.ms = MedianMs(repeats, [&] { op.Apply(xo, yo); });
    way.max_diff = MaxDiff(OrderToChw(op, yo, false), y_direct);
    way.ran = true;
    return way;
}

ConvWayResult RunIm2col(const ConvOperator& op, const std::vector<float>& x, const std::vector<float>& y_direct, int repeats,
                        Count budget) {
    ConvWayResult way;
    way.way = ConvWay::Im2col;
    std::vector<float> y(static_cast<size_t>(op.Rows()));
    std::string why;
    bool ok = true;
    way.ms = MedianMs(repeats, [&] { ok = ConvIm2colGemm(op, x, y, budget, &why); });
    if (ok) {
        way.max_diff = MaxDiff(y, y_direct);
        way.ran = true;
    } else {
        way.ms = NAN;
        way.refused_why = why;
    }
    return way;
}

// Dense GEMM on the materialised matrix: on a crop small enough to materialise.
ConvWayResult RunDense(const ConvOperator& op, const std::vector<float>& x, Count budget) {
    ConvWayResult way;
    way.way = ConvWay::Dense;
    const ConvSpec& s = op.Spec();
    ConvSpec crop = s;
    auto fits = [&](const ConvSpec& c) {
        auto stats = ComputeConvStats(c);
        return stats && stats->dense_macs <= budget;
    };
    while (!fits(crop) && (crop.in_h > 1 || crop.in_w > 1)) {
        crop.in_h = std::max<Index>(1, crop.in_h * 3 / 4);
        crop.in_w = std::max<Index>(1, crop.in_w * 3 / 4);
        if (crop.dims == 1) crop.in_h = 1;
    }
    auto crop_op = fits(crop) ? ConvOperator::Create(crop) : std::nullopt;
    if (!crop_op) {
        way.dense_too_large = true;
        return way;
    }
    crop_op->SetWeights(std::vector<float>(op.Weights().begin(), op.Weights().end()));
    std::vector<float> xc(static_cast<size_t>(crop_op->Cols()));
    for (Index c = 0; c < crop.in_channels; ++c)
        for (Index y = 0; y < crop.in_h; ++y)
            for (Index xx = 0; xx < crop.in_w; ++xx)
                xc[static_cast<size_t>((c * crop.in_h + y) * crop.in_w + xx)] = x[static_cast<size_t>((c * s.in_h + y) * s.in_w + xx)];
    std::vector<float> yd(static_cast<size_t>(crop_op->Rows())), yc(yd.size());
    auto matrix = ToDense(*crop_op, budget, &way.refused_why);
    if (!matrix) return way;
    const double dense_ms = MedianMs(3, [&] { ConvDenseGemm(*crop_op, *matrix, xc, yd); });
    const double direct_ms = MedianMs(3, [&] { ConvDirect(*crop_op, xc, yc); });
    way.ran = true;
    way.ms = dense_ms;
    way.max_diff = MaxDiff(yd, yc);
    way.crop_h = crop.in_h;
    way.crop_w = crop.in_w;
    way.on_crop = crop.in_h != s.in_h || crop.in_w != s.in_w;
    way.dense_over_direct = dense_ms / std::max(direct_ms, 1e-9);
    // The crop's matrix is far denser than the full one, so its time says little; the rate it
    // measured, applied to the full matrix's rows x cols MACs, says how long a dense GEMM on the
    // real matrix would take here.
    way.dense_rate = static_cast<double>(crop_op->Stats().dense_macs) / std::max(dense_ms, 1e-9);
    way.full_dense_s = static_cast<double>(op.Stats().dense_macs) / way.dense_rate / 1000.0;
    return way;
}

}  // namespace

// [SECTION] Weights and input

std::optional<std::vector<float>> ConvKernelWeights(const ConvOperator& op, KernelChoice choice) {
    const ConvSpec& s = op.Spec();
    const auto kernel = ClassicKernelValues(choice, s.kernel_h, s.kernel_w);
    if (!kernel) return std::nullopt;
    return TileKernel(*kernel, static_cast<size_t>(op.Stats().weights), static_cast<float>(s.in_channels / s.groups));
}

std::vector<float> ConvImageInput(const Image& image, const ConvSpec& spec) {
    if (spec.dims != 1) return ImageToChw(image, spec.in_channels, spec.in_h, spec.in_w);
    // 1-D: the middle row of the image resized to the signal's length (its height kept).
    const Index rows = std::max(1, image.height);
    const std::vector<float> full = ImageToChw(image, spec.in_channels, rows, spec.in_w);
    if (full.empty()) return {};
    std::vector<float> x(static_cast<size_t>(spec.in_channels * spec.in_w));
    for (Index c = 0; c < spec.in_channels; ++c) {
        const auto row = full.begin() + static_cast<std::ptrdiff_t>((c * rows + rows / 2) * spec.in_w);
        std::copy_n(row, spec.in_w, x.begin() + static_cast<std::ptrdiff_t>(c * spec.in_w));
    }
    return x;
}

std::vector<SpecIssue> ConvApplyIssues(const ConvSpec& spec) {
    std::vector<SpecIssue> issues = Validate(spec);
    if (!issues.empty()) return issues;
    auto op = ConvOperator::Create(spec, &issues);
    if (!op) return issues;
    const ConvStats& st = op->Stats();
    if (st.cols > kConvApplyMaxEntries || st.rows > kConvApplyMaxEntries) {
        issues.push_back({"in_h", "applying needs " + FormatExact(std::max(st.cols, st.rows)) +
                                      " values in the input or the output, more than the limit of " +
                                      FormatExact(kConvApplyMaxEntries) + " for applying to the image"});
    }
    if (st.useful_macs > kConvApplyMaxMacs) {
        issues.push_back({"in_channels", "applying needs " + FormatExact(st.useful_macs) +
                                             " multiply-accumulates, more than the limit of " +
                                             FormatExact(kConvApplyMaxMacs) +
                                             " for applying to the image; make the input, the kernel or the channels smaller"});
    }
    return issues;
}

ConvApplyResult ComputeConvApply(const ConvSpec& spec, KernelChoice kernel, const Image& image, TaskContext& task,
                                 const ConvApplyBudgets& budgets) {
    ConvApplyResult result;
    // An invalid spec is refused as data below (result.issues); only the caps throw.
    if (auto issues = ConvApplyIssues(spec); !issues.empty() && Validate(spec).empty())
        throw std::length_error(JoinIssues(issues));
    auto created = ConvOperator::Create(spec, &result.issues);
    if (!created) return result;
    ConvOperator op = std::move(*created);
    if (auto weights = ConvKernelWeights(op, kernel)) op.SetWeights(std::move(*weights));
    const ConvSpec& s = op.Spec();
    const ConvStats& st = op.Stats();
    result.x_chw = ConvImageInput(image, s);
    if (static_cast<Index>(result.x_chw.size()) != op.Cols()) return result;
    const std::vector<float>& x = result.x_chw;
    result.weights.assign(op.Weights().begin(), op.Weights().end());
    // Big layers are timed once; small ones three times (median).
    const int repeats = st.useful_macs > 200'000'000 ? 1 : 3;

    result.y_chw.resize(static_cast<size_t>(st.rows));
    ConvWayResult& direct = result.ways[0];
    direct.way = ConvWay::Direct;
    direct.ms = MedianMs(repeats, [&] { ConvDirect(op, x, result.y_chw); });
    direct.max_diff = 0;
    direct.ran = true;
    task.SetProgress(0.25f);
    task.ThrowIfCancelled();
    result.ways[1] = RunStructured(op, x, result.y_chw, repeats);
    task.SetProgress(0.5f);
    task.ThrowIfCancelled();
    result.ways[2] = RunIm2col(op, x, result.y_chw, repeats, budgets.im2col_entries);
    task.SetProgress(0.75f);
    task.ThrowIfCancelled();
    result.ways[3] = RunDense(op, x, budgets.dense_entries);
    if (result.ways[3].ran) result.crop = result.ways[3].crop_w;

    // Channel 0 of input and output for display.
    result.input.Resize(static_cast<int>(s.in_w), static_cast<int>(s.in_h));
    std::copy_n(x.begin(), result.input.data.size(), result.input.data.begin());
    result.output.Resize(static_cast<int>(st.out_w), static_cast<int>(st.out_h));
    std::copy_n(result.y_chw.begin(), result.output.data.size(), result.output.data.begin());
    auto [lo, hi] = std::minmax_element(result.output.data.begin(), result.output.data.end());
    result.out_lo = *lo;
    result.out_hi = *hi;
    result.valid = true;
    task.SetProgress(1.0f);
    return result;
}

}  // namespace lens
