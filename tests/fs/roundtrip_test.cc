// Images built in memory and by the mkfs command read back byte for byte through the reader API.
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mkfs/cli.h"
#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"
#include "tests/fs/test_util.h"

namespace fsimage {
namespace {

using testing::pattern;

// Sizes around every boundary of the block map: empty, one byte, one block, all direct blocks, the
// first indirect block, and the largest file.
const std::vector<size_t> kSizes = {0,
                                    1,
                                    kBlockSize - 1,
                                    kBlockSize,
                                    kBlockSize + 1,
                                    12 * kBlockSize,
                                    12 * kBlockSize + 1,
                                    100 * kBlockSize + 17,
                                    kMaxFileBlocks* kBlockSize};

std::vector<InputFile> sized_files() {
  std::vector<InputFile> files;
  for (size_t i = 0; i < kSizes.size(); i++) {
    files.push_back({"f" + std::to_string(kSizes[i]), pattern(kSizes[i], uint32_t(i + 1))});
  }
  return files;
}

TEST(RoundTrip, EverySizeReadsBackExactly) {
  const auto files = sized_files();
  auto bytes = build_image(compute_layout(4000, 200), files);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  auto img = Image::open(std::move(bytes.value()));
  ASSERT_TRUE(img.ok()) << img.error();
  for (const InputFile& f : files) {
    const auto data = read_file(img.value(), "/" + f.name);
    ASSERT_TRUE(data.has_value()) << f.name;
    EXPECT_EQ(data->size(), f.data.size()) << f.name;
    EXPECT_TRUE(*data == f.data) << f.name << " differs";
  }
  EXPECT_TRUE(check_image(img.value().bytes()).ok());
}

TEST(RoundTrip, InodesAreAllocatedInOrderWithNlinkOne) {
  const auto files = sized_files();
  auto bytes = build_image(compute_layout(4000, 200), files);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  auto img = Image::open(std::move(bytes.value()));
  ASSERT_TRUE(img.ok());
  for (size_t i = 0; i < files.size(); i++) {
    const auto inum = img.value().lookup(files[i].name);
    ASSERT_TRUE(inum.has_value());
    EXPECT_EQ(*inum, i + 2); // root is 1
    const auto inode = img.value().read_inode(*inum);
    EXPECT_EQ(inode->type, kTypeFile);
    EXPECT_EQ(inode->nlink, 1);
    EXPECT_EQ(inode->size, files[i].data.size());
    // Blocks this file needs: data blocks plus the indirect block past NDIRECT.
    const uint32_t nblk = uint32_t((files[i].data.size() + kBlockSize - 1) / kBlockSize);
    EXPECT_EQ(inode->addrs[kNDirect] != 0, nblk > kNDirect) << files[i].name;
  }
}

TEST(RoundTrip, RootDirectoryListsDotDotDotThenFilesInOrder) {
  const std::vector<InputFile> files = {{"README", pattern(10)}, {"cat", pattern(3000)}};
  auto bytes = build_image(kDefaultLayout, files);
  ASSERT_TRUE(bytes.ok());
  auto img = Image::open(std::move(bytes.value()));
  ASSERT_TRUE(img.ok());
  const auto entries = img.value().read_dir(kRootInum);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].name, ".");
  EXPECT_EQ((*entries)[0].inum, 1);
  EXPECT_EQ((*entries)[1].name, "..");
  EXPECT_EQ((*entries)[1].inum, 1);
  EXPECT_EQ((*entries)[2].name, "README");
  EXPECT_EQ((*entries)[3].name, "cat");
  // Blocks go out in xv6 mkfs order: root's block, then README's, then cat's three.
  EXPECT_EQ(img.value().read_inode(1)->addrs[0], 47u);
  EXPECT_EQ(img.value().read_inode(2)->addrs[0], 48u);
  EXPECT_EQ(img.value().read_inode(3)->addrs[0], 49u);
  EXPECT_EQ(img.value().read_inode(3)->addrs[2], 51u);
}

TEST(RoundTrip, ManyFilesGrowTheRootDirectoryPastOneBlock) {
  std::vector<InputFile> files;
  for (int i = 0; i < 150; i++)
    files.push_back({"file" + std::to_string(i), pattern(i, i)});
  auto bytes = build_image(kDefaultLayout, files);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  auto img = Image::open(std::move(bytes.value()));
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img.value().read_inode(1)->size, (150u + 2u) * kDirentSize);
  for (const InputFile& f : files)
    EXPECT_EQ(read_file(img.value(), f.name), f.data) << f.name;
  const FsckReport r = check_image(img.value().bytes());
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front());
  EXPECT_EQ(r.inodes_used, 151u);
}

