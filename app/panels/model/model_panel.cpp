// app/panels/model/model_panel.cpp: the Trained ViT panel's fields, checkpoint loading, background
// forward pass and export (the drawing is in model_views.cpp).
//
// [SECTION] Views' data (worker thread)
// [SECTION] Fields and loading
// [SECTION] Export
// [SECTION] File > Open model
// [SECTION] Frame
#include "model_panel.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "../../app.hpp"
#include "../../app_context.hpp"
#include "../../export.hpp"
#include "../../widgets/paragraph.hpp"
#include "../../widgets/spec_editor.hpp"

namespace lens::app {

using i18n::S;
using i18n::Tr;

// [SECTION] Views' data (worker thread)

namespace {

// Every layer x head map averaged down to `cell` x `cell` px, maps separated by NaN gaps.
void BuildMosaic(ModelComputed& c) {
    const VitConfig& cfg = c.run.config;
    const Index n = cfg.tokens;
    c.cell = static_cast<int>(std::min<Index>(n, 48));
    const int cell = c.cell, gap = c.gap;
    const int cols = static_cast<int>(cfg.heads), rows = static_cast<int>(cfg.depth);
    c.mosaic.Resize(cols * (cell + gap) - gap, rows * (cell + gap) - gap, std::nanf(""));
    std::vector<float> all;
    for (int l = 0; l < rows; ++l)
        for (int h = 0; h < cols; ++h) {
            const float* a = c.run.attention.data() + (static_cast<Index>(l) * cfg.heads + h) * n * n;
            for (int y = 0; y < cell; ++y)
                for (int x = 0; x < cell; ++x) {
                    const Index r0 = y * n / cell, r1 = std::max<Index>(r0 + 1, (y + 1) * n / cell);
                    const Index c0 = x * n / cell, c1 = std::max<Index>(c0 + 1, (x + 1) * n / cell);
                    double sum = 0;
                    for (Index r = r0; r < r1; ++r)
                        for (Index k = c0; k < c1; ++k) sum += a[r * n + k];
                    const auto v = static_cast<float>(sum / static_cast<double>((r1 - r0) * (c1 - c0)));
                    c.mosaic.At(h * (cell + gap) + x, l * (cell + gap) + y) = v;
                    all.push_back(v);
                }
        }
    if (!all.empty()) {
        const std::size_t q = std::min(all.size() - 1, static_cast<std::size_t>(0.995 * static_cast<double>(all.size())));
        std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(q), all.end());
        c.mosaic_hi = std::max(all[q], 1e-6f);
    }
}

}  // namespace

std::shared_ptr<const ModelComputed> ComputeModelViews(const std::shared_ptr<const VitModel>& model, const Image& image, TaskContext& context) {
    auto c = std::make_shared<ModelComputed>();
    c->crop = VitCropImage(image, model->Config());
    c->run = RunVit(*model, PreprocessForVit(image, model->Config()), context);
    BuildMosaic(*c);
    return c;
}

// [SECTION] Fields and loading

void ModelPanel::DeclareFields(FieldTable& f) {
    f.Text("model", S::ModelPath, &m_spec.model, 4096, "ViT checkpoint (.safetensors: timm, Hugging Face or torchvision layout); also --model FILE");
    f.Int("heads", S::ModelHeads, &m_spec.heads, 0, 4096, "attention heads; 0: config.json beside the file, else width / 64");
    f.Int("layer", S::ModelLayer, &m_layer, -1, 4095, "layer shown (-1 = the last)").EditWith(Editor::Slider).Display();
    f.Int("head", S::ModelHead, &m_head, -1, 4095, "head shown over the image (-1 = mean of heads)").EditWith(Editor::Slider).Display();
    f.Choice("overlay", S::ModelOverlay, &m_overlay,
             {{"class", S::ModelOverlayClass}, {"rollout", S::ModelOverlayRollout}, {"patch", S::ModelOverlayPatch}},
             "what is drawn over the image")
        .EditWith(Editor::Radio)
        .Display();
    f.Int("patch", S::ModelPatch, &m_patch, -1, 1 << 20, "patch whose attention is shown (overlay=patch; -1 = centre)").EditWith(Editor::None).Display();
}

void ModelPanel::EnsureModel() {
    if (m_has_loaded && m_spec == m_loaded) return;
    if (m_has_failed && m_spec == m_failed) return;
    if (m_spec.model.empty()) {
        m_model.reset();
        ++m_model_serial;
        m_loaded = m_spec;
        m_has_loaded = true;
        m_has_failed = false;
        m_load_error.clear();
        return;
    }
    VitLoadOptions options;
    options.heads = m_spec.heads;
    std::string error;
    std::shared_ptr<const VitModel> model = VitModel::Load(m_spec.model, options, &error);
    if (!model) {  // keep the previous model
        m_failed = m_spec;
        m_has_failed = true;
        m_load_error = error;
        return;
    }
    m_model = std::move(model);
    ++m_model_serial;
    m_loaded = m_spec;
    m_has_loaded = true;
    m_has_failed = false;
    m_load_error.clear();
}

std::string ModelPanel::ValidateInputFiles() {
    EnsureModel();
    return m_load_error;
}

