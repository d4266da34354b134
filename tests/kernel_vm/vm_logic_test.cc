// Page-table index math, PTE encoding, the lazy-fault decision and the one range walk
// (kernel/addr.h, kernel/vmlogic.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "kernel/addr.h"
#include "kernel/vm.h"
#include "kernel/vmlogic.h"

namespace {

TEST(Sv39, IndexSplit) {
  // va = L2 index 5, L1 index 0x1AB, L0 index 0x0CD, offset 0x123.
  const uint64 va = (5ull << 30) | (0x1ABull << 21) | (0x0CDull << 12) | 0x123;
  EXPECT_EQ(VirtAddr(va).px(2), 5u);
  EXPECT_EQ(VirtAddr(va).px(1), 0x1ABu);
  EXPECT_EQ(VirtAddr(va).px(0), 0x0CDu);
  EXPECT_EQ(VirtAddr(va).page_offset(), 0x123u);
  EXPECT_EQ(VirtAddr(va).page_base().raw(), va - 0x123);
}

TEST(Sv39, Spans) {
  EXPECT_EQ(sv39_span(0), 4096u);
  EXPECT_EQ(sv39_span(1), 2u * 1024 * 1024);
  EXPECT_EQ(sv39_span(2), 1024u * 1024 * 1024);
  // MAXVA is one bit short of Sv39's 39 bits: user space uses root entries 0..255 only.
  EXPECT_EQ(VirtAddr(MAXVA - 1).px(2), 255u);
}

TEST(Sv39, TopOfUserSpace) {
  EXPECT_EQ(VirtAddr(TRAMPOLINE).px(2), 255u);
  EXPECT_EQ(VirtAddr(TRAMPOLINE).px(1), 511u);
  EXPECT_EQ(VirtAddr(TRAMPOLINE).px(0), 511u);
  EXPECT_EQ(VirtAddr(TRAPFRAME).px(0), 510u);
  // As in xv6, the heap may grow up to the trap frame: its last page shares the level-0 table
  // that holds the trap frame and trampoline.
  EXPECT_EQ(kHeapLimit, TRAPFRAME);
  EXPECT_EQ(VirtAddr(kHeapLimit - 1).px(2), 255u);
  EXPECT_EQ(VirtAddr(kHeapLimit - 1).px(1), 511u);
  EXPECT_EQ(VirtAddr(kHeapLimit - 1).px(0), 509u);
}

TEST(PageRound, UpAndDown) {
  EXPECT_EQ(page_round_up(0), 0u);
  EXPECT_EQ(page_round_up(1), 4096u);
  EXPECT_EQ(page_round_up(4096), 4096u);
  EXPECT_EQ(page_round_up(4097), 8192u);
  EXPECT_EQ(page_round_down(4095), 0u);
  EXPECT_EQ(page_round_down(8191), 4096u);
  EXPECT_TRUE(VirtAddr(8192).is_page_aligned());
  EXPECT_FALSE(PhysAddr(8193).is_page_aligned());
}

TEST(Pte, EncodeDecode) {
  const PhysAddr pa(0x87f1e000);
  const Pte pte = Pte::make(pa, PteFlag::V | PteFlag::R | PteFlag::W | PteFlag::U);
  EXPECT_EQ(pte.raw(), (0x87f1e000ull >> 12 << 10) | 0x17);
  EXPECT_EQ(pte.pa(), pa);
  EXPECT_TRUE(pte.valid());
  EXPECT_TRUE(pte.leaf());
  EXPECT_TRUE(pte.has(PteFlag::R | PteFlag::W));
  EXPECT_FALSE(pte.has(PteFlag::X));
  EXPECT_EQ(static_cast<uint64>(pte.flags()), 0x17u);
  // The example line of the 2024 lab printer: pte 0x21fc7801 is a non-leaf pointing at 0x87f1e000.
  const Pte dir(0x21fc7801);
  EXPECT_TRUE(dir.valid());
  EXPECT_FALSE(dir.leaf());
  EXPECT_EQ(dir.pa().raw(), 0x87f1e000u);
  EXPECT_FALSE(Pte(0).valid());
}

TEST(Pte, FlagOperators) {
  EXPECT_EQ(static_cast<uint64>(PteFlag::R | PteFlag::X), static_cast<uint64>(PTE_R | PTE_X));
  EXPECT_FALSE(any((PteFlag::R | PteFlag::W) & PteFlag::X));
  EXPECT_EQ(static_cast<uint64>(~PteFlag::U) & PTE_U, 0u);
}

constexpr Pte leaf(PteFlag f) {
  return Pte::make(PhysAddr(0x80001000), PteFlag::V | f);
}

// A write to an untouched page gets a private page; a read maps the shared zero page.
TEST(ClassifyFault, UntouchedInsideSize) {
  EXPECT_EQ(classify_fault(0x10000, 0x8000, Access::Read, Pte(0)), FaultCause::ZeroRead);
  EXPECT_EQ(classify_fault(0x10000, 0xFFFF, Access::Write, Pte(0)), FaultCause::Lazy);
}

// A write to a COW page or to a zero-page mapping is fixed; a read of either, or a write to a
// mapped read-only page without a mark (text), is not.
TEST(ClassifyFault, CowAndZeroPage) {
  const PteFlag ur = PteFlag::R | PteFlag::U;
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Write, leaf(ur | PteFlag::Cow)),
            FaultCause::Cow);
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Write, leaf(ur | PteFlag::X | PteFlag::Cow)),
            FaultCause::Cow);
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Write, leaf(ur | PteFlag::Zero)),
            FaultCause::ZeroWrite);
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Read, leaf(ur | PteFlag::Cow)),
            FaultCause::Unexpected);
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Read, leaf(ur | PteFlag::Zero)),
            FaultCause::Unexpected);
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Execute, leaf(ur | PteFlag::Zero)),
            FaultCause::NoExec);
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Write, leaf(ur)), FaultCause::ReadOnly);
  // The stack guard page after fork: COW-marked but without PTE_U, still a guard.
  EXPECT_EQ(classify_fault(0x10000, 0x2000, Access::Write, leaf(PteFlag::R | PteFlag::Cow)),
            FaultCause::Guard);
  // Outside sz wins over any mark.
  EXPECT_EQ(classify_fault(0x4000, 0x4000, Access::Write, leaf(ur | PteFlag::Cow)),
            FaultCause::Outside);
}

