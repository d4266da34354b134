// Sv39 page tables: the kernel's direct map, and user address spaces with lazy allocation,
// copy-on-write fork and the shared zero page.
#include "kernel/vm.h"

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/kalloc.h"
#include "kernel/kstring.h"
#include "kernel/poweroff.h"
#include "kernel/printf.h"
#include "kernel/spinlock.h"

extern char etext[];      // kernel.ld: end of kernel text
extern char trampoline[]; // trampoline.S

constinit PageTable kernel_pagetable = nullptr;

namespace {

constinit uint64 total_faults = 0;     // all processes; updated atomically
constinit uint64 total_cow_faults = 0; // of those, COW and zero-page writes; atomically
// The shared zero page (set once by kvminit): mapped read-only (PteFlag::Zero) for reads of
// untouched pages, never written, never freed, and not reference-counted.
constinit void* zero_page = nullptr;
constinit bool kernel_map_complete = false; // set by kvminit: the kernel half is final
// The valid root entries of the kernel half (a handful: devices, RAM, kernel stacks), which
// uvmcreate() copies into every user root; set once by kvminit.
constinit uint16 kernel_roots[kPtesPerPage - kUserRootPtes] = {};
constinit int nkernel_roots = 0;

// ---------------------------------------------------------------------------------------------------
// Sv39, the page-table format walk() and walk_range() (vmlogic.h) follow.
//
// A virtual address has 39 significant bits, split 9 | 9 | 9 | 12. The three 9-bit fields
// (VirtAddr::px(level), xv6's PX) index three levels of page-table pages, each one 4 KiB page of
// 512 8-byte PTEs: level 2 is the root (its physical page number is in satp), level 0 holds the
// leaves; the low 12 bits are the offset in the 4 KiB page. A PTE holds a physical page number in
// bits 10..53 and flags in bits 0..9 (V R W X U G A D): a valid PTE with none of R, W, X points to
// the next level, one with any of them is a leaf. A leaf at level 1 or 2 would map a 2 MiB or 1 GiB
// superpage; the user half uses only level-0 leaves (lazy faults, fork and unmap all work a 4 KiB
// page at a time, as in xv6), and only the boot page table (start.cc) uses 1 GiB leaves. Bits
// 39..63 must copy bit 38: root entries 0..255 map the user half [0, MAXVA = 2^38), entries
// 256..511 the kernel half from 0xffffffc0_00000000 (memlayout.h).

// walk() without its MAXVA check (callers check): returns the leaf slot for va in pt, allocating
// missing page-table pages (charged to stats if non-null) if alloc; nullptr if a level is missing
// and !alloc, or no page is free. Always inlined into the hot callers (vm_fault, user_pte).
[[gnu::always_inline]] inline Pte* walk_inline(PageTable pt, VirtAddr va, Alloc alloc,
                                               VmStats* stats) {
  for (int level = 2; level > 0; level--) {
    Pte* pte = &pt[va.px(level)];
    if (pte->valid()) {
      pt = table_of(*pte);
      continue;
    }
    if (alloc == Alloc::No)
      return nullptr;
    void* page = kzalloc();
    if (page == nullptr)
      return nullptr;
    if (stats != nullptr)
      stats->ptpages++;
    *pte = Pte::make(PhysAddr::from_ptr(page), PteFlag::V);
    pt = static_cast<PageTable>(page);
  }
  return &pt[va.px(0)];
}

// mappages() for any canonical va, user or kernel half (kvmmap uses it for the kernel half). Panics
// on a misaligned range or a remap; NoMemory if a page-table page cannot be allocated (pages mapped
// so far stay mapped). Counts leaves below kHeapLimit as resident in stats if non-null.
Result<void> map_pages(PageTable pt, VirtAddr va, uint64 size, PhysAddr pa, PteFlag perm,
                       VmStats* stats) {
  if (!va.is_page_aligned() || (size & (kPageSize - 1)) != 0 || size == 0)
    panic("mappages: misaligned");
  uint64 a = va.raw();
  const uint64 last = a + size - kPageSize;
  uint64 p = pa.raw();
  for (;;) {
    Pte* pte = walk_inline(pt, VirtAddr(a), Alloc::Yes, stats);
    if (pte == nullptr)
      return Error::NoMemory;
    if (pte->valid())
      panic("mappages: remap at %p", reinterpret_cast<void*>(a));
    *pte = Pte::make(PhysAddr(p), perm | PteFlag::V);
    if (stats != nullptr && a < kHeapLimit)
      stats->resident++;
    if (a == last)
      break;
    a += kPageSize;
    p += kPageSize;
  }
  return {};
}

// Maps physical [pa, pa+size) at its direct-map address in the kernel page table.
void kvmmap_direct(PageTable kpt, uint64 pa, uint64 size, PteFlag perm) {
  kvmmap(kpt, VirtAddr(pa + kDirectMap), PhysAddr(pa), size, perm);
}

// The kernel's page table, all in the upper half (memlayout.h): devices and RAM at the direct map
// (kernel text R-X, the rest R-W, nothing PTE_U), a kernel stack (with an unmapped guard page
// below) per process slot, and in the isolated trap model the trampoline at TRAMPOLINE.
PageTable kvmmake() {
  PageTable kpt = static_cast<PageTable>(kzalloc());
  if (kpt == nullptr)
    panic("kvmmake: out of memory");
  const PteFlag rw = PteFlag::R | PteFlag::W;
  const PteFlag rx = PteFlag::R | PteFlag::X;
  kvmmap_direct(kpt, kSifiveTest, kPageSize, rw); // poweroff
  kvmmap_direct(kpt, UART0, kPageSize, rw);
  kvmmap_direct(kpt, VIRTIO0, kPageSize, rw);
  kvmmap_direct(kpt, PLIC, 0x4000000, rw);
  const uint64 text_end = PhysAddr::from_ptr(etext).raw();
  kvmmap_direct(kpt, KERNBASE, text_end - KERNBASE, rx);
  kvmmap_direct(kpt, text_end, kram_end().raw() - text_end, rw);
  if constexpr (kIsolatedTraps)
    kvmmap(kpt, VirtAddr(TRAMPOLINE), PhysAddr::from_ptr(trampoline), kPageSize, rx);
  // One kernel stack page per process slot at KSTACK(i); the page below each stays unmapped.
  for (int i = 0; i < NPROC; i++) {
    void* stack = kalloc();
    if (stack == nullptr)
      panic("kvmmake: out of memory for kernel stacks");
    kvmmap(kpt, VirtAddr(KSTACK(i)), PhysAddr::from_ptr(stack), kPageSize, rw);
  }
  return kpt;
}

// Root pages of freed user tables that a hart still had in satp (shared model: a hart keeps the
// last process's table while it looks for the next one, and runs the kernel through its upper
// half), freed by reap_retired() once no hart does. At most one per hart: a hart holds one table.
// free_root() checks and retires under the lock, and switchuvm() publishes the hart's new table
// before reaping under it, so a retired root is always freed by one side or the other.
constinit Spinlock retired_lock("retired");
constinit PageTable retired[NCPU] GUARDED_BY(retired_lock) = {};
// Entries in use in retired: written under retired_lock, read atomically by vm_retired_pages().
constinit uint64 nretired = 0;

// Whether some hart's satp holds pt (Cpu::pagetable, read atomically). Caller holds retired_lock.
bool in_some_satp(PageTable pt) {
  for (const Cpu& c : cpus) {
    if (__atomic_load_n(&c.pagetable, __ATOMIC_ACQUIRE) == pt)
      return true;
  }
  return false;
}

// Frees a user root page now, or retires it if a hart's satp still holds it. Takes retired_lock.
void free_root(PageTable pt) {
  SpinGuard guard(retired_lock);
  if (!in_some_satp(pt)) {
    kfree(pt);
    return;
  }
  for (PageTable& slot : retired) {
    if (slot == nullptr) {
      slot = pt;
      __atomic_store_n(&nretired, nretired + 1, __ATOMIC_RELAXED);
      return;
    }
  }
  panic("free_root: more retired page tables than harts");
}

// Frees the retired roots no hart's satp holds any more. Takes retired_lock.
void reap_retired() {
  SpinGuard guard(retired_lock);
  for (PageTable& slot : retired) {
    if (slot != nullptr && !in_some_satp(slot)) {
      free_count_begin(); // the root goes from retired to free: never counted twice
      kfree(slot);
      slot = nullptr;
      __atomic_store_n(&nretired, nretired - 1, __ATOMIC_RELAXED);
      free_count_end();
    }
  }
}

// The leaf PTE for the page va0 of m, going through vm_fault (if m allows faults) when the page is
// untouched, or for a write when it is not writable (a COW or zero-page mapping is made private
// there; text stays read-only). nullptr if it is not mapped and cannot be.
Pte* user_pte(const UserMem& m, uint64 va0, Access access) {
  if (va0 >= kMaxVa)
    return nullptr;
  Pte* pte = walk_inline(m.pt, VirtAddr(va0), Alloc::No, nullptr);
  const bool mapped = pte != nullptr && pte->valid();
  if (mapped && (access != Access::Write || pte->has(PteFlag::W)))
    return pte;
  if (m.stats == nullptr)
    return mapped ? pte : nullptr;
  if (vm_fault(m.pt, m.sz, VirtAddr(va0), access, *m.stats, m.image).result != FaultResult::Handled)
    return nullptr;
  return walk(m.pt, VirtAddr(va0), Alloc::No);
}

// Frees the page-table pages a walk prunes, charging stats. Used on ranges that hold no leaf any
// more (freewalk, a failed grow's undo): a leaf there is a kernel bug.
struct TableFreer : WalkVisitor {
  VmStats& stats;
  explicit TableFreer(VmStats& s) : stats(s) {}
  bool leaf(uint64 va, Pte&, int) {
    panic("vm: leaf still mapped at %p in a table being freed", reinterpret_cast<void*>(va));
  }
  void free_table(PageTable pt) {
    kfree(pt);
    stats.ptpages--;
  }
};

// Removes every leaf in [lo, hi) (4 KiB pages only: a superpage or a non-leaf at level 0 is a
// kernel bug), dropping its reference to the physical page if free_pages (the zero page has none);
// with Prune::Covered the walk also frees the tables the range covers. Each level-0 table is
// emptied in one loop from table() (counters in registers, the reference count inline: exit and
// shrink cost a few instructions per page), so the walk then finds it empty.
struct Unmapper : TableFreer {
  Free free_pages;
  uint64 lo, hi;
  Unmapper(VmStats& s, Free f, uint64 l, uint64 h) : TableFreer(s), free_pages(f), lo(l), hi(h) {}
  bool leaf(uint64 va, Pte&, int) {
    panic("uvmunmap: not a 4 KiB leaf at %p", reinterpret_cast<void*>(va));
  }
  bool table(uint64 va, Pte pte, int level) {
    if (level != 1)
      return true;
    Pte* t = table_of(pte);
    const uint64 first = (lo > va ? lo - va : 0) / kPageSize;
    const uint64 stop = hi < va + sv39_span(1) ? (hi - va) / kPageSize : kPtesPerPage;
    // Entries below this index lie below kHeapLimit (counted in stats.resident).
    const uint64 below = kHeapLimit > va ? (kHeapLimit - va) / kPageSize : 0;
    // A user leaf has R (a non-leaf has none of R, W, X): the common one is a private or COW page.
    constexpr uint64 kTest = static_cast<uint64>(PteFlag::V | PteFlag::R | PteFlag::Zero);
    constexpr uint64 kPage = static_cast<uint64>(PteFlag::V | PteFlag::R);
    const PageRefs refs;
    uint64 resident = 0, zero = 0, cow = 0;
    // Drops a private or COW page: a page another process still maps only loses a reference.
    auto release = [&](Pte e) {
      cow += e.has(PteFlag::Cow) ? 1 : 0;
      if (free_pages == Free::Yes && !refs.drop_shared(e.pa()))
        kfree_unshared(e.pa().as_ptr());
    };
    for_each_valid(t, first, stop, [&](uint64 i, uint64 raw) {
      const Pte e(raw);
      if ((raw & kTest) == kPage) {
        release(e);
      } else if (!e.leaf()) {
        panic("uvmunmap: not a 4 KiB leaf at %p", reinterpret_cast<void*>(va + i * kPageSize));
      } else if (e.has(PteFlag::Zero)) {
        zero++;
      } else {
        release(e); // a leaf without R: none is made, but it would be freed like any other
      }
      t[i] = Pte(0);
      resident += i < below ? 1 : 0;
    });
    stats.resident -= resident;
    stats.zero_mapped -= zero;
    stats.shared -= cow;
    return true;
  }
};

// Prints each valid entry in the 2024 lab format: " .." per level from the root down, then the
// entry's va, raw PTE and physical address, and " cow" or " zero" after a COW or zero-page leaf,
// in one printf so that the line stays whole.
struct Printer : WalkVisitor {
  static void line(uint64 va, Pte e, int level) {
    constexpr char kDots[] = " .. .. .."; // " .." per level from 2 down to `level`
    const char* mark = e.has(PteFlag::Cow) ? " cow" : e.has(PteFlag::Zero) ? " zero" : "";
    printf("%s%p: pte %p pa %p%s\n", kDots + 3 * level, reinterpret_cast<void*>(va),
           reinterpret_cast<void*>(e.raw()), reinterpret_cast<void*>(e.pa().raw()), mark);
  }
  bool table(uint64 va, Pte e, int level) {
    line(va, e, level);
    return true;
  }
  bool leaf(uint64 va, Pte& e, int level) {
    line(va, e, level);
    return true;
  }
};

} // namespace

