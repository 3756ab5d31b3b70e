// cnn_forward.cpp: the CNN forward pass (lens/cnn.hpp): seeded weights, the layers without
// multiplies, the reference (direct loops, double accumulators), the fast path (Eigen GEMMs) and
// the stack that runs either.
//
// [SECTION] Forward pass: weights
// [SECTION] Forward pass: layers without multiplies (both paths)
// [SECTION] Forward pass: the reference (direct loops, double accumulators)
// [SECTION] Forward pass: the fast path (Eigen GEMMs)
// [SECTION] Forward pass: the stack
#include "lens/cnn.hpp"
#include "lens/random.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cnn_internal.hpp"

namespace lens {

using cnn_detail::Num;

// [SECTION] Forward pass: weights

namespace {

// Fan-in of the bound PyTorch uses for a layer's weights and biases.
double FanIn(const CnnLayerStats& st) {
    const CnnLayer& l = st.layer;
    switch (l.kind) {
        case CnnLayerKind::TransposedConv:
            // PyTorch computes fan_in from weight.size(1) * k * k = (out/groups) * k * k.
            return static_cast<double>(l.out_channels / l.groups * l.kernel_h * l.kernel_w);
        case CnnLayerKind::Linear: return static_cast<double>(st.in.c * st.in.h * st.in.w);
        default: return static_cast<double>(st.in.c / std::max<Index>(l.groups, 1) * l.kernel_h * l.kernel_w);
    }
}

}  // namespace

std::optional<CnnWeights> SeedCnnWeights(const CnnStats& stats, std::uint64_t seed, Count max_parameters, std::string* error) {
    if (stats.parameters > max_parameters) {
        if (error) {
            *error = "the stack has " + FormatExact(stats.parameters) + " parameters, above the limit of " +
                     FormatExact(max_parameters) + " for computing feature maps";
        }
        return std::nullopt;
    }
    CnnWeights w;
    w.weights.resize(stats.layers.size());
    w.biases.resize(stats.layers.size());
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        std::uint64_t state = seed ^ (0xD1B54A32D192ED03ull * (i + 1));
        if (st.layer.kind == CnnLayerKind::Transformer) {
            const Index d = st.in.c, m = d * st.layer.mlp_ratio;
            const double bd = 1.0 / std::sqrt(static_cast<double>(d)), bm = 1.0 / std::sqrt(static_cast<double>(m));
            std::vector<float>& v = w.weights[i];
            v.reserve(static_cast<size_t>(st.parameters));
            auto push = [&](Index count, double bound, float constant, bool random) {
                for (Index k = 0; k < count; ++k) v.push_back(random ? UniformSymmetric(state, bound) : constant);
            };
            push(d, 0, 1.0f, false);      // ln1 gamma
            push(d, 0, 0.0f, false);      // ln1 beta
            push(3 * d * d, bd, 0, true); // W_qkv
            push(3 * d, bd, 0, true);     // b_qkv
            push(d * d, bd, 0, true);     // W_o
            push(d, bd, 0, true);         // b_o
            push(d, 0, 1.0f, false);      // ln2 gamma
            push(d, 0, 0.0f, false);      // ln2 beta
            push(m * d, bd, 0, true);     // W_1
            push(m, bd, 0, true);         // b_1
            push(d * m, bm, 0, true);     // W_2
            push(d, bm, 0, true);         // b_2
            continue;
        }
        const double bound = 1.0 / std::sqrt(std::max(1.0, FanIn(st)));
        w.weights[i].resize(static_cast<size_t>(st.weights));
        for (float& x : w.weights[i]) x = UniformSymmetric(state, bound);
        w.biases[i].resize(static_cast<size_t>(st.biases));
        for (float& x : w.biases[i]) x = UniformSymmetric(state, bound);
    }
    return w;
}

// [SECTION] Forward pass: layers without multiplies (both paths)