// The RSW bits the marks use are ignored by the hardware and survive encode/decode.
TEST(Pte, MarksAreSoftwareBits) {
  EXPECT_EQ(static_cast<uint64>(PteFlag::Cow), 1u << 8);
  EXPECT_EQ(static_cast<uint64>(PteFlag::Zero), 1u << 9);
  const Pte p = Pte::make(PhysAddr(0x80002000), PteFlag::V | PteFlag::R | PteFlag::Cow);
  EXPECT_TRUE(p.has(PteFlag::Cow));
  EXPECT_FALSE(p.has(PteFlag::Zero));
  EXPECT_EQ(p.pa().raw(), 0x80002000u);
  EXPECT_TRUE(p.leaf());
}

TEST(ClassifyFault, OutsideSize) {
  EXPECT_EQ(classify_fault(0x10000, 0x10000, Access::Write, Pte(0)), FaultCause::Outside);
  EXPECT_EQ(classify_fault(0x10000, ~0ull, Access::Read, Pte(0)), FaultCause::Outside);
  EXPECT_EQ(classify_fault(0, 0, Access::Read, Pte(0)), FaultCause::Outside);
}

TEST(ClassifyFault, MappedPagesAreNeverFixed) {
  const PteFlag rw = PteFlag::R | PteFlag::W;
  EXPECT_EQ(classify_fault(0x10000, 0x2000, Access::Read, leaf(rw)), FaultCause::Guard); // no PTE_U
  EXPECT_EQ(classify_fault(0x10000, 0x0, Access::Write, leaf(PteFlag::R | PteFlag::X | PteFlag::U)),
            FaultCause::ReadOnly);
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Execute, leaf(rw | PteFlag::U)),
            FaultCause::NoExec);
  EXPECT_EQ(classify_fault(0x10000, 0x4000, Access::Write, leaf(rw | PteFlag::U)),
            FaultCause::Unexpected);
}

TEST(ClassifyFault, ExecuteOnUntouchedHeap) {
  EXPECT_EQ(classify_fault(0x10000, 0x8000, Access::Execute, Pte(0)), FaultCause::NoExec);
}

