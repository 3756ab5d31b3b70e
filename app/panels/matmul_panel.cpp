// app/panels/matmul_panel.cpp: "Matrix product & rank". A (m x n) times B (n x p) is m x p, and its
// rank is at most min(rank A, rank B) <= min(m, n, p): seeded matrices of chosen rank, laid out so
// the shared side n lines up, with their singular values on a log plot.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <lens/lessons/matmul_lesson.hpp>

#include "../widgets/animation_controls.hpp"
#include "../widgets/colorbar.hpp"
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
    bool Animating() const override { return m_anim.Playing(); }

protected:
    void DeclareFields(FieldTable& f) override {
        f.Int("m", "m", &m_spec.m, 1, kMatmulMaxSide, "rows of A and AB");
        f.Int("n", "n", &m_spec.n, 1, kMatmulMaxSide, "columns of A = rows of B (the shared side)");
        f.Int("p", "p", &m_spec.p, 1, kMatmulMaxSide, "columns of B and AB");
        f.Int("rank_a", S::MatmulRankA, &m_spec.rank_a, 1, kMatmulMaxSide, "rank of A (at most min(m, n))");
        f.Int("rank_b", S::MatmulRankB, &m_spec.rank_b, 1, kMatmulMaxSide, "rank of B (at most min(n, p))");
        f.Seed("seed", S::ConvSeed, &m_spec.seed, "seed of the random factors");
        // AB = sum over k of (column k of A)(row k of B): the animation adds one rank-1 term a step.
        f.Float("accumulate", S::MatmulAccumulate, &m_accumulate, 0.0, 1.0,
                "share of the n rank-1 terms a_k b_k^T summed into the AB shown (1 = the whole product; the animation)")
            .Display()
            .EditWith(Editor::None)
            .Animation([this] { return static_cast<int>(m_spec.n); });
    }

    void DrawContent(AppContext& context) override {
        BeginEditorColumn();
        DrawSpecFields(Issues());
        ImGui::Separator();
        const Shown* shown = Latest(context);
        if (shown) DrawSummary(shown->matmul);
        BeginMainArea();
        if (shown && PartialAllowed(shown->matmul)) {
            const int n = static_cast<int>(shown->matmul.a.cols());
            m_anim.Draw(Fields(), *Fields().Find("accumulate"), n, std::clamp(static_cast<float>(n) * 0.4f, 2.0f, 8.0f));
        }
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
        // Each matrix on its own symmetric scale; the three colour bars fill the free corner left
        // of B, above A (the maps themselves keep one square per entry).
        HeatmapBar no_bar;
        no_bar.show = false;
        ImVec2 mins[3], maxs[3];
        auto draw = [&](int i, Heatmap& map, const char* id, const Grid<float>& grid, float range, ImVec2 at, ImVec2 size, const char* title) {
            ImGui::SetCursorScreenPos(ImVec2(at.x, at.y - label_h));
            ImGui::TextUnformatted(title);
            ImGui::SetCursorScreenPos(at);
            map.Draw(id, grid, Generation(), size, ColormapParamsFor(gfx::Colormap::Diverging, SymmetricScale(range)), &mins[i], &maxs[i], no_bar);
        };
        char title[160];
        std::snprintf(title, sizeof title, Tr(S::MatmulTitleB), static_cast<long long>(r.b.rows()), static_cast<long long>(r.b.cols()), static_cast<long long>(r.rank_b));
        draw(1, m_b, "b", shown.b, shown.range_b, b_at, ImVec2(static_cast<float>(p) * s, static_cast<float>(n) * s), title);
        std::snprintf(title, sizeof title, Tr(S::MatmulTitleA), static_cast<long long>(r.a.rows()), static_cast<long long>(r.a.cols()), static_cast<long long>(r.rank_a));
        draw(0, m_a, "a", shown.a, shown.range_a, a_at, ImVec2(static_cast<float>(n) * s, static_cast<float>(m) * s), title);
        const long long terms = static_cast<long long>(r.a.cols());
        const long long k = PartialAllowed(r) ? std::llround(m_accumulate * static_cast<double>(terms)) : terms;
        if (k < terms) {
            // The partial sum on AB's own scale, so the picture fills in towards the product.
            std::snprintf(title, sizeof title, Tr(S::MatmulTitlePartial), k, terms);
            draw(2, m_ab, "ab", Partial(shown, static_cast<Eigen::Index>(k)), shown.range_ab, ab_at,
                 ImVec2(static_cast<float>(p) * s, static_cast<float>(m) * s), title);
        } else {
            std::snprintf(title, sizeof title, Tr(S::MatmulTitleAB), static_cast<long long>(r.ab.rows()), static_cast<long long>(r.ab.cols()),
                          static_cast<long long>(r.rank_ab));
            draw(2, m_ab, "ab", shown.ab, shown.range_ab, ab_at, ImVec2(static_cast<float>(p) * s, static_cast<float>(m) * s), title);
        }
        if (k >= 1 && k < terms) DrawTerm(static_cast<float>(k - 1), static_cast<float>(n), mins, maxs);
        // The colour bars right of AB, or in the corner left of B when AB fills the width.
        const float right_x = ab_at.x + static_cast<float>(p) * s + gap;
        const float right_w = top.x + avail.x - right_x;
        if (right_w >= ImGui::GetFontSize() * 8)
            DrawColorbars(shown, ImVec2(right_x, b_at.y), std::min(right_w, ImGui::GetFontSize() * 16));
        else
            DrawColorbars(shown, top, std::max(b_at.x - top.x - gap, ImGui::GetFontSize() * 4));
        DrawLinkedHover(r, mins, maxs);
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

    // One colour bar per matrix, stacked at `at`.
    static void DrawColorbars(const Shown& shown, ImVec2 at, float width) {
        const char* names[3] = {"A", "B", "AB"};
        const float ranges[3] = {shown.range_a, shown.range_b, shown.range_ab};
        ImGui::SetCursorScreenPos(at);
        ImGui::BeginGroup();
        for (int i = 0; i < 3; ++i) {
            ColorbarSpec bar;
            bar.map = gfx::Colormap::Diverging;
            bar.scale = SymmetricScale(ranges[i]);
            bar.caption = names[i];
            Colorbar(names[i], width, bar);
        }
        ImGui::EndGroup();
    }

    // Hovering an entry of AB lights the row of A and the column of B that make it.
    static void DrawLinkedHover(const MatmulResult& r, const ImVec2 mins[3], const ImVec2 maxs[3]) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const ImVec2 mn = mins[2], mx = maxs[2];
        if (!(mouse.x >= mn.x && mouse.y >= mn.y && mouse.x < mx.x && mouse.y < mx.y) || r.ab.rows() == 0 || r.ab.cols() == 0) return;
        if (!ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem)) return;
        const auto rows = static_cast<Eigen::Index>(r.ab.rows()), cols = static_cast<Eigen::Index>(r.ab.cols());
        const Eigen::Index i = std::clamp<Eigen::Index>(static_cast<Eigen::Index>((mouse.y - mn.y) / (mx.y - mn.y) * static_cast<float>(rows)), 0, rows - 1);
        const Eigen::Index j = std::clamp<Eigen::Index>(static_cast<Eigen::Index>((mouse.x - mn.x) / (mx.x - mn.x) * static_cast<float>(cols)), 0, cols - 1);
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImU32 lit = IM_COL32(255, 215, 110, 255);
        auto band = [&](ImVec2 a, ImVec2 b) {
            draw->AddRectFilled(a, b, IM_COL32(255, 255, 255, 45));
            draw->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), lit, 0, 0, 2.0f);
        };
        const float ch = (mx.y - mn.y) / static_cast<float>(rows), cw = (mx.x - mn.x) / static_cast<float>(cols);
        band(ImVec2(mn.x + cw * static_cast<float>(j), mn.y + ch * static_cast<float>(i)), ImVec2(mn.x + cw * static_cast<float>(j + 1), mn.y + ch * static_cast<float>(i + 1)));
        band(ImVec2(mins[0].x, mins[0].y + ch * static_cast<float>(i)), ImVec2(maxs[0].x, mins[0].y + ch * static_cast<float>(i + 1)));  // row i of A
        band(ImVec2(mins[1].x + cw * static_cast<float>(j), mins[1].y), ImVec2(mins[1].x + cw * static_cast<float>(j + 1), maxs[1].y));  // column j of B
        ImGui::SetTooltip(Tr(S::MatmulHover), static_cast<long long>(i), static_cast<long long>(j), static_cast<long long>(i),
                          static_cast<long long>(j), FormatNumber(static_cast<double>(r.ab(i, j)), 4).c_str());
    }

    // The rank-1 animation recomputes A[:, :k] B[:k, :] per step: only for products of bounded work.
    static bool PartialAllowed(const MatmulResult& r) {
        return static_cast<double>(r.a.rows()) * static_cast<double>(r.a.cols()) * static_cast<double>(r.b.cols()) <= 5e7;
    }

    const Grid<float>& Partial(const Shown& shown, Eigen::Index k) {
        const std::uint64_t key = Generation() * 8192 + static_cast<std::uint64_t>(k) + 1;
        if (key != m_partial_key) {
            const Eigen::MatrixXd partial = shown.matmul.a.leftCols(k) * shown.matmul.b.topRows(k);
            m_partial = ToRowMajorGrid(partial);
            m_partial_key = key;
        }
        return m_partial;
    }

    // The term just added: column k of A and row k of B, outlined.
    static void DrawTerm(float k, float n, const ImVec2 mins[3], const ImVec2 maxs[3]) {
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImU32 lit = IM_COL32(255, 215, 110, 255);
        const float cw = (maxs[0].x - mins[0].x) / n, rh = (maxs[1].y - mins[1].y) / n;
        draw->AddRect(ImVec2(mins[0].x + cw * k - 1, mins[0].y - 1), ImVec2(mins[0].x + cw * (k + 1) + 1, maxs[0].y + 1), lit, 0, 0, 2.0f);
        draw->AddRect(ImVec2(mins[1].x - 1, mins[1].y + rh * k - 1), ImVec2(maxs[1].x + 1, mins[1].y + rh * (k + 1) + 1), lit, 0, 0, 2.0f);
    }

    Heatmap m_a, m_b, m_ab;
    double m_accumulate = 1.0;
    AnimationControls m_anim;
    Grid<float> m_partial;
    std::uint64_t m_partial_key = 0;
};

}  // namespace

LENS_REGISTER_PANEL(MatmulPanel, 10, "matmul")

}  // namespace lens::app
