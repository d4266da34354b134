// Open files (see file.h): the system-wide table of NFILE Files, and reads and writes dispatched to
// pipes, inodes or device drivers.

#include "kernel/file.h"

#include "kernel/fs.h"
#include "kernel/inode.h"
#include "kernel/log.h"
#include "kernel/pipe.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/stat.h"
#include "kernel/types.h"

constinit Devsw devsw[NDEV] = {};

namespace {

struct FileTable {
  Spinlock lock{"ftable"}; // guards every File's ref (and type while ref == 0)
  File file[NFILE];
};
constinit FileTable ftable;

// The driver for device file f, or nullptr if its major number names none.
const Devsw* device_of(const File* f) {
  if (f->major < 0 || f->major >= NDEV)
    return nullptr;
  return &devsw[f->major];
}

// Largest write to an inode done in one transaction, so that it dirties at most MAXOPBLOCKS blocks:
// of those, one goes to the inode, one to the indirect block and two are slack for a write that
// does not start on a block boundary; each data block written may also dirty a bitmap block, hence
// the halving.
constexpr int kMaxWriteChunk = ((MAXOPBLOCKS - 1 - 1 - 2) / 2) * BSIZE;

} // namespace

// Initialises the file table: nothing to do, as it is constinit with every File free (ref 0,
// FileType::None); kept as xv6's hook.
void fileinit() {}

// Returns a free File, cleared and with ref 1 (the caller fills in the type), or nullptr if all
// NFILE are in use. Takes ftable.lock.
File* filealloc() {
  SpinGuard guard(ftable.lock);
  for (File& f : ftable.file) {
    if (f.ref == 0) {
      f = File{};
      f.ref = 1;
      return &f;
    }
  }
  return nullptr;
}

// Adds a reference to the open file f and returns it (dup, fork). Takes ftable.lock.
File* filedup(File* f) {
  SpinGuard guard(ftable.lock);
  if (f->ref < 1)
    panic("filedup: file not open");
  f->ref++;
  return f;
}

// Drops a reference to f; the last one frees the slot and then, without ftable.lock, closes the
// pipe end or puts the inode in a transaction of its own (both may sleep). Takes ftable.lock.
void fileclose(File* f) {
  File closing;
  {
    SpinGuard guard(ftable.lock);
    if (f->ref < 1)
      panic("fileclose: file not open");
    if (--f->ref > 0)
      return;
    closing = *f;
    f->ref = 0;
    f->type = FileType::None;
  }
  // The slot is free again; release what it pointed to without the table lock (this may sleep).
  if (closing.type == FileType::Pipe) {
    pipeclose(closing.pipe, closing.writable);
  } else if (closing.type == FileType::Inode || closing.type == FileType::Device) {
    begin_op();
    iput(closing.ip);
    end_op();
  }
}

// Copies the metadata of f's inode as a struct stat to user address addr. Error::BadFd for a pipe,
// Error::BadAddress if addr is not writable. Takes and releases the inode's lock.
Result<void> filestat(File* f, uint64 addr) {
  if (f->type != FileType::Inode && f->type != FileType::Device)
    return Error::BadFd;
  struct stat st{};
  ilock(f->ip);
  stati(f->ip, &st);
  iunlock(f->ip);
  return either_copyout(/*user_dst=*/true, addr, &st, sizeof(st));
}

// Reads up to n bytes from f into user address addr, advancing an inode's offset. Returns the
// count (0 at end of file); Error::BadFd if f is not readable or names no driver. Holds the
// inode's lock across the read and the offset update.
Result<int> fileread(File* f, uint64 addr, int n) {
  if (!f->readable)
    return Error::BadFd;
  switch (f->type) {
  case FileType::Pipe:
    return piperead(f->pipe, addr, n);
  case FileType::Device: {
    const Devsw* dev = device_of(f);
    if (dev == nullptr || dev->read == nullptr)
      return Error::BadFd;
    return dev->read(/*user_dst=*/true, addr, n);
  }
  case FileType::Inode: {
    ilock(f->ip);
    Result<int> r = readi(f->ip, /*user_dst=*/true, addr, f->off, static_cast<uint>(n));
    if (r.ok())
      f->off += static_cast<uint>(r.value());
    iunlock(f->ip);
    return r;
  }
  case FileType::None:
    break;
  }
  panic("fileread: file of no type");
}

// Writes n bytes from user address addr to f, advancing an inode's offset. Returns the count,
// short only if the disk filled up or addr went bad part-way (an error if nothing was written);
// Error::BadFd if f is not writable. Opens one transaction per chunk.
Result<int> filewrite(File* f, uint64 addr, int n) {
  if (!f->writable)
    return Error::BadFd;
  switch (f->type) {
  case FileType::Pipe:
    return pipewrite(f->pipe, addr, n);
  case FileType::Device: {
    const Devsw* dev = device_of(f);
    if (dev == nullptr || dev->write == nullptr)
      return Error::BadFd;
    return dev->write(/*user_src=*/true, addr, n);
  }
  case FileType::Inode: {
    // Write a few blocks per transaction so no transaction can exceed the log. A write that stops
    // part-way (disk full, or the buffer turns bad) returns the bytes it wrote, all of them logged;
    // only a write that wrote nothing fails.
    int done = 0;
    while (done < n) {
      int chunk = n - done < kMaxWriteChunk ? n - done : kMaxWriteChunk;
      begin_op();
      ilock(f->ip);
      Result<int> r = writei(f->ip, /*user_src=*/true, addr + static_cast<uint64>(done), f->off,
                             static_cast<uint>(chunk));
      if (r.ok())
        f->off += static_cast<uint>(r.value());
      iunlock(f->ip);
      end_op();
      if (!r.ok())
        return done > 0 ? Result<int>(done) : r.error();
      done += r.value();
      if (r.value() != chunk)
        break;
    }
    return done;
  }
  case FileType::None:
    break;
  }
  panic("filewrite: file of no type");
}
