// app/panels/block_panel.cpp: "Transformer block". The sequential (pre- or post-LN) and the
// parallel block as diagrams with the shape on every edge, a table of parameters and MACs per part,
// the presets whose published sizes the calculator reproduces, and the notes' "3 x 768^2 + ..."
// block estimate against the exact block.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include <lens/lessons/block_lesson.hpp>

#include "../widgets/paragraph.hpp"
#include "../widgets/table_text.hpp"
#include "lesson_panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

// Part keys -> their names in the string table (the core's labels are English).
struct PartName {
    const char* key;
    S name;
};
constexpr PartName kPartNames[] = {
    {"embeddings.word", S::PartWord},          {"embeddings.position", S::PartPosition},
    {"embeddings.token_type", S::PartTokenType}, {"embeddings.norm", S::PartEmbeddingNorm},
    {"embeddings.patch", S::PartPatch},        {"embeddings.class_token", S::PartClassToken},
    {"block.norm", S::PartSharedNorm},         {"block.in_proj", S::PartFusedIn},
    {"block.norm1", S::PartNorm1},             {"block.attention.qkv", S::PartQkv},
    {"block.attention.qk_norm", S::PartQkNorm}, {"block.attention.scores", S::PartScores},
    {"block.attention.context", S::PartContext}, {"block.attention.out", S::PartOut},
    {"block.norm2", S::PartNorm2},             {"block.mlp.fc1", S::PartMlpIn},
    {"block.mlp.fc2", S::PartMlpOut},          {"head.norm", S::PartFinalNorm},
    {"head.pooler", S::PartPooler},            {"head.classifier", S::PartClassifier},
    {"head.lm", S::PartLmHead},
};

const char* PartLabel(const TransformerPart& part) {
    for (const auto& p : kPartNames)
        if (part.key == p.key) return Tr(p.name);
    return part.label.c_str();
}

class BlockPanel final : public LessonPanel<BlockLesson> {
public:
    BlockPanel() { ApplyPreset("bert_base"); }

    const char* Id() const override { return "block"; }
    i18n::S Title() const override { return S::PanelBlock; }

    void Export(AppContext& context, ExportSink& sink) override {
        LessonPanel::Export(context, sink);
        if (Issues().empty()) sink.String("preset", m_preset);
    }

protected:
    void DeclareFields(FieldTable& f) override {
        const auto tokens = [this] { return m_spec.embedding == EmbeddingKind::Tokens; };
        const auto patches = [this] { return m_spec.embedding != EmbeddingKind::Tokens; };
        f.Preset("preset", S::FcPreset,
                 {{"bert_base", S::BlockPresetBert}, {"gpt2", S::BlockPresetGpt2}, {"vit_b_16", S::BlockPresetVit},
                  {"vit_22b", S::BlockPresetVit22b}},
                 &m_preset, [this](const std::string& key) { return ApplyPreset(key); }, "load a model (applied before other keys)");
        f.Int("layers", S::BlockLayers, &m_spec.layers, 1, kTransformerMaxLayers, "blocks");
        f.Int("d_model", S::BlockWidth, &m_spec.d_model, 1, 1 << 20, "width d");
        f.Int("heads", S::BlockHeads, &m_spec.heads, 1, 1 << 16, "attention heads (divide d_model)");
        f.Int("mlp_hidden", S::BlockMlp, &m_spec.mlp_hidden, 1, 1 << 22, "MLP width");
        f.Choice("layout", S::BlockLayout, &m_spec.layout,
                 {{"post_ln", S::BlockPostLn, static_cast<std::int64_t>(BlockLayout::PostNorm)},
                  {"pre_ln", S::BlockPreLn, static_cast<std::int64_t>(BlockLayout::PreNorm)},
                  {"parallel", S::BlockParallel, static_cast<std::int64_t>(BlockLayout::Parallel)}},
                 "block layout");
        f.Bool("qkv_bias", S::BlockQkvBias, &m_spec.qkv_bias, "biases of Q, K, V");
        f.Bool("out_bias", S::BlockOutBias, &m_spec.out_bias, "bias of the attention output projection");
        f.Bool("mlp_bias", S::BlockMlpBias, &m_spec.mlp_bias, "biases of the MLP");
        f.Bool("norm_bias", S::BlockNormBias, &m_spec.norm_bias, "LayerNorm biases");
        f.Bool("qk_norm", S::BlockQkNorm, &m_spec.qk_norm, "LayerNorm on queries and keys");
        f.Int("vocab_size", S::BlockVocab, &m_spec.vocab_size, 1, 1 << 24, "vocabulary").VisibleWhen(tokens);
        f.Int("max_positions", S::BlockPositions, &m_spec.max_positions, 0, 1 << 24, "learned positions (0 = none)").VisibleWhen(tokens);
        f.Int("token_types", S::BlockTokenTypes, &m_spec.token_types, 0, 1 << 16, "token-type rows (0 = none)").VisibleWhen(tokens);
        f.Int("seq_len", S::BlockSeqLen, &m_spec.seq_len, 1, 1 << 24, "tokens N for the MACs (text models)").VisibleWhen(tokens);
        f.Int("image_size", S::BlockImageSize, &m_spec.image_size, 1, 1 << 16, "image side for patch embeddings, px").VisibleWhen(patches);
        f.Int("patch", S::BlockPatch, &m_spec.patch, 1, 1 << 12, "patch size P").VisibleWhen(patches);
        f.Bool("class_token", S::BlockClassToken, &m_spec.class_token, "a learned class token").VisibleWhen(patches);
        f.Bool("final_norm", S::BlockFinalNorm, &m_spec.final_norm, "LayerNorm after the last block");
        f.Bool("pooler", S::BlockPooler, &m_spec.pooler, "BERT's pooler Linear(d, d)");
        f.Choice("head", S::BlockHead, &m_spec.head,
                 {{"none", S::BlockHeadNone, static_cast<std::int64_t>(HeadKind::None)},
                  {"classifier", S::BlockHeadClassifier, static_cast<std::int64_t>(HeadKind::Classifier)},
                  {"lm", S::BlockHeadLm, static_cast<std::int64_t>(HeadKind::LanguageModel)}},
                 "output head")
            .EditWith(Editor::None);
        f.Int("num_classes", S::BlockNumClasses, &m_spec.num_classes, 1, 1 << 24, "classifier outputs").EditWith(Editor::None);
        f.Bool("tied_head", S::BlockTiedHead, &m_spec.tied_head, "LM head shares the word embedding").EditWith(Editor::None);
    }

