#include "mkfs/layout.h"

#include <algorithm>

namespace fsimage {

std::optional<std::string> check_layout(const Layout& l) {
  if (l.ninodes < 2) {
    return "--ninodes " + std::to_string(l.ninodes) +
           " is too small: inode 0 is never used and inode 1 is the root, so at least 2";
  }
  if (l.ninodes > kMaxInodes) {
    return "--ninodes " + std::to_string(l.ninodes) + " is too large: at most " +
           std::to_string(kMaxInodes) + " (directory entries hold 16-bit inode numbers)";
  }
  if (l.size > kMaxSize) {
    return "--size " + std::to_string(l.size) + " is too large: at most " +
           std::to_string(kMaxSize) + " blocks";
  }
  if (l.nmeta >= l.size) {
    return "--size " + std::to_string(l.size) + " is too small: the metadata alone takes " +
           std::to_string(l.nmeta) + " blocks, and the root directory needs 1 more";
  }
  return std::nullopt;
}

SuperBlock decode_superblock(std::span<const uint8_t> b) {
  SuperBlock sb;
  sb.magic = load_le32(b, 0);
  sb.size = load_le32(b, 4);
  sb.nblocks = load_le32(b, 8);
  sb.ninodes = load_le32(b, 12);
  sb.nlog = load_le32(b, 16);
  sb.logstart = load_le32(b, 20);
  sb.inodestart = load_le32(b, 24);
  sb.bmapstart = load_le32(b, 28);
  return sb;
}

void encode_superblock(const SuperBlock& sb, std::span<uint8_t> b) {
  const uint32_t fields[] = {sb.magic, sb.size,     sb.nblocks,    sb.ninodes,
                             sb.nlog,  sb.logstart, sb.inodestart, sb.bmapstart};
  for (size_t i = 0; i < std::size(fields); i++)
    store_le32(b, 4 * i, fields[i]);
}

DiskInode decode_inode(std::span<const uint8_t> b) {
  DiskInode d;
  d.type = static_cast<int16_t>(load_le16(b, 0));
  d.major = static_cast<int16_t>(load_le16(b, 2));
  d.minor = static_cast<int16_t>(load_le16(b, 4));
  d.nlink = static_cast<int16_t>(load_le16(b, 6));
  d.size = load_le32(b, 8);
  for (uint32_t i = 0; i <= kNDirect; i++)
    d.addrs[i] = load_le32(b, 12 + 4 * i);
  return d;
}

void encode_inode(const DiskInode& d, std::span<uint8_t> b) {
  store_le16(b, 0, static_cast<uint16_t>(d.type));
  store_le16(b, 2, static_cast<uint16_t>(d.major));
  store_le16(b, 4, static_cast<uint16_t>(d.minor));
  store_le16(b, 6, static_cast<uint16_t>(d.nlink));
  store_le32(b, 8, d.size);
  for (uint32_t i = 0; i <= kNDirect; i++)
    store_le32(b, 12 + 4 * i, d.addrs[i]);
}

DirEntry decode_dirent(std::span<const uint8_t> b) {
  DirEntry e;
  e.inum = load_le16(b, 0);
  const auto name = b.subspan(2, kDirSiz);
  const auto end = std::find(name.begin(), name.end(), uint8_t{0});
  e.name.assign(name.begin(), end);
  return e;
}

void encode_dirent(uint16_t inum, std::string_view name, std::span<uint8_t> b) {
  store_le16(b, 0, inum);
  for (uint32_t i = 0; i < kDirSiz; i++) {
    b[2 + i] = i < name.size() ? static_cast<uint8_t>(name[i]) : 0;
  }
}

std::optional<std::string> check_name(std::string_view name) {
  const std::string quoted = "'" + std::string(name) + "'";
  if (name.empty())
    return std::string("empty file name");
  if (name.size() > kDirSiz) {
    return "name " + quoted + " is " + std::to_string(name.size()) + " bytes; at most " +
           std::to_string(kDirSiz) + " (DIRSIZ)";
  }
  if (name.find('/') != std::string_view::npos)
    return "name " + quoted + " contains '/'";
  if (name.find('\0') != std::string_view::npos)
    return std::string("name contains a NUL byte");
  if (name == "." || name == "..")
    return "name " + quoted + " is reserved";
  return std::nullopt;
}

} // namespace fsimage
