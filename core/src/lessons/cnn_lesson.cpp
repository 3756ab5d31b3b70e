// cnn_lesson.cpp: the "CNN hierarchy" lesson (lens/lessons/cnn_lesson.hpp): the typed stack
// analysed, queries and the same spot at earlier layers, forward planning within budgets, the
// feature maps, and the exported figures.
//
// [SECTION] Analysis of the typed stack
// [SECTION] Queries and the same spot at earlier layers
// [SECTION] Forward planning
// [SECTION] Feature maps
// [SECTION] Figures
#include "lens/lessons/cnn_lesson.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace lens {

// [SECTION] Analysis of the typed stack

CnnLessonAnalysis AnalyzeCnnLesson(const CnnLessonSpec& key) {
    using Kind = CnnLessonIssue::Kind;
    CnnLessonAnalysis a;
    LayerParseError error;
    auto layers = ParseLayers(key.layers, &error);
    if (!layers) a.issues.push_back({Kind::Core, "layers", error.message, 0, 0});
    for (const auto& [field, value] : {std::pair<const char*, std::int64_t>{"in_h", key.in_h}, {"in_w", key.in_w}})
        if (value < 1) a.issues.push_back({Kind::SideBelowOne, field, {}, value, 0});
    if (key.in_h >= 1 && key.in_w >= 1 && (key.in_h > kCnnLessonMaxInputSide || key.in_w > kCnnLessonMaxInputSide))
        a.issues.push_back({Kind::SideAboveLimit, key.in_h > kCnnLessonMaxInputSide ? "in_h" : "in_w", {}, key.in_h, key.in_w});
    if (key.in_channels < 1 || key.in_channels > kCnnMaxChannels) a.issues.push_back({Kind::Channels, "in_channels", {}, key.in_channels, 0});
    if (!a.issues.empty()) return a;
    CnnSpec spec{key.in_channels, key.in_h, key.in_w, std::move(*layers)};
    std::vector<SpecIssue> issues;
    auto stats = AnalyzeCnn(spec, &issues);
    if (!stats) {
        for (auto& i : issues) a.issues.push_back({Kind::Core, i.field, i.message, 0, 0});
        return a;
    }
    a.preset = "custom";
    for (const auto& p : CnnPresets())
        if (p.spec == spec) a.preset = p.key;
    a.spec = std::make_shared<const CnnSpec>(std::move(spec));
    a.stats = std::make_shared<const CnnStats>(std::move(*stats));
    return a;
}

// [SECTION] Queries and the same spot at earlier layers

CnnQuery DefaultCnnQuery(const CnnStats& stats) {
    Index layer = static_cast<Index>(stats.layers.size()) - 1;
    for (Index i = layer; i >= 0; --i) {
        const CnnLayerStats& st = stats.layers[static_cast<size_t>(i)];
        if (!st.field_y.global && st.out.h * st.out.w > 1) {
            layer = i;
            break;
        }
    }
    const CnnShape& out = stats.layers[static_cast<size_t>(layer)].out;
    return {layer, out.h / 2, out.w / 2};
}

CnnQuery ResolveCnnQuery(const CnnStats& stats, std::optional<Index> layer, std::optional<Index> y, std::optional<Index> x) {
    CnnQuery q = DefaultCnnQuery(stats);
    if (layer) q.layer = std::clamp<Index>(*layer, 0, static_cast<Index>(stats.layers.size()) - 1);
    const CnnShape& out = stats.layers[static_cast<size_t>(q.layer)].out;
    q.y = y ? std::clamp<Index>(*y, 0, out.h - 1) : out.h / 2;
    q.x = x ? std::clamp<Index>(*x, 0, out.w - 1) : out.w / 2;
    return q;
}

namespace {

double Centre(const PixelRegion& u, bool vertical) {
    return vertical ? (static_cast<double>(u.y0 + u.y1) - 1) * 0.5 : (static_cast<double>(u.x0 + u.x1) - 1) * 0.5;
}

}  // namespace

double CnnRegionCentre(const CnnStats& stats, const CnnQuery& q, bool vertical) {
    const auto r = InputRegion(stats, q.layer, q.y, q.x);
    return r ? Centre(r->unclipped, vertical) : 0.0;
}

