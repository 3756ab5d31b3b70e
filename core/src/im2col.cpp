#include "lens/im2col.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lens {
namespace {

struct Geometry {
    Index in_h, in_w, out_h, out_w, kh, kw, stride, dilation, pad_top, pad_left, in_per_group;
};

Geometry GeometryOf(const ConvOperator& op) {
    const ConvSpec& s = op.Spec();
    const ConvStats& st = op.Stats();
    return {s.in_h, s.in_w, st.out_h, st.out_w, s.kernel_h, s.kernel_w, s.stride, s.dilation, st.pad_h.lo, st.pad_w.lo,
            s.in_channels / s.groups};
}

}  // namespace

Im2colMatrix::Im2colMatrix(std::shared_ptr<const ConvOperator> op, Index group, std::vector<float> input)
    : m_op(std::move(op)), m_input(std::move(input)) {
    const Index groups = m_op->Spec().groups;
    m_group = std::clamp<Index>(group, 0, groups - 1);
    // Non-zeros of one group: in-bounds taps over all output positions, per input channel.
    const Geometry g = GeometryOf(*m_op);
    auto valid_along = [](Index out, Index in, Index kernel, Index stride, Index dilation, Index pad) {
        Count n = 0;
        for (Index k = 0; k < kernel; ++k)
            for (Index o = 0; o < out; ++o) {
                const Index i = o * stride - pad + k * dilation;
                n += (i >= 0 && i < in) ? 1 : 0;
            }
        return n;
    };
    m_nonzeros = valid_along(g.out_h, g.in_h, g.kh, g.stride, g.dilation, g.pad_top) *
                 valid_along(g.out_w, g.in_w, g.kw, g.stride, g.dilation, g.pad_left) * g.in_per_group;
    if (m_input.size() != static_cast<size_t>(m_op->Cols())) m_input.clear();
}

Index Im2colMatrix::Rows() const { return m_op->Stats().im2col_rows; }
Index Im2colMatrix::Cols() const { return m_op->Stats().im2col_cols; }
Count Im2colMatrix::NonZeros() const { return m_nonzeros; }
Count Im2colMatrix::Parameters() const {
    const Geometry g = GeometryOf(*m_op);
    return g.in_per_group * g.in_h * g.in_w;
}

std::optional<ConvCoord> Im2colMatrix::Source(Index row, Index col) const {
    const Geometry g = GeometryOf(*m_op);
    if (row < 0 || col < 0 || row >= Rows() || col >= Cols()) return std::nullopt;
    const Index oy = row / g.out_w, ox = row % g.out_w;
    const Index il = col / (g.kh * g.kw), ky = (col / g.kw) % g.kh, kx = col % g.kw;
    const Index iy = oy * g.stride - g.pad_top + ky * g.dilation;
    const Index ix = ox * g.stride - g.pad_left + kx * g.dilation;
    if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) return std::nullopt;
    return ConvCoord{m_group * g.in_per_group + il, iy, ix};
}

std::optional<Index> Im2colMatrix::ParameterAt(Index row, Index col) const {
    auto source = Source(row, col);
    if (!source) return std::nullopt;
    return m_op->EncodeCol(*source);
}

void Im2colMatrix::ForEachInRow(Index row, const std::function<void(Index, Index)>& fn) const {
    if (row < 0 || row >= Rows()) return;
    for (Index col = 0; col < Cols(); ++col)
        if (auto param = ParameterAt(row, col)) fn(col, *param);
}

float Im2colMatrix::ParameterValue(Index param) const {
    if (param < 0 || static_cast<size_t>(param) >= m_input.size()) return 0.0f;
    return m_input[static_cast<size_t>(param)];
}

