// lens/model/vit_preprocess.cpp: the image as a ViT's input: resize (bilinear, PIL-style
// antialiased), centre crop, normalise.
//
// PIL's BILINEAR resize (what torchvision's Resize does to PIL images and what Hugging Face's
// ViTImageProcessor calls) is separable: each output sample at centre (i + 0.5) x scale averages the
// input under a triangle filter of support max(scale, 1), weights renormalised. PIL rounds to 8 bits
// between the horizontal and vertical passes; we stay in float, so values differ from torchvision's by
// at most about 1/255 before normalisation. The exported input.npy is what the model saw, exactly.
#include <algorithm>
#include <cmath>

#include "lens/model/vit.hpp"

namespace lens {

namespace {

struct Taps {
    std::vector<Index> first;       // per output sample: first input index
    std::vector<std::vector<float>> weights;
};

// Coefficients for resampling `in` samples (the box [box0, box0 + box_len)) into `out` samples.
Taps BilinearTaps(Index in, double box0, double box_len, Index out) {
    Taps taps;
    const double scale = box_len / static_cast<double>(out);
    const double filter_scale = std::max(scale, 1.0);
    const double support = filter_scale;  // triangle support 1, widened when shrinking
    for (Index i = 0; i < out; ++i) {
        const double centre = box0 + (static_cast<double>(i) + 0.5) * scale;
        const Index lo = std::max<Index>(0, static_cast<Index>(centre - support + 0.5));
        const Index hi = std::min<Index>(in, static_cast<Index>(centre + support + 0.5));
        std::vector<float> w;
        double sum = 0;
        for (Index j = lo; j < hi; ++j) {
            const double t = std::abs((static_cast<double>(j) - centre + 0.5) / filter_scale);
            const double v = t < 1.0 ? 1.0 - t : 0.0;
            w.push_back(static_cast<float>(v));
            sum += v;
        }
        if (sum > 0)
            for (float& v : w) v = static_cast<float>(v / sum);
        taps.first.push_back(lo);
        taps.weights.push_back(std::move(w));
    }
    return taps;
}

// The resized, cropped image as S x S x 3 floats in 0..1 (row-major, interleaved).
std::vector<float> ResizeCrop(const Image& image, const VitConfig& c) {
    const Index s = c.image_size, w = image.width, h = image.height;
    // The crop box in source pixels.
    double x0 = 0, y0 = 0, bw = static_cast<double>(w), bh = static_cast<double>(h);
    if (!c.resize_direct) {
        const auto short_side = static_cast<Index>(std::floor(static_cast<double>(s) / c.crop_pct));
        // torchvision: the long side becomes int(short_side * long / short); the crop offset rounds.
        const Index rw = w <= h ? short_side : static_cast<Index>(static_cast<double>(short_side) * w / h);
        const Index rh = w <= h ? static_cast<Index>(static_cast<double>(short_side) * h / w) : short_side;
        const double left = std::round(static_cast<double>(rw - s) / 2.0), top = std::round(static_cast<double>(rh - s) / 2.0);
        // Resizing to rw x rh then cropping samples the source at the same centres as resampling the
        // crop's box directly with the resize's scale; the filter width follows that scale.
        const double sx = static_cast<double>(w) / static_cast<double>(rw), sy = static_cast<double>(h) / static_cast<double>(rh);
        x0 = left * sx;
        y0 = top * sy;
        bw = static_cast<double>(s) * sx;
        bh = static_cast<double>(s) * sy;
    }
    const Taps tx = BilinearTaps(w, x0, bw, s), ty = BilinearTaps(h, y0, bh, s);
    // Horizontal pass over every source row, then vertical.
    std::vector<float> rows(static_cast<std::size_t>(h * s * 3), 0.0f);
    for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < s; ++x)
            for (std::size_t t = 0; t < tx.weights[static_cast<std::size_t>(x)].size(); ++t) {
                const Index sx = tx.first[static_cast<std::size_t>(x)] + static_cast<Index>(t);
                const float wt = tx.weights[static_cast<std::size_t>(x)][t];
                for (int ch = 0; ch < 3; ++ch)
                    rows[static_cast<std::size_t>((y * s + x) * 3 + ch)] +=
                        wt * static_cast<float>(image.rgb[static_cast<std::size_t>((y * w + sx) * 3 + ch)]) / 255.0f;
            }
    std::vector<float> out(static_cast<std::size_t>(s * s * 3), 0.0f);
    for (Index y = 0; y < s; ++y)
        for (std::size_t t = 0; t < ty.weights[static_cast<std::size_t>(y)].size(); ++t) {
            const Index sy = ty.first[static_cast<std::size_t>(y)] + static_cast<Index>(t);
            const float wt = ty.weights[static_cast<std::size_t>(y)][t];
            for (Index i = 0; i < s * 3; ++i) out[static_cast<std::size_t>(y * s * 3 + i)] += wt * rows[static_cast<std::size_t>(sy * s * 3 + i)];
        }
    return out;
}

}  // namespace

std::vector<float> PreprocessForVit(const Image& image, const VitConfig& c) {
    if (image.Empty() || c.image_size <= 0) return {};
    const std::vector<float> hwc = ResizeCrop(image, c);
    const Index s = c.image_size;
    std::vector<float> chw(hwc.size());
    for (Index ch = 0; ch < 3; ++ch)
        for (Index i = 0; i < s * s; ++i)
            chw[static_cast<std::size_t>(ch * s * s + i)] =
                (hwc[static_cast<std::size_t>(i * 3 + ch)] - c.mean[static_cast<std::size_t>(ch)]) / c.std[static_cast<std::size_t>(ch)];
    return chw;
}

Image VitCropImage(const Image& image, const VitConfig& c) {
    Image out;
    out.name = image.name;
    if (image.Empty() || c.image_size <= 0) return out;
    const std::vector<float> hwc = ResizeCrop(image, c);
    out.width = out.height = static_cast<int>(c.image_size);
    out.source_channels = 3;
    out.rgb.resize(hwc.size());
    for (std::size_t i = 0; i < hwc.size(); ++i) out.rgb[i] = static_cast<std::uint8_t>(std::clamp(std::lround(hwc[i] * 255.0f), 0L, 255L));
    return out;
}

}  // namespace lens
