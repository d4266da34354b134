// File system implementation, above the log. Layers, bottom up:
//   + Blocks (virtio_disk.cc, bio.cc): raw disk blocks and their cache.
//   + Log (log.cc): crash recovery for multi-step updates.
//   + Blocks in this file: allocation in the free bitmap.
//   + Inodes: allocation, reading, writing, metadata (the life cycle is in inode.h).
//   + Directories: inodes whose contents are a list of dirents.
//   + Names: paths like /usr/rtm/xv6/fs.c.
// The system calls on top are in sysfile.cc, open files in file.cc.
//
// Everything that writes the disk here runs inside begin_op()/end_op() and writes through
// log_write(); only fsinit's reads happen before the log exists.
//
// Corrupt disks: fsinit() refuses an inconsistent superblock and halts the machine with a reason;
// afterwards a block number read from disk (an inode's addrs, an indirect block, a directory
// entry's inum) is checked before use, and a bad one panics with the inode and the number, rather
// than letting the kernel read or scribble over arbitrary blocks.

#include "kernel/inode.h"

#include "kernel/bio.h"
#include "kernel/fslogic.h"
#include "kernel/kstring.h"
#include "kernel/log.h"
#include "kernel/param.h"
#include "kernel/poweroff.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/stat.h"
#include "kernel/types.h"
#include "kernel/virtio_disk.h"

