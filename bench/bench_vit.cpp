// bench/bench_vit.cpp: a ViT-B/16 forward pass at 224 px (random weights of the real size, 86.6 M
// parameters, written once to a temporary .safetensors file in the timm layout and memory-mapped)
// against PyTorch on the CPU (torchvision's vit_b_16, random weights) at the same thread count,
// timed in the same run by bench/peer_vit_torch.py; the peak resident memory of each process.
// Ours is single-threaded (Eigen without OpenMP), so the peer runs with 1 thread by default.
//
// Usage: bench_vit [--repeats N] [--threads T (the peer's; ours stays 1)] [--no-peer]
// Plain timing (median of N runs after one warm-up) rather than Google Benchmark: one forward pass
// takes about a second, and the peer must run in the same invocation.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <lens/model/vit.hpp>

#ifndef LENS_BENCH_DIR
#define LENS_BENCH_DIR "bench"
#endif

namespace {

using lens::Index;

// Writes a ViT-B/16 (depth 12, width 768, MLP 3072, 1000 classes) with uniform random weights.
std::string WriteVitB16(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    const Index d = 768, m = 3072, p = 16, tokens = 197, classes = 1000;
    std::vector<std::pair<std::string, std::vector<Index>>> shapes = {
        {"patch_embed.proj.weight", {d, 3, p, p}}, {"patch_embed.proj.bias", {d}}, {"cls_token", {1, 1, d}}, {"pos_embed", {1, tokens, d}}};
    for (int i = 0; i < 12; ++i) {
        const std::string b = "blocks." + std::to_string(i) + ".";
        for (const auto& [name, shape] : std::vector<std::pair<std::string, std::vector<Index>>>{
                 {"norm1.weight", {d}}, {"norm1.bias", {d}}, {"attn.qkv.weight", {3 * d, d}}, {"attn.qkv.bias", {3 * d}},
                 {"attn.proj.weight", {d, d}}, {"attn.proj.bias", {d}}, {"norm2.weight", {d}}, {"norm2.bias", {d}},
                 {"mlp.fc1.weight", {m, d}}, {"mlp.fc1.bias", {m}}, {"mlp.fc2.weight", {d, m}}, {"mlp.fc2.bias", {d}}})
            shapes.emplace_back(b + name, shape);
    }
    for (const auto& [name, shape] : std::vector<std::pair<std::string, std::vector<Index>>>{
             {"norm.weight", {d}}, {"norm.bias", {d}}, {"head.weight", {classes, d}}, {"head.bias", {classes}}})
        shapes.emplace_back(name, shape);
    nlohmann::json header = nlohmann::json::object();
    Index offset = 0;
    for (const auto& [name, shape] : shapes) {
        Index n = 1;
        for (Index s : shape) n *= s;
        header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + 4 * n}}};
        offset += 4 * n;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const std::string path = (dir / "vit_b16.safetensors").string();
    std::ofstream out(path, std::ios::binary);
    const std::uint64_t length = text.size();
    out.write(reinterpret_cast<const char*>(&length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::uint32_t state = 2463534242u;
    std::vector<float> chunk;
    for (const auto& [name, shape] : shapes) {
        Index n = 1;
        for (Index s : shape) n *= s;
        const float scale = shape.size() >= 2 ? 1.7f / std::sqrt(static_cast<float>(shape.back() * (shape.size() == 4 ? 3 * 16 : 1))) : 0.1f;
        chunk.resize(static_cast<std::size_t>(n));
        for (float& v : chunk) {
            state ^= state << 13, state ^= state >> 17, state ^= state << 5;  // xorshift32
            v = scale * (static_cast<float>(state) / 4294967296.0f - 0.5f) + (name.find("norm") != std::string::npos && name.find("weight") != std::string::npos ? 1.0f : 0.0f);
        }
        out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(4 * n));
    }
    return path;
}

double PeakRssMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
    int repeats = 5, threads = 1;
    bool peer = true;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::max(1, std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--no-peer") == 0) peer = false;
    }
    const auto dir = std::filesystem::temp_directory_path() / ("lens_bench_vit_" + std::to_string(::getpid()));
    const std::string path = WriteVitB16(dir);
    const double rss_before = PeakRssMiB();
    std::string error;
    lens::VitLoadOptions options;
    options.heads = 12;
    const auto model = lens::VitModel::Load(path, options, &error);
    if (!model) {
        std::fprintf(stderr, "bench_vit: %s\n", error.c_str());
        return 1;
    }
    std::printf("ViT-B/16 at 224: %lld parameters in %s (%.1f MiB)\n", static_cast<long long>(model->FileParameters()), path.c_str(),
                static_cast<double>(model->File().FileBytes()) / (1 << 20));
    std::vector<float> input(3 * 224 * 224);
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    std::vector<double> ms;
    lens::TaskContext context;
    for (int r = 0; r <= repeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        const lens::VitRun run = lens::RunVit(*model, input, context);
        const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (r > 0) ms.push_back(t);  // the first run is a warm-up (page faults of the mapping)
    }
    std::sort(ms.begin(), ms.end());
    const double ours = ms[ms.size() / 2];
    std::printf("matrixlens  threads 1   median %8.1f ms   peak RSS %7.1f MiB (%.1f MiB before loading)\n", ours, PeakRssMiB(), rss_before);
    if (peer) {
        const std::string command = "/usr/bin/python3 " LENS_BENCH_DIR "/peer_vit_torch.py --threads " + std::to_string(threads) +
                                    " --repeats " + std::to_string(repeats);
        FILE* pipe = popen(command.c_str(), "r");
        double theirs = 0, rss = 0;
        char line[512];
        while (pipe && std::fgets(line, sizeof line, pipe)) {
            if (std::sscanf(line, "median_ms %lf peak_rss_mib %lf", &theirs, &rss) == 2) break;
            std::fputs(line, stdout);
        }
        if (pipe) pclose(pipe);
        if (theirs > 0) {
            std::printf("pytorch     threads %-3d median %8.1f ms   peak RSS %7.1f MiB\n", threads, theirs, rss);
            std::printf("ratio (pytorch time / ours): %.2fx\n", theirs / ours);
        } else {
            std::printf("pytorch peer did not report (is python3-torch installed?)\n");
        }
    }
    std::filesystem::remove_all(dir);
    return 0;
}
