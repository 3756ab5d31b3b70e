// attention_detail.hpp (core-internal): the fused attention of one head (attention_fused.cpp),
// used by attention.cpp's head loop when neither the scores nor the attention is kept.
#pragma once

#include <functional>

#include "lens/count.hpp"

namespace lens::attention_detail {

// Rows of query and key blocks of the fused path: a 64 x 256 score block (64 KB) and the 64 x d_head
// accumulator stay in L1/L2 whatever N is.
inline constexpr Index kFusedQueryBlock = 64;
inline constexpr Index kFusedKeyBlock = 256;

// context = softmax(q k^T (+ causal mask)) v for one head without the N x N scores: for each block
// of query rows, an online softmax over blocks of keys (running max m, sum Z = sum e^(s-m),
// E = sum e^(s-m)(s-m) and the unnormalised context, rescaled by e^(m_old - m_new) when the max
// grows), then context = O / Z and entropy = log Z - E / Z. Entries more than 87 below the running
// max count as 0, as SoftmaxRows does below the row's max; a row whose keys are all masked gets a
// zero context and entropy 0.
// q, k: n x dh row-major (q already scaled by 1/sqrt(dh)); v: n rows of dh at stride ldv; context:
// n rows of dh at stride ldc; entropy: n floats or null. `tick(rows_done)` after each query block
// returns false to stop (then false is returned). *entropy_sum receives the sum of the entropies.
bool FusedHead(const float* q, const float* k, const float* v, Index ldv, Index n, Index dh, bool causal, float* context, Index ldc,
               float* entropy, double* entropy_sum, const std::function<bool(Index)>& tick);

}  // namespace lens::attention_detail
