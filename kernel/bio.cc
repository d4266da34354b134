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

// Returns a referenced, unlocked buffer for (dev, blockno): the cached one if present, otherwise
// the least recently used unreferenced buffer, relabelled and marked invalid. When every buffer is
// referenced it sleeps until one is released (see fslogic::log_capacity for why one always will
// be). Takes and releases bcache.lock; the reference keeps (dev, blockno) fixed until brelse.
Buf* bget(uint dev, uint blockno) EXCLUDES(bcache.lock) {
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
  return found;
}

// Drops one reference to b; a buffer nobody references any more may be recycled, so wakes bget's
// waiters. Requires bcache.lock.
void unref_locked(Buf* b) REQUIRES(bcache.lock) {
  b->refcnt--;
  if (b->refcnt == 0 && bcache.waiters > 0)
    wakeup(&bcache);
}

// Panics unless the current process holds b's sleeplock (who names the caller); afterwards the
// analysis knows the lock is held, which bread's callers cannot tell it (see bread).
void check_locked(Buf* b, const char* who) ASSERT_CAPABILITY(b->lock) {
  if (!b->lock.holding())
    panic("%s: buffer %u not locked", who, b->blockno);
}

} // namespace

// Links the NBUF buffers into the LRU list (all unreferenced). Hart 0, once, before any bread.
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

// Returns a buffer with the contents of block blockno of dev, referenced and with its sleeplock
// held; reads the disk if the cache does not hold the block. Sleeps. The analysis is off because a
// capability reached through the return value cannot be named in an ACQUIRE: the lock it takes
// is held by the caller until brelse, and brelse and bwrite check it at run time (check_locked).
Buf* bread(uint dev, uint blockno) NO_THREAD_SAFETY_ANALYSIS {
  Buf* b = bget(dev, blockno);
  b->lock.acquire();
  if (!b->valid) {
    virtio_disk_rw(b, /*write=*/false);
    b->valid = true;
  }
  return b;
}

// Writes b's data to its disk block now and waits for the disk. The caller holds b->lock.
void bwrite(Buf* b) {
  check_locked(b, "bwrite");
  virtio_disk_rw(b, /*write=*/true);
}

// Releases b's sleeplock and the reference from bread; an unreferenced buffer moves to the most
// recently used end of the list. The caller holds b->lock; takes bcache.lock.
void brelse(Buf* b) {
  check_locked(b, "brelse");
  b->lock.release();
  SpinGuard guard(bcache.lock);
  unref_locked(b);
  if (b->refcnt == 0)
    move_to_front_locked(b);
}

// Adds a reference that keeps b cached (and its block number fixed) until bunpin; the log pins
// the blocks of a transaction until they are installed. Takes bcache.lock.
void bpin(Buf* b) {
  SpinGuard guard(bcache.lock);
  b->refcnt++;
}

// Drops bpin's reference. Takes bcache.lock.
void bunpin(Buf* b) {
  SpinGuard guard(bcache.lock);
  if (b->refcnt == 0)
    panic("bunpin: buffer %u not pinned", b->blockno);
  unref_locked(b);
}
