// tests/core/model/test_vit.cpp: ViT checkpoints in the three layouts against the independent NumPy
// reference of tests/model/make_tiny_vit.py (run here into a temporary folder): the inferred
// hyper-parameters, the parameter count against the file's tensor sizes, the logits, every layer's
// attention and the rollout. Tolerance (float32 forward pass against a float64 reference):
// |got - want| <= 1e-4 |want| + 1e-5 max(1, max |want|).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <lens/model/vit.hpp>
#include <lens/npy.hpp>

#include "safetensors_writer.hpp"

namespace lens {
namespace {

namespace fs = std::filesystem;

// The tiny checkpoints, generated once per test process.
const std::string& TinyDir() {
    static const std::string dir = [] {
        const fs::path out = fs::path(testing::TempDir()) / ("lens_tiny_vit_" + std::to_string(::getpid()));
        const std::string script = std::string(LENS_ASSETS_DIR) + "/../tests/model/make_tiny_vit.py";
        const std::string command = "/usr/bin/python3 '" + script + "' '" + out.string() + "'";
        if (std::system(command.c_str()) != 0) ADD_FAILURE() << "failed: " << command;
        return out.string();
    }();
    return dir;
}

const std::vector<std::string> kCases = {"timm_cls_head", "timm_deit_distilled", "timm_no_tokens_no_head",
                                         "timm_mean_pool_head", "timm_dino_no_embed_class", "hf_cls_head",
                                         "hf_model_pooler_width_rule", "tv_cls_head", "tv_linear_names_f16"};

std::vector<double> ReadValues(const std::string& path) {
    std::string error;
    const auto array = ReadNpy(path, &error);
    EXPECT_TRUE(array.has_value()) << error;
    return array ? array->values : std::vector<double>{};
}

// Every element within 1e-4 relative plus 1e-5 of the array's scale.
void ExpectClose(const std::vector<float>& got, const std::vector<double>& want, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    double scale = 1;
    for (double w : want) scale = std::max(scale, std::abs(w));
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double err = std::abs(got[i] - want[i]);
        worst = std::max(worst, err);
        ASSERT_LE(err, 1e-4 * std::abs(want[i]) + 1e-5 * scale) << what << " [" << i << "]: " << got[i] << " vs " << want[i];
    }
    testing::Test::RecordProperty(what, std::to_string(worst));
}

class VitTiny : public testing::TestWithParam<std::string> {
protected:
    std::string Dir() const { return TinyDir() + "/" + GetParam(); }
    nlohmann::json Expected() const {
        std::ifstream in(Dir() + "/expected.json");
        return nlohmann::json::parse(in);
    }
};

TEST_P(VitTiny, InfersTheHyperParametersAndCountsEveryParameter) {
    std::string error;
    const auto model = VitModel::Load(Dir() + "/model.safetensors", {}, &error);
    ASSERT_NE(model, nullptr) << error;
    const nlohmann::json e = Expected();
    const VitConfig& c = model->Config();
    EXPECT_EQ(VitLayoutName(c.layout), e["layout"].get<std::string>());
    EXPECT_EQ(c.depth, e["depth"].get<Index>());
    EXPECT_EQ(c.width, e["width"].get<Index>());
    EXPECT_EQ(c.heads, e["heads"].get<Index>());
    EXPECT_EQ(c.mlp, e["mlp"].get<Index>());
    EXPECT_EQ(c.patch, e["patch"].get<Index>());
    EXPECT_EQ(c.image_size, e["image_size"].get<Index>());
    EXPECT_EQ(c.tokens, e["tokens"].get<Index>());
    EXPECT_EQ(c.class_token, e["class_token"].get<int>() == 1);
    EXPECT_EQ(c.dist_token, e["dist_token"].get<int>() == 1);
    EXPECT_EQ(c.head, e["head"].get<int>() == 1);
    EXPECT_EQ(c.num_classes, e["num_classes"].get<Index>());
    EXPECT_DOUBLE_EQ(c.ln_eps, e["ln_eps"].get<double>());
    // The calculator (lens/transformer.hpp) agrees with the file.
    EXPECT_EQ(model->FileParameters(), e["parameters"].get<Count>());
    EXPECT_EQ(model->InferredParameters(), model->FileParameters());
}

TEST_P(VitTiny, ForwardPassMatchesTheNumPyReference) {
    std::string error;
    const auto model = VitModel::Load(Dir() + "/model.safetensors", {}, &error);
    ASSERT_NE(model, nullptr) << error;
    const std::vector<double> input = ReadValues(Dir() + "/input.npy");
    TaskContext context;
    const VitRun run = RunVit(*model, std::vector<float>(input.begin(), input.end()), context);
    ExpectClose(run.attention, ReadValues(Dir() + "/attention.npy"), "attention");
    ExpectClose(run.rollout, ReadValues(Dir() + "/rollout.npy"), "rollout");
    if (model->Config().head) {
        ExpectClose(run.logits, ReadValues(Dir() + "/logits.npy"), "logits");
        ASSERT_EQ(run.top.size(), 5u);
        for (std::size_t i = 1; i < run.top.size(); ++i) EXPECT_GE(run.top_prob[i - 1], run.top_prob[i]);
    } else {
        EXPECT_FALSE(fs::exists(Dir() + "/logits.npy"));
        EXPECT_TRUE(run.logits.empty());
    }
    // Each attention row is a distribution.
    const Index n = model->Config().tokens;
    for (std::size_t row = 0; row < run.attention.size() / static_cast<std::size_t>(n); ++row) {
        double sum = 0;
        for (Index j = 0; j < n; ++j) sum += run.attention[row * static_cast<std::size_t>(n) + static_cast<std::size_t>(j)];
        ASSERT_NEAR(sum, 1.0, 1e-5);
    }
}

INSTANTIATE_TEST_SUITE_P(Layouts, VitTiny, testing::ValuesIn(kCases));

TEST(Vit, HeadsOverrideAndItsErrors) {
    const std::string path = TinyDir() + "/timm_cls_head/model.safetensors";
    std::string error;
    VitLoadOptions options;
    options.heads = 8;
    auto model = VitModel::Load(path, options, &error);
    ASSERT_NE(model, nullptr) << error;
    EXPECT_EQ(model->Config().heads, 8);
    EXPECT_EQ(model->Config().heads_source, "override");
    options.heads = 5;
    EXPECT_EQ(VitModel::Load(path, options, &error), nullptr);
    EXPECT_NE(error.find("do not divide the width 32"), std::string::npos) << error;
    options.heads = 0;
    options.read_config = false;  // without config.json: width / 64, at least 1
    model = VitModel::Load(path, options, &error);
    ASSERT_NE(model, nullptr) << error;
    EXPECT_EQ(model->Config().heads, 1);
    EXPECT_EQ(model->Config().heads_source, "width / 64");
}

TEST(Vit, AttentionLimitIsChecked) {
    VitLoadOptions options;
    options.max_attention_bytes = 100;
    std::string error;
    EXPECT_EQ(VitModel::Load(TinyDir() + "/tv_cls_head/model.safetensors", options, &error), nullptr);
    EXPECT_NE(error.find("attention map"), std::string::npos) << error;
}

// A minimal valid timm checkpoint (depth 1, width 4, patch 2, grid 1), to break one tensor at a time.
std::vector<test::RawTensor> MinimalTimm() {
    auto t = [](std::string name, std::vector<Index> shape) {
        Index n = 1;
        for (Index s : shape) n *= s;
        return test::F32Tensor(std::move(name), std::move(shape), std::vector<float>(static_cast<std::size_t>(n), 0.25f));
    };
    return {t("patch_embed.proj.weight", {4, 3, 2, 2}), t("patch_embed.proj.bias", {4}), t("cls_token", {1, 1, 4}),
            t("pos_embed", {1, 2, 4}), t("blocks.0.norm1.weight", {4}), t("blocks.0.norm1.bias", {4}),
            t("blocks.0.attn.qkv.weight", {12, 4}), t("blocks.0.attn.qkv.bias", {12}), t("blocks.0.attn.proj.weight", {4, 4}),
            t("blocks.0.attn.proj.bias", {4}), t("blocks.0.norm2.weight", {4}), t("blocks.0.norm2.bias", {4}),
            t("blocks.0.mlp.fc1.weight", {8, 4}), t("blocks.0.mlp.fc1.bias", {8}), t("blocks.0.mlp.fc2.weight", {4, 8}),
            t("blocks.0.mlp.fc2.bias", {4}), t("norm.weight", {4}), t("norm.bias", {4})};
}

std::string LoadError(const std::vector<test::RawTensor>& tensors, const std::string& name) {
    const std::string dir = (fs::path(testing::TempDir()) / ("lens_vit_bad_" + std::to_string(::getpid()))).string();
    fs::create_directories(dir);
    const std::string path = dir + "/" + name + ".safetensors";
    test::WriteSafetensors(path, tensors);
    std::string error;
    const auto model = VitModel::Load(path, {}, &error);
    return model ? std::string() : error;
}

TEST(Vit, RefusesShapesThatFitNoLayout) {
    EXPECT_EQ(LoadError(MinimalTimm(), "good"), "");
    auto replace = [](std::vector<test::RawTensor> tensors, const std::string& name, std::vector<Index> shape) {
        for (auto& t : tensors)
            if (t.name == name) {
                Index n = 1;
                for (Index s : shape) n *= s;
                t = test::F32Tensor(name, shape, std::vector<float>(static_cast<std::size_t>(n), 0.5f));
            }
        return tensors;
    };
    EXPECT_NE(LoadError({test::F32Tensor("foo", {1}, {1})}, "unknown").find("no ViT layout"), std::string::npos);
    EXPECT_NE(LoadError(replace(MinimalTimm(), "blocks.0.attn.qkv.weight", {12, 5}), "qkv").find("expected [12, 4]"), std::string::npos);
    EXPECT_NE(LoadError(replace(MinimalTimm(), "pos_embed", {1, 3, 4}), "pos").find("not a square grid"), std::string::npos);
    EXPECT_NE(LoadError(replace(MinimalTimm(), "patch_embed.proj.weight", {4, 3, 2, 3}), "patch").find("[width, channels, P, P]"),
              std::string::npos);
    EXPECT_NE(LoadError(replace(MinimalTimm(), "patch_embed.proj.weight", {4, 1, 2, 2}), "grey").find("only RGB"), std::string::npos);
    auto extra = MinimalTimm();
    extra.push_back(test::F32Tensor("fc_norm.weight", {4}, {1, 1, 1, 1}));
    EXPECT_NE(LoadError(extra, "extra").find("'fc_norm.weight' does not belong"), std::string::npos);
    auto missing = MinimalTimm();
    missing.erase(missing.begin() + 16);  // norm.weight
    EXPECT_NE(LoadError(missing, "missing").find("'norm.weight' is missing"), std::string::npos);
    auto no_blocks = MinimalTimm();
    no_blocks.erase(no_blocks.begin() + 4, no_blocks.begin() + 16);
    EXPECT_NE(LoadError(no_blocks, "no_blocks").find("no transformer blocks"), std::string::npos);
}

TEST(Vit, CancelledRunThrows) {
    std::string error;
    const auto model = VitModel::Load(TinyDir() + "/timm_cls_head/model.safetensors", {}, &error);
    ASSERT_NE(model, nullptr) << error;
    TaskRunner runner;
    const Index s = model->Config().image_size;
    auto task = runner.Submit([model, s](TaskContext& context) {
        while (!context.Cancelled()) std::this_thread::yield();  // cancelled before the forward pass starts
        return RunVit(*model, std::vector<float>(static_cast<std::size_t>(3 * s * s), 0.0f), context).logits.size();
    });
    task->Cancel();
    ASSERT_TRUE(task->Wait(std::chrono::seconds(10)));
    EXPECT_FALSE(task->Failed());
    EXPECT_FALSE(task->TakeResult().has_value());
}

TEST(Vit, RolloutOfOneUniformLayerIsHalfIdentityHalfUniform) {
    const Index n = 4;
    std::vector<float> attention(static_cast<std::size_t>(2 * n * n), 1.0f / n);  // 1 layer, 2 heads
    const std::vector<float> r = AttentionRollout(attention, 1, 2, n);
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < n; ++j) EXPECT_NEAR(r[static_cast<std::size_t>(i * n + j)], (i == j ? 0.5f : 0.0f) + 0.5f / n, 1e-6);
}