namespace {

using Tensor = std::vector<float>;  // C,H,W channel-major

size_t At(Index c, Index y, Index x, Index h, Index w) { return static_cast<size_t>((c * h + y) * w + x); }

void ForwardPool(const CnnLayerStats& st, const Tensor& in, Tensor& out) {
    const CnnLayer& l = st.layer;
    const Index h = st.in.h, w = st.in.w, oh = st.out.h, ow = st.out.w;
    const bool max = l.kind == CnnLayerKind::MaxPool;
    const double area = static_cast<double>(l.kernel_h * l.kernel_w);
    for (Index c = 0; c < st.in.c; ++c) {
        for (Index oy = 0; oy < oh; ++oy) {
            for (Index ox = 0; ox < ow; ++ox) {
                double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
                for (Index ky = 0; ky < l.kernel_h; ++ky) {
                    const Index iy = oy * l.stride - l.padding + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (Index kx = 0; kx < l.kernel_w; ++kx) {
                        const Index ix = ox * l.stride - l.padding + kx;
                        if (ix < 0 || ix >= w) continue;
                        const double v = in[At(c, iy, ix, h, w)];
                        acc = max ? std::max(acc, v) : acc + v;
                    }
                }
                out[At(c, oy, ox, oh, ow)] = static_cast<float>(max ? acc : acc / area);  // count_include_pad
            }
        }
    }
}

void ForwardGlobalAvgPool(const CnnLayerStats& st, const Tensor& in, Tensor& out) {
    const Index plane = st.in.h * st.in.w;
    for (Index c = 0; c < st.in.c; ++c) {
        double acc = 0;
        for (Index k = 0; k < plane; ++k) acc += in[static_cast<size_t>(c * plane + k)];
        out[static_cast<size_t>(c)] = static_cast<float>(acc / static_cast<double>(plane));
    }
}

void ForwardUpsample(const CnnLayerStats& st, const Tensor& in, Tensor& out) {
    const Index f = st.layer.factor;
    for (Index c = 0; c < st.out.c; ++c) {
        for (Index y = 0; y < st.out.h; ++y) {
            for (Index x = 0; x < st.out.w; ++x) out[At(c, y, x, st.out.h, st.out.w)] = in[At(c, y / f, x / f, st.in.h, st.in.w)];
        }
    }
}

void LayerNorm(const float* x, Index n, Index d, const float* gamma, const float* beta, float* y) {
    for (Index r = 0; r < n; ++r) {
        double mean = 0, var = 0;
        for (Index k = 0; k < d; ++k) mean += x[r * d + k];
        mean /= static_cast<double>(d);
        for (Index k = 0; k < d; ++k) var += (x[r * d + k] - mean) * (x[r * d + k] - mean);
        var /= static_cast<double>(d);
        const double inv = 1.0 / std::sqrt(var + 1e-6);  // torchvision ViT's eps
        for (Index k = 0; k < d; ++k) y[r * d + k] = static_cast<float>((x[r * d + k] - mean) * inv * gamma[k] + beta[k]);
    }
}

float Gelu(float v) { return static_cast<float>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)))); }  // exact GELU

// The transformer block's parameters, in CnnWeights' order (see cnn.hpp).
struct BlockParams {
    const float *ln1g, *ln1b, *wqkv, *bqkv, *wo, *bo, *ln2g, *ln2b, *w1, *b1, *w2, *b2;
    BlockParams(const float* p, Index d, Index m)
        : ln1g(p), ln1b(ln1g + d), wqkv(ln1b + d), bqkv(wqkv + 3 * d * d), wo(bqkv + 3 * d), bo(wo + d * d), ln2g(bo + d),
          ln2b(ln2g + d), w1(ln2b + d), b1(w1 + m * d), w2(b1 + m), b2(w2 + d * m) {}
};

// [SECTION] Forward pass: the reference (direct loops, double accumulators)

void DirectConv(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out) {
    const CnnLayer& l = st.layer;
    const Index cin = st.in.c, h = st.in.h, w = st.in.w;
    const Index cout = st.out.c, oh = st.out.h, ow = st.out.w;
    const Index ipg = cin / l.groups, opg = cout / l.groups;
    for (Index o = 0; o < cout; ++o) {
        const Index g = o / opg;
        for (Index oy = 0; oy < oh; ++oy) {
            for (Index ox = 0; ox < ow; ++ox) {
                double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
                for (Index il = 0; il < ipg; ++il) {
                    const Index c = g * ipg + il;
                    for (Index ky = 0; ky < l.kernel_h; ++ky) {
                        const Index iy = oy * l.stride - l.padding + ky * l.dilation;
                        if (iy < 0 || iy >= h) continue;
                        for (Index kx = 0; kx < l.kernel_w; ++kx) {
                            const Index ix = ox * l.stride - l.padding + kx * l.dilation;
                            if (ix < 0 || ix >= w) continue;
                            const size_t wi = static_cast<size_t>(((o * ipg + il) * l.kernel_h + ky) * l.kernel_w + kx);
                            acc += static_cast<double>(weights[wi]) * in[At(c, iy, ix, h, w)];
                        }
                    }
                }
                out[At(o, oy, ox, oh, ow)] = static_cast<float>(acc);
            }
        }
    }
}

