// The pure decisions of lazy allocation, shared by the kernel (vm.cc) and the host unit tests
// (tests/kernel_vm): which user faults may be fixed, and why the others kill the process.
#pragma once

#include "kernel/addr.h"
#include "kernel/types.h"

enum class Access : uint8 { Read, Write, Execute };

// What a user page fault at va means, given the declared size sz and the leaf PTE for va's page
// (Pte(0) when no leaf is mapped).
enum class FaultCause : uint8 {
  Lazy,      // an untouched page inside [0, sz), read or written: allocate and map it
  Outside,   // va >= sz: beyond the process's memory
  Guard,     // mapped without PTE_U: the stack guard page (or a kernel-only page)
  ReadOnly,  // a write to a mapped page without PTE_W (text, rodata)
  NoExec,    // an instruction fetch from a page without PTE_X, or from an untouched (heap) page
  Unexpected // a mapped page that allows the access: this hart's TLB held a stale entry
};

[[nodiscard]] constexpr FaultCause classify_fault(uint64 sz, uint64 va, Access access, Pte leaf) {
  if (va >= sz)
    return FaultCause::Outside;
  if (!leaf.valid())
    return access == Access::Execute ? FaultCause::NoExec : FaultCause::Lazy;
  if (!leaf.has(PteFlag::U))
    return FaultCause::Guard;
  if (access == Access::Write && !leaf.has(PteFlag::W))
    return FaultCause::ReadOnly;
  if (access == Access::Execute && !leaf.has(PteFlag::X))
    return FaultCause::NoExec;
  return FaultCause::Unexpected;
}

// What vm_fault() does about a cause: map a zeroed page, drop this hart's stale TLB entry for the
// page and retry (a page is mapped invalid -> valid with no fence, so the TLB may still hold the
// old entry), or kill the process.
enum class FaultAction : uint8 { Map, FlushTlbEntry, Kill };

[[nodiscard]] constexpr FaultAction fault_action(FaultCause c) {
  if (c == FaultCause::Lazy)
    return FaultAction::Map;
  if (c == FaultCause::Unexpected)
    return FaultAction::FlushTlbEntry;
  return FaultAction::Kill;
}

// The one-line reason printed when a fault kills a process.
[[nodiscard]] constexpr const char* fault_cause_text(FaultCause c) {
  switch (c) {
  case FaultCause::Lazy:
    return "out of memory"; // only reported when the allocation failed
  case FaultCause::Outside:
    return "page fault outside user memory";
  case FaultCause::Guard:
    return "access to the stack guard page";
  case FaultCause::ReadOnly:
    return "write to a read-only page";
  case FaultCause::NoExec:
    return "instruction fetch from a non-executable page";
  case FaultCause::Unexpected:
    return "unexpected fault on a mapped page";
  }
  return "fault";
}

// Sv39 index of va in the page-table page at `level` (2 = root), and the bytes one entry spans
// there.
[[nodiscard]] constexpr uint64 sv39_index(uint64 va, int level) {
  return (va >> (kPageShift + 9 * level)) & 0x1FF;
}
[[nodiscard]] constexpr uint64 sv39_span(int level) {
  return 1ull << (kPageShift + 9 * level);
}
