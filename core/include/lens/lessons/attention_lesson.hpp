// lens/lessons/attention_lesson.hpp: the "Attention" lesson. Tokens from text or from the image's
// patches, X X^T X and its rank, Q/K/V, the softmax per head, the output, the attention as a
// structured matrix on vec X (head 0), and the mean entropy against the weight scale with and
// without QK LayerNorm (ViT-22B's fix). Pure functions of (spec, image), cancellable, plain data.
//
// Incremental use (a panel): what depends only on the tokens and the projections (tokens, Q, K, V,
// X X^T X) is an AttentionPrepared, keyed by AttentionPrepKeyOf(spec) and kept by an
// AttentionPreparedCache; a change of heads, weight scale, QK norm or mask re-runs only
// AttendLesson (about 10 ms at ViT-B/16's 196 tokens) and, for heads or mask, the curves.
// One-shot use (export, tests): ComputeAttentionLesson, then VisitFigures.
//
// [SECTION] Spec
// [SECTION] Preparation (tokens, projections) and its cache
// [SECTION] Attention and the curves
// [SECTION] All in one, and the figures
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lens/attention.hpp"
#include "lens/figures.hpp"
#include "lens/grid.hpp"
#include "lens/image.hpp"
#include "lens/task.hpp"
#include "lens/tokens.hpp"

namespace lens {

// [SECTION] Spec

inline constexpr int kAttentionSourceText = 0;
inline constexpr int kAttentionSourceImage = 1;

struct AttentionLessonSpec {
    int source = kAttentionSourceText;  // kAttentionSourceText or kAttentionSourceImage
    std::string text = "The cat sat on the mat. The dog sat on the log.";
    std::int64_t patch = 16;            // P, px (source image)
    std::int64_t resize = 224;          // image edge before patching; 0 = the image's own size
    bool positions = false;             // sinusoidal positions added to the tokens
    AttentionSpec attention;            // d_model, heads, projection, weights, scale, qk_norm, causal, seed
    bool operator==(const AttentionLessonSpec&) const = default;
};

// [SECTION] Preparation (tokens, projections) and its cache

// The lesson's multiply-accumulates for N tokens of token_width values: the three projections
// (N token_width d_model each, none for the identity), Q K^T and A V (N^2 d_model each) and the
// weightless X X^T X (2 N^2 token_width). Capped at kAttentionLessonMaxMacs, about 2.5 s on one
// core (a 4096 px image cut into 147 px patches was 1.4e11, 11 s and 1.1 GB).
inline constexpr Count kAttentionLessonMaxMacs = 30'000'000'000;
Count AttentionLessonMacs(Index tokens, Index token_width, Index d_model, bool projected);

// The part of the spec that the preparation depends on (not heads, weight scale, QK norm, mask),
// plus the image's version (0 for text).
struct AttentionPrepKey {
    int source = 0;
    std::string text;
    std::int64_t patch = 0, resize = 0;
    bool positions = false;
    Index d_model = 0;
    ProjectionKind projection = ProjectionKind::Identity;
    std::string wq, wk, wv, wo;
    std::uint64_t seed = 0, image_version = 0;
    bool operator==(const AttentionPrepKey&) const = default;
};
AttentionPrepKey AttentionPrepKeyOf(const AttentionLessonSpec& spec, std::uint64_t image_version);

struct AttentionPrepared {
    std::vector<SpecIssue> issues;
    TokenSet tokens;
    std::shared_ptr<const AttentionInput> input;  // null when the tokens or the projections failed
    std::optional<WeightlessAttention> weightless;
};

// The tokens (text, or the image resized to spec.resize and cut into patches, values -1..1), the
// projections Q, K, V and X X^T X with its rank. `image` is only read for the image source (it may
// be null for text). Issues as TextTokens / PatchTokens / PrepareAttention ("cancelled").
AttentionPrepared PrepareAttentionLesson(const AttentionLessonSpec& spec, const Image* image, TaskContext& context);

// The last AttentionPrepared, shared between tasks on worker threads. A miss computes outside the
// lock; two tasks missing at once both compute and the later store wins, which is only wasted
// work. A cancelled preparation is returned but not stored.
class AttentionPreparedCache {
public:
    std::shared_ptr<const AttentionPrepared> Get(const AttentionLessonSpec& spec, const std::shared_ptr<const Image>& image,
                                                 std::uint64_t image_version, TaskContext& context);

private:
    std::mutex m_mutex;
    AttentionPrepKey m_key;
    std::shared_ptr<const AttentionPrepared> m_value;
};

// [SECTION] Attention and the curves

struct AttentionCurves {
    std::vector<float> scales;          // 17 weight scales, 0.1 .. 10, geometric
    std::vector<double> plain, qk_norm;  // mean entropy (nats) at each scale; empty when refused
};

struct AttentionLessonResult {
    std::vector<SpecIssue> issues;
    std::shared_ptr<const AttentionPrepared> prep;
    std::optional<AttentionResult> result;  // set when attention ran
    Grid<float> x_grid, scores_grid, attention_grid, output_grid;  // head 0 for scores and attention
    std::vector<Grid<float>> head_grids;    // the first kAttentionLessonHeadGrids heads' attention
    float x_range = 1, scores_range = 1, output_range = 1;  // largest |value| of each grid
    float attention_peak = 1;               // largest attention weight of head 0
    MatrixPtr operator_head0;               // head 0 as a structured matrix on vec X
    double attend_ms = 0;                   // Attend and the grids, measured
    AttentionCurves curves;                 // filled by ComputeAttentionLesson only
};

inline constexpr Index kAttentionLessonHeadGrids = 16;

// `rows` x `cols` values, row-major, as a grid (width = cols).
Grid<float> GridOf(const float* data, Index rows, Index cols);
// The largest finite |value| of the grid, at least 1e-12.
float MaxAbs(const Grid<float>& grid);

// Attention on a prepared input for the spec's heads, weight scale, QK norm and mask, with the grids
// and the structured view. `prep` must not be null; result unset (issues) when prep failed.
AttentionLessonResult AttendLesson(const AttentionLessonSpec& spec, std::shared_ptr<const AttentionPrepared> prep, TaskContext& context);

// The mean entropy at 17 weight scales, with and without QK norm (depends on heads and mask, not on
// spec's weight scale or QK norm). Empty when prep failed.
AttentionCurves ComputeAttentionCurves(const AttentionLessonSpec& spec, const AttentionPrepared& prep, TaskContext& context);

// [SECTION] All in one, and the figures

// Prepare, attend and the curves.
AttentionLessonResult ComputeAttentionLesson(const AttentionLessonSpec& spec, const Image* image, TaskContext& context);

// tokens, d_model, heads, token_width, rank_xxtx, rank_bound, mean_entropy, uniform_entropy,
// weight_scales, mean_entropy_plain, mean_entropy_qk_norm; arrays tokens (N x width), scores and
// attention (heads x N x N), output (N x d_model). Nothing when attention did not run.
void VisitFigures(const AttentionLessonResult& result, FigureVisitor& visitor);

}  // namespace lens
