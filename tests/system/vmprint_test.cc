// vmprint and free: the page table as the 2024 xv6 page-table lab prints it (kpgtbl), showing lazy
// pages appear only once touched; free's totals and per-process figures, and its errors.

#include <cstdint>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

constexpr uint64_t kPteV = 1, kPteRWX = 0xe;

uint64_t hex(const std::string& s) {
  return std::stoull(s, nullptr, 16);
}

struct Entry {
  int depth; // 1 = top level (1 GiB), 2 = 2 MiB, 3 = leaf page
  uint64_t va, pte, pa;
};
struct Dump {
  uint64_t root = 0;
  std::vector<Entry> entries;
};

// Every "page table 0x..." dump in `out`, with the lines that follow it.
std::vector<Dump> parse_dumps(const std::string& out) {
  std::vector<Dump> dumps;
  const std::regex head(R"(page table 0x([0-9a-f]{16}))");
  const std::regex line(
      R"(((?: \.\.)+)0x([0-9a-f]{16}): pte 0x([0-9a-f]{16}) pa 0x([0-9a-f]{16}))");
  std::istringstream in(out);
  std::string l;
  bool inside = false;
  while (std::getline(in, l)) {
    std::smatch m;
    if (std::regex_match(l, m, head)) {
      dumps.push_back(Dump{hex(m[1]), {}});
      inside = true;
    } else if (inside && std::regex_match(l, m, line)) {
      dumps.back().entries.push_back(
          Entry{static_cast<int>(m[1].length() / 3), hex(m[2]), hex(m[3]), hex(m[4])});
    } else {
      inside = false;
    }
  }
  return dumps;
}

// Checks that a dump is a well-formed Sv39 tree: depths nest, each va is aligned to its level and
// inside its parent, siblings ascend, pa is the PTE's address, inner entries have no R/W/X bits and
// leaves have some.
void check_tree(const Dump& d) {
  ASSERT_FALSE(d.entries.empty());
  EXPECT_EQ(d.root % 4096, 0u);
  const uint64_t size[4] = {0, uint64_t{1} << 30, uint64_t{1} << 21, uint64_t{1} << 12};
  uint64_t parent_va[4] = {0, 0, 0, 0};
  int prev_depth = 0;
  uint64_t prev_va[4] = {0, 0, 0, 0};
  bool have_prev[4] = {false, false, false, false};
  for (const Entry& e : d.entries) {
    SCOPED_TRACE("va 0x" + std::to_string(e.va) + " depth " + std::to_string(e.depth));
    ASSERT_GE(e.depth, 1);
    ASSERT_LE(e.depth, 3);
    ASSERT_LE(e.depth, prev_depth + 1); // a child follows its parent
    if (e.depth > prev_depth)
      have_prev[e.depth] = false;
    EXPECT_EQ(e.va % size[e.depth], 0u);
    if (e.depth > 1) {
      EXPECT_GE(e.va, parent_va[e.depth - 1]);
      EXPECT_LT(e.va, parent_va[e.depth - 1] + size[e.depth - 1]);
    }
    if (have_prev[e.depth]) {
      EXPECT_GT(e.va, prev_va[e.depth]);
    }
    prev_va[e.depth] = e.va;
    have_prev[e.depth] = true;
    for (int deeper = e.depth + 1; deeper <= 3; deeper++)
      have_prev[deeper] = false;
    parent_va[e.depth] = e.va;
    prev_depth = e.depth;
    EXPECT_NE(e.pte & kPteV, 0u);
    EXPECT_EQ(e.pa, (e.pte >> 10) << 12);
    if (e.depth < 3) {
      EXPECT_EQ(e.pte & kPteRWX, 0u) << "inner entry with R/W/X";
    } else {
      EXPECT_NE(e.pte & kPteRWX, 0u) << "leaf without R/W/X";
    }
  }
}

std::map<uint64_t, Entry> at_depth(const Dump& d, int depth) {
  std::map<uint64_t, Entry> out;
  for (const Entry& e : d.entries)
    if (e.depth == depth)
      out[e.va] = e;
  return out;
}

