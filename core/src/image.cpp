// lens/image.cpp: image loading through stb_image, with limits checked before decoding.
//
// [SECTION] Messages
// [SECTION] Container sniffing (PNG chunks, JPEG markers, BMP sizes)
// [SECTION] Loading
// [SECTION] Conversion and resizing
//
// stb_image and stb_image_resize are compiled into Debian's libstb (no *_IMPLEMENTATION here).
// stb_image reports why a decode failed only as a short reason string, and it happily "decodes" a
// JPEG or BMP that stops half-way (it pads the missing data), so the container is walked here to
// tell a truncated file from a corrupt one, and to keep inputs that trip known stb_image 2.27
// bugs away from it.
#include "lens/image.hpp"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

namespace lens {

namespace {

// [SECTION] Messages

ImageLoadResult Fail(ImageError error, std::string message) {
    ImageLoadResult result;
    result.error = error;
    result.message = std::move(message);
    return result;
}

std::string Quoted(const std::string& name) { return "'" + name + "'"; }

std::string StbReason() {
    const char* reason = stbi_failure_reason();
    return reason != nullptr && reason[0] != '\0' ? reason : "unknown decoder error";
}

std::string DescribeSize(Count width, Count height) {
    return FormatExact(width) + " x " + FormatExact(height) + " pixels";
}

// Checks the header's dimensions against the limits; empty string when they pass.
std::string CheckDimensions(const std::string& name, Count width, Count height, const ImageLimits& limits) {
    if (width > limits.max_side || height > limits.max_side) {
        return Quoted(name) + " is " + DescribeSize(width, height) + ", more than the limit of " +
               FormatExact(limits.max_side) + " pixels per side.";
    }
    // Both sides are below max_side (an int), so the product cannot overflow int64.
    const Count pixels = width * height;
    if (pixels > limits.max_pixels) {
        return Quoted(name) + " is " + DescribeSize(width, height) + " (" + FormatExact(pixels) +
               " pixels), more than the limit of " + FormatExact(limits.max_pixels) + " pixels.";
    }
    return {};
}

// [SECTION] Container sniffing (PNG chunks, JPEG markers, BMP sizes)

// Only PNG, JPEG and BMP reach stb_image. Its other decoders are refused by signature: stb_image
// 2.27 (Debian 12) has published memory-safety bugs in the GIF and PSD paths and hands back
// uninitialised memory for a truncated PNM, and TGA has no signature at all, so random bytes
// would "load" as a TGA picture.
enum class Container { Unknown, Png, Jpeg, Bmp, Refused };
enum class Structure { Complete, Truncated, Malformed };

struct Sniffed {
    Container container = Container::Unknown;
    const char* format = "";  // for Refused: the format's name, for the message
};

constexpr std::uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

std::uint32_t ReadBe32(std::span<const std::uint8_t> b, size_t pos) {
    return (std::uint32_t{b[pos]} << 24) | (std::uint32_t{b[pos + 1]} << 16) | (std::uint32_t{b[pos + 2]} << 8) |
           std::uint32_t{b[pos + 3]};
}
std::uint32_t ReadBe16(std::span<const std::uint8_t> b, size_t pos) {
    return (std::uint32_t{b[pos]} << 8) | std::uint32_t{b[pos + 1]};
}
std::uint32_t ReadLe32(std::span<const std::uint8_t> b, size_t pos) {
    return std::uint32_t{b[pos]} | (std::uint32_t{b[pos + 1]} << 8) | (std::uint32_t{b[pos + 2]} << 16) |
           (std::uint32_t{b[pos + 3]} << 24);
}
std::uint32_t ReadLe16(std::span<const std::uint8_t> b, size_t pos) {
    return std::uint32_t{b[pos]} | (std::uint32_t{b[pos + 1]} << 8);
}

bool StartsWith(std::span<const std::uint8_t> b, const char* text) {
    const size_t n = std::strlen(text);
    return b.size() >= n && std::memcmp(b.data(), text, n) == 0;
}

Sniffed Sniff(std::span<const std::uint8_t> b) {
    if (b.size() >= 8 && std::memcmp(b.data(), kPngSignature, 8) == 0) return {Container::Png, "PNG"};
    if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return {Container::Jpeg, "JPEG"};
    if (StartsWith(b, "BM")) return {Container::Bmp, "BMP"};
    if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) return {Container::Refused, "GIF"};
    if (StartsWith(b, "8BPS")) return {Container::Refused, "PSD"};
    if (StartsWith(b, "#?RADIANCE") || StartsWith(b, "#?RGBE")) return {Container::Refused, "HDR"};
    if (StartsWith(b, "\x53\x80\xF6\x34")) return {Container::Refused, "Softimage PIC"};
    if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7' &&
        (b[2] == ' ' || b[2] == '\n' || b[2] == '\r' || b[2] == '\t')) {
        return {Container::Refused, "PNM"};
    }
    return {};
}

