// fuzz/fuzz_image.cpp: lens::LoadImageMemory on any bytes (limits lowered so that a declared size
// the fuzzer finds is decoded quickly or refused).
#include <lens/image.hpp>

#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lens::ImageLimits limits;
    limits.max_side = 2048;
    limits.max_pixels = 1 << 20;
    lens::ImageLoadResult result = lens::LoadImageMemory(std::span<const std::uint8_t>(data, size), "fuzz", limits);
    if (result.image && result.image->rgb.size() != static_cast<std::size_t>(result.image->width) * result.image->height * 3)
        __builtin_trap();
    return 0;
}
