// fsck accepts what mkfs makes and finds each kind of corruption it checks for, without crashing on
// garbage.
#include "mkfs/fsck.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mkfs/cli.h"
#include "mkfs/fsimage.h"
#include "tests/fs/test_util.h"

namespace fsimage {
namespace {

using testing::edit_inode;
using testing::edit_superblock;
using testing::flip_bitmap_bit;
using testing::inode_of;
using testing::pattern;

// Inode numbers in the fixture image.
constexpr uint32_t kA = 2;       // /a, 20 KiB (uses the indirect block)
constexpr uint32_t kB = 3;       // /b, 3000 bytes
constexpr uint32_t kD = 4;       // /d
constexpr uint32_t kX = 5;       // /d/x, 100 bytes
constexpr uint32_t kS = 6;       // /d/s
constexpr uint32_t kConsole = 7; // /console, device 1/0

std::vector<uint8_t> fixture() {
  auto b = ImageBuilder::create(kDefaultLayout);
  EXPECT_TRUE(b.ok());
  ImageBuilder& ib = b.value();
  EXPECT_EQ(ib.add_file(kRootInum, "a", pattern(20 * 1024, 1)).value(), kA);
  EXPECT_EQ(ib.add_file(kRootInum, "b", pattern(3000, 2)).value(), kB);
  EXPECT_EQ(ib.add_dir(kRootInum, "d").value(), kD);
  EXPECT_EQ(ib.add_file(kD, "x", pattern(100, 3)).value(), kX);
  EXPECT_EQ(ib.add_dir(kD, "s").value(), kS);
  EXPECT_EQ(ib.add_device(kRootInum, "console", 1, 0).value(), kConsole);
  return std::move(ib).finish();
}

std::string all(const FsckReport& r) {
  std::string s;
  for (const auto& e : r.errors)
    s += "  error: " + e + "\n";
  for (const auto& w : r.warnings)
    s += "  warning: " + w + "\n";
  return s;
}

// Expects check_image to fail with some error containing `needle`.
void expect_error(const std::vector<uint8_t>& img, const std::string& needle,
                  const FsckOptions& options = {}) {
  const FsckReport r = check_image(img, options);
  EXPECT_FALSE(r.ok()) << "expected an error containing '" << needle << "'";
  const bool found = std::any_of(r.errors.begin(), r.errors.end(), [&](const std::string& e) {
    return e.find(needle) != std::string::npos;
  });
  EXPECT_TRUE(found) << "no error contains '" << needle << "'; got:\n" << all(r);
}

void expect_ok(const std::vector<uint8_t>& img, const FsckOptions& options = {}) {
  const FsckReport r = check_image(img, options);
  EXPECT_TRUE(r.ok()) << all(r);
}

// Byte offset of slot `slot` in directory `dir`'s first block.
size_t dirent_offset(const std::vector<uint8_t>& img, uint32_t dir, uint32_t slot) {
  return size_t{inode_of(img, dir).addrs[0]} * kBlockSize + slot * kDirentSize;
}

void set_dirent(std::vector<uint8_t>& img, uint32_t dir, uint32_t slot, uint16_t inum,
                std::string_view name) {
  encode_dirent(inum, name, std::span<uint8_t>(img).subspan(dirent_offset(img, dir, slot)));
}

void set_dirent_inum(std::vector<uint8_t>& img, uint32_t dir, uint32_t slot, uint16_t inum) {
  store_le16(img, dirent_offset(img, dir, slot), inum);
}

// ---- Clean images ----

// Expects no errors and no warnings.
void expect_clean(const std::vector<uint8_t>& img) {
  const FsckReport r = check_image(img);
  EXPECT_TRUE(r.ok() && r.warnings.empty()) << all(r);
}

TEST(FsckClean, FreshImagesAreOk) {
  expect_clean(build_image(kDefaultLayout, {}).value());
  expect_clean(fixture());
  expect_clean(build_image(compute_layout(48, 2), {}).value()); // smallest possible image
  expect_clean(build_image(compute_layout(20000, 1000),
                           std::vector<InputFile>{{"big", pattern(kMaxFileBytes)}})
                   .value());
}

TEST(FsckClean, CountsInodesAndBlocks) {
  const FsckReport r = check_image(fixture());
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.inodes_used, 7u);
  // 47 metadata + root 1 + a (20 data + 1 indirect) + b 3 + d 1 + x 1 + s 1.
  EXPECT_EQ(r.blocks_used, 47u + 1 + 21 + 3 + 1 + 1 + 1);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(FsckClean, FullImageIsOk) {
  // Every inode used (199 files) and nearly every block.
  std::vector<InputFile> files;
  for (int i = 0; i < 198; i++)
    files.push_back({"f" + std::to_string(i), pattern(5, i)});
  auto bytes = build_image(compute_layout(300, 200), files);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  expect_ok(bytes.value());
  EXPECT_EQ(check_image(bytes.value()).inodes_used, 199u);
}

// ---- Superblock ----

TEST(FsckSuperblock, BadMagic) {
  auto img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.magic = 0x12345678; });
  expect_error(img, "bad superblock magic 0x12345678");
}

