// Tests of lens/tokens.hpp: the word-and-punctuation tokenizer, seeded embeddings (equal words,
// equal vectors), sinusoidal positions, ViT patches with padding and cropping, and bad input.
//
// [SECTION] Tokenizer
// [SECTION] Embeddings and positions
// [SECTION] Patches
// [SECTION] Bad input
#include "lens/tokens.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace lens {
namespace {

std::vector<std::string> Texts(const std::vector<TextToken>& tokens) {
    std::vector<std::string> out;
    for (const TextToken& t : tokens) out.push_back(t.text);
    return out;
}

// A width x height image whose pixel (x, y) channel c holds (x + 3y + 7c) % 256.
Image TestImage(int width, int height) {
    Image image;
    image.width = width;
    image.height = height;
    image.rgb.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c) image.rgb[static_cast<size_t>((y * width + x) * 3 + c)] = static_cast<std::uint8_t>((x + 3 * y + 7 * c) % 256);
    return image;
}

bool HasField(const std::vector<SpecIssue>& issues, const std::string& field) {
    for (const SpecIssue& i : issues)
        if (i.field == field && !i.message.empty()) return true;
    return false;
}

// [SECTION] Tokenizer

TEST(TokenizerTest, WordsAndPunctuationWithOffsets) {
    const auto tokens = TokenizeText("Hello, world!  This is a test.", true);
    ASSERT_TRUE(tokens);
    EXPECT_EQ(Texts(*tokens), (std::vector<std::string>{"hello", ",", "world", "!", "this", "is", "a", "test", "."}));
    EXPECT_EQ((*tokens)[0].begin, 0);
    EXPECT_EQ((*tokens)[0].end, 5);
    EXPECT_EQ((*tokens)[1].begin, 5);
    EXPECT_EQ((*tokens)[2].begin, 7);
    // BERT's BasicTokenizer splits apostrophes and hyphens off as punctuation.
    EXPECT_EQ(Texts(*TokenizeText("Don't re-use", false)), (std::vector<std::string>{"Don", "'", "t", "re", "-", "use"}));
}

TEST(TokenizerTest, CjkIdeographsAreTokensOfTheirOwn) {
    const auto tokens = TokenizeText("我想用 matrix math,澄清觀念。", true);
    ASSERT_TRUE(tokens);
    EXPECT_EQ(Texts(*tokens), (std::vector<std::string>{"我", "想", "用", "matrix", "math", ",", "澄", "清", "觀", "念", "。"}));
}

TEST(TokenizerTest, EmptyAndWhitespaceOnlyTextGiveNoTokens) {
    EXPECT_TRUE(TokenizeText("", true)->empty());
    EXPECT_TRUE(TokenizeText(" \t\n ", true)->empty());
}

TEST(TokenizerTest, InvalidUtf8StaysInsideItsWord) {
    const std::string text = std::string("ab") + static_cast<char>(0xFF) + "cd " + static_cast<char>(0xE6);
    const auto tokens = TokenizeText(text, true);
    ASSERT_TRUE(tokens);
    ASSERT_EQ(tokens->size(), 2u);
    EXPECT_EQ((*tokens)[0].text.size(), 5u);
    EXPECT_EQ((*tokens)[1].text.size(), 1u);
}

// [SECTION] Embeddings and positions

TEST(TokenEmbeddingTest, EqualWordsGetEqualVectors) {
    TextTokensSpec spec;
    spec.width = 64;
    const auto set = TextTokens("The cat saw the cat.", spec);
    ASSERT_TRUE(set);
    ASSERT_EQ(set->Tokens(), 6);
    EXPECT_EQ(set->Width(), 64);
    EXPECT_EQ(set->distinct, 4);  // the, cat, saw, .
    EXPECT_EQ(set->x.row(0), set->x.row(3));  // "The" folded to "the"
    EXPECT_EQ(set->x.row(1), set->x.row(4));
    EXPECT_NE(set->x.row(0), set->x.row(1));
    EXPECT_EQ(set->labels[0], "the");
    // Deterministic: the same text and seed give the same matrix; another seed another one.
    EXPECT_EQ(TextTokens("The cat saw the cat.", spec)->x, set->x);
    spec.seed = 2;
    EXPECT_NE(TextTokens("The cat saw the cat.", spec)->x.row(0), set->x.row(0));
    // Without folding "The" and "the" differ.
    spec.seed = 1;
    spec.lowercase = false;
    const auto cased = TextTokens("The cat saw the cat.", spec);
    EXPECT_NE(cased->x.row(0), cased->x.row(3));
}

