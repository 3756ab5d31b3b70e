// lens/lessons/scaling_lesson.hpp: the "Scaling" lesson (the notes' "Convolution is all you
// need"): parameters and MACs of a fully connected layer, its per-channel form, a 3x3 convolution
// and its separable pair, a CNN stack and a ViT as the image edge doubles (lens/scaling.hpp), and
// the notes' own figures recomputed.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lens/cnn.hpp"
#include "lens/figures.hpp"
#include "lens/image.hpp"
#include "lens/scaling.hpp"
#include "lens/task.hpp"

namespace lens {

struct ScalingLesson {
    static constexpr std::int64_t kMaxEdge = 1 << 16;  // px: the lesson's range (the core takes 2^20)
    static constexpr int kModels = 6;                  // in ScalingRow's order
    static constexpr std::array<const char*, kModels> kModelKeys{"fc", "fc_separable", "conv", "separable", "cnn", "vit"};

    struct Spec {
        std::int64_t edge_lo = 64;
        std::int64_t edge_hi = 4096;
        int cnn = 0;  // index into CnnPresets()
        int vit = 0;  // 0 ViT-B/16, 1 ViT-L/16, 2 ViT-B/32
        bool operator==(const Spec&) const = default;
    };
    struct Result {
        Spec spec;
        std::vector<ScalingRow> rows;
        NotesScalingFigures notes;
    };
    static const std::vector<CnnPreset>& Presets();
    static const ScalingFigure& FigureOf(const ScalingRow& row, int model);
    static std::vector<SpecIssue> Issues(const Spec& spec);
    static Result Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context);
    // edges, <model>_parameters and <model>_macs per edge (null where a figure passes 64 bits), the
    // notes' figures, and the CNN preset's key.
    static void VisitFigures(const Result& result, FigureVisitor& visitor);
};

}  // namespace lens
