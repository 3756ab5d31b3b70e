// Tests for lens/image.hpp: bundled assets, every channel layout, broken and hostile files.
// Test images are generated at run time (stb_image_write, and a hand-made 16-bit PNG) under a
// fresh temporary directory.
#include "lens/image.hpp"

#include <gtest/gtest.h>
#include <stb_image_write.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using lens::Image;
using lens::ImageError;
using lens::ImageLimits;
using lens::ImageLoadResult;
using Bytes = std::vector<std::uint8_t>;

// [SECTION] Helpers: temporary directory, encoders, a hand-written PNG

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        for (int attempt = 0; attempt < 100; ++attempt) {
            fs::path candidate = fs::temp_directory_path() / ("lens_image_test_" + std::to_string(rd()));
            if (fs::create_directory(candidate)) {
                m_path = candidate;
                return;
            }
        }
        ADD_FAILURE() << "could not create a temporary directory";
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string File(const std::string& name) const { return (m_path / name).string(); }
    const fs::path& Path() const { return m_path; }

private:
    fs::path m_path;
};

void WriteFile(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
}

void AppendToVector(void* context, void* data, int size) {
    auto* out = static_cast<Bytes*>(context);
    const auto* p = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), p, p + size);
}

Bytes EncodePng(int w, int h, int comp, const Bytes& pixels) {
    Bytes out;
    EXPECT_NE(stbi_write_png_to_func(AppendToVector, &out, w, h, comp, pixels.data(), w * comp), 0);
    return out;
}

Bytes EncodeJpg(int w, int h, int comp, const Bytes& pixels, int quality = 95) {
    Bytes out;
    EXPECT_NE(stbi_write_jpg_to_func(AppendToVector, &out, w, h, comp, pixels.data(), quality), 0);
    return out;
}

