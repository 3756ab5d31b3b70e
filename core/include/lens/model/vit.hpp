// lens/model/vit.hpp: a trained vision transformer read from a .safetensors checkpoint, its
// forward pass in float32 keeping every layer's attention, and attention rollout.
//
// Layouts, recognised by tensor names (PyTorch weights are [out, in], row-major):
//   timm         patch_embed.proj.weight, cls_token, dist_token, pos_embed, blocks.N.norm1,
//                blocks.N.attn.qkv, blocks.N.attn.proj, blocks.N.norm2, blocks.N.mlp.fc1/fc2,
//                norm, head, head_dist (DeiT distilled)
//   Hugging Face [vit.]embeddings.{cls_token, position_embeddings, patch_embeddings.projection},
//                [vit.]encoder.layer.N.{layernorm_before, attention.attention.query/key/value,
//                attention.output.dense, layernorm_after, intermediate.dense, output.dense},
//                [vit.]layernorm, classifier, pooler.dense (ViTModel; counted, not used)
//   torchvision  conv_proj, class_token, encoder.pos_embedding, encoder.layers.encoder_layer_N.
//                {ln_1, self_attention.in_proj_weight/bias, self_attention.out_proj, ln_2,
//                mlp.0/mlp.3 (or mlp.linear_1/linear_2)}, encoder.ln, heads.head
// Inferred from shapes: depth, width, patch size, MLP width, token count (the image size from the
// position table's length), class token, distillation token, head. Heads: `num_attention_heads`
// or `num_heads` of a config.json beside the file, else width / 64 (the ViT family's head width),
// or the caller's override. LayerNorm eps: 1e-6 (timm, torchvision), 1e-12 (Hugging Face), or the
// config's `layer_norm_eps`. Every tensor of the file must belong to the layout (else an error
// naming it), so the parameter count from the hyper-parameters equals the file's tensor sizes.
//
// The forward pass: patch embedding (the convolution as a GEMM over C x P x P patch vectors),
// prefix tokens [class, distillation], + positions, pre-LN blocks (x += Attn(LN(x)); x += MLP(LN(x)),
// exact erf GELU), final LN, then the head on the class token; with a distillation head the mean of
// head(class) and head_dist(distillation) (DeiT at inference); without a class token the head acts
// on the mean of the final-normed patch tokens. Token order: prefix tokens first, then patches
// row-major (origin top-left).
//
// [SECTION] Checkpoint
// [SECTION] Preprocessing
// [SECTION] Forward pass
// [SECTION] Rollout and figures
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "lens/count.hpp"
#include "lens/figures.hpp"
#include "lens/image.hpp"
#include "lens/model/safetensors.hpp"
#include "lens/task.hpp"
#include "lens/transformer.hpp"

namespace lens {

// [SECTION] Checkpoint

enum class VitLayout { Timm, HuggingFace, Torchvision };
// "timm", "huggingface", "torchvision".
const char* VitLayoutName(VitLayout layout);

struct VitConfig {
    VitLayout layout = VitLayout::Timm;
    Index depth = 0;         // blocks
    Index width = 0;         // d
    Index heads = 0;         // divides width
    Index mlp = 0;           // MLP hidden width
    Index patch = 0;         // P, px (kernel and stride of the patch convolution)
    Index channels = 3;      // image channels
    Index grid = 0;          // patches per side (the position table is square)
    Index image_size = 0;    // grid x patch, px
    Index tokens = 0;        // N = prefix + grid^2
    Index prefix = 0;        // class + distillation tokens
    bool class_token = false;
    bool dist_token = false;
    bool pos_covers_prefix = true;  // the position table has N rows (false: grid^2 rows, timm no_embed_class)
    bool head = false;              // a classifier
    bool head_dist = false;         // DeiT's distillation classifier
    bool pooler = false;            // Hugging Face ViTModel's pooler (in the file, unused by the forward pass)
    Index num_classes = 0;          // the head's outputs (0 without a head)
    double ln_eps = 1e-6;
    std::string heads_source;       // "config.json", "width / 64" or "override"
    // Preprocessing (ImageNet's by default; a config.json or preprocessor_config.json beside the file
    // may set image_mean / image_std, or timm's pretrained_cfg mean / std / crop_pct).
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
    double crop_pct = 0.875;        // resize the short side to image_size / crop_pct, centre-crop (timm, torchvision)
    bool resize_direct = false;     // Hugging Face: resize straight to image_size x image_size
};

struct VitLoadOptions {
    Index heads = 0;                 // 0: from config.json, else width / 64
    bool read_config = true;         // read config.json / preprocessor_config.json beside the file
    SafetensorsLimits limits{};
    Count max_attention_bytes = 2LL << 30;  // layers x heads x N^2 floats kept by the forward pass
};

class VitModel {
public:
    // Maps the checkpoint and recognises its layout; nullptr with *error (naming the file and the
    // reason: an unusable file, an unknown layout, a missing or misshapen tensor) when it cannot.
    static std::shared_ptr<const VitModel> Load(const std::string& path, const VitLoadOptions& options, std::string* error);

