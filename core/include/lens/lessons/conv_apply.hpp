// lens/lessons/conv_apply.hpp: the conv panel's "apply to the image" lesson. One convolution, with
// seeded or classic-kernel weights, applied to an image four ways (direct loops, the structured
// matrix-free product, im2col + GEMM, a dense GEMM on the materialised matrix), each timed and
// checked against the direct loops. Pure data: the app formats the table.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "lens/conv.hpp"
#include "lens/grid.hpp"
#include "lens/image.hpp"
#include "lens/kernels.hpp"
#include "lens/task.hpp"

namespace lens {

// Sizes above which a way is not run (or, for the dense way, runs on a crop).
struct ConvApplyBudgets {
    Count dense_entries = 16LL * 1024 * 1024;    // the dense way's materialised matrix, floats
    Count im2col_entries = 256LL * 1024 * 1024;  // one group's im2col matrix, floats (1 GiB)
};

// Applying runs the layer three or four ways (direct loops, matrix-free, im2col + GEMM, a dense crop),
// so the layer itself is capped: at most kConvApplyMaxMacs useful multiply-accumulates (the notes'
// 256 x 256, 64 -> 64, 3 x 3 layer is 2.4e9; about 3 s for all the ways on one core) and at most
// kConvApplyMaxEntries floats in the input or the output (256 MiB each).
inline constexpr Count kConvApplyMaxMacs = 3'000'000'000;
inline constexpr Count kConvApplyMaxEntries = Count{1} << 26;
// The spec's problems (Validate) and the caps above (field "in_h" for the sizes, "in_channels" for
// the work), in English.
std::vector<SpecIssue> ConvApplyIssues(const ConvSpec& spec);

enum class ConvWay { Direct = 0, Structured, Im2col, Dense };
inline constexpr int kConvWays = 4;

struct ConvWayResult {
    ConvWay way = ConvWay::Direct;
    bool ran = false;       // false: refused (see refused_why / dense_too_large)
    double ms = NAN;        // median wall time, ms
    double max_diff = NAN;  // max |y - y_direct| (the dense way: on its crop, against direct loops there)
    std::string refused_why;  // core's English reason (im2col over budget, materialisation refused)
    // The dense way only.
    bool dense_too_large = false;  // no crop of the input is small enough to materialise
    bool on_crop = false;          // measured on a crop_h x crop_w crop (times not comparable)
    Index crop_h = 0, crop_w = 0;  // the crop's input size (the full size when not cropped)
    double dense_over_direct = NAN;  // the dense GEMM's time / the direct loops' time, on the same input
    double dense_rate = NAN;         // MACs per ms the dense GEMM reached (on the crop)
    double full_dense_s = NAN;       // full matrix's dense MACs / that rate, in seconds
};

struct ConvApplyResult {
    bool valid = false;               // false: the spec is invalid (issues) or the image unusable
    std::vector<SpecIssue> issues;
    std::vector<float> x_chw;         // the input fed to the convolution, C,H,W
    std::vector<float> y_chw;         // the direct loops' output, C,H,W (bias excluded)
    std::vector<float> weights;       // the weights used (PyTorch layout)
    Grid<float> input;                // channel 0 of x (in_w x in_h)
    Grid<float> output;               // channel 0 of y (out_w x out_h)
    float out_lo = 0, out_hi = 1;     // range of `output`
    std::array<ConvWayResult, kConvWays> ways;  // in ConvWay order
    Index crop = 0;                   // the dense way's crop width (0 when it did not run)
};

// The weights of `op` with every (o, i) slice set to the classic kernel, divided by the input
// channels each output sums over (in_channels / groups); nullopt for KernelChoice::Seeded.
std::optional<std::vector<float>> ConvKernelWeights(const ConvOperator& op, KernelChoice choice);

// The image as the convolution's C,H,W input (ImageToChw at in_h x in_w); a 1-D spec takes the
// middle row of the image resized to in_w x (image height). Empty when the image cannot be resized.
std::vector<float> ConvImageInput(const Image& image, const ConvSpec& spec);

// The lesson. Progress 0..1 through `task`; throws TaskCancelled when cancelled, and
// std::length_error (the ConvApplyIssues message) for a valid layer over the caps; an invalid spec is
// returned as data (valid false, issues). Big layers
// (over 2e8 useful MACs) are timed once, the others three times (median).
ConvApplyResult ComputeConvApply(const ConvSpec& spec, KernelChoice kernel, const Image& image, TaskContext& task,
                                 const ConvApplyBudgets& budgets = {});

}  // namespace lens