const std::string& ModelPanel::ClassName(Index k) {
    if (!m_labels_read) {
        m_labels_read = true;
        std::ifstream in(AssetsDirectory() + "/imagenet_classes.txt");
        for (std::string line; std::getline(in, line);) m_labels.push_back(line);
        if (m_labels.size() != 1000) m_labels.clear();
    }
    static const std::string kNone;
    if (m_model && m_model->Config().num_classes == 1000 && k >= 0 && k < static_cast<Index>(m_labels.size()))
        return m_labels[static_cast<std::size_t>(k)];
    return kNone;
}

Index ModelPanel::ChosenPatch(const VitConfig& config) const {
    const Index patches = config.grid * config.grid;
    if (m_patch >= 0 && m_patch < patches) return m_patch;
    return (config.grid / 2) * config.grid + config.grid / 2;
}

// [SECTION] Export

void ModelPanel::Export(AppContext& context, ExportSink& sink) {
    Panel::Export(context, sink);
    EnsureModel();
    if (!m_model) {
        sink.String("model", "");
        return;
    }
    sink.String("model", m_spec.model);
    TaskContext none;
    const std::shared_ptr<const ModelComputed> c = ComputeModelViews(m_model, *context.image, none);
    VisitFigures(c->run, sink);
    for (std::size_t i = 0; i < c->run.top.size(); ++i) {
        const std::string& name = ClassName(c->run.top[i]);
        if (!name.empty()) sink.String("top5_name_" + std::to_string(i + 1), name);
    }
}

// [SECTION] File > Open model

void ModelPanel::DrawFileMenuItems() {
    if (ImGui::MenuItem(Tr(S::ModelMenuOpen))) m_browser_requested = true;
}

void ModelPanel::DrawModelBrowser() {
    namespace fs = std::filesystem;
    auto list = [this](const std::string& dir) {
        m_browser_dir = dir;
        m_browser_entries.clear();
        std::error_code ec;
        for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.empty() || name[0] == '.') continue;
            const bool folder = it->is_directory(ec);
            if (folder || it->path().extension() == ".safetensors") m_browser_entries.emplace_back(name, folder);
        }
        std::sort(m_browser_entries.begin(), m_browser_entries.end(),
                  [](const auto& a, const auto& b) { return a.second != b.second ? a.second : a.first < b.first; });
    };
    if (m_browser_requested) {
        m_browser_requested = false;
        std::error_code ec;
        const fs::path start = m_spec.model.empty() ? fs::current_path(ec) : fs::path(m_spec.model).parent_path();
        list(fs::absolute(start, ec).string());
        ImGui::OpenPopup("##model_browser");
    }
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowSize(ImVec2(display.x * 0.5f, display.y * 0.6f), ImGuiCond_Appearing);
    if (!ImGui::BeginPopupModal("##model_browser", nullptr, ImGuiWindowFlags_NoTitleBar)) return;
    ImGui::TextUnformatted(Tr(S::ModelBrowserTitle));
    if (ImGui::Button(Tr(S::BrowserUp))) list(fs::path(m_browser_dir).parent_path().string());
    ImGui::SameLine();
    ImGui::TextUnformatted(m_browser_dir.c_str());
    ImGui::BeginChild("##entries", ImVec2(0, -ImGui::GetFrameHeightWithSpacing()), true);
    if (m_browser_entries.empty()) ImGui::TextDisabled("%s", Tr(S::ModelBrowserEmpty));
    std::string go;
    for (const auto& [name, folder] : m_browser_entries) {
        const std::string label = folder ? name + "/" : name;
        if (ImGui::Selectable(label.c_str())) {
            const std::string path = (fs::path(m_browser_dir) / name).string();
            if (folder) {
                go = path;
            } else {
                m_spec.model = path;
                ImGui::CloseCurrentPopup();
            }
        }
    }
    ImGui::EndChild();
    if (!go.empty()) list(go);
    if (ImGui::Button(Tr(S::BrowserCancel)) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

// [SECTION] Frame

void ModelPanel::DrawContent(AppContext& context) {
    EnsureModel();
    if (!m_task) m_task = std::make_unique<LatestTask<ModelRunKey, std::shared_ptr<const ModelComputed>>>(*context.tasks);
    if (m_model) {
        m_task->Request(ModelRunKey{m_model_serial, context.image_version},
                        [model = m_model, image = context.image](TaskContext& task) { return ComputeModelViews(model, *image, task); });
    }
    m_task->Poll();
    const std::shared_ptr<const ModelComputed>* current = m_task->Current();
    const ModelComputed* c = m_model && current ? current->get() : nullptr;

    DrawModelBrowser();
    BeginEditorColumn(19.0f);
    if (ImGui::Button(Tr(S::ModelMenuOpen))) m_browser_requested = true;
    DrawSpecFields({});
    DrawDisplayFields();
    if (!m_load_error.empty()) {
        ErrorText(Printf(Tr(S::ModelLoadError), m_load_error.c_str()));
        if (m_model) ImGui::TextDisabled("%s", Tr(S::ModelKeepPrevious));
    }
    ErrorText(m_task->Error());
    DrawInfo(c);
    BeginMainArea();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    if (!m_model) {
        DrawNoModel(context, avail);
    } else if (c) {
        DrawViews(context, *c, avail);
    } else {
        ImGui::Text(Tr(S::ModelRunning), static_cast<double>(m_task->Progress() * 100.0f));
    }
    ImGui::EndChild();
}

LENS_REGISTER_PANEL(ModelPanel, 85, "model")

}  // namespace lens::app
