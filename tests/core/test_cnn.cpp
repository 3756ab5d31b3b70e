// Tests of lens/cnn.hpp: the text form (round trips, errors with positions), the presets' exact
// published figures (VGG-16, MobileNet v1), receptive fields against a brute-force perturbation
// check on random small stacks (dilation, stride, pooling, up-sampling, transposed convolution) and
// the clipped region against tap-by-tap dependency sets,
// the forward pass against the convolution operator and the transposed convolution as its adjoint,
// the fast forward pass (GEMMs) against its direct-loop reference on random stacks of every layer
// kind and on the presets, and bad input.
//
// [SECTION] Helpers
// [SECTION] Text form
// [SECTION] Presets and published figures
// [SECTION] Receptive fields: closed forms
// [SECTION] Receptive fields: brute force
// [SECTION] Forward pass
// [SECTION] Bad input
#include "lens/cnn.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "lens/conv.hpp"
#include "cnn_reference.hpp"
#include "operator_checks.hpp"

namespace lens {
namespace {

// [SECTION] Helpers

using testing::Pick;

std::string Issues(const CnnSpec& spec) { return JoinIssues(Validate(spec)); }

CnnSpec Stack(Index c, Index h, Index w, const std::string& text) {
    LayerParseError error;
    const auto layers = ParseLayers(text, &error);
    EXPECT_TRUE(layers) << text << ": " << error.message;
    return CnnSpec{c, h, w, layers ? *layers : std::vector<CnnLayer>{}};
}

LayerParseError ParseError(const std::string& text) {
    LayerParseError error;
    EXPECT_FALSE(ParseLayers(text, &error)) << "'" << text << "' parsed";
    EXPECT_FALSE(error.message.empty());
    return error;
}

// [SECTION] Text form

TEST(CnnText, ParsesTheExampleAndPrintsItCanonically) {
    const auto layers = ParseLayers("conv3x3s1p1c64, pool2, dw3x3s2, pw128, up2, fc1000");
    ASSERT_TRUE(layers);
    ASSERT_EQ(layers->size(), 6u);
    EXPECT_EQ((*layers)[0], MakeConv(3, 64, 1, 1, true));
    EXPECT_EQ((*layers)[1], MakePool(CnnLayerKind::MaxPool, 2));
    EXPECT_EQ((*layers)[2], MakeDepthwise(3, 2));
    EXPECT_EQ((*layers)[3], MakePointwise(128));
    EXPECT_EQ((*layers)[4], MakeUpsample(2));
    EXPECT_EQ((*layers)[5], MakeLinear(1000));
    EXPECT_EQ(FormatLayers(*layers), "conv3x3p1c64, maxpool2, dw3x3s2, pw128, up2, fc1000");
}

TEST(CnnText, SpacesNewlinesSemicolonsRepeatsAndEveryKind) {
    const auto layers = ParseLayers(" conv 3x5 s2 p1 d2 g1 c32 b0;\n dw3x3 p1 b0\n\npw64 b0 , avgpool3 s1 p1, gap\n"
                                    "down c16, up, up3, tconv2 c8, tconv3 s2 p1 g2 c4 b0, fc10 b0, tf h2 r2 *3\n");
    ASSERT_TRUE(layers);
    ASSERT_EQ(layers->size(), 14u);
    CnnLayer conv = MakeConv(3, 32, 2, 1, false);
    conv.kernel_w = 5;
    conv.dilation = 2;
    EXPECT_EQ((*layers)[0], conv);
    EXPECT_EQ((*layers)[1], MakeDepthwise(3, 1, 1, false));
    EXPECT_EQ((*layers)[2], MakePointwise(64, false));
    EXPECT_EQ((*layers)[3], MakePool(CnnLayerKind::AvgPool, 3, 1, 1));
    EXPECT_EQ((*layers)[4], MakeGlobalAvgPool());
    EXPECT_EQ((*layers)[5], MakeDown(16));
    EXPECT_EQ((*layers)[6], MakeUpsample(2));
    EXPECT_EQ((*layers)[7], MakeUpsample(3));
    EXPECT_EQ((*layers)[8], MakeTransposedConv(2, 8));
    CnnLayer tconv = MakeTransposedConv(3, 4, 2, false);
    tconv.padding = 1;
    tconv.groups = 2;
    EXPECT_EQ((*layers)[9], tconv);
    EXPECT_EQ((*layers)[10], MakeLinear(10, false));
    for (size_t i = 11; i < 14; ++i) EXPECT_EQ((*layers)[i], MakeTransformer(2, 2));
    EXPECT_EQ(FormatLayers(*layers),
              "conv3x5s2p1d2c32b0, dw3x3p1b0, pw64b0, avgpool3s1p1, gap, downc16, up2, up3, tconv2c8, tconv3s2p1g2c4b0, "
              "fc10b0, tfh2r2*3");
    EXPECT_EQ(*ParseLayers(FormatLayers(*layers)), *layers);
    EXPECT_EQ(ParseLayers("tf h12 *12")->size(), 12u);
}

TEST(CnnText, RandomLayersRoundTrip) {
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 500; ++trial) {
        std::vector<CnnLayer> layers;
        const Index count = Pick(rng, 1, 8);
        for (Index k = 0; k < count; ++k) {
            CnnLayer l;
            switch (Pick(rng, 0, 9)) {
                case 0:
                    l = MakeConv(Pick(rng, 1, 7), Pick(rng, 0, 300), Pick(rng, 1, 4), Pick(rng, 0, 3), rng() % 2);
                    l.kernel_w = Pick(rng, 1, 7);
                    l.dilation = Pick(rng, 1, 3);
                    l.groups = Pick(rng, 1, 4);
                    break;
                case 1: l = MakeDepthwise(Pick(rng, 1, 5), Pick(rng, 1, 3), Pick(rng, 0, 2), rng() % 2); break;
                case 2: l = MakePointwise(Pick(rng, 1, 2048), rng() % 2); break;
                case 3: l = MakePool(CnnLayerKind::MaxPool, Pick(rng, 1, 4), Pick(rng, 1, 4), Pick(rng, 0, 2)); break;
                case 4: l = MakePool(CnnLayerKind::AvgPool, Pick(rng, 1, 4), 0, Pick(rng, 0, 2)); break;
                case 5: l = MakeGlobalAvgPool(); break;
                case 6: l = MakeDown(Pick(rng, 0, 64), rng() % 2); break;
                case 7: l = MakeUpsample(Pick(rng, 1, 4)); break;
                case 8: l = MakeTransposedConv(Pick(rng, 1, 4), Pick(rng, 0, 9), Pick(rng, 1, 4), rng() % 2); break;
                default: l = rng() % 2 ? MakeLinear(Pick(rng, 1, 1000), rng() % 2) : MakeTransformer(Pick(rng, 1, 8), Pick(rng, 1, 8)); break;
            }
            layers.push_back(l);
        }
        const std::string text = FormatLayers(layers);
        LayerParseError error;
        const auto back = ParseLayers(text, &error);
        ASSERT_TRUE(back) << text << ": " << error.message;
        EXPECT_EQ(*back, layers) << text;
    }
}

TEST(CnnText, ErrorsSayWhereAndWhy) {
    struct Case {
        const char* text;
        Index offset;
        const char* words;
    };
    const Case cases[] = {
        {"", 0, "empty"},
        {"   \n ", 0, "empty"},
        {"conv3x3q2", 7, "unknown field 'q' for conv (it takes s, p, d, g, c, b)"},
        {"relu, conv3x3", 0, "unknown layer kind 'relu'"},
        {"conv3x3, 42", 9, "expected a layer kind"},
        {"conv3x3,,pool2", 8, "missing between"},
        {"conv3x3,", 8, "missing at the end"},
        {"conv3x3s0", 8, "at least 1"},
        {"conv3x3 s-1", 9, "cannot be negative"},
        {"conv3x3b2", 8, "b0 (no bias) or b1"},
        {"pool2x3", 6, "square"},
        {"fc", 2, "needs its output size"},
        {"conv", 4, "needs its kernel size"},
        {"gap2", 3, "takes no number"},
        {"gap p1", 4, "it takes no fields"},
        {"conv3x3s1s2", 9, "given twice"},
        {"conv3x3 c99999999999", 9, "above the limit"},
        {"conv3x3*0", 8, "at least 1"},
        {"conv3x3*200", 8, "repeat count is above"},
        {"conv3x3*100, conv3x3*100", 13, "more than 128 layers"},
        {"conv3x3 & pool2", 8, "unexpected '&'"},
        {"conv3x3s", 8, "expected a whole number for the stride"},
    };
    for (const Case& c : cases) {
        const LayerParseError e = ParseError(c.text);
        EXPECT_EQ(e.offset, c.offset) << "'" << c.text << "': " << e.message;
        EXPECT_NE(e.message.find(c.words), std::string::npos) << "'" << c.text << "': " << e.message;
        EXPECT_EQ(e.message.rfind("character " + std::to_string(c.offset + 1) + ": ", 0), 0u) << e.message;
    }
}

// [SECTION] Presets and published figures

TEST(CnnPresets, AllAnalyzeAndRoundTripThroughText) {
    for (const auto& preset : CnnPresets()) {
        std::vector<SpecIssue> issues;
        EXPECT_TRUE(AnalyzeCnn(preset.spec, &issues)) << preset.key << ": " << JoinIssues(issues);
        EXPECT_EQ(*ParseLayers(FormatLayers(preset.spec.layers)), preset.spec.layers) << preset.key;
        EXPECT_EQ(FindCnnPreset(preset.key), preset.spec);
    }
    EXPECT_FALSE(FindCnnPreset("resnet50"));
}

TEST(CnnPresets, MobileNetV1MatchesThePublishedRecount) {
    const auto stats = AnalyzeCnn(*FindCnnPreset("mobilenet_v1"));
    ASSERT_TRUE(stats);
    // published-counts.md: 4,210,088 (4.2 M published) and 568,740,352 (569 M published).
    EXPECT_EQ(stats->parameters, 4'210'088);
    EXPECT_EQ(stats->macs, 568'740'352);
    EXPECT_NEAR(static_cast<double>(stats->parameters), 4.2e6, 0.05e6);
    EXPECT_NEAR(static_cast<double>(stats->macs), 569e6, 0.5e6);
    ASSERT_EQ(stats->layers.size(), 1u + 26u + 2u);
    const auto& stem = stats->layers[0];
    EXPECT_EQ(stem.out, (CnnShape{32, 112, 112}));
    EXPECT_EQ(stem.parameters, 864);
    EXPECT_EQ(stem.macs, 10'838'016);
    EXPECT_EQ(stats->layers[1].parameters, 288);        // dw 3x3 x 32
    EXPECT_EQ(stats->layers[1].macs, 3'612'672);
    EXPECT_EQ(stats->layers[2].parameters, 2'048);      // pw 32 -> 64
    EXPECT_EQ(stats->layers[2].macs, 25'690'112);
    EXPECT_EQ(stats->layers[26].out, (CnnShape{1024, 7, 7}));
    EXPECT_EQ(stats->layers[27].out, (CnnShape{1024, 1, 1}));
    EXPECT_EQ(stats->layers[28].parameters, 1'025'000);  // Linear(1024, 1000) with bias
    EXPECT_EQ(stats->layers[28].macs, 1'024'000);
    EXPECT_EQ(stats->out, (CnnShape{1000, 1, 1}));
    Count conv_params = 0;
    for (size_t i = 0; i + 2 < stats->layers.size(); ++i) conv_params += stats->layers[i].parameters;
    EXPECT_EQ(conv_params, 3'185'088);  // no biases: batch norm follows every convolution
}

TEST(CnnPresets, Vgg16MatchesTorchvision) {
    const auto stats = AnalyzeCnn(*FindCnnPreset("vgg16"));
    ASSERT_TRUE(stats);
    Count conv_params = 0;
    for (const auto& l : stats->layers) {
        if (l.layer.kind == CnnLayerKind::Conv) conv_params += l.parameters;
    }
    EXPECT_EQ(conv_params, 14'714'688);        // vgg16().features
    EXPECT_EQ(stats->parameters, 138'357'544);  // torchvision vgg16 num_params
    EXPECT_EQ(stats->macs, 15'470'264'320);     // torchvision: 15.47 GFLOPS (MACs)
    EXPECT_EQ(stats->layers[17].out, (CnnShape{512, 7, 7}));
    // Receptive fields: conv5_3 sees 196 px with a jump of 16, pool5 212 px with a jump of 32.
    EXPECT_EQ(stats->layers[16].field_y.size, 196);
    EXPECT_EQ(stats->layers[16].field_y.jump_num, 16);
    EXPECT_EQ(stats->layers[17].field_x.size, 212);
    EXPECT_EQ(stats->layers[17].field_x.jump_num, 32);
    EXPECT_EQ(stats->layers[17].field_x.jump_den, 1);
    EXPECT_TRUE(stats->layers[18].field_x.global);
    EXPECT_EQ(stats->layers[18].field_x.jump_num, 0);
}

TEST(CnnPresets, NotesHierarchyEncoderDecoderHybrid) {
    const auto notes = AnalyzeCnn(*FindCnnPreset("notes"));
    ASSERT_TRUE(notes);
    EXPECT_EQ(notes->layers.front().weights, 1'728);      // 3x3x3x64
    EXPECT_EQ(notes->layers.back().weights, 4'718'592);   // 3x3x512x1024
    EXPECT_EQ(notes->layers.back().parameters, 4'718'592);
    EXPECT_EQ(notes->out, (CnnShape{1024, 16, 16}));
    // The receptive field grows layer by layer: 3, 4, 8, 10, 18, 22, 38, 46, 78 px.
    const Index sizes[] = {3, 4, 8, 10, 18, 22, 38, 46, 78};
    for (size_t i = 0; i < std::size(sizes); ++i) EXPECT_EQ(notes->layers[i].field_y.size, sizes[i]) << i;

    const auto ed = AnalyzeCnn(*FindCnnPreset("encoder_decoder"));
    ASSERT_TRUE(ed);
    EXPECT_EQ(ed->out, (CnnShape{3, 256, 256}));
    EXPECT_EQ(ed->layers[6].out, (CnnShape{512, 32, 32}));

    const auto hybrid = AnalyzeCnn(*FindCnnPreset("hybrid"));
    ASSERT_TRUE(hybrid);
    const auto block = CnnTransformerBlockCounts(256, 384, 1536);
    ASSERT_TRUE(block);
    int blocks = 0;
    for (const auto& l : hybrid->layers) {
        if (l.layer.kind != CnnLayerKind::Transformer) continue;
        ++blocks;
        EXPECT_EQ(l.in, (CnnShape{384, 16, 16}));
        EXPECT_EQ(l.parameters, block->parameters);
        EXPECT_EQ(l.macs, block->macs);
        EXPECT_EQ(l.biases, 3 * 384 + 384 + 1536 + 384);
        EXPECT_TRUE(l.field_y.global);
    }
    EXPECT_EQ(blocks, 6);
    EXPECT_EQ(hybrid->out, (CnnShape{1000, 1, 1}));
}

TEST(CnnPresets, TransformerBlockFormula) {
    // ViT-B/16 at 224: 197 tokens, width 768, MLP 3072 (= BERT-base's 7,087,872 per layer).
    const auto vit = CnnTransformerBlockCounts(197, 768, 3072);
    ASSERT_TRUE(vit);
    EXPECT_EQ(vit->parameters, 7'087'872);
    EXPECT_EQ(vit->macs, 1'453'954'560);
    const Count d = 10, m = 30, n = 7;
    const auto small = CnnTransformerBlockCounts(n, d, m);
    EXPECT_EQ(small->parameters, 4 * d * d + 4 * d + 2 * d * m + m + d + 4 * d);
    EXPECT_EQ(small->macs, 4 * n * d * d + 2 * n * n * d + 2 * n * d * m);
    EXPECT_FALSE(CnnTransformerBlockCounts(Index{1} << 40, 1024, 4096));  // overflow, reported
    EXPECT_FALSE(CnnTransformerBlockCounts(0, 8, 8));
}

// [SECTION] Receptive fields: closed forms

TEST(CnnField, ConvAndPoolStacksFollowTheTextbookRecurrence) {
    std::mt19937_64 rng(5);
    for (int trial = 0; trial < 200; ++trial) {
        std::string text;
        const Index count = Pick(rng, 1, 6);
        for (Index k = 0; k < count; ++k) {
            if (!text.empty()) text += ", ";
            if (rng() % 3 == 0) {
                const Index kk = Pick(rng, 1, 3);
                text += "maxpool" + std::to_string(kk) + "s" + std::to_string(Pick(rng, 1, 3)) + "p" + std::to_string(Pick(rng, 0, kk / 2));
            } else {
                text += "conv" + std::to_string(Pick(rng, 1, 4)) + "s" + std::to_string(Pick(rng, 1, 3)) + "p" +
                        std::to_string(Pick(rng, 0, 2)) + "d" + std::to_string(Pick(rng, 1, 3)) + "c2";
            }
        }
        const CnnSpec spec = Stack(1, 64, 64, text);
        const auto stats = AnalyzeCnn(spec);
        if (!stats) continue;  // shrank to nothing: covered elsewhere
        Index size = 1, jump = 1, start = 0;
        for (size_t i = 0; i < stats->layers.size(); ++i) {
            const CnnLayer& l = stats->layers[i].layer;
            const Index reach = l.dilation * (l.kernel_h - 1) + 1;
            size += (reach - 1) * jump;
            start -= l.padding * jump;
            jump *= l.stride;
            const CnnField& f = stats->layers[i].field_y;
            ASSERT_EQ(f.size, size) << text << " layer " << i;
            ASSERT_EQ(f.jump_num, jump);
            ASSERT_EQ(f.jump_den, 1);
            ASSERT_EQ(f.start, start);
            for (Index o = 0; o < stats->layers[i].out.h; ++o) {
                const auto r = InputRegion(*stats, static_cast<Index>(i), o, 0);
                ASSERT_TRUE(r);
                EXPECT_EQ(r->unclipped.y0, start + o * jump);
                EXPECT_EQ(r->unclipped.y1, start + o * jump + size);
                if (!r->clipped.Empty()) {
                    // Inside the unclipped region and the image; tighter where dilated or strided taps step
                    // over the border (ClippedRegionIsTheTightBoxOfTheTapsThatLandInside checks it exactly).
                    EXPECT_GE(r->clipped.y0, std::max<Index>(0, r->unclipped.y0));
                    EXPECT_LE(r->clipped.y1, std::min<Index>(64, r->unclipped.y1));
                }
            }
        }
    }
}

TEST(CnnField, UpsamplingMakesTheJumpFractional) {
    const auto stats = AnalyzeCnn(Stack(1, 8, 8, "conv3x3p1, up2, conv3x3p1"));
    ASSERT_TRUE(stats);
    const CnnField& up = stats->layers[1].field_x;
    EXPECT_EQ(up.size, 3);
    EXPECT_EQ(up.jump_num, 1);
    EXPECT_EQ(up.jump_den, 2);
    EXPECT_DOUBLE_EQ(up.Jump(), 0.5);
    EXPECT_EQ(up.start, -1);
    const CnnField& after = stats->layers[2].field_x;
    EXPECT_EQ(after.size, 4);  // the 3 up-sampled positions always cover 2 source pixels
    EXPECT_EQ(after.start, -2);
    EXPECT_EQ(InputRegion(*stats, 1, 5, 5)->unclipped, (PixelRegion{1, 1, 4, 4}));  // floor(5/2) = 2: [1, 4)
    EXPECT_EQ(InputRegion(*stats, 2, 0, 0)->clipped, (PixelRegion{0, 0, 2, 2}));
    EXPECT_EQ(InputRegion(*stats, 2, 0, 0)->unclipped, (PixelRegion{-2, -2, 2, 2}));
    EXPECT_EQ(InputRegion(*stats, 2, 15, 15)->clipped, (PixelRegion{6, 6, 8, 8}));
    // Transposed convolution k=2 s=2: each output comes from one input pixel.
    const auto t = AnalyzeCnn(Stack(1, 4, 4, "tconv2"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->layers[0].out, (CnnShape{1, 8, 8}));
    EXPECT_EQ(t->layers[0].field_y.size, 1);
    EXPECT_EQ(t->layers[0].field_y.jump_den, 2);
    for (Index o = 0; o < 8; ++o) EXPECT_EQ(InputRegion(*t, 0, o, o)->clipped, (PixelRegion{o / 2, o / 2, o / 2 + 1, o / 2 + 1}));
    // A transposed convolution whose stride exceeds its kernel leaves outputs no input reaches.
    const auto gaps = AnalyzeCnn(Stack(1, 4, 4, "tconv1s2"));
    ASSERT_TRUE(gaps);
    EXPECT_TRUE(InputRegion(*gaps, 0, 1, 1)->clipped.Empty());
    EXPECT_FALSE(InputRegion(*gaps, 0, 2, 2)->clipped.Empty());
    // Up and down again: the jump is back to 1, fraction reduced.
    const auto back = AnalyzeCnn(Stack(1, 8, 8, "up2, conv3x3s2p1"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->layers[1].field_y.jump_num, 1);
    EXPECT_EQ(back->layers[1].field_y.jump_den, 1);
    EXPECT_EQ(back->layers[1].field_y.period, 1);
    // Down twice then up: the jump is a whole 2 px but the regions step 0, 4, 0, 4 px: period 2.
    const auto steps = AnalyzeCnn(Stack(1, 16, 16, "conv3x3s2p1, conv3x3s2p1, up2"));
    ASSERT_TRUE(steps);
    const CnnField& sf = steps->layers[2].field_y;
    EXPECT_EQ(sf.jump_num, 2);
    EXPECT_EQ(sf.jump_den, 1);
    EXPECT_EQ(sf.period, 2);
    EXPECT_EQ(InputRegion(*steps, 2, 1, 0)->unclipped.y0 - InputRegion(*steps, 2, 0, 0)->unclipped.y0, 0);
    EXPECT_EQ(InputRegion(*steps, 2, 2, 0)->unclipped.y0 - InputRegion(*steps, 2, 1, 0)->unclipped.y0, 4);
    // Out-of-range queries.
    EXPECT_FALSE(InputRegion(*back, 2, 0, 0));
    EXPECT_FALSE(InputRegion(*back, -1, 0, 0));
    EXPECT_FALSE(InputRegion(*back, 1, 8, 0));
    EXPECT_FALSE(InputRegion(*back, 1, 0, -1));
}

// [SECTION] Receptive fields: brute force

struct RandomStack {
    CnnSpec spec;
    bool exact = true;  // every layer's taps are contiguous and linear: the clipped box is tight
};

RandomStack MakeRandomStack(std::mt19937_64& rng) {
    for (;;) {
        RandomStack r;
        r.spec.in_channels = Pick(rng, 1, 2);
        r.spec.in_h = Pick(rng, 5, 13);
        r.spec.in_w = Pick(rng, 5, 13);
        const Index count = Pick(rng, 1, 4);
        for (Index k = 0; k < count; ++k) {
            CnnLayer l;
            switch (Pick(rng, 0, 8)) {
                case 0:
                case 1:
                    l = MakeConv(Pick(rng, 1, 3), Pick(rng, 1, 2), Pick(rng, 1, 2), Pick(rng, 0, 2), rng() % 2);
                    l.kernel_w = Pick(rng, 1, 3);
                    l.dilation = Pick(rng, 1, 2);
                    break;
                case 2: l = MakeDepthwise(Pick(rng, 1, 3), Pick(rng, 1, 2), Pick(rng, 0, 1)); l.dilation = Pick(rng, 1, 3); break;
                case 3: l = MakePointwise(Pick(rng, 1, 2)); break;
                case 4: {
                    const Index kk = Pick(rng, 2, 3);
                    l = MakePool(CnnLayerKind::MaxPool, kk, Pick(rng, 1, kk), Pick(rng, 0, kk / 2));
                    break;
                }
                case 5: {
                    const Index kk = Pick(rng, 2, 3);
                    l = MakePool(CnnLayerKind::AvgPool, kk, Pick(rng, 1, 3), Pick(rng, 0, kk / 2));
                    break;
                }
                case 6: l = MakeUpsample(Pick(rng, 2, 3)); break;
                case 7: {
                    l = MakeTransposedConv(Pick(rng, 1, 3), Pick(rng, 1, 2), Pick(rng, 1, 3));
                    l.padding = Pick(rng, 0, 1);
                    break;
                }
                default: l = MakeDown(Pick(rng, 1, 2)); break;
            }
            r.spec.layers.push_back(l);
        }
        if (rng() % 8 == 0) r.spec.layers.push_back(rng() % 2 ? MakeGlobalAvgPool() : MakeTransformer(1, 2));
        const auto stats = AnalyzeCnn(r.spec);
        if (!stats) continue;
        bool small = true;
        for (const auto& l : stats->layers) small = small && l.out.h <= 30 && l.out.w <= 30;
        if (!small) continue;
        for (const auto& l : stats->layers) {
            const CnnLayer& x = l.layer;
            const Index reach_h = x.dilation * (x.kernel_h - 1) + 1, reach_w = x.dilation * (x.kernel_w - 1) + 1;
            switch (x.kind) {
                case CnnLayerKind::MaxPool: r.exact = false; break;  // only the maximum passes a change on
                case CnnLayerKind::Conv:
                case CnnLayerKind::Depthwise:
                case CnnLayerKind::AvgPool:
                case CnnLayerKind::Down:
                    if (x.dilation > 1 || x.stride > std::min(reach_h, reach_w)) r.exact = false;
                    break;
                case CnnLayerKind::TransposedConv:
                    if (x.stride > x.kernel_h) r.exact = false;
                    break;
                case CnnLayerKind::Transformer:
                    // One feature: LayerNorm maps every token to beta, so attention carries nothing and
                    // each token keeps only its own residual: not global, and the box is not tight.
                    if (l.in.c < 2) r.exact = false;
                    break;
                default: break;
            }
        }
        return r;
    }
}

TEST(CnnField, RegionsContainEveryPixelThatChangesTheOutput) {
    std::mt19937_64 rng(2024);
    int exact_stacks = 0, checked_stacks = 0;
    for (int trial = 0; trial < 90; ++trial) {
        const RandomStack r = MakeRandomStack(rng);
        const auto stats = AnalyzeCnn(r.spec);
        ASSERT_TRUE(stats);
        const auto weights = SeedCnnWeights(*stats, 100 + static_cast<std::uint64_t>(trial));
        ASSERT_TRUE(weights);
        std::vector<float> x = testing::RandomVector(rng, r.spec.in_channels * r.spec.in_h * r.spec.in_w);
        std::string error;
        const auto base = ForwardStack(*stats, *weights, x, {}, &error);
        ASSERT_TRUE(base) << error;
        // Per layer and output location: the bounding box of the input pixels that change it.
        struct Box {
            Index y0 = 1 << 20, x0 = 1 << 20, y1 = -1, x1 = -1;
        };
        std::vector<std::vector<Box>> boxes(stats->layers.size());
        for (size_t l = 0; l < stats->layers.size(); ++l) boxes[l].resize(static_cast<size_t>(stats->layers[l].out.h * stats->layers[l].out.w));
        const Index plane = r.spec.in_h * r.spec.in_w;
        for (Index py = 0; py < r.spec.in_h; ++py) {
            for (Index px = 0; px < r.spec.in_w; ++px) {
                std::vector<float> xp = x;
                for (Index c = 0; c < r.spec.in_channels; ++c) xp[static_cast<size_t>(c * plane + py * r.spec.in_w + px)] += 10.0f;
                const auto out = ForwardStack(*stats, *weights, xp);
                ASSERT_TRUE(out);
                for (size_t l = 0; l < stats->layers.size(); ++l) {
                    const CnnShape& s = stats->layers[l].out;
                    for (Index c = 0; c < s.c; ++c) {
                        for (Index oy = 0; oy < s.h; ++oy) {
                            for (Index ox = 0; ox < s.w; ++ox) {
                                const size_t at = static_cast<size_t>((c * s.h + oy) * s.w + ox);
                                if ((*out)[l][at] == (*base)[l][at]) continue;  // bit-equal: the pixel is not read
                                Box& b = boxes[l][static_cast<size_t>(oy * s.w + ox)];
                                b.y0 = std::min(b.y0, py);
                                b.x0 = std::min(b.x0, px);
                                b.y1 = std::max(b.y1, py + 1);
                                b.x1 = std::max(b.x1, px + 1);
                            }
                        }
                    }
                }
            }
        }
        const std::string what = FormatLayers(r.spec.layers) + " on " + std::to_string(r.spec.in_h) + "x" + std::to_string(r.spec.in_w);
        for (size_t l = 0; l < stats->layers.size(); ++l) {
            const CnnShape& s = stats->layers[l].out;
            for (Index oy = 0; oy < s.h; ++oy) {
                for (Index ox = 0; ox < s.w; ++ox) {
                    const auto region = InputRegion(*stats, static_cast<Index>(l), oy, ox);
                    ASSERT_TRUE(region);
                    const PixelRegion& c = region->clipped;
                    const PixelRegion& u = region->unclipped;
                    const Box& b = boxes[l][static_cast<size_t>(oy * s.w + ox)];
                    // The clipped box lies inside the image and inside the unclipped one.
                    if (!c.Empty()) {
                        ASSERT_TRUE(c.y0 >= 0 && c.x0 >= 0 && c.y1 <= r.spec.in_h && c.x1 <= r.spec.in_w) << what;
                        ASSERT_TRUE(c.y0 >= u.y0 && c.x0 >= u.x0 && c.y1 <= u.y1 && c.x1 <= u.x1) << what;
                    }
                    const CnnField& fy = stats->layers[l].field_y;
                    const CnnField& fx = stats->layers[l].field_x;
                    if (!u.Empty()) {
                        ASSERT_LE(u.y1 - u.y0, fy.size) << what;
                        ASSERT_LE(u.x1 - u.x0, fx.size) << what;
                    }
                    if (b.y1 < 0) {
                        if (r.exact) {
                            ASSERT_TRUE(c.Empty()) << what << " layer " << l << " at " << oy << "," << ox;
                        }
                        continue;
                    }
                    ASSERT_FALSE(c.Empty()) << what;
                    ASSERT_TRUE(b.y0 >= c.y0 && b.x0 >= c.x0 && b.y1 <= c.y1 && b.x1 <= c.x1)
                        << what << " layer " << l << " at " << oy << "," << ox << ": changed [" << b.y0 << "," << b.y1 << ")x["
                        << b.x0 << "," << b.x1 << ") outside [" << c.y0 << "," << c.y1 << ")x[" << c.x0 << "," << c.x1 << ")";
                    if (r.exact) {
                        ASSERT_TRUE(b.y0 == c.y0 && b.x0 == c.x0 && b.y1 == c.y1 && b.x1 == c.x1)
                            << what << " layer " << l << " at " << oy << "," << ox << ": changed [" << b.y0 << "," << b.y1
                            << ")x[" << b.x0 << "," << b.x1 << ") but region [" << c.y0 << "," << c.y1 << ")x[" << c.x0 << ","
                            << c.x1 << ")";
                    }
                }
            }
        }
        ++checked_stacks;
        exact_stacks += r.exact;
    }
    EXPECT_EQ(checked_stacks, 90);
    EXPECT_GT(exact_stacks, 10);  // the tight check ran on a fair share
}

using testing::DependencyBox;
using testing::RandomTapStack;

TEST(CnnField, ClippedRegionIsTheTightBoxOfTheTapsThatLandInside) {
    std::mt19937_64 rng(4242);
    int loose_before = 0, checked = 0;
    for (int trial = 0; trial < 400; ++trial) {
        const CnnSpec spec = RandomTapStack(rng);
        const auto stats = AnalyzeCnn(spec);
        ASSERT_TRUE(stats);
        for (int query = 0; query < 6; ++query) {
            const Index layer = Pick(rng, 0, static_cast<Index>(stats->layers.size()) - 1);
            const CnnShape& s = stats->layers[static_cast<size_t>(layer)].out;
            // Corners and edges half the time: that is where taps step over the border.
            const Index y = rng() % 2 ? Pick(rng, 0, s.h - 1) : (rng() % 2 ? 0 : s.h - 1);
            const Index x = rng() % 2 ? Pick(rng, 0, s.w - 1) : (rng() % 2 ? 0 : s.w - 1);
            const auto region = InputRegion(*stats, layer, y, x);
            ASSERT_TRUE(region);
            const PixelRegion want = DependencyBox(*stats, layer, y, x);
            const PixelRegion& got = region->clipped;
            ASSERT_EQ(got.Empty(), want.Empty()) << FormatLayers(spec.layers) << " layer " << layer << " at " << y << "," << x;
            if (!want.Empty()) {
                ASSERT_EQ(got, want) << FormatLayers(spec.layers) << " on " << spec.in_h << "x" << spec.in_w << " layer " << layer
                                     << " at " << y << "," << x << ": got [" << got.y0 << "," << got.x0 << "," << got.y1 << ","
                                     << got.x1 << "], the taps reach [" << want.y0 << "," << want.x0 << "," << want.y1 << ","
                                     << want.x1 << "]";
                const PixelRegion& u = region->unclipped;
                ASSERT_TRUE(u.y0 <= got.y0 && u.x0 <= got.x0 && u.y1 >= got.y1 && u.x1 >= got.x1);
                // Clipping the unclipped box to the image is what the region was before the fix.
                const PixelRegion naive{std::max<Index>(u.y0, 0), std::max<Index>(u.x0, 0), std::min(u.y1, spec.in_h),
                                        std::min(u.x1, spec.in_w)};
                loose_before += !(naive == want);
            }
            ++checked;
        }
    }
    EXPECT_EQ(checked, 2400);
    EXPECT_GT(loose_before, 50);  // many cases where the box is tighter than the clipped textbook region
}

TEST(CnnField, TheIssuesExampleIsTight) {
    // conv3s1p1d2g2c8, pw4, avgpool3s2p0, dw5s1p0d2 on 4 x 37 x 37, query_layer=2 (pw4, counted from 1
    // as the app does) at (0, 33): the app gave [0, 32, 4, 37]. The dilated conv reads rows -1, 1, 3
    // (row -1 is padding) and columns 32, 34, 36: [1, 32, 4, 37].
    const CnnSpec spec = Stack(4, 37, 37, "conv3s1p1d2g2c8, pw4, avgpool3s2p0, dw5s1p0d2");
    const auto stats = AnalyzeCnn(spec);
    ASSERT_TRUE(stats);
    const auto example = InputRegion(*stats, 1, 0, 33);
    ASSERT_TRUE(example);
    EXPECT_EQ(example->clipped, (PixelRegion{1, 32, 4, 37}));
    EXPECT_EQ(example->unclipped, (PixelRegion{-1, 32, 4, 37}));
    for (Index layer = 0; layer < 4; ++layer) {
        const CnnShape& s = stats->layers[static_cast<size_t>(layer)].out;
        for (Index y = 0; y < s.h; ++y)
            for (Index x = 0; x < s.w; ++x) {
                const auto r = InputRegion(*stats, layer, y, x);
                ASSERT_TRUE(r);
                ASSERT_EQ(r->clipped, DependencyBox(*stats, layer, y, x)) << "layer " << layer << " at " << y << "," << x;
            }
    }
}

TEST(CnnField, RegionsRepeatWithTheirPeriod) {
    std::mt19937_64 rng(77);
    for (int trial = 0; trial < 150; ++trial) {
        const RandomStack r = MakeRandomStack(rng);
        const auto stats = AnalyzeCnn(r.spec);
        ASSERT_TRUE(stats);
        for (size_t l = 0; l < stats->layers.size(); ++l) {
            const CnnField& f = stats->layers[l].field_y;
            const Index out = stats->layers[l].out.h;
            ASSERT_GE(f.period, 1);
            ASSERT_EQ(f.period % f.jump_den, 0) << "period * jump is a whole number of pixels";
            const Index shift = f.period / f.jump_den * f.jump_num;
            for (Index o = 0; o + f.period < out; ++o) {
                const auto a = InputRegion(*stats, static_cast<Index>(l), o, 0);
                const auto b = InputRegion(*stats, static_cast<Index>(l), o + f.period, 0);
                ASSERT_TRUE(a && b);
                ASSERT_EQ(a->unclipped.Empty(), b->unclipped.Empty());
                if (a->unclipped.Empty()) continue;
                EXPECT_EQ(b->unclipped.y0 - a->unclipped.y0, shift) << FormatLayers(r.spec.layers) << " layer " << l;
                EXPECT_EQ(b->unclipped.y1 - a->unclipped.y1, shift);
            }
        }
    }
}

// [SECTION] Forward pass

TEST(CnnForward, ConvolutionsMatchTheConvOperator) {
    std::mt19937_64 rng(8);
    for (int trial = 0; trial < 60; ++trial) {
        const Index cin = Pick(rng, 1, 4), h = Pick(rng, 3, 9), w = Pick(rng, 3, 9);
        CnnLayer l = MakeConv(Pick(rng, 1, 3), Pick(rng, 1, 4), Pick(rng, 1, 2), Pick(rng, 0, 2), true);
        l.kernel_w = Pick(rng, 1, 3);
        l.dilation = Pick(rng, 1, 2);
        const Index g = Pick(rng, 1, 2);
        if (cin % g == 0 && l.out_channels % g == 0) l.groups = g;
        if (rng() % 4 == 0) l = MakeDepthwise(Pick(rng, 1, 3), Pick(rng, 1, 2), Pick(rng, 0, 1));
        const CnnSpec spec{cin, h, w, {l}};
        const auto stats = AnalyzeCnn(spec);
        if (!stats) continue;
        const CnnLayer& rl = stats->layers[0].layer;
        ConvSpec cs;
        cs.in_h = h;
        cs.in_w = w;
        cs.in_channels = cin;
        cs.out_channels = rl.out_channels;
        cs.kernel_h = rl.kernel_h;
        cs.kernel_w = rl.kernel_w;
        cs.stride = rl.stride;
        cs.padding = rl.padding;
        cs.dilation = rl.dilation;
        cs.groups = rl.groups;
        cs.bias = rl.bias;
        auto op = ConvOperator::Create(cs);
        ASSERT_TRUE(op);
        const auto weights = SeedCnnWeights(*stats, 3);
        ASSERT_TRUE(weights);
        ASSERT_TRUE(op->SetWeights(weights->weights[0]));
        ASSERT_TRUE(op->SetBias(weights->biases[0]));
        EXPECT_EQ(op->Stats().parameters, stats->layers[0].parameters);
        EXPECT_EQ(op->Stats().padded_macs, stats->layers[0].macs);
        const std::vector<float> x = testing::RandomVector(rng, cin * h * w);
        std::vector<float> y(static_cast<size_t>(op->Rows()));
        op->Apply(x, y);
        op->ApplyBias(y);
        const auto out = ForwardStack(*stats, *weights, x);
        ASSERT_TRUE(out);
        ASSERT_EQ(out->at(0).size(), y.size());
        for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(out->at(0)[i], y[i], 1e-5f) << FormatLayer(l);
    }
}

TEST(CnnForward, TransposedConvolutionIsTheAdjointOfTheConvolution) {
    std::mt19937_64 rng(13);
    for (int trial = 0; trial < 40; ++trial) {
        const Index a = Pick(rng, 1, 3), b = Pick(rng, 1, 3), k = Pick(rng, 1, 4), s = Pick(rng, 1, 3), p = Pick(rng, 0, k - 1);
        const Index h = Pick(rng, 2, 6), w = Pick(rng, 2, 6);
        CnnLayer t = MakeTransposedConv(k, b, s, false);
        t.padding = p;
        const auto ts = AnalyzeCnn(CnnSpec{a, h, w, {t}});
        if (!ts) continue;
        const CnnShape big = ts->layers[0].out;
        const auto cs = AnalyzeCnn(CnnSpec{b, big.h, big.w, {MakeConv(k, a, s, p, false)}});
        ASSERT_TRUE(cs);
        ASSERT_EQ(cs->layers[0].out, (CnnShape{a, h, w}));
        EXPECT_EQ(ts->layers[0].macs, cs->layers[0].macs);  // the same products, counted from either side
        auto wt = SeedCnnWeights(*ts, 1);
        auto wc = SeedCnnWeights(*cs, 2);
        ASSERT_TRUE(wt && wc);
        wc->weights[0] = wt->weights[0];  // (a, b, k, k): tconv (in, out, ...) = conv (out, in, ...)
        const std::vector<float> x = testing::RandomVector(rng, a * h * w);
        const std::vector<float> y = testing::RandomVector(rng, b * big.h * big.w);
        const auto tx = ForwardStack(*ts, *wt, x);
        const auto cy = ForwardStack(*cs, *wc, y);
        ASSERT_TRUE(tx && cy);
        double lhs = 0, rhs = 0;
        for (size_t i = 0; i < y.size(); ++i) lhs += static_cast<double>(y[i]) * tx->at(0)[i];
        for (size_t i = 0; i < x.size(); ++i) rhs += static_cast<double>(x[i]) * cy->at(0)[i];
        EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::fabs(lhs)));
    }
}

TEST(CnnForward, PoolsUpsamplingAndTheTransformerBlock) {
    const auto stats = AnalyzeCnn(Stack(1, 4, 4, "maxpool2, up2, avgpool2, gap"));
    ASSERT_TRUE(stats);
    const auto weights = SeedCnnWeights(*stats, 1);
    std::vector<float> x(16);
    for (size_t i = 0; i < 16; ++i) x[i] = static_cast<float>(i);
    const auto out = ForwardStack(*stats, *weights, x);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->at(0), (std::vector<float>{5, 7, 13, 15}));
    EXPECT_EQ(out->at(1), (std::vector<float>{5, 5, 7, 7, 5, 5, 7, 7, 13, 13, 15, 15, 13, 13, 15, 15}));
    EXPECT_EQ(out->at(2), (std::vector<float>{5, 7, 13, 15}));
    EXPECT_EQ(out->at(3), (std::vector<float>{10}));
    // A transformer block has no positions: permuting the map's positions permutes its output.
    const auto tf = AnalyzeCnn(Stack(4, 2, 3, "tf h2 r2"));
    ASSERT_TRUE(tf);
    const auto tw = SeedCnnWeights(*tf, 5);
    std::mt19937_64 rng(4);
    const std::vector<float> a = testing::RandomVector(rng, 24);
    std::vector<float> b(24);
    const int perm[6] = {3, 0, 5, 1, 4, 2};
    for (int c = 0; c < 4; ++c) {
        for (int n = 0; n < 6; ++n) b[static_cast<size_t>(c * 6 + n)] = a[static_cast<size_t>(c * 6 + perm[n])];
    }
    const auto ya = ForwardStack(*tf, *tw, a), yb = ForwardStack(*tf, *tw, b);
    ASSERT_TRUE(ya && yb);
    for (int c = 0; c < 4; ++c) {
        for (int n = 0; n < 6; ++n) {
            EXPECT_NEAR(yb->at(0)[static_cast<size_t>(c * 6 + n)], ya->at(0)[static_cast<size_t>(c * 6 + perm[n])], 1e-5f);
        }
    }
    EXPECT_EQ(static_cast<Count>(tw->weights[0].size()), tf->layers[0].parameters);
}

// Every layer of `fast` within rel * (the reference layer's largest magnitude) of `ref`.
::testing::AssertionResult NearReference(const std::vector<std::vector<float>>& fast, const std::vector<std::vector<float>>& ref,
                                         double rel) {
    if (fast.size() != ref.size()) return ::testing::AssertionFailure() << fast.size() << " layers, reference " << ref.size();
    for (size_t l = 0; l < ref.size(); ++l) {
        if (fast[l].size() != ref[l].size()) return ::testing::AssertionFailure() << "layer " << l + 1 << ": size differs";
        double scale = 0;
        for (float v : ref[l]) scale = std::max(scale, static_cast<double>(std::fabs(v)));
        for (size_t i = 0; i < ref[l].size(); ++i) {
            const double diff = std::fabs(static_cast<double>(fast[l][i]) - ref[l][i]);
            if (!(diff <= rel * scale)) {
                return ::testing::AssertionFailure() << "layer " << l + 1 << ", element " << i << ": " << fast[l][i] << " vs reference "
                                                     << ref[l][i] << " (largest " << scale << ")";
            }
        }
    }
    return ::testing::AssertionSuccess();
}

// A random divisor of n.
Index PickDivisor(std::mt19937_64& rng, Index n) {
    std::vector<Index> divisors;
    for (Index k = 1; k <= n; ++k) {
        if (n % k == 0) divisors.push_back(k);
    }
    return divisors[static_cast<size_t>(Pick(rng, 0, static_cast<Index>(divisors.size()) - 1))];
}

// A stack of every layer kind with its fast-path cases: grouped convolutions with several input
// channels per group (im2col), 1x1 (plain GEMM, grouped or not), one input channel per group
// (depth-wise, channel multipliers), grouped transposed convolutions, a transformer block, fc.
CnnSpec RandomForwardStack(std::mt19937_64& rng) {
    CnnSpec spec{Pick(rng, 1, 6), Pick(rng, 4, 14), Pick(rng, 4, 14), {}};
    CnnShape shape{spec.in_channels, spec.in_h, spec.in_w};
    const Index count = Pick(rng, 1, 5);
    for (int tries = 0; tries < 40 && static_cast<Index>(spec.layers.size()) < count; ++tries) {
        CnnLayer l;
        const bool bias = rng() % 2 == 0;
        switch (Pick(rng, 0, 9)) {
            case 0:
            case 1:
                l = MakeConv(Pick(rng, 1, 4), 1, Pick(rng, 1, 3), Pick(rng, 0, 2), bias);
                l.kernel_w = Pick(rng, 1, 4);
                l.dilation = Pick(rng, 1, 2);
                l.groups = PickDivisor(rng, shape.c);
                l.out_channels = l.groups * Pick(rng, 1, 3);
                break;
            case 2:
                l = MakeDepthwise(Pick(rng, 1, 3), Pick(rng, 1, 2), Pick(rng, 0, 2), bias);
                l.kernel_w = Pick(rng, 1, 3);
                l.dilation = Pick(rng, 1, 3);
                break;
            case 3:
                if (rng() % 2) {
                    l = MakePointwise(Pick(rng, 1, 6), bias);
                } else {  // a grouped 1x1 convolution: one GEMM per group
                    l = MakeConv(1, 1, 1, 0, bias);
                    l.groups = PickDivisor(rng, shape.c);
                    l.out_channels = l.groups * Pick(rng, 1, 3);
                }
                break;
            case 4: {
                const Index k = Pick(rng, 2, 3);
                l = MakePool(rng() % 2 ? CnnLayerKind::MaxPool : CnnLayerKind::AvgPool, k, Pick(rng, 1, k), Pick(rng, 0, k / 2));
                break;
            }
            case 5: l = MakeUpsample(Pick(rng, 2, 3)); break;
            case 6:
            case 7: {
                const Index k = Pick(rng, 1, 3);
                l = MakeTransposedConv(k, 1, Pick(rng, 1, 3), bias);
                l.padding = Pick(rng, 0, k - 1);
                l.groups = PickDivisor(rng, shape.c);
                l.out_channels = l.groups * Pick(rng, 1, 3);
                break;
            }
            case 8: l = MakeDown(Pick(rng, 1, 5), bias); break;
            default: {  // channel multiplier: groups == in_channels, several outputs per channel
                l = MakeConv(Pick(rng, 1, 3), shape.c * Pick(rng, 1, 3), Pick(rng, 1, 2), Pick(rng, 0, 1), bias);
                l.groups = shape.c;
                break;
            }
        }
        spec.layers.push_back(l);
        const auto stats = AnalyzeCnn(spec);
        if (!stats || stats->out.h > 40 || stats->out.w > 40 || stats->out.c > 12) {
            spec.layers.pop_back();
            continue;
        }
        shape = stats->out;
    }
    if (spec.layers.empty()) spec.layers.push_back(MakePointwise(2));
    if (rng() % 3 == 0 && shape.c >= 2) spec.layers.push_back(MakeTransformer(PickDivisor(rng, shape.c), Pick(rng, 1, 3)));
    if (rng() % 3 == 0) spec.layers.push_back(MakeGlobalAvgPool());
    if (rng() % 3 == 0) spec.layers.push_back(MakeLinear(Pick(rng, 1, 7), rng() % 2 == 0));
    return spec;
}

TEST(CnnForward, FastPathMatchesTheReferenceOnRandomStacks) {
    std::mt19937_64 rng(77);
    int chunked = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const CnnSpec spec = RandomForwardStack(rng);
        std::vector<SpecIssue> issues;
        const auto stats = AnalyzeCnn(spec, &issues);
        ASSERT_TRUE(stats) << FormatLayers(spec.layers) << ": " << JoinIssues(issues);
        const auto weights = SeedCnnWeights(*stats, 500 + static_cast<std::uint64_t>(trial));
        ASSERT_TRUE(weights);
        const std::vector<float> x = testing::RandomVector(rng, spec.in_channels * spec.in_h * spec.in_w);
        // Half the trials with a tiny scratch budget: im2col and col2im in many chunks (down to one
        // position), attention one query row at a time, and the direct fallback when a patch is over it.
        CnnForwardLimits limits;
        if (trial % 2 == 1) {
            limits.max_scratch = trial % 6 == 1 ? 1 : Pick(rng, 2, 100);
            ++chunked;
        }
        std::string error;
        const auto ref = ForwardStackReference(*stats, *weights, x, limits, &error);
        ASSERT_TRUE(ref) << error;
        const auto fast = ForwardStack(*stats, *weights, x, limits, &error);
        ASSERT_TRUE(fast) << error;
        EXPECT_TRUE(NearReference(*fast, *ref, 1e-4)) << spec.in_channels << " x " << spec.in_h << " x " << spec.in_w << ": "
                                                       << FormatLayers(spec.layers) << ", scratch " << limits.max_scratch;
    }
    EXPECT_EQ(chunked, 150);
}

TEST(CnnForward, FastPathMatchesTheReferenceOnThePresets) {
    // Small inputs, so that the direct loops stay quick; every layer of every preset but VGG-16
    // (138 M parameters, over the weights' limit) is run.
    const std::pair<const char*, Index> cases[] = {{"notes", 32}, {"mobilenet_v1", 32}, {"encoder_decoder", 16}, {"hybrid", 16}};
    std::mt19937_64 rng(31);
    for (const auto& [key, side] : cases) {
        CnnSpec spec = *FindCnnPreset(key);
        spec.in_h = spec.in_w = side;
        const auto stats = AnalyzeCnn(spec);
        ASSERT_TRUE(stats) << key;
        const auto weights = SeedCnnWeights(*stats, 9);
        ASSERT_TRUE(weights) << key;
        std::vector<float> x = testing::RandomVector(rng, spec.in_channels * side * side);
        const auto ref = ForwardStackReference(*stats, *weights, x);
        const auto fast = ForwardStack(*stats, *weights, x);
        ASSERT_TRUE(ref && fast) << key;
        EXPECT_TRUE(NearReference(*fast, *ref, 1e-4)) << key;
    }
}

TEST(CnnForward, RefusesLargeStacksAndMismatchedInput) {
    const auto vgg = AnalyzeCnn(*FindCnnPreset("vgg16"));
    ASSERT_TRUE(vgg);
    std::string error;
    EXPECT_FALSE(SeedCnnWeights(*vgg, 1, Count{1} << 24, &error));
    EXPECT_NE(error.find("138,357,544"), std::string::npos) << error;
    CnnSpec features = *FindCnnPreset("vgg16");
    features.layers.resize(18);
    const auto fstats = AnalyzeCnn(features);
    ASSERT_TRUE(fstats);
    const auto fw = SeedCnnWeights(*fstats, 1);
    ASSERT_TRUE(fw);
    std::vector<float> image(3 * 224 * 224, 0.5f);
    EXPECT_FALSE(ForwardStack(*fstats, *fw, image, {}, &error));
    EXPECT_NE(error.find("multiply-accumulates"), std::string::npos) << error;
    EXPECT_NE(error.find("8,589,934,592"), std::string::npos) << error;
    error.clear();
    EXPECT_FALSE(ForwardStackReference(*fstats, *fw, image, {}, &error));  // the same checks
    EXPECT_NE(error.find("multiply-accumulates"), std::string::npos) << error;
    // The default limit takes the notes' hierarchy (4.9 G MACs) and MobileNet v1 at their own sizes,
    // not the notes' at twice the side.
    CnnSpec notes = *FindCnnPreset("notes");
    EXPECT_LE(AnalyzeCnn(notes)->macs, CnnForwardLimits{}.max_macs);
    EXPECT_LE(AnalyzeCnn(*FindCnnPreset("mobilenet_v1"))->macs, CnnForwardLimits{}.max_macs);
    notes.in_h = notes.in_w = 512;
    EXPECT_GT(AnalyzeCnn(notes)->macs, CnnForwardLimits{}.max_macs);
    const auto small = AnalyzeCnn(Stack(1, 4, 4, "conv3x3"));
    EXPECT_FALSE(ForwardStack(*small, *SeedCnnWeights(*small, 1), std::vector<float>(15, 1.0f), {}, &error));
    EXPECT_NE(error.find("1 x 4 x 4"), std::string::npos) << error;
    CnnWeights wrong = *SeedCnnWeights(*small, 1);
    wrong.weights[0].pop_back();
    EXPECT_FALSE(ForwardStack(*small, wrong, std::vector<float>(16, 1.0f), {}, &error));
    EXPECT_NE(error.find("wrong size"), std::string::npos) << error;
}

// [SECTION] Bad input

TEST(CnnBadInput, AStackThatShrinksTheMapToNothingNamesTheLayer) {
    const std::string shrink = Issues(Stack(1, 3, 3, "conv3x3, conv3x3"));
    EXPECT_NE(shrink.find("layers: layer 2 (conv3x3): the 1 x 1 map"), std::string::npos) << shrink;
    EXPECT_NE(shrink.find("shrinks the map to nothing"), std::string::npos) << shrink;
    const std::string pool = Issues(Stack(3, 8, 8, "maxpool2, maxpool2, maxpool2, maxpool2"));
    EXPECT_NE(pool.find("layer 4 (maxpool2): the 1 x 1 map (1 x 1 with padding) is smaller than the window (2 x 2)"),
              std::string::npos) << pool;
    const std::string dilated = Issues(Stack(1, 5, 5, "conv3x3d3"));
    EXPECT_NE(dilated.find("dilated kernel (7 x 7)"), std::string::npos) << dilated;
    EXPECT_NE(Issues(Stack(1, 2, 2, "tconv2p2")).find("layer 1 (tconv2p2)"), std::string::npos);
}

TEST(CnnBadInput, ShapesChannelsAndOverflow) {
    EXPECT_NE(Issues(Stack(3, 8, 8, "conv3x3g2c4")).find("groups (2) must divide the input channels (3)"), std::string::npos);
    EXPECT_NE(Issues(Stack(64, 8, 8, "tf h5")).find("heads (5) must divide the width (64 channels)"), std::string::npos);
    EXPECT_NE(Issues(Stack(1, 60000, 4, "up2")).find("grows to 120000 x 8"), std::string::npos);
    EXPECT_NE(Issues(Stack(1, 8, 8, "maxpool2p2")).find("at most half the window"), std::string::npos);
    EXPECT_NE(Issues(Stack(1, 8, 8, "conv3x3c70000")).find("output channels must be between 1 and 65,536"), std::string::npos);
    EXPECT_NE(Issues(Stack(1, 8, 8, "conv2000")).find("kernel must be between 1 and 1,024"), std::string::npos);
    // 65,536 x 65,536 x 65,536 inputs into 65,536 features: 2^64 weights.
    const std::string overflow = Issues(CnnSpec{65536, 65536, 65536, {MakeLinear(65536)}});
    EXPECT_NE(overflow.find("overflows 64 bits"), std::string::npos) << overflow;
    EXPECT_NE(Issues(CnnSpec{3, 8, 8, {}}).find("no layers"), std::string::npos);
    EXPECT_NE(Issues(CnnSpec{0, 8, 8, {MakeGlobalAvgPool()}}).find("in_channels: in_channels must be between 1"), std::string::npos);
    EXPECT_NE(Issues(CnnSpec{3, 0, 8, {MakeGlobalAvgPool()}}).find("in_h"), std::string::npos);
    EXPECT_NE(Issues(CnnSpec{3, 8, 70000, {MakeGlobalAvgPool()}}).find("in_w"), std::string::npos);
    CnnSpec many{3, 8, 8, std::vector<CnnLayer>(200, MakePointwise(3))};
    EXPECT_NE(Issues(many).find("above the limit of 128"), std::string::npos);
}

TEST(CnnBadInput, A4096ImageIsCountedNotComputed) {
    CnnSpec spec = *FindCnnPreset("notes");
    spec.in_h = spec.in_w = 4096;
    const auto stats = AnalyzeCnn(spec);
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->parameters, AnalyzeCnn(*FindCnnPreset("notes"))->parameters);  // weights do not grow
    EXPECT_EQ(stats->out, (CnnShape{1024, 256, 256}));
    const auto weights = SeedCnnWeights(*stats, 1, Count{1} << 24);
    ASSERT_TRUE(weights);  // 6.3 M weights: allowed
    std::string error;
    // Refused on its size before the input is even looked at (an empty span here).
    EXPECT_FALSE(ForwardStack(*stats, *weights, std::span<const float>{}, {}, &error));
    EXPECT_NE(error.find("multiply-accumulates"), std::string::npos) << error;
}

}  // namespace
}  // namespace lens