namespace {

// The disk, in BSIZE-byte blocks, as mkfs lays it out (the superblock says where each region
// starts; nothing here assumes a size):
//
//   [ boot | super | log         | inodes        | free bitmap   | data          ]
//   0      1       sb.logstart   sb.inodestart   sb.bmapstart    datastart(sb)   sb.size
//
//   log:    a header block, then the blocks of the transaction being committed (log.cc);
//   inodes: IPB dinodes per block, dinode i in block IBLOCK(i, sb); dinode 0 is never used;
//   bitmap: one bit per block of the image, block b's bit in block BBLOCK(b, sb);
//   data:   file and directory contents and indirect blocks, handed out by balloc.
// A dinode lists NDIRECT direct block numbers and one indirect block of NINDIRECT more (bmap), so
// a file holds at most MAXFILE blocks; block number 0 means "none" (block 0 is the boot block).
//
// The root device's superblock: written once by fsinit, read-only afterwards.
constinit superblock sb{};

// The in-memory inode table. `lock` guards every entry's dev, inum and ref; an entry with ref == 0
// is free to be recycled by iget.
struct InodeTable {
  Spinlock lock{"itable"};
  Inode inode[NINODE];
};
constinit InodeTable itable;

// ---- Blocks ----

// Panics unless b (read from inode ip's metadata) lies in the data region.
void check_data_block(const Inode* ip, uint b) {
  if (!fslogic::is_data_block(sb, b))
    panic("fs: inode %u on dev %u names block %u outside the data region [%lu, %u): corrupt disk",
          ip->inum, ip->dev, b, fslogic::datastart(sb), sb.size);
}

// Zeroes block bno through the log.
void bzero(uint dev, uint bno) {
  Buf* bp = bread(dev, bno);
  memset(bp->data, 0, BSIZE);
  log_write(bp);
  brelse(bp);
}

// Allocates a zeroed data block; Error::NoSpace when the disk is full. Only the data region is
// searched, so even a corrupt bitmap cannot hand out a metadata block. Inside a transaction.
Result<uint> balloc(uint dev) {
  uint b = static_cast<uint>(fslogic::datastart(sb));
  while (b < sb.size) {
    Buf* bp = bread(dev, BBLOCK(b, sb));
    uint bitmap_end = (b / BPB + 1) * BPB; // first block covered by the next bitmap block
    for (; b < sb.size && b < bitmap_end; b++) {
      uint bi = b % BPB;
      uchar mask = static_cast<uchar>(1u << (bi % 8));
      if ((bp->data[bi / 8] & mask) == 0) {
        bp->data[bi / 8] |= mask;
        log_write(bp);
        brelse(bp);
        bzero(dev, b);
        return b;
      }
    }
    brelse(bp);
  }
  printf("balloc: out of blocks\n");
  return Error::NoSpace;
}

// Marks data block b free in the bitmap. Inside a transaction.
void bfree(const Inode* ip, uint b) {
  check_data_block(ip, b);
  Buf* bp = bread(ip->dev, BBLOCK(b, sb));
  uint bi = b % BPB;
  uchar mask = static_cast<uchar>(1u << (bi % 8));
  if ((bp->data[bi / 8] & mask) == 0)
    panic("bfree: block %u is already free (inode %u): corrupt disk", b, ip->inum);
  bp->data[bi / 8] &= static_cast<uchar>(~mask);
  log_write(bp);
  brelse(bp);
}

// Does bmap allocate missing blocks (writes) or report them as 0 (reads)?
enum class Bmap : bool { Lookup, Allocate };

// The disk block holding block bn of ip's contents. With Bmap::Allocate, missing blocks (and the
// indirect block) are allocated, and Error::NoSpace means the disk is full (nothing is then left
// allocated); with Bmap::Lookup a missing block is 0. bn must be below MAXFILE (callers check the
// byte range first).
Result<uint> bmap(Inode* ip, uint bn, Bmap mode) REQUIRES(ip->lock) {
  fslogic::BlockIndex where = fslogic::block_index(bn);
  if (where.slot == fslogic::BlockSlot::Beyond)
    panic("bmap: block %u of inode %u out of range", bn, ip->inum);

  if (where.slot == fslogic::BlockSlot::Direct) {
    uint addr = ip->addrs[where.index];
    if (addr == 0 && mode == Bmap::Allocate) {
      TRY_ASSIGN(addr, balloc(ip->dev));
      ip->addrs[where.index] = addr;
    }
    if (addr != 0)
      check_data_block(ip, addr);
    return addr;
  }

  uint ind = ip->addrs[NDIRECT];
  bool new_ind = false;
  if (ind == 0) {
    if (mode == Bmap::Lookup)
      return 0u;
    TRY_ASSIGN(ind, balloc(ip->dev));
    ip->addrs[NDIRECT] = ind;
    new_ind = true;
  }
  check_data_block(ip, ind);
  Buf* bp = bread(ip->dev, ind);
  uint* a = reinterpret_cast<uint*>(bp->data);
  uint addr = a[where.index];
  if (addr == 0 && mode == Bmap::Allocate) {
    Result<uint> r = balloc(ip->dev);
    if (!r.ok()) {
      brelse(bp);
      if (new_ind) { // an indirect block pointing at nothing would stay allocated past the size
        bfree(ip, ind);
        ip->addrs[NDIRECT] = 0;
      }
      return r.error();
    }
    addr = r.value();
    a[where.index] = addr;
    log_write(bp);
  }
  brelse(bp);
  if (addr != 0)
    check_data_block(ip, addr);
  return addr;
}

// Frees an inode whose last link and last reference are gone: its blocks, then its dinode.
void ifree(Inode* ip) REQUIRES(ip->lock) {
  itrunc(ip);
  ip->type = 0;
  iupdate(ip);
  ip->valid = false;
}

// The two places that touch sleeplock-guarded inode fields holding only itable.lock. They are
// safe because ref says nobody holds, waits for or can reach the sleeplock (taking it instead
// would nest it inside a spinlock); assert_unused() checks that nobody holds it and tells the
// thread-safety analysis so.
//
// iget recycling an entry: with ref == 0 nobody holds, waits for or can reach its sleeplock.
void forget_contents_unreferenced(Inode* ip) REQUIRES(itable.lock) {
  ip->lock.assert_unused();
  ip->valid = false;
}
// iput: is this the last reference to an unlinked inode? With ref == 1 (the caller's, who does not
// hold the sleeplock) nobody else holds it, and no directory names ip, so nobody can iget it.
bool last_ref_to_unlinked(Inode* ip) REQUIRES(itable.lock) {
  if (ip->ref != 1)
    return false;
  ip->lock.assert_unused();
  return ip->valid && ip->nlink == 0;
}

// Walks path one directory at a time, holding one directory's lock at a time, and returns the
// inode it names (referenced, unlocked) or nullptr: the walk behind namei and nameiparent. With
// want_parent, stops one element early, copies the last element into name and returns the parent.
Inode* namex(const char* path, bool want_parent, char* name) {
  Inode* ip = (*path == '/') ? iget(ROOTDEV, ROOTINO) : idup(myproc()->cwd);
  if (ip == nullptr)
    return nullptr; // the inode table is full
  while ((path = fslogic::skipelem(path, name)) != nullptr) {
    ilock(ip);
    if (ip->type != T_DIR) {
      iunlockput(ip);
      return nullptr;
    }
    if (want_parent && *path == '\0') {
      iunlock(ip); // stop one level early
      return ip;
    }
    Result<Inode*> next = dirlookup(ip, name, nullptr);
    iunlockput(ip);
    if (!next.ok())
      return nullptr;
    ip = next.value();
  }
  if (want_parent) { // the path was "/" (or only slashes): it has no parent
    iput(ip);
    return nullptr;
  }
  return ip;
}

} // namespace

