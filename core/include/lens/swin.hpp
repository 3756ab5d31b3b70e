// lens/swin.hpp: the Swin Transformer's matrix math (the notes' "(3C) SWIN Transformer": local window
// attention, shifted windows, patch merging instead of pooling, a hierarchy of stages), following
// torchvision's models/swin_transformer.py (Swin v1) wherever it and the paper differ.
//
// Conventions (said out loud, because they decide the pictures and the numbers):
// - Patch grid: the patch embedding is Conv2d(3, C, kernel = stride = P): an image of H x W px gives
//   floor(H/P) x floor(W/P) patches and drops the remainder (PatchFit::Crop, torchvision's
//   behaviour). PatchFit::Pad (ceil, zeros after the image) is offered as in patch.hpp.
// - Every 2-D map is row-major, origin top-left (grid.hpp); token t of an h x w grid is raster
//   position t = y * w + x. The token matrix is (h * w) x C, row-major (RowMatrixF): torchvision's
//   B,H,W,C tensor at batch 1.
// - Windows of M x M tokens. The grid is padded with zero tokens at the bottom and right up to a
//   multiple of M (pad_b = (M - h % M) % M, as torchvision's F.pad). Padding tokens are NOT masked:
//   they take part in attention as zero tokens, exactly as in torchvision.
// - Shift: a shifted block rolls the padded grid by -s (torch.roll(x, shifts=(-s, -s), dims=(1, 2)),
//   s = floor(M / 2)), so shifted position p holds the token from (p + s) mod L. Along a side where
//   M >= the padded side (the grid is no larger than one window) the shift is 0 on that side
//   (torchvision: `if window_size[i] >= pad_H: shift_size[i] = 0`); the window stays M x M and the
//   grid is padded up to M. (The official microsoft/Swin code instead shrinks the window to the
//   grid; we do not.) After attention the windows are put back and the grid rolled by +s.
// - Region labels and mask, in the shifted frame, as the reference code builds them: along each
//   axis the Python slices (0, -M), (-M, -s), (-s, None) of the padded side, a counter cnt = 0..8
//   over the 3 x 3 slice pairs (row slices outer), later slices overwriting earlier ones (with s = 0
//   on an axis the slice (-M, -0) is empty and (-0, None) is the whole side, as in Python). Two
//   tokens of one window may attend each other when their labels are equal: mask 0, else -100.
// - Windows are numbered row-major over the padded grid (window (wy, wx) is wy * windows_w + wx);
//   inside a window, slot s = ty * M + tx, row-major (torchvision's view/permute order).
// - Relative position index, M^2 x M^2 into a (2M-1)^2 table: for slots i, j with coordinates
//   (yi, xi), (yj, xj): (yi - yj + M - 1) * (2M - 1) + (xi - xj + M - 1). The table is
//   (2M-1)^2 x heads, C order (torchvision's relative_position_bias_table); bias[h][i][j] =
//   table[index[i][j]][h].
// - Patch merging (torchvision's PatchMerging): odd sides are padded by one zero token (bottom,
//   right); merged token (i, j) concatenates on channels x0 = (2i, 2j), x1 = (2i+1, 2j),
//   x2 = (2i, 2j+1), x3 = (2i+1, 2j+1) (x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]),
//   feature k * C + c, then LayerNorm(4C) and Linear(4C -> 2C, no bias). Weights in nn.Linear's
//   layout (out, in) = 2C x 4C.
// - Counts: parameters are sum(p.numel() for p in model.parameters()) (relative position tables
//   and every LayerNorm included); MACs follow torchvision's convention (published-counts.md):
//   convolutions, linear layers and the Q K^T and A V matmuls, batch 1; biases, norms, softmax,
//   masks and bias additions count 0. Like torchvision, the attention's Q K V and output
//   projections run on the padded grid, the MLP on the unpadded one.
//
// Limits (bad input is normal input): the geometry functions refuse grids above kSwinMaxGridTokens
// padded tokens or windows above kSwinMaxWindow; attention arrays above kSwinMaxAttentionEntries
// floats; the patch-merging operator above kSwinMaxMergeTokens tokens or kAttentionMaxWeightEntries
// weights; the calculators check every product for 64-bit overflow. Refusals happen before
// anything of the refused size is allocated.
//
// [SECTION] Limits
// [SECTION] Patch grid
// [SECTION] Windows: layout, roll, partition, labels and mask
// [SECTION] Relative position bias
// [SECTION] Window attention
// [SECTION] Patch merging
// [SECTION] Stage calculator and presets
// [SECTION] Complexity: global against window attention
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lens/attention.hpp"  // RowMatrixF, ProjectionKind, ProgressFn, DenseMatrixOperator
#include "lens/count.hpp"
#include "lens/dense_ops.hpp"
#include "lens/grid.hpp"
#include "lens/spec.hpp"
#include "lens/patch.hpp"

