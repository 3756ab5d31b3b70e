// app/panels/model/model_panel.hpp: "Trained ViT". A user's ViT checkpoint (.safetensors: timm,
// Hugging Face or torchvision layout, lens/model/vit.hpp) run on the current image in the
// background: the crop the model saw, the class token's attention, attention rollout or a chosen
// patch's attention over it, per head, every layer x head attention map, the top-5 classes (named
// when the head has ImageNet's 1000), and the parameter count against the Block calculator's.
// model_panel.cpp: fields, loading, task and export; model_views.cpp: the drawing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <lens/model/vit.hpp>
#include <lens/task.hpp>

#include "../../gfx/texture.hpp"
#include "../../widgets/heatmap.hpp"
#include "../panel.hpp"

namespace lens::app {

enum class ModelOverlay { ClassToken = 0, Rollout = 1, Patch = 2 };

struct ModelSpec {
    std::string model;       // checkpoint path ("" = none)
    std::int64_t heads = 0;  // 0: config.json, else width / 64
    bool operator==(const ModelSpec&) const = default;
};

// What a forward pass depends on: the loaded model (its serial) and the image.
struct ModelRunKey {
    std::uint64_t model_serial = 0;
    std::uint64_t image_version = 0;
    bool operator==(const ModelRunKey&) const = default;
};

// A finished forward pass with what the views draw, prepared on the worker.
struct ModelComputed {
    VitRun run;
    Image crop;                 // the preprocessed crop as RGB (un-normalised)
    Grid<float> mosaic;         // depth x heads attention maps, each averaged to `cell` px, NaN gaps
    int cell = 0;               // px per map in the mosaic
    int gap = 2;                // px between maps
    float mosaic_hi = 1.0f;     // the colour scale's top (99.5th percentile)
};

class ModelPanel final : public Panel {
public:
    const char* Id() const override { return "model"; }
    i18n::S Title() const override { return i18n::S::PanelModel; }
    bool Busy() const override { return m_task && m_task->Busy(); }
    float Progress() const override { return m_task ? m_task->Progress() : 0.0f; }
    std::string ValidateInputFiles() override;
    void Export(AppContext& context, ExportSink& sink) override;
    void DrawFileMenuItems() override;

protected:
    void DeclareFields(FieldTable& fields) override;
    void DrawContent(AppContext& context) override;

private:
    // Loads the checkpoint the fields name when they changed; on failure keeps the previous model.
    void EnsureModel();
    const std::string& ClassName(Index k);
    // [model_views.cpp]
    void DrawInfo(const ModelComputed* c);
    void DrawViews(AppContext& context, const ModelComputed& c, ImVec2 avail);
    void DrawNoModel(AppContext& context, ImVec2 avail);
    void DrawMosaic(const ModelComputed& c, ImVec2 at, ImVec2 size);
    // Draws the crop at `at` (size x size) with `values` (one per patch) darkening it; returns the
    // hovered patch or -1.
    Index DrawOverlay(const char* id, const ModelComputed& c, const std::vector<float>& values, ImVec2 at, float size, Index highlight);
    // The values over the patches for the current overlay mode at `head` (-1 = mean).
    std::vector<float> OverlayValues(const ModelComputed& c, Index layer, Index head) const;
    Index ChosenPatch(const VitConfig& config) const;
    // File > Open model: a small modal listing folders and .safetensors files.
    void DrawModelBrowser();

    ModelSpec m_spec;
    std::int64_t m_layer = -1;   // -1: the last layer
    std::int64_t m_head = -1;    // -1: mean of heads
    std::int64_t m_patch = -1;   // -1: the centre patch
    ModelOverlay m_overlay = ModelOverlay::ClassToken;

    std::shared_ptr<const VitModel> m_model;
    std::uint64_t m_model_serial = 0;
    ModelSpec m_loaded;  // what m_model was loaded from
    ModelSpec m_failed;  // the last spec that failed (not retried every frame)
    bool m_has_loaded = false, m_has_failed = false;
    std::string m_load_error;
    std::unique_ptr<LatestTask<ModelRunKey, std::shared_ptr<const ModelComputed>>> m_task;
    std::vector<std::string> m_labels;  // ImageNet's 1000 names, read on first use
    bool m_labels_read = false;

    bool m_browser_requested = false;
    std::string m_browser_dir;
    std::vector<std::pair<std::string, bool>> m_browser_entries;  // name, is a folder
    Heatmap m_mosaic_map;
    gfx::CachedTexture m_crop_texture;
    std::uint64_t m_crop_generation = 0;
    gfx::CachedTexture m_preview_texture;  // the no-model preview
    std::uint64_t m_preview_version = 0;
    Image m_preview;
};

// The forward pass and the views' data, for a worker thread (also the export's).
std::shared_ptr<const ModelComputed> ComputeModelViews(const std::shared_ptr<const VitModel>& model, const Image& image, TaskContext& context);

}  // namespace lens::app
