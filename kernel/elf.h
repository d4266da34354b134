// ELF64 executable format, and the checks exec() applies to a header before trusting it.
// Plain structs and pure constexpr functions with no kernel state: the host tests (tests/kernel_vm)
// and user C++ programs that build ELF files compile it too: it needs only addr.h, result.h and the
// plain-C ABI headers, all header-only.
#pragma once

#include "kernel/addr.h"
#include "kernel/result.h"
#include "kernel/types.h"

inline constexpr uint32 kElfMagic = 0x464C457FU; // "\x7FELF" in little endian
inline constexpr uint8 kElfClass64 = 2;
inline constexpr uint8 kElfDataLittle = 1;
inline constexpr uint16 kElfTypeExec = 2;
inline constexpr uint16 kElfMachineRiscv = 243;
inline constexpr uint16 kElfMaxPhnum = 64; // more program headers than any real program has

// File header.
struct ElfHeader {
  uint32 magic;  // must equal kElfMagic
  uint8 elf[12]; // ident bytes 4..15: class, data, version, OS ABI, padding
  uint16 type;
  uint16 machine;
  uint32 version;
  uint64 entry;
  uint64 phoff;
  uint64 shoff;
  uint32 flags;
  uint16 ehsize;
  uint16 phentsize;
  uint16 phnum;
  uint16 shentsize;
  uint16 shnum;
  uint16 shstrndx;
};
static_assert(sizeof(ElfHeader) == 64);

// Program section header.
struct ProgHeader {
  uint32 type;
  uint32 flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};
static_assert(sizeof(ProgHeader) == 56);

inline constexpr uint32 kElfProgLoad = 1;
inline constexpr uint32 kElfProgFlagExec = 1;
inline constexpr uint32 kElfProgFlagWrite = 2;
inline constexpr uint32 kElfProgFlagRead = 4;

// Accepts a 64-bit little-endian RISC-V executable whose program headers lie inside the file.
[[nodiscard]] constexpr Result<void> elf_check_header(const ElfHeader& eh, uint64 file_size) {
  if (eh.magic != kElfMagic)
    return Error::Invalid;
  if (eh.elf[0] != kElfClass64 || eh.elf[1] != kElfDataLittle)
    return Error::Invalid;
  if (eh.type != kElfTypeExec || eh.machine != kElfMachineRiscv)
    return Error::Invalid;
  if (eh.phentsize != sizeof(ProgHeader) || eh.phnum > kElfMaxPhnum)
    return Error::Invalid;
  uint64 table = static_cast<uint64>(eh.phnum) * sizeof(ProgHeader);
  if (eh.phoff > file_size || table > file_size - eh.phoff)
    return Error::Invalid;
  return {};
}

// Accepts a PT_LOAD segment that starts on a page boundary, ends below `limit` without overflow,
// has memsz >= filesz, and whose file bytes lie inside the file.
[[nodiscard]] constexpr Result<void> elf_check_segment(const ProgHeader& ph, uint64 limit,
                                                       uint64 file_size) {
  if (ph.memsz < ph.filesz)
    return Error::Invalid;
  if ((ph.vaddr & (kPageSize - 1)) != 0)
    return Error::Invalid;
  if (ph.vaddr + ph.memsz < ph.vaddr)
    return Error::Invalid; // wraps around
  if (ph.vaddr + ph.memsz > limit)
    return Error::TooBig;
  if (ph.off > file_size || ph.filesz > file_size - ph.off)
    return Error::Invalid;
  return {};
}

// Extra PTE permissions for a segment (R and U are implied): X for code, W for data.
[[nodiscard]] constexpr PteFlag elf_segment_perm(uint32 flags) {
  PteFlag perm = PteFlag::None;
  if (flags & kElfProgFlagExec)
    perm = perm | PteFlag::X;
  if (flags & kElfProgFlagWrite)
    perm = perm | PteFlag::W;
  return perm;
}