// ---------------------------------------------------------------------------------------------------
// Kernel page table

// Hart 0, once, before any user table exists: builds the kernel page table (devices, kernel
// text/data, RAM, stacks; the trampoline in the isolated model) and the zero page. The kernel
// half is final after it.
void kvminit() {
  kernel_pagetable = kvmmake();
  zero_page = kzalloc();
  if (zero_page == nullptr)
    panic("kvminit: out of memory for the zero page");
  for (int i = kUserRootPtes; i < kPtesPerPage; i++) {
    if (kernel_pagetable[i].valid())
      kernel_roots[nkernel_roots++] = static_cast<uint16>(i);
  }
  // From here on the kernel half never changes: every user root made later copies its root
  // entries (uvmcreate), and they point at the same lower-level tables, which stay as they are.
  __atomic_store_n(&kernel_map_complete, true, __ATOMIC_RELEASE);
}

// Every hart, after kvminit: switches satp from the boot page table to kernel_pagetable, flushes
// the TLB and records the table as this hart's (Cpu::pagetable).
void kvminithart() {
  arch::sfence_vma(); // finish writes to the page table before using it
  LAZYV6_CSR_WRITE(satp, arch::make_satp(kernel_pagetable));
  arch::sfence_vma(); // drop the boot page table's entries from the TLB
  __atomic_store_n(&mycpu()->pagetable, kernel_pagetable, __ATOMIC_RELEASE);
}

