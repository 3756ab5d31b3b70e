// fuzz/fuzz_memfd.hpp: the readers under test take a path; this gives them one whose contents are
// the fuzzer's bytes, in memory (memfd), rewritten in place for every input.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

inline std::string FuzzFile(const std::uint8_t* data, std::size_t size) {
    static const int fd = ::memfd_create("lens_fuzz", 0);
    if (fd < 0) std::abort();
    if (::ftruncate(fd, 0) != 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
        if (n <= 0) std::abort();
        done += static_cast<std::size_t>(n);
    }
    return "/proc/self/fd/" + std::to_string(fd);
}
