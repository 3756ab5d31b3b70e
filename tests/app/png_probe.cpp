// tests/app/png_probe.cpp: checks a screenshot PNG: size, that it is not blank (enough distinct
// colours and contrast), optionally that it differs from another PNG, and probe pixels.
// Usage: png_probe FILE [--size WxH] [--min-colors N] [--differs OTHER] [--pixel x,y,r,g,b,tol]...
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <stb_image.h>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: png_probe FILE [--size WxH] [--min-colors N] [--differs OTHER] [--pixel x,y,r,g,b,tol]\n");
        return 2;
    }
    int w = 0, h = 0, n = 0;
    unsigned char* pixels = stbi_load(argv[1], &w, &h, &n, 4);
    if (!pixels) {
        std::fprintf(stderr, "png_probe: cannot read %s\n", argv[1]);
        return 1;
    }
    int failures = 0;
    std::set<unsigned> colours;
    double sum = 0, sum2 = 0;
    const size_t count = static_cast<size_t>(w) * static_cast<size_t>(h);
    for (size_t i = 0; i < count; ++i) {
        const unsigned char* p = pixels + i * 4;
        colours.insert(static_cast<unsigned>(p[0]) << 16 | static_cast<unsigned>(p[1]) << 8 | p[2]);
        const double luma = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
        sum += luma;
        sum2 += luma * luma;
    }
    const double mean = sum / static_cast<double>(count);
    const double stddev = std::sqrt(std::max(0.0, sum2 / static_cast<double>(count) - mean * mean));
    std::printf("%s: %dx%d, %zu colours, luma mean %.1f stddev %.1f\n", argv[1], w, h, colours.size(), mean, stddev);
    size_t min_colours = 16;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : "";
        if (arg == "--size") {
            int ew = 0, eh = 0;
            std::sscanf(value, "%dx%d", &ew, &eh);
            if (ew != w || eh != h) {
                std::fprintf(stderr, "FAIL size %dx%d, expected %s\n", w, h, value);
                ++failures;
            }
            ++i;
        } else if (arg == "--min-colors") {
            min_colours = static_cast<size_t>(std::atol(value));
            ++i;
        } else if (arg == "--differs") {
            int ow = 0, oh = 0, on = 0;
            unsigned char* other = stbi_load(value, &ow, &oh, &on, 4);
            if (!other) {
                std::fprintf(stderr, "FAIL cannot read %s\n", value);
                ++failures;
            } else {
                size_t differing = 0;
                if (ow == w && oh == h)
                    for (size_t k = 0; k < count * 4; ++k) differing += pixels[k] != other[k];
                else
                    differing = count;
                std::printf("differs from %s in %zu bytes\n", value, differing);
                if (differing < 100) {
                    std::fprintf(stderr, "FAIL %s and %s are (almost) identical\n", argv[1], value);
                    ++failures;
                }
                stbi_image_free(other);
            }
            ++i;
        } else if (arg == "--pixel") {
            int x = 0, y = 0, r = 0, g = 0, b = 0, tol = 0;
            if (std::sscanf(value, "%d,%d,%d,%d,%d,%d", &x, &y, &r, &g, &b, &tol) != 6 || x < 0 || y < 0 || x >= w || y >= h) {
                std::fprintf(stderr, "FAIL bad --pixel %s\n", value);
                ++failures;
            } else {
                const unsigned char* p = pixels + (static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x)) * 4;
                if (std::abs(p[0] - r) > tol || std::abs(p[1] - g) > tol || std::abs(p[2] - b) > tol) {
                    std::fprintf(stderr, "FAIL pixel (%d,%d) = (%d,%d,%d), expected (%d,%d,%d) +- %d\n", x, y, p[0], p[1], p[2], r, g, b, tol);
                    ++failures;
                }
            }
            ++i;
        }
    }
    if (colours.size() < min_colours || stddev < 5.0) {
        std::fprintf(stderr, "FAIL %s looks blank (%zu colours, stddev %.1f)\n", argv[1], colours.size(), stddev);
        ++failures;
    }
    stbi_image_free(pixels);
    return failures == 0 ? 0 : 1;
}
