// Tests of lens/transformer.hpp: the published sizes of ../shared/reference/published-counts.md,
// exactly, with their per-part breakdowns; torchvision's MAC convention; the notes' block estimate;
// layouts; bad specs.
//
// [SECTION] Published sizes
// [SECTION] MACs
// [SECTION] The notes' estimate
// [SECTION] Layouts and options
// [SECTION] Bad specs
#include "lens/transformer.hpp"

#include <gtest/gtest.h>

namespace lens {
namespace {

TransformerStats Stats(const TransformerSpec& spec) {
    std::vector<SpecIssue> issues;
    const auto s = ComputeTransformerStats(spec, &issues);
    EXPECT_TRUE(s) << (issues.empty() ? "" : issues.front().message);
    return s.value_or(TransformerStats{});
}

TransformerSpec Preset(const std::string& key) {
    const auto spec = FindTransformerPreset(key);
    EXPECT_TRUE(spec) << key;
    return spec.value_or(TransformerSpec{});
}

Count PartParams(const TransformerStats& s, const std::string& key) {
    const TransformerPart* p = FindPart(s, key);
    EXPECT_NE(p, nullptr) << key;
    return p ? p->parameters : -1;
}

bool HasField(const std::vector<SpecIssue>& issues, const std::string& field) {
    for (const SpecIssue& i : issues)
        if (i.field == field && !i.message.empty()) return true;
    return false;
}

// The totals are the parts' sums, each part weighted by its repeat.
void ExpectPartsAddUp(const TransformerStats& s) {
    Count params = 0, macs = 0, block = 0;
    for (const TransformerPart& p : s.parts) {
        EXPECT_EQ(p.parameters, p.weights + p.biases) << p.key;
        params += p.parameters * p.repeat;
        macs += p.macs * p.repeat;
        if (p.group == PartGroup::Block) block += p.parameters;
    }
    EXPECT_EQ(params, s.parameters);
    EXPECT_EQ(macs, s.macs);
    EXPECT_EQ(block, s.parameters_per_block);
    EXPECT_EQ(s.embedding_parameters + s.block_parameters + s.head_parameters, s.parameters);
}

// [SECTION] Published sizes

TEST(TransformerPublishedTest, BertBaseUncased) {
    TransformerSpec spec = Preset("bert_base");
    const TransformerStats s = Stats(spec);
    EXPECT_EQ(s.parameters, 109482240);
    EXPECT_EQ(s.embedding_parameters, 23837184);
    EXPECT_EQ(PartParams(s, "embeddings.word"), 23440896);      // 30522 x 768
    EXPECT_EQ(PartParams(s, "embeddings.position"), 393216);    // 512 x 768
    EXPECT_EQ(PartParams(s, "embeddings.token_type"), 1536);    // 2 x 768
    EXPECT_EQ(PartParams(s, "embeddings.norm"), 1536);
    EXPECT_EQ(s.parameters_per_block, 7087872);
    EXPECT_EQ(s.block_parameters, 12 * 7087872);
    EXPECT_EQ(PartParams(s, "block.attention.qkv"), 768 * 2304 + 2304);
    EXPECT_EQ(PartParams(s, "block.attention.out"), 590592);
    EXPECT_EQ(PartParams(s, "block.mlp.fc1"), 768 * 3072 + 3072);
    EXPECT_EQ(PartParams(s, "block.mlp.fc2"), 3072 * 768 + 768);
    EXPECT_EQ(PartParams(s, "block.norm1") + PartParams(s, "block.norm2"), 3072);
    EXPECT_EQ(PartParams(s, "head.pooler"), 590592);
    ExpectPartsAddUp(s);
    spec.pooler = false;
    EXPECT_EQ(Stats(spec).parameters, 108891648);
}

TEST(TransformerPublishedTest, Gpt2Small) {
    const TransformerStats s = Stats(Preset("gpt2"));
    EXPECT_EQ(s.parameters, 124439808);
    EXPECT_EQ(PartParams(s, "embeddings.word"), 50257 * 768);
    EXPECT_EQ(PartParams(s, "embeddings.position"), 1024 * 768);
    EXPECT_EQ(s.parameters_per_block, 7087872);
    EXPECT_EQ(PartParams(s, "head.norm"), 1536);
    EXPECT_EQ(PartParams(s, "head.lm"), 0);  // tied to the word embeddings
    EXPECT_EQ(FindPart(s, "embeddings.token_type"), nullptr);
    ExpectPartsAddUp(s);
    TransformerSpec untied = Preset("gpt2");
    untied.tied_head = false;
    EXPECT_EQ(Stats(untied).parameters, 124439808 + Count{50257} * 768);
}

TEST(TransformerPublishedTest, TorchvisionVitB16) {
    const TransformerStats s = Stats(Preset("vit_b_16"));
    EXPECT_EQ(s.parameters, 86567656);
    EXPECT_EQ(s.patches, 196);
    EXPECT_EQ(s.tokens, 197);  // + class token
    EXPECT_EQ(PartParams(s, "embeddings.patch"), 768 * 3 * 16 * 16 + 768);
    EXPECT_EQ(PartParams(s, "embeddings.class_token"), 768);
    EXPECT_EQ(PartParams(s, "embeddings.position"), 197 * 768);
    EXPECT_EQ(s.parameters_per_block, 7087872);
    EXPECT_EQ(PartParams(s, "head.norm"), 1536);
    EXPECT_EQ(PartParams(s, "head.classifier"), 769000);
    ExpectPartsAddUp(s);
}

TEST(TransformerPublishedTest, Vit22bWeightMatrices) {
    const TransformerStats s = Stats(Preset("vit_22b"));
    EXPECT_EQ(s.weight_matrix_parameters, 21743271936);  // 48 x (4 d^2 + 2 d x 24576)
    EXPECT_EQ(s.weight_matrix_parameters, Count{48} * (4 * Count{6144} * 6144 + 2 * Count{6144} * 24576));
    EXPECT_EQ(s.tokens, 256);  // 224 / 14 = 16, squared; no class token
    // Parallel: one norm (scale only) and one fused projection d -> 3d + MLP.
    const TransformerPart* in = FindPart(s, "block.in_proj");
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->weights, Count{6144} * (3 * 6144 + 24576));
    EXPECT_EQ(in->biases, 24576);  // the MLP's in-bias only: no QKV biases
    EXPECT_EQ(PartParams(s, "block.norm"), 6144);
    EXPECT_EQ(PartParams(s, "block.attention.qk_norm"), 2 * 128);
    EXPECT_EQ(PartParams(s, "block.attention.out"), Count{6144} * 6144);
    EXPECT_EQ(PartParams(s, "block.mlp.fc2"), Count{24576} * 6144 + 6144);
    EXPECT_EQ(FindPart(s, "block.norm2"), nullptr);
    // Whole model: weights + MLP biases + norms + patch embedding + positions + final norm; the
    // attention-pooling head is not modelled. About 21.75 B ("about 21.7 B").
    const Count block = 21743271936 / 48 + 24576 + 6144 + 6144 + 256;
    EXPECT_EQ(s.parameters_per_block, block);
    EXPECT_EQ(s.parameters, (14 * 14 * 3 * Count{6144} + 6144) + 256 * Count{6144} + 48 * block + 6144);
    EXPECT_EQ(FormatSI(static_cast<double>(s.parameters), 1), "21.8 G");
    ExpectPartsAddUp(s);
}

// [SECTION] MACs

TEST(TransformerMacsTest, VitB16MatchesTorchvision17564G) {
    const TransformerStats s = Stats(Preset("vit_b_16"));
    const Count n = 197, d = 768;
    const Count patch = d * 3 * 16 * 16 * 196;
    const Count block = 4 * n * d * d + 2 * n * n * d + 2 * n * d * 3072;
    EXPECT_EQ(FindPart(s, "embeddings.patch")->macs, patch);
    EXPECT_EQ(s.block_macs, block);
    EXPECT_EQ(s.macs, patch + 12 * block + d * 1000);
    EXPECT_EQ(s.macs, 17563828224);
    EXPECT_EQ(FormatSI(static_cast<double>(s.macs), 3), "17.564 G");
    EXPECT_EQ(s.attention_matmul_macs, 12 * 2 * n * n * d);
    EXPECT_EQ(FindPart(s, "block.attention.scores")->macs, n * n * d);
    EXPECT_EQ(FindPart(s, "block.attention.scores")->parameters, 0);
}

TEST(TransformerMacsTest, AttentionMatmulsGrowWithTheSquareOfN) {
    TransformerSpec spec = Preset("bert_base");
    spec.seq_len = 128;
    const TransformerStats a = Stats(spec);
    spec.seq_len = 256;
    const TransformerStats b = Stats(spec);
    EXPECT_EQ(b.attention_matmul_macs, 4 * a.attention_matmul_macs);
    EXPECT_EQ(a.attention_matmul_macs, 12 * 2 * Count{128} * 128 * 768);
    EXPECT_EQ(a.parameters, b.parameters);  // weights do not depend on N
    // Linear layers grow with N: total = linear(N) + matmuls(N^2).
    EXPECT_EQ(b.macs - b.attention_matmul_macs, 2 * (a.macs - a.attention_matmul_macs) - 768 * 768);  // the pooler is per sample
    // ViT at 448 px: 785 tokens.
    TransformerSpec vit = Preset("vit_b_16");
    vit.image_size = 448;
    EXPECT_EQ(Stats(vit).tokens, 785);
    EXPECT_EQ(Stats(vit).parameters, 86567656 + (785 - 197) * 768);  // learned positions grow
}

// [SECTION] The notes' estimate

TEST(TransformerNotesTest, ThreeTimes768SquaredLeavesOutTheOutputProjection) {
    const auto cmp = CompareWithNotes(Preset("bert_base"));
    ASSERT_TRUE(cmp);
    EXPECT_EQ(cmp->notes_qkv, 1769472);          // 3 x 768^2
    EXPECT_EQ(cmp->notes_mlp, 4718592);          // 2 x 4 x 768^2
    EXPECT_EQ(cmp->notes_total, 6488064);
    EXPECT_EQ(cmp->output_projection, 589824);   // 768^2
    EXPECT_EQ(cmp->biases, 2304 + 768 + 3072 + 768);
    EXPECT_EQ(cmp->norms, 3072);
    EXPECT_EQ(cmp->exact, 7087872);
    EXPECT_EQ(cmp->notes_total + cmp->output_projection + cmp->biases + cmp->norms, cmp->exact);
    EXPECT_NE(cmp->text.find("589,824"), std::string::npos) << cmp->text;
    EXPECT_NE(cmp->text.find("7,087,872"), std::string::npos);
    // ViT-22B: no biases but the MLP's and the norm scales; the identity still holds.
    const auto big = CompareWithNotes(Preset("vit_22b"));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->notes_total + big->output_projection + big->biases + big->norms, big->exact);
}