void DirectTransposed(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out) {
    const CnnLayer& l = st.layer;
    const Index cin = st.in.c, h = st.in.h, w = st.in.w, oh = st.out.h, ow = st.out.w;
    const Index ipg = cin / l.groups, opg = st.out.c / l.groups;
    std::vector<double> acc(out.size(), 0.0);
    for (Index o = 0; o < st.out.c; ++o) {
        for (Index p = 0; p < oh * ow; ++p) acc[static_cast<size_t>(o * oh * ow + p)] = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
    }
    for (Index c = 0; c < cin; ++c) {
        const Index g = c / ipg;
        for (Index iy = 0; iy < h; ++iy) {
            for (Index ix = 0; ix < w; ++ix) {
                const double v = in[At(c, iy, ix, h, w)];
                for (Index ol = 0; ol < opg; ++ol) {
                    const Index o = g * opg + ol;
                    for (Index ky = 0; ky < l.kernel_h; ++ky) {
                        const Index oy = iy * l.stride - l.padding + ky;
                        if (oy < 0 || oy >= oh) continue;
                        for (Index kx = 0; kx < l.kernel_w; ++kx) {
                            const Index ox = ix * l.stride - l.padding + kx;
                            if (ox < 0 || ox >= ow) continue;
                            const size_t wi = static_cast<size_t>(((c * opg + ol) * l.kernel_h + ky) * l.kernel_w + kx);
                            acc[At(o, oy, ox, oh, ow)] += static_cast<double>(weights[wi]) * v;
                        }
                    }
                }
            }
        }
    }
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(acc[i]);
}

// y[n] = b + W x[n] for the rows of a row-major N x in matrix; W is out x in.
void DirectDense(const float* x, Index n, Index in, const float* weight, const float* bias, Index outw, float* y) {
    for (Index r = 0; r < n; ++r) {
        for (Index o = 0; o < outw; ++o) {
            double acc = bias ? bias[o] : 0.0;
            for (Index k = 0; k < in; ++k) acc += static_cast<double>(weight[o * in + k]) * x[r * in + k];
            y[r * outw + o] = static_cast<float>(acc);
        }
    }
}

