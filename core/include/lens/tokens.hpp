// lens/tokens.hpp: the matrix X that enters attention, N tokens x d features, from text or from an
// image (the notes' "Attention is all you need" and "ViT" sections).
//
// Text: a word-and-punctuation tokenizer in the manner of BERT's BasicTokenizer (whitespace splits,
// every punctuation character is a token of its own, every CJK ideograph too), then one embedding
// row per token. Each distinct token text gets a deterministic pseudo-random vector of width d,
// drawn N(0, 1) (nn.Embedding's default initialisation) from a stream seeded by (seed, the text),
// so equal words get equal rows, on every platform, with no vocabulary file. Optional sinusoidal
// positions (Vaswani et al. 2017) are added: PE(n, 2i) = sin(n / 10000^(2i/d)),
// PE(n, 2i+1) = cos(n / 10000^(2i/d)).
//
// Image: ViT patches, cut by lens/patch.hpp (the one patch geometry) with stride P. The image is
// cut into P x P squares in raster order (left to right, then top to bottom); each becomes one token
// of P*P*3 values (16x16x3 = 768). When P does not divide a side, PatchFit::Pad adds zero values on
// the right and bottom (as timm's dynamic padding does, after normalisation) and PatchFit::Crop
// drops the remainder on the right and bottom (what a stride-P convolution does). Values are the
// bytes scaled to -1..1 by default (mean 0.5, std 0.5: the original ViT's normalisation) or to 0..1.
// What this file adds to patch.hpp: the attention limits below, labels, and positions.
//
// Storage: RowMatrixF is row-major (C order): row n is token n, so x.data() is ready for
// WriteNpy(path, ..., {N, d}). Eigen's default MatrixXf is column-major: convert, never reinterpret.
//
// Limits (bad input is normal input): at most kMaxTokens tokens, kMaxTokenWidth features per token
// and kMaxTokenEntries floats in X. Larger requests are refused with a message before anything of
// their size is allocated.
//
// [SECTION] Limits and storage
// [SECTION] Text tokens
// [SECTION] Image patches
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lens/spec.hpp"
#include "lens/types.hpp"
#include "lens/count.hpp"
#include "lens/image.hpp"
#include "lens/patch.hpp"  // RowMatrixF, PatchFit, PatchRange, the patch geometry

namespace lens {

// [SECTION] Limits and storage

inline constexpr Index kMaxTokens = 8192;              // N: tokens (attention stores heads x N x N)
inline constexpr Index kMaxTokenWidth = Index{1} << 16;  // d: features per token (P*P*3 <= 65536)
inline constexpr Count kMaxTokenEntries = Count{1} << 26;  // N * d floats in X (256 MiB)
inline constexpr Index kMaxTextBytes = Index{1} << 20;  // bytes of text read by the tokenizer

// The tokens and the matrix they make. Fields of the other source stay 0 / empty.
struct TokenSet {
    RowMatrixF x;                     // N x d, row-major: row n = token n (embedding + position)
    std::vector<std::string> labels;  // N labels: the token's text, or "patch (r=1, c=2)"
    // Text only.
    std::vector<Index> text_begin;    // N byte offsets of each token in the source text
    std::vector<Index> text_end;      // N byte offsets one past each token's last byte
    Index distinct = 0;               // distinct token texts: the rank X can reach without positions
    // Image only.
    Index patch = 0;                  // P, px
    Index grid_rows = 0;              // patches down
    Index grid_cols = 0;              // patches across (N = grid_rows * grid_cols)
    Index covered_width = 0;          // px the patches cover across (grid_cols * P), padding included
    Index covered_height = 0;         // px down
    Index pad_right = 0;              // px of zero padding on the right (PatchFit::Pad)
    Index pad_bottom = 0;             // px of zero padding at the bottom
    Index crop_right = 0;             // px dropped on the right (PatchFit::Crop)
    Index crop_bottom = 0;            // px dropped at the bottom

