// The pure logic of user page tables, shared by the kernel (vm.cc) and the host unit tests
// (tests/kernel_vm): which user faults may be fixed and why the others kill the process, and the
// one walk over a range of a page table.
#pragma once

#include "kernel/addr.h"
#include "kernel/types.h"

enum class Access : uint8 { Read, Write, Execute };

// ---- The executable image a process runs (exec loads its pages on first touch)

// Our user.ld makes three PT_LOAD segments (text, rodata, data+bss); exec rejects more.
inline constexpr int kMaxImageSegments = 4;

// One PT_LOAD segment: the pages [vaddr, page_round_up(vaddr + memsz)) are backed by the file
// bytes [off, off + filesz) at vaddr, zeros after them. vaddr is page-aligned (elf_check_segment)
// and no two segments share a page.
struct ImageSegment {
  uint64 vaddr = 0;
  uint64 memsz = 0;
  uint64 off = 0;
  uint64 filesz = 0;
  PteFlag perm = PteFlag::None; // extra permissions (W, X); R and U are implied
};

// The executable a process runs: a counted reference to its inode, the inode's change count when
// exec read the headers, and the loadable segments, ascending and ending at `end` (page-aligned).
// ip is null for a process with no image (nseg == 0, end == 0).
struct ExecImage {
  struct Inode* ip = nullptr;
  uint64 gen = 0;
  uint64 end = 0;
  int nseg = 0;
  ImageSegment seg[kMaxImageSegments] = {};
};

// The segment of image (may be null) whose pages hold va, or nullptr.
[[nodiscard]] constexpr const ImageSegment* image_segment(const ExecImage* image, uint64 va) {
  if (image == nullptr || va >= image->end)
    return nullptr;
  for (int i = 0; i < image->nseg; i++) {
    const ImageSegment& s = image->seg[i];
    if (va >= s.vaddr && va - s.vaddr < page_round_up(s.memsz))
      return &s;
  }
  return nullptr;
}

// What a user page fault at va means, given the declared size sz and the leaf PTE for va's page
// (Pte(0) when no leaf is mapped).
enum class FaultCause : uint8 {
  File,      // an untouched page of a segment of the executable, accessed as its flags allow
  Lazy,      // a write to an untouched page inside [0, sz): map a private zeroed page
  ZeroRead,  // a read of an untouched page inside [0, sz): map the shared zero page read-only
  ZeroWrite, // a write to a mapping of the zero page: map a private zeroed page instead
  Cow,       // a write to a page fork shared (PteFlag::Cow): copy it, or take it over if alone
  Outside,   // va >= sz: beyond the process's memory
  Guard,     // mapped without PTE_U: the stack guard page (or a kernel-only page)
  ReadOnly,  // a write to a mapped page without PTE_W that is not COW or zero (text, rodata)
  NoExec,    // an instruction fetch from a page without PTE_X, or from an untouched (heap) page
  Unexpected // a mapped page that allows the access: this hart's TLB held a stale entry
};

// The cause of a user fault at va for access, given sz, va's leaf PTE (Pte(0) if unmapped) and the
// executable's segment holding va (nullptr if none): an untouched segment page is loaded from the
// file if the segment's flags allow the access, before any other untouched-page case.
[[nodiscard]] constexpr FaultCause classify_fault(uint64 sz, uint64 va, Access access, Pte leaf,
                                                  const ImageSegment* seg = nullptr) {
  if (va >= sz)
    return FaultCause::Outside;
  if (!leaf.valid() && seg != nullptr) {
    if (access == Access::Write && !any(seg->perm & PteFlag::W))
      return FaultCause::ReadOnly;
    if (access == Access::Execute && !any(seg->perm & PteFlag::X))
      return FaultCause::NoExec;
    return FaultCause::File;
  }
  if (!leaf.valid()) {
    if (access == Access::Execute)
      return FaultCause::NoExec;
    return access == Access::Write ? FaultCause::Lazy : FaultCause::ZeroRead;
  }
  if (!leaf.has(PteFlag::U))
    return FaultCause::Guard;
  if (access == Access::Write && !leaf.has(PteFlag::W)) {
    if (leaf.has(PteFlag::Cow))
      return FaultCause::Cow;
    return leaf.has(PteFlag::Zero) ? FaultCause::ZeroWrite : FaultCause::ReadOnly;
  }
  if (access == Access::Execute && !leaf.has(PteFlag::X))
    return FaultCause::NoExec;
  return FaultCause::Unexpected;
}

// What vm_fault() does about a cause: map a private zeroed page (in place of nothing or of the
// zero page), map the shared zero page, copy (or take over) a COW page, map a page filled from the
// executable, drop this hart's stale TLB entry for the page and retry (a page is mapped invalid ->
// valid with no fence, so the TLB may still hold the old entry), or kill the process.
enum class FaultAction : uint8 { Map, MapZeroPage, CopyOnWrite, LoadFromFile, FlushTlbEntry, Kill };

// The one decision: what vm_fault() does about cause c.
[[nodiscard]] constexpr FaultAction fault_action(FaultCause c) {
  switch (c) {
  case FaultCause::File:
    return FaultAction::LoadFromFile;
  case FaultCause::Lazy:
  case FaultCause::ZeroWrite:
    return FaultAction::Map;
  case FaultCause::ZeroRead:
    return FaultAction::MapZeroPage;
  case FaultCause::Cow:
    return FaultAction::CopyOnWrite;
  case FaultCause::Unexpected:
    return FaultAction::FlushTlbEntry;
  default:
    return FaultAction::Kill;
  }
}

