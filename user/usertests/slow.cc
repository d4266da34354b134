/* usertests: slow tests that exhaust disk, inodes, memory and processes. */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

// Fills the disk with files df/0, df/1, ... of up to MAXFILE blocks until a write fails.
// Returns the number of full blocks written; *files is the number of files created.
int fill_disk(int* files) {
  char name[16];
  int blocks = 0;
  memset(buf, 'd', BSIZE);
  *files = 0;
  while (*files < 1000) {
    name_num(name, "df/", *files);
    int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
    if (fd < 0)
      return blocks;
    *files += 1;
    for (int b = 0; b < static_cast<int>(MAXFILE); b++) {
      if (write(fd, buf, BSIZE) != BSIZE) {
        close(fd);
        return blocks;
      }
      blocks++;
    }
    close(fd);
  }
  return blocks;
}

void remove_numbered(const char* s, const char* prefix, int n) {
  char name[16];
  for (int i = 0; i < n; i++) {
    name_num(name, prefix, i);
    CHECKF(unlink(name) == 0, "unlink %s failed", name);
  }
}

} // namespace

// Writing until the disk is full fails cleanly; deleting the files gives all the space back.
void diskfull(const char* s) {
  unlink("df");
  CHECK(mkdir("df") == 0);
  int files1 = 0, files2 = 0;
  int blocks1 = fill_disk(&files1);
  CHECKF(blocks1 > 100, "only %d blocks fit on the disk", blocks1);
  // Operations on a full disk fail or succeed, but cleanly.
  int fd = open("df/extra", O_CREATE | O_RDWR);
  if (fd >= 0) {
    write(fd, buf, BSIZE);
    close(fd);
    CHECK(unlink("df/extra") == 0);
  }
  if (mkdir("df/sub") == 0)
    CHECK(unlink("df/sub") == 0);
  // An unlinked file keeps its blocks while open; the last close frees them.
  fd = open("df/0", O_RDONLY);
  CHECK(fd >= 0 && unlink("df/0") == 0);
  CHECKF(write_file("df/extra", buf, 10 * BSIZE) != 10 * BSIZE, "disk not full");
  close(fd);
  CHECKF(write_file("df/extra", buf, 10 * BSIZE) == 10 * BSIZE, "closing did not free the blocks");
  CHECK(unlink("df/extra") == 0);
  CHECK(write_file("df/0", "", 0) == 0);
  remove_numbered(s, "df/", files1);

  int blocks2 = fill_disk(&files2);
  CHECKF(blocks2 + 2 >= blocks1, "first fill wrote %d blocks, second only %d", blocks1, blocks2);
  remove_numbered(s, "df/", files2);
  CHECK(unlink("df") == 0);
  memset(buf, 'e', 10 * BSIZE);
  CHECK(write_file("df.after", buf, 10 * BSIZE) == 10 * BSIZE);
  CHECK(unlink("df.after") == 0);
}

// A write at the end of a file that copies nothing (its buffer is outside memory) takes no block:
// on a disk with one free block left, that block is still there for another file afterwards.
void writeeof(const char* s) {
  char* bad = fresh_end(s);
  unlink("df");
  CHECK(mkdir("df") == 0);
  CHECK(write_file("df/g", "", 0) == 0);
  CHECK(write_file("df/h", "", 0) == 0);
  CHECK(write_file("df/one", buf, BSIZE) == BSIZE);
  int files = 0;
  CHECKF(fill_disk(&files) > 100, "the disk was nearly full already");
  CHECK(unlink("df/one") == 0); // now one block is free
  int fd = open("df/g", O_RDWR);
  CHECK(fd >= 0);
  CHECKF(write(fd, bad, BSIZE) == -1, "a write from outside memory succeeded");
  close(fd);
  CHECK(file_size("df/g") == 0);
  CHECKF(write_file("df/h", "h", 1) == 1, "the failed write took the last free block");
  CHECK(unlink("df/g") == 0);
  CHECK(unlink("df/h") == 0);
  remove_numbered(s, "df/", files);
  CHECK(unlink("df") == 0);
}