// Maps [va, va+size) to [pa, pa+size) with perm in kpt during boot, before kvminit returns (the
// kernel half must be final before user tables copy it). Panics if it cannot.
void kvmmap(PageTable kpt, VirtAddr va, PhysAddr pa, uint64 size, PteFlag perm) {
  if (__atomic_load_n(&kernel_map_complete, __ATOMIC_ACQUIRE))
    panic("kvmmap: kernel map is complete");
  if (!map_pages(kpt, va, size, pa, perm, nullptr).ok())
    panic("kvmmap: out of memory");
}

// Shared model: makes pt (a user table, or kernel_pagetable) this hart's address space. Writes
// satp and flushes the TLB only if pt is not already there (then frees retired roots no hart uses
// any more); if it is, flushes only if changed_elsewhere (its process ran on another hart since).
// Isolated model: nothing (the kernel always runs on kernel_pagetable). Interrupts off.
void switchuvm(PageTable pt, bool changed_elsewhere) {
  if constexpr (kIsolatedTraps)
    return;
  Cpu* c = mycpu();
  if (c->pagetable == pt) {
    // Still this hart's table, but another hart may have unmapped pages of it since: drop them.
    if (changed_elsewhere)
      arch::sfence_vma();
    return;
  }
  // No ASIDs: the fence drops the previous address space's entries (and orders earlier page-table
  // writes before the walks under pt).
  LAZYV6_CSR_WRITE(satp, arch::make_satp(pt));
  arch::sfence_vma();
  __atomic_store_n(&c->pagetable, pt, __ATOMIC_SEQ_CST);
  reap_retired();
}

