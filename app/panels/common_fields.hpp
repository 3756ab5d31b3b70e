// app/panels/common_fields.hpp: fields that several panels declare the same way.
#pragma once

#include <lens/kernels.hpp>

#include "fields.hpp"

namespace lens::app {

// "color": how a matrix canvas colours its entries (CanvasColoring's order), a view setting.
inline Field& DeclareMatrixColoring(FieldTable& f, int* coloring) {
    using i18n::S;
    return f
        .Choice("color", S::ConvColorBy, coloring,
                {{"structure", S::ConvColorStructure}, {"parameter", S::ConvColorParameter}, {"value", S::ConvColorValue}},
                "matrix colouring")
        .EditWith(Editor::Radio)
        .Display();
}

// The classic kernels (lens/kernels.hpp), in KernelChoice's order, with their labels.
inline std::vector<ChoiceOption> KernelChoiceOptions() {
    using i18n::S;
    static_assert(kKernelChoices == 6);
    const S names[] = {S::ConvKernelRandom, S::ConvKernelIdentity, S::ConvKernelBox, S::ConvKernelSharpen, S::ConvKernelSobelX, S::ConvKernelSobelY};
    std::vector<ChoiceOption> options;
    for (int i = 0; i < kKernelChoices; ++i) options.push_back({kKernelKeys[i], names[i]});
    return options;
}

}  // namespace lens::app
