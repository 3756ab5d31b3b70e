#include "lens/lessons/fc_lesson.hpp"

namespace lens {

std::optional<FcSpec> FcLesson::Preset(const std::string& key) {
    if (key != "small") return FindFcPreset(key);
    FcSpec spec;
    spec.in_count = 6;
    spec.out_count = 6;
    spec.in_features = 3;
    spec.out_features = 3;
    return spec;
}

FcLesson::Result FcLesson::Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context) {
    (void)image;
    (void)context;
    Result r;
    r.spec = spec;
    r.stats = *ComputeFcStats(spec);
    const FcForm forms[3] = {FcForm::Full, FcForm::ShareFeatures, FcForm::ShareInputs};
    for (std::size_t i = 0; i < 3; ++i) r.forms[i] = MakeFcOperator(spec, forms[i], &r.reasons[i]);
    return r;
}

void FcLesson::VisitFigures(const Result& r, FigureVisitor& v) {
    const FcStats& st = r.stats;
    v.Integer("in_count", r.spec.in_count);
    v.Integer("out_count", r.spec.out_count);
    v.Integer("in_features", r.spec.in_features);
    v.Integer("out_features", r.spec.out_features);
    v.String("order", r.spec.order == FlatOrder::PositionMajor ? "position_major" : "feature_major");
    v.Integer("rows", st.rows);
    v.Integer("cols", st.cols);
    v.Integer("parameters_full", st.full_weights);
    v.Integer("macs_full", st.full_macs);
    v.Integer("parameters_share_features", st.share_features_weights);
    v.Integer("share_features_applicable", st.share_features_applicable ? 1 : 0);
    v.Integer("macs_share_features", st.share_features_macs);
    v.Integer("parameters_share_inputs", st.share_inputs_weights);
    v.Integer("share_inputs_applicable", st.share_inputs_applicable ? 1 : 0);
    v.Integer("macs_share_inputs", st.share_inputs_macs);
}

}  // namespace lens
