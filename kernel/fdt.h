// Reading the flattened device tree (FDT) that QEMU hands every hart in a1 at reset. The kernel
// needs one fact from it: how many harts the machine has, so that hart 0 can wait for all of them
// before the first process runs (otherwise late "hart N starting" lines land inside user output).
// Pure code with no kernel dependencies: the host unit tests compile it too.
#pragma once

#include "kernel/types.h"

namespace fdt {

// FDT header fields and structure-block tokens (Devicetree Specification, chapter 5). Every
// number in the blob is big-endian.
inline constexpr uint32 kMagic = 0xd00dfeed;
inline constexpr uint32 kBeginNode = 1;
inline constexpr uint32 kEndNode = 2;
inline constexpr uint32 kProp = 3;
inline constexpr uint32 kNop = 4;
inline constexpr uint32 kEnd = 9;
// Refuse blobs larger than this: a corrupt totalsize must not send the walk across memory.
inline constexpr uint32 kMaxSize = 1 << 20;

inline uint32 be32(const uint8* p) {
  return (uint32(p[0]) << 24) | (uint32(p[1]) << 16) | (uint32(p[2]) << 8) | uint32(p[3]);
}

inline bool name_is(const char* name, uint32 len, const char* want) {
  uint32 i = 0;
  for (; i < len && want[i] != '\0'; i++)
    if (name[i] != want[i]) return false;
  return want[i] == '\0' && (i == len || name[i] == '\0' || name[i] == '@');
}

// Returns the number of "cpu" nodes directly under "/cpus" in the blob at `blob`, or 0 if the
// blob is not a well-formed FDT (bad magic, sizes or tokens). Reads nothing outside the blob.
inline int count_cpus(const uint8* blob) {
  if (blob == nullptr || be32(blob) != kMagic) return 0;
  uint32 total = be32(blob + 4), off_struct = be32(blob + 8), struct_size = be32(blob + 36);
  if (total > kMaxSize || off_struct >= total || struct_size > total - off_struct) return 0;
  const uint8* p = blob + off_struct;
  const uint8* end = p + struct_size;
  int depth = 0, cpus_depth = -1, count = 0;
  while (p + 4 <= end) {
    uint32 token = be32(p);
    p += 4;
    if (token == kBeginNode) {
      const char* name = reinterpret_cast<const char*>(p);
      uint32 len = 0;
      while (p + len < end && p[len] != '\0') len++;
      if (p + len >= end) return 0;
      depth++;
      if (depth == 2 && name_is(name, len, "cpus")) cpus_depth = depth;
      if (cpus_depth > 0 && depth == cpus_depth + 1 && name_is(name, len, "cpu")) count++;
      p += (len + 1 + 3) & ~3u;  // name, NUL, padding to 4 bytes
    } else if (token == kEndNode) {
      if (depth == cpus_depth) cpus_depth = -1;
      if (--depth < 0) return 0;
    } else if (token == kProp) {
      if (p + 8 > end) return 0;
      uint32 len = be32(p);
      if (len > uint32(end - p) - 8) return 0;
      p += 8 + ((len + 3) & ~3u);
    } else if (token == kEnd) {
      return depth == 0 ? count : 0;
    } else if (token != kNop) {
      return 0;
    }
  }
  return 0;
}

}  // namespace fdt
