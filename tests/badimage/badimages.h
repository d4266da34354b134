// Corrupt and truncated disk images, made from a good one (//:fs_img), with what the kernel must
// do when it boots on each. Shared by the QEMU test (the kernel refuses them cleanly) and the host
// test (fsck flags every one the kernel refuses).
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "mkfs/fsimage.h"
#include "mkfs/layout.h"

namespace badimage {

using Bytes = std::vector<uint8_t>;

// How the kernel must stop.
enum class Stop {
  PowerOff, // prints the message and powers off with status 1 (a refused superblock)
  Panic,    // a "panic: ..." line with the message; the machine then halts
};

struct Case {
  std::string name;                    // also the gtest parameter name
  std::function<void(Bytes&)> corrupt; // turns the good image into the bad one
  std::string message;                 // ECMAScript regex the console must show
  Stop stop;
  bool fsck_must_flag = true; // fsck must report an error (false: a consistent fs)
  bool disk_untouched = true; // the kernel must not write the disk before stopping
};

// GoogleTest prints a parameter with this (instead of its bytes).
inline void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

constexpr uint32_t kBlock = fsimage::kBlockSize;
constexpr size_t kSb = kBlock; // the superblock's offset

inline uint32_t get32(const Bytes& b, size_t off) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++)
    v |= uint32_t{b[off + i]} << (8 * i);
  return v;
}

inline void put32(Bytes& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; i++)
    b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

inline void put16(Bytes& b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v);
  b[off + 1] = static_cast<uint8_t>(v >> 8);
}

// Superblock fields, by byte offset in struct superblock.
enum SbField : size_t {
  kMagic = 0,
  kSize = 4,
  kNblocks = 8,
  kNinodes = 12,
  kNlog = 16,
  kLogstart = 20,
  kInodestart = 24,
  kBmapstart = 28,
};

inline fsimage::SuperBlock superblock(const Bytes& img) {
  return fsimage::decode_superblock(std::span(img).subspan(kSb, kBlock));
}

// Byte offset of inode inum's dinode: type at +0, nlink +6, size +8, addrs +12.
inline size_t inode_offset(const Bytes& img, uint32_t inum) {
  const fsimage::SuperBlock sb = superblock(img);
  return size_t{sb.iblock(inum)} * kBlock + (inum % fsimage::kInodesPerBlock) * fsimage::kInodeSize;
}

inline size_t root_offset(const Bytes& img) {
  return inode_offset(img, fsimage::kRootInum);
}

inline size_t log_header_offset(const Bytes& img) {
  return size_t{superblock(img).logstart} * kBlock;
}

// Offset of the root directory entry named `name` (the root's entries are in its first block).
inline std::optional<size_t> root_entry_offset(const Bytes& img, const std::string& name) {
  const size_t root = root_offset(img);
  const size_t block = size_t{get32(img, root + 12)} * kBlock;
  for (size_t off = block; off + 16 <= block + kBlock; off += 16) {
    if (std::strncmp(reinterpret_cast<const char*>(&img[off + 2]), name.c_str(), 14) == 0)
      return off;
  }
  return std::nullopt;
}

// A deterministic byte pattern.
inline void scribble(Bytes& img, size_t off, size_t n, uint32_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    img[off + i] = static_cast<uint8_t>(x);
  }
}

inline const std::string kRefused = "fsinit: bad superblock: [^\\n]*[a-z][^\\n]*\\n";

