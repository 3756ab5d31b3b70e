// conv_reference.cpp: the convolution's reference computations (direct loops, im2col + GEMM, dense
// GEMM, layout conversions), used for timing and checking, and the notes' preset specs.
//
// [SECTION] Reference computations (direct, im2col + GEMM, dense)
// [SECTION] Presets
#include "lens/conv.hpp"

#include "conv_detail.hpp"

#include <algorithm>

namespace lens {

// [SECTION] Reference computations (direct, im2col + GEMM, dense)

bool ConvDirect(const ConvOperator& op, std::span<const float> x_chw, std::span<float> y_chw) {
    if (static_cast<Index>(x_chw.size()) != op.Cols() || static_cast<Index>(y_chw.size()) != op.Rows()) return false;
    const ConvSpec& s = op.Spec();
    const ConvStats& st = op.Stats();
    const Index in_h = s.dims == 1 ? 1 : s.in_h;
    const Index k_h = s.dims == 1 ? 1 : s.kernel_h;
    const Index in_per_group = s.in_channels / s.groups;
    const Index out_per_group = s.out_channels / s.groups;
    const std::span<const float> w = op.Weights();
    for (Index o = 0; o < s.out_channels; ++o) {
        const Index group = o / out_per_group;
        for (Index oy = 0; oy < st.out_h; ++oy) {
            for (Index ox = 0; ox < st.out_w; ++ox) {
                float acc = 0.0f;
                for (Index il = 0; il < in_per_group; ++il) {
                    const Index i = group * in_per_group + il;
                    for (Index ky = 0; ky < k_h; ++ky) {
                        const Index iy = oy * s.stride - st.pad_h.lo + ky * s.dilation;
                        if (iy < 0 || iy >= in_h) continue;
                        for (Index kx = 0; kx < s.kernel_w; ++kx) {
                            const Index ix = ox * s.stride - st.pad_w.lo + kx * s.dilation;
                            if (ix < 0 || ix >= s.in_w) continue;
                            acc += w[static_cast<size_t>(((o * in_per_group + il) * k_h + ky) * s.kernel_w + kx)] *
                                   x_chw[static_cast<size_t>((i * in_h + iy) * s.in_w + ix)];
                        }
                    }
                }
                y_chw[static_cast<size_t>((o * st.out_h + oy) * st.out_w + ox)] = acc;
            }
        }
    }
    return true;
}

bool ConvIm2colGemm(const ConvOperator& op, std::span<const float> x_chw, std::span<float> y_chw, Count max_entries,
                    std::string* why) {
    if (static_cast<Index>(x_chw.size()) != op.Cols() || static_cast<Index>(y_chw.size()) != op.Rows()) return false;
    const ConvStats& st = op.Stats();
    const Count per_group = st.im2col_rows * st.im2col_cols;  // one group's matrix is reused for the next
    if (per_group > max_entries) {
        if (why) *why = "im2col matrix has " + FormatExact(per_group) + " entries, over the budget of " + FormatExact(max_entries);
        return false;
    }
    conv_detail::ConvIm2colGemmTiled(op, x_chw, y_chw);
    return true;
}

std::vector<float> ChwToOrder(const ConvOperator& op, std::span<const float> chw, bool input) {
    if (static_cast<Index>(chw.size()) != (input ? op.Cols() : op.Rows())) return {};
    std::vector<float> out(chw.begin(), chw.end());
    if (op.Spec().order == FlatOrder::ChannelMajor) return out;
    const Index channels = input ? op.Spec().in_channels : op.Spec().out_channels;
    const Index plane = static_cast<Index>(chw.size()) / channels;
    for (Index c = 0; c < channels; ++c) {
        for (Index pos = 0; pos < plane; ++pos) out[static_cast<size_t>(pos * channels + c)] = chw[static_cast<size_t>(c * plane + pos)];
    }
    return out;
}

std::vector<float> OrderToChw(const ConvOperator& op, std::span<const float> ordered, bool input) {
    if (static_cast<Index>(ordered.size()) != (input ? op.Cols() : op.Rows())) return {};
    std::vector<float> out(ordered.begin(), ordered.end());
    if (op.Spec().order == FlatOrder::ChannelMajor) return out;
    const Index channels = input ? op.Spec().in_channels : op.Spec().out_channels;
    const Index plane = static_cast<Index>(ordered.size()) / channels;
    for (Index c = 0; c < channels; ++c) {
        for (Index pos = 0; pos < plane; ++pos) out[static_cast<size_t>(c * plane + pos)] = ordered[static_cast<size_t>(pos * channels + c)];
    }
    return out;
}

bool ConvDenseGemm(const ConvOperator& op, const Eigen::MatrixXf& dense, std::span<const float> x_chw,
                   std::span<float> y_chw) {
    if (static_cast<Index>(x_chw.size()) != op.Cols() || static_cast<Index>(y_chw.size()) != op.Rows()) return false;
    if (dense.rows() != op.Rows() || dense.cols() != op.Cols()) return false;
    const std::vector<float> x = ChwToOrder(op, x_chw, true);
    Eigen::VectorXf y = dense * Eigen::Map<const Eigen::VectorXf>(x.data(), static_cast<Eigen::Index>(x.size()));
    const std::vector<float> y_out = OrderToChw(op, std::span<const float>(y.data(), static_cast<size_t>(y.size())), false);
    std::copy(y_out.begin(), y_out.end(), y_chw.begin());
    return true;
}

// [SECTION] Presets

ConvSpec PointwiseSpec(Index in_h, Index in_w, Index in_channels, Index out_channels) {
    ConvSpec s;
    s.in_h = in_h;
    s.in_w = in_w;
    s.in_channels = in_channels;
    s.out_channels = out_channels;
    s.kernel_h = s.kernel_w = 1;
    s.padding_mode = PaddingMode::Valid;
    return s;
}

ConvSpec DepthwiseSpec(Index in_h, Index in_w, Index channels, Index kernel, PaddingMode padding_mode) {
    ConvSpec s;
    s.in_h = in_h;
    s.in_w = in_w;
    s.in_channels = s.out_channels = s.groups = channels;
    s.kernel_h = s.kernel_w = kernel;
    s.padding_mode = padding_mode;
    return s;
}

std::vector<std::pair<std::string, ConvSpec>> ConvPresets() {
    std::vector<std::pair<std::string, ConvSpec>> presets;
    ConvSpec k3;  // the notes' 1-D case: 256 inputs, kernel 3, every partial overlap -> 258 x 256
    k3.dims = 1;
    k3.in_h = 1;
    k3.in_w = 256;
    k3.kernel_h = 1;
    k3.kernel_w = 3;
    k3.padding_mode = PaddingMode::Full;
    presets.emplace_back("conv1d_256_k3", k3);
    ConvSpec c64 = k3;  // with 64 -> 64 channels: (258x64) x (256x64)
    c64.in_channels = c64.out_channels = 64;
    presets.emplace_back("conv1d_256_c64", c64);
    ConvSpec c2d;  // 2-D 256x256, 64 -> 64, 3x3, full: (258x258x64) x (256x256x64)
    c2d.in_h = c2d.in_w = 256;
    c2d.in_channels = c2d.out_channels = 64;
    c2d.kernel_h = c2d.kernel_w = 3;
    c2d.padding_mode = PaddingMode::Full;
    presets.emplace_back("conv2d_256_c64", c2d);
    presets.emplace_back("depthwise", DepthwiseSpec(256, 256, 64, 3, PaddingMode::Same));
    presets.emplace_back("pointwise", PointwiseSpec(256, 256, 64, 64));
    ConvSpec small;  // readable entry by entry: 64 x 64 doubly-block Toeplitz
    small.in_h = small.in_w = 8;
    small.padding_mode = PaddingMode::Same;
    presets.emplace_back("small", small);
    return presets;
}

std::optional<ConvSpec> FindConvPreset(const std::string& key) {
    for (auto& [name, spec] : ConvPresets()) {
        if (name == key) return spec;
    }
    return std::nullopt;
}

}  // namespace lens