// An untouched page is mapped (private for a write, the zero page for a read), a write to a COW or
// zero-page mapping made private; a PTE that already allows the access means a stale TLB entry
// (flushed, no kill); everything else kills.
TEST(ClassifyFault, Actions) {
  const PteFlag urw = PteFlag::R | PteFlag::W | PteFlag::U;
  auto leaf = [](PteFlag f) { return Pte::make(PhysAddr(0x80001000), f | PteFlag::V); };
  EXPECT_EQ(fault_action(classify_fault(0x10000, 0x8000, Access::Write, Pte(0))), FaultAction::Map);
  EXPECT_EQ(fault_action(classify_fault(0x10000, 0x8000, Access::Write, leaf(urw))),
            FaultAction::FlushTlbEntry);
  EXPECT_EQ(fault_action(classify_fault(0x10000, 0x8000, Access::Read, leaf(urw))),
            FaultAction::FlushTlbEntry);
  EXPECT_EQ(
      fault_action(classify_fault(0x10000, 0x2000, Access::Read, leaf(PteFlag::R | PteFlag::W))),
      FaultAction::Kill); // guard page
  EXPECT_EQ(
      fault_action(classify_fault(0x10000, 0x0, Access::Write, leaf(PteFlag::R | PteFlag::U))),
      FaultAction::Kill); // read-only
  EXPECT_EQ(fault_action(classify_fault(0x10000, 0x10000, Access::Read, leaf(urw))),
            FaultAction::Kill);
  EXPECT_EQ(fault_action(classify_fault(0x10000, 0x8000, Access::Execute, Pte(0))),
            FaultAction::Kill);
  EXPECT_EQ(fault_action(classify_fault(0x10000, 0x8000, Access::Read, Pte(0))),
            FaultAction::MapZeroPage);
  EXPECT_EQ(fault_action(classify_fault(0x10000, 0x8000, Access::Write,
                                        leaf(PteFlag::R | PteFlag::U | PteFlag::Zero))),
            FaultAction::Map);
  EXPECT_EQ(fault_action(classify_fault(0x10000, 0x8000, Access::Write,
                                        leaf(PteFlag::R | PteFlag::U | PteFlag::Cow))),
            FaultAction::CopyOnWrite);
}

// An image like user.ld's: text R-X at 0, rodata R-- at 0x3000, data+bss RW- at 0x5000 (bss
// ends in the middle of 0x7000's page). Pages between segments are ordinary untouched pages.
ExecImage three_segments() {
  ExecImage im;
  im.nseg = 3;
  im.seg[0] = {0x0, 0x2800, 0x1000, 0x2800, PteFlag::X};
  im.seg[1] = {0x3000, 0x100, 0x4000, 0x100, PteFlag::None};
  im.seg[2] = {0x5000, 0x2010, 0x5000, 0x1800, PteFlag::W};
  im.end = 0x8000;
  return im;
}

TEST(ImageSegment, FindsThePagesOfEachSegment) {
  const ExecImage im = three_segments();
  EXPECT_EQ(image_segment(&im, 0x0), &im.seg[0]);
  EXPECT_EQ(image_segment(&im, 0x2fff), &im.seg[0]); // the rest of the last page
  EXPECT_EQ(image_segment(&im, 0x3000), &im.seg[1]);
  EXPECT_EQ(image_segment(&im, 0x4000), nullptr); // a gap between segments
  EXPECT_EQ(image_segment(&im, 0x7ff8), &im.seg[2]);
  EXPECT_EQ(image_segment(&im, 0x8000), nullptr); // the stack and heap above the image
  EXPECT_EQ(image_segment(nullptr, 0x0), nullptr);
  EXPECT_EQ(image_segment(&im, ~0ull), nullptr);
}

