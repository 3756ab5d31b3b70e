// tests/app/export_check.cpp: validates an --export directory: stats.json parses as one JSON
// object, named values equal what is expected, and the named .npy files parse with the expected
// shapes. Usage: export_check DIR [key=value]... [key=v0,v1,...]... [npy:NAME=d0,d1,...]...
// (an array key compares every element; "null" matches a missing figure)
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <lens/npy.hpp>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: export_check DIR [key=value]... [npy:NAME=d0,d1,...]...\n");
        return 2;
    }
    const std::string dir = argv[1];
    std::ifstream in(dir + "/stats.json");
    if (!in) {
        std::fprintf(stderr, "FAIL no %s/stats.json\n", dir.c_str());
        return 1;
    }
    nlohmann::json stats = nlohmann::json::parse(in, nullptr, false);
    if (stats.is_discarded() || !stats.is_object()) {
        std::fprintf(stderr, "FAIL stats.json is not a JSON object\n");
        return 1;
    }
    int failures = 0;
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        const auto eq = arg.find('=');
        if (eq == std::string::npos) continue;
        std::string key = arg.substr(0, eq), expected = arg.substr(eq + 1);
        if (key.rfind("npy:", 0) == 0) {
            const std::string path = dir + "/" + key.substr(4) + ".npy";
            std::string error;
            auto array = lens::ReadNpy(path, &error);
            if (!array) {
                std::fprintf(stderr, "FAIL %s: %s\n", path.c_str(), error.c_str());
                ++failures;
                continue;
            }
            std::string shape;
            for (auto d : array->shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
            std::printf("%s: %s shape (%s)\n", path.c_str(), array->dtype.c_str(), shape.c_str());
            if (shape != expected) {
                std::fprintf(stderr, "FAIL %s shape (%s), expected (%s)\n", path.c_str(), shape.c_str(), expected.c_str());
                ++failures;
            }
            continue;
        }
        if (!stats.contains(key)) {
            std::fprintf(stderr, "FAIL stats.json has no '%s'\n", key.c_str());
            ++failures;
            continue;
        }
        const auto& value = stats[key];
        bool ok = false;
        auto number_matches = [](const nlohmann::json& v, const std::string& text) {
            if (text == "null") return v.is_null();
            char* end = nullptr;
            const double want = std::strtod(text.c_str(), &end);
            return v.is_number() && end && *end == 0 && std::fabs(v.get<double>() - want) <= 1e-9 * std::max(1.0, std::fabs(want));
        };
        if (value.is_array()) {
            // key=a,b,c: every element, in order ("null" for a missing figure).
            std::vector<std::string> parts;
            for (size_t from = 0;;) {
                const size_t comma = expected.find(',', from);
                parts.push_back(expected.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
                if (comma == std::string::npos) break;
                from = comma + 1;
            }
            ok = parts.size() == value.size();
            for (size_t k = 0; ok && k < parts.size(); ++k) ok = number_matches(value[k], parts[k]);
        } else if (value.is_string()) {
            ok = value.get<std::string>() == expected;
        } else if (value.is_number()) {
            char* end = nullptr;
            const double want = std::strtod(expected.c_str(), &end);
            const double got = value.get<double>();
            ok = end && *end == 0 && std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want));
        }
        std::printf("%s = %s (expected %s)\n", key.c_str(), value.dump().c_str(), expected.c_str());
        if (!ok) {
            std::fprintf(stderr, "FAIL %s\n", key.c_str());
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}
