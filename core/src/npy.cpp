// lens/npy.cpp: NumPy .npy writer and reader.
//
// [SECTION] Header formatting
// [SECTION] Writing
// [SECTION] Header parsing
// [SECTION] Reading
//
// Hand-written: the format is a fixed 10-byte prefix plus a Python dict literal, which no
// Debian C++ package writes without pulling in a whole tensor library (cnpy is not packaged).
// The writer reproduces numpy's own header bytes so that exports diff cleanly against np.save.
#include "lens/npy.hpp"

#include "lens/atomic_file.hpp"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

namespace lens {

namespace {

constexpr char kMagic[] = "\x93NUMPY";  // 6 bytes
constexpr size_t kMagicLength = 6;
constexpr size_t kAlign = 64;             // numpy's ARRAY_ALIGN
constexpr size_t kGrowthAxisDigits = 21;  // numpy's GROWTH_AXIS_MAX_DIGITS (numpy >= 1.24)

void SetError(std::string* error, std::string message) {
    if (error != nullptr) *error = std::move(message);
}

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

// Text taken from a file, made safe to print: control bytes (NUL included, which would cut a C
// string) as \xNN, and at most kShown bytes followed by the full length.
std::string Printable(std::string_view text) {
    constexpr size_t kShown = 60;
    std::string out;
    for (size_t i = 0; i < text.size() && i < kShown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > kShown) out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
}

// [SECTION] Header formatting

// Python's repr of a tuple of ints: "()", "(5,)", "(2, 3)".
std::string ShapeRepr(std::span<const Index> shape) {
    std::string out = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i != 0) out += ", ";
        out += std::to_string(shape[i]);
    }
    if (shape.size() == 1) out += ",";
    out += ")";
    return out;
}

// [SECTION] Writing

template <class T>
bool WriteNpyImpl(const std::string& path, std::span<const T> data, std::span<const Index> shape, const char* descr,
                  std::string* error) {
    Count elements = 1;
    for (Index dim : shape) {
        if (dim < 0) {
            SetError(error, "Cannot write " + Quoted(path) + ": shape " + ShapeRepr(shape) + " has a negative dimension.");
            return false;
        }
        auto next = CheckedMul(elements, dim);
        if (!next) {
            SetError(error, "Cannot write " + Quoted(path) + ": the element count of shape " + ShapeRepr(shape) +
                                " overflows.");
            return false;
        }
        elements = *next;
    }
    if (static_cast<std::uint64_t>(elements) != data.size()) {
        SetError(error, "Cannot write " + Quoted(path) + ": shape " + ShapeRepr(shape) + " holds " +
                            FormatExact(elements) + " values but " + FormatExact(static_cast<Count>(data.size())) +
                            " were given.");
        return false;
    }

    const std::string header = NpyHeader(descr, shape);
    return WriteFileAtomically(
        path,
        [&](AtomicWriter& out) {
            if (!out.Write(header)) return false;
            if constexpr (std::endian::native == std::endian::little || sizeof(T) == 1) {
                return data.empty() || out.Write(data.data(), data.size() * sizeof(T));
            } else {
                // .npy data is declared little-endian ('<'): swap on a big-endian host.
                for (const T& value : data) {
                    unsigned char bytes[sizeof(T)];
                    std::memcpy(bytes, &value, sizeof(T));
                    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
                    if (!out.Write(bytes, sizeof(T))) return false;
                }
                return true;
            }
        },
        error);
}

// [SECTION] Header parsing

// A cursor over the Python-literal subset numpy writes: a dict of 'str' keys whose values are
// 'str', True/False or a tuple of non-negative ints.
class DictParser {
public:
    explicit DictParser(std::string_view text) : m_text(text) {}

