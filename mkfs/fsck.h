// fsck: checks that an xv6 image is consistent, and installs a committed log like the kernel's
// recovery does. Never crashes or loops on garbage: every number read from the image is checked.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mkfs/layout.h"
#include "mkfs/result.h"

namespace fsimage {

// The log header at block logstart, as the kernel's log.c writes it:
// struct logheader { int n; int block[LOGBLOCKS]; } (little-endian). Log block i (i < n) is at
// logstart + 1 + i and belongs at block[i].
struct LogHeader {
  int32_t n = 0;
  std::vector<uint32_t> blocks; // the first max(n, 0) targets, up to the header's capacity
};

// Reads the log header of an image whose superblock is sound (superblock_problems() is empty).
LogHeader read_log_header(std::span<const uint8_t> image);

// Why the log header cannot be installed (n negative or over the log's capacity, a target outside
// [inodestart, size)), or nullopt if it can.
std::optional<std::string> log_header_problem(std::span<const uint8_t> image);

// Installs the committed log like the kernel's recovery: copies each logged block home, then
// clears n. Returns how many blocks it installed (0 if none). Changes nothing on a corrupt header.
// Needs a sound superblock.
Result<uint32_t> install_log(std::span<uint8_t> image);

struct FsckOptions {
  bool replay_log = false; // install a committed log in a private copy before checking
};

// What check_image found.
struct FsckReport {
  std::vector<std::string> errors;   // one line each, without a "fsck: " prefix
  uint64_t errors_not_listed = 0;    // errors past the first kMaxListedErrors
  std::vector<std::string> warnings; // a committed log not yet installed, blocks past a size
  uint64_t warnings_not_listed = 0;  // warnings past the first kMaxListedErrors
  uint32_t inodes_used = 0;          // allocated inodes
  uint32_t blocks_used = 0;          // metadata blocks + data blocks inodes use

  static constexpr size_t kMaxListedErrors = 200;
  bool ok() const { return errors.empty(); }
};

// Checks an image: superblock sanity; each allocated inode's type, size and block pointers (inside
// the data region, none used twice, every block its size needs; blocks past the size are a warning,
// since a failed write in the kernel leaves them, as in xv6); the bitmap marks exactly the
// metadata and used blocks; directories start with "." and "..", hold valid unique names and point
// at allocated inodes; each inode is reachable from "/" and a directory has one parent; nlink
// follows the kernel: a file's nlink is the number of entries naming it, a directory's is 1 + its
// number of subdirectories (root included). A committed log is a warning.
FsckReport check_image(std::span<const uint8_t> image, const FsckOptions& options = {});

} // namespace fsimage
