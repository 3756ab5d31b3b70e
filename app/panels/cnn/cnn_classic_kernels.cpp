// app/panels/cnn/cnn_classic_kernels.cpp: the feature-map task of the CNN panel: the image as the
// stack's input (lens::ImageToChw) and, when chosen, one classic kernel (lens/kernels.hpp) in every
// spatial layer, passed to the CNN lesson as its hooks.
#include "cnn_panel.hpp"

#include <cmath>
#include <stdexcept>

#include <lens/image.hpp>
#include <lens/kernels.hpp>

namespace lens::app::cnn {
namespace {

// Replaces the seeded weights of spatial layers by one classic kernel per (out, in) pair, divided
// by the inputs it sums over, and zeroes their biases. 1x1 convolutions average the channels and
// transposed convolutions copy (nearest up-sampling when kernel = stride), so the picture survives
// the stack; transformer blocks keep their seeded weights.
void ApplyClassicKernels(const CnnStats& stats, lens::KernelChoice choice, CnnWeights& w) {
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
                const auto k = one ? std::vector<float>{1.0f} : *ClassicKernelValues(choice, l.kernel_h, l.kernel_w);
                const Index kt = static_cast<Index>(k.size());
                const Index per = std::max<Index>(1, static_cast<Index>(weights.size()) / std::max<Index>(1, st.out.c * kt));
                weights = TileKernel(k, weights.size(), static_cast<float>(per));
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

}  // namespace

CnnFeatureMaps ComputeFeatures(const ForwardKey& key, std::shared_ptr<const Image> image, TaskContext& context) {
    auto input = [&image](const CnnShape& in) {
        std::vector<float> x = ImageToChw(*image, in.c, in.h, in.w);
        if (x.empty()) throw std::runtime_error("the image cannot be resized to " + std::to_string(in.w) + " x " + std::to_string(in.h));
        return x;
    };
    CnnWeightsFn adjust;
    if (key.kernel != 0) {
        adjust = [choice = static_cast<lens::KernelChoice>(key.kernel)](const CnnStats& stats, CnnWeights& w) { ApplyClassicKernels(stats, choice, w); };
    }
    return ComputeCnnFeatureMaps(key.spec, static_cast<std::uint64_t>(key.seed), input, adjust, context, kBudget);
}

}  // namespace lens::app::cnn