Index CnnNearestOnAxis(const CnnStats& stats, Index j, bool vertical, double centre) {
    const CnnLayerStats& st = stats.layers[static_cast<size_t>(j)];
    const CnnField& f = vertical ? st.field_y : st.field_x;
    const Index n = vertical ? st.out.h : st.out.w;
    if (f.global || n <= 1 || f.jump_num == 0) return 0;
    const double guess = (centre - static_cast<double>(f.start) - (static_cast<double>(f.size) - 1) * 0.5) / f.Jump();
    const Index g = std::clamp<Index>(static_cast<Index>(std::llround(std::clamp(guess, -1e15, 1e15))), 0, n - 1);
    Index best = g;
    double best_d = std::numeric_limits<double>::infinity();
    for (Index o = std::max<Index>(0, g - 3); o <= std::min<Index>(n - 1, g + 3); ++o) {
        auto r = InputRegion(stats, j, vertical ? o : 0, vertical ? 0 : o);
        if (!r) continue;
        const double c = Centre(r->unclipped, vertical);
        if (std::fabs(c - centre) < best_d) {
            best_d = std::fabs(c - centre);
            best = o;
        }
    }
    return best;
}

CnnQuery CnnSameSpot(const CnnStats& stats, const CnnQuery& from, Index layer) {
    const double cy = CnnRegionCentre(stats, from, true), cx = CnnRegionCentre(stats, from, false);
    return {layer, CnnNearestOnAxis(stats, layer, true, cy), CnnNearestOnAxis(stats, layer, false, cx)};
}

std::vector<CnnAncestor> CnnAncestors(const CnnStats& stats, const CnnQuery& q) {
    std::vector<CnnAncestor> out;
    auto chosen = InputRegion(stats, q.layer, q.y, q.x);
    if (!chosen) return out;
    const double cy = Centre(chosen->unclipped, true), cx = Centre(chosen->unclipped, false);
    for (Index j = 0; j < q.layer; ++j) {
        CnnAncestor a;
        a.layer = j;
        a.y = CnnNearestOnAxis(stats, j, true, cy);
        a.x = CnnNearestOnAxis(stats, j, false, cx);
        if (auto r = InputRegion(stats, j, a.y, a.x)) a.region = *r;
        out.push_back(a);
    }
    out.push_back({q.layer, q.y, q.x, *chosen});
    return out;
}

// [SECTION] Forward planning

namespace {

struct Attempt {
    bool ok = false;
    CnnSpec run;
    bool downscaled = false;
    Count full_macs = 0;
    Index min_h = 0, min_w = 0;
    Count min_macs = 0, min_elements = 0;
};

// The first n layers at the largest input (the stack's own, or smaller with the same aspect
// ratio) within the budgets. Map sizes grow with the input, so "analysable" and "within budget"
// are each monotone in the scaled side: two binary searches.
Attempt TryPrefix(const CnnSpec& spec, const CnnStats& stats, Index n, const CnnForwardBudget& budget) {
    Attempt a;
    CnnSpec prefix{spec.in_channels, spec.in_h, spec.in_w, std::vector<CnnLayer>(spec.layers.begin(), spec.layers.begin() + n)};
    Count elements = 0;
    for (Index i = 0; i < n; ++i) {
        a.full_macs += stats.layers[static_cast<size_t>(i)].macs;
        elements += stats.layers[static_cast<size_t>(i)].activations;
    }
    if (a.full_macs <= budget.max_macs && elements <= budget.max_elements) {
        a.ok = true;
        a.run = std::move(prefix);
        return a;
    }
    const Index side = std::max(spec.in_h, spec.in_w);
    auto scaled = [&](Index s) {
        CnnSpec t = prefix;
        t.in_h = std::max<Index>(1, (spec.in_h * s + side / 2) / side);
        t.in_w = std::max<Index>(1, (spec.in_w * s + side / 2) / side);
        return t;
    };
    auto analyse = [&](Index s) { return AnalyzeCnn(scaled(s)); };
    auto fits = [&](const CnnStats& st) { return st.macs <= budget.max_macs && st.activations <= budget.max_elements; };
    Index lo = 1, hi = side;  // smallest analysable side
    while (lo < hi) {
        const Index mid = lo + (hi - lo) / 2;
        if (analyse(mid)) hi = mid;
        else lo = mid + 1;
    }
    const auto smallest = analyse(lo);
    if (!smallest || !fits(*smallest)) {
        const CnnSpec t = scaled(lo);
        a.min_h = t.in_h;
        a.min_w = t.in_w;
        if (smallest) {
            a.min_macs = smallest->macs;
            a.min_elements = smallest->activations;
        }
        return a;
    }
    Index good = lo, bad = side;  // largest side within the budgets
    while (bad - good > 1) {
        const Index mid = good + (bad - good) / 2;
        auto st = analyse(mid);
        if (st && fits(*st)) good = mid;
        else bad = mid;
    }
    a.ok = true;
    a.run = scaled(good);
    a.downscaled = true;
    return a;
}

}  // namespace

