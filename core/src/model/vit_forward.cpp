// lens/model/vit_forward.cpp: the ViT forward pass in float32, attention rollout, and the figures.
//
// [SECTION] GEMM (the one place that multiplies matrices)
// [SECTION] Layers
// [SECTION] Forward pass
// [SECTION] Rollout
// [SECTION] Figures
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <Eigen/Core>

#include "lens/model/vit.hpp"

namespace lens {

// [SECTION] GEMM (the one place that multiplies matrices)

void VitGemm(const float* a, const float* b, float* c, Index m, Index k, Index n, bool transpose_b) {
    using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMatrix> A(a, m, k);
    Eigen::Map<RowMatrix> C(c, m, n);
    if (transpose_b) {
        const Eigen::Map<const RowMatrix> B(b, n, k);
        C.noalias() = A * B.transpose();
    } else {
        const Eigen::Map<const RowMatrix> B(b, k, n);
        C.noalias() = A * B;
    }
}

namespace {

using Linear = VitModel::Linear;
using Norm = VitModel::Norm;

// [SECTION] Layers

// y (rows x out) = x (rows x in) W^T + b.
void ApplyLinear(const Linear& l, const float* x, Index rows, float* y) {
    VitGemm(x, l.w, y, rows, l.in, l.out, true);
    if (l.b == nullptr) return;
    for (Index r = 0; r < rows; ++r)
        for (Index j = 0; j < l.out; ++j) y[r * l.out + j] += l.b[j];
}

// Row-wise LayerNorm; mean and variance accumulated in double (the biased variance, as PyTorch).
void LayerNorm(const float* x, const Norm& norm, Index rows, Index d, double eps, float* y) {
    for (Index r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        double mean = 0;
        for (Index j = 0; j < d; ++j) mean += xr[j];
        mean /= static_cast<double>(d);
        double var = 0;
        for (Index j = 0; j < d; ++j) var += (xr[j] - mean) * (xr[j] - mean);
        var /= static_cast<double>(d);
        const double inv = 1.0 / std::sqrt(var + eps);
        for (Index j = 0; j < d; ++j) {
            const float v = static_cast<float>((xr[j] - mean) * inv);
            y[r * d + j] = v * norm.w[j] + (norm.b ? norm.b[j] : 0.0f);
        }
    }
}

void GeluInPlace(std::vector<float>& x) {
    for (float& v : x) v = 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));  // exact GELU
}

void SoftmaxRowsInPlace(float* s, Index rows, Index cols) {
    for (Index r = 0; r < rows; ++r) {
        float* row = s + r * cols;
        const float max = *std::max_element(row, row + cols);
        double sum = 0;
        for (Index j = 0; j < cols; ++j) sum += (row[j] = std::exp(row[j] - max));
        const auto inv = static_cast<float>(1.0 / sum);
        for (Index j = 0; j < cols; ++j) row[j] *= inv;
    }
}

// The patches as rows of C x P x P values (the convolution's weight order), row-major over the grid.
std::vector<float> Patchify(const std::vector<float>& input, const VitConfig& c) {
    const Index s = c.image_size, p = c.patch, g = c.grid, k = c.channels * p * p;
    std::vector<float> out(static_cast<std::size_t>(g * g * k));
    for (Index gy = 0; gy < g; ++gy)
        for (Index gx = 0; gx < g; ++gx) {
            float* row = out.data() + (gy * g + gx) * k;
            for (Index ch = 0; ch < c.channels; ++ch)
                for (Index ky = 0; ky < p; ++ky)
                    for (Index kx = 0; kx < p; ++kx)
                        row[(ch * p + ky) * p + kx] = input[static_cast<std::size_t>((ch * s + gy * p + ky) * s + gx * p + kx)];
        }
    return out;
}

// The tokens entering the first block: [class, distillation, patches] + positions.
std::vector<float> Embed(const VitModel& model, const std::vector<float>& input) {
    const VitConfig& c = model.Config();
    const VitModel::Weights& w = model.W();
    const Index d = c.width, patches = c.grid * c.grid;
    std::vector<float> x(static_cast<std::size_t>(c.tokens * d));
    const std::vector<float> cols = Patchify(input, c);
    ApplyLinear(w.patch, cols.data(), patches, x.data() + c.prefix * d);
    Index t = 0;
    if (w.cls) std::copy(w.cls, w.cls + d, x.data() + (t++) * d);
    if (w.dist) std::copy(w.dist, w.dist + d, x.data() + (t++) * d);
    const Index first = c.pos_covers_prefix ? 0 : c.prefix;
    for (Index i = first; i < c.tokens; ++i)
        for (Index j = 0; j < d; ++j) x[static_cast<std::size_t>(i * d + j)] += w.pos[(i - first) * d + j];
    return x;
}

