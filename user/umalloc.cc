// malloc and free: a first-fit allocator over a circular, address-ordered free list (the design of
// Kernighan and Ritchie's "The C Programming Language", section 8.7).
//
// The heap grows with sbrk(), so malloc follows the kernel's default policy. Lazy (the default):
// a heap page is mapped only when first touched, so a generous chunk costs nothing until used, and
// running out of memory shows up later, as a kill on a touch. Eager (--config=eager, as xv6's
// malloc): every page is allocated when the heap grows, and malloc returns 0 when memory runs out.

#include "kernel/types.h"
#include "user/user.h"

namespace {

// Precedes every block, free or allocated. Its 16-byte size and alignment keep every payload
// 16-byte aligned, as the RISC-V ABI expects of malloc.
struct alignas(16) Header {
  Header* next; // next free block in address order (free blocks only); the list is circular
  uint64 units; // size of the block in Header units, this header included
};
static_assert(sizeof(Header) == 16, "Header must be 16 bytes");

// Smallest heap growth, in units: 64 KiB (with a lazy default, only touched pages cost memory).
constexpr uint64 kMinGrowUnits = 4096;

// The largest growth sys_sbrk accepts in one call (its delta is an int).
constexpr uint64 kMaxGrowBytes = 0x7fffffff;

// An empty block of size 0 that starts the free list before the heap has any memory.
constinit Header base = {nullptr, 0};

// The free-list entry where the last search ended; nullptr until the first malloc.
constinit Header* freep = nullptr;

// Grows the heap by at least `units` units and puts the new memory on the free list.
// Returns the free-list position to continue searching from, or nullptr if sbrk fails.
Header* morecore(uint64 units) {
  if (units < kMinGrowUnits)
    units = kMinGrowUnits;
  uint64 bytes = units * sizeof(Header);

  // The break is not necessarily 16-byte aligned (a program may call sbrk itself): pad it.
  uint64 brk = reinterpret_cast<uint64>(sbrk(0));
  uint64 pad = (sizeof(Header) - brk % sizeof(Header)) % sizeof(Header);
  if (bytes + pad > kMaxGrowBytes)
    return nullptr;

  char* p = sbrk(static_cast<int>(bytes + pad));
  if (p == SBRK_ERROR)
    return nullptr;

  Header* h = reinterpret_cast<Header*>(p + pad);
  h->units = units;
  free(h + 1);
  return freep;
}

} // namespace

extern "C" {

// Returns a block of at least nbytes bytes, 16-byte aligned, or 0 if memory cannot be had.
void* malloc(unsigned int nbytes) {
  // Round up to whole units, plus one for the header. 64-bit arithmetic: no overflow.
  uint64 units = (static_cast<uint64>(nbytes) + sizeof(Header) - 1) / sizeof(Header) + 1;

  Header* prev = freep;
  if (prev == nullptr) {
    base.next = &base;
    base.units = 0;
    freep = prev = &base;
  }

  for (Header* p = prev->next;; prev = p, p = p->next) {
    if (p->units >= units) {
      if (p->units == units) {
        prev->next = p->next; // exact fit: unlink the whole block
      } else {
        p->units -= units; // carve the block from the tail end
        p += p->units;
        p->units = units;
      }
      freep = prev;
      return p + 1;
    }
    if (p == freep) { // went all the way around the list: ask the kernel
      p = morecore(units);
      if (p == nullptr)
        return nullptr;
    }
  }
}

// Returns a block from malloc to the free list, merging it with free neighbours. free(0) is a
// no-op.
void free(void* ap) {
  if (ap == nullptr)
    return;
  Header* bp = static_cast<Header*>(ap) - 1;

  // Find p, the free block just below bp (or the list's wrap-around point if bp is at either end).
  Header* p = freep;
  while (!(bp > p && bp < p->next)) {
    if (p >= p->next && (bp > p || bp < p->next))
      break; // bp before the first or after the last
    p = p->next;
  }

  // Merge with the block above, if adjacent.
  if (bp + bp->units == p->next) {
    bp->units += p->next->units;
    bp->next = p->next->next;
  } else {
    bp->next = p->next;
  }
  // Merge with the block below, if adjacent.
  if (p + p->units == bp) {
    p->units += bp->units;
    p->next = bp->next;
  } else {
    p->next = bp;
  }
  freep = p;
}

} // extern "C"
