// Helpers shared by the file system image tests: temporary directories, host files, test data, and
// in-place edits of image bytes.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mkfs/fsimage.h"
#include "mkfs/layout.h"

namespace fsimage::testing {

// A fresh directory under $TEST_TMPDIR (or /tmp), removed with everything in it at scope exit.
class TempDir {
public:
  TempDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/fstest.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      ADD_FAILURE() << "mkdtemp failed for " << tmpl;
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // `name` inside this directory.
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

// `n` bytes that differ from block to block and position to position (so misplaced blocks show).
inline std::vector<uint8_t> pattern(size_t n, uint32_t seed = 1) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed * 2654435761u + 12345;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345;
    v[i] = static_cast<uint8_t>(x >> 16);
  }
  return v;
}

inline void write_host(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(f.good()) << "cannot write " << path;
}

inline std::vector<uint8_t> read_host(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Byte offset of inode `inum`'s dinode in an image with superblock `sb`.
inline size_t inode_offset(const SuperBlock& sb, uint32_t inum) {
  return size_t{sb.iblock(inum)} * kBlockSize + (inum % kInodesPerBlock) * kInodeSize;
}

inline SuperBlock superblock_of(const std::vector<uint8_t>& img) {
  return decode_superblock(std::span<const uint8_t>(img).subspan(kBlockSize));
}

// Decodes inode `inum`, lets `edit` change it, and encodes it back into `img`.
inline void edit_inode(std::vector<uint8_t>& img, uint32_t inum,
                       const std::function<void(DiskInode&)>& edit) {
  const size_t off = inode_offset(superblock_of(img), inum);
  DiskInode d = decode_inode(std::span<const uint8_t>(img).subspan(off));
  edit(d);
  encode_inode(d, std::span<uint8_t>(img).subspan(off));
}

inline DiskInode inode_of(const std::vector<uint8_t>& img, uint32_t inum) {
  return decode_inode(
      std::span<const uint8_t>(img).subspan(inode_offset(superblock_of(img), inum)));
}

// Flips block `b`'s bit in the bitmap.
inline void flip_bitmap_bit(std::vector<uint8_t>& img, uint32_t b) {
  const SuperBlock sb = superblock_of(img);
  img[size_t{sb.bblock(b)} * kBlockSize + (b % kBitsPerBlock) / 8] ^=
      static_cast<uint8_t>(1u << (b % 8));
}

// Edits the superblock in place.
inline void edit_superblock(std::vector<uint8_t>& img,
                            const std::function<void(SuperBlock&)>& edit) {
  SuperBlock sb = superblock_of(img);
  edit(sb);
  encode_superblock(sb, std::span<uint8_t>(img).subspan(kBlockSize));
}

} // namespace fsimage::testing
