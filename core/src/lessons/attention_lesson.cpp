// lessons/attention_lesson.cpp: the "Attention" lesson (see lens/lessons/attention_lesson.hpp).
//
// [SECTION] Preparation and its cache
// [SECTION] Attention and the curves
// [SECTION] All in one, and the figures
#include "lens/lessons/attention_lesson.hpp"

#include <limits>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace lens {

// [SECTION] Preparation and its cache

AttentionPrepKey AttentionPrepKeyOf(const AttentionLessonSpec& s, std::uint64_t image_version) {
    const bool text = s.source == kAttentionSourceText;
    return {s.source, text ? s.text : std::string(), s.patch, s.resize, s.positions, s.attention.d_model,
            s.attention.projection, s.attention.wq, s.attention.wk, s.attention.wv, s.attention.wo, s.attention.seed,
            text ? 0 : image_version};
}

Count AttentionLessonMacs(Index tokens, Index token_width, Index d_model, bool projected) {
    // Each factor is bounded by the token limits (N <= 8192, widths <= 65536): no overflow below 2^63.
    const Count n = std::max<Index>(tokens, 0), w = std::max<Index>(token_width, 0), d = std::max<Index>(d_model, 0);
    if (n > kMaxTokens || w > kMaxTokenWidth || d > kMaxTokenWidth) return std::numeric_limits<Count>::max();
    return (projected ? 3 * n * w * d : 0) + 2 * n * n * d + 2 * n * n * w;
}

AttentionPrepared PrepareAttentionLesson(const AttentionLessonSpec& spec, const Image* image, TaskContext& context) {
    AttentionPrepared p;
    std::optional<TokenSet> tokens;
    if (spec.source == kAttentionSourceText) {
        TextTokensSpec t;
        t.width = spec.attention.d_model;
        t.positions = spec.positions;
        t.seed = spec.attention.seed;
        tokens = TextTokens(spec.text, t, &p.issues);
    } else {
        PatchTokensSpec ps;
        ps.patch = spec.patch;
        ps.positions = spec.positions;
        const Image none;
        const Image* source = image ? image : &none;
        Image resized;
        if (spec.resize > 0 && !source->Empty()) {
            resized = ResizeRgb(*source, static_cast<int>(spec.resize), static_cast<int>(spec.resize));
            source = &resized;
        }
        tokens = PatchTokens(*source, ps, &p.issues);
    }
    if (!tokens) return p;
    const Count macs = AttentionLessonMacs(tokens->Tokens(), tokens->Width(), spec.attention.d_model,
                                           spec.attention.projection != ProjectionKind::Identity);
    if (macs > kAttentionLessonMaxMacs) {
        p.issues.push_back({spec.source == kAttentionSourceText ? "text" : "patch",
                            FormatExact(tokens->Tokens()) + " tokens of " + FormatExact(tokens->Width()) + " values need " +
                                FormatExact(macs) + " multiply-accumulates, more than the limit of " +
                                FormatExact(kAttentionLessonMaxMacs) + "; use fewer or smaller tokens (resize, patch) or a smaller d_model"});
        return p;
    }
    p.tokens = std::move(*tokens);
    auto input = PrepareAttention(p.tokens.x, spec.attention, &p.issues, TaskProgress(context));
    if (!input) return p;
    p.input = std::make_shared<const AttentionInput>(std::move(*input));
    p.weightless = ComputeWeightlessAttention(p.tokens.x);
    return p;
}

std::shared_ptr<const AttentionPrepared> AttentionPreparedCache::Get(const AttentionLessonSpec& spec, const std::shared_ptr<const Image>& image,
                                                                     std::uint64_t image_version, TaskContext& context) {
    const AttentionPrepKey key = AttentionPrepKeyOf(spec, image_version);
    {
        std::lock_guard lock(m_mutex);
        if (m_value && m_key == key) return m_value;
    }
    auto fresh = std::make_shared<const AttentionPrepared>(PrepareAttentionLesson(spec, image.get(), context));
    if (context.Cancelled()) return fresh;
    std::lock_guard lock(m_mutex);
    m_key = key;
    m_value = fresh;
    return fresh;
}

// [SECTION] Attention and the curves

Grid<float> GridOf(const float* data, Index rows, Index cols) {
    Grid<float> g(static_cast<int>(cols), static_cast<int>(rows));
    std::copy_n(data, static_cast<size_t>(rows * cols), g.data.begin());
    return g;
}

float MaxAbs(const Grid<float>& g) {
    float m = 1e-12f;
    for (float v : g.data)
        if (std::isfinite(v)) m = std::max(m, std::fabs(v));
    return m;
}

