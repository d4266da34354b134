// exec's ELF header and segment checks (kernel/elf.h).
#include <gtest/gtest.h>

#include <cstring>

#include "kernel/elf.h"
#include "kernel/vm.h"

namespace {

ElfHeader good_header() {
  ElfHeader eh;
  std::memset(&eh, 0, sizeof(eh));
  eh.magic = kElfMagic;
  eh.elf[0] = kElfClass64;
  eh.elf[1] = kElfDataLittle;
  eh.elf[2] = 1;
  eh.type = kElfTypeExec;
  eh.machine = kElfMachineRiscv;
  eh.version = 1;
  eh.entry = 0x100;
  eh.phoff = 64;
  eh.phentsize = sizeof(ProgHeader);
  eh.phnum = 3;
  eh.ehsize = sizeof(ElfHeader);
  return eh;
}

ProgHeader good_segment() {
  ProgHeader ph{};
  ph.type = kElfProgLoad;
  ph.flags = kElfProgFlagRead | kElfProgFlagExec;
  ph.off = 0x1000;
  ph.vaddr = 0;
  ph.filesz = 0x2345;
  ph.memsz = 0x3000;
  ph.align = 0x1000;
  return ph;
}

constexpr uint64 kFileSize = 0x10000;

TEST(ElfHeader, AcceptsRiscv64Executable) {
  EXPECT_TRUE(elf_check_header(good_header(), kFileSize).ok());
}

TEST(ElfHeader, RejectsBadMagic) {
  ElfHeader eh = good_header();
  eh.magic = 0x464C457E;
  EXPECT_FALSE(elf_check_header(eh, kFileSize).ok());
}

TEST(ElfHeader, RejectsWrongClassDataMachineType) {
  ElfHeader eh = good_header();
  eh.elf[0] = 1; // 32-bit
  EXPECT_FALSE(elf_check_header(eh, kFileSize).ok());
  eh = good_header();
  eh.elf[1] = 2; // big endian
  EXPECT_FALSE(elf_check_header(eh, kFileSize).ok());
  eh = good_header();
  eh.machine = 62; // x86-64
  EXPECT_FALSE(elf_check_header(eh, kFileSize).ok());
  eh = good_header();
  eh.type = 3; // shared object
  EXPECT_FALSE(elf_check_header(eh, kFileSize).ok());
}

TEST(ElfHeader, RejectsProgramHeadersOutsideTheFile) {
  ElfHeader eh = good_header();
  eh.phoff = kFileSize - sizeof(ProgHeader); // the table needs 3 entries
  EXPECT_FALSE(elf_check_header(eh, kFileSize).ok());
  eh.phoff = ~0ull - 8; // would wrap around
  EXPECT_FALSE(elf_check_header(eh, kFileSize).ok());
  eh = good_header();
  eh.phentsize = 32;
  EXPECT_FALSE(elf_check_header(eh, kFileSize).ok());
  eh = good_header();
  eh.phnum = 1000;
  EXPECT_FALSE(elf_check_header(eh, ~0ull).ok());
}

TEST(ElfSegment, AcceptsAlignedSegment) {
  EXPECT_TRUE(elf_check_segment(good_segment(), kHeapLimit, kFileSize).ok());
}

TEST(ElfSegment, RejectsMemszBelowFilesz) {
  ProgHeader ph = good_segment();
  ph.memsz = ph.filesz - 1;
  EXPECT_FALSE(elf_check_segment(ph, kHeapLimit, kFileSize).ok());
}

TEST(ElfSegment, RejectsUnalignedVaddr) {
  ProgHeader ph = good_segment();
  ph.vaddr = 0x1010;
  EXPECT_FALSE(elf_check_segment(ph, kHeapLimit, kFileSize).ok());
}

TEST(ElfSegment, RejectsWrapAroundAndHighSegments) {
  ProgHeader ph = good_segment();
  ph.vaddr = 0xFFFFFFFFFFFFF000ull;
  EXPECT_FALSE(elf_check_segment(ph, kHeapLimit, kFileSize).ok());
  ph.vaddr = kHeapLimit - 0x1000; // ends above the heap limit
  EXPECT_EQ(elf_check_segment(ph, kHeapLimit, kFileSize).error(), Error::TooBig);
  ph.vaddr = TRAPFRAME;
  EXPECT_FALSE(elf_check_segment(ph, kHeapLimit, kFileSize).ok());
}

TEST(ElfSegment, RejectsFileBytesBeyondTheFile) {
  ProgHeader ph = good_segment();
  ph.off = kFileSize - 0x100;
  EXPECT_FALSE(elf_check_segment(ph, kHeapLimit, kFileSize).ok());
  ph.off = ~0ull;
  EXPECT_FALSE(elf_check_segment(ph, kHeapLimit, kFileSize).ok());
}

TEST(ElfSegment, Permissions) {
  EXPECT_EQ(elf_segment_perm(kElfProgFlagRead | kElfProgFlagExec), PteFlag::X);
  EXPECT_EQ(elf_segment_perm(kElfProgFlagRead | kElfProgFlagWrite), PteFlag::W);
  EXPECT_EQ(elf_segment_perm(kElfProgFlagRead), PteFlag::None);
}

} // namespace