// Walks the chunk list up to IEND. Data after IEND is allowed (some writers append it).
Structure PngStructure(std::span<const std::uint8_t> b) {
    size_t pos = 8;
    for (;;) {
        if (b.size() - pos < 8) return Structure::Truncated;
        const std::uint32_t length = ReadBe32(b, pos);
        if (length > 0x7FFFFFFFu) return Structure::Malformed;  // the PNG spec's own limit
        const bool is_iend = std::memcmp(b.data() + pos + 4, "IEND", 4) == 0;
        const size_t chunk = size_t{12} + length;
        if (b.size() - pos < chunk) return Structure::Truncated;
        if (is_iend) return Structure::Complete;
        pos += chunk;
    }
}

struct JpegScan {
    Structure structure = Structure::Malformed;
    bool bad_huffman = false;  // a DHT table with more than 256 codes (stb_image 2.27 overflows on it)
};

// Replays stb_image's reading of a DHT segment: tables follow each other while the declared
// length lasts, bytes past the end of the file read as 0 (as stbi__get8 does). stb_image 2.27
// writes one byte per declared code into 257-byte arrays without checking the total (fixed
// upstream in 2.28), so such a file must never reach it.
bool DhtIsSafe(std::span<const std::uint8_t> b, size_t pos, long length) {
    auto byte_at = [&](size_t i) -> int { return i < b.size() ? b[i] : 0; };
    long remaining = length - 2;
    pos += 2;
    while (remaining > 0) {
        long codes = 0;
        for (size_t i = 0; i < 16; ++i) codes += byte_at(pos + 1 + i);
        if (codes > 256) return false;
        pos += 17 + static_cast<size_t>(codes);
        remaining -= 17 + codes;
    }
    return true;
}

// Walks the marker segments and the entropy-coded scans up to EOI (FFD9), as stb_image does:
// a byte that is not 0xFF between segments is skipped, length-prefixed segments are skipped
// whole (so an EXIF thumbnail's own EOI is never mistaken for ours), and every DHT is checked.
JpegScan ScanJpeg(std::span<const std::uint8_t> b) {
    JpegScan scan;
    size_t pos = 2;  // after SOI
    const size_t n = b.size();
    for (;;) {
        if (pos >= n) {
            scan.structure = Structure::Truncated;
            return scan;
        }
        if (b[pos] != 0xFF) {
            ++pos;
            continue;
        }
        while (pos < n && b[pos] == 0xFF) ++pos;  // fill bytes
        if (pos >= n) {
            scan.structure = Structure::Truncated;
            return scan;
        }
        const std::uint8_t marker = b[pos++];
        if (marker == 0xD9) {
            scan.structure = Structure::Complete;
            return scan;
        }
        if (marker == 0x00) {
            scan.structure = Structure::Malformed;
            return scan;
        }
        if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) continue;  // standalone markers
        if (marker == 0xC4 && !DhtIsSafe(b, pos, pos + 1 < n ? static_cast<long>(ReadBe16(b, pos)) : 0)) {
            scan.bad_huffman = true;
        }
        if (n - pos < 2) {
            scan.structure = Structure::Truncated;
            return scan;
        }
        const size_t length = ReadBe16(b, pos);
        if (length < 2) {
            scan.structure = Structure::Malformed;
            return scan;
        }
        if (n - pos < length) {
            scan.structure = Structure::Truncated;
            return scan;
        }
        pos += length;
        if (marker == 0xDA) {
            // Entropy-coded data: 0xFF is stuffed as FF00, restart markers FFD0..FFD7 may appear.
            for (;;) {
                if (n - pos < 2) {
                    scan.structure = Structure::Truncated;
                    return scan;
                }
                if (b[pos] == 0xFF) {
                    const std::uint8_t next = b[pos + 1];
                    if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7)) break;
                }
                ++pos;
            }
        }
    }
}

