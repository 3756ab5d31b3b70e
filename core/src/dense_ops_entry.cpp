// dense_ops_entry.cpp: the entry data (RowCoords, ColCoords, ParameterWeights) of the identity,
// selection, Kronecker and concatenation operators (lens/dense_ops.hpp), apart from their maths.
#include "lens/dense_ops.hpp"

#include <utility>

namespace lens {

// [SECTION] Identity

EntryCoords IdentityOperator::RowCoords(Index row) const {
    if (m_axis.empty() || row < 0 || row >= m_n) return StructuredMatrix::RowCoords(row);
    return {EntryCoords::Side::Output, {{m_axis, row}}};
}

EntryCoords IdentityOperator::ColCoords(Index col) const {
    if (m_axis.empty() || col < 0 || col >= m_n) return StructuredMatrix::ColCoords(col);
    return {EntryCoords::Side::Input, {{m_axis, col}}};
}

std::vector<WeightRef> IdentityOperator::ParameterWeights(Index param) const {
    if (param != 0) return {};
    return {WeightRef{"1", {}, 1.0f, true}};
}

// [SECTION] Selection

std::vector<Coordinate> SelectionOperator::CoordParts(Index index, Index channels) const {
    Index c = 0, pos = 0;
    if (m_spec.order == FlatOrder::ChannelMajor) {
        c = index / m_plane;
        pos = index % m_plane;
    } else {
        c = index % channels;
        pos = index / channels;
    }
    return {{"c", c}, {"y", pos / m_spec.width}, {"x", pos % m_spec.width}};
}

EntryCoords SelectionOperator::RowCoords(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowCoords(row);
    return {EntryCoords::Side::Output, CoordParts(row, m_kept)};
}

EntryCoords SelectionOperator::ColCoords(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColCoords(col);
    return {EntryCoords::Side::Input, CoordParts(col, m_spec.channels)};
}

std::vector<WeightRef> SelectionOperator::ParameterWeights(Index param) const {
    if (param != 0) return {};
    return {WeightRef{"1", {}, 1.0f, true}};
}

// [SECTION] Kronecker product

// Coordinates of a Kronecker row or column: A's parts then B's.
namespace {
EntryCoords JoinCoords(EntryCoords a, const EntryCoords& b) {
    a.parts.insert(a.parts.end(), b.parts.begin(), b.parts.end());
    return a;
}
}  // namespace

EntryCoords KroneckerOperator::RowCoords(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowCoords(row);
    const Index r = m_b->Rows();
    return JoinCoords(m_a->RowCoords(row / r), m_b->RowCoords(row % r));
}

EntryCoords KroneckerOperator::ColCoords(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColCoords(col);
    const Index s = m_b->Cols();
    return JoinCoords(m_a->ColCoords(col / s), m_b->ColCoords(col % s));
}

std::vector<WeightRef> KroneckerOperator::ParameterWeights(Index param) const {
    if (param < 0 || param >= m_parameters) return {};
    const Count pb_count = m_b->Parameters();
    std::vector<WeightRef> weights = m_a->ParameterWeights(param / pb_count);
    for (WeightRef& w : m_b->ParameterWeights(param % pb_count)) weights.push_back(std::move(w));
    // Fixed factors (the 1 of an identity) say nothing: drop them unless every factor is fixed.
    std::vector<WeightRef> kept;
    for (const WeightRef& w : weights)
        if (!w.fixed) kept.push_back(w);
    if (kept.empty() && !weights.empty()) kept.push_back(weights.front());
    return kept;
}

// [SECTION] Block concatenation

// The block's coordinates with the block index in front.
namespace {
EntryCoords InBlock(EntryCoords c, size_t b) {
    c.parts.insert(c.parts.begin(), Coordinate{"block", static_cast<Index>(b)});
    return c;
}
}  // namespace

EntryCoords ConcatOperator::RowCoords(Index row) const {
    if (row < 0 || row >= m_rows) return StructuredMatrix::RowCoords(row);
    if (m_axis == ConcatAxis::Cols) return m_blocks[0]->RowCoords(row);
    const size_t b = BlockAt(row);
    return InBlock(m_blocks[b]->RowCoords(row - m_offsets[b]), b);
}

EntryCoords ConcatOperator::ColCoords(Index col) const {
    if (col < 0 || col >= m_cols) return StructuredMatrix::ColCoords(col);
    if (m_axis == ConcatAxis::Rows) return m_blocks[0]->ColCoords(col);
    const size_t b = BlockAt(col);
    return InBlock(m_blocks[b]->ColCoords(col - m_offsets[b]), b);
}

std::vector<WeightRef> ConcatOperator::ParameterWeights(Index param) const {
    if (param < 0 || param >= Parameters()) return {};
    const size_t b = BlockOfParam(param);
    return m_blocks[b]->ParameterWeights(param - m_param_offsets[b]);
}
}  // namespace lens
