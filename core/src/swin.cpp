// swin.cpp: Swin Transformer geometry (patch grid, windows, shift, labels, mask, relative position
// index) and window attention. Patch merging is in swin_merging.cpp, the stage calculator, presets
// and complexity in swin_stages.cpp (all declared in lens/swin.hpp).
//
// [SECTION] Helpers
// [SECTION] Patch grid
// [SECTION] Windows
// [SECTION] Relative position bias
// [SECTION] Window attention
#include "lens/swin.hpp"

#include <algorithm>
#include <cmath>

#include "lens/patch.hpp"  // ComputePatchGrid, kPatchMaxPatch
#include "lens/random.hpp"
#include "swin_detail.hpp"

namespace lens {
namespace {

using swin_detail::InRange;
using swin_detail::Num;
using swin_detail::Report;
using swin_detail::RoundUp;

// [SECTION] Helpers


// Which of the reference code's three slices (0, -M), (-M, -s), (-s, None) of a side of length L
// covers position p last (later slices overwrite earlier ones). Python slice semantics: a negative
// bound counts from the end; -0 is 0, so with s = 0 the middle slice is empty and the last one is
// the whole side. Every p in [0, L) is covered by some slice.
int AxisRegion(Index length, Index window, Index shift, Index p) {
    auto bound = [length](Index v) { return std::clamp<Index>(v < 0 ? v + length : v, 0, length); };
    const Index lo[3] = {0, bound(-window), bound(-shift)};
    const Index hi[3] = {bound(-window), bound(-shift), length};
    for (int r = 2; r >= 0; --r)
        if (p >= lo[r] && p < hi[r]) return r;
    return 0;
}

bool ValidWindowGrid(Index padded_h, Index padded_w, Index window) {
    if (window < 1 || window > kSwinMaxWindow || padded_h < 1 || padded_w < 1) return false;
    if (padded_h % window != 0 || padded_w % window != 0) return false;
    if (padded_h > kSwinMaxGridSide + kSwinMaxWindow || padded_w > kSwinMaxGridSide + kSwinMaxWindow) return false;
    return padded_h * padded_w <= kSwinMaxGridTokens;
}

}  // namespace

// [SECTION] Patch grid

std::optional<SwinPatchGrid> ComputeSwinPatchGrid(Index image_h, Index image_w, Index patch, PatchFit fit,
                                                  std::vector<SpecIssue>* issues) {
    bool ok = InRange(issues, "image", "image height", image_h, 1, kSwinMaxImageSide);
    ok = InRange(issues, "image", "image width", image_w, 1, kSwinMaxImageSide) && ok;
    ok = InRange(issues, "patch", "patch", patch, 1, kPatchMaxPatch) && ok;
    if (!ok) return std::nullopt;
    const auto grid = ComputePatchGrid(image_h, image_w, patch, patch, fit);
    if (!grid) {
        Report(issues, "patch", "the patch (" + Num(patch) + " px) is larger than the image (" + Num(image_w) + " x " +
                                    Num(image_h) + " px)");
        return std::nullopt;
    }
    SwinPatchGrid g;
    g.image_h = image_h;
    g.image_w = image_w;
    g.patch = patch;
    g.fit = fit;
    g.grid_h = grid->patches_h;
    g.grid_w = grid->patches_w;
    g.crop_bottom = grid->h.crop;
    g.crop_right = grid->w.crop;
    g.pad_bottom = grid->h.pad;
    g.pad_right = grid->w.pad;
    return g;
}

// [SECTION] Windows

std::optional<SwinWindowLayout> ComputeWindowLayout(Index grid_h, Index grid_w, Index window, Index shift,
                                                    std::vector<SpecIssue>* issues) {
    bool ok = InRange(issues, "grid", "grid height", grid_h, 1, kSwinMaxGridSide);
    ok = InRange(issues, "grid", "grid width", grid_w, 1, kSwinMaxGridSide) && ok;
    const bool window_ok = InRange(issues, "window", "window", window, 1, kSwinMaxWindow);
    if (window_ok) ok = InRange(issues, "shift", "shift", shift, 0, window - 1) && ok;
    if (!ok || !window_ok) return std::nullopt;
    SwinWindowLayout l;
    l.grid_h = grid_h;
    l.grid_w = grid_w;
    l.window = window;
    l.shift = shift;
    l.padded_h = RoundUp(grid_h, window);
    l.padded_w = RoundUp(grid_w, window);
    if (l.padded_h * l.padded_w > kSwinMaxGridTokens) {
        Report(issues, "grid", "the padded grid (" + Num(l.padded_w) + " x " + Num(l.padded_h) + " tokens) exceeds " +
                                   Num(kSwinMaxGridTokens) + " tokens");
        return std::nullopt;
    }
    l.pad_bottom = l.padded_h - grid_h;
    l.pad_right = l.padded_w - grid_w;
    l.windows_h = l.padded_h / window;
    l.windows_w = l.padded_w / window;
    l.windows = l.windows_h * l.windows_w;
    // torchvision: "If window size is larger than feature size, there is no need to shift window".
    l.shift_h = window >= l.padded_h ? 0 : shift;
    l.shift_w = window >= l.padded_w ? 0 : shift;
    return l;
}

Grid<int> RegionLabels(Index padded_h, Index padded_w, Index window, Index shift_h, Index shift_w) {
    Grid<int> labels;
    if (!ValidWindowGrid(padded_h, padded_w, window)) return labels;
    if (shift_h < 0 || shift_h >= window || shift_w < 0 || shift_w >= window) return labels;
    labels.Resize(static_cast<int>(padded_w), static_cast<int>(padded_h));
    std::vector<int> column_region(static_cast<size_t>(padded_w));
    for (Index x = 0; x < padded_w; ++x) column_region[static_cast<size_t>(x)] = AxisRegion(padded_w, window, shift_w, x);
    for (Index y = 0; y < padded_h; ++y) {
        // The slice pairs are assigned row slice outer, column slice inner, cnt = 3 * row + column;
        // the last pair covering a cell is the largest row slice and, within it, the largest column.
        const int row_region = AxisRegion(padded_h, window, shift_h, y);
        for (Index x = 0; x < padded_w; ++x)
            labels.At(static_cast<int>(x), static_cast<int>(y)) = 3 * row_region + column_region[static_cast<size_t>(x)];
    }
    return labels;
}

std::vector<Index> WindowPartition(Index padded_h, Index padded_w, Index window) {
    std::vector<Index> order;
    if (!ValidWindowGrid(padded_h, padded_w, window)) return order;
    order.reserve(static_cast<size_t>(padded_h * padded_w));
    const Index windows_h = padded_h / window, windows_w = padded_w / window;
    for (Index wy = 0; wy < windows_h; ++wy)
        for (Index wx = 0; wx < windows_w; ++wx)
            for (Index ty = 0; ty < window; ++ty)
                for (Index tx = 0; tx < window; ++tx) order.push_back((wy * window + ty) * padded_w + wx * window + tx);
    return order;
}

std::vector<Index> WindowReverse(Index padded_h, Index padded_w, Index window) {
    const std::vector<Index> order = WindowPartition(padded_h, padded_w, window);
    std::vector<Index> back(order.size());
    for (size_t slot = 0; slot < order.size(); ++slot) back[static_cast<size_t>(order[slot])] = static_cast<Index>(slot);
    return back;
}

std::vector<float> WindowMaskOf(const Grid<int>& labels, Index window, Index window_index) {
    std::vector<float> mask;
    if (!ValidWindowGrid(labels.height, labels.width, window)) return mask;
    const Index windows_w = labels.width / window;
    const Index windows = (labels.height / window) * windows_w;
    if (window_index < 0 || window_index >= windows) return mask;
    const Index n = window * window;
    const Index wy = window_index / windows_w, wx = window_index % windows_w;
    std::vector<int> slot_label(static_cast<size_t>(n));
    for (Index s = 0; s < n; ++s)
        slot_label[static_cast<size_t>(s)] = labels.At(static_cast<int>(wx * window + s % window), static_cast<int>(wy * window + s / window));
    mask.resize(static_cast<size_t>(n * n));
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < n; ++j)
            mask[static_cast<size_t>(i * n + j)] = slot_label[static_cast<size_t>(i)] == slot_label[static_cast<size_t>(j)] ? 0.0f : kSwinMaskValue;
    return mask;
}