CnnForwardPlan PlanCnnForward(const CnnSpec& spec, const CnnStats& stats, const CnnForwardBudget& budget) {
    CnnForwardPlan plan;
    Count params = 0;
    for (const CnnLayerStats& st : stats.layers) {
        if (st.layer.kind == CnnLayerKind::Linear) {
            plan.stop = CnnPlanStop::Linear;
            break;
        }
        if (params + st.parameters > budget.max_parameters) {
            plan.stop = CnnPlanStop::Parameters;
            break;
        }
        params += st.parameters;
        ++plan.prefix;
    }
    if (plan.prefix == 0) return plan;
    Attempt a = TryPrefix(spec, stats, plan.prefix, budget);
    if (!a.ok) {
        // Fewer layers need less, and a smaller input: the longest prefix that fits.
        Index good = 0, bad = plan.prefix;
        while (bad - good > 1) {
            const Index mid = good + (bad - good) / 2;
            if (TryPrefix(spec, stats, mid, budget).ok) good = mid;
            else bad = mid;
        }
        if (good == 0) {
            plan.too_large = true;
            plan.min_h = a.min_h;
            plan.min_w = a.min_w;
            plan.min_macs = a.min_macs;
            plan.min_elements = a.min_elements;
            return plan;
        }
        plan.prefix = good;
        plan.stop = CnnPlanStop::Budget;
        a = TryPrefix(spec, stats, good, budget);
    }
    plan.run = std::move(a.run);
    plan.downscaled = a.downscaled;
    plan.full_macs = a.full_macs;
    return plan;
}

// [SECTION] Feature maps

CnnLayerMaps MakeCnnMosaic(std::span<const float> map, const CnnShape& shape) {
    CnnLayerMaps m;
    m.shape = shape;
    const Index plane = shape.h * shape.w;
    if (plane == 1) {
        m.strip = true;
        m.shown = static_cast<int>(std::min<Index>(shape.c, kCnnStripChannels));
        m.mosaic.Resize(m.shown, 1);
        for (int c = 0; c < m.shown; ++c) m.mosaic.data[static_cast<size_t>(c)] = map[static_cast<size_t>(c)];
    } else {
        m.shown = static_cast<int>(std::min<Index>(shape.c, kCnnShownChannels));
        m.gap = static_cast<int>(std::max<Index>(1, shape.w / 8));
        const int tw = static_cast<int>(shape.w), th = static_cast<int>(shape.h);
        m.mosaic.Resize(m.shown * tw + (m.shown - 1) * m.gap, th, std::numeric_limits<float>::quiet_NaN());
        for (int c = 0; c < m.shown; ++c)
            for (int y = 0; y < th; ++y)
                for (int x = 0; x < tw; ++x)
                    m.mosaic.At(c * (tw + m.gap) + x, y) = map[static_cast<size_t>(c * plane + y * tw + x)];
    }
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (float v : m.mosaic.data)
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (!(lo <= hi)) lo = hi = 0;
    m.lo = lo;
    m.hi = hi;
    return m;
}

namespace {

// One layer of `stats` as a stack of its own, for ForwardStack one layer at a time.
CnnStats OneLayer(const CnnLayerStats& st) {
    CnnStats one;
    one.input = st.in;
    one.layers = {st};
    one.out = st.out;
    one.parameters = st.parameters;
    one.macs = st.macs;
    one.activations = st.activations;
    one.max_activation = st.activations;
    return one;
}

}  // namespace

CnnFeatureMaps ComputeCnnFeatureMaps(const CnnSpec& spec, std::uint64_t seed, const CnnInputFn& input,
                                     const CnnWeightsFn& adjust, TaskContext& context, const CnnForwardBudget& budget) {
    CnnFeatureMaps result;
    std::vector<SpecIssue> issues;
    const auto full = AnalyzeCnn(spec, &issues);
    if (!full) throw std::runtime_error(JoinIssues(issues));
    // Planning analyses the stack at many input sizes: here, on the caller's (worker) thread.
    result.plan = PlanCnnForward(spec, *full, budget);
    result.full_h = spec.in_h;
    result.full_w = spec.in_w;
    if (result.plan.run.layers.empty()) return result;
    context.ThrowIfCancelled();
    auto stats = AnalyzeCnn(result.plan.run, &issues);
    if (!stats) throw std::runtime_error(JoinIssues(issues));
    std::string error;
    auto weights = SeedCnnWeights(*stats, seed, budget.max_parameters, &error);
    if (!weights) throw std::runtime_error(error);
    if (adjust) adjust(*stats, *weights);
    result.input = stats->input;
    std::vector<float> x = input(stats->input);
    // One layer at a time, so that progress is reported and a superseded request stops early.
    const double total = static_cast<double>(std::max<Count>(1, stats->macs));
    Count done = 0;
    CnnForwardLimits limits;
    limits.max_macs = budget.max_macs;
    limits.max_elements = budget.max_elements;
    for (size_t i = 0; i < stats->layers.size(); ++i) {
        context.ThrowIfCancelled();
        const CnnLayerStats& st = stats->layers[i];
        CnnWeights w;
        w.weights.push_back(std::move(weights->weights[i]));
        w.biases.push_back(std::move(weights->biases[i]));
        auto outputs = ForwardStack(OneLayer(st), w, x, limits, &error);
        if (!outputs) throw std::runtime_error(error);
        x = std::move(outputs->front());
        result.layers.push_back(MakeCnnMosaic(x, st.out));
        done += st.macs;
        context.SetProgress(static_cast<float>(static_cast<double>(done) / total));
    }
    return result;
}

