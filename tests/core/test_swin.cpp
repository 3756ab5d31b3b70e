// Tests of lens/swin.hpp: region labels, masks and the relative position index against references
// written here from the published algorithm (torchvision's shifted_window_attention and the
// official Swin code) over many grid and window sizes; partition, reverse and roll identities;
// masked window attention against a naive double-precision reference; patch merging against a
// naive strided gather; Swin-T/S/B counts (published-counts.md and torchvision's documentation);
// the complexity formulas; bad input.
//
// [SECTION] Reference helpers
// [SECTION] Patch grid
// [SECTION] Windows, labels, masks, relative position index
// [SECTION] Window attention
// [SECTION] Patch merging
// [SECTION] Stage calculator
// [SECTION] Complexity
// [SECTION] Bad input
#include "lens/swin.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <vector>

#include "operator_checks.hpp"

namespace lens {
namespace {

// [SECTION] Reference helpers

bool HasField(const std::vector<SpecIssue>& issues, const std::string& field) {
    for (const SpecIssue& i : issues)
        if (i.field == field && !i.message.empty()) return true;
    return false;
}

// Python's a[start:stop] bounds on a sequence of length n (stop absent: None).
std::pair<Index, Index> PythonSlice(Index n, Index start, std::optional<Index> stop) {
    auto fix = [n](Index v) {
        if (v < 0) v += n;
        if (v < 0) v = 0;
        if (v > n) v = n;
        return v;
    };
    const Index lo = fix(start);
    const Index hi = stop ? fix(*stop) : n;
    return {lo, std::max(lo, hi)};
}

// The reference code's img_mask: zeros, then cnt over h_slices x w_slices (rows outer), built on
// the padded grid with the effective shifts. Row-major [y][x].
std::vector<std::vector<int>> ReferenceLabels(Index ph, Index pw, Index m, Index sh, Index sw) {
    std::vector<std::vector<int>> img(static_cast<size_t>(ph), std::vector<int>(static_cast<size_t>(pw), 0));
    const std::pair<Index, std::optional<Index>> hs[3] = {{0, -m}, {-m, -sh}, {-sh, std::nullopt}};
    const std::pair<Index, std::optional<Index>> ws[3] = {{0, -m}, {-m, -sw}, {-sw, std::nullopt}};
    int cnt = 0;
    for (const auto& h : hs) {
        for (const auto& w : ws) {
            const auto [y0, y1] = PythonSlice(ph, h.first, h.second);
            const auto [x0, x1] = PythonSlice(pw, w.first, w.second);
            for (Index y = y0; y < y1; ++y)
                for (Index x = x0; x < x1; ++x) img[static_cast<size_t>(y)][static_cast<size_t>(x)] = cnt;
            ++cnt;
        }
    }
    return img;
}

// torch.roll(v, shifts=s) along one axis of length n: out[(i + s) mod n] = in[i].
Index RolledFrom(Index out_index, Index s, Index n) { return ((out_index - s) % n + n) % n; }

// [SECTION] Patch grid

TEST(SwinPatchGridTest, FloorLikeTheConvolutionOrPad) {
    auto g = ComputeSwinPatchGrid(224, 224, 4);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->grid_h, 56);
    EXPECT_EQ(g->grid_w, 56);
    g = ComputeSwinPatchGrid(230, 101, 4);  // Crop (torchvision): floor, the remainder dropped
    ASSERT_TRUE(g);
    EXPECT_EQ(g->grid_h, 57);
    EXPECT_EQ(g->crop_bottom, 2);
    EXPECT_EQ(g->grid_w, 25);
    EXPECT_EQ(g->crop_right, 1);
    g = ComputeSwinPatchGrid(230, 101, 4, PatchFit::Pad);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->grid_h, 58);
    EXPECT_EQ(g->pad_bottom, 2);
    EXPECT_EQ(g->grid_w, 26);
    EXPECT_EQ(g->pad_right, 3);
}

// [SECTION] Windows, labels, masks, relative position index

// Labels and masks for every grid 1..20 x 1..20, window 1..8 and shifts 0, floor(M/2), M-1:
// (1) labels equal the reference img_mask built from the 3 x 3 Python slices; (2) the mask of each
// window (row-major over windows, slots row-major) is 0 exactly where the reference labels agree;
// (3) independently of the slices, a pair is unmasked exactly when, on each shifted axis, both
// tokens did or both did not wrap around in the roll (came from the first s rows / columns).
TEST(SwinWindowTest, LabelsAndMasksMatchReference) {
    for (Index m = 1; m <= 8; ++m) {
        for (Index gh = 1; gh <= 20; ++gh) {
            for (Index gw = 1; gw <= 20; ++gw) {
                for (Index s = 0; s < m; ++s) {
                    if (s != 0 && s != m / 2 && s != m - 1) continue;
                    const auto l = ComputeWindowLayout(gh, gw, m, s);
                    ASSERT_TRUE(l);
                    const Index ph = (gh + m - 1) / m * m, pw = (gw + m - 1) / m * m;
                    ASSERT_EQ(l->padded_h, ph);
                    ASSERT_EQ(l->padded_w, pw);
                    // torchvision: no shift along a side the window covers whole.
                    const Index sh = m >= ph ? 0 : s, sw = m >= pw ? 0 : s;
                    ASSERT_EQ(l->shift_h, sh);
                    ASSERT_EQ(l->shift_w, sw);
                    const auto ref = ReferenceLabels(ph, pw, m, sh, sw);
                    const Grid<int> labels = RegionLabels(ph, pw, m, sh, sw);
                    ASSERT_EQ(labels.width, pw);
                    ASSERT_EQ(labels.height, ph);
                    Index bad_label = -1;
                    for (Index y = 0; y < ph; ++y)
                        for (Index x = 0; x < pw; ++x)
                            if (bad_label < 0 && labels.At(static_cast<int>(x), static_cast<int>(y)) != ref[static_cast<size_t>(y)][static_cast<size_t>(x)])
                                bad_label = y * pw + x;
                    ASSERT_EQ(bad_label, -1) << gh << "x" << gw << " M=" << m << " s=" << s;
                    const std::vector<float> mask = WindowMask(labels, m);
                    const Index n = m * m, wh = ph / m, ww = pw / m;
                    ASSERT_EQ(static_cast<Index>(mask.size()), wh * ww * n * n);
                    // Plain comparisons in the loop (gtest macros per entry would dominate the time),
                    // one assertion per layout naming the first disagreement.
                    Index bad_mask = -1, bad_wrap = -1;
                    std::vector<int> lab(static_cast<size_t>(n));
                    std::vector<char> wrap_y(static_cast<size_t>(n)), wrap_x(static_cast<size_t>(n));
                    for (Index wy = 0; wy < wh; ++wy)
                        for (Index wx = 0; wx < ww; ++wx) {
                            for (Index i = 0; i < n; ++i) {
                                const Index y = wy * m + i / m, x = wx * m + i % m;
                                lab[static_cast<size_t>(i)] = ref[static_cast<size_t>(y)][static_cast<size_t>(x)];
                                // Where the token sat before the roll by -s, and whether it wrapped around.
                                wrap_y[static_cast<size_t>(i)] = sh > 0 && RolledFrom(y, -sh, ph) < sh;
                                wrap_x[static_cast<size_t>(i)] = sw > 0 && RolledFrom(x, -sw, pw) < sw;
                            }
                            const float* window_mask = mask.data() + (wy * ww + wx) * n * n;
                            for (Index i = 0; i < n; ++i)
                                for (Index j = 0; j < n; ++j) {
                                    const size_t si = static_cast<size_t>(i), sj = static_cast<size_t>(j);
                                    const bool same = lab[si] == lab[sj];
                                    const bool contiguous = wrap_y[si] == wrap_y[sj] && wrap_x[si] == wrap_x[sj];
                                    const Index e = ((wy * ww + wx) * n + i) * n + j;
                                    if (bad_mask < 0 && window_mask[i * n + j] != (same ? 0.0f : -100.0f)) bad_mask = e;
                                    if (bad_wrap < 0 && same != contiguous) bad_wrap = e;
                                }
                        }
                    ASSERT_EQ(bad_mask, -1) << gh << "x" << gw << " M=" << m << " s=" << s;
                    ASSERT_EQ(bad_wrap, -1) << gh << "x" << gw << " M=" << m << " s=" << s;
                }
            }
        }
    }
}