std::uint32_t Crc32(const std::uint8_t* data, size_t size) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i) {
        crc ^= data[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

std::uint32_t Adler32(const Bytes& data) {
    std::uint32_t a = 1, b = 0;
    for (std::uint8_t v : data) {
        a = (a + v) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

void PutBe32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void PutChunk(Bytes& png, const char* type, const Bytes& data) {
    PutBe32(png, static_cast<std::uint32_t>(data.size()));
    const size_t type_at = png.size();
    png.insert(png.end(), type, type + 4);
    png.insert(png.end(), data.begin(), data.end());
    PutBe32(png, Crc32(png.data() + type_at, png.size() - type_at));
}

// A PNG with 16-bit samples, zlib "stored" (uncompressed) blocks, filter 0 on every row.
// color_type 0 = grey, 2 = RGB. `samples` has width*height*channels values, row-major.
Bytes MakePng16(std::uint32_t width, std::uint32_t height, std::uint8_t color_type,
                const std::vector<std::uint16_t>& samples) {
    const size_t channels = color_type == 2 ? 3 : 1;
    Bytes raw;
    for (std::uint32_t y = 0; y < height; ++y) {
        raw.push_back(0);  // filter: none
        for (size_t i = 0; i < width * channels; ++i) {
            const std::uint16_t s = samples[y * width * channels + i];
            raw.push_back(static_cast<std::uint8_t>(s >> 8));
            raw.push_back(static_cast<std::uint8_t>(s & 0xFF));
        }
    }
    Bytes zlib = {0x78, 0x01};
    size_t pos = 0;
    do {
        const size_t block = std::min<size_t>(raw.size() - pos, 65535);
        const bool last = pos + block == raw.size();
        zlib.push_back(last ? 1 : 0);  // BFINAL, BTYPE=00 (stored)
        zlib.push_back(static_cast<std::uint8_t>(block & 0xFF));
        zlib.push_back(static_cast<std::uint8_t>(block >> 8));
        zlib.push_back(static_cast<std::uint8_t>(~block & 0xFF));
        zlib.push_back(static_cast<std::uint8_t>((~block >> 8) & 0xFF));
        zlib.insert(zlib.end(), raw.begin() + static_cast<std::ptrdiff_t>(pos),
                    raw.begin() + static_cast<std::ptrdiff_t>(pos + block));
        pos += block;
    } while (pos < raw.size());
    PutBe32(zlib, Adler32(raw));

    Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    Bytes ihdr;
    PutBe32(ihdr, width);
    PutBe32(ihdr, height);
    ihdr.insert(ihdr.end(), {16, color_type, 0, 0, 0});
    PutChunk(png, "IHDR", ihdr);
    PutChunk(png, "IDAT", zlib);
    PutChunk(png, "IEND", {});
    return png;
}

// Rewrites the IHDR width and height of a PNG and fixes the chunk's CRC.
Bytes PatchPngSize(Bytes png, std::uint32_t width, std::uint32_t height) {
    Bytes dims;
    PutBe32(dims, width);
    PutBe32(dims, height);
    std::copy(dims.begin(), dims.end(), png.begin() + 16);
    const std::uint32_t crc = Crc32(png.data() + 12, 4 + 13);
    Bytes crc_bytes;
    PutBe32(crc_bytes, crc);
    std::copy(crc_bytes.begin(), crc_bytes.end(), png.begin() + 29);
    return png;
}

// Rewrites the frame size in the first SOF0/SOF2 segment of a JPEG.
Bytes PatchJpegSize(Bytes jpg, std::uint16_t width, std::uint16_t height) {
    for (size_t i = 2; i + 9 < jpg.size(); ++i) {
        if (jpg[i] == 0xFF && (jpg[i + 1] == 0xC0 || jpg[i + 1] == 0xC2)) {
            jpg[i + 5] = static_cast<std::uint8_t>(height >> 8);
            jpg[i + 6] = static_cast<std::uint8_t>(height & 0xFF);
            jpg[i + 7] = static_cast<std::uint8_t>(width >> 8);
            jpg[i + 8] = static_cast<std::uint8_t>(width & 0xFF);
            return jpg;
        }
    }
    ADD_FAILURE() << "no SOF marker";
    return jpg;
}

Bytes Gradient(int w, int h, int comp) {
    Bytes pixels(static_cast<size_t>(w * h * comp));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < comp; ++c)
                pixels[static_cast<size_t>((y * w + x) * comp + c)] = static_cast<std::uint8_t>((x * 7 + y * 13 + c * 50) & 0xFF);
    return pixels;
}

Bytes Noise(int w, int h, int comp, unsigned seed) {
    std::mt19937 rng(seed);
    Bytes pixels(static_cast<size_t>(w * h * comp));
    for (auto& p : pixels) p = static_cast<std::uint8_t>(rng() & 0xFF);
    return pixels;
}

ImageLoadResult LoadBytes(const Bytes& bytes, const ImageLimits& limits = {}) {
    return lens::LoadImageMemory(bytes, "test.bin", limits);
}

void ExpectError(const ImageLoadResult& result, ImageError error) {
    EXPECT_FALSE(result.image.has_value());
    EXPECT_EQ(result.error, error) << "got " << lens::ImageErrorKey(result.error) << ": " << result.message;
    EXPECT_FALSE(result.message.empty());
}

// [SECTION] Bundled assets

TEST(ImageLoad, Astronaut) {
    const std::string path = std::string(LENS_ASSETS_DIR) + "/astronaut.png";
    ImageLoadResult result = lens::LoadImageFile(path);
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.error, ImageError::None);
    EXPECT_TRUE(result.message.empty());
    const Image& image = *result.image;
    EXPECT_EQ(image.width, 512);
    EXPECT_EQ(image.height, 512);
    EXPECT_EQ(image.source_channels, 3);
    EXPECT_EQ(image.source_bits, 8);
    EXPECT_EQ(image.name, "astronaut.png");
    EXPECT_EQ(image.path, path);
    EXPECT_EQ(image.rgb.size(), 512u * 512u * 3u);
}

TEST(ImageLoad, Chelsea) {
    ImageLoadResult result = lens::LoadImageFile(std::string(LENS_ASSETS_DIR) + "/chelsea.png");
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.image->width, 451);
    EXPECT_EQ(result.image->height, 300);
    EXPECT_EQ(result.image->name, "chelsea.png");
    EXPECT_EQ(result.image->rgb.size(), 451u * 300u * 3u);
}

// [SECTION] Channel layouts: every one arrives as 8-bit RGB

TEST(ImageLoad, GreyBecomesEqualRgb) {
    TempDir dir;
    const int w = 17, h = 9;
    const Bytes grey = Gradient(w, h, 1);
    WriteFile(dir.File("grey.png"), EncodePng(w, h, 1, grey));
    ImageLoadResult result = lens::LoadImageFile(dir.File("grey.png"));
    ASSERT_TRUE(result.image.has_value()) << result.message;
    const Image& image = *result.image;
    EXPECT_EQ(image.source_channels, 1);
    EXPECT_EQ(image.name, "grey.png");
    ASSERT_EQ(image.width, w);
    ASSERT_EQ(image.height, h);
    for (size_t i = 0; i < grey.size(); ++i) {
        ASSERT_EQ(image.rgb[3 * i + 0], grey[i]) << i;
        ASSERT_EQ(image.rgb[3 * i + 1], grey[i]) << i;
        ASSERT_EQ(image.rgb[3 * i + 2], grey[i]) << i;
    }
}

TEST(ImageLoad, GreyAlphaDropsAlpha) {
    const int w = 8, h = 5;
    const Bytes ga = Gradient(w, h, 2);
    ImageLoadResult result = LoadBytes(EncodePng(w, h, 2, ga));
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.image->source_channels, 2);
    for (size_t i = 0; i < static_cast<size_t>(w * h); ++i) {
        for (int c = 0; c < 3; ++c) ASSERT_EQ(result.image->rgb[3 * i + static_cast<size_t>(c)], ga[2 * i]) << i;
    }
}