// An uncompressed BMP must hold offset + stride * height bytes; stb_image reads past the end as
// zeros and reports success, so a cut file would load with a black band.
Structure BmpStructure(std::span<const std::uint8_t> b) {
    if (b.size() < 26) return Structure::Truncated;
    const std::uint32_t offset = ReadLe32(b, 10);
    const std::uint32_t header_size = ReadLe32(b, 14);
    Count width = 0, height = 0, bits = 0;
    std::uint32_t compression = 0;
    if (header_size == 12) {  // OS/2 BITMAPCOREHEADER
        width = ReadLe16(b, 18);
        height = ReadLe16(b, 20);
        bits = ReadLe16(b, 24);
    } else {
        if (b.size() < 34) return Structure::Truncated;
        width = static_cast<std::int32_t>(ReadLe32(b, 18));
        height = static_cast<std::int32_t>(ReadLe32(b, 22));
        bits = ReadLe16(b, 28);
        compression = ReadLe32(b, 30);
    }
    // RLE and embedded JPEG/PNG have no fixed size; stb_image refuses the latter two anyway.
    if (compression != 0 && compression != 3 && compression != 6) return Structure::Complete;
    if (width <= 0 || bits <= 0 || bits > 32) return Structure::Malformed;
    if (height < 0) height = -height;  // top-down rows
    const Count stride = (width * bits + 31) / 32 * 4;  // width < 2^31, bits <= 32: no overflow
    const auto data = CheckedMul(stride, height);
    const auto needed = data ? CheckedAdd(*data, offset) : std::nullopt;
    if (!needed) return Structure::Malformed;
    return static_cast<Count>(b.size()) < *needed ? Structure::Truncated : Structure::Complete;
}

Structure ContainerStructure(Container container, std::span<const std::uint8_t> b) {
    switch (container) {
        case Container::Png: return PngStructure(b);
        case Container::Jpeg: return ScanJpeg(b).structure;
        case Container::Bmp: return BmpStructure(b);
        case Container::Unknown:
        case Container::Refused: break;
    }
    return Structure::Malformed;
}

// Dimensions from the header when stb_image refuses them as too large: it rejects some sizes
// (about 2^30 bytes of pixels) already in stbi_info, and we still want to say TooLarge with numbers.
std::optional<std::pair<Count, Count>> SniffDimensions(Container container, std::span<const std::uint8_t> b) {
    if (container == Container::Png) {
        if (b.size() < 24 || std::memcmp(b.data() + 12, "IHDR", 4) != 0) return std::nullopt;
        return std::pair<Count, Count>{ReadBe32(b, 16), ReadBe32(b, 20)};
    }
    if (container == Container::Jpeg) {
        size_t pos = 2;
        const size_t n = b.size();
        while (pos + 4 <= n && b[pos] == 0xFF) {
            const std::uint8_t marker = b[pos + 1];
            const size_t length = ReadBe16(b, pos + 2);
            const bool is_sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (is_sof) {
                if (pos + 9 > n) return std::nullopt;
                return std::pair<Count, Count>{ReadBe16(b, pos + 7), ReadBe16(b, pos + 5)};
            }
            if (length < 2) return std::nullopt;
            pos += 2 + length;
        }
    }
    if (container == Container::Bmp && b.size() >= 26) {
        const Count width = static_cast<std::int32_t>(ReadLe32(b, 18));
        const Count height = static_cast<std::int32_t>(ReadLe32(b, 22));
        return std::pair<Count, Count>{width < 0 ? -width : width, height < 0 ? -height : height};
    }
    return std::nullopt;
}

