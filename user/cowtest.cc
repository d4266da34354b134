// cowtest: copy-on-write fork, checked.
//
//   cowtest          every check
//   cowtest NAME     one check; `cowtest -l` lists the names
//
// The first four are upstream xv6's cowtest (simple, three, file) plus a nested-fork check; the
// rest read memstat's counters to show what fork and each write fault take, and what forkcopy
// (xv6's copying fork) takes instead. Each check runs in a
// forked child and the parent prints `test NAME: OK` or `test NAME: FAILED`. The run ends with the
// free-page check (no page lost over the run) and exactly `ALL TESTS PASSED` or
// `SOME TESTS FAILED`. They pass whether the kernel was built lazy or eager by default.

#include "kernel/types.h"
#include "kernel/memstat.h"
#include "kernel/riscv.h"
#include "user/user.h"
#include "user/checks.h"

namespace {

constexpr uint64 kPage = PGSIZE;

// The pages the allocator manages: the "RAM" the upstream checks take fractions of.
uint64 ram_bytes() {
  return stat_of(0).total_pages * kPage;
}

int* word_at(char* p) {
  return reinterpret_cast<int*>(p);
}

// Waits for one child; its exit status.
int wait_status() {
  int st = -2;
  if (wait(&st) < 0)
    die("wait: no child");
  return st;
}

// Makes this process's stack and data pages private (a write fault each if shared), so that the
// figures measured next count only what the check does.
void settle() {
  *static_cast<volatile int*>(&failures) = failures;
  (void)stat_of(0);
}

// ---- upstream cowtest ---------------------------------------------------------------------------

// Two thirds of RAM touched, then fork: only possible if fork shares the pages. Twice.
void test_simple() {
  const uint64 sz = ram_bytes() / 3 * 2 / kPage * kPage;
  for (int round = 0; round < 2; round++) {
    char* p = sbrkeager(static_cast<int>(sz));
    if (p == SBRK_ERROR)
      die("sbrkeager(2/3 of RAM) failed");
    for (char* q = p; q < p + sz; q += kPage)
      *word_at(q) = getpid();
    int pid = fork();
    if (pid < 0)
      die("fork of a process holding 2/3 of RAM failed");
    if (pid == 0)
      exit(0);
    expect("child exit status", wait_status(), 0);
    if (sbrk(-static_cast<int>(sz)) == SBRK_ERROR)
      die("sbrk(-sz) failed");
  }
  printf("  forked a process holding %lu KiB twice\n", sz / 1024);
}

// Three processes write over a quarter of RAM each, and each reads back its own values. 3 rounds.
void test_three() {
  const uint64 sz = ram_bytes() / 4 / kPage * kPage;
  for (int round = 0; round < 3; round++) {
    char* p = sbrk(static_cast<int>(sz));
    if (p == SBRK_ERROR)
      die("sbrk(RAM/4) failed");
    int pid1 = fork();
    if (pid1 < 0)
      die("fork failed");
    if (pid1 == 0) {
      int pid2 = fork();
      if (pid2 < 0)
        exit(-1);
      if (pid2 == 0) {
        for (char* q = p; q < p + (sz / 5) * 4; q += kPage)
          *word_at(q) = getpid();
        for (char* q = p; q < p + (sz / 5) * 4; q += kPage) {
          if (*word_at(q) != getpid())
            exit(-1);
        }
        exit(0);
      }
      for (char* q = p; q < p + sz / 2; q += kPage)
        *word_at(q) = 9999;
      int st = wait_status();
      for (char* q = p; q < p + sz / 2; q += kPage) {
        if (*word_at(q) != 9999)
          exit(-1);
      }
      exit(st);
    }
    for (char* q = p; q < p + sz; q += kPage)
      *word_at(q) = getpid();
    expect("children's exit status", wait_status(), 0);
    uint64 bad = 0;
    for (char* q = p; q < p + sz; q += kPage) {
      if (*word_at(q) != getpid())
        bad++;
    }
    expect("parent's pages changed", static_cast<long>(bad), 0);
    if (sbrk(-static_cast<int>(sz)) == SBRK_ERROR)
      die("sbrk(-sz) failed");
  }
}

char buf[4096]; // data the file check's children read() into: shared copy-on-write at fork

// Four children read() from a pipe into a COW page (copyout breaks the sharing); the parent's
// copy stays as it was.
void test_file() {
  buf[0] = 99;
  for (int i = 0; i < 4; i++) {
    int fds[2];
    if (pipe(fds) != 0)
      die("pipe failed");
    int pid = fork();
    if (pid < 0)
      die("fork failed");
    if (pid == 0) {
      sleep(1);
      if (read(fds[0], buf, sizeof(i)) != sizeof(i))
        exit(-1);
      sleep(1);
      exit(*word_at(buf) == i ? 0 : -1);
    }
    if (write(fds[1], &i, sizeof(i)) != sizeof(i))
      die("write to the pipe failed");
    close(fds[0]);
    close(fds[1]);
  }
  int bad = 0;
  for (int i = 0; i < 4; i++) {
    if (wait_status() != 0)
      bad++;
  }
  expect("children that read a wrong value", bad, 0);
  expect("parent's buf[0]", buf[0], 99);
}

// 100 rounds: a child overwrites the data it shares with its parent and forks a grandchild that
// does too; each sees its own writes, and the parent's data never changes.
void test_forkfork() {
  constexpr uint64 kPages = 8;
  char* p = sbrk(static_cast<int>(kPages * kPage));
  if (p == SBRK_ERROR)
    die("sbrk failed");
  for (uint64 i = 0; i < kPages * kPage; i += 64)
    p[i] = static_cast<char>(i / 64 + 1);
  int bad_children = 0;
  for (int round = 0; round < 100; round++) {
    int pid = fork();
    if (pid < 0)
      die("fork failed");
    if (pid == 0) {
      for (uint64 i = 0; i < kPages * kPage; i += 64)
        p[i] = 'c';
      int pid2 = fork();
      if (pid2 < 0)
        exit(-1);
      if (pid2 == 0) {
        for (uint64 i = 0; i < kPages * kPage; i += 128)
          p[i] = 'g';
        for (uint64 i = 0; i < kPages * kPage; i += 64) {
          if (p[i] != (i % 128 == 0 ? 'g' : 'c'))
            exit(-1);
        }
        exit(0);
      }
      int st = wait_status();
      for (uint64 i = 0; i < kPages * kPage; i += 64) {
        if (p[i] != 'c')
          exit(-1);
      }
      exit(st);
    }
    if (wait_status() != 0)
      bad_children++;
  }
  uint64 bad = 0;
  for (uint64 i = 0; i < kPages * kPage; i += 64) {
    if (p[i] != static_cast<char>(i / 64 + 1))
      bad++;
  }
  expect("rounds whose children saw wrong data", bad_children, 0);
  expect("parent's bytes changed after 100 rounds", static_cast<long>(bad), 0);
}

// ---- our own: memstat's figures -----------------------------------------------------------------

// A heap region of n touched (private) pages; dies if it cannot be had.
char* touched(uint64 n) {
  char* p = sbrkeager(static_cast<int>(n * kPage));
  if (p == SBRK_ERROR)
    die("sbrkeager failed");
  for (uint64 i = 0; i < n; i++)
    p[i * kPage] = static_cast<char>(i + 1);
  return p;
}

// Fork of a process with 1024 touched pages takes only the child's page-table pages and its trap
// frame (plus a copy per stack page both write before we look); once the child has exited, the
// free pages are back at their value before fork.
void test_forkpages() {
  constexpr uint64 kPages = 1024;
  touched(kPages);
  int go[2];
  if (pipe(go) != 0)
    die("pipe failed");
  settle();
  const struct memstat before = stat_of(0);
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  if (pid == 0) {
    char c;
    exit(read(go[0], &c, 1) == 1 ? 0 : 1);
  }
  sleep(2); // the child blocks in read()
  const struct memstat parent = stat_of(0);
  const struct memstat child = stat_of(pid);
  const uint64 taken = before.free_pages - parent.free_pages;
  const uint64 copies = parent.faults_cow - before.faults_cow + child.faults_cow;
  const uint64 lazy = parent.faults_lazy - before.faults_lazy + child.faults_lazy;
  printf("  fork of %lu resident pages: %lu pages taken, child ptpages %lu, COW faults since %lu\n",
         parent.resident, taken, child.ptpages, copies);
  expect_true("pages taken beyond the child's page tables, trap frame and COW copies",
              taken <= child.ptpages + 1 + copies + lazy);
  expect_true("fork copied pages", taken < child.ptpages + 1 + 16);
  expect("child's resident, minus parent's", static_cast<long>(child.resident - parent.resident),
         0);
  expect_true("child maps the touched pages copy-on-write", child.shared >= kPages);
  expect_true("parent maps the touched pages copy-on-write", parent.shared >= kPages);
  if (write(go[1], "x", 1) != 1)
    die("write to the pipe failed");
  expect("child's exit status", wait_status(), 0);
  const struct memstat after = stat_of(0);
  expect("free pages after the child exited, minus before fork",
         static_cast<long>(after.free_pages - before.free_pages), 0);
}

// A write to a page shared with another process copies it (one page taken); the last sharer's
// write takes the page over (no page taken). Neither sees the other's write.
void test_cowwrite() {
  char* p = touched(2);
  int go[2], done[2];
  if (pipe(go) != 0 || pipe(done) != 0)
    die("pipe failed");
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  if (pid == 0) {
    char c;
    if (read(go[0], &c, 1) != 1)
      exit(1);
    settle();
    const struct memstat m0 = stat_of(0);
    const char old = p[0];
    p[0] = 'k';
    const struct memstat m1 = stat_of(0);
    printf("  child, the last sharer:\n");
    expect("  value it saw before its write", old, 1);
    expect("  COW faults of its write", static_cast<long>(m1.faults_cow - m0.faults_cow), 1);
    expect("  free pages its write took", static_cast<long>(m0.free_pages - m1.free_pages), 0);
    expect("  COW pages it lost", static_cast<long>(m0.shared - m1.shared), 1);
    exit(failures == 0 ? 0 : 1);
  }
  settle();
  const struct memstat m0 = stat_of(0);
  p[0] = 'p';
  const struct memstat m1 = stat_of(0);
  printf("  parent, one of two sharers:\n");
  expect("  COW faults of its write", static_cast<long>(m1.faults_cow - m0.faults_cow), 1);
  expect("  free pages its write took (one copy)", static_cast<long>(m0.free_pages - m1.free_pages),
         1);
  expect("  COW pages it lost", static_cast<long>(m0.shared - m1.shared), 1);
  expect("  system COW faults", static_cast<long>(m1.total_cow_faults - m0.total_cow_faults), 1);
  if (write(go[1], "x", 1) != 1)
    die("write to the pipe failed");
  expect("child's exit status", wait_status(), 0);
  expect("parent's byte after the child's write", p[0], 'p');
  expect("untouched-by-anyone byte", p[kPage], 2);
}

// Out of memory in a COW fault kills only the child that faulted; the parent's pages are intact
// and free pages return to their value before fork.
void test_cowoom() {
  constexpr uint64 kPages = 64;
  char* p = touched(kPages);
  settle();
  const uint64 free_before = stat_of(0).free_pages;
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  if (pid == 0) {
    // Take every free page, then write the shared pages: each needs a copy.
    for (int chunk = 1 << 24; chunk >= static_cast<int>(kPage);) {
      if (sbrkeager(chunk) == SBRK_ERROR)
        chunk /= 2;
    }
    for (uint64 i = 0; i < kPages; i++)
      p[i * kPage] = 'z';
    exit(0); // not killed: wrong
  }
  expect("child's exit status (killed)", wait_status(), -1);
  const struct memstat m0 = stat_of(0);
  expect("free pages after the child died, minus before fork",
         static_cast<long>(m0.free_pages - free_before), 0);
  uint64 bad = 0;
  for (uint64 i = 0; i < kPages; i++) {
    if (p[i * kPage] != static_cast<char>(i + 1))
      bad++;
  }
  expect("parent's pages changed", static_cast<long>(bad), 0);
  for (uint64 i = 0; i < kPages; i++)
    p[i * kPage] = 'w';
  const struct memstat m1 = stat_of(0);
  expect("free pages the parent's writes took (sole owner again)",
         static_cast<long>(m0.free_pages - m1.free_pages), 0);
}

// forkcopy (xv6's fork, the benchmark's baseline) gives the child its own copy of every page at
// once: it takes a page per page the child maps (the zero page aside), and nothing becomes COW.
void test_forkcopy() {
  constexpr uint64 kPages = 256;
  char* p = touched(kPages);
  int go[2];
  if (pipe(go) != 0)
    die("pipe failed");
  settle();
  const struct memstat before = stat_of(0);
  int pid = forkcopy();
  if (pid < 0)
    die("forkcopy failed");
  if (pid == 0) {
    char c;
    exit(read(go[0], &c, 1) == 1 && p[(kPages - 1) * kPage] == static_cast<char>(kPages) ? 0 : 1);
  }
  sleep(2); // the child blocks in read()
  const struct memstat parent = stat_of(0);
  const struct memstat child = stat_of(pid);
  const uint64 taken = before.free_pages - parent.free_pages;
  printf("  forkcopy of %lu resident pages: %lu pages taken\n", parent.resident, taken);
  expect_true("pages taken below the child's pages and page tables",
              taken >= child.resident - child.zero_mapped + child.ptpages);
  expect("child's COW pages", static_cast<long>(child.shared), 0);
  expect_true("forkcopy made parent pages COW", parent.shared <= before.shared);
  if (write(go[1], "x", 1) != 1)
    die("write to the pipe failed");
  expect("child's exit status (its copy intact)", wait_status(), 0);
  expect("free pages after the child exited, minus before",
         static_cast<long>(stat_of(0).free_pages - before.free_pages), 0);
}

// vmprint's marks: after fork the child's page table (kpgtbl) shows a written page as " cow" and
// a page only read as " zero"; the harness checks the lines for the two addresses printed here.
void test_marks() {
  char* p = sbrklazy(static_cast<int>(2 * kPage));
  if (p == SBRK_ERROR)
    die("sbrklazy failed");
  p[0] = 'w';
  const char r = *static_cast<volatile char*>(p + kPage);
  expect("untouched page reads", r, 0);
  printf("  written page va %p, read page va %p\n", p, p + kPage);
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  if (pid == 0) {
    kpgtbl();
    exit(0);
  }
  expect("child's exit status", wait_status(), 0);
}

// ---- the runner ---------------------------------------------------------------------------------

constexpr Test kTests[] = {
    {"simple", test_simple},     {"three", test_three},         {"file", test_file},
    {"forkfork", test_forkfork}, {"forkpages", test_forkpages}, {"cowwrite", test_cowwrite},
    {"cowoom", test_cowoom},     {"marks", test_marks},         {"forkcopy", test_forkcopy},
};

} // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "-l") == 0) {
    for (const Test& t : kTests)
      printf("%s\n", t.name);
    return 0;
  }
  loadimage(); // its own code and data, loaded on first touch, must not count as checks' pages
  const uint64 free_before = stat_of(0).free_pages;
  int failed = 0, ran = 0;
  for (const Test& t : kTests) {
    if (argc == 2 && strcmp(argv[1], t.name) != 0)
      continue;
    ran++;
    if (!run_test(t))
      failed++;
  }
  if (ran == 0) {
    fprintf(2, "usage: cowtest [-l | NAME]\n");
    return 1;
  }
  // Every page the checks took is back (the runner's own pages are its own again).
  const uint64 free_after = stat_of(0).free_pages;
  printf("test freepages: %s (free pages %lu before, %lu after)\n",
         free_after == free_before ? "OK" : "FAILED", free_before, free_after);
  if (free_after != free_before)
    failed++;
  printf(failed == 0 ? "ALL TESTS PASSED\n" : "SOME TESTS FAILED\n");
  return failed == 0 ? 0 : 1;
}
