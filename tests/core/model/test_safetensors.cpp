// tests/core/model/test_safetensors.cpp: the safetensors reader on good files (F32, F16, BF16,
// aligned and not) and on every kind of bad file, each refused with its reason.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include <lens/model/safetensors.hpp>

#include "safetensors_writer.hpp"

namespace lens {
namespace {

using test::RawTensor;

std::string TempPath(const std::string& name) {
    return (std::filesystem::path(testing::TempDir()) / ("lens_st_" + std::to_string(::getpid()) + "_" + name)).string();
}

// Opens `path` expecting failure; returns the message.
std::string OpenError(const std::string& path, const SafetensorsLimits& limits = {}) {
    std::string error;
    EXPECT_EQ(SafetensorsFile::Open(path, &error, limits), nullptr) << path;
    return error;
}

std::vector<std::uint8_t> U16Bytes(const std::vector<std::uint16_t>& bits) {
    std::vector<std::uint8_t> out;
    for (auto b : bits) {
        out.push_back(static_cast<std::uint8_t>(b & 0xff));
        out.push_back(static_cast<std::uint8_t>(b >> 8));
    }
    return out;
}

TEST(Safetensors, ReadsF32F16Bf16AndSkipsMetadata) {
    const std::string path = TempPath("good.safetensors");
    std::vector<RawTensor> tensors = {
        test::F32Tensor("a", {2, 3}, {1, 2, 3, 4, 5, -6.5f}),
        {"h", "F16", {5}, U16Bytes({0x3C00, 0xC000, 0x0001, 0x7C00, 0x8000})},
        {"b", "BF16", {2}, U16Bytes({0x3F80, 0xC0A0})},
    };
    nlohmann::json header = test::HeaderOf(tensors);
    header["__metadata__"] = {{"format", "pt"}};
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    test::WriteRaw(path, text, test::DataOf(tensors));

    std::string error;
    const auto file = SafetensorsFile::Open(path, &error);
    ASSERT_NE(file, nullptr) << error;
    ASSERT_EQ(file->Tensors().size(), 3u);  // the metadata is not a tensor
    EXPECT_EQ(file->TotalElements(), 6 + 5 + 2);
    const TensorInfo* a = file->Find("a");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->shape, (std::vector<Index>{2, 3}));
    const std::span<const float> view = file->FloatView(*a);
    ASSERT_EQ(view.size(), 6u);  // aligned F32: a view, no copy
    EXPECT_EQ(view[5], -6.5f);

    std::vector<float> h(5);
    file->ToFloat(*file->Find("h"), h);
    EXPECT_EQ(h[0], 1.0f);
    EXPECT_EQ(h[1], -2.0f);
    EXPECT_EQ(h[2], std::ldexp(1.0f, -24));  // the smallest subnormal half
    EXPECT_TRUE(std::isinf(h[3]));
    EXPECT_TRUE(std::signbit(h[4]));
    EXPECT_TRUE(file->FloatView(*file->Find("h")).empty());
    std::vector<float> b(2);
    file->ToFloat(*file->Find("b"), b);
    EXPECT_EQ(b[0], 1.0f);
    EXPECT_EQ(b[1], -5.0f);
}

TEST(Safetensors, HalfWidensEveryValueLikeTheHardware) {
    // Against a second derivation: sign x 2^(e-15) x (1 + m/1024), or subnormal 2^-14 x m/1024.
    for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
        const std::uint32_t e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
        const float sign = (bits & 0x8000) ? -1.0f : 1.0f;
        const float got = HalfToFloat(static_cast<std::uint16_t>(bits));
        if (e == 31) {
            EXPECT_TRUE(m == 0 ? std::isinf(got) : std::isnan(got)) << bits;
            continue;
        }
        const float want = e == 0 ? sign * std::ldexp(static_cast<float>(m), -24)
                                  : sign * std::ldexp(1.0f + static_cast<float>(m) / 1024.0f, static_cast<int>(e) - 15);
        ASSERT_EQ(got, want) << bits;
    }
}

TEST(Safetensors, UnalignedF32IsConvertedNotViewed) {
    const std::string path = TempPath("unaligned.safetensors");
    const std::vector<RawTensor> tensors = {test::F32Tensor("x", {3}, {1.5f, 2.5f, -3.5f})};
    std::string text = test::HeaderOf(tensors).dump();
    text.append((8 - text.size() % 8) % 8 + 1, ' ');  // data starts one byte past alignment
    test::WriteRaw(path, text, test::DataOf(tensors));
    std::string error;
    const auto file = SafetensorsFile::Open(path, &error);
    ASSERT_NE(file, nullptr) << error;
    EXPECT_TRUE(file->FloatView(file->Tensors()[0]).empty());
    std::vector<float> x(3);
    file->ToFloat(file->Tensors()[0], x);
    EXPECT_EQ(x, (std::vector<float>{1.5f, 2.5f, -3.5f}));
}

// One bad header: its JSON text, the data bytes, and the words the message must contain.
struct BadHeader {
    const char* name;
    std::string json;
    std::size_t data_bytes;
    const char* reason;
};

