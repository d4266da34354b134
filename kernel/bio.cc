// Buffer cache (see bio.h). The NBUF buffers sit on one circular doubly-linked list headed by
// `head`, ordered by recency of release: head.next is the most recently used, head.prev the least.
// Looking a block up and recycling a buffer both walk this list under the cache spinlock.

#include "kernel/bio.h"

#include "kernel/param.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/virtio_disk.h"

namespace {

struct BufCache {
  Spinlock lock{"bcache"}; // guards every Buf's dev, blockno, refcnt, prev, next, and waiters
  Buf buf[NBUF];
  Buf head;                         // list sentinel; holds no block
  int waiters GUARDED_BY(lock) = 0; // processes sleeping in bget until a buffer is unreferenced
};

constinit BufCache bcache;

// Moves b to the most-recently-used end of the list. Requires bcache.lock.
void move_to_front_locked(Buf* b) REQUIRES(bcache.lock) {
  b->next->prev = b->prev;
  b->prev->next = b->next;
  b->next = bcache.head.next;
  b->prev = &bcache.head;
  bcache.head.next->prev = b;
  bcache.head.next = b;
}

// Returns a referenced buffer for (dev, blockno): the cached one if present, otherwise the least
// recently used unreferenced buffer, relabelled and marked invalid. When every buffer is referenced
// it sleeps until one is released (see fslogic::log_capacity for why one always will be). Returns
// it locked (sleeps); the analysis cannot follow a lock handed out through a returned pointer.
Buf* bget(uint dev, uint blockno) NO_THREAD_SAFETY_ANALYSIS {
  Buf* found = nullptr;
  {
    SpinGuard guard(bcache.lock);
    while (found == nullptr) {
      for (Buf* b = bcache.head.next; b != &bcache.head; b = b->next) {
        if (b->dev == dev && b->blockno == blockno) {
          b->refcnt++;
          found = b;
          break;
        }
      }
      if (found != nullptr)
        break;
      // Not cached: recycle the least recently used buffer nobody references.
      for (Buf* b = bcache.head.prev; b != &bcache.head; b = b->prev) {
        if (b->refcnt == 0) {
          b->dev = dev;
          b->blockno = blockno;
          b->valid = false; // no one else can hold b->lock: refcnt was 0
          b->refcnt = 1;
          found = b;
          break;
        }
      }
      if (found == nullptr) {
        // Another process may cache this very block meanwhile: look again after waking.
        bcache.waiters++;
        sleep(&bcache, bcache.lock);
        bcache.waiters--;
      }
    }
  }
  found->lock.acquire();
  return found;
}

// Drops one reference to b; a buffer nobody references any more may be recycled, so wake bget's
// waiters. Requires bcache.lock.
void unref_locked(Buf* b) REQUIRES(bcache.lock) {
  b->refcnt--;
  if (b->refcnt == 0 && bcache.waiters > 0)
    wakeup(&bcache);
}

} // namespace

void binit() {
  SpinGuard guard(bcache.lock);
  bcache.head.prev = &bcache.head;
  bcache.head.next = &bcache.head;
  for (Buf& b : bcache.buf) {
    b.next = bcache.head.next;
    b.prev = &bcache.head;
    bcache.head.next->prev = &b;
    bcache.head.next = &b;
  }
}

// The returned buffer's sleeplock is held (released by brelse), which the analysis cannot follow
// through a returned pointer.
Buf* bread(uint dev, uint blockno) NO_THREAD_SAFETY_ANALYSIS {
  Buf* b = bget(dev, blockno);
  if (!b->valid) {
    virtio_disk_rw(b, /*write=*/false);
    b->valid = true;
  }
  return b;
}

void bwrite(Buf* b) {
  if (!b->lock.holding())
    panic("bwrite: buffer %u not locked", b->blockno);
  virtio_disk_rw(b, /*write=*/true);
}

void brelse(Buf* b) NO_THREAD_SAFETY_ANALYSIS {
  if (!b->lock.holding())
    panic("brelse: buffer %u not locked", b->blockno);
  b->lock.release();
  SpinGuard guard(bcache.lock);
  unref_locked(b);
  if (b->refcnt == 0)
    move_to_front_locked(b);
}

void bpin(Buf* b) {
  SpinGuard guard(bcache.lock);
  b->refcnt++;
}

void bunpin(Buf* b) {
  SpinGuard guard(bcache.lock);
  if (b->refcnt == 0)
    panic("bunpin: buffer %u not pinned", b->blockno);
  unref_locked(b);
}
