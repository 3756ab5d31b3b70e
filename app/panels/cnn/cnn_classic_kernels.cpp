// app/panels/cnn/cnn_classic_kernels.cpp: the CNN panel's classic kernels and its image as the
// stack's input, kept together here until core has one kernels module and one image-to-CHW (the
// lesson takes them as hooks), and the feature-map task that passes them to the lesson.
#include "cnn_panel.hpp"

#include <cmath>
#include <stdexcept>

namespace lens::app::cnn {
namespace {

// A kh x kw classic kernel (the conv panel's choices), or nullopt for seeded weights.
std::optional<std::vector<float>> ClassicKernel(KernelChoice choice, Index kh, Index kw) {
    if (choice == KernelChoice::Seeded) return std::nullopt;
    std::vector<float> k(static_cast<size_t>(kh * kw), 0.0f);
    auto at = [&](Index y, Index x) -> float& { return k[static_cast<size_t>(y * kw + x)]; };
    const Index cy = kh / 2, cx = kw / 2;
    switch (choice) {
        case KernelChoice::Seeded: break;
        case KernelChoice::Identity: at(cy, cx) = 1; break;
        case KernelChoice::Box:
            for (auto& v : k) v = 1.0f / static_cast<float>(kh * kw);
            break;
        case KernelChoice::Sharpen:
            for (auto& v : k) v = -1.0f / static_cast<float>(kh * kw);
            at(cy, cx) += 2.0f;
            break;
        case KernelChoice::SobelX:
        case KernelChoice::SobelY:
            for (Index y = 0; y < kh; ++y)
                for (Index x = 0; x < kw; ++x) {
                    const float dy = static_cast<float>(y - cy), dx = static_cast<float>(x - cx);
                    const float sy = 1.0f + (kh > 1 ? 1.0f - std::fabs(dy) / static_cast<float>(std::max<Index>(cy, 1)) : 0.0f);
                    const float sx = 1.0f + (kw > 1 ? 1.0f - std::fabs(dx) / static_cast<float>(std::max<Index>(cx, 1)) : 0.0f);
                    at(y, x) = choice == KernelChoice::SobelX ? dx * sy : dy * sx;
                }
            break;
    }
    return k;
}

// Replaces the seeded weights of spatial layers by one classic kernel per (out, in) pair, divided
// by the inputs it sums over, and zeroes their biases. 1x1 convolutions average the channels and
// transposed convolutions copy (nearest up-sampling when kernel = stride), so the picture survives
// the stack; transformer blocks keep their seeded weights.
void ApplyClassicKernels(const CnnStats& stats, KernelChoice choice, CnnWeights& w) {
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        const CnnLayer& l = st.layer;
        std::vector<float>& weights = w.weights[i];
        if (weights.empty()) continue;
        const Index taps = l.kernel_h * l.kernel_w;
        switch (l.kind) {
            case CnnLayerKind::Conv:
            case CnnLayerKind::Depthwise:
            case CnnLayerKind::Down:
            case CnnLayerKind::Pointwise: {
                const bool one = l.kind == CnnLayerKind::Pointwise || taps == 1;
                const auto k = one ? std::vector<float>{1.0f} : *ClassicKernel(choice, l.kernel_h, l.kernel_w);
                const Index kt = static_cast<Index>(k.size());
                const Index per = std::max<Index>(1, static_cast<Index>(weights.size()) / std::max<Index>(1, st.out.c * kt));
                for (size_t e = 0; e < weights.size(); ++e) weights[e] = k[e % k.size()] / static_cast<float>(per);
                break;
            }
            case CnnLayerKind::TransposedConv: {
                const Index per_in = std::max<Index>(1, st.in.c / std::max<Index>(1, l.groups));
                const float v = static_cast<float>(l.stride * l.stride) / static_cast<float>(std::max<Index>(1, taps)) /
                                static_cast<float>(per_in);
                std::fill(weights.begin(), weights.end(), v);
                break;
            }
            default: continue;  // transformer blocks, linear layers (never run here)
        }
        std::fill(w.biases[i].begin(), w.biases[i].end(), 0.0f);
    }
}

// The image as the stack's C,H,W input: resized; three channels take R, G, B, others the luminance.
std::vector<float> ImageInput(const Image& image, Index c, Index h, Index w) {
    const Image resized = ResizeRgb(image, static_cast<int>(w), static_cast<int>(h));
    if (resized.Empty()) throw std::runtime_error("the image cannot be resized to " + std::to_string(w) + " x " + std::to_string(h));
    std::vector<float> x(static_cast<size_t>(c * h * w));
    for (Index y = 0; y < h; ++y)
        for (Index xx = 0; xx < w; ++xx) {
            const size_t at = (static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(xx)) * 3;
            const float r = resized.rgb[at] / 255.0f, g = resized.rgb[at + 1] / 255.0f, b = resized.rgb[at + 2] / 255.0f;
            const float luma = 0.2126f * r + 0.7152f * g + 0.0722f * b;
            for (Index ch = 0; ch < c; ++ch)
                x[static_cast<size_t>((ch * h + y) * w + xx)] = c == 3 ? (ch == 0 ? r : ch == 1 ? g : b) : luma;
        }
    return x;
}

}  // namespace

CnnFeatureMaps ComputeFeatures(const ForwardKey& key, std::shared_ptr<const Image> image, TaskContext& context) {
    auto input = [&image](const CnnShape& in) { return ImageInput(*image, in.c, in.h, in.w); };
    CnnWeightsFn adjust;
    if (key.kernel != 0) {
        adjust = [choice = static_cast<KernelChoice>(key.kernel)](const CnnStats& stats, CnnWeights& w) { ApplyClassicKernels(stats, choice, w); };
    }
    return ComputeCnnFeatureMaps(key.spec, static_cast<std::uint64_t>(key.seed), input, adjust, context, kBudget);
}

}  // namespace lens::app::cnn