namespace lens {

// [SECTION] Limits

inline constexpr Index kSwinMaxWindow = 64;                     // M (M^2 = 4096 tokens per window)
inline constexpr Index kSwinMaxGridSide = 1 << 14;              // tokens along one side of a grid
inline constexpr Count kSwinMaxGridTokens = Count{1} << 20;     // padded tokens of a grid the geometry functions build
inline constexpr Count kSwinMaxAttentionEntries = Count{1} << 25;  // floats of one attention or mask array (128 MiB)
inline constexpr Index kSwinMaxMergeTokens = Index{1} << 16;    // H * W tokens of a patch-merging operator
inline constexpr Index kSwinMaxImageSide = Index{1} << 20;      // px: image side in the calculators
inline constexpr Index kSwinMaxChannels = Index{1} << 16;       // embed_dim and channels in the calculators
inline constexpr Index kSwinMaxStages = 8;                      // stages of a config
inline constexpr Index kSwinMaxDepth = 10000;                   // blocks per stage
inline constexpr Index kSwinMaxClasses = Index{1} << 24;        // num_classes
inline constexpr double kSwinMaxMlpRatio = 64.0;                // mlp_ratio
inline constexpr float kSwinMaskValue = -100.0f;                // added to scores across regions (torchvision's -100)
inline constexpr float kSwinMergeNormEpsilon = 1e-5f;           // LayerNorm eps of patch merging (nn.LayerNorm's default)
inline constexpr double kSwinBiasTableStd = 0.02;               // trunc_normal_(std=0.02) of the bias table

// [SECTION] Patch grid

struct SwinPatchGrid {
    Index image_h = 0, image_w = 0;     // px
    Index patch = 0;                    // P, px
    PatchFit fit = PatchFit::Crop;
    Index grid_h = 0, grid_w = 0;       // patches down and across: floor (Crop) or ceil (Pad) of side / P
    Index crop_bottom = 0, crop_right = 0;  // px dropped (Crop)
    Index pad_bottom = 0, pad_right = 0;    // px of zeros added (Pad)
    Index Tokens() const { return grid_h * grid_w; }
};

// The patch grid of an image_h x image_w image (after any resize, done by the caller) with patch P
// (kernel = stride = P). nullopt with issues: "patch" (outside 1..kPatchMaxPatch or larger than a
// side), "image" (a side outside 1..kSwinMaxImageSide).
std::optional<SwinPatchGrid> ComputeSwinPatchGrid(Index image_h, Index image_w, Index patch, PatchFit fit = PatchFit::Crop,
                                                  std::vector<SpecIssue>* issues = nullptr);

// [SECTION] Windows: layout, roll, partition, labels and mask

// floor(M / 2): the shift of the shifted blocks.
inline Index DefaultShift(Index window) { return window / 2; }

struct SwinWindowLayout {
    Index grid_h = 0, grid_w = 0;      // tokens down and across, before padding
    Index window = 0;                  // M
    Index shift = 0;                   // requested shift s, 0..M-1
    Index padded_h = 0, padded_w = 0;  // ceil(grid / M) * M
    Index pad_bottom = 0, pad_right = 0;  // zero tokens added
    Index windows_h = 0, windows_w = 0;   // padded / M
    Index windows = 0;                 // windows_h * windows_w
    Index shift_h = 0, shift_w = 0;    // effective shift per axis: s, or 0 where M >= the padded side

