// app/panels/matmul_panel.cpp: "Matrix product & rank". A (m x n) times B (n x p) is m x p, and its
// rank is at most min(rank A, rank B) <= min(m, n, p): seeded matrices of chosen rank, laid out so
// the shared side n lines up, with their singular values on a log plot.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <lens/matmul.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "../widgets/heatmap.hpp"
#include "../widgets/plot.hpp"
#include "../widgets/spec_editor.hpp"
#include "panel.hpp"

namespace lens::app {
namespace {

using i18n::S;
using i18n::Tr;

// Eigen is column-major; grids are row-major: copy element by element.
Grid<float> ToGrid(const Eigen::MatrixXd& m) {
    Grid<float> grid(static_cast<int>(m.cols()), static_cast<int>(m.rows()));
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c) grid.At(static_cast<int>(c), static_cast<int>(r)) = static_cast<float>(m(r, c));
    return grid;
}

std::vector<float> RowMajor(const Eigen::MatrixXd& m) { return ToGrid(m).data; }

struct Shown {
    MatmulResult result;
    Grid<float> a, b, ab;
    float range_a = 1, range_b = 1, range_ab = 1;
};

class MatmulPanel final : public Panel {
public:
    const char* Id() const override { return "matmul"; }
    i18n::S Title() const override { return S::PanelMatmul; }
    bool Busy() const override { return m_task && m_task->Busy(); }
    float Progress() const override { return 0.5f; }

    std::string ValidateKeys() override {
        return JoinIssues(Validate(m_spec));
    }

    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        auto result = ComputeMatmul(m_spec);
        if (!result) return;
        sink.Integer("m", m_spec.m);
        sink.Integer("n", m_spec.n);
        sink.Integer("p", m_spec.p);
        sink.Integer("rows", m_spec.m);
        sink.Integer("cols", m_spec.p);
        sink.Integer("rank_a", result->rank_a);
        sink.Integer("rank_b", result->rank_b);
        sink.Integer("rank_ab", result->rank_ab);
        sink.Integer("rank_bound", result->bound);
        sink.Integer("side_bound", result->side_bound);
        sink.Integer("bound_holds", result->bound_holds ? 1 : 0);
        sink.Number("tolerance_ab", result->tol_ab);
        auto values = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
        sink.NumberArray("singular_values_a", values(result->sv_a));
        sink.NumberArray("singular_values_b", values(result->sv_b));
        sink.NumberArray("singular_values_ab", values(result->sv_ab));
        sink.ArrayF32("a", RowMajor(result->a), {m_spec.m, m_spec.n});
        sink.ArrayF32("b", RowMajor(result->b), {m_spec.n, m_spec.p});
        sink.ArrayF32("ab", RowMajor(result->ab), {m_spec.m, m_spec.p});
    }

protected:
    void BindKeys(KeyTable& keys) override {
        keys.Int64("m", &m_spec.m, 1, kMatmulMaxSide, "rows of A and AB");
        keys.Int64("n", &m_spec.n, 1, kMatmulMaxSide, "columns of A = rows of B (the shared side)");
        keys.Int64("p", &m_spec.p, 1, kMatmulMaxSide, "columns of B and AB");
        keys.Int64("rank_a", &m_spec.rank_a, 1, kMatmulMaxSide, "rank of A (at most min(m, n))");
        keys.Int64("rank_b", &m_spec.rank_b, 1, kMatmulMaxSide, "rank of B (at most min(n, p))");
        keys.Custom("seed", "0..2^63", "seed of the random factors", [this](const std::string& v) -> std::string {
            char* end = nullptr;
            const unsigned long long s = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end != 0 || v[0] == '-') return "'" + v + "' is not a non-negative integer";
            m_spec.seed = s;
            return {};
        });
    }

    void DrawContent(AppContext& context) override {
        if (!m_task) m_task = std::make_unique<LatestTask<MatmulSpec, Shown>>(*context.tasks);
        BeginEditorColumn();
        DrawEditors();
        BeginMainArea();
        const auto issues = Validate(m_spec);
        if (issues.empty()) {
            const MatmulSpec spec = m_spec;
            m_task->Request(spec, [spec](TaskContext&) {
                Shown shown;
                shown.result = *ComputeMatmul(spec);
                shown.a = ToGrid(shown.result.a);
                shown.b = ToGrid(shown.result.b);
                shown.ab = ToGrid(shown.result.ab);
                shown.range_a = static_cast<float>(std::max(shown.result.a.cwiseAbs().maxCoeff(), 1e-12));
                shown.range_b = static_cast<float>(std::max(shown.result.b.cwiseAbs().maxCoeff(), 1e-12));
                shown.range_ab = static_cast<float>(std::max(shown.result.ab.cwiseAbs().maxCoeff(), 1e-12));
                return shown;
            });
        }
        m_task->Poll();
        if (const Shown* shown = m_task->Current()) DrawMatrices(*shown);
        ImGui::EndChild();
    }

private:
    void DrawEditors() {
        const auto issues = Validate(m_spec);
        auto field = [&](const char* label, const char* name, std::int64_t* value) { SpecField(label, name, value, 1, kMatmulMaxSide, issues); };
        field("m", "m", &m_spec.m);
        field("n", "n", &m_spec.n);
        field("p", "p", &m_spec.p);
        field(Tr(S::MatmulRankA), "rank_a", &m_spec.rank_a);
        field(Tr(S::MatmulRankB), "rank_b", &m_spec.rank_b);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
        ImGui::InputScalar(Tr(S::ConvSeed), ImGuiDataType_U64, &m_spec.seed);
        ImGui::Separator();
        const Shown* shown = m_task ? m_task->Current() : nullptr;
        if (!shown) return;
        const MatmulResult& r = shown->result;
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
        const MatmulResult& r = shown.result;
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
            map.Draw(id, grid, m_task->Generation(), size, params);
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

    MatmulSpec m_spec{16, 8, 12, 3, 5, 1};
    std::unique_ptr<LatestTask<MatmulSpec, Shown>> m_task;
    Heatmap m_a, m_b, m_ab;
};

}  // namespace

LENS_REGISTER_PANEL(MatmulPanel, 10, "matmul")

}  // namespace lens::app
