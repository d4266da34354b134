/*
 * struct memstat: what the memstat() system call (lazyv6 extension, number 24) reports.
 * Plain C. Page counts are in pages of PGSIZE bytes.
 */
#ifndef LAZYV6_KERNEL_MEMSTAT_H
#define LAZYV6_KERNEL_MEMSTAT_H

#include "kernel/types.h"

struct memstat {
  int pid;             /* process the per-process figures describe */
  int sbrk_eager;      /* system: 1 if sbrk(n) grows eagerly by default (--config=eager), else 0 */
  uint64 sz;           /* declared user memory size in bytes: [0, sz) */
  uint64 resident;     /* user pages mapped (text, data, stack, guard, touched heap) */
  uint64 ptpages;      /* page-table pages of its user page table, root included */
  uint64 faults;       /* page faults it has taken, all kinds */
  uint64 free_pages;   /* system: pages on the physical free list */
  uint64 total_pages;  /* system: pages the allocator manages */
  uint64 total_faults; /* system: page faults since boot, all kinds */
  uint64 shared; /* of resident: pages mapped copy-on-write (shared at fork, not yet written) */
  uint64 zero_mapped;      /* of resident: mappings of the shared zero page */
  uint64 faults_lazy;      /* faults: untouched page written -> private zeroed page */
  uint64 faults_zero;      /* faults: untouched page read -> zero page mapped */
  uint64 faults_cow;       /* faults: write to a COW or zero-page mapping -> private page */
  uint64 total_cow_faults; /* system: faults_cow of all processes since boot */
  uint64 faults_file;      /* faults: page of its executable loaded on first touch */
};

#endif