TEST(SwinWindowTest, SevenBySevenShiftThreeHasFourRegionsInTheCornerWindow) {
    // Swin-T's stage 3 (14 x 14, M = 7, s = 3): 4 windows; the last gathers four regions.
    const auto l = ComputeWindowLayout(14, 14, 7, 3);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->windows, 4);
    const Grid<int> labels = RegionLabels(14, 14, 7, 3, 3);
    EXPECT_EQ(labels.At(0, 0), 0);
    EXPECT_EQ(labels.At(13, 0), 2);
    EXPECT_EQ(labels.At(7, 7), 4);
    EXPECT_EQ(labels.At(13, 13), 8);
    const std::vector<float> mask = WindowMaskOf(labels, 7, 0);
    for (float v : mask) EXPECT_EQ(v, 0.0f);  // the first window is one region
    const auto corner = WindowSourcePatches(*l, 3);
    ASSERT_EQ(corner.size(), 49u);
    EXPECT_EQ(corner[0].y, 10);  // slot (0, 0) holds original (10, 10)
    EXPECT_EQ(corner[0].x, 10);
    EXPECT_EQ(corner[48].y, 2);  // slot (6, 6) wrapped around: original (2, 2)
    EXPECT_EQ(corner[48].x, 2);
    EXPECT_NE(corner[0].label, corner[48].label);
}

TEST(SwinWindowTest, NoShiftAlongASideTheWindowCovers) {
    auto l = ComputeWindowLayout(7, 7, 7, 3);  // Swin-T's stage 4
    ASSERT_TRUE(l);
    EXPECT_FALSE(l->Shifted());
    EXPECT_EQ(l->windows, 1);
    l = ComputeWindowLayout(3, 5, 7, 3);  // window larger than the grid: padded to M, not an error
    ASSERT_TRUE(l);
    EXPECT_EQ(l->padded_h, 7);
    EXPECT_EQ(l->padded_w, 7);
    EXPECT_EQ(l->pad_bottom, 4);
    EXPECT_EQ(l->pad_right, 2);
    EXPECT_FALSE(l->Shifted());
    l = ComputeWindowLayout(5, 20, 7, 3);  // one axis shifted, the other not
    ASSERT_TRUE(l);
    EXPECT_EQ(l->shift_h, 0);
    EXPECT_EQ(l->shift_w, 3);
    EXPECT_EQ(l->padded_w, 21);
}

TEST(SwinWindowTest, RelativePositionIndexMatchesCoordinateDifferences) {
    for (Index m = 1; m <= 12; ++m) {
        const std::vector<Index> index = RelativePositionIndex(m);
        const Index n = m * m;
        ASSERT_EQ(static_cast<Index>(index.size()), n * n);
        // coords = meshgrid(arange(M), arange(M), indexing="ij") flattened; relative = c[:, :, None] - c[:, None, :].
        std::vector<Index> cy, cx;
        for (Index y = 0; y < m; ++y)
            for (Index x = 0; x < m; ++x) {
                cy.push_back(y);
                cx.push_back(x);
            }
        Index max_index = 0;
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j) {
                const Index dy = cy[static_cast<size_t>(i)] - cy[static_cast<size_t>(j)] + m - 1;
                const Index dx = cx[static_cast<size_t>(i)] - cx[static_cast<size_t>(j)] + m - 1;
                ASSERT_EQ(index[static_cast<size_t>(i * n + j)], dy * (2 * m - 1) + dx) << m;
                max_index = std::max(max_index, index[static_cast<size_t>(i * n + j)]);
            }
        EXPECT_EQ(max_index, (2 * m - 1) * (2 * m - 1) - 1);
        EXPECT_EQ(index[0], (m - 1) * (2 * m - 1) + m - 1);  // a slot against itself: the table's centre
    }
    // The bias the index selects, head by head.
    const Index m = 3, heads = 2;
    const std::vector<float> table = RandomRelativeBiasTable(m, heads, 5);
    ASSERT_EQ(table.size(), 25u * 2u);
    const std::vector<float> bias = RelativePositionBias(table, m, heads);
    const std::vector<Index> index = RelativePositionIndex(m);
    ASSERT_EQ(bias.size(), 2u * 81u);
    for (Index h = 0; h < heads; ++h)
        for (Index e = 0; e < 81; ++e)
            EXPECT_EQ(bias[static_cast<size_t>(h * 81 + e)], table[static_cast<size_t>(index[static_cast<size_t>(e)] * heads + h)]);
    EXPECT_TRUE(RelativePositionBias(std::vector<float>(7), m, heads).empty());
}

