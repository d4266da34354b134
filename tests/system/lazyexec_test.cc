// Exec loads text and data on first touch: usertests' execlazy, execlocks and exectrunc pass (their
// program execbig checks the figures from inside); each executable truncated or overwritten while
// it runs is killed with exactly one console line, "executable changed", and a load with no memory
// left with one "out of memory" line; no page is lost (free pages plus init's and the shell's
// pages are what they were at boot); the disk passes the host fsck afterwards.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mkfs/fsck.h"
#include "tests/harness/files.h"
#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

// A kill line, possibly right after usertests' "test NAME: ".
constexpr const char* kKillLine =
    R"((?:test \w+: )?pid (\d+) \((\S+)\): killed: (.+) at va 0x([0-9a-f]{16}) \(sepc 0x([0-9a-f]{16})\))";

TEST(LazyExec, PagesLoadOnTouchAndAChangedExecutableKills) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  auto boot_balance = memory_balance(q);
  ASSERT_TRUE(boot_balance.has_value());

  const std::string out =
      run(q, "usertests execlazy execlocks exectrunc execeager", 10 * kCommandTimeout);
  EXPECT_NE(out.find("ALL TESTS PASSED"), std::string::npos) << out;
  int changed = 0;
  int oom = 0;
  for (const auto& kill : grep_lines(out, kKillLine)) {
    if (kill[3] == "executable changed") {
      EXPECT_EQ(kill[2], "execbig.t") << kill[0];
      changed++;
    } else {
      EXPECT_EQ(kill[3], "out of memory") << kill[0];
      EXPECT_EQ(kill[2], "execbig") << kill[0];
      oom++;
    }
  }
  EXPECT_EQ(changed, 2) << "one line per changed executable (truncated, overwritten):\n" << out;
  EXPECT_EQ(oom, 1) << out;
  EXPECT_EQ(count(out, "killed"), 3u) << out;

  auto now = memory_balance(q);
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->total(), boot_balance->total())
      << "free " << boot_balance->free_pages << " -> " << now->free_pages << ", init "
      << boot_balance->init_pages << " -> " << now->init_pages << ", sh " << boot_balance->sh_pages
      << " -> " << now->sh_pages;

  q.kill();
  const std::vector<uint8_t> disk = harness::read_bytes(q.disk_path());
  fsimage::FsckReport report = fsimage::check_image(disk);
  EXPECT_TRUE(report.ok()) << "fsck after the run: " << ::testing::PrintToString(report.errors);
  EXPECT_TRUE(report.warnings.empty()) << ::testing::PrintToString(report.warnings);
}

} // namespace
} // namespace lazyv6::systest
