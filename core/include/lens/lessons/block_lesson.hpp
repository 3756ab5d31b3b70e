// lens/lessons/block_lesson.hpp: the "Transformer block" lesson. A model's exact parameters and
// MACs per part (lens/transformer.hpp), and the notes' "3 x 768^2 + ..." block estimate against
// the exact block.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "lens/figures.hpp"
#include "lens/image.hpp"
#include "lens/task.hpp"
#include "lens/transformer.hpp"

namespace lens {

struct BlockLesson {
    using Spec = TransformerSpec;
    struct Result {
        TransformerSpec spec;
        TransformerStats stats;
        std::optional<NotesBlockComparison> notes;
    };
    static std::vector<SpecIssue> Issues(const Spec& spec) { return Validate(spec); }
    static Result Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context);
    static void VisitFigures(const Result& result, FigureVisitor& visitor);
};

}  // namespace lens