    const VitConfig& Config() const { return m_config; }
    const SafetensorsFile& File() const { return *m_file; }
    // Parameters in the file: the sum of its tensors' elements.
    Count FileParameters() const { return m_file->TotalElements(); }
    // The hyper-parameters as the Block calculator's spec (lens/transformer.hpp).
    TransformerSpec ToTransformerSpec() const;
    // Parameters computed from the hyper-parameters: the calculator's total plus what it does not
    // model (the distillation token, its position, the distillation head; minus the prefix
    // positions when the table covers the patches only).
    Count InferredParameters() const;

    struct Linear {
        const float* w = nullptr;  // [out, in] row-major
        const float* b = nullptr;  // [out] or null
        Index out = 0, in = 0;
    };
    struct Norm {
        const float* w = nullptr;
        const float* b = nullptr;
    };
    struct Block {
        Norm ln1, ln2;
        Linear q, k, v, proj, fc1, fc2;
    };
    struct Weights {
        Linear patch;  // [d, C*P*P]
        const float* cls = nullptr;
        const float* dist = nullptr;
        const float* pos = nullptr;  // [pos rows, d]
        std::vector<Block> blocks;
        Norm norm;
        Linear head, head_dist;
    };
    const Weights& W() const { return m_w; }

private:
    friend struct VitLoader;
    VitModel() = default;
    std::unique_ptr<SafetensorsFile> m_file;
    std::vector<std::vector<float>> m_converted;  // F16 / BF16 / unaligned tensors, widened once
    VitConfig m_config;
    Weights m_w;
};

// [SECTION] Preprocessing

// The model's input, C x S x S float32 (S = image_size, index (c * S + y) * S + x), normalised with
// the config's mean and std. Resampling is bilinear with PIL's antialiasing (a triangle filter
// widened by the scale factor when shrinking, as torchvision's Resize on PIL images), in float:
// timm / torchvision resize the short side to floor(S / crop_pct) (256 for 224) and centre-crop
// S x S; Hugging Face resizes to S x S directly. Empty for an empty image.
std::vector<float> PreprocessForVit(const Image& image, const VitConfig& config);
// The preprocessed crop as RGB bytes (S x S, un-normalised), for display.
Image VitCropImage(const Image& image, const VitConfig& config);

// [SECTION] Forward pass

struct VitRun {
    VitConfig config;
    Count file_parameters = 0;
    Count inferred_parameters = 0;
    std::vector<float> input;      // C x S x S
    std::vector<float> attention;  // depth x heads x N x N, softmax rows
    std::vector<float> logits;     // num_classes (empty without a head)
    std::vector<float> rollout;    // N x N
    std::vector<Index> top;        // up to 5 class indices, best first
    std::vector<float> top_prob;   // their softmax probabilities
};

// The forward pass on a prepared input (C x S x S). Polls the context between stages (throws
// TaskCancelled) and reports progress by layer. Throws std::runtime_error on a wrong input size.
VitRun RunVit(const VitModel& model, std::vector<float> input, TaskContext& context);

// C = A B^T (transpose_b) or A B, all row-major: A is m x k, B is n x k (or k x n), C is m x n.
// Every matrix product of the forward pass goes through here (Eigen's GEMM).
void VitGemm(const float* a, const float* b, float* c, Index m, Index k, Index n, bool transpose_b);

// [SECTION] Rollout and figures

// Attention rollout (Abnar and Zuidema 2020): per layer the heads' mean A, then (A + I) with rows
// renormalised, multiplied through the layers: R = A_L' ... A_1'. `attention` is depth x heads x N x N.
std::vector<float> AttentionRollout(const std::vector<float>& attention, Index depth, Index heads, Index tokens);

// Names every figure: hyper-parameters, parameter counts, top-5 (stats.json), and the arrays input
// (C x S x S), attention (depth x heads x N x N), rollout (N x N), logits (when there is a head).
void VisitFigures(const VitRun& run, FigureVisitor& visitor);

}  // namespace lens
