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

// Links the NBUF buffers into the LRU list. Hart 0, once, before any bread().
void binit();
// Returns a locked buffer with the contents of block `blockno` of `dev`. Sleeps for the disk, and
// while every buffer is in use. Needs a process context.
[[nodiscard]] Buf* bread(uint dev, uint blockno);
// Writes b's data to the disk now. The caller holds b->lock.
void bwrite(Buf* b);
// Releases b->lock and the reference from bread(); b becomes the most recently used buffer.
void brelse(Buf* b);
// Keeps b in the cache (an extra reference) until bunpin(); the log uses this for logged blocks.
void bpin(Buf* b);
void bunpin(Buf* b);
