// tests/app/test_gif.cpp: the GIF encoder round-trips frames through giflib's decoder.
#include <gtest/gtest.h>

#include <gif_lib.h>

#include <cstring>
#include <random>

#include "gif_encoder.hpp"

namespace {

using lens::app::EncodeGif;
using lens::app::GifFrames;

struct Reader {
    const std::vector<std::uint8_t>* bytes;
    std::size_t at = 0;
};

int ReadBytes(GifFileType* gif, GifByteType* out, int n) {
    auto* r = static_cast<Reader*>(gif->UserData);
    const std::size_t take = std::min(static_cast<std::size_t>(n), r->bytes->size() - r->at);
    std::memcpy(out, r->bytes->data() + r->at, take);
    r->at += take;
    return static_cast<int>(take);
}

TEST(GifEncoder, FewColourFramesRoundTripExactly) {
    std::mt19937 rng(3);
    for (int trial = 0; trial < 20; ++trial) {
        GifFrames frames;
        frames.width = 1 + static_cast<int>(rng() % 40);
        frames.height = 1 + static_cast<int>(rng() % 30);
        const int count = 2 + static_cast<int>(rng() % 5);
        const std::uint8_t palette[4][3] = {{0, 0, 0}, {255, 255, 255}, {200, 30, 40}, {20, 90, 250}};
        for (int f = 0; f < count; ++f) {
            std::vector<std::uint8_t> rgba(static_cast<std::size_t>(frames.width * frames.height) * 4);
            for (std::size_t i = 0; i < rgba.size() / 4; ++i) {
                const auto* c = palette[rng() % 4];
                rgba[i * 4] = c[0], rgba[i * 4 + 1] = c[1], rgba[i * 4 + 2] = c[2], rgba[i * 4 + 3] = 255;
            }
            frames.rgba.push_back(std::move(rgba));
        }
        std::vector<std::uint8_t> bytes;
        std::string error;
        ASSERT_TRUE(EncodeGif(frames, &bytes, &error)) << error;
        ASSERT_GE(bytes.size(), 6u);
        EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 6), "GIF89a");
        Reader reader{&bytes};
        int code = 0;
        GifFileType* gif = DGifOpen(&reader, ReadBytes, &code);
        ASSERT_NE(gif, nullptr);
        ASSERT_EQ(DGifSlurp(gif), GIF_OK);
        ASSERT_EQ(gif->ImageCount, count);
        for (int f = 0; f < count; ++f) {
            const SavedImage& image = gif->SavedImages[f];
            const ColorMapObject* map = image.ImageDesc.ColorMap;
            ASSERT_NE(map, nullptr);
            for (std::size_t i = 0; i < static_cast<std::size_t>(frames.width * frames.height); ++i) {
                const GifColorType c = map->Colors[image.RasterBits[i]];
                // Median cut keeps 4 well-separated colours to within its 5-bit buckets.
                EXPECT_NEAR(c.Red, frames.rgba[static_cast<std::size_t>(f)][i * 4], 8);
                EXPECT_NEAR(c.Blue, frames.rgba[static_cast<std::size_t>(f)][i * 4 + 2], 8);
            }
        }
        DGifCloseFile(gif, &code);
    }
}

TEST(GifEncoder, RefusesBadInput) {
    std::vector<std::uint8_t> bytes;
    std::string error;
    GifFrames none;
    none.width = 4;
    none.height = 4;
    EXPECT_FALSE(EncodeGif(none, &bytes, &error));
    GifFrames wrong = none;
    wrong.rgba.push_back(std::vector<std::uint8_t>(10));
    EXPECT_FALSE(EncodeGif(wrong, &bytes, &error));
    GifFrames zero;
    zero.rgba.push_back({});
    EXPECT_FALSE(EncodeGif(zero, &bytes, &error));
    EXPECT_NE(error.find("1..65535"), std::string::npos);
}

}  // namespace