    Index TokensPerWindow() const { return window * window; }
    Index PaddedTokens() const { return padded_h * padded_w; }
    bool Shifted() const { return shift_h > 0 || shift_w > 0; }
};

// The windows of a grid_h x grid_w token grid with window M and requested shift s. nullopt with
// issues: "grid" (a side outside 1..kSwinMaxGridSide, more than kSwinMaxGridTokens padded tokens),
// "window" (M outside 1..kSwinMaxWindow), "shift" (outside 0..M-1). A window larger than the grid
// is not an error: the grid is padded up to M and that side is not shifted.
std::optional<SwinWindowLayout> ComputeWindowLayout(Index grid_h, Index grid_w, Index window, Index shift,
                                                    std::vector<SpecIssue>* issues = nullptr);

// torch.roll on both axes: out(y + shift_y mod h, x + shift_x mod w) = in(y, x). A negative shift
// rolls up / left (the shifted blocks' -s); RollGrid(RollGrid(g, a, b), -a, -b) == g. Any payload.
template <class T>
Grid<T> RollGrid(const Grid<T>& in, Index shift_y, Index shift_x) {
    Grid<T> out;
    if (in.Empty()) return out;
    out.width = in.width;
    out.height = in.height;
    out.data = in.data;
    const Index h = in.height, w = in.width;
    const Index sy = ((shift_y % h) + h) % h, sx = ((shift_x % w) + w) % w;
    for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < w; ++x)
            out.At(static_cast<int>((x + sx) % w), static_cast<int>((y + sy) % h)) = in.At(static_cast<int>(x), static_cast<int>(y));
    return out;
}

// Region labels of the shifted padded grid (see the top): padded_h x padded_w, values 0..8. Empty
// when padded_h or padded_w is not a positive multiple of M, a shift is outside 0..M-1, M is
// outside 1..kSwinMaxWindow or the grid above kSwinMaxGridTokens.
Grid<int> RegionLabels(Index padded_h, Index padded_w, Index window, Index shift_h, Index shift_w);

// The attention mask of every window: windows x M^2 x M^2 floats, C order, entry (w, i, j) = 0 when
// slots i and j of window w have equal labels, kSwinMaskValue otherwise. Empty when the label grid
// is not a multiple of M or the array would exceed kSwinMaxAttentionEntries.
std::vector<float> WindowMask(const Grid<int>& labels, Index window);
// One window's M^2 x M^2 mask (empty when out of range or invalid).
std::vector<float> WindowMaskOf(const Grid<int>& labels, Index window, Index window_index);

// Window partition of a padded_h x padded_w grid: windows x M^2 entries, entry w * M^2 + s = the
// raster index (y * padded_w + x) of the token in slot s of window w. Empty when invalid.
std::vector<Index> WindowPartition(Index padded_h, Index padded_w, Index window);
// The inverse: one entry per raster index, the w * M^2 + s it goes to. Empty when invalid.
std::vector<Index> WindowReverse(Index padded_h, Index padded_w, Index window);

// A grid's values in window order (windows x M^2), and back. Empty when the sizes do not fit.
template <class T>
std::vector<T> PartitionValues(const Grid<T>& grid, Index window) {
    const std::vector<Index> order = WindowPartition(grid.height, grid.width, window);
    std::vector<T> out;
    out.reserve(order.size());
    for (Index raster : order) out.push_back(grid.data[static_cast<size_t>(raster)]);
    return out;
}
template <class T>
Grid<T> ReverseValues(const std::vector<T>& windowed, Index padded_h, Index padded_w, Index window) {
    const std::vector<Index> back = WindowReverse(padded_h, padded_w, window);
    Grid<T> out;
    if (back.empty() || back.size() != windowed.size()) return out;
    out.width = static_cast<int>(padded_w);
    out.height = static_cast<int>(padded_h);
    out.data.reserve(back.size());
    for (Index slot : back) out.data.push_back(windowed[static_cast<size_t>(slot)]);
    return out;
}

// One slot of a (possibly shifted) window: where its token came from before the roll.
struct SwinWindowToken {
    Index y = 0, x = 0;                  // original (unshifted) padded-grid coordinates of the token
    Index shifted_y = 0, shifted_x = 0;  // its coordinates in the rolled grid (inside the window)
    int label = 0;                       // region label (all equal when the layout is not shifted)
    bool padding = false;                // a zero token added by the padding (y >= grid_h or x >= grid_w)
};