// Shared model, for a hart about to idle: if its satp holds a freed process's root, switches to
// kernel_pagetable so that the root is freed now (a live process's table stays, so that it comes
// back without a flush). Interrupts off; takes retired_lock.
void leave_retired() {
  if constexpr (kIsolatedTraps)
    return;
  if (__atomic_load_n(&nretired, __ATOMIC_RELAXED) == 0)
    return;
  bool holds_retired = false;
  {
    SpinGuard guard(retired_lock);
    for (PageTable slot : retired)
      holds_retired = holds_retired || (slot != nullptr && slot == mycpu()->pagetable);
  }
  if (holds_retired)
    switchuvm(kernel_pagetable);
}

// Drops this hart's TLB entries for the npages pages from va, after they were unmapped or
// weakened: one sfence.vma per page for a few pages, one whole flush for more.
void flush_tlb(VirtAddr va, uint64 npages) {
  constexpr uint64 kPageFlushMax = 8; // beyond this, one whole flush is cheaper
  if (npages > kPageFlushMax) {
    arch::sfence_vma();
    return;
  }
  for (uint64 i = 0; i < npages; i++)
    arch::sfence_vma(va + i * kPageSize);
}

// ---------------------------------------------------------------------------------------------------
// Page-table primitives (Sv39: see the top of this file)

// Returns the address of the level-0 PTE for va in pt, allocating missing page-table pages
// (charged to stats if non-null) if alloc. nullptr if va >= MAXVA, or a level is missing and
// !alloc, or no page is free.
Pte* walk(PageTable pt, VirtAddr va, Alloc alloc, VmStats* stats) {
  if (va.raw() >= kMaxVa)
    return nullptr;
  return walk_inline(pt, va, alloc, stats);
}

// Looks up a user virtual address: the physical address of the PTE_U page mapping va, or
// BadAddress. Never faults a page in.
Result<PhysAddr> walkaddr(PageTable pt, VirtAddr va) {
  Pte* pte = walk(pt, va, Alloc::No);
  if (pte == nullptr || !pte->has(PteFlag::V | PteFlag::U))
    return Error::BadAddress;
  return pte->pa();
}

// Maps the user-half range [va, va+size) to [pa, pa+size) with perm|V (va and size page-aligned).
// Panics on a remap or a range beyond MAXVA; NoMemory if a page-table page cannot be allocated
// (pages mapped so far stay mapped). Charges stats if non-null.
Result<void> mappages(PageTable pt, VirtAddr va, uint64 size, PhysAddr pa, PteFlag perm,
                      VmStats* stats) {
  if (va.raw() >= kMaxVa || size > kMaxVa - va.raw())
    panic("mappages: beyond MAXVA at %p", reinterpret_cast<void*>(va.raw()));
  return map_pages(pt, va, size, pa, perm, stats);
}

// ---------------------------------------------------------------------------------------------------
// User address spaces

// A new user page table with an empty user half (root charged to stats), or nullptr if no page is
// free. In the shared model its kernel half holds kernel_pagetable's root entries.
PageTable uvmcreate(VmStats& stats) {
  PageTable pt = static_cast<PageTable>(kzalloc());
  if (pt == nullptr)
    return nullptr;
  stats.ptpages++;
  if constexpr (!kIsolatedTraps) {
    for (int k = 0; k < nkernel_roots; k++)
      pt[kernel_roots[k]] = kernel_pagetable[kernel_roots[k]];
  }
  return pt;
}

