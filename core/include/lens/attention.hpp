// lens/attention.hpp: attention computed on a given input X (N tokens x d, tokens.hpp), from the
// notes' weightless f(X) = X X^T X to multi-head softmax attention with projections, QK LayerNorm
// and a causal mask, and attention as a structured matrix acting on vec X.
//
// Conventions (said out loud, because they surprise):
// - Every matrix is row-major (RowMatrixF, C order): row n is token n. Arrays heads x N x N are one
//   std::vector<float> in C order, head outermost, so .data() is ready for WriteNpy.
// - Projection weights are in PyTorch's nn.Linear layout (out_features, in_features): Q = X Wq^T.
//   Wq, Wk, Wv are d_model x d_in (d_in = the token width), Wo is d_model x d_model. No biases.
// - Head h owns columns [h * d_head, (h + 1) * d_head) of Q, K, V and of the output (PyTorch's
//   view(N, heads, d_head)): SplitHeads / MergeHeads.
// - The weight scale s multiplies Wq and Wk (standing for weight norms that grow in training):
//   logits grow with s^2. With QK norm, LayerNorm (over d_head, eps 1e-6, no affine: a fresh
//   LayerNorm's scale 1 and bias 0) is applied to each head's queries and keys after the scale,
//   which cancels it. scores = q k^T / sqrt(d_head).
// - Causal: scores above the diagonal (key m > query n) are -infinity, as PyTorch's masked_fill
//   leaves them, so scores.npy holds -inf there and attention exactly 0.
// - Entropy is in nats (natural log), per query row, H = -sum_m p log p (0 log 0 = 0); the mean is
//   over query rows and heads. Uniform attention over M keys has entropy log M; one-hot has 0.
// - Progress: every long function takes a ProgressFn called with a fraction 0..1; returning false
//   cancels (the function then returns nullopt with the issue {"cancelled", ...}).
//
// Cost (measured on this project's shared 2-core runner, one thread, -O2, SSE2 Eigen, best of 30):
// ViT-B/16 at 224 px (196 tokens, d = 768, 12 heads) with the identity projection: Attend about
// 10 ms (8 ms without keeping the scores), PrepareAttention 0.3 ms. Random or loaded projections:
// PrepareAttention adds three 196x768x768 GEMMs (about 42 ms) and Attend the Wo GEMM (about 19 ms
// in all), so a panel keeps the AttentionInput and re-runs only Attend when the weight scale, QK
// norm, mask or heads change. 4096 tokens (1024 px), 12 heads: Attend about 5-6 s and 1.7 GB peak
// (scores and attention, 805 MB each; keep_scores = false saves one), progress every 256 query rows
// of a head (about 30 ms apart), so it belongs on the task runner.
//
// [SECTION] Limits, progress and the spec
// [SECTION] Weightless attention X X^T X
// [SECTION] Building blocks: heads, LayerNorm, softmax
// [SECTION] Projections and attention
// [SECTION] Entropy against the weight scale
// [SECTION] Attention as a structured matrix on vec X
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lens/dense_ops.hpp"
#include "lens/task.hpp"
#include "lens/tokens.hpp"

