// lens/grid.hpp: a row-major 2-D array of values (a raster, a heatmap, an image channel).
// Storage order: row-major, origin top-left, data[y * width + x]. (Eigen is column-major by
// default: convert explicitly, never by reinterpreting memory.)
#pragma once

#include <cstddef>
#include <vector>

namespace lens {

template <class T>
struct Grid {
    int width = 0;   // columns (pixels)
    int height = 0;  // rows (pixels)
    std::vector<T> data;

    Grid() = default;
    Grid(int w, int h, T fill = T{}) : width(w), height(h), data(static_cast<size_t>(w) * static_cast<size_t>(h), fill) {}

    void Resize(int w, int h, T fill = T{}) {
        width = w;
        height = h;
        data.assign(static_cast<size_t>(w) * static_cast<size_t>(h), fill);
    }
    T& At(int x, int y) { return data[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)]; }
    const T& At(int x, int y) const { return data[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)]; }
    bool Empty() const { return width <= 0 || height <= 0; }
};

}  // namespace lens
