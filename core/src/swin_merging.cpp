// swin_merging.cpp: Swin patch merging (lens/swin.hpp): the 2 x 2 gather, the seeded reduction
// weights, the forward pass, and patch merging as a structured matrix (PatchMergingOperator).
//
// [SECTION] Patch merging
// [SECTION] Patch merging operator
#include <algorithm>

#include "lens/swin.hpp"
#include "swin_detail.hpp"

namespace lens {

using swin_detail::InRange;
using swin_detail::Num;
using swin_detail::Report;

// [SECTION] Patch merging

std::array<PatchMergeSource, 4> PatchMergeSources(Index h, Index w, Index i, Index j) {
    // torchvision: x0 = x[0::2, 0::2], x1 = x[1::2, 0::2], x2 = x[0::2, 1::2], x3 = x[1::2, 1::2] on (H, W).
    const Index dy[4] = {0, 1, 0, 1}, dx[4] = {0, 0, 1, 1};
    std::array<PatchMergeSource, 4> out{};
    for (int k = 0; k < 4; ++k) {
        out[static_cast<size_t>(k)].y = 2 * i + dy[k];
        out[static_cast<size_t>(k)].x = 2 * j + dx[k];
        out[static_cast<size_t>(k)].padding = out[static_cast<size_t>(k)].y >= h || out[static_cast<size_t>(k)].x >= w;
    }
    return out;
}

std::vector<Index> PatchMergeGather(Index h, Index w) {
    std::vector<Index> gather;
    if (h < 1 || w < 1 || h > kSwinMaxGridSide || w > kSwinMaxGridSide || h * w > kSwinMaxGridTokens) return gather;
    const Index mh = MergedSide(h), mw = MergedSide(w);
    gather.reserve(static_cast<size_t>(mh * mw * 4));
    for (Index i = 0; i < mh; ++i)
        for (Index j = 0; j < mw; ++j)
            for (const PatchMergeSource& s : PatchMergeSources(h, w, i, j)) gather.push_back(s.padding ? -1 : s.y * w + s.x);
    return gather;
}

std::vector<SpecIssue> Validate(const PatchMergingSpec& spec) {
    std::vector<SpecIssue> issues;
    const bool h_ok = InRange(&issues, "height", "height", spec.height, 1, kSwinMaxGridSide);
    const bool w_ok = InRange(&issues, "width", "width", spec.width, 1, kSwinMaxGridSide);
    if (h_ok && w_ok && spec.height * spec.width > kSwinMaxMergeTokens) {
        Report(&issues, "height", "the grid (" + Num(spec.width) + " x " + Num(spec.height) + " tokens) exceeds " +
                                      Num(kSwinMaxMergeTokens) + " tokens");
    }
    if (InRange(&issues, "channels", "channels", spec.channels, 1, kSwinMaxChannels) &&
        8 * spec.channels * spec.channels > kAttentionMaxWeightEntries) {
        Report(&issues, "channels", "the reduction's 8 C^2 = " + Num(8 * spec.channels * spec.channels) + " weights exceed " +
                                        Num(kAttentionMaxWeightEntries));
    }
    return issues;
}

RowMatrixF PatchMergingWeights(Index channels, std::uint64_t seed) {
    if (channels < 1 || channels > kSwinMaxChannels || 8 * channels * channels > kAttentionMaxWeightEntries) return {};
    return RandomProjection(2 * channels, 4 * channels, seed, 4);
}

RowMatrixF PatchMergingForward(const RowMatrixF& x, Index h, Index w, const RowMatrixF& weights, bool layer_norm) {
    const Index c = x.cols();
    const std::vector<Index> gather = PatchMergeGather(h, w);
    if (gather.empty() || x.rows() != h * w || c < 1 || weights.rows() != 2 * c || weights.cols() != 4 * c) return {};
    const Index merged = static_cast<Index>(gather.size()) / 4;
    RowMatrixF g = RowMatrixF::Zero(merged, 4 * c);
    for (Index t = 0; t < merged; ++t)
        for (Index k = 0; k < 4; ++k) {
            const Index src = gather[static_cast<size_t>(t * 4 + k)];
            if (src >= 0) g.block(t, k * c, 1, c) = x.row(src);
        }
    if (layer_norm) LayerNormRows(g, kSwinMergeNormEpsilon);
    return g * weights.transpose();
}

// [SECTION] Patch merging operator

std::shared_ptr<const PatchMergingOperator> PatchMergingOperator::Create(const PatchMergingSpec& spec, PatchMergingPart part,
                                                                         const RowMatrixF* weights,
                                                                         std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found = Validate(spec);
    if (found.empty() && weights && (weights->rows() != 2 * spec.channels || weights->cols() != 4 * spec.channels)) {
        Report(&found, "weights", "the reduction weights must be 2C x 4C = " + Num(2 * spec.channels) + " x " +
                                      Num(4 * spec.channels) + " (got " + Num(weights->rows()) + " x " + Num(weights->cols()) + ")");
    }
    if (!found.empty()) {
        if (issues) *issues = std::move(found);
        return nullptr;
    }
    if (issues) issues->clear();
    std::shared_ptr<PatchMergingOperator> op(new PatchMergingOperator());
    op->m_spec = spec;
    op->m_part = part;
    op->m_w = weights ? *weights : PatchMergingWeights(spec.channels, spec.seed);
    const Index c = spec.channels, rows = 2 * c, cols = 4 * c;
    op->m_prefix.assign(static_cast<size_t>((rows + 1) * (cols + 1)), 0.0);
    for (Index o = 0; o < rows; ++o)
        for (Index f = 0; f < cols; ++f)
            op->m_prefix[static_cast<size_t>((o + 1) * (cols + 1) + f + 1)] =
                static_cast<double>(op->m_w(o, f)) + op->m_prefix[static_cast<size_t>(o * (cols + 1) + f + 1)] +
                op->m_prefix[static_cast<size_t>((o + 1) * (cols + 1) + f)] - op->m_prefix[static_cast<size_t>(o * (cols + 1) + f)];
    op->m_mh = MergedSide(spec.height);
    op->m_mw = MergedSide(spec.width);
    op->m_rows = op->m_mh * op->m_mw * op->RowsPerToken();
    op->m_cols = spec.height * spec.width * c;
    return op;
}

Index PatchMergingOperator::RowsPerToken() const { return (m_part == PatchMergingPart::Gather ? 4 : 2) * m_spec.channels; }

void PatchMergingOperator::DestOf(Index p, Index& token, Index& k) const {
    const Index y = p / m_spec.width, x = p % m_spec.width;
    token = (y / 2) * m_mw + x / 2;
    k = (y % 2) + 2 * (x % 2);  // x1 is the odd row, x2 the odd column
}

Index PatchMergingOperator::SourceOf(Index token, int k) const {
    const Index y = 2 * (token / m_mw) + (k & 1), x = 2 * (token % m_mw) + (k >> 1);
    return y < m_spec.height && x < m_spec.width ? y * m_spec.width + x : -1;
}

double PatchMergingOperator::WeightSum(Index o0, Index o1, Index f0, Index f1) const {
    const Index stride = 4 * m_spec.channels + 1;
    auto at = [&](Index o, Index f) { return m_prefix[static_cast<size_t>(o * stride + f)]; };
    return at(o1, f1) - at(o0, f1) - at(o1, f0) + at(o0, f0);
}

Count PatchMergingOperator::NonZeros() const {
    const Count entries = m_spec.height * m_spec.width * m_spec.channels;  // every input element feeds one merged token
    return m_part == PatchMergingPart::Gather ? entries : entries * 2 * m_spec.channels;
}

Count PatchMergingOperator::Parameters() const {
    return m_part == PatchMergingPart::Gather ? 1 : 8 * m_spec.channels * m_spec.channels;
}

Count PatchMergingOperator::TrainableWeights() const { return m_part == PatchMergingPart::Gather ? 0 : Parameters(); }

void PatchMergingOperator::ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const {
    if (row < 0 || row >= m_rows) return;
    const Index c = m_spec.channels, per = RowsPerToken();
    const Index token = row / per, r = row % per;
    if (m_part == PatchMergingPart::Gather) {
        const Index src = SourceOf(token, static_cast<int>(r / c));
        if (src >= 0) fn(src * c + r % c, 0);
        return;
    }
    // Sources in ascending raster order: (2i, 2j) x0, (2i, 2j+1) x2, (2i+1, 2j) x1, (2i+1, 2j+1) x3.
    for (int k : {0, 2, 1, 3}) {
        const Index src = SourceOf(token, k);
        if (src < 0) continue;
        for (Index ch = 0; ch < c; ++ch) fn(src * c + ch, r * 4 * c + k * c + ch);
    }
}

float PatchMergingOperator::ParameterValue(Index param) const {
    if (m_part == PatchMergingPart::Gather) return param == 0 ? 1.0f : 0.0f;
    return param >= 0 && param < Parameters() ? m_w.data()[param] : 0.0f;
}

std::optional<Index> PatchMergingOperator::ParameterAt(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return std::nullopt;
    const Index c = m_spec.channels, per = RowsPerToken();
    Index token = 0, k = 0;
    DestOf(col / c, token, k);
    if (token != row / per) return std::nullopt;
    const Index r = row % per, ch = col % c;
    if (m_part == PatchMergingPart::Gather) {
        if (r != k * c + ch) return std::nullopt;
        return Index{0};
    }
    return r * 4 * c + k * c + ch;
}

void PatchMergingOperator::AddBlock(int k, Index r0, Index r1, Index c0, Index c1, RasterMode mode, BlockStats& acc) const {
    const Index c = m_spec.channels;
    Count count = 0;
    double sum = 0.0;
    Index param = kBlockNoParam;
    if (m_part == PatchMergingPart::Gather) {
        // Entries (k*C + ch, ch): the diagonal of rows [kC, kC + C) within the block.
        count = std::max<Index>(0, std::min(r1, k * c + c1) - std::max(r0, k * c + c0));
        sum = static_cast<double>(count);
        if (count > 0) param = 0;
    } else {
        count = (r1 - r0) * (c1 - c0);
        if (mode == RasterMode::MeanValue) sum = WeightSum(r0, r1, k * c + c0, k * c + c1);
        if (count == 1) {
            param = r0 * 4 * c + k * c + c0;
        } else if (count > 1) {
            param = kBlockMixedParam;  // every weight of W is its own parameter
        }
    }
    if (count == 0) return;
    acc.count += count;
    acc.sum += sum;
    if (param == kBlockNoParam) return;
    if (acc.param == kBlockNoParam) {
        acc.param = param;
    } else if (acc.param != param) {
        acc.param = kBlockMixedParam;
    }
}

BlockStats PatchMergingOperator::StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count) const {
    BlockStats acc;
    const Index c = m_spec.channels, per = RowsPerToken();
    const Index t0 = rows.lo / per, t1 = (rows.hi - 1) / per;  // merged tokens touched (inclusive)
    const Index p0 = cols.lo / c, p1 = (cols.hi - 1) / c;      // input positions touched (inclusive)
    auto block = [&](Index token, Index p, int k) {
        const Index r0 = std::max(rows.lo, token * per) - token * per, r1 = std::min(rows.hi, token * per + per) - token * per;
        const Index c0 = std::max(cols.lo, p * c) - p * c, c1 = std::min(cols.hi, p * c + c) - p * c;
        AddBlock(k, r0, r1, c0, c1, mode, acc);
    };
    // Each input position feeds exactly one merged token, so walking either side visits every
    // non-zero block (token, position) once; walk the shorter one.
    if ((t1 - t0 + 1) * 4 <= p1 - p0 + 1) {
        for (Index token = t0; token <= t1; ++token)
            for (int k = 0; k < 4; ++k) {
                const Index src = SourceOf(token, k);
                if (src >= p0 && src <= p1) block(token, src, k);
            }
    } else {
        for (Index p = p0; p <= p1; ++p) {
            Index token = 0, k = 0;
            DestOf(p, token, k);
            if (token >= t0 && token <= t1) block(token, p, static_cast<int>(k));
        }
    }
    return acc;
}

void PatchMergingOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != m_cols || static_cast<Index>(y.size()) != m_rows) return;
    const Index c = m_spec.channels, tokens = m_mh * m_mw;
    Eigen::VectorXf g(4 * c);
    for (Index t = 0; t < tokens; ++t) {
        for (int k = 0; k < 4; ++k) {
            const Index src = SourceOf(t, k);
            for (Index ch = 0; ch < c; ++ch) g(k * c + ch) = src >= 0 ? x[static_cast<size_t>(src * c + ch)] : 0.0f;
        }
        if (m_part == PatchMergingPart::Gather) {
            std::copy_n(g.data(), 4 * c, y.data() + t * 4 * c);
        } else {
            Eigen::Map<Eigen::VectorXf>(y.data() + t * 2 * c, 2 * c).noalias() = m_w * g;
        }
    }
}

std::string PatchMergingOperator::RowLabel(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowLabel(row).append(" (outside)");
    const Index c = m_spec.channels, per = RowsPerToken();
    const Index token = row / per, r = row % per;
    const std::string head = "out (i=" + Num(token / m_mw) + ", j=" + Num(token % m_mw) + ", ";
    if (m_part == PatchMergingPart::Gather) return head + "x" + Num(r / c) + ", c=" + Num(r % c) + ")";
    return head + "o=" + Num(r) + ")";
}

