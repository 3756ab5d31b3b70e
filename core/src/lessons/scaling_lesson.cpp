#include "lens/lessons/scaling_lesson.hpp"

#include <algorithm>
#include <cmath>

namespace lens {
namespace {

VitScalingSpec VitOf(int which) {
    VitScalingSpec v;
    if (which == 1) {  // ViT-L/16
        v.width = 1024;
        v.depth = 24;
        v.heads = 16;
        v.mlp = 4096;
    } else if (which == 2) {  // ViT-B/32
        v.patch = 32;
    }
    return v;
}

double AsDouble(const std::optional<Count>& v) { return v ? static_cast<double>(*v) : std::nan(""); }

}  // namespace

const std::vector<CnnPreset>& ScalingLesson::Presets() {
    static const std::vector<CnnPreset> presets = CnnPresets();
    return presets;
}

const ScalingFigure& ScalingLesson::FigureOf(const ScalingRow& row, int model) {
    const std::array<const ScalingFigure*, kModels> all{&row.fc, &row.fc_separable, &row.conv, &row.separable, &row.cnn, &row.vit};
    return *all[static_cast<size_t>(model)];
}

std::vector<SpecIssue> ScalingLesson::Issues(const Spec& spec) {
    if (spec.edge_lo < 1 || spec.edge_hi > kMaxEdge || spec.edge_lo > spec.edge_hi)
        return {{"edge_lo", "the edges must satisfy 1 <= edge_lo <= edge_hi <= " + FormatExact(kMaxEdge)}};
    return {};
}

ScalingLesson::Result ScalingLesson::Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context) {
    (void)image;
    (void)context;
    ScalingSpec s;
    s.edges = PowerOfTwoEdges(spec.edge_lo, spec.edge_hi);
    if (s.edges.empty()) s.edges = {spec.edge_lo};
    const auto& presets = Presets();
    if (spec.cnn >= 0 && spec.cnn < static_cast<int>(presets.size())) s.cnn = presets[static_cast<size_t>(spec.cnn)].spec.layers;
    s.vit = VitOf(spec.vit);
    return Result{spec, ComputeScaling(s), ComputeNotesScalingFigures()};
}

void ScalingLesson::VisitFigures(const Result& r, FigureVisitor& v) {
    std::vector<double> edges;
    for (const auto& row : r.rows) edges.push_back(static_cast<double>(row.edge));
    v.NumberArray("edges", edges);
    for (int m = 0; m < kModels; ++m) {
        std::vector<double> params, macs;
        for (const auto& row : r.rows) {
            params.push_back(AsDouble(FigureOf(row, m).parameters));
            macs.push_back(AsDouble(FigureOf(row, m).macs));
        }
        v.NumberArray(std::string(kModelKeys[static_cast<size_t>(m)]) + "_parameters", params);
        v.NumberArray(std::string(kModelKeys[static_cast<size_t>(m)]) + "_macs", macs);
    }
    const NotesScalingFigures& n = r.notes;
    v.Integer("notes_fc_256", n.fc_256);
    v.Integer("notes_fc_4k", n.fc_4k);
    v.Integer("notes_pixel_ratio_4k", n.pixel_ratio_4k);
    v.Integer("notes_weight_ratio_4k", n.weight_ratio_4k);
    v.Integer("notes_fc_separable_256", n.fc_separable_256);
    v.Integer("notes_first_layer", n.first_layer);
    v.Integer("notes_deep_layer", n.deep_layer);
    v.Integer("notes_separable", n.separable);
    v.Number("notes_separable_ratio", n.separable_ratio);
    v.Integer("notes_twenty_deep_layers", n.twenty_deep_layers);
    const auto& presets = Presets();
    v.String("cnn", presets.empty() ? "" : presets[static_cast<size_t>(std::clamp(r.spec.cnn, 0, static_cast<int>(presets.size()) - 1))].key);
}

}  // namespace lens
