// Sv39 page tables: the kernel's direct map, and user address spaces with lazy allocation.
#include "kernel/vm.h"

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/kalloc.h"
#include "kernel/kstring.h"
#include "kernel/poweroff.h"
#include "kernel/printf.h"
#include "kernel/proc.h"

extern char etext[];      // kernel.ld: end of kernel text
extern char trampoline[]; // trampoline.S

constinit PageTable kernel_pagetable = nullptr;

namespace {

constinit uint64 total_faults = 0;          // all processes; updated atomically
constinit bool kernel_map_complete = false; // set by kvminit: the kernel half is final

constexpr uint64 kLevelSpan[3] = {sv39_span(0), sv39_span(1), sv39_span(2)}; // bytes one PTE maps

PageTable table_of(Pte pte) {
  return pte.pa().as_ptr<Pte>();
}

// walk() without its MAXVA check (callers check), inlined into the hot callers (vm_fault,
// user_pte); map_pages() also uses it for the kernel half.
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

// mappages() for any canonical va, user or kernel half (kvmmap uses it for the kernel half).
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

// Whether some hart's satp holds pt (Cpu::pagetable, read atomically).
bool in_some_satp(PageTable pt) {
  for (const Cpu& c : cpus) {
    if (__atomic_load_n(&c.pagetable, __ATOMIC_ACQUIRE) == pt)
      return true;
  }
  return false;
}

// Frees a user root page now, or retires it if a hart's satp still holds it.
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

// Frees the retired roots no hart's satp holds any more.
void reap_retired() {
  SpinGuard guard(retired_lock);
  for (PageTable& slot : retired) {
    if (slot != nullptr && !in_some_satp(slot)) {
      kfree(slot);
      slot = nullptr;
      __atomic_store_n(&nretired, nretired - 1, __ATOMIC_RELAXED);
    }
  }
}

// True if none of the 8 PTEs at p (8-aligned) is valid: range walks skip untouched stretches of a
// page-table page 8 entries at a time (one OR chain instead of 8 tests and branches).
inline bool group_empty(const Pte* p) {
  uint64 any = p[0].raw() | p[1].raw() | p[2].raw() | p[3].raw() | p[4].raw() | p[5].raw() |
               p[6].raw() | p[7].raw();
  return (any & static_cast<uint64>(PteFlag::V)) == 0;
}

// Removes the leaves in [va, end) from the subtree `pt` at `level`, whose first address is `base`
// (va and end page-aligned). Absent entries are skipped without descending (8 at a time where they
// are grouped). A lower-level table whose whole span lies inside the range is empty afterwards and
// is freed.
void unmap_range(PageTable pt, int level, uint64 base, uint64 va, uint64 end, Free free,
                 VmStats& stats) {
  const uint64 span = kLevelSpan[level];
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
    if (level == 0) {
      if (!e.leaf())
        panic("uvmunmap: not a leaf at %p", reinterpret_cast<void*>(ebase));
      if (free == Free::Yes)
        kfree(e.pa().as_ptr());
      e = Pte(0);
      if (ebase < kHeapLimit)
        stats.resident--;
      continue;
    }
    if (e.leaf())
      panic("uvmunmap: superpage at %p", reinterpret_cast<void*>(ebase));
    const uint64 lo = va > ebase ? va : ebase;
    const uint64 hi = end < ebase + span ? end : ebase + span;
    unmap_range(table_of(e), level - 1, ebase, lo, hi, free, stats);
    if (lo == ebase && hi == ebase + span) {
      kfree(table_of(e));
      e = Pte(0);
      stats.ptpages--;
    }
  }
}

// Frees the page-table pages below `pt` (at `level`, first address `base`) that overlap [va, end)
// and hold no valid entry. For undoing a failed eager grow, which must leave nothing behind;
// not on hot paths (it scans whole tables). A table that also holds the trap frame or trampoline is
// never empty, so the heap's top page may share it.
void prune_tables(PageTable pt, int level, uint64 base, uint64 va, uint64 end, VmStats& stats) {
  if (level == 0)
    return;
  const uint64 span = kLevelSpan[level];
  for (uint64 i = (va - base) / span; i < kPtesPerPage; i++) {
    const uint64 ebase = base + i * span;
    if (ebase >= end)
      break;
    Pte& e = pt[i];
    if (!e.valid() || e.leaf())
      continue;
    PageTable child = table_of(e);
    const uint64 lo = va > ebase ? va : ebase;
    const uint64 hi = end < ebase + span ? end : ebase + span;
    prune_tables(child, level - 1, ebase, lo, hi, stats);
    bool empty = true;
    for (int j = 0; j < kPtesPerPage && empty; j += 8)
      empty = group_empty(&child[j]);
    if (empty) {
      kfree(child);
      e = Pte(0);
      stats.ptpages--;
    }
  }
}

