// Physical page allocator: LIFO free lists of 4096-byte pages threaded through the pages themselves.
// A global list under kmem.lock, and in front of it a small cache per hart, so the common kalloc()/
// kfree() (a lazy fault, an eager sbrk page, a shrink) costs a few instructions instead of a
// contended spinlock. Free pages = global list + every hart's cache, exactly.
#include "kernel/kalloc.h"

#include "kernel/addr.h"
#include "kernel/arch.h"
#include "kernel/kstring.h"
#include "kernel/memlayout.h"
#include "kernel/param.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"

extern char end[];  // first address after the kernel image (kernel.ld)

namespace {

// Debug aid: fill freed and allocated pages with junk to catch dangling references. Off in the
// default build: it costs two 4 KiB writes per page (shared/DESIGN.md, "Costs").
constexpr bool kJunkFill = false;

struct Run {
  Run* next;
};

struct Kmem {
  Spinlock lock{"kmem"};
  Run* freelist GUARDED_BY(lock) = nullptr;
  uint64 nfree GUARDED_BY(lock) = 0;  // pages on freelist; written atomically for kfree_pages()
  uint64 total = 0;                   // written once by kinit
};
constinit Kmem kmem;

// A hart's private stock of free pages. Touched with interrupts off, under `lock`: an uncontended
// amoswap for the owner; other harts take it only to steal pages when everything else is empty.
// Lock order: a cache's lock, then kmem.lock; never two cache locks at once.
constexpr uint32 kCacheMax = 64;    // more than this: give kCacheBatch back to the global list
constexpr uint32 kCacheBatch = 32;  // pages moved between the global list and a cache at once
struct alignas(64) HartCache {
  uint32 lock = 0;
  uint32 n = 0;  // pages on list; written atomically for kfree_pages()
  Run* list = nullptr;
};
constinit HartCache caches[NCPU];

void cache_lock(HartCache& c) {
  while (__atomic_exchange_n(&c.lock, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
}
void cache_unlock(HartCache& c) { __atomic_store_n(&c.lock, 0u, __ATOMIC_RELEASE); }
void cache_set_n(HartCache& c, uint32 n) { __atomic_store_n(&c.n, n, __ATOMIC_RELAXED); }

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
    if (&c == mine) continue;
    cache_lock(c);
    Run* r = c.list;
    if (r != nullptr) {
      c.list = r->next;
      cache_set_n(c, c.n - 1);
    }
    cache_unlock(c);
    if (r != nullptr) return r;
  }
  return nullptr;
}

uint64 first_page() { return page_round_up(reinterpret_cast<uint64>(end)); }

// Zeroes one page: four cbo.zero blocks per iteration when the machine has Zicboz (QEMU 7.2 does
// not), else 64-bit stores, 64 to an iteration. This is most of a lazy fault's cost.
void zero_page(void* page) {
  uint64 block = arch::cbo_zero_block;
  if (block != 0) {
    char* p = static_cast<char*>(page);
    char* stop = p + kPageSize;
    for (; p < stop; p += 4 * block) {
      asm volatile(
          ".insn i 0x0F, 2, x0, 4(%0)\n"  // cbo.zero (p)
          ".insn i 0x0F, 2, x0, 4(%1)\n"
          ".insn i 0x0F, 2, x0, 4(%2)\n"
          ".insn i 0x0F, 2, x0, 4(%3)\n" ::"r"(p),
          "r"(p + block), "r"(p + 2 * block), "r"(p + 3 * block)
          : "memory");
    }
    return;
  }
  // 64 stores (512 bytes) per iteration: 8 iterations of 66 instructions.
  char* p = static_cast<char*>(page);
  char* stop = p + kPageSize;
  asm volatile(
      "1:\n"
      "sd zero, 0(%0)\n sd zero, 8(%0)\n sd zero, 16(%0)\n sd zero, 24(%0)\n"
      "sd zero, 32(%0)\n sd zero, 40(%0)\n sd zero, 48(%0)\n sd zero, 56(%0)\n"
      "sd zero, 64(%0)\n sd zero, 72(%0)\n sd zero, 80(%0)\n sd zero, 88(%0)\n"
      "sd zero, 96(%0)\n sd zero, 104(%0)\n sd zero, 112(%0)\n sd zero, 120(%0)\n"
      "sd zero, 128(%0)\n sd zero, 136(%0)\n sd zero, 144(%0)\n sd zero, 152(%0)\n"
      "sd zero, 160(%0)\n sd zero, 168(%0)\n sd zero, 176(%0)\n sd zero, 184(%0)\n"
      "sd zero, 192(%0)\n sd zero, 200(%0)\n sd zero, 208(%0)\n sd zero, 216(%0)\n"
      "sd zero, 224(%0)\n sd zero, 232(%0)\n sd zero, 240(%0)\n sd zero, 248(%0)\n"
      "sd zero, 256(%0)\n sd zero, 264(%0)\n sd zero, 272(%0)\n sd zero, 280(%0)\n"
      "sd zero, 288(%0)\n sd zero, 296(%0)\n sd zero, 304(%0)\n sd zero, 312(%0)\n"
      "sd zero, 320(%0)\n sd zero, 328(%0)\n sd zero, 336(%0)\n sd zero, 344(%0)\n"
      "sd zero, 352(%0)\n sd zero, 360(%0)\n sd zero, 368(%0)\n sd zero, 376(%0)\n"
      "sd zero, 384(%0)\n sd zero, 392(%0)\n sd zero, 400(%0)\n sd zero, 408(%0)\n"
      "sd zero, 416(%0)\n sd zero, 424(%0)\n sd zero, 432(%0)\n sd zero, 440(%0)\n"
      "sd zero, 448(%0)\n sd zero, 456(%0)\n sd zero, 464(%0)\n sd zero, 472(%0)\n"
      "sd zero, 480(%0)\n sd zero, 488(%0)\n sd zero, 496(%0)\n sd zero, 504(%0)\n"
      "addi %0, %0, 512\n"
      "bltu %0, %1, 1b\n"
      : "+r"(p)
      : "r"(stop)
      : "memory");
}

}  // namespace

