// lens/lessons/mlp_lesson.hpp: the "MLP" lesson. A multi-layer perceptron is a chain of fully
// connected layers (the notes' 1024 -> 2048 -> 100): its widths as text, the exact counts per layer
// (lens/mlp.hpp) and each layer's weight matrix as a structured matrix.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lens/figures.hpp"
#include "lens/image.hpp"
#include "lens/mlp.hpp"
#include "lens/dense_ops.hpp"  // MatrixPtr
#include "lens/task.hpp"

namespace lens {

struct MlpLesson {
    struct Spec {
        std::string widths = "1024, 2048, 100";  // the text form ParseWidths reads
        bool bias = true;
        bool operator==(const Spec&) const = default;
    };
    static constexpr std::size_t kMaxWidthsText = 511;  // bytes of the widths text
    struct Result {
        MlpSpec spec;
        MlpStats stats;
        std::vector<MatrixPtr> layers;  // W1, W2, ... (out x in)
    };
    // "notes" (1024, 2048, 100) and "mnist" (784, 256, 10).
    static std::optional<Spec> Preset(const std::string& key);
    // Field "widths": the parser's or the counter's message.
    static std::vector<SpecIssue> Issues(const Spec& spec);
    static Result Compute(const Spec& spec, const std::shared_ptr<const Image>& image, TaskContext& context);
    static void VisitFigures(const Result& result, FigureVisitor& visitor);
};

}  // namespace lens
