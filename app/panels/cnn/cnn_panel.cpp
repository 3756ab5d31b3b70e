// app/panels/cnn/cnn_panel.cpp: "CNN hierarchy". The notes' "Convolution is all you need": small
// kernels see little, so a CNN stacks them with down- and up-sampling, and the receptive field
// grows layer by layer while the weights stay few and the multiply-accumulates many. The panel
// edits a layer list (the compact text form of lens/cnn.hpp, or a preset), tabulates every layer
// (shape, parameters, MACs, activations, receptive field size / jump / start), draws the receptive
// field of any location of any layer over the image (with the same spot's region at every earlier
// layer), runs the image through the stack for feature maps, and charts parameters against MACs.
// The computation is the lesson's (lens/lessons/cnn_lesson.hpp); the views are in cnn_views.cpp.
//
// [SECTION] Text helpers
// [SECTION] Fields
// [SECTION] Analysis (memoised on the layer text, the input size and the language)
// [SECTION] Drawing helpers
// [SECTION] Editors
// [SECTION] Layout
#include "cnn_panel.hpp"

#include "../common_fields.hpp"

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace lens::app::cnn {

// [SECTION] Text helpers

std::string Fmt(const char* format, ...) {
    char buffer[1024];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    return buffer;
}

std::string ShapeText(const CnnShape& s) { return Fmt("%lld x %lld x %lld", LL(s.c), LL(s.h), LL(s.w)); }

std::string FieldSizeText(const CnnLayerStats& st) {
    if (st.field_y.size == st.field_x.size) return FormatExact(st.field_y.size);
    return FormatExact(st.field_y.size) + " x " + FormatExact(st.field_x.size);
}

std::string JumpText(const CnnField& f) {
    if (f.jump_num == 0) return "-";
    if (f.jump_den == 1) return FormatExact(f.jump_num);
    return FormatExact(f.jump_num) + "/" + FormatExact(f.jump_den);
}

std::string JumpPairText(const CnnLayerStats& st) {
    const std::string y = JumpText(st.field_y), x = JumpText(st.field_x);
    return y == x ? y : y + ", " + x;
}

std::string StartText(const CnnLayerStats& st) {
    if (st.field_y.global && st.field_x.global) return "-";
    if (st.field_y.start == st.field_x.start) return std::to_string(st.field_y.start);
    return std::to_string(st.field_y.start) + ", " + std::to_string(st.field_x.start);
}

std::string MultiLine(const std::vector<CnnLayer>& layers) {
    std::string text = FormatLayers(layers), out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ',' && i + 1 < text.size() && text[i + 1] == ' ') {
            out += '\n';
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string ParseAnyInteger(const std::string& value, std::int64_t* out) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != 0 || errno == ERANGE) return "'" + value + "' is not an integer";
    *out = v;
    return {};
}

// [SECTION] Fields

Field& CheckedInt(FieldTable& f, std::string key, Label label, std::int64_t* value, std::int64_t min, std::int64_t max,
                  std::string help) {
    Field& field = f.Int(std::move(key), label, value, min, max, std::move(help));
    field.type = FieldType::Custom;  // parsed by `parse`, listed with `range_text`
    field.range_text = std::to_string(min) + ".." + std::to_string(max);
    field.parse = [value](const std::string& v) { return ParseAnyInteger(v, value); };
    field.get_text = [value] { return std::to_string(*value); };
    return field;
}

