// lens/patch.hpp: the one patch geometry of the program. ViT patches with any patch size and
// stride over any image size, the token matrix (value range and element order as options), and the
// patch embedding as the convolution it is (kernel P, stride S, one weight shared by every patch:
// the notes' "ViT ... 1-convolution ... shared weight"). The attention panel's image tokens
// (tokens.hpp PatchTokens: S = P, -1..1, (y, x, c)) and the ViT panel (any S, 0..1, (c, y, x) by
// default) both cut their patches here; each keeps its own limits.
//
// Geometry, per axis of L px with patch P and stride S (P <= L is required):
// - PatchFit::Crop: floor((L - P) / S) + 1 patches; the pixels after the last patch (bottom and
//   right) are dropped. This is what a stride-S convolution without padding does.
// - PatchFit::Pad: ceil((L - P) / S) + 1 patches; zeros are added after the image (bottom and right)
//   until the last patch fits. Both keep pixel coordinates unchanged: patch (i, j) covers image rows
//   [i*S, i*S + P) and columns [j*S, j*S + P), whatever the fit.
// S = P tiles the image (ViT); S < P overlaps; S > P leaves gaps that no token sees.
//
// Token matrix: N x (P*P*3), row-major, token n = patch n in raster order (left to right, then top
// to bottom). Inside a token the values are ordered (c, y, x) by default (FlatOrder::ChannelMajor):
// c*P*P + y*P + x, as PyTorch's Conv2d weight (out, 3, P, P) and unfold flatten a patch, so that
// token row n times the flattened weight row o is the patch embedding's output o at patch n.
// FlatOrder::PositionMajor gives (y, x, c), the notes' "16x16x3". Values are bytes / 255 (0..1,
// PatchRange::Unit) by default, or byte * 2/255 - 1 (-1..1, PatchRange::Symmetric); padding is 0.
//
// Resizing: PatchSpec::resize = E > 0 resamples the image to E x E (square, as ViT's 224 x 224
// input; the aspect ratio is not kept); 0 keeps the image's own size.
//
// Limits (bad input is normal input): counts are exact and checked for any size up to
// kPatchMaxSide; building the token matrix is refused above kPatchMaxTokens tokens or
// kPatchMaxTokenFloats floats, with a message, before anything of that size is allocated
// (4096 x 4096 at P = 16 is 65,536 tokens: refused; 2048 x 2048 is 16,384: built).
//
// [SECTION] Spec, limits and geometry
// [SECTION] Token matrix
// [SECTION] Patch embedding as a convolution
// [SECTION] All in one: resize, check, cut
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lens/conv.hpp"
#include "lens/count.hpp"
#include "lens/image.hpp"
#include "lens/spec.hpp"

#include <Eigen/Dense>

namespace lens {

// [SECTION] Spec, limits and geometry

// Row-major float matrix (C order), the layout of every token, score and attention array.
using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class PatchFit {
    Pad,   // zeros after the image (bottom, right) until the last patch fits (ceil)
    Crop,  // drop the pixels after the last whole patch (floor), as a stride-S convolution does
};

enum class PatchRange {
    Symmetric,  // byte / 255 * 2 - 1: -1..1 (ViT's mean 0.5, std 0.5 normalisation); padding is 0
    Unit,       // byte / 255: 0..1; padding is 0
};

// How a token holds its P*P*3 values: their order and range.
struct PatchTokenFormat {
    FlatOrder order = FlatOrder::ChannelMajor;  // (c, y, x) or (y, x, c)
    PatchRange range = PatchRange::Unit;        // 0..1 or -1..1
    bool operator==(const PatchTokenFormat&) const = default;
};

// The (c, y, x) of value f inside a token of patch P in `order`, and back.
struct PatchElement {
    Index c = 0, y = 0, x = 0;
    bool operator==(const PatchElement&) const = default;
};
PatchElement PatchElementAt(Index f, Index patch, FlatOrder order);
Index PatchElementIndex(const PatchElement& e, Index patch, FlatOrder order);

inline constexpr Index kPatchMaxSide = 16384;                 // px: image side after resizing (ImageLimits' max_side)
inline constexpr Index kPatchMaxPatch = kConvMaxKernel;       // px: P and S (1024, the convolution's kernel limit)
inline constexpr Index kPatchMaxTokens = 16384;               // N of a built token matrix (2048 x 2048 at P = 16)
inline constexpr Count kPatchMaxTokenFloats = Count{1} << 25; // N * P*P*3 floats of a built token matrix (128 MiB)

struct PatchSpec {
    Index resize = 0;                            // px: resample to resize x resize first; 0 = the image's own size
    Index patch = 16;                            // P, px: side of the square patch
    Index stride = 16;                           // S, px: step between patch origins (S = P: ViT)
    PatchFit fit = PatchFit::Pad;                // when the patches do not end exactly at a side
    FlatOrder order = FlatOrder::ChannelMajor;   // values inside a token: (c, y, x) or (y, x, c)
    Index embed_dim = 768;                       // D: patch-embedding output channels (ViT-B's 768)
    bool embed_bias = true;                      // the embedding convolution's bias (PyTorch's conv_proj has one)
    std::uint64_t seed = 1;                      // seeds the embedding's deterministic weights