TEST(FsckSuperblock, TruncatedImage) {
  auto img = fixture();
  img.resize(1000 * kBlockSize);
  const FsckReport r = check_image(img);
  ASSERT_EQ(r.errors.size(), 1u) << all(r);
  EXPECT_EQ(r.errors[0], "image truncated: 1024000 bytes, superblock says 2000 blocks");
  img.resize(100);
  expect_error(img, "image truncated: 100 bytes, too small to hold a superblock");
  img.clear();
  expect_error(img, "image truncated: 0 bytes");
}

TEST(FsckSuperblock, LongerFileIsFine) {
  auto img = fixture();
  img.resize(img.size() + 5000, 0xab);
  expect_ok(img);
}

TEST(FsckSuperblock, RegionsOutOfOrderOrTooSmall) {
  auto img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.nlog = 10; });
  expect_error(img, "nlog 10 is too small");
  img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.nlog = 11; }); // the kernel's minimum
  expect_ok(img);
  img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.inodestart = 20; });
  expect_error(img, "overlaps the log");
  img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.bmapstart = sb.inodestart + 5; });
  expect_error(img, "inode blocks");
  img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.nblocks = sb.size; });
  expect_error(img, "nblocks 2000");
  img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.nblocks = sb.size - sb.bmapstart + 0; });
  expect_error(img, "bitmap blocks");
  img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.ninodes = 1; });
  expect_error(img, "ninodes 1");
  img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.logstart = 1; });
  expect_error(img, "logstart 1");
  img = fixture();
  edit_superblock(img, [](SuperBlock& sb) { sb.size = 0xffffffff; });
  expect_error(img, "superblock size 4294967295");
}

// ---- Bitmap ----

TEST(FsckBitmap, UsedBlockMarkedFree) {
  auto img = fixture();
  flip_bitmap_bit(img, inode_of(img, kB).addrs[1]);
  expect_error(img, "is free in the bitmap but used by inode 3 (/b)");
}

TEST(FsckBitmap, FreeBlockMarkedUsed) {
  auto img = fixture();
  flip_bitmap_bit(img, 1500);
  expect_error(img, "block 1500 is marked used in the bitmap but nothing uses it");
}

TEST(FsckBitmap, MetadataMustBeMarked) {
  auto img = fixture();
  flip_bitmap_bit(img, 35);
  expect_error(img, "block 35 is free in the bitmap but used by the metadata");
  img = fixture();
  flip_bitmap_bit(img, 0);
  expect_error(img, "block 0 is free");
}

TEST(FsckBitmap, BitsPastTheEnd) {
  auto img = fixture();
  flip_bitmap_bit(img, 5000);
  flip_bitmap_bit(img, 8191);
  expect_error(img, "bitmap marks 2 blocks at or past block 2000");
}

// ---- Block pointers ----

TEST(FsckBlocks, DuplicateBlockPointer) {
  auto img = fixture();
  const uint32_t shared = inode_of(img, kA).addrs[0];
  const uint32_t freed = inode_of(img, kB).addrs[0];
  edit_inode(img, kB, [&](DiskInode& d) { d.addrs[0] = shared; });
  flip_bitmap_bit(img, freed); // keep the bitmap otherwise consistent
  expect_error(img, "block " + std::to_string(shared) +
                        " is used twice: by inode 2 (/a) and by "
                        "inode 3 (/b)");
  EXPECT_EQ(check_image(img).errors.size(), 1u) << all(check_image(img));
}