void CnnPanel::DeclareFields(FieldTable& f) {
    std::vector<ChoiceOption> presets;
    for (int i = 0; i < kPresetCount; ++i) presets.push_back({kPresetKeys[i], kPresetNames[i]});
    const std::vector<ChoiceOption> kernels = KernelChoiceOptions();
    f.Preset("preset", S::FcPreset, presets, &m_preset, [this](const std::string& key) { return ApplyPreset(key); },
             "load a stack (apply before other keys)");
    // The layer text as typed (the analysis parses it live; its errors point into it). From the
    // command line it is stored one layer a line when it parses.
    Field& layers = f.Text("layers", S::CnnLayers, &m_spec.layers, kMaxLayerTextBytes,
                           "the layer list in the compact text form, e.g. conv3x3p1c64,maxpool2,dw3s2p1,pw128");
    layers.EditWith(Editor::MultilineText);
    layers.type = FieldType::Custom;
    layers.range_text = "text, at most " + std::to_string(kMaxLayerTextBytes) + " bytes";
    layers.parse = [this](const std::string& v) -> std::string {
        if (v.size() > kMaxLayerTextBytes) return "the layer list is longer than " + std::to_string(kMaxLayerTextBytes) + " bytes";
        auto parsed = ParseLayers(v);
        m_spec.layers = parsed ? MultiLine(*parsed) : v;
        return {};
    };
    CheckedInt(f, "in_h", S::CnnInH, &m_spec.in_h, 1, kMaxInputSide, "input height, px");
    CheckedInt(f, "in_w", S::CnnInW, &m_spec.in_w, 1, kMaxInputSide, "input width, px");
    CheckedInt(f, "in_channels", S::CnnInChannels, &m_spec.in_channels, 1, kCnnMaxChannels, "input channels (3: RGB)");
    // The queried location: a selection (its editors' ranges follow the stack, so they are drawn
    // by DrawEditors); a key that was set overrides that part of the default query.
    auto query = [&](const char* key, S label, std::int64_t* value, int which, std::int64_t max, const char* help) {
        CheckedInt(f, key, label, value, which == 0 ? 1 : 0, max, help)
            .EditWith(Editor::None)
            .Display()
            .OnSet([this, which] {
                m_query_set[which] = true;
                m_scroll_to_query = true;
            });
    };
    query("query_layer", S::CnnQueryLayer, &m_query_layer, 0, kCnnMaxLayers,
          "layer whose output location is queried, 1 = the first, as the table numbers them (default: the last with a map); "
          "at most the stack's layer count");
    query("query_y", S::CnnQueryY, &m_query_y, 1, kCnnMaxSide - 1, "row of that layer's output map, 0-based (default: the middle)");
    query("query_x", S::CnnQueryX, &m_query_x, 2, kCnnMaxSide - 1, "column of that layer's output map, 0-based (default: the middle)");
    f.Choice("kernel", S::ConvApplyKernel, &m_kernel, kernels, "weights of the feature maps' convolutions").Display();
    f.Int("seed", S::CnnKernelSeed, &m_seed, 0, std::numeric_limits<std::int64_t>::max(), "seed of the random weights")
        .Display()
        .VisibleWhen([this] { return m_kernel == static_cast<int>(lens::KernelChoice::Seeded); });
    f.Choice("view", Label(), &m_view, {{"features", S::CnnTabFeatures}, {"chart", S::CnnTabChart}}, "which tab is shown")
        .EditWith(Editor::None)
        .Display();
}

// [SECTION] Analysis (memoised on the layer text, the input size and the language)

Analysis Analyze(const AnalysisKey& key) {
    using Kind = CnnLessonIssue::Kind;
    const auto lang = key.language;
    CnnLessonAnalysis lesson = AnalyzeCnnLesson(key.spec);
    Analysis a{{}, std::move(lesson.preset), std::move(lesson.spec), std::move(lesson.stats)};
    for (const CnnLessonIssue& i : lesson.issues) {
        switch (i.kind) {
            case Kind::Core: a.issues.push_back({i.field, i.message}); break;
            case Kind::SideBelowOne:
                a.issues.push_back({i.field, Fmt(i18n::TextIn(S::CnnErrSideSmall, lang), i.field.c_str(), static_cast<long long>(i.value))});
                break;
            case Kind::SideAboveLimit:
                a.issues.push_back({i.field, Fmt(i18n::TextIn(S::CnnErrSideLarge, lang), static_cast<long long>(i.value),
                                                 static_cast<long long>(i.value2), LL(kMaxInputSide))});
                break;
            case Kind::Channels:
                a.issues.push_back({i.field, Fmt(i18n::TextIn(S::CnnErrChannels, lang), LL(kCnnMaxChannels), static_cast<long long>(i.value))});
                break;
        }
    }
    return a;
}

// [SECTION] Drawing helpers

ImU32 LayerColor(Index j, Index last) {
    const float t = last > 0 ? static_cast<float>(j) / static_cast<float>(last) : 1.0f;
    float r, g, b;
    ImGui::ColorConvertHSVtoRGB(0.5f - 0.42f * t, 0.85f, 1.0f, r, g, b);
    return ImGui::ColorConvertFloat4ToU32(ImVec4(r, g, b, 1.0f));
}

