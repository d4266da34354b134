// fdt::count_cpus on device trees QEMU's virt machine really produces, and on damaged ones.
#include "kernel/fdt.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::vector<uint8> load(const std::string& name) {
  std::string path = std::string(getenv("TEST_SRCDIR")) + "/" + getenv("TEST_WORKSPACE") +
                     "/tests/kernel_vm/" + name;
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8>(std::istreambuf_iterator<char>(in), {});
}

TEST(Fdt, CountsHartsOfQemuVirt) {
  std::vector<uint8> one = load("virt_smp1.dtb"), three = load("virt_smp3.dtb");
  ASSERT_GT(one.size(), 40u);
  ASSERT_GT(three.size(), 40u);
  EXPECT_EQ(fdt::count_cpus(one.data()), 1);
  EXPECT_EQ(fdt::count_cpus(three.data()), 3);
}

TEST(Fdt, RejectsDamagedBlobs) {
  std::vector<uint8> blob = load("virt_smp3.dtb");
  ASSERT_GT(blob.size(), 40u);
  EXPECT_EQ(fdt::count_cpus(nullptr), 0);

  std::vector<uint8> bad_magic = blob;
  bad_magic[0] ^= 0xff;
  EXPECT_EQ(fdt::count_cpus(bad_magic.data()), 0);

  std::vector<uint8> huge = blob; // totalsize far beyond the cap
  huge[4] = 0x7f;
  EXPECT_EQ(fdt::count_cpus(huge.data()), 0);

  std::vector<uint8> bad_token = blob; // first structure token becomes garbage
  uint32 off_struct = fdt::be32(blob.data() + 8);
  bad_token[off_struct + 3] = 0x77;
  EXPECT_EQ(fdt::count_cpus(bad_token.data()), 0);

  // Cut the structure block short: the walk must stop inside the blob and give up.
  std::vector<uint8> cut = blob;
  uint32 struct_size = fdt::be32(blob.data() + 36);
  uint32 shorter = struct_size / 2;
  cut[36] = uint8(shorter >> 24);
  cut[37] = uint8(shorter >> 16);
  cut[38] = uint8(shorter >> 8);
  cut[39] = uint8(shorter);
  EXPECT_EQ(fdt::count_cpus(cut.data()), 0);
  EXPECT_EQ(fdt::memory_range(cut.data()).size, 0u);
  EXPECT_EQ(fdt::memory_range(bad_magic.data()).size, 0u);

  // A strings-block offset beyond the block: property names cannot be read.
  std::vector<uint8> bad_strings = blob;
  uint32 strings_size = fdt::be32(blob.data() + 32) + 0x100000;
  bad_strings[32] = uint8(strings_size >> 24);
  bad_strings[33] = uint8(strings_size >> 16);
  EXPECT_EQ(fdt::memory_range(bad_strings.data()).size, 0u);
}

// RAM as QEMU's -m sets it: at 0x80000000, 128 MiB by default and 1 GiB with -m 1G.
TEST(Fdt, ReadsRamRangeOfQemuVirt) {
  std::vector<uint8> small = load("virt_smp3.dtb"), big = load("virt_1g.dtb");
  ASSERT_GT(small.size(), 40u);
  ASSERT_GT(big.size(), 40u);
  fdt::MemoryRange r = fdt::memory_range(small.data());
  EXPECT_EQ(r.base, 0x80000000u);
  EXPECT_EQ(r.size, 128u << 20);
  r = fdt::memory_range(big.data());
  EXPECT_EQ(r.base, 0x80000000u);
  EXPECT_EQ(r.size, 1u << 30);
  EXPECT_EQ(fdt::count_cpus(big.data()), 1);
  EXPECT_EQ(fdt::memory_range(nullptr).size, 0u);
}

} // namespace
