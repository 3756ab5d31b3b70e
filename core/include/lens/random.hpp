// lens/random.hpp: the project's one pseudo-random generator. splitmix64 is tiny, well mixed and
// gives the same numbers on every platform (std distributions do not), so seeded weights, factors
// and embeddings are reproducible everywhere.
#pragma once

#include <cmath>
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

// The (p+1)-th output of a splitmix64 stream started at `seed`, mapped as UniformSymmetric maps it.
// Counter-based: any weight of a 155G-entry layer costs O(1) without drawing the ones before it.
inline float HashedUniform(std::uint64_t seed, std::int64_t p, double bound) {
    std::uint64_t state = seed + static_cast<std::uint64_t>(p) * 0x9E3779B97F4A7C15ull;
    return UniformSymmetric(state, bound);
}

// Uniform doubles from the top 53 bits of the next output: [0, 1), (0, 1] (log is finite) and (0, 1).
inline double UnitClosedOpen(std::uint64_t& state) { return static_cast<double>(SplitMix64(state) >> 11) * 0x1p-53; }
inline double UnitOpenClosed(std::uint64_t& state) { return (static_cast<double>(SplitMix64(state) >> 11) + 1.0) * 0x1p-53; }
inline double UnitOpen(std::uint64_t& state) { return (static_cast<double>(SplitMix64(state) >> 11) + 0.5) * 0x1p-53; }

// Box-Muller: two independent standard normals from u1 in (0, 1] and u2 in [0, 1).
struct NormalPair {
    double first, second;
};
inline NormalPair BoxMuller(double u1, double u2) {
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 6.283185307179586 * u2;
    return {radius * std::cos(angle), radius * std::sin(angle)};
}

// A stream of standard normals (Box-Muller on splitmix64, the second of each pair kept for the next
// call): std::normal_distribution differs between standard libraries, and a figure must reproduce
// everywhere. The project's one normal sampler.
class Gaussian {
public:
    explicit Gaussian(std::uint64_t seed) : m_state(seed) {}
    double Next() {
        if (m_has_spare) {
            m_has_spare = false;
            return m_spare;
        }
        const double u1 = UnitOpenClosed(m_state);
        const double u2 = UnitClosedOpen(m_state);
        const NormalPair pair = BoxMuller(u1, u2);
        m_spare = pair.second;
        m_has_spare = true;
        return pair.first;
    }

private:
    std::uint64_t m_state;
    double m_spare = 0.0;
    bool m_has_spare = false;
};

}  // namespace lens