// One pre-LN block, in place on x (N x d); writes the heads' softmax maps into `attention` (H x N x N).
void Block(const VitModel::Block& b, const VitConfig& c, std::vector<float>& x, float* attention) {
    const Index n = c.tokens, d = c.width, h = c.heads, dh = d / h;
    std::vector<float> y(x.size()), q(x.size()), k(x.size()), v(x.size()), o(x.size());
    LayerNorm(x.data(), b.ln1, n, d, c.ln_eps, y.data());
    ApplyLinear(b.q, y.data(), n, q.data());
    ApplyLinear(b.k, y.data(), n, k.data());
    ApplyLinear(b.v, y.data(), n, v.data());
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    std::vector<float> qh(static_cast<std::size_t>(n * dh)), kh(qh.size()), vh(qh.size()), oh(qh.size());
    for (Index head = 0; head < h; ++head) {
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < dh; ++j) {
                const std::size_t src = static_cast<std::size_t>(i * d + head * dh + j), dst = static_cast<std::size_t>(i * dh + j);
                qh[dst] = q[src] * scale;
                kh[dst] = k[src];
                vh[dst] = v[src];
            }
        float* a = attention + head * n * n;
        VitGemm(qh.data(), kh.data(), a, n, dh, n, true);  // Q K^T / sqrt(dh)
        SoftmaxRowsInPlace(a, n, n);
        VitGemm(a, vh.data(), oh.data(), n, n, dh, false);  // A V
        for (Index i = 0; i < n; ++i)
            std::copy(oh.begin() + i * dh, oh.begin() + (i + 1) * dh, o.begin() + i * d + head * dh);
    }
    ApplyLinear(b.proj, o.data(), n, y.data());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
    LayerNorm(x.data(), b.ln2, n, d, c.ln_eps, y.data());
    std::vector<float> hidden(static_cast<std::size_t>(n * c.mlp));
    ApplyLinear(b.fc1, y.data(), n, hidden.data());
    GeluInPlace(hidden);
    ApplyLinear(b.fc2, hidden.data(), n, y.data());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
}

// The classifier's logits from the final-normed tokens.
std::vector<float> Classify(const VitModel& model, const std::vector<float>& x) {
    const VitConfig& c = model.Config();
    const VitModel::Weights& w = model.W();
    const Index d = c.width;
    std::vector<float> logits(static_cast<std::size_t>(c.num_classes));
    if (c.class_token) {
        ApplyLinear(w.head, x.data(), 1, logits.data());
        if (c.head_dist) {
            std::vector<float> dist(logits.size());
            ApplyLinear(w.head_dist, x.data() + d, 1, dist.data());
            for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = 0.5f * (logits[i] + dist[i]);
        }
        return logits;
    }
    std::vector<float> mean(static_cast<std::size_t>(d), 0.0f);
    for (Index i = c.prefix; i < c.tokens; ++i)
        for (Index j = 0; j < d; ++j) mean[static_cast<std::size_t>(j)] += x[static_cast<std::size_t>(i * d + j)];
    for (float& m : mean) m /= static_cast<float>(c.tokens - c.prefix);
    ApplyLinear(w.head, mean.data(), 1, logits.data());
    return logits;
}

void TopClasses(VitRun& run) {
    const std::vector<float>& z = run.logits;
    if (z.empty()) return;
    const float max = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (float v : z) sum += std::exp(static_cast<double>(v - max));
    std::vector<Index> order(z.size());
    std::iota(order.begin(), order.end(), Index{0});
    const std::size_t k = std::min<std::size_t>(5, z.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](Index a, Index b) { return z[static_cast<std::size_t>(a)] > z[static_cast<std::size_t>(b)]; });
    for (std::size_t i = 0; i < k; ++i) {
        run.top.push_back(order[i]);
        run.top_prob.push_back(static_cast<float>(std::exp(static_cast<double>(z[static_cast<std::size_t>(order[i])] - max)) / sum));
    }
}

}  // namespace

// [SECTION] Forward pass