TEST(SwinWindowTest, BiasTableLooksLikeStdTwoHundredths) {
    const std::vector<float> table = RandomRelativeBiasTable(7, 24, 1);  // 169 x 24
    ASSERT_EQ(table.size(), 169u * 24u);
    double sum = 0.0, sq = 0.0;
    for (float v : table) {
        sum += v;
        sq += static_cast<double>(v) * v;
    }
    const double mean = sum / static_cast<double>(table.size());
    const double std_dev = std::sqrt(sq / static_cast<double>(table.size()) - mean * mean);
    EXPECT_NEAR(mean, 0.0, 0.002);
    EXPECT_NEAR(std_dev, 0.02, 0.002);
    EXPECT_EQ(table, RandomRelativeBiasTable(7, 24, 1));
    EXPECT_NE(table, RandomRelativeBiasTable(7, 24, 2));
}

TEST(SwinWindowTest, PartitionThenReverseIsIdentity) {
    std::mt19937_64 rng(7);
    for (Index m = 1; m <= 8; ++m) {
        for (Index wh = 1; wh <= 4; ++wh)
            for (Index ww = 1; ww <= 4; ++ww) {
                const Index ph = wh * m, pw = ww * m;
                Grid<float> g(static_cast<int>(pw), static_cast<int>(ph));
                for (float& v : g.data) v = static_cast<float>(rng() % 1000);
                const std::vector<float> windowed = PartitionValues(g, m);
                ASSERT_EQ(windowed.size(), g.data.size());
                // Window (wy, wx), slot (ty, tx) holds grid (wy*M + ty, wx*M + tx).
                for (Index w = 0; w < wh * ww; ++w)
                    for (Index s = 0; s < m * m; ++s)
                        ASSERT_EQ(windowed[static_cast<size_t>(w * m * m + s)],
                                  g.At(static_cast<int>((w % ww) * m + s % m), static_cast<int>((w / ww) * m + s / m)));
                const Grid<float> back = ReverseValues(windowed, ph, pw, m);
                ASSERT_EQ(back.data, g.data);
                const std::vector<Index> order = WindowPartition(ph, pw, m), inverse = WindowReverse(ph, pw, m);
                for (size_t i = 0; i < order.size(); ++i) ASSERT_EQ(inverse[static_cast<size_t>(order[i])], static_cast<Index>(i));
            }
    }
    EXPECT_TRUE(WindowPartition(10, 14, 7).empty());  // not a multiple of M
    EXPECT_TRUE(WindowPartition(14, 14, 0).empty());
}

TEST(SwinWindowTest, RollThenUnrollIsIdentity) {
    std::mt19937_64 rng(3);
    for (int h = 1; h <= 9; ++h)
        for (int w = 1; w <= 9; ++w) {
            Grid<int> g(w, h);
            for (int& v : g.data) v = static_cast<int>(rng() % 100000);
            const Index sy = static_cast<Index>(rng() % 23) - 11, sx = static_cast<Index>(rng() % 23) - 11;
            const Grid<int> rolled = RollGrid(g, sy, sx);
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x)  // torch.roll: element (y, x) moves to (y + sy, x + sx) mod size
                    ASSERT_EQ(rolled.At(static_cast<int>(((x + sx) % w + w) % w), static_cast<int>(((y + sy) % h + h) % h)), g.At(x, y));
            ASSERT_EQ(RollGrid(rolled, -sy, -sx).data, g.data);
        }
}

TEST(SwinWindowTest, SourcePatchesFollowTheRoll) {
    for (Index m : {2, 3, 4, 7}) {
        for (Index gh : {1, 5, 9, 14, 17}) {
            for (Index gw : {2, 7, 12, 16}) {
                const auto l = ComputeWindowLayout(gh, gw, m, DefaultShift(m));
                ASSERT_TRUE(l);
                // Payload: each padded cell's own raster index, rolled by -s as the shifted block does.
                Grid<Index> origin(static_cast<int>(l->padded_w), static_cast<int>(l->padded_h));
                for (Index i = 0; i < l->PaddedTokens(); ++i) origin.data[static_cast<size_t>(i)] = i;
                const std::vector<Index> windowed = PartitionValues(RollGrid(origin, -l->shift_h, -l->shift_w), m);
                const Grid<int> labels = RegionLabels(l->padded_h, l->padded_w, m, l->shift_h, l->shift_w);
                for (Index w = 0; w < l->windows; ++w) {
                    const auto tokens = WindowSourcePatches(*l, w);
                    ASSERT_EQ(static_cast<Index>(tokens.size()), m * m);
                    for (Index s = 0; s < m * m; ++s) {
                        const SwinWindowToken& t = tokens[static_cast<size_t>(s)];
                        ASSERT_EQ(t.y * l->padded_w + t.x, windowed[static_cast<size_t>(w * m * m + s)]);
                        ASSERT_EQ(t.padding, t.y >= gh || t.x >= gw);
                        ASSERT_EQ(t.label, labels.At(static_cast<int>(t.shifted_x), static_cast<int>(t.shifted_y)));
                    }
                }
                EXPECT_TRUE(WindowSourcePatches(*l, l->windows).empty());
            }
        }
    }
}

// [SECTION] Window attention

RowMatrixF RandomTokens(std::mt19937_64& rng, Index n, Index c) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    RowMatrixF x(n, c);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = dist(rng);
    return x;
}

// Direct loops in double, from the published algorithm: pad, roll by -s, partition, project, per
// window and head q k^T / sqrt(d) + table[coordinate differences] + mask, softmax, A V, put back.
struct NaiveAttention {
    std::vector<double> attention;  // windows x heads x n x n
    std::vector<double> mask;       // windows x n x n
    std::vector<double> context;    // (gh * gw) x C
};

