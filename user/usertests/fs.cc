/* usertests: files, directories, links, descriptors and devices (one process at a time). */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

// fstat of an open descriptor; fails the test if it fails.
struct stat fstat_of(const char* s, int fd) {
  struct stat st;
  CHECKF(fstat(fd, &st) == 0, "fstat(%d) failed", fd);
  return st;
}

// True if the directory entry's name (up to DIRSIZ bytes, maybe without NUL) is name.
bool dirent_is(const struct dirent& de, const char* name) {
  for (int i = 0; i < DIRSIZ; i++) {
    if (de.name[i] != name[i])
      return false;
    if (name[i] == 0)
      return true;
  }
  return name[DIRSIZ] == 0;
}

struct stat stat_of(const char* s, const char* path) {
  struct stat st;
  CHECKF(stat(path, &st) == 0, "stat(%s) failed", path);
  return st;
}

} // namespace

// Create, write, read back; O_TRUNC empties a file, O_CREATE alone keeps it.
void createread(const char* s) {
  for (int i = 0; i < 520; i++)
    buf[i] = static_cast<char>('a' + i % 26);
  int fd = open("cr.f", O_CREATE | O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  for (int i = 0; i < 20; i++)
    CHECK(write(fd, buf + i * 26, 26) == 26);
  CHECK(fstat_of(s, fd).size == 520);
  close(fd);
  CHECK(read_file("cr.f", big, 1000) == 520);
  CHECK(memcmp(big, buf, 520) == 0);

  int reader = open("cr.f", O_RDONLY);
  CHECK(reader >= 0);
  fd = open("cr.f", O_WRONLY | O_TRUNC);
  CHECK(fd >= 0);
  CHECK(fstat_of(s, fd).size == 0);
  CHECKF(read(reader, big, 10) == 0, "read from a truncated file returned data");
  CHECK(write(fd, "xy", 2) == 2);
  close(fd);
  close(reader);
  // As in xv6, a write at an offset past the end of the file (the file shrank under it) fails.
  fd = open("cr.f", O_WRONLY);
  CHECK(fd >= 0 && write(fd, "abcd", 4) == 4);
  CHECK(write_file("cr.f", "", 0) == 0);
  CHECKF(write(fd, "z", 1) == -1, "write past the end of a truncated file did not fail");
  close(fd);
  CHECK(write_file("cr.f", "xy", 2) == 2);
  fd = open("cr.f", O_CREATE | O_RDWR);
  CHECK(fd >= 0 && fstat_of(s, fd).size == 2);
  CHECK(read(fd, big, 10) == 2 && big[0] == 'x' && big[1] == 'y');
  close(fd);
  CHECK(unlink("cr.f") == 0);
  CHECK(open("cr.f", O_RDONLY) == -1);
  CHECK(unlink("cr.f") == -1);
}

// Open modes are enforced; directories cannot be opened for writing or created over.
void rdwrmodes(const char* s) {
  CHECK(write_file("rw.f", "abc", 3) == 3);
  int fd = open("rw.f", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(write(fd, "x", 1) == -1);
  CHECK(read(fd, buf, 10) == 3);
  close(fd);
  fd = open("rw.f", O_WRONLY);
  CHECK(fd >= 0);
  CHECK(read(fd, buf, 10) == -1);
  CHECK(write(fd, "X", 1) == 1);
  close(fd);
  fd = open("rw.f", O_RDWR);
  CHECK(fd >= 0);
  CHECK(read(fd, buf, 1) == 1 && buf[0] == 'X');
  CHECK(write(fd, "Y", 1) == 1);
  close(fd);
  CHECK(read_file("rw.f", buf, 10) == 3 && memcmp(buf, "XYc", 3) == 0);
  CHECK(unlink("rw.f") == 0);

  CHECK(open("no-such-file", O_RDONLY) == -1);
  CHECK(open(".", O_WRONLY) == -1);
  CHECK(open(".", O_RDWR) == -1);
  CHECK(open(".", O_CREATE | O_RDWR) == -1);
  fd = open(".", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(write(fd, "x", 1) == -1);
  CHECK(fstat_of(s, fd).type == T_DIR);
  close(fd);
  CHECK(open("/", O_CREATE | O_RDONLY) == -1);
}

// A file grows to MAXFILE blocks, reads back, and cannot grow further.
void maxfile(const char* s) {
  int fd = open("max.f", O_CREATE | O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  for (int b = 0; b < static_cast<int>(MAXFILE); b++) {
    memset(buf, b, BSIZE);
    reinterpret_cast<int*>(buf)[0] = b;
    CHECKF(write(fd, buf, BSIZE) == BSIZE, "write of block %d failed", b);
  }
  int r = write(fd, "x", 1);
  CHECKF(r == -1 || r == 0, "write past MAXFILE returned %d", r);
  CHECK(fstat_of(s, fd).size == MAXFILE * BSIZE);
  close(fd);
  fd = open("max.f", O_RDONLY);
  for (int b = 0; b < static_cast<int>(MAXFILE); b++) {
    CHECK(read(fd, buf, BSIZE) == BSIZE);
    CHECKF(reinterpret_cast<int*>(buf)[0] == b && buf[BSIZE - 1] == static_cast<char>(b),
           "block %d reads back wrong", b);
  }
  CHECK(read(fd, buf, BSIZE) == 0);
  close(fd);
  CHECK(unlink("max.f") == 0);
}

// Single writes bigger than a log transaction succeed in full.
void bigwrite(const char* s) {
  for (int sz = 499; sz < kBufSize; sz += 471) {
    int fd = open("bigw.f", O_CREATE | O_RDWR | O_TRUNC);
    CHECK(fd >= 0);
    memset(buf, sz & 0xff, sz);
    for (int i = 0; i < 2; i++)
      CHECKF(write(fd, buf, sz) == sz, "write of %d bytes failed", sz);
    close(fd);
    CHECK(file_size("bigw.f") == 2 * sz);
  }
  CHECK(unlink("bigw.f") == 0);
}

// An unlinked file stays readable and writable through open descriptors; its name is reusable.
void unlinkopen(const char* s) {
  CHECK(write_file("uo.f", "hello", 5) == 5);
  int fd = open("uo.f", O_RDWR);
  CHECK(fd >= 0);
  CHECK(unlink("uo.f") == 0);
  CHECK(!exists("uo.f"));
  CHECK(fstat_of(s, fd).nlink == 0);
  CHECK(write_file("uo.f", "world!", 6) == 6);
  CHECK(read(fd, buf, 10) == 5 && memcmp(buf, "hello", 5) == 0);
  CHECK(write(fd, "XX", 2) == 2);
  CHECK(fstat_of(s, fd).size == 7);
  close(fd);
  CHECK(read_file("uo.f", buf, 10) == 6 && memcmp(buf, "world!", 6) == 0);
  CHECK(unlink("uo.f") == 0);
}

// link adds names to the same inode and counts them; it refuses directories and existing names.
void links(const char* s) {
  unlink("lk.b");
  unlink("lkdir/x");
  unlink("lkdir");
  CHECK(write_file("lk.a", "hello", 5) == 5);
  CHECK(link("lk.a", "lk.b") == 0);
  struct stat a = stat_of(s, "lk.a"), b = stat_of(s, "lk.b");
  CHECK(a.ino == b.ino && a.nlink == 2 && b.nlink == 2);
  CHECK(unlink("lk.a") == 0);
  CHECK(stat_of(s, "lk.b").nlink == 1);
  CHECK(read_file("lk.b", buf, 10) == 5 && memcmp(buf, "hello", 5) == 0);

  CHECK(link("lk.b", "lk.b") == -1);
  CHECK(link("lk.a", "lk.c") == -1); // source gone
  CHECK(link(".", "lk.dot") == -1);
  CHECK(mkdir("lkdir") == 0);
  CHECK(link("lkdir", "lk.d") == -1);
  CHECK(link("lk.b", "lkdir/x") == 0);
  CHECK(stat_of(s, "lk.b").nlink == 2);
  CHECK(link("lk.b", "no-such-dir/x") == -1);
  CHECK(link("lk.b", "lk.b/x") == -1);
  CHECK(!exists("lk.c") && !exists("lk.d") && !exists("lk.dot"));
  CHECK(unlink("lk.b") == 0);
  CHECK(read_file("lkdir/x", buf, 10) == 5);
  CHECK(unlink("lkdir/x") == 0);
  CHECK(unlink("lkdir") == 0);
}

// mkdir/chdir/./..; non-empty directories, "." and ".." cannot be unlinked; files are not dirs.
void dirs(const char* s) {
  unlink("dd/ee");
  unlink("dd/ff");
  unlink("dd");
  CHECK(mkdir("dd") == 0);
  CHECK(mkdir("dd") == -1);
  CHECK(mkdir("dd/ee") == 0);
  CHECK(write_file("dd/ff", "ff", 2) == 2);
  struct stat dd = stat_of(s, "dd");
  CHECK(dd.type == T_DIR);
  CHECK(stat_of(s, "dd/ee/..").ino == dd.ino);
  CHECK(stat_of(s, "dd/.").ino == dd.ino);
  CHECK(stat_of(s, "/..").ino == ROOTINO && stat_of(s, "/").ino == ROOTINO);

  int st = run_child(s, [s, dd] {
    CHECK(chdir("dd") == 0);
    CHECK(stat_of(s, ".").ino == dd.ino);
    CHECK(chdir("ee") == 0);
    CHECK(read_file("../ff", buf, 10) == 2);
    CHECK(chdir("../../dd/ee/..") == 0);
    CHECK(stat_of(s, ".").ino == dd.ino);
    CHECK(chdir("/../..") == 0);
    CHECK(stat_of(s, ".").ino == ROOTINO);
  });
  CHECK(st == 0);

  CHECK(unlink("dd") == -1); // not empty
  const char* const kNever[] = {".", "..", "dd/.", "dd/..", "dd/ee/.", "dd/ee/.."};
  for (const char* p : kNever)
    CHECKF(unlink(p) == -1, "unlink(\"%s\") succeeded", p);
  CHECK(open("dd/ff/x", O_CREATE | O_RDWR) == -1);
  CHECK(mkdir("dd/ff/x") == -1);
  CHECK(chdir("dd/ff") == -1);
  CHECK(unlink("dd/ff/x") == -1);
  CHECK(link("dd/ff", "dd/ff/x") == -1);
  CHECK(mkdir("no-such-dir/x") == -1);

  CHECK(unlink("dd/ee") == 0);
  CHECK(unlink("dd/ff") == 0);
  CHECK(unlink("dd") == 0);
  CHECK(chdir("dd") == -1);
  CHECK(!exists("dd"));
}

// Reading a directory yields its entries, "." and ".." first.
void dirread(const char* s) {
  unlink("drd/a");
  unlink("drd/bb");
  unlink("drd");
  CHECK(mkdir("drd") == 0);
  CHECK(write_file("drd/a", "", 0) == 0);
  CHECK(write_file("drd/bb", "", 0) == 0);
  struct stat self = stat_of(s, "drd"), parent = stat_of(s, "."), a = stat_of(s, "drd/a");
  for (int round = 0; round < 2; round++) {
    int fd = open("drd", O_RDONLY);
    CHECK(fd >= 0);
    CHECK(fstat_of(s, fd).size % sizeof(struct dirent) == 0);
    struct dirent de;
    int live = 0, index = 0;
    bool saw_a = false, saw_bb = false;
    while (read(fd, &de, sizeof de) == sizeof de) {
      if (index == 0)
        CHECK(de.inum == self.ino && dirent_is(de, "."));
      if (index == 1)
        CHECK(de.inum == parent.ino && dirent_is(de, ".."));
      index++;
      if (de.inum == 0)
        continue;
      live++;
      if (dirent_is(de, "a"))
        saw_a = de.inum == a.ino;
      if (dirent_is(de, "bb"))
        saw_bb = true;
    }
    close(fd);
    CHECKF(live == 4 - round && saw_a == (round == 0) && saw_bb, "round %d: %d live entries", round,
           live);
    CHECK(unlink("drd/a") == (round == 0 ? 0 : -1));
  }
  CHECK(unlink("drd/bb") == 0);
  CHECK(unlink("drd") == 0);
}

// dup and fork share one offset; fds are allocated lowest first; dup fails when the table is full.
void dupoffset(const char* s) {
  int fd = open("dup.f", O_CREATE | O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  int fd2 = dup(fd);
  CHECK(fd2 > fd);
  CHECK(write(fd, "ab", 2) == 2);
  CHECK(write(fd2, "cd", 2) == 2);
  CHECK(run_child(s, [fd] { exit(write(fd, "ef", 2) == 2 ? 0 : 1); }) == 0);
  CHECK(write(fd2, "gh", 2) == 2);
  CHECK(read_file("dup.f", buf, 20) == 8 && memcmp(buf, "abcdefgh", 8) == 0);
  CHECK(close(fd2) == 0);
  CHECK(dup(fd) == fd2);
  close(fd2);
  int free_fds = count_free_fds();
  CHECK(free_fds > 0 && free_fds < NOFILE);
  int n = 0;
  while (dup(fd) >= 0)
    n++;
  CHECK(n == free_fds);
  for (int i = 0; i < NOFILE; i++)
    if (i > 2 && i != fd)
      close(i);
  CHECK(close(fd) == 0);
  CHECK(write(fd2, "x", 1) == -1);
  CHECK(unlink("dup.f") == 0);
}

// fstat reports types, sizes, links and the root device; the console and mknod nodes are devices.
void devices(const char* s) {
  unlink("dev.con");
  unlink("dev.none");
  unlink("dev.big");
  CHECK(fstat_of(s, 1).type == T_DEVICE);
  int fd = open("/console", O_RDWR);
  CHECK(fd >= 0);
  CHECK(fstat_of(s, fd).type == T_DEVICE);
  CHECK(write(fd, "", 0) == 0);
  close(fd);
  struct stat root = stat_of(s, "/");
  CHECK(root.type == T_DIR && root.ino == ROOTINO && root.dev == ROOTDEV);
  CHECK(write_file("dev.f", "12345", 5) == 5);
  struct stat f = stat_of(s, "dev.f");
  CHECK(f.type == T_FILE && f.size == 5 && f.nlink == 1 && f.dev == ROOTDEV && f.ino != ROOTINO);
  CHECK(unlink("dev.f") == 0);

  CHECK(mknod("dev.con", 1, 0) == 0); // major 1 is the console
  CHECK(mknod("dev.con", 1, 0) == -1);
  CHECK(stat_of(s, "dev.con").type == T_DEVICE);
  fd = open("dev.con", O_WRONLY);
  CHECK(fd >= 0);
  CHECK(write(fd, "", 0) == 0);
  close(fd);

  // Device numbers without a driver: open or the transfer fails, nothing crashes.
  // (mknod may refuse a major number of NDEV or more; xv6 accepts it and fails at open.)
  CHECK(mknod("dev.none", NDEV - 1, 0) == 0);
  mknod("dev.big", 1000, 0);
  const char* const kNoDriver[] = {"dev.none", "dev.big"};
  for (const char* name : kNoDriver) {
    fd = open(name, O_RDWR);
    if (fd >= 0) {
      CHECKF(read(fd, buf, 1) == -1, "read from %s did not fail", name);
      CHECKF(write(fd, "x", 1) == -1, "write to %s did not fail", name);
      close(fd);
    }
  }
  CHECK(unlink("dev.con") == 0);
  CHECK(unlink("dev.none") == 0);
  unlink("dev.big");
  CHECK(!exists("dev.big"));
}

// Inode references are released: nest directories deeper than NINODE, fail lookups many times.
void iref(const char* s) {
  constexpr int kDepth = NINODE + 5;
  for (int i = 0; i < kDepth; i++) {
    CHECKF(mkdir("ir") == 0, "mkdir at depth %d failed", i);
    CHECK(chdir("ir") == 0);
    int fd = open("f", O_CREATE | O_RDWR);
    CHECK(fd >= 0);
    close(fd);
    CHECK(link("f", "g") == 0);
    CHECK(unlink("f") == 0);
    CHECK(open("missing/x", O_RDONLY) == -1);
    CHECK(mkdir(".") == -1);
  }
  for (int i = 0; i < kDepth; i++) {
    CHECK(unlink("g") == 0);
    CHECK(chdir("..") == 0);
    CHECKF(unlink("ir") == 0, "unlink at depth %d failed", kDepth - i);
  }
  for (int i = 0; i < 2 * NINODE; i++) {
    CHECK(open("no-such", O_RDONLY) == -1);
    CHECK(link("no-such", "x") == -1);
    CHECK(unlink("no-such") == -1);
    CHECK(chdir("no-such") == -1);
  }
  CHECK(write_file("ir.f", "x", 1) == 1);
  int fds[NOFILE];
  int n = 0;
  while (n < NOFILE && (fds[n] = open("ir.f", O_RDONLY)) >= 0)
    n++;
  CHECK(n > 0);
  for (int i = 0; i < n; i++)
    close(fds[i]);
  CHECK(unlink("ir.f") == 0);
}

// A process may remove its own working directory, fork and exit; the directory is then gone.
void cwdremoved(const char* s) {
  unlink("cwr");
  for (int i = 0; i < 3; i++) {
    int st = run_child(s, [s, i] {
      CHECK(mkdir("cwr") == 0);
      CHECK(chdir("cwr") == 0);
      CHECK(unlink("../cwr") == 0);
      if (i == 1)
        CHECK(run_child(s, [] {}) == 0); // the child shares the dead cwd
      if (i == 2)
        CHECK(open("new", O_CREATE | O_RDWR) < 0); // a removed directory takes no names
    });
    CHECK(st == 0);
    CHECK(!exists("cwr"));
  }
}