void kinit() {
  uint64 pa = first_page();
  SpinGuard guard(kmem.lock);
  // Push in descending order so kalloc() hands out low addresses first.
  for (uint64 a = PHYSTOP - kPageSize; a >= pa; a -= kPageSize) {
    Run* r = reinterpret_cast<Run*>(a);
    r->next = kmem.freelist;
    kmem.freelist = r;
    kmem.nfree++;
  }
  kmem.total = kmem.nfree;
}

void kfree(void* pa) {
  uint64 a = reinterpret_cast<uint64>(pa);
  if ((a & (kPageSize - 1)) != 0 || a < first_page() || a >= PHYSTOP) panic("kfree: bad page %p", pa);
  if constexpr (kJunkFill) memset(pa, 1, kPageSize);
  Run* r = static_cast<Run*>(pa);
  bool on = arch::intr_save_off();  // stay on this hart while using its cache
  HartCache& c = caches[cpuid()];
  cache_lock(c);
  r->next = c.list;
  c.list = r;
  cache_set_n(c, c.n + 1);
  if (c.n > kCacheMax) drain(c);
  cache_unlock(c);
  if (on) arch::intr_on();
}

void* kalloc() {
  bool on = arch::intr_save_off();  // stay on this hart while using its cache
  HartCache& c = caches[cpuid()];
  cache_lock(c);
  if (c.list == nullptr) refill(c);
  Run* r = c.list;
  if (r != nullptr) {
    c.list = r->next;
    cache_set_n(c, c.n - 1);
  }
  cache_unlock(c);
  if (r == nullptr) r = steal(&c);
  if (on) arch::intr_on();
  if constexpr (kJunkFill) {
    if (r != nullptr) memset(r, 5, kPageSize);
  }
  return r;
}

void* kzalloc() {
  void* p = kalloc();
  if (p != nullptr) zero_page(p);
  return p;
}

uint64 kfree_pages() {
  // Exact whenever no other hart is allocating or freeing at the same moment.
  uint64 n = __atomic_load_n(&kmem.nfree, __ATOMIC_RELAXED);
  for (const HartCache& c : caches) n += __atomic_load_n(&c.n, __ATOMIC_RELAXED);
  return n;
}

uint64 ktotal_pages() { return kmem.total; }
