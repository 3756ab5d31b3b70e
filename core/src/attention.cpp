// attention.cpp: weightless attention, softmax attention with projections, QK norm and a causal
// mask and the entropy curve (attention's matrices for the canvas: attention_matrix.cpp).
//
// [SECTION] Helpers
// [SECTION] Validation
// [SECTION] Weightless attention X X^T X
// [SECTION] Building blocks: heads, LayerNorm, softmax
// [SECTION] Projections
// [SECTION] The head loop shared by Attend and the entropy curve
// [SECTION] Attention
// [SECTION] Entropy against the weight scale
// (The dense matrix operator and attention as a structured matrix on vec X: attention_matrix.cpp.)
#include "lens/attention.hpp"
#include "lens/attention_fused.hpp"
#include "lens/random.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>

#include "attention_detail.hpp"
#include "lens/gemm.hpp"
#include "lens/npy.hpp"

namespace lens {
namespace {

// [SECTION] Helpers

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

std::string Num(Index v) { return std::to_string(v); }

void Report(std::vector<SpecIssue>* issues, std::string field, std::string message) {
    if (issues) issues->push_back({std::move(field), std::move(message)});
}

// Calls the user's progress function (none: never cancelled). False means stop.
bool Tick(const ProgressFn& progress, double fraction) {
    if (!progress) return true;
    return progress(static_cast<float>(std::clamp(fraction, 0.0, 1.0)));
}

void ReportCancelled(std::vector<SpecIssue>* issues) { Report(issues, "cancelled", "the computation was cancelled"); }

std::string FormatValue(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4f", v);
    return buffer;
}


}  // namespace

// [SECTION] Validation

std::vector<SpecIssue> Validate(const AttentionSpec& spec, Index tokens, Index token_width) {
    std::vector<SpecIssue> issues;
    if (tokens < 1) {
        Report(&issues, "tokens", "there are no tokens to attend over");
    } else if (tokens > kAttentionMaxTokens) {
        Report(&issues, "tokens", FormatExact(tokens) + " tokens exceed the limit of " + FormatExact(kAttentionMaxTokens));
    }
    if (token_width < 1 || token_width > kMaxTokenWidth) {
        Report(&issues, "tokens", "the token width must be between 1 and " + FormatExact(kMaxTokenWidth) + " (got " + Num(token_width) + ")");
    }
    // The identity stores no weights: its d_model is the token width, bounded by the tokens' own
    // limits (N x d floats of X, and of Q, K, V, which are copies of it); projections keep the
    // width limit of their weights.
    const bool identity = spec.projection == ProjectionKind::Identity;
    const Index max_width = identity ? kMaxTokenWidth : kAttentionMaxWidth;
    const bool d_ok = spec.d_model >= 1 && spec.d_model <= max_width;
    if (!d_ok) {
        Report(&issues, "d_model", "d_model must be between 1 and " + FormatExact(max_width) + " (got " + Num(spec.d_model) + ")");
    } else if (identity && tokens >= 1 && tokens <= kAttentionMaxTokens && tokens * spec.d_model > kMaxTokenEntries) {
        Report(&issues, "tokens", FormatExact(tokens) + " tokens x d_model " + FormatExact(spec.d_model) + " = " +
                                      FormatExact(tokens * spec.d_model) + " values exceed the limit of " + FormatExact(kMaxTokenEntries));
    }
    if (spec.heads < 1 || (d_ok && spec.heads > spec.d_model)) {
        Report(&issues, "heads", "heads must be between 1 and d_model (got " + Num(spec.heads) + ")");
    } else if (d_ok && spec.d_model % spec.heads != 0) {
        Report(&issues, "heads", "heads (" + Num(spec.heads) + ") must divide d_model (" + Num(spec.d_model) + ") so that every head gets d_model / heads features");
    }
    if (d_ok && token_width >= 1) {
        if (spec.projection == ProjectionKind::Identity && spec.d_model != token_width) {
            Report(&issues, "d_model", "with projection=identity the tokens enter attention as they are, so d_model must equal the token width " +
                                           Num(token_width) + " (P x P x 3 for patches; got " + Num(spec.d_model) + ")");
        }
        if (spec.projection != ProjectionKind::Identity && token_width <= kMaxTokenWidth &&
            (spec.d_model * token_width > kAttentionMaxWeightEntries || spec.d_model * spec.d_model > kAttentionMaxWeightEntries)) {
            Report(&issues, "d_model", "a projection of " + Num(spec.d_model) + " x " + Num(std::max(token_width, spec.d_model)) +
                                           " weights exceeds the limit of " + FormatExact(kAttentionMaxWeightEntries) + " entries");
        }
    }
    if (tokens >= 1 && tokens <= kAttentionMaxTokens && spec.heads >= 1 && spec.heads <= kAttentionMaxWidth) {
        const Count entries = spec.heads * tokens * tokens;  // <= 2^14 * 2^26: fits
        if (entries > kAttentionMaxMatrixEntries) {
            Report(&issues, "tokens", Num(spec.heads) + " heads x " + Num(tokens) + "^2 tokens = " + FormatExact(entries) +
                                          " attention entries exceed the limit of " + FormatExact(kAttentionMaxMatrixEntries) +
                                          " (1 GiB of floats): use fewer tokens or heads");
        }
    }
    if (!std::isfinite(spec.weight_scale) || spec.weight_scale < 0.0f || spec.weight_scale > kAttentionMaxWeightScale) {
        Report(&issues, "weight_scale", "the weight scale must be between 0 and " + FormatValue(kAttentionMaxWeightScale) + " (got " +
                                            FormatValue(spec.weight_scale) + ")");
    }
    if (spec.projection == ProjectionKind::File) {
        if (spec.wq.empty()) Report(&issues, "wq", "projection=file needs a .npy file for Wq");
        if (spec.wk.empty()) Report(&issues, "wk", "projection=file needs a .npy file for Wk");
        if (spec.wv.empty()) Report(&issues, "wv", "projection=file needs a .npy file for Wv");
    }
    return issues;
}

// [SECTION] Weightless attention X X^T X

std::optional<WeightlessAttention> ComputeWeightlessAttention(const RowMatrixF& x, std::vector<SpecIssue>* issues,
                                                              const ProgressFn& progress) {
    const Index n = x.rows(), d = x.cols();
    if (n < 1 || d < 1) {
        Report(issues, "tokens", "there are no tokens: X is empty");
        return std::nullopt;
    }
    if (n > kAttentionMaxTokens || d > kMaxTokenWidth || n * d > kMaxTokenEntries) {
        Report(issues, "tokens", "X (" + Num(n) + " x " + Num(d) + ") exceeds the token limits");
        return std::nullopt;
    }
    WeightlessAttention w;
    w.rows = n;
    w.cols = d;
    w.bound = std::min(n, d);
    // (X X^T) X costs 2 N^2 d, X (X^T X) costs 2 N d^2: take the smaller inner matrix.
    if (n <= d) {
        const RowMatrixF gram = x * x.transpose();
        w.product.noalias() = gram * x;
    } else {
        const RowMatrixF gram = x.transpose() * x;
        w.product.noalias() = x * gram;
    }
    if (!Tick(progress, 0.3)) {
        ReportCancelled(issues);
        return std::nullopt;
    }
    const Eigen::MatrixXd xd = x.cast<double>();
    const Index k = std::min(n, d);
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(k, k);
    if (n <= d) {
        gram.selfadjointView<Eigen::Lower>().rankUpdate(xd);  // X X^T
    } else {
        gram.selfadjointView<Eigen::Lower>().rankUpdate(xd.transpose());  // X^T X
    }
    if (!Tick(progress, 0.7)) {
        ReportCancelled(issues);
        return std::nullopt;
    }
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(gram, Eigen::EigenvaluesOnly);
    const Eigen::VectorXd& lambda = eigen.eigenvalues();  // ascending
    w.singular_values.resize(k);
    for (Index i = 0; i < k; ++i) {
        const double l = std::max(0.0, lambda(k - 1 - i));  // rounding can make a null eigenvalue slightly negative
        w.singular_values(i) = l * std::sqrt(l);               // sigma^3 = lambda^1.5
    }
    w.tolerance = static_cast<double>(std::max(n, d)) * std::numeric_limits<double>::epsilon() * w.singular_values(0);
    for (Index i = 0; i < k; ++i)
        if (w.singular_values(i) > w.tolerance) ++w.rank;
    Tick(progress, 1.0);
    return w;
}

// [SECTION] Building blocks: heads, LayerNorm, softmax

std::vector<RowMatrixF> SplitHeads(const RowMatrixF& x, Index heads) {
    if (heads < 1 || x.cols() % heads != 0) return {};
    const Index dh = x.cols() / heads;
    std::vector<RowMatrixF> parts;
    parts.reserve(static_cast<size_t>(heads));
    for (Index h = 0; h < heads; ++h) parts.emplace_back(x.middleCols(h * dh, dh));
    return parts;
}

RowMatrixF MergeHeads(const std::vector<RowMatrixF>& parts) {
    if (parts.empty()) return {};
    const Index n = parts.front().rows(), dh = parts.front().cols();
    for (const RowMatrixF& p : parts)
        if (p.rows() != n || p.cols() != dh) return {};
    RowMatrixF x(n, dh * static_cast<Index>(parts.size()));
    for (size_t h = 0; h < parts.size(); ++h) x.middleCols(static_cast<Index>(h) * dh, dh) = parts[h];
    return x;
}

void LayerNormRows(Eigen::Ref<RowMatrixF> x, float eps) {
    const Index d = x.cols();
    if (d < 1) return;
    for (Index r = 0; r < x.rows(); ++r) {
        auto row = x.row(r);
        // Double accumulation: a row of large values (weight scale 1000) keeps its variance exact.
        double mean = 0.0;
        for (Index f = 0; f < d; ++f) mean += row(f);
        mean /= static_cast<double>(d);
        double var = 0.0;
        for (Index f = 0; f < d; ++f) {
            const double c = row(f) - mean;
            var += c * c;
        }
        var /= static_cast<double>(d);
        const double inv = 1.0 / std::sqrt(var + static_cast<double>(eps));
        for (Index f = 0; f < d; ++f) row(f) = static_cast<float>((row(f) - mean) * inv);
    }
}

void SoftmaxRows(const Eigen::Ref<const RowMatrixF>& logits, Eigen::Ref<RowMatrixF> probs, std::span<float> entropy) {
    const Index rows = logits.rows(), cols = logits.cols();
    if (probs.rows() != rows || probs.cols() != cols) return;
    const bool want_entropy = static_cast<Index>(entropy.size()) == rows;
    // z = logit - max, floored at kFloor. Eigen's vectorised exp never returns 0 (it clamps its
    // argument near -88.7 and returns ~1e-38), so entries below the floor, masked ones (-inf)
    // included, are set to exactly 0: a masked key gets exactly 0 attention, and 0 * z adds nothing
    // to the entropy. What is dropped is below 1.7e-38 of the row's largest weight. z is kept in its
    // own row so that logits and probs may alias.
    constexpr float kFloor = -87.0f;
    Eigen::RowVectorXf z(cols);
    for (Index r = 0; r < rows; ++r) {
        const float m = logits.row(r).maxCoeff();
        if (!(m > kNegInf)) {  // every entry masked (or NaN): no distribution to speak of
            probs.row(r).setZero();
            if (want_entropy) entropy[static_cast<size_t>(r)] = 0.0f;
            continue;
        }
        z = (logits.row(r).array() - m).max(kFloor).matrix();
        probs.row(r) = z.array().exp().matrix();  // vectorised (a select() around it would call expf per entry)
        float* p = probs.row(r).data();
        for (Index c = 0; c < cols; ++c)
            if (z(c) <= kFloor) p[c] = 0.0f;
        const double total = probs.row(r).sum();  // >= 1: the maximum contributes exp(0)
        if (want_entropy) {
            // H = -sum p log p with p = e^z / Z: log Z - sum(e^z z) / Z, no log per entry.
            const double ez = probs.row(r).cwiseProduct(z).sum();
            entropy[static_cast<size_t>(r)] = static_cast<float>(std::max(0.0, std::log(total) - ez / total));
        }
        probs.row(r) *= static_cast<float>(1.0 / total);
    }
}

// [SECTION] Projections

RowMatrixF RandomProjection(Index out_features, Index in_features, std::uint64_t seed, int matrix) {
    if (out_features < 1 || in_features < 1) return {};
    RowMatrixF w(out_features, in_features);
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    const std::uint64_t stream = seed + static_cast<std::uint64_t>(matrix + 1) * 0xD1B54A32D192ED03ull;
    float* data = w.data();
    for (Index p = 0; p < out_features * in_features; ++p) data[p] = HashedUniform(stream, p, bound);
    return w;
}

namespace {

// A projection file's array, read and checked for what any setting needs: readable (not missing,
// empty, truncated or corrupt), float32/float64, every value finite. nullopt with an issue.
std::optional<NpyArray> ReadProjectionFile(const std::string& path, const char* field, std::vector<SpecIssue>* issues) {
    NpyReadLimits limits;
    limits.max_file_bytes = kAttentionMaxWeightEntries * 8 + (Count{1} << 20);  // float64 at the limit, plus a header
    std::string error;
    std::optional<NpyArray> array = ReadNpy(path, &error, limits);
    const std::string name = std::string(field) + " (" + path + ")";
    if (!array) {
        Report(issues, field, error.empty() ? name + " could not be read" : error);
        return std::nullopt;
    }
    if (array->dtype != "<f4" && array->dtype != "<f8") {
        Report(issues, field, name + " holds dtype '" + array->dtype + "': a float array ('<f4' or '<f8') is expected");
        return std::nullopt;
    }
    for (size_t i = 0; i < array->values.size(); ++i) {
        if (!std::isfinite(static_cast<float>(array->values[i]))) {
            Report(issues, field, name + " holds a value that is not a finite float32 (entry " + Num(static_cast<Index>(i)) + ")");
            return std::nullopt;
        }
    }
    return array;
}

// One projection from a .npy file: float32/float64, 2-D, rows x cols, finite.
std::optional<RowMatrixF> LoadProjection(const std::string& path, const char* field, Index rows, Index cols,
                                         std::vector<SpecIssue>* issues) {
    std::optional<NpyArray> array = ReadProjectionFile(path, field, issues);
    if (!array) return std::nullopt;
    const std::string name = std::string(field) + " (" + path + ")";
    std::string shape = "(";
    for (size_t i = 0; i < array->shape.size(); ++i) shape += (i ? ", " : "") + Num(array->shape[i]);
    shape += array->shape.size() == 1 ? ",)" : ")";
    if (array->shape.size() != 2 || array->shape[0] != rows || array->shape[1] != cols) {
        Report(issues, field, name + " has shape " + shape + "; expected (" + Num(rows) + ", " + Num(cols) +
                                  ") = (d_model, input width), nn.Linear's (out_features, in_features)");
        return std::nullopt;
    }
    RowMatrixF w(rows, cols);
    std::transform(array->values.begin(), array->values.end(), w.data(), [](double v) { return static_cast<float>(v); });
    return w;
}

}  // namespace

std::vector<SpecIssue> CheckAttentionWeightFiles(const AttentionSpec& spec) {
    std::vector<SpecIssue> issues;
    if (spec.projection != ProjectionKind::File) return issues;
    const std::pair<const std::string*, const char*> files[] = {{&spec.wq, "wq"}, {&spec.wk, "wk"}, {&spec.wv, "wv"}, {&spec.wo, "wo"}};
    for (const auto& [path, field] : files)
        if (!path->empty()) ReadProjectionFile(*path, field, &issues);
    return issues;
}

std::optional<AttentionWeights> LoadAttentionWeights(const AttentionSpec& spec, Index token_width, std::vector<SpecIssue>* issues) {
    AttentionWeights w;
    w.kind = spec.projection;
    switch (spec.projection) {
        case ProjectionKind::Identity: return w;
        case ProjectionKind::Random:
            w.wq = RandomProjection(spec.d_model, token_width, spec.seed, 0);
            w.wk = RandomProjection(spec.d_model, token_width, spec.seed, 1);
            w.wv = RandomProjection(spec.d_model, token_width, spec.seed, 2);
            w.wo = RandomProjection(spec.d_model, spec.d_model, spec.seed, 3);
            return w;
        case ProjectionKind::File: {
            bool ok = true;
            auto load = [&](const std::string& path, const char* field, Index cols, RowMatrixF& into) {
                std::optional<RowMatrixF> m = LoadProjection(path, field, spec.d_model, cols, issues);
                if (m) {
                    into = std::move(*m);
                } else {
                    ok = false;
                }
            };
            load(spec.wq, "wq", token_width, w.wq);
            load(spec.wk, "wk", token_width, w.wk);
            load(spec.wv, "wv", token_width, w.wv);
            if (!spec.wo.empty()) load(spec.wo, "wo", spec.d_model, w.wo);
            if (!ok) return std::nullopt;
            return w;
        }
    }
    return std::nullopt;
}

std::optional<AttentionInput> PrepareAttention(RowMatrixF x, const AttentionSpec& spec, std::vector<SpecIssue>* issues,
                                               const ProgressFn& progress) {
    std::vector<SpecIssue> problems = Validate(spec, x.rows(), x.cols());
    if (!problems.empty()) {
        if (issues) issues->insert(issues->end(), problems.begin(), problems.end());
        return std::nullopt;
    }
    std::optional<AttentionWeights> weights = LoadAttentionWeights(spec, x.cols(), issues);
    if (!weights) return std::nullopt;
    AttentionInput in;
    in.weights = std::move(*weights);
    in.x = std::move(x);
    if (in.weights.kind == ProjectionKind::Identity) {
        in.q = in.x;
        in.k = in.x;
        in.v = in.x;
        Tick(progress, 1.0);
        return in;
    }
    const RowMatrixF* w[3] = {&in.weights.wq, &in.weights.wk, &in.weights.wv};
    RowMatrixF* out[3] = {&in.q, &in.k, &in.v};
    for (int i = 0; i < 3; ++i) {
        out[i]->noalias() = in.x * w[i]->transpose();
        if (!Tick(progress, (i + 1) / 3.0)) {
            ReportCancelled(issues);
            return std::nullopt;
        }
    }
    return in;
}

// [SECTION] The head loop shared by Attend and the entropy curve

namespace {

// Where the head loop writes; null members are not computed.
struct HeadSinks {
    float* scores = nullptr;      // heads x N x N
    float* attention = nullptr;   // heads x N x N
    float* entropy = nullptr;     // heads x N
    RowMatrixF* context = nullptr;  // N x d_model
    double entropy_sum = 0.0;     // always accumulated
    bool overflow = false;        // the logits could overflow float (the loop stopped)
};

enum class LoopEnd { Done, Cancelled };

// One head's q (scaled, QK-normed, times 1/sqrt(d_head)) and k; false when the logits could
// overflow float. Cauchy-Schwarz: every score and every partial sum of its dot product is at most
// max|q_n| max|k_m|, so below FLT_MAX nothing overflows; inf or NaN fails the test too.
bool PrepareHead(const AttentionInput& in, Index h, Index dh, float scale, bool qk_norm, RowMatrixF& q, RowMatrixF& k) {
    q = in.q.middleCols(h * dh, dh) * scale;
    k = in.k.middleCols(h * dh, dh) * scale;
    if (qk_norm) {
        LayerNormRows(q);
        LayerNormRows(k);
    }
    q *= 1.0f / std::sqrt(static_cast<float>(dh));  // folded into q: scores = q k^T / sqrt(d_head)
    return q.rowwise().norm().maxCoeff() * k.rowwise().norm().maxCoeff() < 1e38f;
}

// Head h with its N x N scores or attention kept: blocks of query rows (scratch of about 2^20
// floats per block). tick(rows_done) after each block returns false to stop.
bool MaterialisedHead(const RowMatrixF& q, const RowMatrixF& k, const AttentionInput& in, Index h, Index dh, bool causal,
                      HeadSinks& sinks, double& entropy_sum, const std::function<bool(Index)>& tick) {
    const Index n = q.rows();
    const Index block = std::max<Index>(1, std::min<Index>(n, (Index{1} << 20) / n));
    RowMatrixF scratch;
    if (!sinks.scores || !sinks.attention) scratch.resize(block, n);
    std::vector<float> row_entropy(static_cast<size_t>(block));
    const auto v = in.v.middleCols(h * dh, dh);
    for (Index r0 = 0; r0 < n; r0 += block) {
        const Index rows = std::min(block, n - r0);
        const size_t at = static_cast<size_t>((h * n + r0) * n);
        Eigen::Map<RowMatrixF> s(sinks.scores ? sinks.scores + at : scratch.data(), rows, n);
        s.noalias() = q.middleRows(r0, rows) * k.transpose();
        if (causal) {
            for (Index i = 0; i < rows; ++i) {
                const Index visible = r0 + i + 1;
                if (visible < n) s.row(i).tail(n - visible).setConstant(kNegInf);
            }
        }
        Eigen::Map<RowMatrixF> p(sinks.attention ? sinks.attention + at : scratch.data(), rows, n);
        SoftmaxRows(s, p, std::span<float>(row_entropy.data(), static_cast<size_t>(rows)));
        for (Index i = 0; i < rows; ++i) {
            entropy_sum += row_entropy[static_cast<size_t>(i)];
            if (sinks.entropy) sinks.entropy[h * n + r0 + i] = row_entropy[static_cast<size_t>(i)];
        }
        if (sinks.context) sinks.context->block(r0, h * dh, rows, dh).noalias() = p * v;
        if (!tick(r0 + rows)) return false;
    }
    return true;
}

// Attention of every head; heads are split over ComputeThreads() threads (each head's GEMMs then
// run on its thread). Without kept scores or attention each head takes the fused path
// (attention_fused.cpp: nothing N x N). `progress` receives the fraction done; it is called under
// a lock from whichever thread finished a block. Entropies are summed per head, then in head
// order, so the result does not depend on the thread count.
LoopEnd RunHeads(const AttentionInput& in, Index heads, float scale, bool qk_norm, bool causal, HeadSinks& sinks,
                 const std::function<bool(double)>& progress) {
    const Index n = in.q.rows(), d = in.q.cols(), dh = d / heads;
    const bool fused = !sinks.scores && !sinks.attention;
    std::vector<double> head_entropy(static_cast<size_t>(heads), 0.0);
    std::atomic<bool> stop{false}, overflow{false};
    std::mutex progress_mutex;
    Index rows_done = 0;
    auto tick = [&](Index rows) {
        std::lock_guard lock(progress_mutex);
        if (stop) return false;  // once cancelled, the user's function is not asked again
        rows_done += rows;
        if (progress && !progress(static_cast<double>(rows_done) / static_cast<double>(heads * n))) stop = true;
        return !stop.load();
    };
    auto run_head = [&](Index h) {
        if (stop) return;
        RowMatrixF q(n, dh), k(n, dh);
        if (!PrepareHead(in, h, dh, scale, qk_norm, q, k)) {
            overflow = true;
            stop = true;
            return;
        }
        Index last = 0;
        auto head_tick = [&](Index done) {
            const Index step = done - last;
            last = done;
            return tick(step);
        };
        double& sum = head_entropy[static_cast<size_t>(h)];
        if (fused) {
            attention_detail::FusedHead(q.data(), k.data(), in.v.data() + h * dh, d, n, dh, causal,
                                        sinks.context ? sinks.context->data() + h * dh : nullptr, d,
                                        sinks.entropy ? sinks.entropy + h * n : nullptr, &sum, head_tick);
        } else {
            MaterialisedHead(q, k, in, h, dh, causal, sinks, sum, head_tick);
        }
    };
    const int workers = static_cast<int>(std::min<Index>(ComputeThreads(), heads));
    if (workers <= 1) {
        for (Index h = 0; h < heads; ++h) run_head(h);
    } else {
        SingleThreadedGemm single;
#pragma omp parallel for schedule(dynamic, 1) num_threads(workers)
        for (Index h = 0; h < heads; ++h) run_head(h);
    }
    if (overflow) {
        sinks.overflow = true;
        return LoopEnd::Done;
    }
    if (stop) return LoopEnd::Cancelled;
    for (double e : head_entropy) sinks.entropy_sum += e;
    return LoopEnd::Done;
}

// Problems with running `spec` on a prepared input (it may come from another spec).
bool CheckInput(const AttentionInput& in, const AttentionSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> problems = Validate(spec, in.x.rows(), in.x.cols());
    if (!problems.empty()) {
        if (issues) issues->insert(issues->end(), problems.begin(), problems.end());
        return false;
    }
    const Index n = in.x.rows();
    if (in.q.rows() != n || in.k.rows() != n || in.v.rows() != n || in.q.cols() != spec.d_model || in.k.cols() != spec.d_model ||
        in.v.cols() != spec.d_model || (in.weights.wo.size() != 0 && in.weights.wo.cols() != spec.d_model)) {
        Report(issues, "d_model", "the prepared projections do not have d_model = " + Num(spec.d_model) + " columns: prepare again");
        return false;
    }
    return true;
}

const char* kOverflowMessage = "the attention logits overflow float32: the weights or the weight scale are too large";

}  // namespace

// [SECTION] Attention

Eigen::Map<const RowMatrixF> AttentionResult::Scores(Index h) const {
    const bool ok = !scores.empty() && h >= 0 && h < heads;
    return Eigen::Map<const RowMatrixF>(ok ? scores.data() + h * tokens * tokens : nullptr, ok ? tokens : 0, ok ? tokens : 0);
}

Eigen::Map<const RowMatrixF> AttentionResult::Attention(Index h) const {
    const bool ok = attention && !attention->empty() && h >= 0 && h < heads;
    return Eigen::Map<const RowMatrixF>(ok ? attention->data() + h * tokens * tokens : nullptr, ok ? tokens : 0, ok ? tokens : 0);
}

namespace {

// Attend, keeping the N x N attention or not (AttendFused: then, without kept scores, every head
// takes the fused path).
std::optional<AttentionResult> AttendKeeping(const AttentionInput& input, const AttentionSpec& spec, bool keep_attention,
                                             std::vector<SpecIssue>* issues, const ProgressFn& progress) {
    if (!CheckInput(input, spec, issues)) return std::nullopt;
    AttentionResult r;
    r.tokens = input.x.rows();
    r.d_model = spec.d_model;
    r.heads = spec.heads;
    r.d_head = spec.d_model / spec.heads;
    r.weight_scale = spec.weight_scale;
    r.qk_norm = spec.qk_norm;
    r.causal = spec.causal;
    const size_t cube = static_cast<size_t>(r.heads * r.tokens * r.tokens);
    if (spec.keep_scores) r.scores.resize(cube);
    auto attention = std::make_shared<std::vector<float>>(keep_attention ? cube : 0);
    r.entropy.resize(static_cast<size_t>(r.heads * r.tokens));
    r.context.resize(r.tokens, r.d_model);
    HeadSinks sinks;
    sinks.scores = spec.keep_scores ? r.scores.data() : nullptr;
    sinks.attention = attention->empty() ? nullptr : attention->data();
    sinks.entropy = r.entropy.data();
    sinks.context = &r.context;
    const bool has_wo = input.weights.wo.size() != 0;
    const double loop_share = has_wo ? 0.9 : 1.0;
    const LoopEnd end = RunHeads(input, r.heads, spec.weight_scale, spec.qk_norm, spec.causal, sinks,
                                 [&](double f) { return Tick(progress, f * loop_share); });
    if (end == LoopEnd::Cancelled) {
        ReportCancelled(issues);
        return std::nullopt;
    }
    if (sinks.overflow) {
        Report(issues, "weight_scale", kOverflowMessage);
        return std::nullopt;
    }
    r.attention = std::move(attention);
    r.mean_entropy = sinks.entropy_sum / static_cast<double>(r.heads * r.tokens);
    double uniform = 0.0;
    for (Index i = 0; i < r.tokens; ++i) uniform += std::log(static_cast<double>(spec.causal ? i + 1 : r.tokens));
    r.uniform_entropy = uniform / static_cast<double>(r.tokens);
    if (has_wo) {
        r.output.noalias() = r.context * input.weights.wo.transpose();
    } else {
        r.output = r.context;
    }
    Tick(progress, 1.0);
    return r;
}

}  // namespace

std::optional<AttentionResult> Attend(const AttentionInput& input, const AttentionSpec& spec, std::vector<SpecIssue>* issues,
                                      const ProgressFn& progress) {
    return AttendKeeping(input, spec, true, issues, progress);
}

std::optional<AttentionResult> AttendFused(const AttentionInput& input, const AttentionSpec& spec, std::vector<SpecIssue>* issues,
                                           const ProgressFn& progress) {
    return AttendKeeping(input, spec, false, issues, progress);
}

std::optional<AttentionResult> ComputeAttention(RowMatrixF x, const AttentionSpec& spec, std::vector<SpecIssue>* issues,
                                                const ProgressFn& progress) {
    const double share = spec.projection == ProjectionKind::Identity ? 0.02 : 0.3;
    std::optional<AttentionInput> input =
        PrepareAttention(std::move(x), spec, issues, [&](float f) { return Tick(progress, f * share); });
    if (!input) return std::nullopt;
    return Attend(*input, spec, issues, [&](float f) { return Tick(progress, share + f * (1.0 - share)); });
}

// [SECTION] Entropy against the weight scale

std::optional<std::vector<double>> MeanEntropyAtScales(const AttentionInput& input, const AttentionSpec& spec,
                                                       std::span<const float> scales, bool qk_norm,
                                                       std::vector<SpecIssue>* issues, const ProgressFn& progress) {
    if (!CheckInput(input, spec, issues)) return std::nullopt;
    for (float s : scales) {
        if (!std::isfinite(s) || s < 0.0f || s > kAttentionMaxWeightScale) {
            Report(issues, "weight_scale", "every weight scale must be between 0 and " + FormatValue(kAttentionMaxWeightScale) +
                                               " (got " + FormatValue(s) + ")");
            return std::nullopt;
        }
    }
    const Index heads = spec.heads, n = input.x.rows();
    std::vector<double> means;
    means.reserve(scales.size());
    const double count = static_cast<double>(scales.size());
    for (size_t i = 0; i < scales.size(); ++i) {
        HeadSinks sinks;  // entropy only: nothing N x N is kept
        const LoopEnd end = RunHeads(input, heads, scales[i], qk_norm, spec.causal, sinks,
                                     [&](double f) { return Tick(progress, (static_cast<double>(i) + f) / count); });
        if (end == LoopEnd::Cancelled) {
            ReportCancelled(issues);
            return std::nullopt;
        }
        if (sinks.overflow) {
            Report(issues, "weight_scale", kOverflowMessage);
            return std::nullopt;
        }
        means.push_back(sinks.entropy_sum / static_cast<double>(heads * n));
    }
    return means;
}

std::vector<float> GeometricScales(float lo, float hi, int count) {
    std::vector<float> scales;
    if (count < 1 || !(lo > 0.0f) || !(hi > 0.0f) || !std::isfinite(lo) || !std::isfinite(hi)) return scales;
    scales.reserve(static_cast<size_t>(count));
    const double ratio = count > 1 ? std::log(static_cast<double>(hi) / lo) / (count - 1) : 0.0;
    for (int i = 0; i < count; ++i) scales.push_back(static_cast<float>(lo * std::exp(ratio * i)));
    return scales;
}

}  // namespace lens
