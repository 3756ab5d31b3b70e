// Tests of lens/scaling.hpp: the notes' figures exactly (and where they slip), torchvision's
// vit_b_16, the curves' shapes (constant parameters, MACs growing with the pixels or their square),
// and overflow reported rather than wrapped.
#include "lens/scaling.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace lens {
namespace {

TEST(ScalingNotes, EveryFigureExactly) {
    const NotesScalingFigures n = ComputeNotesScalingFigures();
    EXPECT_EQ(n.fc_256, 38'654'705'664);               // (256*256*3)^2: the notes' "38B"
    EXPECT_EQ(n.fc_4k, 2'533'274'790'395'904);          // (4096*4096*3)^2
    EXPECT_EQ(n.pixel_ratio_4k, 256);                   // 4K x 4K has 256 times the pixels ...
    EXPECT_EQ(n.weight_ratio_4k, 65'536);               // ... and 65,536 times the weights, not "16 times"
    EXPECT_EQ(n.fc_separable_256, 12'884'901'897);      // (256*256)^2 x 3 + 3x3: "12.9B"
    EXPECT_EQ(n.first_layer, 1'728);                    // 3x3x3x64: "1.7K"
    EXPECT_EQ(n.deep_layer, 4'718'592);                 // 3x3x512x1024: "4.7M"
    EXPECT_EQ(n.separable, 528'896);                    // 3x3x512 + 512x1024 = 4,608 + 524,288: "529K"
    EXPECT_EQ(n.separable + 512, 529'408);              // the figure: plus the 512 depth-wise biases
    EXPECT_NEAR(n.separable_ratio, 0.1121, 0.0001);     // "about 11 %"
    EXPECT_EQ(n.twenty_deep_layers, 94'371'840);        // 20 such layers (the notes' "~80M")
    EXPECT_EQ(n.vit_tokens_224, 196);
    EXPECT_EQ(n.vit_tokens_256, 256);
    EXPECT_EQ(n.vit_token_dim, 768);
    EXPECT_EQ(n.vit22b_tokens, 256);
    EXPECT_EQ(n.patches3_crop, 7'225);
    EXPECT_EQ(n.patches3_pad, 7'396);
}

TEST(ScalingVit, TorchvisionVitB16) {
    std::string error;
    const auto vit = ComputeVitCounts(VitScalingSpec{}, 224, 224, &error);
    ASSERT_TRUE(vit) << error;
    EXPECT_EQ(vit->patches, 196);
    EXPECT_EQ(vit->tokens, 197);
    EXPECT_EQ(vit->embed_parameters, 590'592);
    EXPECT_EQ(vit->position_parameters, 151'296);  // 197 x 768
    EXPECT_EQ(vit->block_parameters, 7'087'872);
    EXPECT_EQ(vit->head_parameters, 769'000);
    EXPECT_EQ(vit->parameters, 86'567'656);        // published-counts.md
    EXPECT_EQ(vit->macs, 17'563'828'224);          // 17.564 G
    // Without the class token and the head: the parts add up.
    VitScalingSpec bare;
    bare.class_token = false;
    bare.classes = 0;
    const auto b = ComputeVitCounts(bare, 224, 224);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->tokens, 196);
    EXPECT_EQ(b->parameters, 590'592 + 196 * 768 + 12 * b->block_parameters + 2 * 768);
    // A remainder is cropped, as the stride-16 convolution does.
    EXPECT_EQ(ComputeVitCounts(VitScalingSpec{}, 239, 230)->patches, 14 * 14);
    EXPECT_FALSE(ComputeVitCounts(VitScalingSpec{}, 8, 224, &error));
    EXPECT_NE(error.find("larger than the image"), std::string::npos);
    VitScalingSpec odd;
    odd.heads = 7;
    EXPECT_FALSE(ComputeVitCounts(odd, 224, 224, &error));
    EXPECT_NE(error.find("heads"), std::string::npos);
}

TEST(ScalingCurves, DefaultRowsFrom64To4096) {
    EXPECT_EQ(PowerOfTwoEdges(64, 4096), (std::vector<Index>{64, 128, 256, 512, 1024, 2048, 4096}));
    EXPECT_EQ(PowerOfTwoEdges(3, 20), (std::vector<Index>{3, 6, 12}));
    EXPECT_TRUE(PowerOfTwoEdges(0, 10).empty());
    EXPECT_TRUE(PowerOfTwoEdges(10, 5).empty());
    EXPECT_EQ(PowerOfTwoEdges(Index{1} << 61, std::numeric_limits<Index>::max()).size(), 2u);  // no overflow

    const auto rows = ComputeScaling();
    ASSERT_EQ(rows.size(), 7u);
    const auto mobilenet = AnalyzeCnn(*FindCnnPreset("mobilenet_v1"));
    ASSERT_TRUE(mobilenet);
    for (size_t i = 0; i < rows.size(); ++i) {
        const ScalingRow& r = rows[i];
        SCOPED_TRACE(r.edge);
        EXPECT_EQ(r.pixels, r.edge * r.edge);
        const Count values = r.pixels * 3;
        EXPECT_EQ(*r.fc.parameters, values * values);
        EXPECT_EQ(*r.fc.macs, values * values);
        EXPECT_EQ(*r.fc_separable.parameters, r.pixels * r.pixels * 3 + 9);
        EXPECT_EQ(*r.fc_separable.macs, r.pixels * r.pixels * 3 + r.pixels * 9);
        EXPECT_EQ(*r.conv.parameters, 4'718'592);  // constant ...
        EXPECT_EQ(*r.conv.macs, r.pixels * 4'718'592);  // ... while the work grows with the pixels
        EXPECT_EQ(*r.separable.parameters, 528'896);
        EXPECT_EQ(*r.separable.macs, r.pixels * 528'896);
        EXPECT_EQ(*r.cnn.parameters, mobilenet->parameters);  // global pooling: no growth
        EXPECT_TRUE(r.vit.parameters && r.vit.macs) << r.vit.note;
        if (i > 0) {
            const ScalingRow& p = rows[i - 1];
            EXPECT_EQ(*r.fc.parameters / *p.fc.parameters, 16);  // 4x the pixels: 16x the weights
            EXPECT_GT(*r.cnn.macs, 3 * *p.cnn.macs);
            EXPECT_GT(*r.vit.parameters, *p.vit.parameters);   // learned positions grow with the tokens
            EXPECT_GT(*r.vit.macs, 3 * *p.vit.macs);           // about the tokens while they are few ...
        }
    }
    EXPECT_EQ(*rows[2].fc.parameters, 38'654'705'664);
    EXPECT_EQ(*rows[6].fc.parameters, 2'533'274'790'395'904);
    EXPECT_EQ(*rows[6].fc.parameters / *rows[2].fc.parameters, 65'536);
    EXPECT_GT(*rows[6].vit.macs, 10 * *rows[5].vit.macs);  // ... then N^2 attention dominates
    // ViT at 4096: 65,536 patches + the class token.
    const auto vit4k = ComputeVitCounts(VitScalingSpec{}, 4096, 4096);
    ASSERT_TRUE(vit4k);
    EXPECT_EQ(vit4k->tokens, 65'537);
    EXPECT_EQ(*rows[6].vit.macs, vit4k->macs);
    // The CNN at MobileNet's own size reproduces its published MACs.
    ScalingSpec at224;
    at224.edges = {224};
    EXPECT_EQ(*ComputeScaling(at224)[0].cnn.macs, 568'740'352);
}

TEST(ScalingCurves, OverflowIsReportedNotWrapped) {
    ScalingSpec spec;
    spec.edges = {65'536, Index{1} << 20, (Index{1} << 20) + 1, 0, -5};
    const auto rows = ComputeScaling(spec);
    ASSERT_EQ(rows.size(), 5u);
    // 65,536^2 x 3 values: the square is 1.7e20 > 2^63.
    EXPECT_FALSE(rows[0].fc.parameters);
    EXPECT_NE(rows[0].fc.note.find("overflows"), std::string::npos);
    EXPECT_FALSE(rows[0].fc_separable.parameters);
    EXPECT_EQ(*rows[0].conv.parameters, 4'718'592);
    EXPECT_EQ(*rows[0].conv.macs, (Count{1} << 32) * 4'718'592);  // 2.0e16: still exact
    EXPECT_TRUE(rows[0].cnn.parameters) << rows[0].cnn.note;  // 65,536 is the CNN's largest side
    EXPECT_TRUE(rows[0].vit.macs) << rows[0].vit.note;
    // 2^20: the CNN refuses the size, the ViT's attention overflows.
    EXPECT_FALSE(rows[1].cnn.parameters);
    EXPECT_NE(rows[1].cnn.note.find("65,536"), std::string::npos) << rows[1].cnn.note;
    EXPECT_FALSE(rows[1].vit.macs);
    EXPECT_FALSE(rows[1].vit.note.empty());
    for (size_t i = 2; i < 5; ++i) {
        EXPECT_FALSE(rows[i].fc.parameters);
        EXPECT_FALSE(rows[i].separable.macs);
        EXPECT_NE(rows[i].fc.note.find("between 1 and"), std::string::npos);
    }
    // A CNN stack that shrinks the map to nothing at small sizes says so.
    ScalingSpec shrink;
    shrink.edges = {64, 8};
    shrink.cnn = FindCnnPreset("vgg16")->layers;
    const auto s = ComputeScaling(shrink);
    EXPECT_TRUE(s[0].cnn.parameters);
    EXPECT_FALSE(s[1].cnn.parameters);
    EXPECT_NE(s[1].cnn.note.find("shrinks the map to nothing"), std::string::npos) << s[1].cnn.note;
    // At most kScalingMaxEdges rows, whatever is asked.
    ScalingSpec many;
    many.edges.assign(1000, 64);
    EXPECT_EQ(ComputeScaling(many).size(), static_cast<size_t>(kScalingMaxEdges));
}

}  // namespace
}  // namespace lens