struct StbiFree {
    void operator()(stbi_uc* p) const { stbi_image_free(p); }
};

}  // namespace

// [SECTION] Loading

const char* ImageErrorKey(ImageError error) {
    switch (error) {
        case ImageError::None: return "none";
        case ImageError::Missing: return "missing";
        case ImageError::Empty: return "empty";
        case ImageError::Truncated: return "truncated";
        case ImageError::NotAnImage: return "not_an_image";
        case ImageError::TooLarge: return "too_large";
        case ImageError::Unreadable: return "unreadable";
    }
    return "unreadable";
}

ImageLoadResult LoadImageMemory(std::span<const std::uint8_t> bytes, const std::string& name,
                                const ImageLimits& limits) {
    const Count size = static_cast<Count>(bytes.size());
    if (size == 0) return Fail(ImageError::Empty, Quoted(name) + " is empty (0 bytes).");
    // stb_image takes an int length.
    const Count byte_limit = std::min<Count>(limits.max_file_bytes, INT_MAX);
    if (size > byte_limit) {
        return Fail(ImageError::TooLarge, Quoted(name) + " is " + FormatExact(size) +
                                              " bytes, more than the limit of " + FormatExact(byte_limit) +
                                              " bytes.");
    }
    const int length = static_cast<int>(size);
    const Sniffed sniffed = Sniff(bytes);
    const Container container = sniffed.container;
    if (container == Container::Unknown) {
        return Fail(ImageError::NotAnImage,
                    Quoted(name) + " is not an image in a supported format (PNG, JPEG or BMP).");
    }
    if (container == Container::Refused) {
        return Fail(ImageError::NotAnImage, Quoted(name) + " is a " + sniffed.format +
                                                " image; MatrixLens opens PNG, JPEG and BMP (convert it to PNG).");
    }
    // One walk over the container, before stb_image sees a byte of it.
    Structure structure = Structure::Complete;
    if (container == Container::Jpeg) {
        const JpegScan scan = ScanJpeg(bytes);
        if (scan.bad_huffman) {
            return Fail(ImageError::Unreadable, Quoted(name) + " is a corrupt JPEG (a Huffman table declares more "
                                                               "than 256 codes).");
        }
        structure = scan.structure;
    } else {
        structure = ContainerStructure(container, bytes);
    }

    // The declared size, read from the header by hand: refused over the limits before stb_image
    // sees it (stb_image's own "too large" is lost when it falls through to other formats).
    const auto declared = SniffDimensions(container, bytes);
    if (declared) {
        if (std::string why = CheckDimensions(name, declared->first, declared->second, limits); !why.empty())
            return Fail(ImageError::TooLarge, why);
    }
    int width = 0, height = 0, channels = 0;
    if (stbi_info_from_memory(bytes.data(), length, &width, &height, &channels) == 0) {
        const std::string reason = StbReason();
        if (reason == "too large") {
            if (auto dims = SniffDimensions(container, bytes)) {
                std::string why = CheckDimensions(name, dims->first, dims->second, limits);
                if (why.empty()) {
                    why = Quoted(name) + " is " + DescribeSize(dims->first, dims->second) +
                          ", more than the image decoder can hold.";
                }
                return Fail(ImageError::TooLarge, why);
            }
            return Fail(ImageError::TooLarge, Quoted(name) + " declares an image larger than the decoder can hold.");
        }
        if (declared && (declared->first == 0 || declared->second == 0)) {
            return Fail(ImageError::Unreadable, Quoted(name) + " declares an image of " +
                                                    DescribeSize(declared->first, declared->second) + ": no pixels.");
        }
        if (container == Container::Jpeg && !declared && structure == Structure::Complete) {
            return Fail(ImageError::Unreadable, Quoted(name) + " is a JPEG with no image in it (no frame header).");
        }
        // A known signature whose header does not parse: cut short, or corrupt.
        if (structure == Structure::Truncated) {
            return Fail(ImageError::Truncated, Quoted(name) + " is truncated: the file ends inside the " +
                                                   sniffed.format + " header.");
        }
        return Fail(ImageError::Unreadable,
                    Quoted(name) + " has a corrupt " + sniffed.format + " header (" + reason + ").");
    }
    // stbi_info hands a top-down BMP's negative height through as it is; the decoder flips it.
    if (container == Container::Bmp && height < 0 && height > INT_MIN) height = -height;
    if (width <= 0 || height <= 0) {
        return Fail(ImageError::Unreadable, Quoted(name) + " declares an image with no pixels (" +
                                                DescribeSize(width, height) + ").");
    }
    if (std::string why = CheckDimensions(name, width, height, limits); !why.empty()) {
        return Fail(ImageError::TooLarge, why);
    }

    // stb_image pads a JPEG or BMP whose data stops early and reports success: refuse it before
    // decoding, a half-grey picture is worse than a clear message. A PNG cut inside its IEND chunk
    // would decode whole, but it is refused too, so that "truncated" has one meaning: the file
    // ends early.
    if (structure == Structure::Truncated) {
        return Fail(ImageError::Truncated, Quoted(name) + " is truncated: the " + sniffed.format +
                                               " data ends before the end of the image (" +
                                               DescribeSize(width, height) + ").");
    }

    const bool is_16_bit = stbi_is_16_bit_from_memory(bytes.data(), length) != 0;
    // The flip flag is global in stb_image; the thread-local override keeps another caller's
    // setting from turning our images upside down.
    stbi_set_flip_vertically_on_load_thread(0);
    int decoded_w = 0, decoded_h = 0, decoded_channels = 0;
    std::unique_ptr<stbi_uc, StbiFree> pixels(
        stbi_load_from_memory(bytes.data(), length, &decoded_w, &decoded_h, &decoded_channels, 3));
    if (!pixels) {
        return Fail(ImageError::Unreadable, Quoted(name) + " could not be decoded: corrupt " + sniffed.format +
                                                " data (" + StbReason() + ").");
    }
    if (decoded_w != width || decoded_h != height) {
        return Fail(ImageError::Unreadable, Quoted(name) + " decoded to a size that differs from its header.");
    }

    Image image;
    image.width = width;
    image.height = height;
    image.source_channels = channels;
    image.source_bits = is_16_bit ? 16 : 8;
    image.name = name;
    const size_t count = static_cast<size_t>(width) * static_cast<size_t>(height) * 3;
    image.rgb.assign(pixels.get(), pixels.get() + count);
    ImageLoadResult result;
    result.image = std::move(image);
    return result;
}