TEST(TokenEmbeddingTest, ValuesAreStandardNormal) {
    const std::vector<float> v = TokenEmbedding("statistics", 1 << 16, 7);
    ASSERT_EQ(v.size(), size_t{1} << 16);
    double mean = 0.0, sq = 0.0;
    for (float x : v) {
        mean += x;
        sq += static_cast<double>(x) * x;
    }
    mean /= static_cast<double>(v.size());
    const double var = sq / static_cast<double>(v.size()) - mean * mean;
    EXPECT_NEAR(mean, 0.0, 0.02);
    EXPECT_NEAR(var, 1.0, 0.03);
    EXPECT_TRUE(TokenEmbedding("x", 0).empty());
}

TEST(TokenEmbeddingTest, SinusoidalPositionsFollowTheFormula) {
    RowMatrixF x = RowMatrixF::Zero(50, 7);  // odd width: the last column is a sine
    AddSinusoidalPositions(x);
    for (Index n = 0; n < 50; ++n) {
        for (Index f = 0; f < 7; ++f) {
            const double angle = static_cast<double>(n) / std::pow(10000.0, 2.0 * static_cast<double>(f / 2) / 7.0);
            EXPECT_NEAR(x(n, f), f % 2 == 0 ? std::sin(angle) : std::cos(angle), 1e-6) << n << "," << f;
        }
    }
    TextTokensSpec spec;
    spec.width = 32;
    spec.positions = true;
    const auto set = TextTokens("a b a", spec);
    ASSERT_TRUE(set);
    EXPECT_NE(set->x.row(0), set->x.row(2));  // equal words at different places differ
    RowMatrixF plain = TextTokens("a b a", TextTokensSpec{32, true, false, 1})->x;
    AddSinusoidalPositions(plain);
    EXPECT_EQ(plain, set->x);
}

// [SECTION] Patches

TEST(TokenPatchTest, ViT224Gives196TokensOf768) {
    const Image image = TestImage(224, 224);
    const auto set = PatchTokens(image, PatchTokensSpec{});
    ASSERT_TRUE(set);
    EXPECT_EQ(set->Tokens(), 196);
    EXPECT_EQ(set->Width(), 768);  // 16 x 16 x 3
    EXPECT_EQ(set->grid_rows, 14);
    EXPECT_EQ(set->grid_cols, 14);
    EXPECT_EQ(set->labels[15], "patch (r=1, c=1)");
    // Token (r=2, c=5), pixel (py=3, px=9), channel 1: position-major index (3*16 + 9)*3 + 1.
    const int x = 5 * 16 + 9, y = 2 * 16 + 3;
    const float byte = static_cast<float>((x + 3 * y + 7) % 256);
    EXPECT_FLOAT_EQ(set->x(2 * 14 + 5, (3 * 16 + 9) * 3 + 1), byte / 255.0f * 2.0f - 1.0f);
    PatchTokensSpec spec;
    spec.order = FlatOrder::ChannelMajor;
    spec.range = PatchRange::Unit;
    const auto cm = PatchTokens(image, spec);
    EXPECT_FLOAT_EQ(cm->x(2 * 14 + 5, (1 * 16 + 3) * 16 + 9), byte / 255.0f);
}