TEST(FsckBlocks, DuplicateInsideIndirectBlock) {
  auto img = fixture();
  const uint32_t ind = inode_of(img, kA).addrs[kNDirect];
  const uint32_t stolen = inode_of(img, kX).addrs[0];
  store_le32(img, size_t{ind} * kBlockSize + 4, stolen);
  expect_error(img, "is used twice");
}

TEST(FsckBlocks, PointerOutsideDataRegion) {
  auto img = fixture();
  edit_inode(img, kA, [](DiskInode& d) { d.addrs[1] = 10; });
  expect_error(img, "file block 1 points to block 10, outside the data region [47, 2000)");
  img = fixture();
  edit_inode(img, kA, [](DiskInode& d) { d.addrs[kNDirect] = 70000; });
  expect_error(img, "indirect block points to block 70000");
}

TEST(FsckBlocks, SizeAndBlocksDisagree) {
  auto img = fixture();
  edit_inode(img, kB, [](DiskInode& d) { d.size = 4000; }); // needs 4 blocks, has 3
  expect_error(img, "file block 3 is missing (size 4000)");
  img = fixture();
  edit_inode(img, kB, [](DiskInode& d) { d.size = 13 * kBlockSize; });
  expect_error(img, "needs an indirect block, but it has none");
  img = fixture();
  edit_inode(img, kB, [](DiskInode& d) { d.size = 0x7fffffff; });
  expect_error(img, "over the largest xv6 file");
}

// A failed write in the kernel (bad user pointer, disk full) can leave blocks past the size, as in
// xv6: consistent (allocated, marked, not shared), so only a warning.
TEST(FsckBlocks, BlocksPastTheSizeAreAWarning) {
  auto img = fixture();
  edit_inode(img, kB, [](DiskInode& d) { d.size = 1000; }); // needs 1 block, has 3
  FsckReport r = check_image(img);
  EXPECT_TRUE(r.ok()) << all(r);
  ASSERT_EQ(r.warnings.size(), 1u) << all(r);
  EXPECT_EQ(r.warnings[0], "inode 3 (/b): 2 blocks allocated past its size 1000 (left by a failed "
                           "write of an older kernel; freed on truncate)");
  img = fixture();
  edit_inode(img, kA, [](DiskInode& d) { d.size = 0; }); // 20 data blocks + the indirect block
  r = check_image(img);
  EXPECT_TRUE(r.ok()) << all(r);
  ASSERT_EQ(r.warnings.size(), 1u) << all(r);
  EXPECT_NE(r.warnings[0].find("21 blocks allocated past its size 0"), std::string::npos);
  // An indirect block with no entries (its data block could not be allocated).
  img = fixture();
  const uint32_t ind = inode_of(img, kA).addrs[kNDirect];
  edit_inode(img, kA, [](DiskInode& d) { d.size = 12 * kBlockSize; });
  for (uint32_t j = 0; j < 8; j++) {
    const uint32_t b = load_le32(img, size_t{ind} * kBlockSize + 4 * j);
    flip_bitmap_bit(img, b);
    store_le32(img, size_t{ind} * kBlockSize + 4 * j, 0);
  }
  r = check_image(img);
  EXPECT_TRUE(r.ok()) << all(r);
  EXPECT_NE(r.warnings.at(0).find("1 blocks allocated past its size 12288"), std::string::npos);
}

// ---- Inodes ----

TEST(FsckInodes, InvalidType) {
  auto img = fixture();
  edit_inode(img, kB, [](DiskInode& d) { d.type = 9; });
  expect_error(img, "inode 3 has invalid type 9");
}

TEST(FsckInodes, InodeZeroInUse) {
  auto img = fixture();
  edit_inode(img, 0, [](DiskInode& d) { d.type = kTypeFile; });
  expect_error(img, "inode 0 is in use");
}