// An untouched segment page is loaded whatever the access its flags allow (a fetch from text
// included), before the lazy case; one they forbid kills with the existing causes; a mapped page
// is judged by its PTE as before.
TEST(ClassifyFault, FilePages) {
  const ExecImage im = three_segments();
  auto cause = [&](uint64 va, Access a, Pte leaf = Pte(0)) {
    return classify_fault(0x20000, va, a, leaf, image_segment(&im, va));
  };
  EXPECT_EQ(cause(0x1000, Access::Execute), FaultCause::File);
  EXPECT_EQ(cause(0x1000, Access::Read), FaultCause::File);
  EXPECT_EQ(cause(0x1000, Access::Write), FaultCause::ReadOnly);
  EXPECT_EQ(cause(0x3000, Access::Read), FaultCause::File);
  EXPECT_EQ(cause(0x3000, Access::Execute), FaultCause::NoExec);
  EXPECT_EQ(cause(0x3000, Access::Write), FaultCause::ReadOnly);
  EXPECT_EQ(cause(0x7000, Access::Write), FaultCause::File); // bss: loaded as zeros
  EXPECT_EQ(cause(0x6000, Access::Execute), FaultCause::NoExec);
  EXPECT_EQ(cause(0x4000, Access::Write), FaultCause::Lazy);
  EXPECT_EQ(cause(0x9000, Access::Read), FaultCause::ZeroRead); // above the image: the zero page
  const Pte mapped =
      Pte::make(PhysAddr(0x80001000), (PteFlag::R | PteFlag::W | PteFlag::U) | PteFlag::V);
  EXPECT_EQ(cause(0x5000, Access::Write, mapped), FaultCause::Unexpected);
  EXPECT_EQ(classify_fault(0x4000, 0x5000, Access::Read, Pte(0), image_segment(&im, 0x5000)),
            FaultCause::Outside);
  EXPECT_EQ(fault_action(FaultCause::File), FaultAction::LoadFromFile);
  EXPECT_STREQ(fault_cause_text(FaultCause::File), "executable changed");
}

TEST(ClassifyFault, CauseText) {
  EXPECT_STREQ(fault_cause_text(FaultCause::Guard), "access to the stack guard page");
  EXPECT_STREQ(fault_cause_text(FaultCause::Outside), "page fault outside user memory");
  EXPECT_STREQ(fault_cause_text(FaultCause::Cow), "out of memory for a copy-on-write page");
  EXPECT_STREQ(fault_cause_text(FaultCause::ZeroRead), "out of memory");
}

// ---- walk_range(): page tables built in host memory. A host pointer survives the PhysAddr round
// trip (from_ptr subtracts the direct-map base, as_ptr adds it back, both modulo 2^64), so the
// kernel's walk runs unchanged on them.

constexpr uint64 kMiB2 = sv39_span(1);
constexpr uint64 kGiB = sv39_span(2);
const PteFlag kUrw = PteFlag::R | PteFlag::W | PteFlag::U;

// A user page table in host memory: map() builds it like walk(Alloc::Yes) would, and every
// page-table page it allocates is tracked so that tests can count and free them.
class HostTable {
public:
  HostTable() : root_(new_page()) {}
  HostTable(const HostTable&) = delete;
  HostTable& operator=(const HostTable&) = delete;
  ~HostTable() {
    for (void* p : pages_)
      std::free(p);
  }

  PageTable root() const { return root_; }
  // Maps the 4 KiB page at va to a fake physical page (the walk never touches leaf memory).
  void map(uint64 va, PteFlag flags = kUrw) {
    *slot(va, 0) = Pte::make(PhysAddr(0x80000000 + va), PteFlag::V | flags);
  }
  // Maps the first n pages of the user half.
  void map_first(uint64 n) {
    for (uint64 i = 0; i < n; i++)
      map(i * kPageSize);
  }
  // Puts a leaf at `level` (a superpage) for va.
  void map_super(uint64 va, int level) {
    *slot(va, level) = Pte::make(PhysAddr(0x80000000), PteFlag::V | kUrw);
  }
  // The leaf slot for va, or nullptr if a table on the way is missing.
  Pte* find(uint64 va) const {
    PageTable pt = root_;
    for (int level = 2; level > 0; level--) {
      Pte e = pt[VirtAddr(va).px(level)];
      if (!e.valid())
        return nullptr;
      pt = table_of(e);
    }
    return &pt[VirtAddr(va).px(0)];
  }
  // Page-table pages still linked into the tree, root included.
  int live_tables() const { return count(root_, 2); }
  // Called by visitors when the walk prunes a table: it must be one of ours, and is freed later.
  void pruned(PageTable pt) {
    ASSERT_EQ(pages_.count(pt), 1u);
    ASSERT_TRUE(table_empty(pt));
    pruned_++;
  }
  int pruned_count() const { return pruned_; }

private:
  static PageTable new_page() {
    void* p = std::aligned_alloc(kPageSize, kPageSize);
    std::memset(p, 0, kPageSize);
    return static_cast<PageTable>(p);
  }
  Pte* slot(uint64 va, int leaf_level) {
    PageTable pt = root_;
    for (int level = 2; level > leaf_level; level--) {
      Pte& e = pt[VirtAddr(va).px(level)];
      if (!e.valid()) {
        PageTable page = new_page();
        pages_.insert(page);
        e = Pte::make(PhysAddr::from_ptr(page), PteFlag::V);
      }
      pt = table_of(e);
    }
    return &pt[VirtAddr(va).px(leaf_level)];
  }
  static int count(PageTable pt, int level) {
    int n = 1;
    for (int i = 0; i < kPtesPerPage && level > 0; i++) {
      if (pt[i].valid() && !pt[i].leaf())
        n += count(table_of(pt[i]), level - 1);
    }
    return n;
  }

