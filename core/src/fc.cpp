// fc.cpp: the fully connected layer with features as a dense structured matrix, its counts, and
// its two Kronecker simplifications.
//
// [SECTION] Helpers
// [SECTION] Spec, validation and counts
// [SECTION] Dense fully connected operator: construction and index maps
// [SECTION] Dense fully connected operator: StructuredMatrix
// [SECTION] The three forms as operators
// [SECTION] Presets
#include "lens/fc.hpp"
#include "lens/random.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace lens {
namespace {

// [SECTION] Helpers



std::string Num(Index v) { return std::to_string(v); }

void SetError(std::string* out, std::string message) {
    if (out) *out = std::move(message);
}

}  // namespace

// [SECTION] Spec, validation and counts

std::vector<SpecIssue> Validate(const FcSpec& spec) {
    std::vector<SpecIssue> issues;
    auto range = [&](const char* field, Index value) {
        if (value < 1 || value > kFcMaxSide) {
            issues.push_back({field, std::string(field) + " must be between 1 and " + FormatExact(kFcMaxSide) + " (got " + Num(value) + ")"});
        }
    };
    range("in_count", spec.in_count);
    range("out_count", spec.out_count);
    range("in_features", spec.in_features);
    range("out_features", spec.out_features);
    if (!issues.empty()) return issues;
    // Each side is at most 2^48; the full weight (rows * cols) may still overflow.
    if (!CheckedProduct({spec.out_count, spec.out_features, spec.in_count, spec.in_features})) {
        issues.push_back({"in_count", "the full weight N_out*F_out*N_in*F_in has more than 9.2e18 (2^63) entries: too large to count"});
    }
    return issues;
}

std::optional<FcStats> ComputeFcStats(const FcSpec& spec) {
    if (!Validate(spec).empty()) return std::nullopt;
    // Validate bounds every product below by rows * cols, which fits.
    FcStats s;
    s.rows = spec.out_count * spec.out_features;
    s.cols = spec.in_count * spec.in_features;
    s.full_weights = s.rows * s.cols;
    s.full_macs = s.full_weights;
    s.share_features_weights = spec.out_count * spec.in_count;
    s.share_features_applicable = spec.in_features == spec.out_features;
    if (s.share_features_applicable) {
        s.share_features_macs = s.share_features_weights * spec.out_features;
    } else {
        s.share_features_note = "sharing one weight across features keeps every feature on its own, so it needs as many output "
                                "as input features (F_out = " + Num(spec.out_features) + ", F_in = " + Num(spec.in_features) + ")";
    }
    s.share_inputs_weights = spec.out_features * spec.in_features;
    s.share_inputs_applicable = spec.in_count == spec.out_count;
    if (s.share_inputs_applicable) {
        s.share_inputs_macs = spec.out_count * s.share_inputs_weights;
    } else {
        s.share_inputs_note = "sharing one weight across inputs (a 1x1 convolution) keeps every position, so it needs as many "
                              "outputs as inputs (N_out = " + Num(spec.out_count) + ", N_in = " + Num(spec.in_count) +
                              "); changing the count takes up- or down-sampling";
    }
    return s;
}

// [SECTION] Dense fully connected operator: construction and index maps

DenseFcOperator::DenseFcOperator(const FcSpec& spec)
    : m_spec(spec), m_rows(spec.out_count * spec.out_features), m_cols(spec.in_count * spec.in_features) {
    m_bound = 1.0 / std::sqrt(static_cast<double>(m_cols));
    if (m_rows * m_cols > kDenseFcTableEntries) return;
    const size_t rows = static_cast<size_t>(m_rows), cols = static_cast<size_t>(m_cols);
    m_values.resize(rows * cols);
    m_prefix.assign((rows + 1) * (cols + 1), 0.0);
    for (size_t r = 0; r < rows; ++r) {
        double row_sum = 0.0;
        for (size_t c = 0; c < cols; ++c) {
            const float v = Value(static_cast<Index>(r), static_cast<Index>(c));
            m_values[r * cols + c] = v;
            row_sum += v;
            m_prefix[(r + 1) * (cols + 1) + c + 1] = m_prefix[r * (cols + 1) + c + 1] + row_sum;
        }
    }
}

std::shared_ptr<const DenseFcOperator> DenseFcOperator::Create(const FcSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found = Validate(spec);
    if (!found.empty()) {
        if (issues) *issues = std::move(found);
        return nullptr;
    }
    if (issues) issues->clear();
    return std::shared_ptr<const DenseFcOperator>(new DenseFcOperator(spec));
}

