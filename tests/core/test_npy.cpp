// Tests for lens/npy.hpp: numpy's exact header bytes, round trips for every dtype and shape kind,
// corrupt files, and write failures. numpy itself is not needed: the expected bytes were taken
// from numpy 1.24 (np.lib.format.write_array_header_1_0) and are spelled out here.
#include "lens/npy.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using lens::Index;

class NpyTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        for (int attempt = 0; attempt < 100 && m_dir.empty(); ++attempt) {
            fs::path candidate = fs::temp_directory_path() / ("lens_npy_test_" + std::to_string(rd()));
            if (fs::create_directory(candidate)) m_dir = candidate;
        }
        ASSERT_FALSE(m_dir.empty());
    }
    void TearDown() override {
        std::error_code ec;
        if (!m_dir.empty()) fs::remove_all(m_dir, ec);
    }
    std::string File(const std::string& name) const { return (m_dir / name).string(); }
    static std::string ReadAll(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    static void WriteAll(const std::string& path, const std::string& bytes) {
        std::ofstream out(path, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    // Expects ReadNpy to refuse the file with a message naming it; returns the message.
    std::string ExpectRefused(const std::string& name, const std::string& bytes) {
        WriteAll(File(name), bytes);
        std::string error;
        auto array = lens::ReadNpy(File(name), &error);
        EXPECT_FALSE(array.has_value()) << name;
        EXPECT_NE(error.find(name), std::string::npos) << error;
        return error;
    }

    fs::path m_dir;
};

std::string Padded(const std::string& dict, size_t total) {
    std::string out = dict;
    out.append(total - 10 - dict.size() - 1, ' ');
    out.push_back('\n');
    return out;
}

// The prefix of a version 1.0 header of `total` bytes.
std::string Prefix(size_t total) {
    const size_t length = total - 10;
    return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(length & 0xFF) + static_cast<char>(length >> 8);
}

TEST_F(NpyTest, HeaderMatchesNumpyBytes) {
    // np.save of np.zeros((2, 3), np.float32) with numpy 1.24: 128 bytes of header, 'v' = 118.
    const std::vector<Index> shape = {2, 3};
    const std::vector<float> data = {0, 1, 2, 3, 4, 5};
    ASSERT_TRUE(lens::WriteNpy(File("a.npy"), data, shape, nullptr));
    const std::string bytes = ReadAll(File("a.npy"));
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const std::string expected_header = Prefix(128) + Padded(dict, 128);
    ASSERT_EQ(expected_header.size(), 128u);
    EXPECT_EQ(expected_header.substr(0, 10), std::string("\x93NUMPY\x01\x00v\x00", 10));
    ASSERT_EQ(bytes.size(), 128u + 6 * 4);
    EXPECT_EQ(bytes.substr(0, 128), expected_header);
    float third = 0;
    std::memcpy(&third, bytes.data() + 128 + 2 * 4, 4);
    EXPECT_EQ(third, 2.0f);
}

TEST_F(NpyTest, HeaderShapesLikeNumpy) {
    // Each header was printed by numpy 1.24; all pad to 128 bytes.
    const std::vector<Index> scalar = {};
    const std::vector<Index> vec = {5};
    const std::vector<Index> empty = {0};
    const std::vector<Index> cube = {2, 3, 4};
    EXPECT_EQ(lens::NpyHeader("<f8", scalar),
              Prefix(128) + Padded("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 128));
    EXPECT_EQ(lens::NpyHeader("|u1", vec),
              Prefix(128) + Padded("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", 128));
    EXPECT_EQ(lens::NpyHeader("<i4", empty),
              Prefix(128) + Padded("{'descr': '<i4', 'fortran_order': False, 'shape': (0,), }", 128));
    EXPECT_EQ(lens::NpyHeader("<i8", cube),
              Prefix(128) + Padded("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3, 4), }", 128));
    // Every header ends in '\n' at a multiple of 64, whatever the shape.
    std::vector<Index> shape;
    for (int dims = 0; dims < 40; ++dims) {
        const std::string header = lens::NpyHeader("<f4", shape);
        EXPECT_EQ(header.size() % 64, 0u) << dims;
        EXPECT_EQ(header.back(), '\n');
        shape.push_back(1000000007LL * (dims + 1));
    }
}

template <class T>
void RoundTrip(NpyTest& test, const std::string& file, const std::string& dtype, const std::vector<T>& data,
               const std::vector<Index>& shape) {
    std::string error;
    ASSERT_TRUE(lens::WriteNpy(file, std::span<const T>(data), shape, &error)) << error;
    EXPECT_TRUE(error.empty());
    auto array = lens::ReadNpy(file, &error);
    ASSERT_TRUE(array.has_value()) << error;
    EXPECT_EQ(array->dtype, dtype);
    EXPECT_EQ(array->shape, shape);
    EXPECT_FALSE(array->fortran_order);
    ASSERT_EQ(array->values.size(), data.size());
    for (size_t i = 0; i < data.size(); ++i) EXPECT_EQ(array->values[i], static_cast<double>(data[i])) << i;
    (void)test;
}

template <class T>
std::vector<T> Sequence(size_t n, double scale, double offset) {
    std::vector<T> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<T>(offset + scale * static_cast<double>(i));
    return out;
}

TEST_F(NpyTest, RoundTripEveryDtypeAndShape) {
    const std::vector<std::vector<Index>> shapes = {{}, {0}, {5}, {2, 3, 4}, {3, 0, 2}};
    int k = 0;
    for (const auto& shape : shapes) {
        size_t n = 1;
        for (Index d : shape) n *= static_cast<size_t>(d);
        const std::string tag = std::to_string(k++);
        RoundTrip(*this, File("f4_" + tag + ".npy"), "<f4", Sequence<float>(n, 0.25, -1.5), shape);
        RoundTrip(*this, File("f8_" + tag + ".npy"), "<f8", Sequence<double>(n, 1.0 / 3.0, 1e-300), shape);
        RoundTrip(*this, File("i4_" + tag + ".npy"), "<i4", Sequence<std::int32_t>(n, -1000003, 7), shape);
        RoundTrip(*this, File("i8_" + tag + ".npy"), "<i8", Sequence<std::int64_t>(n, 4.0e12, -9.0e15), shape);
        RoundTrip(*this, File("u1_" + tag + ".npy"), "|u1", Sequence<std::uint8_t>(n, 11, 0), shape);
    }
}

TEST_F(NpyTest, ExtremeValuesSurvive) {
    const std::vector<Index> shape = {4};
    RoundTrip(*this, File("f.npy"), "<f4",
              std::vector<float>{std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(), -0.0f,
                                 std::numeric_limits<float>::infinity()},
              shape);
    RoundTrip(*this, File("i.npy"), "<i4",
              std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min(),
                                        std::numeric_limits<std::int32_t>::max(), 0, -1},
              shape);
    RoundTrip(*this, File("u.npy"), "|u1", std::vector<std::uint8_t>{0, 1, 254, 255}, shape);
}

TEST_F(NpyTest, ShapeMismatchIsRefused) {
    const std::vector<float> data(5);
    const std::vector<Index> wrong = {2, 3};
    std::string error;
    EXPECT_FALSE(lens::WriteNpy(File("x.npy"), data, wrong, &error));
    EXPECT_NE(error.find("(2, 3)"), std::string::npos) << error;
    EXPECT_FALSE(fs::exists(File("x.npy")));
    const std::vector<Index> negative = {-1, -5};
    EXPECT_FALSE(lens::WriteNpy(File("x.npy"), data, negative, &error));
    EXPECT_NE(error.find("negative"), std::string::npos) << error;
    const std::vector<Index> overflow = {1LL << 40, 1LL << 40};
    EXPECT_FALSE(lens::WriteNpy(File("x.npy"), data, overflow, &error));
    EXPECT_NE(error.find("overflow"), std::string::npos) << error;
    const std::vector<Index> scalar = {};
    EXPECT_FALSE(lens::WriteNpy(File("x.npy"), std::span<const float>(), scalar, nullptr));  // 0-d holds one value
}

TEST_F(NpyTest, UnwritablePathReturnsFalse) {
    const std::vector<double> data = {1, 2};
    const std::vector<Index> shape = {2};
    std::string error;
    // A missing directory and a path that is a directory fail even for root.
    const std::string missing_dir = File("no_such_dir/out.npy");
    EXPECT_FALSE(lens::WriteNpy(missing_dir, data, shape, &error));
    EXPECT_NE(error.find(missing_dir), std::string::npos) << error;
    error.clear();
    EXPECT_FALSE(lens::WriteNpy(m_dir.string(), data, shape, &error));
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(lens::WriteNpy(missing_dir, data, shape, nullptr));  // a null error pointer is allowed
}

TEST_F(NpyTest, CorruptFilesAreRefused) {
    const std::string valid_header = lens::NpyHeader("<f4", std::vector<Index>{2, 3});
    const std::string data(24, '\0');
    std::string message;

    message = ExpectRefused("missing_magic.npy", "PK\x03\x04 not numpy at all");
    EXPECT_NE(message.find("magic"), std::string::npos) << message;
    ExpectRefused("empty.npy", "");
    ExpectRefused("short.npy", std::string("\x93NUMPY\x01", 7));
    ExpectRefused("version.npy", std::string("\x93NUMPY\x09\x00", 8) + valid_header.substr(8) + data);
    message = ExpectRefused("truncated_data.npy", valid_header + data.substr(0, 20));
    EXPECT_NE(message.find("24"), std::string::npos) << message;
    ExpectRefused("trailing_data.npy", valid_header + data + "xx");
    ExpectRefused("truncated_header.npy", valid_header.substr(0, 60));

    auto with_dict = [](const std::string& dict) {
        std::string header = Prefix(128) + Padded(dict, 128);
        return header;
    };
    message = ExpectRefused("fortran.npy",
                            with_dict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }") + data);
    EXPECT_NE(message.find("Fortran"), std::string::npos) << message;
    message = ExpectRefused("dtype.npy", with_dict("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }") + data);
    EXPECT_NE(message.find(">f4"), std::string::npos) << message;
    ExpectRefused("complex.npy", with_dict("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }") + data);
    ExpectRefused("structured.npy",
                  with_dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }") + data);
    ExpectRefused("no_shape.npy", with_dict("{'descr': '<f4', 'fortran_order': False, }") + data);
    ExpectRefused("extra_key.npy",
                  with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1, }") + data);
    ExpectRefused("negative.npy", with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }") + data);
    ExpectRefused("garbage.npy", with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } junk") + data);
    message = ExpectRefused(
        "overflow.npy",
        with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }") + data);
    EXPECT_NE(message.find("overflow"), std::string::npos) << message;
    ExpectRefused("huge_dim.npy",
                  with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }") + data);
    // Shape larger than the file: refused from the header, nothing allocated for it.
    message = ExpectRefused(
        "too_big.npy", with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }") + data);
    EXPECT_NE(message.find("8,000,000,000,000"), std::string::npos) << message;

    // A header length over the limit (version 2.0 allows 4 GiB headers).
    std::string big = std::string("\x93NUMPY\x02\x00", 8);
    const std::uint32_t length = 1u << 20;
    for (int i = 0; i < 4; ++i) big.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
    message = ExpectRefused("big_header.npy", big + "{}");
    EXPECT_NE(message.find("header"), std::string::npos) << message;

    std::string error;
    EXPECT_FALSE(lens::ReadNpy(File("does_not_exist.npy"), &error).has_value());
    EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

TEST_F(NpyTest, ReadsVersion2AndDoubleQuotes) {
    // Other writers use double quotes or reorder keys; numpy writes version 2.0 for huge headers.
    const std::string dict = "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<i4\"}";
    std::string bytes = std::string("\x93NUMPY\x02\x00", 8);
    const size_t header_length = 128 - 12;
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((header_length >> (8 * i)) & 0xFF));
    bytes += dict;
    bytes.append(128 - bytes.size() - 1, ' ');
    bytes.push_back('\n');
    const std::int32_t values[3] = {-7, 0, 123456};
    bytes.append(reinterpret_cast<const char*>(values), sizeof values);
    WriteAll(File("v2.npy"), bytes);
    std::string error;
    auto array = lens::ReadNpy(File("v2.npy"), &error);
    ASSERT_TRUE(array.has_value()) << error;
    EXPECT_EQ(array->shape, std::vector<Index>{3});
    EXPECT_EQ(array->values, (std::vector<double>{-7, 0, 123456}));
}

TEST_F(NpyTest, SeededCorruptionNeverCrashes) {
    const std::vector<float> data = Sequence<float>(24, 0.5, 0);
    const std::vector<Index> shape = {2, 3, 4};
    ASSERT_TRUE(lens::WriteNpy(File("seed.npy"), data, shape, nullptr));
    const std::string seed = ReadAll(File("seed.npy"));
    std::mt19937 rng(99);
    for (int round = 0; round < 300; ++round) {
        std::string bytes = seed;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const size_t at = rng() % bytes.size();
            if (rng() % 3 == 0) bytes.resize(at);
            else bytes[at] = static_cast<char>(rng());
            if (bytes.empty()) break;
        }
        WriteAll(File("mutant.npy"), bytes);
        std::string error;
        auto array = lens::ReadNpy(File("mutant.npy"), &error);
        if (array) {
            size_t n = 1;
            for (Index d : array->shape) n *= static_cast<size_t>(d);
            EXPECT_EQ(array->values.size(), n);
        } else {
            EXPECT_FALSE(error.empty());
        }
    }
}

}  // namespace
