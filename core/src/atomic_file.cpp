// lens/atomic_file.cpp: write to a temporary beside the target, check everything, then rename.
// POSIX (open, write, fsync, rename): the program runs on Linux; no GL or UI here.
#include "lens/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace lens {

namespace {

namespace fs = std::filesystem;

std::string ErrnoText(int code) { return std::string(std::strerror(code)) + " (errno " + std::to_string(code) + ")"; }

void SetError(std::string* error, const std::string& path, const std::string& reason) {
    if (error != nullptr) *error = "Cannot write '" + path + "': " + reason + ".";
}

const char* KindOf(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// A name for the temporary that no other writer (thread or process) picks at the same time.
std::string TemporaryName(const fs::path& target) {
    static std::atomic<unsigned> counter{0};
    return "." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter.fetch_add(1));
}

}  // namespace

bool AtomicWriter::Write(const void* data, std::size_t size) {
    if (!Ok()) return false;
    const char* bytes = static_cast<const char*>(data);
    if (m_buffer.size() + size > kBufferBytes && !Flush()) return false;
    if (size >= kBufferBytes) {
        m_buffer.insert(m_buffer.end(), bytes, bytes + size);
        return Flush();
    }
    m_buffer.insert(m_buffer.end(), bytes, bytes + size);
    return true;
}

void AtomicWriter::Fail(std::string reason) {
    if (Ok()) m_reason = reason.empty() ? std::string("writing was abandoned") : std::move(reason);
}

bool AtomicWriter::Flush() {
    if (!Ok()) return false;
    std::size_t done = 0;
    while (done < m_buffer.size()) {
        const ssize_t n = ::write(m_fd, m_buffer.data() + done, m_buffer.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            m_reason = n < 0 ? ErrnoText(errno) : std::string("the device accepted no more bytes");
            return false;
        }
        done += static_cast<std::size_t>(n);
        m_written += static_cast<std::uint64_t>(n);
    }
    m_buffer.clear();
    return true;
}

bool WriteFileAtomically(const std::string& path, const std::function<bool(AtomicWriter&)>& fill, std::string* error) {
    if (path.empty()) {
        SetError(error, path, "no file name was given");
        return false;
    }
    fs::path target(path);
    struct stat info {};
    mode_t keep_mode = 0;
    if (::stat(path.c_str(), &info) == 0) {
        if (!S_ISREG(info.st_mode)) {
            SetError(error, path, std::string("it is ") + KindOf(info.st_mode) + ", not a regular file; not replacing it");
            return false;
        }
        keep_mode = info.st_mode & 07777;
        // Write through a symbolic link: replace the file it points to, not the link.
        std::error_code ec;
        if (fs::is_symlink(target, ec)) {
            fs::path resolved = fs::canonical(target, ec);
            if (!ec) target = resolved;
        }
    } else if (errno != ENOENT) {
        SetError(error, path, ErrnoText(errno));
        return false;
    }
    const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const fs::path temporary = directory / TemporaryName(target);

    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        const int code = errno;
        std::error_code ec;
        if (code == ENOENT && !fs::is_directory(directory, ec)) {
            SetError(error, path, "the directory '" + directory.string() + "' does not exist");
        } else {
            SetError(error, path, ErrnoText(code));
        }
        return false;
    }
    AtomicWriter writer(fd);
    bool ok = fill(writer) && writer.Flush();
    std::string reason = writer.Reason();
    // Keep a replaced file's permissions; not fatal when refused (the default ones stay).
    if (ok && keep_mode != 0 && ::fchmod(fd, keep_mode) != 0) keep_mode = 0;
    if (ok && ::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        ok = false;
        reason = ErrnoText(errno);
    }
    if (::close(fd) != 0 && ok) {
        ok = false;
        reason = ErrnoText(errno);
    }
    if (ok && ::rename(temporary.c_str(), target.c_str()) != 0) {
        ok = false;
        reason = ErrnoText(errno);
    }
    if (!ok) {
        ::unlink(temporary.c_str());
        SetError(error, path, reason.empty() ? std::string("writing was abandoned") : reason);
        return false;
    }
    return true;
}

bool WriteFileAtomically(const std::string& path, std::string_view bytes, std::string* error) {
    return WriteFileAtomically(path, [bytes](AtomicWriter& out) { return out.Write(bytes); }, error);
}

bool WriteFileAtomically(const std::string& path, std::span<const std::uint8_t> bytes, std::string* error) {
    return WriteFileAtomically(path, [bytes](AtomicWriter& out) { return out.Write(bytes.data(), bytes.size()); }, error);
}

}  // namespace lens