std::string PatchMergingOperator::ColLabel(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColLabel(col).append(" (outside)");
    const Index c = m_spec.channels, p = col / c;
    return "in (y=" + Num(p / m_spec.width) + ", x=" + Num(p % m_spec.width) + ", c=" + Num(col % c) + ")";
}

std::string PatchMergingOperator::ParameterLabel(Index param) const {
    if (param < 0 || param >= Parameters()) return StructuredMatrix::ParameterLabel(param).append(" (outside)");
    if (m_part == PatchMergingPart::Gather) return "1 (fixed)";
    const Index in = 4 * m_spec.channels;
    return "W[" + Num(param / in) + "," + Num(param % in) + "]";
}

std::string PatchMergingOperator::Describe(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return "outside the matrix";
    const std::string head = RowLabel(row) + " <- " + ColLabel(col) + ": ";
    const std::optional<Index> param = ParameterAt(row, col);
    Index token = 0, k = 0;
    DestOf(col / m_spec.channels, token, k);
    const std::string part = "x" + Num(k) + " of merged token (i=" + Num(token / m_mw) + ", j=" + Num(token % m_mw) + ")";
    if (!param) return head + "0 (this input is " + part + ")";
    if (m_part == PatchMergingPart::Gather) return head + "1 (copied: " + part + ")";
    return head + ParameterLabel(*param) + " = " + std::to_string(ParameterValue(*param)) + " (" + part + ")";
}

MatrixPtr PatchMergingReductionKronecker(Index merged_tokens, const RowMatrixF& weights, std::string* error) {
    if (weights.rows() < 1 || weights.cols() != 2 * weights.rows()) {
        if (error) *error = "the reduction weights must be 2C x 4C";
        return nullptr;
    }
    const auto identity = IdentityOperator::Create(merged_tokens, "t'", error);
    if (!identity) return nullptr;
    DenseMatrixLabels labels;
    labels.name = "W";
    labels.row_axis = "o";
    labels.col_axis = "f";
    labels.row_symbol = "o";
    labels.col_symbol = "f";
    const auto w = DenseMatrixOperator::Create(weights, labels, error);
    if (!w) return nullptr;
    return KroneckerOperator::Create(identity, w, error);
}

}  // namespace lens
