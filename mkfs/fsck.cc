#include "mkfs/fsck.h"

#include <algorithm>
#include <bit>
#include <deque>
#include <set>

#include "mkfs/fsimage.h"

namespace fsimage {
namespace {

// `name` with bytes outside printable ASCII shown as \xNN, safe to print on one line.
std::string printable(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// "directory", "file", "device", or "type N" for anything else.
std::string type_name(int16_t type) {
  switch (type) {
  case kTypeDir:
    return "directory";
  case kTypeFile:
    return "file";
  case kTypeDevice:
    return "device";
  default:
    return "type " + std::to_string(type);
  }
}

// Entries the kernel's log header holds: LOGBLOCKS, and never more than the log region after its
// header block (nor what fits in one block).
uint32_t log_capacity(const SuperBlock& sb) {
  const uint32_t region = sb.nlog > 0 ? sb.nlog - 1 : 0;
  return std::min({kLogDataBlocks, region, kBlockSize / 4 - 1});
}

// The superblock of an image whose superblock_problems() came back empty.
SuperBlock sound_superblock(std::span<const uint8_t> image) {
  return decode_superblock(image.subspan(kBlockSize));
}

// One check of one image. Passes run in order: collect inodes, walk directories from "/", check
// each inode's blocks, check the bitmap, check nlink and reachability.
class Checker {
public:
  Checker(const Image& image, FsckReport& report)
      : img_(image), sb_(image.superblock()), r_(report) {}

  // Runs every pass; fills the report's errors, warnings and counts.
  void run() {
    collect_inodes();
    walk_directories();
    for (uint32_t inum = 1; inum < sb_.ninodes; inum++) {
      if (allocated(inum))
        check_blocks(inum);
    }
    check_bitmap();
    check_links();
    r_.blocks_used = sb_.datastart() + data_blocks_used_;
  }

private:
  struct InodeInfo {
    DiskInode d;
    bool allocated = false; // a valid type (inode 0 never counts)
    bool reached = false;   // named by some directory entry reachable from "/"
    uint32_t parent = 0;    // directories: the directory whose entry names it
    uint32_t refs = 0;      // entries naming it, "." and ".." excluded
    uint32_t subdirs = 0;   // directories: child directories
    std::string path;       // first path that reached it
  };

  // Records a problem; past kMaxListedErrors only counts it.
  void error(std::string msg) {
    if (r_.errors.size() < FsckReport::kMaxListedErrors) {
      r_.errors.push_back(std::move(msg));
    } else {
      r_.errors_not_listed++;
    }
  }

  // Records a warning; past kMaxListedErrors only counts it.
  void warning(std::string msg) {
    if (r_.warnings.size() < FsckReport::kMaxListedErrors) {
      r_.warnings.push_back(std::move(msg));
    } else {
      r_.warnings_not_listed++;
    }
  }

  // Whether `inum` is an inode number with a valid type (pass 1).
  bool allocated(uint32_t inum) const { return inum < info_.size() && info_[inum].allocated; }

  // "inode 7 (/a/b)" when the walk named it, otherwise "inode 7".
  std::string who(uint32_t inum) const {
    std::string s = (allocated(inum) && info_[inum].d.type == kTypeDir ? "directory " : "inode ") +
                    std::to_string(inum);
    if (inum < info_.size() && !info_[inum].path.empty())
      s += " (" + info_[inum].path + ")";
    return s;
  }

  // Pass 1: decode every inode; complain about inode 0 in use and invalid types.
  void collect_inodes() {
    info_.resize(sb_.ninodes);
    for (uint32_t inum = 0; inum < sb_.ninodes; inum++) {
      InodeInfo& in = info_[inum];
      in.d = img_.read_inode(inum).value_or(DiskInode{});
      if (in.d.type == 0)
        continue;
      if (inum == 0) {
        error("inode 0 is in use (" + type_name(in.d.type) + "); xv6 never allocates inode 0");
      } else if (in.d.type != kTypeDir && in.d.type != kTypeFile && in.d.type != kTypeDevice) {
        error("inode " + std::to_string(inum) + " has invalid type " + std::to_string(in.d.type));
      } else {
        in.allocated = true;
        r_.inodes_used++;
      }
    }
  }

  // Pass 2: breadth-first from the root; each directory is read once, so cycles cannot loop.
  void walk_directories() {
    if (!allocated(kRootInum) || info_[kRootInum].d.type != kTypeDir) {
      error("root inode " + std::to_string(kRootInum) + " is not an allocated directory");
      walk_ok_ = false;
      return;
    }
    info_[kRootInum].reached = true;
    info_[kRootInum].parent = kRootInum;
    info_[kRootInum].path = "/";
    std::deque<uint32_t> queue{kRootInum};
    while (!queue.empty()) {
      const uint32_t dir = queue.front();
      queue.pop_front();
      check_directory(dir, queue);
    }
  }

  // Checks one directory's entries and queues the subdirectories it names.
  void check_directory(uint32_t dir, std::deque<uint32_t>& queue) {
    InodeInfo& d = info_[dir];
    if (d.d.size % kDirentSize != 0) {
      error(who(dir) + ": size " + std::to_string(d.d.size) + " is not a multiple of " +
            std::to_string(kDirentSize));
    }
    const auto entries = img_.read_dir(dir);
    if (!entries) {
      error(who(dir) + ": cannot read its entries (bad size or block pointers)");
      return;
    }
    const uint32_t want_dotdot = d.parent;
    if (entries->empty() || entries->at(0).name != "." || entries->at(0).inum != dir) {
      error(who(dir) + ": first entry is not '.' -> " + std::to_string(dir));
    }
    if (entries->size() < 2 || entries->at(1).name != ".." || entries->at(1).inum != want_dotdot) {
      error(who(dir) + ": second entry is not '..' -> " + std::to_string(want_dotdot));
    }
    std::set<std::string, std::less<>> seen;
    for (size_t slot = 0; slot < entries->size(); slot++) {
      const DirEntry& e = (*entries)[slot];
      if (e.inum == 0)
        continue;
      const std::string entry = who(dir) + ": entry '" + printable(e.name) + "'";
      if (e.name == "." || e.name == "..") {
        const bool expected = (slot == 0 && e.name == ".") || (slot == 1 && e.name == "..");
        if (!expected)
          error(entry + " at slot " + std::to_string(slot) + " is misplaced");
        continue;
      }
      if (e.name.empty()) {
        error(who(dir) + ": entry at slot " + std::to_string(slot) + " has an empty name");
      } else if (e.name.find('/') != std::string::npos) {
        error(entry + " contains '/'");
      }
      if (!seen.insert(e.name).second)
        error(entry + " appears more than once");
      if (e.inum >= sb_.ninodes) {
        error(entry + " has inode number " + std::to_string(e.inum) + ", not below ninodes " +
              std::to_string(sb_.ninodes));
        continue;
      }
      if (!allocated(e.inum)) {
        error(entry + " points to free inode " + std::to_string(e.inum));
        continue;
      }
      InodeInfo& child = info_[e.inum];
      child.refs++;
      if (child.d.type != kTypeDir) {
        if (!child.reached)
          child.path = path_in(dir, e.name);
        child.reached = true;
        continue;
      }
      d.subdirs++;
      if (e.inum == kRootInum) {
        error(entry + " links to the root directory");
      } else if (child.reached) {
        error(entry + " links to directory " + std::to_string(e.inum) +
              ", which already has a parent (" + child.path + ")");
      } else {
        child.reached = true;
        child.parent = dir;
        child.path = path_in(dir, e.name);
        queue.push_back(e.inum);
      }
    }
  }

  // The path of entry `name` in directory `dir`, printable.
  std::string path_in(uint32_t dir, const std::string& name) const {
    const std::string& p = info_[dir].path;
    return (p == "/" ? "/" : p + "/") + printable(name);
  }

  // Pass 3: an inode has every block its size needs, all in the data region. Blocks past its size
  // are only a warning: xv6's writei (and lazyv6's before it checked the source first) leaves one
  // when a copy from user memory or a block allocation fails midway; they stay allocated until the
  // file is truncated, and lazyv6's kernel no longer makes them.
  void check_blocks(uint32_t inum) {
    const DiskInode& d = info_[inum].d;
    uint64_t need = (uint64_t{d.size} + kBlockSize - 1) / kBlockSize;
    if (d.size > kMaxFileBytes) {
      error(who(inum) + ": size " + std::to_string(d.size) + " is over the largest xv6 file (" +
            std::to_string(kMaxFileBytes) + " bytes)");
      need = kMaxFileBlocks;
    }
    uint32_t beyond = 0;
    for (uint32_t i = 0; i < kNDirect; i++)
      beyond += check_pointer(inum, i, d.addrs[i], i < need);
    const uint32_t ind = d.addrs[kNDirect];
    if (ind == 0 && need > kNDirect) {
      error(who(inum) + ": size " + std::to_string(d.size) +
            " needs an indirect block, but it has none");
    }
    if (ind != 0 && claim(inum, ind, "indirect block")) {
      beyond += need <= kNDirect;
      const auto indirect = img_.block(ind);
      for (uint32_t j = 0; j < kNIndirect; j++) {
        beyond += check_pointer(inum, kNDirect + j, load_le32(indirect, 4 * size_t{j}),
                                kNDirect + j < need);
      }
    }
    if (beyond > 0) {
      warning(who(inum) + ": " + std::to_string(beyond) + " blocks allocated past its size " +
              std::to_string(d.size) +
              " (left by a failed write of an older kernel; freed on truncate)");
    }
  }

  // File block `index` of `inum` is `addr`; `needed` says whether its size covers that block.
  // Claims the block; returns true if it is allocated although the size does not need it.
  bool check_pointer(uint32_t inum, uint32_t index, uint32_t addr, bool needed) {
    const std::string which = "file block " + std::to_string(index);
    if (addr == 0) {
      if (needed) {
        error(who(inum) + ": " + which + " is missing (size " + std::to_string(info_[inum].d.size) +
              ")");
      }
      return false;
    }
    return claim(inum, addr, which) && !needed;
  }

  // Records that `inum` uses block `b`; false (with an error) if b is outside the data region or
  // already used.
  bool claim(uint32_t inum, uint32_t b, const std::string& which) {
    if (b < sb_.datastart() || b >= sb_.size) {
      error(who(inum) + ": " + which + " points to block " + std::to_string(b) +
            ", outside the data region [" + std::to_string(sb_.datastart()) + ", " +
            std::to_string(sb_.size) + ")");
      return false;
    }
    if (owner_.empty())
      owner_.assign(sb_.size, 0);
    if (owner_[b] != 0) {
      error("block " + std::to_string(b) + " is used twice: by " + who(owner_[b]) + " and by " +
            who(inum));
      return false;
    }
    owner_[b] = inum;
    data_blocks_used_++;
    return true;
  }

  // Block `b`'s bit in the bitmap; b must be below (datastart - bmapstart) * BPB.
  bool bitmap_bit(uint64_t b) const {
    const auto block = img_.block(static_cast<uint32_t>(sb_.bmapstart + b / kBitsPerBlock));
    const uint64_t bit = b % kBitsPerBlock;
    return (block[bit / 8] >> (bit % 8)) & 1;
  }

  // Pass 4: the bitmap marks the metadata and every used block, nothing else.
  void check_bitmap() {
    if (owner_.empty())
      owner_.assign(sb_.size, 0);
    for (uint32_t b = 0; b < sb_.size; b++) {
      const bool meta = b < sb_.datastart();
      const bool used = meta || owner_[b] != 0;
      const bool marked = bitmap_bit(b);
      if (used && !marked) {
        error("block " + std::to_string(b) + " is free in the bitmap but used by " +
              (meta ? std::string("the metadata") : who(owner_[b])));
      } else if (!used && marked) {
        error("block " + std::to_string(b) + " is marked used in the bitmap but nothing uses it");
      }
    }
    // Bits past the end: one at a time up to a byte boundary, then whole bytes (the region can be
    // as large as the image).
    const uint64_t bits = uint64_t{sb_.datastart() - sb_.bmapstart} * kBitsPerBlock;
    uint64_t beyond = 0;
    uint64_t b = sb_.size;
    for (; b < bits && b % 8 != 0; b++)
      beyond += bitmap_bit(b);
    const auto region = img_.bytes().subspan(size_t{sb_.bmapstart} * kBlockSize, bits / 8);
    for (uint64_t byte = b / 8; byte < bits / 8; byte++)
      beyond += std::popcount(region[byte]);
    if (beyond != 0) {
      error("bitmap marks " + std::to_string(beyond) + " blocks at or past block " +
            std::to_string(sb_.size) + ", the end of the file system");
    }
  }

  // Pass 5: every allocated inode is reachable and its nlink follows the kernel's convention.
  void check_links() {
    if (!walk_ok_)
      return;
    for (uint32_t inum = 1; inum < sb_.ninodes; inum++) {
      if (!allocated(inum))
        continue;
      const InodeInfo& in = info_[inum];
      if (!in.reached) {
        error("inode " + std::to_string(inum) + " (" + type_name(in.d.type) + ", nlink " +
              std::to_string(in.d.nlink) + ") is allocated but not reachable from / (orphan)");
        continue;
      }
      if (in.d.type == kTypeDir) {
        const uint32_t want = 1 + in.subdirs;
        if (uint32_t(in.d.nlink) != want || in.d.nlink < 0) {
          error(who(inum) + ": nlink " + std::to_string(in.d.nlink) + ", expected " +
                std::to_string(want) + " (1 + " + std::to_string(in.subdirs) + " subdirectories)");
        }
      } else if (in.d.nlink < 0 || uint32_t(in.d.nlink) != in.refs) {
        error(who(inum) + ": nlink " + std::to_string(in.d.nlink) + ", but " +
              std::to_string(in.refs) + " directory entries name it");
      }
    }
  }

  const Image& img_;
  const SuperBlock sb_;
  FsckReport& r_;
  std::vector<InodeInfo> info_;
  std::vector<uint32_t> owner_; // block -> inode using it (0 = none); sized lazily to sb.size
  uint32_t data_blocks_used_ = 0;
  bool walk_ok_ = true;
};

} // namespace

LogHeader read_log_header(std::span<const uint8_t> image) {
  const SuperBlock sb = sound_superblock(image);
  const auto block = image.subspan(size_t{sb.logstart} * kBlockSize, kBlockSize);
  LogHeader h;
  h.n = static_cast<int32_t>(load_le32(block, 0));
  const uint32_t count = h.n > 0 ? std::min<uint32_t>(h.n, kBlockSize / 4 - 1) : 0;
  for (uint32_t i = 0; i < count; i++)
    h.blocks.push_back(load_le32(block, 4 + 4 * size_t{i}));
  return h;
}

std::optional<std::string> log_header_problem(std::span<const uint8_t> image) {
  const SuperBlock sb = sound_superblock(image);
  const LogHeader h = read_log_header(image);
  const uint32_t cap = log_capacity(sb);
  if (h.n < 0 || uint32_t(h.n) > cap) {
    return "log header corrupt: n = " + std::to_string(h.n) + ", the log holds at most " +
           std::to_string(cap) + " blocks";
  }
  for (size_t i = 0; i < h.blocks.size(); i++) {
    if (h.blocks[i] < sb.inodestart || h.blocks[i] >= sb.size) {
      return "log header corrupt: entry " + std::to_string(i) + " targets block " +
             std::to_string(h.blocks[i]) + ", outside [" + std::to_string(sb.inodestart) + ", " +
             std::to_string(sb.size) + ")";
    }
  }
  return std::nullopt;
}

Result<uint32_t> install_log(std::span<uint8_t> image) {
  if (auto problem = log_header_problem(image))
    return Error{*problem};
  const SuperBlock sb = sound_superblock(image);
  const LogHeader h = read_log_header(image);
  for (size_t i = 0; i < h.blocks.size(); i++) {
    const auto from = image.subspan((size_t{sb.logstart} + 1 + i) * kBlockSize, kBlockSize);
    std::copy(from.begin(), from.end(), image.begin() + size_t{h.blocks[i]} * kBlockSize);
  }
  store_le32(image.subspan(size_t{sb.logstart} * kBlockSize), 0, 0);
  return static_cast<uint32_t>(h.blocks.size());
}

FsckReport check_image(std::span<const uint8_t> image, const FsckOptions& options) {
  FsckReport report;
  report.errors = superblock_problems(image);
  if (!report.errors.empty())
    return report;
  const SuperBlock sb = sound_superblock(image);
  std::vector<uint8_t> copy(image.begin(), image.begin() + size_t{sb.size} * kBlockSize);

  if (auto problem = log_header_problem(copy)) {
    report.errors.push_back(*problem);
  } else if (const LogHeader h = read_log_header(copy); h.n > 0) {
    if (options.replay_log) {
      (void)install_log(copy); // cannot fail: the header was just checked
      report.warnings.push_back("log had " + std::to_string(h.n) +
                                " committed blocks; installed them before checking");
    } else {
      report.warnings.push_back("log has " + std::to_string(h.n) +
                                " committed blocks not yet installed (recovery pending)");
    }
  }

  auto img = Image::open(std::move(copy));
  if (!img.ok()) { // unreachable: the superblock was checked above
    report.errors.push_back(img.error());
    return report;
  }
  Checker(img.value(), report).run();
  return report;
}

} // namespace fsimage
