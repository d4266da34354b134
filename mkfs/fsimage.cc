#include "mkfs/fsimage.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fsimage {
namespace {

std::string quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Number of blocks that hold `bytes` bytes.
constexpr uint64_t blocks_for(uint64_t bytes) {
  return (bytes + kBlockSize - 1) / kBlockSize;
}

// Renders `v` as 0x-prefixed hex, 8 digits.
std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// ImageBuilder

ImageBuilder::ImageBuilder(const Layout& layout)
    : layout_(layout), bytes_(size_t{layout.size} * kBlockSize, 0), next_block_(layout.nmeta) {}

Result<ImageBuilder> ImageBuilder::create(const Layout& layout) {
  if (auto problem = check_layout(layout))
    return Error{*problem};
  ImageBuilder b(layout);
  encode_superblock(superblock_for(layout), b.block(1));
  auto root = b.ialloc(kTypeDir, "the root directory");
  if (!root.ok())
    return Error{root.error()};
  DiskInode din = b.read_inode(root.value());
  din.nlink = 1;
  b.write_inode(root.value(), din);
  FSIMAGE_TRY(b.link(kRootInum, ".", kRootInum));
  FSIMAGE_TRY(b.link(kRootInum, "..", kRootInum));
  return b;
}

std::span<uint8_t> ImageBuilder::block(uint32_t b) {
  return std::span<uint8_t>(bytes_).subspan(size_t{b} * kBlockSize, kBlockSize);
}

DiskInode ImageBuilder::read_inode(uint32_t inum) {
  const SuperBlock sb = superblock_for(layout_);
  return decode_inode(block(sb.iblock(inum)).subspan((inum % kInodesPerBlock) * kInodeSize));
}

void ImageBuilder::write_inode(uint32_t inum, const DiskInode& inode) {
  const SuperBlock sb = superblock_for(layout_);
  encode_inode(inode, block(sb.iblock(inum)).subspan((inum % kInodesPerBlock) * kInodeSize));
}

// Takes the next inode number and gives it `type`; `what` names the object for the error message.
Result<uint32_t> ImageBuilder::ialloc(int16_t type, std::string_view what) {
  if (next_inum_ >= layout_.ninodes) {
    return Error{"image too small: out of inodes (--ninodes " + std::to_string(layout_.ninodes) +
                 ") while adding " + std::string(what)};
  }
  const uint32_t inum = next_inum_++;
  DiskInode din;
  din.type = type;
  write_inode(inum, din);
  return inum;
}

// Takes the next data block (already zero); `what` names the object for the error message.
Result<uint32_t> ImageBuilder::balloc(std::string_view what) {
  if (next_block_ >= layout_.size) {
    return Error{"image too small: out of data blocks (--size " + std::to_string(layout_.size) +
                 " leaves " + std::to_string(layout_.nblocks) + ") while adding " +
                 std::string(what)};
  }
  return next_block_++;
}

// Appends `data` at the end of inode `inum`, allocating blocks as xv6's mkfs iappend() does.
Status ImageBuilder::append(uint32_t inum, std::span<const uint8_t> data, std::string_view what) {
  DiskInode din = read_inode(inum);
  uint64_t off = din.size;
  if (off + data.size() > kMaxFileBytes) {
    return Error{std::string(what) + " would be larger than the largest xv6 file (" +
                 std::to_string(kMaxFileBytes) + " bytes = MAXFILE " +
                 std::to_string(kMaxFileBlocks) + " blocks)"};
  }
  while (!data.empty()) {
    const uint32_t fbn = static_cast<uint32_t>(off / kBlockSize);
    uint32_t addr;
    if (fbn < kNDirect) {
      if (din.addrs[fbn] == 0) {
        auto b = balloc(what);
        if (!b.ok())
          return Error{b.error()};
        din.addrs[fbn] = b.value();
      }
      addr = din.addrs[fbn];
    } else {
      if (din.addrs[kNDirect] == 0) {
        auto b = balloc(what);
        if (!b.ok())
          return Error{b.error()};
        din.addrs[kNDirect] = b.value();
      }
      const auto indirect = block(din.addrs[kNDirect]);
      const size_t slot = 4 * size_t{fbn - kNDirect};
      if (load_le32(indirect, slot) == 0) {
        auto b = balloc(what);
        if (!b.ok())
          return Error{b.error()};
        store_le32(indirect, slot, b.value());
      }
      addr = load_le32(indirect, slot);
    }
    const size_t in_block = off % kBlockSize;
    const size_t n = std::min<size_t>(data.size(), kBlockSize - in_block);
    std::copy_n(data.begin(), n, block(addr).begin() + in_block);
    data = data.subspan(n);
    off += n;
  }
  din.size = static_cast<uint32_t>(off);
  write_inode(inum, din);
  return {};
}

// Appends the entry (name -> inum) to directory `dir`. No name checks: "." and ".." come here too.
Status ImageBuilder::link(uint32_t dir, std::string_view name, uint32_t inum) {
  uint8_t de[kDirentSize];
  encode_dirent(static_cast<uint16_t>(inum), name, de);
  names_[dir].emplace(name);
  return append(dir, de, "directory entry " + quote(name));
}

// Fails unless `dir` is a directory of this image and `name` a valid name not yet in it.
Status ImageBuilder::check_new_name(uint32_t dir, std::string_view name) {
  if (dir == 0 || dir >= next_inum_ || read_inode(dir).type != kTypeDir) {
    return Error{"inode " + std::to_string(dir) + " is not a directory"};
  }
  if (auto problem = check_name(name))
    return Error{*problem};
  if (names_[dir].contains(name))
    return Error{"duplicate name " + quote(name)};
  return {};
}

Result<uint32_t> ImageBuilder::add_file(uint32_t dir, std::string_view name,
                                        std::span<const uint8_t> data) {
  FSIMAGE_TRY(check_new_name(dir, name));
  if (data.size() > kMaxFileBytes) {
    return Error{"file " + quote(name) + " is " + std::to_string(data.size()) +
                 " bytes; the largest xv6 file is " + std::to_string(kMaxFileBytes) +
                 " bytes (MAXFILE " + std::to_string(kMaxFileBlocks) + " blocks)"};
  }
  const std::string what = "file " + quote(name);
  auto inum = ialloc(kTypeFile, what);
  if (!inum.ok())
    return inum;
  DiskInode din = read_inode(inum.value());
  din.nlink = 1;
  write_inode(inum.value(), din);
  FSIMAGE_TRY(link(dir, name, inum.value()));
  FSIMAGE_TRY(append(inum.value(), data, what));
  return inum;
}

Result<uint32_t> ImageBuilder::add_dir(uint32_t dir, std::string_view name) {
  FSIMAGE_TRY(check_new_name(dir, name));
  auto inum = ialloc(kTypeDir, "directory " + quote(name));
  if (!inum.ok())
    return inum;
  DiskInode din = read_inode(inum.value());
  din.nlink = 1;
  write_inode(inum.value(), din);
  FSIMAGE_TRY(link(inum.value(), ".", inum.value()));
  FSIMAGE_TRY(link(inum.value(), "..", dir));
  FSIMAGE_TRY(link(dir, name, inum.value()));
  DiskInode parent = read_inode(dir);
  parent.nlink++; // for the child's ".."
  write_inode(dir, parent);
  return inum;
}

Result<uint32_t> ImageBuilder::add_device(uint32_t dir, std::string_view name, int16_t major,
                                          int16_t minor) {
  FSIMAGE_TRY(check_new_name(dir, name));
  auto inum = ialloc(kTypeDevice, "device " + quote(name));
  if (!inum.ok())
    return inum;
  DiskInode din = read_inode(inum.value());
  din.nlink = 1;
  din.major = major;
  din.minor = minor;
  write_inode(inum.value(), din);
  FSIMAGE_TRY(link(dir, name, inum.value()));
  return inum;
}

std::vector<uint8_t> ImageBuilder::finish() && {
  for (uint32_t b = 0; b < next_block_; b++) {
    const auto bitmap = block(layout_.bmapstart + b / kBitsPerBlock);
    const uint32_t bit = b % kBitsPerBlock;
    bitmap[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
  }
  return std::move(bytes_);
}

Result<std::vector<uint8_t>> build_image(const Layout& layout, std::span<const InputFile> files) {
  auto builder = ImageBuilder::create(layout);
  if (!builder.ok())
    return Error{builder.error()};
  for (const InputFile& f : files) {
    FSIMAGE_TRY(builder.value().add_file(kRootInum, f.name, f.data));
  }
  return std::move(builder.value()).finish();
}

// ---------------------------------------------------------------------------------------------
// Reading

std::vector<std::string> superblock_problems(std::span<const uint8_t> image) {
  std::vector<std::string> p;
  const uint64_t nbytes = image.size();
  if (nbytes < 2 * kBlockSize) {
    p.push_back("image truncated: " + std::to_string(nbytes) +
                " bytes, too small to hold a superblock (2 blocks of " +
                std::to_string(kBlockSize) + " bytes)");
    return p;
  }
  const SuperBlock sb = decode_superblock(image.subspan(kBlockSize));
  if (sb.magic != kMagic) {
    p.push_back("bad superblock magic " + hex32(sb.magic) + " (expected " + hex32(kMagic) + ")");
    return p;
  }
  if (sb.size > kMaxSize) {
    p.push_back("superblock size " + std::to_string(sb.size) + " blocks is over the " +
                std::to_string(kMaxSize) + " this checker handles");
    return p;
  }
  if (uint64_t{sb.size} * kBlockSize > nbytes) {
    p.push_back("image truncated: " + std::to_string(nbytes) + " bytes, superblock says " +
                std::to_string(sb.size) + " blocks");
    return p;
  }
  // Everything below is 64-bit arithmetic: the fields may be garbage.
  const uint64_t size = sb.size, ninodes = sb.ninodes, nlog = sb.nlog;
  const uint64_t logstart = sb.logstart, inodestart = sb.inodestart, bmapstart = sb.bmapstart;
  if (ninodes < 2 || ninodes > kMaxInodes) {
    p.push_back("superblock ninodes " + std::to_string(ninodes) + " is out of range [2, " +
                std::to_string(kMaxInodes) + "]");
  }
  if (nlog < kMinLogBlocks) {
    p.push_back("superblock nlog " + std::to_string(nlog) +
                " is too small: the kernel's log needs a header and MAXOPBLOCKS blocks (" +
                std::to_string(kMinLogBlocks) + ")");
  }
  if (logstart < 2) {
    p.push_back("superblock logstart " + std::to_string(logstart) +
                " overlaps the boot block or the superblock");
  }
  if (inodestart < logstart + nlog) {
    p.push_back("superblock inodestart " + std::to_string(inodestart) + " overlaps the log (" +
                std::to_string(nlog) + " blocks from logstart " + std::to_string(logstart) + ")");
  }
  const uint64_t inode_blocks_needed = (ninodes + kInodesPerBlock - 1) / kInodesPerBlock;
  if (bmapstart < inodestart + inode_blocks_needed) {
    p.push_back("superblock bmapstart " + std::to_string(bmapstart) + " leaves " +
                std::to_string(bmapstart > inodestart ? bmapstart - inodestart : 0) +
                " inode blocks from inodestart " + std::to_string(inodestart) + "; " +
                std::to_string(ninodes) + " inodes need " + std::to_string(inode_blocks_needed));
  }
  if (sb.nblocks >= size) {
    p.push_back("superblock nblocks " + std::to_string(sb.nblocks) +
                " leaves no room for metadata in " + std::to_string(size) + " blocks");
  } else if (sb.nblocks == 0) {
    p.push_back("superblock nblocks is 0: no data blocks, not even for the root directory");
  } else {
    const uint64_t datastart = size - sb.nblocks;
    const uint64_t bitmap_blocks_needed = (size + kBitsPerBlock - 1) / kBitsPerBlock;
    if (datastart < bmapstart + bitmap_blocks_needed) {
      p.push_back("data region starts at block " + std::to_string(datastart) + " (size - nblocks)" +
                  ", leaving " + std::to_string(datastart > bmapstart ? datastart - bmapstart : 0) +
                  " bitmap blocks from bmapstart " + std::to_string(bmapstart) + "; " +
                  std::to_string(size) + " blocks need " + std::to_string(bitmap_blocks_needed));
    }
  }
  return p;
}

Result<Image> Image::open(std::vector<uint8_t> bytes) {
  const auto problems = superblock_problems(bytes);
  if (!problems.empty())
    return Error{problems.front()};
  const SuperBlock sb = decode_superblock(std::span<const uint8_t>(bytes).subspan(kBlockSize));
  return Image(std::move(bytes), sb);
}

Result<Image> Image::load(const std::string& path) {
  auto bytes = read_host_file(path, uint64_t{kMaxSize} * kBlockSize);
  if (!bytes.ok())
    return Error{bytes.error()};
  return open(std::move(bytes.value()));
}

std::span<const uint8_t> Image::block(uint32_t b) const {
  if (b >= sb_.size)
    return {};
  return std::span<const uint8_t>(bytes_).subspan(size_t{b} * kBlockSize, kBlockSize);
}

std::optional<DiskInode> Image::read_inode(uint32_t inum) const {
  if (inum >= sb_.ninodes)
    return std::nullopt;
  const auto b = block(sb_.iblock(inum));
  if (b.empty())
    return std::nullopt;
  return decode_inode(b.subspan((inum % kInodesPerBlock) * kInodeSize));
}

std::optional<std::vector<uint8_t>> Image::read_data(const DiskInode& inode) const {
  if (inode.size > kMaxFileBytes)
    return std::nullopt;
  const uint32_t n = static_cast<uint32_t>(blocks_for(inode.size));
  std::vector<uint8_t> out;
  out.reserve(inode.size);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t addr;
    if (i < kNDirect) {
      addr = inode.addrs[i];
    } else {
      const auto indirect =
          inode.addrs[kNDirect] == 0 ? std::span<const uint8_t>() : block(inode.addrs[kNDirect]);
      if (indirect.empty())
        return std::nullopt;
      addr = load_le32(indirect, 4 * size_t{i - kNDirect});
    }
    const auto data = addr == 0 ? std::span<const uint8_t>() : block(addr);
    if (data.empty())
      return std::nullopt;
    const size_t take = std::min<size_t>(kBlockSize, inode.size - size_t{i} * kBlockSize);
    out.insert(out.end(), data.begin(), data.begin() + take);
  }
  return out;
}

std::optional<std::vector<DirEntry>> Image::read_dir(uint32_t inum) const {
  const auto inode = read_inode(inum);
  if (!inode || inode->type != kTypeDir)
    return std::nullopt;
  const auto data = read_data(*inode);
  if (!data)
    return std::nullopt;
  std::vector<DirEntry> entries;
  const std::span<const uint8_t> bytes(*data);
  for (size_t off = 0; off + kDirentSize <= bytes.size(); off += kDirentSize) {
    entries.push_back(decode_dirent(bytes.subspan(off, kDirentSize)));
  }
  return entries;
}

std::optional<uint32_t> Image::lookup(std::string_view path) const {
  uint32_t cur = kRootInum;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    std::string_view elem = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (elem.empty())
      continue;
    elem = elem.substr(0, kDirSiz);
    const auto entries = read_dir(cur);
    if (!entries)
      return std::nullopt;
    const auto it = std::find_if(entries->begin(), entries->end(),
                                 [&](const DirEntry& e) { return e.inum != 0 && e.name == elem; });
    if (it == entries->end())
      return std::nullopt;
    cur = it->inum;
  }
  const auto inode = read_inode(cur);
  if (!inode || inode->type == 0)
    return std::nullopt;
  return cur;
}

std::optional<std::vector<uint8_t>> read_file(const Image& image, std::string_view path) {
  const auto inum = image.lookup(path);
  if (!inum)
    return std::nullopt;
  const auto inode = image.read_inode(*inum);
  if (!inode || (inode->type != kTypeFile && inode->type != kTypeDevice))
    return std::nullopt;
  return image.read_data(*inode);
}

Result<std::vector<uint8_t>> read_host_file(const std::string& path, uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error{"cannot read " + quote(path) + ": " + std::strerror(errno)};
  std::vector<uint8_t> out;
  uint8_t buf[64 * 1024];
  while (out.size() < max_bytes) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, max_bytes - out.size()));
    const ssize_t n = ::read(fd, buf, want);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Error{"cannot read " + quote(path) + ": " + std::strerror(err)};
    }
    if (n == 0)
      break;
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

} // namespace fsimage