TEST(FsckInodes, Orphan) {
  auto img = fixture();
  edit_inode(img, 100, [](DiskInode& d) {
    d.type = kTypeFile;
    d.nlink = 1;
  });
  expect_error(img, "inode 100 (file, nlink 1) is allocated but not reachable from / (orphan)");
}

TEST(FsckInodes, RootNotADirectory) {
  auto img = fixture();
  edit_inode(img, kRootInum, [](DiskInode& d) { d.type = kTypeFile; });
  expect_error(img, "root inode 1 is not an allocated directory");
}

TEST(FsckInodes, WrongFileNlink) {
  auto img = fixture();
  edit_inode(img, kB, [](DiskInode& d) { d.nlink = 2; });
  expect_error(img, "inode 3 (/b): nlink 2, but 1 directory entries name it");
  img = fixture();
  edit_inode(img, kConsole, [](DiskInode& d) { d.nlink = 0; });
  expect_error(img, "nlink 0, but 1 directory entries name it");
}

TEST(FsckInodes, HardLinkCountsBothEntries) {
  auto img = fixture();
  set_dirent(img, kD, 4, kB, "b2"); // a second name for /b in /d's free slot
  edit_inode(img, kD, [](DiskInode& d) { d.size += kDirentSize; });
  expect_error(img, "inode 3 (/b): nlink 1, but 2 directory entries name it");
  edit_inode(img, kB, [](DiskInode& d) { d.nlink = 2; });
  expect_ok(img);
}

TEST(FsckInodes, WrongDirectoryNlink) {
  auto img = fixture();
  edit_inode(img, kD, [](DiskInode& d) { d.nlink = 1; });
  expect_error(img, "directory 4 (/d): nlink 1, expected 2 (1 + 1 subdirectories)");
  img = fixture();
  edit_inode(img, kRootInum, [](DiskInode& d) { d.nlink = 1; });
  expect_error(img, "directory 1 (/): nlink 1, expected 2");
}

// ---- Directories ----

TEST(FsckDirs, EntryWithInumPastNinodes) {
  auto img = fixture();
  set_dirent_inum(img, kRootInum, 3, 500); // /b
  expect_error(img, "entry 'b' has inode number 500, not below ninodes 200");
}

TEST(FsckDirs, EntryPointingToFreeInode) {
  auto img = fixture();
  set_dirent_inum(img, kRootInum, 3, 150);
  expect_error(img, "entry 'b' points to free inode 150");
}

TEST(FsckDirs, DotAndDotDot) {
  auto img = fixture();
  set_dirent_inum(img, kRootInum, 1, kD);
  expect_error(img, "directory 1 (/): second entry is not '..' -> 1");
  img = fixture();
  set_dirent_inum(img, kS, 0, kD);
  expect_error(img, "directory 6 (/d/s): first entry is not '.' -> 6");
  img = fixture();
  set_dirent_inum(img, kS, 1, kRootInum);
  expect_error(img, "directory 6 (/d/s): second entry is not '..' -> 4");
  img = fixture();
  set_dirent(img, kD, 2, kX, "..");
  expect_error(img, "entry '..' at slot 2 is misplaced");
}

TEST(FsckDirs, DuplicateAndBadNames) {
  auto img = fixture();
  set_dirent(img, kRootInum, 3, kB, "a");
  expect_error(img, "directory 1 (/): entry 'a' appears more than once");
  img = fixture();
  set_dirent(img, kRootInum, 3, kB, "x/y");
  expect_error(img, "entry 'x/y' contains '/'");
  img = fixture();
  set_dirent(img, kRootInum, 3, kB, "");
  expect_error(img, "entry at slot 3 has an empty name");
}

TEST(FsckDirs, DirectoryWithTwoParentsOrACycle) {
  auto img = fixture();
  set_dirent(img, kRootInum, 3, kS, "b"); // /b now names /d/s too; the walk meets /b first
  expect_error(img, "directory 4 (/d): entry 's' links to directory 6, which already has a parent "
                    "(/b)");
  img = fixture();
  set_dirent(img, kS, 2, kD, "up");
  edit_inode(img, kS, [](DiskInode& d) { d.size += kDirentSize; });
  expect_error(img, "entry 'up' links to directory 4, which already has a parent (/d)");
  img = fixture();
  set_dirent(img, kS, 2, kRootInum, "root");
  edit_inode(img, kS, [](DiskInode& d) { d.size += kDirentSize; });
  expect_error(img, "entry 'root' links to the root directory");
}