TEST(ImageLoad, RgbAndRgbaKeepColour) {
    const int w = 6, h = 7;
    const Bytes rgb = Gradient(w, h, 3);
    ImageLoadResult result = LoadBytes(EncodePng(w, h, 3, rgb));
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.image->source_channels, 3);
    EXPECT_EQ(result.image->rgb, rgb);

    Bytes rgba = Gradient(w, h, 4);
    rgba[3] = 0;  // a fully transparent pixel keeps its stored colour (alpha is dropped)
    result = LoadBytes(EncodePng(w, h, 4, rgba));
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.image->source_channels, 4);
    for (size_t i = 0; i < static_cast<size_t>(w * h); ++i) {
        for (size_t c = 0; c < 3; ++c) ASSERT_EQ(result.image->rgb[3 * i + c], rgba[4 * i + c]) << i;
    }
}

TEST(ImageLoad, JpegLoadsCloseToSource) {
    TempDir dir;
    const int w = 32, h = 24;
    Bytes rgb(static_cast<size_t>(w * h * 3));
    for (size_t i = 0; i < rgb.size(); i += 3) {
        rgb[i] = 200;
        rgb[i + 1] = 60;
        rgb[i + 2] = 30;
    }
    WriteFile(dir.File("flat.jpg"), EncodeJpg(w, h, 3, rgb));
    ImageLoadResult result = lens::LoadImageFile(dir.File("flat.jpg"));
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.image->width, w);
    EXPECT_EQ(result.image->height, h);
    EXPECT_EQ(result.image->source_channels, 3);
    for (size_t i = 0; i < rgb.size(); ++i) {
        ASSERT_NEAR(result.image->rgb[i], rgb[i], 6) << i;  // lossy, but a flat colour survives closely
    }

    // stb_image_write always writes a 3-component (YCbCr) JPEG, even from grey input.
    const Bytes grey(static_cast<size_t>(w * h), 128);
    result = LoadBytes(EncodeJpg(w, h, 1, grey));
    ASSERT_TRUE(result.image.has_value()) << result.message;
    for (std::uint8_t v : result.image->rgb) ASSERT_NEAR(v, 128, 3);
}