NaiveAttention NaiveWindowAttention(const RowMatrixF& x, Index gh, Index gw, Index m, Index s, Index heads, std::uint64_t seed) {
    const Index c = x.cols(), d = c / heads, n = m * m;
    const Index ph = (gh + m - 1) / m * m, pw = (gw + m - 1) / m * m;
    const Index sh = m >= ph ? 0 : s, sw = m >= pw ? 0 : s;
    const auto labels = ReferenceLabels(ph, pw, m, sh, sw);
    const RowMatrixF wq = RandomProjection(c, c, seed, 0), wk = RandomProjection(c, c, seed, 1), wv = RandomProjection(c, c, seed, 2);
    const std::vector<float> table = RandomRelativeBiasTable(m, heads, seed);
    NaiveAttention out;
    const Index windows = (ph / m) * (pw / m);
    out.attention.assign(static_cast<size_t>(windows * heads * n * n), 0.0);
    out.mask.assign(static_cast<size_t>(windows * n * n), 0.0);
    out.context.assign(static_cast<size_t>(gh * gw * c), 0.0);
    for (Index w = 0; w < windows; ++w) {
        const Index wy = w / (pw / m), wx = w % (pw / m);
        std::vector<Index> oy(static_cast<size_t>(n)), ox(static_cast<size_t>(n));
        std::vector<int> lab(static_cast<size_t>(n));
        std::vector<std::vector<double>> q(static_cast<size_t>(n), std::vector<double>(static_cast<size_t>(c), 0.0)), k = q, v = q;
        for (Index i = 0; i < n; ++i) {
            const Index py = wy * m + i / m, px = wx * m + i % m;
            lab[static_cast<size_t>(i)] = labels[static_cast<size_t>(py)][static_cast<size_t>(px)];
            oy[static_cast<size_t>(i)] = RolledFrom(py, -sh, ph);
            ox[static_cast<size_t>(i)] = RolledFrom(px, -sw, pw);
            const bool pad = oy[static_cast<size_t>(i)] >= gh || ox[static_cast<size_t>(i)] >= gw;
            for (Index o = 0; o < c; ++o) {
                double aq = 0, ak = 0, av = 0;
                for (Index f = 0; f < c; ++f) {
                    const double xv = pad ? 0.0 : x(oy[static_cast<size_t>(i)] * gw + ox[static_cast<size_t>(i)], f);
                    aq += wq(o, f) * xv;
                    ak += wk(o, f) * xv;
                    av += wv(o, f) * xv;
                }
                q[static_cast<size_t>(i)][static_cast<size_t>(o)] = aq;
                k[static_cast<size_t>(i)][static_cast<size_t>(o)] = ak;
                v[static_cast<size_t>(i)][static_cast<size_t>(o)] = av;
            }
        }
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j)
                out.mask[static_cast<size_t>((w * n + i) * n + j)] =
                    (sh > 0 || sw > 0) && lab[static_cast<size_t>(i)] != lab[static_cast<size_t>(j)] ? -100.0 : 0.0;
        for (Index h = 0; h < heads; ++h) {
            for (Index i = 0; i < n; ++i) {
                std::vector<double> row(static_cast<size_t>(n));
                double mx = -1e300;
                for (Index j = 0; j < n; ++j) {
                    double dot = 0;
                    for (Index e = 0; e < d; ++e) dot += q[static_cast<size_t>(i)][static_cast<size_t>(h * d + e)] * k[static_cast<size_t>(j)][static_cast<size_t>(h * d + e)];
                    const Index rel = (i / m - j / m + m - 1) * (2 * m - 1) + (i % m - j % m + m - 1);
                    row[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(d)) + table[static_cast<size_t>(rel * heads + h)] +
                                                  out.mask[static_cast<size_t>((w * n + i) * n + j)];
                    mx = std::max(mx, row[static_cast<size_t>(j)]);
                }
                double total = 0;
                for (double& r : row) total += (r = std::exp(r - mx));
                for (Index j = 0; j < n; ++j) out.attention[static_cast<size_t>(((w * heads + h) * n + i) * n + j)] = row[static_cast<size_t>(j)] / total;
                if (oy[static_cast<size_t>(i)] >= gh || ox[static_cast<size_t>(i)] >= gw) continue;
                for (Index e = 0; e < d; ++e) {
                    double acc = 0;
                    for (Index j = 0; j < n; ++j) acc += row[static_cast<size_t>(j)] / total * v[static_cast<size_t>(j)][static_cast<size_t>(h * d + e)];
                    out.context[static_cast<size_t>((oy[static_cast<size_t>(i)] * gw + ox[static_cast<size_t>(i)]) * c + h * d + e)] = acc;
                }
            }
        }
    }
    return out;
}

TEST(SwinAttentionTest, MatchesNaiveReferenceWithMaskAndBias) {
    std::mt19937_64 rng(11);
    struct Case {
        Index gh, gw, m, s, c, heads;
    };
    for (const Case& cs : {Case{9, 10, 4, 2, 12, 3}, Case{8, 8, 4, 2, 8, 2}, Case{5, 11, 7, 3, 6, 1}, Case{3, 3, 2, 1, 4, 2}}) {
        const RowMatrixF x = RandomTokens(rng, cs.gh * cs.gw, cs.c);
        SwinAttentionSpec spec;
        spec.window = cs.m;
        spec.shift = cs.s;
        spec.heads = cs.heads;
        spec.projection = ProjectionKind::Random;
        spec.seed = 9;
        std::vector<SpecIssue> issues;
        const auto r = ComputeWindowAttention(x, cs.gh, cs.gw, spec, &issues);
        ASSERT_TRUE(r) << JoinIssues(issues);
        const NaiveAttention ref = NaiveWindowAttention(x, cs.gh, cs.gw, cs.m, cs.s, cs.heads, spec.seed);
        const Index n = cs.m * cs.m;
        ASSERT_EQ(r->attention.size(), ref.attention.size());
        for (size_t i = 0; i < ref.attention.size(); ++i) ASSERT_NEAR(r->attention[i], ref.attention[i], 2e-5) << i;
        for (size_t i = 0; i < ref.mask.size(); ++i) ASSERT_EQ(r->mask[i], static_cast<float>(ref.mask[i])) << i;
        for (size_t i = 0; i < ref.context.size(); ++i) ASSERT_NEAR(r->context.data()[i], ref.context[i], 2e-5) << i;
        // Rows sum to 1; masked entries (labels differ) carry exp(-100)-scale weight at most.
        Index masked = 0;
        for (Index w = 0; w < static_cast<Index>(r->windows.size()); ++w)
            for (Index h = 0; h < cs.heads; ++h) {
                const auto a = r->Attention(w, h);
                for (Index i = 0; i < n; ++i) {
                    ASSERT_NEAR(a.row(i).sum(), 1.0f, 1e-5f);
                    for (Index j = 0; j < n; ++j)
                        if (r->labels[static_cast<size_t>(w * n + i)] != r->labels[static_cast<size_t>(w * n + j)]) {
                            ASSERT_LT(a(i, j), 1e-30f);
                            ++masked;
                        }
                }
            }
        if (r->layout.Shifted()) {
            EXPECT_GT(masked, 0);
        }
        // One window alone equals its slice of the full result.
        spec.window_index = r->layout.windows - 1;
        const auto one = ComputeWindowAttention(x, cs.gh, cs.gw, spec, &issues);
        ASSERT_TRUE(one) << JoinIssues(issues);
        ASSERT_EQ(one->windows.size(), 1u);
        EXPECT_EQ(one->context.size(), 0);
        for (Index h = 0; h < cs.heads; ++h) EXPECT_TRUE(one->Attention(0, h).isApprox(r->Attention(spec.window_index, h), 1e-6f));
    }
}