  PageTable root_;
  std::set<void*> pages_{root_};
  int pruned_ = 0;
};

// Records what the walk shows it; removes leaves if `unmap` (as uvmunmap's visitor does).
struct Recorder : WalkVisitor {
  HostTable& t;
  bool unmap = false;
  uint64 stop_after = ~0ull; // leaves to visit before stopping the walk
  std::vector<std::pair<uint64, int>> leaves, tables;
  Recorder(HostTable& table, bool remove) : t(table), unmap(remove) {}
  bool table(uint64 va, Pte, int level) {
    tables.emplace_back(va, level);
    return true;
  }
  bool leaf(uint64 va, Pte& e, int level) {
    leaves.emplace_back(va, level);
    if (unmap)
      e = Pte(0);
    return leaves.size() < stop_after;
  }
  void free_table(PageTable pt) { t.pruned(pt); }
};

using Visits = std::vector<std::pair<uint64, int>>;

TEST(WalkRange, VisitsLeavesInAddressOrder) {
  HostTable t;
  const std::vector<uint64> vas = {3 * kGiB + 5 * kPageSize, 0,     kPageSize, 7 * kPageSize,
                                   kMiB2 - kPageSize,        kMiB2, 200 * kGiB};
  for (uint64 va : vas)
    t.map(va);
  Recorder r(t, false);
  EXPECT_TRUE(walk_range<Prune::Keep>(t.root(), 0, MAXVA, r));
  EXPECT_EQ(r.leaves, (Visits{{0, 0},
                              {kPageSize, 0},
                              {7 * kPageSize, 0},
                              {kMiB2 - kPageSize, 0},
                              {kMiB2, 0},
                              {3 * kGiB + 5 * kPageSize, 0},
                              {200 * kGiB, 0}}));
  // Tables pre-order: each before the leaves below it.
  EXPECT_EQ(r.tables, (Visits{{0, 2},
                              {0, 1},
                              {kMiB2, 1},
                              {3 * kGiB, 2},
                              {3 * kGiB, 1},
                              {200 * kGiB, 2},
                              {200 * kGiB, 1}}));
  EXPECT_EQ(t.pruned_count(), 0);
}

TEST(WalkRange, StopsWhenTheVisitorSaysSo) {
  HostTable t;
  t.map_first(10);
  Recorder r(t, true);
  r.stop_after = 4;
  // 4 leaves visited and removed, then the walk stops and says so.
  EXPECT_FALSE(walk_range<Prune::Covered>(t.root(), 0, kMiB2, r));
  EXPECT_FALSE(t.find(3 * kPageSize)->valid());
  // A stopped walk prunes nothing, even a table the range covers (leaves are left in it).
  EXPECT_EQ(t.pruned_count(), 0);
  EXPECT_TRUE(t.find(4 * kPageSize)->valid());
}

TEST(WalkRange, UnmapPartialRangeKeepsTheRest) {
  HostTable t;
  t.map_first(32);
  Recorder r(t, true);
  walk_range<Prune::Covered>(t.root(), 5 * kPageSize, 20 * kPageSize, r);
  ASSERT_EQ(r.leaves.size(), 15u);
  EXPECT_EQ(r.leaves.front().first, 5 * kPageSize);
  EXPECT_EQ(r.leaves.back().first, 19 * kPageSize);
  for (uint64 i = 0; i < 32; i++)
    EXPECT_EQ(t.find(i * kPageSize)->valid(), i < 5 || i >= 20) << i;
  // The level-0 table is only partly covered: it stays, though only some of it is left.
  EXPECT_EQ(t.pruned_count(), 0);
  EXPECT_EQ(t.live_tables(), 3);
}

