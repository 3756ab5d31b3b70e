// fuzz/fuzz_npy.cpp: lens::ReadNpy on any bytes; an accepted array must hold exactly its shape's
// product of values.
#include <lens/npy.hpp>

#include "fuzz_memfd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string error;
    lens::NpyReadLimits limits;
    limits.max_file_bytes = 1 << 20;
    auto array = lens::ReadNpy(FuzzFile(data, size), &error, limits);
    if (array) {
        lens::Count product = 1;
        for (lens::Index d : array->shape) product *= d;
        if (product != static_cast<lens::Count>(array->values.size())) __builtin_trap();
    } else if (error.empty() || error.find('\0') != std::string::npos) {
        __builtin_trap();  // every refusal says why, printably
    }
    return 0;
}
