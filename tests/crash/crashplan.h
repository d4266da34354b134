// crashplan: the crash-consistency workload, as a deterministic plan both sides can compute.
//
// The guest program user/crashwork.cc (freestanding RISC-V) and the host test
// tests/crash/crash_test.cc include this one header. From a seed, Plan yields the same sequence of
// file operations on both sides, and content_byte() says what every file holds, so the host can
// recompute everything the guest wrote without trusting the guest's output.
//
// The tree lives under cw in the current directory (the shell's "/" in the crash test): directory 0
// is cw itself, directories 1..3 are cw/d1..cw/d3, and file slot s is the name "f<s>" in directory
// s % kDirs (so cw/f4, cw/d1/f5, ...). Paths are relative so that several instances can run at once
// in different directories (tests/stress). A file holds a
// prefix of a "content stream" (an object number): appending extends the prefix, rewriting
// (O_TRUNC) switches to a fresh stream, renaming keeps it.
//
// Atomicity: each operation is a short list of system calls, and each system call that changes the
// disk is one xv6 log transaction, except write(), which the kernel's filewrite splits into
// transactions of at most kKernelWriteChunk bytes counted from the start of the write call. A
// "step" is one such transaction; apply_step() is its effect on the Model. After a crash and log
// recovery the disk must hold the Model after some whole number of steps, at or after the last
// operation the guest reported complete.
//
// Plain C++ on purpose: no library headers, fixed-size arrays, integer arithmetic only (the guest
// has no standard library; both sides must compute bit-identical plans).
#pragma once

namespace crashplan {

using u8 = unsigned char;
using u32 = unsigned int;
using u64 = unsigned long long;
static_assert(sizeof(u32) == 4 && sizeof(u64) == 8, "crashplan needs 32- and 64-bit types");

// xv6's filewrite writes at most ((MAXOPBLOCKS-1-1-2)/2)*BSIZE = 3 * 1024 bytes per transaction.
constexpr u32 kKernelWriteChunk = 3 * 1024;

constexpr int kDirs = 4;               // cw and cw/d1..cw/d3
constexpr int kSlots = 24;             // file names f0..f23
constexpr u32 kMaxFileLen = 40000;     // 40 blocks: direct and indirect blocks
constexpr u32 kMaxTotalBytes = 300000; // live file bytes, well inside a default image's free space
constexpr int kMaxPath = 16;           // "cw/d3/f23" plus NUL fits

// The operations, in the guest's system calls (each ->step is one transaction):
//   Mkdir   mkdir(dir)                                         ->1 step
//   Rmdir   unlink(dir) of an empty directory                  ->1 step
//   Create  open(O_CREATE|O_WRONLY) ->1, write() pieces ->n, close
//   Append  open(O_RDWR), read to the end, write() pieces ->n, close
//   Rewrite open(O_WRONLY|O_TRUNC) ->1, write() pieces ->n, close
//   Rename  link(old, new) ->1, unlink(old) ->1
//   Delete  unlink(path) ->1
enum class Kind : u8 { Mkdir, Rmdir, Create, Append, Rewrite, Rename, Delete };
constexpr int kKinds = 7;

inline const char* kind_name(Kind k) {
  switch (k) {
  case Kind::Mkdir:
    return "mkdir";
  case Kind::Rmdir:
    return "rmdir";
  case Kind::Create:
    return "create";
  case Kind::Append:
    return "append";
  case Kind::Rewrite:
    return "rewrite";
  case Kind::Rename:
    return "rename";
  case Kind::Delete:
    return "delete";
  }
  return "?";
}

struct Op {
  Kind kind = Kind::Mkdir;
  int slot = 0;   // the file slot (Rename: the source), or the directory for Mkdir/Rmdir
  int to = -1;    // Rename: the destination slot
  u32 len = 0;    // Create/Rewrite: bytes written; Append: bytes added
  u32 piece = 1;  // bytes per write() call (the last one may be shorter)
  u32 object = 0; // Create/Rewrite: the new content stream
};

struct FileState {
  bool exists = false;
  u32 object = 0;
  u32 len = 0;
};

// The /cw tree as the workload believes it is.
struct Model {
  bool dir[kDirs] = {};
  FileState file[kSlots] = {};
  u32 next_object = 1;

