// lens/lessons/vit_lesson.hpp: the "ViT patches" lesson. The image cut into P x P patches (any
// stride, padded or cropped when it does not divide), the token matrix N x (P*P*3) (values 0..1),
// and the patch embedding as the convolution it is (kernel = stride = P, one weight shared by every
// patch), with its size against a fully connected layer doing the same job. Pure function of
// (spec, image), cancellable, plain data.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lens/figures.hpp"
#include "lens/grid.hpp"
#include "lens/image.hpp"
#include "lens/operator.hpp"
#include "lens/patch.hpp"
#include "lens/task.hpp"

namespace lens {

struct VitLessonSpec {
    std::int64_t patch = 16;     // P, px
    std::int64_t stride = 16;    // S, px
    std::int64_t resize = 224;   // square edge before patching; 0 = the image's own size
    int fit = 0;                 // 0 pad, 1 crop
    int order = 0;               // 0 (c, y, x) as PyTorch, 1 (y, x, c) as the notes' 16x16x3
    std::int64_t embed_dim = 768;
    bool operator==(const VitLessonSpec&) const = default;
};

// The lesson's spec as a PatchSpec (embedding with bias, seed 1).
PatchSpec ToPatchSpec(const VitLessonSpec& spec);

struct VitLessonResult {
    std::vector<SpecIssue> issues;
    std::optional<PatchGeometry> geometry;  // counts: set whenever the spec is valid, even if the matrix is refused
    Image image;                            // the image the patches are cut from (resized)
    std::optional<RowMatrixF> tokens;       // N x P*P*3, 0..1
    Grid<float> token_grid;                 // the same, for a heatmap
    std::shared_ptr<const StructuredMatrix> embedding;  // the patch embedding's convolution
    Count fc_weights = 0;                   // H*W*3 inputs times N*D outputs: the dense alternative (0 on overflow)
};

// Patchify, the token grid and the embedding operator. Throws TaskCancelled when cancelled.
VitLessonResult ComputeVitLesson(const VitLessonSpec& spec, const Image& image, TaskContext& context);

// The (c, y, x) of value f inside a token of patch P, in the spec's order (0 chw, 1 hwc).
struct TokenValue {
    Index c = 0, y = 0, x = 0;
};
TokenValue ValueAt(Index f, Index patch, int order);

// image_h, image_w, patches_h, patches_w, tokens, token_dim, pad_h, pad_w, crop_h, crop_w,
// embed_dim, embed_weights, embed_parameters, embed_macs, fc_weights (when it fits); array tokens
// (N x P*P*3). Nothing when the geometry is invalid.
void VisitFigures(const VitLessonResult& result, FigureVisitor& visitor);

}  // namespace lens