TEST(Vmprint, PageTableShowsOnlyTouchedLazyPages) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  const std::string out = run(q, "vmprint");

  auto dumps = parse_dumps(out);
  ASSERT_EQ(dumps.size(), 2u) << out;
  {
    SCOPED_TRACE("before");
    check_tree(dumps[0]);
  }
  {
    SCOPED_TRACE("after");
    check_tree(dumps[1]);
  }
  EXPECT_EQ(dumps[0].root, dumps[1].root);

  // What vmprint touched: heap pages 0 and 5 and a page 64 MiB further on.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      out, m,
      std::regex(
          R"(touching heap pages 0 and 5 \(va 0x([0-9a-f]+), 0x([0-9a-f]+)\) and the far page \(va 0x([0-9a-f]+)\))")))
      << out;
  const uint64_t touched[3] = {hex(m[1]), hex(m[2]), hex(m[3])};
  EXPECT_EQ(touched[1], touched[0] + 5 * 4096);

  auto leaves_before = at_depth(dumps[0], 3), leaves_after = at_depth(dumps[1], 3);
  EXPECT_EQ(leaves_after.size(), leaves_before.size() + 3) << out;
  for (const auto& [va, e] : leaves_before) {
    ASSERT_EQ(leaves_after.count(va), 1u) << "leaf 0x" << std::hex << va << " vanished";
    EXPECT_EQ(leaves_after[va].pa, e.pa);
  }
  for (uint64_t va : touched) {
    EXPECT_EQ(leaves_before.count(va), 0u)
        << "lazy page 0x" << std::hex << va << " mapped before its touch";
    EXPECT_EQ(leaves_after.count(va), 1u) << "touched page 0x" << std::hex << va << " missing";
    if (leaves_after.count(va) == 1) {
      const uint64_t want = 0x1 | 0x2 | 0x4 | 0x10; // V R W U
      EXPECT_EQ(leaves_after[va].pte & want, want);
    }
  }
  // The far page needed one new level-0 table (a depth-2 entry); nothing else changed there.
  EXPECT_EQ(at_depth(dumps[1], 2).size(), at_depth(dumps[0], 2).size() + 1);
  EXPECT_EQ(at_depth(dumps[1], 1).size(), at_depth(dumps[0], 1).size());

  // memstat agrees: 3 resident pages, 1 page-table page, 3 faults more.
  auto stat = [&](const char* when) {
    return grep_lines(
        out,
        std::string(when) +
            R"(: sz 0x([0-9a-f]+), resident (\d+) pages, page-table pages (\d+), faults (\d+))");
  };
  auto before = stat("before"), after = stat("after");
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0][1], before[0][1]);
  EXPECT_EQ(std::stoull(after[0][2]), std::stoull(before[0][2]) + 3);
  EXPECT_EQ(std::stoull(after[0][3]), std::stoull(before[0][3]) + 1);
  EXPECT_EQ(std::stoull(after[0][4]), std::stoull(before[0][4]) + 3);
  // Each leaf of the dump is what the process sees through pgpte().
  auto pgpte = grep_lines(
      out,
      R"(  (page \d|far   ) va 0x([0-9a-f]+): pte (0|0x([0-9a-f]+) pa 0x([0-9a-f]+) \[[^\]]*\])( \(not mapped: untouched\))?)");
  ASSERT_EQ(pgpte.size(), 10u) << out; // 8 near pages, the far one, page 7 again after reading it
  size_t mapped = 0;
  for (size_t i = 0; i + 1 < pgpte.size(); i++) {
    const auto& p = pgpte[i];
    uint64_t va = hex(p[2]);
    if (p[3] == "0") {
      EXPECT_EQ(leaves_after.count(va), 0u) << p[0];
    } else {
      mapped++;
      ASSERT_EQ(leaves_after.count(va), 1u) << p[0];
      EXPECT_EQ(hex(p[5]), leaves_after[va].pa) << p[0];
    }
  }
  EXPECT_EQ(mapped, 3u) << out; // pages 0, 5 and the far one
  // Reading untouched page 7 maps it too (a zeroed page, readable and writable).
  EXPECT_EQ(pgpte[9][1], "page 7");
  EXPECT_EQ(pgpte[9][2], pgpte[7][2]);
  EXPECT_EQ(pgpte[7][3], "0");
  EXPECT_NE(pgpte[9][3], "0");
  EXPECT_NE(out.find("reading untouched page 7 gives 0,"), std::string::npos) << out;
}

TEST(Free, TotalsPerProcessAndErrors) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());

  std::string out = run(q, "free");
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(^ +pages +KiB\n)"))) << out;
  auto f = parse_free(out);
  ASSERT_TRUE(f.has_value());
  EXPECT_GT(f->total, 0u);
  EXPECT_LE(f->total, 128u * 1024 * 1024 / 4096); // -m 128M
  EXPECT_EQ(f->used + f->free, f->total);
  EXPECT_GT(f->used, 0u);
  EXPECT_EQ(f->total_kib, 4 * f->total);
  EXPECT_EQ(f->used_kib, 4 * f->used);
  EXPECT_EQ(f->free_kib, 4 * f->free);
  auto faults0 = find_number(out, R"(\nlazy page faults since boot: (\d+)\n)");
  ASSERT_TRUE(faults0.has_value()) << out;

  // free -p PID: the same figures Ctrl-P shows for that process.
  auto procs = parse_procdump(ctrl_p(q));
  ASSERT_GE(procs.size(), 2u);
  for (const ProcLine& p : procs) {
    out = run(q, "free -p " + std::to_string(p.pid));
    EXPECT_NE(out.find("\nprocess " + std::to_string(p.pid) + ":\n"), std::string::npos) << out;
    auto fp = parse_free_p(out);
    ASSERT_TRUE(fp.has_value());
    EXPECT_EQ(fp->sz, p.sz) << p.name;
    EXPECT_EQ(fp->resident, p.resident) << p.name;
    EXPECT_EQ(fp->ptpages, p.ptpages) << p.name;
    // The shell forks `free`, then writes pages it shares with the child copy-on-write: its
    // fault count may have grown since Ctrl-P.
    if (p.name == "sh")
      EXPECT_GE(fp->faults, p.faults) << p.name;
    else
      EXPECT_EQ(fp->faults, p.faults) << p.name;
    EXPECT_TRUE(parse_free(out).has_value());
  }

  // Lazy faults are counted: vmprint takes 4.
  (void)run(q, "vmprint");
  auto faults1 = find_number(run(q, "free"), R"(\nlazy page faults since boot: (\d+)\n)");
  ASSERT_TRUE(faults1.has_value());
  EXPECT_GE(*faults1, *faults0 + 4);

  // Errors: one clear line each, and the shell goes on.
  EXPECT_EQ(run(q, "free -p 999"), "free: no process 999\n");
  EXPECT_EQ(run(q, "free -p 0"), "usage: free [-p pid]\n");
  EXPECT_EQ(run(q, "free -p x"), "usage: free [-p pid]\n");
  EXPECT_EQ(run(q, "free -p"), "usage: free [-p pid]\n");
  EXPECT_EQ(run(q, "free extra"), "usage: free [-p pid]\n");
  EXPECT_EQ(run(q, "echo ok"), "ok\n");
}

} // namespace
} // namespace lazyv6::systest
