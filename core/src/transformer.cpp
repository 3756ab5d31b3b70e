// transformer.cpp: exact parameter and MAC counts of a transformer stack, part by part.
//
// [SECTION] Helpers: checked arithmetic that remembers an overflow
// [SECTION] Validation
// [SECTION] Parts
// [SECTION] Totals
// [SECTION] The notes' block estimate
// [SECTION] Presets
#include "lens/transformer.hpp"

#include <algorithm>
#include <initializer_list>

namespace lens {
namespace {

// [SECTION] Helpers: checked arithmetic that remembers an overflow


std::string Num(Index v) { return std::to_string(v); }

void Report(std::vector<SpecIssue>& issues, std::string field, std::string message) {
    issues.push_back({std::move(field), std::move(message)});
}

void Range(std::vector<SpecIssue>& issues, const char* field, Index value, Index lo, Index hi) {
    if (value < lo || value > hi) {
        Report(issues, field, std::string(field) + " must be between " + FormatExact(lo) + " and " + FormatExact(hi) + " (got " + Num(value) + ")");
    }
}

Index PatchesOf(const TransformerSpec& spec) {
    const Index side = spec.image_size / spec.patch;
    return side * side;  // side <= 2^31: fits
}

Index TokensOf(const TransformerSpec& spec) {
    if (spec.embedding == EmbeddingKind::Tokens) return spec.seq_len;
    return PatchesOf(spec) + (spec.class_token ? 1 : 0);
}

// Builds the parts of a spec whose fields are in range; `c` records any overflow.
std::vector<TransformerPart> BuildParts(const TransformerSpec& spec, CheckedCount& c);

std::vector<SpecIssue> ValidateFields(const TransformerSpec& spec) {
    std::vector<SpecIssue> issues;
    Range(issues, "layers", spec.layers, 1, kTransformerMaxLayers);
    Range(issues, "d_model", spec.d_model, 1, kTransformerMaxSide);
    if (spec.heads < 1 || spec.heads > std::max<Index>(1, std::min(spec.d_model, kTransformerMaxSide))) {
        Report(issues, "heads", "heads must be between 1 and d_model (got " + Num(spec.heads) + ")");
    } else if (spec.d_model >= 1 && spec.d_model % spec.heads != 0) {
        Report(issues, "heads", "heads (" + Num(spec.heads) + ") must divide d_model (" + Num(spec.d_model) + ")");
    }
    Range(issues, "mlp_hidden", spec.mlp_hidden, 1, kTransformerMaxSide);
    if (spec.embedding == EmbeddingKind::Tokens) {
        Range(issues, "vocab_size", spec.vocab_size, 1, kTransformerMaxSide);
        Range(issues, "max_positions", spec.max_positions, 0, kTransformerMaxSide);
        Range(issues, "token_types", spec.token_types, 0, kTransformerMaxSide);
        Range(issues, "seq_len", spec.seq_len, 1, kTransformerMaxSide);
        if (spec.max_positions > 0 && spec.seq_len > spec.max_positions) {
            Report(issues, "seq_len", "seq_len (" + Num(spec.seq_len) + ") exceeds the " + Num(spec.max_positions) +
                                          " learned positions (max_positions)");
        }
    } else {
        Range(issues, "image_size", spec.image_size, 1, kTransformerMaxSide);
        Range(issues, "in_channels", spec.in_channels, 1, kTransformerMaxSide);
        if (spec.patch < 1) {
            Report(issues, "patch", "patch must be at least 1 px (got " + Num(spec.patch) + ")");
        } else if (spec.image_size >= 1 && spec.patch > spec.image_size) {
            Report(issues, "patch", "the patch (" + Num(spec.patch) + " px) is larger than the image (" + Num(spec.image_size) + " px)");
        }
    }
    if (spec.head == HeadKind::Classifier) Range(issues, "num_classes", spec.num_classes, 1, kTransformerMaxSide);
    if (spec.head == HeadKind::LanguageModel) {
        if (spec.embedding != EmbeddingKind::Tokens && spec.tied_head) {
            Report(issues, "tied_head", "a tied language-model head needs word embeddings (embedding = tokens)");
        }
        Range(issues, "vocab_size", spec.vocab_size, 1, kTransformerMaxSide);
    }
    return issues;
}

}  // namespace

// [SECTION] Validation

std::vector<SpecIssue> Validate(const TransformerSpec& spec) {
    std::vector<SpecIssue> issues = ValidateFields(spec);
    if (!issues.empty()) return issues;
    CheckedCount c;
    std::vector<TransformerPart> parts = BuildParts(spec, c);
    Count params = 0, macs = 0;
    for (const TransformerPart& p : parts) {
        params = c.Add(params, c.Mul({p.parameters, p.repeat}));
        macs = c.Add(macs, c.Mul({p.macs, p.repeat}));
    }
    if (c.Overflow()) Report(issues, "layers", "the parameter or MAC totals exceed 2^63 (9.2e18): too large to count");
    return issues;
}

// [SECTION] Parts

namespace {

std::vector<TransformerPart> BuildParts(const TransformerSpec& spec, CheckedCount& c) {
    std::vector<TransformerPart> parts;
    const Index d = spec.d_model, n = TokensOf(spec), dh = d / spec.heads, mlp = spec.mlp_hidden;
    const std::string ds = Num(d);
    auto add = [&](std::string key, std::string label, PartKind kind, PartGroup group, Count weights, Count biases, Count macs) {
        TransformerPart p;
        p.key = std::move(key);
        p.label = std::move(label);
        p.kind = kind;
        p.group = group;
        p.weights = weights;
        p.biases = biases;
        p.parameters = c.Add(weights, biases);
        p.macs = macs;
        p.repeat = group == PartGroup::Block ? spec.layers : 1;
        parts.push_back(std::move(p));
    };
    auto norm = [&](std::string key, std::string label, PartGroup group, Index width) {
        add(std::move(key), std::move(label) + " (LayerNorm " + Num(width) + (spec.norm_bias ? "" : ", scale only") + ")", PartKind::Norm,
            group, width, spec.norm_bias ? width : 0, 0);
    };
    // A linear layer in -> out applied to `rows` tokens.
    auto linear = [&](std::string key, std::string label, PartGroup group, Index in, Index out, Count bias, Index rows) {
        add(std::move(key), std::move(label) + " " + Num(in) + " -> " + Num(out), PartKind::Linear, group, c.Mul({in, out}), bias,
            c.Mul({rows, in, out}));
    };

    // Embeddings.
    if (spec.embedding == EmbeddingKind::Tokens) {
        add("embeddings.word", "word embeddings " + Num(spec.vocab_size) + " x " + ds, PartKind::Embedding, PartGroup::Embeddings,
            c.Mul({spec.vocab_size, d}), 0, 0);
        if (spec.max_positions > 0) {
            add("embeddings.position", "learned positions " + Num(spec.max_positions) + " x " + ds, PartKind::Embedding,
                PartGroup::Embeddings, c.Mul({spec.max_positions, d}), 0, 0);
        }
        if (spec.token_types > 0) {
            add("embeddings.token_type", "token types " + Num(spec.token_types) + " x " + ds, PartKind::Embedding, PartGroup::Embeddings,
                c.Mul({spec.token_types, d}), 0, 0);
        }
        if (spec.embedding_norm) norm("embeddings.norm", "embedding norm", PartGroup::Embeddings, d);
    } else {
        const Index patches = PatchesOf(spec);
        const Count kernel = c.Mul({spec.in_channels, spec.patch, spec.patch});
        add("embeddings.patch",
            "patch embedding Conv2d(" + Num(spec.in_channels) + ", " + ds + ", " + Num(spec.patch) + ", stride " + Num(spec.patch) + ") over " +
                Num(patches) + " patches",
            PartKind::Embedding, PartGroup::Embeddings, c.Mul({kernel, d}), spec.patch_bias ? d : 0, c.Mul({kernel, d, patches}));
        if (spec.class_token) add("embeddings.class_token", "class token 1 x " + ds, PartKind::Embedding, PartGroup::Embeddings, d, 0, 0);
        if (spec.learned_positions) {
            add("embeddings.position", "learned positions " + Num(n) + " x " + ds, PartKind::Embedding, PartGroup::Embeddings,
                c.Mul({n, d}), 0, 0);
        }
    }

    // One block (repeat = layers).
    const bool parallel = spec.layout == BlockLayout::Parallel;
    const std::string where = spec.layout == BlockLayout::PostNorm ? "after" : "before";
    if (parallel) {
        norm("block.norm", "shared input norm", PartGroup::Block, d);
        const Count bias = c.Add(spec.qkv_bias ? 3 * d : 0, spec.mlp_bias ? mlp : 0);
        linear("block.in_proj", "fused input projection [Q; K; V; MLP in]", PartGroup::Block, d, c.Add(3 * d, mlp), bias, n);
    } else {
        norm("block.norm1", "attention norm (" + where + ")", PartGroup::Block, d);
        linear("block.attention.qkv", "Q, K, V projections", PartGroup::Block, d, 3 * d, spec.qkv_bias ? 3 * d : 0, n);
    }
    if (spec.qk_norm) {
        add("block.attention.qk_norm", "QK norm (2 x LayerNorm " + Num(dh) + (spec.norm_bias ? "" : ", scale only") + ")", PartKind::Norm,
            PartGroup::Block, 2 * dh, spec.norm_bias ? 2 * dh : 0, 0);
    }
    // heads x (N x d_head)(d_head x N) = N^2 d, and the same for A V.
    add("block.attention.scores", "scores Q K^T (" + Num(spec.heads) + " heads x " + Num(n) + " x " + Num(n) + " x " + Num(dh) + ")",
        PartKind::Matmul, PartGroup::Block, 0, 0, c.Mul({n, n, d}));
    add("block.attention.context", "context A V (" + Num(spec.heads) + " heads x " + Num(n) + " x " + Num(n) + " x " + Num(dh) + ")",
        PartKind::Matmul, PartGroup::Block, 0, 0, c.Mul({n, n, d}));
    linear("block.attention.out", "attention output projection", PartGroup::Block, d, d, spec.out_bias ? d : 0, n);
    if (!parallel) {
        norm("block.norm2", "MLP norm (" + where + ")", PartGroup::Block, d);
        linear("block.mlp.fc1", "MLP in", PartGroup::Block, d, mlp, spec.mlp_bias ? mlp : 0, n);
    }
    linear("block.mlp.fc2", "MLP out", PartGroup::Block, mlp, d, spec.mlp_bias ? d : 0, n);

    // Head.
    if (spec.final_norm) norm("head.norm", "final norm", PartGroup::Head, d);
    if (spec.pooler) linear("head.pooler", "pooler (first token)", PartGroup::Head, d, d, d, 1);
    if (spec.head == HeadKind::Classifier) {
        linear("head.classifier", "classifier (one token)", PartGroup::Head, d, spec.num_classes, spec.head_bias ? spec.num_classes : 0, 1);
    } else if (spec.head == HeadKind::LanguageModel) {
        const Count bias = spec.head_bias ? spec.vocab_size : 0;
        const Count macs = c.Mul({n, d, spec.vocab_size});
        if (spec.tied_head) {
            add("head.lm", "language-model head " + ds + " -> " + Num(spec.vocab_size) + " (tied to the word embeddings)", PartKind::Linear,
                PartGroup::Head, 0, bias, macs);
        } else {
            add("head.lm", "language-model head " + ds + " -> " + Num(spec.vocab_size), PartKind::Linear, PartGroup::Head,
                c.Mul({d, spec.vocab_size}), bias, macs);
        }
    }
    return parts;
}

}  // namespace

// [SECTION] Totals

std::optional<TransformerStats> ComputeTransformerStats(const TransformerSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> problems = Validate(spec);
    if (!problems.empty()) {
        if (issues) issues->insert(issues->end(), problems.begin(), problems.end());
        return std::nullopt;
    }
    CheckedCount c;  // Validate proved every sum and product below fits
    TransformerStats s;
    s.parts = BuildParts(spec, c);
    s.tokens = TokensOf(spec);
    s.patches = spec.embedding == EmbeddingKind::Patches ? PatchesOf(spec) : 0;
    for (const TransformerPart& p : s.parts) {
        const Count params = c.Mul({p.parameters, p.repeat}), macs = c.Mul({p.macs, p.repeat});
        s.parameters = c.Add(s.parameters, params);
        s.macs = c.Add(s.macs, macs);
        switch (p.group) {
            case PartGroup::Embeddings: s.embedding_parameters = c.Add(s.embedding_parameters, params); break;
            case PartGroup::Block:
                s.parameters_per_block = c.Add(s.parameters_per_block, p.parameters);
                s.block_parameters = c.Add(s.block_parameters, params);
                s.block_macs = c.Add(s.block_macs, p.macs);
                if (p.kind == PartKind::Linear) s.weight_matrix_parameters = c.Add(s.weight_matrix_parameters, c.Mul({p.weights, p.repeat}));
                if (p.kind == PartKind::Matmul) s.attention_matmul_macs = c.Add(s.attention_matmul_macs, macs);
                break;
            case PartGroup::Head: s.head_parameters = c.Add(s.head_parameters, params); break;
        }
    }
    return s;
}

const TransformerPart* FindPart(const TransformerStats& stats, const std::string& key) {
    for (const TransformerPart& p : stats.parts)
        if (p.key == key) return &p;
    return nullptr;
}

// [SECTION] The notes' block estimate

std::optional<NotesBlockComparison> CompareWithNotes(const TransformerSpec& spec) {
    const std::optional<TransformerStats> stats = ComputeTransformerStats(spec);
    if (!stats) return std::nullopt;
    CheckedCount c;
    NotesBlockComparison cmp;
    const Index d = spec.d_model;
    cmp.notes_qkv = c.Mul({3, d, d});
    cmp.notes_mlp = c.Mul({2, d, spec.mlp_hidden});
    cmp.notes_total = c.Add(cmp.notes_qkv, cmp.notes_mlp);
    cmp.output_projection = c.Mul({d, d});
    for (const TransformerPart& p : stats->parts) {
        if (p.group != PartGroup::Block) continue;
        if (p.kind == PartKind::Norm) cmp.norms = c.Add(cmp.norms, p.parameters);
        if (p.kind == PartKind::Linear) cmp.biases = c.Add(cmp.biases, p.biases);
    }
    cmp.exact = stats->parameters_per_block;
    cmp.text = "The notes count a block as Q, K, V (3 x " + Num(d) + "^2 = " + FormatExact(cmp.notes_qkv) + ") plus the MLP (2 x " + Num(d) +
               " x " + Num(spec.mlp_hidden) + " = " + FormatExact(cmp.notes_mlp) + "): " + FormatExact(cmp.notes_total) + ". The exact block has " +
               FormatExact(cmp.exact) + ": they leave out the attention output projection (" + Num(d) + "^2 = " +
               FormatExact(cmp.output_projection) + "), the biases (" + FormatExact(cmp.biases) + ") and the LayerNorms (" +
               FormatExact(cmp.norms) + ").";
    if (d == 768 && spec.mlp_hidden == 3072) {
        cmp.text += " Their \"2M + 5M = 7.1M\" rounds 1.77M up to 2M and 4.72M up to 5M, which happens to land near the exact figure.";
    }
    return cmp;
}

// [SECTION] Presets

std::vector<std::pair<std::string, TransformerSpec>> TransformerPresets() {
    TransformerSpec bert;  // the defaults are bert-base-uncased
    bert.pooler = true;

    TransformerSpec gpt2;
    gpt2.vocab_size = 50257;
    gpt2.max_positions = 1024;
    gpt2.token_types = 0;
    gpt2.embedding_norm = false;
    gpt2.layout = BlockLayout::PreNorm;
    gpt2.final_norm = true;
    gpt2.head = HeadKind::LanguageModel;
    gpt2.tied_head = true;
    gpt2.head_bias = false;
    gpt2.seq_len = 1024;

    TransformerSpec vit;
    vit.embedding = EmbeddingKind::Patches;
    vit.image_size = 224;
    vit.patch = 16;
    vit.layout = BlockLayout::PreNorm;
    vit.final_norm = true;
    vit.head = HeadKind::Classifier;
    vit.num_classes = 1000;

    TransformerSpec vit22b;
    vit22b.embedding = EmbeddingKind::Patches;
    vit22b.image_size = 224;
    vit22b.patch = 14;
    vit22b.class_token = false;
    vit22b.layers = 48;
    vit22b.d_model = 6144;
    vit22b.heads = 48;
    vit22b.mlp_hidden = 24576;
    vit22b.layout = BlockLayout::Parallel;
    vit22b.qkv_bias = false;
    vit22b.out_bias = false;
    vit22b.mlp_bias = true;
    vit22b.norm_bias = false;
    vit22b.qk_norm = true;
    vit22b.final_norm = true;
    vit22b.head = HeadKind::None;

    return {{"bert_base", bert}, {"gpt2", gpt2}, {"vit_b_16", vit}, {"vit_22b", vit22b}};
}

std::optional<TransformerSpec> FindTransformerPreset(const std::string& key) {
    for (auto& [name, spec] : TransformerPresets())
        if (name == key) return spec;
    return std::nullopt;
}

}  // namespace lens