// ---- Superblock ----

// Halts with a clear message unless the root inode is a directory: otherwise every path lookup
// would fail, and the first sign would be a puzzling "exec /init failed". Called once, after log
// recovery, in the first process (ilock may sleep on the disk).
static void check_root(int dev) {
  begin_op();
  Inode* root = iget(dev, ROOTINO);
  if (root == nullptr)
    panic("fsinit: inode table full at boot");
  ilock(root);
  short type = root->type;
  iunlockput(root);
  end_op();
  if (type != T_DIR) {
    printf("fsinit: root inode %d is not a directory (type %d)\n", ROOTINO, type);
    printf("fsinit: cannot mount the root file system; halting\n");
    poweroff(1);
  }
}

// Reads dev's superblock into sb, refuses (halts the machine with "fsinit: bad superblock:
// <reason>") one that does not describe a usable image on this disk, recovers the log and checks
// the root directory. Once, in the first process: it sleeps on the disk.
void fsinit(int dev) {
  uint64 disk_blocks = virtio_disk_blocks();
  if (disk_blocks < 2) {
    printf("fsinit: bad superblock: the disk has %lu blocks, too small to hold one\n", disk_blocks);
    poweroff(1);
  }
  Buf* bp = bread(dev, 1);
  memmove(&sb, bp->data, sizeof(sb));
  brelse(bp);
  const char* problem = fslogic::superblock_problem(sb, disk_blocks);
  if (problem != nullptr) {
    printf("fsinit: bad superblock: %s\n", problem);
    printf("fsinit: magic %x size %u nblocks %u ninodes %u nlog %u logstart %u inodestart %u "
           "bmapstart %u;"
           " disk %lu blocks\n",
           sb.magic, sb.size, sb.nblocks, sb.ninodes, sb.nlog, sb.logstart, sb.inodestart,
           sb.bmapstart, disk_blocks);
    printf("fsinit: cannot mount the root file system; halting\n");
    poweroff(1);
  }
  initlog(dev, sb);
  check_root(dev);
}

// ---- Inodes ----

// Initialises the inode table: nothing to do, as it is constinit with every entry free (ref 0);
// kept as xv6's hook.
void iinit() {}

// Allocates a free dinode on dev with the given type and returns its inode, referenced and
// unlocked; Error::NoSpace when every dinode, or every table entry, is in use (then the disk is
// unchanged). Inside a transaction; sleeps on the inode blocks' buffers.
Result<Inode*> ialloc(uint dev, short type) {
  for (uint inum = 1; inum < sb.ninodes; inum++) {
    Buf* bp = bread(dev, IBLOCK(inum, sb));
    dinode* dip = reinterpret_cast<dinode*>(bp->data) + inum % IPB;
    if (dip->type == 0) { // a free inode
      // Take a table entry first, so that a full table leaves the disk unchanged.
      Inode* ip = iget(dev, inum);
      if (ip == nullptr) {
        brelse(bp);
        return Error::NoSpace;
      }
      memset(dip, 0, sizeof(*dip));
      dip->type = type;
      log_write(bp); // marks it allocated on the disk
      brelse(bp);
      return ip;
    }
    brelse(bp);
  }
  printf("ialloc: no inodes\n");
  return Error::NoSpace;
}