TEST(SwinAttentionTest, IdentityUnshiftedAndPaddedInput) {
    std::mt19937_64 rng(5);
    const Index gh = 6, gw = 9, c = 8;
    const RowMatrixF x = RandomTokens(rng, gh * gw, c);
    SwinAttentionSpec spec;
    spec.window = 4;
    spec.shift = 0;
    spec.heads = 2;
    spec.relative_bias = false;
    const auto r = ComputeWindowAttention(x, gh, gw, spec);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->layout.Shifted());
    for (float v : r->mask) EXPECT_EQ(v, 0.0f);
    // Identity projection, no bias: window 0, head 0 is softmax(x_h x_h^T / sqrt(4)).
    const Index n = 16;
    RowMatrixF xw(n, c);
    for (Index s = 0; s < n; ++s) xw.row(s) = x.row((s / 4) * gw + s % 4);
    RowMatrixF logits = xw.leftCols(4) * xw.leftCols(4).transpose() / 2.0f, probs(n, n);
    SoftmaxRows(logits, probs);
    EXPECT_TRUE(r->Attention(0, 0).isApprox(probs, 1e-5f));
    // The same tokens already padded (8 x 12, zeros added) give the same result.
    RowMatrixF padded = RowMatrixF::Zero(8 * 12, c);
    for (Index y = 0; y < gh; ++y)
        for (Index xx = 0; xx < gw; ++xx) padded.row(y * 12 + xx) = x.row(y * gw + xx);
    const auto rp = ComputeWindowAttention(padded, gh, gw, spec);
    ASSERT_TRUE(rp);
    // Equal to rounding (the GEMMs run on differently aligned buffers).
    ASSERT_EQ(rp->attention.size(), r->attention.size());
    for (size_t i = 0; i < r->attention.size(); ++i) EXPECT_NEAR(rp->attention[i], r->attention[i], 1e-6f) << i;
    EXPECT_TRUE(rp->context.isApprox(r->context));
    // A shift is undone: with one window per side nothing moves and the mask stays off.
    spec.window = 16;
    spec.shift = 8;
    const auto big = ComputeWindowAttention(x, gh, gw, spec);
    ASSERT_TRUE(big);
    EXPECT_FALSE(big->layout.Shifted());
    EXPECT_EQ(big->layout.windows, 1);
}

TEST(SwinAttentionTest, CancelAndRowsMismatch) {
    std::mt19937_64 rng(2);
    const RowMatrixF x = RandomTokens(rng, 14 * 14, 6);
    SwinAttentionSpec spec;
    spec.heads = 2;
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(ComputeWindowAttention(x, 14, 14, spec, &issues, [](float) { return false; }));
    EXPECT_TRUE(HasField(issues, "cancelled"));
    EXPECT_FALSE(ComputeWindowAttention(x, 15, 14, spec, &issues));  // 196 rows: neither 210 nor 294
    EXPECT_TRUE(HasField(issues, "tokens"));
}

// [SECTION] Patch merging

TEST(SwinPatchMergingTest, GatherMatchesStridedSlices) {
    std::mt19937_64 rng(13);
    for (Index h = 1; h <= 9; ++h)
        for (Index w = 1; w <= 9; ++w) {
            const Index c = 1 + static_cast<Index>(rng() % 4);
            const RowMatrixF x = RandomTokens(rng, h * w, c);
            const Index mh = (h + 1) / 2, mw = (w + 1) / 2;
            // torchvision: pad to even with zeros, then x0 = x[0::2, 0::2], x1 = x[1::2, 0::2],
            // x2 = x[0::2, 1::2], x3 = x[1::2, 1::2], concatenated on channels.
            RowMatrixF padded = RowMatrixF::Zero(2 * mh * 2 * mw, c);
            for (Index y = 0; y < h; ++y)
                for (Index xx = 0; xx < w; ++xx) padded.row(y * 2 * mw + xx) = x.row(y * w + xx);
            RowMatrixF naive(mh * mw, 4 * c);
            const Index y0[4] = {0, 1, 0, 1}, x0[4] = {0, 0, 1, 1};
            for (Index i = 0; i < mh; ++i)
                for (Index j = 0; j < mw; ++j)
                    for (int k = 0; k < 4; ++k) naive.block(i * mw + j, k * c, 1, c) = padded.row((y0[k] + 2 * i) * 2 * mw + x0[k] + 2 * j);
            const std::vector<Index> gather = PatchMergeGather(h, w);
            ASSERT_EQ(static_cast<Index>(gather.size()), mh * mw * 4);
            for (Index t = 0; t < mh * mw; ++t)
                for (int k = 0; k < 4; ++k) {
                    const Index src = gather[static_cast<size_t>(t * 4 + k)];
                    const RowMatrixF got = src >= 0 ? RowMatrixF(x.row(src)) : RowMatrixF::Zero(1, c);
                    ASSERT_EQ(got, RowMatrixF(naive.block(t, k * c, 1, c))) << h << "x" << w << " t=" << t << " k=" << k;
                }
            // The layer without LayerNorm is gather then W; with it, LN over 4C in between.
            const RowMatrixF wts = PatchMergingWeights(c, 3);
            ASSERT_TRUE(PatchMergingForward(x, h, w, wts, false).isApprox(naive * wts.transpose(), 1e-5f));
            RowMatrixF normed = naive;
            for (Index t = 0; t < normed.rows(); ++t) {
                const double mean = normed.row(t).cast<double>().mean();
                const double var = (normed.row(t).cast<double>().array() - mean).square().mean();
                normed.row(t) = ((normed.row(t).cast<double>().array() - mean) / std::sqrt(var + 1e-5)).cast<float>().matrix();
            }
            ASSERT_TRUE(PatchMergingForward(x, h, w, wts, true).isApprox(normed * wts.transpose(), 1e-4f));
        }
    const auto src = PatchMergeSources(3, 3, 1, 0);  // merged (1, 0) of a 3 x 3 grid
    EXPECT_EQ(src[0].y, 2);
    EXPECT_EQ(src[0].x, 0);
    EXPECT_FALSE(src[0].padding);
    EXPECT_EQ(src[1].y, 3);  // x1 = (2i+1, 2j): the padding row
    EXPECT_TRUE(src[1].padding);
    EXPECT_EQ(src[2].x, 1);  // x2 = (2i, 2j+1)
    EXPECT_FALSE(src[2].padding);
}

