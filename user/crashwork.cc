// crashwork: the guest half of the crash-consistency test (tests/crash). Performs the operations of
// crashplan::Plan(SEED) under ./cw (create, append, rewrite, rename by link+unlink, delete, mkdir,
// rmdir), one after another, and once an operation's last system call has returned and the result
// reads back right, prints
//   DONE <index> <op> <path> <len> <checksum>
// (len and checksum of the file now at path; 0 0 for deletions and directories). The host kills the
// machine at a random moment and checks the disk against the same plan (tests/crash/crashplan.h).
//   crashwork [-c] [-C DIR] SEED NOPS
// -C DIR works in DIR instead of the current directory; -c removes everything under cw, and cw
// itself, at the end (tests/stress runs several instances at once, each in its own directory, and
// over and over).
// Prints "crashwork: seed S ops N" first and "crashwork: done N ops" at the end; on any surprise
// (a failed call, wrong contents) "crashwork: FAILED ..." and exit status 1.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#include "tests/crash/crashplan.h"

namespace {

using crashplan::Kind;
using crashplan::Model;
using crashplan::Op;
using crashplan::u32;
using crashplan::u64;
using crashplan::u8;

u64 seed;
int op_index;
const char* op_name = "setup";

u8 data[crashplan::kMaxFileLen]; // bytes for one write() (a piece is at most one whole file)
u8 got[4096];                    // read-back buffer

[[noreturn]] void fail(const char* what, const char* path) {
  printf("crashwork: FAILED op %d (%s) %s: %s\n", op_index, op_name, path, what);
  exit(1);
}

u64 parse_u64(const char* s) {
  u64 v = 0;
  for (; *s >= '0' && *s <= '9'; s++)
    v = v * 10 + static_cast<u64>(*s - '0');
  return v;
}

// Writes bytes [from, from + len) of stream `object` to fd in write() calls of `piece` bytes.
void write_stream(int fd, const char* path, u32 object, u32 from, u32 len, u32 piece) {
  for (u32 off = 0; off < len; off += piece) {
    u32 n = len - off < piece ? len - off : piece;
    for (u32 i = 0; i < n; i++)
      data[i] = crashplan::content_byte(seed, object, from + off + i);
    if (write(fd, data, static_cast<int>(n)) != static_cast<int>(n))
      fail("write", path);
  }
}

// Reads fd to its end, checking every byte against stream `object`; returns the checksum, and fails
// unless exactly `len` bytes were there.
u32 read_and_check(int fd, const char* path, u32 object, u32 len) {
  u32 h = crashplan::kFnvInit;
  u32 off = 0;
  for (;;) {
    int n = read(fd, got, sizeof(got));
    if (n < 0)
      fail("read", path);
    if (n == 0)
      break;
    for (int i = 0; i < n; i++) {
      if (off + i >= len || got[i] != crashplan::content_byte(seed, object, off + i))
        fail(off + i >= len ? "file longer than written" : "wrong contents", path);
    }
    h = crashplan::fnv1a(h, got, static_cast<u32>(n));
    off += static_cast<u32>(n);
  }
  if (off != len)
    fail("file shorter than written", path);
  return h;
}

// Opens path read-only and checks it holds what the model says; returns the checksum.
u32 verify(const char* path, const crashplan::FileState& f) {
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    fail("open to read back", path);
  u32 h = read_and_check(fd, path, f.object, f.len);
  close(fd);
  return h;
}

void expect_gone(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd >= 0)
    fail("still there", path);
}

