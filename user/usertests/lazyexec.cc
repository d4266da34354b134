/* usertests: exec loads text and data on first touch (the program execbig does the measuring). */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

constexpr const char* kBig = "/execbig";

// Runs argv[0] with argv in a child and returns its exit status (-1 if it was killed).
int run(const char* s, const char* const* argv) {
  int pid = xfork(s);
  if (pid == 0) {
    exec(argv[0], const_cast<char**>(argv));
    exit(kExecFailed);
  }
  return xwait(s, pid);
}

// Copies the file from to a new file to (replacing it).
void copy_file(const char* s, const char* from, const char* to) {
  int in = open(from, O_RDONLY);
  int out = open(to, O_CREATE | O_WRONLY | O_TRUNC);
  CHECKF(in >= 0 && out >= 0, "cannot copy %s to %s", from, to);
  for (;;) {
    int n = read(in, buf, kBufSize);
    CHECK(n >= 0);
    if (n == 0)
      break;
    CHECK(write(out, buf, n) == n);
  }
  close(in);
  close(out);
}

// How the parent changes a paused child's executable.
enum class Change { Truncate, Overwrite, Unlink };

// Runs a copy of execbig paused before it touches a page it has not loaded yet, applies `change`
// to the copy's file, lets the child go on and returns its exit status.
int run_then_change(const char* s, Change change) {
  const char* copy = "execbig.t";
  copy_file(s, kBig, copy);
  int to_child[2];
  int to_parent[2];
  CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
  int pid = xfork(s);
  if (pid == 0) {
    char rfd[12];
    char wfd[12];
    name_num(rfd, "", to_child[0]);
    name_num(wfd, "", to_parent[1]);
    const char* argv[] = {copy, "pause", rfd, wfd, nullptr};
    exec(copy, const_cast<char**>(argv));
    exit(kExecFailed);
  }
  char c = 0;
  CHECKF(read(to_parent[0], &c, 1) == 1, "execbig did not start");
  if (change == Change::Truncate) {
    int fd = open(copy, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0);
    close(fd);
  } else if (change == Change::Overwrite) {
    int fd = open(copy, O_WRONLY); // same size, other bytes
    CHECK(fd >= 0);
    memset(buf, 0x5a, PGSIZE);
    CHECK(write(fd, buf, PGSIZE) == PGSIZE);
    close(fd);
  }
  CHECK(unlink(copy) == 0); // the child's reference keeps the file until it exits
  CHECK(write(to_child[1], &c, 1) == 1);
  int status = xwait(s, pid);
  close(to_child[0]);
  close(to_child[1]);
  close(to_parent[0]);
  close(to_parent[1]);
  return status;
}

} // namespace

// A program's text and data load on first touch: right after exec only the stack, the guard and
// the pages run so far are resident, each data page touched costs one load with the right
// contents, and a forked child loads from the same file. A load with no memory left kills that
// process only. No page is lost.
void execlazy(const char* s) {
  struct memstat before = mine(s);
  static const char* const kCheck[] = {kBig, "check", nullptr};
  CHECKF(run(s, kCheck) == 0, "execbig check failed");
  static const char* const kOom[] = {kBig, "oom", nullptr};
  CHECKF(run(s, kOom) == -1, "a load with no memory left did not kill execbig");
  CHECKF(pages_back(before, mine(s)), "free pages not back");
}

// Copies the kernel makes under locks into pages not loaded yet: read() of a file (the program's
// own executable, whose inode lock readi holds, and crosswise two programs each reading the
// other's executable, ABBA), pipe read and write (spinlock), wait's status (wait_lock). Without
// preloading these hang or panic.
void execlocks(const char* s) {
  struct memstat before = mine(s);
  const char* other = "execbig.b";
  copy_file(s, kBig, other);
  static const char* const kSelf[] = {kBig, "read", kBig, nullptr};
  CHECKF(run(s, kSelf) == 0, "execbig reading itself failed");
  const char* const a[] = {kBig, "read", other, nullptr};
  const char* const b[] = {other, "read", kBig, nullptr};
  for (int round = 0; round < 5; round++) {
    int pa = xfork(s);
    if (pa == 0) {
      exec(a[0], const_cast<char**>(a));
      exit(kExecFailed);
    }
    int pb = xfork(s);
    if (pb == 0) {
      exec(b[0], const_cast<char**>(b));
      exit(kExecFailed);
    }
    for (int i = 0; i < 2; i++) {
      int status = -1;
      int pid = wait(&status);
      CHECKF((pid == pa || pid == pb) && status == 0, "crosswise reads failed in round %d", round);
    }
  }
  CHECK(unlink(other) == 0);
  CHECKF(pages_back(before, mine(s)), "free pages not back");
}

// An executable truncated or overwritten while it runs kills the process at its next load (with
// one console line, "executable changed"); unlinked, it keeps running from the file its
// reference keeps. Every page and the file's blocks come back.
void exectrunc(const char* s) {
  struct memstat before = mine(s);
  CHECKF(run_then_change(s, Change::Truncate) == -1, "truncated executable was not killed");
  CHECKF(run_then_change(s, Change::Overwrite) == -1, "overwritten executable was not killed");
  CHECKF(run_then_change(s, Change::Unlink) == 0, "unlinked executable did not keep running");
  CHECKF(pages_back(before, mine(s)), "free pages not back");
}

// execload(1) makes the caller's later execs, and its children's, read every page up front (the
// way exec worked before, kept for the benchmark); execload(0) restores loading on first touch.
void execeager(const char* s) {
  CHECK(execload(-1) == 0);
  CHECK(execload(1) == 0);
  static const char* const kEager[] = {kBig, "eager", nullptr};
  CHECKF(run(s, kEager) == 0, "execbig eager failed");
  CHECK(execload(0) == 1);
  CHECK(execload(2) == -1);
  static const char* const kCheck[] = {kBig, "check", nullptr};
  CHECKF(run(s, kCheck) == 0, "execbig check failed after execload(0)");
}