Image TestImage(int w, int h) {
    Image image;
    image.width = w;
    image.height = h;
    image.rgb.resize(static_cast<std::size_t>(w * h * 3));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c) image.rgb[static_cast<std::size_t>((y * w + x) * 3 + c)] = static_cast<std::uint8_t>((x * 7 + y * 13 + c * 50) % 256);
    return image;
}

TEST(Vit, PreprocessingCropsResizesAndNormalises) {
    VitConfig c;
    c.image_size = 224;
    // 256 x 256 at crop_pct 0.875: the resize is the identity, the crop starts at (16, 16).
    const Image image = TestImage(256, 256);
    const std::vector<float> x = PreprocessForVit(image, c);
    ASSERT_EQ(x.size(), 3u * 224 * 224);
    for (int ch = 0; ch < 3; ++ch)
        for (int y = 0; y < 224; y += 37)
            for (int xx = 0; xx < 224; xx += 41) {
                const float v = image.rgb[static_cast<std::size_t>(((y + 16) * 256 + xx + 16) * 3 + ch)] / 255.0f;
                EXPECT_NEAR(x[static_cast<std::size_t>((ch * 224 + y) * 224 + xx)], (v - c.mean[ch]) / c.std[ch], 1e-5);
            }
    // Hugging Face: an image already S x S is unchanged.
    c.resize_direct = true;
    const Image same = TestImage(224, 224);
    const Image crop = VitCropImage(same, c);
    EXPECT_EQ(crop.rgb, same.rgb);
    // A uniform image stays uniform through any resize (weights sum to one).
    Image flat = TestImage(300, 170);
    std::fill(flat.rgb.begin(), flat.rgb.end(), std::uint8_t{200});
    c.resize_direct = false;
    for (float v : VitCropImage(flat, c).rgb) ASSERT_EQ(v, 200);
}

}  // namespace
}  // namespace lens