namespace lens {

// [SECTION] Limits, progress and the spec

inline constexpr Index kAttentionMaxTokens = kMaxTokens;               // N
inline constexpr Index kAttentionMaxWidth = Index{1} << 14;            // d_model
inline constexpr Count kAttentionMaxWeightEntries = Count{1} << 24;    // entries of one projection matrix (64 MiB)
inline constexpr Count kAttentionMaxMatrixEntries = Count{1} << 28;    // heads * N * N of one stored array (1 GiB)
inline constexpr float kAttentionMaxWeightScale = 1000.0f;             // s
inline constexpr float kQkNormEpsilon = 1e-6f;                         // LayerNorm eps of QK norm (ViT's)

// Called with the fraction done, 0..1; return false to cancel.
using ProgressFn = std::function<bool(float fraction)>;

// A ProgressFn that reports to a task runner's context and stops when the task is cancelled.
inline ProgressFn TaskProgress(TaskContext& context) {
    return [&context](float fraction) {
        context.SetProgress(fraction);
        return !context.Cancelled();
    };
}

enum class ProjectionKind {
    Identity,  // Q = K = V = X: the tokens enter attention as they are (d_model = token width)
    Random,    // seeded, nn.Linear's default scale: uniform(-1/sqrt(in), 1/sqrt(in))
    File,      // loaded from .npy files (float32 or float64, 2-D, nn.Linear layout)
};

struct AttentionSpec {
    Index d_model = 768;                             // width of Q, K, V and the output
    Index heads = 12;                                // divides d_model; d_head = d_model / heads
    ProjectionKind projection = ProjectionKind::Identity;
    std::string wq;                                  // .npy path (File): shape (d_model, token width)
    std::string wk;                                  // .npy path (File): shape (d_model, token width)
    std::string wv;                                  // .npy path (File): shape (d_model, token width)
    std::string wo;                                  // .npy path (File, optional): (d_model, d_model); empty: no output projection
    float weight_scale = 1.0f;                       // s, 0..kAttentionMaxWeightScale: multiplies Wq and Wk
    bool qk_norm = false;                            // LayerNorm on each head's queries and keys
    bool causal = false;                             // query n sees keys 0..n only
    std::uint64_t seed = 1;                          // seeds the Random projections
    bool keep_scores = true;                         // store the heads x N x N scores (else only attention)