void DirectTransformer(const CnnLayerStats& st, const Tensor& in, const Tensor& p, Tensor& out) {
    const Index n = st.in.h * st.in.w, d = st.in.c, m = d * st.layer.mlp_ratio, heads = st.layer.heads, dh = d / heads;
    const BlockParams bp(p.data(), d, m);
    // Tokens: position n of the map is token n, its channels the features (N x d, row-major).
    Tensor x(static_cast<size_t>(n * d)), y(x.size()), qkv(static_cast<size_t>(n * 3 * d)), mixed(x.size()), hidden(static_cast<size_t>(n * m));
    for (Index c = 0; c < d; ++c) {
        for (Index t = 0; t < n; ++t) x[static_cast<size_t>(t * d + c)] = in[static_cast<size_t>(c * n + t)];
    }
    LayerNorm(x.data(), n, d, bp.ln1g, bp.ln1b, y.data());
    DirectDense(y.data(), n, d, bp.wqkv, bp.bqkv, 3 * d, qkv.data());
    std::vector<double> row(static_cast<size_t>(n));
    const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
    for (Index h = 0; h < heads; ++h) {
        for (Index t = 0; t < n; ++t) {  // one attention row at a time: memory O(N), not O(N^2)
            double top = -std::numeric_limits<double>::infinity();
            for (Index u = 0; u < n; ++u) {
                double s = 0;
                for (Index k = 0; k < dh; ++k) s += static_cast<double>(qkv[static_cast<size_t>(t * 3 * d + h * dh + k)]) * qkv[static_cast<size_t>(u * 3 * d + d + h * dh + k)];
                row[static_cast<size_t>(u)] = s * scale;
                top = std::max(top, row[static_cast<size_t>(u)]);
            }
            double sum = 0;
            for (double& v : row) sum += (v = std::exp(v - top));
            for (Index k = 0; k < dh; ++k) {
                double acc = 0;
                for (Index u = 0; u < n; ++u) acc += row[static_cast<size_t>(u)] * qkv[static_cast<size_t>(u * 3 * d + 2 * d + h * dh + k)];
                mixed[static_cast<size_t>(t * d + h * dh + k)] = static_cast<float>(acc / sum);
            }
        }
    }
    DirectDense(mixed.data(), n, d, bp.wo, bp.bo, d, y.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
    LayerNorm(x.data(), n, d, bp.ln2g, bp.ln2b, y.data());
    DirectDense(y.data(), n, d, bp.w1, bp.b1, m, hidden.data());
    for (float& v : hidden) v = Gelu(v);
    DirectDense(hidden.data(), n, m, bp.w2, bp.b2, d, y.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
    for (Index c = 0; c < d; ++c) {
        for (Index t = 0; t < n; ++t) out[static_cast<size_t>(c * n + t)] = x[static_cast<size_t>(t * d + c)];
    }
}


// [SECTION] Forward pass: the fast path (Eigen GEMMs)
//
// Maps are C,H,W channel-major, so one channel group of a map is a row-major (channels x positions)
// matrix and PyTorch's weights (out, in/groups, kh, kw) are a row-major (out x patch) matrix per
// group: every product below maps the tensors as they lie; Eigen's own default, column-major, is
// used nowhere here.

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRow = Eigen::Map<RowMajorF>;
using MapRowC = Eigen::Map<const RowMajorF>;
using StridedRow = Eigen::Map<RowMajorF, 0, Eigen::OuterStride<>>;  // a block of columns of a wider matrix
using StridedRowC = Eigen::Map<const RowMajorF, 0, Eigen::OuterStride<>>;
using EI = Eigen::Index;

// [lo, hi): the positions q in [0, count) with q * stride + offset in [0, extent). Output columns of a
// convolution tap (offset = kx*d - p, extent = input width), or input columns of a transposed one.
struct Span1 {
    Index lo = 0, hi = 0;
};
Span1 InsideRange(Index offset, Index stride, Index extent, Index count) {
    Span1 r;
    r.lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    r.hi = extent - 1 - offset < 0 ? 0 : (extent - 1 - offset) / stride + 1;
    r.lo = std::min(r.lo, count);
    r.hi = std::clamp(r.hi, r.lo, count);
    return r;
}

void AddBias(const Tensor& bias, Index plane, Tensor& out) {
    if (bias.empty()) return;
    for (size_t o = 0; o < bias.size(); ++o) {
        float* p = out.data() + static_cast<Index>(o) * plane;
        std::for_each(p, p + plane, [b = bias[o]](float& v) { v += b; });
    }
}

// One input channel per group (depth-wise, or groups == in_channels with a channel multiplier):
// a GEMM would have a patch of only kh*kw, so taps are accumulated straight into each output row,
// vectorised along the row.
void FastConvSingleInput(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out) {
    const CnnLayer& l = st.layer;
    const Index h = st.in.h, w = st.in.w, oh = st.out.h, ow = st.out.w, opg = st.out.c / l.groups;
    const Index s = l.stride, kh = l.kernel_h, kw = l.kernel_w;
    std::vector<Span1> inside(static_cast<size_t>(kw));
    for (Index kx = 0; kx < kw; ++kx) inside[static_cast<size_t>(kx)] = InsideRange(kx * l.dilation - l.padding, s, w, ow);
    for (Index o = 0; o < st.out.c; ++o) {
        const float* plane = in.data() + (o / opg) * h * w;
        const float* kernel = weights.data() + o * kh * kw;
        const float b = bias.empty() ? 0.0f : bias[static_cast<size_t>(o)];
        for (Index oy = 0; oy < oh; ++oy) {
            Eigen::Map<Eigen::ArrayXf> row(out.data() + (o * oh + oy) * ow, static_cast<EI>(ow));
            row.setConstant(b);
            for (Index ky = 0; ky < kh; ++ky) {
                const Index iy = oy * s - l.padding + ky * l.dilation;
                if (iy < 0 || iy >= h) continue;
                for (Index kx = 0; kx < kw; ++kx) {
                    const Span1 r = inside[static_cast<size_t>(kx)];
                    if (r.hi <= r.lo) continue;
                    const float wv = kernel[ky * kw + kx];
                    // Input column of output column ox: ox*s + kx*d - p, inside the row for ox in r.
                    const float* src = plane + iy * w + r.lo * s + kx * l.dilation - l.padding;
                    const EI n = static_cast<EI>(r.hi - r.lo);
                    if (s == 1) {
                        row.segment(static_cast<EI>(r.lo), n) += wv * Eigen::Map<const Eigen::ArrayXf>(src, n);
                    } else {
                        row.segment(static_cast<EI>(r.lo), n) +=
                            wv * Eigen::Map<const Eigen::ArrayXf, 0, Eigen::InnerStride<>>(src, n, Eigen::InnerStride<>(static_cast<EI>(s)));
                    }
                }
            }
        }
    }
}

// 1x1, stride 1, no padding: the group's output (opg x HW) = weights (opg x ipg) x input (ipg x HW).
void FastConv1x1(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out) {
    const Index g_count = st.layer.groups, ipg = st.in.c / g_count, opg = st.out.c / g_count, plane = st.in.h * st.in.w;
    for (Index g = 0; g < g_count; ++g) {
        MapRowC wg(weights.data() + g * opg * ipg, static_cast<EI>(opg), static_cast<EI>(ipg));
        MapRowC xg(in.data() + g * ipg * plane, static_cast<EI>(ipg), static_cast<EI>(plane));
        MapRow yg(out.data() + g * opg * plane, static_cast<EI>(opg), static_cast<EI>(plane));
        yg.noalias() = wg * xg;
    }
    AddBias(bias, plane, out);
}

// im2col + GEMM per group, over chunks of output positions (row-major, position p = oy*ow + ox):
// the buffer is (patch x chunk) row-major, row (il, ky, kx) holding that tap's input under each
// output position of the chunk (zero in padding), so a row is a strided copy of input rows. false
// (nothing written) when one position's patch alone is above max_scratch.
bool FastConvIm2col(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out,
                    Count max_scratch) {
    const CnnLayer& l = st.layer;
    const Index h = st.in.h, w = st.in.w, ow = st.out.w, positions = st.out.h * st.out.w;
    const Index ipg = st.in.c / l.groups, opg = st.out.c / l.groups, kh = l.kernel_h, kw = l.kernel_w, s = l.stride;
    const Index patch = ipg * kh * kw;
    if (patch > max_scratch) return false;
    const Index chunk = std::min(positions, std::max<Index>(1, max_scratch / patch));
    std::vector<float> columns(static_cast<size_t>(patch * chunk));
    std::vector<Span1> inside(static_cast<size_t>(kw));
    for (Index kx = 0; kx < kw; ++kx) inside[static_cast<size_t>(kx)] = InsideRange(kx * l.dilation - l.padding, s, w, ow);
    for (Index g = 0; g < l.groups; ++g) {
        MapRowC wg(weights.data() + g * opg * patch, static_cast<EI>(opg), static_cast<EI>(patch));
        for (Index p0 = 0; p0 < positions; p0 += chunk) {
            const Index len = std::min(chunk, positions - p0);
            for (Index il = 0; il < ipg; ++il) {
                const float* plane = in.data() + (g * ipg + il) * h * w;
                for (Index ky = 0; ky < kh; ++ky) {
                    for (Index kx = 0; kx < kw; ++kx) {
                        float* row = columns.data() + ((il * kh + ky) * kw + kx) * len;
                        const Span1 r = inside[static_cast<size_t>(kx)];
                        const Index off = kx * l.dilation - l.padding;
                        // One output row's stretch of the chunk at a time: columns [ox0, ox1) of row oy.
                        for (Index p = p0; p < p0 + len;) {
                            const Index oy = p / ow, ox0 = p % ow, ox1 = std::min(ow, ox0 + (p0 + len - p));
                            float* dst = row + (p - p0);  // dst[ox - ox0]
                            const Index iy = oy * s - l.padding + ky * l.dilation;
                            const Index a = (iy < 0 || iy >= h) ? ox1 : std::clamp(r.lo, ox0, ox1);
                            const Index b = (iy < 0 || iy >= h) ? ox1 : std::clamp(r.hi, a, ox1);
                            std::fill(dst, dst + (a - ox0), 0.0f);
                            if (b > a) {
                                const float* src = plane + iy * w + a * s + off;
                                if (s == 1) {
                                    std::copy(src, src + (b - a), dst + (a - ox0));
                                } else {
                                    for (Index ox = a; ox < b; ++ox) dst[ox - ox0] = src[(ox - a) * s];
                                }
                            }
                            std::fill(dst + (b - ox0), dst + (ox1 - ox0), 0.0f);
                            p += ox1 - ox0;
                        }
                    }
                }
            }
            MapRowC cols(columns.data(), static_cast<EI>(patch), static_cast<EI>(len));
            StridedRow yg(out.data() + g * opg * positions + p0, static_cast<EI>(opg), static_cast<EI>(len),
                          Eigen::OuterStride<>(static_cast<EI>(positions)));
            yg.noalias() = wg * cols;
        }
    }
    AddBias(bias, positions, out);
    return true;
}

void FastConv(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out, Count max_scratch) {
    const CnnLayer& l = st.layer;
    if (st.in.c / l.groups == 1) {
        FastConvSingleInput(st, in, weights, bias, out);
    } else if (l.kernel_h == 1 && l.kernel_w == 1 && l.stride == 1 && l.padding == 0) {
        FastConv1x1(st, in, weights, bias, out);
    } else if (!FastConvIm2col(st, in, weights, bias, out, max_scratch)) {
        DirectConv(st, in, weights, bias, out);  // a single patch above the scratch budget: no buffer at all
    }
}

// Transposed convolution: per group, columns (opg*k*k x chunk) = weights^T (opg*k*k x ipg) x input
// (ipg x chunk of input positions), then col2im: each column entry is added at its output position.
// false (nothing written) when one input position's column is above max_scratch.
bool FastTransposed(const CnnLayerStats& st, const Tensor& in, const Tensor& weights, const Tensor& bias, Tensor& out,
                    Count max_scratch) {
    const CnnLayer& l = st.layer;
    const Index h = st.in.h, w = st.in.w, oh = st.out.h, ow = st.out.w, positions = h * w;
    const Index ipg = st.in.c / l.groups, opg = st.out.c / l.groups, kh = l.kernel_h, kw = l.kernel_w, s = l.stride;
    const Index rows = opg * kh * kw;
    if (rows > max_scratch) return false;
    const Index chunk = std::min(positions, std::max<Index>(1, max_scratch / rows));
    std::vector<float> columns(static_cast<size_t>(rows * chunk));
    std::vector<Span1> inside(static_cast<size_t>(kw));  // input columns ix whose output ix*s - p + kx lies in [0, ow)
    for (Index kx = 0; kx < kw; ++kx) inside[static_cast<size_t>(kx)] = InsideRange(kx - l.padding, s, ow, w);
    std::fill(out.begin(), out.end(), 0.0f);
    for (Index g = 0; g < l.groups; ++g) {
        MapRowC wg(weights.data() + g * ipg * rows, static_cast<EI>(ipg), static_cast<EI>(rows));
        for (Index p0 = 0; p0 < positions; p0 += chunk) {
            const Index len = std::min(chunk, positions - p0);
            StridedRowC xg(in.data() + g * ipg * positions + p0, static_cast<EI>(ipg), static_cast<EI>(len),
                           Eigen::OuterStride<>(static_cast<EI>(positions)));
            MapRow cols(columns.data(), static_cast<EI>(rows), static_cast<EI>(len));
            cols.noalias() = wg.transpose() * xg;
            for (Index ol = 0; ol < opg; ++ol) {
                float* plane = out.data() + (g * opg + ol) * oh * ow;
                for (Index ky = 0; ky < kh; ++ky) {
                    for (Index kx = 0; kx < kw; ++kx) {
                        const float* row = columns.data() + ((ol * kh + ky) * kw + kx) * len;
                        const Span1 r = inside[static_cast<size_t>(kx)];
                        for (Index p = p0; p < p0 + len;) {
                            const Index iy = p / w, ix0 = p % w, ix1 = std::min(w, ix0 + (p0 + len - p));
                            const Index oy = iy * s - l.padding + ky;
                            if (oy >= 0 && oy < oh) {
                                const Index from = (p - p0) - ix0;           // row[from + ix] for ix in [ix0, ix1)
                                const Index to = oy * ow + kx - l.padding;   // plane[to + ix * s] for ix inside
                                const Index a = std::clamp(r.lo, ix0, ix1), b = std::clamp(r.hi, a, ix1);
                                for (Index ix = a; ix < b; ++ix) plane[to + ix * s] += row[from + ix];
                            }
                            p += ix1 - ix0;
                        }
                    }
                }
            }
        }
    }
    AddBias(bias, oh * ow, out);
    return true;
}

// y[n] = b + W x[n] for the rows of a row-major N x in matrix; W is out x in (row-major, PyTorch's).
void FastDense(const float* x, Index n, Index in, const float* weight, const float* bias, Index outw, float* y) {
    MapRowC xm(x, static_cast<EI>(n), static_cast<EI>(in));
    MapRowC wm(weight, static_cast<EI>(outw), static_cast<EI>(in));
    MapRow ym(y, static_cast<EI>(n), static_cast<EI>(outw));
    ym.noalias() = xm * wm.transpose();
    if (bias) ym.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias, static_cast<EI>(outw));
}

// The block as DirectTransformer computes it, with GEMMs; attention over chunks of query rows so
// that the scores (chunk x N) stay under max_scratch (one row at least).
void FastTransformer(const CnnLayerStats& st, const Tensor& in, const Tensor& params, Tensor& out, Count max_scratch) {
    const Index n = st.in.h * st.in.w, d = st.in.c, m = d * st.layer.mlp_ratio, heads = st.layer.heads, dh = d / heads;
    const BlockParams p(params.data(), d, m);
    RowMajorF x = MapRowC(in.data(), static_cast<EI>(d), static_cast<EI>(n)).transpose();  // N x d: token t = position t
    RowMajorF y(x.rows(), x.cols()), qkv(static_cast<EI>(n), static_cast<EI>(3 * d)), mixed(x.rows(), x.cols());
    LayerNorm(x.data(), n, d, p.ln1g, p.ln1b, y.data());
    FastDense(y.data(), n, d, p.wqkv, p.bqkv, 3 * d, qkv.data());
    const Index chunk = std::min(n, std::max<Index>(1, max_scratch / n));
    RowMajorF scores(static_cast<EI>(chunk), static_cast<EI>(n));
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dh)));
    for (Index hd = 0; hd < heads; ++hd) {
        const auto keys = qkv.middleCols(static_cast<EI>(d + hd * dh), static_cast<EI>(dh));
        const auto values = qkv.middleCols(static_cast<EI>(2 * d + hd * dh), static_cast<EI>(dh));
        for (Index t0 = 0; t0 < n; t0 += chunk) {
            const EI len = static_cast<EI>(std::min(chunk, n - t0));
            auto s = scores.topRows(len);
            s.noalias() = (scale * qkv.block(static_cast<EI>(t0), static_cast<EI>(hd * dh), len, static_cast<EI>(dh))) * keys.transpose();
            for (EI r = 0; r < len; ++r) {
                auto row = s.row(r).array();
                row = (row - row.maxCoeff()).exp();
                row /= row.sum();
            }
            mixed.block(static_cast<EI>(t0), static_cast<EI>(hd * dh), len, static_cast<EI>(dh)).noalias() = s * values;
        }
    }
    FastDense(mixed.data(), n, d, p.wo, p.bo, d, y.data());
    x += y;
    LayerNorm(x.data(), n, d, p.ln2g, p.ln2b, y.data());
    RowMajorF hidden(static_cast<EI>(n), static_cast<EI>(m));
    FastDense(y.data(), n, d, p.w1, p.b1, m, hidden.data());
    hidden = hidden.unaryExpr(&Gelu);
    FastDense(hidden.data(), n, m, p.w2, p.b2, d, y.data());
    x += y;
    MapRow(out.data(), static_cast<EI>(d), static_cast<EI>(n)) = x.transpose();
}

}  // namespace