// Calls f(va, pte) for every valid leaf in [va, end) of the subtree `pt` at `level` (first address
// `base`), skipping absent subtrees. Stops and returns false as soon as f returns false.
template <typename F>
bool for_each_leaf(PageTable pt, int level, uint64 base, uint64 va, uint64 end, F& f) {
  const uint64 span = kLevelSpan[level];
  const uint64 last = (end - base + span - 1) / span;
  const uint64 stop = last < kPtesPerPage ? last : kPtesPerPage;
  for (uint64 i = (va - base) / span; i < stop; i++) {
    if ((i & 7) == 0 && i + 8 <= stop && group_empty(&pt[i])) {
      i += 7;
      continue;
    }
    const uint64 ebase = base + i * span;
    Pte e = pt[i];
    if (!e.valid())
      continue;
    if (level == 0) {
      if (!f(ebase, e))
        return false;
      continue;
    }
    const uint64 lo = va > ebase ? va : ebase;
    const uint64 hi = end < ebase + span ? end : ebase + span;
    if (!for_each_leaf(table_of(e), level - 1, ebase, lo, hi, f))
      return false;
  }
  return true;
}

// The leaf PTE for the page va0 of m, faulting it in (through vm_fault) if it is untouched and m
// allows faults. nullptr if it is not mapped and cannot be.
Pte* user_pte(const UserMem& m, uint64 va0, Access access) {
  if (va0 >= kMaxVa)
    return nullptr;
  Pte* pte = walk_inline(m.pt, VirtAddr(va0), Alloc::No, nullptr);
  if (pte != nullptr && pte->valid())
    return pte;
  if (m.stats == nullptr)
    return nullptr;
  if (vm_fault(m.pt, m.sz, VirtAddr(va0), access, *m.stats) != FaultResult::Handled)
    return nullptr;
  return walk(m.pt, VirtAddr(va0), Alloc::No);
}

// The contract's copy functions work on the current process when given its table.
UserMem resolve(PageTable pt) {
  Proc* p = myproc();
  if (p != nullptr && p->pagetable == pt)
    return UserMem{pt, p->sz, &p->vm};
  return UserMem{pt, 0, nullptr};
}

// Frees the page-table pages below the first n entries of pt (not pt itself). Every leaf must
// already be unmapped (panics otherwise).
void free_tables(PageTable pt, int n, VmStats& stats) {
  for (int i = 0; i < n; i++) {
    if ((i & 7) == 0 && group_empty(&pt[i])) {
      i += 7;
      continue;
    }
    Pte e = pt[i];
    if (!e.valid())
      continue;
    if (e.leaf())
      panic("freewalk: leaf still mapped");
    PageTable child = table_of(e);
    free_tables(child, kPtesPerPage, stats);
    kfree(child);
    stats.ptpages--;
    pt[i] = Pte(0);
  }
}

// Prints the valid entries among the first n of pt (at `level`, first address `base`) and below.
void print_level(PageTable pt, int n, int level, uint64 base) {
  for (int i = 0; i < n; i++) {
    Pte e = pt[i];
    if (!e.valid())
      continue;
    uint64 va = base + static_cast<uint64>(i) * kLevelSpan[level];
    constexpr char kDots[] = " .. .. .."; // " .." per level from 2 down to `level`
    printf("%s%p: pte %p pa %p\n", kDots + 3 * level, reinterpret_cast<void*>(va),
           reinterpret_cast<void*>(e.raw()),
           reinterpret_cast<void*>(e.pa().raw())); // one call: the line stays whole
    if (level > 0 && !e.leaf())
      print_level(table_of(e), kPtesPerPage, level - 1, va);
  }
}

} // namespace

// ---------------------------------------------------------------------------------------------------
// Kernel page table

void kvminit() {
  kernel_pagetable = kvmmake();
  // From here on the kernel half never changes: every user root made later copies its root
  // entries (uvmcreate), and they point at the same lower-level tables, which stay as they are.
  __atomic_store_n(&kernel_map_complete, true, __ATOMIC_RELEASE);
}