  u64 total_bytes() const {
    u64 t = 0;
    for (const FileState& f : file)
      if (f.exists)
        t += f.len;
    return t;
  }
  // Whether directory d (1..3) holds no file.
  bool dir_empty(int d) const {
    for (int s = d; s < kSlots; s += kDirs)
      if (file[s].exists)
        return false;
    return true;
  }
};

inline int dir_of_slot(int slot) {
  return slot % kDirs;
}

// Writes "cw" or "cw/d<d>" into out (kMaxPath bytes); returns out.
inline char* dir_path(int d, char* out) {
  const char* base = "cw";
  int n = 0;
  while (base[n] != 0) {
    out[n] = base[n];
    n++;
  }
  if (d != 0) {
    out[n++] = '/';
    out[n++] = 'd';
    out[n++] = static_cast<char>('0' + d);
  }
  out[n] = 0;
  return out;
}

// Writes the path of file slot s ("cw/f4", "cw/d1/f5") into out (kMaxPath bytes); returns out.
inline char* slot_path(int slot, char* out) {
  dir_path(dir_of_slot(slot), out);
  int n = 0;
  while (out[n] != 0)
    n++;
  out[n++] = '/';
  out[n++] = 'f';
  if (slot >= 10)
    out[n++] = static_cast<char>('0' + slot / 10);
  out[n++] = static_cast<char>('0' + slot % 10);
  out[n] = 0;
  return out;
}

// splitmix64's finaliser: a good 64-bit mix.
inline u64 mix64(u64 x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Byte i of content stream `object` under `seed`: printable ASCII, a newline every 64 bytes, so a
// file can be looked at with cat.
inline u8 content_byte(u64 seed, u32 object, u32 i) {
  if (i % 64 == 63)
    return '\n';
  u64 x = mix64(seed ^ mix64((u64{object} << 32) | (i / 8)));
  u32 b = static_cast<u32>(x >> ((i % 8) * 8)) & 0xff;
  return static_cast<u8>(' ' + b % 95);
}

// FNV-1a, 32 bits, continued from `h` over n bytes.
constexpr u32 kFnvInit = 2166136261u;
inline u32 fnv1a(u32 h, const u8* p, u32 n) {
  for (u32 i = 0; i < n; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

// Checksum of the first len bytes of stream `object`: what the guest reports for a file.
inline u32 content_checksum(u64 seed, u32 object, u32 len) {
  u32 h = kFnvInit;
  for (u32 i = 0; i < len; i++) {
    u8 b = content_byte(seed, object, i);
    h = fnv1a(h, &b, 1);
  }
  return h;
}

// Transactions the kernel needs for one write() of n bytes.
inline u32 chunks_of(u32 n) {
  return (n + kKernelWriteChunk - 1) / kKernelWriteChunk;
}

// Transactions for writing len bytes in write() calls of `piece` bytes.
inline u32 write_steps(u32 len, u32 piece) {
  u32 full = len / piece, rest = len % piece;
  return full * chunks_of(piece) + chunks_of(rest);
}

// Bytes the k-th of write_steps(len, piece) transactions writes.
inline u32 write_step_bytes(u32 len, u32 piece, u32 k) {
  u32 per_piece = chunks_of(piece);
  u32 p = k / per_piece, c = k % per_piece; // piece p, chunk c within it
  u32 piece_len = (p + 1) * piece <= len ? piece : len - p * piece;
  u32 start = c * kKernelWriteChunk;
  u32 left = piece_len - start;
  return left < kKernelWriteChunk ? left : kKernelWriteChunk;
}

// Number of steps (disk-changing transactions) of op.
inline u32 step_count(const Op& op) {
  switch (op.kind) {
  case Kind::Mkdir:
  case Kind::Rmdir:
  case Kind::Delete:
    return 1;
  case Kind::Rename:
    return 2;
  case Kind::Create:
  case Kind::Rewrite:
    return 1 + write_steps(op.len, op.piece);
  case Kind::Append:
    return write_steps(op.len, op.piece);
  }
  return 0;
}

// Applies step k (< step_count(op)) of op to m.
inline void apply_step(Model& m, const Op& op, u32 k) {
  switch (op.kind) {
  case Kind::Mkdir:
    m.dir[op.slot] = true;
    return;
  case Kind::Rmdir:
    m.dir[op.slot] = false;
    return;
  case Kind::Delete:
    m.file[op.slot] = FileState{};
    return;
  case Kind::Rename:
    if (k == 0) {
      m.file[op.to] = m.file[op.slot]; // link: both names, one inode
    } else {
      m.file[op.slot] = FileState{}; // unlink the old name
    }
    return;
  case Kind::Create:
  case Kind::Rewrite:
    if (k == 0) { // open(O_CREATE) makes an empty file; O_TRUNC empties one
      m.file[op.slot] = FileState{true, op.object, 0};
      m.next_object = op.object + 1;
      return;
    }
    m.file[op.slot].len += write_step_bytes(op.len, op.piece, k - 1);
    return;
  case Kind::Append:
    m.file[op.slot].len += write_step_bytes(op.len, op.piece, k);
    return;
  }
}

// Applies every step of op.
inline void apply(Model& m, const Op& op) {
  u32 n = step_count(op);
  for (u32 k = 0; k < n; k++)
    apply_step(m, op, k);
}

// A small deterministic generator (xorshift64*).
class Random {
public:
  explicit Random(u64 seed) : state_(mix64(seed) | 1) {}
  u64 next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  u32 below(u32 n) { return n == 0 ? 0 : static_cast<u32>(next() % n); }
  u32 between(u32 lo, u32 hi) { return lo + below(hi - lo + 1); } // inclusive

private:
  u64 state_;
};

// The sequence of operations for a seed. next() depends only on the seed and the model it is given
// (which must be the model after all earlier operations), so guest and host agree.
class Plan {
public:
  explicit Plan(u64 seed) : rng_(seed ^ 0x6372617368ull) {} // "crash"

  Op next(const Model& m) {
    Op op;
    if (!m.dir[0]) { // the first operation makes /cw
      op.kind = Kind::Mkdir;
      op.slot = 0;
      return op;
    }
    // Weights per kind; an infeasible choice is redrawn, and a few failures fall back to a
    // delete (always possible once something exists) or a create.
    static constexpr u32 kWeights[kKinds] = {4, 3, 30, 25, 10, 13, 15};
    for (int attempt = 0; attempt < 16; attempt++) {
      u32 r = rng_.below(100);
      int kind = 0;
      while (r >= kWeights[kind])
        r -= kWeights[kind++];
      if (choose(static_cast<Kind>(kind), m, &op))
        return op;
    }
    if (choose(Kind::Delete, m, &op))
      return op;
    if (choose(Kind::Create, m, &op))
      return op;
    choose(Kind::Mkdir, m, &op); // nothing exists and no room: cannot happen, but stay defined
    return op;
  }

private:
  // A length for a new file: empty, small, several chunks, or past the direct blocks.
  u32 new_len() {
    switch (rng_.below(8)) {
    case 0:
      return 0;
    case 1:
    case 2:
      return rng_.between(1, 1024);
    case 3:
    case 4:
    case 5:
      return rng_.between(1025, 12 * 1024);
    default:
      return rng_.between(12 * 1024 + 1, 30000);
    }
  }
  // Bytes per write() call: odd sizes, exactly a kernel chunk, or bigger than one.
  u32 new_piece(u32 len) {
    static constexpr u32 kPieces[] = {512, 1000, 1024, 3000, 3072, 4096, 7000};
    u32 i = rng_.below(8);
    if (i == 7)
      return len == 0 ? 1 : len; // one write() for everything
    return kPieces[i];
  }
  // A random slot satisfying want(slot), or -1.
  template <typename Pred> int pick_slot(Pred want) {
    int candidates[kSlots];
    int n = 0;
    for (int s = 0; s < kSlots; s++)
      if (want(s))
        candidates[n++] = s;
    return n == 0 ? -1 : candidates[rng_.below(static_cast<u32>(n))];
  }
  int pick_dir(bool exists, const Model& m, bool need_empty) {
    int candidates[kDirs];
    int n = 0;
    for (int d = 1; d < kDirs; d++)
      if (m.dir[d] == exists && (!need_empty || m.dir_empty(d)))
        candidates[n++] = d;
    return n == 0 ? -1 : candidates[rng_.below(static_cast<u32>(n))];
  }

  // Fills *op with an operation of `kind` that is possible in m; false if there is none.
  bool choose(Kind kind, const Model& m, Op* op) {
    auto free_slot = [&m](int s) { return !m.file[s].exists && m.dir[dir_of_slot(s)]; };
    auto used_slot = [&m](int s) { return m.file[s].exists; };
    u64 total = m.total_bytes();
    op->kind = kind;
    switch (kind) {
    case Kind::Mkdir:
      op->slot = pick_dir(false, m, false);
      return op->slot >= 0;
    case Kind::Rmdir:
      op->slot = pick_dir(true, m, true);
      return op->slot >= 0;
    case Kind::Create:
    case Kind::Rewrite: {
      op->slot = kind == Kind::Create ? pick_slot(free_slot) : pick_slot(used_slot);
      if (op->slot < 0)
        return false;
      op->len = new_len();
      u64 before = kind == Kind::Rewrite ? m.file[op->slot].len : 0;
      if (total - before + op->len > kMaxTotalBytes)
        return false;
      op->piece = new_piece(op->len);
      op->object = m.next_object;
      return true;
    }
    case Kind::Append: {
      op->slot = pick_slot([&m](int s) { return m.file[s].exists && m.file[s].len < kMaxFileLen; });
      if (op->slot < 0)
        return false;
      u32 room = kMaxFileLen - m.file[op->slot].len;
      op->len = rng_.between(1, room < 8000 ? room : 8000);
      if (total + op->len > kMaxTotalBytes)
        return false;
      op->piece = new_piece(op->len);
      return true;
    }
    case Kind::Rename:
      op->slot = pick_slot(used_slot);
      op->to = pick_slot(free_slot);
      return op->slot >= 0 && op->to >= 0;
    case Kind::Delete:
      op->slot = pick_slot(used_slot);
      return op->slot >= 0;
    }
    return false;
  }

  Random rng_;
};

} // namespace crashplan