    bool operator==(const AttentionSpec&) const = default;
};

// Every problem with the spec for N tokens of width token_width, by field (the CLI keys): "tokens"
// (N outside 1..kAttentionMaxTokens, heads * N * N above kAttentionMaxMatrixEntries; with the
// identity N * d_model above kMaxTokenEntries), "d_model" (outside 1..kAttentionMaxWidth for
// random and file projections, 1..kMaxTokenWidth for the identity, which stores no weights; with
// projection identity it must equal token_width; a projection above kAttentionMaxWeightEntries), "heads" (outside 1..d_model or not dividing it),
// "weight_scale" (negative, not finite, above the limit), "wq"/"wk"/"wv" (File without a path).
// The .npy files themselves are checked by LoadAttentionWeights.
std::vector<SpecIssue> Validate(const AttentionSpec& spec, Index tokens, Index token_width);

// [SECTION] Weightless attention X X^T X

struct WeightlessAttention {
    RowMatrixF product;               // N x d: X X^T X, the same shape as X (float GEMMs, the cheaper association)
    Eigen::VectorXd singular_values;  // of X X^T X, descending, min(N, d) of them
    double tolerance = 0.0;           // NumPy's matrix_rank default: max(N, d) * eps(double) * singular_values[0]
    Index rank = 0;                   // singular values above tolerance: the numerical rank of X X^T X
    Index bound = 0;                  // min(N, d): the notes' rank (reached when the tokens are independent)
    Index rows = 0;                   // N
    Index cols = 0;                   // d
};

// X X^T X, its singular values and numerical rank, in double. The singular values of X X^T X are
// the cubes of X's (X = U S V^T gives X X^T X = U S^3 V^T); they come from the eigenvalues of X's
// smaller Gram matrix (N x N or d x d, double), which is accurate enough for this rank: an
// eigenvalue carries an error of about d*eps*sigma_max^2, so a cube is off by about
// (d*eps)^1.5 * sigma_max^3 (1e-19 relative at d = 768), far under the tolerance (1.7e-13 relative).
// Cost O(N d min(N, d)). nullopt (issue "tokens") for an empty X or one above the token limits,
// or when cancelled.
std::optional<WeightlessAttention> ComputeWeightlessAttention(const RowMatrixF& x, std::vector<SpecIssue>* issues = nullptr,
                                                              const ProgressFn& progress = {});

// [SECTION] Building blocks: heads, LayerNorm, softmax

// The heads of x (N x d): heads matrices N x (d / heads), head h = columns [h*d/heads, (h+1)*d/heads).
// Empty when heads < 1 or does not divide d.
std::vector<RowMatrixF> SplitHeads(const RowMatrixF& x, Index heads);
// The inverse: heads side by side, N x (heads * d_head). Empty when the parts differ in shape.
RowMatrixF MergeHeads(const std::vector<RowMatrixF>& parts);

// LayerNorm of every row in place, over the row, without affine: (x - mean) / sqrt(var + eps),
// var the biased variance (PyTorch's).
void LayerNormRows(Eigen::Ref<RowMatrixF> x, float eps = kQkNormEpsilon);

// probs = row-wise softmax of logits (same shape), numerically stable (each row's maximum is
// subtracted first, so logits of 1e30 or -inf are fine). A row whose entries are all -inf becomes
// all 0 with entropy 0. When `entropy` has one entry per row, it receives each row's entropy in
// nats. logits and probs may be the same matrix.
void SoftmaxRows(const Eigen::Ref<const RowMatrixF>& logits, Eigen::Ref<RowMatrixF> probs, std::span<float> entropy = {});

// [SECTION] Projections and attention

// The projections, PyTorch layout (out, in). An empty matrix (0 x 0) is the identity (no GEMM).
struct AttentionWeights {
    ProjectionKind kind = ProjectionKind::Identity;
    RowMatrixF wq;  // d_model x d_in, or empty (identity)
    RowMatrixF wk;  // d_model x d_in, or empty
    RowMatrixF wv;  // d_model x d_in, or empty
    RowMatrixF wo;  // d_model x d_model, or empty (no output projection)
};

// Seeded random weights of nn.Linear's default scale: entry p of matrix m (0 q, 1 k, 2 v, 3 o) is
// uniform(-1/sqrt(in), 1/sqrt(in)) from a counter-based splitmix64 hash of (seed, m, p).
RowMatrixF RandomProjection(Index out_features, Index in_features, std::uint64_t seed, int matrix);

// The spec's weights for tokens of width token_width: empty matrices for Identity, seeded ones for
// Random, the .npy files for File (issues under "wq", "wk", "wv", "wo": a missing or corrupt file,
// a dtype other than float32/float64, a shape other than the one above, a non-finite value).
std::optional<AttentionWeights> LoadAttentionWeights(const AttentionSpec& spec, Index token_width,
                                                     std::vector<SpecIssue>* issues = nullptr);

// The files a File projection names (wq, wk, wv, and wo when given), checked for what any d_model
// and token width need: readable (a missing, empty, truncated or corrupt .npy is refused), float32
// or float64, finite. Issues under the file's key; empty for other projections and empty paths
// (Validate reports those). A file that passes may still have the wrong shape for the settings
// (LoadAttentionWeights says so): this is the check for "an input file is unusable".
std::vector<SpecIssue> CheckAttentionWeightFiles(const AttentionSpec& spec);

// What attention needs from the tokens and the projections: everything that does not depend on
// heads, weight scale, QK norm or the mask (so a panel computes it once per tokens and projection).
struct AttentionInput {
    RowMatrixF x;              // N x d_in: the tokens as they enter attention (tokens.npy)
    AttentionWeights weights;  // the projections used
    RowMatrixF q;              // N x d_model: X Wq^T at weight scale 1 (X itself for the identity)
    RowMatrixF k;              // N x d_model: X Wk^T at weight scale 1
    RowMatrixF v;              // N x d_model: X Wv^T
};

// Validates the spec against x, loads or draws the weights and projects: Q, K, V. nullopt with
// issues (see Validate and LoadAttentionWeights, or "cancelled").
std::optional<AttentionInput> PrepareAttention(RowMatrixF x, const AttentionSpec& spec, std::vector<SpecIssue>* issues = nullptr,
                                               const ProgressFn& progress = {});

struct AttentionResult {
    Index tokens = 0;                 // N
    Index d_model = 0;                // d
    Index heads = 0;
    Index d_head = 0;                 // d / heads
    float weight_scale = 1.0f;        // s used
    bool qk_norm = false;
    bool causal = false;
    std::vector<float> scores;        // heads x N x N, C order: logits after scale, QK norm, 1/sqrt(d_head), mask (-inf); empty unless keep_scores
    // heads x N x N, C order: softmax of each score row (rows sum to 1; exactly 0 above the diagonal
    // when causal). Shared, so that structured-matrix views borrow it without a copy.
    std::shared_ptr<const std::vector<float>> attention;
    std::vector<float> entropy;       // heads x N: entropy of each query row, nats
    double mean_entropy = 0.0;        // mean of `entropy`, nats
    double uniform_entropy = 0.0;     // the same mean for uniform attention (log N, or log(n+1) causal): its ceiling
    RowMatrixF context;               // N x d_model: heads' A_h V_h side by side, before Wo
    RowMatrixF output;                // N x d_model: context Wo^T (= context without Wo): output.npy