    void SkipSpace() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' ||
                                         m_text[m_pos] == '\r'))
            ++m_pos;
    }
    bool Eat(char c) {
        SkipSpace();
        if (m_pos < m_text.size() && m_text[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    bool Peek(char c) {
        SkipSpace();
        return m_pos < m_text.size() && m_text[m_pos] == c;
    }
    bool AtEnd() {
        SkipSpace();
        return m_pos >= m_text.size();
    }
    std::optional<std::string> String() {
        SkipSpace();
        if (m_pos >= m_text.size() || (m_text[m_pos] != '\'' && m_text[m_pos] != '"')) return std::nullopt;
        const char quote = m_text[m_pos++];
        std::string out;
        while (m_pos < m_text.size() && m_text[m_pos] != quote) {
            if (m_text[m_pos] == '\\') return std::nullopt;  // numpy's keys and descrs never need escapes
            out.push_back(m_text[m_pos++]);
        }
        if (m_pos >= m_text.size()) return std::nullopt;
        ++m_pos;
        return out;
    }
    std::optional<bool> Bool() {
        SkipSpace();
        if (m_text.substr(m_pos, 4) == "True") {
            m_pos += 4;
            return true;
        }
        if (m_text.substr(m_pos, 5) == "False") {
            m_pos += 5;
            return false;
        }
        return std::nullopt;
    }
    // Non-negative decimal that fits in int64; an 'L' suffix (Python 2 files) is accepted.
    std::optional<Index> Int() {
        SkipSpace();
        const size_t start = m_pos;
        Count value = 0;
        while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') {
            auto next = CheckedMul(value, 10);
            if (next) next = CheckedAdd(*next, m_text[m_pos] - '0');
            if (!next) return std::nullopt;
            value = *next;
            ++m_pos;
        }
        if (m_pos == start) return std::nullopt;
        if (m_pos < m_text.size() && m_text[m_pos] == 'L') ++m_pos;
        return value;
    }
    std::optional<std::vector<Index>> Tuple() {
        if (!Eat('(')) return std::nullopt;
        std::vector<Index> out;
        while (!Eat(')')) {
            auto value = Int();
            if (!value) return std::nullopt;
            out.push_back(*value);
            if (out.size() > 64) return std::nullopt;  // numpy's own limit is 32 (64 since 2.0)
            if (!Eat(',') && !Peek(')')) return std::nullopt;
        }
        return out;
    }

private:
    std::string_view m_text;
    size_t m_pos = 0;
};

struct ParsedHeader {
    std::string descr;
    bool fortran_order = false;
    std::vector<Index> shape;
};

// Returns an empty string on success, else the reason.
std::string ParseHeaderDict(std::string_view text, ParsedHeader& out) {
    DictParser p(text);
    if (!p.Eat('{')) return "the header is not a dictionary";
    bool has_descr = false, has_order = false, has_shape = false;
    while (!p.Eat('}')) {
        auto key = p.String();
        if (!key) return "the header has a malformed key";
        if (!p.Eat(':')) return "the header lacks a ':' after '" + Printable(*key) + "'";
        if (*key == "descr") {
            if (has_descr) return "the header repeats 'descr'";
            auto value = p.String();
            if (!value) return "'descr' is not a simple dtype string (structured dtypes are not supported)";
            out.descr = *value;
            has_descr = true;
        } else if (*key == "fortran_order") {
            if (has_order) return "the header repeats 'fortran_order'";
            auto value = p.Bool();
            if (!value) return "'fortran_order' is not True or False";
            out.fortran_order = *value;
            has_order = true;
        } else if (*key == "shape") {
            if (has_shape) return "the header repeats 'shape'";
            auto value = p.Tuple();
            if (!value) return "'shape' is not a tuple of non-negative integers";
            out.shape = std::move(*value);
            has_shape = true;
        } else {
            return "the header has an unexpected key '" + Printable(*key) + "'";
        }
        if (!p.Eat(',') && !p.Peek('}')) return "the header has a malformed entry";
    }
    if (!p.AtEnd()) return "the header has text after the dictionary";
    if (!has_descr || !has_order || !has_shape) return "the header lacks 'descr', 'fortran_order' or 'shape'";
    return {};
}

template <class T>
void DecodeValues(const std::uint8_t* bytes, size_t count, std::vector<double>& out) {
    out.resize(count);
    for (size_t i = 0; i < count; ++i) {
        unsigned char raw[sizeof(T)];
        std::memcpy(raw, bytes + i * sizeof(T), sizeof(T));
        if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
            for (size_t k = 0; k < sizeof(T) / 2; ++k) std::swap(raw[k], raw[sizeof(T) - 1 - k]);
        }
        T value;
        std::memcpy(&value, raw, sizeof(T));
        out[i] = static_cast<double>(value);
    }
}

}  // namespace

std::string NpyHeader(const std::string& descr, std::span<const Index> shape) {
    // Same construction as numpy.lib.format._write_array_header: keys sorted, a trailing ", ",
    // spare spaces so the first axis can grow in place, then padding to kAlign including '\n'.
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + ShapeRepr(shape) + ", }";
    if (!shape.empty()) {
        const size_t digits = std::to_string(shape[0]).size();
        if (digits < kGrowthAxisDigits) dict.append(kGrowthAxisDigits - digits, ' ');
    }
    // Version 1.0 stores the header length in 2 bytes; numpy falls back to 2.0 (4 bytes) beyond that.
    for (int major : {1, 2}) {
        const size_t length_bytes = major == 1 ? 2 : 4;
        const size_t prefix = kMagicLength + 2 + length_bytes;
        const size_t unpadded = dict.size() + 1;  // + '\n'
        const size_t pad = kAlign - (prefix + unpadded) % kAlign;  // numpy pads a full 64 when already aligned
        const size_t header_length = unpadded + pad;
        if (major == 1 && header_length > 0xFFFF) continue;
        std::string out(kMagic, kMagicLength);
        out.push_back(static_cast<char>(major));
        out.push_back(0);
        for (size_t i = 0; i < length_bytes; ++i) out.push_back(static_cast<char>((header_length >> (8 * i)) & 0xFF));
        out += dict;
        out.append(pad, ' ');
        out.push_back('\n');
        return out;
    }
    return {};
}

