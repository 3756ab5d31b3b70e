// lens/random.hpp: the project's one pseudo-random generator. splitmix64 is tiny, well mixed and
// gives the same numbers on every platform (std distributions do not), so seeded weights, factors
// and embeddings are reproducible everywhere.
#pragma once

#include <cstdint>

namespace lens {

// Advances `state` and returns the next splitmix64 output.
inline std::uint64_t SplitMix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Uniform in [-bound, bound) from the top 24 bits of the next output (exactly representable in float).
inline float UniformSymmetric(std::uint64_t& state, double bound) {
    const double unit = static_cast<double>(SplitMix64(state) >> 40) * (1.0 / 16777216.0);
    return static_cast<float>((2.0 * unit - 1.0) * bound);
}

}  // namespace lens
