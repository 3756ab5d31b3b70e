#include "lens/lessons/mlp_lesson.hpp"

namespace lens {

std::optional<MlpLesson::Spec> MlpLesson::Preset(const std::string& key) {
    if (key == "notes") return Spec{"1024, 2048, 100", true};
    if (key == "mnist") return Spec{"784, 256, 10", true};
    return std::nullopt;
}

std::vector<SpecIssue> MlpLesson::Issues(const Spec& spec) {
    std::string error;
    auto widths = ParseWidths(spec.widths, &error);
    if (widths) {
        if (ComputeMlpStats(MlpSpec{*widths, spec.bias}, &error)) return {};
    }
    return {SpecIssue{"widths", error}};
}

MlpLesson::Result MlpLesson::Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context) {
    (void)image;
    (void)context;
    Result r;
    r.spec = MlpSpec{*ParseWidths(spec.widths), spec.bias};
    r.stats = *ComputeMlpStats(r.spec);
    for (std::size_t i = 0; i < r.stats.layers.size(); ++i) r.layers.push_back(MlpLayerOperator(r.spec, static_cast<int>(i)));
    return r;
}

void MlpLesson::VisitFigures(const Result& r, FigureVisitor& v) {
    v.String("widths", FormatWidths(r.spec.widths));
    v.Integer("bias", r.spec.bias ? 1 : 0);
    v.Integer("layers", static_cast<std::int64_t>(r.stats.layers.size()));
    v.Integer("weights", r.stats.weights);
    v.Integer("biases", r.stats.biases);
    v.Integer("parameters", r.stats.parameters);
    v.Integer("macs", r.stats.macs);
    std::vector<double> in, out, weights, biases, macs;
    for (const auto& layer : r.stats.layers) {
        in.push_back(static_cast<double>(layer.in));
        out.push_back(static_cast<double>(layer.out));
        weights.push_back(static_cast<double>(layer.weights));
        biases.push_back(static_cast<double>(layer.biases));
        macs.push_back(static_cast<double>(layer.macs));
    }
    v.NumberArray("layer_in", in);
    v.NumberArray("layer_out", out);
    v.NumberArray("layer_weights", weights);
    v.NumberArray("layer_biases", biases);
    v.NumberArray("layer_macs", macs);
}

}  // namespace lens
