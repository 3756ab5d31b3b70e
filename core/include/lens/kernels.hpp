// lens/kernels.hpp: the classic image kernels the panels offer instead of seeded weights (identity,
// box blur, sharpen, Sobel), for any kernel size, and how one kernel fills a weight tensor.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "lens/count.hpp"

namespace lens {

// Which weights a convolution uses: the seeded random ones, or one classic kernel everywhere.
enum class KernelChoice { Seeded = 0, Identity, Box, Sharpen, SobelX, SobelY };

// The keys, in enum order: "random", "identity", "box", "sharpen", "sobel_x", "sobel_y".
inline constexpr const char* kKernelKeys[] = {"random", "identity", "box", "sharpen", "sobel_x", "sobel_y"};
inline constexpr int kKernelChoices = 6;

// The choice named `key`, or nullopt.
std::optional<KernelChoice> FindKernelChoice(std::string_view key);

// A kh x kw kernel, row-major (k[y * kw + x]), centre (kh/2, kw/2); nullopt for Seeded or a size < 1.
//   Identity: 1 at the centre, 0 elsewhere.
//   Box:      1/(kh kw) everywhere.
//   Sharpen:  -1/(kh kw) everywhere, plus 2 at the centre (sums to 1).
//   SobelX:   dx * sy, dx = x - cx, sy = 1 + (1 - |y - cy| / max(cy, 1)) (sy = 1 when kh = 1): the
//             derivative along x times a triangular smoothing along y (3 x 3: the Sobel kernel).
//   SobelY:   dy * sx, the same with the axes swapped.
std::optional<std::vector<float>> ClassicKernelValues(KernelChoice choice, Index kh, Index kw);

// `count` weights repeating `kernel` (weights[i] = kernel[i % kernel.size()] / divisor): one kernel
// for every (output, input) slice of a PyTorch-layout weight tensor, divided by the inputs each
// output sums over so that a blur stays a blur. Empty when the kernel is empty.
std::vector<float> TileKernel(std::span<const float> kernel, std::size_t count, float divisor);

}  // namespace lens
