// In-memory inodes, directories and path names: the file-system layer above the log.
//
// An Inode is the kernel's copy of a dinode plus bookkeeping. Life cycle:
//   * iget()/namei() return a referenced, UNLOCKED inode (ref counts C pointers: open files, cwds,
//     local variables). The entry in the table keeps (dev, inum) while ref > 0. idup() adds a ref.
//   * ilock() reads the dinode from disk if needed (valid) and takes the sleeplock; type, size,
//     addrs, nlink, major, minor may be read or written only with it held. iunlock() drops it.
//   * iput() drops a reference; the last reference to an inode with nlink == 0 frees the inode and
//     its blocks on disk, so iput() (and namei, which may iput) must run inside
//     begin_op()/end_op().
// Locking order: an inode's sleeplock before the buffer cache; a directory before its children
// (namex locks one directory at a time, never holding two).
//
// Thread-safety annotations: ilock ACQUIREs ip->lock, iunlock/iunlockput RELEASE it, and readi,
// writei, stati and the directory functions REQUIRE it, so -Wthread-safety checks callers. A
// function that holds an inode's lock across a call of its own should say REQUIRES(ip->lock) too.
#pragma once

#include "kernel/fs.h"
#include "kernel/result.h"
#include "kernel/sleeplock.h"
#include "kernel/types.h"

struct stat;
struct Buf;

struct Inode {
  constexpr Inode() : lock("inode") {}
  Inode(const Inode&) = delete;
  Inode& operator=(const Inode&) = delete;

  // Guarded by the inode table's spinlock (fs.cc).
  uint dev = 0;  // device number
  uint inum = 0; // inode number
  int ref = 0;   // reference count

  Sleeplock lock;                      // protects everything below here
  bool valid GUARDED_BY(lock) = false; // the fields below have been read from disk
  short type GUARDED_BY(lock) = 0;     // copy of the dinode: T_DIR, T_FILE, T_DEVICE (0 = free)
  short major GUARDED_BY(lock) = 0;
  short minor GUARDED_BY(lock) = 0;
  short nlink GUARDED_BY(lock) = 0;
  uint size GUARDED_BY(lock) = 0;
  uint addrs[NDIRECT + 1] GUARDED_BY(lock) = {};
};

// Initialises the inode table. Hart 0, once.
void iinit();
// Reads the superblock of `dev`, validates it (a corrupt or truncated image stops the system with
// "fsinit: bad superblock: <reason>"), and recovers the log. Needs a process context (sleeps).
void fsinit(int dev);

// Allocates a free inode on dev, marks it with `type` on disk, and returns it referenced and
// unlocked; Error::NoSpace when every inode on disk, or every entry of the inode table, is in use
// (the disk is then unchanged). Inside a transaction.
[[nodiscard]] Result<Inode*> ialloc(uint dev, short type);
// Copies ip's fields to its dinode through the log. Inside a transaction.
void iupdate(Inode* ip) REQUIRES(ip->lock);
// Returns the in-memory inode for (dev, inum), referenced, unlocked, not necessarily read from
// disk; nullptr if all NINODE entries are in use.
[[nodiscard]] Inode* iget(uint dev, uint inum);
// Adds a reference to ip and returns it (for `ip2 = idup(ip)`).
Inode* idup(Inode* ip);
// Locks ip, reading it from disk if needed. Panics on a free (type 0) inode.
void ilock(Inode* ip) ACQUIRE(ip->lock);
// Unlocks ip.
void iunlock(Inode* ip) RELEASE(ip->lock);
// Drops a reference; frees the inode on disk if it was the last one and nlink == 0. Inside a
// transaction; ip must be unlocked.
void iput(Inode* ip);
// iunlock(ip) then iput(ip).
void iunlockput(Inode* ip) RELEASE(ip->lock);
// Frees every data block of ip and sets its size to 0. Inside a transaction.
void itrunc(Inode* ip) REQUIRES(ip->lock);
// Fills *st from ip.
void stati(Inode* ip, struct stat* st) REQUIRES(ip->lock);

// Reads up to n bytes at offset off into dst (a user address if user_dst, else a kernel address).
// Returns the bytes read (0 at or past end of file); Error::BadAddress if dst is bad.
[[nodiscard]] Result<int> readi(Inode* ip, bool user_dst, uint64 dst, uint off, uint n)
    REQUIRES(ip->lock);
// Writes n bytes from src at offset off, growing the file. Returns the bytes written, which is n
// unless the disk filled up or src turned bad part-way (then the shorter count, or an error if
// nothing was written). Error::Invalid if off > size; Error::TooBig past MAXFILE. Inside a
// transaction.
[[nodiscard]] Result<int> writei(Inode* ip, bool user_src, uint64 src, uint off, uint n)
    REQUIRES(ip->lock);

// True if the two directory names are equal (compares at most DIRSIZ bytes).
[[nodiscard]] bool namecmp(const char* s, const char* t);
// Looks for `name` in directory dp. Returns the entry's inode (referenced, unlocked) and, if poff
// is not null, the entry's byte offset; Error::NotFound if absent, Error::NoSpace if the entry
// exists but the inode table is full.
[[nodiscard]] Result<Inode*> dirlookup(Inode* dp, const char* name, uint* poff) REQUIRES(dp->lock);
// Adds the entry (name, inum) to directory dp. Error::Exists if name is present; NoSpace/TooBig if
// the directory cannot grow. Inside a transaction.
[[nodiscard]] Result<void> dirlink(Inode* dp, const char* name, uint inum) REQUIRES(dp->lock);

// Returns the inode for path (absolute, or relative to the current process's cwd), referenced and
// unlocked, or nullptr (no such path, or the inode table is full). Inside a transaction (it may
// iput).
[[nodiscard]] Inode* namei(const char* path);
// Like namei but returns the parent directory and copies the last element into name (DIRSIZ bytes);
// nullptr for "/" or a missing parent.
[[nodiscard]] Inode* nameiparent(const char* path, char* name);