bool WriteNpy(const std::string& path, std::span<const float> data, std::span<const Index> shape, std::string* error) {
    return WriteNpyImpl(path, data, shape, "<f4", error);
}
bool WriteNpy(const std::string& path, std::span<const double> data, std::span<const Index> shape, std::string* error) {
    return WriteNpyImpl(path, data, shape, "<f8", error);
}
bool WriteNpy(const std::string& path, std::span<const std::int32_t> data, std::span<const Index> shape,
              std::string* error) {
    return WriteNpyImpl(path, data, shape, "<i4", error);
}
bool WriteNpy(const std::string& path, std::span<const std::int64_t> data, std::span<const Index> shape,
              std::string* error) {
    return WriteNpyImpl(path, data, shape, "<i8", error);
}
bool WriteNpy(const std::string& path, std::span<const std::uint8_t> data, std::span<const Index> shape,
              std::string* error) {
    return WriteNpyImpl(path, data, shape, "|u1", error);
}

// [SECTION] Reading

std::optional<NpyArray> ReadNpy(const std::string& path, std::string* error, const NpyReadLimits& limits) {
    namespace fs = std::filesystem;
    auto fail = [&](const std::string& reason) -> std::optional<NpyArray> {
        SetError(error, "Cannot read " + Quoted(path) + ": " + reason + ".");
        return std::nullopt;
    };
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) return fail("the file does not exist");
    if (ec) return fail(ec.message());
    if (status.type() != fs::file_type::regular) return fail("it is not a regular file");
    const std::uintmax_t file_size = fs::file_size(path, ec);
    if (ec) return fail(ec.message());
    if (file_size > static_cast<std::uintmax_t>(limits.max_file_bytes)) {
        return fail("it is " + FormatExact(static_cast<Count>(file_size)) + " bytes, more than the limit of " +
                    FormatExact(limits.max_file_bytes) + " bytes");
    }

    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return fail(std::strerror(errno));
    std::vector<std::uint8_t> bytes(static_cast<size_t>(file_size));
    if (!bytes.empty() && std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
        return fail("reading the file failed");
    }

    if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, kMagicLength) != 0) {
        return fail("it is not a NumPy .npy file (no \\x93NUMPY magic)");
    }
    const int major = bytes[6], minor = bytes[7];
    if ((major < 1 || major > 3) || minor != 0) {
        return fail("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
    }
    size_t prefix = 10;
    Count header_length = bytes[8] | (bytes[9] << 8);
    if (major >= 2) {
        if (bytes.size() < 12) return fail("the file ends inside its header");
        prefix = 12;
        header_length = static_cast<Count>(bytes[8]) | (static_cast<Count>(bytes[9]) << 8) |
                        (static_cast<Count>(bytes[10]) << 16) | (static_cast<Count>(bytes[11]) << 24);
    }
    if (header_length > limits.max_header_bytes) {
        return fail("its header is " + FormatExact(header_length) + " bytes, more than the limit of " +
                    FormatExact(limits.max_header_bytes));
    }
    if (static_cast<Count>(bytes.size() - prefix) < header_length) return fail("the file ends inside its header");
    const std::string_view text(reinterpret_cast<const char*>(bytes.data() + prefix), static_cast<size_t>(header_length));

    ParsedHeader header;
    if (std::string why = ParseHeaderDict(text, header); !why.empty()) return fail(why);
    if (header.fortran_order) return fail("Fortran-order arrays are not supported (save with C order)");

    size_t item_size = 0;
    if (header.descr == "<f4" || header.descr == "<i4") item_size = 4;
    else if (header.descr == "<f8" || header.descr == "<i8") item_size = 8;
    else if (header.descr == "|u1") item_size = 1;
    else return fail("dtype '" + Printable(header.descr) + "' is not supported (use '<f4', '<f8', '<i4', '<i8' or '|u1')");

    Count elements = 1;
    for (Index dim : header.shape) {
        auto next = CheckedMul(elements, dim);
        if (!next) return fail("the element count of shape " + ShapeRepr(header.shape) + " overflows");
        elements = *next;
    }
    const Count data_bytes = static_cast<Count>(bytes.size() - prefix) - header_length;
    const auto needed = CheckedMul(elements, static_cast<Count>(item_size));
    if (!needed || *needed != data_bytes) {
        return fail("shape " + ShapeRepr(header.shape) + " of '" + Printable(header.descr) + "' needs " +
                    (needed ? FormatExact(*needed) : std::string("more than 2^63")) + " data bytes but the file has " +
                    FormatExact(data_bytes));
    }

    NpyArray array;
    array.dtype = header.descr;
    array.shape = std::move(header.shape);
    array.fortran_order = false;
    const std::uint8_t* data = bytes.data() + prefix + static_cast<size_t>(header_length);
    const size_t count = static_cast<size_t>(elements);
    if (array.dtype == "<f4") DecodeValues<float>(data, count, array.values);
    else if (array.dtype == "<f8") DecodeValues<double>(data, count, array.values);
    else if (array.dtype == "<i4") DecodeValues<std::int32_t>(data, count, array.values);
    else if (array.dtype == "<i8") DecodeValues<std::int64_t>(data, count, array.values);
    else DecodeValues<std::uint8_t>(data, count, array.values);
    return array;
}

}  // namespace lens