// The M^2 tokens window `window_index` gathers after the roll, slot order, so that a panel can draw
// which image patches a shifted window holds. Empty when the index is out of range.
std::vector<SwinWindowToken> WindowSourcePatches(const SwinWindowLayout& layout, Index window_index);

// [SECTION] Relative position bias

// M^2 x M^2 indices into the (2M-1)^2 table, C order (see the top). Empty for M outside 1..kSwinMaxWindow.
std::vector<Index> RelativePositionIndex(Index window);

// A seeded stand-in for a trained table: (2M-1)^2 x heads, C order, each entry N(0, 0.02^2) from a
// splitmix64 stream (Box-Muller) clipped to [-2, 2] (trunc_normal_(std=0.02)'s default bounds).
// Empty for M outside 1..kSwinMaxWindow or heads < 1 or a table above kSwinMaxAttentionEntries.
std::vector<float> RandomRelativeBiasTable(Index window, Index heads, std::uint64_t seed = 1);

// The bias the index selects: heads x M^2 x M^2, C order, bias[h][i][j] = table[index[i][j] * heads + h].
// Empty when table.size() != (2M-1)^2 * heads or the sizes are invalid.
std::vector<float> RelativePositionBias(const std::vector<float>& table, Index window, Index heads);

// [SECTION] Window attention

struct SwinAttentionSpec {
    Index window = 7;                                      // M, tokens
    Index shift = 3;                                       // requested s, 0..M-1: floor(M/2) shifted, 0 regular
    Index heads = 3;                                       // divides the channels C
    ProjectionKind projection = ProjectionKind::Identity;  // Identity (Q = K = V = X) or Random (seeded nn.Linear scale); not File
    bool relative_bias = true;                             // add the seeded relative position bias
    bool mask = true;                                      // add the shifted-window mask when the layout is shifted
    Index window_index = -1;                               // -1: every window; else only this one is computed
    std::uint64_t seed = 1;                                // seeds projections and the bias table

    bool operator==(const SwinAttentionSpec&) const = default;
};

// Every problem for a grid_h x grid_w grid of `channels`-wide tokens: ComputeWindowLayout's, plus
// "heads" (outside 1..channels or not dividing it), "channels" (outside 1..kAttentionMaxWidth, or
// padded tokens * channels above kMaxTokenEntries, a projection above kAttentionMaxWeightEntries),
// "projection" (File), "window_index" (outside -1..windows-1), "window" (the kept arrays above
// kSwinMaxAttentionEntries).
std::vector<SpecIssue> Validate(const SwinAttentionSpec& spec, Index grid_h, Index grid_w, Index channels);

struct SwinAttentionResult {
    SwinWindowLayout layout;
    Index channels = 0;                 // C
    Index heads = 0;
    Index d_head = 0;                   // C / heads
    std::vector<Index> windows;         // the windows computed, ascending (all, or the one asked for)
    std::vector<float> scores;          // kept windows x heads x M^2 x M^2, C order: q k^T / sqrt(d_head) + bias + mask
    std::vector<float> attention;       // same shape: the softmax of each score row
    std::vector<float> mask;            // kept windows x M^2 x M^2: 0 or -100 (all 0 when not shifted or mask off)
    std::vector<float> bias;            // heads x M^2 x M^2 relative position bias; empty when off
    std::vector<int> labels;            // kept windows x M^2: each slot's region label
    // (grid_h * grid_w) x C: each head's A V side by side, windows put back, rolled by +s, padding
    // removed (the attention before its output projection). Only when every window is computed.
    RowMatrixF context;

    Index TokensPerWindow() const { return layout.window * layout.window; }
    // Attention (or scores) of kept window k (0 <= k < windows.size()) and head h, M^2 x M^2 row-major.
    Eigen::Map<const RowMatrixF> Attention(Index k, Index h) const;
    Eigen::Map<const RowMatrixF> Scores(Index k, Index h) const;
};