// Creating files until the inodes run out fails cleanly; deleting them frees every inode.
void inodefull(const char* s) {
  char name[16];
  unlink("if");
  CHECK(mkdir("if") == 0);
  int first = -1;
  for (int round = 0; round < 2; round++) {
    int n = 0;
    for (; n < 5000; n++) {
      name_num(name, "if/", n);
      int fd = open(name, O_CREATE | O_RDWR);
      if (fd < 0)
        break;
      close(fd);
    }
    CHECKF(n > 20 && n < 5000, "created %d files before running out of inodes", n);
    if (round == 0)
      first = n;
    CHECKF(n == first, "round 1 created %d files, round 2 %d", first, n);
    remove_numbered(s, "if/", n);
  }
  CHECK(unlink("if") == 0);
}

// A directory of 500 entries: every name resolves to the one inode they link; all unlink.
void bigdir(const char* s) {
  constexpr int kEntries = 500;
  char name[16];
  unlink("bd");
  CHECK(write_file("bd.f", "x", 1) == 1);
  CHECK(mkdir("bd") == 0);
  for (int i = 0; i < kEntries; i++) {
    name_num(name, "bd/x", i);
    CHECKF(link("bd.f", name) == 0, "link %s failed", name);
  }
  struct stat f, e;
  CHECK(stat("bd.f", &f) == 0 && f.nlink == kEntries + 1);
  for (int i = 0; i < kEntries; i++) {
    name_num(name, "bd/x", i);
    CHECKF(stat(name, &e) == 0 && e.ino == f.ino, "%s does not resolve", name);
  }
  remove_numbered(s, "bd/x", kEntries);
  CHECK(stat("bd.f", &f) == 0 && f.nlink == 1);
  CHECK(unlink("bd") == 0);
  CHECK(unlink("bd.f") == 0);
}

// One process holds all memory: a lazy toucher is killed, a bystander keeps working, fork fails
// or works cleanly, and every page comes back afterwards.
void memexhaust(const char* s) {
  struct memstat before = mine(s);
  int full[2], go_toucher[2], go_worker[2], result[2];
  CHECK(pipe(full) == 0 && pipe(go_toucher) == 0 && pipe(go_worker) == 0 && pipe(result) == 0);

  int worker = xfork(s);
  if (worker == 0) {
    read(go_worker[0], buf, 1);
    int sum = 0;
    for (int i = 0; i < 1000; i++)
      sum += i;
    write(result[1], &sum, sizeof sum);
    exit(0);
  }
  int toucher = xfork(s);
  if (toucher == 0) {
    char* p = sbrklazy(16 * kMiB);
    read(go_toucher[0], buf, 1);
    for (int off = 0; off < 16 * kMiB; off += PGSIZE)
      p[off] = 1;
    exit(0);
  }
  int hog = xfork(s);
  if (hog == 0) {
    char* start = sbrk(0);
    uint64 grown = grow_until_failure(sbrkeager, kMiB);
    for (uint64 off = 0; off < grown; off += PGSIZE)
      start[off] = 1;
    write(full[1], "F", 1);
    for (;;)
      pause(100); // hold everything until killed
  }
  // Into the stack, which this process wrote (made private) right after the forks: buf is shared
  // copy-on-write with the children, and with no free page a write to it cannot be copied.
  char c;
  CHECK(read(full[0], &c, 1) == 1);
  CHECKF(mine(s).free_pages < before.total_pages / 16, "memory was not exhausted");

  // Copy-on-write fork needs only page-table pages; the child's first write needs a page, and
  // with none free it is killed (status -1), which is also clean.
  int pid = fork();
  if (pid == 0)
    exit(0);
  if (pid > 0) {
    int fst = xwait(s, pid);
    CHECKF(fst == 0 || fst == -1, "child forked with no free memory exited %d", fst);
  }

  write(go_toucher[1], "t", 1);
  int st = xwait(s, toucher);
  CHECKF(st == -1, "toucher of 16 MiB with no free memory exited %d", st);
  write(go_worker[1], "w", 1);
  int sum = 0;
  CHECK(read(result[0], &sum, sizeof sum) == sizeof sum && sum == 999 * 1000 / 2);
  CHECK(xwait(s, worker) == 0);
  CHECK(kill(hog) == 0);
  CHECK(xwait(s, hog) == -1);

  struct memstat after = mine(s);
  CHECKF(after.free_pages >= before.free_pages, "free pages %lu before, %lu after",
         before.free_pages, after.free_pages);
  CHECK(run_child(s, [] { exit(sbrkeager(8 * kMiB) == SBRK_ERROR); }) == 0);
}