// Copies ip's in-memory fields to its dinode through the log. Must be called after every change
// of a field that lives on disk. Inside a transaction; the caller holds ip->lock.
void iupdate(Inode* ip) {
  Buf* bp = bread(ip->dev, IBLOCK(ip->inum, sb));
  dinode* dip = reinterpret_cast<dinode*>(bp->data) + ip->inum % IPB;
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(bp);
  brelse(bp);
}

// Returns the table entry for (dev, inum) with one more reference, unlocked and not necessarily
// read from disk (ilock does that); nullptr if all NINODE entries are in use. Panics on an inum
// outside the disk's inodes. Takes itable.lock.
Inode* iget(uint dev, uint inum) {
  if (inum == 0 || inum >= sb.ninodes)
    panic("iget: inode number %u out of range (dev %u): corrupt disk?", inum, dev);
  SpinGuard guard(itable.lock);
  Inode* empty = nullptr;
  for (Inode& ip : itable.inode) {
    if (ip.ref > 0 && ip.dev == dev && ip.inum == inum) {
      ip.ref++;
      return &ip;
    }
    if (empty == nullptr && ip.ref == 0)
      empty = &ip;
  }
  if (empty == nullptr)
    return nullptr; // NINODE inodes in use: the caller's system call fails
  empty->dev = dev;
  empty->inum = inum;
  empty->ref = 1;
  forget_contents_unreferenced(empty);
  return empty;
}

// Adds a reference to ip and returns it, for `ip2 = idup(ip)`. Takes itable.lock.
Inode* idup(Inode* ip) {
  SpinGuard guard(itable.lock);
  ip->ref++;
  return ip;
}

// Takes ip's sleeplock, reading the dinode from disk the first time. Panics on a free inode or on
// a type or size no valid disk holds. ip must be referenced; sleeps.
void ilock(Inode* ip) {
  if (ip == nullptr || ip->ref < 1)
    panic("ilock: inode not referenced");
  ip->lock.acquire();
  if (ip->valid)
    return;
  Buf* bp = bread(ip->dev, IBLOCK(ip->inum, sb));
  const dinode* dip = reinterpret_cast<const dinode*>(bp->data) + ip->inum % IPB;
  ip->type = dip->type;
  ip->major = dip->major;
  ip->minor = dip->minor;
  ip->nlink = dip->nlink;
  ip->size = dip->size;
  memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
  brelse(bp);
  ip->valid = true;
  if (ip->type == 0)
    panic("ilock: inode %u is free (no type)", ip->inum);
  if (ip->type != T_DIR && ip->type != T_FILE && ip->type != T_DEVICE)
    panic("ilock: inode %u has bad type %d: corrupt disk", ip->inum, ip->type);
  if (ip->size > fslogic::kMaxFileBytes)
    panic("ilock: inode %u has bad size %u: corrupt disk", ip->inum, ip->size);
}

// Releases ip's sleeplock, which the caller holds.
void iunlock(Inode* ip) {
  if (ip == nullptr || !ip->lock.holding() || ip->ref < 1)
    panic("iunlock: inode not locked");
  ip->lock.release();
}

// Drops a reference. The last reference to an inode with no links also frees it on disk (its
// blocks, then its dinode), so every iput runs inside a transaction. The caller does not hold
// ip->lock; takes itable.lock, and ip->lock when freeing.
void iput(Inode* ip) {
  {
    SpinGuard guard(itable.lock);
    if (!last_ref_to_unlinked(ip)) {
      ip->ref--;
      return;
    }
  }
  {
    // Free it on disk. Taking its sleeplock cannot block (see last_ref_to_unlinked).
    SleepGuard guard(ip->lock);
    ifree(ip);
  }
  SpinGuard guard(itable.lock);
  ip->ref--;
}

