// lazytest: every lazy-allocation check passes (strictly: "ALL TESTS PASSED", each check OK), and
// the figures that make lazy allocation visible are the right ones, recomputed here: after touching
// k pages of a 1 GiB lazy region, memstat shows exactly k more resident pages plus exactly the
// page-table pages those addresses need. No physical page is lost: after every program exits, the
// free pages (plus what init and the shell hold) are back at their value at boot.
// --sbrk_default=lazy|eager says which policy the kernel's plain sbrk(n) must follow.

#include <cstdint>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

constexpr uint64_t kPage = 4096;
constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kTouches = 4096; // lazytest touches one byte every 64 pages of 1 GiB
constexpr uint64_t kStride = 64 * kPage;

// Page-table pages that touching base + i*step (i < n) adds to a process whose tables map
// [0, old_top): Sv39 has one level-0 table per 2 MiB and one level-1 table per 1 GiB.
uint64_t new_table_pages(uint64_t old_top, uint64_t base, uint64_t step, uint64_t n) {
  std::set<uint64_t> l0, l1;
  for (uint64_t i = 0; i < n; i++) {
    l0.insert((base + i * step) >> 21);
    l1.insert((base + i * step) >> 30);
  }
  for (uint64_t va = 0; va < old_top; va += uint64_t{1} << 21) { // tables that already exist
    l0.erase(va >> 21);
    l1.erase(va >> 30);
  }
  return l0.size() + l1.size();
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Lazytest, AllChecksPassWithExactFigures) {
  const std::string policy = test_arg("sbrk_default", "lazy");
  ASSERT_TRUE(policy == "lazy" || policy == "eager") << policy;

  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  auto boot_balance = memory_balance(q);
  ASSERT_TRUE(boot_balance.has_value());
  EXPECT_GT(boot_balance->free_pages, 0u);

  // The checks lazytest has.
  std::vector<std::string> names;
  for (const auto& m : grep_lines(run(q, "lazytest -l"), R"((\w+))"))
    names.push_back(m[1]);
  ASSERT_GE(names.size(), 10u);
  EXPECT_EQ(names[0], "demo");

  // Everything: the demonstration, then each check.
  const std::string out = run_checks(q, "lazytest");
  ASSERT_FALSE(HasFailure());
  for (const std::string& name : names)
    EXPECT_TRUE(has_line(out, "test " + name + ": OK")) << name;
  EXPECT_TRUE(has_line(out, "test freepages: OK"));

  // The demonstration: 1 GiB declared at the break, one byte touched every 64 pages.
  {
    const std::string demo = section(out, "demo");
    auto before = grep_lines(
        demo, R"(  before: sz 0x([0-9a-f]+), resident (\d+) pages, ptpages (\d+), faults \d+)");
    auto after = grep_lines(
        demo, R"(  after:  sz 0x([0-9a-f]+), resident (\d+) pages, ptpages (\d+), faults \d+)");
    ASSERT_EQ(before.size(), 1u) << demo;
    ASSERT_EQ(after.size(), 2u) << demo; // after sbrklazy(1 GiB), after sbrk(-1 GiB)
    const uint64_t base = std::stoull(before[0][1], nullptr, 16);
    const uint64_t tables = new_table_pages(base, base, kStride, kTouches);
    // sbrklazy(1 GiB): only the size moves.
    EXPECT_EQ(std::stoull(after[0][1], nullptr, 16), base + kGiB);
    EXPECT_EQ(after[0][2], before[0][2]);
    EXPECT_EQ(after[0][3], before[0][3]);
    // k = 4096 touches: k data pages, k faults, and exactly the page tables those addresses need.
    EXPECT_TRUE(has_line(demo, "  resident pages gained: 4096")) << demo;
    EXPECT_TRUE(has_line(demo, "  faults taken: 4096")) << demo;
    EXPECT_TRUE(has_line(demo, "  page-table pages gained: " + std::to_string(tables))) << demo;
    EXPECT_TRUE(has_line(demo, "  memory used: 16384 KiB of data + " + std::to_string(4 * tables) +
                                   " KiB of page tables, for 1048576 KiB declared"))
        << demo;
    // 4 untouched pages read: 4 mappings of the zero page and no page used; then sbrk(-1 GiB)
    // gives all of it back.
    EXPECT_TRUE(has_line(demo, "  resident pages gained (one per untouched page read): 4")) << demo;
    EXPECT_TRUE(has_line(demo, "  zero-page mappings gained: 4")) << demo;
    EXPECT_TRUE(has_line(demo, "  free pages used by the reads: 0")) << demo;
    EXPECT_EQ(after[1][1], before[0][1]);
    EXPECT_EQ(after[1][2], before[0][2]);
    EXPECT_EQ(after[1][3], before[0][3]);
    EXPECT_TRUE(has_line(demo, "  free pages gained: " + std::to_string(kTouches + tables)))
        << demo;
  }

  // The sparse check: the same on a 1 GiB-aligned region, which needs a new level-1 table too.
  {
    const std::string sparse = section(out, "sparse");
    auto region = grep_lines(
        sparse, R"(  region 0x([0-9a-f]+)\.\.0x([0-9a-f]+) \(old break 0x([0-9a-f]+)\))");
    ASSERT_EQ(region.size(), 1u) << sparse;
    const uint64_t base = std::stoull(region[0][1], nullptr, 16);
    const uint64_t top = std::stoull(region[0][3], nullptr, 16);
    EXPECT_EQ(base % kGiB, 0u);
    EXPECT_EQ(std::stoull(region[0][2], nullptr, 16), base + kGiB);
    const uint64_t tables = new_table_pages(top, base, kStride, kTouches);
    EXPECT_EQ(tables, 512u + 1u); // 512 level-0 tables and one level-1 table for a fresh 1 GiB
    EXPECT_TRUE(has_line(sparse, "  resident pages gained: 4096")) << sparse;
    EXPECT_TRUE(has_line(sparse, "  faults taken: 4096")) << sparse;
    EXPECT_TRUE(has_line(sparse, "  page-table pages gained: " + std::to_string(tables))) << sparse;
    EXPECT_TRUE(has_line(sparse, "  free pages used (data + page tables): " +
                                     std::to_string(kTouches + tables)))
        << sparse;
    EXPECT_TRUE(has_line(sparse, "  resident after sbrk(-1 GiB), minus before the touches: 0"))
        << sparse;
  }

  // Reading a fresh 1 GiB end to end takes page-table pages only (512 level-0 tables and one
  // level-1 table): every page maps the one zero page.
  {
    const std::string zero = section(out, "zeroread");
    EXPECT_TRUE(has_line(zero, "  free pages used (page tables only): 513")) << zero;
    EXPECT_TRUE(has_line(zero, "  zero-page mappings gained: 262144")) << zero;
    EXPECT_TRUE(has_line(zero, "  free pages used by the writes: 4096")) << zero;
  }

  // The kernel's plain sbrk(n) follows the policy it was built with.
  EXPECT_NE(section(out, "default").find("  sbrk(n) default policy: " + policy + " ("),
            std::string::npos)
      << section(out, "default");

  // No page lost by lazytest (its many killed and out-of-memory children included) ...
  expect_balance(q, *boot_balance, "lazytest");
  // ... nor by other programs.
  EXPECT_EQ(run(q, "forktest"), "fork test\nfork test OK\n");
  expect_balance(q, *boot_balance, "forktest");
  {
    // With its output in a file, only the kernel's lines about the children it kills remain.
    std::string console = run(q, "lazytest -q > lazy.out", 600s);
    EXPECT_GT(count(console, "\n"), 0u);
    EXPECT_EQ(grep_lines(console, R"(pid \d+ \(lazytest\): killed: .+)").size(),
              count(console, "\n"))
        << console;
  }
  expect_balance(q, *boot_balance, "lazytest -q");
  EXPECT_NE(run(q, "cat lazy.out").find("\nALL TESTS PASSED\n"), std::string::npos);
  (void)run(q, "vmprint");
  expect_balance(q, *boot_balance, "vmprint");
  EXPECT_EQ(run(q, "cat README | grep lazy | wc > wc.out"), "");
  expect_balance(q, *boot_balance, "a pipeline");
}

} // namespace
} // namespace lazyv6::systest