inline std::vector<Case> cases() {
  auto sb = [](SbField f, std::function<uint32_t(const fsimage::SuperBlock&)> value) {
    return [f, value](Bytes& img) { put32(img, kSb + f, value(superblock(img))); };
  };
  const std::string root_problem = "(root|inode 1\\b)[^\\n]*(director|type)";
  std::vector<Case> c = {
      // (a) no image, or too little of one
      {"EmptyImage", [](Bytes& img) { img.clear(); }, "fsinit: [^\\n]*0 blocks", Stop::PowerOff},
      {"OneBlock", [](Bytes& img) { img.resize(kBlock); }, "fsinit: [^\\n]*1 blocks",
       Stop::PowerOff},
      // QEMU pads the last sector with zeros: the disk has 2 blocks and the superblock's fields
      // (its first 32 bytes) are intact, but it describes 2000 blocks.
      {"HalfASuperblock", [](Bytes& img) { img.resize(kBlock + 700); }, kRefused, Stop::PowerOff},
      {"TruncatedByOneBlock", [](Bytes& img) { img.resize(img.size() - kBlock); }, kRefused,
       Stop::PowerOff},
      {"TruncatedToTheMetadata",
       [](Bytes& img) { img.resize(size_t{superblock(img).bmapstart + 1} * kBlock); }, kRefused,
       Stop::PowerOff},
      // (b) not a superblock
      {"AllZeros", [](Bytes& img) { std::fill(img.begin(), img.end(), 0); }, kRefused,
       Stop::PowerOff},
      {"ByteSwappedMagic", sb(kMagic, [](auto&) { return 0x40302010u; }), kRefused, Stop::PowerOff},
      // (c) nonsense sizes
      {"SizeZero", sb(kSize, [](auto&) { return 0u; }), kRefused, Stop::PowerOff},
      {"SizeHuge", sb(kSize, [](auto&) { return 0xffffffffu; }), kRefused, Stop::PowerOff},
      {"LogBeyondTheImage", sb(kLogstart, [](auto& s) { return s.size - 5; }), kRefused,
       Stop::PowerOff},
      {"LogHuge", sb(kNlog, [](auto&) { return 0x7fffffffu; }), kRefused, Stop::PowerOff},
      {"LogZero", sb(kNlog, [](auto&) { return 0u; }), kRefused, Stop::PowerOff},
      {"InodesBeyondTheImage", sb(kInodestart, [](auto& s) { return s.size + 100; }), kRefused,
       Stop::PowerOff},
      {"InodeCountHuge", sb(kNinodes, [](auto&) { return 0x7fffffffu; }), kRefused, Stop::PowerOff},
      {"InodeCountZero", sb(kNinodes, [](auto&) { return 0u; }), kRefused, Stop::PowerOff},
      {"BitmapBeyondTheImage", sb(kBmapstart, [](auto& s) { return s.size + 1; }), kRefused,
       Stop::PowerOff},
      {"DataRegionBiggerThanTheImage", sb(kNblocks, [](auto& s) { return s.size + 1; }), kRefused,
       Stop::PowerOff},
      {"DataRegionEmpty", sb(kNblocks, [](auto&) { return 0u; }), kRefused, Stop::PowerOff},
      {"EveryFieldAllOnes",
       [](Bytes& img) {
         for (size_t f = kSize; f <= kBmapstart; f += 4)
           put32(img, kSb + f, 0xffffffffu);
       },
       kRefused, Stop::PowerOff},
      {"RandomSuperblock1", [](Bytes& img) { scribble(img, kSb + 4, 28, 1); }, kRefused,
       Stop::PowerOff},
      {"RandomSuperblock2", [](Bytes& img) { scribble(img, kSb + 4, 28, 2); }, kRefused,
       Stop::PowerOff},
      {"RandomSuperblock3", [](Bytes& img) { scribble(img, kSb + 4, 28, 3); }, kRefused,
       Stop::PowerOff},
      // (d) the root inode
      {"RootIsAFile", [](Bytes& img) { put16(img, root_offset(img), fsimage::kTypeFile); },
       root_problem, Stop::PowerOff},
      {"RootIsADevice", [](Bytes& img) { put16(img, root_offset(img), fsimage::kTypeDevice); },
       root_problem, Stop::PowerOff},
      {"RootIsFree", [](Bytes& img) { put16(img, root_offset(img), 0); }, root_problem,
       Stop::Panic},
      {"RootHasABadType", [](Bytes& img) { put16(img, root_offset(img), 7); },
       "(root|inode 1\\b)[^\\n]*type", Stop::Panic},
      {"RootSizeHuge", [](Bytes& img) { put32(img, root_offset(img) + 8, 0xfffffff0u); },
       "(root|inode 1\\b)[^\\n]*size", Stop::Panic},
      {"RootBlockInTheLog",
       [](Bytes& img) { put32(img, root_offset(img) + 12, superblock(img).logstart + 1); },
       "inode 1\\b[^\\n]*block[^\\n]*outside", Stop::Panic},
      {"RootBlockBeyondTheImage",
       [](Bytes& img) { put32(img, root_offset(img) + 12, superblock(img).size + 50); },
       "inode 1\\b[^\\n]*block[^\\n]*outside", Stop::Panic},
      // A committed log that cannot be installed: the kernel must not write anywhere.
      {"LogHeaderCountHuge", [](Bytes& img) { put32(img, log_header_offset(img), 1000); },
       "initlog: [^\\n]*log header", Stop::Panic},
      {"LogHeaderCountNegative",
       [](Bytes& img) { put32(img, log_header_offset(img), 0xfffffffbu); },
       "initlog: [^\\n]*log header", Stop::Panic},
      {"LogTargetsTheSuperblock",
       [](Bytes& img) {
         put32(img, log_header_offset(img), 1);
         put32(img, log_header_offset(img) + 4, 1);
       },
       "initlog: [^\\n]*log header", Stop::Panic},
      {"LogTargetsBeyondTheImage",
       [](Bytes& img) {
         put32(img, log_header_offset(img), 1);
         put32(img, log_header_offset(img) + 4, superblock(img).size + 3);
       },
       "initlog: [^\\n]*log header", Stop::Panic},
      // No usable /init: a clear stop, no shell. Without the entry the inode is an orphan (fsck
      // flags it); a /init that is not an ELF file leaves a consistent file system.
      {"NoInit",
       [](Bytes& img) {
         auto e = root_entry_offset(img, "init");
         if (e)
           put16(img, *e, 0);
       },
       "/init", Stop::Panic},
      {"InitIsNotAnElfFile",
       [](Bytes& img) {
         auto image = fsimage::Image::open(img);
         if (!image.ok())
           return;
         auto inum = image.value().lookup("/init");
         auto inode = inum ? image.value().read_inode(*inum) : std::nullopt;
         if (inode)
           std::memcpy(&img[size_t{inode->addrs[0]} * kBlock], "NOPE", 4);
       },
       "/init", Stop::Panic, /*fsck_must_flag=*/false},
  };
  return c;
}

} // namespace badimage
