// Physical page allocator: LIFO free lists of 4096-byte pages threaded through the pages
// themselves. A global list under kmem.lock, and in front of it a small cache per hart, so the
// common kalloc()/ kfree() (a lazy fault, an eager sbrk page, a shrink) costs a few instructions
// instead of a contended spinlock. Free pages = global list + every hart's cache, exactly.
#include "kernel/kalloc.h"

#include "kernel/addr.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/kstring.h"
#include "kernel/memlayout.h"
#include "kernel/param.h"
#include "kernel/printf.h"
#include "kernel/spinlock.h"
#include "kernel/vm.h"

extern char end[]; // first address after the kernel image (kernel.ld)

namespace {

// Debug aid: fill freed and allocated pages with junk to catch dangling references. Off in the
// default build: it costs two 4 KiB writes per page (docs/design.md, "Costs").
constexpr bool kJunkFill = false;

struct Run {
  Run* next;
};

struct Kmem {
  Spinlock lock{"kmem"};
  Run* freelist GUARDED_BY(lock) = nullptr;
  uint64 nfree GUARDED_BY(lock) = 0; // pages on freelist; written atomically for kfree_pages()
  uint64 total = 0;                  // written once by kinit
};
constinit Kmem kmem;

// A hart's private stock of free pages. Touched with interrupts off, under `lock`: an uncontended
// amoswap for the owner; other harts take it only to steal pages when everything else is empty.
// Lock order: a cache's lock, then kmem.lock; never two cache locks at once.
constexpr uint32 kCacheMax = 64;   // more than this: give kCacheBatch back to the global list
constexpr uint32 kCacheBatch = 32; // pages moved between the global list and a cache at once
struct alignas(64) HartCache {
  uint32 lock = 0;
  uint32 n = 0; // pages on list; written atomically for kfree_pages()
  Run* list = nullptr;
};
constinit HartCache caches[NCPU];

void cache_lock(HartCache& c) {
  while (__atomic_exchange_n(&c.lock, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
}
void cache_unlock(HartCache& c) {
  __atomic_store_n(&c.lock, 0u, __ATOMIC_RELEASE);
}
void cache_set_n(HartCache& c, uint32 n) {
  __atomic_store_n(&c.n, n, __ATOMIC_RELAXED);
}

// Moves up to kCacheBatch pages from the global list into c. c.lock held.
[[gnu::noinline]] void refill(HartCache& c) {
  SpinGuard guard(kmem.lock);
  uint32 moved = 0;
  while (moved < kCacheBatch && kmem.freelist != nullptr) {
    Run* r = kmem.freelist;
    kmem.freelist = r->next;
    r->next = c.list;
    c.list = r;
    moved++;
  }
  __atomic_store_n(&kmem.nfree, kmem.nfree - moved, __ATOMIC_RELAXED);
  cache_set_n(c, c.n + moved);
}

// Moves kCacheBatch pages from c back to the global list. c.lock held.
[[gnu::noinline]] void drain(HartCache& c) {
  SpinGuard guard(kmem.lock);
  for (uint32 i = 0; i < kCacheBatch && c.list != nullptr; i++) {
    Run* r = c.list;
    c.list = r->next;
    r->next = kmem.freelist;
    kmem.freelist = r;
    cache_set_n(c, c.n - 1);
    __atomic_store_n(&kmem.nfree, kmem.nfree + 1, __ATOMIC_RELAXED);
  }
}

// Last resort when this hart's cache and the global list are empty: one page from another hart's
// cache, or nullptr. Interrupts off, no cache lock held.
[[gnu::noinline]] Run* steal(const HartCache* mine) {
  for (HartCache& c : caches) {
    if (&c == mine)
      continue;
    cache_lock(c);
    Run* r = c.list;
    if (r != nullptr) {
      c.list = r->next;
      cache_set_n(c, c.n - 1);
    }
    cache_unlock(c);
    if (r != nullptr)
      return r;
  }
  return nullptr;
}

// One past the last page (direct-map address of the end of RAM), set once by kinit.
constinit uint64 ram_end_va = 0;

uint64 first_page() {
  return page_round_up(reinterpret_cast<uint64>(end));
}
uint64 last_page_end() {
  return ram_end_va;
}

// Zeroes one page: four cbo.zero blocks per iteration when the machine has Zicboz (QEMU 7.2 does
// not), else 512 64-bit stores. This is most of a lazy fault's cost.
void zero_page(void* page) {
  uint64 block = arch::cbo_zero_block;
  if (block != 0) {
    char* p = static_cast<char*>(page);
    char* stop = p + kPageSize;
    for (; p < stop; p += 4 * block) {
      asm volatile(".insn i 0x0F, 2, x0, 4(%0)\n" // cbo.zero (p)
                   ".insn i 0x0F, 2, x0, 4(%1)\n"
                   ".insn i 0x0F, 2, x0, 4(%2)\n"
                   ".insn i 0x0F, 2, x0, 4(%3)\n" ::"r"(p),
                   "r"(p + block), "r"(p + 2 * block), "r"(p + 3 * block)
                   : "memory");
    }
    return;
  }
  // No Zicboz: the whole page in 512 stores and no loop, 256 from each of two base registers (a
  // store's offset reaches 2047 bytes). A loop would add 16 instructions to every lazy fault.
  char* p = static_cast<char*>(page);
  asm volatile(".set zero_page_off, 0\n"
               ".rept 256\n"
               "sd zero, zero_page_off(%0)\n"
               "sd zero, zero_page_off(%1)\n"
               ".set zero_page_off, zero_page_off + 8\n"
               ".endr\n"
               :
               : "r"(p), "r"(p + kPageSize / 2)
               : "memory");
}

} // namespace

void kinit(PhysAddr ram_end) {
  ram_end_va = reinterpret_cast<uint64>(ram_end.page_base().as_ptr());
  uint64 pa = first_page();
  SpinGuard guard(kmem.lock);
  // Push in descending order so kalloc() hands out low addresses first.
  for (uint64 a = last_page_end() - kPageSize; a >= pa; a -= kPageSize) {
    Run* r = reinterpret_cast<Run*>(a);
    r->next = kmem.freelist;
    kmem.freelist = r;
    kmem.nfree++;
  }
  kmem.total = kmem.nfree;
}

void kfree(void* pa) {
  uint64 a = reinterpret_cast<uint64>(pa);
  if ((a & (kPageSize - 1)) != 0 || a < first_page() || a >= last_page_end())
    panic("kfree: bad page %p", pa);
  if constexpr (kJunkFill)
    memset(pa, 1, kPageSize);
  Run* r = static_cast<Run*>(pa);
  bool on = arch::intr_save_off(); // stay on this hart while using its cache
  HartCache& c = caches[cpuid()];
  cache_lock(c);
  r->next = c.list;
  c.list = r;
  cache_set_n(c, c.n + 1);
  if (c.n > kCacheMax)
    drain(c);
  cache_unlock(c);
  if (on)
    arch::intr_on();
}

void* kalloc() {
  bool on = arch::intr_save_off(); // stay on this hart while using its cache
  HartCache& c = caches[cpuid()];
  cache_lock(c);
  if (c.list == nullptr)
    refill(c);
  Run* r = c.list;
  if (r != nullptr) {
    c.list = r->next;
    cache_set_n(c, c.n - 1);
  }
  cache_unlock(c);
  if (r == nullptr)
    r = steal(&c);
  if (on)
    arch::intr_on();
  if constexpr (kJunkFill) {
    if (r != nullptr)
      memset(r, 5, kPageSize);
  }
  return r;
}

void* kzalloc() {
  void* p = kalloc();
  if (p != nullptr)
    zero_page(p);
  return p;
}

uint64 kfree_pages() {
  // Exact whenever no other hart is allocating or freeing at the same moment. Freed page-table
  // roots that a hart's satp still holds count as free: that hart frees them when it switches
  // tables or goes idle (within a timer tick).
  uint64 n = __atomic_load_n(&kmem.nfree, __ATOMIC_RELAXED) + vm_retired_pages();
  for (const HartCache& c : caches)
    n += __atomic_load_n(&c.n, __ATOMIC_RELAXED);
  return n;
}

PhysAddr kram_end() {
  return PhysAddr::from_ptr(reinterpret_cast<void*>(ram_end_va));
}

uint64 ktotal_pages() {
  return kmem.total;
}
