// Tests of lens/mlp.hpp: widths parsing (good and bad text), the notes' 1024 -> 2048 -> 100
// figures, checked totals, and the per-layer operator.
#include "lens/mlp.hpp"

#include <gtest/gtest.h>

namespace lens {
namespace {

std::string ParseError(const std::string& text) {
    std::string error;
    EXPECT_FALSE(ParseWidths(text, &error)) << "'" << text << "' parsed";
    EXPECT_FALSE(error.empty()) << text;
    return error;
}

TEST(MlpParse, AcceptsCommasArrowsAndSpaces) {
    const std::vector<Index> notes{1024, 2048, 100};
    for (const char* text : {"1024,2048,100", " 1024 , 2048 ,100 ", "1024 -> 2048 -> 100", "1024->2048->100", "1024 2048 100",
                             "\t1024,\n2048 , 100\n", "01024, 2048, 100"}) {
        std::string error;
        const auto widths = ParseWidths(text, &error);
        ASSERT_TRUE(widths) << text << ": " << error;
        EXPECT_EQ(*widths, notes) << text;
    }
    EXPECT_EQ(FormatWidths(notes), "1024, 2048, 100");
    EXPECT_EQ(*ParseWidths(FormatWidths(notes)), notes);
    EXPECT_EQ(*ParseWidths("3,2147483648"), (std::vector<Index>{3, kMlpMaxWidth}));
}

TEST(MlpParse, RejectsTextThatIsNotWidths) {
    EXPECT_NE(ParseError("").find("enter"), std::string::npos);
    EXPECT_NE(ParseError("   ").find("enter"), std::string::npos);
    EXPECT_NE(ParseError("1024").find("at least two"), std::string::npos);
    EXPECT_NE(ParseError("1024,,100").find("missing"), std::string::npos);
    EXPECT_NE(ParseError(",1024,100").find("missing"), std::string::npos);
    EXPECT_NE(ParseError("1024,100,").find("missing at the end"), std::string::npos);
    EXPECT_NE(ParseError("1024 -> -> 100").find("missing"), std::string::npos);
    EXPECT_NE(ParseError("1024,abc").find("'abc' is not a whole number"), std::string::npos);
    EXPECT_NE(ParseError("1024,-5").find("negative"), std::string::npos);
    EXPECT_NE(ParseError("1024,0").find("at least 1"), std::string::npos);
    EXPECT_NE(ParseError("1.5,2").find("not a whole number"), std::string::npos);
    EXPECT_NE(ParseError("1e3,2").find("not a whole number"), std::string::npos);
    EXPECT_NE(ParseError("+5,3").find("not a whole number"), std::string::npos);
    EXPECT_NE(ParseError("12a,3").find("not a whole number"), std::string::npos);
    EXPECT_NE(ParseError("2147483649,2").find("above the limit"), std::string::npos);
    EXPECT_NE(ParseError("99999999999999999999999999999999,2").find("above the limit"), std::string::npos);
    std::string many;
    for (int k = 0; k < 66; ++k) many += "8,";
    many += "8";
    EXPECT_NE(ParseError(many).find("at most 65"), std::string::npos);
    std::string ok;
    for (int k = 0; k < 64; ++k) ok += "8,";
    ok += "8";
    EXPECT_TRUE(ParseWidths(ok));  // 65 widths: 64 layers
}

TEST(MlpStats, NotesFigures) {
    const MlpSpec spec{{1024, 2048, 100}, true};
    std::string error;
    const auto s = ComputeMlpStats(spec, &error);
    ASSERT_TRUE(s) << error;
    ASSERT_EQ(s->layers.size(), 2u);
    EXPECT_EQ(s->layers[0].weights, 2097152);  // 1024 x 2048
    EXPECT_EQ(s->layers[0].biases, 2048);
    EXPECT_EQ(s->layers[0].max_rank, 1024);
    EXPECT_EQ(s->layers[1].weights, 204800);  // 2048 x 100
    EXPECT_EQ(s->layers[1].biases, 100);
    EXPECT_EQ(s->layers[1].max_rank, 100);
    EXPECT_EQ(s->weights, 2301952);
    EXPECT_EQ(FormatExact(s->weights), "2,301,952");
    EXPECT_EQ(s->biases, 2148);
    EXPECT_EQ(s->parameters, 2304100);
    EXPECT_EQ(s->macs, 2301952);
    const auto no_bias = ComputeMlpStats(MlpSpec{{1024, 2048, 100}, false});
    EXPECT_EQ(no_bias->biases, 0);
    EXPECT_EQ(no_bias->parameters, 2301952);
    EXPECT_EQ(no_bias->layers[1].parameters, 204800);
}

TEST(MlpStats, OverflowAndBadSpecsGiveMessages) {
    std::string error;
    // Two layers of 2^31 x 2^31 = 2^62 weights each: 2^63 in total, one more than int64 holds.
    const MlpSpec huge{{kMlpMaxWidth, kMlpMaxWidth, kMlpMaxWidth}, true};
    EXPECT_FALSE(ComputeMlpStats(huge, &error));
    EXPECT_NE(error.find("overflow"), std::string::npos);
    // One of them fits, bias included.
    const auto one = ComputeMlpStats(MlpSpec{{kMlpMaxWidth, kMlpMaxWidth}, true});
    ASSERT_TRUE(one);
    EXPECT_EQ(one->weights, Count{1} << 62);
    EXPECT_EQ(one->parameters, (Count{1} << 62) + kMlpMaxWidth);
    EXPECT_FALSE(ComputeMlpStats(MlpSpec{{1024}, true}, &error));
    EXPECT_NE(error.find("at least two"), std::string::npos);
    EXPECT_FALSE(ComputeMlpStats(MlpSpec{{1024, 0, 100}, true}, &error));
    EXPECT_FALSE(ComputeMlpStats(MlpSpec{{1024, -7, 100}, true}, &error));
    EXPECT_FALSE(ComputeMlpStats(MlpSpec{{1024, kMlpMaxWidth + 1}, true}, &error));
    EXPECT_FALSE(ComputeMlpStats(MlpSpec{std::vector<Index>(66, 4), true}, &error));
    EXPECT_EQ(Validate(MlpSpec{}).size(), 0u);
    EXPECT_EQ(Validate(MlpSpec{{}, true})[0].field, "widths");
}

TEST(MlpLayer, OperatorIsTheLayersDenseWeight) {
    const MlpSpec spec{{6, 9, 4}, true};
    const MatrixPtr first = MlpLayerOperator(spec, 0);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->Rows(), 9);
    EXPECT_EQ(first->Cols(), 6);
    EXPECT_EQ(first->Parameters(), 54);
    const MatrixPtr second = MlpLayerOperator(spec, 1);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->Rows(), 4);
    std::string error;
    EXPECT_FALSE(MlpLayerOperator(spec, 2, 1, &error));
    EXPECT_NE(error.find("no layer 2"), std::string::npos);
    EXPECT_FALSE(MlpLayerOperator(spec, -1, 1, &error));
}

}  // namespace
}  // namespace lens
