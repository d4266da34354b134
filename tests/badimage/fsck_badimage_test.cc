// The host side of tests/badimage: the fsck binary flags every corrupt image the kernel refuses
// (badimages.h, made from the real //:fs_img), with and without --replay, in "fsck: ..." lines and
// exit status 1, and copes with files that are not images at all. tests/fs has the unit tests for
// each individual check; this is the same corruptions the boot test uses, end to end.
//   fsck_badimage_test FS_IMG FSCK

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"
#include "tests/badimage/badimages.h"
#include "tests/harness/files.h"

namespace {

using badimage::Bytes;
using badimage::Case;

std::string g_fs_img;
std::string g_fsck;

std::string tmp_dir() {
  return lazyv6::harness::env_dir("TEST_TMPDIR");
}

struct Outcome {
  int status = -1; // exit status, or 128 + signal
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the fsck binary with `args` (shell-quoted by the caller), capturing its output.
Outcome run_fsck(const std::string& args) {
  const std::string out = tmp_dir() + "/fsck.out", err = tmp_dir() + "/fsck.err";
  const std::string cmd =
      "'" + g_fsck + "' " + args + " > '" + out + "' 2> '" + err + "' < /dev/null";
  int raw = std::system(cmd.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
  o.out = slurp(out);
  o.err = slurp(err);
  return o;
}

// Every line starts with "fsck: ".
void expect_fsck_lines(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    EXPECT_EQ(line.rfind("fsck: ", 0), 0u) << "line without the fsck: prefix: " << line;
}

class FsckOnBadImage : public testing::TestWithParam<Case> {};

TEST_P(FsckOnBadImage, FlagsItLikeTheKernel) {
  const Case& c = GetParam();
  auto good = fsimage::read_host_file(g_fs_img, uint64_t{1} << 30);
  ASSERT_TRUE(good.ok()) << good.error();
  Bytes img = good.value();
  c.corrupt(img);
  const std::string path = lazyv6::harness::write_temp(c.name + ".img", img);

  for (const char* flags : {"", "--replay "}) {
    SCOPED_TRACE(std::string("fsck ") + flags + c.name + ".img");
    Outcome o = run_fsck(std::string(flags) + "'" + path + "'");
    EXPECT_EQ(o.err, "");
    expect_fsck_lines(o.out);
    if (c.fsck_must_flag) {
      EXPECT_EQ(o.status, 1) << o.out;
      EXPECT_EQ(o.out.find("fsck: OK"), std::string::npos) << o.out;
      EXPECT_NE(o.out.find("fsck: "), std::string::npos);
    } else {
      EXPECT_EQ(o.status, 0) << o.out;
    }
    std::cout << c.name << (flags[0] ? " (--replay)" : "") << ": "
              << o.out.substr(0, o.out.find('\n')) << "\n";
  }
  // The library agrees with the binary.
  fsimage::FsckOptions replay;
  replay.replay_log = true;
  EXPECT_EQ(fsimage::check_image(img).ok(), !c.fsck_must_flag);
  EXPECT_EQ(fsimage::check_image(img, replay).ok(), !c.fsck_must_flag);
}

INSTANTIATE_TEST_SUITE_P(Images, FsckOnBadImage, testing::ValuesIn(badimage::cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(FsckOnNonImages, DeviceFilesAndDirectories) {
  Outcome o = run_fsck("/dev/null");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("fsck: image truncated: 0 bytes"), std::string::npos) << o.out;
  o = run_fsck("/dev/zero"); // endless: fsck reads a bounded prefix
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("bad superblock magic 0x00000000"), std::string::npos) << o.out;
  o = run_fsck("'" + tmp_dir() + "'");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("Is a directory"), std::string::npos) << o.err;
  EXPECT_EQ(o.out, "");
}

TEST(FsckOnNonImages, TruncationsOfTheRealImageAtEveryRegion) {
  auto good = fsimage::read_host_file(g_fs_img, uint64_t{1} << 30);
  ASSERT_TRUE(good.ok());
  const fsimage::SuperBlock sb = badimage::superblock(good.value());
  // Cut inside each region: boot block, superblock, log, inodes, bitmap, data, last block.
  for (uint64_t cut : {uint64_t{100}, uint64_t{1500}, uint64_t{sb.logstart + 3} * 1024,
                       uint64_t{sb.inodestart + 1} * 1024 + 7, uint64_t{sb.bmapstart} * 1024 + 512,
                       uint64_t{sb.size / 2} * 1024, uint64_t{sb.size} * 1024 - 1}) {
    Bytes img(good.value().begin(), good.value().begin() + static_cast<long>(cut));
    const std::string path = lazyv6::harness::write_temp("cut.img", img);
    Outcome o = run_fsck("--replay '" + path + "'");
    EXPECT_EQ(o.status, 1) << "cut at " << cut << ": " << o.out;
    EXPECT_NE(o.out.find("fsck: image truncated: " + std::to_string(cut) + " bytes"),
              std::string::npos)
        << "cut at " << cut << ": " << o.out;
  }
}

} // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FS_IMG FSCK\n", argv[0]);
    return 2;
  }
  g_fs_img = std::filesystem::absolute(argv[1]).string();
  g_fsck = std::filesystem::absolute(argv[2]).string();
  return RUN_ALL_TESTS();
}
