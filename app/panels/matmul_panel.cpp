// app/panels/matmul_panel.cpp: "Matrix product & rank". A (m x n) times B (n x p) is m x p, and its
// rank is at most min(rank A, rank B) <= min(m, n, p): seeded matrices of chosen rank, laid out so
// the shared side n lines up, with their singular values on a log plot.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <lens/lessons/matmul_lesson.hpp>

#include "../widgets/heatmap.hpp"
#include "../widgets/plot.hpp"
#include "lesson_panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

class MatmulPanel final : public LessonPanel<MatmulLesson> {
public:
    MatmulPanel() { m_spec = MatmulSpec{16, 8, 12, 3, 5, 1}; }
    const char* Id() const override { return "matmul"; }
    i18n::S Title() const override { return S::PanelMatmul; }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Int("m", "m", &m_spec.m, 1, kMatmulMaxSide, "rows of A and AB");
        f.Int("n", "n", &m_spec.n, 1, kMatmulMaxSide, "columns of A = rows of B (the shared side)");
        f.Int("p", "p", &m_spec.p, 1, kMatmulMaxSide, "columns of B and AB");
        f.Int("rank_a", S::MatmulRankA, &m_spec.rank_a, 1, kMatmulMaxSide, "rank of A (at most min(m, n))");
        f.Int("rank_b", S::MatmulRankB, &m_spec.rank_b, 1, kMatmulMaxSide, "rank of B (at most min(n, p))");
        f.Seed("seed", S::ConvSeed, &m_spec.seed, "seed of the random factors");
    }

    void DrawContent(AppContext& context) override {
        BeginEditorColumn();
        DrawSpecFields(Issues());
        ImGui::Separator();
        const Shown* shown = Latest(context);
        if (shown) DrawSummary(shown->matmul);
        BeginMainArea();
        if (shown) DrawMatrices(*shown);
        ImGui::EndChild();
    }

private:
    using Shown = MatmulLesson::Result;

    static void DrawSummary(const MatmulResult& r) {
        ImGui::PushTextWrapPos(0);
        ImGui::Text(Tr(S::MatmulShapes), static_cast<long long>(r.a.rows()), static_cast<long long>(r.a.cols()),
                    static_cast<long long>(r.b.rows()), static_cast<long long>(r.b.cols()), static_cast<long long>(r.ab.rows()),
                    static_cast<long long>(r.ab.cols()));
        ImGui::Spacing();
        ImGui::Text(Tr(S::MatmulRanks), static_cast<long long>(r.rank_a), static_cast<long long>(r.rank_b), static_cast<long long>(r.rank_ab));
        ImGui::Spacing();
        const ImVec4 ok(0.55f, 0.9f, 0.55f, 1), bad(1, 0.5f, 0.45f, 1);
        ImGui::TextColored(r.bound_holds ? ok : bad, Tr(S::MatmulBound), static_cast<long long>(r.rank_ab),
                           static_cast<long long>(r.bound), static_cast<long long>(r.side_bound));
        ImGui::Spacing();
        ImGui::TextDisabled(Tr(S::MatmulTolerance), r.tol_ab);
        ImGui::Spacing();
        ImGui::TextDisabled("%s", Tr(S::MatmulExplain));
        ImGui::PopTextWrapPos();
    }

    void DrawMatrices(const Shown& shown) {
        const MatmulResult& r = shown.matmul;
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const float plot_h = std::max(avail.y * 0.34f, ImGui::GetFontSize() * 10);
        const float label_h = ImGui::GetTextLineHeightWithSpacing();
        const float gap = ImGui::GetFontSize() * 1.2f;
        const double m = static_cast<double>(r.a.rows()), n = static_cast<double>(r.a.cols()), p = static_cast<double>(r.b.cols());
        const float area_w = avail.x - gap, area_h = avail.y - plot_h - gap - 2 * label_h;
        const float s = static_cast<float>(std::min(area_w / (n + p), area_h / (n + m)));
        const ImVec2 top = ImGui::GetCursorScreenPos();
        // B above AB, A left of AB: A's width and B's height are the same n, so the shared side lines up.
        const ImVec2 b_at(top.x + static_cast<float>(n) * s + gap, top.y + label_h);
        const ImVec2 a_at(top.x, top.y + label_h + static_cast<float>(n) * s + gap + label_h);
        const ImVec2 ab_at(b_at.x, a_at.y);
        gfx::ColormapParams params;
        params.map = gfx::Colormap::Diverging;
        auto draw = [&](Heatmap& map, const char* id, const Grid<float>& grid, float range, ImVec2 at, ImVec2 size, const char* title) {
            ImGui::SetCursorScreenPos(ImVec2(at.x, at.y - label_h));
            ImGui::TextUnformatted(title);
            ImGui::SetCursorScreenPos(at);
            params.lo = -range;
            params.hi = range;
            map.Draw(id, grid, Generation(), size, params);
        };
        char title[160];
        std::snprintf(title, sizeof title, Tr(S::MatmulTitleB), static_cast<long long>(r.b.rows()), static_cast<long long>(r.b.cols()), static_cast<long long>(r.rank_b));
        draw(m_b, "b", shown.b, shown.range_b, b_at, ImVec2(static_cast<float>(p) * s, static_cast<float>(n) * s), title);
        std::snprintf(title, sizeof title, Tr(S::MatmulTitleA), static_cast<long long>(r.a.rows()), static_cast<long long>(r.a.cols()), static_cast<long long>(r.rank_a));
        draw(m_a, "a", shown.a, shown.range_a, a_at, ImVec2(static_cast<float>(n) * s, static_cast<float>(m) * s), title);
        std::snprintf(title, sizeof title, Tr(S::MatmulTitleAB), static_cast<long long>(r.ab.rows()), static_cast<long long>(r.ab.cols()), static_cast<long long>(r.rank_ab));
        draw(m_ab, "ab", shown.ab, shown.range_ab, ab_at, ImVec2(static_cast<float>(p) * s, static_cast<float>(m) * s), title);
        MarkFigure(top, ImVec2(top.x + avail.x, a_at.y + static_cast<float>(m) * s));

        ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + avail.y - plot_h));
        auto series = [](const std::string& label, const Eigen::VectorXd& sv, ImU32 color) {
            PlotSeries out;
            out.label = label;
            out.color = color;
            for (Eigen::Index i = 0; i < sv.size(); ++i) {
                out.x.push_back(static_cast<double>(i + 1));
                out.y.push_back(sv[i]);
            }
            return out;
        };
        const PlotSeries all[] = {series("A", r.sv_a, IM_COL32(120, 190, 255, 255)), series("B", r.sv_b, IM_COL32(255, 190, 90, 255)),
                                  series("AB", r.sv_ab, IM_COL32(140, 230, 140, 255))};
        const PlotLine tolerance[] = {{r.tol_ab, Tr(S::MatmulToleranceLine), IM_COL32(255, 120, 120, 200)}};
        PlotAxes axes;
        axes.log_y = true;
        axes.x_label = Tr(S::MatmulSvIndex);
        axes.y_label = Tr(S::MatmulSvAxis);
        LinePlot("sv", ImVec2(avail.x, plot_h), all, axes, tolerance);
    }

    Heatmap m_a, m_b, m_ab;
};

}  // namespace

LENS_REGISTER_PANEL(MatmulPanel, 10, "matmul")

}  // namespace lens::app
