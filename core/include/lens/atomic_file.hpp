// lens/atomic_file.hpp: the one way MatrixLens writes a file. The bytes go to a temporary file
// beside the target (same directory, so the rename cannot cross file systems); every write, the
// flush, fsync and the close are checked; only then is the temporary renamed over the target.
// On any failure the temporary is removed, the target is left as it was (absent or its old
// contents, never truncated), and the reason is returned in English with the system's errno text.
// A target that exists but is not a regular file (a directory, a device such as /dev/full, a
// FIFO, a socket) is refused: renaming over it would replace the special file itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lens {

// What a streaming fill callback writes into. Writes are buffered; a failed write sets the reason
// (with errno text) and every later write returns false.
class AtomicWriter {
public:
    explicit AtomicWriter(int fd) : m_fd(fd) { m_buffer.reserve(kBufferBytes); }
    AtomicWriter(const AtomicWriter&) = delete;
    AtomicWriter& operator=(const AtomicWriter&) = delete;

    bool Write(const void* data, std::size_t size);
    bool Write(std::string_view text) { return Write(text.data(), text.size()); }
    // The callback's own failure (not an I/O error): abandons the file with this reason.
    void Fail(std::string reason);
    bool Ok() const { return m_reason.empty(); }
    const std::string& Reason() const { return m_reason; }
    // Writes out the buffer (called before fsync and close).
    bool Flush();
    std::uint64_t BytesWritten() const { return m_written; }

private:
    static constexpr std::size_t kBufferBytes = 1 << 16;
    int m_fd;
    std::vector<char> m_buffer;
    std::string m_reason;
    std::uint64_t m_written = 0;
};

// Writes `bytes` to `path` atomically. False with *error (when non-null) set to
// "Cannot write 'PATH': REASON." on failure.
bool WriteFileAtomically(const std::string& path, std::string_view bytes, std::string* error);
bool WriteFileAtomically(const std::string& path, std::span<const std::uint8_t> bytes, std::string* error);
// Streaming: `fill` writes the contents through the AtomicWriter and returns false to abandon the
// file (after AtomicWriter::Fail, or after a failed Write).
bool WriteFileAtomically(const std::string& path, const std::function<bool(AtomicWriter&)>& fill, std::string* error);

}  // namespace lens
