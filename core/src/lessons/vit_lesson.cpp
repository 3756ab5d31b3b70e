// lessons/vit_lesson.cpp: the "ViT patches" lesson (see lens/lessons/vit_lesson.hpp).
#include "lens/lessons/vit_lesson.hpp"

#include <algorithm>

namespace lens {

PatchSpec ToPatchSpec(const VitLessonSpec& s) {
    PatchSpec p;
    p.patch = s.patch;
    p.stride = s.stride;
    p.resize = s.resize;
    p.fit = s.fit == 0 ? PatchFit::Pad : PatchFit::Crop;
    p.order = s.order == 0 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
    p.embed_dim = s.embed_dim;
    return p;
}

VitLessonResult ComputeVitLesson(const VitLessonSpec& spec, const Image& image, TaskContext& context) {
    VitLessonResult c;
    const PatchSpec patch_spec = ToPatchSpec(spec);
    PatchifyResult r = Patchify(image, patch_spec);
    context.ThrowIfCancelled();
    c.issues = std::move(r.issues);
    c.geometry = r.geometry;
    if (!c.geometry) return c;
    const PatchGeometry& g = *c.geometry;
    if (auto weights = CheckedProduct({g.h.image, g.w.image, Count{3}, g.tokens, g.embed_dim})) c.fc_weights = *weights;
    if (!r.tokens) return c;
    c.image = std::move(r.image);
    c.tokens = std::move(r.tokens);
    c.token_grid = Grid<float>(static_cast<int>(c.tokens->cols()), static_cast<int>(c.tokens->rows()));
    std::copy_n(c.tokens->data(), c.tokens->size(), c.token_grid.data.begin());
    context.SetProgress(0.7f);
    std::vector<SpecIssue> op_issues;
    if (auto op = PatchEmbeddingOperator(g, true, patch_spec.order, 1, &op_issues))
        c.embedding = std::make_shared<const ConvOperator>(std::move(*op));
    c.issues.insert(c.issues.end(), op_issues.begin(), op_issues.end());
    return c;
}

TokenValue ValueAt(Index f, Index patch, int order) {
    const PatchElement e = PatchElementAt(f, patch, order == 0 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor);
    return {e.c, e.y, e.x};
}

void VisitFigures(const VitLessonResult& c, FigureVisitor& v) {
    if (!c.geometry) return;
    const PatchGeometry& g = *c.geometry;
    v.Integer("image_h", g.h.image);
    v.Integer("image_w", g.w.image);
    v.Integer("patches_h", g.patches_h);
    v.Integer("patches_w", g.patches_w);
    v.Integer("tokens", g.tokens);
    v.Integer("token_dim", g.token_dim);
    v.Integer("pad_h", g.h.pad);
    v.Integer("pad_w", g.w.pad);
    v.Integer("crop_h", g.h.crop);
    v.Integer("crop_w", g.w.crop);
    v.Integer("embed_dim", g.embed_dim);
    v.Integer("embed_weights", g.embed_weights);
    v.Integer("embed_parameters", g.embed_parameters);
    v.Integer("embed_macs", g.embed_macs);
    if (c.fc_weights > 0) v.Integer("fc_weights", c.fc_weights);
    if (c.tokens)
        v.ArrayF32("tokens", std::span<const float>(c.tokens->data(), static_cast<size_t>(c.tokens->size())), {c.tokens->rows(), c.tokens->cols()});
}

}  // namespace lens
