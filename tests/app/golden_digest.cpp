// tests/app/golden_digest.cpp: a digest of an --export directory (stats.json whole; each .npy as its
// dtype, shape, sum, sum of |x|, and first and last values; each other file as its size and FNV-1a
// hash), written as JSON or compared against a recorded digest. The renovation's guard: every number
// every panel preset exports must stay what it was.
// Usage: golden_digest DIR            prints the digest
//        golden_digest DIR GOLDEN     compares with GOLDEN; lists each difference, exit 1 on any
// Integers compare exactly; stats.json's other numbers to a relative 1e-6 (absolute 1e-9); the
// float32 arrays' digests to a relative 1e-4 (absolute 1e-6): a float32 GEMM on differently aligned
// buffers or another thread count moves the last bits of an attention output (seen: 2.5e-6 relative
// on 3e-3), and no real change stays that small.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include <lens/npy.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json DigestNpy(const fs::path& path) {
    std::string error;
    auto array = lens::ReadNpy(path.string(), &error);
    if (!array) return json{{"error", error}};
    // Non-finite values (a causal mask's -inf) are counted apart and written as text: JSON has none.
    double sum = 0, abs_sum = 0;
    std::int64_t non_finite = 0;
    for (double v : array->values) {
        if (!std::isfinite(v)) {
            ++non_finite;
            continue;
        }
        sum += v;
        abs_sum += std::fabs(v);
    }
    auto value = [](double v) { return std::isfinite(v) ? json(v) : json(std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"); };
    json head = json::array(), tail = json::array();
    const std::size_t n = array->values.size(), k = std::min<std::size_t>(n, 6);
    for (std::size_t i = 0; i < k; ++i) head.push_back(value(array->values[i]));
    for (std::size_t i = n - k; i < n; ++i) tail.push_back(value(array->values[i]));
    return json{{"dtype", array->dtype}, {"shape", array->shape}, {"sum", sum},          {"abs_sum", abs_sum},
                {"non_finite", non_finite}, {"head", head},       {"tail", tail}};
}

json DigestFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::uint64_t hash = 1469598103934665603ull, size = 0;
    char c;
    while (in.get(c)) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        ++size;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return json{{"bytes", size}, {"fnv1a", text}};
}

json Digest(const fs::path& dir) {
    json out = json::object();
    std::ifstream in(dir / "stats.json");
    out["stats.json"] = json::parse(in, nullptr, false);
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name == "stats.json") continue;
        out[name] = entry.path().extension() == ".npy" ? DigestNpy(entry.path()) : DigestFile(entry.path());
    }
    return out;
}

int g_differences = 0;

void Compare(const json& got, const json& want, const std::string& where) {
    auto report = [&](const char* what) {
        ++g_differences;
        std::printf("DIFF %s: %s: got %s, want %s\n", where.c_str(), what, got.dump().substr(0, 200).c_str(),
                    want.dump().substr(0, 200).c_str());
    };
    if (want.is_number() && got.is_number()) {
        if (want.is_number_integer() && got.is_number_integer()) {
            if (got.get<std::int64_t>() != want.get<std::int64_t>()) report("integer");
            return;
        }
        const double a = got.get<double>(), b = want.get<double>();
        if (std::isnan(a) && std::isnan(b)) return;
        const bool in_array = where.find(".npy") != std::string::npos;
        const double abs_tol = in_array ? 1e-6 : 1e-9, rel_tol = in_array ? 1e-4 : 1e-6;
        if (std::fabs(a - b) > abs_tol + rel_tol * std::max(std::fabs(a), std::fabs(b))) report("number");
        return;
    }
    if (got.type() != want.type()) return report("type");
    if (want.is_object()) {
        for (auto it = want.begin(); it != want.end(); ++it) {
            if (!got.contains(it.key())) {
                ++g_differences;
                std::printf("DIFF %s.%s: missing\n", where.c_str(), it.key().c_str());
                continue;
            }
            Compare(got[it.key()], it.value(), where + "." + it.key());
        }
        for (auto it = got.begin(); it != got.end(); ++it)
            if (!want.contains(it.key())) {
                ++g_differences;
                std::printf("DIFF %s.%s: new\n", where.c_str(), it.key().c_str());
            }
        return;
    }
    if (want.is_array()) {
        if (got.size() != want.size()) return report("array length");
        for (std::size_t i = 0; i < want.size(); ++i) Compare(got[i], want[i], where + "[" + std::to_string(i) + "]");
        return;
    }
    if (got != want) report("value");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: golden_digest DIR [GOLDEN.json]\n");
        return 2;
    }
    const fs::path dir = argv[1];
    if (!fs::is_regular_file(dir / "stats.json")) {
        std::fprintf(stderr, "FAIL no %s/stats.json\n", dir.string().c_str());
        return 1;
    }
    const json digest = Digest(dir);
    if (argc == 2) {
        std::printf("%s\n", digest.dump(1).c_str());
        return 0;
    }
    std::ifstream in(argv[2]);
    const json golden = json::parse(in, nullptr, false);
    if (golden.is_discarded()) {
        std::fprintf(stderr, "FAIL %s is not JSON\n", argv[2]);
        return 1;
    }
    Compare(digest, golden, dir.filename().string());
    if (g_differences) std::printf("%d differences\n", g_differences);
    return g_differences ? 1 : 0;
}