TEST(RoundTrip, SubdirectoriesAndDevicesFollowKernelConventions) {
  auto b = ImageBuilder::create(kDefaultLayout);
  ASSERT_TRUE(b.ok());
  auto dir = b.value().add_dir(kRootInum, "d");
  ASSERT_TRUE(dir.ok()) << dir.error();
  auto sub = b.value().add_dir(dir.value(), "sub");
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(b.value().add_file(sub.value(), "deep", pattern(5000)).ok());
  ASSERT_TRUE(b.value().add_device(kRootInum, "console", 1, 0).ok());
  EXPECT_FALSE(b.value().add_file(dir.value(), "sub", pattern(1)).ok()); // duplicate
  EXPECT_FALSE(b.value().add_file(99, "x", pattern(1)).ok());            // not a directory
  auto img = Image::open(std::move(b.value()).finish());
  ASSERT_TRUE(img.ok());
  const Image& im = img.value();
  EXPECT_EQ(read_file(im, "/d/sub/deep"), pattern(5000));
  EXPECT_EQ(read_file(im, "d//sub/deep/"), pattern(5000)); // namei skips empty components
  EXPECT_EQ(read_file(im, "/d/sub"), std::nullopt);        // a directory
  EXPECT_EQ(read_file(im, "/d/nope"), std::nullopt);
  EXPECT_EQ(im.lookup("/d/sub/.."), dir.value());
  EXPECT_EQ(im.lookup("/"), kRootInum);
  EXPECT_EQ(im.read_inode(kRootInum)->nlink, 2); // 1 + subdirectory d
  EXPECT_EQ(im.read_inode(dir.value())->nlink, 2);
  EXPECT_EQ(im.read_inode(sub.value())->nlink, 1);
  const auto console = im.read_inode(*im.lookup("console"));
  EXPECT_EQ(console->type, kTypeDevice);
  EXPECT_EQ(console->major, 1);
  const FsckReport r = check_image(im.bytes());
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front());
}

TEST(RoundTrip, LookupComparesOnlyDirsizBytesLikeNamei) {
  auto bytes = build_image(kDefaultLayout, std::vector<InputFile>{{"abcdefghijklmn", pattern(3)}});
  ASSERT_TRUE(bytes.ok());
  auto img = Image::open(std::move(bytes.value()));
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(read_file(img.value(), "abcdefghijklmn"), pattern(3));
  EXPECT_EQ(read_file(img.value(), "abcdefghijklmnXYZ"), pattern(3));
  EXPECT_EQ(read_file(img.value(), "abcdefghijklm"), std::nullopt);
}

TEST(RoundTrip, MkfsCommandWritesAnImageTheReaderLoads) {
  testing::TempDir tmp;
  std::vector<std::string> args = {"--size", "3000", tmp / "fs.img"};
  for (size_t i = 0; i < kSizes.size(); i++) {
    const std::string host = tmp / ("in" + std::to_string(i));
    testing::write_host(host, pattern(kSizes[i], uint32_t(i + 7)));
    args.push_back("n" + std::to_string(i) + "=" + host);
  }
  std::ostringstream out, err;
  ASSERT_EQ(run_mkfs(args, out, err), 0) << err.str();
  EXPECT_EQ(err.str(), "");
  auto img = Image::load(tmp / "fs.img");
  ASSERT_TRUE(img.ok()) << img.error();
  EXPECT_EQ(img.value().superblock().size, 3000u);
  EXPECT_EQ(img.value().bytes().size(), 3000u * kBlockSize);
  for (size_t i = 0; i < kSizes.size(); i++) {
    EXPECT_EQ(read_file(img.value(), "n" + std::to_string(i)), pattern(kSizes[i], uint32_t(i + 7)))
        << "size " << kSizes[i];
  }
  std::vector<std::string> fsck_args = {tmp / "fs.img"};
  std::ostringstream fout, ferr;
  EXPECT_EQ(run_fsck(fsck_args, fout, ferr), 0) << fout.str() << ferr.str();
  EXPECT_EQ(fout.str().rfind("fsck: OK (", 0), 0u) << fout.str();
}

TEST(RoundTrip, ReaderRejectsOutOfRangePointersInsteadOfCrashing) {
  auto bytes = build_image(kDefaultLayout, std::vector<InputFile>{{"a", pattern(20 * 1024)}});
  ASSERT_TRUE(bytes.ok());
  std::vector<uint8_t> img = std::move(bytes.value());
  testing::edit_inode(img, 2, [](DiskInode& d) { d.addrs[3] = 5000; });
  auto opened = Image::open(img);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(read_file(opened.value(), "a"), std::nullopt);
  testing::edit_inode(img, 2, [](DiskInode& d) {
    d.addrs[3] = 60;
    d.addrs[kNDirect] = 0xffffffff;
  });
  EXPECT_EQ(read_file(Image::open(img).value(), "a"), std::nullopt);
  testing::edit_inode(img, 2, [](DiskInode& d) { d.size = 0xffffffff; });
  EXPECT_EQ(read_file(Image::open(img).value(), "a"), std::nullopt);
  EXPECT_EQ(Image::open(img).value().read_inode(200), std::nullopt);
}

} // namespace
} // namespace fsimage