// Unmaps the npages pages from va (page-aligned), skipping unmapped pages and absent page-table
// subtrees; frees the physical pages if free == Free::Yes, and the page-table pages whose whole
// span the range covers. Does not flush the TLB (callers still running on pt do: flush_tlb()).
void uvmunmap(PageTable pt, VirtAddr va, uint64 npages, Free free, VmStats& stats) {
  if (!va.is_page_aligned())
    panic("uvmunmap: not aligned");
  if (npages == 0)
    return;
  uint64 end = va.raw() + npages * kPageSize;
  if (end > kMaxVa || end < va.raw())
    panic("uvmunmap: range beyond MAXVA");
  Unmapper unmapper(stats, free, va.raw(), end);
  walk_range<Prune::Covered>(pt, va.raw(), end, unmapper);
}

// Undoes a failed uvmalloc of [start, a): unmaps and frees its pages, then frees the page-table
// pages around [start, a] that are left with no valid entry (the grow must leave nothing behind; a
// table that also holds the trap frame or trampoline is never empty).
static void uvmalloc_undo(PageTable pt, uint64 start, uint64 a, VmStats& stats) {
  if (a > start)
    uvmunmap(pt, VirtAddr(start), (a - start) / kPageSize, Free::Yes, stats);
  TableFreer pruner(stats);
  walk_range<Prune::Empty>(pt, start, a + kPageSize, pruner);
}

// Eagerly grows [oldsz, newsz) (newsz <= MAXVA): allocates, zeroes and maps every page R|U|xperm.
// Returns newsz (oldsz if newsz <= oldsz), or TooBig/NoMemory after undoing everything it did.
Result<uint64> uvmalloc(PageTable pt, uint64 oldsz, uint64 newsz, PteFlag xperm, VmStats& stats) {
  if (newsz <= oldsz)
    return oldsz;
  if (newsz > kMaxVa)
    return Error::TooBig;
  const PteFlag perm = PteFlag::V | PteFlag::R | PteFlag::U | xperm;
  const uint64 start = page_round_up(oldsz);
  Pte* leaves = nullptr; // the level-0 table holding the current page's PTE
  for (uint64 a = start; a < newsz; a += kPageSize) {
    if (leaves == nullptr || VirtAddr(a).px(0) == 0) { // walk once per 2 MiB
      Pte* pte = walk(pt, VirtAddr(a), Alloc::Yes, &stats);
      if (pte == nullptr) {
        uvmalloc_undo(pt, start, a, stats);
        return Error::NoMemory;
      }
      leaves = pte - VirtAddr(a).px(0);
    }
    void* mem = kzalloc();
    if (mem == nullptr) {
      uvmalloc_undo(pt, start, a, stats);
      return Error::NoMemory;
    }
    Pte& e = leaves[VirtAddr(a).px(0)];
    if (e.valid())
      panic("uvmalloc: remap at %p", reinterpret_cast<void*>(a));
    e = Pte::make(PhysAddr::from_ptr(mem), perm);
    stats.resident++;
  }
  return newsz;
}

// Shrinks [0, oldsz) to [0, newsz): unmaps and frees every mapped page at or above
// page_round_up(newsz), untouched pages costing nothing. Returns newsz (oldsz if not a shrink).
// Does not flush the TLB.
uint64 uvmdealloc(PageTable pt, uint64 oldsz, uint64 newsz, VmStats& stats) {
  if (newsz >= oldsz)
    return oldsz;
  uint64 lo = page_round_up(newsz);
  uint64 hi = page_round_up(oldsz);
  if (lo < hi)
    uvmunmap(pt, VirtAddr(lo), (hi - lo) / kPageSize, Free::Yes, stats);
  return newsz;
}

// Frees the page-table pages of pt's user half, then its root (now, or once no hart's satp holds
// it: free_root). Every user leaf must already be unmapped (panics otherwise).
void freewalk(PageTable pt, VmStats& stats) {
  TableFreer freer(stats);
  walk_range<Prune::Covered>(pt, 0, kMaxVa, freer);
  free_root(pt);
  stats.ptpages--;
}

// Frees all user memory in [0, sz), then every page-table page and the root.
void uvmfree(PageTable pt, uint64 sz, VmStats& stats) {
  if (sz > 0)
    uvmunmap(pt, VirtAddr(0), page_round_up(sz) / kPageSize, Free::Yes, stats);
  freewalk(pt, stats);
}

