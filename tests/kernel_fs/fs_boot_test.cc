// The file system in the booted kernel: shell file operations, persistence across a reboot (checked
// with fsck on the host too), recovery of a committed log, and clean refusal of corrupt images.
// Each test boots QEMU on its own copy of //:fs_img (or of an image derived from it).

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"
#include "mkfs/layout.h"
#include "tests/harness/qemu.h"

namespace {

using namespace std::chrono_literals;
using lazyv6::harness::from_test_args;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;

constexpr uint32_t kBlock = fsimage::kBlockSize;

std::vector<uint8_t> read_bytes(const std::string& path) {
  auto r = fsimage::read_host_file(path, uint64_t{1} << 30);
  EXPECT_TRUE(r.ok()) << path << ": " << (r.ok() ? "" : r.error());
  return r.ok() ? r.value() : std::vector<uint8_t>{};
}

// Writes bytes to a fresh file under $TEST_TMPDIR and returns its path.
std::string write_temp(const std::string& name, const std::vector<uint8_t>& bytes) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << path;
  return path;
}

void put32(std::vector<uint8_t>& img, uint64_t off, uint32_t v) {
  for (int i = 0; i < 4; i++)
    img[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// The image's README inode, decoded.
fsimage::DiskInode readme_inode(const std::vector<uint8_t>& img, uint32_t* inum) {
  auto image = fsimage::Image::open(img);
  EXPECT_TRUE(image.ok());
  auto found = image.value().lookup("/README");
  EXPECT_TRUE(found.has_value());
  *inum = found.value_or(0);
  return image.value().read_inode(*inum).value_or(fsimage::DiskInode{});
}

// Byte offset of inode inum's dinode in the image.
uint64_t inode_offset(const std::vector<uint8_t>& img, uint32_t inum) {
  fsimage::SuperBlock sb = fsimage::decode_superblock(std::span(img).subspan(kBlock, kBlock));
  return uint64_t{sb.iblock(inum)} * kBlock +
         (inum % fsimage::kInodesPerBlock) * fsimage::kInodeSize;
}

// xv6 wc's counts of `data`, formatted as wc prints them for standard input.
std::string wc_line(const std::vector<uint8_t>& data) {
  int lines = 0, words = 0;
  bool inword = false;
  for (uint8_t c : data) {
    if (c == '\n')
      lines++;
    if (c != 0 && std::strchr(" \r\t\n\v", c) != nullptr) {
      inword = false;
    } else if (!inword) {
      words++;
      inword = true;
    }
  }
  return std::to_string(lines) + " " + std::to_string(words) + " " + std::to_string(data.size()) +
         " \n";
}

// Waits until every hart has printed "hart N starting". A hart that starts late would print its
// line in the middle of a command's output (kernel printf and user writes are not serialised).
void wait_for_harts(Qemu& q, int harts) {
  static const std::regex kHartLine("hart [0-9]+ starting\n");
  for (int waited_ms = 0; waited_ms < 60'000; waited_ms += 10) {
    std::string t = q.transcript();
    auto n =
        std::distance(std::sregex_iterator(t.begin(), t.end(), kHartLine), std::sregex_iterator());
    if (n >= harts)
      return;
    std::this_thread::sleep_for(10ms);
  }
  ADD_FAILURE() << "not every hart started:\n" << q.tail();
}

// Returns once the booting q's shell is idle at a prompt with every hart up, so that nothing the
// kernel prints at boot can land in the middle of a command's output.
void settle(Qemu& q, int harts) {
  ASSERT_CONSOLE(q.expect("init: starting sh\n", 60s));
  wait_for_harts(q, harts);
  // The typed line is echoed at once, even before sh's first prompt: match echo's output, which
  // follows a newline or that prompt, not the echo of the command line (where a space precedes it).
  ASSERT_CONSOLE(q.send_line("echo ready"));
  ASSERT_CONSOLE(q.expect(lazyv6::harness::re("(\\n|\\$ )ready\\n\\$ "), 30s));
}

// Starts q and settles it.
void boot(Qemu& q, int harts) {
  ASSERT_CONSOLE(q.start());
  settle(q, harts);
}

// Sends a command line and waits for its output to end with `output` followed by the next prompt.
void run(Qemu& q, const std::string& line, const std::string& output = "") {
  ASSERT_CONSOLE(q.send_line(line));
  ASSERT_CONSOLE(q.expect(line + "\n", 10s)); // the echo of what we typed
  ASSERT_CONSOLE(q.expect(output + "$ ", 30s));
}

TEST(FsBoot, ShellFileOperationsPersistAcrossReboot) {
  QemuOptions opts = from_test_args();
  std::vector<uint8_t> original = read_bytes(opts.fs_image);
  auto image = fsimage::Image::open(original);
  ASSERT_TRUE(image.ok());
  auto readme = fsimage::read_file(image.value(), "/README");
  ASSERT_TRUE(readme.has_value());

  std::string after_first_boot;
  {
    Qemu q(opts);
    boot(q, opts.harts);
    run(q, "echo hi > f");
    run(q, "cat f", "hi\n");
    run(q, "mkdir d");
    run(q, "cd d");
    run(q, "echo inside > g");
    run(q, "cat g", "inside\n");
    run(q, "cd ..");
    run(q, "cat README | wc", wc_line(*readme));
    run(q, "rm f");
    run(q, "echo again > f");
    ASSERT_FALSE(HasFailure());
    q.kill(); // every command above ended its transaction: the disk copy is complete
    after_first_boot = write_temp("after_first_boot.img", read_bytes(q.disk_path()));
  }

  // The host sees a consistent file system with the new files.
  std::vector<uint8_t> bytes = read_bytes(after_first_boot);
  fsimage::FsckReport report = fsimage::check_image(bytes);
  for (const std::string& e : report.errors)
    ADD_FAILURE() << "fsck: " << e;
  auto written = fsimage::Image::open(bytes);
  ASSERT_TRUE(written.ok());
  auto f = fsimage::read_file(written.value(), "/f");
  auto g = fsimage::read_file(written.value(), "/d/g");
  ASSERT_TRUE(f.has_value() && g.has_value());
  EXPECT_EQ(std::string(f->begin(), f->end()), "again\n");
  EXPECT_EQ(std::string(g->begin(), g->end()), "inside\n");

  // A second boot on the same disk sees them too.
  opts.fs_image = after_first_boot;
  Qemu q(opts);
  boot(q, opts.harts);
  run(q, "cat f", "again\n");
  run(q, "cat d/g", "inside\n");
  run(q, "rm d/g");
  run(q, "rm d");
  run(q, "cat d/g", "cat: cannot open d/g\n");
}

TEST(FsBoot, RecoversACommittedLog) {
  QemuOptions opts = from_test_args();
  std::vector<uint8_t> img = read_bytes(opts.fs_image);
  ASSERT_GT(img.size(), 4u * kBlock);
  uint32_t inum = 0;
  fsimage::DiskInode readme = readme_inode(img, &inum);
  ASSERT_NE(readme.addrs[0], 0u);

  // A transaction committed just before a "crash": header says log slot 0 belongs at README's
  // first block, and the slot holds new text for it.
  fsimage::SuperBlock sb = fsimage::decode_superblock(std::span(img).subspan(kBlock, kBlock));
  const std::string text = "RECOVERED FROM THE LOG\n";
  uint64_t home = uint64_t{readme.addrs[0]} * kBlock;
  uint64_t slot = uint64_t{sb.logstart + 1} * kBlock;
  std::memcpy(&img[slot], &img[home], kBlock);
  std::memcpy(&img[slot], text.data(), text.size());
  put32(img, uint64_t{sb.logstart} * kBlock, 1);
  put32(img, uint64_t{sb.logstart} * kBlock + 4, readme.addrs[0]);
  opts.fs_image = write_temp("committed_log.img", img);

  Qemu q(opts);
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("initlog: recovering 1 logged blocks", 60s));
  settle(q, opts.harts);
  run(q, "grep RECOVERED README", text);
  q.kill();

  std::vector<uint8_t> after = read_bytes(q.disk_path());
  fsimage::FsckReport report = fsimage::check_image(after);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.warnings.empty()) << report.warnings.front(); // the log was cleared
  EXPECT_EQ(std::memcmp(&after[home], text.data(), text.size()), 0);
}