void kvminithart() {
  arch::sfence_vma(); // finish writes to the page table before using it
  LAZYV6_CSR_WRITE(satp, arch::make_satp(kernel_pagetable));
  arch::sfence_vma(); // drop the boot page table's entries from the TLB
  __atomic_store_n(&mycpu()->pagetable, kernel_pagetable, __ATOMIC_RELEASE);
}

void kvmmap(PageTable kpt, VirtAddr va, PhysAddr pa, uint64 size, PteFlag perm) {
  if (__atomic_load_n(&kernel_map_complete, __ATOMIC_ACQUIRE))
    panic("kvmmap: kernel map is complete");
  if (!map_pages(kpt, va, size, pa, perm, nullptr).ok())
    panic("kvmmap: out of memory");
}

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
// Page-table primitives
//
// Sv39: a virtual address has 39 significant bits, split 9 | 9 | 9 | 12. The top three 9-bit fields
// index three levels of page-table pages of 512 8-byte PTEs each (level 2 = the root, whose
// physical page number is in satp; level 0 holds the leaves); the low 12 bits are the offset in the
// 4 KiB page. A valid PTE with none of R, W, X points to the next level; one with any of them is a
// leaf. xv6 (and lazyv6) use only level-0 leaves. Bit 38 is copied into bits 39..63: root entries
// 0..255 map the user half [0, MAXVA = 2^38), entries 256..511 the kernel half from
// 0xffffffc0_00000000 (memlayout.h). walk() and every user-memory walker stay below MAXVA.

Pte* walk(PageTable pt, VirtAddr va, Alloc alloc, VmStats* stats) {
  if (va.raw() >= kMaxVa)
    return nullptr;
  return walk_inline(pt, va, alloc, stats);
}

Result<PhysAddr> walkaddr(PageTable pt, VirtAddr va) {
  Pte* pte = walk(pt, va, Alloc::No);
  if (pte == nullptr || !pte->has(PteFlag::V | PteFlag::U))
    return Error::BadAddress;
  return pte->pa();
}

Result<void> mappages(PageTable pt, VirtAddr va, uint64 size, PhysAddr pa, PteFlag perm,
                      VmStats* stats) {
  if (va.raw() >= kMaxVa || size > kMaxVa - va.raw())
    panic("mappages: beyond MAXVA at %p", reinterpret_cast<void*>(va.raw()));
  return map_pages(pt, va, size, pa, perm, stats);
}

// ---------------------------------------------------------------------------------------------------
// User address spaces

PageTable uvmcreate(VmStats& stats) {
  PageTable pt = static_cast<PageTable>(kzalloc());
  if (pt == nullptr)
    return nullptr;
  stats.ptpages++;
  if constexpr (!kIsolatedTraps) {
    for (int i = kUserRootPtes; i < kPtesPerPage; i++)
      pt[i] = kernel_pagetable[i];
  }
  return pt;
}

void uvmunmap(PageTable pt, VirtAddr va, uint64 npages, Free free, VmStats& stats) {
  if (!va.is_page_aligned())
    panic("uvmunmap: not aligned");
  if (npages == 0)
    return;
  uint64 end = va.raw() + npages * kPageSize;
  if (end > kMaxVa || end < va.raw())
    panic("uvmunmap: range beyond MAXVA");
  unmap_range(pt, 2, 0, va.raw(), end, free, stats);
}

// Undoes a failed uvmalloc of [start, a): unmaps and frees its pages, then the page-table pages it
// left empty.
static void uvmalloc_undo(PageTable pt, uint64 start, uint64 a, VmStats& stats) {
  if (a > start)
    uvmunmap(pt, VirtAddr(start), (a - start) / kPageSize, Free::Yes, stats);
  prune_tables(pt, 2, 0, start, a + kPageSize, stats);
}

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

uint64 uvmdealloc(PageTable pt, uint64 oldsz, uint64 newsz, VmStats& stats) {
  if (newsz >= oldsz)
    return oldsz;
  uint64 lo = page_round_up(newsz);
  uint64 hi = page_round_up(oldsz);
  if (lo < hi)
    uvmunmap(pt, VirtAddr(lo), (hi - lo) / kPageSize, Free::Yes, stats);
  return newsz;
}

void freewalk(PageTable pt, VmStats& stats) {
  free_tables(pt, kUserRootPtes, stats);
  free_root(pt);
  stats.ptpages--;
}

void uvmfree(PageTable pt, uint64 sz, VmStats& stats) {
  if (sz > 0)
    uvmunmap(pt, VirtAddr(0), page_round_up(sz) / kPageSize, Free::Yes, stats);
  freewalk(pt, stats);
}