    void DrawContent(AppContext& context) override {
        const Result* shown = Latest(context);
        BeginEditorColumn(18);
        DrawSpecFields(Issues());
        BeginMainArea();
        if (shown) {
            m_shown = shown;
            const ImVec2 avail = ImGui::GetContentRegionAvail();
            const ImVec2 top = ImGui::GetCursorScreenPos();
            const float diagram_w = std::min(avail.x * 0.42f, ImGui::GetFontSize() * 24);
            ImGui::BeginChild("##diagram", ImVec2(diagram_w, avail.y), false);
            DrawDiagram();
            ImGui::EndChild();
            MarkFigure(top, ImVec2(top.x + diagram_w, top.y + avail.y));
            ImGui::SameLine();
            ImGui::BeginChild("##table", ImVec2(0, avail.y), false);
            DrawTable();
            ImGui::EndChild();
        }
        ImGui::EndChild();
    }

private:
    bool ApplyPreset(const std::string& key) {
        auto spec = FindTransformerPreset(key);
        if (!spec) return false;
        m_spec = *spec;
        m_preset = key;
        return true;
    }

    // One box of the block diagram, centred at x, with the shape of what flows out written below it.
    float Box(ImDrawList* draw, float cx, float y, const char* label, ImU32 color, const char* shape_out) {
        const float font = ImGui::GetFontSize();
        const ImVec2 ts = ImGui::CalcTextSize(label);
        const ImVec2 a(cx - ts.x * 0.5f - font * 0.6f, y), b(cx + ts.x * 0.5f + font * 0.6f, y + ts.y + font * 0.6f);
        draw->AddRectFilled(a, b, color, 5);
        draw->AddText(ImVec2(cx - ts.x * 0.5f, y + font * 0.3f), IM_COL32(20, 20, 24, 255), label);
        float bottom = b.y;
        if (shape_out) {
            const float arrow = font * 1.9f;
            draw->AddLine(ImVec2(cx, bottom), ImVec2(cx, bottom + arrow - 4), IM_COL32(200, 200, 210, 200), 1.5f);
            draw->AddTriangleFilled(ImVec2(cx, bottom + arrow), ImVec2(cx - 4, bottom + arrow - 7), ImVec2(cx + 4, bottom + arrow - 7), IM_COL32(200, 200, 210, 220));
            draw->AddText(ImVec2(cx + 6, bottom + arrow * 0.5f - font * 0.5f), IM_COL32(170, 175, 190, 255), shape_out);
            bottom += arrow;
        }
        return bottom;
    }

