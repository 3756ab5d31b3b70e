// fuzz/fuzz_cnn_layers.cpp: lens::ParseLayers on any text; what parses must format and parse back
// to the same layers.
#include <lens/cnn.hpp>

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    lens::LayerParseError error;
    auto layers = lens::ParseLayers(text, &error);
    if (!layers) return 0;
    const std::string canonical = lens::FormatLayers(*layers);
    auto again = lens::ParseLayers(canonical, &error);
    if (!again || lens::FormatLayers(*again) != canonical) __builtin_trap();
    return 0;
}