// A lazy heap larger than RAM gets its process killed when touching runs out of memory.
void lazyoom(const char* s) {
  struct memstat before = mine(s);
  int st = run_child(s, [] {
    char* p = sbrklazy(256 * kMiB);
    if (p == SBRK_ERROR)
      exit(2);
    for (int off = 0; off < 256 * kMiB; off += PGSIZE)
      p[off] = 1;
  });
  CHECKF(st == -1, "touching 256 MiB ended with status %d", st);
  struct memstat after = mine(s);
  CHECKF(after.free_pages >= before.free_pages, "free pages %lu before, %lu after",
         before.free_pages, after.free_pages);
  CHECK(run_child(s, [] { exit(sbrkeager(8 * kMiB) == SBRK_ERROR); }) == 0);
}

// Many processes fork, exit and wait at the same time, over and over.
void manyforks(const char* s) {
  constexpr int kKids = 20, kGrandkids = 10;
  for (int round = 0; round < 5; round++) {
    for (int k = 0; k < kKids; k++) {
      if (xfork(s) == 0) {
        for (int g = 0; g < kGrandkids; g++) {
          int pid = xfork(s);
          if (pid == 0)
            exit(g);
          CHECK(xwait(s, pid) == g);
        }
        exit(0);
      }
    }
    for (int k = 0; k < kKids; k++) {
      int st = -99;
      CHECKF(wait(&st) > 0 && st == 0, "round %d: a child failed (status %d)", round, st);
    }
  }
}

// exec with almost no memory left fails or runs, but never panics or leaks.
void execoom(const char* s) {
  struct memstat before = mine(s);
  for (int avail = 0; avail < 8; avail++) {
    int st = run_child(s, [avail] {
      grow_until_failure(sbrkeager, kMiB);
      sbrk(-avail * PGSIZE);
      close(1);
      const char* argv[] = {"echo", "x", nullptr};
      exec("/echo", const_cast<char**>(argv));
      exit(kExecFailed);
    });
    CHECKF(st == 0 || st == kExecFailed || st == -1, "%d pages free: status %d", avail, st);
  }
  struct memstat after = mine(s);
  CHECKF(after.free_pages >= before.free_pages, "free pages %lu before, %lu after",
         before.free_pages, after.free_pages);
}

// fork and exit of a process whose lazy heap reaches the heap limit stay quick and correct.
void hugefork(const char* s) {
  char* b0 = align_break(s);
  uint64 grown = grow_until_failure(sbrklazy, 1 << 30);
  CHECK(grown >= PHYSTOP - KERNBASE);
  uint64 marks[] = {reinterpret_cast<uint64>(b0), reinterpret_cast<uint64>(b0) + grown / 2,
                    reinterpret_cast<uint64>(b0) + grown - 1};
  for (int i = 0; i < 3; i++)
    store(marks[i], static_cast<char>('A' + i));
  for (int round = 0; round < 5; round++) {
    int st = run_child(s, [&marks, s] {
      for (int i = 0; i < 3; i++)
        CHECK(load(marks[i]) == 'A' + i);
      CHECK(load(marks[1] + PGSIZE) == 0);
      store(marks[2], 'z');
    });
    CHECK(st == 0);
    CHECK(load(marks[2]) == 'C');
  }
  // Exit with the whole range still declared: the driver's free-page count checks the release.
}
