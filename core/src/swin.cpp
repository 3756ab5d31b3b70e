// swin.cpp: Swin Transformer geometry (patch grid, windows, shift, labels, mask, relative position
// index), window attention, patch merging as a structured matrix, and the stage calculator.
//
// [SECTION] Helpers
// [SECTION] Patch grid
// [SECTION] Windows
// [SECTION] Relative position bias
// [SECTION] Window attention
// [SECTION] Patch merging
// [SECTION] Patch merging operator
// [SECTION] Stage calculator
// [SECTION] Presets
// [SECTION] Complexity
#include "lens/swin.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <numbers>

#include "lens/patch.hpp"  // FitPatchAxis, kPatchMaxPatch
#include "lens/random.hpp"

namespace lens {
namespace {

// [SECTION] Helpers

std::string Num(Index v) { return FormatExact(v); }

void Report(std::vector<SpecIssue>* issues, std::string field, std::string message) {
    if (issues) issues->push_back({std::move(field), std::move(message)});
}

bool InRange(std::vector<SpecIssue>* issues, const char* field, const char* what, Index value, Index lo, Index hi) {
    if (value >= lo && value <= hi) return true;
    Report(issues, field, std::string(what) + " must be between " + Num(lo) + " and " + Num(hi) + " (got " + Num(value) + ")");
    return false;
}


Index RoundUp(Index value, Index multiple) { return (value + multiple - 1) / multiple * multiple; }

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
    const auto h = FitPatchAxis(image_h, patch, patch, fit);
    const auto w = FitPatchAxis(image_w, patch, patch, fit);
    if (!h || !w) {
        Report(issues, "patch", "the patch (" + Num(patch) + " px) is larger than the image (" + Num(image_w) + " x " +
                                    Num(image_h) + " px)");
        return std::nullopt;
    }
    SwinPatchGrid g;
    g.image_h = image_h;
    g.image_w = image_w;
    g.patch = patch;
    g.fit = fit;
    g.grid_h = h->patches;
    g.grid_w = w->patches;
    g.crop_bottom = h->crop;
    g.crop_right = w->crop;
    g.pad_bottom = h->pad;
    g.pad_right = w->pad;
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
    const auto w = DenseMatrixOperator::Create(weights, labels, error);
    if (!w) return nullptr;
    return KroneckerOperator::Create(identity, w, error);
}

// [SECTION] Stage calculator

namespace {

Index MlpHidden(Index channels, double ratio) {
    // torchvision: int(dim * mlp_ratio) (truncation). Validated: finite, positive, bounded.
    return static_cast<Index>(static_cast<double>(channels) * ratio);
}

// Builds the stats of a config whose fields are in range; `c` records any overflow.
SwinStats BuildStats(const SwinConfig& config, const SwinPatchGrid& grid, CheckedCount& c) {
    SwinStats s;
    s.patch_grid = grid;
    const Index embed = config.embed_dim, m = config.window;
    s.embed_parameters = c.Add({c.Mul({config.patch, config.patch, config.in_channels, embed}), embed, 2 * embed});
    s.embed_macs = c.Mul({grid.grid_h, grid.grid_w, config.patch, config.patch, config.in_channels, embed});
    Index h = grid.grid_h, w = grid.grid_w, channels = embed;
    const Count table = c.Mul({2 * m - 1, 2 * m - 1});
    for (size_t i = 0; i < config.depths.size(); ++i) {
        SwinStageStats st;
        st.stage = static_cast<Index>(i);
        if (i > 0) {
            // PatchMerging(previous C): LayerNorm(4C) + Linear(4C -> 2C, no bias) on the merged grid.
            st.merge_parameters = c.Add({c.Mul({8, channels, channels}), 8 * channels});
            h = MergedSide(h);
            w = MergedSide(w);
            st.merge_macs = c.Mul({h, w, 4 * channels, 2 * channels});
            channels *= 2;
        }
        st.grid_h = h;
        st.grid_w = w;
        st.padded_h = RoundUp(h, m);
        st.padded_w = RoundUp(w, m);
        st.windows = c.Mul({st.padded_h / m, st.padded_w / m});
        st.shift_h = m >= st.padded_h ? 0 : DefaultShift(m);
        st.shift_w = m >= st.padded_w ? 0 : DefaultShift(m);
        st.channels = channels;
        st.heads = config.heads[i];
        st.depth = config.depths[i];
        st.mlp_hidden = MlpHidden(channels, config.mlp_ratio);
        st.relative_bias_parameters = c.Mul({table, st.heads});
        const Index hidden = st.mlp_hidden;
        st.block_parameters = c.Add({4 * channels,                                          // norm1, norm2
                                     c.Mul({3, channels, channels}), 3 * channels,          // qkv with bias
                                     c.Mul({channels, channels}), channels,                 // proj with bias
                                     st.relative_bias_parameters,                           // relative_position_bias_table
                                     c.Mul({2, channels, hidden}), hidden, channels});      // MLP with biases
        const Count tokens = c.Mul({h, w}), padded = c.Mul({st.padded_h, st.padded_w});
        st.block_attention_matmul_macs = c.Mul({2, padded, m, m, channels});
        st.block_macs = c.Add({c.Mul({padded, channels, 4 * channels}),  // qkv and proj run on the padded grid
                               st.block_attention_matmul_macs,
                               c.Mul({2, tokens, channels, hidden})});   // the MLP on the unpadded one
        st.parameters = c.Add({st.merge_parameters, c.Mul({st.depth, st.block_parameters})});
        st.macs = c.Add({st.merge_macs, c.Mul({st.depth, st.block_macs})});
        s.relative_bias_parameters = c.Add({s.relative_bias_parameters, c.Mul({st.depth, st.relative_bias_parameters})});
        s.stages.push_back(st);
    }
    s.num_features = channels;
    s.head_parameters = c.Add({2 * channels, c.Mul({channels, config.num_classes}), config.num_classes});
    s.head_macs = c.Mul({channels, config.num_classes});
    s.parameters = c.Add({s.embed_parameters, s.head_parameters});
    s.macs = c.Add({s.embed_macs, s.head_macs});
    for (const SwinStageStats& st : s.stages) {
        s.parameters = c.Add({s.parameters, st.parameters});
        s.macs = c.Add({s.macs, st.macs});
    }
    return s;
}

// Field checks; the grid when the image and patch are usable.
std::optional<SwinPatchGrid> ValidateFields(const SwinConfig& config, std::vector<SpecIssue>& issues) {
    const bool embed_ok = InRange(&issues, "embed_dim", "embed_dim", config.embed_dim, 1, kSwinMaxChannels);
    const Index stages = static_cast<Index>(config.depths.size());
    const bool stages_ok = InRange(&issues, "depths", "the number of stages", stages, 1, kSwinMaxStages);
    for (Index d : config.depths) InRange(&issues, "depths", "each depth", d, 1, kSwinMaxDepth);
    if (static_cast<Index>(config.heads.size()) != stages) {
        Report(&issues, "heads", "give one head count per stage (" + Num(stages) + ", got " + Num(static_cast<Index>(config.heads.size())) + ")");
    } else if (embed_ok && stages_ok) {
        for (Index i = 0; i < stages; ++i) {
            const Index channels = config.embed_dim << i;
            const Index heads = config.heads[static_cast<size_t>(i)];
            if (heads < 1 || heads > channels) {
                Report(&issues, "heads", "stage " + Num(i + 1) + ": heads must be between 1 and its " + Num(channels) +
                                             " channels (got " + Num(heads) + ")");
            } else if (channels % heads != 0) {
                Report(&issues, "heads", "stage " + Num(i + 1) + ": heads (" + Num(heads) + ") must divide its " + Num(channels) + " channels");
            }
        }
    }
    InRange(&issues, "window", "window", config.window, 1, kSwinMaxImageSide);
    InRange(&issues, "in_channels", "in_channels", config.in_channels, 1, kSwinMaxChannels);
    InRange(&issues, "num_classes", "num_classes", config.num_classes, 1, kSwinMaxClasses);
    if (!std::isfinite(config.mlp_ratio) || config.mlp_ratio <= 0.0 || config.mlp_ratio > kSwinMaxMlpRatio) {
        Report(&issues, "mlp_ratio", "mlp_ratio must be above 0 and at most " + Num(static_cast<Index>(kSwinMaxMlpRatio)));
    } else if (embed_ok && MlpHidden(config.embed_dim, config.mlp_ratio) < 1) {
        Report(&issues, "mlp_ratio", "int(embed_dim * mlp_ratio) must be at least 1");
    }
    std::vector<SpecIssue> grid_issues;
    const auto grid = ComputeSwinPatchGrid(config.image_h, config.image_w, config.patch, PatchFit::Crop, &grid_issues);
    issues.insert(issues.end(), grid_issues.begin(), grid_issues.end());
    return grid;
}

}  // namespace

std::vector<SpecIssue> Validate(const SwinConfig& config) {
    std::vector<SpecIssue> issues;
    const std::optional<SwinPatchGrid> grid = ValidateFields(config, issues);
    if (issues.empty() && grid) {
        CheckedCount c;
        BuildStats(config, *grid, c);
        if (c.Overflow()) Report(&issues, "image", "the counts overflow 64 bits: use a smaller image, width or depth");
    }
    return issues;
}

std::optional<SwinStats> ComputeSwinStats(const SwinConfig& config, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found;
    const std::optional<SwinPatchGrid> grid = ValidateFields(config, found);
    if (found.empty() && grid) {
        CheckedCount c;
        SwinStats s = BuildStats(config, *grid, c);
        if (!c.Overflow()) {
            if (issues) issues->clear();
            return s;
        }
        Report(&found, "image", "the counts overflow 64 bits: use a smaller image, width or depth");
    }
    if (issues) *issues = std::move(found);
    return std::nullopt;
}

// [SECTION] Presets

std::vector<std::pair<std::string, SwinConfig>> SwinPresets() {
    auto make = [](Index embed, std::vector<Index> depths, std::vector<Index> heads) {
        SwinConfig c;
        c.embed_dim = embed;
        c.depths = std::move(depths);
        c.heads = std::move(heads);
        return c;
    };
    return {
        {"swin_t", make(96, {2, 2, 6, 2}, {3, 6, 12, 24})},
        {"swin_s", make(96, {2, 2, 18, 2}, {3, 6, 12, 24})},
        {"swin_b", make(128, {2, 2, 18, 2}, {4, 8, 16, 32})},
        {"swin_l", make(192, {2, 2, 18, 2}, {6, 12, 24, 48})},
    };
}

std::optional<SwinConfig> FindSwinPreset(const std::string& key) {
    for (auto& [name, config] : SwinPresets())
        if (name == key) return config;
    return std::nullopt;
}

// [SECTION] Complexity

std::optional<SwinComplexityPoint> MsaComplexity(Index image, Index patch, Index channels, Index window,
                                                 std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found;
    const bool patch_ok = InRange(&found, "patch", "patch", patch, 1, kSwinMaxImageSide);
    InRange(&found, "channels", "channels", channels, 1, kSwinMaxChannels);
    InRange(&found, "window", "window", window, 1, kSwinMaxImageSide);
    InRange(&found, "image", "image", image, patch_ok ? patch : 1, kSwinMaxImageSide);
    SwinComplexityPoint p;
    if (found.empty()) {
        p.image = image;
        p.h = image / patch;
        p.w = image / patch;
        CheckedCount c;
        const Count tokens = c.Mul({p.h, p.w});
        const Count padded = c.Mul({RoundUp(p.h, window), RoundUp(p.w, window)});
        const Count projections = c.Mul({4, tokens, channels, channels});
        p.global_msa = c.Add({projections, c.Mul({2, tokens, tokens, channels})});
        p.window_msa = c.Add({projections, c.Mul({2, window, window, tokens, channels})});
        p.window_msa_padded = c.Add({c.Mul({4, padded, channels, channels}), c.Mul({2, window, window, padded, channels})});
        if (c.Overflow()) Report(&found, "image", "the attention counts at " + Num(image) + " px overflow 64 bits");
    }
    if (!found.empty()) {
        if (issues) *issues = std::move(found);
        return std::nullopt;
    }
    if (issues) issues->clear();
    return p;
}

std::optional<std::vector<SwinComplexityPoint>> MsaComplexityCurve(Index lo, Index hi, int points, Index patch, Index channels,
                                                                   Index window, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> found;
    if (points < 2 || points > 4096) Report(&found, "points", "points must be between 2 and 4,096 (got " + Num(points) + ")");
    if (lo < 1 || hi < lo) Report(&found, "image", "the image range must satisfy 1 <= lo <= hi (got " + Num(lo) + ".." + Num(hi) + ")");
    if (!found.empty()) {
        if (issues) *issues = std::move(found);
        return std::nullopt;
    }
    std::vector<SwinComplexityPoint> curve;
    const double ratio = std::log(static_cast<double>(hi) / static_cast<double>(lo));
    for (int i = 0; i < points; ++i) {
        const double t = static_cast<double>(i) / static_cast<double>(points - 1);
        const Index image = i == points - 1 ? hi : std::clamp<Index>(std::llround(static_cast<double>(lo) * std::exp(ratio * t)), lo, hi);
        if (!curve.empty() && curve.back().image == image) continue;
        const std::optional<SwinComplexityPoint> p = MsaComplexity(image, patch, channels, window, issues);
        if (!p) return std::nullopt;
        curve.push_back(*p);
    }
    if (issues) issues->clear();
    return curve;
}

}  // namespace lens
