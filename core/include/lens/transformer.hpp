// lens/transformer.hpp: a transformer stack calculator: exact parameters and MACs of embeddings,
// blocks and head from the hyper-parameters alone, part by part (the notes' "Attention is all you
// need" and "ViT-22B" sections; ../shared/reference/published-counts.md).
//
// Conventions (said out loud, because they decide the numbers):
// - Parameters are sum(p.numel() for p in model.parameters()): buffers are not parameters, and a
//   tied output head adds none (its matrix is the word embedding).
// - MACs follow torchvision's convention: one multiply-accumulate of a convolution, linear layer or
//   matmul counts 1; biases, norms, softmax, activations and pooling count 0; batch 1. Every GEMM
//   runs over all N tokens (the class token included), Q K^T and A V are counted (N^2 d each per
//   block, growing with N^2), and a causal mask saves nothing (the GEMM computes every score).
//   A classifier or pooler acts on one token (the class token); a language-model head on all N.
//   vit_b_16 at 224 gives 17,563,828,224 = torchvision's "17.564 GFLOPS".
// - A LayerNorm has d scales and, with norm_bias, d biases (ViT-22B drops them: scale only).
//   QK norm is one LayerNorm over d_head for the queries and one for the keys, shared by the heads
//   (timm's Attention(qk_norm=True)).
// - Parallel blocks (ViT-22B, PaLM) compute y = x + Attention(LN(x)) + MLP(LN(x)) with one
//   LayerNorm and one fused input projection [Wq; Wk; Wv; W_fc1] (d -> 3d + mlp); the counts equal
//   the separate projections', the structure is what differs.
// - Patch embeddings: a Conv2d(in_channels, d, P, stride P) over an image_size^2 image gives
//   floor(image_size / P)^2 patches (as the convolution floors), plus the class token.
//
// [SECTION] Spec
// [SECTION] Counts, part by part
// [SECTION] The notes' block estimate against the exact block
// [SECTION] Presets
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lens/spec.hpp"
#include "lens/count.hpp"

namespace lens {

// [SECTION] Spec

enum class EmbeddingKind {
    Tokens,   // word + position + token-type tables (BERT, GPT-2)
    Patches,  // patch convolution, optional class token, learned positions (ViT)
};

enum class BlockLayout {
    PostNorm,  // x = LN(x + Attention(x)); x = LN(x + MLP(x))          (BERT, the original transformer)
    PreNorm,   // x = x + Attention(LN(x)); x = x + MLP(LN(x))          (GPT-2, ViT)
    Parallel,  // x = x + Attention(LN(x)) + MLP(LN(x)), fused input    (ViT-22B, PaLM)
};

enum class HeadKind {
    None,           // the encoder's output (and the pooler, if any)
    Classifier,     // Linear(d, num_classes) on the class (or first) token
    LanguageModel,  // Linear(d, vocab_size) on every token, tied to the word embedding or not
};

struct TransformerSpec {
    // Embeddings
    EmbeddingKind embedding = EmbeddingKind::Tokens;
    Index vocab_size = 30522;       // Tokens: rows of the word embedding (and LM head outputs)
    Index max_positions = 512;      // Tokens: rows of the learned position table; 0: none (sinusoidal)
    Index token_types = 2;          // Tokens: rows of the token-type (segment) table; 0: none
    bool embedding_norm = true;     // Tokens: LayerNorm after the summed embeddings (BERT)
    Index image_size = 224;         // Patches: square image side, px
    Index patch = 16;               // Patches: P, px (kernel and stride of the patch convolution)
    Index in_channels = 3;          // Patches: image channels
    bool patch_bias = true;         // Patches: the convolution's bias
    bool class_token = true;        // Patches: a learned [class] token prepended (ViT); ViT-22B has none
    bool learned_positions = true;  // Patches: a learned position per token (class token included)
    // Blocks
    Index layers = 12;              // blocks
    Index d_model = 768;            // width
    Index heads = 12;               // divides d_model
    Index mlp_hidden = 3072;        // MLP width (4 x 768)
    BlockLayout layout = BlockLayout::PostNorm;
    bool qkv_bias = true;           // biases of Q, K, V
    bool out_bias = true;           // bias of the attention output projection
    bool mlp_bias = true;           // biases of both MLP layers
    bool norm_bias = true;          // LayerNorm biases (beta); off: scale only (ViT-22B)
    bool qk_norm = false;           // LayerNorm on queries and keys (ViT-22B)
    // Head
    bool final_norm = false;        // LayerNorm after the last block (GPT-2, ViT)
    bool pooler = false;            // Linear(d, d) + tanh on the first token (BERT), with bias
    HeadKind head = HeadKind::None;
    Index num_classes = 1000;       // Classifier outputs
    bool head_bias = true;          // the classifier's or LM head's bias
    bool tied_head = true;          // LanguageModel: reuses the word embedding (0 parameters)
    // Workload (MACs only)
    Index seq_len = 512;            // Tokens: N, at most max_positions when that is > 0. Patches: unused