TEST(FsckDirs, SizeNotAMultipleOfDirent) {
  auto img = fixture();
  edit_inode(img, kD, [](DiskInode& d) { d.size += 3; });
  expect_error(img, "directory 4 (/d): size 67 is not a multiple of 16");
}

TEST(FsckDirs, FreedSlotsAreSkipped) {
  auto img = fixture();
  set_dirent(img, kD, 2, 0, "x"); // unlink /d/x the way the kernel does (inum 0)...
  edit_inode(img, kX, [](DiskInode& d) { d.nlink = 0; });
  expect_error(img, "inode 5 (file, nlink 0) is allocated but not reachable"); // ...not freed
}

TEST(FsckDirs, NamesArePrintedSafely) {
  auto img = fixture();
  set_dirent(img, kRootInum, 3, 150, std::string_view("\x01q\n", 3));
  expect_error(img, "entry '\\x01q\\x0a' points to free inode 150");
}

// ---- Log ----

// Puts a committed transaction in the log: block `target` gets `contents` when installed.
void commit_to_log(std::vector<uint8_t>& img, uint32_t target,
                   const std::vector<uint8_t>& contents) {
  const SuperBlock sb = testing::superblock_of(img);
  const size_t hdr = size_t{sb.logstart} * kBlockSize;
  store_le32(img, hdr, 1);
  store_le32(img, hdr + 4, target);
  std::copy(contents.begin(), contents.end(), img.begin() + hdr + kBlockSize);
}

TEST(FsckLog, CommittedLogIsAWarningAndReplayInstallsIt) {
  const auto good = fixture();
  const uint32_t iblock = testing::superblock_of(good).iblock(kB);
  const std::vector<uint8_t> good_inode_block(good.begin() + size_t{iblock} * kBlockSize,
                                              good.begin() + size_t{iblock + 1} * kBlockSize);
  // On disk: /b's nlink is wrong; the log holds the correct inode block.
  auto img = good;
  edit_inode(img, kB, [](DiskInode& d) { d.nlink = 5; });
  commit_to_log(img, iblock, good_inode_block);

  FsckReport r = check_image(img);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "log has 1 committed blocks not yet installed (recovery pending)");

  r = check_image(img, FsckOptions{.replay_log = true});
  EXPECT_TRUE(r.ok()) << all(r);
  ASSERT_EQ(r.warnings.size(), 1u);

  auto installed = img;
  auto n = install_log(installed);
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(n.value(), 1u);
  EXPECT_EQ(read_log_header(installed).n, 0);
  expect_ok(installed);
  EXPECT_TRUE(check_image(installed).warnings.empty());
}