std::vector<float> WindowMask(const Grid<int>& labels, Index window) {
    std::vector<float> mask;
    if (!ValidWindowGrid(labels.height, labels.width, window)) return mask;
    const Index n = window * window;
    const Index windows = (static_cast<Index>(labels.height) / window) * (static_cast<Index>(labels.width) / window);
    const std::optional<Count> entries = CheckedProduct({windows, n, n});
    if (!entries || *entries > kSwinMaxAttentionEntries) return mask;
    mask.reserve(static_cast<size_t>(*entries));
    for (Index w = 0; w < windows; ++w) {
        const std::vector<float> one = WindowMaskOf(labels, window, w);
        mask.insert(mask.end(), one.begin(), one.end());
    }
    return mask;
}

std::vector<SwinWindowToken> WindowSourcePatches(const SwinWindowLayout& l, Index window_index) {
    std::vector<SwinWindowToken> tokens;
    if (!ValidWindowGrid(l.padded_h, l.padded_w, l.window) || window_index < 0 || window_index >= l.windows) return tokens;
    const Index m = l.window;
    const Index wy = window_index / l.windows_w, wx = window_index % l.windows_w;
    tokens.reserve(static_cast<size_t>(m * m));
    for (Index ty = 0; ty < m; ++ty) {
        for (Index tx = 0; tx < m; ++tx) {
            SwinWindowToken t;
            t.shifted_y = wy * m + ty;
            t.shifted_x = wx * m + tx;
            // torch.roll by -s: rolled position p holds the token from p + s (mod the side).
            t.y = (t.shifted_y + l.shift_h) % l.padded_h;
            t.x = (t.shifted_x + l.shift_w) % l.padded_w;
            t.label = 3 * AxisRegion(l.padded_h, m, l.shift_h, t.shifted_y) + AxisRegion(l.padded_w, m, l.shift_w, t.shifted_x);
            t.padding = t.y >= l.grid_h || t.x >= l.grid_w;
            tokens.push_back(t);
        }
    }
    return tokens;
}

