// Tests of kernel/fslogic.h, the host-compilable core of the kernel's file system.

#include "kernel/fslogic.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

using fslogic::BlockSlot;

// skipelem() as (rest, element) strings; rest "<null>" when there is no element.
struct Elem {
  std::string rest;
  std::string name;
};
Elem next(const char* path) {
  char name[DIRSIZ + 1];
  std::memset(name, 'X', sizeof(name));
  name[DIRSIZ] = 0; // so a 14-byte element (no NUL) still prints
  const char* rest = fslogic::skipelem(path, name);
  if (rest == nullptr)
    return {"<null>", ""};
  return {rest, std::string(name, strnlen(name, DIRSIZ))};
}

TEST(Skipelem, SplitsFirstElement) {
  Elem e = next("a/bb/c");
  EXPECT_EQ(e.rest, "bb/c");
  EXPECT_EQ(e.name, "a");
}

TEST(Skipelem, SkipsLeadingAndTrailingSlashes) {
  Elem e = next("///a//bb");
  EXPECT_EQ(e.rest, "bb");
  EXPECT_EQ(e.name, "a");
  e = next("a///");
  EXPECT_EQ(e.rest, ""); // last element: rest is empty
  EXPECT_EQ(e.name, "a");
}

TEST(Skipelem, NoElement) {
  EXPECT_EQ(next("").rest, "<null>");
  EXPECT_EQ(next("/").rest, "<null>");
  EXPECT_EQ(next("////").rest, "<null>");
}

TEST(Skipelem, LastElement) {
  Elem e = next("README");
  EXPECT_EQ(e.rest, "");
  EXPECT_EQ(e.name, "README");
}

TEST(Skipelem, LongElementsAreCutToDirsizWithoutNul) {
  char name[DIRSIZ + 4];
  std::memset(name, 'X', sizeof(name));
  const char* rest = fslogic::skipelem("12345678901234567/x", name);
  ASSERT_NE(rest, nullptr);
  EXPECT_STREQ(rest, "x");
  EXPECT_EQ(std::string(name, DIRSIZ), "12345678901234");
  EXPECT_EQ(name[DIRSIZ], 'X'); // nothing written past DIRSIZ bytes
}

TEST(Skipelem, ThirteenBytesGetANul) {
  char name[DIRSIZ];
  std::memset(name, 'X', sizeof(name));
  fslogic::skipelem("1234567890123", name);
  EXPECT_STREQ(name, "1234567890123");
}

TEST(Skipelem, WalksAWholePath) {
  const char* path = "/usr//bin/ls/";
  char name[DIRSIZ];
  std::string got;
  while ((path = fslogic::skipelem(path, name)) != nullptr)
    got += std::string(name) + ",";
  EXPECT_EQ(got, "usr,bin,ls,");
}

TEST(NameEqual, ComparesAtMostDirsiz) {
  EXPECT_TRUE(fslogic::name_equal("abc", "abc"));
  EXPECT_FALSE(fslogic::name_equal("abc", "abd"));
  EXPECT_FALSE(fslogic::name_equal("abc", "ab"));
  EXPECT_TRUE(fslogic::name_equal("12345678901234", "12345678901234xyz"));
  EXPECT_FALSE(fslogic::name_equal("1234567890123", "12345678901234"));
  char exact[DIRSIZ]; // a directory entry's 14-byte name, no NUL
  std::memcpy(exact, "abcdefghijklmn", DIRSIZ);
  EXPECT_TRUE(fslogic::name_equal("abcdefghijklmn", exact));
}

TEST(BlockIndex, DirectIndirectBeyond) {
  EXPECT_EQ(fslogic::block_index(0).slot, BlockSlot::Direct);
  EXPECT_EQ(fslogic::block_index(NDIRECT - 1).index, NDIRECT - 1);
  EXPECT_EQ(fslogic::block_index(NDIRECT).slot, BlockSlot::Indirect);
  EXPECT_EQ(fslogic::block_index(NDIRECT).index, 0u);
  EXPECT_EQ(fslogic::block_index(MAXFILE - 1).slot, BlockSlot::Indirect);
  EXPECT_EQ(fslogic::block_index(MAXFILE - 1).index, NINDIRECT - 1);
  EXPECT_EQ(fslogic::block_index(MAXFILE).slot, BlockSlot::Beyond);
  EXPECT_EQ(fslogic::block_index(0xffffffffu).slot, BlockSlot::Beyond);
  static_assert(fslogic::block_index(13).slot == BlockSlot::Indirect); // usable at compile time
}

TEST(ReadCount, ClampsToSize) {
  EXPECT_EQ(fslogic::read_count(100, 0, 50), 50u);
  EXPECT_EQ(fslogic::read_count(100, 90, 50), 10u);
  EXPECT_EQ(fslogic::read_count(100, 100, 50), 0u);
  EXPECT_EQ(fslogic::read_count(100, 101, 50), 0u);         // past the end
  EXPECT_EQ(fslogic::read_count(100, 10, 0xffffffffu), 0u); // off + n wraps
  EXPECT_EQ(fslogic::read_count(0, 0, 10), 0u);
}

