// Reading the flattened device tree (FDT) that QEMU hands every hart in a1 at reset. The kernel
// needs two facts from it: how many harts the machine has, so that hart 0 can wait for all of
// them before the first process runs (otherwise late "hart N starting" lines land inside user
// output), and where RAM is and how big (QEMU's -m).
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
    if (name[i] != want[i])
      return false;
  return want[i] == '\0' && (i == len || name[i] == '\0' || name[i] == '@');
}

// Walks the structure block of the blob at `blob`: node(depth, name, len) at each node's start
// (the root has depth 1), end(depth) at its end, and prop(depth, name, value, len) for each
// property of the node at `depth` (name NUL-terminated, from the strings block). Returns false,
// possibly after some calls, if the blob is not a well-formed FDT (bad magic, sizes or tokens).
// Reads nothing outside the blob.
template <typename Node, typename End, typename Prop>
inline bool walk(const uint8* blob, Node node, End end_node, Prop prop) {
  if (blob == nullptr || be32(blob) != kMagic)
    return false;
  uint32 total = be32(blob + 4), off_struct = be32(blob + 8), off_strings = be32(blob + 12);
  uint32 strings_size = be32(blob + 32), struct_size = be32(blob + 36);
  if (total > kMaxSize || off_struct >= total || struct_size > total - off_struct)
    return false;
  if (off_strings > total || strings_size > total - off_strings)
    return false;
  const uint8* p = blob + off_struct;
  const uint8* end = p + struct_size;
  int depth = 0;
  while (p + 4 <= end) {
    uint32 token = be32(p);
    p += 4;
    if (token == kBeginNode) {
      const char* name = reinterpret_cast<const char*>(p);
      uint32 len = 0;
      while (p + len < end && p[len] != '\0')
        len++;
      if (p + len >= end)
        return false;
      node(++depth, name, len);
      p += (len + 1 + 3) & ~3u; // name, NUL, padding to 4 bytes
    } else if (token == kEndNode) {
      end_node(depth);
      if (--depth < 0)
        return false;
    } else if (token == kProp) {
      if (p + 8 > end)
        return false;
      uint32 len = be32(p), nameoff = be32(p + 4);
      if (len > uint32(end - p) - 8)
        return false;
      const char* pname = reinterpret_cast<const char*>(blob + off_strings + nameoff);
      uint32 n = 0;
      while (nameoff + n < strings_size && pname[n] != '\0')
        n++;
      if (nameoff + n >= strings_size)
        return false; // name not NUL-terminated inside the block
      prop(depth, pname, p + 8, len);
      p += 8 + ((len + 3) & ~3u);
    } else if (token == kEnd) {
      return depth == 0;
    } else if (token != kNop) {
      return false;
    }
  }
  return false;
}

// Returns the number of "cpu" nodes directly under "/cpus" in the blob at `blob`, or 0 if the
// blob is not a well-formed FDT.
inline int count_cpus(const uint8* blob) {
  int cpus_depth = -1, count = 0;
  bool ok = walk(
      blob,
      [&](int depth, const char* name, uint32 len) {
        if (depth == 2 && name_is(name, len, "cpus"))
          cpus_depth = depth;
        if (cpus_depth > 0 && depth == cpus_depth + 1 && name_is(name, len, "cpu"))
          count++;
      },
      [&](int depth) {
        if (depth == cpus_depth)
          cpus_depth = -1;
      },
      [](int, const char*, const uint8*, uint32) {});
  return ok ? count : 0;
}

// One range of physical memory.
struct MemoryRange {
  uint64 base = 0;
  uint64 size = 0;
};

// Reads a number of `cells` 32-bit cells (1 or 2) at p.
inline uint64 read_cells(const uint8* p, uint32 cells) {
  return cells == 2 ? (uint64(be32(p)) << 32) | be32(p + 4) : be32(p);
}

inline bool str_is(const char* s, const char* want) {
  while (*s != '\0' && *s == *want) {
    s++;
    want++;
  }
  return *s == *want;
}

// The first range in the "reg" property of the first "memory" node under the root, decoded with
// the root's #address-cells and #size-cells (1 or 2 each). {0, 0} if there is none or the blob is
// not a well-formed FDT.
inline MemoryRange memory_range(const uint8* blob) {
  uint32 address_cells = 2, size_cells = 1; // the specification's defaults
  bool in_memory = false, found = false;
  MemoryRange r;
  bool ok = walk(
      blob,
      [&](int depth, const char* name, uint32 len) {
        in_memory = depth == 2 && name_is(name, len, "memory");
      },
      [&](int) { in_memory = false; },
      [&](int depth, const char* name, const uint8* value, uint32 len) {
        if (depth == 1 && len == 4 && str_is(name, "#address-cells"))
          address_cells = be32(value);
        if (depth == 1 && len == 4 && str_is(name, "#size-cells"))
          size_cells = be32(value);
        const bool cells_ok =
            (address_cells == 1 || address_cells == 2) && (size_cells == 1 || size_cells == 2);
        if (in_memory && !found && cells_ok && str_is(name, "reg") &&
            len >= 4 * (address_cells + size_cells)) {
          r.base = read_cells(value, address_cells);
          r.size = read_cells(value + 4 * address_cells, size_cells);
          found = true;
        }
      });
  return ok && found ? r : MemoryRange{};
}

} // namespace fdt
