/* usertests: bad pointers, bad descriptors and bad path names given to system calls. */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

// A pointer of any type to user address va.
struct Ptr {
  uint64 va;
  template <typename T> operator T*() const { return reinterpret_cast<T*>(va); }
};

// Fails unless the result of moving n bytes through a buffer that runs off valid memory after
// `valid` bytes is -1 or a short count of at most `valid`.
void check_short(const char* s, const char* what, int r, int valid) {
  CHECKF(r == -1 || (r >= 0 && r <= valid), "%s straddling the end of memory returned %d", what, r);
}

} // namespace

// Syscalls that write user memory refuse bad buffers with -1: read (file, pipe), fstat, pipe,
// wait, memstat. Text is in the list: it is mapped, but not writable.
void copyout(const char* s) {
  CHECK(write_file("cout.f", "0123456789abcdef", 16) == 16);
  char* end = fresh_end(s);
  AddrList bad = bad_addrs(s, Access::KernelWrites);
  int free_fds = count_free_fds();
  for (int i = 0; i < bad.n; i++) {
    Ptr p{bad.a[i]};
    int fd = open("cout.f", O_RDONLY);
    CHECK(fd >= 0);
    CHECKF(read(fd, p, 10) == -1, "read(file, %lx) did not fail", p.va);
    CHECKF(fstat(fd, p) == -1, "fstat(fd, %lx) did not fail", p.va);
    close(fd);
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], "hello", 5) == 5);
    CHECKF(read(fds[0], p, 5) == -1, "read(pipe, %lx) did not fail", p.va);
    close(fds[0]);
    close(fds[1]);
    CHECKF(pipe(p) == -1, "pipe(%lx) did not fail", p.va);
    CHECKF(memstat(0, p) == -1, "memstat(0, %lx) did not fail", p.va);
    if (p.va != 0) { // wait(0) legitimately means "no status wanted"
      int pid = xfork(s);
      if (pid == 0)
        exit(0);
      CHECKF(wait(p) == -1, "wait(%lx) did not fail", p.va);
      wait(nullptr); // reap the child if the failed wait left it
    }
  }
  CHECKF(count_free_fds() == free_fds, "failed pipe() calls leaked descriptors");

  // Buffers that start in valid memory and run off its end.
  int fd = open("cout.f", O_RDONLY);
  check_short(s, "read", read(fd, end - 5, 10), 5);
  CHECK(fstat(fd, reinterpret_cast<struct stat*>(end - 8)) == -1);
  close(fd);
  CHECK(pipe(reinterpret_cast<int*>(end - 4)) == -1);
  CHECK(count_free_fds() == free_fds);
  CHECK(memstat(0, reinterpret_cast<struct memstat*>(end - 16)) == -1);
  int pid = xfork(s);
  if (pid == 0)
    exit(0);
  CHECK(wait(reinterpret_cast<int*>(end - 2)) == -1);
  wait(nullptr);
  CHECK(unlink("cout.f") == 0);
}

// Syscalls that read user memory refuse bad buffers: write (file, pipe, console), exec's argv.
void copyin(const char* s) {
  static const char* const kArgv[] = {"echo", "x", nullptr};
  char* end = fresh_end(s);
  AddrList bad = bad_addrs(s, Access::KernelReads);
  for (int i = 0; i < bad.n; i++) {
    Ptr p{bad.a[i]};
    int fd = open("cin.f", O_CREATE | O_RDWR | O_TRUNC);
    CHECK(fd >= 0);
    CHECKF(write(fd, p, 10) == -1, "write(file, %lx) did not fail", p.va);
    close(fd);
    CHECKF(file_size("cin.f") == 0, "failed write(file, %lx) changed the file", p.va);
    int fds[2];
    CHECK(pipe(fds) == 0);
    int r = write(fds[1], p, 10);
    CHECKF(r == -1 || r == 0, "write(pipe, %lx) returned %d", p.va, r);
    close(fds[1]);
    CHECKF(read(fds[0], buf, 10) == 0, "write(pipe, %lx) put data in the pipe", p.va);
    close(fds[0]);
    r = write(1, p, 10);
    CHECKF(r == -1 || r == 0, "write(console, %lx) returned %d", p.va, r);
    CHECKF(exec_fails(s, "/echo", p), "exec(echo, argv=%lx) did not fail", p.va);
  }

  int fd = open("cin.f", O_CREATE | O_RDWR | O_TRUNC);
  check_short(s, "write", write(fd, end - 5, 10), 5);
  close(fd);
  CHECK(file_size("cin.f") <= 5);
  // An argv array with no terminating null before the end of memory.
  auto** argv = reinterpret_cast<const char**>(end - 2 * sizeof(char*));
  argv[0] = kArgv[0];
  argv[1] = kArgv[1];
  CHECKF(exec_fails(s, "/echo", argv), "exec with an unterminated argv did not fail");
  CHECK(unlink("cin.f") == 0);
}