TEST(WriteCheck, RejectsHolesOverflowAndHugeFiles) {
  using fslogic::WriteCheck;
  EXPECT_EQ(fslogic::write_check(100, 100, 10), WriteCheck::Ok); // append
  EXPECT_EQ(fslogic::write_check(100, 0, 10), WriteCheck::Ok);
  EXPECT_EQ(fslogic::write_check(100, 101, 10), WriteCheck::BadOffset); // would leave a hole
  EXPECT_EQ(fslogic::write_check(100, 50, 0xfffffff0u), WriteCheck::BadOffset); // wraps
  const uint max = MAXFILE * BSIZE;
  EXPECT_EQ(fslogic::write_check(max - 10, max - 10, 10), WriteCheck::Ok);
  EXPECT_EQ(fslogic::write_check(max - 10, max - 10, 11), WriteCheck::TooBig);
}

TEST(WritePiece, StopsAtTheBlockAndTheUserPage) {
  EXPECT_EQ(fslogic::write_piece(0, 0x1000, 5000, true), uint{BSIZE});  // whole block
  EXPECT_EQ(fslogic::write_piece(1000, 0x1000, 5000, true), 24u);       // to the block's end
  EXPECT_EQ(fslogic::write_piece(0, 0x1f00, 5000, true), 256u);         // to the page's end
  EXPECT_EQ(fslogic::write_piece(0, 0x1f00, 5000, false), uint{BSIZE}); // kernel: no pages
  EXPECT_EQ(fslogic::write_piece(0, 0x1f00, 10, true), 10u);            // what is left
  EXPECT_EQ(fslogic::write_piece(1023, 0x1fff, 5000, true), 1u);
}

// The log never pins so many buffers that bread could wait for a buffer only a commit frees:
// pinned blocks + one buffer per operation that may wait + one for the commit fit in the cache.
TEST(LogCapacity, LeavesABufferForEveryWaiter) {
  for (uint nbuf = MAXOPBLOCKS + 2; nbuf <= 4 * LOGBLOCKS; nbuf++) {
    for (uint nlog = 2; nlog <= LOGBLOCKS + 1; nlog++) {
      uint cap = fslogic::log_capacity(nlog, nbuf);
      EXPECT_LE(cap, nlog - 1);
      EXPECT_LE(cap, uint{LOGBLOCKS});
      EXPECT_LE(cap + cap / MAXOPBLOCKS + 1, nbuf) << "nbuf " << nbuf << " nlog " << nlog;
      // and it is the largest such capacity
      if (cap < nlog - 1 && cap < LOGBLOCKS)
        EXPECT_GT(cap + 1 + (cap + 1) / MAXOPBLOCKS + 1, nbuf);
    }
  }
  // The kernel's own figures: 30 buffers, a 30-block log: 27 blocks, at most 2 operations at once.
  EXPECT_EQ(fslogic::log_capacity(LOGBLOCKS + 1, NBUF), 27u);
  static_assert(fslogic::log_capacity(LOGBLOCKS + 1, NBUF) >= MAXOPBLOCKS);
}

// The layout xv6's mkfs writes by default: 2000 blocks, 200 inodes, 31 log blocks.
superblock default_sb() {
  superblock sb{};
  sb.magic = FSMAGIC;
  sb.size = 2000;
  sb.nblocks = 1953;
  sb.ninodes = 200;
  sb.nlog = 31;
  sb.logstart = 2;
  sb.inodestart = 33;
  sb.bmapstart = 46;
  return sb;
}

TEST(Superblock, DefaultImageIsValid) {
  superblock sb = default_sb();
  EXPECT_EQ(fslogic::superblock_problem(sb, 2000), nullptr);
  EXPECT_EQ(fslogic::superblock_problem(sb, 0), nullptr);    // disk size unknown
  EXPECT_EQ(fslogic::superblock_problem(sb, 4096), nullptr); // disk bigger than the image
  EXPECT_EQ(fslogic::datastart(sb), 47u);
  EXPECT_TRUE(fslogic::is_data_block(sb, 47));
  EXPECT_TRUE(fslogic::is_data_block(sb, 1999));
  EXPECT_FALSE(fslogic::is_data_block(sb, 46));
  EXPECT_FALSE(fslogic::is_data_block(sb, 2000));
  EXPECT_FALSE(fslogic::is_data_block(sb, 0));
}

// Expects sb to be refused with a reason containing `what`.
void expect_bad(const superblock& sb, const char* what, uint64 disk = 2000) {
  const char* problem = fslogic::superblock_problem(sb, disk);
  ASSERT_NE(problem, nullptr) << "expected a complaint about " << what;
  EXPECT_NE(std::string(problem).find(what), std::string::npos) << problem;
}

