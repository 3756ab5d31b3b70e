// attention_fused.cpp: one head of softmax attention without the N x N matrix
// (attention_detail.hpp): blocked scores on lens::Gemm and an online softmax over key blocks.
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "attention_detail.hpp"
#include "lens/gemm.hpp"

namespace lens::attention_detail {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr float kFloor = -87.0f;  // as SoftmaxRows: e^z below this is taken as exactly 0

using RowBlock = Eigen::Map<Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

// Running state of one query row.
struct RowState {
    float max = kNegInf;  // m
    double sum = 0.0;     // Z = sum e^(s - m)
    double moment = 0.0;  // E = sum e^(s - m) (s - m)
};

// Turns the score row s (cols entries) into e^(s - m_new) in place, folds it into `st`, and returns
// the factor e^(m_old - m_new) by which the row's context accumulator must be scaled (0 when
// nothing was visible before). A row with every score -inf so far is zeroed and left as it was.
float FoldRow(float* s, Index cols, RowState& st) {
    Eigen::Map<Eigen::ArrayXf> row(s, cols);
    const float m_new = std::max(st.max, row.maxCoeff());
    if (!(m_new > kNegInf)) {
        row.setZero();
        return 1.0f;
    }
    const Eigen::ArrayXf z = (row - m_new).max(kFloor);
    row = z.exp();
    double sum = 0.0, moment = 0.0;
    for (Index j = 0; j < cols; ++j) {
        if (z(j) <= kFloor) row(j) = 0.0f;
        sum += row(j);
        moment += static_cast<double>(row(j)) * z(j);
    }
    float alpha = 0.0f;
    if (st.max > kNegInf) {
        const double delta = static_cast<double>(st.max) - m_new;  // <= 0
        alpha = std::exp(static_cast<float>(delta));
        st.moment = alpha * (st.moment + delta * st.sum);
        st.sum *= alpha;
    }
    st.sum += sum;
    st.moment += moment;
    st.max = m_new;
    return alpha;
}

}  // namespace

bool FusedHead(const float* q, const float* k, const float* v, Index ldv, Index n, Index dh, bool causal, float* context, Index ldc,
               float* entropy, double* entropy_sum, const std::function<bool(Index)>& tick) {
    std::vector<float> scores(static_cast<size_t>(kFusedQueryBlock * kFusedKeyBlock));
    std::vector<float> acc(static_cast<size_t>(kFusedQueryBlock * dh));
    std::vector<RowState> state(static_cast<size_t>(kFusedQueryBlock));
    double total = 0.0;
    for (Index q0 = 0; q0 < n; q0 += kFusedQueryBlock) {
        const Index rows = std::min(kFusedQueryBlock, n - q0);
        std::fill(acc.begin(), acc.end(), 0.0f);
        std::fill(state.begin(), state.end(), RowState{});
        const Index key_end = causal ? q0 + rows : n;  // causal: later keys are masked for every row here
        for (Index k0 = 0; k0 < key_end; k0 += kFusedKeyBlock) {
            const Index cols = std::min(kFusedKeyBlock, key_end - k0);
            float* s = scores.data();
            Gemm(false, true, rows, cols, dh, 1.0f, q + q0 * dh, dh, k + k0 * dh, dh, 0.0f, s, cols);
            for (Index i = 0; i < rows; ++i) {
                float* srow = s + i * cols;
                if (causal) {
                    const Index visible = q0 + i + 1 - k0;  // keys [k0, q0 + i] are visible
                    for (Index j = std::max<Index>(0, visible); j < cols; ++j) srow[j] = kNegInf;
                }
                const float alpha = FoldRow(srow, cols, state[static_cast<size_t>(i)]);
                if (alpha != 1.0f) Eigen::Map<Eigen::ArrayXf>(acc.data() + i * dh, dh) *= alpha;
            }
            Gemm(false, false, rows, dh, cols, 1.0f, s, cols, v + k0 * ldv, ldv, 1.0f, acc.data(), dh);
        }
        for (Index i = 0; i < rows; ++i) {
            const RowState& st = state[static_cast<size_t>(i)];
            float* out = context ? context + (q0 + i) * ldc : nullptr;
            double h = 0.0;
            if (st.sum > 0.0) {
                h = std::log(st.sum) - st.moment / st.sum;
                const float inv = static_cast<float>(1.0 / st.sum);
                if (out) Eigen::Map<Eigen::ArrayXf>(out, dh) = Eigen::Map<const Eigen::ArrayXf>(acc.data() + i * dh, dh) * inv;
            } else if (out) {
                std::fill_n(out, dh, 0.0f);
            }
            if (entropy) entropy[q0 + i] = static_cast<float>(h);
            total += static_cast<float>(h);
        }
        if (tick && !tick(q0 + rows)) return false;
    }
    if (entropy_sum) *entropy_sum = total;
    return true;
}

}  // namespace lens::attention_detail
