// Write-ahead log: crash-safe multi-block updates of the file system.
//
// A system call brackets its disk updates with begin_op()/end_op(). Inside, code changes a buffer
// and calls log_write(b) instead of bwrite(b). When the last outstanding operation ends, the log
// commits: it copies every logged block to the log region, writes the header (the commit point),
// installs the blocks at their home locations, then clears the header (group commit). After a
// crash, initlog() replays a committed transaction, so each operation's updates are all-or-nothing.
//
// On-disk format (xv6's): block sb.logstart holds the header { int n; int block[LOGBLOCKS]; } and
// blocks sb.logstart+1 .. sb.logstart+n hold copies of the blocks named by block[0..n-1].
#pragma once

#include "kernel/fs.h"
#include "kernel/types.h"

struct Buf;

// Sets up the log from the superblock and recovers a committed transaction left by a crash.
// Called by fsinit() with a process context (it sleeps on disk I/O). nlog must already be
// validated.
void initlog(int dev, const superblock& sb);
// Starts a file-system operation; sleeps while the log is committing or could run out of space.
// Every operation may write at most MAXOPBLOCKS distinct blocks.
void begin_op();
// Ends an operation; commits if it was the last outstanding one.
void end_op();
// Records that b (locked, modified by the caller) must be written as part of the current
// transaction, and pins it in the cache until then. Writing the same block twice uses one log slot.
// Panics outside begin_op/end_op or if the transaction is too big (kernel bugs).
void log_write(Buf* b);
