// Virtual memory: the kernel's Sv39 page table and user address spaces with lazy allocation.
//
// Lazy allocation (docs/design.md): a process declares user memory [0, sz); pages inside it may be
// unmapped ("untouched"). The ONE function that fixes a fault is vm_fault(); every walker of user
// memory (uvmunmap, uvmcopy, copyout, copyin, copyinstr) agrees with it: unmapped pages inside sz
// are skipped (unmap, fork) or faulted in (copies); anything outside sz is an error, never a panic.
#pragma once

#include "kernel/addr.h"
#include "kernel/memlayout.h"
#include "kernel/result.h"
#include "kernel/types.h"
#include "kernel/vmlogic.h"

// The heap may grow up to here, as in xv6: its last page is the one just below the trap frame, so
// the heap shares the top page-table pages with TRAPFRAME and TRAMPOLINE. Walkers of user memory
// stay correct because they only free a page-table page whose whole span lies inside the range they
// walk (which ends at or below kHeapLimit) or that holds no valid entry at all.
inline constexpr uint64 kHeapLimit = TRAPFRAME;

// Per-address-space counters, kept exact by every function that maps or unmaps in a user page table
// given them. Written only by the owning process (or its creator before it runs); read racily by
// memstat/procdump (64-bit loads are atomic on RV64).
struct VmStats {
  uint64 resident = 0; // user leaf pages mapped below kHeapLimit (text, data, guard, stack, heap)
  uint64 ptpages = 0;  // page-table pages, root included
  uint64 faults = 0;   // lazy faults handled (pages faulted in)
  uint64 fault_ns = 0; // guest time spent in vm_fault, nanoseconds
};

enum class Alloc : bool { No, Yes }; // may walk() allocate missing page-table pages?
enum class Free : bool { No, Yes };  // does uvmunmap() free the physical pages?
enum class FaultResult : uint8 { Handled, Kill, OutOfMemory };

// A user address space as the copy functions see it: the table to walk, the declared size for lazy
// faults, and the counters to charge (nullptr: do not fault; every page must already be mapped).
struct UserMem {
  PageTable pt;
  uint64 sz;
  struct VmStats* stats;
};

// The trap model (//kernel:trap_model, memlayout.h). Shared (default): the kernel half is in every
// user table, traps switch no page table, and satp changes only in switchuvm(). Isolated (xv6):
// user tables hold only the trampoline and trap frame, and the trampoline switches satp per trap.
#if LAZYV6_TRAP_ISOLATED
inline constexpr bool kIsolatedTraps = true;
#else
inline constexpr bool kIsolatedTraps = false;
#endif

// Root entries [0, kUserRootPtes) map the user half; the rest are the kernel half.
inline constexpr int kUserRootPtes = 256;
static_assert(MAXVA <= (static_cast<uint64>(kUserRootPtes) << 30));

// ---- kernel page table
extern PageTable kernel_pagetable;
// Hart 0, once: builds the kernel page table (devices, kernel text/data, RAM, stacks; the
// trampoline in the isolated model). The kernel half is complete when it returns.
void kvminit();
// Every hart: switches from the boot page table to the kernel page table and flushes the TLB.
void kvminithart();
// Adds a mapping to the kernel page table during boot (before kvminit returns); panics if it
// cannot.
void kvmmap(PageTable kpt, VirtAddr va, PhysAddr pa, uint64 size, PteFlag perm);
// Shared model: makes pt (a user table, or kernel_pagetable) this hart's address space; writes
// satp and flushes the hart's TLB only if pt is not already there (then frees retired roots no
// hart uses any more), or only flushes if it is there but changed_elsewhere (its process ran on
// another hart since). Isolated model: does nothing (the kernel always runs on kernel_pagetable).
// Interrupts off.
void switchuvm(PageTable pt, bool changed_elsewhere = false);
// Shared model, for a hart about to idle: if its satp holds a freed process's root, switches to
// kernel_pagetable so that the root is freed now (a live process's table stays, so that it comes
// back without a flush). Interrupts off.
void leave_retired();
// Drops this hart's TLB entries for the npages pages from va, after they were unmapped or
// weakened: one sfence.vma per page for a few pages, one whole flush for more.
void flush_tlb(VirtAddr va, uint64 npages);

