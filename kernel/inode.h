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
  // Bumped by every writei and itrunc before they change the contents (in memory only: it is
  // meaningful while the caller holds a reference). exec records it; a later page load from a
  // changed executable sees it moved and refuses.
  uint64 gen GUARDED_BY(lock) = 0;
};

// Initialises the inode table.
void iinit();
// Reads and checks the superblock of `dev`, then recovers the log.
void fsinit(int dev);

// Allocates a dinode of `type` on dev; returns its inode, referenced and unlocked.
[[nodiscard]] Result<Inode*> ialloc(uint dev, short type);
// Copies ip's fields to its dinode through the log.
void iupdate(Inode* ip) REQUIRES(ip->lock);
// Returns the referenced, unlocked inode for (dev, inum); nullptr if the table is full.
[[nodiscard]] Inode* iget(uint dev, uint inum);
// Adds a reference to ip and returns it.
Inode* idup(Inode* ip);
// Locks ip, reading it from disk if needed.
void ilock(Inode* ip) ACQUIRE(ip->lock);
// Unlocks ip.
void iunlock(Inode* ip) RELEASE(ip->lock);
// Drops a reference, freeing an unlinked inode on disk with the last one.
void iput(Inode* ip);
// iunlock(ip) then iput(ip).
void iunlockput(Inode* ip) RELEASE(ip->lock);
// Frees every data block of ip and sets its size to 0.
void itrunc(Inode* ip) REQUIRES(ip->lock);
// Fills *st from ip.
void stati(Inode* ip, struct stat* st) REQUIRES(ip->lock);

// Reads up to n bytes at offset off into a user or kernel address; returns the count.
[[nodiscard]] Result<int> readi(Inode* ip, bool user_dst, uint64 dst, uint off, uint n)
    REQUIRES(ip->lock);
// Writes n bytes from a user or kernel address at offset off; returns the count.
[[nodiscard]] Result<int> writei(Inode* ip, bool user_src, uint64 src, uint off, uint n)
    REQUIRES(ip->lock);

// True if the two directory names are equal.
[[nodiscard]] bool namecmp(const char* s, const char* t);
// Looks for `name` in directory dp; returns its referenced, unlocked inode.
[[nodiscard]] Result<Inode*> dirlookup(Inode* dp, const char* name, uint* poff) REQUIRES(dp->lock);
// Adds the entry (name, inum) to directory dp.
[[nodiscard]] Result<void> dirlink(Inode* dp, const char* name, uint inum) REQUIRES(dp->lock);

// Returns the referenced, unlocked inode for path, or nullptr.
[[nodiscard]] Inode* namei(const char* path);
// Returns path's parent directory and copies the last element into name.
[[nodiscard]] Inode* nameiparent(const char* path, char* name);
