// app/widgets/animation_controls.cpp: the play / step / scrub row (see animation_controls.hpp).
#include "animation_controls.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <imgui.h>

#include "../i18n/strings.hpp"

namespace lens::app {

using i18n::S;
using i18n::Tr;

void AnimationControls::Draw(FieldTable& fields, Field& field, int steps, float seconds) {
    ImGui::PushID(field.key.c_str());
    double t = std::clamp(field.AnimationTime(field.get_float()), 0.0, 1.0);
    auto set = [&](double value) {
        value = std::clamp(value, 0.0, 1.0);
        char text[32];
        std::snprintf(text, sizeof text, "%.9g", field.AnimationValue(value));
        std::string ignored;
        fields.Set(field.key, text, &ignored);
        t = value;
    };
    const double step = steps > 0 ? 1.0 / steps : 0.05;
    auto snap = [&](double value) { return steps > 0 ? std::round(value * steps) / steps : value; };
    if (ImGui::Button("|<")) {
        m_playing = false;
        set(0);
    }
    ImGui::SameLine();
    if (ImGui::ArrowButton("##back", ImGuiDir_Left)) {
        m_playing = false;
        set(snap(t - step + 1e-9));
    }
    ImGui::SameLine();
    if (ImGui::Button(m_playing ? Tr(S::AnimPause) : Tr(S::AnimPlay))) {
        if (!m_playing && t >= 1.0) set(0);
        m_playing = !m_playing;
    }
    ImGui::SameLine();
    if (ImGui::ArrowButton("##forward", ImGuiDir_Right)) {
        m_playing = false;
        set(snap(t + step - 1e-9));
    }
    ImGui::SameLine();
    if (ImGui::Button(">|")) {
        m_playing = false;
        set(1);
    }
    ImGui::SameLine();
    float scrub = static_cast<float>(t);
    ImGui::SetNextItemWidth(std::max(ImGui::GetFontSize() * 6, ImGui::GetContentRegionAvail().x));
    if (steps > 0) {
        int k = static_cast<int>(std::lround(t * steps));
        if (ImGui::SliderInt("##scrub", &k, 0, steps, Tr(S::AnimStepFormat))) {
            m_playing = false;
            set(static_cast<double>(k) / steps);
        }
    } else if (char shown[96]; std::snprintf(shown, sizeof shown, "%s = %.3g", field.key.c_str(), field.get_float()) > 0 &&
               ImGui::SliderFloat("##scrub", &scrub, 0.0f, 1.0f, shown)) {
        m_playing = false;
        set(scrub);
    }
    if (m_playing) {
        const double advanced = t + std::min(ImGui::GetIO().DeltaTime, 1.0f / 30.0f) / std::max(0.1f, seconds);
        set(advanced);
        if (advanced >= 1.0) m_playing = false;
    }
    ImGui::PopID();
}

}  // namespace lens::app
