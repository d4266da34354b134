// execbig: a program with 200 KiB of initialized data, for usertests' checks of exec loading pages
// on first touch (user/usertests/lazyexec.cc runs it; it is not meant to be run by hand).
//
//   execbig check            resident after exec is the stack, the guard and the pages touched;
//                            touching k data pages loads exactly k pages, each with the right
//                            contents; after a failed exec pages still load; a forked child
//                            loads from the same file
//   execbig read PATH        reads PATH (its own file or another program) and a pipe into data
//                            pages not loaded yet, and waits with its status there: every copy the
//                            kernel makes under a lock lands in a page that must first be loaded
//   execbig pause RFD WFD    writes one byte to WFD, reads one from RFD, then touches a page not
//                            loaded yet and checks it: the parent changes the file in between
//   execbig oom              takes every free page, then touches a page not loaded yet: killed
//   execbig eager            run under execload(1): every page is resident at start, none loads
//   execbig quit             exits at once (//bench:lazy_vs_eager: exec of a big program that
//                            touches little of it)
//
// Exits 0 if every check passed; prints "execbig: ..." and exits 1 otherwise.
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/memstat.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "user/user.h"

namespace {

constexpr int kPages = 50;                      // 200 KiB of data
constexpr int kWords = PGSIZE / sizeof(uint32); // per page
constexpr int kPipeBytes = 256;                 // fits in the pipe: one process writes, then reads

constexpr uint32 word(int i) {
  return static_cast<uint32>(i) * 2654435761u + 12345u;
}

// The initialized data: every word differs from its neighbours and from zero, so a page loaded
// from the wrong offset, zeroed, or from another file shows.
struct Table {
  alignas(PGSIZE) uint32 w[kPages * kWords];
  constexpr Table() : w() {
    for (int i = 0; i < kPages * kWords; i++)
      w[i] = word(i);
  }
};
constinit Table table;

void fail(const char* what, long a, long b) {
  printf("execbig: %s (%ld, %ld)\n", what, a, b);
  exit(1);
}

struct memstat stats() {
  struct memstat ms;
  if (memstat(0, &ms) != 0)
    fail("memstat failed", 0, 0);
  return ms;
}

// Fails unless data page `page` holds its initial contents.
void check_page(int page) {
  for (int i = page * kWords; i < (page + 1) * kWords; i++) {
    if (table.w[i] != word(i))
      fail("wrong word in a loaded page", page, i);
  }
}

int check() {
  const struct memstat start = stats();
  // Only the guard, the stack and the pages run or read so far: nothing else of the image.
  if (start.resident != USERSTACK + 1 + start.faults_file)
    fail("resident after exec is not stack + guard + loaded pages", start.resident,
         start.faults_file);
  if (start.faults_file > 8 || start.sz / PGSIZE < kPages)
    fail("exec loaded more than the pages touched", start.faults_file, start.sz / PGSIZE);
  // Warm up the code below on other pages, then count: k new pages cost exactly k loads.
  for (int p = 0; p < 4; p++)
    check_page(p);
  const struct memstat before = stats();
  constexpr int kTouched[] = {7, 11, 20, 33, 49};
  for (int p : kTouched)
    check_page(p);
  const struct memstat after = stats();
  const long loaded = static_cast<long>(after.faults_file - before.faults_file);
  if (loaded != 5 || after.resident - before.resident != 5)
    fail("touching 5 pages did not load exactly 5", loaded,
         static_cast<long>(after.resident - before.resident));
  if (after.faults - before.faults != 5 || after.total_faults - before.total_faults < 5)
    fail("file loads are not counted as faults", static_cast<long>(after.faults - before.faults),
         0);
  // A failed exec keeps this image and its file: untouched pages still load.
  static const char* const kNoArgs[] = {"x", nullptr};
  if (exec("/no-such-program", const_cast<char**>(kNoArgs)) != -1 ||
      exec("/", const_cast<char**>(kNoArgs)) != -1)
    fail("exec of a missing file or a directory did not fail", 0, 0);
  for (int p = 21; p < 24; p++)
    check_page(p);
  // A child shares the executable: its own untouched pages load from the same file.
  int pid = fork();
  if (pid < 0)
    fail("fork failed", 0, 0);
  if (pid == 0) {
    for (int p = 12; p < 20; p++)
      check_page(p);
    table.w[12 * kWords] = 0; // private to the child
    exit(0);
  }
  int status = -1;
  if (wait(&status) != pid || status != 0)
    fail("the child's pages were wrong", status, 0);
  check_page(12);
  return 0;
}

// Fails unless [a, a+n) holds what the file at path has at offset off.
void check_file_bytes(const char* path, const char* a, int off, int n) {
  static char want[PGSIZE];
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    fail("cannot reopen the file", 0, 0);
  char skip[64];
  for (int done = 0; done < off;) {
    int m = off - done < 64 ? off - done : 64;
    if (read(fd, skip, m) != m)
      fail("short read while skipping", done, off);
    done += m;
  }
  if (read(fd, want, n) != n)
    fail("short read of the reference bytes", n, 0);
  close(fd);
  if (memcmp(a, want, n) != 0)
    fail("read() into an unloaded page got the wrong bytes", off, n);
}

int read_into_unloaded(const char* path) {
  // read() of a file into an unloaded data page: readi copies under the file's inode lock (the
  // page's own executable's lock, if path is this program).
  char* dst = reinterpret_cast<char*>(&table.w[40 * kWords]);
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    fail("cannot open the file", 0, 0);
  if (read(fd, dst, PGSIZE) != PGSIZE)
    fail("read into an unloaded page failed", 40, 0);
  close(fd);
  check_file_bytes(path, dst, 0, PGSIZE);
  // A pipe: pipewrite and piperead copy under the pipe's spinlock, from and to unloaded pages.
  int fds[2];
  if (pipe(fds) != 0)
    fail("pipe failed", 0, 0);
  if (write(fds[1], &table.w[41 * kWords], kPipeBytes) != kPipeBytes)
    fail("write from an unloaded page into a pipe failed", 41, 0);
  if (read(fds[0], &table.w[42 * kWords], kPipeBytes) != kPipeBytes)
    fail("read from a pipe into an unloaded page failed", 42, 0);
  close(fds[0]);
  close(fds[1]);
  for (int i = 0; i < kPipeBytes / 4; i++) {
    if (table.w[42 * kWords + i] != word(41 * kWords + i))
      fail("the pipe carried the wrong bytes", i, 0);
  }
  check_page(41);
  // wait() stores the status under wait_lock, into an unloaded page.
  int pid = fork();
  if (pid < 0)
    fail("fork failed", 0, 0);
  if (pid == 0)
    exit(3);
  int* status = reinterpret_cast<int*>(&table.w[43 * kWords]);
  if (wait(status) != pid || *status != 3)
    fail("wait into an unloaded page failed", *status, 0);
  return 0;
}

int pause_then_touch(int rfd, int wfd) {
  char c = 'r';
  if (write(wfd, &c, 1) != 1 || read(rfd, &c, 1) != 1)
    fail("handshake with the parent failed", 0, 0);
  check_page(45); // killed here if the file changed
  return 0;
}

// Takes every free page (eager growth until it fails), then touches a page not loaded yet: the
// load finds no memory and the kernel kills this process alone.
int oom() {
  check_page(0);
  for (int step = 1 << 20; step >= PGSIZE;) {
    if (sbrkeager(step) == SBRK_ERROR)
      step /= 2;
  }
  check_page(46);
  fail("loaded a page with no memory left", 0, 0);
  return 1;
}

// Run with execload(1): every page was read and mapped at exec, none is loaded on touch.
int eager() {
  const struct memstat start = stats();
  if (start.faults_file != 0 || start.resident < kPages + USERSTACK + 1)
    fail("exec did not load every page up front", start.faults_file, start.resident);
  for (int p = 0; p < kPages; p++)
    check_page(p);
  if (stats().faults_file != 0)
    fail("a page was loaded on touch after an eager exec", stats().faults_file, 0);
  return 0;
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc == 2 && strcmp(argv[1], "check") == 0)
    return check();
  if (argc == 3 && strcmp(argv[1], "read") == 0)
    return read_into_unloaded(argv[2]);
  if (argc == 2 && strcmp(argv[1], "quit") == 0)
    return 0;
  if (argc == 2 && strcmp(argv[1], "eager") == 0)
    return eager();
  if (argc == 2 && strcmp(argv[1], "oom") == 0)
    return oom();
  if (argc == 4 && strcmp(argv[1], "pause") == 0)
    return pause_then_touch(atoi(argv[2]), atoi(argv[3]));
  fprintf(2, "usage: execbig check | read PATH | pause RFD WFD | oom | eager | quit\n");
  return 1;
}
