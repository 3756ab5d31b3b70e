// kernels.cpp: classic image kernels (lens/kernels.hpp).
#include "lens/kernels.hpp"

#include <algorithm>
#include <cmath>

namespace lens {

std::optional<KernelChoice> FindKernelChoice(std::string_view key) {
    for (int i = 0; i < kKernelChoices; ++i) {
        if (key == kKernelKeys[i]) return static_cast<KernelChoice>(i);
    }
    return std::nullopt;
}

std::optional<std::vector<float>> ClassicKernelValues(KernelChoice choice, Index kh, Index kw) {
    if (choice == KernelChoice::Seeded || kh < 1 || kw < 1) return std::nullopt;
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
            // Sobel generalised to any size: derivative along one axis times smoothing along the other.
            for (Index y = 0; y < kh; ++y) {
                for (Index x = 0; x < kw; ++x) {
                    const float dy = static_cast<float>(y - cy), dx = static_cast<float>(x - cx);
                    const float sy = 1.0f + (kh > 1 ? 1.0f - std::fabs(dy) / static_cast<float>(std::max<Index>(cy, 1)) : 0.0f);
                    const float sx = 1.0f + (kw > 1 ? 1.0f - std::fabs(dx) / static_cast<float>(std::max<Index>(cx, 1)) : 0.0f);
                    at(y, x) = choice == KernelChoice::SobelX ? dx * sy : dy * sx;
                }
            }
            break;
    }
    return k;
}

std::vector<float> TileKernel(std::span<const float> kernel, std::size_t count, float divisor) {
    if (kernel.empty()) return {};
    std::vector<float> weights(count);
    for (size_t i = 0; i < count; ++i) weights[i] = kernel[i % kernel.size()] / divisor;
    return weights;
}

}  // namespace lens
