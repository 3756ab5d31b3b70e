// lens/lessons/fc_lesson.hpp: the "Fully connected & its simplifications" lesson. The full 4-D
// weight and its two simplifications (I: share across features, W (x) I_F; II: share across inputs,
// I_N (x) V, the 1x1 convolution) as structured matrices (lens/fc.hpp), with their counts.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "lens/fc.hpp"
#include "lens/figures.hpp"
#include "lens/image.hpp"
#include "lens/task.hpp"

namespace lens {

struct FcLesson {
    using Spec = FcSpec;
    struct Result {
        FcSpec spec;
        FcStats stats;
        std::array<MatrixPtr, 3> forms;        // full, share features (I), share inputs (II); null when not applicable
        std::array<std::string, 3> reasons;    // why a form is null (English)
    };
    // The notes' cases (FindFcPreset) and "small" (6 x 3 -> 6 x 3, entry by entry).
    static std::optional<FcSpec> Preset(const std::string& key);
    static std::vector<SpecIssue> Issues(const Spec& spec) { return Validate(spec); }
    // The three operators are built from the structure only (no weights stored beyond the budget).
    static Result Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context);
    static void VisitFigures(const Result& result, FigureVisitor& visitor);
};

}  // namespace lens
