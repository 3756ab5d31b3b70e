// lens/attention_fused.hpp: multi-head attention without the N x N matrices, for callers that need
// only the output, the context and the entropies (benchmarks, the entropy curve, a model's forward).
#pragma once

#include "lens/attention.hpp"

namespace lens {

// Attend without keeping the heads x N x N attention: with spec.keep_scores false, each head runs
// blocked and fused (64 query rows x 256 keys at a time, an online softmax over the key blocks;
// attention_fused.cpp), so memory is O(N d) whatever N. attention is left empty (Attention(h) is an
// empty map); scores are kept only when spec.keep_scores asks (then the row-block path runs).
// output, context, entropy and mean_entropy equal Attend's to float rounding (about 1e-6
// relative; tests/core/test_attention_fused.cpp). Heads run on ComputeThreads() threads.
std::optional<AttentionResult> AttendFused(const AttentionInput& input, const AttentionSpec& spec,
                                           std::vector<SpecIssue>* issues = nullptr, const ProgressFn& progress = {});

}  // namespace lens
