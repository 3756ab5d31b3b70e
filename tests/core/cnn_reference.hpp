// cnn_reference.hpp: naive references for the CNN tests (tests/core/test_cnn.cpp and
// tests/core/lessons/test_cnn_lesson.cpp): the input pixels an output location depends on,
// propagated back tap by tap, and random small stacks whose taps step over the borders.
// Header-only, test code.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "lens/cnn.hpp"
#include "operator_checks.hpp"

namespace lens::testing {

// The reference for the clipped region: the set of (y, x) positions an output location depends on,
// propagated back one layer at a time over every actual tap (naive loops: dilation, stride,
// padding, pools, up-sampling, transposed convolution, global layers), as a 0/1 grid per map.
using Dependency = std::vector<std::vector<std::uint8_t>>;  // [y][x]

inline Dependency DependencyBack(const CnnLayerStats& st, const Dependency& out) {
    const CnnLayer& l = st.layer;
    const Index ih = st.in.h, iw = st.in.w, oh = st.out.h, ow = st.out.w;
    Dependency in(static_cast<size_t>(ih), std::vector<std::uint8_t>(static_cast<size_t>(iw), 0));
    auto read = [&](Index y, Index x) {
        if (y >= 0 && y < ih && x >= 0 && x < iw) in[static_cast<size_t>(y)][static_cast<size_t>(x)] = 1;
    };
    auto wanted = [&](Index y, Index x) { return out[static_cast<size_t>(y)][static_cast<size_t>(x)] != 0; };
    switch (l.kind) {
        case CnnLayerKind::Conv:
        case CnnLayerKind::Depthwise:
        case CnnLayerKind::Pointwise:
        case CnnLayerKind::Down:
        case CnnLayerKind::MaxPool:
        case CnnLayerKind::AvgPool:
            for (Index oy = 0; oy < oh; ++oy)
                for (Index ox = 0; ox < ow; ++ox)
                    if (wanted(oy, ox))
                        for (Index ky = 0; ky < l.kernel_h; ++ky)
                            for (Index kx = 0; kx < l.kernel_w; ++kx)
                                read(oy * l.stride - l.padding + ky * l.dilation, ox * l.stride - l.padding + kx * l.dilation);
            break;
        case CnnLayerKind::Upsample:
            for (Index oy = 0; oy < oh; ++oy)
                for (Index ox = 0; ox < ow; ++ox)
                    if (wanted(oy, ox)) read(oy / l.factor, ox / l.factor);
            break;
        case CnnLayerKind::TransposedConv:
            // Input (iy, ix) adds into output (iy*s - p + ky, ix*s - p + kx) for every tap.
            for (Index iy = 0; iy < ih; ++iy)
                for (Index ix = 0; ix < iw; ++ix)
                    for (Index ky = 0; ky < l.kernel_h; ++ky)
                        for (Index kx = 0; kx < l.kernel_w; ++kx) {
                            const Index oy = iy * l.stride - l.padding + ky, ox = ix * l.stride - l.padding + kx;
                            if (oy >= 0 && oy < oh && ox >= 0 && ox < ow && wanted(oy, ox)) read(iy, ix);
                        }
            break;
        case CnnLayerKind::GlobalAvgPool:
        case CnnLayerKind::Linear:
        case CnnLayerKind::Transformer: {
            bool any = false;
            for (const auto& row : out) any = any || std::find(row.begin(), row.end(), 1) != row.end();
            for (Index y = 0; y < ih; ++y)
                for (Index x = 0; x < iw; ++x)
                    if (any) read(y, x);
            break;
        }
    }
    return in;
}

// The bounding box of the input pixels output (y, x) of `layer` depends on (empty when none).
inline PixelRegion DependencyBox(const CnnStats& stats, Index layer, Index y, Index x) {
    const CnnShape& s = stats.layers[static_cast<size_t>(layer)].out;
    Dependency d(static_cast<size_t>(s.h), std::vector<std::uint8_t>(static_cast<size_t>(s.w), 0));
    d[static_cast<size_t>(y)][static_cast<size_t>(x)] = 1;
    for (Index l = layer; l >= 0; --l) d = DependencyBack(stats.layers[static_cast<size_t>(l)], d);
    PixelRegion box{1 << 30, 1 << 30, -1, -1};
    for (Index yy = 0; yy < stats.input.h; ++yy)
        for (Index xx = 0; xx < stats.input.w; ++xx)
            if (d[static_cast<size_t>(yy)][static_cast<size_t>(xx)]) {
                box.y0 = std::min(box.y0, yy);
                box.x0 = std::min(box.x0, xx);
                box.y1 = std::max(box.y1, yy + 1);
                box.x1 = std::max(box.x1, xx + 1);
            }
    return box.y1 < 0 ? PixelRegion{} : box;
}

// Random small stacks where taps step over borders: dilation up to 3, strides above the window,
// transposed convolutions with strides above the kernel, pools, up-sampling, global layers.
inline CnnSpec RandomTapStack(std::mt19937_64& rng) {
    for (;;) {
        CnnSpec spec{Pick(rng, 1, 3), Pick(rng, 4, 24), Pick(rng, 4, 24), {}};
        const Index count = Pick(rng, 1, 5);
        for (Index k = 0; k < count; ++k) {
            CnnLayer l;
            switch (Pick(rng, 0, 7)) {
                case 0:
                case 1:
                    l = MakeConv(Pick(rng, 1, 5), Pick(rng, 1, 3), Pick(rng, 1, 4), Pick(rng, 0, 3), true);
                    l.kernel_w = Pick(rng, 1, 5);
                    l.dilation = Pick(rng, 1, 3);
                    break;
                case 2: l = MakeDepthwise(Pick(rng, 1, 5), Pick(rng, 1, 3), Pick(rng, 0, 2)); l.dilation = Pick(rng, 1, 3); break;
                case 3: {
                    const Index kk = Pick(rng, 1, 4);
                    l = MakePool(rng() % 2 ? CnnLayerKind::MaxPool : CnnLayerKind::AvgPool, kk, Pick(rng, 1, 5), Pick(rng, 0, kk / 2));
                    break;
                }
                case 4: l = MakeUpsample(Pick(rng, 2, 3)); break;
                case 5:
                    l = MakeTransposedConv(Pick(rng, 1, 3), Pick(rng, 1, 2), Pick(rng, 1, 4));
                    l.padding = Pick(rng, 0, 1);
                    break;
                case 6: l = MakePointwise(Pick(rng, 1, 3)); break;
                default: l = MakeDown(Pick(rng, 1, 2)); break;
            }
            spec.layers.push_back(l);
        }
        if (rng() % 10 == 0) spec.layers.insert(spec.layers.begin() + static_cast<std::ptrdiff_t>(rng() % spec.layers.size()), MakeGlobalAvgPool());
        const auto stats = AnalyzeCnn(spec);
        if (!stats) continue;
        bool small = true;
        for (const auto& l : stats->layers) small = small && l.out.h <= 48 && l.out.w <= 48;
        if (small) return spec;
    }
}

}  // namespace lens::testing
