// core/src/lessons/swin_lesson.cpp: the Swin lesson (lens/lessons/swin_lesson.hpp): geometry, the
// base (resize, labels, counts, stage tokens), one window's attention, and the figures.
//
// [SECTION] Geometry
// [SECTION] Base
// [SECTION] One window's attention
// [SECTION] All in one, and the figures
#include "lens/lessons/swin_lesson.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "lens/attention.hpp"

namespace lens {

// [SECTION] Geometry

namespace {

void Append(std::vector<SpecIssue>* issues, const std::vector<SpecIssue>& found) {
    if (issues) issues->insert(issues->end(), found.begin(), found.end());
}

}  // namespace

std::optional<SwinGeometry> ComputeSwinGeometry(const SwinLessonSpec& s, Index image_h, Index image_w, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found;
    const auto pg = ComputeSwinPatchGrid(image_h, image_w, s.patch, s.fit == 0 ? PatchFit::Pad : PatchFit::Crop, &found);
    if (!pg) {
        Append(issues, found);
        return std::nullopt;
    }
    SwinGeometry g;
    g.image_h = image_h;
    g.image_w = image_w;
    g.patch_grid = *pg;
    g.grid_h[0] = pg->grid_h;
    g.grid_w[0] = pg->grid_w;
    for (size_t k = 1; k < kSwinLessonStages; ++k) {
        g.grid_h[k] = MergedSide(g.grid_h[k - 1]);
        g.grid_w[k] = MergedSide(g.grid_w[k - 1]);
    }
    g.stage = std::clamp<Index>(s.stage, 0, kSwinLessonStages - 1);
    g.token_px = s.patch << g.stage;
    const Index shift = s.shift ? DefaultShift(s.window) : 0;
    // Stage 1 is the largest grid: refusing it refuses a huge image whatever stage is shown.
    if (!ComputeWindowLayout(g.grid_h[0], g.grid_w[0], s.window, shift, &found)) {
        Append(issues, found);
        return std::nullopt;
    }
    const size_t stage = static_cast<size_t>(g.stage);
    const auto layout = ComputeWindowLayout(g.grid_h[stage], g.grid_w[stage], s.window, shift, &found);
    if (!layout) {
        Append(issues, found);
        return std::nullopt;
    }
    g.layout = *layout;
    g.content_h = std::min(image_h, pg->grid_h * s.patch);
    g.content_w = std::min(image_w, pg->grid_w * s.patch);
    return g;
}

SwinConfig SwinConfigOf(const SwinLessonSpec& s, const SwinGeometry& g) {
    SwinConfig c = SwinPresets()[static_cast<size_t>(std::clamp(s.variant, 0, 3))].second;
    c.window = s.window;
    c.patch = s.patch;
    c.image_h = g.patch_grid.grid_h * s.patch;
    c.image_w = g.patch_grid.grid_w * s.patch;
    return c;
}

std::vector<SpecIssue> CheckSwinLesson(const SwinLessonSpec& spec, const SwinSelection& selection, Index image_h, Index image_w) {
    std::vector<SpecIssue> issues;
    const auto g = ComputeSwinGeometry(spec, image_h, image_w, &issues);
    if (!g) return issues;
    std::vector<SpecIssue> stats_issues;
    if (!ComputeSwinStats(SwinConfigOf(spec, *g), &stats_issues)) issues.insert(issues.end(), stats_issues.begin(), stats_issues.end());
    if (selection.window_index >= g->layout.windows)
        issues.push_back({"window_index", "window_index must be -1 (the last) or between 0 and " + FormatExact(g->layout.windows - 1) + " (got " +
                                              FormatExact(selection.window_index) + ")"});
    const Index n = g->layout.TokensPerWindow();
    if (selection.query >= n)
        issues.push_back({"query", "query must be -1 (the centre) or between 0 and " + FormatExact(n - 1) + " (got " + FormatExact(selection.query) + ")"});
    return issues;
}

Index SwinSelectedWindow(const SwinWindowLayout& l, std::int64_t window_index) {
    return window_index < 0 ? l.windows - 1 : std::min<Index>(window_index, l.windows - 1);
}

Index SwinSelectedQuery(const SwinWindowLayout& l, std::int64_t query) {
    const Index n = l.TokensPerWindow();
    return query < 0 ? (l.window / 2) * l.window + l.window / 2 : std::min<Index>(query, n - 1);
}

// [SECTION] Base

RowMatrixF SwinStageTokens(const Image& image, const SwinGeometry& g, TaskContext& context) {
    const Index p = g.patch_grid.patch, b = Index{1} << g.stage, width = p * p * 3;
    const Index gh = g.grid_h[static_cast<size_t>(g.stage)], gw = g.grid_w[static_cast<size_t>(g.stage)];
    RowMatrixF x = RowMatrixF::Zero(gh * gw, width);
    if (g.stage == 0) {
        // Stage 0 is the patch grid itself: the patches as lens/patch.hpp cuts them, (y, x, c), 0..1.
        const SwinPatchGrid& pg = g.patch_grid;
        const auto grid = ComputePatchGrid(pg.image_h, pg.image_w, p, p, pg.fit);
        if (grid && grid->patches_h == gh && grid->patches_w == gw && image.height == pg.image_h && image.width == pg.image_w) {
            context.ThrowIfCancelled();
            CutPatchTokens(image, *grid, PatchTokenFormat{FlatOrder::PositionMajor, PatchRange::Unit}, x);
            LayerNormRows(x, kSwinMergeNormEpsilon);
            return x;
        }
    }
    for (Index i = 0; i < gh; ++i) {
        context.ThrowIfCancelled();
        for (Index j = 0; j < gw; ++j) {
            float* row = x.row(i * gw + j).data();
            for (Index by = 0; by < b; ++by)
                for (Index py = 0; py < p; ++py) {
                    const Index y = (i * b + by) * p + py;
                    if (y >= g.content_h) continue;
                    for (Index bx = 0; bx < b; ++bx)
                        for (Index px = 0; px < p; ++px) {
                            const Index xx = (j * b + bx) * p + px;
                            if (xx >= g.content_w) continue;
                            const std::uint8_t* rgb = image.rgb.data() + 3 * (static_cast<size_t>(y) * static_cast<size_t>(image.width) + static_cast<size_t>(xx));
                            float* dst = row + (py * p + px) * 3;
                            for (int c = 0; c < 3; ++c) dst[c] += static_cast<float>(rgb[c]) / 255.0f;
                        }
                }
        }
    }
    x /= static_cast<float>(b * b);
    LayerNormRows(x, kSwinMergeNormEpsilon);
    return x;
}

SwinBase ComputeSwinBase(const SwinLessonSpec& spec, const std::shared_ptr<const Image>& image, TaskContext& context) {
    SwinBase b;
    const Index h = spec.resize > 0 ? spec.resize : image->height;
    const Index w = spec.resize > 0 ? spec.resize : image->width;
    // Sizes first: nothing is resized or allocated for a grid the geometry refuses.
    b.geometry = ComputeSwinGeometry(spec, h, w, &b.issues);
    if (!b.geometry) return b;
    const SwinGeometry& g = *b.geometry;
    if (spec.resize > 0 && (image->width != w || image->height != h)) {
        auto resized = std::make_shared<Image>(ResizeRgb(*image, static_cast<int>(w), static_cast<int>(h)));
        if (resized->Empty()) {
            b.issues.push_back({"resize", "the image could not be resized to " + FormatExact(w) + " x " + FormatExact(h) + " px"});
            b.geometry.reset();
            return b;
        }
        b.image = std::move(resized);
    } else {
        b.image = image;
    }
    context.ThrowIfCancelled();
    const SwinWindowLayout& l = g.layout;
    b.labels = RegionLabels(l.padded_h, l.padded_w, l.window, l.shift_h, l.shift_w);
    b.config = SwinConfigOf(spec, g);
    b.stats = ComputeSwinStats(b.config, &b.stats_issues);
    const Index lo = std::max<Index>(64, spec.patch);
    if (auto curve = MsaComplexityCurve(lo, std::max<Index>(lo, 4096), 25, spec.patch, b.config.embed_dim, spec.window)) b.curve = std::move(*curve);
    context.SetProgress(0.5f);
    b.token_width = spec.patch * spec.patch * 3;
    const Index stage_tokens = g.grid_h[static_cast<size_t>(g.stage)] * g.grid_w[static_cast<size_t>(g.stage)];
    b.token_floats = CheckedProduct({stage_tokens, b.token_width}).value_or(0);
    if (b.token_floats > 0 && b.token_floats <= kSwinLessonTokenBudget && b.token_width <= kAttentionMaxWidth)
        b.tokens = std::make_shared<const RowMatrixF>(SwinStageTokens(*b.image, g, context));
    return b;
}

// [SECTION] One window's attention

SwinWindowAttention ComputeSwinWindowAttention(const RowMatrixF& tokens, const SwinWindowLayout& layout, Index window_index, int projection,
                                               TaskContext& context) {
    SwinWindowAttention out;
    SwinAttentionSpec spec;
    spec.window = layout.window;
    spec.shift = layout.shift;
    spec.heads = 1;
    spec.projection = projection == 1 ? ProjectionKind::Random : ProjectionKind::Identity;
    spec.window_index = window_index;
    out.result = ComputeWindowAttention(tokens, layout.grid_h, layout.grid_w, spec, &out.issues, TaskProgress(context));
    if (!out.result) return out;
    const Index n = out.result->TokensPerWindow();
    out.grid = Grid<float>(static_cast<int>(n), static_cast<int>(n));
    std::copy_n(out.result->attention.data(), static_cast<size_t>(n * n), out.grid.data.begin());
    out.peak = 1e-9f;
    for (float v : out.grid.data) out.peak = std::max(out.peak, v);
    return out;
}

// [SECTION] All in one, and the figures

SwinLessonResult ComputeSwinLesson(const SwinLessonSpec& spec, const SwinSelection& selection, const std::shared_ptr<const Image>& image,
                                   TaskContext& context) {
    SwinLessonResult r;
    r.spec = spec;
    r.selection = selection;
    r.base = ComputeSwinBase(spec, image, context);
    if (!r.base.geometry) return r;
    const SwinWindowLayout& l = r.base.geometry->layout;
    const Grid<int>& labels = r.base.labels;
    r.region_labels.resize(labels.data.size());
    std::transform(labels.data.begin(), labels.data.end(), r.region_labels.begin(), [](int v) { return static_cast<std::uint8_t>(v); });
    const Index n = l.TokensPerWindow();
    r.mask_entries = CheckedProduct({l.windows, n, n}).value_or(0);
    r.mask = WindowMask(labels, l.window);
    const std::vector<Index> index = RelativePositionIndex(l.window);
    r.relative_position_index.assign(index.begin(), index.end());
    context.ThrowIfCancelled();
    r.window_index = SwinSelectedWindow(l, selection.window_index);
    r.query = SwinSelectedQuery(l, selection.query);
    const std::vector<SwinWindowToken> tokens = WindowSourcePatches(l, r.window_index);
    std::set<int> regions;
    for (const auto& t : tokens) regions.insert(t.label);
    r.regions_in_window = static_cast<Index>(regions.size());
    if (r.base.tokens && l.window <= kSwinLessonMaxAttentionWindow) {
        r.attention = ComputeSwinWindowAttention(*r.base.tokens, l, r.window_index, selection.projection, context);
        if (r.attention->result) {
            double other = 0;
            const int label = tokens[static_cast<size_t>(r.query)].label;
            for (Index s = 0; s < n; ++s)
                if (tokens[static_cast<size_t>(s)].label != label) other += r.attention->result->attention[static_cast<size_t>(r.query * n + s)];
            r.query_attention_other_regions = other;
        }
    }
    return r;
}

namespace {

void VisitStats(const SwinStats& st, FigureVisitor& v) {
    v.Integer("parameters", st.parameters);
    v.Integer("macs", st.macs);
    v.Integer("embed_parameters", st.embed_parameters);
    v.Integer("embed_macs", st.embed_macs);
    v.Integer("head_parameters", st.head_parameters);
    v.Integer("head_macs", st.head_macs);
    v.Integer("relative_bias_parameters", st.relative_bias_parameters);
    v.Integer("num_features", st.num_features);
    auto array = [&](const char* name, auto field) {
        std::vector<double> values;
        for (const SwinStageStats& s : st.stages) values.push_back(static_cast<double>(field(s)));
        v.NumberArray(name, values);
    };
    array("stage_grid_h", [](const SwinStageStats& s) { return s.grid_h; });
    array("stage_grid_w", [](const SwinStageStats& s) { return s.grid_w; });
    array("stage_padded_h", [](const SwinStageStats& s) { return s.padded_h; });
    array("stage_padded_w", [](const SwinStageStats& s) { return s.padded_w; });
    array("stage_windows", [](const SwinStageStats& s) { return s.windows; });
    array("stage_shift", [](const SwinStageStats& s) { return std::max(s.shift_h, s.shift_w); });
    array("stage_channels", [](const SwinStageStats& s) { return s.channels; });
    array("stage_heads", [](const SwinStageStats& s) { return s.heads; });
    array("stage_depth", [](const SwinStageStats& s) { return s.depth; });
    array("stage_merge_parameters", [](const SwinStageStats& s) { return s.merge_parameters; });
    array("stage_parameters", [](const SwinStageStats& s) { return s.parameters; });
    array("stage_macs", [](const SwinStageStats& s) { return s.macs; });
}

void VisitCurve(const std::vector<SwinComplexityPoint>& curve, FigureVisitor& v) {
    std::vector<double> image, global, window, padded;
    for (const SwinComplexityPoint& p : curve) {
        image.push_back(static_cast<double>(p.image));
        global.push_back(static_cast<double>(p.global_msa));
        window.push_back(static_cast<double>(p.window_msa));
        padded.push_back(static_cast<double>(p.window_msa_padded));
    }
    v.NumberArray("complexity_image", image);
    v.NumberArray("complexity_global_msa", global);
    v.NumberArray("complexity_window_msa", window);
    v.NumberArray("complexity_window_msa_padded", padded);
}

void VisitGeometry(const SwinLessonSpec& spec, const SwinGeometry& g, FigureVisitor& v) {
    const SwinWindowLayout& l = g.layout;
    v.String("variant", SwinPresets()[static_cast<size_t>(std::clamp(spec.variant, 0, 3))].first);
    v.Integer("image_h", g.image_h);
    v.Integer("image_w", g.image_w);
    v.Integer("patch", spec.patch);
    v.Integer("window", spec.window);
    v.Integer("stage", g.stage);
    v.Integer("patch_grid_h", g.patch_grid.grid_h);
    v.Integer("patch_grid_w", g.patch_grid.grid_w);
    v.Integer("crop_bottom", g.patch_grid.crop_bottom);
    v.Integer("crop_right", g.patch_grid.crop_right);
    v.Integer("pad_bottom_px", g.patch_grid.pad_bottom);
    v.Integer("pad_right_px", g.patch_grid.pad_right);
    // The chosen stage's window layout (stage 0: the patch grid).
    v.Integer("grid_h", l.grid_h);
    v.Integer("grid_w", l.grid_w);
    v.Integer("padded_h", l.padded_h);
    v.Integer("padded_w", l.padded_w);
    v.Integer("windows_h", l.windows_h);
    v.Integer("windows_w", l.windows_w);
    v.Integer("windows", l.windows);
    v.Integer("tokens_per_window", l.TokensPerWindow());
    v.Integer("shift_h", l.shift_h);
    v.Integer("shift_w", l.shift_w);
    v.Integer("shift_size", std::max(l.shift_h, l.shift_w));
}

}  // namespace

void VisitFigures(const SwinLessonResult& r, FigureVisitor& v) {
    if (!r.base.geometry) return;
    const SwinGeometry& g = *r.base.geometry;
    const SwinWindowLayout& l = g.layout;
    VisitGeometry(r.spec, g, v);
    if (r.base.stats) VisitStats(*r.base.stats, v);
    VisitCurve(r.base.curve, v);
    // Arrays: labels (0..8 fit a byte), every window's mask (bounded by the core's budget), the index.
    if (!r.region_labels.empty()) v.ArrayU8("region_labels", r.region_labels, {l.padded_h, l.padded_w});
    const Index n = l.TokensPerWindow();
    if (!r.mask.empty()) v.ArrayF32("mask", r.mask, {l.windows, n, n});
    else v.String("mask_omitted", "windows x M^4 = " + FormatExact(r.mask_entries) + " floats exceed " + FormatExact(kSwinMaxAttentionEntries));
    v.ArrayF32("relative_position_index", r.relative_position_index, {n, n});
    // The selected window's attention (one head), as drawn in the mask tab.
    v.Integer("window_index", r.window_index);
    v.Integer("query", r.query);
    v.Integer("regions_in_window", r.regions_in_window);
    if (r.attention && r.attention->result) {
        v.ArrayF32("window_attention", r.attention->result->attention, {n, n});
        if (r.query_attention_other_regions) v.Number("query_attention_other_regions", *r.query_attention_other_regions);
    }
}

}  // namespace lens
