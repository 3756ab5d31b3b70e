// lens/lessons/swin_lesson.hpp: the "Swin" lesson (the notes' "(3C) SWIN Transformer" over a real
// image). From the lesson's spec and the image: the derived geometry (patch grid, the four stages'
// grids, the chosen stage's windows), the resized image, the region labels of the stage's padded
// grid (rolled frame), the variant's stage table and counts, the global against window attention
// curve, the stage's tokens (an untrained stand-in for its features), and one window's attention
// (one head). Pure functions of (spec, image), cancellable through TaskContext, plain data.
//
// Incremental use (a panel): ComputeSwinBase when the spec or the image changed, then
// ComputeSwinWindowAttention for the selected window only (it reads the base's tokens).
// One-shot use (export, tests): ComputeSwinLesson, then VisitFigures.
//
// [SECTION] Spec and limits
// [SECTION] Geometry
// [SECTION] Base: image, labels, counts, stage tokens
// [SECTION] One window's attention
// [SECTION] All in one, and the figures
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lens/figures.hpp"
#include "lens/grid.hpp"
#include "lens/image.hpp"
#include "lens/spec.hpp"
#include "lens/swin.hpp"
#include "lens/task.hpp"

namespace lens {

// [SECTION] Spec and limits

inline constexpr std::int64_t kSwinLessonMaxResize = 4096;            // px: the resize range (the chart's largest image)
inline constexpr int kSwinLessonStages = 4;                           // every preset has four stages
inline constexpr Index kSwinLessonMaxAttentionWindow = 32;            // M: one window's M^2 x M^2 attention is computed up to here
inline constexpr Count kSwinLessonTokenBudget = Count{1} << 23;       // floats of the stage's token matrix built for attention (32 MiB)

struct SwinLessonSpec {
    int variant = 0;              // 0..3: Swin-T, S, B, L (SwinPresets' order)
    std::int64_t patch = 4;       // P, px
    std::int64_t window = 7;      // M, tokens
    bool shift = true;            // shifted windows: s = floor(M / 2); else regular (s = 0)
    std::int64_t stage = 0;       // 0..3 (the paper's stages 1..4)
    std::int64_t resize = 224;    // square edge before patching; 0 = the image's own size
    int fit = 1;                  // 0 pad, 1 crop (torchvision's floor)
    bool operator==(const SwinLessonSpec&) const = default;
};

// Which window and query the attention picture shows, and its projection.
struct SwinSelection {
    std::int64_t window_index = -1;  // row-major over the padded grid; -1 = the last one
    std::int64_t query = -1;         // slot ty * M + tx inside the window; -1 = the centre
    int projection = 1;              // 0 identity, 1 seeded random
    bool operator==(const SwinSelection&) const = default;
};

// [SECTION] Geometry

// Everything the pictures and the counts need that is cheap.
struct SwinGeometry {
    Index image_h = 0, image_w = 0;                           // px, after any resize
    SwinPatchGrid patch_grid;                                 // stage 1's grid
    std::array<Index, kSwinLessonStages> grid_h{}, grid_w{};  // tokens of each stage (merging pads odd sides)
    Index stage = 0;                                          // clamped to 0..3
    Index token_px = 0;                                       // px of the (resized) image per token of the stage: P * 2^stage
    SwinWindowLayout layout;                                  // the stage's windows
    Index content_h = 0, content_w = 0;                       // px of the image inside stage 1's patch grid (crop drops the rest)
};

// The geometry for an image_h x image_w image (after resizing), or nullopt with issues
// (ComputeSwinPatchGrid's and ComputeWindowLayout's; stage 1's grid is checked whatever the stage,
// so that a huge image is refused whichever stage is shown).
std::optional<SwinGeometry> ComputeSwinGeometry(const SwinLessonSpec& spec, Index image_h, Index image_w,
                                                std::vector<SpecIssue>* issues = nullptr);

// The variant at this grid, for the stage calculator. The calculator floors (crop); with pad the
// grid is that of an image padded up to it, so passing grid * P gives the same grid either way.
SwinConfig SwinConfigOf(const SwinLessonSpec& spec, const SwinGeometry& geometry);

// Every problem of the spec and the selection for an image_h x image_w image (after resizing):
// the geometry's, the stage calculator's, "window_index" and "query" out of range.
std::vector<SpecIssue> CheckSwinLesson(const SwinLessonSpec& spec, const SwinSelection& selection, Index image_h, Index image_w);

// The selected window (-1 and values past the end give the last) and query (-1 gives the centre slot).
Index SwinSelectedWindow(const SwinWindowLayout& layout, std::int64_t window_index);
Index SwinSelectedQuery(const SwinWindowLayout& layout, std::int64_t query);

// [SECTION] Base: image, labels, counts, stage tokens

struct SwinBase {
    std::vector<SpecIssue> issues;             // why there is no geometry
    std::optional<SwinGeometry> geometry;
    std::shared_ptr<const Image> image;        // the resized image (or the input itself)
    Grid<int> labels;                          // region labels of the stage's padded grid, rolled frame
    SwinConfig config;
    std::optional<SwinStats> stats;
    std::vector<SpecIssue> stats_issues;
    std::vector<SwinComplexityPoint> curve;    // the complexity chart, 64..4096 px
    std::shared_ptr<const RowMatrixF> tokens;  // the stage's tokens for attention, or null (over the budget)
    Index token_width = 0;                     // P * P * 3
    Count token_floats = 0;                    // tokens * width (0 on overflow)
};

// The stage's tokens for the attention picture: token (i, j) holds the P x P x 3 pixels (0..1,
// position-major: column (py * P + px) * 3 + c) of its area, averaged over the 2^stage x 2^stage
// patches it merges (an untrained stand-in for the merged features), zeros past the image's
// content; then LayerNorm per token (eps kSwinMergeNormEpsilon), as norm1 does. `image` is the
// resized image the geometry describes.
RowMatrixF SwinStageTokens(const Image& image, const SwinGeometry& geometry, TaskContext& context);

// Resizes the image to spec.resize (unless 0 or already that size), then the geometry, labels,
// counts, curve and, within kSwinLessonTokenBudget floats and kAttentionMaxWidth columns, the stage
// tokens. No geometry (issues say why) when the sizes are refused or the resize fails; nothing of a
// refused size is resized or allocated.
SwinBase ComputeSwinBase(const SwinLessonSpec& spec, const std::shared_ptr<const Image>& image, TaskContext& context);

// [SECTION] One window's attention

struct SwinWindowAttention {
    std::vector<SpecIssue> issues;
    std::optional<SwinAttentionResult> result;  // one window, one head
    Grid<float> grid;                           // its M^2 x M^2 attention
    float peak = 1;                             // its largest entry (at least 1e-9)
};

// One head of window attention over the stage's tokens for window `window_index` of `layout`
// (grid, window, requested shift), identity (projection 0) or seeded random projections, with
// the relative position bias and the shifted-window mask.
SwinWindowAttention ComputeSwinWindowAttention(const RowMatrixF& tokens, const SwinWindowLayout& layout, Index window_index,
                                               int projection, TaskContext& context);

// [SECTION] All in one, and the figures

struct SwinLessonResult {
    SwinLessonSpec spec;
    SwinSelection selection;
    SwinBase base;
    // The rest only when base.geometry is set.
    Index window_index = 0;                             // the selected window
    Index query = 0;                                    // the selected query slot
    Index regions_in_window = 0;                        // distinct region labels in the selected window
    std::vector<std::uint8_t> region_labels;            // padded_h x padded_w, 0..8
    std::vector<float> mask;                            // windows x M^2 x M^2; empty when over kSwinMaxAttentionEntries
    Count mask_entries = 0;                             // windows x M^4 (0 on overflow)
    std::vector<float> relative_position_index;         // M^2 x M^2
    std::optional<SwinWindowAttention> attention;       // the selected window's (tokens present, M <= 32)
    std::optional<double> query_attention_other_regions;  // the query row's mass on other regions
};

SwinLessonResult ComputeSwinLesson(const SwinLessonSpec& spec, const SwinSelection& selection,
                                   const std::shared_ptr<const Image>& image, TaskContext& context);

// Every exported figure: the geometry, the counts (stage_* arrays), the complexity curve, the
// arrays region_labels (uint8), mask (or the string mask_omitted), relative_position_index, and the
// selected window's attention with query_attention_other_regions. Nothing without a geometry.
void VisitFigures(const SwinLessonResult& result, FigureVisitor& visitor);

}  // namespace lens
