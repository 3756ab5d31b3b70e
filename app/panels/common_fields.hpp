// app/panels/common_fields.hpp: fields that several panels declare the same way.
#pragma once

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

}  // namespace lens::app