void WrappedDisabled(const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
}

void WrappedColored(const ImVec4& color, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
}

// [SECTION] Editors

void CnnPanel::DrawEditors(const Analysis& analysis, const CnnStats* stats) {
    const auto& issues = analysis.issues;
    FieldTable& fields = Fields();
    auto draw = [&](const char* key, const std::vector<SpecIssue>& shown) { DrawFieldEditor(fields, *fields.Find(key), shown); };
    draw("preset", issues);
    // The layer text, its label wrapped, the syntax on hover, the parse errors under it.
    ImGui::PushTextWrapPos(0);
    draw("layers", {});
    ImGui::PopTextWrapPos();
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
        ImGui::TextUnformatted(Tr(S::CnnLayersHelp));
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
    SpecFieldIssues("layers", issues);
    for (const char* key : {"in_h", "in_w", "in_channels"}) draw(key, issues);
    if (!issues.empty() && stats) WrappedColored(kNoteColor, Tr(S::CnnShowingLastValid));
    if (!stats) return;

    // The query, within the shown stack: another layer keeps the spot (SelectLayer).
    ImGui::Separator();
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(Tr(S::CnnQueryTitle));
    ImGui::PopTextWrapPos();
    const std::vector<SpecIssue> none;
    auto label = [&](const char* key) { return fields.Find(key)->label.Text(); };
    std::int64_t layer = ResolvedQuery(*stats).layer + 1;
    if (SpecField(label("query_layer"), "query_layer", &layer, 1, static_cast<Index>(stats->layers.size()), none)) {
        SelectLayer(*stats, layer - 1);
        m_scroll_to_query = true;
    }
    const CnnQuery q = ResolvedQuery(*stats);
    std::int64_t y = q.y, x = q.x;
    const CnnShape& out = stats->layers[static_cast<size_t>(q.layer)].out;
    const bool changed_y = SpecField(label("query_y"), "query_y", &y, 0, out.h - 1, none);
    const bool changed_x = SpecField(label("query_x"), "query_x", &x, 0, out.w - 1, none);
    if (changed_y || changed_x) SetQuery({q.layer, y, x});
    DrawQueryMap(*stats, ImGui::GetContentRegionAvail().x);

    ImGui::Separator();
    draw("kernel", none);
    draw("seed", none);
}

// The chosen layer's output map as a grid of cells; click to choose the location.
void CnnPanel::DrawQueryMap(const CnnStats& stats, float width) {
    const CnnQuery q = ResolvedQuery(stats);
    const CnnShape& out = stats.layers[static_cast<size_t>(q.layer)].out;
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::PushTextWrapPos(0);
    ImGui::Text(Tr(S::CnnQueryMapTitle), LL(q.layer + 1), LL(out.h), LL(out.w));
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
    const float max_h = ImGui::GetFontSize() * 9;
    const float cell = std::min(width / static_cast<float>(out.w), max_h / static_cast<float>(out.h));
    const ImVec2 size(std::max(cell * static_cast<float>(out.w), 2.0f), std::max(cell * static_cast<float>(out.h), 2.0f));
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##query_map", size);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(38, 40, 48, 255));
    if (cell >= 5.0f && out.h <= 256 && out.w <= 256) {
        for (Index yy = 0; yy <= out.h; ++yy)
            draw->AddLine(ImVec2(origin.x, origin.y + cell * static_cast<float>(yy)),
                          ImVec2(origin.x + size.x, origin.y + cell * static_cast<float>(yy)), IM_COL32(70, 72, 84, 255));
        for (Index xx = 0; xx <= out.w; ++xx)
            draw->AddLine(ImVec2(origin.x + cell * static_cast<float>(xx), origin.y),
                          ImVec2(origin.x + cell * static_cast<float>(xx), origin.y + size.y), IM_COL32(70, 72, 84, 255));
    }
    const ImVec2 a(origin.x + cell * static_cast<float>(q.x), origin.y + cell * static_cast<float>(q.y));
    const ImVec2 b(std::max(a.x + cell, a.x + 4), std::max(a.y + cell, a.y + 4));
    draw->AddRectFilled(a, b, LayerColor(1, 1));
    draw->AddRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(110, 110, 125, 255));
    if (ImGui::IsItemHovered() && cell > 0) {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const Index yy = std::clamp<Index>(static_cast<Index>((mouse.y - origin.y) / cell), 0, out.h - 1);
        const Index xx = std::clamp<Index>(static_cast<Index>((mouse.x - origin.x) / cell), 0, out.w - 1);
        ImGui::SetTooltip(Tr(S::CnnQueryMapHover), LL(yy), LL(xx));
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) SetQuery({q.layer, yy, xx});
    }
}