TEST(Safetensors, RefusesEveryBadHeaderWithItsReason) {
    const std::vector<BadHeader> cases = {
        {"out_of_range", R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8, "out of range"},
        {"overlap", R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12, "overlap"},
        {"size_mismatch", R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8, "need 12"},
        {"unknown_dtype", R"({"x":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,8]}})", 8, "Q4_K"},
        {"int_dtype", R"({"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8, "unsupported"},
        {"reversed", R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8, "end before"},
        {"negative_offset", R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 8, "non-negative"},
        {"float_shape", R"({"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 8, "shape entry"},
        {"no_dtype", R"({"x":{"shape":[1],"data_offsets":[0,4]}})", 8, "dtype"},
        {"no_offsets", R"({"x":{"dtype":"F32","shape":[1]}})", 8, "data_offsets"},
        {"not_object", R"([1,2,3])", 8, "not a JSON object"},
        {"entry_not_object", R"({"x":5})", 8, "not a JSON object"},
        {"not_json", R"({"x": {"dtype": )", 8, "not valid JSON"},
        {"huge_shape", R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 8, "overflows"},
        {"rank", R"({"x":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 8, "axes"},
    };
    for (const auto& c : cases) {
        const std::string path = TempPath(std::string(c.name) + ".safetensors");
        test::WriteRaw(path, c.json, std::vector<std::uint8_t>(c.data_bytes, 0));
        const std::string error = OpenError(path);
        EXPECT_NE(error.find(c.reason), std::string::npos) << c.name << ": " << error;
        EXPECT_NE(error.find(path), std::string::npos) << c.name << ": the message names the file";
    }
}

TEST(Safetensors, RefusesAHeaderLengthThatLies) {
    const std::string path = TempPath("lies.safetensors");
    const std::string json = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    test::WriteRaw(path, json, std::vector<std::uint8_t>(4, 0), 1000000);
    EXPECT_NE(OpenError(path).find("lies"), std::string::npos);
    test::WriteRaw(path, json, std::vector<std::uint8_t>(4, 0), static_cast<long long>(std::numeric_limits<std::int64_t>::max()));
    EXPECT_NE(OpenError(path).find("lies"), std::string::npos);
    // Shorter than the header: the JSON is cut.
    test::WriteRaw(path, json, std::vector<std::uint8_t>(4, 0), 10);
    EXPECT_NE(OpenError(path).find("not valid JSON"), std::string::npos);
}

TEST(Safetensors, RefusesTruncatedMissingIrregularAndTooLargeFiles) {
    const std::string path = TempPath("short.safetensors");
    {
        std::ofstream out(path, std::ios::binary);
        out << "abc";
    }
    EXPECT_NE(OpenError(path).find("truncated"), std::string::npos);
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
    }
    EXPECT_NE(OpenError(path).find("truncated"), std::string::npos);
    // Data cut short after a valid header.
    const std::vector<RawTensor> tensors = {test::F32Tensor("x", {4}, {1, 2, 3, 4})};
    std::vector<std::uint8_t> data = test::DataOf(tensors);
    data.resize(10);
    test::WriteRaw(path, test::HeaderOf(tensors).dump(), data);
    EXPECT_NE(OpenError(path).find("truncated"), std::string::npos);

    EXPECT_NE(OpenError(TempPath("does_not_exist")).find("cannot open"), std::string::npos);
    EXPECT_NE(OpenError(testing::TempDir()).find("not a regular file"), std::string::npos);

    test::WriteSafetensors(path, tensors);
    SafetensorsLimits small;
    small.max_file_bytes = 32;
    EXPECT_NE(OpenError(path, small).find("memory limit"), std::string::npos);
    SafetensorsLimits small_header;
    small_header.max_header_bytes = 8;
    EXPECT_NE(OpenError(path, small_header).find("over the limit"), std::string::npos);
    std::string error;
    EXPECT_NE(SafetensorsFile::Open(path, &error), nullptr) << error;  // and the file itself is fine
}

TEST(Safetensors, SurvivesRandomCorruption) {
    // Flipping any byte of a valid file yields either a valid file or a message, never a crash.
    const std::string path = TempPath("fuzz.safetensors");
    const std::vector<RawTensor> tensors = {test::F32Tensor("a", {2, 2}, {1, 2, 3, 4}), test::F32Tensor("b", {1}, {5})};
    std::string text = test::HeaderOf(tensors).dump();
    const std::vector<std::uint8_t> data = test::DataOf(tensors);
    std::uint32_t state = 12345;
    for (int trial = 0; trial < 300; ++trial) {
        std::string corrupt = text;
        state = state * 1664525u + 1013904223u;
        corrupt[state % corrupt.size()] = static_cast<char>((state >> 8) & 0xff);
        test::WriteRaw(path, corrupt, data);
        std::string error;
        const auto file = SafetensorsFile::Open(path, &error);
        if (file) {
            for (const auto& t : file->Tensors()) {
                std::vector<float> values(static_cast<std::size_t>(t.Elements()));
                file->ToFloat(t, values);
            }
        } else {
            EXPECT_FALSE(error.empty());
        }
    }
}

}  // namespace
}  // namespace lens
