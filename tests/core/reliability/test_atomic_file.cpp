// Tests for lens/atomic_file.hpp: contents read back byte for byte (random sizes, streamed in
// random pieces), the target untouched on every failure (missing directory, special files, a
// callback's refusal, a file-size limit hit half-way), and no temporary ever left behind.
#include "lens/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        m_dir = fs::temp_directory_path() / ("lens_atomic_test_" + std::to_string(rd()));
        fs::create_directories(m_dir);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    std::string File(const std::string& name) const { return (m_dir / name).string(); }
    // Every entry of the directory: a leftover temporary shows up here.
    std::vector<std::string> Entries() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(m_dir)) names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    fs::path m_dir;
};

std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_F(AtomicFileTest, RandomContentsReadBackExactly) {
    std::mt19937 rng(15);
    for (int trial = 0; trial < 40; ++trial) {
        const size_t size = trial == 0 ? 0 : std::uniform_int_distribution<size_t>(1, 300000)(rng);
        std::string bytes(size, '\0');
        for (char& c : bytes) c = static_cast<char>(rng());
        const std::string path = File("out.bin");
        std::string error;
        if (trial % 2 == 0) {
            ASSERT_TRUE(lens::WriteFileAtomically(path, std::string_view(bytes), &error)) << error;
        } else {
            // Streamed in random pieces, some larger than the writer's buffer.
            ASSERT_TRUE(lens::WriteFileAtomically(
                path,
                [&](lens::AtomicWriter& out) {
                    size_t at = 0;
                    while (at < bytes.size()) {
                        const size_t piece = std::min(bytes.size() - at, std::uniform_int_distribution<size_t>(0, 100000)(rng));
                        if (!out.Write(bytes.data() + at, piece)) return false;
                        at += piece;
                    }
                    return true;
                },
                &error))
                << error;
        }
        EXPECT_EQ(ReadAll(path), bytes) << "trial " << trial;
        EXPECT_EQ(Entries(), std::vector<std::string>{"out.bin"});
    }
}

TEST_F(AtomicFileTest, ReplacingKeepsPermissions) {
    const std::string path = File("keep.txt");
    ASSERT_TRUE(lens::WriteFileAtomically(path, std::string_view("old"), nullptr));
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    ASSERT_TRUE(lens::WriteFileAtomically(path, std::string_view("new"), nullptr));
    EXPECT_EQ(ReadAll(path), "new");
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(AtomicFileTest, MissingDirectoryNamesTheReason) {
    std::string error;
    EXPECT_FALSE(lens::WriteFileAtomically(File("no/such/dir/x.png"), std::string_view("x"), &error));
    EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
    EXPECT_NE(error.find("no/such/dir/x.png"), std::string::npos) << error;
    EXPECT_TRUE(Entries().empty());
}

TEST_F(AtomicFileTest, SpecialFilesAreNeverReplaced) {
    std::string error;
    fs::create_directory(File("dir"));
    EXPECT_FALSE(lens::WriteFileAtomically(File("dir"), std::string_view("x"), &error));
    EXPECT_NE(error.find("directory"), std::string::npos) << error;
    EXPECT_TRUE(fs::is_directory(File("dir")));
    if (fs::exists("/dev/full")) {
        EXPECT_FALSE(lens::WriteFileAtomically("/dev/full", std::string_view("x"), &error));
        EXPECT_NE(error.find("character device"), std::string::npos) << error;
        EXPECT_TRUE(fs::is_character_file("/dev/full"));
    }
    ASSERT_EQ(::mkfifo(File("fifo").c_str(), 0600), 0);
    EXPECT_FALSE(lens::WriteFileAtomically(File("fifo"), std::string_view("x"), &error));
    EXPECT_NE(error.find("FIFO"), std::string::npos) << error;
    EXPECT_EQ(Entries(), (std::vector<std::string>{"dir", "fifo"}));
}

TEST_F(AtomicFileTest, CallbackFailureLeavesTheOldFile) {
    const std::string path = File("old.txt");
    ASSERT_TRUE(lens::WriteFileAtomically(path, std::string_view("previous contents"), nullptr));
    std::string error;
    EXPECT_FALSE(lens::WriteFileAtomically(
        path,
        [](lens::AtomicWriter& out) {
            out.Write(std::string(200000, 'x'));
            out.Fail("the figure is too large");
            return false;
        },
        &error));
    EXPECT_NE(error.find("the figure is too large"), std::string::npos) << error;
    EXPECT_EQ(ReadAll(path), "previous contents");
    EXPECT_EQ(Entries(), std::vector<std::string>{"old.txt"});
}

TEST_F(AtomicFileTest, WritesThroughASymbolicLink) {
    ASSERT_TRUE(lens::WriteFileAtomically(File("real.txt"), std::string_view("a"), nullptr));
    fs::create_symlink(File("real.txt"), File("link.txt"));
    ASSERT_TRUE(lens::WriteFileAtomically(File("link.txt"), std::string_view("b"), nullptr));
    EXPECT_TRUE(fs::is_symlink(File("link.txt")));
    EXPECT_EQ(ReadAll(File("real.txt")), "b");
}

// A file-size limit hit half-way (as a full disk): the write fails with errno text, the old file
// stays whole and the temporary is removed.
TEST_F(AtomicFileTest, FailureHalfWayLeavesNoTruncatedFile) {
    const std::string path = File("big.bin");
    ASSERT_TRUE(lens::WriteFileAtomically(path, std::string_view("small old file"), nullptr));
    struct rlimit saved {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = saved;
    limited.rlim_cur = 100000;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    std::string error;
    const bool ok = lens::WriteFileAtomically(path, std::string_view(std::string(300000, 'y')), &error);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    EXPECT_FALSE(ok);
    EXPECT_NE(error.find("File too large"), std::string::npos) << error;
    EXPECT_EQ(ReadAll(path), "small old file");
    EXPECT_EQ(Entries(), std::vector<std::string>{"big.bin"});
}

}  // namespace