    // A residual (skip) connection: from the right of the box at y_from, down the diagram's right
    // edge, into the right of the add box `label` centred at cx whose top is y_add, with an arrowhead.
    static void Residual(ImDrawList* draw, float cx, float x_edge, float y_from, float y_add, const char* label) {
        const float font = ImGui::GetFontSize();
        const ImVec2 ts = ImGui::CalcTextSize(label);
        const float box_right = cx + ts.x * 0.5f + font * 0.6f;
        const float y_to = y_add + (ts.y + font * 0.6f) * 0.5f;
        const ImU32 color = IM_COL32(255, 170, 90, 220);
        const ImVec2 points[] = {ImVec2(cx + font * 1.2f, y_from), ImVec2(x_edge, y_from), ImVec2(x_edge, y_to), ImVec2(box_right + 7, y_to)};
        draw->AddPolyline(points, 4, color, 0, 1.8f);
        draw->AddTriangleFilled(ImVec2(box_right, y_to), ImVec2(box_right + 8, y_to - 4), ImVec2(box_right + 8, y_to + 4), color);
    }

    void DrawDiagram() {
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        const float width = ImGui::GetContentRegionAvail().x;
        const float cx = origin.x + width * 0.5f;
        const Index n = m_shown->stats.tokens, d = m_shown->spec.d_model, h = m_shown->spec.heads, m = m_shown->spec.mlp_hidden;
        char nd[64], n3d[64], nn[96], nm[64], fused[64];
        std::snprintf(nd, sizeof nd, "%lld x %lld", static_cast<long long>(n), static_cast<long long>(d));
        std::snprintf(n3d, sizeof n3d, "%lld x %lld", static_cast<long long>(n), static_cast<long long>(3 * d));
        std::snprintf(nn, sizeof nn, "%lld x %lld x %lld", static_cast<long long>(h), static_cast<long long>(n), static_cast<long long>(n));
        std::snprintf(nm, sizeof nm, "%lld x %lld", static_cast<long long>(n), static_cast<long long>(m));
        std::snprintf(fused, sizeof fused, "%lld x %lld", static_cast<long long>(n), static_cast<long long>(3 * d + m));
        const ImU32 norm = IM_COL32(170, 200, 255, 255), attn = IM_COL32(255, 200, 120, 255), mlp = IM_COL32(150, 225, 150, 255),
                    add = IM_COL32(220, 220, 230, 255);
        float y = origin.y + 4;
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ParagraphDisabled(Tr(m_shown->spec.layout == BlockLayout::Parallel ? S::BlockDiagramParallel : S::BlockDiagramSequential));
        ImGui::PopStyleColor();
        y = ImGui::GetCursorScreenPos().y + 4;
        y = Box(draw, cx, y, "x", add, nd);
        if (m_shown->spec.layout == BlockLayout::Parallel) {
            const float skip = y - ImGui::GetFontSize() * 1.0f;
            y = Box(draw, cx, y, "LayerNorm", norm, nd);
            y = Box(draw, cx, y, Tr(S::BlockFusedProjection), attn, fused);
            // Two branches side by side.
            const float left = origin.x + width * 0.27f, right = origin.x + width * 0.73f;
            const ImU32 edge = IM_COL32(200, 200, 210, 200);
            const float split = ImGui::GetFontSize() * 1.2f;
            draw->AddLine(ImVec2(cx, y - 2), ImVec2(left, y + split), edge, 1.5f);
            draw->AddLine(ImVec2(cx, y - 2), ImVec2(right, y + split), edge, 1.5f);
            y += split;
            float yl = y, yr = y;
            yl = Box(draw, left, yl, m_shown->spec.qk_norm ? "LN(Q), LN(K)" : "Q, K, V", attn, nullptr);
            yl = Box(draw, left, yl + 6, "softmax(QK^T/sqrt(d_h))", attn, nn);
            yl = Box(draw, left, yl, "A V, W_o", attn, nd);
            yr = Box(draw, right, yr, "GELU", mlp, nm);
            yr = Box(draw, right, yr, Tr(S::DiagMlpOut), mlp, nd);
            y = std::max(yl, yr) + split;
            draw->AddLine(ImVec2(left, yl), ImVec2(cx, y), edge, 1.5f);
            draw->AddLine(ImVec2(right, yr), ImVec2(cx, y), edge, 1.5f);
            Residual(draw, cx, origin.x + width - ImGui::GetFontSize() * 0.5f, skip, y, Tr(S::DiagAddBoth));
            y = Box(draw, cx, y, Tr(S::DiagAddBoth), add, nd);
        } else {
            const bool pre = m_shown->spec.layout == BlockLayout::PreNorm;
            // Residual arrows: x skips the attention into "x + attention", which skips the MLP.
            const float edge_x = origin.x + width - ImGui::GetFontSize() * 0.8f;
            const float skip1 = y - ImGui::GetFontSize() * 1.0f;
            if (pre) y = Box(draw, cx, y, "LayerNorm", norm, nd);
            y = Box(draw, cx, y, "W_q, W_k, W_v", attn, n3d);
            if (m_shown->spec.qk_norm) y = Box(draw, cx, y, "LN(Q), LN(K)", norm, n3d);
            y = Box(draw, cx, y, "softmax(Q K^T / sqrt(d_h))", attn, nn);
            y = Box(draw, cx, y, "A V", attn, nd);
            y = Box(draw, cx, y, "W_o", attn, nd);
            Residual(draw, cx, edge_x, skip1, y, Tr(S::DiagAddAttention));
            y = Box(draw, cx, y, Tr(S::DiagAddAttention), add, nd);
            float skip2 = y - ImGui::GetFontSize() * 1.0f;
            y = Box(draw, cx, y, pre ? "LayerNorm" : Tr(S::DiagLayerNormPost), norm, nd);
            if (!pre) skip2 = y - ImGui::GetFontSize() * 1.0f;  // post-norm: the MLP's skip starts after the norm
            y = Box(draw, cx, y, Tr(S::DiagMlpIn), mlp, nm);
            y = Box(draw, cx, y, Tr(S::DiagMlpOut), mlp, nd);
            Residual(draw, cx, edge_x - ImGui::GetFontSize() * 0.4f, skip2, y, Tr(S::DiagAddMlp));
            y = Box(draw, cx, y, Tr(S::DiagAddMlp), add, pre ? nd : nullptr);
            if (!pre) y = Box(draw, cx, y + 6, Tr(S::DiagLayerNormPost), norm, nd);
        }
        ImGui::SetCursorScreenPos(ImVec2(origin.x, y + 8));
        ImGui::Dummy(ImVec2(width, 1));
    }

