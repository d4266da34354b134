// Physical page allocator: whole 4096-byte pages between the end of the kernel and the end of RAM.
#pragma once

#include "kernel/addr.h"
#include "kernel/types.h"

// Puts every page from the end of the kernel image to ram_end on the free list. Hart 0, once.
void kinit(PhysAddr ram_end);
// The end of the RAM kinit() was given.
[[nodiscard]] PhysAddr kram_end();
// Returns one page of physical memory (content undefined), or nullptr when none is free.
[[nodiscard]] void* kalloc();
// Like kalloc() but the page is zero-filled.
[[nodiscard]] void* kzalloc();
// Drops a reference to a page kalloc() handed out (its count starts at 1); frees it when the last
// goes. Panics on a misaligned or out-of-range address.
void kfree(void* pa);
// Frees a page whose last reference the caller has dropped (PageRefs::drop_shared() said false):
// kfree() without dropping one again. Panics on a misaligned or out-of-range address.
void kfree_unshared(void* pa);
// Copies one whole page (4096 bytes, both page-aligned, not overlapping).
void copy_page(void* dst, const void* src);
// Pages free now, freed page-table roots about to join them (vm_retired_pages) included. A
// consistent sum even while other harts move pages between the counters it adds up.
[[nodiscard]] uint64 kfree_pages();
// ---- Page reference counts (copy-on-write sharing), inline for fork's and unmap's page loops
//
// Each page kalloc() manages has a count of its sharers beyond the first (kinit places the table
// after the kernel image): 0 for a free page and for a page kalloc() just returned, so kalloc()
// never writes it; PageRefs::inc() adds a sharer, kfree() drops one and frees only an unshared
// page.
using PageRefCount = uint32;
// kpage_refs[i] belongs to the page at physical address kpage_refs_base + i * kPageSize. Set once
// by kinit.
extern PageRefCount* kpage_refs;
extern uint64 kpage_refs_base;

// The count table's address and base, read once into registers by a loop over many pages (fork's
// and unmap's), which would otherwise reload the globals after every store to a PTE.
class PageRefs {
public:
  PageRefs()
      : page0_(reinterpret_cast<uint64>(kpage_refs) -
               (kpage_refs_base >> kPageShift) * sizeof(PageRefCount)) {}
  // The sharer count of the managed page at pa (no range check: callers pass pages from user
  // PTEs).
  [[nodiscard]] PageRefCount& of(PhysAddr pa) const {
    return *reinterpret_cast<PageRefCount*>(page0_ +
                                            (pa.raw() >> kPageShift) * sizeof(PageRefCount));
  }
  // Adds a reference to an allocated page: one more PTE maps it (copy-on-write fork).
  void inc(PhysAddr pa) const { __atomic_fetch_add(&of(pa), 1, __ATOMIC_RELAXED); }
  // Drops one reference to the page at pa if another remains: true then (the page stays). False
  // if the caller holds the only one (then it is the caller's to free). One amoadd,
  // acquire/release: the last user frees the page only after every other sharer is done with it.
  [[nodiscard]] bool drop_shared(PhysAddr pa) const {
    PageRefCount& extra = of(pa);
    if (__atomic_fetch_sub(&extra, 1, __ATOMIC_ACQ_REL) != 0)
      return true;
    // The caller held the only reference, so nobody else maps the page to read or change the
    // count (only a fork of a process mapping it adds one): undo the decrement below 0.
    __atomic_store_n(&extra, 0, __ATOMIC_RELAXED);
    return false;
  }

private:
  // Where page number 0's count would be: kpage_refs minus the first counted page's number, as an
  // integer (the address lies outside the table; only page numbers from the base up index it).
  uint64 page0_;
};

// The references to an allocated page now (1: its only user may take it over).
[[nodiscard]] inline uint64 kref_count(PhysAddr pa) {
  return 1 + __atomic_load_n(&PageRefs().of(pa), __ATOMIC_ACQUIRE);
}

// Bracket an update that moves pages between two of the counters kfree_pages() adds (the global
// list, a hart's cache, the retired roots), so that it never sees the page in both or neither.
void free_count_begin();
void free_count_end();
// Pages the allocator manages in total.
[[nodiscard]] uint64 ktotal_pages();