// [SECTION] Layout

void CnnPanel::DrawContent(AppContext& context) {
    if (!m_features) m_features = std::make_unique<LatestTask<ForwardKey, CnnFeatureMaps>>(*context.tasks);
    const Analysis& analysis = m_analysis.Get(KeyFor(i18n::CurrentLanguage()), [](const AnalysisKey& k) { return Analyze(k); });
    // The preset field shows the preset the stack equals, so typing a preset's layers back selects it.
    m_preset = analysis.preset == "custom" ? std::string() : analysis.preset;
    if (analysis.stats && analysis.stats != m_valid_stats) {
        m_valid_spec = analysis.spec;
        m_valid_stats = analysis.stats;
    }
    const CnnStats* stats = m_valid_stats.get();

    // A fifth of the width, 13.5 to 17 em: the table needs the room at 1280 px.
    BeginEditorColumn(std::clamp(ImGui::GetContentRegionAvail().x * 0.2f / ImGui::GetFontSize(), 13.5f, 17.0f));
    DrawEditors(analysis, stats);
    BeginMainArea();
    if (!stats) {
        WrappedColored(kErrorColor, Tr(S::CnnNoValidStack));
        ImGui::EndChild();
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    // Totals, then the stage table.
    const CnnLayerStats& last = stats->layers.back();
    const std::string field = last.field_y.global ? std::string(Tr(S::CnnGlobal)) : FieldSizeText(last) + " px";
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(kNoteColor, Tr(S::CnnTotals), (FormatExact(stats->parameters) + " (" + FormatSI(static_cast<double>(stats->parameters)) + ")").c_str(),
                       (FormatExact(stats->macs) + " (" + FormatSI(static_cast<double>(stats->macs)) + ")").c_str(), ShapeText(stats->out).c_str(),
                       field.c_str());
    ImGui::PopTextWrapPos();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    // As tall as its rows, up to about a third of the panel (then it scrolls).
    const float row_h = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2;
    const float table_h = std::min(row_h * static_cast<float>(stats->layers.size() + 3) + 4, std::max(avail.y * 0.36f, line * 6));
    DrawTable(*stats, table_h);
    ImGui::TextDisabled("%s", Tr(S::CnnTableHint));

    // The receptive field over the image, and the tabs beside it.
    const ImVec2 rest = ImGui::GetContentRegionAvail();
    const float rf_w = std::min(rest.x * 0.42f, rest.y + line * 2);
    // The figure (File > Export figure): the receptive field with its legend, or the chart when shown.
    const ImVec2 rf_top = ImGui::GetCursorScreenPos();
    MarkFigure(rf_top, ImVec2(rf_top.x + rf_w, rf_top.y + rest.y));
    ImGui::BeginChild("##rf_child", ImVec2(rf_w, rest.y), false, ImGuiWindowFlags_NoScrollbar);
    DrawReceptiveField(context, *stats, ImVec2(rf_w, rest.y));
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##tabs_child", ImVec2(0, rest.y), false);
    if (ImGui::BeginTabBar("##tabs")) {
        if (ImGui::BeginTabItem(Tr(S::CnnTabFeatures), nullptr, m_view == 0 && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!m_force_tab) m_view = 0;
            DrawFeatures(context, *stats, ImGui::GetContentRegionAvail());
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem(Tr(S::CnnTabChart), nullptr, m_view == 1 && m_force_tab ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!m_force_tab) m_view = 1;
            DrawChart(*stats, ImGui::GetContentRegionAvail());
            ImGui::EndTabItem();
        }
        m_force_tab = false;
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
    ImGui::EndChild();
}

LENS_REGISTER_PANEL(CnnPanel, 72, "cnn")

}  // namespace lens::app::cnn
