// app/panels/block_panel.cpp: "Transformer block". The sequential (pre- or post-LN) and the
// parallel block as diagrams with the shape on every edge, a table of parameters and MACs per part,
// the presets whose published sizes the calculator reproduces, and the notes' "3 x 768^2 + ..."
// block estimate against the exact block.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include <lens/memo.hpp>
#include <lens/transformer.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../widgets/spec_editor.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

struct BlockPreset {
    const char* key;
    S name;
};
constexpr BlockPreset kBlockPresets[] = {{"bert_base", S::BlockPresetBert}, {"gpt2", S::BlockPresetGpt2},
                                         {"vit_b_16", S::BlockPresetVit}, {"vit_22b", S::BlockPresetVit22b}};

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

class BlockPanel final : public Panel {
public:
    BlockPanel() { ApplyPreset("bert_base"); }

    const char* Id() const override { return "block"; }
    i18n::S Title() const override { return S::PanelBlock; }

    std::string ValidateKeys() override { return JoinIssues(Validate(m_spec)); }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        auto stats = ComputeTransformerStats(m_spec);
        if (!stats) return;
        sink.String("preset", m_preset);
        sink.Integer("parameters", stats->parameters);
        sink.Integer("parameters_per_block", stats->parameters_per_block);
        sink.Integer("embedding_parameters", stats->embedding_parameters);
        sink.Integer("head_parameters", stats->head_parameters);
        sink.Integer("weight_matrix_parameters", stats->weight_matrix_parameters);
        sink.Integer("macs", stats->macs);
        sink.Integer("attention_matmul_macs", stats->attention_matmul_macs);
        sink.Integer("block_macs", stats->block_macs);
        sink.Integer("tokens", stats->tokens);
        if (auto notes = CompareWithNotes(m_spec)) {
            sink.Integer("notes_block_estimate", notes->notes_total);
            sink.Integer("notes_left_out_output_projection", notes->output_projection);
        }
    }

