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
// goes. Panics on a misaligned or out-of-range address, or a free page.
void kfree(void* pa);
// Adds a reference to an allocated page: one more PTE maps it (copy-on-write fork).
void kref_inc(PhysAddr pa);
// The references to an allocated page now.
[[nodiscard]] uint64 kref_count(PhysAddr pa);
// Pages free now, freed page-table roots about to join them (vm_retired_pages) included. A
// consistent sum even while other harts move pages between the counters it adds up.
[[nodiscard]] uint64 kfree_pages();
// Bracket an update that moves pages between two of the counters kfree_pages() adds (the global
// list, a hart's cache, the retired roots), so that it never sees the page in both or neither.
void free_count_begin();
void free_count_end();
// Pages the allocator manages in total.
[[nodiscard]] uint64 ktotal_pages();