DenseFcOperator::Coord DenseFcOperator::DecodeRow(Index row) const {
    if (m_spec.order == FlatOrder::PositionMajor) return {row / m_spec.out_features, row % m_spec.out_features};
    return {row % m_spec.out_count, row / m_spec.out_count};
}

DenseFcOperator::Coord DenseFcOperator::DecodeCol(Index col) const {
    if (m_spec.order == FlatOrder::PositionMajor) return {col / m_spec.in_features, col % m_spec.in_features};
    return {col % m_spec.in_count, col / m_spec.in_count};
}

Index DenseFcOperator::EncodeRow(Index n, Index f) const {
    return m_spec.order == FlatOrder::PositionMajor ? n * m_spec.out_features + f : f * m_spec.out_count + n;
}

Index DenseFcOperator::EncodeCol(Index n, Index f) const {
    return m_spec.order == FlatOrder::PositionMajor ? n * m_spec.in_features + f : f * m_spec.in_count + n;
}

Index DenseFcOperator::ParamIndex(Index o, Index g, Index n, Index f) const {
    return ((o * m_spec.out_features + g) * m_spec.in_count + n) * m_spec.in_features + f;
}

float DenseFcOperator::Weight(Index o, Index g, Index n, Index f) const {
    if (o < 0 || o >= m_spec.out_count || g < 0 || g >= m_spec.out_features || n < 0 || n >= m_spec.in_count || f < 0 ||
        f >= m_spec.in_features) {
        return 0.0f;
    }
    return ParameterValue(ParamIndex(o, g, n, f));
}

Index DenseFcOperator::ParamAt(Index row, Index col) const {
    // Position-major, the weight layout and the matrix coincide: (o*F_out + g) * cols + n*F_in + f.
    if (m_spec.order == FlatOrder::PositionMajor) return row * m_cols + col;
    const Coord out = DecodeRow(row), in = DecodeCol(col);
    return ParamIndex(out.n, out.f, in.n, in.f);
}

// [SECTION] Dense fully connected operator: StructuredMatrix

void DenseFcOperator::ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const {
    if (row < 0 || row >= m_rows) return;
    for (Index col = 0; col < m_cols; ++col) fn(col, ParamAt(row, col));
}

float DenseFcOperator::ParameterValue(Index param) const {
    if (param < 0 || param >= Parameters()) return 0.0f;
    return HashedUniform(m_spec.seed, param, m_bound);
}

std::optional<Index> DenseFcOperator::ParameterAt(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return std::nullopt;
    return ParamAt(row, col);
}

BlockStats DenseFcOperator::StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const {
    return DenseBlockStats(rows, cols, mode, sample_budget, m_prefix, m_cols, [this](Index r, Index c) { return Value(r, c); },
                           [this](Index r, Index c) { return ParamAt(r, c); });
}

void DenseFcOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != m_cols || static_cast<Index>(y.size()) != m_rows) return;
    if (!m_values.empty()) {
        using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        const Eigen::Map<const RowMajorMatrix> w(m_values.data(), m_rows, m_cols);
        Eigen::Map<Eigen::VectorXf>(y.data(), m_rows).noalias() = w * Eigen::Map<const Eigen::VectorXf>(x.data(), m_cols);
        return;
    }
    if (m_rows * m_cols > kFcMaxApplyEntries) return;
    for (Index row = 0; row < m_rows; ++row) {
        double acc = 0.0;
        for (Index col = 0; col < m_cols; ++col) acc += static_cast<double>(Value(row, col)) * x[static_cast<size_t>(col)];
        y[static_cast<size_t>(row)] = static_cast<float>(acc);
    }
}

bool DenseFcOperator::ShowPositions() const {
    return m_spec.in_count > 1 || m_spec.out_count > 1 || !ShowFeatures();
}

bool DenseFcOperator::ShowFeatures() const { return m_spec.in_features > 1 || m_spec.out_features > 1; }

std::string DenseFcOperator::CoordText(Coord c) const {
    if (ShowPositions() && ShowFeatures()) return "(n=" + Num(c.n) + ", f=" + Num(c.f) + ")";
    return ShowPositions() ? "n=" + Num(c.n) : "f=" + Num(c.f);
}

std::string DenseFcOperator::RowLabel(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowLabel(row).append(" (outside)");
    return "out " + CoordText(DecodeRow(row));
}

std::string DenseFcOperator::ColLabel(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColLabel(col).append(" (outside)");
    return "in " + CoordText(DecodeCol(col));
}

