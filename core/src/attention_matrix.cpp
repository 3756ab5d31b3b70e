// attention_matrix.cpp: attention's matrices as structured matrices the canvas can draw: the
// dense matrix operator (a table of values with prefix sums) and attention as a structured matrix
// on vec X (split from attention.cpp).
#include <algorithm>
#include <cstdio>
#include <string>

#include "lens/attention.hpp"

namespace lens {
namespace {

std::string Num(Index v) { return std::to_string(v); }

void SetError(std::string* out, std::string message) {
    if (out) *out = std::move(message);
}

std::string FormatValue(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4f", v);
    return buffer;
}

}  // namespace

// [SECTION] Dense matrix operator

std::shared_ptr<const DenseMatrixOperator> DenseMatrixOperator::Create(std::shared_ptr<const std::vector<float>> storage,
                                                                       size_t offset, Index rows, Index cols,
                                                                       DenseMatrixLabels labels, std::string* error) {
    if (!storage) {
        SetError(error, "no values");
        return nullptr;
    }
    if (rows < 1 || cols < 1) {
        SetError(error, "a dense matrix needs at least one row and one column (got " + Num(rows) + " x " + Num(cols) + ")");
        return nullptr;
    }
    const auto entries = CheckedMul(rows, cols);
    if (!entries || offset > storage->size() || static_cast<Count>(storage->size() - offset) < *entries) {
        SetError(error, "the values do not hold a " + Num(rows) + " x " + Num(cols) + " matrix at offset " + Num(static_cast<Index>(offset)));
        return nullptr;
    }
    std::shared_ptr<DenseMatrixOperator> op(new DenseMatrixOperator());
    op->m_storage = std::move(storage);
    op->m_values = op->m_storage->data() + offset;
    op->m_rows = rows;
    op->m_cols = cols;
    op->m_labels = std::move(labels);
    if (*entries <= kDenseMatrixTableEntries)
        op->m_prefix = DensePrefixSums(rows, cols, [&op](Index r, Index c) { return op->Value(r, c); });
    return op;
}

std::shared_ptr<const DenseMatrixOperator> DenseMatrixOperator::Create(const RowMatrixF& values, DenseMatrixLabels labels,
                                                                       std::string* error) {
    auto storage = std::make_shared<std::vector<float>>(values.data(), values.data() + values.size());
    return Create(std::move(storage), 0, values.rows(), values.cols(), std::move(labels), error);
}

void DenseMatrixOperator::ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const {
    if (row < 0 || row >= m_rows) return;
    for (Index col = 0; col < m_cols; ++col) fn(col, row * m_cols + col);
}

float DenseMatrixOperator::ParameterValue(Index param) const {
    if (param < 0 || param >= m_rows * m_cols) return 0.0f;
    return m_values[static_cast<size_t>(param)];
}

std::optional<Index> DenseMatrixOperator::ParameterAt(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return std::nullopt;
    return row * m_cols + col;
}

BlockStats DenseMatrixOperator::StatsOf(IndexSpan rows, IndexSpan cols, RasterMode mode, Count sample_budget) const {
    return DenseBlockStats(rows, cols, mode, sample_budget, m_prefix, m_cols, [this](Index r, Index c) { return Value(r, c); },
                           [this](Index r, Index c) { return r * m_cols + c; });
}

void DenseMatrixOperator::Apply(std::span<const float> x, std::span<float> y) const {
    if (static_cast<Index>(x.size()) != m_cols || static_cast<Index>(y.size()) != m_rows) return;
    const Eigen::Map<const RowMatrixF> m(m_values, m_rows, m_cols);
    Eigen::Map<Eigen::VectorXf>(y.data(), m_rows).noalias() = m * Eigen::Map<const Eigen::VectorXf>(x.data(), m_cols);
}

std::string DenseMatrixOperator::RowLabel(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowLabel(row).append(" (outside)");
    return m_labels.row_axis + "=" + Num(row);
}

std::string DenseMatrixOperator::ColLabel(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColLabel(col).append(" (outside)");
    return m_labels.col_axis + "=" + Num(col);
}

std::string DenseMatrixOperator::ParameterLabel(Index param) const {
    if (param < 0 || param >= m_rows * m_cols) return StructuredMatrix::ParameterLabel(param).append(" (outside)");
    return m_labels.name + "[" + Num(param / m_cols + m_labels.row_offset) + "," + Num(param % m_cols) + "]";
}

EntryCoords DenseMatrixOperator::RowCoords(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowCoords(row);
    return {EntryCoords::Side::Output, {{m_labels.row_symbol, row}}};
}

EntryCoords DenseMatrixOperator::ColCoords(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColCoords(col);
    return {EntryCoords::Side::Input, {{m_labels.col_symbol, col}}};
}

std::vector<WeightRef> DenseMatrixOperator::ParameterWeights(Index param) const {
    if (param < 0 || param >= m_rows * m_cols) return {};
    return {WeightRef{m_labels.name, {{m_labels.row_symbol, param / m_cols + m_labels.row_offset}, {m_labels.col_symbol, param % m_cols}},
                      ParameterValue(param), false}};
}

std::string DenseMatrixOperator::Describe(Index row, Index col) const {
    if (row < 0 || row >= m_rows || col < 0 || col >= m_cols) return "outside the matrix";
    const Index param = row * m_cols + col;
    return RowLabel(row) + " <- " + ColLabel(col) + " via " + ParameterLabel(param) + " = " + FormatValue(Value(row, col));
}

// [SECTION] Attention as a structured matrix on vec X

MatrixPtr MakeAttentionOperator(const AttentionInput& input, const AttentionResult& result, Index head, std::string* error) {
    if (!result.attention || result.heads < 1 || result.tokens < 1 ||
        result.attention->size() != static_cast<size_t>(result.heads * result.tokens * result.tokens)) {
        SetError(error, "there is no attention to draw: compute it first");
        return nullptr;
    }
    if (head < -1 || head >= result.heads) {
        SetError(error, "head " + Num(head) + " is out of range (0.." + Num(result.heads - 1) + ", or -1 for all heads)");
        return nullptr;
    }
    const Index n = result.tokens, dh = result.d_head, d_in = input.x.cols();
    const bool identity = input.weights.wv.size() == 0;
    if (input.x.rows() != n || (identity && d_in != result.d_model) ||
        (!identity && (input.weights.wv.rows() != result.d_model || input.weights.wv.cols() != d_in))) {
        SetError(error, "the attention and the prepared input do not match: recompute");
        return nullptr;
    }
    auto one_head = [&](Index h) -> MatrixPtr {
        DenseMatrixLabels a_labels;
        a_labels.name = result.heads > 1 ? "A" + Num(h) : "A";
        a_labels.row_axis = "query n";
        a_labels.col_axis = "key m";
        a_labels.row_symbol = "n";
        a_labels.col_symbol = "m";
        a_labels.trainable = false;  // computed from the input, not trained
        MatrixPtr a = DenseMatrixOperator::Create(result.attention, static_cast<size_t>(h * n * n), n, n, a_labels, error);
        if (!a) return nullptr;
        MatrixPtr wv;
        if (identity && result.heads == 1) {
            wv = IdentityOperator::Create(d_in, "f", error);
        } else if (identity) {
            // Rows of the identity: the selection of the head's features (fixed ones, no weights).
            SliceSpec slice;
            slice.channels = d_in;
            slice.height = 1;
            slice.width = 1;
            slice.begin = h * dh;
            slice.end = (h + 1) * dh;
            std::vector<SpecIssue> issues;
            wv = SelectionOperator::Create(slice, &issues);
            if (!wv && !issues.empty()) SetError(error, issues.front().message);
        } else {
            DenseMatrixLabels v_labels;
            v_labels.name = "Wv";
            v_labels.row_axis = "v j";
            v_labels.col_axis = "in f";
            v_labels.row_symbol = "j";
            v_labels.col_symbol = "f";
            v_labels.row_offset = h * dh;
            wv = DenseMatrixOperator::Create(RowMatrixF(input.weights.wv.middleRows(h * dh, dh)), v_labels, error);
        }
        if (!wv) return nullptr;
        return KroneckerOperator::Create(std::move(a), std::move(wv), error);
    };
    if (head >= 0) return one_head(head);
    std::vector<MatrixPtr> blocks;
    for (Index h = 0; h < result.heads; ++h) {
        MatrixPtr block = one_head(h);
        if (!block) return nullptr;
        blocks.push_back(std::move(block));
    }
    if (blocks.size() == 1) return blocks.front();
    return ConcatRows(std::move(blocks), error);
}

}  // namespace lens