// [SECTION] Relative position bias

std::vector<Index> RelativePositionIndex(Index window) {
    std::vector<Index> index;
    if (window < 1 || window > kSwinMaxWindow) return index;
    const Index n = window * window, side = 2 * window - 1;
    index.resize(static_cast<size_t>(n * n));
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < n; ++j) {
            const Index dy = i / window - j / window + window - 1;
            const Index dx = i % window - j % window + window - 1;
            index[static_cast<size_t>(i * n + j)] = dy * side + dx;
        }
    return index;
}

std::vector<float> RandomRelativeBiasTable(Index window, Index heads, std::uint64_t seed) {
    std::vector<float> table;
    if (window < 1 || window > kSwinMaxWindow || heads < 1) return table;
    const std::optional<Count> entries = CheckedProduct({2 * window - 1, 2 * window - 1, heads});
    if (!entries || *entries > kSwinMaxAttentionEntries) return table;
    table.resize(static_cast<size_t>(*entries));
    std::uint64_t state = seed ^ 0x5A17B1A5C0FFEE11ull;
    for (float& v : table) {
        const double u1 = UnitOpen(state), u2 = UnitOpen(state);  // (0, 1): the logarithm is finite
        const double z = BoxMuller(u1, u2).first;
        v = static_cast<float>(std::clamp(kSwinBiasTableStd * z, -2.0, 2.0));
    }
    return table;
}

std::vector<float> RelativePositionBias(const std::vector<float>& table, Index window, Index heads) {
    std::vector<float> bias;
    if (window < 1 || window > kSwinMaxWindow || heads < 1) return bias;
    const Index side = 2 * window - 1, n = window * window;
    const std::optional<Count> table_entries = CheckedProduct({side, side, heads});
    const std::optional<Count> entries = CheckedProduct({heads, n, n});
    if (!table_entries || !entries || *entries > kSwinMaxAttentionEntries) return bias;
    if (static_cast<Count>(table.size()) != *table_entries) return bias;
    const std::vector<Index> index = RelativePositionIndex(window);
    bias.resize(static_cast<size_t>(*entries));
    for (Index h = 0; h < heads; ++h)
        for (Index e = 0; e < n * n; ++e)
            bias[static_cast<size_t>(h * n * n + e)] = table[static_cast<size_t>(index[static_cast<size_t>(e)] * heads + h)];
    return bias;
}

