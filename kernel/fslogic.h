// Pure file-system logic with no kernel dependencies: path elements, directory-name comparison,
// block-index math, file-range checks, log-header encoding and superblock validation.
//
// The kernel (fs.cc, log.cc) and the host unit tests (tests/kernel_fs) compile this same header, so
// everything here is constexpr arithmetic on its arguments: no locks, no disk, no allocation. It
// includes only the plain-C ABI headers, which the host compiler accepts too.
#pragma once

#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/types.h"

namespace fslogic {

// ---- Path names ----

// Copies the next element of `path` into `name` and returns the rest of the path with its leading
// slashes skipped, so the caller can check `*rest == 0` for "that was the last element".
// Returns nullptr if path holds no more elements. Like xv6, an element of DIRSIZ or more bytes is
// cut to DIRSIZ bytes with no NUL; a shorter one is NUL-terminated (name needs DIRSIZ bytes).
//   skipelem("a/bb/c", name) = "bb/c", name = "a"     skipelem("///a//bb", name) = "bb", name = "a"
//   skipelem("a", name) = "", name = "a"               skipelem("", name) = skipelem("//", name) =
//   null
constexpr const char* skipelem(const char* path, char* name) {
  while (*path == '/')
    path++;
  if (*path == 0)
    return nullptr;
  const char* start = path;
  while (*path != '/' && *path != 0)
    path++;
  uint64 len = static_cast<uint64>(path - start);
  uint64 copy = len < DIRSIZ ? len : DIRSIZ;
  for (uint64 i = 0; i < copy; i++)
    name[i] = start[i];
  if (copy < DIRSIZ)
    name[copy] = 0;
  while (*path == '/')
    path++;
  return path;
}

// True if directory names s and t are equal: compares at most DIRSIZ bytes, stopping at a NUL.
constexpr bool name_equal(const char* s, const char* t) {
  for (int i = 0; i < DIRSIZ; i++) {
    if (s[i] != t[i])
      return false;
    if (s[i] == 0)
      return true;
  }
  return true;
}

// ---- Where the bn-th block of a file lives ----

enum class BlockSlot : uint8 {
  Direct,   // ip->addrs[index]
  Indirect, // entry `index` of the indirect block ip->addrs[NDIRECT]
  Beyond,   // bn >= MAXFILE: no such block
};
struct BlockIndex {
  BlockSlot slot;
  uint index;
};

constexpr BlockIndex block_index(uint bn) {
  if (bn < NDIRECT)
    return {BlockSlot::Direct, bn};
  uint64 rel = uint64{bn} - NDIRECT;
  if (rel < NINDIRECT)
    return {BlockSlot::Indirect, static_cast<uint>(rel)};
  return {BlockSlot::Beyond, 0};
}

// Largest file in bytes.
inline constexpr uint64 kMaxFileBytes = uint64{MAXFILE} * BSIZE;

// ---- Byte ranges of readi/writei ----

// How many bytes a read of n at offset off returns from a file of `size` bytes (xv6: nothing if off
// is past the end or off + n wraps around, otherwise clamped to the end of the file).
constexpr uint read_count(uint size, uint off, uint n) {
  if (off > size || uint64{off} + n > 0xffffffffull)
    return 0;
  return off + n > size ? size - off : n;
}

enum class WriteCheck : uint8 {
  Ok,
  BadOffset, // off > size (no holes) or off + n wraps around
  TooBig,    // off + n > MAXFILE * BSIZE
};

constexpr WriteCheck write_check(uint size, uint off, uint n) {
  if (off > size || uint64{off} + n > 0xffffffffull)
    return WriteCheck::BadOffset;
  if (uint64{off} + n > kMaxFileBytes)
    return WriteCheck::TooBig;
  return WriteCheck::Ok;
}

// How many of the `left` bytes to write at file offset off from address src go in one piece of
// writei: up to the end of the disk block, and for a user source up to the end of its page too.
constexpr uint write_piece(uint off, uint64 src, uint left, bool user_src) {
  uint m = BSIZE - off % BSIZE;
  if (user_src && PGSIZE - src % PGSIZE < m)
    m = static_cast<uint>(PGSIZE - src % PGSIZE);
  return left < m ? left : m;
}

// ---- Superblock ----

// First data block: blocks [datastart, size) are the data region, everything below is metadata.
constexpr uint64 datastart(const superblock& sb) {
  return uint64{sb.size} - sb.nblocks;
}

// Returns why `sb` cannot describe a usable file system on a disk of disk_blocks blocks (0 = size
// unknown), or nullptr if it is consistent: the magic; the log (a header and MAXOPBLOCKS..LOGBLOCKS
// slots, as begin_op must admit an operation of MAXOPBLOCKS blocks) after
// the superblock; the inode blocks after the log with room for ninodes inodes (1 < ninodes <=
// 65536, dirent.inum is 16 bits); the bitmap after them with one bit per block; the data region
// after the bitmap and inside the image; and the image inside the disk.
constexpr const char* superblock_problem(const superblock& sb, uint64 disk_blocks) {
  if (sb.magic != FSMAGIC)
    return "wrong magic number (not an xv6 file system)";
  if (sb.size == 0)
    return "size is 0";
  if (disk_blocks != 0 && sb.size > disk_blocks)
    return "size is larger than the disk (truncated image?)";
  if (sb.nlog < 2)
    return "log too small (nlog < 2)";
  if (sb.nlog > LOGBLOCKS + 1)
    return "log too large (nlog > LOGBLOCKS + 1)";
  if (sb.nlog < MAXOPBLOCKS + 1)
    return "log too small for one operation (nlog < MAXOPBLOCKS + 1)";
  if (sb.ninodes <= ROOTINO)
    return "no room for the root inode (ninodes <= 1)";
  if (sb.ninodes > 65536)
    return "too many inodes (ninodes > 65536)";
  if (sb.logstart < 2)
    return "log overlaps the boot block or superblock";
  if (uint64{sb.logstart} + sb.nlog > sb.inodestart)
    return "inode blocks overlap the log";
  uint64 inode_blocks = (uint64{sb.ninodes} + IPB - 1) / IPB;
  if (uint64{sb.inodestart} + inode_blocks > sb.bmapstart)
    return "bitmap overlaps the inode blocks";
  uint64 bitmap_blocks = (uint64{sb.size} + BPB - 1) / BPB;
  if (sb.nblocks == 0 || sb.nblocks > sb.size)
    return "bad number of data blocks";
  if (uint64{sb.bmapstart} + bitmap_blocks > datastart(sb))
    return "data blocks overlap the bitmap";
  return nullptr;
}

// True if b may hold file data or an indirect block: inside the data region of the image.
constexpr bool is_data_block(const superblock& sb, uint b) {
  return b >= datastart(sb) && b < sb.size;
}

// ---- How many blocks one transaction may log ----

// The log's capacity in blocks for a log region of nlog blocks and a cache of nbuf buffers: at most
// LOGBLOCKS and nlog - 1 (one block is the header), and small enough that the cache can never fill
// with buffers that only a commit can free. Every logged block stays pinned in the cache until its
// transaction commits; besides those, each outstanding operation (at most capacity / MAXOPBLOCKS
// of them, by begin_op's admission rule) may hold one buffer while it waits in bread for another,
// and the commit itself needs one more. With capacity + operations + 1 <= nbuf a buffer is always
// free or held by someone who will release it without waiting for a commit, so bread only waits.
constexpr uint log_capacity(uint nlog, uint nbuf) {
  uint cap = nlog - 1 < LOGBLOCKS ? nlog - 1 : LOGBLOCKS;
  while (cap > 0 && cap + cap / MAXOPBLOCKS + 1 > nbuf)
    cap--;
  return cap;
}

// ---- Log header: { int n; int block[LOGBLOCKS]; } at the start of block sb.logstart ----

struct LogHeader {
  uint n = 0;                 // committed blocks (0 = nothing to install)
  uint block[LOGBLOCKS] = {}; // home block numbers of log blocks logstart+1 .. logstart+n
};

// Writes h as the on-disk header (little-endian 32-bit words; the rest of the block is left alone).
constexpr void encode_log_header(const LogHeader& h, uchar* block) {
  auto put = [block](int word, uint v) {
    for (int i = 0; i < 4; i++)
      block[4 * word + i] = static_cast<uchar>(v >> (8 * i));
  };
  put(0, h.n);
  for (uint i = 0; i < LOGBLOCKS; i++)
    put(static_cast<int>(i) + 1, i < h.n ? h.block[i] : 0);
}

// Reads the on-disk header into *h. Returns why it cannot be installed, or nullptr if it can: n
// must fit in the log (n <= min(LOGBLOCKS, nlog - 1)) and each home block must lie in the image,
// outside the boot block, the superblock and the log itself.
constexpr const char* decode_log_header(const uchar* block, const superblock& sb, LogHeader* h) {
  auto get = [block](int word) {
    uint v = 0;
    for (int i = 0; i < 4; i++)
      v |= static_cast<uint>(block[4 * word + i]) << (8 * i);
    return v;
  };
  h->n = get(0);
  uint capacity = sb.nlog - 1 < LOGBLOCKS ? sb.nlog - 1 : LOGBLOCKS;
  if (h->n > capacity)
    return "log header counts more blocks than the log holds";
  for (uint i = 0; i < LOGBLOCKS; i++)
    h->block[i] = i < h->n ? get(static_cast<int>(i) + 1) : 0;
  for (uint i = 0; i < h->n; i++) {
    uint b = h->block[i];
    if (b < 2 || b >= sb.size)
      return "log header names a block outside the file system";
    if (b >= sb.logstart && uint64{b} < uint64{sb.logstart} + sb.nlog)
      return "log header names a log block";
  }
  return nullptr;
}

} // namespace fslogic