// Window attention on x, the tokens of a grid_h x grid_w grid: (grid_h * grid_w) x C rows in
// raster order (padded with zero tokens here), or already padded_h * padded_w rows. Per window and
// head: q k^T / sqrt(d_head) + bias + mask, softmax, A V. nullopt with issues (Validate's, "tokens"
// for a row count that fits neither, "cancelled"). Cost: with Random projections 3 * P * C^2 MACs
// (P padded tokens, or M^2 for one window) plus 2 * P * M^2 * C for the scores and A V; memory two
// arrays of windows * heads * M^4 floats. Swin-T's first stage (56 x 56 x 96, 64 windows, 3 heads)
// is 0.46 M floats per array, 29.5 M MACs for the scores and A V and 86.7 M more for random
// projections. `progress` is called once per window.
std::optional<SwinAttentionResult> ComputeWindowAttention(const RowMatrixF& x, Index grid_h, Index grid_w,
                                                          const SwinAttentionSpec& spec,
                                                          std::vector<SpecIssue>* issues = nullptr,
                                                          const ProgressFn& progress = {});

// [SECTION] Patch merging

// ceil(side / 2): the merged side (odd sides are padded by one).
inline Index MergedSide(Index side) { return (side + 1) / 2; }

struct PatchMergeSource {
    Index y = 0, x = 0;     // token coordinates in the unmerged grid (may lie in the padding)
    bool padding = false;   // y >= h or x >= w: a zero token
};

// The four tokens merged token (i, j) of an h x w grid concatenates, in torchvision's order x0, x1,
// x2, x3 = (2i, 2j), (2i+1, 2j), (2i, 2j+1), (2i+1, 2j+1).
std::array<PatchMergeSource, 4> PatchMergeSources(Index h, Index w, Index i, Index j);

// The gather for the whole grid: MergedSide(h) * MergedSide(w) * 4 entries, entry t' * 4 + k = the
// raster index (y * w + x) of source k of merged token t', or -1 for padding. Empty when h * w is
// outside 1..kSwinMaxGridTokens.
std::vector<Index> PatchMergeGather(Index h, Index w);

struct PatchMergingSpec {
    Index height = 7;        // H, tokens
    Index width = 7;         // W, tokens
    Index channels = 4;      // C: input channels (output 2C)
    std::uint64_t seed = 1;  // seeds the reduction weights (nn.Linear's default scale, 1/sqrt(4C))

    bool operator==(const PatchMergingSpec&) const = default;
};

// Every problem: "height"/"width" (outside 1..kSwinMaxGridSide, H * W above kSwinMaxMergeTokens),
// "channels" (outside 1..kSwinMaxChannels, 8 C^2 weights above kAttentionMaxWeightEntries).
std::vector<SpecIssue> Validate(const PatchMergingSpec& spec);

// The reduction's seeded weights, 2C x 4C (nn.Linear layout), uniform(-1/sqrt(4C), 1/sqrt(4C)).
// Empty for channels outside 1..kSwinMaxChannels or a matrix above kAttentionMaxWeightEntries.
RowMatrixF PatchMergingWeights(Index channels, std::uint64_t seed = 1);

// Forward pass on tokens x ((H * W) x C, raster order): gather to (H'W') x 4C, LayerNorm over 4C
// (no affine, eps 1e-5) when `layer_norm`, times weights^T (2C x 4C): (H'W') x 2C. Empty on a size
// mismatch.
RowMatrixF PatchMergingForward(const RowMatrixF& x, Index h, Index w, const RowMatrixF& weights, bool layer_norm = true);

enum class PatchMergingPart {
    Gather,     // the 0/1 gather G: (H'W' * 4C) x (H W C); padded sources give zero rows
    Reduction,  // (I_{H'W'} (x) W) G: (H'W' * 2C) x (H W C), the linear part of the layer
};

