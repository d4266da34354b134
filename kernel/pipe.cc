// Pipes (see pipe.h). Each pipe is a PIPESIZE-byte ring: nwrite counts bytes ever written, nread
// bytes ever read (both wrap around as uints), so the ring holds nwrite - nread bytes; it is full
// at PIPESIZE and empty when they are equal. Readers sleep on &nread, writers on &nwrite.
//
// Pipes come from a fixed pool rather than from kalloc: each open pipe needs two Files, so at most
// NFILE / 2 pipes can ever exist, and a static pool of that size can never run out first.

#include "kernel/pipe.h"

#include "kernel/file.h"
#include "kernel/param.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"

struct Pipe {
  Spinlock lock{"pipe"};
  bool in_use = false;                     // guarded by the pool's lock
  uint nread GUARDED_BY(lock) = 0;         // bytes read
  uint nwrite GUARDED_BY(lock) = 0;        // bytes written
  bool readopen GUARDED_BY(lock) = false;  // read end still open
  bool writeopen GUARDED_BY(lock) = false; // write end still open
  char data[PIPESIZE] GUARDED_BY(lock) = {};
};

namespace {

constexpr int kMaxPipes = NFILE / 2;

struct PipePool {
  Spinlock lock{"pipepool"}; // guards every Pipe's in_use
  Pipe pipe[kMaxPipes];
};
constinit PipePool pool;

// Takes a free pipe from the pool, both ends open and empty; nullptr if none is free. Takes
// pool.lock, then the pipe's lock.
Pipe* pipe_get() {
  Pipe* pi = nullptr;
  {
    SpinGuard guard(pool.lock);
    for (Pipe& p : pool.pipe) {
      if (!p.in_use) {
        p.in_use = true;
        pi = &p;
        break;
      }
    }
  }
  if (pi == nullptr)
    return nullptr;
  SpinGuard guard(pi->lock);
  pi->nread = 0;
  pi->nwrite = 0;
  pi->readopen = true;
  pi->writeopen = true;
  return pi;
}

// Returns a pipe with both ends closed to the pool. Takes pool.lock.
void pipe_put(Pipe* pi) {
  SpinGuard guard(pool.lock);
  pi->in_use = false;
}

} // namespace

// Allocates a pipe and two Files for it: *f0 reads, *f1 writes. Error::NoSpace if the file table
// or the pipe pool is full (nothing is left allocated then).
Result<void> pipealloc(File** f0, File** f1) {
  File* rf = filealloc();
  File* wf = rf != nullptr ? filealloc() : nullptr;
  Pipe* pi = wf != nullptr ? pipe_get() : nullptr;
  if (pi == nullptr) {
    // Files still of FileType::None: closing them only frees the slots.
    if (rf != nullptr)
      fileclose(rf);
    if (wf != nullptr)
      fileclose(wf);
    return Error::NoSpace;
  }
  rf->type = FileType::Pipe;
  rf->readable = true;
  rf->writable = false;
  rf->pipe = pi;
  wf->type = FileType::Pipe;
  wf->readable = false;
  wf->writable = true;
  wf->pipe = pi;
  *f0 = rf;
  *f1 = wf;
  return {};
}

// Closes the write end (writable) or the read end of pi and wakes the other end's sleepers; the
// second close returns the pipe to the pool. Takes pi->lock.
void pipeclose(Pipe* pi, bool writable) {
  bool both_closed;
  {
    SpinGuard guard(pi->lock);
    if (writable) {
      pi->writeopen = false;
      wakeup(&pi->nread); // readers see end of file
    } else {
      pi->readopen = false;
      wakeup(&pi->nwrite); // writers see a broken pipe
    }
    both_closed = !pi->readopen && !pi->writeopen;
  }
  // With both ends closed no File points here any more: nobody else can touch pi.
  if (both_closed)
    pipe_put(pi);
}

// Writes n bytes from user address addr, sleeping while the ring is full. Returns n; as xv6,
// Error::Broken if the read end closes (Killed if the caller is killed) before all went in; a bad
// address ends the write early (BadAddress if no byte went in). Holds pi->lock except while asleep.
Result<int> pipewrite(Pipe* pi, uint64 addr, int n) {
  Proc* pr = myproc();
  int i = 0;
  SpinGuard guard(pi->lock);
  while (i < n) {
    if (!pi->readopen)
      return Error::Broken;
    if (killed(pr))
      return Error::Killed;
    uint used = pi->nwrite - pi->nread;
    if (used == PIPESIZE) {
      wakeup(&pi->nread);
      sleep(&pi->nwrite, pi->lock);
      continue;
    }
    // Copy as much as fits contiguously: up to the free space, and up to the end of the ring.
    uint pos = pi->nwrite % PIPESIZE;
    uint m = static_cast<uint>(n - i);
    if (m > PIPESIZE - used)
      m = PIPESIZE - used;
    if (m > PIPESIZE - pos)
      m = PIPESIZE - pos;
    if (!either_copyin(&pi->data[pos], /*user_src=*/true, addr + static_cast<uint64>(i), m).ok()) {
      if (i == 0)
        return Error::BadAddress;
      break;
    }
    pi->nwrite += m;
    i += static_cast<int>(m);
  }
  wakeup(&pi->nread);
  return i;
}

// Reads up to n bytes into user address addr, sleeping while the ring is empty and the write end
// is open. Returns the count (0 at end of file); Error::Killed if killed while waiting,
// BadAddress if no byte could be copied out. Holds pi->lock except while asleep.
Result<int> piperead(Pipe* pi, uint64 addr, int n) {
  Proc* pr = myproc();
  SpinGuard guard(pi->lock);
  while (pi->nread == pi->nwrite && pi->writeopen) {
    if (killed(pr))
      return Error::Killed;
    sleep(&pi->nread, pi->lock);
  }
  int i = 0;
  while (i < n && pi->nread != pi->nwrite) {
    uint avail = pi->nwrite - pi->nread;
    uint pos = pi->nread % PIPESIZE;
    uint m = static_cast<uint>(n - i);
    if (m > avail)
      m = avail;
    if (m > PIPESIZE - pos)
      m = PIPESIZE - pos;
    if (!either_copyout(/*user_dst=*/true, addr + static_cast<uint64>(i), &pi->data[pos], m).ok()) {
      if (i == 0)
        return Error::BadAddress;
      break;
    }
    pi->nread += m;
    i += static_cast<int>(m);
  }
  wakeup(&pi->nwrite);
  return i;
}
