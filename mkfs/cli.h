// The mkfs and fsck command lines as library functions, so tests can run them without a process.
#pragma once

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mkfs/layout.h"
#include "mkfs/result.h"

namespace fsimage {

// mkfs's parsed command line.
struct MkfsArgs {
  uint32_t size = kDefaultSize;      // --size BLOCKS
  uint32_t ninodes = kDefaultInodes; // --ninodes N
  std::string output;                // OUTPUT.img
  std::vector<std::string> inputs;   // NAME=PATH or PATH, as given
  bool help = false;                 // --help / -h
};

// Parses mkfs's arguments (argv without argv[0]). Options may come anywhere before "--"; both
// "--size N" and "--size=N" work. Fails on unknown options, missing or non-numeric values, or a
// missing OUTPUT (unless --help).
Result<MkfsArgs> parse_mkfs_args(std::span<const std::string> args);

// Where one input goes: /NAME in the image, read from host file PATH.
struct InputSpec {
  std::string name;
  std::string path;
};

// Splits "NAME=PATH" at the first '=', or takes a bare PATH (no '=') whose name is its basename
// minus one leading '_' (xv6's "user/_cat" -> "cat"). Does not validate the name; fails only on an
// empty PATH.
Result<InputSpec> parse_input_spec(std::string_view arg);

// Writes `bytes` to `path` through a temporary file in the same directory renamed over `path` at
// the end: `path` is either untouched or complete. The temporary is removed on failure.
Status write_file_atomically(const std::string& path, std::span<const uint8_t> bytes);

// mkfs's whole program: returns the exit status (0 ok, 1 error with a one-line "mkfs: ..." on
// `err`). On failure OUTPUT is not created (or, if it existed, left as it was).
int run_mkfs(std::span<const std::string> args, std::ostream& out, std::ostream& err);

// fsck's whole program, `fsck [--replay] IMAGE`: prints "fsck: OK (N inodes, M blocks used)" and
// returns 0, or prints one "fsck: <problem>" line per problem on `out` and returns 1. Warnings
// ("fsck: warning: ...") do not fail the check. Usage errors and unreadable files: a line on `err`,
// status 2.
int run_fsck(std::span<const std::string> args, std::ostream& out, std::ostream& err);

// Usage texts, printed by --help.
inline constexpr std::string_view kMkfsUsage =
    "usage: mkfs [--size BLOCKS] [--ninodes N] OUTPUT.img [NAME=PATH | PATH]...\n"
    "Makes an xv6 file system image with each input as a file in its root directory.\n"
    "  --size BLOCKS  image size in 1024-byte blocks (default 2000)\n"
    "  --ninodes N    number of inodes; inode 0 is never used (default 200)\n"
    "  NAME=PATH      host file PATH becomes /NAME (NAME: 1 to 14 bytes, no '/')\n"
    "  PATH           the same, named after PATH's basename minus one leading '_'\n"
    "  --             ends the options\n"
    "Exit status 0 on success; 1 on any error, and then OUTPUT.img is not written.\n";

inline constexpr std::string_view kFsckUsage =
    "usage: fsck [--replay] IMAGE\n"
    "Checks an xv6 file system image: superblock, inodes, block pointers, bitmap, directories,\n"
    "link counts, reachability. A committed but uninstalled log is a warning.\n"
    "  --replay  install a committed log (in memory only) before checking\n"
    "Exit status 0 if consistent, 1 if problems were found, 2 on usage or read errors.\n";

} // namespace fsimage
