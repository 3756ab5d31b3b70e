// lens/fc.hpp: the notes' fully connected layer with features, and its two simplifications.
//
// A layer from N_in input positions (samples, tokens) with F_in features each to N_out positions
// with F_out features computes
//     y[o, g] = sum over n, f of  W[o, g, n, f] * x[n, f]
// with a 4-D weight (the notes' 100x64x1024x64 = 419,430,400 weights, or (512x768)^2 =
// 154,618,822,656 for tokens). Flattened, that is a dense (N_out*F_out) x (N_in*F_in) matrix in which
// every entry is its own weight. The notes simplify it two ways, both Kronecker products:
//   I  mix inputs, share one weight across features:  y[o, f] = sum_n W[o, n] x[n, f]   (F_in == F_out)
//      position-major: W (x) I_F            feature-major: I_F (x) W
//   II mix features, share one weight across inputs:  y[n, g] = sum_f V[g, f] x[n, f]   (N_in == N_out)
//      position-major: I_N (x) V            feature-major: V (x) I_N        (= the 1x1 convolution)
// Flattening order is a stated choice: FlatOrder::PositionMajor (the default) indexes x[n, f] as
// n * F + f, the notes' row-major N x F array; FlatOrder::ChannelMajor indexes it f * N + n.
//
// Weights are never stored for large layers: weight number p (PyTorch-like layout
// W[N_out, F_out, N_in, F_in], p = ((o*F_out + g)*N_in + n)*F_in + f, the same in both orders) is the
// (p+1)-th output of a splitmix64 stream started at the spec's seed, mapped to uniform(-b, b) with
// b = 1/sqrt(N_in*F_in) (PyTorch's default bound), computed on demand.
//
// [SECTION] Spec, validation and counts
// [SECTION] Dense fully connected operator
// [SECTION] The three forms as operators
// [SECTION] Presets
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lens/dense_ops.hpp"

namespace lens {

// [SECTION] Spec, validation and counts

struct FcSpec {
    Index in_count = 1024;                       // N_in: input positions (samples, tokens)
    Index out_count = 100;                       // N_out: output positions (categories, tokens)
    Index in_features = 64;                      // F_in: features per input position
    Index out_features = 64;                     // F_out: features per output position
    FlatOrder order = FlatOrder::PositionMajor;  // PositionMajor: n * F + f; ChannelMajor: f * N + n
    std::uint64_t seed = 1;                      // seeds the deterministic weights

    bool operator==(const FcSpec&) const = default;
};

inline constexpr Index kFcMaxSide = Index{1} << 24;          // each of N_in, N_out, F_in, F_out
inline constexpr Count kFcMaxApplyEntries = Count{1} << 29;  // DenseFcOperator::Apply refuses above (hashes each entry)
inline constexpr Count kDenseFcTableEntries = Count{1} << 20;  // up to this many entries, values and exact block sums are kept

// Every problem with the spec: sizes outside 1..kFcMaxSide, and a full weight
// (N_out*F_out*N_in*F_in) beyond 64 bits.
std::vector<SpecIssue> Validate(const FcSpec& spec);

enum class FcForm {
    Full,           // every entry its own weight: N_out*F_out*N_in*F_in
    ShareFeatures,  // simplification I: W (N_out x N_in) shared by every feature
    ShareInputs,    // simplification II: V (F_out x F_in) shared by every position (1x1 convolution)
};

// Exact counts of the three forms (checked 64-bit arithmetic). Weight counts are given whether or
// not a form applies (the notes quote 64 x 64 = 4,096 for II at 1024 -> 100); MACs (= the form's
// structural non-zeros) are 0 where it does not apply.
struct FcStats {
    Index rows = 0;                      // N_out * F_out (flattened output)
    Index cols = 0;                      // N_in * F_in (flattened input)
    Count full_weights = 0;              // N_out*F_out*N_in*F_in
    Count full_macs = 0;                 // = full_weights: a dense matrix-vector product
    bool share_features_applicable = false;  // F_in == F_out
    std::string share_features_note;     // why not, when not (English, one sentence)
    Count share_features_weights = 0;    // N_out * N_in
    Count share_features_macs = 0;       // N_out * N_in * F (non-zeros of W (x) I_F)
    bool share_inputs_applicable = false;    // N_in == N_out
    std::string share_inputs_note;       // why not, when not
    Count share_inputs_weights = 0;      // F_out * F_in
    Count share_inputs_macs = 0;         // N * F_out * F_in (non-zeros of I_N (x) V)
};

// Counts of a valid spec, nullopt when Validate(spec) reports anything.
std::optional<FcStats> ComputeFcStats(const FcSpec& spec);

// [SECTION] Dense fully connected operator

// The full 4-D layer as a (N_out*F_out) x (N_in*F_in) dense matrix: every entry a structural
// non-zero holding its own weight (parameter index = the weight's flat index, see the top).
// Storage: nothing per entry above kDenseFcTableEntries entries; up to it, the values (floats) and
// a 2-D prefix-sum table ((rows+1)*(cols+1) doubles) are kept, making Apply a GEMV and block means
// exact. Rasterize: Count and ParameterId are exact and O(1) per pixel. MeanValue is exact with the
// table; without it (the notes' 419M and 155G layers) a pixel block of at most `budget` entries is
// averaged exactly and a larger one over a deterministic stratified sample of about `budget`
// entries (an estimate: the values are independent, so a large block's mean is ~0 anyway), with
// budget = clamp(kRasterSampleBudget / pixels, 1, kRasterMaxBlockSample) per Rasterize call.
class DenseFcOperator final : public BlockStatsMatrix {
public:
    // The operator of `spec`, or nullptr (issues in *issues) when the spec is invalid.
    static std::shared_ptr<const DenseFcOperator> Create(const FcSpec& spec, std::vector<SpecIssue>* issues = nullptr);

