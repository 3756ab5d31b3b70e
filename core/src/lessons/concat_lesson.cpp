#include "lens/lessons/concat_lesson.hpp"

#include <algorithm>
#include <random>

#include "lens/conv.hpp"
#include "lens/dense_ops.hpp"

namespace lens {
namespace {

ConvSpec Branch(const ConcatSpec& s, Index in, Index out, std::uint64_t seed) {
    ConvSpec c;
    c.dims = 2;
    c.in_h = s.height;
    c.in_w = s.width;
    c.in_channels = in;
    c.out_channels = out;
    c.kernel_h = c.kernel_w = s.kernel;
    c.padding_mode = PaddingMode::Same;
    c.seed = seed;
    return c;
}

}  // namespace

std::vector<SpecIssue> ConcatLesson::Issues(const ConcatSpec& s) {
    std::vector<SpecIssue> issues;
    auto range = [&](const char* field, std::int64_t v, std::int64_t lo, std::int64_t hi) {
        if (v < lo || v > hi) issues.push_back({field, "must be " + std::to_string(lo) + ".." + std::to_string(hi)});
    };
    range("in_channels", s.in_channels, 1, 64);
    range("channels_a", s.channels_a, 1, 64);
    range("channels_b", s.channels_b, 1, 64);
    range("height", s.height, 1, 256);
    range("width", s.width, 1, 256);
    range("kernel", s.kernel, 1, 15);
    range("out_channels", s.out_channels, 1, 64);
    // Clamped first: an out-of-range C1 or C2 is already reported, and must not overflow the sum.
    const std::int64_t total = std::clamp<std::int64_t>(s.channels_a, 1, 64) + std::clamp<std::int64_t>(s.channels_b, 1, 64);
    if (s.slice_begin < 0 || s.slice_begin >= total) issues.push_back({"slice_begin", "must be 0.." + std::to_string(total - 1)});
    if (s.slice_end <= s.slice_begin || s.slice_end > total)
        issues.push_back({"slice_end", "must be above slice_begin and at most C1 + C2 = " + std::to_string(total)});
    if (issues.empty()) {
        if (const Count macs = ConcatMacs(s); macs > kConcatMaxMacs) {
            issues.push_back({"height", "H x W x k^2 x (Cin (C1 + C2) + 2 (C1 + C2) Cout) = " + FormatExact(macs) +
                                            " multiply-accumulates, more than the limit of " + FormatExact(kConcatMaxMacs) +
                                            "; make the map, the kernel or the channels smaller"});
            return issues;
        }
    }
    if (issues.empty())
        for (const ConvSpec& branch : {Branch(s, s.in_channels, s.channels_a, 11), Branch(s, s.in_channels, s.channels_b, 12),
                                       Branch(s, total, s.out_channels, 13)})
            if (!Validate(branch).empty()) return {{"kernel", "the kernel does not fit the map"}};
    return issues;
}

Count ConcatMacs(const ConcatSpec& s) {
    // Within the ranges Issues checks every factor is small: no overflow. Outside them: 0.
    auto in = [](std::int64_t v, std::int64_t hi) { return v >= 1 && v <= hi; };
    if (!in(s.in_channels, 64) || !in(s.channels_a, 64) || !in(s.channels_b, 64) || !in(s.out_channels, 64) ||
        !in(s.height, 256) || !in(s.width, 256) || !in(s.kernel, 15))
        return 0;
    const Count total = s.channels_a + s.channels_b;
    return s.height * s.width * s.kernel * s.kernel * (s.in_channels * total + 2 * total * s.out_channels);
}

ConcatLesson::Result ConcatLesson::Compute(const ConcatSpec& s, const std::shared_ptr<const Image>& image, TaskContext& context) {
    (void)image;
    (void)context;
    Result b;
    b.spec = s;
    auto a = ConvOperator::Create(Branch(s, s.in_channels, s.channels_a, 11));
    auto bb = ConvOperator::Create(Branch(s, s.in_channels, s.channels_b, 12));
    auto whole = ConvOperator::Create(Branch(s, s.channels_a + s.channels_b, s.out_channels, 13));
    auto part1 = ConvOperator::Create(Branch(s, s.channels_a, s.out_channels, 14));
    auto part2 = ConvOperator::Create(Branch(s, s.channels_b, s.out_channels, 15));
    if (!a || !bb || !whole || !part1 || !part2) return b;  // Issues() refuses such specs
    // The parts take the whole convolution's weight column blocks W[:, :C1] and W[:, C1:].
    const Index k2 = s.kernel * s.kernel, c = s.channels_a + s.channels_b;
    std::vector<float> w1, w2;
    const auto w = whole->Weights();
    for (Index o = 0; o < s.out_channels; ++o)
        for (Index i = 0; i < c; ++i)
            for (Index t = 0; t < k2; ++t) (i < s.channels_a ? w1 : w2).push_back(w[static_cast<size_t>((o * c + i) * k2 + t)]);
    part1->SetWeights(std::move(w1));
    part2->SetWeights(std::move(w2));
    b.stacked = ConcatRows({std::make_shared<const ConvOperator>(std::move(*a)), std::make_shared<const ConvOperator>(std::move(*bb))});
    SliceSpec slice;
    slice.channels = c;
    slice.height = s.height;
    slice.width = s.width;
    slice.begin = s.slice_begin;
    slice.end = s.slice_end;
    b.slice = SelectionOperator::Create(slice);
    b.on_concat = std::make_shared<const ConvOperator>(std::move(*whole));
    b.as_blocks = ConcatCols({std::make_shared<const ConvOperator>(std::move(*part1)), std::make_shared<const ConvOperator>(std::move(*part2))});
    // Check the claim numerically on a random input.
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<float> x(static_cast<size_t>(b.on_concat->Cols()));
    for (auto& v : x) v = u(rng);
    std::vector<float> y1(static_cast<size_t>(b.on_concat->Rows())), y2(y1.size());
    b.on_concat->Apply(x, y1);
    b.as_blocks->Apply(x, y2);
    b.max_difference = 0;
    for (size_t i = 0; i < y1.size(); ++i) b.max_difference = std::max(b.max_difference, static_cast<double>(std::fabs(y1[i] - y2[i])));
    return b;
}

void ConcatLesson::VisitFigures(const Result& b, FigureVisitor& v) {
    if (!b.stacked) return;
    v.Integer("concat_rows", b.stacked->Rows());
    v.Integer("concat_cols", b.stacked->Cols());
    v.Integer("slice_rows", b.slice->Rows());
    v.Integer("slice_cols", b.slice->Cols());
    v.Integer("slice_nonzeros", b.slice->NonZeros());
    v.Integer("conv_rows", b.on_concat->Rows());
    v.Integer("conv_cols", b.on_concat->Cols());
    v.Integer("block_boundary_col", b.spec.channels_a * b.spec.height * b.spec.width);
    v.Number("max_difference", b.max_difference);
}

}  // namespace lens
