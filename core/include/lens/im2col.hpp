// lens/im2col.hpp: the im2col matrix of a convolution as a StructuredMatrix, so that it draws on
// the same canvas as the expanded matrix. Row p = output position (oy, ox) of one group; column
// k = (i_local, ky, kx), the im2col column order PyTorch's unfold uses. Entry (p, k) is a copy of
// one input element, or a zero where the tap lands on padding. The "parameter" of an entry is the
// input element it copies (its flattened index in the operator's order), so the parameter colouring
// shows the duplication: one hue per input element, repeated up to kernel_h*kernel_w times.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "lens/conv.hpp"

namespace lens {

class Im2colMatrix final : public StructuredMatrix {
public:
    // The im2col matrix of group `group` of `op` (clamped to a valid group). `input` (optional) is
    // the flattened input in op's order; when empty every copied value reads as 0.
    Im2colMatrix(std::shared_ptr<const ConvOperator> op, Index group, std::vector<float> input = {});

    Index Group() const { return m_group; }
    // The input element (channel, y, x) that entry (row, col) copies, or nullopt for a padding zero.
    std::optional<ConvCoord> Source(Index row, Index col) const;

    Index Rows() const override;
    Index Cols() const override;
    Count NonZeros() const override;     // in-bounds taps of this group (padding zeros excluded)
    Count Parameters() const override;   // input elements of this group: in_channels/groups * H * W
    void ForEachInRow(Index row, const std::function<void(Index col, Index param)>& fn) const override;
    float ParameterValue(Index param) const override;
    std::optional<Index> ParameterAt(Index row, Index col) const override;
    // Exact; cost O(entries in view) when zoomed out (each pixel's block is visited), which is
    // bounded by Rows() * Cols() of this (much smaller than the expanded) matrix.
    void Rasterize(const Viewport& viewport, RasterMode mode, Grid<float>& out) const override;
    void Apply(std::span<const float> x, std::span<float> y) const override;
    std::string Describe(Index row, Index col) const override;
    std::string RowLabel(Index row) const override;
    std::string ColLabel(Index col) const override;
    std::string ParameterLabel(Index param) const override;
    EntryCoords RowCoords(Index row) const override;
    EntryCoords ColCoords(Index col) const override;
    std::vector<WeightRef> ParameterWeights(Index param) const override;

private:
    std::shared_ptr<const ConvOperator> m_op;
    Index m_group = 0;
    Count m_nonzeros = 0;
    std::vector<float> m_input;
};

}  // namespace lens