TEST(ImageLoad, Png16BitConvertsToEightBits) {
    const std::uint32_t w = 5, h = 3;
    std::vector<std::uint16_t> grey(w * h);
    for (size_t i = 0; i < grey.size(); ++i) grey[i] = static_cast<std::uint16_t>(0x0123 + i * 0x1111);
    ImageLoadResult result = LoadBytes(MakePng16(w, h, 0, grey));
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.image->source_bits, 16);
    EXPECT_EQ(result.image->source_channels, 1);
    ASSERT_EQ(result.image->width, 5);
    ASSERT_EQ(result.image->height, 3);
    for (size_t i = 0; i < grey.size(); ++i) {
        for (size_t c = 0; c < 3; ++c) ASSERT_EQ(result.image->rgb[3 * i + c], grey[i] >> 8) << i;
    }

    std::vector<std::uint16_t> rgb(w * h * 3);
    for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint16_t>(i * 4099 + 17);
    result = LoadBytes(MakePng16(w, h, 2, rgb));
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.image->source_bits, 16);
    EXPECT_EQ(result.image->source_channels, 3);
    for (size_t i = 0; i < rgb.size(); ++i) ASSERT_EQ(result.image->rgb[i], rgb[i] >> 8) << i;
}

// [SECTION] Broken files

TEST(ImageLoad, BmpLoads) {
    const int w = 7, h = 3;  // odd width: rows are padded to 4 bytes
    const Bytes rgb = Gradient(w, h, 3);
    Bytes bmp;
    ASSERT_NE(stbi_write_bmp_to_func(AppendToVector, &bmp, w, h, 3, rgb.data()), 0);
    ImageLoadResult result = LoadBytes(bmp);
    ASSERT_TRUE(result.image.has_value()) << result.message;
    EXPECT_EQ(result.image->rgb, rgb);
    // Cut anywhere: refused, never padded with black.
    for (size_t n = 1; n < bmp.size(); ++n) {
        result = LoadBytes(Bytes(bmp.begin(), bmp.begin() + static_cast<std::ptrdiff_t>(n)));
        ASSERT_FALSE(result.image.has_value()) << n;
        if (n >= 2) {
            ASSERT_EQ(result.error, ImageError::Truncated) << n << ": " << result.message;
        }
    }
}

TEST(ImageErrors, MissingPath) {
    TempDir dir;
    ImageLoadResult result = lens::LoadImageFile(dir.File("no_such_file.png"));
    ExpectError(result, ImageError::Missing);
    EXPECT_NE(result.message.find("no_such_file.png"), std::string::npos) << result.message;
    ExpectError(lens::LoadImageFile(""), ImageError::Missing);
}

TEST(ImageErrors, EmptyFile) {
    TempDir dir;
    WriteFile(dir.File("empty.png"), {});
    ImageLoadResult result = lens::LoadImageFile(dir.File("empty.png"));
    ExpectError(result, ImageError::Empty);
    EXPECT_NE(result.message.find("empty.png"), std::string::npos) << result.message;
}

TEST(ImageErrors, DirectoryIsUnreadable) {
    TempDir dir;
    ExpectError(lens::LoadImageFile(dir.Path().string()), ImageError::Unreadable);
}

TEST(ImageErrors, TruncatedPng) {
    TempDir dir;
    const Bytes png = EncodePng(64, 64, 3, Noise(64, 64, 3, 7));
    Bytes cut(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() * 4 / 10));
    WriteFile(dir.File("cut.png"), cut);
    ImageLoadResult result = lens::LoadImageFile(dir.File("cut.png"));
    ExpectError(result, ImageError::Truncated);
    EXPECT_NE(result.message.find("cut.png"), std::string::npos) << result.message;
}

TEST(ImageErrors, TruncatedJpeg) {
    const Bytes jpg = EncodeJpg(64, 64, 3, Noise(64, 64, 3, 11));
    ASSERT_TRUE(LoadBytes(jpg).image.has_value());
    for (int percent : {30, 60, 90, 99}) {
        Bytes cut(jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(jpg.size() * static_cast<size_t>(percent) / 100));
        ExpectError(LoadBytes(cut), ImageError::Truncated);
    }
}

TEST(ImageErrors, EveryPrefixIsAnError) {
    // Cut at every length: never a crash, never a half image passed off as whole.
    const Bytes png = EncodePng(6, 5, 3, Noise(6, 5, 3, 3));
    for (size_t n = 1; n < png.size(); ++n) {
        const ImageLoadResult result = LoadBytes(Bytes(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(n)));
        ASSERT_FALSE(result.image.has_value()) << n;
        ASSERT_FALSE(result.message.empty()) << n;
        if (n >= 8) {
            ASSERT_EQ(result.error, ImageError::Truncated) << n << ": " << result.message;
        }
    }
    const Bytes jpg = EncodeJpg(6, 5, 3, Noise(6, 5, 3, 4));
    for (size_t n = 1; n < jpg.size(); ++n) {
        const ImageLoadResult result = LoadBytes(Bytes(jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(n)));
        ASSERT_FALSE(result.image.has_value()) << n;
        ASSERT_FALSE(result.message.empty()) << n;
        if (n >= 3) {
            ASSERT_EQ(result.error, ImageError::Truncated) << n << ": " << result.message;
        }
    }
}

