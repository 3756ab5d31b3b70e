// tests/core/random_image.hpp: the tests' one random image (bytes uniform in 0..255).
#pragma once

#include <cstdint>
#include <random>

#include "lens/image.hpp"

namespace lens {

inline Image RandomImage(std::mt19937_64& rng, int width, int height) {
    Image image;
    image.width = width;
    image.height = height;
    image.source_channels = 3;
    image.rgb.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : image.rgb) b = static_cast<std::uint8_t>(byte(rng));
    return image;
}

}  // namespace lens
