// The file system in the booted kernel: shell file operations, persistence across a reboot (checked
// with fsck on the host too), recovery of a committed log, and clean refusal of corrupt images.
// Each test boots QEMU on its own copy of //:fs_img (or of an image derived from it).

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"
#include "mkfs/layout.h"
#include "tests/harness/files.h"
#include "tests/harness/qemu.h"
#include "tests/harness/shell.h"

namespace {

using namespace std::chrono_literals;
using lazyv6::harness::boot;
using lazyv6::harness::from_test_args;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;
using lazyv6::harness::read_bytes;
using lazyv6::harness::write_temp;

constexpr uint32_t kBlock = fsimage::kBlockSize;

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

// Runs a command line and expects its output to end with `output` (the echo within 10 s, the next
// prompt within 30 s).
void run_expecting(Qemu& q, const std::string& line, const std::string& output = "") {
  ASSERT_TRUE(q.running()) << "QEMU is not running to take `" << line << "`";
  std::string out = lazyv6::harness::run(q, line, 30s, 10s);
  EXPECT_TRUE(out.size() >= output.size() &&
              out.compare(out.size() - output.size(), output.size(), output) == 0)
      << "`" << line << "` printed:\n"
      << out << "expected it to end with:\n"
      << output;
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
    ASSERT_NO_FATAL_FAILURE(boot(q, 60s));
    run_expecting(q, "echo hi > f");
    run_expecting(q, "cat f", "hi\n");
    run_expecting(q, "mkdir d");
    run_expecting(q, "cd d");
    run_expecting(q, "echo inside > g");
    run_expecting(q, "cat g", "inside\n");
    run_expecting(q, "cd ..");
    run_expecting(q, "cat README | wc",
                  lazyv6::harness::wc_line(std::string(readme->begin(), readme->end())));
    run_expecting(q, "rm f");
    run_expecting(q, "echo again > f");
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
  ASSERT_NO_FATAL_FAILURE(boot(q, 60s));
  run_expecting(q, "cat f", "again\n");
  run_expecting(q, "cat d/g", "inside\n");
  run_expecting(q, "rm d/g");
  run_expecting(q, "rm d");
  run_expecting(q, "cat d/g", "cat: cannot open d/g\n");
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
  ASSERT_NO_FATAL_FAILURE(lazyv6::harness::reach_prompt(q, 60s));
  run_expecting(q, "grep RECOVERED README", text);
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
  ASSERT_NO_FATAL_FAILURE(boot(q, 60s));
  ASSERT_CONSOLE(q.send_line("cat README"));
  ASSERT_CONSOLE(q.expect("panic: fs: inode " + std::to_string(inum) +
                              " on dev 1 names block 3 outside the data region",
                          30s));
}

} // namespace
