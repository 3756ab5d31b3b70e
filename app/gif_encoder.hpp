// app/gif_encoder.hpp: RGBA frames -> an animated GIF in memory (giflib from Debian: libgif-dev),
// each frame quantised to its own 256-colour palette by giflib's median-cut GifQuantizeBuffer,
// looping forever. GL-free, unit-tested; the caller writes the bytes (atomically).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lens::app {

struct GifFrames {
    int width = 0;
    int height = 0;
    int delay_centiseconds = 8;                    // per frame (GIF's unit), 2..65535
    std::vector<std::vector<std::uint8_t>> rgba;   // each width * height * 4 bytes
};

// Largest accepted animation: frames x pixels (about 1.2 GB of RGBA at most in memory).
constexpr std::int64_t kMaxGifPixels = std::int64_t{300} * 1920 * 1080;

bool EncodeGif(const GifFrames& frames, std::vector<std::uint8_t>* out, std::string* error);

}  // namespace lens::app