TEST(WalkRange, CoveredTablesArePrunedAt2MiBAnd1GiBBoundaries) {
  HostTable t;
  // One page at each end of the 2 MiB table [2 MiB, 4 MiB), one just below it, one in the next
  // GiB: tables root, L1 for GiB 0, L0 x3 ([0,2M), [2M,4M), [4M,6M)), L1+L0 for GiB 1.
  t.map(kMiB2 - kPageSize);
  t.map(kMiB2);
  t.map(2 * kMiB2 - kPageSize);
  t.map(2 * kMiB2);
  t.map(kGiB);
  ASSERT_EQ(t.live_tables(), 7);
  Recorder r(t, true);
  // [2 MiB, 4 MiB) exactly: only that level-0 table is covered and pruned.
  walk_range<Prune::Covered>(t.root(), kMiB2, 2 * kMiB2, r);
  EXPECT_EQ(r.leaves, (Visits{{kMiB2, 0}, {2 * kMiB2 - kPageSize, 0}}));
  EXPECT_EQ(t.pruned_count(), 1);
  EXPECT_EQ(t.live_tables(), 6);
  EXPECT_EQ(t.find(kMiB2), nullptr);
  EXPECT_TRUE(t.find(kMiB2 - kPageSize)->valid());
  EXPECT_TRUE(t.find(2 * kMiB2)->valid());
  // [0, 1 GiB) covers the whole first GiB: its L1 and both remaining L0 tables go; GiB 1 stays.
  Recorder all(t, true);
  walk_range<Prune::Covered>(t.root(), 0, kGiB, all);
  EXPECT_EQ(all.leaves, (Visits{{kMiB2 - kPageSize, 0}, {2 * kMiB2, 0}}));
  EXPECT_EQ(t.pruned_count(), 4);
  EXPECT_EQ(t.live_tables(), 3);
  EXPECT_TRUE(t.find(kGiB)->valid());
}

TEST(WalkRange, TopOfTheUserHalf) {
  HostTable t;
  const uint64 heap_top = kHeapLimit - kPageSize;
  t.map(heap_top);
  t.map(TRAPFRAME, PteFlag::R | PteFlag::W);  // isolated model: trap frame and trampoline share
  t.map(TRAMPOLINE, PteFlag::R | PteFlag::X); // the heap's last level-0 table
  Recorder r(t, true);
  // A shrink to below the last page: the level-0 table is not covered (it spans up to MAXVA)...
  walk_range<Prune::Covered>(t.root(), heap_top, kHeapLimit, r);
  EXPECT_EQ(r.leaves, (Visits{{heap_top, 0}}));
  EXPECT_EQ(t.pruned_count(), 0);
  EXPECT_TRUE(t.find(TRAPFRAME)->valid());
  // ... nor empty, so a pruning walk keeps it too.
  Recorder prune(t, false);
  walk_range<Prune::Empty>(t.root(), heap_top, kHeapLimit, prune);
  EXPECT_EQ(t.pruned_count(), 0);
  // Unmapping the top two pages (as proc_freepagetable does) leaves the level-0 table empty but
  // not covered (it spans from below TRAPFRAME), so it stays...
  Recorder top(t, true);
  walk_range<Prune::Covered>(t.root(), TRAPFRAME, MAXVA, top);
  EXPECT_EQ(top.leaves, (Visits{{TRAPFRAME, 0}, {TRAMPOLINE, 0}}));
  EXPECT_EQ(t.pruned_count(), 0);
  EXPECT_EQ(t.live_tables(), 3);
  // ... until a pruning walk frees it, and then the level-1 table it emptied (post-order).
  Recorder sweep(t, false);
  walk_range<Prune::Empty>(t.root(), heap_top, MAXVA, sweep);
  EXPECT_EQ(t.pruned_count(), 2);
  EXPECT_EQ(t.live_tables(), 1);
  // A walk to MAXVA stops at root entry 255.
  Recorder last(t, false);
  t.map(MAXVA - kGiB);
  EXPECT_TRUE(walk_range<Prune::Keep>(t.root(), 0, MAXVA, last));
  EXPECT_EQ(last.leaves, (Visits{{MAXVA - kGiB, 0}}));
}