std::string DenseFcOperator::ParameterLabel(Index param) const {
    if (param < 0 || param >= Parameters()) return StructuredMatrix::ParameterLabel(param).append(" (outside)");
    const Index f = param % m_spec.in_features;
    param /= m_spec.in_features;
    const Index n = param % m_spec.in_count;
    param /= m_spec.in_count;
    const Index g = param % m_spec.out_features;
    const Index o = param / m_spec.out_features;
    if (ShowPositions() && ShowFeatures()) return "w[" + Num(o) + "," + Num(g) + "," + Num(n) + "," + Num(f) + "]";
    return ShowPositions() ? "w[" + Num(o) + "," + Num(n) + "]" : "w[" + Num(g) + "," + Num(f) + "]";
}

EntryCoords DenseFcOperator::RowCoords(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowCoords(row);
    return {EntryCoords::Side::Output, CoordParts(DecodeRow(row))};
}

EntryCoords DenseFcOperator::ColCoords(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColCoords(col);
    return {EntryCoords::Side::Input, CoordParts(DecodeCol(col))};
}

std::vector<Coordinate> DenseFcOperator::CoordParts(Coord c) const {
    if (ShowPositions() && ShowFeatures()) return {{"n", c.n}, {"f", c.f}};
    if (ShowPositions()) return {{"n", c.n}};
    return {{"f", c.f}};
}

std::vector<WeightRef> DenseFcOperator::ParameterWeights(Index param) const {
    if (param < 0 || param >= Parameters()) return {};
    Index rest = param;
    const Index f = rest % m_spec.in_features;
    rest /= m_spec.in_features;
    const Index n = rest % m_spec.in_count;
    rest /= m_spec.in_count;
    const Index g = rest % m_spec.out_features;
    const Index o = rest / m_spec.out_features;
    WeightRef w{"w", {}, ParameterValue(param), false};
    if (ShowPositions() && ShowFeatures()) w.index = {{"o", o}, {"g", g}, {"n", n}, {"f", f}};
    else if (ShowPositions()) w.index = {{"o", o}, {"n", n}};
    else w.index = {{"g", g}, {"f", f}};
    return {w};
}

std::string DenseFcOperator::Describe(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return "outside the matrix";
    const Index param = ParamAt(row, col);
    char value[32];
    std::snprintf(value, sizeof value, "%.4f", static_cast<double>(ParameterValue(param)));
    return RowLabel(row) + " <- " + ColLabel(col) + " via " + ParameterLabel(param) + " = " + value;
}

// [SECTION] The three forms as operators

MatrixPtr MakeFcOperator(const FcSpec& spec, FcForm form, std::string* error) {
    const std::vector<SpecIssue> issues = Validate(spec);
    if (!issues.empty()) {
        SetError(error, issues.front().message);
        return nullptr;
    }
    const FcStats stats = *ComputeFcStats(spec);
    const bool position_major = spec.order == FlatOrder::PositionMajor;
    switch (form) {
        case FcForm::Full: return DenseFcOperator::Create(spec);
        case FcForm::ShareFeatures: {
            if (!stats.share_features_applicable) {
                SetError(error, "simplification I does not apply: " + stats.share_features_note);
                return nullptr;
            }
            const FcSpec w_spec{spec.in_count, spec.out_count, 1, 1, FlatOrder::PositionMajor, spec.seed};
            MatrixPtr w = DenseFcOperator::Create(w_spec);
            MatrixPtr identity = IdentityOperator::Create(spec.in_features, "f");
            return position_major ? KroneckerOperator::Create(w, identity, error) : KroneckerOperator::Create(identity, w, error);
        }
        case FcForm::ShareInputs: {
            if (!stats.share_inputs_applicable) {
                SetError(error, "simplification II does not apply: " + stats.share_inputs_note);
                return nullptr;
            }
            const FcSpec v_spec{1, 1, spec.in_features, spec.out_features, FlatOrder::PositionMajor, spec.seed};
            MatrixPtr v = DenseFcOperator::Create(v_spec);
            MatrixPtr identity = IdentityOperator::Create(spec.in_count, "n");
            return position_major ? KroneckerOperator::Create(identity, v, error) : KroneckerOperator::Create(v, identity, error);
        }
    }
    SetError(error, "unknown form");
    return nullptr;
}

// [SECTION] Presets

std::vector<std::pair<std::string, FcSpec>> FcPresets() {
    return {
        {"fc_1024_100", FcSpec{1024, 100, 1, 1, FlatOrder::PositionMajor, 1}},
        {"fc_1024_100_f64", FcSpec{1024, 100, 64, 64, FlatOrder::PositionMajor, 1}},
        {"tokens_512_768", FcSpec{512, 512, 768, 768, FlatOrder::PositionMajor, 1}},
    };
}

std::optional<FcSpec> FindFcPreset(const std::string& key) {
    for (const auto& [name, spec] : FcPresets()) {
        if (name == key) return spec;
    }
    return std::nullopt;
}

}  // namespace lens