ImageLoadResult LoadImageFile(const std::string& path, const ImageLimits& limits) {
    if (path.empty()) return Fail(ImageError::Missing, "No image file was given (empty path).");
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path fs_path(path);
    const fs::file_status status = fs::status(fs_path, ec);
    if (status.type() == fs::file_type::not_found) {
        return Fail(ImageError::Missing, "Cannot open " + Quoted(path) + ": the file does not exist.");
    }
    if (ec) return Fail(ImageError::Unreadable, "Cannot read " + Quoted(path) + ": " + ec.message() + ".");
    if (status.type() == fs::file_type::directory) {
        return Fail(ImageError::Unreadable, "Cannot read " + Quoted(path) + ": it is a directory.");
    }
    // Check the size before reading, so that a huge file is never pulled into memory.
    const std::uintmax_t file_size = fs::file_size(fs_path, ec);
    const Count byte_limit = std::min<Count>(limits.max_file_bytes, INT_MAX);
    if (!ec && file_size > static_cast<std::uintmax_t>(byte_limit)) {
        return Fail(ImageError::TooLarge, Quoted(path) + " is " + FormatExact(static_cast<Count>(file_size)) +
                                              " bytes, more than the limit of " + FormatExact(byte_limit) + " bytes.");
    }

    std::ifstream in(fs_path, std::ios::binary);
    if (!in) {
        return Fail(ImageError::Unreadable, "Cannot open " + Quoted(path) + " for reading: " +
                                                std::strerror(errno) + ".");
    }
    // Read in chunks rather than trusting file_size: a file can change, and special files report 0.
    std::vector<std::uint8_t> bytes;
    if (!ec) bytes.reserve(static_cast<size_t>(file_size));
    char buffer[1 << 16];
    while (in) {
        in.read(buffer, sizeof buffer);
        const std::streamsize got = in.gcount();
        if (got <= 0) break;
        if (static_cast<Count>(bytes.size()) + got > byte_limit) {
            return Fail(ImageError::TooLarge,
                        Quoted(path) + " is more than the limit of " + FormatExact(byte_limit) + " bytes.");
        }
        bytes.insert(bytes.end(), buffer, buffer + got);
    }
    if (in.bad()) return Fail(ImageError::Unreadable, "Reading " + Quoted(path) + " failed (I/O error).");

    ImageLoadResult result = LoadImageMemory(bytes, path, limits);
    if (result.image) {
        result.image->name = fs_path.filename().string();
        result.image->path = path;
    }
    return result;
}

