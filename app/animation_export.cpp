// app/animation_export.cpp: stepping a panel's animation field, cropping, GIF, progress, cancel.
#include "animation_export.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <lens/atomic_file.hpp>

#include "i18n/strings.hpp"

namespace lens::app {

namespace fs = std::filesystem;
using i18n::S;
using i18n::Tr;

namespace {

std::string FormatT(double t) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", t);
    return buffer;
}

std::vector<std::uint8_t> Crop(const std::vector<std::uint8_t>& rgba, int width, int x0, int y0, int cw, int ch) {
    std::vector<std::uint8_t> out(static_cast<std::size_t>(cw) * static_cast<std::size_t>(ch) * 4);
    for (int y = 0; y < ch; ++y)
        std::copy_n(rgba.data() + (static_cast<std::size_t>(y0 + y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x0)) * 4,
                    static_cast<std::size_t>(cw) * 4, out.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(cw) * 4);
    return out;
}

}  // namespace

std::string AnimationExporter::CheckPanel(Panel& panel) {
    if (panel.Fields().AnimationField()) return {};
    return std::string("panel '") + panel.Id() + "' has no animation (see the README's list of animations)";
}

bool AnimationExporter::Start(Panel& panel, const std::string& path, int frames, int fps, std::string* error) {
    Field* field = panel.Fields().AnimationField();
    if (!field) {
        if (error) *error = CheckPanel(panel);
        return false;
    }
    if (frames == 0) {
        const int steps = field->animation_steps ? field->animation_steps() : 23;
        frames = std::clamp(steps + 1, 2, kAutoMaxFrames);
    }
    if (frames < 2 || frames > kMaxFrames) {
        if (error) *error = "frames must be 2.." + std::to_string(kMaxFrames);
        return false;
    }
    Job job;
    job.path = path;
    job.key = field->key;
    job.restore_value = field->Current();
    job.frames = frames;
    job.gif.delay_centiseconds = std::max(2, 100 / std::clamp(fps, 1, 50));
    m_job = std::move(job);
    return true;
}

float AnimationExporter::Progress() const {
    return m_job ? static_cast<float>(m_job->next) / static_cast<float>(m_job->frames) : 0.0f;
}

void AnimationExporter::Cancel(Panel& panel) {
    if (!m_job) return;
    std::string ignored;
    panel.Fields().Set(m_job->key, m_job->restore_value, &ignored);
    m_job.reset();
}

bool AnimationExporter::Step(Panel& panel, const RenderFn& render, bool* ok, std::string* message) {
    Job& job = *m_job;
    auto finish = [&](bool success, std::string text) {
        *ok = success;
        *message = std::move(text);
        Cancel(panel);  // restores the field
        return true;
    };
    if (job.next < job.frames) {
        std::string error;
        const double t = static_cast<double>(job.next) / static_cast<double>(job.frames - 1);
        const Field* field = panel.Fields().Find(job.key);
        if (!field || !panel.Fields().Set(job.key, FormatT(field->AnimationValue(t)), &error)) return finish(false, error);
        std::vector<std::uint8_t> rgba;
        int width = 0, height = 0;
        ImVec2 fmin, fmax;
        if (!render(&rgba, &width, &height, &fmin, &fmax, &error)) return finish(false, error);
        if (job.next == 0) {  // the first frame's figure rectangle frames every frame
            job.crop_min = ImVec2(std::clamp(fmin.x, 0.0f, static_cast<float>(width - 1)), std::clamp(fmin.y, 0.0f, static_cast<float>(height - 1)));
            job.crop_max = ImVec2(std::clamp(fmax.x, job.crop_min.x + 1, static_cast<float>(width)),
                                  std::clamp(fmax.y, job.crop_min.y + 1, static_cast<float>(height)));
            job.gif.width = static_cast<int>(job.crop_max.x) - static_cast<int>(job.crop_min.x);
            job.gif.height = static_cast<int>(job.crop_max.y) - static_cast<int>(job.crop_min.y);
            if (static_cast<std::int64_t>(job.gif.width) * job.gif.height * job.frames > kMaxGifPixels)
                return finish(false, "the animation would hold more than " + std::to_string(kMaxGifPixels) +
                                         " pixels; use fewer --frames or a smaller --size");
        }
        job.gif.rgba.push_back(Crop(rgba, width, static_cast<int>(job.crop_min.x), static_cast<int>(job.crop_min.y), job.gif.width,
                                    job.gif.height));
        ++job.next;
        return false;
    }
    std::vector<std::uint8_t> bytes;
    std::string error;
    if (!EncodeGif(job.gif, &bytes, &error) || !WriteFileAtomically(job.path, std::span<const std::uint8_t>(bytes), &error)) return finish(false, error);
    char text[1400];
    std::snprintf(text, sizeof text, Tr(S::AnimationSaved), job.path.c_str(), job.frames, job.gif.width, job.gif.height);
    return finish(true, text);
}

// [SECTION] UI

bool AnimationExporter::DrawDialog(Panel& panel, std::string* status, bool* status_is_error) {
    if (m_dialog_opening) {
        ImGui::OpenPopup("##animation");
        m_dialog_opening = false;
        m_dialog_error = CheckPanel(panel).empty() ? std::string() : std::string(Tr(S::AnimationNone));
        std::error_code ec;
        std::snprintf(m_path, sizeof m_path, "%s", (fs::current_path(ec) / ("matrixlens-" + std::string(panel.Id()) + ".gif")).string().c_str());
    }
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.4f), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal("##animation", nullptr, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoTitleBar)) return false;
    bool started = false;
    ImGui::TextUnformatted(Tr(S::AnimationTitle));
    ImGui::Separator();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 30);
    ImGui::InputText(Tr(S::SessionPath), m_path, sizeof m_path);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::InputInt(Tr(S::AnimationFrames), &m_frames);
    m_frames = std::clamp(m_frames, 0, kMaxFrames);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::InputInt(Tr(S::AnimationFps), &m_fps);
    m_fps = std::clamp(m_fps, 1, 50);
    std::error_code ec;
    if (fs::exists(m_path, ec)) ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), Tr(S::SessionExists), m_path);
    if (!m_dialog_error.empty()) ImGui::TextColored(ImVec4(1, 0.5f, 0.45f, 1), "%s", m_dialog_error.c_str());
    if (ImGui::Button(Tr(S::AnimationDo)) && CheckPanel(panel).empty()) {
        std::string error;
        if (Start(panel, m_path, m_frames == 1 ? 2 : m_frames, m_fps, &error)) {
            started = true;
            ImGui::CloseCurrentPopup();
        } else {
            *status = error;
            *status_is_error = true;
        }
    }
    ImGui::SameLine();
    if (ImGui::Button(Tr(S::SessionCancel))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return started;
}

bool AnimationExporter::DrawProgress() {
    if (!m_job) return false;
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
    ImGui::Begin("##animation_progress", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
    ImGui::Text(Tr(S::AnimationProgress), m_job->next, m_job->frames);
    ImGui::ProgressBar(Progress(), ImVec2(ImGui::GetFontSize() * 16, 0));
    const bool cancel = ImGui::Button(Tr(S::SessionCancel)) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false);
    ImGui::End();
    return cancel;
}

}  // namespace lens::app
