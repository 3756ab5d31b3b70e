// Tests of lens/lessons/swin_lesson.hpp against references written here: the geometry against the
// naive formulas (floor or ceil of side / P, ceil(grid / 2^stage), multiples of M, torchvision's
// no-shift rule) on hundreds of random sizes; the stage tokens against a per-pixel loop; one
// window's attention against a dense attention over the whole rolled, padded grid (other windows
// at -inf, the mask and the bias added, double precision); region labels against a labelling
// derived from the cyclic shift itself (wrapped tokens, the last window); the figures' names and
// shapes.
//
// [SECTION] Reference helpers
// [SECTION] Geometry
// [SECTION] Stage tokens
// [SECTION] Window attention
// [SECTION] Region labels, masks, the lesson
// [SECTION] Figures
#include "lens/lessons/swin_lesson.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lens/attention.hpp"

namespace lens {
namespace {

// [SECTION] Reference helpers

Index CeilDiv(Index a, Index b) { return (a + b - 1) / b; }

std::shared_ptr<const Image> RandomImage(std::mt19937& rng, int w, int h) {
    auto image = std::make_shared<Image>();
    image->width = w;
    image->height = h;
    image->rgb.resize(static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& v : image->rgb) v = static_cast<std::uint8_t>(byte(rng));
    return image;
}

// Region label along one axis of a padded side L with shift s, at rolled position p: the token
// there came from (p + s) mod L. Tokens that wrapped around (p + s >= L) are region 2, the rest of
// the last window region 1, everything else region 0. With s = 0 the reference code's slice
// (-0, None) is the whole side: every position is region 2.
int AxisLabel(Index p, Index length, Index window, Index shift) {
    if (shift == 0) return 2;
    if (p + shift >= length) return 2;
    if (p >= length - window) return 1;
    return 0;
}

// The labels of the whole rolled grid, row-major.
std::vector<int> CyclicLabels(Index ph, Index pw, Index m, Index sh, Index sw) {
    std::vector<int> labels(static_cast<size_t>(ph * pw));
    for (Index y = 0; y < ph; ++y)
        for (Index x = 0; x < pw; ++x) labels[static_cast<size_t>(y * pw + x)] = 3 * AxisLabel(y, ph, m, sh) + AxisLabel(x, pw, m, sw);
    return labels;
}

// [SECTION] Geometry

TEST(SwinLessonGeometryTest, MatchesNaiveFormulasOnRandomSizes) {
    std::mt19937 rng(12);
    std::uniform_int_distribution<Index> side(1, 700), patch(1, 16), window(1, 14), stage(0, 3), coin(0, 1), variant(0, 3);
    int valid = 0;
    for (int trial = 0; trial < 600; ++trial) {
        SwinLessonSpec spec;
        const Index h = side(rng), w = side(rng);
        spec.patch = patch(rng);
        spec.window = window(rng);
        spec.stage = stage(rng);
        spec.shift = coin(rng) == 1;
        spec.fit = static_cast<int>(coin(rng));
        spec.variant = static_cast<int>(variant(rng));
        SCOPED_TRACE(::testing::Message() << h << "x" << w << " P=" << spec.patch << " M=" << spec.window << " stage=" << spec.stage
                                          << " shift=" << spec.shift << " fit=" << spec.fit);
        std::vector<SpecIssue> issues;
        const auto g = ComputeSwinGeometry(spec, h, w, &issues);
        if (spec.patch > std::min(h, w)) {
            EXPECT_FALSE(g);
            EXPECT_FALSE(issues.empty());
            continue;
        }
        ASSERT_TRUE(g);
        ++valid;
        const bool crop = spec.fit == 1;
        const Index gh0 = crop ? h / spec.patch : CeilDiv(h, spec.patch), gw0 = crop ? w / spec.patch : CeilDiv(w, spec.patch);
        EXPECT_EQ(g->image_h, h);
        EXPECT_EQ(g->image_w, w);
        EXPECT_EQ(g->patch_grid.grid_h, gh0);
        EXPECT_EQ(g->patch_grid.grid_w, gw0);
        EXPECT_EQ(g->patch_grid.crop_bottom, crop ? h - gh0 * spec.patch : 0);
        EXPECT_EQ(g->patch_grid.crop_right, crop ? w - gw0 * spec.patch : 0);
        EXPECT_EQ(g->patch_grid.pad_bottom, crop ? 0 : gh0 * spec.patch - h);
        EXPECT_EQ(g->patch_grid.pad_right, crop ? 0 : gw0 * spec.patch - w);
        for (Index k = 0; k < kSwinLessonStages; ++k) {
            EXPECT_EQ(g->grid_h[static_cast<size_t>(k)], CeilDiv(gh0, Index{1} << k));
            EXPECT_EQ(g->grid_w[static_cast<size_t>(k)], CeilDiv(gw0, Index{1} << k));
        }
        EXPECT_EQ(g->stage, spec.stage);
        EXPECT_EQ(g->token_px, spec.patch * (Index{1} << spec.stage));
        EXPECT_EQ(g->content_h, crop ? gh0 * spec.patch : h);
        EXPECT_EQ(g->content_w, crop ? gw0 * spec.patch : w);
        const Index gh = CeilDiv(gh0, Index{1} << spec.stage), gw = CeilDiv(gw0, Index{1} << spec.stage), m = spec.window;
        const SwinWindowLayout& l = g->layout;
        EXPECT_EQ(l.grid_h, gh);
        EXPECT_EQ(l.grid_w, gw);
        EXPECT_EQ(l.window, m);
        EXPECT_EQ(l.padded_h, CeilDiv(gh, m) * m);
        EXPECT_EQ(l.padded_w, CeilDiv(gw, m) * m);
        EXPECT_EQ(l.windows, CeilDiv(gh, m) * CeilDiv(gw, m));
        // torchvision: no shift along a side that one window covers.
        EXPECT_EQ(l.shift_h, spec.shift && gh > m ? m / 2 : 0);
        EXPECT_EQ(l.shift_w, spec.shift && gw > m ? m / 2 : 0);
        const SwinConfig c = SwinConfigOf(spec, *g);
        EXPECT_EQ(c.image_h, gh0 * spec.patch);
        EXPECT_EQ(c.image_w, gw0 * spec.patch);
        EXPECT_EQ(c.window, m);
        EXPECT_EQ(c.embed_dim, SwinPresets()[static_cast<size_t>(spec.variant)].second.embed_dim);
        // The calculator floors: the config's image gives back the same patch grid.
        const auto stats = ComputeSwinStats(c);
        if (stats) {
            EXPECT_EQ(stats->patch_grid.grid_h, gh0);
            EXPECT_EQ(stats->patch_grid.grid_w, gw0);
        }
    }
    EXPECT_GT(valid, 400);
}

TEST(SwinLessonGeometryTest, SelectionAndChecks) {
    SwinLessonSpec spec;  // Swin-T at 224: 56 x 56, 64 windows of 49
    const auto g = ComputeSwinGeometry(spec, 224, 224);
    ASSERT_TRUE(g);
    EXPECT_EQ(SwinSelectedWindow(g->layout, -1), 63);
    EXPECT_EQ(SwinSelectedWindow(g->layout, 5), 5);
    EXPECT_EQ(SwinSelectedWindow(g->layout, 1000), 63);
    EXPECT_EQ(SwinSelectedQuery(g->layout, -1), 24);
    EXPECT_EQ(SwinSelectedQuery(g->layout, 3), 3);
    EXPECT_TRUE(CheckSwinLesson(spec, {}, 224, 224).empty());
    const auto bad = CheckSwinLesson(spec, {64, 49, 1}, 224, 224);
    ASSERT_EQ(bad.size(), 2u);
    EXPECT_EQ(bad[0].field, "window_index");
    EXPECT_EQ(bad[1].field, "query");
    spec.patch = 0;
    EXPECT_FALSE(CheckSwinLesson(spec, {}, 224, 224).empty());
    spec.patch = 1;
    EXPECT_FALSE(ComputeSwinGeometry(spec, 4096, 4096));  // 16.7 M tokens: refused whatever the stage
    spec.stage = 3;
    EXPECT_FALSE(ComputeSwinGeometry(spec, 4096, 4096));
}

// [SECTION] Stage tokens

TEST(SwinLessonTokensTest, StageTokensMatchPerPixelAverage) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> side(6, 40);
    std::uniform_int_distribution<Index> patch(1, 5), stage(0, 3), coin(0, 1);
    for (int trial = 0; trial < 120; ++trial) {
        const int h = side(rng), w = side(rng);
        SwinLessonSpec spec;
        spec.patch = std::min<Index>(patch(rng), std::min(h, w));
        spec.stage = stage(rng);
        spec.fit = static_cast<int>(coin(rng));
        spec.resize = 0;
        spec.window = 3;
        SCOPED_TRACE(::testing::Message() << h << "x" << w << " P=" << spec.patch << " stage=" << spec.stage << " fit=" << spec.fit);
        const auto image = RandomImage(rng, w, h);
        const auto g = ComputeSwinGeometry(spec, h, w);
        ASSERT_TRUE(g);
        const Index p = spec.patch, b = Index{1} << spec.stage, width = p * p * 3;
        const Index gh = g->grid_h[static_cast<size_t>(spec.stage)], gw = g->grid_w[static_cast<size_t>(spec.stage)];
        // Per pixel: which token, which place in its P x P patch.
        std::vector<double> ref(static_cast<size_t>(gh * gw * width), 0.0);
        const Index content_h = spec.fit == 1 ? (h / p) * p : h, content_w = spec.fit == 1 ? (w / p) * p : w;
        for (Index y = 0; y < content_h; ++y)
            for (Index x = 0; x < content_w; ++x) {
                const Index token = (y / (p * b)) * gw + x / (p * b);
                for (int c = 0; c < 3; ++c)
                    ref[static_cast<size_t>(token * width + ((y % p) * p + x % p) * 3 + c)] +=
                        image->rgb[static_cast<size_t>((y * w + x) * 3 + c)] / 255.0 / static_cast<double>(b * b);
            }
        // LayerNorm per token, no affine, eps 1e-5, biased variance.
        for (Index t = 0; t < gh * gw; ++t) {
            double mean = 0, var = 0;
            for (Index k = 0; k < width; ++k) mean += ref[static_cast<size_t>(t * width + k)];
            mean /= static_cast<double>(width);
            for (Index k = 0; k < width; ++k) var += std::pow(ref[static_cast<size_t>(t * width + k)] - mean, 2);
            var /= static_cast<double>(width);
            for (Index k = 0; k < width; ++k) {
                double& v = ref[static_cast<size_t>(t * width + k)];
                v = (v - mean) / std::sqrt(var + 1e-5);
            }
        }
        TaskContext none;
        const RowMatrixF x = SwinStageTokens(*image, *g, none);
        ASSERT_EQ(x.rows(), gh * gw);
        ASSERT_EQ(x.cols(), width);
        for (Index t = 0; t < gh * gw; ++t)
            for (Index k = 0; k < width; ++k) ASSERT_NEAR(x(t, k), ref[static_cast<size_t>(t * width + k)], 2e-3) << "token " << t << " column " << k;
        // The base builds the same tokens (no resize at resize = 0).
        const SwinBase base = ComputeSwinBase(spec, image, none);
        ASSERT_TRUE(base.geometry);
        ASSERT_TRUE(base.tokens);
        EXPECT_EQ(base.image, image);
        EXPECT_EQ(base.token_width, width);
        EXPECT_EQ(base.token_floats, gh * gw * width);
        EXPECT_TRUE(base.tokens->isApprox(x));
    }
}

// [SECTION] Window attention

// Dense attention over every token of the rolled, padded grid: logits q k^T / sqrt(C) + bias +
// mask within a window, -inf across windows; softmax in double. Returns window w's M^2 x M^2 block.
std::vector<double> DenseWindowAttention(const RowMatrixF& x, Index gh, Index gw, Index m, Index sh, Index sw, Index w, int projection) {
    const Index ph = CeilDiv(gh, m) * m, pw = CeilDiv(gw, m) * m, n = ph * pw, c = x.cols(), wpr = pw / m;
    // The rolled padded grid: position (y, x) holds the token from ((y + sh) mod ph, (x + sw) mod pw).
    std::vector<double> rolled(static_cast<size_t>(n * c), 0.0);
    for (Index y = 0; y < ph; ++y)
        for (Index xx = 0; xx < pw; ++xx) {
            const Index oy = (y + sh) % ph, ox = (xx + sw) % pw;
            if (oy >= gh || ox >= gw) continue;
            for (Index k = 0; k < c; ++k) rolled[static_cast<size_t>((y * pw + xx) * c + k)] = x(oy * gw + ox, k);
        }
    auto project = [&](int matrix) {
        if (projection == 0) return rolled;
        const RowMatrixF weights = RandomProjection(c, c, 1, matrix);
        std::vector<double> out(rolled.size(), 0.0);
        for (Index t = 0; t < n; ++t)
            for (Index o = 0; o < c; ++o)
                for (Index k = 0; k < c; ++k) out[static_cast<size_t>(t * c + o)] += weights(o, k) * rolled[static_cast<size_t>(t * c + k)];
        return out;
    };
    const std::vector<double> q = project(0), kk = project(1);
    const std::vector<int> labels = CyclicLabels(ph, pw, m, sh, sw);
    const bool shifted = sh > 0 || sw > 0;
    const std::vector<float> table = RandomRelativeBiasTable(m, 1, 1);
    auto window_of = [&](Index t) { return (t / pw / m) * wpr + (t % pw) / m; };
    std::vector<double> out;
    const Index wy = w / wpr, wx = w % wpr;
    for (Index si = 0; si < m * m; ++si) {
        const Index i = (wy * m + si / m) * pw + wx * m + si % m;
        std::vector<double> logits(static_cast<size_t>(n));
        for (Index j = 0; j < n; ++j) {
            if (window_of(j) != w) {
                logits[static_cast<size_t>(j)] = -std::numeric_limits<double>::infinity();
                continue;
            }
            double dot = 0;
            for (Index k = 0; k < c; ++k) dot += q[static_cast<size_t>(i * c + k)] * kk[static_cast<size_t>(j * c + k)];
            const Index dy = (i / pw) % m - (j / pw) % m, dx = (i % pw) % m - (j % pw) % m;
            const double bias = table[static_cast<size_t>((dy + m - 1) * (2 * m - 1) + dx + m - 1)];
            const double mask = shifted && labels[static_cast<size_t>(i)] != labels[static_cast<size_t>(j)] ? -100.0 : 0.0;
            logits[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(c)) + bias + mask;
        }
        double peak = -std::numeric_limits<double>::infinity(), sum = 0;
        for (double v : logits) peak = std::max(peak, v);
        for (double& v : logits) sum += (v = std::exp(v - peak));
        for (Index sj = 0; sj < m * m; ++sj) out.push_back(logits[static_cast<size_t>((wy * m + sj / m) * pw + wx * m + sj % m)] / sum);
    }
    return out;
}

TEST(SwinLessonAttentionTest, MatchesDenseMaskedAttention) {
    std::mt19937 rng(3);
    std::uniform_int_distribution<Index> side(2, 14), window(2, 6), channels(3, 10), coin(0, 1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int trial = 0; trial < 80; ++trial) {
        const Index gh = side(rng), gw = side(rng), m = window(rng), c = channels(rng);
        const bool shift = coin(rng) == 1;
        const int projection = static_cast<int>(coin(rng));
        const auto layout = ComputeWindowLayout(gh, gw, m, shift ? m / 2 : 0);
        ASSERT_TRUE(layout);
        const Index w = std::uniform_int_distribution<Index>(0, layout->windows - 1)(rng);
        SCOPED_TRACE(::testing::Message() << gh << "x" << gw << " M=" << m << " C=" << c << " shift=" << shift << " proj=" << projection << " w=" << w);
        RowMatrixF x(gh * gw, c);
        for (Index i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
        TaskContext none;
        const SwinWindowAttention a = ComputeSwinWindowAttention(x, *layout, w, projection, none);
        ASSERT_TRUE(a.result) << (a.issues.empty() ? "" : a.issues[0].message);
        const Index n = m * m;
        const Index sh = shift && CeilDiv(gh, m) * m > m ? m / 2 : 0, sw = shift && CeilDiv(gw, m) * m > m ? m / 2 : 0;
        const std::vector<double> ref = DenseWindowAttention(x, gh, gw, m, sh, sw, w, projection);
        ASSERT_EQ(a.grid.width, n);
        ASSERT_EQ(a.grid.height, n);
        float peak = 0;
        for (Index e = 0; e < n * n; ++e) {
            ASSERT_NEAR(a.grid.data[static_cast<size_t>(e)], ref[static_cast<size_t>(e)], 2e-5) << "entry " << e / n << ", " << e % n;
            EXPECT_EQ(a.grid.data[static_cast<size_t>(e)], a.result->attention[static_cast<size_t>(e)]);
            peak = std::max(peak, a.grid.data[static_cast<size_t>(e)]);
        }
        EXPECT_EQ(a.peak, peak);
    }
}

// [SECTION] Region labels, masks, the lesson

TEST(SwinLessonLabelsTest, RegionLabelsAndMaskFollowTheCyclicShift) {
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> side(8, 120);
    std::uniform_int_distribution<Index> patch(1, 6), window(1, 9), stage(0, 3), coin(0, 1);
    const auto image = RandomImage(rng, 16, 16);
    for (int trial = 0; trial < 150; ++trial) {
        SwinLessonSpec spec;
        spec.resize = side(rng);
        spec.patch = std::min<Index>(patch(rng), spec.resize);
        spec.window = window(rng);
        spec.stage = stage(rng);
        spec.shift = coin(rng) == 1;
        spec.fit = static_cast<int>(coin(rng));
        SwinSelection selection;
        selection.window_index = static_cast<std::int64_t>(std::uniform_int_distribution<int>(-1, 6)(rng));
        selection.query = static_cast<std::int64_t>(std::uniform_int_distribution<int>(-1, 3)(rng));
        selection.projection = static_cast<int>(coin(rng));
        SCOPED_TRACE(::testing::Message() << spec.resize << " px P=" << spec.patch << " M=" << spec.window << " stage=" << spec.stage
                                          << " shift=" << spec.shift << " fit=" << spec.fit);
        TaskContext none;
        const SwinLessonResult r = ComputeSwinLesson(spec, selection, image, none);
        ASSERT_TRUE(r.base.geometry);
        const SwinWindowLayout& l = r.base.geometry->layout;
        const Index m = l.window, n = m * m;
        const std::vector<int> ref = CyclicLabels(l.padded_h, l.padded_w, m, l.shift_h, l.shift_w);
        ASSERT_EQ(r.base.labels.data, ref);
        ASSERT_EQ(r.region_labels.size(), ref.size());
        for (size_t e = 0; e < ref.size(); ++e) ASSERT_EQ(r.region_labels[e], ref[e]);
        // Mask: window w, slots i, j: 0 when their labels agree, -100 otherwise.
        ASSERT_EQ(r.mask.size(), static_cast<size_t>(l.windows * n * n));
        auto label_of = [&](Index w, Index s) {
            const Index y = (w / l.windows_w) * m + s / m, x = (w % l.windows_w) * m + s % m;
            return ref[static_cast<size_t>(y * l.padded_w + x)];
        };
        for (Index w = 0; w < l.windows; ++w)
            for (Index i = 0; i < n; ++i)
                for (Index j = 0; j < n; ++j)
                    ASSERT_EQ(r.mask[static_cast<size_t>((w * n + i) * n + j)], label_of(w, i) == label_of(w, j) ? 0.0f : -100.0f);
        // Relative position index.
        ASSERT_EQ(r.relative_position_index.size(), static_cast<size_t>(n * n));
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j)
                ASSERT_EQ(r.relative_position_index[static_cast<size_t>(i * n + j)],
                          static_cast<float>((i / m - j / m + m - 1) * (2 * m - 1) + i % m - j % m + m - 1));
        // The selection and its window's regions.
        const Index w = selection.window_index < 0 ? l.windows - 1 : std::min<Index>(selection.window_index, l.windows - 1);
        const Index q = selection.query < 0 ? (m / 2) * m + m / 2 : std::min<Index>(selection.query, n - 1);
        EXPECT_EQ(r.window_index, w);
        EXPECT_EQ(r.query, q);
        std::set<int> regions;
        for (Index s = 0; s < n; ++s) regions.insert(label_of(w, s));
        EXPECT_EQ(r.regions_in_window, static_cast<Index>(regions.size()));
        ASSERT_EQ(r.attention.has_value(), r.base.tokens != nullptr);
        if (!r.attention) continue;
        ASSERT_TRUE(r.attention->result);
        ASSERT_TRUE(r.query_attention_other_regions);
        double other = 0;
        for (Index s = 0; s < n; ++s)
            if (label_of(w, s) != label_of(w, q)) other += r.attention->grid.data[static_cast<size_t>(q * n + s)];
        EXPECT_NEAR(*r.query_attention_other_regions, other, 1e-9);
        if (regions.size() == 1) {
            EXPECT_EQ(*r.query_attention_other_regions, 0.0);
        }
    }
}

// [SECTION] Figures

// Names and shapes of everything visited.
struct ShapeRecorder final : FigureVisitor {
    std::map<std::string, std::vector<Index>> arrays;
    std::map<std::string, std::string> strings;
    std::map<std::string, double> numbers;
    std::set<std::string> names;
    void Integer(std::string_view name, std::int64_t value) override { Add(name, static_cast<double>(value)); }
    void Number(std::string_view name, double value) override { Add(name, value); }
    void String(std::string_view name, std::string_view value) override {
        EXPECT_TRUE(names.insert(std::string(name)).second) << name;
        strings[std::string(name)] = std::string(value);
    }
    void NumberArray(std::string_view name, std::span<const double> values) override {
        EXPECT_TRUE(names.insert(std::string(name)).second) << name;
        arrays[std::string(name)] = {static_cast<Index>(values.size())};
    }
    void ArrayF32(std::string_view name, std::span<const float> values, std::vector<Index> shape) override { AddArray(name, values.size(), shape); }
    void ArrayU8(std::string_view name, std::span<const std::uint8_t> values, std::vector<Index> shape) override {
        AddArray(name, values.size(), shape);
    }
    void Add(std::string_view name, double value) {
        EXPECT_TRUE(names.insert(std::string(name)).second) << name;
        numbers[std::string(name)] = value;
    }
    void AddArray(std::string_view name, size_t size, const std::vector<Index>& shape) {
        EXPECT_TRUE(names.insert(std::string(name)).second) << name;
        Index product = 1;
        for (Index s : shape) product *= s;
        EXPECT_EQ(static_cast<size_t>(product), size) << name;
        arrays[std::string(name)] = shape;
    }
};

TEST(SwinLessonFiguresTest, SwinTinyAt224) {
    std::mt19937 rng(1);
    TaskContext none;
    const SwinLessonResult r = ComputeSwinLesson({}, {}, RandomImage(rng, 300, 260), none);
    ShapeRecorder v;
    VisitFigures(r, v);
    EXPECT_EQ(v.strings["variant"], "swin_t");
    EXPECT_EQ(v.numbers["grid_h"], 56);
    EXPECT_EQ(v.numbers["windows"], 64);
    EXPECT_EQ(v.numbers["shift_size"], 3);
    EXPECT_EQ(v.numbers["parameters"], 28288354);
    EXPECT_EQ(v.numbers["macs"], 4490566656.0);
    EXPECT_EQ(v.numbers["window_index"], 63);
    EXPECT_EQ(v.numbers["query"], 24);
    EXPECT_EQ(v.numbers["regions_in_window"], 4);
    EXPECT_EQ(v.arrays["stage_grid_h"], std::vector<Index>{4});
    EXPECT_EQ(v.arrays["complexity_image"], std::vector<Index>{25});
    EXPECT_EQ(v.arrays["region_labels"], (std::vector<Index>{56, 56}));
    EXPECT_EQ(v.arrays["mask"], (std::vector<Index>{64, 49, 49}));
    EXPECT_EQ(v.arrays["relative_position_index"], (std::vector<Index>{49, 49}));
    EXPECT_EQ(v.arrays["window_attention"], (std::vector<Index>{49, 49}));
    EXPECT_TRUE(v.numbers.count("query_attention_other_regions"));
    EXPECT_FALSE(v.strings.count("mask_omitted"));
    // The recorder the tables use reads the same numbers.
    FigureRecorder recorder;
    VisitFigures(r, recorder);
    ASSERT_NE(recorder.Find("relative_bias_parameters"), nullptr);
    EXPECT_EQ(recorder.Find("relative_bias_parameters")->integer, 23322);
}

TEST(SwinLessonFiguresTest, LargeWindowsOmitMaskAndAttention) {
    std::mt19937 rng(2);
    TaskContext none;
    SwinLessonSpec spec;
    spec.window = 48;  // 2304 tokens a window: over the attention picture's 32, masks of 48^4 floats each
    spec.patch = 1;
    spec.resize = 1000;
    const SwinLessonResult r = ComputeSwinLesson(spec, {}, RandomImage(rng, 40, 40), none);
    ASSERT_TRUE(r.base.geometry);
    EXPECT_FALSE(r.attention);
    ShapeRecorder v;
    VisitFigures(r, v);
    EXPECT_TRUE(v.strings.count("mask_omitted"));
    EXPECT_FALSE(v.arrays.count("mask"));
    EXPECT_FALSE(v.arrays.count("window_attention"));
    EXPECT_EQ(v.arrays["relative_position_index"], (std::vector<Index>{2304, 2304}));
}

TEST(SwinLessonFiguresTest, NothingWithoutGeometry) {
    std::mt19937 rng(4);
    TaskContext none;
    SwinLessonSpec spec;
    spec.window = 0;
    const SwinLessonResult r = ComputeSwinLesson(spec, {}, RandomImage(rng, 20, 20), none);
    EXPECT_FALSE(r.base.geometry);
    EXPECT_FALSE(r.base.issues.empty());
    ShapeRecorder v;
    VisitFigures(r, v);
    EXPECT_TRUE(v.names.empty());
}

}  // namespace
}  // namespace lens
