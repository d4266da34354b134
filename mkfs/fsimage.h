// Building and reading xv6 file system images in memory (host only).
//
// ImageBuilder writes an image the way xv6's mkfs does (same block and inode allocation order), and
// Image reads one back: inodes, file data through direct and indirect blocks, directories, paths.
// Neither trusts an image it did not make: every block number and size is bounds-checked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mkfs/layout.h"
#include "mkfs/result.h"

namespace fsimage {

// One regular file for the root directory.
struct InputFile {
  std::string name;          // the directory entry's name (check_name must accept it)
  std::vector<uint8_t> data; // at most kMaxFileBytes
};

// Builds an image in memory. Allocation follows xv6's mkfs: inodes from 1 upwards, data blocks from
// the first data block upwards in the order bytes are appended (a file's indirect block is taken
// just before its 13th data block). Directories follow the kernel's conventions: a new directory
// has nlink 1 and holds "." and ".." first; making it adds 1 to its parent's nlink.
class ImageBuilder {
public:
  // Starts an image for `layout`: zeroed blocks, the superblock, and root directory inode 1 with
  // "." and ".." (both itself). Fails if check_layout() rejects the layout.
  static Result<ImageBuilder> create(const Layout& layout);

  // Adds a regular file (nlink 1) holding `data` to directory `dir`; returns its inode number.
  // Fails on a bad or duplicate name, data over MAXFILE blocks, or no free inode or data block.
  Result<uint32_t> add_file(uint32_t dir, std::string_view name, std::span<const uint8_t> data);

  // Adds a subdirectory of `dir`; returns its inode number. Fails like add_file.
  Result<uint32_t> add_dir(uint32_t dir, std::string_view name);

  // Adds a device file (T_DEVICE, nlink 1, no data) to `dir`; returns its inode number.
  Result<uint32_t> add_device(uint32_t dir, std::string_view name, int16_t major, int16_t minor);

  // Writes the bitmap (every block below the next free one is in use, metadata included, as in
  // xv6) and returns the image: layout.size * BSIZE bytes.
  std::vector<uint8_t> finish() &&;

  const Layout& layout() const { return layout_; }

private:
  explicit ImageBuilder(const Layout& layout);

  // Block `b` of the image being built (b < layout.size).
  std::span<uint8_t> block(uint32_t b);
  // Inode `inum`'s dinode, decoded / encoded in place (inum < layout.ninodes).
  DiskInode read_inode(uint32_t inum);
  void write_inode(uint32_t inum, const DiskInode& inode);
  // Next inode / data block; `what` names the object being added, for the error message.
  Result<uint32_t> ialloc(int16_t type, std::string_view what);
  Result<uint32_t> balloc(std::string_view what);
  // Appends bytes to an inode as xv6 mkfs's iappend(), allocating blocks as it goes.
  Status append(uint32_t inum, std::span<const uint8_t> data, std::string_view what);
  // Appends the directory entry name -> inum to `dir` (no name checks).
  Status link(uint32_t dir, std::string_view name, uint32_t inum);
  // Fails unless `dir` is a directory here and `name` is valid and not yet in it.
  Status check_new_name(uint32_t dir, std::string_view name);

  Layout layout_;
  std::vector<uint8_t> bytes_;
  uint32_t next_inum_ = 1;
  uint32_t next_block_ = 0;
  std::map<uint32_t, std::set<std::string, std::less<>>> names_; // directory inum -> names in it
};

// Builds an image for `layout` with `files` in the root directory, in order.
Result<std::vector<uint8_t>> build_image(const Layout& layout, std::span<const InputFile> files);

// Problems with a superblock as read from an image of `image_bytes` bytes, first problem first.
// Stops after a problem that makes the rest meaningless (too small to hold a superblock, bad magic,
// truncated image). Empty when every region is in order, in range and big enough for its contents.
std::vector<std::string> superblock_problems(std::span<const uint8_t> image);

// A read-only view of an image whose superblock passed superblock_problems(). Reads are
// bounds-checked: a bad block pointer or size yields nullopt, never a crash.
class Image {
public:
  // Takes ownership of `bytes`; fails with the first superblock problem.
  static Result<Image> open(std::vector<uint8_t> bytes);
  // Reads the file at `path` and opens it.
  static Result<Image> load(const std::string& path);

  const SuperBlock& superblock() const { return sb_; }
  std::span<const uint8_t> bytes() const { return bytes_; }

  // Block `b`'s BSIZE bytes, or an empty span when b >= superblock().size.
  std::span<const uint8_t> block(uint32_t b) const;

  // Inode `inum`, or nullopt when inum >= ninodes.
  std::optional<DiskInode> read_inode(uint32_t inum) const;

  // The `size` bytes of an inode's data, or nullopt if its size is over MAXFILE blocks or a block
  // it needs is 0 or beyond the image.
  std::optional<std::vector<uint8_t>> read_data(const DiskInode& inode) const;

  // Every slot of directory `inum`, free ones (inum 0) included, in on-disk order; nullopt when
  // inum is not an allocated directory or its data is unreadable.
  std::optional<std::vector<DirEntry>> read_dir(uint32_t inum) const;

  // Inode number at `path`, resolved from the root like the kernel's namei: empty components are
  // skipped and a component is compared on its first DIRSIZ bytes. nullopt if not found.
  std::optional<uint32_t> lookup(std::string_view path) const;

private:
  Image(std::vector<uint8_t> bytes, const SuperBlock& sb) : bytes_(std::move(bytes)), sb_(sb) {}

  std::vector<uint8_t> bytes_;
  SuperBlock sb_;
};

// Contents of the regular file (or device) at `path`, or nullopt if there is none, it is a
// directory, or its data is unreadable.
std::optional<std::vector<uint8_t>> read_file(const Image& image, std::string_view path);

// Reads a host file into memory: all of it, or its first `max_bytes` bytes if it is longer.
Result<std::vector<uint8_t>> read_host_file(const std::string& path, uint64_t max_bytes);

} // namespace fsimage