// Patch merging as a matrix on the flattened H x W x C map, position-major on both sides
// (torchvision's B,H,W,C layout): input column (y * W + x) * C + c; Gather output row
// (t' * 4 + k) * C + c; Reduction output row t' * 2C + o. M = sum_k S_k (x) W_k, S_k the
// H'W' x HW 0/1 matrix choosing source k, W_k = W[:, kC:(k+1)C]: block (t', p) of 2C x C is W_k
// when p is source k of t', else 0. LayerNorm sits between G and W and is not linear, so the
// Reduction operator is the layer without it (the layer exactly when LN is the identity map).
// Gather: one fixed parameter (value 1, TrainableWeights 0), H W C non-zeros. Reduction: 8 C^2
// parameters (W[o, k*C + c] is parameter o * 4C + k * C + c), H W C * 2C non-zeros. Exact
// statistics of any rectangle in O(min(4 * merged tokens, positions) it spans).
class PatchMergingOperator final : public BlockStatsMatrix {
public:
    // The operator, with the spec's seeded weights, or `weights` (2C x 4C) when given. nullptr with
    // issues (Validate's; "weights" for a wrong shape).
    static std::shared_ptr<const PatchMergingOperator> Create(const PatchMergingSpec& spec, PatchMergingPart part,
                                                              const RowMatrixF* weights = nullptr,
                                                              std::vector<SpecIssue>* issues = nullptr);

    const PatchMergingSpec& Spec() const { return m_spec; }
    PatchMergingPart Part() const { return m_part; }
    const RowMatrixF& Weights() const { return m_w; }  // 2C x 4C (Reduction and Gather alike)
    Index MergedH() const { return m_mh; }
    Index MergedW() const { return m_mw; }

    Index Rows() const override { return m_rows; }
    Index Cols() const override { return m_cols; }
    Count NonZeros() const override;
    Count Parameters() const override;
    Count TrainableWeights() const override;
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;
    float ParameterValue(Index param) const override;
    std::optional<Index> ParameterAt(Index row, Index col) const override;  // O(1)
    BlockStats StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const override;
    void Apply(std::span<const float> x, std::span<float> y) const override;
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;          // "out (i=1, j=2, x1, c=3)" / "out (i=1, j=2, o=5)"
    std::string ColLabel(Index col) const override;          // "in (y=3, x=4, c=3)"
    std::string ParameterLabel(Index param) const override;  // "W[5,19]" / "1 (fixed)"

private:
    PatchMergingOperator() = default;
    Index RowsPerToken() const;  // 4C (Gather) or 2C (Reduction)
    // Source k and merged token of input position p (raster index in the H x W grid).
    void DestOf(Index p, Index& token, Index& k) const;
    // Raster index of source k of merged token t, or -1 for padding.
    Index SourceOf(Index token, int k) const;
    // Statistics of block (token, p) with source k, restricted to local rows [r0, r1) x channels [c0, c1).
    void AddBlock(int k, Index r0, Index r1, Index c0, Index c1, RasterMode mode, BlockStats& acc) const;
    double WeightSum(Index o0, Index o1, Index f0, Index f1) const;  // sum of W over a rectangle (prefix table)

    PatchMergingSpec m_spec;
    PatchMergingPart m_part = PatchMergingPart::Reduction;
    RowMatrixF m_w;                // 2C x 4C
    std::vector<double> m_prefix;  // (2C + 1) x (4C + 1) prefix sums of m_w
    Index m_mh = 0, m_mw = 0;      // merged grid
    Index m_rows = 0, m_cols = 0;
};

// I_{H'W'} (x) W as a KroneckerOperator (W a DenseMatrixOperator labelled "W"): the reduction on the
// gathered map, so that Reduction == (I (x) W) Gather. nullptr (with *error) on bad sizes.
MatrixPtr PatchMergingReductionKronecker(Index merged_tokens, const RowMatrixF& weights, std::string* error = nullptr);

// [SECTION] Stage calculator and presets

struct SwinConfig {
    Index embed_dim = 96;                    // C of stage 1 (stage s has C * 2^s)
    std::vector<Index> depths = {2, 2, 6, 2};   // blocks per stage
    std::vector<Index> heads = {3, 6, 12, 24};  // heads per stage, each dividing its channels
    Index window = 7;                        // M, tokens
    Index patch = 4;                         // P, px: the patch embedding's kernel and stride
    Index image_h = 224;                     // px
    Index image_w = 224;                     // px
    Index in_channels = 3;                   // image channels
    double mlp_ratio = 4.0;                  // MLP hidden = int(C * mlp_ratio), as torchvision
    Index num_classes = 1000;                // head Linear(8C -> classes) with bias

    bool operator==(const SwinConfig&) const = default;
};

