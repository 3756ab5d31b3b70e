// lens/lessons/cnn_lesson.hpp: the "CNN hierarchy" lesson (the notes' "Convolution is all you
// need"): what the CNN panel shows, as pure functions of the typed stack (and the image), with no UI
// text. The panel (app/panels/cnn/) lays these out and words them in the active language.
//
// - AnalyzeCnnLesson: the typed layer text and input size -> the analysed stack (lens/cnn.hpp), or
//   the problems in order (parse errors and AnalyzeCnn's sentences as core writes them; the size
//   problems as codes with their numbers, for the panel to word).
// - Queries: the default location (the middle of the last layer with a spatial map), the location
//   of another layer centred nearest a spot, and the chain of "the same spot" at every earlier
//   layer with its receptive field (the nested frames over the image).
// - Forward planning: which layers run for the feature maps, at which input size, within a MAC,
//   element and parameter budget (two binary searches; see PlanCnnForward).
// - Feature maps: the planned layers run one at a time (ForwardStack), cancellable, with progress;
//   each map reduced to a mosaic of its first channels.
// - VisitFigures: every figure the panel exports (stats.json), named once.
//
// [SECTION] Analysis of the typed stack
// [SECTION] Queries and the same spot at earlier layers
// [SECTION] Forward planning
// [SECTION] Feature maps
// [SECTION] Figures
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lens/cnn.hpp"
#include "lens/figures.hpp"
#include "lens/grid.hpp"
#include "lens/spec.hpp"
#include "lens/task.hpp"

