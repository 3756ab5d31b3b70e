// tests/core/lessons/test_small_lessons.cpp: the matmul, fully connected, MLP, concat, block and
// scaling lessons, headless, against independent references (naive loops, dense materialisation,
// closed-form counts), read through VisitFigures exactly as --export writes them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <lens/lessons/block_lesson.hpp>
#include <lens/lessons/concat_lesson.hpp>
#include <lens/lessons/fc_lesson.hpp>
#include <lens/lessons/matmul_lesson.hpp>
#include <lens/lessons/mlp_lesson.hpp>
#include <lens/lessons/scaling_lesson.hpp>
#include <lens/random.hpp>

namespace lens {
namespace {

std::int64_t Int(const FigureRecorder& r, const char* name) {
    const auto* s = r.Find(name);
    EXPECT_NE(s, nullptr) << name;
    return s && s->is_integer ? s->integer : -1;
}

Index Draw(std::uint64_t& state, Index lo, Index hi) { return lo + static_cast<Index>(SplitMix64(state) % static_cast<std::uint64_t>(hi - lo + 1)); }

// Dense matrix of a structured one, from its rows' structural non-zeros (value = the stored weight).
std::vector<double> Dense(const StructuredMatrix& m, Count* nonzeros) {
    std::vector<double> d(static_cast<size_t>(m.Rows() * m.Cols()), 0.0);
    *nonzeros = 0;
    for (Index r = 0; r < m.Rows(); ++r)
        m.ForEachInRow(r, [&](Index c, Index p) {
            d[static_cast<size_t>(r * m.Cols() + c)] = m.ParameterValue(p);
            ++*nonzeros;
        });
    return d;
}

TEST(MatmulLesson, ProductAndRanksMatchNaiveLoops) {
    std::uint64_t state = 11;
    TaskContext context;
    for (int trial = 0; trial < 40; ++trial) {
        MatmulSpec spec;
        spec.m = Draw(state, 1, 24);
        spec.n = Draw(state, 1, 24);
        spec.p = Draw(state, 1, 24);
        spec.rank_a = Draw(state, 1, std::min(spec.m, spec.n));
        spec.rank_b = Draw(state, 1, std::min(spec.n, spec.p));
        spec.seed = SplitMix64(state);
        ASSERT_TRUE(MatmulLesson::Issues(spec).empty());
        const auto r = MatmulLesson::Compute(spec, nullptr, context);
        // AB from the A and B grids by the triple loop.
        double max_err = 0, scale = 0;
        for (Index i = 0; i < spec.m; ++i)
            for (Index j = 0; j < spec.p; ++j) {
                double sum = 0;
                for (Index k = 0; k < spec.n; ++k)
                    sum += static_cast<double>(r.a.At(static_cast<int>(k), static_cast<int>(i))) * r.b.At(static_cast<int>(j), static_cast<int>(k));
                max_err = std::max(max_err, std::fabs(sum - r.ab.At(static_cast<int>(j), static_cast<int>(i))));
                scale = std::max(scale, std::fabs(sum));
            }
        EXPECT_LE(max_err, 1e-5 * std::max(scale, 1.0)) << trial;
        FigureRecorder rec;
        MatmulLesson::VisitFigures(r, rec);
        EXPECT_EQ(Int(rec, "rank_a"), spec.rank_a);
        EXPECT_EQ(Int(rec, "rank_b"), spec.rank_b);
        EXPECT_EQ(Int(rec, "rank_ab"), std::min(spec.rank_a, spec.rank_b));  // generic Gaussian factors
        EXPECT_EQ(Int(rec, "side_bound"), std::min({spec.m, spec.n, spec.p}));
        EXPECT_EQ(Int(rec, "bound_holds"), 1);
    }
}

TEST(FcLesson, CountsMatchDenseMaterialisation) {
    std::uint64_t state = 12;
    TaskContext context;
    for (int trial = 0; trial < 120; ++trial) {
        FcSpec spec;
        spec.in_count = Draw(state, 1, 6);
        spec.out_count = Draw(state, 1, 6);
        spec.in_features = Draw(state, 1, 4);
        spec.out_features = Draw(state, 1, 4);
        if (trial % 3 == 0) spec.out_count = spec.in_count;
        if (trial % 4 == 0) spec.out_features = spec.in_features;
        spec.order = trial % 2 ? FlatOrder::PositionMajor : FlatOrder::ChannelMajor;
        spec.seed = SplitMix64(state);
        ASSERT_TRUE(FcLesson::Issues(spec).empty());
        const auto r = FcLesson::Compute(spec, nullptr, context);
        FigureRecorder rec;
        FcLesson::VisitFigures(r, rec);
        const Index no = spec.out_count, ni = spec.in_count, fo = spec.out_features, fi = spec.in_features;
        EXPECT_EQ(Int(rec, "rows"), no * fo);
        EXPECT_EQ(Int(rec, "cols"), ni * fi);
        EXPECT_EQ(Int(rec, "parameters_full"), no * fo * ni * fi);
        EXPECT_EQ(Int(rec, "share_features_applicable"), fi == fo ? 1 : 0);
        EXPECT_EQ(Int(rec, "share_inputs_applicable"), ni == no ? 1 : 0);
        Count nz = 0;
        ASSERT_TRUE(r.forms[0]);
        Dense(*r.forms[0], &nz);
        EXPECT_EQ(nz, Int(rec, "macs_full"));
        if (r.forms[1]) {
            Dense(*r.forms[1], &nz);
            EXPECT_EQ(nz, Int(rec, "macs_share_features"));
            EXPECT_EQ(r.forms[1]->Parameters(), Int(rec, "parameters_share_features"));
            EXPECT_EQ(Int(rec, "parameters_share_features"), no * ni);
        }
        if (r.forms[2]) {
            Dense(*r.forms[2], &nz);
            EXPECT_EQ(nz, Int(rec, "macs_share_inputs"));
            EXPECT_EQ(Int(rec, "parameters_share_inputs"), fo * fi);
        }
    }
    EXPECT_EQ(FcLesson::Preset("small")->in_count, 6);
    EXPECT_FALSE(FcLesson::Preset("nope"));
}

TEST(MlpLesson, CountsAreSumsOverLayersAndBadTextIsNamed) {
    std::uint64_t state = 13;
    TaskContext context;
    for (int trial = 0; trial < 100; ++trial) {
        const Index layers = Draw(state, 1, 5);
        std::vector<Index> widths;
        std::string text;
        for (Index i = 0; i <= layers; ++i) {
            widths.push_back(Draw(state, 1, 3000));
            text += (i ? "," : "") + std::to_string(widths.back());
        }
        MlpLesson::Spec spec{text, trial % 2 == 0};
        ASSERT_TRUE(MlpLesson::Issues(spec).empty()) << text;
        const auto r = MlpLesson::Compute(spec, nullptr, context);
        FigureRecorder rec;
        MlpLesson::VisitFigures(r, rec);
        std::int64_t weights = 0, biases = 0;
        for (size_t i = 0; i + 1 < widths.size(); ++i) {
            weights += widths[i] * widths[i + 1];
            biases += spec.bias ? widths[i + 1] : 0;
        }
        EXPECT_EQ(Int(rec, "weights"), weights);
        EXPECT_EQ(Int(rec, "biases"), biases);
        EXPECT_EQ(Int(rec, "parameters"), weights + biases);
        EXPECT_EQ(Int(rec, "macs"), weights);
        EXPECT_EQ(Int(rec, "layers"), layers);
        ASSERT_EQ(r.layers.size(), static_cast<size_t>(layers));
        for (size_t i = 0; i < r.layers.size(); ++i) {
            EXPECT_EQ(r.layers[i]->Rows(), widths[i + 1]);
            EXPECT_EQ(r.layers[i]->Cols(), widths[i]);
        }
    }
    for (const char* bad : {"", "5", "1,0", "1,,2", "a,b", "-3,4"}) {
        auto issues = MlpLesson::Issues({bad, true});
        ASSERT_EQ(issues.size(), 1u) << bad;
        EXPECT_EQ(issues[0].field, "widths");
    }
}

TEST(ConcatLesson, StackSliceAndBlockIdentityAgainstDenseMatrices) {
    std::uint64_t state = 14;
    TaskContext context;
    int checked = 0;
    for (int trial = 0; trial < 60; ++trial) {
        ConcatSpec s;
        s.in_channels = Draw(state, 1, 3);
        s.channels_a = Draw(state, 1, 3);
        s.channels_b = Draw(state, 1, 3);
        s.height = Draw(state, 1, 5);
        s.width = Draw(state, 1, 5);
        s.kernel = 2 * Draw(state, 0, 1) + 1;
        s.out_channels = Draw(state, 1, 3);
        const Index total = s.channels_a + s.channels_b;
        s.slice_begin = Draw(state, 0, total - 1);
        s.slice_end = Draw(state, s.slice_begin + 1, total);
        if (!ConcatLesson::Issues(s).empty()) continue;
        const auto r = ConcatLesson::Compute(s, nullptr, context);
        ASSERT_TRUE(r.stacked && r.slice && r.on_concat && r.as_blocks);
        const Index hw = s.height * s.width;
        EXPECT_EQ(r.stacked->Rows(), total * hw);
        EXPECT_EQ(r.stacked->Cols(), s.in_channels * hw);
        // The slice is a 0/1 selection: one 1 a row, in the kept channels' columns.
        Count nz = 0;
        const auto d = Dense(*r.slice, &nz);
        EXPECT_EQ(nz, (s.slice_end - s.slice_begin) * hw);
        for (Index row = 0; row < r.slice->Rows(); ++row) {
            const Index col = s.slice_begin * hw + row;
            EXPECT_EQ(d[static_cast<size_t>(row * r.slice->Cols() + col)], 1.0) << row;
        }
        // [W1 W2] materialised equals the one convolution on the concatenation, entry by entry.
        Count nz1 = 0, nz2 = 0;
        const auto whole = Dense(*r.on_concat, &nz1), blocks = Dense(*r.as_blocks, &nz2);
        EXPECT_EQ(whole, blocks);
        EXPECT_LE(r.max_difference, 1e-4);
        FigureRecorder rec;
        ConcatLesson::VisitFigures(r, rec);
        EXPECT_EQ(Int(rec, "block_boundary_col"), s.channels_a * hw);
        EXPECT_EQ(Int(rec, "slice_nonzeros"), nz);
        ++checked;
    }
    EXPECT_GE(checked, 40);
}

TEST(ScalingLesson, FullyConnectedFigureIsTheSquareOfThePixelValues) {
    TaskContext context;
    ScalingLesson::Spec spec;
    spec.edge_lo = 16;
    spec.edge_hi = 1024;
    ASSERT_TRUE(ScalingLesson::Issues(spec).empty());
    const auto r = ScalingLesson::Compute(spec, nullptr, context);
    FigureRecorder rec;
    ScalingLesson::VisitFigures(r, rec);
    const auto* edges = rec.FindArray("edges");
    const auto* fc = rec.FindArray("fc_parameters");
    ASSERT_TRUE(edges && fc);
    ASSERT_EQ(edges->size(), 7u);
    for (size_t i = 0; i < edges->size(); ++i) {
        EXPECT_EQ((*edges)[i], 16.0 * std::pow(2.0, static_cast<double>(i)));
        const double values = 3 * (*edges)[i] * (*edges)[i];
        EXPECT_EQ((*fc)[i], values * values);
    }
    EXPECT_EQ(Int(rec, "notes_fc_256"), 38654705664);
    EXPECT_EQ(Int(rec, "notes_weight_ratio_4k"), 65536);
    spec.edge_lo = 512;
    spec.edge_hi = 64;
    EXPECT_FALSE(ScalingLesson::Issues(spec).empty());
}

TEST(BlockLesson, FiguresAreTheCalculatorsAndBertBaseMatchesItsPublishedSize) {
    TaskContext context;
    auto spec = FindTransformerPreset("bert_base");
    ASSERT_TRUE(spec);
    const auto r = BlockLesson::Compute(*spec, nullptr, context);
    FigureRecorder rec;
    BlockLesson::VisitFigures(r, rec);
    EXPECT_EQ(Int(rec, "parameters"), 109482240);  // ../shared/reference/published-counts.md
    EXPECT_EQ(Int(rec, "parameters"), r.stats.parameters);
    // Every block is the same: the per-block figure times the depth is the blocks' share.
    EXPECT_EQ(Int(rec, "parameters_per_block"), 7087872);  // BERT-base: 12 x 7,087,872 in the blocks
}

}  // namespace
}  // namespace lens