TEST(SwinPatchMergingTest, OperatorsAgainstReferences) {
    std::mt19937_64 rng(17);
    for (Index h : {1, 2, 3, 4, 5})
        for (Index w : {1, 2, 3, 6})
            for (Index c : {1, 2, 3}) {
                PatchMergingSpec spec{h, w, c, 4};
                const auto gather = PatchMergingOperator::Create(spec, PatchMergingPart::Gather);
                const auto reduce = PatchMergingOperator::Create(spec, PatchMergingPart::Reduction);
                ASSERT_TRUE(gather && reduce);
                const std::string what = std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
                if (gather->Rows() * gather->Cols() <= (Index{1} << 16)) testing::CheckSmallOperator(*gather, rng, what + " gather");
                if (reduce->Rows() * reduce->Cols() <= (Index{1} << 16)) testing::CheckSmallOperator(*reduce, rng, what + " reduction");
                EXPECT_EQ(gather->TrainableWeights(), 0);
                EXPECT_EQ(reduce->Parameters(), 8 * c * c);
                EXPECT_EQ(reduce->NonZeros(), h * w * c * 2 * c);
                // Reduction == (I (x) W) Gather == the forward pass without LayerNorm.
                const auto kron = PatchMergingReductionKronecker(gather->MergedH() * gather->MergedW(), reduce->Weights());
                ASSERT_TRUE(kron);
                const std::vector<float> x = testing::RandomVector(rng, gather->Cols());
                std::vector<float> g(static_cast<size_t>(gather->Rows())), y1(static_cast<size_t>(reduce->Rows())), y2(y1.size());
                gather->Apply(x, g);
                kron->Apply(g, y1);
                reduce->Apply(x, y2);
                const RowMatrixF tokens = Eigen::Map<const RowMatrixF>(x.data(), h * w, c);
                const RowMatrixF fwd = PatchMergingForward(tokens, h, w, reduce->Weights(), false);
                for (size_t i = 0; i < y1.size(); ++i) {
                    ASSERT_NEAR(y1[i], y2[i], 1e-5f) << what;
                    ASSERT_NEAR(fwd.data()[i], y2[i], 1e-5f) << what;
                }
            }
    // A Swin-T sized merge (56 x 56 x 96 -> 28 x 28 x 192) rasterizes whole and counts add up.
    const auto big = PatchMergingOperator::Create(PatchMergingSpec{56, 56, 96, 1}, PatchMergingPart::Reduction);
    ASSERT_TRUE(big);
    EXPECT_EQ(big->Rows(), 28 * 28 * 192);
    EXPECT_EQ(big->Cols(), 56 * 56 * 96);
    Grid<float> grid;
    big->Rasterize(WholeMatrix(*big, 256, 256), RasterMode::Count, grid);
    double total = 0;
    for (float v : grid.data) total += v;
    EXPECT_EQ(static_cast<Count>(total), big->NonZeros());
}

// [SECTION] Stage calculator

SwinStats Stats(const std::string& key) {
    const auto config = FindSwinPreset(key);
    EXPECT_TRUE(config) << key;
    std::vector<SpecIssue> issues;
    const auto s = ComputeSwinStats(config.value_or(SwinConfig{}), &issues);
    EXPECT_TRUE(s) << JoinIssues(issues);
    return s.value_or(SwinStats{});
}

void ExpectStagesAddUp(const SwinStats& s) {
    Count params = s.embed_parameters + s.head_parameters, macs = s.embed_macs + s.head_macs, tables = 0;
    for (const SwinStageStats& st : s.stages) {
        EXPECT_EQ(st.parameters, st.merge_parameters + st.depth * st.block_parameters);
        EXPECT_EQ(st.macs, st.merge_macs + st.depth * st.block_macs);
        params += st.parameters;
        macs += st.macs;
        tables += st.depth * st.relative_bias_parameters;
    }
    EXPECT_EQ(params, s.parameters);
    EXPECT_EQ(macs, s.macs);
    EXPECT_EQ(tables, s.relative_bias_parameters);
}

// torchvision's "GFLOPS" are MACs / 1e9 rounded to three decimals.
double RoundedGiga(Count macs) { return static_cast<double>(std::llround(static_cast<double>(macs) / 1e6)) / 1000.0; }