    // Head h's N x N scores (keep_scores) or attention, as row-major maps into the arrays above.
    Eigen::Map<const RowMatrixF> Scores(Index h) const;
    Eigen::Map<const RowMatrixF> Attention(Index h) const;
};

// Multi-head attention on a prepared input for the spec's heads, weight scale, QK norm and mask
// (the projections are the input's: spec.projection, paths and seed only matter to PrepareAttention):
// per head, q = s X Wq_h^T, k = s X Wk_h^T (LayerNorm on each when qk_norm), scores = q k^T /
// sqrt(d_head), softmax, A V; then Wo. Float Eigen GEMMs over blocks of query rows, calling
// `progress` after each block. nullopt with issues when the spec does not fit the input (d_model,
// heads, limits) or when cancelled.
std::optional<AttentionResult> Attend(const AttentionInput& input, const AttentionSpec& spec,
                                      std::vector<SpecIssue>* issues = nullptr, const ProgressFn& progress = {});

// PrepareAttention then Attend (progress split 30/70 when projections are GEMMs).
std::optional<AttentionResult> ComputeAttention(RowMatrixF x, const AttentionSpec& spec, std::vector<SpecIssue>* issues = nullptr,
                                                const ProgressFn& progress = {});

// [SECTION] Entropy against the weight scale

// The mean attention entropy (nats, over rows and heads) at each weight scale in `scales`, with QK
// norm as `qk_norm` and the rest of `spec` (heads, mask): the real scores and softmax of Attend,
// computed per scale (not extrapolated), without keeping any N x N array (one block of rows as
// scratch). Cost per scale about that of Attend's scores and softmax. nullopt with issues as
// Attend (a scale outside 0..kAttentionMaxWeightScale under "weight_scale").
std::optional<std::vector<double>> MeanEntropyAtScales(const AttentionInput& input, const AttentionSpec& spec,
                                                       std::span<const float> scales, bool qk_norm,
                                                       std::vector<SpecIssue>* issues = nullptr,
                                                       const ProgressFn& progress = {});

// `count` scales spread geometrically from lo to hi (both > 0), for the QK-norm curve's x axis.
std::vector<float> GeometricScales(float lo, float hi, int count);

// [SECTION] Attention as a structured matrix on vec X

// A dense matrix whose entries are given values (attention weights, a projection), as a structured
// matrix: every entry a structural non-zero holding its own value (parameter index row * Cols() +
// col). `trainable` says whether the entries are trained weights (Wv) or computed from the input (A,
// TrainableWeights() = 0). Block means: exact from a prefix-sum table up to kDenseMatrixTableEntries
// entries; above, exact for blocks up to the rasterizer's sample budget and a stratified estimate
// for larger ones (as DenseFcOperator).
inline constexpr Count kDenseMatrixTableEntries = Count{1} << 20;

struct DenseMatrixLabels {
    std::string name = "M";          // parameter labels "M[3,5]"
    std::string row_axis = "row";    // row labels "row 3"
    std::string col_axis = "col";    // column labels "col 5"
    std::string row_symbol = "i";    // the row's symbol in RowCoords ("n" for a query)
    std::string col_symbol = "j";    // the column's symbol in ColCoords ("m" for a key)
    Index row_offset = 0;            // added to the row index in parameter labels (a head's rows of Wv)
    bool trainable = true;           // false: TrainableWeights() is 0
};

class DenseMatrixOperator final : public BlockStatsMatrix {
public:
    // rows x cols values at storage[offset ...], row-major; shares the storage (no copy). nullptr
    // (with *error) for a null storage, sizes < 1 or a range outside it.
    static std::shared_ptr<const DenseMatrixOperator> Create(std::shared_ptr<const std::vector<float>> storage, size_t offset,
                                                             Index rows, Index cols, DenseMatrixLabels labels,
                                                             std::string* error = nullptr);
    // A copy of `values`. nullptr (with *error) when it is empty.
    static std::shared_ptr<const DenseMatrixOperator> Create(const RowMatrixF& values, DenseMatrixLabels labels,
                                                             std::string* error = nullptr);