    void DrawTable() {
        const TransformerStats& st = m_shown->stats;
        auto big = [](Count v) { return FormatExact(v) + "  (" + FormatSI(static_cast<double>(v), 3) + ")"; };
        ImGui::Text("%s: %s", Tr(S::BlockTotalParameters), big(st.parameters).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockPerBlock), big(st.parameters_per_block).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockEmbeddings), big(st.embedding_parameters).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockTotalMacs), big(st.macs).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockAttentionMacs), big(st.attention_matmul_macs).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockWeightMatrices), big(st.weight_matrix_parameters).c_str());
        ImGui::Spacing();
        // Numbers whole in columns fitted to them; the part names and groups elide.
        if (ImGui::BeginTable("##parts", 5, TableFlagsNeverCut())) {
            LabelColumn(Tr(S::BlockPart), 2.2f);
            NumberColumn(Tr(S::BlockParameters));
            NumberColumn("x");
            NumberColumn(Tr(S::BlockMacs));
            LabelColumn(Tr(S::BlockGroup), 0.7f);
            ImGui::TableHeadersRow();
            for (const auto& part : st.parts) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                CellLabel(PartLabel(part));
                ImGui::TableSetColumnIndex(1);
                ImGui::TextUnformatted(FormatExact(part.parameters).c_str());
                ImGui::TableSetColumnIndex(2);
                ImGui::Text("%lld", static_cast<long long>(part.repeat));
                ImGui::TableSetColumnIndex(3);
                ImGui::TextUnformatted(FormatExact(part.macs).c_str());
                ImGui::TableSetColumnIndex(4);
                CellLabel(Tr(part.group == PartGroup::Embeddings ? S::BlockGroupEmbeddings
                             : part.group == PartGroup::Block ? S::BlockGroupBlock : S::BlockGroupHead), true);
            }
            ImGui::EndTable();
        }
        if (m_shown->notes) {
            ImGui::Spacing();
            ImGui::TextColored(ImVec4(1.0f, 0.82f, 0.45f, 1.0f), "%s", Tr(S::BlockNotesTitle));
            Paragraph(Printf(Tr(S::BlockNotesCompare), FormatExact(m_shown->notes->notes_qkv).c_str(), FormatExact(m_shown->notes->notes_mlp).c_str(),
                             FormatExact(m_shown->notes->notes_total).c_str(), FormatExact(m_shown->notes->exact).c_str(),
                             FormatExact(m_shown->notes->output_projection).c_str(), FormatExact(m_shown->notes->biases).c_str(),
                             FormatExact(m_shown->notes->norms).c_str()));
        }
    }

    std::string m_preset;
    const Result* m_shown = nullptr;  // this frame's result (owned by the task)
};

}  // namespace

LENS_REGISTER_PANEL(BlockPanel, 70, "block")

}  // namespace lens::app
