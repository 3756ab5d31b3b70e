// Issue 15's image cases: a top-down BMP (negative height) loads as the same picture as its
// bottom-up twin; every sniffed format declaring 100000 x 100000 is refused as TooLarge with the
// numbers before decoding; the reasons name what is wrong.
#include "lens/image.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;

void PutLe32(Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void PutLe16(Bytes& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void PutBe32(Bytes& b, std::uint32_t v) {
    for (int i = 3; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A 24-bit BMP, hand-written: rows stored top-down when `top_down` (height negative), else
// bottom-up as usual. `rgb` is top-left first.
Bytes Bmp24(int width, int height, const std::vector<std::uint8_t>& rgb, bool top_down) {
    const int stride = (width * 3 + 3) / 4 * 4;
    Bytes b = {'B', 'M'};
    PutLe32(b, static_cast<std::uint32_t>(54 + stride * height));
    PutLe32(b, 0);
    PutLe32(b, 54);
    PutLe32(b, 40);
    PutLe32(b, static_cast<std::uint32_t>(width));
    PutLe32(b, static_cast<std::uint32_t>(top_down ? -height : height));
    PutLe16(b, 1);
    PutLe16(b, 24);
    for (int i = 0; i < 6; ++i) PutLe32(b, 0);
    for (int r = 0; r < height; ++r) {
        const int y = top_down ? r : height - 1 - r;
        for (int x = 0; x < width; ++x) {
            const std::uint8_t* p = &rgb[static_cast<size_t>((y * width + x) * 3)];
            b.push_back(p[2]);  // BGR
            b.push_back(p[1]);
            b.push_back(p[0]);
        }
        for (int pad = width * 3; pad < stride; ++pad) b.push_back(0);
    }
    return b;
}

TEST(ImageReliability, TopDownBmpLoadsAsItsPixels) {
    std::mt19937 rng(5);
    for (int trial = 0; trial < 20; ++trial) {
        const int w = 1 + static_cast<int>(rng() % 9), h = 1 + static_cast<int>(rng() % 9);
        std::vector<std::uint8_t> rgb(static_cast<size_t>(w * h * 3));
        for (auto& v : rgb) v = static_cast<std::uint8_t>(rng());
        for (bool top_down : {false, true}) {
            lens::ImageLoadResult result = lens::LoadImageMemory(Bmp24(w, h, rgb, top_down), "t.bmp");
            ASSERT_TRUE(result.image) << result.message;
            EXPECT_EQ(result.image->width, w);
            EXPECT_EQ(result.image->height, h);
            EXPECT_EQ(result.image->rgb, rgb) << "top_down " << top_down;
        }
    }
}

Bytes PngChunk(const char* type, const Bytes& data) {
    Bytes b;
    PutBe32(b, static_cast<std::uint32_t>(data.size()));
    b.insert(b.end(), type, type + 4);
    b.insert(b.end(), data.begin(), data.end());
    PutBe32(b, 0);  // CRC: stb_image does not check it
    return b;
}

Bytes PngDeclaring(std::uint32_t width, std::uint32_t height) {
    Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    Bytes ihdr;
    PutBe32(ihdr, width);
    PutBe32(ihdr, height);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
    Bytes chunk = PngChunk("IHDR", ihdr);
    b.insert(b.end(), chunk.begin(), chunk.end());
    chunk = PngChunk("IDAT", Bytes{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    b.insert(b.end(), chunk.begin(), chunk.end());
    chunk = PngChunk("IEND", {});
    b.insert(b.end(), chunk.begin(), chunk.end());
    return b;
}

Bytes JpegDeclaring(std::uint32_t width, std::uint32_t height) {
    // SOI, SOF0 (8 bit, 3 components), then EOI.
    Bytes b = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08,
               static_cast<std::uint8_t>(height >> 8), static_cast<std::uint8_t>(height),
               static_cast<std::uint8_t>(width >> 8), static_cast<std::uint8_t>(width), 3,
               1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 0xFF, 0xD9};
    return b;
}

TEST(ImageReliability, OversizedDeclarationsAreRefusedWithNumbers) {
    struct Case {
        const char* name;
        Bytes bytes;
    };
    std::vector<Case> cases = {
        {"huge.png", PngDeclaring(100000, 100000)},
        {"wide.png", PngDeclaring(20000, 10)},
        {"huge.jpg", JpegDeclaring(60000, 60000)},
        {"huge.bmp", Bmp24(1, 1, {1, 2, 3}, false)},
        {"huge_topdown.bmp", Bmp24(1, 1, {1, 2, 3}, true)},
    };
    // Patch the BMPs' declared sizes (offsets 18 and 22) to 100000 x (-)100000.
    for (size_t i = 3; i < 5; ++i) {
        Bytes& b = cases[i].bytes;
        const std::int32_t height = i == 4 ? -100000 : 100000;
        std::memcpy(&b[18], "\xA0\x86\x01\x00", 4);
        std::uint32_t h = static_cast<std::uint32_t>(height);
        for (int k = 0; k < 4; ++k) b[22 + static_cast<size_t>(k)] = static_cast<std::uint8_t>(h >> (8 * k));
    }
    lens::ImageLimits limits;
    limits.max_side = 16384;
    for (const Case& c : cases) {
        lens::ImageLoadResult result = lens::LoadImageMemory(c.bytes, c.name, limits);
        EXPECT_EQ(result.error, lens::ImageError::TooLarge) << c.name << ": " << result.message;
        EXPECT_NE(result.message.find("pixels"), std::string::npos) << c.name << ": " << result.message;
        EXPECT_NE(result.message.find(c.name), std::string::npos) << result.message;
    }
}

TEST(ImageReliability, ReasonsNameTheProblem) {
    lens::ImageLoadResult zero = lens::LoadImageMemory(PngDeclaring(0, 10), "zero.png");
    EXPECT_FALSE(zero.image);
    EXPECT_FALSE(zero.message.empty());
    lens::ImageLoadResult soi_eoi = lens::LoadImageMemory(Bytes{0xFF, 0xD8, 0xFF, 0xD9}, "soi.jpg");
    EXPECT_FALSE(soi_eoi.image);
    EXPECT_NE(soi_eoi.message.find("soi.jpg"), std::string::npos) << soi_eoi.message;
    const std::string dir = std::filesystem::temp_directory_path().string();
    lens::ImageLoadResult directory = lens::LoadImageFile(dir);
    EXPECT_NE(directory.message.find("directory"), std::string::npos) << directory.message;
}

}  // namespace