VitRun RunVit(const VitModel& model, std::vector<float> input, TaskContext& context) {
    const VitConfig& c = model.Config();
    const Index s = c.image_size;
    if (static_cast<Index>(input.size()) != c.channels * s * s)
        throw std::runtime_error("the input has " + std::to_string(input.size()) + " values, the model needs " + std::to_string(c.channels * s * s));
    VitRun run;
    run.config = c;
    run.file_parameters = model.FileParameters();
    run.inferred_parameters = model.InferredParameters();
    run.input = std::move(input);
    const Index n = c.tokens, per_layer = c.heads * n * n;
    run.attention.assign(static_cast<std::size_t>(c.depth * per_layer), 0.0f);
    std::vector<float> x = Embed(model, run.input);
    for (Index l = 0; l < c.depth; ++l) {
        context.ThrowIfCancelled();
        Block(model.W().blocks[static_cast<std::size_t>(l)], c, x, run.attention.data() + l * per_layer);
        context.SetProgress(static_cast<float>(l + 1) / static_cast<float>(c.depth + 1));
    }
    std::vector<float> normed(x.size());
    LayerNorm(x.data(), model.W().norm, n, c.width, c.ln_eps, normed.data());
    if (c.head) run.logits = Classify(model, normed);
    TopClasses(run);
    context.ThrowIfCancelled();
    run.rollout = AttentionRollout(run.attention, c.depth, c.heads, n);
    context.SetProgress(1.0f);
    return run;
}

// [SECTION] Rollout

std::vector<float> AttentionRollout(const std::vector<float>& attention, Index depth, Index heads, Index tokens) {
    const Index n = tokens;
    std::vector<float> rollout(static_cast<std::size_t>(n * n), 0.0f), layer(rollout.size()), next(rollout.size());
    for (Index i = 0; i < n; ++i) rollout[static_cast<std::size_t>(i * n + i)] = 1.0f;
    for (Index l = 0; l < depth; ++l) {
        std::fill(layer.begin(), layer.end(), 0.0f);
        for (Index h = 0; h < heads; ++h) {
            const float* a = attention.data() + (l * heads + h) * n * n;
            for (Index i = 0; i < n * n; ++i) layer[static_cast<std::size_t>(i)] += a[i];
        }
        for (Index i = 0; i < n; ++i) {
            float* row = layer.data() + i * n;
            for (Index j = 0; j < n; ++j) row[j] /= static_cast<float>(heads);
            row[i] += 1.0f;
            const float sum = std::accumulate(row, row + n, 0.0f);
            for (Index j = 0; j < n; ++j) row[j] /= sum;
        }
        VitGemm(layer.data(), rollout.data(), next.data(), n, n, n, false);  // R <- A_l' R
        rollout.swap(next);
    }
    return rollout;
}

// [SECTION] Figures

void VisitFigures(const VitRun& run, FigureVisitor& v) {
    const VitConfig& c = run.config;
    v.String("layout", VitLayoutName(c.layout));
    v.Integer("depth", c.depth);
    v.Integer("width", c.width);
    v.Integer("heads", c.heads);
    v.String("heads_source", c.heads_source);
    v.Integer("mlp", c.mlp);
    v.Integer("patch", c.patch);
    v.Integer("image_size", c.image_size);
    v.Integer("grid", c.grid);
    v.Integer("tokens", c.tokens);
    v.Integer("class_token", c.class_token ? 1 : 0);
    v.Integer("dist_token", c.dist_token ? 1 : 0);
    v.Integer("head", c.head ? 1 : 0);
    v.Integer("num_classes", c.num_classes);
    v.Number("ln_eps", c.ln_eps);
    v.Integer("file_parameters", run.file_parameters);
    v.Integer("inferred_parameters", run.inferred_parameters);
    std::vector<double> top(run.top.begin(), run.top.end()), prob(run.top_prob.begin(), run.top_prob.end());
    if (!top.empty()) {
        v.NumberArray("top5", top);
        v.NumberArray("top5_prob", prob);
    }
    const Index s = c.image_size, n = c.tokens;
    v.ArrayF32("input", run.input, {c.channels, s, s});
    v.ArrayF32("attention", run.attention, {c.depth, c.heads, n, n});
    v.ArrayF32("rollout", run.rollout, {n, n});
    if (!run.logits.empty()) v.ArrayF32("logits", run.logits, {c.num_classes});
}

}  // namespace lens