void Im2colMatrix::Rasterize(const Viewport& viewport, RasterMode mode, Grid<float>& out) const {
    if (viewport.rows < 1 || viewport.cols < 1 || viewport.width_px < 1 || viewport.height_px < 1 ||
        viewport.width_px > kMaxRasterSide || viewport.height_px > kMaxRasterSide) {
        out = Grid<float>();
        return;
    }
    out.Resize(viewport.width_px, viewport.height_px, 0.0f);
    for (int py = 0; py < viewport.height_px; ++py) {
        const IndexSpan rows = PixelSpanOf(viewport.row0, viewport.rows, viewport.height_px, py);
        for (int px = 0; px < viewport.width_px; ++px) {
            const IndexSpan cols = PixelSpanOf(viewport.col0, viewport.cols, viewport.width_px, px);
            Count count = 0;
            double sum = 0;
            Index first = -1;
            bool mixed = false;
            for (Index r = std::max<Index>(rows.lo, 0); r < std::min(rows.hi, Rows()); ++r)
                for (Index c = std::max<Index>(cols.lo, 0); c < std::min(cols.hi, Cols()); ++c) {
                    auto param = ParameterAt(r, c);
                    if (!param) continue;
                    ++count;
                    sum += ParameterValue(*param);
                    if (first < 0) first = *param;
                    else if (*param != first) mixed = true;
                }
            float& v = out.At(px, py);
            switch (mode) {
                case RasterMode::Count: v = static_cast<float>(count); break;
                case RasterMode::MeanValue: v = count ? static_cast<float>(sum / static_cast<double>(count)) : NAN; break;
                case RasterMode::ParameterId: v = count == 0 ? NAN : mixed ? -1.0f : static_cast<float>(first); break;
            }
        }
    }
}

void Im2colMatrix::Apply(std::span<const float> x, std::span<float> y) const {
    if (x.size() != static_cast<size_t>(Cols()) || y.size() != static_cast<size_t>(Rows())) return;
    for (Index r = 0; r < Rows(); ++r) {
        double acc = 0;
        for (Index c = 0; c < Cols(); ++c)
            if (auto param = ParameterAt(r, c)) acc += static_cast<double>(ParameterValue(*param)) * x[static_cast<size_t>(c)];
        y[static_cast<size_t>(r)] = static_cast<float>(acc);
    }
}

std::string Im2colMatrix::RowLabel(Index row) const {
    const Geometry g = GeometryOf(*m_op);
    char text[96];
    std::snprintf(text, sizeof text, "output position (y=%lld, x=%lld)", static_cast<long long>(row / std::max<Index>(g.out_w, 1)),
                  static_cast<long long>(row % std::max<Index>(g.out_w, 1)));
    return text;
}

std::string Im2colMatrix::ColLabel(Index col) const {
    const Geometry g = GeometryOf(*m_op);
    char text[96];
    std::snprintf(text, sizeof text, "tap (c=%lld, ky=%lld, kx=%lld)",
                  static_cast<long long>(m_group * g.in_per_group + col / (g.kh * g.kw)),
                  static_cast<long long>((col / g.kw) % g.kh), static_cast<long long>(col % g.kw));
    return text;
}

std::string Im2colMatrix::ParameterLabel(Index param) const {
    const ConvCoord c = m_op->DecodeCol(param);
    char text[64];
    std::snprintf(text, sizeof text, "x[%lld,%lld,%lld]", static_cast<long long>(c.c), static_cast<long long>(c.y),
                  static_cast<long long>(c.x));
    return text;
}

EntryCoords Im2colMatrix::RowCoords(Index row) const {
    if (row < 0 || row >= Rows()) return StructuredMatrix::RowCoords(row);
    const Index out_w = std::max<Index>(GeometryOf(*m_op).out_w, 1);
    return {EntryCoords::Side::Output, {{"y", row / out_w}, {"x", row % out_w}}};
}

EntryCoords Im2colMatrix::ColCoords(Index col) const {
    if (col < 0 || col >= Cols()) return StructuredMatrix::ColCoords(col);
    const Geometry g = GeometryOf(*m_op);
    return {EntryCoords::Side::Input,
            {{"c", m_group * g.in_per_group + col / (g.kh * g.kw)}, {"ky", (col / g.kw) % g.kh}, {"kx", col % g.kw}}};
}

std::vector<WeightRef> Im2colMatrix::ParameterWeights(Index param) const {
    if (param < 0 || param >= Parameters()) return {};
    const ConvCoord c = m_op->DecodeCol(param);
    return {WeightRef{"x", {{"c", c.c}, {"y", c.y}, {"x", c.x}}, ParameterValue(param), false}};
}

std::string Im2colMatrix::Describe(Index row, Index col) const {
    if (row < 0 || col < 0 || row >= Rows() || col >= Cols()) return "outside the matrix";
    auto source = Source(row, col);
    if (!source) return RowLabel(row) + ", " + ColLabel(col) + ": zero (the tap lands on padding)";
    char text[64];
    std::snprintf(text, sizeof text, " copies input (c=%lld, y=%lld, x=%lld)", static_cast<long long>(source->c),
                  static_cast<long long>(source->y), static_cast<long long>(source->x));
    return RowLabel(row) + ", " + ColLabel(col) + text;
}

}  // namespace lens