// Path arguments are copied safely: bad pointers and unterminated strings fail for open, mknod,
// unlink, link, mkdir, chdir and exec (path and argv strings).
void copyinstr(const char* s) {
  CHECK(write_file("cstr.f", "x", 1) == 1);
  char* end = fresh_end(s);
  AddrList bad = bad_addrs(s, Access::KernelReads);
  for (int i = 0; i < bad.n + 1; i++) {
    // The last round uses "cstr.f" without its NUL, placed at the very end of memory.
    char* p = reinterpret_cast<char*>(bad.a[i]);
    if (i == bad.n) {
      p = end - 6;
      memmove(p, "cstr.f", 6);
    }
    uint64 va = reinterpret_cast<uint64>(p);
    CHECKF(open(p, O_RDONLY) == -1, "open(%lx) did not fail", va);
    CHECKF(open(p, O_CREATE | O_RDWR) == -1, "open(%lx, O_CREATE) did not fail", va);
    CHECKF(mknod(p, 1, 0) == -1, "mknod(%lx) did not fail", va);
    CHECKF(unlink(p) == -1, "unlink(%lx) did not fail", va);
    CHECKF(link("cstr.f", p) == -1, "link(cstr.f, %lx) did not fail", va);
    CHECKF(link(p, "cstr.g") == -1, "link(%lx, cstr.g) did not fail", va);
    CHECKF(mkdir(p) == -1, "mkdir(%lx) did not fail", va);
    CHECKF(chdir(p) == -1, "chdir(%lx) did not fail", va);
    const char* ok_argv[] = {"echo", nullptr};
    const char* argv[] = {"echo", p, nullptr};
    CHECKF(exec_fails(s, p, ok_argv), "exec(%lx) did not fail", va);
    CHECKF(exec_fails(s, "/echo", argv), "exec(echo, {echo, %lx}) did not fail", va);
  }
  CHECK(!exists("cstr.g"));
  CHECK(read_file("cstr.f", buf, 10) == 1);
  CHECK(unlink("cstr.f") == 0);
}