AttentionLessonResult AttendLesson(const AttentionLessonSpec& spec, std::shared_ptr<const AttentionPrepared> prep, TaskContext& context) {
    AttentionLessonResult c;
    c.prep = std::move(prep);
    c.issues = c.prep->issues;
    if (!c.prep->input) return c;
    const auto start = std::chrono::steady_clock::now();
    c.result = Attend(*c.prep->input, spec.attention, &c.issues, TaskProgress(context));
    if (!c.result) return c;
    const AttentionResult& r = *c.result;
    const Index n = r.tokens;
    const RowMatrixF& x = c.prep->tokens.x;
    c.x_grid = GridOf(x.data(), x.rows(), x.cols());
    if (!r.scores.empty()) c.scores_grid = GridOf(r.scores.data(), n, n);
    c.attention_grid = GridOf(r.attention->data(), n, n);
    c.output_grid = GridOf(r.output.data(), r.output.rows(), r.output.cols());
    for (Index h = 0; h < std::min<Index>(r.heads, kAttentionLessonHeadGrids); ++h)
        c.head_grids.push_back(GridOf(r.attention->data() + h * n * n, n, n));
    c.x_range = MaxAbs(c.x_grid);
    c.scores_range = c.scores_grid.Empty() ? 1 : MaxAbs(c.scores_grid);
    c.output_range = MaxAbs(c.output_grid);
    // Attention rows sum to 1, so with many keys every weight is small: map 0..the largest weight.
    c.attention_peak = MaxAbs(c.attention_grid);
    c.operator_head0 = MakeAttentionOperator(*c.prep->input, r, 0);
    c.attend_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return c;
}

AttentionCurves ComputeAttentionCurves(const AttentionLessonSpec& spec, const AttentionPrepared& prep, TaskContext& context) {
    AttentionCurves curves;
    if (!prep.input) return curves;
    curves.scales = GeometricScales(0.1f, 10.0f, 17);
    const ProgressFn progress = TaskProgress(context);
    const ProgressFn first = [&](float f) { return progress(0.5f * f); };
    const ProgressFn second = [&](float f) { return progress(0.5f + 0.5f * f); };
    if (auto plain = MeanEntropyAtScales(*prep.input, spec.attention, curves.scales, false, nullptr, first)) curves.plain = *plain;
    if (auto normed = MeanEntropyAtScales(*prep.input, spec.attention, curves.scales, true, nullptr, second)) curves.qk_norm = *normed;
    return curves;
}

// [SECTION] All in one, and the figures

AttentionLessonResult ComputeAttentionLesson(const AttentionLessonSpec& spec, const Image* image, TaskContext& context) {
    auto prep = std::make_shared<const AttentionPrepared>(PrepareAttentionLesson(spec, image, context));
    AttentionLessonResult c = AttendLesson(spec, prep, context);
    c.curves = ComputeAttentionCurves(spec, *prep, context);
    return c;
}

void VisitFigures(const AttentionLessonResult& c, FigureVisitor& v) {
    if (!c.result) return;
    const AttentionResult& r = *c.result;
    const TokenSet& tokens = c.prep->tokens;
    v.Integer("tokens", r.tokens);
    v.Integer("d_model", r.d_model);
    v.Integer("heads", r.heads);
    v.Integer("token_width", tokens.Width());
    if (c.prep->weightless) {
        v.Integer("rank_xxtx", c.prep->weightless->rank);
        v.Integer("rank_bound", c.prep->weightless->bound);
    }
    // Query-key pairs a head attends to (non-zero weights of head 0): n^2, or n (n + 1) / 2 under
    // the causal mask (GPT: a token sees only those before it; BERT sees all).
    Count attended = 0;
    for (Index i = 0; i < r.tokens * r.tokens; ++i) attended += (*r.attention)[static_cast<size_t>(i)] > 0.0f ? 1 : 0;
    v.Integer("attended_pairs", attended);
    v.Number("mean_entropy", r.mean_entropy);
    v.Number("uniform_entropy", r.uniform_entropy);
    const std::vector<double> scales(c.curves.scales.begin(), c.curves.scales.end());
    v.NumberArray("weight_scales", scales);
    v.NumberArray("mean_entropy_plain", c.curves.plain);
    v.NumberArray("mean_entropy_qk_norm", c.curves.qk_norm);
    const Index n = r.tokens;
    v.ArrayF32("tokens", std::span<const float>(tokens.x.data(), static_cast<size_t>(tokens.x.size())), {n, tokens.Width()});
    if (!r.scores.empty()) v.ArrayF32("scores", r.scores, {r.heads, n, n});
    v.ArrayF32("attention", *r.attention, {r.heads, n, n});
    v.ArrayF32("output", std::span<const float>(r.output.data(), static_cast<size_t>(r.output.size())), {n, r.output.cols()});
}

}  // namespace lens
