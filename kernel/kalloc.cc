// Physical page allocator: LIFO free lists of 4096-byte pages threaded through the pages
// themselves. A global list under kmem.lock, and in front of it a small cache per hart, so the
// common kalloc()/ kfree() (a lazy fault, an eager sbrk page, a shrink) costs a few instructions
// instead of a contended spinlock. Pages never handed out yet are not on any list: they are a
// range the global list draws from, lowest first, when it runs dry, so that boot writes to no
// page it does not use (QEMU backs guest RAM with host memory only where the guest first touches
// it, and touching all of it at boot cost 0.05-0.5 s). Free pages = that range + global list +
// every hart's cache, exactly.
//
// Every managed page has a reference count, kept as the number of sharers beyond the first (in a
// table kinit() places in the first pages it manages), so that kalloc() need not write it: a page
// kalloc() returns has 0 (one user), PageRefs::inc() adds a sharer (copy-on-write fork), and
// kfree() drops one, freeing the page only when none is left beyond the caller.
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
  // Pages never handed out, [fresh, fresh_end) (direct-map addresses): refill() takes from here
  // once freelist is empty. fresh is written atomically for kfree_pages().
  uint64 fresh GUARDED_BY(lock) = 0;
  uint64 fresh_end = 0; // written once by kinit
  uint64 total = 0;     // written once by kinit
};
constinit Kmem kmem;

// The lock of a hart's page cache: a bare amoswap, without Spinlock's interrupt bookkeeping,
// because its users already run with interrupts off (they must stay on one hart while using its
// cache). Not reentrant; no holding() check.
class CAPABILITY("cache lock") CacheLock {
public:
  // Spins until this hart holds the lock. Interrupts must be off.
  void acquire() ACQUIRE() {
    while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
    }
  }
  // Releases the lock, publishing the holder's writes to the next holder.
  void release() RELEASE() { __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE); }

private:
  uint32 locked_ = 0;
};
using CacheGuard = LockGuard<CacheLock>;

// A hart's private stock of free pages. Touched with interrupts off, under `lock`: an uncontended
// amoswap for the owner; other harts take it only to steal pages when everything else is empty.
// Lock order: a cache's lock, then kmem.lock; never two cache locks at once.
constexpr uint32 kCacheMax = 64;   // more than this: give kCacheBatch back to the global list
constexpr uint32 kCacheBatch = 32; // pages moved between the global list and a cache at once
struct alignas(64) HartCache {
  CacheLock lock;
  uint32 n GUARDED_BY(lock) = 0; // pages on list; written atomically for kfree_pages()
  Run* list GUARDED_BY(lock) = nullptr;
};
constinit HartCache caches[NCPU];

// kfree_pages() reads these instead of locking: updates in progress, and updates completed.
constinit uint64 count_writers = 0;
constinit uint64 count_version = 0;

// Sets c.n with an atomic store, for kfree_pages(), which reads it without the lock. Requires
// c.lock.
void cache_set_n(HartCache& c, uint32 n) REQUIRES(c.lock) {
  __atomic_store_n(&c.n, n, __ATOMIC_RELAXED);
}

// Moves up to kCacheBatch pages into c: from the global list, then from the never-used range.
// Requires c.lock; takes kmem.lock.
[[gnu::noinline]] void refill(HartCache& c) REQUIRES(c.lock) EXCLUDES(kmem.lock) {
  SpinGuard guard(kmem.lock);
  free_count_begin();
  uint32 listed = 0;
  while (listed < kCacheBatch && kmem.freelist != nullptr) {
    Run* r = kmem.freelist;
    kmem.freelist = r->next;
    r->next = c.list;
    c.list = r;
    listed++;
  }
  uint64 fresh = kmem.fresh;
  for (uint32 moved = listed; moved < kCacheBatch && fresh < kmem.fresh_end; moved++) {
    Run* r = reinterpret_cast<Run*>(fresh);
    r->next = c.list;
    c.list = r;
    fresh += kPageSize;
  }
  const uint32 taken = static_cast<uint32>((fresh - kmem.fresh) / kPageSize);
  __atomic_store_n(&kmem.fresh, fresh, __ATOMIC_RELAXED);
  __atomic_store_n(&kmem.nfree, kmem.nfree - listed, __ATOMIC_RELAXED);
  cache_set_n(c, c.n + listed + taken);
  free_count_end();
}

// Moves kCacheBatch pages from c back to the global list. Requires c.lock; takes kmem.lock.
[[gnu::noinline]] void drain(HartCache& c) REQUIRES(c.lock) EXCLUDES(kmem.lock) {
  SpinGuard guard(kmem.lock);
  free_count_begin();
  for (uint32 i = 0; i < kCacheBatch && c.list != nullptr; i++) {
    Run* r = c.list;
    c.list = r->next;
    r->next = kmem.freelist;
    kmem.freelist = r;
    cache_set_n(c, c.n - 1);
    __atomic_store_n(&kmem.nfree, kmem.nfree + 1, __ATOMIC_RELAXED);
  }
  free_count_end();
}

