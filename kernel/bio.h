// Buffer cache: a fixed pool of NBUF in-memory copies of disk blocks.
//
// It serves two purposes: it caches popular blocks so they are read from the disk once, and it is
// the synchronisation point for a block: at most one Buf exists per (dev, blockno), and only the
// holder of its sleeplock may touch its data. Interface: bread() returns a locked buffer holding
// the block's contents; after changing the data call bwrite() (or log_write() inside a
// transaction); call brelse() when done and do not touch the buffer afterwards.
#pragma once

#include "kernel/fs.h"
#include "kernel/sleeplock.h"
#include "kernel/types.h"

// One cached disk block. Life cycle: on the cache's LRU list forever; refcnt > 0 while someone
// holds a reference from bread() (or a bpin() by the log), during which (dev, blockno) cannot
// change.
struct Buf {
  constexpr Buf() : lock("buffer") {}
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;

  // Guarded by the cache's spinlock (bio.cc): identity, references and the LRU links.
  uint dev = 0;
  uint blockno = 0;
  uint refcnt = 0;
  Buf* prev = nullptr; // LRU list: head.next is most recently used
  Buf* next = nullptr;

  // Guarded by `lock`.
  Sleeplock lock;
  bool valid = false; // data holds the block's contents (read from disk, or written)
  // Owned by the virtio driver's lock: true while the disk is working on this buffer.
  bool disk = false;
  alignas(8) uchar data[BSIZE] = {};
};

// Links the NBUF buffers into the LRU list.
void binit();
// Returns a locked buffer holding block `blockno` of `dev`.
[[nodiscard]] Buf* bread(uint dev, uint blockno);
// Writes a locked buffer's data to the disk now.
void bwrite(Buf* b);
// Unlocks b and drops bread's reference.
void brelse(Buf* b);
// Keeps b in the cache until bunpin().
void bpin(Buf* b);
// Undoes bpin().
void bunpin(Buf* b);
