// The mkfs and fsck binaries as built, run the way the fs_image rule and a shell user run them.
// Usage: binaries_test MKFS FSCK (Bazel passes both paths through `args`).
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mkfs/fsimage.h"
#include "tests/fs/test_util.h"

namespace fsimage {
namespace {

std::string g_mkfs; // NOLINT: set once in main before any test runs
std::string g_fsck; // NOLINT

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `program args...` with stdout and stderr captured in `tmp`; returns its exit status.
Outcome run(const testing::TempDir& tmp, const std::string& program,
            const std::vector<std::string>& args) {
  std::string cmd = shell_quote(program);
  for (const auto& a : args)
    cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(tmp / "stdout") + " 2>" + shell_quote(tmp / "stderr");
  const int raw = std::system(cmd.c_str());
  Outcome r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  const auto out = testing::read_host(tmp / "stdout");
  const auto err = testing::read_host(tmp / "stderr");
  r.out.assign(out.begin(), out.end());
  r.err.assign(err.begin(), err.end());
  return r;
}

TEST(Binaries, MkfsThenFsck) {
  testing::TempDir tmp;
  testing::write_host(tmp / "README", testing::pattern(1234));
  testing::write_host(tmp / "_init", testing::pattern(40000, 2));
  const std::string img = tmp / "fs.img";
  Outcome r =
      run(tmp, g_mkfs,
          {"--size", "2000", "--ninodes", "200", img, tmp / "README", "init=" + (tmp / "_init")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(std::filesystem::file_size(img), 2000u * 1024u);

  r = run(tmp, g_fsck, {img});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  // 47 metadata + root 1 + README 2 + init 40 + its indirect block.
  EXPECT_EQ(r.out, "fsck: OK (3 inodes, 91 blocks used)\n");

  auto image = Image::load(img);
  ASSERT_TRUE(image.ok()) << image.error();
  EXPECT_EQ(read_file(image.value(), "/init"), testing::pattern(40000, 2));
}

TEST(Binaries, MkfsErrorIsOneLineAndStatusOne) {
  testing::TempDir tmp;
  const std::string img = tmp / "fs.img";
  const Outcome r = run(tmp, g_mkfs, {img, "fifteen_bytes__=" + (tmp / "missing")});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "mkfs: name 'fifteen_bytes__' is 15 bytes; at most 14 (DIRSIZ) (from argument "
                   "'fifteen_bytes__=" +
                       (tmp / "missing") + "')\n");
  EXPECT_FALSE(std::filesystem::exists(img));
}

TEST(Binaries, FsckFindsCorruption) {
  testing::TempDir tmp;
  const std::string img = tmp / "fs.img";
  ASSERT_EQ(run(tmp, g_mkfs, {img}).status, 0);
  auto bytes = testing::read_host(img);
  testing::flip_bitmap_bit(bytes, 47); // the root directory's block
  testing::write_host(img, bytes);
  Outcome r = run(tmp, g_fsck, {img});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "fsck: block 47 is free in the bitmap but used by directory 1 (/)\n");
  r = run(tmp, g_fsck, {"--bogus"});
  EXPECT_EQ(r.status, 2);
}

TEST(Binaries, Help) {
  testing::TempDir tmp;
  Outcome r = run(tmp, g_mkfs, {"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: mkfs"), std::string::npos);
  r = run(tmp, g_fsck, {"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: fsck"), std::string::npos);
}

} // namespace
} // namespace fsimage

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MKFS FSCK\n", argv[0]);
    return 2;
  }
  // Relative paths are relative to the runfiles directory the test starts in; make them absolute
  // so the child shell finds them whatever its working directory.
  fsimage::g_mkfs = std::filesystem::absolute(argv[1]).string();
  fsimage::g_fsck = std::filesystem::absolute(argv[2]).string();
  return RUN_ALL_TESTS();
}
