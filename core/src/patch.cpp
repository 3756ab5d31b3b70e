// patch.cpp: ViT patch geometry, the token matrix and the patch embedding as a convolution.
//
// [SECTION] Helpers
// [SECTION] Geometry and validation
// [SECTION] Token matrix
// [SECTION] Patch embedding
// [SECTION] Patchify
#include "lens/patch.hpp"

#include <algorithm>
#include <limits>

namespace lens {
namespace {

// [SECTION] Helpers

void Report(std::vector<SpecIssue>* issues, std::string field, std::string message) {
    if (issues) issues->push_back({std::move(field), std::move(message)});
}

std::string Range(Index lo, Index hi, Index got) {
    return "between " + FormatExact(lo) + " and " + FormatExact(hi) + " (got " + FormatExact(got) + ")";
}

// The token-matrix limits, shared by Validate and BuildPatchTokens so they can never disagree.
std::optional<std::string> TokenMatrixRefusal(const PatchGeometry& g) {
    if (g.tokens > kPatchMaxTokens) {
        return FormatExact(g.tokens) + " tokens (" + FormatExact(g.patches_w) + " x " + FormatExact(g.patches_h) +
               " patches) exceed the limit of " + FormatExact(kPatchMaxTokens) +
               " for the token matrix: choose a larger patch or stride, or a smaller resize";
    }
    if (g.token_floats > kPatchMaxTokenFloats) {
        return "the token matrix (" + FormatExact(g.tokens) + " x " + FormatExact(g.token_dim) + " = " +
               FormatExact(g.token_floats) + " values) exceeds the limit of " + FormatExact(kPatchMaxTokenFloats) +
               " values: choose a smaller patch or a larger stride";
    }
    return std::nullopt;
}

// byte / 255, correctly rounded (a multiplication by 1/255 would differ in the last bit).
float Unit(std::uint8_t byte) { return static_cast<float>(byte) / 255.0f; }
// byte * 2/255 - 1, as the attention tokens have always computed it.
float Symmetric(std::uint8_t byte) { return static_cast<float>(byte) * (2.0f / 255.0f) - 1.0f; }

}  // namespace

// [SECTION] Geometry and validation

std::optional<PatchAxis> FitPatchAxis(Index image, Index patch, Index stride, PatchFit fit) {
    if (image < 1 || patch < 1 || stride < 1 || patch > image) return std::nullopt;
    PatchAxis a;
    a.image = image;
    const Index rest = image - patch;  // px after the first patch
    // Crop rounds the number of further steps down (the remainder is dropped), Pad rounds it up
    // (the last patch hangs over the edge into zeros).
    a.patches = (fit == PatchFit::Crop ? rest / stride : (rest + stride - 1) / stride) + 1;
    a.extent = (a.patches - 1) * stride + patch;
    if (a.extent >= image) {
        a.pad = a.extent - image;
    } else {
        a.crop = image - a.extent;
    }
    return a;
}

PatchElement PatchElementAt(Index f, Index patch, FlatOrder order) {
    if (order == FlatOrder::ChannelMajor) return {f / (patch * patch), (f / patch) % patch, f % patch};
    return {f % 3, f / (3 * patch), (f / 3) % patch};
}

Index PatchElementIndex(const PatchElement& e, Index patch, FlatOrder order) {
    if (order == FlatOrder::ChannelMajor) return (e.c * patch + e.y) * patch + e.x;
    return (e.y * patch + e.x) * 3 + e.c;
}

std::optional<PatchGeometry> ComputePatchGrid(Index image_h, Index image_w, Index patch, Index stride, PatchFit fit) {
    const auto axis_h = FitPatchAxis(image_h, patch, stride, fit);
    const auto axis_w = FitPatchAxis(image_w, patch, stride, fit);
    if (!axis_h || !axis_w) return std::nullopt;
    PatchGeometry g;
    g.patch = patch;
    g.stride = stride;
    g.fit = fit;
    g.h = *axis_h;
    g.w = *axis_w;
    g.patches_h = g.h.patches;
    g.patches_w = g.w.patches;
    // Saturated rather than overflowing for absurd sizes: every caller refuses them by its limits.
    constexpr Count kSaturated = std::numeric_limits<Count>::max();
    g.tokens = CheckedMul(g.patches_h, g.patches_w).value_or(kSaturated);
    g.token_dim = CheckedProduct({patch, patch, Count{3}}).value_or(kSaturated);
    g.token_floats = CheckedMul(g.tokens, g.token_dim).value_or(kSaturated);
    return g;
}

PatchImageSize ResolvePatchImageSize(const PatchSpec& spec, Index image_h, Index image_w) {
    if (spec.resize > 0) return {spec.resize, spec.resize};
    return {image_h, image_w};
}

std::optional<PatchGeometry> ComputePatchGeometry(const PatchSpec& spec, Index image_h, Index image_w,
                                                  std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found;
    if (spec.resize < 0 || spec.resize > kPatchMaxSide) {
        found.push_back({"resize", "resize must be 0 (the image's own size) or an edge " + Range(1, kPatchMaxSide, spec.resize)});
    }
    if (spec.patch < 1 || spec.patch > kPatchMaxPatch) {
        found.push_back({"patch", "the patch side must be " + Range(1, kPatchMaxPatch, spec.patch) + " px"});
    }
    if (spec.stride < 1 || spec.stride > kPatchMaxPatch) {
        found.push_back({"stride", "the stride must be " + Range(1, kPatchMaxPatch, spec.stride) + " px"});
    }
    if (spec.embed_dim < 1 || spec.embed_dim > kConvMaxChannels) {
        found.push_back({"embed_dim", "the embedding width must be " + Range(1, kConvMaxChannels, spec.embed_dim)});
    }
    if (image_h < 1 || image_w < 1) found.push_back({"image", "there is no image to cut into patches"});
    if (!found.empty()) {
        if (issues) issues->insert(issues->end(), found.begin(), found.end());
        return std::nullopt;
    }
    const PatchImageSize size = ResolvePatchImageSize(spec, image_h, image_w);
    if (size.h > kPatchMaxSide || size.w > kPatchMaxSide) {
        Report(issues, spec.resize > 0 ? "resize" : "image",
               "the image (" + FormatExact(size.w) + " x " + FormatExact(size.h) + " px) is larger than " +
                   FormatExact(kPatchMaxSide) + " px on a side: set resize");
        return std::nullopt;
    }
    std::optional<PatchGeometry> grid = ComputePatchGrid(size.h, size.w, spec.patch, spec.stride, spec.fit);
    if (!grid) {
        Report(issues, "patch",
               "the patch (" + FormatExact(spec.patch) + " x " + FormatExact(spec.patch) + " px) is larger than the image (" +
                   FormatExact(size.w) + " x " + FormatExact(size.h) + " px): choose a patch of at most " +
                   FormatExact(std::min(size.h, size.w)) + " px");
        return std::nullopt;
    }
    PatchGeometry g = *grid;
    g.embed_dim = spec.embed_dim;
    const auto weights = CheckedMul(g.token_dim, spec.embed_dim);
    if (!weights || *weights > kConvMaxWeights) {
        Report(issues, "embed_dim",
               "the embedding kernel P x P x 3 x D (" + FormatExact(g.token_dim) + " x " + FormatExact(spec.embed_dim) +
                   ") exceeds the limit of " + FormatExact(kConvMaxWeights) + " weights");
        return std::nullopt;
    }
    g.embed_weights = *weights;
    g.embed_parameters = g.embed_weights + (spec.embed_bias ? spec.embed_dim : 0);
    const auto macs = CheckedMul(g.tokens, g.embed_weights);
    if (!macs) {
        Report(issues, "patch", "the embedding's multiply-accumulates exceed 2^63");
        return std::nullopt;
    }
    g.embed_macs = *macs;
    return g;
}

std::vector<SpecIssue> Validate(const PatchSpec& spec, Index image_h, Index image_w) {
    std::vector<SpecIssue> issues;
    const auto g = ComputePatchGeometry(spec, image_h, image_w, &issues);
    if (g) {
        if (auto refusal = TokenMatrixRefusal(*g)) issues.push_back({"patch", *refusal});
    }
    return issues;
}

PatchRect PatchRegion(const PatchGeometry& g, Index token) {
    if (token < 0 || token >= g.tokens) return {};
    const Index i = token / g.patches_w, j = token % g.patches_w;
    return {i * g.stride, j * g.stride, i * g.stride + g.patch, j * g.stride + g.patch};
}

Index PatchAtPixel(const PatchGeometry& g, Index y, Index x) {
    if (g.tokens < 1 || y < 0 || x < 0) return -1;
    // The last origin at or before the pixel; it covers the pixel when the pixel is within P of it.
    const Index i = std::min(y / g.stride, g.patches_h - 1);
    const Index j = std::min(x / g.stride, g.patches_w - 1);
    if (y >= i * g.stride + g.patch || x >= j * g.stride + g.patch) return -1;
    return i * g.patches_w + j;
}

// [SECTION] Token matrix

void CutPatchTokens(const Image& image, const PatchGeometry& g, const PatchTokenFormat& format, RowMatrixF& tokens) {
    const Index p = g.patch, width = image.width, height = image.height;
    const bool unit = format.range == PatchRange::Unit;
    for (Index i = 0; i < g.patches_h; ++i) {
        for (Index j = 0; j < g.patches_w; ++j) {
            float* row = tokens.row(i * g.patches_w + j).data();
            for (Index py = 0; py < p; ++py) {
                const Index y = i * g.stride + py;
                if (y >= height) break;  // padding rows stay 0
                for (Index px = 0; px < p; ++px) {
                    const Index x = j * g.stride + px;
                    if (x >= width) break;
                    const std::uint8_t* pixel = &image.rgb[static_cast<size_t>((y * width + x) * 3)];
                    for (Index c = 0; c < 3; ++c) {
                        const Index f = PatchElementIndex({c, py, px}, p, format.order);
                        row[f] = unit ? Unit(pixel[c]) : Symmetric(pixel[c]);
                    }
                }
            }
        }
    }
}

std::optional<RowMatrixF> BuildPatchTokens(const Image& image, const PatchGeometry& g, const PatchTokenFormat& format,
                                           std::string* error) {
    auto fail = [&](std::string why) -> std::optional<RowMatrixF> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (image.Empty() || image.width != g.w.image || image.height != g.h.image ||
        image.rgb.size() != static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3) {
        return fail("the image is not the " + FormatExact(g.w.image) + " x " + FormatExact(g.h.image) +
                    " px image the patch grid was computed for");
    }
    if (auto refusal = TokenMatrixRefusal(g)) return fail(*refusal);
    RowMatrixF tokens = RowMatrixF::Zero(g.tokens, g.token_dim);  // zero: the padding value
    CutPatchTokens(image, g, format, tokens);
    return tokens;
}

std::optional<RowMatrixF> BuildPatchTokens(const Image& image, const PatchGeometry& g, FlatOrder order, std::string* error) {
    return BuildPatchTokens(image, g, PatchTokenFormat{order, PatchRange::Unit}, error);
}

std::vector<float> FittedImageChw(const Image& image, const PatchGeometry& g, Count max_floats, std::string* error) {
    if (image.Empty() || image.width != g.w.image || image.height != g.h.image ||
        image.rgb.size() != static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3) {
        if (error) *error = "the image is not the size the patch grid was computed for";
        return {};
    }
    const Index eh = g.h.extent, ew = g.w.extent;
    const auto floats = CheckedProduct({3, eh, ew});
    if (!floats || *floats > max_floats) {
        if (error) {
            *error = "the fitted image (3 x " + FormatExact(eh) + " x " + FormatExact(ew) + ") exceeds the limit of " +
                     FormatExact(max_floats) + " values";
        }
        return {};
    }
    std::vector<float> chw(static_cast<size_t>(*floats), 0.0f);
    const Index copy_h = std::min<Index>(eh, image.height), copy_w = std::min<Index>(ew, image.width);
    for (Index c = 0; c < 3; ++c) {
        for (Index y = 0; y < copy_h; ++y) {
            for (Index x = 0; x < copy_w; ++x) {
                chw[static_cast<size_t>((c * eh + y) * ew + x)] = Unit(image.rgb[static_cast<size_t>((y * image.width + x) * 3 + c)]);
            }
        }
    }
    return chw;
}

// [SECTION] Patch embedding

ConvSpec PatchEmbeddingSpec(const PatchGeometry& g, bool bias, FlatOrder order, std::uint64_t seed) {
    ConvSpec s;
    s.dims = 2;
    s.in_h = g.h.extent;
    s.in_w = g.w.extent;
    s.in_channels = 3;
    s.out_channels = g.embed_dim;
    s.kernel_h = g.patch;
    s.kernel_w = g.patch;
    s.stride = g.stride;
    s.padding_mode = PaddingMode::Explicit;  // the fit already padded or cropped: no convolution padding
    s.padding = 0;
    s.dilation = 1;
    s.groups = 1;
    s.bias = bias;
    s.order = order;
    s.seed = seed;
    return s;
}

std::optional<ConvOperator> PatchEmbeddingOperator(const PatchGeometry& g, bool bias, FlatOrder order, std::uint64_t seed,
                                                   std::vector<SpecIssue>* issues) {
    return ConvOperator::Create(PatchEmbeddingSpec(g, bias, order, seed), issues);
}

// [SECTION] Patchify

PatchifyResult Patchify(const Image& image, const PatchSpec& spec) {
    PatchifyResult result;
    result.geometry = ComputePatchGeometry(spec, image.height, image.width, &result.issues);
    if (!result.geometry) return result;
    if (auto refusal = TokenMatrixRefusal(*result.geometry)) {
        result.issues.push_back({"patch", *refusal});
        return result;
    }
    const PatchImageSize size = ResolvePatchImageSize(spec, image.height, image.width);
    if (size.h != image.height || size.w != image.width) {
        ImageLimits limits;
        limits.max_side = static_cast<int>(kPatchMaxSide);
        result.image = ResizeRgb(image, static_cast<int>(size.w), static_cast<int>(size.h), limits);
        if (result.image.Empty()) {
            result.issues.push_back({"resize", "the image could not be resized to " + FormatExact(size.w) + " x " +
                                                   FormatExact(size.h) + " px"});
            return result;
        }
    } else {
        result.image = image;
    }
    std::string error;
    result.tokens = BuildPatchTokens(result.image, *result.geometry, spec.order, &error);
    if (!result.tokens) result.issues.push_back({"patch", error});
    return result;
}

}  // namespace lens