// Bad descriptors fail with -1; zero and negative counts do no harm.
void badfd(const char* s) {
  const int kBad[] = {-1, NOFILE, NOFILE + 1, 1000, 0x7fffffff, -0x7fffffff};
  struct stat st;
  for (int fd : kBad) {
    CHECKF(read(fd, buf, 1) == -1, "read(%d)", fd);
    CHECKF(write(fd, "x", 1) == -1, "write(%d)", fd);
    CHECKF(fstat(fd, &st) == -1, "fstat(%d)", fd);
    CHECKF(dup(fd) == -1, "dup(%d)", fd);
    CHECKF(close(fd) == -1, "close(%d)", fd);
  }
  int fd = open("badfd.f", O_CREATE | O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  CHECK(write(fd, "abc", 3) == 3);
  CHECK(write(fd, buf, 0) == 0);
  int r = write(fd, buf, -1);
  CHECKF(r == -1 || r == 0, "write(fd, buf, -1) returned %d", r);
  CHECK(read(fd, buf, 0) == 0);
  close(fd);
  CHECK(file_size("badfd.f") == 3);
  CHECK(read(fd, buf, 1) == -1); // closed
  CHECK(close(fd) == -1);

  char* end = fresh_end(s);
  fd = open("badfd.f", O_RDONLY);
  r = read(fd, end - 1, -1);
  CHECKF(r >= -1 && r <= 1, "read(fd, end-1, -1) returned %d", r);
  close(fd);
  int fds[2];
  CHECK(pipe(fds) == 0);
  CHECK(write(fds[1], "abc", 3) == 3);
  r = write(fds[1], buf, -1);
  CHECKF(r == -1 || r == 0, "write(pipe, buf, -1) returned %d", r);
  r = read(fds[0], buf, -1);
  CHECKF(r >= -1 && r <= 3, "read(pipe, buf, -1) returned %d", r);
  close(fds[0]);
  close(fds[1]);
  CHECK(unlink("badfd.f") == 0);
}

// Paths of MAXPATH-1 bytes work; MAXPATH bytes (no NUL within MAXPATH) and longer fail cleanly.
void pathmax(const char* s) {
  unlink("pm/f");
  unlink("pm");
  CHECK(mkdir("pm") == 0);
  char fits[MAXPATH + 8];
  char too_long[MAXPATH + 8];
  // "pm//" + "./" x 61 + "f" is 127 bytes; one more slash makes 128. Both name pm/f.
  strcpy(fits, "pm//");
  strcpy(too_long, "pm///");
  for (int i = 0; i < 61; i++) {
    memmove(fits + 4 + 2 * i, "./", 2);
    memmove(too_long + 5 + 2 * i, "./", 2);
  }
  strcpy(fits + 4 + 122, "f");
  strcpy(too_long + 5 + 122, "f");
  CHECK(strlen(fits) == MAXPATH - 1);
  CHECK(strlen(too_long) == MAXPATH);

  int fd = open(fits, O_CREATE | O_RDWR);
  CHECKF(fd >= 0, "open of a %d-byte path failed", MAXPATH - 1);
  CHECK(write(fd, "ok", 2) == 2);
  close(fd);
  CHECK(file_size("pm/f") == 2);
  CHECK(file_size(fits) == 2);

  CHECK(open(too_long, O_RDONLY) == -1);
  CHECK(open(too_long, O_CREATE | O_RDWR) == -1);
  CHECK(unlink(too_long) == -1);
  CHECK(exists("pm/f"));
  CHECK(link("pm/f", too_long) == -1);
  CHECK(mkdir(too_long) == -1);
  CHECK(chdir(too_long) == -1);
  CHECK(mknod(too_long, 1, 0) == -1);
  const char* argv[] = {"echo", nullptr};
  CHECK(exec_fails(s, too_long, argv));

  memset(big, 'a', PGSIZE + 100);
  big[PGSIZE + 100] = 0;
  CHECK(open(big, O_CREATE | O_RDWR) == -1);
  big[600] = 0;
  CHECK(open(big, O_CREATE | O_RDWR) == -1);
  CHECK(mkdir(big) == -1);
  CHECK(!exists("aaaaaaaaaaaaaa"));

  CHECK(unlink(fits) == 0);
  CHECK(mkdir(fits) == 0);
  CHECK(run_child(s, [&] {
          exit(chdir(fits) == 0 && chdir("../..") == 0 && exists("pm") ? 0 : 1);
        }) == 0);
  CHECK(unlink(fits) == 0);
  CHECK(unlink("pm") == 0);
}

// Names of DIRSIZ (14) bytes work; longer names are cut to 14 bytes, as in xv6.
void longnames(const char* s) {
  static const char kN14[] = "ln/abcdefghijklmn";
  static const char kN15[] = "ln/abcdefghijklmno";
  static const char kN13[] = "ln/abcdefghijklm";
  static const char kDir14[] = "ln/12345678901234";
  static const char kFile14[] = "ln/12345678901234/12345678901234";
  unlink(kFile14);
  unlink(kDir14);
  unlink(kN14);
  unlink("ln/zyxwvutsrqponm");
  unlink("ln");
  CHECK(mkdir("ln") == 0);

  CHECK(write_file(kN14, "14", 2) == 2);
  struct stat a, b;
  CHECK(stat(kN14, &a) == 0);
  CHECKF(stat(kN15, &b) == 0 && a.ino == b.ino, "15-byte name did not find the 14-byte file");
  CHECK(read_file("ln/abcdefghijklmnXYZ", buf, 10) == 2);
  CHECK(!exists(kN13));
  int fd = open(kN15, O_CREATE | O_RDWR);
  CHECK(fd >= 0);
  CHECK(fstat(fd, &b) == 0 && b.ino == a.ino && b.size == 2);
  close(fd);

  CHECK(write_file("ln/zyxwvutsrqponml", "15", 2) == 2);
  CHECK(read_file("ln/zyxwvutsrqponm", buf, 10) == 2 && buf[0] == '1' && buf[1] == '5');

  CHECK(mkdir(kDir14) == 0);
  CHECK(write_file(kFile14, "x", 1) == 1);
  CHECK(read_file("ln/123456789012345/123456789012345", buf, 10) == 1);
  CHECK(mkdir("ln/123456789012345") == -1);

  // The directory entry holds all 14 bytes, with no NUL.
  fd = open("ln", O_RDONLY);
  CHECK(fd >= 0);
  struct dirent de;
  bool found = false;
  while (read(fd, &de, sizeof de) == sizeof de)
    if (de.inum != 0 && memcmp(de.name, "abcdefghijklmn", DIRSIZ) == 0)
      found = true;
  close(fd);
  CHECK(found);

  CHECK(unlink(kFile14) == 0);
  CHECK(unlink(kDir14) == 0);
  CHECK(unlink(kN15) == 0);
  CHECK(!exists(kN14));
  CHECK(unlink("ln/zyxwvutsrqponm") == 0);
  CHECK(unlink("ln") == 0);
}