TEST(Superblock, RejectsCorruption) {
  superblock sb = default_sb();
  sb.magic = 0x12345678;
  expect_bad(sb, "magic");

  sb = default_sb();
  expect_bad(sb, "larger than the disk", 1000); // truncated image

  sb = default_sb();
  sb.size = 0;
  expect_bad(sb, "size is 0");

  sb = default_sb();
  sb.nlog = 1;
  expect_bad(sb, "nlog < 2");

  sb = default_sb();
  sb.nlog = LOGBLOCKS + 2;
  expect_bad(sb, "nlog > LOGBLOCKS");

  sb = default_sb();
  sb.nlog = MAXOPBLOCKS; // header + 9 slots cannot hold one 10-block operation
  expect_bad(sb, "one operation");

  sb = default_sb();
  sb.ninodes = 0;
  expect_bad(sb, "ninodes");

  sb = default_sb();
  sb.ninodes = 1u << 20;
  expect_bad(sb, "too many inodes");

  sb = default_sb();
  sb.logstart = 1;
  expect_bad(sb, "superblock");

  sb = default_sb();
  sb.inodestart = 20; // inside the log
  expect_bad(sb, "overlap the log");

  sb = default_sb();
  sb.ninodes = 16 * 14; // 14 inode blocks do not fit in 13
  expect_bad(sb, "overlaps the inode blocks");

  sb = default_sb();
  sb.nblocks = 1960; // data region would start inside the bitmap
  expect_bad(sb, "overlap the bitmap");

  sb = default_sb();
  sb.nblocks = 2001;
  expect_bad(sb, "data blocks");

  sb = default_sb();
  sb.size = 0xffffffffu; // huge sizes must not overflow the arithmetic
  sb.nblocks = 0xffffffffu - 100;
  expect_bad(sb, "", 0);
}

TEST(LogHeader, RoundTrip) {
  superblock sb = default_sb();
  fslogic::LogHeader h;
  h.n = 3;
  h.block[0] = 47;
  h.block[1] = 33;
  h.block[2] = 1999;
  unsigned char block[BSIZE];
  std::memset(block, 0xAB, sizeof(block));
  fslogic::encode_log_header(h, block);
  // Little-endian ints: n, then block[0..LOGBLOCKS-1]; unused slots are zero.
  EXPECT_EQ(block[0], 3);
  EXPECT_EQ(block[1] | block[2] | block[3], 0);
  EXPECT_EQ(block[4], 47);
  EXPECT_EQ(block[12] | (block[13] << 8), 1999);
  EXPECT_EQ(block[16], 0);
  EXPECT_EQ(block[4 * (LOGBLOCKS + 1)], 0xAB); // the rest of the block is untouched

  fslogic::LogHeader back;
  EXPECT_EQ(fslogic::decode_log_header(block, sb, &back), nullptr);
  EXPECT_EQ(back.n, 3u);
  EXPECT_EQ(back.block[0], 47u);
  EXPECT_EQ(back.block[1], 33u);
  EXPECT_EQ(back.block[2], 1999u);
}

TEST(LogHeader, EmptyHeaderIsFine) {
  unsigned char block[BSIZE] = {};
  fslogic::LogHeader h;
  EXPECT_EQ(fslogic::decode_log_header(block, default_sb(), &h), nullptr);
  EXPECT_EQ(h.n, 0u);
}

TEST(LogHeader, RejectsCorruptHeaders) {
  superblock sb = default_sb();
  unsigned char block[BSIZE] = {};
  fslogic::LogHeader h;

  h.n = LOGBLOCKS + 1;
  fslogic::encode_log_header(h, block);
  block[0] = static_cast<unsigned char>(LOGBLOCKS + 1);
  EXPECT_NE(fslogic::decode_log_header(block, sb, &h), nullptr);

  // A smaller log holds fewer blocks.
  superblock small = sb;
  small.nlog = 12;
  fslogic::LogHeader h12;
  h12.n = 12;
  for (uint i = 0; i < 12; i++)
    h12.block[i] = 100 + i;
  fslogic::encode_log_header(h12, block);
  EXPECT_NE(fslogic::decode_log_header(block, small, &h), nullptr);
  h12.n = 11;
  fslogic::encode_log_header(h12, block);
  EXPECT_EQ(fslogic::decode_log_header(block, small, &h), nullptr);

  fslogic::LogHeader bad;
  bad.n = 1;
  bad.block[0] = 2000; // beyond the image
  fslogic::encode_log_header(bad, block);
  EXPECT_NE(fslogic::decode_log_header(block, sb, &h), nullptr);
  bad.block[0] = 1; // the superblock
  fslogic::encode_log_header(bad, block);
  EXPECT_NE(fslogic::decode_log_header(block, sb, &h), nullptr);
  bad.block[0] = 10; // a log block
  fslogic::encode_log_header(bad, block);
  EXPECT_NE(fslogic::decode_log_header(block, sb, &h), nullptr);
}

} // namespace