    bool operator==(const TransformerSpec&) const = default;
};

inline constexpr Index kTransformerMaxSide = Index{1} << 31;  // every size field
inline constexpr Index kTransformerMaxLayers = 100000;

// Every problem with the spec, by field name (the CLI keys): sizes outside their ranges, heads not
// dividing d_model, seq_len above max_positions, a patch larger than the image, totals
// overflowing 64 bits (field "layers").
std::vector<SpecIssue> Validate(const TransformerSpec& spec);

// [SECTION] Counts, part by part

enum class PartKind {
    Embedding,  // a lookup table, a class token, a patch convolution
    Norm,       // a LayerNorm
    Linear,     // a weight matrix (with its bias)
    Matmul,     // Q K^T or A V: MACs, no parameters
};

enum class PartGroup {
    Embeddings,
    Block,  // counted once per layer: totals multiply by `repeat`
    Head,   // final norm, pooler, classifier or LM head
};

struct TransformerPart {
    std::string key;        // stable id: "embeddings.word", "block.attention.qkv", "head.pooler"
    std::string label;      // English, e.g. "Q, K, V projections 768 -> 2304"
    PartKind kind = PartKind::Linear;
    PartGroup group = PartGroup::Block;
    Count weights = 0;      // matrix, table or scale entries, per instance
    Count biases = 0;       // bias entries, per instance (LayerNorm beta included)
    Count parameters = 0;   // weights + biases, per instance
    Count macs = 0;         // per instance, batch 1
    Index repeat = 1;       // instances (layers for block parts)
};

struct TransformerStats {
    std::vector<TransformerPart> parts;  // embeddings, one block's parts (repeat = layers), head
    Index tokens = 0;                    // N the MACs assume (class token included)
    Index patches = 0;                   // Patches: floor(image_size / P)^2
    Count parameters = 0;                // total
    Count embedding_parameters = 0;
    Count parameters_per_block = 0;
    Count block_parameters = 0;          // layers x parameters_per_block
    Count head_parameters = 0;           // final norm + pooler + head
    Count weight_matrix_parameters = 0;  // the blocks' Linear weights alone (ViT-22B's 21,743,271,936)
    Count macs = 0;                      // total, batch 1
    Count attention_matmul_macs = 0;     // Q K^T and A V over all blocks: layers x 2 N^2 d
    Count block_macs = 0;                // per block
};

// The counts of a valid spec, or nullopt (issues) when Validate reports anything.
std::optional<TransformerStats> ComputeTransformerStats(const TransformerSpec& spec, std::vector<SpecIssue>* issues = nullptr);

// The part with `key`, or nullptr.
const TransformerPart* FindPart(const TransformerStats& stats, const std::string& key);

// [SECTION] The notes' block estimate against the exact block

// The notes: "V, K, Q: 3 x 768^2 ... MLP 768^2 x 4 x 2 ... 2M + 5M = 7.1M per block". Their two
// terms, against the exact block: what they leave out is the attention output projection (d^2),
// the biases and the LayerNorms. (At 768: 6,488,064 estimated against 7,087,872 exact; the "7.1M"
// comes from rounding 1.77M up to 2M and 4.72M up to 5M.)
struct NotesBlockComparison {
    Count notes_qkv = 0;           // 3 d^2
    Count notes_mlp = 0;           // 2 d mlp_hidden (the notes' 2 x 4 x d^2)
    Count notes_total = 0;         // their sum
    Count output_projection = 0;   // d^2 weights the notes leave out
    Count biases = 0;              // the block's biases (LayerNorm betas excluded)
    Count norms = 0;               // the block's LayerNorm parameters (QK norm included)
    Count exact = 0;               // parameters_per_block = notes_total + the three above
    std::string text;              // English, one paragraph with the numbers
};

// The comparison for a valid spec (nullopt otherwise).
std::optional<NotesBlockComparison> CompareWithNotes(const TransformerSpec& spec);

// [SECTION] Presets

// "bert_base" (bert-base-uncased with pooler), "gpt2" (small, tied LM head), "vit_b_16"
// (torchvision, 224 px), "vit_22b" (the paper's sizes; patch 14 at 224, no class token, parallel,
// QK norm, no QKV/output/LayerNorm biases; its attention-pooling (MAP) head is not modelled).
std::vector<std::pair<std::string, TransformerSpec>> TransformerPresets();
// The preset named `key`, or nullopt.
std::optional<TransformerSpec> FindTransformerPreset(const std::string& key);

}  // namespace lens