// [SECTION] Layouts and options

TEST(TransformerLayoutTest, ParallelHasTheSameWeightsAndOneNorm) {
    TransformerSpec seq = Preset("vit_b_16");
    seq.layout = BlockLayout::PreNorm;
    TransformerSpec par = seq;
    par.layout = BlockLayout::Parallel;
    const TransformerStats a = Stats(seq), b = Stats(par);
    EXPECT_EQ(a.weight_matrix_parameters, b.weight_matrix_parameters);
    EXPECT_EQ(a.parameters_per_block - b.parameters_per_block, 1536);  // one LayerNorm fewer
    EXPECT_EQ(a.block_macs, b.block_macs);
    TransformerSpec post = seq;
    post.layout = BlockLayout::PostNorm;
    EXPECT_EQ(Stats(post).parameters, a.parameters);
    ExpectPartsAddUp(b);
}

TEST(TransformerLayoutTest, BiasesAndNormsSwitchOffPerPart) {
    TransformerSpec spec = Preset("bert_base");
    const Count base = Stats(spec).parameters_per_block;
    spec.qkv_bias = false;
    EXPECT_EQ(Stats(spec).parameters_per_block, base - 2304);
    spec.out_bias = false;
    EXPECT_EQ(Stats(spec).parameters_per_block, base - 2304 - 768);
    spec.mlp_bias = false;
    EXPECT_EQ(Stats(spec).parameters_per_block, base - 2304 - 768 - 3072 - 768);
    spec.norm_bias = false;
    EXPECT_EQ(Stats(spec).parameters_per_block, base - 2304 - 768 - 3072 - 768 - 1536);
    spec.qk_norm = true;  // 2 x 64 scales
    EXPECT_EQ(Stats(spec).parameters_per_block, base - 2304 - 768 - 3072 - 768 - 1536 + 128);
    spec.mlp_hidden = 1024;
    EXPECT_EQ(Stats(spec).weight_matrix_parameters, 12 * (4 * Count{768} * 768 + 2 * Count{768} * 1024));
}