protected:
    void BindKeys(KeyTable& keys) override {
        keys.Custom("preset", "bert_base|gpt2|vit_b_16|vit_22b", "load a model (apply before other keys)", [this](const std::string& v) -> std::string {
            if (!FindTransformerPreset(v)) return "'" + v + "' is not a preset";
            ApplyPreset(v);
            return {};
        });
        keys.Int64("layers", &m_spec.layers, 1, kTransformerMaxLayers, "blocks");
        keys.Int64("d_model", &m_spec.d_model, 1, 1 << 20, "width d");
        keys.Int64("heads", &m_spec.heads, 1, 1 << 16, "attention heads (divide d_model)");
        keys.Int64("mlp_hidden", &m_spec.mlp_hidden, 1, 1 << 22, "MLP width");
        keys.Custom("layout", "post_ln|pre_ln|parallel", "block layout", [this](const std::string& v) -> std::string {
            if (v == "post_ln") m_spec.layout = BlockLayout::PostNorm;
            else if (v == "pre_ln") m_spec.layout = BlockLayout::PreNorm;
            else if (v == "parallel") m_spec.layout = BlockLayout::Parallel;
            else return "'" + v + "' is not post_ln|pre_ln|parallel";
            return {};
        });
        keys.Bool("qkv_bias", &m_spec.qkv_bias, "biases of Q, K, V");
        keys.Bool("out_bias", &m_spec.out_bias, "bias of the attention output projection");
        keys.Bool("mlp_bias", &m_spec.mlp_bias, "biases of the MLP");
        keys.Bool("norm_bias", &m_spec.norm_bias, "LayerNorm biases");
        keys.Bool("qk_norm", &m_spec.qk_norm, "LayerNorm on queries and keys");
        keys.Bool("final_norm", &m_spec.final_norm, "LayerNorm after the last block");
        keys.Bool("pooler", &m_spec.pooler, "BERT's pooler Linear(d, d)");
        keys.Custom("head", "none|classifier|lm", "output head", [this](const std::string& v) -> std::string {
            if (v == "none") m_spec.head = HeadKind::None;
            else if (v == "classifier") m_spec.head = HeadKind::Classifier;
            else if (v == "lm") m_spec.head = HeadKind::LanguageModel;
            else return "'" + v + "' is not none|classifier|lm";
            return {};
        });
        keys.Int64("num_classes", &m_spec.num_classes, 1, 1 << 24, "classifier outputs");
        keys.Bool("tied_head", &m_spec.tied_head, "LM head shares the word embedding");
        keys.Int64("vocab_size", &m_spec.vocab_size, 1, 1 << 24, "vocabulary");
        keys.Int64("max_positions", &m_spec.max_positions, 0, 1 << 24, "learned positions (0 = none)");
        keys.Int64("token_types", &m_spec.token_types, 0, 1 << 16, "token-type rows (0 = none)");
        keys.Int64("image_size", &m_spec.image_size, 1, 1 << 16, "image side for patch embeddings, px");
        keys.Int64("patch", &m_spec.patch, 1, 1 << 12, "patch size P");
        keys.Bool("class_token", &m_spec.class_token, "a learned class token");
        keys.Int64("seq_len", &m_spec.seq_len, 1, 1 << 24, "tokens N for the MACs (text models)");
    }

    void DrawContent(AppContext& context) override {
        (void)context;
        const auto issues = Validate(m_spec);
        if (issues.empty()) {
            m_stats = ComputeTransformerStats(m_spec);
            m_notes = CompareWithNotes(m_spec);
        }
        BeginEditorColumn(18);
        DrawEditors(issues);
        BeginMainArea();
        if (m_stats) {
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
    void ApplyPreset(const std::string& key) {
        if (auto spec = FindTransformerPreset(key)) {
            m_spec = *spec;
            m_preset = key;
        }
    }

    void DrawEditors(const std::vector<SpecIssue>& issues) {
        int index = -1;
        for (int i = 0; i < 4; ++i)
            if (m_preset == kBlockPresets[i].key) index = i;
        ImGui::SetNextItemWidth(-1);
        if (ImGui::BeginCombo("##preset", index >= 0 ? Tr(kBlockPresets[index].name) : Tr(S::ConvPresetCustom))) {
            for (int i = 0; i < 4; ++i)
                if (ImGui::Selectable(Tr(kBlockPresets[i].name), i == index)) ApplyPreset(kBlockPresets[i].key);
            ImGui::EndCombo();
        }
        const TransformerSpec before = m_spec;
        SpecField(Tr(S::BlockLayers), "layers", &m_spec.layers, 1, kTransformerMaxLayers, issues);
        SpecField(Tr(S::BlockWidth), "d_model", &m_spec.d_model, 1, 1 << 20, issues);
        SpecField(Tr(S::BlockHeads), "heads", &m_spec.heads, 1, 1 << 16, issues);
        SpecField(Tr(S::BlockMlp), "mlp_hidden", &m_spec.mlp_hidden, 1, 1 << 22, issues);
        int layout = static_cast<int>(m_spec.layout);
        const char* layouts[] = {Tr(S::BlockPostLn), Tr(S::BlockPreLn), Tr(S::BlockParallel)};
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
        if (ImGui::Combo(Tr(S::BlockLayout), &layout, layouts, 3)) m_spec.layout = static_cast<BlockLayout>(layout);
        ImGui::Checkbox(Tr(S::BlockQkvBias), &m_spec.qkv_bias);
        ImGui::Checkbox(Tr(S::BlockOutBias), &m_spec.out_bias);
        ImGui::Checkbox(Tr(S::BlockMlpBias), &m_spec.mlp_bias);
        ImGui::Checkbox(Tr(S::BlockNormBias), &m_spec.norm_bias);
        ImGui::Checkbox(Tr(S::BlockQkNorm), &m_spec.qk_norm);
        ImGui::Separator();
        if (m_spec.embedding == EmbeddingKind::Tokens) {
            SpecField(Tr(S::BlockVocab), "vocab_size", &m_spec.vocab_size, 1, 1 << 24, issues);
            SpecField(Tr(S::BlockPositions), "max_positions", &m_spec.max_positions, 0, 1 << 24, issues);
            SpecField(Tr(S::BlockTokenTypes), "token_types", &m_spec.token_types, 0, 1 << 16, issues);
            SpecField(Tr(S::BlockSeqLen), "seq_len", &m_spec.seq_len, 1, 1 << 24, issues);
        } else {
            SpecField(Tr(S::BlockImageSize), "image_size", &m_spec.image_size, 1, 1 << 16, issues);
            SpecField(Tr(S::BlockPatch), "patch", &m_spec.patch, 1, 1 << 12, issues);
            ImGui::Checkbox(Tr(S::BlockClassToken), &m_spec.class_token);
        }
        ImGui::Checkbox(Tr(S::BlockFinalNorm), &m_spec.final_norm);
        ImGui::Checkbox(Tr(S::BlockPooler), &m_spec.pooler);
        for (const auto& issue : issues)
            if (issue.field != "layers" && issue.field != "d_model" && issue.field != "heads" && issue.field != "mlp_hidden" &&
                issue.field != "vocab_size" && issue.field != "max_positions" && issue.field != "token_types" &&
                issue.field != "seq_len" && issue.field != "image_size" && issue.field != "patch")
                ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.45f, 1.0f), "%s: %s", issue.field.c_str(), issue.message.c_str());
        if (!(before == m_spec)) m_preset.clear();
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

    void DrawDiagram() {
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        const float width = ImGui::GetContentRegionAvail().x;
        const float cx = origin.x + width * 0.5f;
        const Index n = m_stats->tokens, d = m_spec.d_model, h = m_spec.heads, m = m_spec.mlp_hidden;
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
        ImGui::TextWrapped("%s", Tr(m_spec.layout == BlockLayout::Parallel ? S::BlockDiagramParallel : S::BlockDiagramSequential));
        ImGui::PopStyleColor();
        y = ImGui::GetCursorScreenPos().y + 4;
        y = Box(draw, cx, y, "x", add, nd);
        if (m_spec.layout == BlockLayout::Parallel) {
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
            yl = Box(draw, left, yl, m_spec.qk_norm ? "LN(Q), LN(K)" : "Q, K, V", attn, nullptr);
            yl = Box(draw, left, yl + 6, "softmax(QK^T/sqrt(d_h))", attn, nn);
            yl = Box(draw, left, yl, "A V, W_o", attn, nd);
            yr = Box(draw, right, yr, "GELU", mlp, nm);
            yr = Box(draw, right, yr, "MLP out", mlp, nd);
            y = std::max(yl, yr) + split;
            draw->AddLine(ImVec2(left, yl), ImVec2(cx, y), edge, 1.5f);
            draw->AddLine(ImVec2(right, yr), ImVec2(cx, y), edge, 1.5f);
            y = Box(draw, cx, y, "x + attention + MLP", add, nd);
        } else {
            const bool pre = m_spec.layout == BlockLayout::PreNorm;
            if (pre) y = Box(draw, cx, y, "LayerNorm", norm, nd);
            y = Box(draw, cx, y, "W_q, W_k, W_v", attn, n3d);
            if (m_spec.qk_norm) y = Box(draw, cx, y, "LN(Q), LN(K)", norm, n3d);
            y = Box(draw, cx, y, "softmax(Q K^T / sqrt(d_h))", attn, nn);
            y = Box(draw, cx, y, "A V", attn, nd);
            y = Box(draw, cx, y, "W_o", attn, nd);
            y = Box(draw, cx, y, "x + attention", add, nd);
            y = Box(draw, cx, y, pre ? "LayerNorm" : "LayerNorm (post)", norm, nd);
            y = Box(draw, cx, y, "MLP in + GELU", mlp, nm);
            y = Box(draw, cx, y, "MLP out", mlp, nd);
            y = Box(draw, cx, y, "x + MLP", add, pre ? nd : nullptr);
            if (!pre) y = Box(draw, cx, y + 6, "LayerNorm (post)", norm, nd);
        }
        ImGui::SetCursorScreenPos(ImVec2(origin.x, y + 8));
        ImGui::Dummy(ImVec2(width, 1));
    }

    void DrawTable() {
        const TransformerStats& st = *m_stats;
        auto big = [](Count v) { return FormatExact(v) + "  (" + FormatSI(static_cast<double>(v), 3) + ")"; };
        ImGui::Text("%s: %s", Tr(S::BlockTotalParameters), big(st.parameters).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockPerBlock), big(st.parameters_per_block).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockEmbeddings), big(st.embedding_parameters).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockTotalMacs), big(st.macs).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockAttentionMacs), big(st.attention_matmul_macs).c_str());
        ImGui::Text("%s: %s", Tr(S::BlockWeightMatrices), big(st.weight_matrix_parameters).c_str());
        ImGui::Spacing();
        if (ImGui::BeginTable("##parts", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp)) {
            ImGui::TableSetupColumn(Tr(S::BlockPart), ImGuiTableColumnFlags_WidthStretch, 2.2f);
            ImGui::TableSetupColumn(Tr(S::BlockParameters), ImGuiTableColumnFlags_WidthStretch, 1.0f);
            ImGui::TableSetupColumn("x", ImGuiTableColumnFlags_WidthStretch, 0.35f);
            ImGui::TableSetupColumn(Tr(S::BlockMacs), ImGuiTableColumnFlags_WidthStretch, 1.2f);
            ImGui::TableSetupColumn(Tr(S::BlockGroup), ImGuiTableColumnFlags_WidthStretch, 0.7f);
            ImGui::TableHeadersRow();
            for (const auto& part : st.parts) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::TextUnformatted(PartLabel(part));
                ImGui::TableSetColumnIndex(1);
                ImGui::TextUnformatted(FormatExact(part.parameters).c_str());
                ImGui::TableSetColumnIndex(2);
                ImGui::Text("%lld", static_cast<long long>(part.repeat));
                ImGui::TableSetColumnIndex(3);
                ImGui::TextUnformatted(FormatExact(part.macs).c_str());
                ImGui::TableSetColumnIndex(4);
                ImGui::TextDisabled("%s", Tr(part.group == PartGroup::Embeddings ? S::BlockGroupEmbeddings
                                             : part.group == PartGroup::Block ? S::BlockGroupBlock : S::BlockGroupHead));
            }
            ImGui::EndTable();
        }
        if (m_notes) {
            ImGui::Spacing();
            ImGui::TextColored(ImVec4(1.0f, 0.82f, 0.45f, 1.0f), "%s", Tr(S::BlockNotesTitle));
            ImGui::PushTextWrapPos(0);
            ImGui::Text(Tr(S::BlockNotesCompare), FormatExact(m_notes->notes_qkv).c_str(), FormatExact(m_notes->notes_mlp).c_str(),
                        FormatExact(m_notes->notes_total).c_str(), FormatExact(m_notes->exact).c_str(),
                        FormatExact(m_notes->output_projection).c_str(), FormatExact(m_notes->biases).c_str(),
                        FormatExact(m_notes->norms).c_str());
            ImGui::PopTextWrapPos();
        }
    }

    TransformerSpec m_spec;
    std::string m_preset;
    std::optional<TransformerStats> m_stats;
    std::optional<NotesBlockComparison> m_notes;
};

}  // namespace

LENS_REGISTER_PANEL(BlockPanel, 70, "block")

}  // namespace lens::app