TEST(SwinStatsTest, SwinTinyMatchesPublishedCounts) {
    const SwinStats s = Stats("swin_t");
    EXPECT_EQ(s.parameters, 28288354);       // published-counts.md
    EXPECT_EQ(s.relative_bias_parameters, 23322);
    EXPECT_EQ(s.macs, 4490566656);           // "4.491 G"
    EXPECT_EQ(RoundedGiga(s.macs), 4.491);
    ExpectStagesAddUp(s);
    ASSERT_EQ(s.stages.size(), 4u);
    const Index side[4] = {56, 28, 14, 7}, channels[4] = {96, 192, 384, 768}, windows[4] = {64, 16, 4, 1};
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(s.stages[i].grid_h, side[i]);
        EXPECT_EQ(s.stages[i].grid_w, side[i]);
        EXPECT_EQ(s.stages[i].channels, channels[i]);
        EXPECT_EQ(s.stages[i].windows, windows[i]);
        EXPECT_EQ(s.stages[i].mlp_hidden, 4 * channels[i]);
    }
    EXPECT_EQ(s.stages[3].shift_h, 0);  // 7 x 7: the window covers the grid
    EXPECT_EQ(s.stages[2].shift_h, 3);
    // Per-part figures worked by hand: embedding conv 48*96 + 96 + LN 192; a stage-1 block
    // 12 C^2 + 13 C + 169 * 3; the first merge 8 * 96^2 + 8 * 96; head LN 1536 + 768 * 1000 + 1000.
    EXPECT_EQ(s.embed_parameters, 4896);
    EXPECT_EQ(s.stages[0].block_parameters, 112347);
    EXPECT_EQ(s.stages[1].merge_parameters, 74496);
    EXPECT_EQ(s.head_parameters, 770536);
    EXPECT_EQ(s.embed_macs, 14450688);
    EXPECT_EQ(s.stages[0].block_macs, 376320000);
    EXPECT_EQ(s.stages[0].block_attention_matmul_macs, 29503488);
    EXPECT_EQ(s.head_macs, 768000);
}

TEST(SwinStatsTest, SmallBaseLargeAddUpAndMatchTorchvision) {
    // Not in published-counts.md: torchvision's documented swin_s (49,606,258, 8.741 GFLOPS) and
    // swin_b (87,768,224, 15.431 GFLOPS), and the paper's Swin-L at 224 (197 M, 34.5 G).
    const SwinStats small = Stats("swin_s");
    ExpectStagesAddUp(small);
    EXPECT_EQ(small.parameters, 49606258);
    EXPECT_EQ(RoundedGiga(small.macs), 8.741);
    const SwinStats base = Stats("swin_b");
    ExpectStagesAddUp(base);
    EXPECT_EQ(base.parameters, 87768224);
    EXPECT_EQ(RoundedGiga(base.macs), 15.431);
    const SwinStats large = Stats("swin_l");
    ExpectStagesAddUp(large);
    EXPECT_EQ(std::llround(static_cast<double>(large.parameters) / 1e6), 197);
    EXPECT_NEAR(static_cast<double>(large.macs) / 1e9, 34.5, 0.05);
    // Swin-S differs from Swin-T only by 12 more stage-3 blocks.
    const SwinStats tiny = Stats("swin_t");
    EXPECT_EQ(small.parameters - tiny.parameters, 12 * tiny.stages[2].block_parameters);
    EXPECT_EQ(small.macs - tiny.macs, 12 * tiny.stages[2].block_macs);
}

TEST(SwinStatsTest, GeneralConfigPadsLikeTorchvision) {
    // 100 x 100 px, patch 4: 25 x 25 tokens, padded to 28 x 28 for M = 7; stage 2 13 x 13 -> 14;
    // stage 3 7 x 7. Q K V, proj and the attention matmuls run on the padded grid, the MLP not.
    SwinConfig config;
    config.embed_dim = 8;
    config.depths = {1, 2, 1};
    config.heads = {2, 4, 8};
    config.image_h = 100;
    config.image_w = 100;
    config.num_classes = 10;
    std::vector<SpecIssue> issues;
    const auto s = ComputeSwinStats(config, &issues);
    ASSERT_TRUE(s) << JoinIssues(issues);
    ExpectStagesAddUp(*s);
    const Index grids[3] = {25, 13, 7}, padded[3] = {28, 14, 7};
    for (size_t i = 0; i < 3; ++i) {
        const SwinStageStats& st = s->stages[i];
        EXPECT_EQ(st.grid_h, grids[i]);
        EXPECT_EQ(st.padded_h, padded[i]);
        const Count c = st.channels, t = grids[i] * grids[i], p = padded[i] * padded[i];
        EXPECT_EQ(st.block_macs, p * c * 3 * c + p * c * c + 2 * p * 49 * c + 2 * t * c * 4 * c);
        EXPECT_EQ(st.block_parameters, 12 * c * c + 13 * c + 169 * st.heads);
    }
    EXPECT_EQ(s->stages[1].merge_macs, 13 * 13 * 32 * 16);  // 25 -> 13 (odd: padded by one)
    EXPECT_EQ(s->num_features, 32);
    // A non-square image and a non-integer ratio: hidden = int(C * ratio).
    config.image_w = 64;
    config.mlp_ratio = 2.5;
    const auto r = ComputeSwinStats(config, &issues);
    ASSERT_TRUE(r) << JoinIssues(issues);
    EXPECT_EQ(r->stages[0].grid_w, 16);
    EXPECT_EQ(r->stages[0].mlp_hidden, 20);
}

// [SECTION] Complexity

TEST(SwinComplexityTest, GlobalAgainstWindowFormulas) {
    const auto p = MsaComplexity(224, 4, 96, 7);
    ASSERT_TRUE(p);
    const Count hw = 56 * 56;
    EXPECT_EQ(p->global_msa, 4 * hw * 96 * 96 + 2 * hw * hw * 96);
    EXPECT_EQ(p->window_msa, 4 * hw * 96 * 96 + 2 * 49 * hw * 96);
    EXPECT_EQ(p->window_msa_padded, p->window_msa);  // 56 is a multiple of 7
    std::vector<SpecIssue> issues;
    const auto curve = MsaComplexityCurve(64, 4096, 25, 4, 96, 7, &issues);
    ASSERT_TRUE(curve) << JoinIssues(issues);
    ASSERT_GE(curve->size(), 2u);
    EXPECT_EQ(curve->front().image, 64);
    EXPECT_EQ(curve->back().image, 4096);
    for (size_t i = 1; i < curve->size(); ++i) {
        EXPECT_GT((*curve)[i].image, (*curve)[i - 1].image);
        EXPECT_GE((*curve)[i].global_msa, (*curve)[i - 1].global_msa);
    }
    // Quadratic against linear in the tokens: the ratio grows with the image.
    const auto& last = curve->back();
    EXPECT_EQ(last.h, 1024);
    EXPECT_GT(static_cast<double>(last.global_msa) / static_cast<double>(last.window_msa), 1000.0);
    EXPECT_FALSE(MsaComplexity(Index{1} << 20, 1, 96, 7, &issues));  // (hw)^2 overflows 64 bits
    EXPECT_TRUE(HasField(issues, "image"));
}

