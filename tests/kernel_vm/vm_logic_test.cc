// Page-table index math, PTE encoding and the lazy-fault decision (kernel/addr.h,
// kernel/vmlogic.h).
#include <gtest/gtest.h>

#include "kernel/addr.h"
#include "kernel/vm.h"
#include "kernel/vmlogic.h"

namespace {

TEST(Sv39, IndexSplit) {
  // va = L2 index 5, L1 index 0x1AB, L0 index 0x0CD, offset 0x123.
  const uint64 va = (5ull << 30) | (0x1ABull << 21) | (0x0CDull << 12) | 0x123;
  EXPECT_EQ(sv39_index(va, 2), 5u);
  EXPECT_EQ(sv39_index(va, 1), 0x1ABu);
  EXPECT_EQ(sv39_index(va, 0), 0x0CDu);
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
  EXPECT_EQ(sv39_index(MAXVA - 1, 2), 255u);
}

TEST(Sv39, TopOfUserSpace) {
  EXPECT_EQ(sv39_index(TRAMPOLINE, 2), 255u);
  EXPECT_EQ(sv39_index(TRAMPOLINE, 1), 511u);
  EXPECT_EQ(sv39_index(TRAMPOLINE, 0), 511u);
  EXPECT_EQ(sv39_index(TRAPFRAME, 0), 510u);
  // As in xv6, the heap may grow up to the trap frame: its last page shares the level-0 table
  // that holds the trap frame and trampoline.
  EXPECT_EQ(kHeapLimit, TRAPFRAME);
  EXPECT_EQ(sv39_index(kHeapLimit - 1, 2), 255u);
  EXPECT_EQ(sv39_index(kHeapLimit - 1, 1), 511u);
  EXPECT_EQ(sv39_index(kHeapLimit - 1, 0), 509u);
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

TEST(ClassifyFault, UntouchedInsideSizeIsLazy) {
  EXPECT_EQ(classify_fault(0x10000, 0x8000, Access::Read, Pte(0)), FaultCause::Lazy);
  EXPECT_EQ(classify_fault(0x10000, 0xFFFF, Access::Write, Pte(0)), FaultCause::Lazy);
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

// Only an untouched page is mapped; a PTE that already allows the access means a stale TLB entry
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
}

TEST(ClassifyFault, CauseText) {
  EXPECT_STREQ(fault_cause_text(FaultCause::Guard), "access to the stack guard page");
  EXPECT_STREQ(fault_cause_text(FaultCause::Outside), "page fault outside user memory");
}

} // namespace
