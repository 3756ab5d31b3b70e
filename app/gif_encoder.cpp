// app/gif_encoder.cpp: an animated GIF through giflib (see gif_encoder.hpp).
#include "gif_encoder.hpp"

#include <gif_lib.h>

#include <cstring>

namespace lens::app {

namespace {

int AppendBytes(GifFileType* gif, const GifByteType* data, int length) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(gif->UserData);
    out->insert(out->end(), data, data + length);
    return length;
}

std::string GifError(int code) {
    const char* text = GifErrorString(code);
    return text ? text : "giflib error " + std::to_string(code);
}

}  // namespace

bool EncodeGif(const GifFrames& frames, std::vector<std::uint8_t>* out, std::string* error) {
    auto fail = [&](const std::string& why) {
        if (error) *error = why;
        return false;
    };
    if (frames.width < 1 || frames.height < 1 || frames.width > 65535 || frames.height > 65535)
        return fail("frame size " + std::to_string(frames.width) + " x " + std::to_string(frames.height) + " is not 1..65535");
    if (frames.rgba.empty()) return fail("no frames");
    const auto pixels = static_cast<std::size_t>(frames.width) * static_cast<std::size_t>(frames.height);
    if (static_cast<std::int64_t>(pixels) * static_cast<std::int64_t>(frames.rgba.size()) > kMaxGifPixels)
        return fail("the animation is too large: " + std::to_string(frames.rgba.size()) + " frames of " + std::to_string(pixels) +
                    " pixels (at most " + std::to_string(kMaxGifPixels) + " pixels in all)");
    for (const auto& frame : frames.rgba)
        if (frame.size() != pixels * 4) return fail("a frame has the wrong size");

    out->clear();
    int code = 0;
    GifFileType* gif = EGifOpen(out, AppendBytes, &code);
    if (!gif) return fail(GifError(code));
    auto close_fail = [&](const std::string& why) {
        int ignored = 0;
        EGifCloseFile(gif, &ignored);
        return fail(why);
    };
    EGifSetGifVersion(gif, true);
    if (EGifPutScreenDesc(gif, frames.width, frames.height, 8, 0, nullptr) == GIF_ERROR) return close_fail(GifError(gif->Error));
    // NETSCAPE2.0: loop forever.
    const GifByteType netscape[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    const GifByteType loop[] = {1, 0, 0};
    if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, sizeof netscape, netscape) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, sizeof loop, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif) == GIF_ERROR)
        return close_fail(GifError(gif->Error));

    std::vector<GifByteType> r(pixels), g(pixels), b(pixels), indices(pixels);
    std::vector<GifColorType> palette(256);
    for (const auto& frame : frames.rgba) {
        for (std::size_t i = 0; i < pixels; ++i) {
            r[i] = frame[i * 4];
            g[i] = frame[i * 4 + 1];
            b[i] = frame[i * 4 + 2];
        }
        int colours = 256;
        if (GifQuantizeBuffer(static_cast<unsigned>(frames.width), static_cast<unsigned>(frames.height), &colours, r.data(), g.data(),
                              b.data(), indices.data(), palette.data()) == GIF_ERROR)
            return close_fail("cannot quantise a frame to 256 colours");
        ColorMapObject* map = GifMakeMapObject(256, palette.data());
        if (!map) return close_fail("out of memory");
        GraphicsControlBlock control{};
        control.DisposalMode = DISPOSE_DO_NOT;
        control.DelayTime = frames.delay_centiseconds;
        control.TransparentColor = NO_TRANSPARENT_COLOR;
        GifByteType extension[4];
        const std::size_t extension_length = EGifGCBToExtension(&control, extension);
        const bool ok = EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(extension_length), extension) != GIF_ERROR &&
                        EGifPutImageDesc(gif, 0, 0, frames.width, frames.height, false, map) != GIF_ERROR;
        GifFreeMapObject(map);
        if (!ok) return close_fail(GifError(gif->Error));
        for (int y = 0; y < frames.height; ++y)
            if (EGifPutLine(gif, indices.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(frames.width), frames.width) ==
                GIF_ERROR)
                return close_fail(GifError(gif->Error));
    }
    if (EGifCloseFile(gif, &code) == GIF_ERROR) return fail(GifError(code));
    return true;
}

}  // namespace lens::app
