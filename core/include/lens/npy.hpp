// lens/npy.hpp: write and read NumPy .npy arrays (the --export format; weights load from it).
// Files are written in format version 1.0, C order, little-endian, with the header padded with
// spaces to a multiple of 64 bytes and ended by '\n', byte for byte as numpy 1.24 np.save writes
// them (including its spare room for growing the first axis). Shapes are in NumPy order
// (outermost first); data is row-major (C order): the last index varies fastest.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lens/count.hpp"

namespace lens {

// Each writes `data` as an array of `shape` to `path` (overwriting it). The product of `shape`
// must equal data.size() (an empty shape is a 0-d array holding exactly one value). Returns
// false and sets *error (when non-null) to an English message naming the path if the shape does
// not match, a dimension is negative, or the file cannot be written. dtypes: '<f4', '<f8',
// '<i4', '<i8', '|u1'.
bool WriteNpy(const std::string& path, std::span<const float> data, std::span<const Index> shape, std::string* error);
bool WriteNpy(const std::string& path, std::span<const double> data, std::span<const Index> shape, std::string* error);
bool WriteNpy(const std::string& path, std::span<const std::int32_t> data, std::span<const Index> shape,
              std::string* error);
bool WriteNpy(const std::string& path, std::span<const std::int64_t> data, std::span<const Index> shape,
              std::string* error);
bool WriteNpy(const std::string& path, std::span<const std::uint8_t> data, std::span<const Index> shape,
              std::string* error);

// The bytes WriteNpy puts before the data (magic, version, length, header dict, padding), for
// `descr` one of the dtypes above. Exposed for tests and for writers that stream the data.
std::string NpyHeader(const std::string& descr, std::span<const Index> shape);

struct NpyArray {
    std::string dtype;           // as in the file: '<f4', '<f8', '<i4', '<i8' or '|u1'
    std::vector<Index> shape;    // NumPy order; empty for a 0-d array
    bool fortran_order = false;  // always false: Fortran-order files are refused
    std::vector<double> values;  // C order, converted to double (int64 beyond 2^53 rounds)
};

struct NpyReadLimits {
    Count max_file_bytes = 1LL << 30;  // bytes; larger files are refused before reading
    Count max_header_bytes = 64 * 1024;  // bytes of the header dict
};

// Reads an .npy file (format versions 1.0, 2.0, 3.0) with one of the dtypes above, C order only.
// Returns nullopt and sets *error (when non-null) to an English message naming the path if the file
// is missing, corrupt, of another dtype or order, or if its shape overflows or disagrees with the
// file's size. Never reads or allocates more than the file's size (times 8 for the doubles).
std::optional<NpyArray> ReadNpy(const std::string& path, std::string* error, const NpyReadLimits& limits = {});

}  // namespace lens