    const FcSpec& Spec() const { return m_spec; }
    // True when block means are exact (Rows()*Cols() <= kDenseFcTableEntries).
    bool ExactMeans() const { return !m_prefix.empty(); }

    // Position and feature of a flattened element, in Spec().order (out of range in, out of range out).
    struct Coord {
        Index n = 0;  // position
        Index f = 0;  // feature
    };
    Coord DecodeRow(Index row) const;
    Coord DecodeCol(Index col) const;
    Index EncodeRow(Index n, Index f) const;
    Index EncodeCol(Index n, Index f) const;
    // Flat index of W[o, g, n, f] (out position, out feature, in position, in feature).
    Index ParamIndex(Index o, Index g, Index n, Index f) const;
    // The weight W[o, g, n, f] (0 out of range).
    float Weight(Index o, Index g, Index n, Index f) const;

    Index Rows() const override { return m_rows; }
    Index Cols() const override { return m_cols; }
    Count NonZeros() const override { return m_rows * m_cols; }
    Count Parameters() const override { return m_rows * m_cols; }
    // Every column of the row, ascending: O(Cols()).
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;
    float ParameterValue(Index param) const override;  // computed from the seed, O(1)
    std::optional<Index> ParameterAt(Index row, Index col) const override;  // O(1)
    BlockStats StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const override;
    // y = M x; O(Rows()*Cols()). Above kFcMaxApplyEntries entries it refuses (y untouched), as for
    // a size mismatch: the 155G-entry layer is drawn from its structure, never multiplied.
    void Apply(std::span<const float> x, std::span<float> y) const override;
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;          // "out (n=3, f=5)"; "out n=3" without features
    std::string ColLabel(Index col) const override;          // "in (n=17, f=2)"
    std::string ParameterLabel(Index param) const override;  // "w[3,5,17,2]"; "w[3,17]" without features
    EntryCoords RowCoords(Index row) const override;
    EntryCoords ColCoords(Index col) const override;
    std::vector<WeightRef> ParameterWeights(Index param) const override;

private:
    explicit DenseFcOperator(const FcSpec& spec);
    Index ParamAt(Index row, Index col) const;  // inside the matrix
    float Value(Index row, Index col) const { return ParameterValue(ParamAt(row, col)); }
    std::string CoordText(Coord c) const;
    std::vector<Coordinate> CoordParts(Coord c) const;
    bool ShowPositions() const;
    bool ShowFeatures() const;
    FcSpec m_spec;
    Index m_rows = 0, m_cols = 0;
    double m_bound = 0.0;
    std::vector<float> m_values;   // row-major, when kept
    std::vector<double> m_prefix;  // (rows+1) x (cols+1) row-major prefix sums, when kept
};

// [SECTION] The three forms as operators

// The operator of one form of `spec`: Full is a DenseFcOperator; ShareFeatures the Kronecker
// product of W (a DenseFcOperator with N_in -> N_out positions and one feature, weights "w[o,n]")
// with I_F (axis "f"); ShareInputs that of I_N (axis "n") with V (one position, F_in -> F_out
// features, weights "w[g,f]", PyTorch's 1x1-convolution weight layout). Factor order follows
// spec.order (see the top). nullptr (with *error) when the spec is invalid or the form does not
// apply (the reason from FcStats).
MatrixPtr MakeFcOperator(const FcSpec& spec, FcForm form, std::string* error = nullptr);

// [SECTION] Presets

// The notes' cases, by key: "fc_1024_100" (features 1), "fc_1024_100_f64" (64 features),
// "tokens_512_768" (512 tokens x 768 features, in = out).
std::vector<std::pair<std::string, FcSpec>> FcPresets();
// The preset named `key`, or nullopt.
std::optional<FcSpec> FindFcPreset(const std::string& key);

}  // namespace lens