TEST(ImageErrors, RandomBytesAndTextAreNotImages) {
    TempDir dir;
    WriteFile(dir.File("noise.png"), Noise(1000, 1, 1, 42));
    ExpectError(lens::LoadImageFile(dir.File("noise.png")), ImageError::NotAnImage);
    const std::string text = "This is a text file, not a picture.\n";
    WriteFile(dir.File("notes.txt"), Bytes(text.begin(), text.end()));
    ImageLoadResult result = lens::LoadImageFile(dir.File("notes.txt"));
    ExpectError(result, ImageError::NotAnImage);
    EXPECT_NE(result.message.find("notes.txt"), std::string::npos) << result.message;
}

TEST(ImageErrors, OtherFormatsAreRefusedByName) {
    // A valid 1x1 GIF: stb_image could decode it, but its GIF decoder is not trusted.
    const Bytes gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF,
                       ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, ';'};
    ImageLoadResult result = LoadBytes(gif);
    ExpectError(result, ImageError::NotAnImage);
    EXPECT_NE(result.message.find("GIF"), std::string::npos) << result.message;
    const std::string pnm = "P6\n2 2\n255\n";
    result = LoadBytes(Bytes(pnm.begin(), pnm.end()));
    ExpectError(result, ImageError::NotAnImage);
    EXPECT_NE(result.message.find("PNM"), std::string::npos) << result.message;
    // TGA has no signature: a plausible TGA header is just bytes.
    const Bytes tga = {0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 24, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    ExpectError(LoadBytes(tga), ImageError::NotAnImage);
}

TEST(ImageErrors, JpegHuffmanTableOverflowIsRefused) {
    // stb_image 2.27 writes past its 257-entry arrays when a DHT declares more than 256 codes.
    Bytes jpg = EncodeJpg(8, 8, 3, Noise(8, 8, 3, 6));
    size_t dht = 0;
    for (size_t i = 2; i + 1 < jpg.size(); ++i) {
        if (jpg[i] == 0xFF && jpg[i + 1] == 0xC4) {
            dht = i;
            break;
        }
    }
    ASSERT_NE(dht, 0u);
    for (size_t k = 0; k < 16; ++k) jpg[dht + 5 + k] = 0xFF;  // 16 x 255 codes in the first table
    const ImageLoadResult result = LoadBytes(jpg);
    ExpectError(result, ImageError::Unreadable);
    EXPECT_NE(result.message.find("Huffman"), std::string::npos) << result.message;  // refused before stb_image
}

TEST(ImageErrors, HeaderOverSideLimitIsRefusedBeforeDecoding) {
    // The IDAT holds 2x2 pixels of data: a decoder that trusted the header would fail or
    // allocate for 20000 x 10; TooLarge can only come from the header check.
    const Bytes png = PatchPngSize(EncodePng(2, 2, 3, Noise(2, 2, 3, 1)), 20000, 10);
    ImageLoadResult result = LoadBytes(png);
    ExpectError(result, ImageError::TooLarge);
    EXPECT_NE(result.message.find("20,000 x 10"), std::string::npos) << result.message;
    EXPECT_NE(result.message.find("16,384"), std::string::npos) << result.message;
}

TEST(ImageErrors, HeaderOverPixelLimitIsRefusedBeforeDecoding) {
    // 17000 x 17000 is also over stb_image's own limit, which refuses it inside stbi_info.
    const Bytes png = PatchPngSize(EncodePng(2, 2, 3, Noise(2, 2, 3, 1)), 17000, 17000);
    ImageLoadResult result = LoadBytes(png);
    ExpectError(result, ImageError::TooLarge);
    EXPECT_NE(result.message.find("17,000 x 17,000"), std::string::npos) << result.message;

    // Under the side limit but over the pixel limit.
    ImageLimits limits;
    limits.max_pixels = 1000;
    result = LoadBytes(EncodePng(40, 40, 1, Noise(40, 40, 1, 2)), limits);
    ExpectError(result, ImageError::TooLarge);
    EXPECT_NE(result.message.find("1,600"), std::string::npos) << result.message;
    EXPECT_NE(result.message.find("1,000"), std::string::npos) << result.message;
}

