// scaling.cpp: parameter and MAC curves as the image grows, and the notes' figures.
//
// [SECTION] Helpers
// [SECTION] ViT counts
// [SECTION] Curves
// [SECTION] The notes' figures
#include "lens/scaling.hpp"

#include <algorithm>

#include "lens/patch.hpp"  // FitPatchAxis: the ViT's patch grid

namespace lens {
namespace {

// [SECTION] Helpers

// Sum of optional counts; nullopt when any is missing or the sum overflows.
std::optional<Count> Sum(std::initializer_list<std::optional<Count>> terms) {
    Count acc = 0;
    for (const auto& t : terms) {
        if (!t) return std::nullopt;
        const auto next = CheckedAdd(acc, *t);
        if (!next) return std::nullopt;
        acc = *next;
    }
    return acc;
}

ScalingFigure Figure(std::optional<Count> parameters, std::optional<Count> macs, const char* what) {
    ScalingFigure f{parameters, macs, {}};
    if (!parameters || !macs) f.note = std::string(what) + ": the count overflows 64 bits";
    return f;
}

ScalingFigure Missing(std::string note) { return ScalingFigure{std::nullopt, std::nullopt, std::move(note)}; }

}  // namespace

// [SECTION] ViT counts

std::optional<VitCounts> ComputeVitCounts(const VitScalingSpec& spec, Index image_h, Index image_w, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<VitCounts> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    constexpr Index kMax = Index{1} << 20;
    for (Index v : {spec.patch, spec.width, spec.depth, spec.heads, spec.mlp, image_h, image_w}) {
        if (v < 1 || v > kMax) return fail("every ViT size must be between 1 and " + FormatExact(kMax));
    }
    if (spec.classes < 0 || spec.classes > kMax) return fail("the classes must be between 0 and " + FormatExact(kMax));
    if (spec.width % spec.heads != 0) return fail("the heads must divide the width");
    const auto ah = FitPatchAxis(image_h, spec.patch, spec.patch, PatchFit::Crop);
    const auto aw = FitPatchAxis(image_w, spec.patch, spec.patch, PatchFit::Crop);
    if (!ah || !aw) return fail("the patch (" + FormatExact(spec.patch) + " px) is larger than the image");
    const Index d = spec.width;
    VitCounts c;
    c.patches = ah->patches * aw->patches;  // each <= 2^20: fits
    c.tokens = c.patches + (spec.class_token ? 1 : 0);
    const auto kernel = CheckedProduct({spec.patch, spec.patch, 3, d});
    const auto block = CnnTransformerBlockCounts(c.tokens, d, spec.mlp);
    const auto positions = CheckedMul(c.tokens, d);
    const auto head = CheckedMul(d, spec.classes);
    const auto embed_macs = kernel ? CheckedMul(c.patches, *kernel) : std::nullopt;
    if (!kernel || !block || !positions || !head || !embed_macs) return fail("a ViT count overflows 64 bits");
    c.embed_parameters = *kernel + d;
    c.class_token = spec.class_token ? d : 0;
    c.position_parameters = *positions;
    c.block_parameters = block->parameters;
    c.final_norm = 2 * d;
    c.head_parameters = spec.classes > 0 ? *head + spec.classes : 0;
    c.embed_macs = *embed_macs;
    c.block_macs = block->macs;
    c.head_macs = *head;
    const auto blocks_params = CheckedMul(spec.depth, c.block_parameters);
    const auto blocks_macs = CheckedMul(spec.depth, c.block_macs);
    const auto params = Sum({c.embed_parameters, c.class_token, c.position_parameters, blocks_params, c.final_norm, c.head_parameters});
    const auto macs = Sum({c.embed_macs, blocks_macs, c.head_macs});
    if (!params || !macs) return fail("a ViT count overflows 64 bits");
    c.parameters = *params;
    c.macs = *macs;
    return c;
}

// [SECTION] Curves

std::vector<Index> PowerOfTwoEdges(Index lo, Index hi) {
    std::vector<Index> edges;
    if (lo < 1 || lo > hi) return edges;
    for (Index e = lo; e <= hi; e *= 2) {
        edges.push_back(e);
        if (e > hi / 2) break;  // the next doubling would pass hi (or overflow)
    }
    return edges;
}

std::vector<ScalingRow> ComputeScaling(const ScalingSpec& spec) {
    std::vector<Index> edges = spec.edges.empty() ? PowerOfTwoEdges(64, 4096) : spec.edges;
    if (static_cast<int>(edges.size()) > kScalingMaxEdges) edges.resize(static_cast<size_t>(kScalingMaxEdges));
    std::vector<CnnLayer> cnn_layers = spec.cnn;
    if (cnn_layers.empty()) cnn_layers = FindCnnPreset("mobilenet_v1")->layers;
    const Count c = spec.channels;
    const auto conv_weights = CheckedProduct({spec.conv_kernel, spec.conv_kernel, spec.conv_in, spec.conv_out});
    const auto separable_weights = Sum({CheckedProduct({spec.conv_kernel, spec.conv_kernel, spec.conv_in}),
                                        CheckedMul(spec.conv_in, spec.conv_out)});

    std::vector<ScalingRow> rows;
    rows.reserve(edges.size());
    for (const Index e : edges) {
        ScalingRow row;
        row.edge = e;
        if (e < 1 || e > kScalingMaxEdge || c < 1) {
            const std::string note = "the edge must be between 1 and " + FormatExact(kScalingMaxEdge) + " px";
            row.fc = row.fc_separable = row.conv = row.separable = row.cnn = row.vit = Missing(note);
            rows.push_back(row);
            continue;
        }
        row.pixels = e * e;  // <= 2^40
        // Fully connected on the flattened image: every input value to every output value.
        const auto values = CheckedMul(row.pixels, c);
        const auto fc = values ? CheckedMul(*values, *values) : std::nullopt;
        row.fc = Figure(fc, fc, "fully connected");
        // The notes' dense depth-wise (one pixels x pixels matrix per channel) + point-wise (C x C).
        const auto per_channel = CheckedMul(row.pixels, row.pixels);
        const auto dense_dw = per_channel ? CheckedMul(*per_channel, c) : std::nullopt;
        const auto fcs_params = Sum({dense_dw, CheckedMul(c, c)});
        const auto fcs_macs = Sum({dense_dw, CheckedProduct({row.pixels, c, c})});
        row.fc_separable = Figure(fcs_params, fcs_macs, "dense depth-wise + point-wise");
        // One convolution and its separable replacement at full resolution (padding keeps E x E).
        row.conv = Figure(conv_weights, conv_weights ? CheckedMul(row.pixels, *conv_weights) : std::nullopt, "convolution");
        row.separable = Figure(separable_weights,
                               separable_weights ? CheckedMul(row.pixels, *separable_weights) : std::nullopt,
                               "depth-wise + point-wise");
        // The CNN stack at this input size.
        if (e > kCnnMaxSide) {
            row.cnn = Missing("the CNN's input is limited to " + FormatExact(kCnnMaxSide) + " px on a side");
        } else {
            std::vector<SpecIssue> issues;
            const auto stats = AnalyzeCnn(CnnSpec{c, e, e, cnn_layers}, &issues);
            row.cnn = stats ? ScalingFigure{stats->parameters, stats->macs, {}} : Missing(JoinIssues(issues));
        }
        // The ViT at this input size.
        std::string error;
        const auto vit = ComputeVitCounts(spec.vit, e, e, &error);
        row.vit = vit ? ScalingFigure{vit->parameters, vit->macs, {}} : Missing(error);
        rows.push_back(row);
    }
    return rows;
}

// [SECTION] The notes' figures

NotesScalingFigures ComputeNotesScalingFigures() {
    NotesScalingFigures n;
    ScalingSpec spec;
    spec.edges = {256, 4096};
    const auto rows = ComputeScaling(spec);
    n.fc_256 = *rows[0].fc.parameters;
    n.fc_4k = *rows[1].fc.parameters;
    n.pixel_ratio_4k = rows[1].pixels / rows[0].pixels;
    n.weight_ratio_4k = n.fc_4k / n.fc_256;
    n.fc_separable_256 = *rows[0].fc_separable.parameters;
    n.first_layer = *StandardConvWeights(3, 3, 3, 64);
    n.deep_layer = *rows[0].conv.parameters;
    n.separable = *rows[0].separable.parameters;
    n.separable_ratio = static_cast<double>(n.separable) / static_cast<double>(n.deep_layer);
    n.twenty_deep_layers = 20 * n.deep_layer;
    auto tokens = [](Index edge, Index patch, PatchFit fit) {
        const auto a = FitPatchAxis(edge, patch, patch, fit);
        return a ? a->patches * a->patches : 0;
    };
    n.vit_tokens_224 = tokens(224, 16, PatchFit::Crop);
    n.vit_tokens_256 = tokens(256, 16, PatchFit::Crop);
    n.vit_token_dim = 16 * 16 * 3;
    n.vit22b_tokens = tokens(224, 14, PatchFit::Crop);
    n.patches3_crop = tokens(256, 3, PatchFit::Crop);
    n.patches3_pad = tokens(256, 3, PatchFit::Pad);
    return n;
}

}  // namespace lens
