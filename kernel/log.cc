// Write-ahead log with group commit: crash-safe multi-block updates of the file system.
//
// A system call brackets its disk updates with begin_op()/end_op(). Inside, code changes a buffer
// and calls log_write(b) instead of bwrite(b). Operations run concurrently; their log_write()s
// accumulate in the in-memory header `lh` (a block written twice takes one slot: absorption), and
// the logged buffers stay pinned in the cache. begin_op() admits an operation only if, even if
// every outstanding one writes MAXOPBLOCKS blocks, the log cannot overflow. When the last
// operation ends, end_op() commits:
//   1. write_log:    copy each logged block from the cache into its log slot
//   2. write_head:   write the header with n > 0        <- the commit point
//   3. install_trans: copy each block to its home location
//   4. write_head:   write the header with n = 0        <- the transaction is gone
// A crash before 2 loses the transaction, after 2 the boot-time recovery (initlog) repeats 3 and
// 4, so each operation's updates are all-or-nothing.
//
// On disk (xv6's format): block sb.logstart holds the header { int n; int block[LOGBLOCKS]; } and
// blocks sb.logstart+1 .. sb.logstart+n hold copies of the blocks named by block[0..n-1].

#include "kernel/log.h"

#include "kernel/bio.h"
#include "kernel/fslogic.h"
#include "kernel/kstring.h"
#include "kernel/param.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"

namespace {

struct Log {
  Spinlock lock{"log"};
  int dev = 0;       // set once by initlog
  uint start = 0;    // block number of the header; log slot i is block start + 1 + i
  uint capacity = 0; // log slots an open transaction may use: fslogic::log_capacity
  int outstanding GUARDED_BY(lock) = 0; // operations between begin_op and end_op
  bool committing GUARDED_BY(lock) = false;
  // Guarded by `lock`, except while `committing`: then only the committing process touches it.
  fslogic::LogHeader lh;
};

constinit Log log;

// Copies the committed blocks from their log slots to their home locations. At boot (recovering)
// the home buffers were never pinned; after a commit each was pinned by log_write.
void install_trans(bool recovering) {
  for (uint i = 0; i < log.lh.n; i++) {
    Buf* from = bread(log.dev, log.start + 1 + i);
    Buf* to = bread(log.dev, log.lh.block[i]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    if (!recovering)
      bunpin(to);
    brelse(from);
    brelse(to);
  }
}

// Reads the on-disk header into log.lh; a header that cannot be installed stops the system.
void read_head(const superblock& sb) {
  Buf* b = bread(log.dev, log.start);
  const char* problem = fslogic::decode_log_header(b->data, sb, &log.lh);
  brelse(b);
  if (problem != nullptr)
    panic("initlog: bad log header: %s", problem);
}

// Writes log.lh to the header block. With n > 0 this is the commit point.
void write_head() {
  Buf* b = bread(log.dev, log.start);
  fslogic::encode_log_header(log.lh, b->data);
  bwrite(b);
  brelse(b);
}

// Copies each block named in the header from the cache into its log slot.
void write_log() {
  for (uint i = 0; i < log.lh.n; i++) {
    Buf* to = bread(log.dev, log.start + 1 + i);
    Buf* from = bread(log.dev, log.lh.block[i]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    brelse(from);
    brelse(to);
  }
}

// Commits the current transaction. Called with log.committing set and log.lock NOT held (it sleeps
// on the disk); committing keeps every other process out of log.lh.
void commit() {
  if (log.lh.n == 0)
    return;
  write_log();
  write_head();
  install_trans(/*recovering=*/false);
  log.lh.n = 0;
  write_head();
}

} // namespace

// Sets the log up from the superblock (nlog already validated by fsinit) and recovers: installs a
// transaction committed before a crash, then clears the header. Once, from fsinit, in a process
// (it sleeps on the disk).
void initlog(int dev, const superblock& sb) {
  static_assert(sizeof(fslogic::LogHeader) <= BSIZE, "log header must fit in one block");
  static_assert(fslogic::log_capacity(LOGBLOCKS + 1, NBUF) >= MAXOPBLOCKS,
                "the buffer cache is too small for a transaction of MAXOPBLOCKS blocks");
  log.dev = dev;
  log.start = sb.logstart;
  log.capacity = fslogic::log_capacity(sb.nlog, NBUF);
  if (log.capacity < MAXOPBLOCKS)
    panic("initlog: log of %u blocks cannot hold one operation", sb.nlog);
  // Recovery: install a transaction committed before a crash, then clear the header.
  read_head(sb);
  if (log.lh.n > 0)
    printf("initlog: recovering %u logged blocks\n", log.lh.n);
  install_trans(/*recovering=*/true);
  log.lh.n = 0;
  write_head();
}

// Starts a file-system operation, which may log at most MAXOPBLOCKS distinct blocks. Sleeps while
// the log is committing or the outstanding operations could fill it. Takes log.lock.
void begin_op() {
  SpinGuard guard(log.lock);
  for (;;) {
    if (log.committing) {
      sleep(&log, log.lock);
    } else if (log.lh.n + static_cast<uint>(log.outstanding + 1) * MAXOPBLOCKS > log.capacity) {
      // This operation might exhaust the log space; wait for the others to commit.
      sleep(&log, log.lock);
    } else {
      log.outstanding++;
      return;
    }
  }
}

// Ends an operation; the last outstanding one commits (sleeping on the disk, without log.lock)
// and wakes the processes waiting in begin_op. Takes log.lock.
void end_op() {
  bool do_commit = false;
  {
    SpinGuard guard(log.lock);
    if (log.outstanding <= 0)
      panic("end_op: no operation in progress");
    if (log.committing)
      panic("end_op: called during a commit");
    log.outstanding--;
    if (log.outstanding == 0) {
      do_commit = true;
      log.committing = true;
    } else {
      // begin_op() may be waiting for log space, and this operation's reservation is now free.
      wakeup(&log);
    }
  }
  if (do_commit) {
    commit(); // without the spinlock: it sleeps on the disk
    SpinGuard guard(log.lock);
    log.committing = false;
    wakeup(&log);
  }
}

// Records that b (locked, changed by the caller) is written by the current transaction and pins it
// in the cache until the commit installs it; a block logged twice takes one slot. Panics outside
// begin_op/end_op or past the log's capacity (kernel bugs). Takes log.lock.
void log_write(Buf* b) {
  SpinGuard guard(log.lock);
  if (log.outstanding < 1)
    panic("log_write: block %u written outside a transaction", b->blockno);
  uint i = 0;
  while (i < log.lh.n && log.lh.block[i] != b->blockno)
    i++; // absorption
  if (i == log.lh.n) {
    if (log.lh.n >= log.capacity)
      panic("log_write: transaction too big (%u blocks)", log.lh.n);
    log.lh.block[i] = b->blockno;
    log.lh.n++;
    bpin(b); // keep the modified block in the cache until it is installed
  }
}