TEST(ImageErrors, JpegHeaderOverLimit) {
    const Bytes jpg = EncodeJpg(16, 16, 3, Noise(16, 16, 3, 5));
    ExpectError(LoadBytes(PatchJpegSize(jpg, 20000, 20000)), ImageError::TooLarge);
    ExpectError(LoadBytes(PatchJpegSize(jpg, 65535, 65535)), ImageError::TooLarge);
}

TEST(ImageErrors, FileOverByteLimit) {
    TempDir dir;
    WriteFile(dir.File("big.png"), EncodePng(32, 32, 3, Noise(32, 32, 3, 9)));
    ImageLimits limits;
    limits.max_file_bytes = 100;
    ImageLoadResult result = lens::LoadImageFile(dir.File("big.png"), limits);
    ExpectError(result, ImageError::TooLarge);
    EXPECT_NE(result.message.find("bytes"), std::string::npos) << result.message;
}

TEST(ImageErrors, SeededMutationsNeverCrash) {
    // Small limits keep a mutated header from asking for a large (legal) allocation.
    ImageLimits limits;
    limits.max_side = 512;
    limits.max_pixels = 64 * 1024;
    const std::array<Bytes, 2> seeds = {EncodePng(12, 10, 3, Noise(12, 10, 3, 21)),
                                        EncodeJpg(12, 10, 3, Noise(12, 10, 3, 22))};
    std::mt19937 rng(12345);
    int decoded = 0, refused = 0;
    for (const Bytes& seed : seeds) {
        for (int round = 0; round < 200; ++round) {
            Bytes bytes = seed;
            const int edits = 1 + static_cast<int>(rng() % 8);
            for (int e = 0; e < edits; ++e) {
                const size_t at = rng() % bytes.size();
                switch (rng() % 4) {
                    case 0: bytes[at] = static_cast<std::uint8_t>(rng()); break;              // overwrite
                    case 1: bytes[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;  // flip a bit
                    case 2: bytes.resize(std::max<size_t>(1, at)); break;                      // cut
                    default: bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng()));
                }
            }
            const ImageLoadResult result = LoadBytes(bytes, limits);
            if (result.image) {
                ++decoded;
                EXPECT_EQ(result.error, ImageError::None);
                EXPECT_EQ(result.image->rgb.size(),
                          static_cast<size_t>(result.image->width) * static_cast<size_t>(result.image->height) * 3);
            } else {
                ++refused;
                EXPECT_NE(result.error, ImageError::None);
                EXPECT_FALSE(result.message.empty());
            }
        }
    }
    EXPECT_EQ(decoded + refused, 400);
}

TEST(ImageErrors, StableKeys) {
    EXPECT_STREQ(lens::ImageErrorKey(ImageError::None), "none");
    EXPECT_STREQ(lens::ImageErrorKey(ImageError::Missing), "missing");
    EXPECT_STREQ(lens::ImageErrorKey(ImageError::Empty), "empty");
    EXPECT_STREQ(lens::ImageErrorKey(ImageError::Truncated), "truncated");
    EXPECT_STREQ(lens::ImageErrorKey(ImageError::NotAnImage), "not_an_image");
    EXPECT_STREQ(lens::ImageErrorKey(ImageError::TooLarge), "too_large");
    EXPECT_STREQ(lens::ImageErrorKey(ImageError::Unreadable), "unreadable");
}

// [SECTION] Conversion and resizing

Image SolidImage(int w, int h, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    Image image;
    image.width = w;
    image.height = h;
    image.name = "solid";
    for (int i = 0; i < w * h; ++i) image.rgb.insert(image.rgb.end(), {r, g, b});
    return image;
}