// [SECTION] Window attention

std::vector<SpecIssue> Validate(const SwinAttentionSpec& spec, Index grid_h, Index grid_w, Index channels) {
    std::vector<SpecIssue> issues;
    const std::optional<SwinWindowLayout> layout = ComputeWindowLayout(grid_h, grid_w, spec.window, spec.shift, &issues);
    const bool channels_ok = InRange(&issues, "channels", "channels", channels, 1, kAttentionMaxWidth);
    if (spec.heads < 1 || (channels_ok && spec.heads > channels)) {
        Report(&issues, "heads", "heads must be between 1 and the channels (got " + Num(spec.heads) + ")");
    } else if (channels_ok && channels % spec.heads != 0) {
        Report(&issues, "heads", "heads (" + Num(spec.heads) + ") must divide the channels (" + Num(channels) + ")");
    }
    if (spec.projection == ProjectionKind::File) {
        Report(&issues, "projection", "window attention takes the identity or seeded random projections, not files");
    } else if (spec.projection == ProjectionKind::Random && channels_ok && channels * channels > kAttentionMaxWeightEntries) {
        Report(&issues, "channels", "a " + Num(channels) + " x " + Num(channels) + " projection exceeds " +
                                        Num(kAttentionMaxWeightEntries) + " weights");
    }
    if (!layout) return issues;
    if (channels_ok && layout->PaddedTokens() * channels > kMaxTokenEntries) {
        Report(&issues, "channels", "the padded tokens (" + Num(layout->PaddedTokens()) + " x " + Num(channels) + ") exceed " +
                                        Num(kMaxTokenEntries) + " values");
    }
    if (spec.window_index < -1 || spec.window_index >= layout->windows) {
        Report(&issues, "window_index", "window_index must be -1 (all) or between 0 and " + Num(layout->windows - 1) +
                                            " (got " + Num(spec.window_index) + ")");
    }
    const Index kept = spec.window_index < 0 ? layout->windows : 1;
    const Index n = layout->TokensPerWindow();
    const std::optional<Count> entries = CheckedProduct({kept, std::max<Index>(spec.heads, 1), n, n});
    if (!entries || *entries > kSwinMaxAttentionEntries) {
        Report(&issues, "window", "the attention of " + Num(kept) + " window(s) x " + Num(spec.heads) + " heads x " + Num(n) +
                                      "^2 exceeds " + Num(kSwinMaxAttentionEntries) + " floats: pick one window or a smaller image");
    }
    return issues;
}

Eigen::Map<const RowMatrixF> SwinAttentionResult::Attention(Index k, Index h) const {
    const Index n = TokensPerWindow();
    return Eigen::Map<const RowMatrixF>(attention.data() + (k * heads + h) * n * n, n, n);
}

Eigen::Map<const RowMatrixF> SwinAttentionResult::Scores(Index k, Index h) const {
    const Index n = TokensPerWindow();
    return Eigen::Map<const RowMatrixF>(scores.data() + (k * heads + h) * n * n, n, n);
}