// Performs op's system calls. `m` is the model before op.
void perform(const Op& op, const Model& m) {
  char path[crashplan::kMaxPath];
  char to[crashplan::kMaxPath];
  switch (op.kind) {
  case Kind::Mkdir:
    crashplan::dir_path(op.slot, path);
    if (mkdir(path) < 0)
      fail("mkdir", path);
    return;
  case Kind::Rmdir:
    crashplan::dir_path(op.slot, path);
    if (unlink(path) < 0)
      fail("unlink of a directory", path);
    return;
  case Kind::Create:
  case Kind::Rewrite: {
    crashplan::slot_path(op.slot, path);
    int mode = op.kind == Kind::Create ? O_CREATE | O_WRONLY : O_WRONLY | O_TRUNC;
    int fd = open(path, mode);
    if (fd < 0)
      fail("open", path);
    write_stream(fd, path, op.object, 0, op.len, op.piece);
    close(fd);
    return;
  }
  case Kind::Append: {
    crashplan::slot_path(op.slot, path);
    const crashplan::FileState& f = m.file[op.slot];
    int fd = open(path, O_RDWR);
    if (fd < 0)
      fail("open", path);
    read_and_check(fd, path, f.object, f.len); // xv6 has no lseek: reading moves the offset
    write_stream(fd, path, f.object, f.len, op.len, op.piece);
    close(fd);
    return;
  }
  case Kind::Rename:
    crashplan::slot_path(op.slot, path);
    crashplan::slot_path(op.to, to);
    if (link(path, to) < 0)
      fail("link", to);
    if (unlink(path) < 0)
      fail("unlink", path);
    return;
  case Kind::Delete:
    crashplan::slot_path(op.slot, path);
    if (unlink(path) < 0)
      fail("unlink", path);
    return;
  }
}

// Checks the result of op (`m` is the model after it) and prints its DONE line.
void report(const Op& op, const Model& m) {
  char path[crashplan::kMaxPath];
  u32 len = 0, sum = 0;
  switch (op.kind) {
  case Kind::Mkdir: {
    crashplan::dir_path(op.slot, path);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
      fail("open of the new directory", path);
    close(fd);
    break;
  }
  case Kind::Rmdir:
    expect_gone(crashplan::dir_path(op.slot, path));
    break;
  case Kind::Delete:
    expect_gone(crashplan::slot_path(op.slot, path));
    break;
  case Kind::Rename:
    expect_gone(crashplan::slot_path(op.slot, path));
    [[fallthrough]];
  case Kind::Create:
  case Kind::Append:
  case Kind::Rewrite: {
    int slot = op.kind == Kind::Rename ? op.to : op.slot;
    crashplan::slot_path(slot, path);
    len = m.file[slot].len;
    sum = verify(path, m.file[slot]);
    break;
  }
  }
  printf("DONE %d %s %s %u %x\n", op_index, crashplan::kind_name(op.kind), path, len, sum);
}

// Removes every file and directory of the model, cw last.
void clean(const Model& m) {
  char path[crashplan::kMaxPath];
  op_name = "clean";
  for (int s = 0; s < crashplan::kSlots; s++) {
    if (m.file[s].exists && unlink(crashplan::slot_path(s, path)) < 0)
      fail("unlink", path);
  }
  for (int d = crashplan::kDirs - 1; d >= 0; d--) {
    if (m.dir[d] && unlink(crashplan::dir_path(d, path)) < 0)
      fail("unlink of a directory", path);
  }
}

} // namespace

int main(int argc, char* argv[]) {
  bool cleanup = false;
  const char* dir = nullptr;
  int arg = 1;
  for (; arg < argc && argv[arg][0] == '-'; arg++) {
    if (strcmp(argv[arg], "-c") == 0) {
      cleanup = true;
    } else if (strcmp(argv[arg], "-C") == 0 && arg + 1 < argc) {
      dir = argv[++arg];
    } else {
      break;
    }
  }
  if (argc - arg != 2) {
    fprintf(2, "usage: crashwork [-c] [-C DIR] SEED NOPS\n");
    return 2;
  }
  seed = parse_u64(argv[arg]);
  int nops = atoi(argv[arg + 1]);
  if (dir != nullptr && chdir(dir) < 0)
    fail("chdir", dir);
  printf("crashwork: seed %lu ops %d\n", static_cast<unsigned long>(seed), nops);

  crashplan::Plan plan(seed);
  Model m;
  for (op_index = 0; op_index < nops; op_index++) {
    Op op = plan.next(m);
    op_name = crashplan::kind_name(op.kind);
    perform(op, m);
    crashplan::apply(m, op);
    report(op, m);
  }
  if (cleanup)
    clean(m);
  printf("crashwork: done %d ops\n", nops);
  return 0;
}