// For fork: maps every MAPPED page of old in [0, sz) into new_pt at the same address (new_pt's
// counters charged), sharing the physical page (one more reference) instead of copying it. A
// writable page loses PTE_W and gains PteFlag::Cow in BOTH tables; read-only pages (text) and
// zero-page mappings are shared as they are; unmapped pages stay unmapped in both. Allocates only
// page-table pages. Flushes this hart's TLB if it weakened a PTE of old: old is the running
// process's table, and a hart it ran on before flushes when it runs there again (scheduler:
// last_cpu). ForkCopy::Eager instead gives the child a private copy of every page but zero-page
// mappings (xv6's fork) and leaves old as it is. On failure unmaps what it mapped, makes the pages
// it made COW writable again, and returns NoMemory.
Result<void> uvmcopy(PageTable old, PageTable new_pt, uint64 sz, VmStats& old_stats,
                     VmStats& new_stats, ForkCopy how) {
  struct Sharer : WalkVisitor {
    PageTable new_pt;
    VmStats& old_stats;
    VmStats& new_stats;
    ForkCopy how;
    Pte* leaves = nullptr; // new_pt's level-0 table for block (walked once per 2 MiB)
    uint64 block = 0;
    bool failed = false;
    uint64 failed_at = 0; // where, if failed: pages below it are mapped in new_pt
    // Counted here and added to the stats once (all leaves lie below sz <= kHeapLimit).
    uint64 mapped = 0, zero = 0, cow = 0, weakened = 0;
    uint64 end;
    Sharer(PageTable pt, VmStats& o, VmStats& n, ForkCopy h, uint64 e)
        : new_pt(pt), old_stats(o), new_stats(n), how(h), end(e) {}
    // new_pt's level-0 table for the 2 MiB block holding va, made if missing (nullptr: no page).
    Pte* leaves_for(uint64 va) {
      if (leaves == nullptr || va / sv39_span(1) != block) {
        Pte* slot = walk(new_pt, VirtAddr(va), Alloc::Yes, &new_stats);
        if (slot == nullptr)
          return nullptr;
        leaves = slot - VirtAddr(va).px(0);
        block = va / sv39_span(1);
      }
      return leaves;
    }
    // Copy-on-write: shares a whole level-0 table of old (for [va, va + 2 MiB), up to end) in one
    // loop, counters in registers and the reference count inline: a few instructions per page.
    bool table(uint64 va, Pte pte, int level) {
      if (level != 1 || how == ForkCopy::Eager)
        return true; // Eager copies page by page in leaf()
      if (failed)
        return false; // out of memory earlier: the walk only runs out
      Pte* dst = leaves_for(va);
      if (dst == nullptr) {
        failed = true;
        failed_at = va;
        return false;
      }
      Pte* src = table_of(pte);
      const uint64 stop = end < va + sv39_span(1) ? (end - va) / kPageSize : kPtesPerPage;
      // The common page is private and writable: V and W set, neither Cow nor Zero. Flipping W and
      // Cow makes it COW; it is stored in both tables and gains a sharer.
      constexpr uint64 kTest =
          static_cast<uint64>(PteFlag::V | PteFlag::W | PteFlag::Cow | PteFlag::Zero);
      constexpr uint64 kWritable = static_cast<uint64>(PteFlag::V | PteFlag::W);
      constexpr uint64 kToCow = static_cast<uint64>(PteFlag::W | PteFlag::Cow);
      const PageRefs refs;
      uint64 n = 0, z = 0, c = 0, w = 0;
      for_each_valid(src, 0, stop, [&](uint64 i, uint64 raw) {
        if ((raw & kTest) == kWritable) {
          raw ^= kToCow;
          src[i] = Pte(raw);
          dst[i] = Pte(raw);
          refs.inc(Pte(raw).pa());
          w++;
          return;
        }
        if (!Pte(raw).leaf())
          panic("uvmcopy: not a 4 KiB leaf at %p", reinterpret_cast<void*>(va + i * kPageSize));
        n++;
        if (Pte(raw).has(PteFlag::Zero)) {
          z++;
        } else {
          refs.inc(Pte(raw).pa()); // read-only (text) or already COW: shared as it is
          c += Pte(raw).has(PteFlag::Cow) ? 1 : 0;
        }
        dst[i] = Pte(raw);
      });
      n += w, c += w; // the pages made COW here are mapped and COW in new_pt too
      mapped += n, zero += z, cow += c, weakened += w;
      return false; // done with this table
    }
    // A leaf the table loop did not take: a superpage (a kernel bug), or with ForkCopy::Eager a
    // page to copy.
    bool leaf(uint64 va, Pte& pte, int level) {
      if (level != 0)
        panic("uvmcopy: superpage at %p", reinterpret_cast<void*>(va));
      if (leaves_for(va) == nullptr) {
        failed = true;
        failed_at = va;
        return false;
      }
      if (pte.has(PteFlag::Zero)) {
        mapped++;
        zero++;
        leaves[VirtAddr(va).px(0)] = pte;
        return true;
      }
      return copy(va, pte);
    }
    // ForkCopy::Eager: maps a private copy of pte's page at va (writable if pte is COW).
    bool copy(uint64 va, const Pte& pte) {
      void* mem = kalloc();
      if (mem == nullptr) {
        failed = true;
        failed_at = va;
        return false;
      }
      copy_page(mem, pte.pa().as_ptr());
      PteFlag flags = pte.flags();
      if (pte.has(PteFlag::Cow))
        flags = (flags & ~PteFlag::Cow) | PteFlag::W;
      leaves[VirtAddr(va).px(0)] = Pte::make(PhysAddr::from_ptr(mem), flags);
      mapped++;
      return true;
    }
  } sharer(new_pt, old_stats, new_stats, how, page_round_up(sz));
  // Undoing a failed fork: a COW page of old that no other table maps any more is made writable
  // again (what its next write fault would do), so old is as before the fork.
  struct Restorer : WalkVisitor {
    VmStats& stats;
    explicit Restorer(VmStats& s) : stats(s) {}
    bool leaf(uint64, Pte& pte, int) {
      if (pte.has(PteFlag::Cow) && kref_count(pte.pa()) == 1) {
        pte =
            Pte((pte.raw() & ~static_cast<uint64>(PteFlag::Cow)) | static_cast<uint64>(PteFlag::W));
        stats.shared--;
      }
      return true;
    }
  };
  const bool ok = walk_range<Prune::Keep>(old, 0, page_round_up(sz), sharer) && !sharer.failed;
  new_stats.resident += sharer.mapped;
  new_stats.zero_mapped += sharer.zero;
  new_stats.shared += sharer.cow;
  old_stats.shared += sharer.weakened;
  if (!ok) {
    if (sharer.failed_at > 0) {
      uvmunmap(new_pt, VirtAddr(0), sharer.failed_at / kPageSize, Free::Yes, new_stats);
      Restorer restorer(old_stats);
      walk_range<Prune::Keep>(old, 0, sharer.failed_at, restorer);
    }
  }
  if (sharer.weakened > 0)
    arch::sfence_vma(); // the parent's TLB may hold writable entries for pages now COW
  if (!ok)
    return Error::NoMemory;
  return {};
}