// [SECTION] Bad specs

TEST(TransformerBadSpecTest, MessagesNotCrashes) {
    TransformerSpec spec = Preset("bert_base");
    spec.heads = 5;
    EXPECT_TRUE(HasField(Validate(spec), "heads"));
    spec.heads = 0;
    EXPECT_TRUE(HasField(Validate(spec), "heads"));
    spec = Preset("bert_base");
    spec.seq_len = 513;
    EXPECT_TRUE(HasField(Validate(spec), "seq_len"));
    spec.max_positions = 0;  // sinusoidal positions: any length
    EXPECT_TRUE(Validate(spec).empty());
    spec = Preset("vit_b_16");
    spec.patch = 300;
    EXPECT_TRUE(HasField(Validate(spec), "patch"));
    spec.patch = 0;
    EXPECT_TRUE(HasField(Validate(spec), "patch"));
    spec = Preset("vit_b_16");
    spec.head = HeadKind::LanguageModel;
    EXPECT_TRUE(HasField(Validate(spec), "tied_head"));
    spec = Preset("bert_base");
    spec.layers = 0;
    EXPECT_TRUE(HasField(Validate(spec), "layers"));
    // Huge: totals overflow 64 bits; refused with a message.
    spec = Preset("bert_base");
    spec.layers = kTransformerMaxLayers;
    spec.d_model = kTransformerMaxSide;
    spec.heads = 1;
    spec.mlp_hidden = kTransformerMaxSide;
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(ComputeTransformerStats(spec, &issues));
    EXPECT_TRUE(HasField(issues, "layers"));
    EXPECT_FALSE(CompareWithNotes(spec));
    spec = Preset("bert_base");
    spec.max_positions = 0;
    spec.seq_len = kTransformerMaxSide;  // N^2 d = 2^62 * 768: overflows
    EXPECT_TRUE(HasField(Validate(spec), "layers"));
    EXPECT_FALSE(FindTransformerPreset("bert_large"));
    EXPECT_EQ(TransformerPresets().size(), 4u);
}

}  // namespace
}  // namespace lens
