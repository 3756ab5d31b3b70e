// app/panels/about_panel.cpp: what MatrixLens is, the concepts it covers, and how to drive it.
#include "../app_context.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

class AboutPanel final : public Panel {
public:
    const char* Id() const override { return "about"; }
    i18n::S Title() const override { return S::PanelAbout; }

protected:
    void DrawContent(AppContext& context) override {
        (void)context;
        const float wrap = std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 48.0f);
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap);
        ImGui::SetWindowFontScale(1.6f);
        ImGui::TextUnformatted(Tr(S::AppName));
        ImGui::SetWindowFontScale(1.0f);
        ImGui::TextColored(ImVec4(0.55f, 0.78f, 1.0f, 1.0f), "%s", Tr(S::AboutTagline));
        ImGui::Spacing();
        ImGui::TextWrapped("%s", Tr(S::AboutBody));
        ImGui::Spacing();

        Heading(Tr(S::AboutConcepts));
        const S concepts[] = {S::AboutConceptMatmul, S::AboutConceptFc,  S::AboutConceptMlp,
                              S::AboutConceptConv,   S::AboutConceptConcat, S::AboutConceptAttention,
                              S::AboutConceptVit,    S::AboutConceptSwin};
        for (S concept_id : concepts) ImGui::BulletText("%s", Tr(concept_id));
        ImGui::Spacing();

        Heading(Tr(S::AboutHelp));
        const S help[] = {S::AboutHelpWheel, S::AboutHelpDrag, S::AboutHelpHover, S::AboutHelpDoubleClick,
                          S::AboutHelpDrop, S::AboutHelpKeys};
        for (S help_id : help) ImGui::BulletText("%s", Tr(help_id));
        ImGui::Spacing();
        ImGui::TextDisabled("%s", Tr(S::AboutCli));
        ImGui::Spacing();
        ImGui::TextDisabled("%s", Tr(S::AboutCredits));
        ImGui::PopTextWrapPos();
    }

private:
    static void Heading(const char* text) {
        ImGui::Spacing();
        ImGui::TextColored(ImVec4(1.0f, 0.82f, 0.45f, 1.0f), "%s", text);
        ImGui::Separator();
    }
};

}  // namespace

LENS_REGISTER_PANEL(AboutPanel, 1000, "about")

}  // namespace lens::app