// Clears PTE_U on the mapped page at va (exec's stack guard page). Panics if it is not mapped.
// No fence: exec switches to the new table afterwards.
void uvmclear(PageTable pt, VirtAddr va) {
  Pte* pte = walk(pt, va, Alloc::No);
  if (pte == nullptr || !pte->valid())
    panic("uvmclear: not mapped");
  *pte = Pte(pte->raw() & ~static_cast<uint64>(PteFlag::U));
}

// ---------------------------------------------------------------------------------------------------
// Faults: lazy, zero page, copy-on-write, pages of the executable

// THE fault handler, for a user fault at va in pt (declared size sz, executable image, may be
// null); classify_fault() decides. An untouched page of one of image's segments, accessed as the
// segment allows: a page filled from the file (image_fill_page), mapped with the segment's
// permissions. Any other untouched page with va < sz: written, a private zeroed page mapped R|W|U;
// read, the zero page mapped R|U|Zero (no allocation). A write to a zero-page mapping: a private
// zeroed page in its place. A write to a COW page: if no other table maps it, it becomes writable
// (W set, Cow cleared); else a private copy replaces it and the shared page loses a reference. New
// mappings need no fence; a replaced one (other physical page) gets this hart's sfence.vma va. A
// mapped page that allows the access (this hart's TLB was stale): sfence.vma va. Each handled
// fault is counted by kind in stats and the global totals: Handled. Otherwise Kill (cause File:
// the file changed, or a copy holding a lock would have to wait for the disk), or OutOfMemory.
FaultOutcome vm_fault(PageTable pt, uint64 sz, VirtAddr va, Access access, VmStats& stats,
                      const ExecImage* image) {
  // sz <= kHeapLimit always (sbrk and exec keep it so): va < sz keeps faults out of the top region
  // and the kernel half.
  if (va.raw() >= sz)
    return {FaultResult::Kill, FaultCause::Outside};
  Pte* pte = walk_inline(pt, va, Alloc::Yes, &stats);
  if (pte == nullptr)
    return {FaultResult::OutOfMemory, FaultCause::Lazy};
  const ImageSegment* seg = pte->valid() ? nullptr : image_segment(image, va.raw());
  const FaultCause cause = classify_fault(sz, va.raw(), access, *pte, seg);
  constexpr PteFlag kPrivate = PteFlag::V | PteFlag::R | PteFlag::W | PteFlag::U;
  switch (fault_action(cause)) {
  case FaultAction::Kill:
    return {FaultResult::Kill, cause};
  case FaultAction::FlushTlbEntry:
    // Mapped (invalid -> valid, or made writable) without a fence, and this hart's TLB still held
    // the old entry: drop that entry and retry.
    arch::sfence_vma(va);
    return {FaultResult::Handled, FaultCause::Unexpected};
  case FaultAction::MapZeroPage:
    *pte = Pte::make(PhysAddr::from_ptr(zero_page),
                     PteFlag::V | PteFlag::R | PteFlag::U | PteFlag::Zero);
    stats.resident++;
    stats.zero_mapped++;
    stats.faults_zero++;
    break;
  case FaultAction::Map: {
    void* mem = kzalloc();
    if (mem == nullptr)
      return {FaultResult::OutOfMemory, cause};
    *pte = Pte::make(PhysAddr::from_ptr(mem), kPrivate);
    if (cause == FaultCause::ZeroWrite) { // it replaced the zero page
      arch::sfence_vma(va);
      stats.zero_mapped--;
      stats.faults_cow++;
      __atomic_fetch_add(&total_cow_faults, 1, __ATOMIC_RELAXED);
    } else {
      stats.resident++; // faults_lazy(): faults minus the other kinds
    }
    break;
  }
  case FaultAction::LoadFromFile: {
    void* mem = kalloc();
    if (mem == nullptr)
      return {FaultResult::OutOfMemory, FaultCause::Lazy};
    if (!image_fill_page(*image, *seg, va.page_base(), mem).ok()) {
      kfree(mem);
      return {FaultResult::Kill, FaultCause::File};
    }
    *pte = Pte::make(PhysAddr::from_ptr(mem), PteFlag::V | PteFlag::R | PteFlag::U | seg->perm);
    stats.resident++;
    stats.faults_file++;
    break;
  }
  case FaultAction::CopyOnWrite: {
    const PhysAddr shared = pte->pa();
    const PteFlag flags = (pte->flags() & ~PteFlag::Cow) | PteFlag::W;
    // A count of 1 cannot grow under us: only a fork of this process adds sharers.
    if (kref_count(shared) == 1) {
      *pte = Pte::make(shared, flags); // stronger: no fence
    } else {
      void* mem = kalloc();
      if (mem == nullptr)
        return {FaultResult::OutOfMemory, cause};
      copy_page(mem, shared.as_ptr());
      *pte = Pte::make(PhysAddr::from_ptr(mem), flags);
      arch::sfence_vma(va);
      kfree(shared.as_ptr()); // after the copy: the last sharer may now take it over
    }
    stats.shared--;
    stats.faults_cow++;
    __atomic_fetch_add(&total_cow_faults, 1, __ATOMIC_RELAXED);
    break;
  }
  }
  stats.faults++;
  __atomic_fetch_add(&total_faults, 1, __ATOMIC_RELAXED);
  return {FaultResult::Handled, cause};
}

