// The xv6 on-disk format as host C++ sees it: constants taken from kernel/fs.h, constexpr layout
// math that reproduces xv6 2025's mkfs, and explicit little-endian encoding of the superblock,
// inodes and directory entries (so the host's byte order and struct padding never matter).
//
// Disk layout, in BSIZE blocks:
//   [ boot | super | log (header + LOGBLOCKS) | inode blocks | bitmap | data blocks ]
//     0      1       2 ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

// The kernel's plain-C headers live in their own namespace here: their `struct stat` and
// `struct dirent` would otherwise collide with the host's <sys/stat.h> and <dirent.h>.
namespace fsimage::abi {
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
// The macros expand here, where the headers' own type names resolve.
static_assert(MAXFILE == 268 && IPB == 16 && BPB == 8192 && NINDIRECT == 256);
} // namespace fsimage::abi

namespace fsimage {

inline constexpr uint32_t kBlockSize = BSIZE;
inline constexpr uint32_t kRootInum = ROOTINO;
inline constexpr uint32_t kMagic = FSMAGIC;
inline constexpr uint32_t kNDirect = NDIRECT;
inline constexpr uint32_t kNIndirect = kBlockSize / sizeof(uint32_t);
inline constexpr uint32_t kMaxFileBlocks = kNDirect + kNIndirect;
inline constexpr uint64_t kMaxFileBytes = uint64_t{kMaxFileBlocks} * kBlockSize;
inline constexpr uint32_t kInodeSize = sizeof(abi::dinode);
inline constexpr uint32_t kInodesPerBlock = kBlockSize / kInodeSize;
inline constexpr uint32_t kBitsPerBlock = kBlockSize * 8;
inline constexpr uint32_t kDirSiz = DIRSIZ;
inline constexpr uint32_t kDirentSize = sizeof(abi::dirent);
inline constexpr uint32_t kLogDataBlocks = LOGBLOCKS; // blocks one committed transaction may hold
inline constexpr uint32_t kDefaultLogBlocks = kLogDataBlocks + 1; // header + LOGBLOCKS
inline constexpr uint32_t kMinLogBlocks = MAXOPBLOCKS + 1; // the kernel refuses a smaller log
inline constexpr uint32_t kDefaultSize = FSSIZE;
inline constexpr uint32_t kDefaultInodes = 200;
inline constexpr uint32_t kMaxInodes = 65536;  // dirent.inum is 16 bits: inums 0..65535
inline constexpr uint32_t kMaxSize = 1u << 20; // 1 GiB: the most mkfs and fsck keep in memory

inline constexpr int16_t kTypeDir = T_DIR;
inline constexpr int16_t kTypeFile = T_FILE;
inline constexpr int16_t kTypeDevice = T_DEVICE;

static_assert(kBlockSize == 1024 && kNIndirect == 256 && kMaxFileBlocks == 268);
static_assert(sizeof(abi::superblock) == 32 && offsetof(abi::superblock, bmapstart) == 28);
static_assert(kInodeSize == 64 && kInodesPerBlock == 16);
static_assert(offsetof(abi::dinode, size) == 8 && offsetof(abi::dinode, addrs) == 12);
static_assert(kDirentSize == 16 && offsetof(abi::dirent, name) == 2);

// Where each region of an image starts and how big it is, in blocks.
struct Layout {
  uint32_t size = 0;         // total blocks in the image
  uint32_t ninodes = 0;      // inode numbers 0..ninodes-1 exist; 0 is never used
  uint32_t nlog = 0;         // log header block + log data blocks
  uint32_t logstart = 0;     // first log block (the header)
  uint32_t inodestart = 0;   // first inode block
  uint32_t ninodeblocks = 0; // inode blocks
  uint32_t bmapstart = 0;    // first bitmap block
  uint32_t nbitmap = 0;      // bitmap blocks
  uint32_t nmeta = 0;        // boot + super + log + inodes + bitmap = first data block
  uint32_t nblocks = 0;      // data blocks (0 when size cannot even hold the metadata)
};

// Computes xv6 mkfs's layout for `size` blocks and `ninodes` inodes. Like xv6, it rounds the inode
// and bitmap regions up with "n / per_block + 1". Pure arithmetic: check_layout() says if it is
// usable.
constexpr Layout compute_layout(uint32_t size, uint32_t ninodes,
                                uint32_t nlog = kDefaultLogBlocks) {
  Layout l;
  l.size = size;
  l.ninodes = ninodes;
  l.nlog = nlog;
  l.logstart = 2;
  l.inodestart = l.logstart + nlog;
  l.ninodeblocks = ninodes / kInodesPerBlock + 1;
  l.bmapstart = l.inodestart + l.ninodeblocks;
  l.nbitmap = size / kBitsPerBlock + 1;
  l.nmeta = l.bmapstart + l.nbitmap;
  l.nblocks = size > l.nmeta ? size - l.nmeta : 0;
  return l;
}

// The layout every default fs.img has (the same as xv6's mkfs).
inline constexpr Layout kDefaultLayout = compute_layout(kDefaultSize, kDefaultInodes);
static_assert(kDefaultLayout.nlog == 31 && kDefaultLayout.logstart == 2);
static_assert(kDefaultLayout.inodestart == 33 && kDefaultLayout.ninodeblocks == 13);
static_assert(kDefaultLayout.bmapstart == 46 && kDefaultLayout.nbitmap == 1);
static_assert(kDefaultLayout.nmeta == 47 && kDefaultLayout.nblocks == 1953);

// Returns why mkfs cannot build an image with this layout (ninodes < 2 or too many for 16-bit
// inums, size too large, or no room for the metadata plus the root directory's block), or nullopt
// if usable.
std::optional<std::string> check_layout(const Layout& layout);

// ---- Little-endian access to image bytes. Callers guarantee off + width <= bytes.size(). ----

constexpr uint16_t load_le16(std::span<const uint8_t> b, size_t off) {
  return static_cast<uint16_t>(b[off] | (b[off + 1] << 8));
}
constexpr uint32_t load_le32(std::span<const uint8_t> b, size_t off) {
  return uint32_t{b[off]} | (uint32_t{b[off + 1]} << 8) | (uint32_t{b[off + 2]} << 16) |
         (uint32_t{b[off + 3]} << 24);
}
constexpr void store_le16(std::span<uint8_t> b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v);
  b[off + 1] = static_cast<uint8_t>(v >> 8);
}
constexpr void store_le32(std::span<uint8_t> b, size_t off, uint32_t v) {
  for (size_t i = 0; i < 4; i++)
    b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// ---- Decoded forms of the on-disk structures. ----

// struct superblock, field for field.
struct SuperBlock {
  uint32_t magic = 0;
  uint32_t size = 0;
  uint32_t nblocks = 0;
  uint32_t ninodes = 0;
  uint32_t nlog = 0;
  uint32_t logstart = 0;
  uint32_t inodestart = 0;
  uint32_t bmapstart = 0;

  // First data block: everything below it is metadata (size - nblocks; 0 if nblocks > size).
  constexpr uint32_t datastart() const { return nblocks <= size ? size - nblocks : 0; }
  // Block holding inode `inum`'s dinode (xv6's IBLOCK).
  constexpr uint32_t iblock(uint32_t inum) const { return inum / kInodesPerBlock + inodestart; }
  // Bitmap block holding block `b`'s bit (xv6's BBLOCK).
  constexpr uint32_t bblock(uint32_t b) const { return b / kBitsPerBlock + bmapstart; }
};

// The superblock mkfs writes for `layout`.
constexpr SuperBlock superblock_for(const Layout& l) {
  return SuperBlock{kMagic, l.size,     l.nblocks,    l.ninodes,
                    l.nlog, l.logstart, l.inodestart, l.bmapstart};
}

// struct dinode, field for field (type 0 = free).
struct DiskInode {
  int16_t type = 0;
  int16_t major = 0;
  int16_t minor = 0;
  int16_t nlink = 0;
  uint32_t size = 0;
  uint32_t addrs[kNDirect + 1] = {}; // the last one is the indirect block
};

// Reads/writes a superblock at the start of `block` (at least 32 bytes).
SuperBlock decode_superblock(std::span<const uint8_t> block);
void encode_superblock(const SuperBlock& sb, std::span<uint8_t> block);

// Reads/writes a 64-byte dinode at the start of `bytes`.
DiskInode decode_inode(std::span<const uint8_t> bytes);
void encode_inode(const DiskInode& inode, std::span<uint8_t> bytes);

// A decoded struct dirent: the name stops at the first NUL or after DIRSIZ bytes.
struct DirEntry {
  uint16_t inum = 0; // 0 = free slot
  std::string name;
};

// Reads/writes a 16-byte dirent at the start of `bytes`; encoding pads the name with NULs (a
// 14-byte name has none) and needs name.size() <= DIRSIZ.
DirEntry decode_dirent(std::span<const uint8_t> bytes);
void encode_dirent(uint16_t inum, std::string_view name, std::span<uint8_t> bytes);

// Why `name` cannot be a directory entry mkfs creates (empty, longer than DIRSIZ, contains '/' or
// NUL, or is "." or ".."), or nullopt if it can.
std::optional<std::string> check_name(std::string_view name);

} // namespace fsimage