TEST(WalkRange, PruneEmptyFreesOnlyEmptiedTables) {
  HostTable t;
  t.map(0);
  t.map(kMiB2 + 3 * kPageSize);
  t.map(2 * kMiB2 + kPageSize);
  ASSERT_EQ(t.live_tables(), 5);
  // Clear two leaves by hand (as a failed grow's unmap would), then prune around them.
  *t.find(kMiB2 + 3 * kPageSize) = Pte(0);
  *t.find(2 * kMiB2 + kPageSize) = Pte(0);
  Recorder r(t, false);
  walk_range<Prune::Empty>(t.root(), kMiB2 + 3 * kPageSize, 2 * kMiB2 + 2 * kPageSize, r);
  EXPECT_TRUE(r.leaves.empty());
  EXPECT_EQ(t.pruned_count(), 2);
  EXPECT_EQ(t.live_tables(), 3); // root, L1, and the L0 that still maps page 0
  EXPECT_TRUE(t.find(0)->valid());
}

TEST(WalkRange, GroupEmptySkipsUntouchedStretches) {
  Pte group[16] = {};
  EXPECT_TRUE(group_empty(group));
  group[7] = Pte(static_cast<uint64>(PteFlag::V));
  EXPECT_FALSE(group_empty(group));
  EXPECT_TRUE(group_empty(group + 8));
  group[9] = Pte(static_cast<uint64>(PteFlag::R)); // not valid: still empty
  EXPECT_TRUE(group_empty(group + 8));
  // Leaves on either side of whole empty groups, and one at the last index of a group.
  HostTable t;
  for (uint64 i : {0ull, 7ull, 8ull, 63ull, 64ull, 511ull})
    t.map(i * kPageSize);
  Recorder r(t, false);
  walk_range<Prune::Keep>(t.root(), 0, kMiB2, r);
  EXPECT_EQ(r.leaves, (Visits{{0, 0},
                              {7 * kPageSize, 0},
                              {8 * kPageSize, 0},
                              {63 * kPageSize, 0},
                              {64 * kPageSize, 0},
                              {511 * kPageSize, 0}}));
  // A range that ends inside a group still sees the group's leaves before its end.
  Recorder part(t, false);
  walk_range<Prune::Keep>(t.root(), 0, 8 * kPageSize, part);
  EXPECT_EQ(part.leaves, (Visits{{0, 0}, {7 * kPageSize, 0}}));
}

TEST(ForEachValid, VisitsEveryValidEntryOfARangeInOrder) {
  Pte t[kPtesPerPage] = {};
  const std::vector<uint64> valid = {0, 7, 8, 9, 63, 64, 200, 503, 504, 510, 511};
  for (uint64 i : valid)
    t[i] = Pte((i << 10) | static_cast<uint64>(PteFlag::V | PteFlag::R));
  t[100] = Pte(static_cast<uint64>(PteFlag::R)); // not valid: never visited
  auto visit = [&](uint64 first, uint64 stop) {
    std::vector<uint64> seen;
    for_each_valid(t, first, stop, [&](uint64 i, uint64 raw) {
      EXPECT_EQ(raw, t[i].raw());
      seen.push_back(i);
    });
    return seen;
  };
  EXPECT_EQ(visit(0, kPtesPerPage), valid);
  // Ranges that start or stop inside a group of 8: only the entries in [first, stop).
  EXPECT_EQ(visit(9, 505), (std::vector<uint64>{9, 63, 64, 200, 503, 504}));
  EXPECT_EQ(visit(1, 8), (std::vector<uint64>{7}));
  EXPECT_EQ(visit(505, 510), (std::vector<uint64>{}));
  EXPECT_EQ(visit(8, 8), (std::vector<uint64>{}));
  // An entry the callback clears is not seen again; the rest still are.
  for_each_valid(t, 0, kPtesPerPage, [&](uint64 i, uint64) { t[i] = Pte(0); });
  EXPECT_EQ(visit(0, kPtesPerPage), (std::vector<uint64>{}));
}

TEST(WalkRange, SuperpageLeavesAreVisitedAtTheirLevel) {
  HostTable t;
  t.map_super(kGiB, 1);
  t.map_super(2 * kGiB, 2);
  Recorder r(t, false);
  walk_range<Prune::Keep>(t.root(), 0, MAXVA, r);
  EXPECT_EQ(r.leaves, (Visits{{kGiB, 1}, {2 * kGiB, 2}}));
}

} // namespace