TEST(FsckLog, ConsistentImageWithPendingLogIsOk) {
  auto img = fixture();
  commit_to_log(img, 1500, pattern(kBlockSize)); // writes a free block: harmless
  const FsckReport r = check_image(img);
  EXPECT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(FsckLog, CorruptHeader) {
  auto img = fixture();
  const size_t hdr = size_t{testing::superblock_of(img).logstart} * kBlockSize;
  store_le32(img, hdr, 0xffffffff);
  expect_error(img, "log header corrupt: n = -1");
  EXPECT_FALSE(install_log(img).ok());
  store_le32(img, hdr, 31);
  expect_error(img, "log header corrupt: n = 31, the log holds at most 30 blocks");
  store_le32(img, hdr, 1);
  store_le32(img, hdr + 4, 1); // the superblock is never logged
  expect_error(img, "entry 0 targets block 1");
  const auto before = img;
  EXPECT_FALSE(install_log(img).ok());
  EXPECT_TRUE(img == before);
}

// ---- Robustness ----

TEST(FsckGarbage, RandomBytesNeverCrash) {
  for (uint32_t seed = 0; seed < 50; seed++) {
    auto img = pattern(100 * kBlockSize, seed);
    (void)check_image(img);
    // A plausible superblock over garbage: every other check runs on random data.
    edit_superblock(img, [](SuperBlock& sb) { sb = superblock_for(compute_layout(100, 200)); });
    const FsckReport r = check_image(img, FsckOptions{.replay_log = seed % 2 == 0});
    EXPECT_FALSE(r.ok());
    EXPECT_LE(r.errors.size(), FsckReport::kMaxListedErrors);
  }
}

TEST(FsckGarbage, RandomCorruptionOfARealImageNeverCrashes) {
  const auto good = fixture();
  for (uint32_t seed = 0; seed < 200; seed++) {
    auto img = good;
    const auto noise = pattern(64, seed);
    // Scribble over the inode blocks, the bitmap, and directory blocks.
    const size_t regions[] = {33 * kBlockSize + kInodeSize, 46 * kBlockSize, 47 * kBlockSize,
                              inode_of(good, kD).addrs[0] * size_t{kBlockSize}};
    const size_t at = regions[seed % 4] + (seed * 37) % 512;
    std::copy(noise.begin(), noise.end(), img.begin() + at);
    (void)check_image(img, FsckOptions{.replay_log = true});
  }
}

TEST(FsckGarbage, HugeErrorCountsAreCapped) {
  auto img = build_image(kDefaultLayout, {}).value();
  const size_t bm = 46 * size_t{kBlockSize};
  std::fill(img.begin() + bm, img.begin() + bm + kBlockSize, 0xff); // every block "used"
  const FsckReport r = check_image(img);
  EXPECT_EQ(r.errors.size(), FsckReport::kMaxListedErrors);
  EXPECT_GT(r.errors_not_listed, 0u);
}

// ---- The command ----

TEST(FsckCommand, OkLineAndExitStatus) {
  testing::TempDir tmp;
  testing::write_host(tmp / "fs.img", fixture());
  std::ostringstream out, err;
  EXPECT_EQ(run_fsck(std::vector<std::string>{tmp / "fs.img"}, out, err), 0);
  EXPECT_EQ(out.str(), "fsck: OK (7 inodes, 75 blocks used)\n");
  EXPECT_EQ(err.str(), "");
}

TEST(FsckCommand, ProblemsOnePerLineExitOne) {
  testing::TempDir tmp;
  auto img = fixture();
  flip_bitmap_bit(img, 1500);
  edit_inode(img, kB, [](DiskInode& d) { d.nlink = 3; });
  testing::write_host(tmp / "bad.img", img);
  std::ostringstream out, err;
  EXPECT_EQ(run_fsck(std::vector<std::string>{tmp / "bad.img"}, out, err), 1);
  EXPECT_EQ(out.str(), "fsck: block 1500 is marked used in the bitmap but nothing uses it\n"
                       "fsck: inode 3 (/b): nlink 3, but 1 directory entries name it\n");
}

TEST(FsckCommand, ReplayFlagAndUsageErrors) {
  testing::TempDir tmp;
  auto img = fixture();
  commit_to_log(img, 1500, pattern(kBlockSize));
  testing::write_host(tmp / "log.img", img);
  std::ostringstream out, err;
  EXPECT_EQ(run_fsck(std::vector<std::string>{"--replay", tmp / "log.img"}, out, err), 0);
  EXPECT_NE(out.str().find("fsck: warning: log had 1 committed blocks; installed them"),
            std::string::npos)
      << out.str();
  std::ostringstream o2, e2;
  EXPECT_EQ(run_fsck(std::vector<std::string>{tmp / "missing.img"}, o2, e2), 2);
  EXPECT_NE(e2.str().find("cannot read"), std::string::npos);
  EXPECT_EQ(run_fsck(std::vector<std::string>{"--frob", tmp / "log.img"}, o2, e2), 2);
  EXPECT_EQ(run_fsck(std::vector<std::string>{}, o2, e2), 2);
  std::ostringstream help;
  EXPECT_EQ(run_fsck(std::vector<std::string>{"--help"}, help, e2), 0);
  EXPECT_EQ(help.str().rfind("usage: fsck", 0), 0u);
}

} // namespace
} // namespace fsimage
