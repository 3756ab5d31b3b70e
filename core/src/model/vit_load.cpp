// lens/model/vit_load.cpp: recognising a ViT checkpoint's layout and hyper-parameters from its
// tensor names and shapes, and reading config.json / preprocessor_config.json beside it.
//
// [SECTION] Names of each layout
// [SECTION] Tensor access with shape checks
// [SECTION] config.json
// [SECTION] Loading
// [SECTION] Parameter counts
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "lens/model/vit.hpp"

namespace lens {

const char* VitLayoutName(VitLayout layout) {
    switch (layout) {
        case VitLayout::Timm: return "timm";
        case VitLayout::HuggingFace: return "huggingface";
        case VitLayout::Torchvision: return "torchvision";
    }
    return "?";
}

namespace {

// [SECTION] Names of each layout

struct BlockNames {
    std::string ln1, ln2;     // prefixes: NAME.weight, NAME.bias
    std::string qkv_weight;   // packed [3d, d] (timm, torchvision); empty for Hugging Face
    std::string qkv_bias;
    std::string q, k, v;      // separate [d, d] prefixes (Hugging Face)
    std::string proj, fc1, fc2;
};

struct LayoutNames {
    VitLayout layout = VitLayout::Timm;
    std::string patch, cls, dist, pos, norm, head, head_dist, pooler;  // "" when the layout has none
    std::string block_probe;  // a per-block tensor whose presence counts the blocks ("%d" = index)
};

std::string WithIndex(const std::string& pattern, Index i) {
    const auto at = pattern.find("%d");
    return pattern.substr(0, at) + std::to_string(i) + pattern.substr(at + 2);
}

BlockNames BlockNamesOf(const LayoutNames& names, const SafetensorsFile& file, Index i) {
    const std::string n = std::to_string(i);
    BlockNames b;
    switch (names.layout) {
        case VitLayout::Timm: {
            const std::string p = "blocks." + n + ".";
            b = {p + "norm1", p + "norm2", p + "attn.qkv.weight", p + "attn.qkv.bias", "", "", "", p + "attn.proj", p + "mlp.fc1", p + "mlp.fc2"};
            break;
        }
        case VitLayout::HuggingFace: {
            const std::string root = names.patch.substr(0, names.patch.find("embeddings."));  // "vit." or ""
            const std::string p = root + "encoder.layer." + n + ".";
            b = {p + "layernorm_before", p + "layernorm_after", "", "", p + "attention.attention.query", p + "attention.attention.key",
                 p + "attention.attention.value", p + "attention.output.dense", p + "intermediate.dense", p + "output.dense"};
            break;
        }
        case VitLayout::Torchvision: {
            const std::string p = "encoder.layers.encoder_layer_" + n + ".";
            const bool numbered = file.Find(p + "mlp.0.weight") != nullptr;
            b = {p + "ln_1", p + "ln_2", p + "self_attention.in_proj_weight", p + "self_attention.in_proj_bias", "", "", "",
                 p + "self_attention.out_proj", numbered ? p + "mlp.0" : p + "mlp.linear_1", numbered ? p + "mlp.3" : p + "mlp.linear_2"};
            break;
        }
    }
    return b;
}

std::optional<LayoutNames> RecogniseLayout(const SafetensorsFile& file) {
    if (file.Find("patch_embed.proj.weight"))
        return LayoutNames{VitLayout::Timm, "patch_embed.proj", "cls_token", "dist_token", "pos_embed", "norm", "head", "head_dist", "",
                           "blocks.%d.norm1.weight"};
    if (file.Find("conv_proj.weight"))
        return LayoutNames{VitLayout::Torchvision, "conv_proj", "class_token", "", "encoder.pos_embedding", "encoder.ln", "heads.head", "", "",
                           "encoder.layers.encoder_layer_%d.ln_1.weight"};
    for (const std::string root : {"vit.", ""}) {
        if (file.Find(root + "embeddings.patch_embeddings.projection.weight"))
            return LayoutNames{VitLayout::HuggingFace, root + "embeddings.patch_embeddings.projection", root + "embeddings.cls_token", "",
                               root + "embeddings.position_embeddings", root + "layernorm", "classifier", "", root + "pooler.dense",
                               root + "encoder.layer.%d.layernorm_before.weight"};
    }
    return std::nullopt;
}

// [SECTION] Tensor access with shape checks

std::string ShapeText(const std::vector<Index>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace

// Fills a VitModel; a friend of it. Throws std::runtime_error with the reason; Load catches.
struct VitLoader {
    VitModel& model;
    const SafetensorsFile& file;
    std::set<std::string> used;

    VitModel::Weights& Mutable() { return model.m_w; }

    const float* Floats(const TensorInfo& t) {
        const std::span<const float> view = file.FloatView(t);
        if (!view.empty() || t.Elements() == 0) return view.data();
        model.m_converted.emplace_back(static_cast<std::size_t>(t.Elements()));
        file.ToFloat(t, model.m_converted.back());
        return model.m_converted.back().data();
    }
    // The tensor `name` with exactly `shape`, or null when absent and not `required`.
    const float* Get(const std::string& name, const std::vector<Index>& shape, bool required = true) {
        const TensorInfo* t = file.Find(name);
        if (t == nullptr) {
            if (required) throw std::runtime_error("tensor '" + name + "' is missing");
            return nullptr;
        }
        if (t->shape != shape)
            throw std::runtime_error("tensor '" + name + "' has shape " + ShapeText(t->shape) + ", expected " + ShapeText(shape));
        used.insert(name);
        return Floats(*t);
    }
    const std::vector<Index>& ShapeOf(const std::string& name) {
        const TensorInfo* t = file.Find(name);
        if (t == nullptr) throw std::runtime_error("tensor '" + name + "' is missing");
        return t->shape;
    }
    VitModel::Linear Linear(const std::string& prefix, Index out, Index in, bool bias_required = false) {
        return {Get(prefix + ".weight", {out, in}), Get(prefix + ".bias", {out}, bias_required), out, in};
    }
    VitModel::Norm Norm(const std::string& prefix, Index d) { return {Get(prefix + ".weight", {d}), Get(prefix + ".bias", {d})}; }
};

namespace {

// [SECTION] config.json

// The settings a config.json / preprocessor_config.json beside the checkpoint may give.
void ReadConfigs(const std::string& checkpoint, VitConfig& config, Index* config_heads) {
    const std::filesystem::path dir = std::filesystem::path(checkpoint).parent_path();
    auto read = [](const std::filesystem::path& path) -> std::optional<nlohmann::json> {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
        if (std::filesystem::file_size(path, ec) > (16u << 20)) throw std::runtime_error("'" + path.string() + "' is larger than 16 MiB");
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
        if (j.is_discarded() || !j.is_object()) throw std::runtime_error("'" + path.string() + "' is not a JSON object");
        return j;
    };
    auto triple = [](const nlohmann::json& j, const char* key, std::array<float, 3>& out) {
        const auto it = j.find(key);
        if (it == j.end() || !it->is_array() || it->size() != 3) return;
        for (std::size_t i = 0; i < 3; ++i)
            if ((*it)[i].is_number()) out[i] = (*it)[i].get<float>();
    };
    auto positive_int = [](const nlohmann::json& j, const char* key) -> Index {
        const auto it = j.find(key);
        return it != j.end() && it->is_number_integer() && it->get<std::int64_t>() > 0 ? it->get<std::int64_t>() : 0;
    };
    if (const auto preprocessor = read(dir / "preprocessor_config.json")) {
        triple(*preprocessor, "image_mean", config.mean);
        triple(*preprocessor, "image_std", config.std);
    }
    const auto cfg = read(dir / "config.json");
    if (!cfg) return;
    *config_heads = positive_int(*cfg, "num_attention_heads");
    if (*config_heads == 0) *config_heads = positive_int(*cfg, "num_heads");
    if (const auto args = cfg->find("model_args"); *config_heads == 0 && args != cfg->end() && args->is_object())
        *config_heads = positive_int(*args, "num_heads");
    if (const auto eps = cfg->find("layer_norm_eps"); eps != cfg->end() && eps->is_number() && eps->get<double>() > 0)
        config.ln_eps = eps->get<double>();
    triple(*cfg, "image_mean", config.mean);
    triple(*cfg, "image_std", config.std);
    if (const auto pre = cfg->find("pretrained_cfg"); pre != cfg->end() && pre->is_object()) {
        triple(*pre, "mean", config.mean);
        triple(*pre, "std", config.std);
        if (const auto crop = pre->find("crop_pct"); crop != pre->end() && crop->is_number() && crop->get<double>() > 0.1 &&
                                                     crop->get<double>() <= 1.0)
            config.crop_pct = crop->get<double>();
    }
    for (float s : config.std)
        if (!(s > 0)) throw std::runtime_error("the config's image std has a value that is not positive");
}

Index SquareSide(Index n) {
    const auto side = static_cast<Index>(std::llround(std::sqrt(static_cast<double>(n))));
    return side * side == n ? side : -1;
}

void InferTokens(VitLoader& loader, const LayoutNames& names, VitConfig& c) {
    VitModel::Weights& w = loader.Mutable();
    const Index d = c.width;
    w.cls = loader.Get(names.cls, {1, 1, d}, false);
    w.dist = names.dist.empty() ? nullptr : loader.Get(names.dist, {1, 1, d}, false);
    c.class_token = w.cls != nullptr;
    c.dist_token = w.dist != nullptr;
    c.prefix = (c.class_token ? 1 : 0) + (c.dist_token ? 1 : 0);
    const std::vector<Index> pos_shape = loader.ShapeOf(names.pos);
    if (pos_shape.size() != 3 || pos_shape[0] != 1 || pos_shape[2] != d)
        throw std::runtime_error("tensor '" + names.pos + "' has shape " + ShapeText(pos_shape) + ", expected [1, tokens, " + std::to_string(d) + "]");
    const Index rows = pos_shape[1];
    if (rows > c.prefix && SquareSide(rows - c.prefix) > 0) {
        c.grid = SquareSide(rows - c.prefix);
        c.pos_covers_prefix = true;
    } else if (c.prefix > 0 && SquareSide(rows) > 0) {
        c.grid = SquareSide(rows);
        c.pos_covers_prefix = false;  // timm's no_embed_class: prefix tokens get no position
    } else {
        throw std::runtime_error("tensor '" + names.pos + "' has " + std::to_string(rows) + " rows: not a square grid of patches plus " +
                                 std::to_string(c.prefix) + " prefix tokens");
    }
    w.pos = loader.Get(names.pos, pos_shape);
    c.image_size = c.grid * c.patch;
    c.tokens = c.prefix + c.grid * c.grid;
}

void InferBlocks(VitLoader& loader, const LayoutNames& names, VitConfig& c) {
    VitModel::Weights& w = loader.Mutable();
    while (loader.file.Find(WithIndex(names.block_probe, c.depth))) ++c.depth;
    if (c.depth == 0) throw std::runtime_error("no transformer blocks ('" + WithIndex(names.block_probe, 0) + "' is missing)");
    const Index d = c.width;
    const BlockNames first = BlockNamesOf(names, loader.file, 0);
    const std::vector<Index>& fc1 = loader.ShapeOf(first.fc1 + ".weight");
    if (fc1.size() != 2 || fc1[1] != d || fc1[0] <= 0)
        throw std::runtime_error("tensor '" + first.fc1 + ".weight' has shape " + ShapeText(fc1) + ", expected [mlp, " + std::to_string(d) + "]");
    c.mlp = fc1[0];
    for (Index i = 0; i < c.depth; ++i) {
        const BlockNames n = BlockNamesOf(names, loader.file, i);
        VitModel::Block b;
        b.ln1 = loader.Norm(n.ln1, d);
        b.ln2 = loader.Norm(n.ln2, d);
        if (!n.qkv_weight.empty()) {
            const float* qkv = loader.Get(n.qkv_weight, {3 * d, d});
            const float* qkv_b = loader.Get(n.qkv_bias, {3 * d}, false);
            b.q = {qkv, qkv_b, d, d};
            b.k = {qkv + d * d, qkv_b ? qkv_b + d : nullptr, d, d};
            b.v = {qkv + 2 * d * d, qkv_b ? qkv_b + 2 * d : nullptr, d, d};
        } else {
            b.q = loader.Linear(n.q, d, d);
            b.k = loader.Linear(n.k, d, d);
            b.v = loader.Linear(n.v, d, d);
        }
        b.proj = loader.Linear(n.proj, d, d);
        b.fc1 = loader.Linear(n.fc1, c.mlp, d);
        b.fc2 = loader.Linear(n.fc2, d, c.mlp);
        w.blocks.push_back(b);
    }
}

void InferHeads(VitLoader& loader, const LayoutNames& names, VitConfig& c) {
    VitModel::Weights& w = loader.Mutable();
    const Index d = c.width;
    w.norm = loader.Norm(names.norm, d);
    if (const TensorInfo* head = loader.file.Find(names.head + ".weight")) {
        if (head->shape.size() != 2 || head->shape[1] != d || head->shape[0] <= 0)
            throw std::runtime_error("tensor '" + names.head + ".weight' has shape " + ShapeText(head->shape) + ", expected [classes, " +
                                     std::to_string(d) + "]");
        c.num_classes = head->shape[0];
        c.head = true;
        w.head = loader.Linear(names.head, c.num_classes, d);
        if (!names.head_dist.empty() && loader.file.Find(names.head_dist + ".weight")) {
            if (!c.dist_token) throw std::runtime_error("tensor '" + names.head_dist + ".weight' without a distillation token");
            w.head_dist = loader.Linear(names.head_dist, c.num_classes, d);
            c.head_dist = true;
        }
    }
    if (!names.pooler.empty() && loader.file.Find(names.pooler + ".weight")) {
        loader.Linear(names.pooler, d, d, true);  // counted (TransformerSpec::pooler), not used
        c.pooler = true;
    }
}

}  // namespace

// [SECTION] Loading

std::shared_ptr<const VitModel> VitModel::Load(const std::string& path, const VitLoadOptions& options, std::string* error) {
    std::unique_ptr<SafetensorsFile> file = SafetensorsFile::Open(path, error, options.limits);
    if (!file) return nullptr;
    std::shared_ptr<VitModel> model(new VitModel());
    model->m_file = std::move(file);
    const SafetensorsFile& f = *model->m_file;
    try {
        const std::optional<LayoutNames> names = RecogniseLayout(f);
        if (!names)
            throw std::runtime_error("no ViT layout recognised: expected 'patch_embed.proj.weight' (timm), "
                                     "'vit.embeddings.patch_embeddings.projection.weight' (Hugging Face) or 'conv_proj.weight' (torchvision)");
        VitConfig& c = model->m_config;
        c.layout = names->layout;
        c.ln_eps = c.layout == VitLayout::HuggingFace ? 1e-12 : 1e-6;
        c.resize_direct = c.layout == VitLayout::HuggingFace;
        Index config_heads = 0;
        if (options.read_config) ReadConfigs(path, c, &config_heads);

        VitLoader loader{*model, f, {}};
        const std::vector<Index>& ps = loader.ShapeOf(names->patch + ".weight");
        if (ps.size() != 4 || ps[2] != ps[3] || ps[0] <= 0 || ps[1] <= 0 || ps[2] <= 0)
            throw std::runtime_error("tensor '" + names->patch + ".weight' has shape " + ShapeText(ps) + ", expected [width, channels, P, P]");
        c.width = ps[0];
        c.channels = ps[1];
        c.patch = ps[2];
        if (c.channels != 3) throw std::runtime_error("the patch embedding reads " + std::to_string(c.channels) + " channels; only RGB (3) is supported");
        model->m_w.patch = {loader.Get(names->patch + ".weight", ps), loader.Get(names->patch + ".bias", {c.width}, false), c.width,
                            c.channels * c.patch * c.patch};
        InferTokens(loader, *names, c);
        InferBlocks(loader, *names, c);
        InferHeads(loader, *names, c);

        for (const TensorInfo& t : f.Tensors())
            if (!loader.used.count(t.name))
                throw std::runtime_error("tensor '" + t.name + "' does not belong to the " + std::string(VitLayoutName(c.layout)) +
                                         " ViT layout (an unsupported variant)");
        if (options.heads > 0) {
            c.heads = options.heads;
            c.heads_source = "override";
        } else if (config_heads > 0) {
            c.heads = config_heads;
            c.heads_source = "config.json";
        } else {
            c.heads = std::max<Index>(1, c.width / 64);
            c.heads_source = "width / 64";
        }
        if (c.width % c.heads != 0)
            throw std::runtime_error(std::to_string(c.heads) + " heads (" + c.heads_source + ") do not divide the width " + std::to_string(c.width) +
                                     "; set the number of heads");
        const double attention_bytes = 4.0 * static_cast<double>(c.depth) * static_cast<double>(c.heads) * static_cast<double>(c.tokens) *
                                       static_cast<double>(c.tokens);
        if (attention_bytes > static_cast<double>(options.max_attention_bytes))
            throw std::runtime_error("keeping every attention map needs " + std::to_string(static_cast<long long>(attention_bytes)) +
                                     " bytes, over the limit of " + std::to_string(options.max_attention_bytes));
    } catch (const std::runtime_error& e) {
        if (error != nullptr) *error = "'" + path + "': " + e.what();
        return nullptr;
    }
    return model;
}

// [SECTION] Parameter counts

TransformerSpec VitModel::ToTransformerSpec() const {
    const VitConfig& c = m_config;
    TransformerSpec s;
    s.embedding = EmbeddingKind::Patches;
    s.image_size = c.image_size;
    s.patch = c.patch;
    s.in_channels = c.channels;
    s.patch_bias = m_w.patch.b != nullptr;
    s.class_token = c.class_token;
    s.learned_positions = true;
    s.layers = c.depth;
    s.d_model = c.width;
    s.heads = c.heads;
    s.mlp_hidden = c.mlp;
    s.layout = BlockLayout::PreNorm;
    const Block& b = m_w.blocks.front();
    s.qkv_bias = b.q.b != nullptr;
    s.out_bias = b.proj.b != nullptr;
    s.mlp_bias = b.fc1.b != nullptr;
    s.norm_bias = b.ln1.b != nullptr;
    s.final_norm = true;
    s.pooler = c.pooler;
    s.head = c.head ? HeadKind::Classifier : HeadKind::None;
    s.num_classes = c.head ? c.num_classes : 1000;
    s.head_bias = m_w.head.b != nullptr;
    return s;
}

Count VitModel::InferredParameters() const {
    const std::optional<TransformerStats> stats = ComputeTransformerStats(ToTransformerSpec());
    if (!stats) return -1;
    const VitConfig& c = m_config;
    Count total = stats->parameters;
    if (c.dist_token) total += c.width + (c.pos_covers_prefix ? c.width : 0);  // the token and its position
    if (!c.pos_covers_prefix && c.class_token) total -= c.width;             // no position for the class token
    if (c.head_dist) total += c.num_classes * c.width + (m_w.head_dist.b ? c.num_classes : 0);
    return total;
}

}  // namespace lens