    Index Tokens() const { return x.rows(); }
    Index Width() const { return x.cols(); }
};

// Adds the sinusoidal position code PE(n, .) (see the top) to every row n of x, in place.
void AddSinusoidalPositions(RowMatrixF& x);

// [SECTION] Text tokens

// One token of a text: its (possibly lower-cased) text and where it sits in the source, bytes.
struct TextToken {
    std::string text;  // as looked up: ASCII letters lower-cased when asked
    Index begin = 0;   // byte offset of its first byte in the source text
    Index end = 0;     // one past its last byte
};

// Splits `text` into words and punctuation, BERT BasicTokenizer style: ASCII whitespace, control
// characters and U+3000 separate; each ASCII punctuation character, each CJK punctuation or
// fullwidth punctuation character and each CJK ideograph is a token by itself; other runs (letters,
// digits, other UTF-8, invalid bytes) are words. `lowercase` folds ASCII letters. Returns nullopt
// (with an English message in *error) for text longer than kMaxTextBytes or with more than
// `max_tokens` tokens (it stops counting there: nothing grows with the text). Empty text gives an
// empty list, not an error.
std::optional<std::vector<TextToken>> TokenizeText(std::string_view text, bool lowercase, std::string* error = nullptr,
                                                   Index max_tokens = kMaxTokens);

// The embedding row of token text `token`: `width` values drawn N(0, 1) from a splitmix64 stream
// seeded by (seed, FNV-1a hash of the bytes). Same text and seed: same vector, on every platform.
// Empty for width outside 1..kMaxTokenWidth.
std::vector<float> TokenEmbedding(std::string_view token, Index width, std::uint64_t seed = 1);

struct TextTokensSpec {
    Index width = 768;       // d: features per token (BERT-base's 768)
    bool lowercase = true;   // fold ASCII letters, so "The" and "the" share a vector (bert-base-uncased)
    bool positions = false;  // add sinusoidal positions: equal words at different places differ
    std::uint64_t seed = 1;  // mixed into every token's stream

    bool operator==(const TextTokensSpec&) const = default;
};

// Problems with the spec (field "d_model" for the width): width outside 1..kMaxTokenWidth.
std::vector<SpecIssue> Validate(const TextTokensSpec& spec);

// Tokens of `text` and their N x width matrix, or nullopt with issues (field "text": empty text,
// text too long, more than kMaxTokens tokens, N * d above kMaxTokenEntries; "d_model": width).
std::optional<TokenSet> TextTokens(std::string_view text, const TextTokensSpec& spec,
                                   std::vector<SpecIssue>* issues = nullptr);

// [SECTION] Image patches

struct PatchTokensSpec {
    Index patch = 16;                            // P, px: side of the square patch
    PatchFit fit = PatchFit::Pad;                // when P does not divide a side
    PatchRange range = PatchRange::Symmetric;    // value scale of the pixels
    // Order of the P*P*3 values inside one token. PositionMajor (default): (py, px, c), channels
    // fastest, the notes' "16x16x3". ChannelMajor: (c, py, px), PyTorch's conv_proj weight layout
    // (out, 3, P, P) flattened, for loading a ViT's patch-embedding weight as a projection.
    FlatOrder order = FlatOrder::PositionMajor;
    bool positions = false;                      // add sinusoidal positions by patch index (raster order)

    bool operator==(const PatchTokensSpec&) const = default;
};

inline constexpr Index kMaxPatch = 147;  // P: 147*147*3 = 64,827 <= kMaxTokenWidth

// Problems with the spec alone (field "patch"): P outside 1..kMaxPatch.
std::vector<SpecIssue> Validate(const PatchTokensSpec& spec);

// Patch grid of a width x height image: sets patch, grid_rows/cols, covered size and padding or
// cropping in a TokenSet with an empty x. nullopt (issues, field "patch" or "image") for an empty
// image, P larger than a side, or more than kMaxTokens patches / kMaxTokenEntries values.
std::optional<TokenSet> PatchGridOf(Index width, Index height, const PatchTokensSpec& spec,
                                    std::vector<SpecIssue>* issues = nullptr);

// The image's patches as an N x (P*P*3) matrix (see the top for order, fit and range), or nullopt
// with issues as PatchGridOf. Cost O(N * P*P*3).
std::optional<TokenSet> PatchTokens(const Image& image, const PatchTokensSpec& spec,
                                    std::vector<SpecIssue>* issues = nullptr);

}  // namespace lens