// [SECTION] Conversion and resizing

Grid<float> ToLuminance(const Image& image) {
    if (image.Empty() || image.rgb.size() < static_cast<size_t>(image.width) * image.height * 3) return {};
    Grid<float> out(image.width, image.height);
    const std::uint8_t* p = image.rgb.data();
    for (float& value : out.data) {
        value = (0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]) / 255.0f;
        p += 3;
    }
    return out;
}

Grid<float> ToChannel(const Image& image, int channel) {
    if (channel < 0 || channel > 2) return {};
    if (image.Empty() || image.rgb.size() < static_cast<size_t>(image.width) * image.height * 3) return {};
    Grid<float> out(image.width, image.height);
    const std::uint8_t* p = image.rgb.data() + channel;
    for (float& value : out.data) {
        value = *p / 255.0f;
        p += 3;
    }
    return out;
}

Image ResizeRgb(const Image& image, int width, int height, const ImageLimits& limits) {
    Image out;
    out.name = image.name;
    out.path = image.path;
    out.source_channels = image.source_channels;
    out.source_bits = image.source_bits;
    if (width <= 0 || height <= 0 || image.Empty()) return out;
    if (image.rgb.size() < static_cast<size_t>(image.width) * image.height * 3) return out;
    if (width > limits.max_side || height > limits.max_side ||
        static_cast<Count>(width) * height > limits.max_pixels) {
        return out;
    }
    std::vector<std::uint8_t> pixels(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
    // sRGB-aware: filtering gamma-encoded bytes directly darkens edges between bright and dark.
    const int ok = stbir_resize_uint8_srgb(image.rgb.data(), image.width, image.height, 0, pixels.data(), width,
                                           height, 0, 3, STBIR_ALPHA_CHANNEL_NONE, 0);
    if (ok == 0) return out;
    out.width = width;
    out.height = height;
    out.rgb = std::move(pixels);
    return out;
}

std::vector<float> ImageToChw(const Image& image, Index channels, Index height, Index width) {
    if (channels < 1 || height < 1 || width < 1 || height > INT_MAX || width > INT_MAX) return {};
    const Image resized = ResizeRgb(image, static_cast<int>(width), static_cast<int>(height));
    if (resized.Empty()) return {};
    std::vector<float> x(static_cast<size_t>(channels * height * width));
    for (Index y = 0; y < height; ++y) {
        for (Index xx = 0; xx < width; ++xx) {
            const size_t at = (static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(xx)) * 3;
            const float r = resized.rgb[at] / 255.0f, g = resized.rgb[at + 1] / 255.0f, b = resized.rgb[at + 2] / 255.0f;
            const float luma = 0.2126f * r + 0.7152f * g + 0.0722f * b;
            for (Index c = 0; c < channels; ++c) {
                x[static_cast<size_t>((c * height + y) * width + xx)] = channels == 3 ? (c == 0 ? r : c == 1 ? g : b) : luma;
            }
        }
    }
    return x;
}

}  // namespace lens