// Boots `img` and expects the kernel to refuse it with `message` and power off with status 1.
void expect_refused(const std::string& name, const std::vector<uint8_t>& img,
                    const std::string& message) {
  QemuOptions opts = from_test_args();
  opts.fs_image = write_temp(name, img);
  Qemu q(opts);
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("fsinit: bad superblock: " + message, 60s));
  auto exit = q.wait_exit(30s);
  ASSERT_CONSOLE(exit);
  EXPECT_EQ(exit.status, 1);
}

TEST(FsBoot, RefusesBadMagic) {
  std::vector<uint8_t> img = read_bytes(from_test_args().fs_image);
  put32(img, kBlock, 0xdeadbeef);
  expect_refused("bad_magic.img", img, "wrong magic number");
}

TEST(FsBoot, RefusesTruncatedImage) {
  std::vector<uint8_t> img = read_bytes(from_test_args().fs_image);
  img.resize(img.size() / 4);
  expect_refused("truncated.img", img, "size is larger than the disk");
}

TEST(FsBoot, RefusesInconsistentRegions) {
  std::vector<uint8_t> img = read_bytes(from_test_args().fs_image);
  fsimage::SuperBlock sb = fsimage::decode_superblock(std::span(img).subspan(kBlock, kBlock));
  put32(img, kBlock + 24, sb.logstart + 1); // inodestart inside the log
  expect_refused("overlap.img", img, "inode blocks overlap the log");
}

TEST(FsBoot, CorruptBlockPointerPanicsClearly) {
  QemuOptions opts = from_test_args();
  std::vector<uint8_t> img = read_bytes(opts.fs_image);
  uint32_t inum = 0;
  readme_inode(img, &inum);
  put32(img, inode_offset(img, inum) + 12, 3); // addrs[0] = a log block
  opts.fs_image = write_temp("bad_pointer.img", img);
  Qemu q(opts);
  boot(q, opts.harts);
  ASSERT_CONSOLE(q.send_line("cat README"));
  ASSERT_CONSOLE(q.expect("panic: fs: inode " + std::to_string(inum) +
                              " on dev 1 names block 3 outside the data region",
                          30s));
}

} // namespace