// Every problem, by field: "embed_dim", "depths", "heads" (count differs from depths, outside
// 1..channels, not dividing a stage's channels), "window", "patch" (also larger than the image),
// "image" (a side outside 1..kSwinMaxImageSide), "in_channels", "mlp_ratio" (not finite, outside
// (0, kSwinMaxMlpRatio], hidden < 1), "num_classes"; totals overflowing 64 bits under "image".
std::vector<SpecIssue> Validate(const SwinConfig& config);

struct SwinStageStats {
    Index stage = 0;                     // 0-based
    Index grid_h = 0, grid_w = 0;        // tokens down and across in this stage
    Index padded_h = 0, padded_w = 0;    // padded up to multiples of M
    Index windows = 0;                   // windows per block
    Index shift_h = 0, shift_w = 0;      // effective shift of the shifted (odd) blocks
    Index channels = 0;                  // C_s = embed_dim * 2^s
    Index heads = 0;
    Index depth = 0;                     // blocks
    Index mlp_hidden = 0;                // int(C_s * mlp_ratio)
    Count merge_parameters = 0;          // the patch merging that opens this stage (0 for stage 0): 8 C^2 + 8 C of the previous C
    Count merge_macs = 0;                // merged tokens * 4C * 2C
    Count block_parameters = 0;          // one block: 2 LayerNorms, QKV + proj with biases, bias table, MLP with biases
    Count block_macs = 0;                // one block
    Count block_attention_matmul_macs = 0;  // one block's Q K^T and A V: 2 * padded tokens * M^2 * C
    Count relative_bias_parameters = 0;  // one block's table: (2M-1)^2 * heads
    Count parameters = 0;                // merge + depth blocks
    Count macs = 0;                      // merge + depth blocks
};

struct SwinStats {
    SwinPatchGrid patch_grid;            // the patch embedding's grid (floor)
    std::vector<SwinStageStats> stages;
    Count embed_parameters = 0;          // Conv2d(in, C, P, P) with bias + LayerNorm(C)
    Count embed_macs = 0;                // tokens * P^2 * in * C
    Count head_parameters = 0;           // final LayerNorm + Linear(C_last -> classes) with bias
    Count head_macs = 0;                 // C_last * classes
    Count relative_bias_parameters = 0;  // every block's table together
    Index num_features = 0;              // C_last
    Count parameters = 0;                // embed + stages + head
    Count macs = 0;
};

// The counts of a valid config, or nullopt with Validate's issues.
std::optional<SwinStats> ComputeSwinStats(const SwinConfig& config, std::vector<SpecIssue>* issues = nullptr);

// "swin_t", "swin_s", "swin_b" (torchvision's), "swin_l" (the paper's 224 px model, 1000 classes).
std::vector<std::pair<std::string, SwinConfig>> SwinPresets();
std::optional<SwinConfig> FindSwinPreset(const std::string& key);

// [SECTION] Complexity: global against window attention

struct SwinComplexityPoint {
    Index image = 0;             // px, square image
    Index h = 0, w = 0;          // tokens: floor(image / P)
    Count global_msa = 0;        // 4 h w C^2 + 2 (h w)^2 C (the paper's MSA, MACs)
    Count window_msa = 0;        // 4 h w C^2 + 2 M^2 h w C (the paper's W-MSA)
    Count window_msa_padded = 0; // the same on the grid padded to multiples of M, as torchvision runs it
};

// The paper's two formulas at one image size (first stage: patch P, C channels, window M). nullopt
// with issues: "image" (outside P..kSwinMaxImageSide, or a count overflowing 64 bits), "patch",
// "channels", "window" (outside 1..kSwinMaxChannels / kSwinMaxImageSide).
std::optional<SwinComplexityPoint> MsaComplexity(Index image, Index patch, Index channels, Index window,
                                                 std::vector<SpecIssue>* issues = nullptr);

// `points` (2..4096) image sizes spread geometrically from lo to hi px (rounded, repeats dropped),
// each with MsaComplexity. nullopt with the first failing point's issues ("points" for a bad count,
// "image" for lo > hi).
std::optional<std::vector<SwinComplexityPoint>> MsaComplexityCurve(Index lo, Index hi, int points, Index patch,
                                                                   Index channels, Index window,
                                                                   std::vector<SpecIssue>* issues = nullptr);

}  // namespace lens