// [SECTION] Figures

void VisitFigures(const CnnLessonResult& result, FigureVisitor& v) {
    if (!result.spec || !result.stats) return;
    const CnnSpec& spec = *result.spec;
    const CnnStats& st = *result.stats;
    v.String("preset", result.preset);
    v.String("layers", FormatLayers(spec.layers));
    v.Integer("in_h", spec.in_h);
    v.Integer("in_w", spec.in_w);
    v.Integer("in_channels", spec.in_channels);
    v.Integer("layer_count", static_cast<std::int64_t>(st.layers.size()));
    v.Integer("parameters", st.parameters);
    v.Integer("macs", st.macs);
    v.Integer("activations", st.activations);
    v.Integer("max_activation", st.max_activation);
    v.Integer("out_channels", st.out.c);
    v.Integer("out_h", st.out.h);
    v.Integer("out_w", st.out.w);
    const CnnLayerStats& last = st.layers.back();
    v.Integer("receptive_field", std::max(last.field_y.size, last.field_x.size));
    v.Integer("receptive_field_h", last.field_y.size);
    v.Integer("receptive_field_w", last.field_x.size);
    v.Number("jump", last.field_y.Jump());
    v.Integer("start", last.field_y.start);
    v.Integer("global", last.field_y.global ? 1 : 0);
    const CnnQuery& q = result.query;
    v.Integer("query_layer", q.layer + 1);
    v.Integer("query_y", q.y);
    v.Integer("query_x", q.x);
    if (auto r = InputRegion(st, q.layer, q.y, q.x)) {
        auto arr = [](const PixelRegion& p) {
            return std::vector<double>{static_cast<double>(p.y0), static_cast<double>(p.x0), static_cast<double>(p.y1),
                                       static_cast<double>(p.x1)};
        };
        v.NumberArray("query_region", arr(r->clipped));
        v.NumberArray("query_region_unclipped", arr(r->unclipped));
    }
    // Per layer: one array per figure, in the order the export has always written them.
    auto per_layer = [&](const char* name, auto figure) {
        std::vector<double> values;
        values.reserve(st.layers.size());
        for (const CnnLayerStats& l : st.layers) values.push_back(static_cast<double>(figure(l)));
        v.NumberArray(name, values);
    };
    per_layer("layer_out_channels", [](const CnnLayerStats& l) { return l.out.c; });
    per_layer("layer_out_h", [](const CnnLayerStats& l) { return l.out.h; });
    per_layer("layer_out_w", [](const CnnLayerStats& l) { return l.out.w; });
    per_layer("layer_parameters", [](const CnnLayerStats& l) { return l.parameters; });
    per_layer("layer_weights", [](const CnnLayerStats& l) { return l.weights; });
    per_layer("layer_biases", [](const CnnLayerStats& l) { return l.biases; });
    per_layer("layer_macs", [](const CnnLayerStats& l) { return l.macs; });
    per_layer("layer_activations", [](const CnnLayerStats& l) { return l.activations; });
    per_layer("layer_receptive_field", [](const CnnLayerStats& l) { return l.field_y.size; });
    per_layer("layer_receptive_field_w", [](const CnnLayerStats& l) { return l.field_x.size; });
    per_layer("layer_jump", [](const CnnLayerStats& l) { return l.field_y.Jump(); });
    per_layer("layer_jump_w", [](const CnnLayerStats& l) { return l.field_x.Jump(); });
    per_layer("layer_start", [](const CnnLayerStats& l) { return l.field_y.start; });
    per_layer("layer_start_w", [](const CnnLayerStats& l) { return l.field_x.start; });
    per_layer("layer_global", [](const CnnLayerStats& l) { return l.field_y.global ? 1.0 : 0.0; });
}

}  // namespace lens
