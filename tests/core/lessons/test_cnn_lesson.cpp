// Tests of the CNN lesson (lens/lessons/cnn_lesson.hpp) without ImGui: the analysis of typed
// stacks (problems in order, presets recognised), the default query on the presets, the same spot
// at earlier layers against a naive nearest-centre search and its regions against tap-by-tap
// dependency sets, forward planning within its budgets against a naive search over every prefix and
// input side, the feature maps against ForwardStackReference, and the exported figures.
//
// [SECTION] Analysis and queries
// [SECTION] The same spot at earlier layers
// [SECTION] Forward planning
// [SECTION] Feature maps
// [SECTION] Figures
#include "lens/lessons/cnn_lesson.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "../cnn_reference.hpp"
#include "../operator_checks.hpp"

namespace lens {
namespace {

using testing::DependencyBox;
using testing::Pick;
using testing::RandomTapStack;

CnnLessonSpec Typed(const CnnSpec& spec) { return {FormatLayers(spec.layers), spec.in_h, spec.in_w, spec.in_channels}; }

// [SECTION] Analysis and queries

TEST(CnnLesson, AnalysisListsProblemsInOrderAndRecognisesPresets) {
    using Kind = CnnLessonIssue::Kind;
    const auto bad = AnalyzeCnnLesson({"conv3x3p1c64,foo", 0, 4096, 0});
    ASSERT_EQ(bad.issues.size(), 3u);
    EXPECT_EQ(bad.issues[0].kind, Kind::Core);
    EXPECT_EQ(bad.issues[0].field, "layers");
    EXPECT_NE(bad.issues[0].message.find("unknown layer kind 'foo'"), std::string::npos);
    EXPECT_EQ(bad.issues[1].kind, Kind::SideBelowOne);
    EXPECT_EQ(bad.issues[1].field, "in_h");
    EXPECT_EQ(bad.issues[2].kind, Kind::Channels);
    EXPECT_FALSE(bad.stats);

    const auto large = AnalyzeCnnLesson({"conv3", 3000, 20, 3});
    ASSERT_EQ(large.issues.size(), 1u);
    EXPECT_EQ(large.issues[0].kind, Kind::SideAboveLimit);
    EXPECT_EQ(large.issues[0].field, "in_h");
    EXPECT_EQ(large.issues[0].value, 3000);
    EXPECT_EQ(large.issues[0].value2, 20);

    const auto shrinks = AnalyzeCnnLesson({"conv3,maxpool2,maxpool2,maxpool2", 8, 8, 3});
    ASSERT_EQ(shrinks.issues.size(), 1u);
    EXPECT_NE(shrinks.issues[0].message.find("shrinks the map to nothing"), std::string::npos);

    for (const CnnPreset& p : CnnPresets()) {
        const auto a = AnalyzeCnnLesson(Typed(p.spec));
        ASSERT_TRUE(a.issues.empty()) << p.key;
        ASSERT_TRUE(a.stats && a.spec);
        EXPECT_EQ(a.preset, p.key);
        EXPECT_EQ(*a.spec, p.spec);
    }
    EXPECT_EQ(AnalyzeCnnLesson({"conv3x3p1c8,maxpool2", 16, 16, 3}).preset, "custom");
}

TEST(CnnLesson, DefaultQueryOnThePresets) {
    // The middle of the last layer with a spatial map (0-based layers; the app shows them + 1).
    const struct {
        const char* key;
        CnnQuery want;
    } cases[] = {
        {"notes", {8, 8, 8}},              // conv 3x3 to 1024 on 16 x 16
        {"vgg16", {17, 3, 3}},             // pool5, 7 x 7 (the classifier is global)
        {"encoder_decoder", {13, 128, 128}},  // the last 1x1 convolution, 256 x 256
        {"mobilenet_v1", {26, 3, 3}},      // the last point-wise convolution, 7 x 7
        {"hybrid", {4, 8, 8}},             // the 1x1 projection, 16 x 16 (transformer blocks are global)
    };
    for (const auto& c : cases) {
        const auto spec = FindCnnPreset(c.key);
        ASSERT_TRUE(spec);
        const auto stats = AnalyzeCnn(*spec);
        ASSERT_TRUE(stats);
        const CnnQuery q = DefaultCnnQuery(*stats);
        EXPECT_EQ(q, c.want) << c.key << ": layer " << q.layer << " at " << q.y << "," << q.x;
        EXPECT_EQ(ResolveCnnQuery(*stats, std::nullopt, std::nullopt, std::nullopt), q);
    }
    // Chosen parts replace the defaults, clamped; the others are the chosen layer's middle.
    const auto stats = AnalyzeCnn(*FindCnnPreset("notes"));
    EXPECT_EQ(ResolveCnnQuery(*stats, Index{2}, std::nullopt, std::nullopt), (CnnQuery{2, 64, 64}));
    EXPECT_EQ(ResolveCnnQuery(*stats, Index{99}, Index{-4}, Index{1000}), (CnnQuery{8, 0, 15}));
}

// [SECTION] The same spot at earlier layers

TEST(CnnLesson, AncestorsAreTheNearestCentresAndTheirRegionsTheTapsThatLandInside) {
    std::mt19937_64 rng(31);
    int checked = 0;
    for (int trial = 0; trial < 200; ++trial) {
        const CnnSpec spec = RandomTapStack(rng);
        const auto stats = AnalyzeCnn(spec);
        ASSERT_TRUE(stats);
        const Index layer = Pick(rng, 0, static_cast<Index>(stats->layers.size()) - 1);
        const CnnShape& out = stats->layers[static_cast<size_t>(layer)].out;
        const CnnQuery q{layer, Pick(rng, 0, out.h - 1), Pick(rng, 0, out.w - 1)};
        const auto chain = CnnAncestors(*stats, q);
        ASSERT_EQ(chain.size(), static_cast<size_t>(layer + 1));
        EXPECT_EQ(chain.back().layer, q.layer);
        EXPECT_EQ(chain.back().y, q.y);
        EXPECT_EQ(chain.back().x, q.x);
        const double cy = CnnRegionCentre(*stats, q, true), cx = CnnRegionCentre(*stats, q, false);
        for (Index j = 0; j <= layer; ++j) {
            const CnnAncestor& a = chain[static_cast<size_t>(j)];
            ASSERT_EQ(a.layer, j);
            const std::string what = FormatLayers(spec.layers) + " layer " + std::to_string(j);
            // Its region is the tight box of the taps (the brute-force dependency set).
            ASSERT_EQ(a.region.clipped, DependencyBox(*stats, j, a.y, a.x)) << what;
            const auto direct = InputRegion(*stats, j, a.y, a.x);
            ASSERT_TRUE(direct);
            ASSERT_EQ(a.region.unclipped, direct->unclipped) << what;
            if (j == layer) continue;
            // Its centre is as near the query's as any location of layer j (naive search, per axis).
            const CnnShape& s = stats->layers[static_cast<size_t>(j)].out;
            for (const bool vertical : {true, false}) {
                const CnnLayerStats& st = stats->layers[static_cast<size_t>(j)];
                if ((vertical ? st.field_y : st.field_x).global) continue;
                const double centre = vertical ? cy : cx;
                double best = std::numeric_limits<double>::infinity();
                for (Index o = 0; o < (vertical ? s.h : s.w); ++o)
                    best = std::min(best, std::fabs(CnnRegionCentre(*stats, {j, vertical ? o : 0, vertical ? 0 : o}, vertical) - centre));
                const double got = std::fabs(CnnRegionCentre(*stats, {j, a.y, a.x}, vertical) - centre);
                ASSERT_LE(got, best + 1e-9) << what << (vertical ? " rows" : " columns");
            }
            ++checked;
        }
        // CnnSameSpot is the chain's entry for an earlier layer (at the query's own layer it may pick
        // another location with the same centre: up-sampled neighbours share their region).
        if (layer == 0) continue;
        const Index j = Pick(rng, 0, layer - 1);
        const CnnQuery same = CnnSameSpot(*stats, q, j);
        EXPECT_EQ(same, (CnnQuery{j, chain[static_cast<size_t>(j)].y, chain[static_cast<size_t>(j)].x}));
    }
    EXPECT_GT(checked, 100);  // earlier layers compared (queries at layer 0 have none)
    const auto stats = AnalyzeCnn(*FindCnnPreset("notes"));
    EXPECT_TRUE(CnnAncestors(*stats, {8, 16, 0}).empty());  // out of range
}

// [SECTION] Forward planning

// The naive plan: every prefix from the longest allowed down, every input side from the stack's
// own down, the first that is analysable and within the budgets.
struct NaivePlan {
    Index prefix = 0;
    bool found = false;
    Index in_h = 0, in_w = 0;
    bool downscaled = false;
    CnnPlanStop stop = CnnPlanStop::None;
};

NaivePlan NaivePlanForward(const CnnSpec& spec, const CnnStats& stats, const CnnForwardBudget& budget) {
    NaivePlan plan;
    Index allowed = 0;
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
        ++allowed;
    }
    const Index side = std::max(spec.in_h, spec.in_w);
    for (Index n = allowed; n >= 1 && !plan.found; --n) {
        for (Index s = side; s >= 1; --s) {
            CnnSpec t{spec.in_channels, std::max<Index>(1, (spec.in_h * s + side / 2) / side),
                      std::max<Index>(1, (spec.in_w * s + side / 2) / side), std::vector<CnnLayer>(spec.layers.begin(), spec.layers.begin() + n)};
            const auto st = AnalyzeCnn(t);
            if (!st || st->macs > budget.max_macs || st->activations > budget.max_elements) continue;
            plan = {n, true, t.in_h, t.in_w, s < side, n < allowed ? CnnPlanStop::Budget : plan.stop};
            break;
        }
    }
    if (!plan.found) plan.prefix = allowed;
    return plan;
}

TEST(CnnLesson, PlanningStaysWithinTheBudgetAndMatchesANaiveSearch) {
    std::mt19937_64 rng(57);
    int downscaled = 0, shortened = 0, too_large = 0;
    for (int trial = 0; trial < 300; ++trial) {
        CnnSpec spec = RandomTapStack(rng);
        if (rng() % 4 == 0) spec.layers.push_back(MakeLinear(Pick(rng, 1, 4)));
        const auto stats = AnalyzeCnn(spec);
        if (!stats) continue;
        CnnForwardBudget budget;
        budget.max_macs = static_cast<Count>(Pick(rng, 1, std::max<Index>(2, stats->macs * 2)));
        budget.max_elements = static_cast<Count>(Pick(rng, 1, std::max<Index>(2, stats->activations * 2)));
        budget.max_parameters = static_cast<Count>(Pick(rng, 0, std::max<Index>(1, stats->parameters * 2)));
        const CnnForwardPlan plan = PlanCnnForward(spec, *stats, budget);
        const NaivePlan naive = NaivePlanForward(spec, *stats, budget);
        const std::string what = FormatLayers(spec.layers) + " on " + std::to_string(spec.in_h) + "x" + std::to_string(spec.in_w);
        if (!naive.found) {
            ASSERT_TRUE(plan.run.layers.empty()) << what;
            ASSERT_EQ(plan.too_large, naive.prefix > 0) << what;
            too_large += plan.too_large;
            continue;
        }
        ASSERT_FALSE(plan.too_large) << what;
        ASSERT_EQ(plan.prefix, naive.prefix) << what;
        ASSERT_EQ(static_cast<Index>(plan.run.layers.size()), naive.prefix) << what;
        ASSERT_EQ(plan.run.in_h, naive.in_h) << what;
        ASSERT_EQ(plan.run.in_w, naive.in_w) << what;
        ASSERT_EQ(plan.downscaled, naive.downscaled) << what;
        ASSERT_EQ(plan.stop, naive.stop) << what;
        // Within every budget.
        const auto run = AnalyzeCnn(plan.run);
        ASSERT_TRUE(run);
        EXPECT_LE(run->macs, budget.max_macs);
        EXPECT_LE(run->activations, budget.max_elements);
        EXPECT_LE(run->parameters, budget.max_parameters);
        downscaled += plan.downscaled;
        shortened += plan.stop == CnnPlanStop::Budget;
    }
    EXPECT_GT(downscaled, 20);
    EXPECT_GT(shortened, 5);
    EXPECT_GT(too_large, 5);
}

TEST(CnnLesson, PlanningThePresets) {
    // The panel's budgets: the notes' stack and MobileNet v1 run at full size; VGG-16 stops at its
    // first fully connected layer and is downscaled (15.5 G MACs at 224).
    const CnnForwardBudget budget;
    auto plan = [&](const char* key) {
        const auto spec = FindCnnPreset(key);
        return PlanCnnForward(*spec, *AnalyzeCnn(*spec), budget);
    };
    const auto notes = plan("notes");
    EXPECT_EQ(notes.prefix, 9);
    EXPECT_FALSE(notes.downscaled);
    const auto mobilenet = plan("mobilenet_v1");
    EXPECT_EQ(mobilenet.stop, CnnPlanStop::Linear);
    EXPECT_EQ(mobilenet.prefix, 28);
    EXPECT_FALSE(mobilenet.downscaled);
    const auto vgg = plan("vgg16");
    EXPECT_EQ(vgg.stop, CnnPlanStop::Linear);
    EXPECT_EQ(vgg.prefix, 18);
    EXPECT_TRUE(vgg.downscaled);
    EXPECT_LT(vgg.run.in_h, 224);
    EXPECT_LE(AnalyzeCnn(vgg.run)->macs, budget.max_macs);
}

// [SECTION] Feature maps

TEST(CnnLesson, FeatureMapsMatchTheReferenceForwardPass) {
    std::mt19937_64 rng(90);
    for (int trial = 0; trial < 40; ++trial) {
        const CnnSpec spec = RandomTapStack(rng);
        const auto stats = AnalyzeCnn(spec);
        ASSERT_TRUE(stats);
        const std::uint64_t seed = 7 + static_cast<std::uint64_t>(trial);
        const std::vector<float> x = testing::RandomVector(rng, spec.in_channels * spec.in_h * spec.in_w);
        TaskContext context;
        const CnnFeatureMaps maps = ComputeCnnFeatureMaps(
            spec, seed, [&](const CnnShape& in) {
                EXPECT_EQ(in, stats->input);
                return x;
            },
            {}, context);
        ASSERT_EQ(maps.plan.prefix, static_cast<Index>(spec.layers.size()));
        ASSERT_FALSE(maps.plan.downscaled);
        ASSERT_EQ(maps.layers.size(), spec.layers.size());
        const auto weights = SeedCnnWeights(*stats, seed);
        ASSERT_TRUE(weights);
        const auto ref = ForwardStackReference(*stats, *weights, x);
        ASSERT_TRUE(ref);
        for (size_t l = 0; l < spec.layers.size(); ++l) {
            const CnnLayerMaps want = MakeCnnMosaic((*ref)[l], stats->layers[l].out);
            const CnnLayerMaps& got = maps.layers[l];
            ASSERT_EQ(got.shape, stats->layers[l].out);
            ASSERT_EQ(got.shown, want.shown);
            ASSERT_EQ(got.strip, want.strip);
            ASSERT_EQ(got.mosaic.width, want.mosaic.width);
            ASSERT_EQ(got.mosaic.height, want.mosaic.height);
            float scale = 1e-6f;
            for (float v : (*ref)[l]) scale = std::max(scale, std::fabs(v));
            for (size_t i = 0; i < want.mosaic.data.size(); ++i) {
                const float a = got.mosaic.data[i], b = want.mosaic.data[i];
                if (std::isnan(b)) {
                    ASSERT_TRUE(std::isnan(a));
                    continue;
                }
                ASSERT_NEAR(a, b, 1e-4f * scale) << FormatLayers(spec.layers) << " layer " << l << " entry " << i;
            }
        }
    }
}

TEST(CnnLesson, FeatureMapsOfADownscaledPlanAndTheWeightsHook) {
    // Over the MAC budget at 64 x 64: run downscaled; the hook sees the run's stack.
    const CnnSpec spec{1, 64, 64, *ParseLayers("conv3x3p1c4, maxpool2, conv3x3p1c4")};
    CnnForwardBudget budget;
    budget.max_macs = 20000;
    bool hooked = false;
    TaskContext context;
    const CnnFeatureMaps maps = ComputeCnnFeatureMaps(
        spec, 1, [](const CnnShape& in) { return std::vector<float>(static_cast<size_t>(in.c * in.h * in.w), 1.0f); },
        [&](const CnnStats& run, CnnWeights& w) {
            hooked = true;
            EXPECT_LT(run.input.h, 64);
            for (auto& layer : w.weights) std::fill(layer.begin(), layer.end(), 0.0f);
            for (auto& layer : w.biases) std::fill(layer.begin(), layer.end(), 0.5f);
        },
        context, budget);
    EXPECT_TRUE(hooked);
    EXPECT_TRUE(maps.plan.downscaled);
    EXPECT_EQ(maps.full_h, 64);
    EXPECT_LT(maps.input.h, 64);
    ASSERT_EQ(maps.layers.size(), 3u);
    // Zero weights, bias 0.5: every map is 0.5 everywhere.
    for (const CnnLayerMaps& m : maps.layers) {
        EXPECT_FLOAT_EQ(m.lo, 0.5f);
        EXPECT_FLOAT_EQ(m.hi, 0.5f);
    }
    EXPECT_LE(AnalyzeCnn(maps.plan.run)->macs, budget.max_macs);
}

// [SECTION] Figures

TEST(CnnLesson, FiguresNameTheStackAndTheQuery) {
    const CnnLessonAnalysis a = AnalyzeCnnLesson({"conv3x3p1c8,maxpool2,conv3x3p1c8", 16, 16, 3});
    ASSERT_TRUE(a.stats);
    FigureRecorder recorder;
    VisitFigures({a.preset, a.spec, a.stats, {2, 3, 2}}, recorder);
    EXPECT_EQ(recorder.Find("preset")->text, "custom");
    EXPECT_EQ(recorder.Find("layers")->text, "conv3x3p1c8, maxpool2, conv3x3p1c8");
    EXPECT_EQ(recorder.Find("parameters")->integer, 808);
    EXPECT_EQ(recorder.Find("macs")->integer, 92160);
    EXPECT_EQ(recorder.Find("query_layer")->integer, 3);
    EXPECT_EQ(*recorder.FindArray("query_region"), (std::vector<double>{3, 1, 11, 9}));
    EXPECT_EQ(*recorder.FindArray("layer_receptive_field"), (std::vector<double>{3, 4, 8}));
    EXPECT_EQ(*recorder.FindArray("layer_start"), (std::vector<double>{-1, -1, -3}));
    FigureRecorder none;
    VisitFigures({}, none);
    EXPECT_TRUE(none.Scalars().empty());
}

}  // namespace
}  // namespace lens