    float Value(Index row, Index col) const { return m_values[static_cast<size_t>(row * m_cols + col)]; }  // inside only

    Index Rows() const override { return m_rows; }
    Index Cols() const override { return m_cols; }
    Count NonZeros() const override { return m_rows * m_cols; }
    Count Parameters() const override { return m_rows * m_cols; }
    Count TrainableWeights() const override { return m_labels.trainable ? m_rows * m_cols : 0; }
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;  // every column
    float ParameterValue(Index param) const override;
    std::optional<Index> ParameterAt(Index row, Index col) const override;  // O(1)
    BlockStats StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const override;
    void Apply(std::span<const float> x, std::span<float> y) const override;  // a GEMV
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;          // "query n=3"
    std::string ColLabel(Index col) const override;          // "key m=5"
    std::string ParameterLabel(Index param) const override;  // "A[3,5]", "Wv[67,5]"
    EntryCoords RowCoords(Index row) const override;
    EntryCoords ColCoords(Index col) const override;
    std::vector<WeightRef> ParameterWeights(Index param) const override;

private:
    DenseMatrixOperator() = default;
    std::shared_ptr<const std::vector<float>> m_storage;
    const float* m_values = nullptr;
    Index m_rows = 0, m_cols = 0;
    DenseMatrixLabels m_labels;
    std::vector<double> m_prefix;  // (rows+1) x (cols+1) prefix sums, when kept
};

// Attention on the given input as the linear map it is on the flattened input: for head h with
// attention A_h (N x N) and value rows Wv_h (d_head x d_in, rows [h*d_head, (h+1)*d_head) of Wv),
// Y_h = A_h X Wv_h^T, and in token-major flattening (vec X[m * d_in + f] = X[m, f], the FC panel's
// position-major order) vec Y_h = (A_h (x) Wv_h) vec X: a KroneckerOperator of N*d_head x N*d_in.
// With the identity projection Wv_h is the selection of the head's features (I_d for one head), so
// one head is A (x) I_d: the notes' "share one weight across features" simplification of the fully
// connected layer, with the input-dependent A as its weight. `head` = -1 stacks every head
// (ConcatRows, rows head-major: row = (h * N + n) * d_head + j), the map from X to the context
// before Wo. A's entries are not trainable (TrainableWeights() counts Wv's only). nullptr (with
// *error) for a head out of range or a result without attention.
MatrixPtr MakeAttentionOperator(const AttentionInput& input, const AttentionResult& result, Index head,
                                std::string* error = nullptr);

}  // namespace lens