TEST(ImageConvert, LuminanceAndChannels) {
    Image image = SolidImage(3, 2, 255, 0, 0);
    image.rgb[3 * 4 + 0] = 0;  // pixel (1, 1): pure green
    image.rgb[3 * 4 + 1] = 255;
    const lens::Grid<float> luma = lens::ToLuminance(image);
    ASSERT_EQ(luma.width, 3);
    ASSERT_EQ(luma.height, 2);
    EXPECT_NEAR(luma.At(0, 0), 0.2126f, 1e-5f);
    EXPECT_NEAR(luma.At(1, 1), 0.7152f, 1e-5f);
    EXPECT_NEAR(lens::ToLuminance(SolidImage(1, 1, 255, 255, 255)).At(0, 0), 1.0f, 1e-5f);
    EXPECT_NEAR(lens::ToLuminance(SolidImage(1, 1, 0, 0, 255)).At(0, 0), 0.0722f, 1e-5f);

    const lens::Grid<float> red = lens::ToChannel(image, 0);
    const lens::Grid<float> green = lens::ToChannel(image, 1);
    EXPECT_FLOAT_EQ(red.At(0, 0), 1.0f);
    EXPECT_FLOAT_EQ(red.At(1, 1), 0.0f);
    EXPECT_FLOAT_EQ(green.At(1, 1), 1.0f);
    EXPECT_FLOAT_EQ(lens::ToChannel(image, 2).At(2, 1), 0.0f);
    EXPECT_TRUE(lens::ToChannel(image, 3).Empty());
    EXPECT_TRUE(lens::ToChannel(image, -1).Empty());
    EXPECT_TRUE(lens::ToLuminance(Image{}).Empty());
}

TEST(ImageConvert, Resize) {
    const Image solid = SolidImage(40, 30, 10, 128, 250);
    const Image small = lens::ResizeRgb(solid, 7, 5);
    ASSERT_EQ(small.width, 7);
    ASSERT_EQ(small.height, 5);
    ASSERT_EQ(small.rgb.size(), 7u * 5u * 3u);
    EXPECT_EQ(small.name, "solid");
    for (size_t i = 0; i < small.rgb.size(); i += 3) {
        EXPECT_NEAR(small.rgb[i], 10, 1);
        EXPECT_NEAR(small.rgb[i + 1], 128, 1);
        EXPECT_NEAR(small.rgb[i + 2], 250, 1);
    }
    const Image big = lens::ResizeRgb(solid, 100, 90);
    ASSERT_EQ(big.width, 100);
    ASSERT_EQ(big.height, 90);
    EXPECT_NEAR(big.rgb[3 * (45 * 100 + 50) + 1], 128, 1);

    // Left half black, right half white: after shrinking, the left is dark and the right bright.
    Image halves = SolidImage(64, 8, 0, 0, 0);
    for (int y = 0; y < 8; ++y)
        for (int x = 32; x < 64; ++x)
            for (int c = 0; c < 3; ++c) halves.rgb[static_cast<size_t>(3 * (y * 64 + x) + c)] = 255;
    const Image shrunk = lens::ResizeRgb(halves, 8, 1);
    ASSERT_EQ(shrunk.width, 8);
    EXPECT_LT(shrunk.rgb[0], 20);
    EXPECT_GT(shrunk.rgb[3 * 7], 235);

    EXPECT_TRUE(lens::ResizeRgb(solid, 0, 5).Empty());
    EXPECT_TRUE(lens::ResizeRgb(solid, 5, -1).Empty());
    EXPECT_TRUE(lens::ResizeRgb(Image{}, 5, 5).Empty());
    EXPECT_TRUE(lens::ResizeRgb(solid, 20000, 2).Empty());  // over the default side limit
}

TEST(ImageConvert, ResizeLoadedAsset) {
    ImageLoadResult result = lens::LoadImageFile(std::string(LENS_ASSETS_DIR) + "/chelsea.png");
    ASSERT_TRUE(result.image.has_value()) << result.message;
    const Image resized = lens::ResizeRgb(*result.image, 224, 224);
    EXPECT_EQ(resized.width, 224);
    EXPECT_EQ(resized.height, 224);
    EXPECT_EQ(resized.name, "chelsea.png");
    EXPECT_EQ(lens::ToLuminance(resized).data.size(), 224u * 224u);
}

}  // namespace