namespace lens {

// [SECTION] Analysis of the typed stack

// The image is resized to the stack's input for the overlay and the forward pass: at most this many
// px a side (the counts alone would allow kCnnMaxSide, but nothing is drawn that large).
inline constexpr Index kCnnLessonMaxInputSide = 2048;

// What the panel's fields hold: the layer text as typed, and the input size (any integers, so that
// 0 or -5 reach the checks and get their sentence).
struct CnnLessonSpec {
    std::string layers;
    std::int64_t in_h = 256, in_w = 256, in_channels = 3;
    bool operator==(const CnnLessonSpec&) const = default;
};

// One problem with the typed stack, in the order the panel lists them.
struct CnnLessonIssue {
    enum class Kind {
        Core,            // `message` holds core's sentence (ParseLayers, AnalyzeCnn)
        SideBelowOne,    // `field` ("in_h" or "in_w") is `value` < 1
        SideAboveLimit,  // in_h x in_w (`value`, `value2`) exceeds kCnnLessonMaxInputSide; `field` names the larger
        Channels,        // in_channels `value` outside 1..kCnnMaxChannels
    };
    Kind kind = Kind::Core;
    std::string field;    // the key the problem belongs to
    std::string message;  // Core only
    std::int64_t value = 0, value2 = 0;
};

struct CnnLessonAnalysis {
    std::vector<CnnLessonIssue> issues;     // empty when the stack is valid
    std::string preset;                     // the preset the stack equals, or "custom" (valid stacks)
    std::shared_ptr<const CnnSpec> spec;    // set when valid
    std::shared_ptr<const CnnStats> stats;  // set when valid
};

CnnLessonAnalysis AnalyzeCnnLesson(const CnnLessonSpec& spec);

// [SECTION] Queries and the same spot at earlier layers

// An output location: layer (0-based into stats.layers), row, column.
struct CnnQuery {
    Index layer = 0;
    Index y = 0, x = 0;
    bool operator==(const CnnQuery&) const = default;
};

// The middle of the last layer that still has a spatial map (global layers see everything; their
// region says little).
CnnQuery DefaultCnnQuery(const CnnStats& stats);

// The default query with the parts that were chosen replaced, clamped into range (layer 0-based).
CnnQuery ResolveCnnQuery(const CnnStats& stats, std::optional<Index> layer, std::optional<Index> y, std::optional<Index> x);

// Centre (input pixels, per axis) of a location's unclipped region; 0 when the location is out of range.
double CnnRegionCentre(const CnnStats& stats, const CnnQuery& q, bool vertical);

// The output location of layer j (per axis) whose unclipped region is centred nearest to `centre`
// (input pixels). Without up-sampling the regions step by `jump`, so the guess is exact up to
// rounding; with up-sampling they step unevenly, so a few neighbours are compared.
Index CnnNearestOnAxis(const CnnStats& stats, Index j, bool vertical, double centre);

// The location of `layer` centred nearest the region of `from` (another layer, keeping the spot).
CnnQuery CnnSameSpot(const CnnStats& stats, const CnnQuery& from, Index layer);

struct CnnAncestor {
    Index layer = 0, y = 0, x = 0;
    InputRegionResult region;
};

// The chosen location's region, and for every earlier layer the location centred on the same spot
// with its region (index = layer; the last entry is the query itself). Empty for a query out of range.
std::vector<CnnAncestor> CnnAncestors(const CnnStats& stats, const CnnQuery& q);

// [SECTION] Forward planning

// Budgets of the feature maps: ForwardStack (GEMMs) runs within these (its default MAC limit is
// under a second on one core: the notes' stack at 256 and MobileNet v1 at 224 run at full size);
// larger stacks run on a downscaled input, or not at all.
struct CnnForwardBudget {
    Count max_macs = CnnForwardLimits{}.max_macs;  // 8,589,934,592
    Count max_elements = Count{1} << 24;           // floats over all maps
    Count max_parameters = Count{1} << 24;         // weights allocated
    bool operator==(const CnnForwardBudget&) const = default;
};

enum class CnnPlanStop { None, Linear, Parameters, Budget };

// What the forward pass runs: the layers up to the first fully connected one (it has no map) and
// within the parameter budget, at the stack's input size or downscaled (same aspect ratio) to the
// largest size within the MAC and element budgets; when even the smallest input those layers accept
// is over the budgets, the longest prefix that fits. `run` has no layers when nothing can run.
struct CnnForwardPlan {
    CnnSpec run;
    Index prefix = 0;  // layers run
    CnnPlanStop stop = CnnPlanStop::None;
    bool downscaled = false;
    Count full_macs = 0;                   // the run layers' MACs at the stack's input size
    bool too_large = false;                // not even the first layer fits the budgets
    Index min_h = 0, min_w = 0;            // then: the smallest input it accepts,
    Count min_macs = 0, min_elements = 0;  // and what it needs there
    bool operator==(const CnnForwardPlan&) const = default;
};

// `stats` is AnalyzeCnn(spec). Map sizes grow with the input, so "analysable" and "within budget"
// are each monotone in the scaled side, and fitting is monotone in the prefix: binary searches.
CnnForwardPlan PlanCnnForward(const CnnSpec& spec, const CnnStats& stats, const CnnForwardBudget& budget = {});

// [SECTION] Feature maps

inline constexpr int kCnnShownChannels = 6;   // channels shown per layer
inline constexpr int kCnnStripChannels = 64;  // channels shown for a 1 x 1 map (a vector), as one strip

// One layer's output as shown: its first channels side by side.
struct CnnLayerMaps {
    Grid<float> mosaic;  // the first channels side by side, NaN gaps between them
    CnnShape shape;      // of the run (possibly downscaled) map
    int shown = 0;       // channels in the mosaic
    int gap = 0;         // px of NaN between tiles
    bool strip = false;  // a 1 x 1 map: the channels as one strip, no gaps
    float lo = 0, hi = 1;
};

// The mosaic of one C,H,W map.
CnnLayerMaps MakeCnnMosaic(std::span<const float> map, const CnnShape& shape);

struct CnnFeatureMaps {
    CnnForwardPlan plan;
    Index full_h = 0, full_w = 0;  // the stack's input
    std::vector<CnnLayerMaps> layers;
    CnnShape input;                // of the run
};

// The image as the run's C,H,W input (the app resizes its image); and a hook that may replace the
// seeded weights (the app's classic kernels). Both are the app's until the shared image-to-CHW and
// kernels modules exist in core.
using CnnInputFn = std::function<std::vector<float>(const CnnShape& input)>;
using CnnWeightsFn = std::function<void(const CnnStats& run, CnnWeights& weights)>;

// Plans (PlanCnnForward), seeds the weights (SeedCnnWeights, `seed`), lets `adjust` change them
// (may be empty), then runs the planned layers one at a time through ForwardStack, reporting
// progress by MACs and stopping when cancelled (TaskCancelled). `spec` must be valid; throws
// std::runtime_error with core's sentence otherwise, or when a limit refuses.
CnnFeatureMaps ComputeCnnFeatureMaps(const CnnSpec& spec, std::uint64_t seed, const CnnInputFn& input,
                                     const CnnWeightsFn& adjust, TaskContext& context, const CnnForwardBudget& budget = {});

// [SECTION] Figures

// What the panel exports: the analysed stack and the resolved query.
struct CnnLessonResult {
    std::string preset;
    std::shared_ptr<const CnnSpec> spec;
    std::shared_ptr<const CnnStats> stats;
    CnnQuery query;
};

// preset, layers, in_h, in_w, in_channels, layer_count, parameters, macs, activations,
// max_activation, out_channels, out_h, out_w, receptive_field(_h, _w), jump, start, global,
// query_layer (1-based), query_y, query_x, query_region(_unclipped) [y0, x0, y1, x1], and per layer
// layer_out_channels, layer_out_h, layer_out_w, layer_parameters, layer_weights, layer_biases,
// layer_macs, layer_activations, layer_receptive_field(_w), layer_jump(_w), layer_start(_w),
// layer_global. Nothing when spec or stats is null.
void VisitFigures(const CnnLessonResult& result, FigureVisitor& visitor);

}  // namespace lens