// iunlock(ip) then iput(ip): the common ending of a use of a locked inode.
void iunlockput(Inode* ip) {
  iunlock(ip);
  iput(ip);
}

// Frees every data block of ip (and the indirect block) and sets its size to 0; bumps ip->gen.
// Inside a transaction; the caller holds ip->lock.
void itrunc(Inode* ip) {
  ip->gen++;
  for (uint i = 0; i < NDIRECT; i++) {
    if (ip->addrs[i] != 0) {
      bfree(ip, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }
  if (ip->addrs[NDIRECT] != 0) {
    check_data_block(ip, ip->addrs[NDIRECT]);
    Buf* bp = bread(ip->dev, ip->addrs[NDIRECT]);
    const uint* a = reinterpret_cast<const uint*>(bp->data);
    for (uint j = 0; j < NINDIRECT; j++) {
      if (a[j] != 0)
        bfree(ip, a[j]);
    }
    brelse(bp);
    bfree(ip, ip->addrs[NDIRECT]);
    ip->addrs[NDIRECT] = 0;
  }
  ip->size = 0;
  iupdate(ip);
}

// Fills *st from ip for fstat. The caller holds ip->lock.
void stati(Inode* ip, struct stat* st) {
  st->dev = static_cast<int>(ip->dev);
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// ---- Contents ----

// Copies up to n bytes at offset off of ip to dst, a user address if user_dst, else a kernel one.
// Returns the count copied (0 at or past the end of the file); Error::BadAddress if dst is not
// writable. The caller holds ip->lock.
Result<int> readi(Inode* ip, bool user_dst, uint64 dst, uint off, uint n) {
  n = fslogic::read_count(ip->size, off, n);
  uint tot = 0;
  while (tot < n) {
    uint addr = 0;
    TRY_ASSIGN(addr, bmap(ip, off / BSIZE, Bmap::Lookup));
    if (addr == 0)
      break; // a hole: only a corrupt inode has one below its size
    Buf* bp = bread(ip->dev, addr);
    uint m = n - tot < BSIZE - off % BSIZE ? n - tot : BSIZE - off % BSIZE;
    Result<void> r = either_copyout(user_dst, dst, bp->data + off % BSIZE, m);
    brelse(bp);
    if (!r.ok())
      return Error::BadAddress;
    tot += m;
    off += m;
    dst += m;
  }
  return static_cast<int>(tot);
}

// Writes n bytes from src (user or kernel, as user_src says) at offset off, growing the file.
// Returns n, or less if the disk filled up or src went bad part-way (an error if nothing was
// written); Error::Invalid if off > size, Error::TooBig past MAXFILE. Bumps ip->gen. Inside a
// transaction; the caller holds ip->lock.
Result<int> writei(Inode* ip, bool user_src, uint64 src, uint off, uint n) {
  switch (fslogic::write_check(ip->size, off, n)) {
  case fslogic::WriteCheck::Ok:
    break;
  case fslogic::WriteCheck::BadOffset:
    return Error::Invalid;
  case fslogic::WriteCheck::TooBig:
    return Error::TooBig;
  }
  ip->gen++;
  uint tot = 0;
  Error failure = Error::Invalid;
  bool failed = false;
  while (tot < n) {
    // One piece inside one block and one user page: copyin moves a page's bytes all or none, so a
    // bad source leaves the block untouched and every byte counted in tot is logged.
    uint m = fslogic::write_piece(off, src, n - tot, user_src);
    // Check the source before bmap can allocate a block that no byte would then fill.
    char probe = 0;
    if (!either_copyin(&probe, user_src, src, 1).ok()) {
      failed = true;
      failure = Error::BadAddress;
      break;
    }
    Result<uint> addr = bmap(ip, off / BSIZE, Bmap::Allocate);
    if (!addr.ok()) { // disk full
      failed = true;
      failure = addr.error();
      break;
    }
    Buf* bp = bread(ip->dev, addr.value());
    if (!either_copyin(bp->data + off % BSIZE, user_src, src, m).ok()) {
      brelse(bp); // nothing was copied: the page checked above is the same one
      failed = true;
      failure = Error::BadAddress;
      break;
    }
    log_write(bp);
    brelse(bp);
    tot += m;
    off += m;
    src += m;
  }
  if (off > ip->size)
    ip->size = off;
  // Write the inode back even if the size did not change: bmap may have added blocks to addrs.
  iupdate(ip);
  if (failed && tot == 0)
    return failure;
  return static_cast<int>(tot);
}

// ---- Directories ----

// True if the directory names s and t are equal (at most DIRSIZ bytes are compared).
bool namecmp(const char* s, const char* t) {
  return fslogic::name_equal(s, t);
}

// Looks name up in directory dp. Returns its inode (referenced, unlocked) and, if poff is not
// null, the entry's byte offset; Error::NotFound if absent, Error::NoSpace if the inode table is
// full. The caller holds dp->lock.
Result<Inode*> dirlookup(Inode* dp, const char* name, uint* poff) {
  if (dp->type != T_DIR)
    panic("dirlookup: inode %u is not a directory", dp->inum);
  dirent de{};
  for (uint off = 0; off < dp->size; off += sizeof(de)) {
    Result<int> r = readi(dp, /*user_dst=*/false, reinterpret_cast<uint64>(&de), off, sizeof(de));
    if (!r.ok() || r.value() != static_cast<int>(sizeof(de)))
      break; // a torn last entry: ignore it
    if (de.inum == 0)
      continue;
    if (namecmp(name, de.name)) {
      if (poff != nullptr)
        *poff = off;
      Inode* ip = iget(dp->dev, de.inum);
      if (ip == nullptr)
        return Error::NoSpace;
      return ip;
    }
  }
  return Error::NotFound;
}

// Adds the entry (name, inum) to directory dp, in the first free slot or at the end. Returns
// Error::Exists if name is present, Error::NotFound if dp has been unlinked, NoSpace or TooBig if
// dp cannot grow. Inside a transaction; the caller holds dp->lock.
Result<void> dirlink(Inode* dp, const char* name, uint inum) {
  // A directory already unlinked (someone's cwd may still be inside it) takes no new names: an
  // entry there would be unreachable from / and its inode lost on disk once the process leaves.
  if (dp->nlink < 1)
    return Error::NotFound;
  Result<Inode*> existing = dirlookup(dp, name, nullptr);
  if (existing.ok()) {
    iput(existing.value());
    return Error::Exists;
  }
  if (existing.error() != Error::NotFound)
    return existing.error(); // present or not, it cannot be told: add nothing
  // Find an empty slot, or append at the end.
  dirent de{};
  uint off = 0;
  for (; off < dp->size; off += sizeof(de)) {
    Result<int> r = readi(dp, /*user_dst=*/false, reinterpret_cast<uint64>(&de), off, sizeof(de));
    if (!r.ok() || r.value() != static_cast<int>(sizeof(de)))
      panic("dirlink: cannot read directory %u", dp->inum);
    if (de.inum == 0)
      break;
  }
  strncpy(de.name, name, DIRSIZ);
  de.inum = static_cast<ushort>(inum);
  Result<int> w = writei(dp, /*user_src=*/false, reinterpret_cast<uint64>(&de), off, sizeof(de));
  if (!w.ok())
    return w.error();
  if (w.value() != static_cast<int>(sizeof(de)))
    return Error::NoSpace;
  return {};
}

// ---- Path names ----

// Returns the inode for path (absolute, or relative to the process's cwd), referenced and
// unlocked, or nullptr if there is none or the inode table is full. Inside a transaction (the
// walk may drop the last reference to a directory).
Inode* namei(const char* path) {
  char name[DIRSIZ];
  return namex(path, /*want_parent=*/false, name);
}

// Like namei but returns the parent directory of path's last element and copies that element
// into name (DIRSIZ bytes); nullptr for "/" or a missing parent. Inside a transaction.
Inode* nameiparent(const char* path, char* name) {
  return namex(path, /*want_parent=*/true, name);
}
