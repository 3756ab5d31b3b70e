#include "lens/lessons/block_lesson.hpp"

namespace lens {

BlockLesson::Result BlockLesson::Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context) {
    (void)image;
    (void)context;
    return Result{spec, *ComputeTransformerStats(spec), CompareWithNotes(spec)};
}

void BlockLesson::VisitFigures(const Result& r, FigureVisitor& v) {
    const TransformerStats& st = r.stats;
    v.Integer("parameters", st.parameters);
    v.Integer("parameters_per_block", st.parameters_per_block);
    v.Integer("embedding_parameters", st.embedding_parameters);
    v.Integer("head_parameters", st.head_parameters);
    v.Integer("weight_matrix_parameters", st.weight_matrix_parameters);
    v.Integer("macs", st.macs);
    v.Integer("attention_matmul_macs", st.attention_matmul_macs);
    v.Integer("block_macs", st.block_macs);
    v.Integer("tokens", st.tokens);
    if (r.notes) {
        v.Integer("notes_block_estimate", r.notes->notes_total);
        v.Integer("notes_left_out_output_projection", r.notes->output_projection);
    }
}

}  // namespace lens
