// test_entry.cpp: StructuredMatrix's entry data (RowCoords, ColCoords, Entry; lens/operator.hpp)
// against a dense materialisation and ForEachInRow, over random small conv, fc, dense (Kronecker
// of attention-like matrices with identities and selections) and concatenation operators: an entry
// is structural iff ForEachInRow lists its column, with the same parameter and value, and the
// coordinates round-trip (decode, then encode from the named parts, gives the row / column back).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lens/attention.hpp"
#include "lens/conv.hpp"
#include "lens/dense_ops.hpp"
#include "lens/fc.hpp"
#include "operator_checks.hpp"

namespace lens {
namespace {

using testing::Pick;
using Parts = std::vector<Coordinate>;
using Encoder = std::function<Index(const Parts&)>;

// The value of the part named `name` (0 when absent: a 1-D conv has no y).
Index PartOf(const Parts& parts, std::string_view name) {
    for (const Coordinate& p : parts)
        if (p.name == name) return p.value;
    return 0;
}

std::vector<std::pair<std::string, Index>> Key(const Parts& parts) {
    std::vector<std::pair<std::string, Index>> key;
    for (const Coordinate& p : parts) key.emplace_back(std::string(p.name), p.value);
    return key;
}

// Every entry against the dense matrix and ForEachInRow; coordinates distinct per row / column and,
// with encoders, encoded back to their index.
void CheckEntries(const StructuredMatrix& m, const Encoder& encode_row, const Encoder& encode_col, const std::string& what) {
    const auto dense = ToDense(m, 1 << 20);
    ASSERT_TRUE(dense) << what;
    std::set<std::vector<std::pair<std::string, Index>>> row_keys, col_keys;
    for (Index col = 0; col < m.Cols(); ++col) {
        const EntryCoords c = m.ColCoords(col);
        ASSERT_EQ(c.side, EntryCoords::Side::Input) << what;
        ASSERT_TRUE(col_keys.insert(Key(c.parts)).second) << what << ": column " << col << " has another column's coordinates";
        if (encode_col) {
            ASSERT_EQ(encode_col(c.parts), col) << what << ": column " << col;
        }
    }
    for (Index row = 0; row < m.Rows(); ++row) {
        const EntryCoords r = m.RowCoords(row);
        ASSERT_EQ(r.side, EntryCoords::Side::Output) << what;
        ASSERT_TRUE(row_keys.insert(Key(r.parts)).second) << what << ": row " << row << " has another row's coordinates";
        if (encode_row) {
            ASSERT_EQ(encode_row(r.parts), row) << what << ": row " << row;
        }
        std::map<Index, Index> listed;
        m.ForEachInRow(row, [&](Index col, Index param) { listed[col] = param; });
        for (Index col = 0; col < m.Cols(); ++col) {
            const EntryInfo e = m.Entry(row, col);
            const std::string at = what + " at (" + std::to_string(row) + ", " + std::to_string(col) + ")";
            ASSERT_TRUE(e.inside) << at;
            ASSERT_EQ(Key(e.out.parts), Key(r.parts)) << at;
            ASSERT_EQ(Key(e.in.parts), Key(m.ColCoords(col).parts)) << at;
            const auto it = listed.find(col);
            ASSERT_EQ(e.structural, it != listed.end()) << at;
            ASSERT_EQ(e.value, (*dense)(row, col)) << at;
            if (!e.structural) {
                ASSERT_FALSE(e.parameter) << at;
                ASSERT_TRUE(e.weights.empty()) << at;
                ASSERT_EQ(e.value, 0.0f) << at;
                continue;
            }
            ASSERT_TRUE(e.parameter) << at;
            ASSERT_EQ(*e.parameter, it->second) << at;
            ASSERT_EQ(e.value, m.ParameterValue(it->second)) << at;
            ASSERT_FALSE(e.weights.empty()) << at;
            double product = 1.0;
            for (const WeightRef& w : e.weights) product *= w.value;
            ASSERT_NEAR(product, e.value, 1e-6 * (1.0 + std::fabs(e.value))) << at;
        }
    }
    const EntryInfo outside = m.Entry(m.Rows(), 0);
    ASSERT_FALSE(outside.inside) << what;
    ASSERT_FALSE(outside.structural) << what;
}

ConvSpec RandomConvSpec(std::mt19937_64& rng) {
    while (true) {
        ConvSpec s;
        s.dims = Pick(rng, 1, 2) == 1 ? 1 : 2;
        s.groups = Pick(rng, 1, 2);
        s.in_channels = s.groups * Pick(rng, 1, 2);
        s.out_channels = s.groups * Pick(rng, 1, 2);
        s.in_w = Pick(rng, 1, 6);
        s.kernel_w = Pick(rng, 1, 3);
        s.in_h = s.dims == 1 ? 1 : Pick(rng, 1, 5);
        s.kernel_h = s.dims == 1 ? 1 : Pick(rng, 1, 3);
        s.stride = Pick(rng, 1, 2);
        s.dilation = Pick(rng, 1, 2);
        s.padding_mode = static_cast<PaddingMode>(Pick(rng, 0, 3));
        s.padding = Pick(rng, 0, 2);
        s.order = Pick(rng, 0, 1) == 0 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        s.seed = rng();
        if (Validate(s).empty()) return s;
    }
}

FcSpec RandomFcSpec(std::mt19937_64& rng) {
    FcSpec s;
    s.in_count = Pick(rng, 1, 4);
    s.out_count = Pick(rng, 1, 4);
    s.in_features = Pick(rng, 1, 3);
    s.out_features = Pick(rng, 1, 3);
    s.order = rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
    s.seed = rng();
    return s;
}

Encoder FcRowEncoder(std::shared_ptr<const DenseFcOperator> fc) {
    return [fc](const Parts& p) { return fc->EncodeRow(PartOf(p, "n"), PartOf(p, "f")); };
}
Encoder FcColEncoder(std::shared_ptr<const DenseFcOperator> fc) {
    return [fc](const Parts& p) { return fc->EncodeCol(PartOf(p, "n"), PartOf(p, "f")); };
}

TEST(EntryData, ConvAgreesWithDenseAndRoundTrips) {
    std::mt19937_64 rng(1201);
    for (int trial = 0; trial < 60; ++trial) {
        const ConvSpec s = RandomConvSpec(rng);
        auto op = ConvOperator::Create(s);
        ASSERT_TRUE(op);
        auto conv = std::make_shared<const ConvOperator>(std::move(*op));
        const Encoder row = [conv](const Parts& p) { return conv->EncodeRow({PartOf(p, "c"), PartOf(p, "y"), PartOf(p, "x")}); };
        const Encoder col = [conv](const Parts& p) { return conv->EncodeCol({PartOf(p, "c"), PartOf(p, "y"), PartOf(p, "x")}); };
        CheckEntries(*conv, row, col, "conv trial " + std::to_string(trial));
        // The weight's index names the kernel tap: w[o, i, ky, kx] (1-D: w[o, i, k]).
        for (Index param = 0; param < conv->Parameters(); ++param) {
            const auto w = conv->ParameterWeights(param);
            ASSERT_EQ(w.size(), 1u);
            ASSERT_EQ(w[0].name, "w");
            ASSERT_EQ(w[0].index.size(), s.dims == 1 ? 3u : 4u);
            const auto p = conv->DecodeParam(param);
            ASSERT_EQ(w[0].index[0].value, p.out_c);
            ASSERT_EQ(w[0].index[1].value, p.in_local);
            ASSERT_EQ(w[0].index.back().value, p.kx);
        }
    }
}

TEST(EntryData, FcAgreesWithDenseAndRoundTrips) {
    std::mt19937_64 rng(1202);
    for (int trial = 0; trial < 60; ++trial) {
        auto fc = DenseFcOperator::Create(RandomFcSpec(rng));
        ASSERT_TRUE(fc);
        CheckEntries(*fc, FcRowEncoder(fc), FcColEncoder(fc), "fc trial " + std::to_string(trial));
    }
}

TEST(EntryData, DenseKroneckerAgreesWithDense) {
    std::mt19937_64 rng(1203);
    for (int trial = 0; trial < 40; ++trial) {
        const Index n = Pick(rng, 1, 4), d = Pick(rng, 1, 4);
        RowMatrixF a(n, n);
        for (Index i = 0; i < a.size(); ++i) a.data()[i] = static_cast<float>(Pick(rng, -100, 100)) / 64.0f;
        DenseMatrixLabels labels;
        labels.name = "A";
        labels.row_symbol = "n";
        labels.col_symbol = "m";
        auto dense = DenseMatrixOperator::Create(a, labels);
        ASSERT_TRUE(dense);
        const Encoder row = [](const Parts& p) { return PartOf(p, "n"); };
        const Encoder col = [](const Parts& p) { return PartOf(p, "m"); };
        CheckEntries(*dense, row, col, "dense trial " + std::to_string(trial));
        // A (x) I_d: rows (n, f), columns (m, f), the fixed 1 left out of the weights.
        auto kron = KroneckerOperator::Create(dense, IdentityOperator::Create(d, "f"));
        ASSERT_TRUE(kron);
        const Encoder krow = [d](const Parts& p) { return PartOf(p, "n") * d + PartOf(p, "f"); };
        const Encoder kcol = [d](const Parts& p) { return PartOf(p, "m") * d + PartOf(p, "f"); };
        CheckEntries(*kron, krow, kcol, "kronecker trial " + std::to_string(trial));
        const EntryInfo e = kron->Entry(0, 0);
        ASSERT_EQ(e.weights.size(), 1u);
        ASSERT_EQ(e.weights[0].name, "A");
        // A (x) W: a product of two weights.
        RowMatrixF w(d, d + 1);
        for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(Pick(rng, -100, 100)) / 32.0f;
        DenseMatrixLabels w_labels;
        w_labels.name = "Wv";
        w_labels.row_symbol = "j";
        w_labels.col_symbol = "f";
        auto product = KroneckerOperator::Create(dense, DenseMatrixOperator::Create(w, w_labels));
        ASSERT_TRUE(product);
        CheckEntries(*product, nullptr, nullptr, "product trial " + std::to_string(trial));
        ASSERT_EQ(product->Entry(0, 0).weights.size(), 2u);
    }
}

TEST(EntryData, SelectionAndIdentityAgreeWithDenseAndRoundTrip) {
    std::mt19937_64 rng(1204);
    for (int trial = 0; trial < 40; ++trial) {
        SliceSpec s;
        s.channels = Pick(rng, 1, 4);
        s.height = Pick(rng, 1, 3);
        s.width = Pick(rng, 1, 3);
        s.begin = Pick(rng, 0, s.channels - 1);
        s.end = Pick(rng, s.begin + 1, s.channels);
        s.order = rng() % 2 ? FlatOrder::ChannelMajor : FlatOrder::PositionMajor;
        auto sel = SelectionOperator::Create(s);
        ASSERT_TRUE(sel);
        const Index plane = s.height * s.width;
        auto encoder = [s, plane](Index channels) {
            return [s, plane, channels](const Parts& p) {
                const Index pos = PartOf(p, "y") * s.width + PartOf(p, "x");
                return s.order == FlatOrder::ChannelMajor ? PartOf(p, "c") * plane + pos : pos * channels + PartOf(p, "c");
            };
        };
        CheckEntries(*sel, encoder(s.end - s.begin), encoder(s.channels), "selection trial " + std::to_string(trial));
        auto id = IdentityOperator::Create(Pick(rng, 1, 6), trial % 2 ? "t" : "");
        ASSERT_TRUE(id);
        CheckEntries(*id, nullptr, nullptr, "identity trial " + std::to_string(trial));
        ASSERT_TRUE(id->Entry(0, 0).weights.at(0).fixed);
    }
}

TEST(EntryData, ConcatAgreesWithDenseAndRoundTrips) {
    std::mt19937_64 rng(1205);
    for (int trial = 0; trial < 40; ++trial) {
        // Blocks sharing the input side (ConcatRows) or the output side (ConcatCols).
        const bool rows = trial % 2 == 0;
        FcSpec base = RandomFcSpec(rng);
        std::vector<std::shared_ptr<const DenseFcOperator>> fcs;
        std::vector<MatrixPtr> blocks;
        const int count = static_cast<int>(Pick(rng, 1, 3));
        for (int b = 0; b < count; ++b) {
            FcSpec s = base;
            s.seed = rng();
            if (rows) s.out_features = Pick(rng, 1, 3);
            else s.in_features = Pick(rng, 1, 3);
            fcs.push_back(DenseFcOperator::Create(s));
            ASSERT_TRUE(fcs.back());
            blocks.push_back(fcs.back());
        }
        auto concat = rows ? ConcatRows(blocks) : ConcatCols(blocks);
        ASSERT_TRUE(concat);
        // The block index comes first along the concatenated axis.
        const Encoder along = [&](const Parts& p) {
            EXPECT_EQ(p.front().name, "block");
            const size_t b = static_cast<size_t>(PartOf(p, "block"));
            const Parts rest(p.begin() + 1, p.end());
            return concat->Offset(b) + (rows ? FcRowEncoder(fcs[b])(rest) : FcColEncoder(fcs[b])(rest));
        };
        const Encoder across = rows ? FcColEncoder(fcs[0]) : FcRowEncoder(fcs[0]);
        CheckEntries(*concat, rows ? along : across, rows ? across : along, "concat trial " + std::to_string(trial));
    }
}

TEST(EntryData, DefaultsNameRowsColumnsAndParameters) {
    // A matrix with only the required overrides: coordinates (i=row), (j=col), weight p[param].
    class Plain final : public StructuredMatrix {
    public:
        Index Rows() const override { return 3; }
        Index Cols() const override { return 2; }
        Count NonZeros() const override { return 1; }
        Count Parameters() const override { return 1; }
        void ForEachInRow(Index row, const std::function<void(Index, Index)>& fn) const override {
            if (row == 1) fn(1, 0);
        }
        float ParameterValue(Index param) const override { return param == 0 ? 0.5f : 0.0f; }
        void Rasterize(const Viewport& vp, RasterMode mode, Grid<float>& out) const override { RasterizeByRows(*this, vp, mode, out); }
        void Apply(std::span<const float> x, std::span<float> y) const override { ApplyByRows(*this, x, y); }
        std::string Describe(Index, Index) const override { return {}; }
    } plain;
    CheckEntries(plain, [](const Parts& p) { return PartOf(p, "i"); }, [](const Parts& p) { return PartOf(p, "j"); }, "plain");
    const EntryInfo e = plain.Entry(1, 1);
    ASSERT_EQ(e.weights.at(0).name, "p");
    ASSERT_EQ(e.value, 0.5f);
}

}  // namespace
}  // namespace lens
