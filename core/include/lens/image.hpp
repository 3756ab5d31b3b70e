// lens/image.hpp: load images with limits, convert them to float grids, resize them.
// Bad input is normal input: every load checks the file size and the header's dimensions
// (stbi_info) before anything is decoded, and returns an error with an English message rather
// than crashing, on any byte sequence.
// Storage order: Image::rgb is row-major, origin top-left, 3 bytes per pixel (R, G, B).
// Alpha is dropped, not composited: a transparent pixel shows its stored colour.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lens/count.hpp"
#include "lens/grid.hpp"

namespace lens {

struct ImageLimits {
    int max_side = 16384;                        // px, per side (width and height each)
    Count max_pixels = 256LL * 1024 * 1024;      // px, width * height: 268,435,456 = 16384^2 (256 Mi)
    Count max_file_bytes = 1LL << 30;            // bytes of the encoded file (1 GiB; also capped at INT_MAX)
};

enum class ImageError {
    None,        // loaded
    Missing,     // the path does not exist (or is empty)
    Empty,       // zero bytes
    Truncated,   // the header parses but the data ends before the image is complete
    NotAnImage,  // not PNG, JPEG or BMP (GIF, PSD, HDR, PNM, PIC are recognised and refused by name)
    TooLarge,    // over a limit of ImageLimits (file bytes, side or pixel count); nothing was decoded
    Unreadable,  // the file exists but cannot be read (a directory, an I/O error), or its data is corrupt
};

struct Image {
    int width = 0;            // px
    int height = 0;           // px
    int source_channels = 0;  // channels stored in the file: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
    int source_bits = 8;      // bits per channel stored in the file (16 for 16-bit PNG; decoded to 8)
    std::string name;         // file name without directory (shown in titles)
    std::string path;         // the path it was loaded from; empty when loaded from memory
    std::vector<std::uint8_t> rgb;  // row-major, origin top-left, 3 bytes per pixel: rgb[3*(y*width+x)+c]

    bool Empty() const { return width <= 0 || height <= 0; }
};

struct ImageLoadResult {
    std::optional<Image> image;           // set exactly when error == ImageError::None
    ImageError error = ImageError::None;
    std::string message;                  // English, human-readable, names the file and the reason; empty on success
};

// Reads the whole file (refusing more than limits.max_file_bytes), then LoadImageMemory.
// Messages name `path`; Image::name is its file name, Image::path the path.
ImageLoadResult LoadImageFile(const std::string& path, const ImageLimits& limits = {});
// Decodes a PNG (1-16 bit, any colour type), JPEG (baseline, progressive) or BMP from memory into
// 8-bit RGB. Other formats stb_image knows are refused: its 2.27 decoders for them are not safe on
// hostile input. `name` is used in messages and stored in Image::name. Dimensions are checked
// against `limits` before decoding; a file that ends early is Truncated, never padded.
ImageLoadResult LoadImageMemory(std::span<const std::uint8_t> bytes, const std::string& name,
                                const ImageLimits& limits = {});
// Stable key for the UI's string table: "none", "missing", "empty", "truncated", "not_an_image",
// "too_large", "unreadable".
const char* ImageErrorKey(ImageError error);

// Rec. 709 luma of the stored (gamma-encoded) values, 0..1: 0.2126 R + 0.7152 G + 0.0722 B.
// Same size as the image, row-major; empty grid for an empty image.
Grid<float> ToLuminance(const Image& image);
// One channel (0 red, 1 green, 2 blue) scaled to 0..1; empty grid for another channel or an empty image.
Grid<float> ToChannel(const Image& image, int channel);
// Resampled copy of width x height px (stb_image_resize, sRGB-aware: Mitchell filter when shrinking,
// Catmull-Rom when enlarging). Returns an empty image (name kept) when a size is <= 0, the source is
// empty, or the target is over `limits` (side or pixel count).
Image ResizeRgb(const Image& image, int width, int height, const ImageLimits& limits = {});

// The image as a network's C,H,W float input (c * height * width values, index (ch * height + y) *
// width + x): resized with ResizeRgb to width x height; three channels take R, G, B (0..1), any
// other number of channels each take the Rec. 709 luma (as ToLuminance). Empty when the resize
// fails (empty image, size <= 0 or over the limits) or channels < 1.
std::vector<float> ImageToChw(const Image& image, Index channels, Index height, Index width);

}  // namespace lens
