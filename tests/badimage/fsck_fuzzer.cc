// libFuzzer target for the host image reader and fsck (mkfs/fsimage.h, mkfs/fsck.h). Whatever the
// input, checking and reading it must not crash, hang, overflow or trip a sanitizer, and:
//   - check_image lists at most kMaxListedErrors errors and warnings;
//   - an image whose superblock has a problem never passes fsck;
//   - install_log fails exactly when log_header_problem() names a problem, and then changes
//   nothing;
//   - fsck with the log replayed finds the same errors as fsck of the image after install_log.
// Input: byte 0 chooses the mode. Even: the rest is an image as is (truncated ones included). Odd:
// the rest is a list of patches (3-byte offset, 1-byte length, that many bytes) applied to a small
// valid image that holds files, directories, an indirect block, a device and a committed log, so
// most inputs get past the superblock checks into the inode, directory and bitmap checks.
//
// Built with clang's -fsanitize=fuzzer,address,undefined by the genrule in BUILD.bazel (the host
// toolchain is gcc, which has no libFuzzer); run by fsck_fuzz_test.sh.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"
#include "mkfs/layout.h"

namespace {

using fsimage::FsckReport;

void require(bool ok) {
  if (!ok)
    std::abort(); // libFuzzer reports the input that got here
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i++)
    v[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
  return v;
}

// 120 blocks: /a (20 KiB, indirect block), /b, /d/x, /d/e, /console; log slot 0 committed with a
// new copy of /b's first block.
const std::vector<uint8_t>& base_image() {
  static const std::vector<uint8_t> image = [] {
    auto b = fsimage::ImageBuilder::create(fsimage::compute_layout(120, 40, 14));
    require(b.ok());
    fsimage::ImageBuilder& ib = b.value();
    require(ib.add_file(fsimage::kRootInum, "a", pattern(20 * 1024, 1)).ok());
    auto bfile = ib.add_file(fsimage::kRootInum, "b", pattern(3000, 2));
    require(bfile.ok());
    auto d = ib.add_dir(fsimage::kRootInum, "d");
    require(d.ok());
    require(ib.add_file(d.value(), "x", pattern(100, 3)).ok());
    require(ib.add_dir(d.value(), "e").ok());
    require(ib.add_device(fsimage::kRootInum, "console", 1, 0).ok());
    std::vector<uint8_t> img = std::move(ib).finish();
    auto image = fsimage::Image::open(img);
    require(image.ok());
    const fsimage::SuperBlock sb = image.value().superblock();
    const uint32_t home = image.value().read_inode(bfile.value())->addrs[0];
    const size_t bs = fsimage::kBlockSize;
    fsimage::store_le32(std::span(img).subspan(sb.logstart * bs), 0, 1);
    fsimage::store_le32(std::span(img).subspan(sb.logstart * bs), 4, home);
    std::vector<uint8_t> block = pattern(bs, 9);
    std::copy(block.begin(), block.end(), img.begin() + (sb.logstart + 1) * bs);
    return img;
  }();
  return image;
}

std::vector<uint8_t> make_image(const uint8_t* data, size_t size) {
  if (size == 0)
    return {};
  if (data[0] % 2 == 0)
    return std::vector<uint8_t>(data + 1, data + size);
  std::vector<uint8_t> img = base_image();
  size_t i = 1;
  while (i + 4 <= size) {
    size_t off =
        (size_t{data[i]} | size_t{data[i + 1]} << 8 | size_t{data[i + 2]} << 16) % img.size();
    size_t len = data[i + 3] % 17;
    i += 4;
    for (size_t k = 0; k < len && i < size && off + k < img.size(); k++, i++)
      img[off + k] = data[i];
  }
  return img;
}

void check_report(const FsckReport& r) {
  require(r.errors.size() <= FsckReport::kMaxListedErrors);
  require(r.warnings.size() <= FsckReport::kMaxListedErrors);
  require(r.errors_not_listed == 0 || r.errors.size() == FsckReport::kMaxListedErrors);
}

// Reads everything an Image offers: inodes, data, directories, a few paths.
void read_everything(const fsimage::Image& image) {
  const uint32_t n = image.superblock().ninodes < 64 ? image.superblock().ninodes : 64;
  for (uint32_t inum = 0; inum < n; inum++) {
    auto inode = image.read_inode(inum);
    if (!inode)
      continue;
    auto data = image.read_data(*inode);
    if (data)
      require(data->size() == inode->size);
    (void)image.read_dir(inum);
  }
  for (const char* path : {"/", "/a", "/d/x", "/d/e/../x", "//d///e/", "/console", "/nope/x"}) {
    (void)image.lookup(path);
    (void)fsimage::read_file(image, path);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> img = make_image(data, size);

  const FsckReport plain = fsimage::check_image(img);
  check_report(plain);
  const bool sb_bad = !fsimage::superblock_problems(img).empty();
  if (sb_bad)
    require(!plain.ok());

  fsimage::FsckOptions replay;
  replay.replay_log = true;
  const FsckReport replayed = fsimage::check_image(img, replay);
  check_report(replayed);
  if (sb_bad)
    return 0; // nothing below needs more than a sound superblock

  std::vector<uint8_t> installed = img;
  const bool header_bad = fsimage::log_header_problem(img).has_value();
  auto n = fsimage::install_log(installed);
  require(n.ok() == !header_bad);
  if (!n.ok()) {
    require(installed == img);
  } else {
    const FsckReport after = fsimage::check_image(installed);
    check_report(after);
    require(after.errors == replayed.errors);
    require(after.errors_not_listed == replayed.errors_not_listed);
  }

  auto image = fsimage::Image::open(img);
  require(image.ok());
  read_everything(image.value());
  return 0;
}
