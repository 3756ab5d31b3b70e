// swin_stages.cpp: the Swin stage calculator (parameters and MACs per stage, torchvision's
// conventions), the presets Swin-T/S/B/L, and the paper's global against window attention
// complexity (lens/swin.hpp).
//
// [SECTION] Stage calculator
// [SECTION] Presets
// [SECTION] Complexity
#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "lens/swin.hpp"
#include "swin_detail.hpp"

namespace lens {

using swin_detail::InRange;
using swin_detail::Num;
using swin_detail::Report;
using swin_detail::RoundUp;

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
