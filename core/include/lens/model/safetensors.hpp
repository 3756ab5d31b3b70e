// lens/model/safetensors.hpp: a read-only, memory-mapped reader of the .safetensors format (the
// format of Hugging Face and timm checkpoints): 8 bytes of little-endian header length, a JSON
// header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the
// raw little-endian tensors. The file is mapped once (mmap, PROT_READ) and never copied: tensors are
// views into the mapping; F16 and BF16 are converted to float32 only when a caller asks for floats.
//
// Bad files are everyday input: every check below fails with an English message naming the file
// and the reason (a header length that lies, offsets out of range or overlapping, a size that is not
// the shape's product times the dtype size, an unknown dtype, a truncated file, a file that is not a
// regular file or is larger than the memory limit). Nothing is read or allocated past the file size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lens/count.hpp"

namespace lens {

enum class TensorDType { F32, F16, BF16 };

// "F32", "F16", "BF16".
const char* DTypeName(TensorDType dtype);
// Bytes per element: 4, 2, 2.
Index DTypeSize(TensorDType dtype);

struct TensorInfo {
    std::string name;
    TensorDType dtype = TensorDType::F32;
    std::vector<Index> shape;  // PyTorch order (row-major, last axis fastest); empty for a scalar
    Index begin = 0;           // byte offset into the data section (after the header)
    Index end = 0;             // one past the last byte; end - begin = Elements() x DTypeSize
    Index Elements() const;    // product of shape (1 for a scalar)
};

struct SafetensorsLimits {
    Count max_file_bytes = 8LL << 30;      // bytes; also capped at the machine's physical memory
    Count max_header_bytes = 100LL << 20;  // bytes of JSON (the format's own reference limit: 100 MB)
    Index max_tensors = 1 << 20;           // entries in the header
    Index max_rank = 8;                    // axes per tensor
};

class SafetensorsFile {
public:
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    // Maps `path` and validates its header. nullptr with *error set (when non-null) to a message
    // that names the path and the reason when the file cannot be used.
    static std::unique_ptr<SafetensorsFile> Open(const std::string& path, std::string* error,
                                                 const SafetensorsLimits& limits = {});

    const std::string& Path() const { return m_path; }
    Count FileBytes() const { return static_cast<Count>(m_size); }
    // The tensors in file order (ascending data offset).
    const std::vector<TensorInfo>& Tensors() const { return m_tensors; }
    // The tensor called `name`, or nullptr.
    const TensorInfo* Find(const std::string& name) const;
    // The tensor's raw little-endian bytes, a view into the mapping (valid while this object lives).
    std::span<const std::byte> Bytes(const TensorInfo& tensor) const;
    // The tensor as float32 without a copy: a view when it is F32 and 4-byte aligned in the mapping
    // (the usual case), else an empty span (then use ToFloat).
    std::span<const float> FloatView(const TensorInfo& tensor) const;
    // The tensor converted to float32 into `out` (out.size() must equal Elements()); F16 and BF16
    // are widened exactly (subnormals, infinities and NaN included).
    void ToFloat(const TensorInfo& tensor, std::span<float> out) const;
    // The sum of Elements() over every tensor.
    Count TotalElements() const;

private:
    SafetensorsFile() = default;
    std::string m_path;
    const std::byte* m_map = nullptr;  // the whole file
    std::size_t m_size = 0;            // bytes mapped
    std::size_t m_data_offset = 0;     // 8 + header length
    std::vector<TensorInfo> m_tensors;
};

// Widens one IEEE half or bfloat16 value (its bits) to float.
float HalfToFloat(std::uint16_t bits);
float BFloat16ToFloat(std::uint16_t bits);

}  // namespace lens