// Last resort when this hart's cache and the global list are empty: one page from another hart's
// cache, or nullptr. Interrupts off; takes each other cache's lock in turn, so holds none.
[[gnu::noinline]] Run* steal(const HartCache* mine) {
  for (HartCache& c : caches) {
    if (&c == mine)
      continue;
    CacheGuard guard(c.lock);
    Run* r = c.list;
    if (r != nullptr) {
      c.list = r->next;
      cache_set_n(c, c.n - 1);
      return r;
    }
  }
  return nullptr;
}

// One past the last page (direct-map address of the end of RAM), set once by kinit.
constinit uint64 ram_end_va = 0;

// A page is mapped by at most one PTE per process (a process never maps one physical page at two
// addresses), and the kernel keeps no reference of its own to a user page, so a count never
// exceeds NPROC (zombies included: a slot is freed only after its memory). One byte would hold
// that; four cost 0.1% of RAM and make every update one amoadd.w/amoswap instead of an LR/SC loop
// on a masked word (RV64A has no byte or halfword AMOs), which fork pays once per page.
static_assert(NPROC < (1ull << 32) - 1, "a page's reference count must fit in a PageRefCount");

// The first page after the kernel image, where the reference counts start.
uint64 image_end() {
  return page_round_up(reinterpret_cast<uint64>(end));
}
// The first page kinit() puts on the free list, the first after the reference counts; set once.
constinit uint64 first_page = 0;
// Panics unless a (a direct-map address) is a page kalloc() can have returned.
void check_page(uint64 a, const char* who) {
  if ((a & (kPageSize - 1)) != 0 || a < first_page || a >= ram_end_va)
    panic("%s: bad page %p", who, reinterpret_cast<void*>(a));
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

constinit PageRefCount* kpage_refs = nullptr;
constinit uint64 kpage_refs_base = 0;

// Places the reference counts (all 0) after the kernel image; every page from there to ram_end is
// free, handed out lowest first (the harts' caches and the global list start empty). Hart 0, once,
// before any kalloc(). Takes kmem.lock.
void kinit(PhysAddr ram_end) {
  ram_end_va = reinterpret_cast<uint64>(ram_end.page_base().as_ptr());
  kpage_refs = reinterpret_cast<PageRefCount*>(image_end());
  kpage_refs_base = PhysAddr::from_ptr(kpage_refs).raw();
  first_page =
      image_end() + page_round_up((ram_end_va - image_end()) / kPageSize * sizeof(PageRefCount));
  memset(kpage_refs, 0, first_page - image_end());
  SpinGuard guard(kmem.lock);
  kmem.fresh = first_page;
  kmem.fresh_end = ram_end_va;
  kmem.total = (ram_end_va - first_page) / kPageSize;
}

// Drops one reference to the page at pa; the last one returns it to the free pages
// (kfree_unshared). Panics on an address kalloc() cannot have returned.
void kfree(void* pa) {
  check_page(reinterpret_cast<uint64>(pa), "kfree");
  if (PageRefs().drop_shared(PhysAddr::from_ptr(pa)))
    return; // another sharer keeps the page
  kfree_unshared(pa);
}

// Returns the page at pa, whose last reference the caller has dropped, to this hart's cache
// (junk-filled if kJunkFill), moving a batch to the global list when the cache is full. Panics on
// an address kalloc() cannot have returned. Takes this hart's cache lock (and kmem.lock when
// draining) with interrupts off.
void kfree_unshared(void* pa) {
  check_page(reinterpret_cast<uint64>(pa), "kfree");
  if constexpr (kJunkFill)
    memset(pa, 1, kPageSize);
  Run* r = static_cast<Run*>(pa);
  bool on = arch::intr_save_off(); // stay on this hart while using its cache
  HartCache& c = caches[cpuid()];
  {
    CacheGuard guard(c.lock);
    r->next = c.list;
    c.list = r;
    cache_set_n(c, c.n + 1);
    if (c.n > kCacheMax)
      drain(c);
  }
  if (on)
    arch::intr_on();
}

// Returns a free page (content undefined; junk if kJunkFill), or nullptr if none is left: from
// this hart's cache, refilled from the global list when empty, else stolen from another hart.
// Takes this hart's cache lock (and kmem.lock to refill), then other caches' locks, interrupts off.
void* kalloc() {
  bool on = arch::intr_save_off(); // stay on this hart while using its cache
  HartCache& c = caches[cpuid()];
  Run* r = nullptr;
  {
    CacheGuard guard(c.lock);
    if (c.list == nullptr)
      refill(c);
    r = c.list;
    if (r != nullptr) {
      c.list = r->next;
      cache_set_n(c, c.n - 1);
    }
  }
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

// kalloc(), then zero_page(): a zeroed page, or nullptr.
void* kzalloc() {
  void* p = kalloc();
  if (p != nullptr)
    zero_page(p);
  return p;
}

// Copies the page at src to dst: 512 loads and 512 stores, unrolled (no loop), 8 registers at a
// time over each half of the page (a load's or store's offset reaches 2047 bytes). A COW fault's
// copy and forkcopy's.
void copy_page(void* dst, const void* src) {
  char* d = static_cast<char*>(dst);
  const char* s = static_cast<const char*>(src);
  asm volatile(".set copy_page_off, 0\n"
               ".rept 32\n"
               "ld t0, copy_page_off+0(%1)\n"
               "ld t1, copy_page_off+8(%1)\n"
               "ld t2, copy_page_off+16(%1)\n"
               "ld t3, copy_page_off+24(%1)\n"
               "ld t4, copy_page_off+32(%1)\n"
               "ld t5, copy_page_off+40(%1)\n"
               "ld t6, copy_page_off+48(%1)\n"
               "ld a7, copy_page_off+56(%1)\n"
               "sd t0, copy_page_off+0(%0)\n"
               "sd t1, copy_page_off+8(%0)\n"
               "sd t2, copy_page_off+16(%0)\n"
               "sd t3, copy_page_off+24(%0)\n"
               "sd t4, copy_page_off+32(%0)\n"
               "sd t5, copy_page_off+40(%0)\n"
               "sd t6, copy_page_off+48(%0)\n"
               "sd a7, copy_page_off+56(%0)\n"
               "ld t0, copy_page_off+0(%3)\n"
               "ld t1, copy_page_off+8(%3)\n"
               "ld t2, copy_page_off+16(%3)\n"
               "ld t3, copy_page_off+24(%3)\n"
               "ld t4, copy_page_off+32(%3)\n"
               "ld t5, copy_page_off+40(%3)\n"
               "ld t6, copy_page_off+48(%3)\n"
               "ld a7, copy_page_off+56(%3)\n"
               "sd t0, copy_page_off+0(%2)\n"
               "sd t1, copy_page_off+8(%2)\n"
               "sd t2, copy_page_off+16(%2)\n"
               "sd t3, copy_page_off+24(%2)\n"
               "sd t4, copy_page_off+32(%2)\n"
               "sd t5, copy_page_off+40(%2)\n"
               "sd t6, copy_page_off+48(%2)\n"
               "sd a7, copy_page_off+56(%2)\n"
               ".set copy_page_off, copy_page_off + 64\n"
               ".endr\n"
               :
               : "r"(d), "r"(s), "r"(d + kPageSize / 2), "r"(s + kPageSize / 2)
               : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a7", "memory");
}

// Free pages: the global list, every hart's cache and the retired page-table roots. No locks:
// relaxed atomic loads of the counters.
uint64 kfree_pages() {
  // Freed page-table roots that a hart's satp still holds count as free: that hart frees them
  // when it switches tables or goes idle (within a timer tick). The sum is retried while a page
  // may be in flight between two counters (free_count_begin/end), which would count it twice or
  // not at all; a single kalloc() or kfree() changes one counter, so it is never in flight.
  for (;;) {
    const uint64 version = __atomic_load_n(&count_version, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&count_writers, __ATOMIC_SEQ_CST) != 0)
      continue;
    uint64 n = __atomic_load_n(&kmem.nfree, __ATOMIC_SEQ_CST) + vm_retired_pages() +
               (kmem.fresh_end - __atomic_load_n(&kmem.fresh, __ATOMIC_SEQ_CST)) / kPageSize;
    for (const HartCache& c : caches)
      n += __atomic_load_n(&c.n, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&count_writers, __ATOMIC_SEQ_CST) == 0 &&
        __atomic_load_n(&count_version, __ATOMIC_SEQ_CST) == version)
      return n;
  }
}

// Marks the start of a move of pages between kfree_pages()'s counters.
void free_count_begin() {
  __atomic_fetch_add(&count_writers, 1, __ATOMIC_SEQ_CST);
}

// Marks its end: kfree_pages() calls that overlapped it sum again.
void free_count_end() {
  __atomic_fetch_add(&count_version, 1, __ATOMIC_SEQ_CST);
  __atomic_fetch_sub(&count_writers, 1, __ATOMIC_SEQ_CST);
}

// The end of RAM that kinit() was given (its page base).
PhysAddr kram_end() {
  return PhysAddr::from_ptr(reinterpret_cast<void*>(ram_end_va));
}

// Pages the allocator manages: kinit()'s count, constant after boot.
uint64 ktotal_pages() {
  return kmem.total;
}
