// lens/lessons/concat_lesson.hpp: the "Concat & slice" lesson. Concatenating feature maps along
// channels stacks the producing layers' matrices ([A; B], the notes' "Cout dimension"); slicing
// channels is a selection matrix; a convolution over a concatenation [x1; x2] is
// [W1 W2] [x1; x2] = W1 x1 + W2 x2, checked numerically on a random input.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "lens/count.hpp"
#include "lens/figures.hpp"
#include "lens/image.hpp"
#include "lens/dense_ops.hpp"  // MatrixPtr
#include "lens/spec.hpp"
#include "lens/task.hpp"

namespace lens {

struct ConcatSpec {
    std::int64_t in_channels = 2;   // channels of the input x that both branches read
    std::int64_t channels_a = 2;    // C1: channels branch A produces
    std::int64_t channels_b = 3;    // C2: channels branch B produces
    std::int64_t height = 4;        // H of every map, elements
    std::int64_t width = 4;         // W
    std::int64_t kernel = 3;        // kernel of every convolution (padding 'same')
    std::int64_t out_channels = 2;  // channels of the convolution applied to the concatenation
    std::int64_t slice_begin = 1;   // slice [begin, end) of the C1 + C2 concatenated channels
    std::int64_t slice_end = 4;
    bool operator==(const ConcatSpec&) const = default;
};

// The lesson runs five 'same' convolutions (A, B, the one on the concatenation, its two column
// blocks), about H W k^2 (Cin (C1 + C2) + 2 (C1 + C2) Cout) multiply-accumulates (ConcatMacs).
// Capped so that the largest accepted spec takes about 2 s of one core (every maximum at once was
// 1.1e11 MACs, about a minute).
inline constexpr Count kConcatMaxMacs = 5'000'000'000;
// 0 when a size is outside the ranges Issues checks.
Count ConcatMacs(const ConcatSpec& spec);

struct ConcatLesson {
    using Spec = ConcatSpec;
    struct Result {
        ConcatSpec spec;
        MatrixPtr stacked;            // [A; B]
        MatrixPtr slice;              // selection of channels [begin, end)
        MatrixPtr on_concat;          // one convolution with C1 + C2 input channels
        MatrixPtr as_blocks;          // [W1 W2]: two convolutions on the parts, side by side
        double max_difference = NAN;  // |on_concat x - (W1 x1 + W2 x2)| over a random x
    };
    static std::vector<SpecIssue> Issues(const Spec& spec);
    static Result Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context);
    static void VisitFigures(const Result& result, FigureVisitor& visitor);
};

}  // namespace lens