// The one-line reason printed when a fault kills a process.
[[nodiscard]] constexpr const char* fault_cause_text(FaultCause c) {
  switch (c) {
  case FaultCause::File:
    return "executable changed"; // only reported when the file no longer holds the page
  case FaultCause::Lazy:
  case FaultCause::ZeroRead:
  case FaultCause::ZeroWrite:
    return "out of memory"; // only reported when an allocation failed
  case FaultCause::Cow:
    return "out of memory for a copy-on-write page";
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

// ---- One walk over a range of a page table
//
// Every pass over a range of user page-table entries (unmap, fork's copy, pruning after a failed
// grow, freeing the tables, vmprint) is walk_range() with a visitor: the walk knows Sv39's shape
// and what to skip, the visitor what to do at each entry. Pure (no allocator, no printing of its
// own), so the host tests run it on tables in host memory.

// The page-table page a valid non-leaf PTE points to.
[[nodiscard]] inline PageTable table_of(Pte pte) {
  return pte.pa().as_ptr<Pte>();
}

// True if none of the 8 PTEs at p is valid: walks skip untouched stretches of a page-table page 8
// entries at a time (one OR chain instead of 8 tests and branches).
[[nodiscard]] inline bool group_empty(const Pte* p) {
  const uint64 any = p[0].raw() | p[1].raw() | p[2].raw() | p[3].raw() | p[4].raw() | p[5].raw() |
                     p[6].raw() | p[7].raw();
  return (any & static_cast<uint64>(PteFlag::V)) == 0;
}

// Calls f(i, raw) for each valid entry t[i] with i in [first, stop), in order, raw being its value
// when read. Invalid entries are skipped 8 at a time where a group of 8 starts, so a valid entry
// costs a load, a test and the loop step beyond f (fork's and unmap's per-page loops).
template <typename F>
[[gnu::always_inline]] inline void for_each_valid(Pte* t, uint64 first, uint64 stop, F&& f) {
  for (uint64 i = first; i < stop; i++) {
    const uint64 raw = t[i].raw();
    if ((raw & static_cast<uint64>(PteFlag::V)) == 0) {
      if ((i & 7) == 0 && i + 8 <= stop && group_empty(&t[i]))
        i += 7;
      continue;
    }
    f(i, raw);
  }
}

// True if no entry of the page-table page pt is valid.
[[nodiscard]] inline bool table_empty(const Pte* pt) {
  for (int i = 0; i < kPtesPerPage; i += 8) {
    if (!group_empty(&pt[i]))
      return false;
  }
  return true;
}

// Which lower-level page-table pages walk_range() frees after visiting their part of the range.
enum class Prune : uint8 {
  Keep,    // none (readers, fork's copy, the printer)
  Covered, // those whose whole span lies inside the range: the visitor removed every leaf there
  Empty,   // those left with no valid entry (scans each visited page: for rare paths only)
};

// The hooks walk_range() calls; a visitor derives from this and hides the ones it needs. va is the
// first address the entry maps, level its page-table level (2 = root, 0 = 4 KiB leaves).
struct WalkVisitor {
  // A valid non-leaf entry, before its subtree is visited. False: skip that subtree.
  bool table(uint64 /*va*/, Pte /*pte*/, int /*level*/) { return true; }
  // A valid entry that is a leaf (or any valid entry at level 0). False: stop the whole walk.
  bool leaf(uint64 /*va*/, Pte& /*pte*/, int /*level*/) { return true; }
  // A page-table page the walk pruned (its PTE is already cleared): free it.
  void free_table(PageTable /*pt*/) {}
};

// walk_range() for the subtree pt at Level whose first address is base; [va, end) lies in it.
template <Prune P, int Level, typename V>
bool walk_level(PageTable pt, uint64 base, uint64 va, uint64 end, V& v) {
  constexpr uint64 span = sv39_span(Level);
  const uint64 last = (end - base + span - 1) / span; // one past the last index in range
  const uint64 stop = last < kPtesPerPage ? last : kPtesPerPage;
  for (uint64 i = (va - base) / span; i < stop; i++) {
    if ((i & 7) == 0 && i + 8 <= stop && group_empty(&pt[i])) {
      i += 7;
      continue;
    }
    Pte& e = pt[i];
    if (!e.valid())
      continue;
    const uint64 ebase = base + i * span;
    if (Level == 0 || e.leaf()) {
      if (!v.leaf(ebase, e, Level))
        return false;
      continue;
    }
    if constexpr (Level > 0) {
      if (!v.table(ebase, e, Level))
        continue;
      PageTable child = table_of(e);
      const uint64 lo = va > ebase ? va : ebase;
      const uint64 hi = end < ebase + span ? end : ebase + span;
      if (!walk_level<P, Level - 1>(child, ebase, lo, hi, v))
        return false;
      if ((P == Prune::Covered && lo == ebase && hi == ebase + span) ||
          (P == Prune::Empty && table_empty(child))) {
        e = Pte(0);
        v.free_table(child);
      }
    }
  }
  return true;
}

// Visits, in address order, the valid entries of the user-half table root that overlap [va, end)
// (page-aligned, end <= MAXVA): v.table() before a subtree, v.leaf() at each leaf, and after a
// subtree frees its page as P says (not once v.leaf() has stopped the walk: Covered relies on the
// visitor having removed every leaf). Skips invalid entries 8 at a time and never descends into an
// absent subtree. Returns false if v.leaf() stopped the walk.
template <Prune P, typename V> bool walk_range(PageTable root, uint64 va, uint64 end, V& v) {
  return walk_level<P, 2>(root, 0, va, end, v);
}
