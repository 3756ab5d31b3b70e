// tests/app/gif_probe.cpp: gif_probe FILE [--min-frames N]: decodes an animated GIF with giflib,
// prints its frame count and size, and fails unless it has at least N frames (default 2), every
// frame decodes, and each frame differs from the one before it (after its palette is applied).
#include <gif_lib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

std::vector<unsigned char> Rgb(const GifFileType* gif, const SavedImage& image) {
    const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
    const std::size_t n = static_cast<std::size_t>(image.ImageDesc.Width) * static_cast<std::size_t>(image.ImageDesc.Height);
    std::vector<unsigned char> out(n * 3);
    for (std::size_t i = 0; i < n; ++i) {
        const int index = image.RasterBits[i];
        if (!map || index >= map->ColorCount) return {};
        out[i * 3] = map->Colors[index].Red;
        out[i * 3 + 1] = map->Colors[index].Green;
        out[i * 3 + 2] = map->Colors[index].Blue;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: gif_probe FILE [--min-frames N]\n");
        return 2;
    }
    int min_frames = 2;
    if (argc >= 4 && std::strcmp(argv[2], "--min-frames") == 0) min_frames = std::atoi(argv[3]);
    int error = 0;
    GifFileType* gif = DGifOpenFileName(argv[1], &error);
    if (!gif) {
        std::fprintf(stderr, "FAIL: cannot open %s: %s\n", argv[1], GifErrorString(error));
        return 1;
    }
    if (DGifSlurp(gif) == GIF_ERROR) {
        std::fprintf(stderr, "FAIL: cannot decode %s: %s\n", argv[1], GifErrorString(gif->Error));
        return 1;
    }
    std::printf("%s: %d frames, %d x %d\n", argv[1], gif->ImageCount, gif->SWidth, gif->SHeight);
    int status = 0;
    if (gif->ImageCount < min_frames) {
        std::fprintf(stderr, "FAIL: %d frames, expected at least %d\n", gif->ImageCount, min_frames);
        status = 1;
    }
    std::vector<unsigned char> previous;
    int identical = 0;
    for (int i = 0; i < gif->ImageCount; ++i) {
        std::vector<unsigned char> rgb = Rgb(gif, gif->SavedImages[i]);
        if (rgb.empty()) {
            std::fprintf(stderr, "FAIL: frame %d has no usable palette\n", i);
            status = 1;
        }
        if (i > 0 && rgb == previous) ++identical;
        previous = std::move(rgb);
    }
    if (identical > 0) {
        std::fprintf(stderr, "FAIL: %d frame(s) equal to the frame before\n", identical);
        status = 1;
    }
    DGifCloseFile(gif, &error);
    return status;
}