// [SECTION] Bad input

TEST(SwinBadInputTest, IssuesInsteadOfCrashes) {
    std::vector<SpecIssue> issues;
    EXPECT_FALSE(ComputeWindowLayout(14, 14, 0, 0, &issues));
    EXPECT_TRUE(HasField(issues, "window"));
    issues.clear();
    EXPECT_FALSE(ComputeWindowLayout(14, 14, -3, 0, &issues));
    EXPECT_TRUE(HasField(issues, "window"));
    issues.clear();
    EXPECT_FALSE(ComputeWindowLayout(14, 14, 7, 7, &issues));
    EXPECT_TRUE(HasField(issues, "shift"));
    issues.clear();
    EXPECT_FALSE(ComputeWindowLayout(Index{1} << 40, 14, 7, 3, &issues));
    EXPECT_TRUE(HasField(issues, "grid"));
    issues.clear();
    EXPECT_FALSE(ComputeWindowLayout(kSwinMaxGridSide, kSwinMaxGridSide, 7, 3, &issues));  // 2^28 padded tokens
    EXPECT_TRUE(HasField(issues, "grid"));
    EXPECT_TRUE(RegionLabels(Index{1} << 40, 7, 7, 3, 3).Empty());
    EXPECT_TRUE(RegionLabels(14, 14, 7, 9, 3).Empty());
    EXPECT_TRUE(RelativePositionIndex(0).empty());
    EXPECT_TRUE(RandomRelativeBiasTable(7, 0).empty());
    issues.clear();
    EXPECT_FALSE(ComputeSwinPatchGrid(224, 224, 0, PatchFit::Crop, &issues));
    EXPECT_TRUE(HasField(issues, "patch"));
    issues.clear();
    EXPECT_FALSE(ComputeSwinPatchGrid(3, 224, 4, PatchFit::Crop, &issues));
    EXPECT_TRUE(HasField(issues, "patch"));

    // Attention: heads not dividing channels, file projections, huge grids, bad window index.
    SwinAttentionSpec spec;
    spec.heads = 5;
    EXPECT_TRUE(HasField(Validate(spec, 14, 14, 96), "heads"));
    spec.heads = 3;
    spec.projection = ProjectionKind::File;
    EXPECT_TRUE(HasField(Validate(spec, 14, 14, 96), "projection"));
    spec.projection = ProjectionKind::Identity;
    spec.window_index = 4;
    EXPECT_TRUE(HasField(Validate(spec, 14, 14, 96), "window_index"));
    spec.window_index = -1;
    EXPECT_TRUE(Validate(spec, 3, 3, 96).empty());  // window larger than the grid: fine
    spec.window = 64;
    spec.shift = 32;
    spec.heads = 96;
    EXPECT_TRUE(HasField(Validate(spec, 1000, 1000, 96), "window"));  // 256 windows x 96 heads x 4096^2
    const RowMatrixF none(0, 96);
    EXPECT_FALSE(ComputeWindowAttention(none, Index{1} << 40, 2, spec, &issues));
    EXPECT_TRUE(HasField(issues, "grid"));

    // Patch merging.
    EXPECT_TRUE(HasField(Validate(PatchMergingSpec{0, 4, 4, 1}), "height"));
    EXPECT_TRUE(HasField(Validate(PatchMergingSpec{4, 4, 100000, 1}), "channels"));
    EXPECT_TRUE(HasField(Validate(PatchMergingSpec{4096, 4096, 4, 1}), "height"));
    const RowMatrixF wrong(3, 3);
    EXPECT_FALSE(PatchMergingOperator::Create(PatchMergingSpec{4, 4, 2, 1}, PatchMergingPart::Reduction, &wrong, &issues));
    EXPECT_TRUE(HasField(issues, "weights"));
    EXPECT_TRUE(PatchMergeGather(0, 3).empty());

    // Stage calculator.
    auto bad = [](auto edit, const char* field) {
        SwinConfig c;
        edit(c);
        std::vector<SpecIssue> found;
        EXPECT_FALSE(ComputeSwinStats(c, &found)) << field;
        EXPECT_TRUE(HasField(found, field)) << field << ": " << JoinIssues(found);
        EXPECT_TRUE(HasField(Validate(c), field)) << field;
    };
    bad([](SwinConfig& c) { c.window = 0; }, "window");
    bad([](SwinConfig& c) { c.window = -7; }, "window");
    bad([](SwinConfig& c) { c.patch = 0; }, "patch");
    bad([](SwinConfig& c) { c.patch = -4; }, "patch");
    bad([](SwinConfig& c) { c.patch = 300; }, "patch");
    bad([](SwinConfig& c) { c.heads = {3, 6, 12, 25}; }, "heads");
    bad([](SwinConfig& c) { c.heads = {3, 6, 12}; }, "heads");
    bad([](SwinConfig& c) { c.depths = {}; c.heads = {}; }, "depths");
    bad([](SwinConfig& c) { c.embed_dim = 0; }, "embed_dim");
    bad([](SwinConfig& c) { c.mlp_ratio = 0.0; }, "mlp_ratio");
    bad([](SwinConfig& c) { c.mlp_ratio = std::nan(""); }, "mlp_ratio");
    bad([](SwinConfig& c) { c.image_h = Index{1} << 50; }, "image");
    bad([](SwinConfig& c) { c.num_classes = 0; }, "num_classes");
    bad([](SwinConfig& c) {  // every size at its limit: the counts overflow 64 bits
        c.embed_dim = kSwinMaxChannels;
        c.image_h = c.image_w = kSwinMaxImageSide;
        c.patch = 1;
        c.depths = {kSwinMaxDepth, kSwinMaxDepth};
        c.heads = {1, 1};
    }, "image");
    SwinConfig huge_window;
    huge_window.window = 1000;  // larger than every stage: padded, not an error
    EXPECT_TRUE(Validate(huge_window).empty());
}

}  // namespace
}  // namespace lens