Result<void> uvmcopy(PageTable old, PageTable new_pt, uint64 sz, VmStats& new_stats) {
  uint64 failed_at = 0;
  bool ok = true;
  auto copy_page = [&](uint64 va, Pte pte) {
    void* mem = kalloc();
    if (mem == nullptr) {
      ok = false;
      failed_at = va;
      return false;
    }
    memmove(mem, pte.pa().as_ptr(), kPageSize);
    if (!mappages(new_pt, VirtAddr(va), kPageSize, PhysAddr::from_ptr(mem), pte.flags(), &new_stats)
             .ok()) {
      kfree(mem);
      ok = false;
      failed_at = va;
      return false;
    }
    return true;
  };
  for_each_leaf(old, 2, 0, 0, page_round_up(sz), copy_page);
  if (ok)
    return {};
  if (failed_at > 0)
    uvmunmap(new_pt, VirtAddr(0), failed_at / kPageSize, Free::Yes, new_stats);
  return Error::NoMemory;
}

void uvmclear(PageTable pt, VirtAddr va) {
  Pte* pte = walk(pt, va, Alloc::No);
  if (pte == nullptr || !pte->valid())
    panic("uvmclear: not mapped");
  *pte = Pte(pte->raw() & ~static_cast<uint64>(PteFlag::U));
}

// ---------------------------------------------------------------------------------------------------
// Lazy faults

FaultResult vm_fault(PageTable pt, uint64 sz, VirtAddr va, Access access, VmStats& stats) {
  const uint64 t0 = arch::r_time();
  // sz <= kHeapLimit always (sbrk and exec keep it so): va < sz keeps faults out of the top region
  // and the kernel half.
  if (va.raw() >= sz)
    return FaultResult::Kill;
  Pte* pte = walk_inline(pt, va, Alloc::Yes, &stats);
  if (pte == nullptr)
    return FaultResult::OutOfMemory;
  // Only an untouched page is fixed; a guard page or a permission fault never is. A PTE that allows
  // the access was mapped (invalid -> valid) without a fence, and this hart's TLB still held the
  // old entry: drop that entry and retry.
  const FaultAction action = fault_action(classify_fault(sz, va.raw(), access, *pte));
  if (action == FaultAction::FlushTlbEntry) {
    arch::sfence_vma(va);
    return FaultResult::Handled;
  }
  if (action == FaultAction::Kill)
    return FaultResult::Kill;
  void* mem = kzalloc();
  if (mem == nullptr)
    return FaultResult::OutOfMemory;
  *pte = Pte::make(PhysAddr::from_ptr(mem), PteFlag::V | PteFlag::R | PteFlag::W | PteFlag::U);
  stats.resident++;
  stats.faults++;
  __atomic_fetch_add(&total_faults, 1, __ATOMIC_RELAXED);
  stats.fault_ns += arch::ticks_to_ns(arch::r_time() - t0);
  return FaultResult::Handled;
}

const char* vm_fault_cause(PageTable pt, uint64 sz, VirtAddr va, Access access) {
  Pte* pte = walk(pt, va.page_base(), Alloc::No);
  return fault_cause_text(classify_fault(sz, va.raw(), access, pte != nullptr ? *pte : Pte(0)));
}

uint64 vm_retired_pages() {
  return __atomic_load_n(&nretired, __ATOMIC_RELAXED);
}

uint64 vm_total_faults() {
  return __atomic_load_n(&total_faults, __ATOMIC_RELAXED);
}

// ---------------------------------------------------------------------------------------------------
// Copying between kernel and user memory

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
  return Error::TooBig; // no NUL within max bytes
}

Result<void> copyout(PageTable pt, VirtAddr dstva, const void* src, uint64 len) {
  return copyout(resolve(pt), dstva, src, len);
}

Result<void> copyin(PageTable pt, void* dst, VirtAddr srcva, uint64 len) {
  return copyin(resolve(pt), dst, srcva, len);
}

Result<void> copyinstr(PageTable pt, char* dst, VirtAddr srcva, uint64 max) {
  return copyinstr(resolve(pt), dst, srcva, max);
}

// ---------------------------------------------------------------------------------------------------

void vmprint(PageTable pt) {
  printf("page table %p\n", reinterpret_cast<void*>(PhysAddr::from_ptr(pt).raw()));
  print_level(pt, kUserRootPtes, 2, 0);
}
