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
    // For the lesson's cards: the block count, and the word and position tables on their own.
    v.Integer("layers", r.spec.layers);
    if (const TransformerPart* word = FindPart(st, "embeddings.word")) v.Integer("word_embedding_parameters", word->parameters);
    if (const TransformerPart* position = FindPart(st, "embeddings.position")) v.Integer("position_parameters", position->parameters);
    if (r.notes) {
        v.Integer("notes_qkv", r.notes->notes_qkv);
        v.Integer("notes_mlp", r.notes->notes_mlp);
        v.Integer("block_biases", r.notes->biases);
        v.Integer("block_norms", r.notes->norms);
        v.Integer("notes_block_estimate", r.notes->notes_total);
        v.Integer("notes_left_out_output_projection", r.notes->output_projection);
    }
}

}  // namespace lens