std::optional<SwinAttentionResult> ComputeWindowAttention(const RowMatrixF& x, Index grid_h, Index grid_w,
                                                          const SwinAttentionSpec& spec, std::vector<SpecIssue>* issues,
                                                          const ProgressFn& progress) {
    const Index channels = x.cols();
    std::vector<SpecIssue> found = Validate(spec, grid_h, grid_w, channels);
    std::optional<SwinWindowLayout> layout;
    if (found.empty()) {
        layout = ComputeWindowLayout(grid_h, grid_w, spec.window, spec.shift);
        if (x.rows() != grid_h * grid_w && x.rows() != layout->PaddedTokens()) {
            Report(&found, "tokens", "the tokens (" + Num(x.rows()) + " rows) fit neither the grid (" + Num(grid_h * grid_w) +
                                         ") nor the padded grid (" + Num(layout->PaddedTokens()) + ")");
        }
    }
    if (!found.empty()) {
        if (issues) *issues = std::move(found);
        return std::nullopt;
    }
    if (issues) issues->clear();
    const SwinWindowLayout& l = *layout;
    const bool padded_input = x.rows() == l.PaddedTokens() && x.rows() != grid_h * grid_w;
    const Index m = l.window, n = m * m, heads = spec.heads, d_head = channels / heads;

    SwinAttentionResult r;
    r.layout = l;
    r.channels = channels;
    r.heads = heads;
    r.d_head = d_head;
    if (spec.window_index >= 0) {
        r.windows.push_back(spec.window_index);
    } else {
        for (Index w = 0; w < l.windows; ++w) r.windows.push_back(w);
    }
    const Index kept = static_cast<Index>(r.windows.size());
    r.scores.assign(static_cast<size_t>(kept * heads * n * n), 0.0f);
    r.attention.assign(r.scores.size(), 0.0f);
    r.mask.assign(static_cast<size_t>(kept * n * n), 0.0f);
    r.labels.reserve(static_cast<size_t>(kept * n));
    if (spec.relative_bias) r.bias = RelativePositionBias(RandomRelativeBiasTable(m, heads, spec.seed), m, heads);
    const bool all = spec.window_index < 0;
    if (all) r.context = RowMatrixF::Zero(grid_h * grid_w, channels);

    RowMatrixF wq, wk, wv;
    if (spec.projection == ProjectionKind::Random) {
        wq = RandomProjection(channels, channels, spec.seed, 0);
        wk = RandomProjection(channels, channels, spec.seed, 1);
        wv = RandomProjection(channels, channels, spec.seed, 2);
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(d_head));
    const bool masked = spec.mask && l.Shifted();
    RowMatrixF xw(n, channels), q, k, v, logits(n, n), probs(n, n);
    for (Index kw = 0; kw < kept; ++kw) {
        const std::vector<SwinWindowToken> tokens = WindowSourcePatches(l, r.windows[static_cast<size_t>(kw)]);
        // Gather the window's rows of the rolled, padded grid (zero rows for padding).
        for (Index s = 0; s < n; ++s) {
            const SwinWindowToken& t = tokens[static_cast<size_t>(s)];
            r.labels.push_back(t.label);
            if (t.padding && !padded_input) {
                xw.row(s).setZero();
            } else {
                xw.row(s) = x.row(padded_input ? t.y * l.padded_w + t.x : t.y * grid_w + t.x);
            }
        }
        if (spec.projection == ProjectionKind::Random) {
            q.noalias() = xw * wq.transpose();
            k.noalias() = xw * wk.transpose();
            v.noalias() = xw * wv.transpose();
        } else {
            q = xw;
            k = xw;
            v = xw;
        }
        float* mask = r.mask.data() + kw * n * n;
        if (masked)
            for (Index i = 0; i < n; ++i)
                for (Index j = 0; j < n; ++j)
                    if (tokens[static_cast<size_t>(i)].label != tokens[static_cast<size_t>(j)].label) mask[i * n + j] = kSwinMaskValue;
        const Eigen::Map<const RowMatrixF> mask_map(mask, n, n);
        for (Index h = 0; h < heads; ++h) {
            const auto qh = q.middleCols(h * d_head, d_head);
            const auto kh = k.middleCols(h * d_head, d_head);
            logits.noalias() = (qh * kh.transpose()) * scale;
            if (!r.bias.empty()) logits += Eigen::Map<const RowMatrixF>(r.bias.data() + h * n * n, n, n);
            logits += mask_map;
            SoftmaxRows(logits, probs);
            const size_t offset = static_cast<size_t>((kw * heads + h) * n * n);
            Eigen::Map<RowMatrixF>(r.scores.data() + offset, n, n) = logits;
            Eigen::Map<RowMatrixF>(r.attention.data() + offset, n, n) = probs;
            if (all) {
                const RowMatrixF out = probs * v.middleCols(h * d_head, d_head);
                // Reverse windows and roll back by +s: slot s returns to the token it came from.
                for (Index s = 0; s < n; ++s) {
                    const SwinWindowToken& t = tokens[static_cast<size_t>(s)];
                    if (t.padding) continue;
                    r.context.block(t.y * grid_w + t.x, h * d_head, 1, d_head) = out.row(s);
                }
            }
        }
        if (progress && !progress(static_cast<float>(kw + 1) / static_cast<float>(kept))) {
            if (issues) *issues = {{"cancelled", "window attention was cancelled"}};
            return std::nullopt;
        }
    }
    return r;
}

}  // namespace lens