// ---- page-table primitives
// The leaf PTE slot for va, allocating missing page-table pages if alloc (charged to stats if
// non-null). nullptr if va >= MAXVA or a level is missing and !alloc or out of memory.
[[nodiscard]] Pte* walk(PageTable pt, VirtAddr va, Alloc alloc, VmStats* stats = nullptr);
// The physical address of the user-accessible page mapping va, or BadAddress. Never faults.
[[nodiscard]] Result<PhysAddr> walkaddr(PageTable pt, VirtAddr va);
// Maps [va, va+size) to [pa, pa+size) with perm|V. va and size page-aligned. Panics on a remap.
// NoMemory if a page-table page cannot be allocated (pages mapped so far stay mapped).
[[nodiscard]] Result<void> mappages(PageTable pt, VirtAddr va, uint64 size, PhysAddr pa,
                                    PteFlag perm, VmStats* stats);

// ---- user address spaces
// A new user page table with an empty user half (root charged to stats), or nullptr. In the shared
// model its kernel half holds kernel_pagetable's root entries.
[[nodiscard]] PageTable uvmcreate(VmStats& stats);
// Unmaps the npages pages from va, skipping unmapped pages and whole absent page-table subtrees;
// frees the physical pages if free == Free::Yes, and page-table pages that become unused. Does not
// flush the TLB (callers that keep running on pt do: flush_tlb()).
void uvmunmap(PageTable pt, VirtAddr va, uint64 npages, Free free, VmStats& stats);
// Eagerly grows [oldsz, newsz): allocates, zeroes and maps every page R|U|xperm. Returns newsz, or
// an error after undoing everything it did.
[[nodiscard]] Result<uint64> uvmalloc(PageTable pt, uint64 oldsz, uint64 newsz, PteFlag xperm,
                                      VmStats& stats);
// Shrinks to newsz, freeing every mapped page at or above page_round_up(newsz). Returns newsz.
uint64 uvmdealloc(PageTable pt, uint64 oldsz, uint64 newsz, VmStats& stats);
// Frees the page-table pages of pt's user half and its root (the root only once no hart's satp
// holds it). Every user leaf must already be unmapped (panics otherwise).
void freewalk(PageTable pt, VmStats& stats);
// Frees all user memory in [0, sz) and then the page table.
void uvmfree(PageTable pt, uint64 sz, VmStats& stats);
// For fork: copies every MAPPED page of old in [0, sz) into new (same flags); unmapped pages stay
// unmapped (the child stays lazy). On failure unmaps what it copied and returns NoMemory.
[[nodiscard]] Result<void> uvmcopy(PageTable old, PageTable new_pt, uint64 sz, VmStats& new_stats);
// Clears PTE_U on the page at va (the stack guard page).
void uvmclear(PageTable pt, VirtAddr va);

// ---- lazy faults
// THE fault handler. Handles an unmapped page with va < sz (and va below kHeapLimit) for a read or
// write: allocates a zeroed page and maps it R|W|U into pt (the table it is given), with no fence.
// A mapped page that allows the access (this hart's TLB was stale): sfence.vma va, Handled.
// Any other mapped page (guard page without PTE_U, permission fault), va >= sz, or an instruction
// fetch from an unmapped page: Kill. No page free: OutOfMemory. Counts faults and fault time in
// stats and the global total.
[[nodiscard]] FaultResult vm_fault(PageTable pt, uint64 sz, VirtAddr va, Access access,
                                   VmStats& stats);
// A short human reason why vm_fault() refused va (for the one-line kill message).
const char* vm_fault_cause(PageTable pt, uint64 sz, VirtAddr va, Access access);
// Root pages of freed user tables waiting for a hart to leave them (switchuvm frees them).
uint64 vm_retired_pages();
// Lazy faults handled since boot, all processes.
uint64 vm_total_faults();

// ---- copying between kernel and user memory
// These fault in untouched pages inside [0, m.sz) through vm_fault, and fail with BadAddress for a
// page outside it, a page without PTE_U, or (copyout) a page without PTE_W.
[[nodiscard]] Result<void> copyout(const UserMem& m, VirtAddr dstva, const void* src, uint64 len);
[[nodiscard]] Result<void> copyin(const UserMem& m, void* dst, VirtAddr srcva, uint64 len);
[[nodiscard]] Result<void> copyinstr(const UserMem& m, char* dst, VirtAddr srcva, uint64 max);
// The contract forms: if pt is the current process's table, lazy faults use its sz and counters;
// for any other table (exec's new image) every page must already be mapped.
[[nodiscard]] Result<void> copyout(PageTable pt, VirtAddr dstva, const void* src, uint64 len);
[[nodiscard]] Result<void> copyin(PageTable pt, void* dst, VirtAddr srcva, uint64 len);
[[nodiscard]] Result<void> copyinstr(PageTable pt, char* dst, VirtAddr srcva, uint64 max);

// Prints pt's user half in the 2024 lab format ("page table 0x...", one line per valid PTE, " .."
// per level).
void vmprint(PageTable pt);