// [SECTION] Forward pass: the stack

namespace {

enum class ForwardMethod { Fast, Reference };

std::optional<std::vector<std::vector<float>>> RunStack(const CnnStats& stats, const CnnWeights& weights, std::span<const float> input,
                                                        const CnnForwardLimits& limits, std::string* error, ForwardMethod method) {
    auto fail = [&](std::string why) -> std::optional<std::vector<std::vector<float>>> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (stats.macs > limits.max_macs) {
        return fail("the stack needs " + FormatExact(stats.macs) + " multiply-accumulates, above the limit of " +
                    FormatExact(limits.max_macs) + " for computing feature maps: use a smaller input");
    }
    if (stats.activations > limits.max_elements) {
        return fail("the feature maps hold " + FormatExact(stats.activations) + " values, above the limit of " +
                    FormatExact(limits.max_elements) + ": use a smaller input");
    }
    const auto in_size = CheckedProduct({stats.input.c, stats.input.h, stats.input.w});
    if (!in_size || static_cast<Count>(input.size()) != *in_size) {
        return fail("the input must hold " + Num(stats.input.c) + " x " + Num(stats.input.h) + " x " + Num(stats.input.w) + " values");
    }
    if (weights.weights.size() != stats.layers.size() || weights.biases.size() != stats.layers.size()) {
        return fail("the weights do not match the stack (one entry per layer)");
    }
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        const bool tf = st.layer.kind == CnnLayerKind::Transformer;
        const Count want_w = tf ? st.parameters : st.weights, want_b = tf ? 0 : st.biases;
        if (static_cast<Count>(weights.weights[i].size()) != want_w || static_cast<Count>(weights.biases[i].size()) != want_b) {
            return fail("the weights of layer " + Num(static_cast<Index>(i) + 1) + " (" + st.text + ") have the wrong size");
        }
    }
    const bool fast = method == ForwardMethod::Fast;
    const Count scratch = std::max<Count>(1, limits.max_scratch);
    std::vector<std::vector<float>> outputs;
    outputs.reserve(stats.layers.size());
    const Tensor input_copy(input.begin(), input.end());
    for (size_t i = 0; i < stats.layers.size(); ++i) {
        const CnnLayerStats& st = stats.layers[i];
        const Tensor& in = i == 0 ? input_copy : outputs[i - 1];
        Tensor out(static_cast<size_t>(st.activations), 0.0f);
        const Tensor& w = weights.weights[i];
        const Tensor& b = weights.biases[i];
        switch (st.layer.kind) {
            case CnnLayerKind::Conv:
            case CnnLayerKind::Depthwise:
            case CnnLayerKind::Pointwise:
            case CnnLayerKind::Down:
                if (fast) {
                    FastConv(st, in, w, b, out, scratch);
                } else {
                    DirectConv(st, in, w, b, out);
                }
                break;
            case CnnLayerKind::MaxPool:
            case CnnLayerKind::AvgPool: ForwardPool(st, in, out); break;
            case CnnLayerKind::GlobalAvgPool: ForwardGlobalAvgPool(st, in, out); break;
            case CnnLayerKind::Upsample: ForwardUpsample(st, in, out); break;
            case CnnLayerKind::TransposedConv:
                if (!fast || !FastTransposed(st, in, w, b, out, scratch)) DirectTransposed(st, in, w, b, out);
                break;
            case CnnLayerKind::Linear:
                (fast ? FastDense : DirectDense)(in.data(), 1, static_cast<Index>(in.size()), w.data(), b.empty() ? nullptr : b.data(),
                                                 st.out.c, out.data());
                break;
            case CnnLayerKind::Transformer:
                if (fast) {
                    FastTransformer(st, in, w, out, scratch);
                } else {
                    DirectTransformer(st, in, w, out);
                }
                break;
        }
        outputs.push_back(std::move(out));
    }
    return outputs;
}

}  // namespace

std::optional<std::vector<std::vector<float>>> ForwardStack(const CnnStats& stats, const CnnWeights& weights,
                                                            std::span<const float> input, const CnnForwardLimits& limits,
                                                            std::string* error) {
    return RunStack(stats, weights, input, limits, error, ForwardMethod::Fast);
}

std::optional<std::vector<std::vector<float>>> ForwardStackReference(const CnnStats& stats, const CnnWeights& weights,
                                                                     std::span<const float> input, const CnnForwardLimits& limits,
                                                                     std::string* error) {
    return RunStack(stats, weights, input, limits, error, ForwardMethod::Reference);
}

}  // namespace lens