    bool operator==(const PatchSpec&) const = default;
};

// One axis of the patch grid.
struct PatchAxis {
    Index image = 0;    // px: side of the (resized) image
    Index patches = 0;  // patches along the side
    Index extent = 0;   // px: (patches - 1) * S + P, the side the patches span (padding included)
    Index pad = 0;      // px of zeros added after the image (Pad only)
    Index crop = 0;     // px dropped after the last patch (Crop only)
};

// Patch grid of one axis of `image` px, or nullopt when P > image or a size is < 1.
std::optional<PatchAxis> FitPatchAxis(Index image, Index patch, Index stride, PatchFit fit);

struct PatchGeometry {
    Index patch = 0;               // P, px
    Index stride = 0;              // S, px
    PatchFit fit = PatchFit::Pad;
    PatchAxis h, w;                // rows (y) and columns (x)
    Index patches_h = 0;           // patches down (= h.patches)
    Index patches_w = 0;           // patches across (= w.patches)
    Index tokens = 0;              // N = patches_h * patches_w
    Index token_dim = 0;           // P * P * 3 values per token
    Count token_floats = 0;        // N * token_dim: size of the token matrix
    Index embed_dim = 0;           // D
    Count embed_weights = 0;       // P * P * 3 * D: the one shared kernel
    Count embed_parameters = 0;    // embed_weights + D when the embedding has a bias
    Count embed_macs = 0;          // N * P*P*3 * D (torchvision's convention: bias not counted)
};

// The grid alone (patch, stride, fit, both axes, tokens, token_dim, token_floats; no embedding
// counts) of an image_h x image_w image, or nullopt when P is larger than a side or a size is < 1.
// No limits: every user of patches checks its own. ComputePatchGeometry adds the embedding.
std::optional<PatchGeometry> ComputePatchGrid(Index image_h, Index image_w, Index patch, Index stride, PatchFit fit);

// Image size after PatchSpec::resize: (resize, resize), or (image_h, image_w) when resize is 0.
struct PatchImageSize {
    Index h = 0;  // px
    Index w = 0;  // px
};
PatchImageSize ResolvePatchImageSize(const PatchSpec& spec, Index image_h, Index image_w);

// Exact counts for an image_h x image_w source image (before resizing), or nullopt with issues:
// fields "resize" (negative, above kPatchMaxSide), "patch" (outside 1..kPatchMaxPatch, larger than
// the image), "stride" (outside 1..kPatchMaxPatch: zero and negative strides are refused),
// "embed_dim" (outside 1..kConvMaxChannels, or P*P*3*D above kConvMaxWeights), "image" (empty or
// over kPatchMaxSide). No token-matrix limit: use it for counts at any size.
std::optional<PatchGeometry> ComputePatchGeometry(const PatchSpec& spec, Index image_h, Index image_w,
                                                  std::vector<SpecIssue>* issues = nullptr);

// ComputePatchGeometry's issues plus the token-matrix limits (field "patch": more than
// kPatchMaxTokens tokens or kPatchMaxTokenFloats floats). Empty: Patchify will build it.
std::vector<SpecIssue> Validate(const PatchSpec& spec, Index image_h, Index image_w);

// Pixels [y0, y1) x [x0, x1) of the image a patch covers; may reach into the padding (past the image).
struct PatchRect {
    Index y0 = 0, x0 = 0, y1 = 0, x1 = 0;
    bool operator==(const PatchRect&) const = default;
};
// Rectangle of token `token` (raster order); all zero when out of range.
PatchRect PatchRegion(const PatchGeometry& g, Index token);
// Token whose patch contains pixel (y, x): with overlapping patches the one that starts last (the
// lowest-right origin); -1 when none does (a gap of S > P, the cropped border, past the grid).
// Padding pixels (past the image, inside the last patch) belong to that patch.
Index PatchAtPixel(const PatchGeometry& g, Index y, Index x);

// [SECTION] Token matrix

// The N x (P*P*3) token matrix of `image` (which must be g.w.image x g.h.image px), row-major,
// values in `order` (see the top), 0..1, padding 0. nullopt (with *error) on a size mismatch or
// above the token-matrix limits; nothing that large is allocated. Cost O(N * P*P*3).
std::optional<RowMatrixF> BuildPatchTokens(const Image& image, const PatchGeometry& g,
                                           FlatOrder order = FlatOrder::ChannelMajor, std::string* error = nullptr);
// The same in any format (range -1..1 or 0..1), under the same limits.
std::optional<RowMatrixF> BuildPatchTokens(const Image& image, const PatchGeometry& g, const PatchTokenFormat& format,
                                           std::string* error = nullptr);

// Cuts the patches into `tokens` (g.tokens x g.token_dim, already zero: the padding value), in
// `format`, without limits (the caller checked its own). `image` must be g.w.image x g.h.image px.
void CutPatchTokens(const Image& image, const PatchGeometry& g, const PatchTokenFormat& format, RowMatrixF& tokens);

// The patch embedding's input: the image padded or cropped to g.h.extent x g.w.extent, as a C,H,W
// float vector (3 * extent_h * extent_w, channel-major, 0..1, padding 0). Empty (with *error) on a
// size mismatch or above max_floats.
std::vector<float> FittedImageChw(const Image& image, const PatchGeometry& g, Count max_floats = kPatchMaxTokenFloats,
                                  std::string* error = nullptr);

// [SECTION] Patch embedding as a convolution

// The convolution that embeds patches: in_channels 3, out_channels D, kernel P x P, stride S, no
// padding, on the fitted (padded or cropped) extent_h x extent_w image, flattened in `order`
// (ChannelMajor: output row = (d, i, j), as PyTorch's conv_proj output before flatten(2);
// PositionMajor: row = token * D + d, the N x D embedding matrix row-major). Its output grid is
// exactly patches_h x patches_w; its P*P*3*D weights are shared by every patch.
ConvSpec PatchEmbeddingSpec(const PatchGeometry& g, bool bias, FlatOrder order = FlatOrder::ChannelMajor,
                            std::uint64_t seed = 1);
// ConvOperator::Create(PatchEmbeddingSpec(...)): a StructuredMatrix of (D*N) x (3*extent_h*extent_w);
// nullopt (with issues) when the convolution's own limits refuse it.
std::optional<ConvOperator> PatchEmbeddingOperator(const PatchGeometry& g, bool bias,
                                                   FlatOrder order = FlatOrder::ChannelMajor, std::uint64_t seed = 1,
                                                   std::vector<SpecIssue>* issues = nullptr);

// [SECTION] All in one: resize, check, cut

struct PatchifyResult {
    std::vector<SpecIssue> issues;          // empty on success
    std::optional<PatchGeometry> geometry;  // set when the counts are valid (even if the matrix is refused)
    Image image;                            // the image the patches were cut from (resized when asked)
    std::optional<RowMatrixF> tokens;       // the token matrix, set exactly when issues is empty
};

// Validates against the source size first (so a refused request resizes and allocates nothing),
// then resizes (ResizeRgb) when spec.resize differs from the image's size, then builds the tokens.
PatchifyResult Patchify(const Image& image, const PatchSpec& spec);

}  // namespace lens