TEST(TokenPatchTest, PadOrCropWhenThePatchDoesNotDivide) {
    const Image image = TestImage(230, 200);
    PatchTokensSpec spec;
    const auto pad = PatchTokens(image, spec);
    ASSERT_TRUE(pad);
    EXPECT_EQ(pad->grid_cols, 15);  // ceil(230 / 16)
    EXPECT_EQ(pad->grid_rows, 13);  // ceil(200 / 16)
    EXPECT_EQ(pad->pad_right, 10);
    EXPECT_EQ(pad->pad_bottom, 8);
    EXPECT_EQ(pad->covered_width, 240);
    // The last patch of the first row: columns 224..239, of which 230.. are padding (value 0).
    const Index last = 14;
    for (Index px = 6; px < 16; ++px)
        for (Index c = 0; c < 3; ++c) EXPECT_EQ(pad->x(last, px * 3 + c), 0.0f);
    EXPECT_NE(pad->x(last, 5 * 3 + 0), 0.0f);
    spec.fit = PatchFit::Crop;
    const auto crop = PatchTokens(image, spec);
    ASSERT_TRUE(crop);
    EXPECT_EQ(crop->grid_cols, 14);
    EXPECT_EQ(crop->grid_rows, 12);
    EXPECT_EQ(crop->crop_right, 6);
    EXPECT_EQ(crop->crop_bottom, 8);
    EXPECT_EQ(crop->Tokens(), 168);
}

// [SECTION] Bad input

TEST(TokenBadInputTest, EmptyTextIsAMessage) {
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(TextTokens("", TextTokensSpec{}, &issues));
    EXPECT_TRUE(HasField(issues, "text"));
    issues.clear();
    EXPECT_FALSE(TextTokens("   ", TextTokensSpec{}, &issues));
    EXPECT_TRUE(HasField(issues, "text"));
}

TEST(TokenBadInputTest, TooManyTokensStopEarly) {
    std::string text;
    for (int i = 0; i < 10000; ++i) text += "w ";
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(TextTokens(text, TextTokensSpec{}, &issues));
    EXPECT_TRUE(HasField(issues, "text"));
    // N * d capped: 4096 tokens of width 65536 would be 2^28 values.
    std::string text2;
    for (int i = 0; i < 2000; ++i) text2 += "w ";
    issues.clear();
    EXPECT_FALSE(TextTokens(text2, TextTokensSpec{kMaxTokenWidth, true, false, 1}, &issues));
    EXPECT_TRUE(HasField(issues, "text"));
    std::string error;
    EXPECT_FALSE(TokenizeText(std::string(static_cast<size_t>(kMaxTextBytes) + 1, 'a'), true, &error));
    EXPECT_FALSE(error.empty());
}

TEST(TokenBadInputTest, BadWidth) {
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(TextTokens("hello", TextTokensSpec{0, true, false, 1}, &issues));
    EXPECT_TRUE(HasField(issues, "d_model"));
    issues.clear();
    EXPECT_FALSE(TextTokens("hello", TextTokensSpec{kMaxTokenWidth + 1, true, false, 1}, &issues));
    EXPECT_TRUE(HasField(issues, "d_model"));
}

TEST(TokenBadInputTest, PatchLargerThanTheImage) {
    const Image image = TestImage(12, 40);
    for (PatchFit fit : {PatchFit::Pad, PatchFit::Crop}) {
        PatchTokensSpec spec;
        spec.fit = fit;
        std::vector<SpecIssue> issues;
        EXPECT_FALSE(PatchTokens(image, spec, &issues));
        ASSERT_TRUE(HasField(issues, "patch"));
        EXPECT_NE(issues.front().message.find("larger than the image"), std::string::npos);
    }
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(PatchTokens(Image{}, PatchTokensSpec{}, &issues));
    EXPECT_TRUE(HasField(issues, "image"));
    issues.clear();
    EXPECT_FALSE(PatchTokens(image, PatchTokensSpec{0}, &issues));
    EXPECT_TRUE(HasField(issues, "patch"));
}

TEST(TokenBadInputTest, HugeImagesAreRefusedBeforeAllocating) {
    std::vector<SpecIssue> issues;
    PatchTokensSpec spec;
    spec.patch = 1;
    EXPECT_FALSE(PatchGridOf(1 << 30, 1 << 30, spec, &issues));
    EXPECT_TRUE(HasField(issues, "patch"));
    issues.clear();
    spec.patch = 16;
    EXPECT_FALSE(PatchGridOf(2048, 2048, spec, &issues));  // 16,384 patches
    EXPECT_TRUE(HasField(issues, "patch"));
    const auto ok = PatchGridOf(1024, 1024, spec, &issues);  // 4,096: the largest square at 16 px
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->grid_rows * ok->grid_cols, 4096);
    EXPECT_EQ(ok->x.size(), 0);
}

}  // namespace
}  // namespace lens