// How many freed user roots wait for a hart to leave them (read racily, for memstat).
uint64 vm_retired_pages() {
  return __atomic_load_n(&nretired, __ATOMIC_RELAXED);
}

// Faults handled since boot, all processes and kinds (read racily, for memstat).
uint64 vm_total_faults() {
  return __atomic_load_n(&total_faults, __ATOMIC_RELAXED);
}

// Writes to COW or zero-page mappings handled since boot, all processes (read racily).
uint64 vm_total_cow_faults() {
  return __atomic_load_n(&total_cow_faults, __ATOMIC_RELAXED);
}

// ---------------------------------------------------------------------------------------------------
// Copying between kernel and user memory
//
// Each faults in untouched pages of [0, m.sz) through vm_fault (if m.stats is non-null), copyout
// also COW and zero-page mappings, and fails with BadAddress at a page outside it, a page without
// PTE_U, or (copyout) a page that stays without PTE_W.

// Copies len bytes from kernel src to user dstva in m. Ok, or BadAddress (bytes before the bad
// page are copied).
Result<void> copyout(const UserMem& m, VirtAddr dstva, const void* src, uint64 len) {
  const char* s = static_cast<const char*>(src);
  uint64 dst = dstva.raw();
  while (len > 0) {
    uint64 va0 = page_round_down(dst);
    Pte* pte = user_pte(m, va0, Access::Write);
    if (pte == nullptr || !pte->has(PteFlag::U | PteFlag::W))
      return Error::BadAddress;
    uint64 n = kPageSize - (dst - va0);
    if (n > len)
      n = len;
    memmove(pte->pa().as_ptr<char>() + (dst - va0), s, n);
    len -= n;
    s += n;
    dst += n;
  }
  return {};
}

// Copies len bytes from user srcva in m to kernel dst. Ok, or BadAddress.
Result<void> copyin(const UserMem& m, void* dst, VirtAddr srcva, uint64 len) {
  char* d = static_cast<char*>(dst);
  uint64 src = srcva.raw();
  while (len > 0) {
    uint64 va0 = page_round_down(src);
    Pte* pte = user_pte(m, va0, Access::Read);
    if (pte == nullptr || !pte->has(PteFlag::U | PteFlag::R))
      return Error::BadAddress;
    uint64 n = kPageSize - (src - va0);
    if (n > len)
      n = len;
    memmove(d, pte->pa().as_ptr<char>() + (src - va0), n);
    len -= n;
    d += n;
    src += n;
  }
  return {};
}

// Copies a NUL-terminated string from user srcva in m to kernel dst, at most max bytes with the
// NUL. Ok, BadAddress, or TooBig if there is no NUL within max bytes.
Result<void> copyinstr(const UserMem& m, char* dst, VirtAddr srcva, uint64 max) {
  uint64 src = srcva.raw();
  while (max > 0) {
    uint64 va0 = page_round_down(src);
    Pte* pte = user_pte(m, va0, Access::Read);
    if (pte == nullptr || !pte->has(PteFlag::U | PteFlag::R))
      return Error::BadAddress;
    uint64 n = kPageSize - (src - va0);
    if (n > max)
      n = max;
    const char* p = pte->pa().as_ptr<char>() + (src - va0);
    for (uint64 i = 0; i < n; i++) {
      *dst = p[i];
      if (p[i] == 0)
        return {};
      dst++;
    }
    max -= n;
    src += n;
  }
  return Error::TooBig;
}

// ---------------------------------------------------------------------------------------------------

// Prints pt's user half in the 2024 lab format: "page table 0x...", then one line per valid PTE,
// each table's entries right after its own line, indented " .." per level.
void vmprint(PageTable pt) {
  printf("page table %p\n", reinterpret_cast<void*>(PhysAddr::from_ptr(pt).raw()));
  Printer printer;
  walk_range<Prune::Keep>(pt, 0, kMaxVa, printer);
}
