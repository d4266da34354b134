// Virtual memory: the kernel's Sv39 page table and user address spaces with lazy allocation.
//
// Lazy allocation (docs/design.md): a process declares user memory [0, sz); pages inside it may be
// unmapped ("untouched"). The ONE function that fixes a fault is vm_fault(); every walker of user
// memory (uvmunmap, uvmcopy, copyout, copyin, copyinstr) agrees with it: unmapped pages inside sz
// are skipped (unmap, fork) or faulted in (copies); anything outside sz is an error, never a panic.
// Fork shares pages copy-on-write, and a read of an untouched page maps the shared zero page
// (docs/design.md, "Copy-on-write fork and the zero page").
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
  uint64 faults = 0;   // faults handled, all kinds
  uint64 shared = 0;   // of resident: pages mapped copy-on-write (PteFlag::Cow)
  uint64 zero_mapped = 0; // of resident: mappings of the shared zero page (PteFlag::Zero)
  uint64 faults_zero = 0; // of faults: untouched page read, the zero page mapped
  uint64 faults_cow = 0;  // of faults: write to a COW or zero-page mapping, a private page
  uint64 faults_file = 0; // of faults: page of the executable loaded on first touch
  // Of faults: untouched page written, a private zeroed page. Not counted on its own, so that the
  // lazy fault stays as short as it was: every other kind is.
  [[nodiscard]] uint64 faults_lazy() const {
    return faults - faults_zero - faults_cow - faults_file;
  }
};

enum class Alloc : bool { No, Yes }; // may walk() allocate missing page-table pages?
enum class Free : bool { No, Yes };  // does uvmunmap() free the physical pages?
enum class FaultResult : uint8 { Handled, Kill, OutOfMemory };
// How fork's uvmcopy() gives the child its pages: shared copy-on-write (fork), or copied at once as
// xv6 does (forkcopy, the benchmark's baseline).
enum class ForkCopy : bool { Cow, Eager };

// A user address space as the copy functions see it: the table to walk, the declared size for lazy
// faults, the counters to charge (nullptr: do not fault; every page must already be mapped), and
// the executable whose segments back pages of it (nullptr: none). The caller builds it from the
// process it acts for (p->mem()), or (exec) from the image it is building.
struct UserMem {
  PageTable pt;
  uint64 sz;
  struct VmStats* stats;
  const ExecImage* image;
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

// ---- kernel page table (contracts above the definitions in vm.cc)
extern PageTable kernel_pagetable;
// Builds the kernel page table (hart 0, once).
void kvminit();
// Switches this hart from the boot page table to the kernel page table.
void kvminithart();
// Adds a mapping to the kernel page table during boot.
void kvmmap(PageTable kpt, VirtAddr va, PhysAddr pa, uint64 size, PteFlag perm);
// Shared model: makes pt this hart's address space.
void switchuvm(PageTable pt, bool changed_elsewhere = false);
// Shared model: leaves a freed process's root that this idle hart still holds.
void leave_retired();
// Drops this hart's TLB entries for npages pages from va.
void flush_tlb(VirtAddr va, uint64 npages);

// ---- page-table primitives
// The leaf PTE slot for va, or nullptr.
[[nodiscard]] Pte* walk(PageTable pt, VirtAddr va, Alloc alloc, VmStats* stats = nullptr);
// The physical address of the user page mapping va, or BadAddress.
[[nodiscard]] Result<PhysAddr> walkaddr(PageTable pt, VirtAddr va);
// Maps [va, va+size) to [pa, pa+size) with perm|V.
[[nodiscard]] Result<void> mappages(PageTable pt, VirtAddr va, uint64 size, PhysAddr pa,
                                    PteFlag perm, VmStats* stats);

// ---- user address spaces
// A new user page table, or nullptr.
[[nodiscard]] PageTable uvmcreate(VmStats& stats);
// Unmaps the npages pages from va, skipping unmapped ones.
void uvmunmap(PageTable pt, VirtAddr va, uint64 npages, Free free, VmStats& stats);
// Eagerly grows [oldsz, newsz). Returns newsz or an error.
[[nodiscard]] Result<uint64> uvmalloc(PageTable pt, uint64 oldsz, uint64 newsz, PteFlag xperm,
                                      VmStats& stats);
// Shrinks to newsz. Returns newsz.
uint64 uvmdealloc(PageTable pt, uint64 oldsz, uint64 newsz, VmStats& stats);
// Frees the page-table pages of pt's user half and its root.
void freewalk(PageTable pt, VmStats& stats);
// Frees all user memory in [0, sz) and then the page table.
void uvmfree(PageTable pt, uint64 sz, VmStats& stats);
// For fork: shares every mapped page of old in [0, sz) with new_pt, copy-on-write (or copies it).
[[nodiscard]] Result<void> uvmcopy(PageTable old, PageTable new_pt, uint64 sz, VmStats& old_stats,
                                   VmStats& new_stats, ForkCopy how = ForkCopy::Cow);
// Clears PTE_U on the page at va (the stack guard page).
void uvmclear(PageTable pt, VirtAddr va);

// ---- faults
// What vm_fault() did, and why (cause is the reason printed when result is not Handled).
struct FaultOutcome {
  FaultResult result;
  FaultCause cause;
};
// THE fault handler: maps an untouched page of [0, sz) into pt (a page of the executable loaded
// from its file; else the zero page for a read), breaks copy-on-write and zero-page sharing on a
// write, or says why not.
[[nodiscard]] FaultOutcome vm_fault(PageTable pt, uint64 sz, VirtAddr va, Access access,
                                    VmStats& stats, const ExecImage* image);
// Fills the kernel page `page` with the contents of the page at va of seg, a segment of image
// (defined in exec.cc, above this layer: vm_fault calls it only through this declaration). Ok,
// Busy (the page needs the disk and the caller holds a lock: nothing read), or Invalid (the file
// changed since exec).
[[nodiscard]] Result<void> image_fill_page(const ExecImage& image, const ImageSegment& seg,
                                           VirtAddr va, void* page);
// Root pages of freed user tables waiting for a hart to leave them.
uint64 vm_retired_pages();
// Faults handled since boot, all processes, all kinds.
uint64 vm_total_faults();
// Of those, writes to COW or zero-page mappings.
uint64 vm_total_cow_faults();

// ---- copying between kernel and user memory (faulting untouched pages of m in)
[[nodiscard]] Result<void> copyout(const UserMem& m, VirtAddr dstva, const void* src, uint64 len);
[[nodiscard]] Result<void> copyin(const UserMem& m, void* dst, VirtAddr srcva, uint64 len);
[[nodiscard]] Result<void> copyinstr(const UserMem& m, char* dst, VirtAddr srcva, uint64 max);

// Prints pt's user half in the 2024 lab format.
void vmprint(PageTable pt);
