// The on-disk layout mkfs computes, and the byte-exact encoding of the on-disk structures.
#include "mkfs/layout.h"

#include "gtest/gtest.h"
#include "mkfs/fsimage.h"
#include "tests/fs/test_util.h"

namespace fsimage {
namespace {

TEST(Layout, DefaultImageMatchesXv6) {
  const Layout l = compute_layout(2000, 200);
  EXPECT_EQ(l.size, 2000u);
  EXPECT_EQ(l.ninodes, 200u);
  EXPECT_EQ(l.nlog, 31u);
  EXPECT_EQ(l.logstart, 2u);
  EXPECT_EQ(l.inodestart, 33u);
  EXPECT_EQ(l.ninodeblocks, 13u);
  EXPECT_EQ(l.bmapstart, 46u);
  EXPECT_EQ(l.nbitmap, 1u);
  EXPECT_EQ(l.nmeta, 47u);
  EXPECT_EQ(l.nblocks, 1953u);
  EXPECT_EQ(check_layout(l), std::nullopt);
}

TEST(Layout, ConstantsMatchTheAbi) {
  EXPECT_EQ(kBlockSize, 1024u);
  EXPECT_EQ(kNDirect, 12u);
  EXPECT_EQ(kNIndirect, 256u);
  EXPECT_EQ(kMaxFileBlocks, 268u);
  EXPECT_EQ(kInodesPerBlock, 16u);
  EXPECT_EQ(kDirSiz, 14u);
  EXPECT_EQ(kDefaultLogBlocks, 31u);
}

TEST(Layout, RoundsRegionsUpLikeXv6) {
  // n / per_block + 1, even when n divides evenly.
  EXPECT_EQ(compute_layout(2000, 16).ninodeblocks, 2u);
  EXPECT_EQ(compute_layout(2000, 15).ninodeblocks, 1u);
  EXPECT_EQ(compute_layout(8192, 200).nbitmap, 2u);
  EXPECT_EQ(compute_layout(8191, 200).nbitmap, 1u);
  const Layout big = compute_layout(100000, 4000);
  EXPECT_EQ(big.ninodeblocks, 251u);
  EXPECT_EQ(big.nbitmap, 13u);
  EXPECT_EQ(big.bmapstart, 2u + 31u + 251u);
  EXPECT_EQ(big.nmeta, big.bmapstart + 13u);
  EXPECT_EQ(big.nblocks, 100000u - big.nmeta);
}

TEST(Layout, RejectsUnusableParameters) {
  EXPECT_NE(check_layout(compute_layout(2000, 1)), std::nullopt);
  EXPECT_NE(check_layout(compute_layout(2000, 0)), std::nullopt);
  EXPECT_EQ(check_layout(compute_layout(2000, 2)), std::nullopt);
  EXPECT_NE(check_layout(compute_layout(47, 200)), std::nullopt); // metadata only
  EXPECT_EQ(check_layout(compute_layout(48, 200)), std::nullopt); // + the root directory block
  EXPECT_NE(check_layout(compute_layout(0, 200)), std::nullopt);
  EXPECT_EQ(check_layout(compute_layout(200000, kMaxInodes)), std::nullopt);
  EXPECT_NE(check_layout(compute_layout(200000, kMaxInodes + 1)), std::nullopt);
  EXPECT_NE(check_layout(compute_layout(kMaxSize + 1, 200)), std::nullopt);
}

TEST(Encoding, SuperblockIsLittleEndianInOrder) {
  const SuperBlock sb = superblock_for(kDefaultLayout);
  uint8_t bytes[32] = {};
  encode_superblock(sb, bytes);
  const uint8_t expected[32] = {0x40, 0x30, 0x20, 0x10, 0xd0, 0x07, 0,  0, 0xa1, 0x07, 0,
                                0,    0xc8, 0,    0,    0,    31,   0,  0, 0,    2,    0,
                                0,    0,    33,   0,    0,    0,    46, 0, 0,    0};
  for (size_t i = 0; i < 32; i++)
    EXPECT_EQ(bytes[i], expected[i]) << "byte " << i;
  const SuperBlock back = decode_superblock(bytes);
  EXPECT_EQ(back.magic, kMagic);
  EXPECT_EQ(back.size, 2000u);
  EXPECT_EQ(back.nblocks, 1953u);
  EXPECT_EQ(back.ninodes, 200u);
  EXPECT_EQ(back.datastart(), 47u);
}

TEST(Encoding, InodeRoundTripsWithNegativeFields) {
  DiskInode d;
  d.type = kTypeDevice;
  d.major = 1;
  d.minor = -2;
  d.nlink = 3;
  d.size = 0x01020304;
  for (uint32_t i = 0; i <= kNDirect; i++)
    d.addrs[i] = 1000 + i;
  uint8_t bytes[64] = {};
  encode_inode(d, bytes);
  EXPECT_EQ(bytes[0], 3);
  EXPECT_EQ(bytes[4], 0xfe);
  EXPECT_EQ(bytes[5], 0xff);
  EXPECT_EQ(bytes[8], 0x04);
  EXPECT_EQ(bytes[11], 0x01);
  EXPECT_EQ(bytes[12], 1000 & 0xff);
  EXPECT_EQ(bytes[60], (1012 & 0xff));
  const DiskInode back = decode_inode(bytes);
  EXPECT_EQ(back.type, d.type);
  EXPECT_EQ(back.minor, -2);
  EXPECT_EQ(back.size, d.size);
  EXPECT_EQ(back.addrs[kNDirect], 1012u);
}

TEST(Encoding, DirentNameOf14BytesHasNoNul) {
  uint8_t bytes[16];
  encode_dirent(0x1234, "abcdefghijklmn", bytes);
  EXPECT_EQ(bytes[0], 0x34);
  EXPECT_EQ(bytes[1], 0x12);
  EXPECT_EQ(bytes[15], 'n');
  const DirEntry e = decode_dirent(bytes);
  EXPECT_EQ(e.inum, 0x1234);
  EXPECT_EQ(e.name, "abcdefghijklmn");

  encode_dirent(7, "ab", bytes);
  for (size_t i = 4; i < 16; i++)
    EXPECT_EQ(bytes[i], 0) << "byte " << i;
  EXPECT_EQ(decode_dirent(bytes).name, "ab");
}

TEST(Names, CheckName) {
  EXPECT_EQ(check_name("README"), std::nullopt);
  EXPECT_EQ(check_name("abcdefghijklmn"), std::nullopt);  // 14
  EXPECT_NE(check_name("abcdefghijklmno"), std::nullopt); // 15
  EXPECT_NE(check_name(""), std::nullopt);
  EXPECT_NE(check_name("a/b"), std::nullopt);
  EXPECT_NE(check_name("."), std::nullopt);
  EXPECT_NE(check_name(".."), std::nullopt);
  EXPECT_NE(check_name(std::string_view("a\0b", 3)), std::nullopt);
}

TEST(Layout, BuiltDefaultImageHasThatSuperblock) {
  auto img = build_image(kDefaultLayout, {});
  ASSERT_TRUE(img.ok()) << img.error();
  ASSERT_EQ(img.value().size(), 2000u * 1024u);
  const SuperBlock sb = testing::superblock_of(img.value());
  EXPECT_EQ(sb.magic, 0x10203040u);
  EXPECT_EQ(sb.size, 2000u);
  EXPECT_EQ(sb.nblocks, 1953u);
  EXPECT_EQ(sb.ninodes, 200u);
  EXPECT_EQ(sb.nlog, 31u);
  EXPECT_EQ(sb.logstart, 2u);
  EXPECT_EQ(sb.inodestart, 33u);
  EXPECT_EQ(sb.bmapstart, 46u);
  // Root directory: inode 1, first data block 47, "." and "..".
  const DiskInode root = testing::inode_of(img.value(), 1);
  EXPECT_EQ(root.type, kTypeDir);
  EXPECT_EQ(root.nlink, 1);
  EXPECT_EQ(root.size, 32u);
  EXPECT_EQ(root.addrs[0], 47u);
  // Bitmap: blocks 0..47 (48 bits = 6 bytes) used, the rest free.
  const size_t bm = 46 * 1024;
  for (size_t i = 0; i < 6; i++)
    EXPECT_EQ(img.value()[bm + i], 0xff) << i;
  for (size_t i = 6; i < 1024; i++)
    ASSERT_EQ(img.value()[bm + i], 0x00) << i;
}

} // namespace
} // namespace fsimage
