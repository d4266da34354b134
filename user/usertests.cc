/*
 * usertests: lazyv6's system test suite, covering the ground of xv6's usertests.
 *
 *   usertests          quick and slow tests
 *   usertests -q       quick tests only
 *   usertests -c       loop forever, stopping at the first failure
 *   usertests -C       loop forever, going on after failures
 *   usertests -l       list the tests, one "quick NAME" or "slow NAME" line each
 *   usertests NAME...  only the named tests
 *
 * Each test runs in a forked child and passes if that child exits 0. Free physical pages are
 * compared (memstat) before and after each round. The last line is "ALL TESTS PASSED" or
 * "SOME TESTS FAILED". The tests live in user/usertests/.
 */
#include "user/runner.h"
#include "user/usertests/usertests.h"

namespace {

struct Test {
  void (*fn)(const char*);
  const char* name;
};

constexpr Test kQuickTests[] = {
    // memory
    {sbrkbasic, "sbrkbasic"},
    {sbrkbounds, "sbrkbounds"},
    {sbrktrapframe, "sbrktrapframe"},
    {sbrktypes, "sbrktypes"},
    {sbrkmuch, "sbrkmuch"},
    {sbrkshrink, "sbrkshrink"},
    {sbrkfork, "sbrkfork"},
    {sbrkdropall, "sbrkdropall"},
    {lazyfault, "lazyfault"},
    {lazysyscall, "lazysyscall"},
    {lazyshrink, "lazyshrink"},
    {shrinkmigrate, "shrinkmigrate"},
    {kernmem, "kernmem"},
    {highmem, "highmem"},
    {kernaddr, "kernaddr"},
    {kernaddrsys, "kernaddrsys"},
    {textwrite, "textwrite"},
    {stackguard, "stackguard"},
    {execheap, "execheap"},
    {bsszero, "bsszero"},
    {mallocfree, "mallocfree"},
    {mallocpolicy, "mallocpolicy"},
    // system call arguments
    {copyout, "copyout"},
    {copyin, "copyin"},
    {copyinstr, "copyinstr"},
    {badfd, "badfd"},
    {pathmax, "pathmax"},
    {longnames, "longnames"},
    // exec
    {execbad, "execbad"},
    {execelf, "execelf"},
    {execargs, "execargs"},
    {leakloop, "leakloop"},
    {execlazy, "execlazy"},
    {execlocks, "execlocks"},
    {exectrunc, "exectrunc"},
    {execeager, "execeager"},
    // processes
    {forkfull, "forkfull"},
    {exitwait, "exitwait"},
    {killstatus, "killstatus"},
    {killself, "killself"},
    {orphans, "orphans"},
    {sleeptime, "sleeptime"},
    // pipes and file tables
    {pipebasic, "pipebasic"},
    {pipebig, "pipebig"},
    {pipeclose, "pipeclose"},
    {pipelimit, "pipelimit"},
    {nfile, "nfile"},
    // file system
    {createread, "createread"},
    {rdwrmodes, "rdwrmodes"},
    {maxfile, "maxfile"},
    {bigwrite, "bigwrite"},
    {unlinkopen, "unlinkopen"},
    {links, "links"},
    {dirs, "dirs"},
    {dirread, "dirread"},
    {dupoffset, "dupoffset"},
    {devices, "devices"},
    {iref, "iref"},
    {cwdremoved, "cwdremoved"},
    {concreate, "concreate"},
    {fourfiles, "fourfiles"},
    {createdelete, "createdelete"},
    {sharedfd, "sharedfd"},
    {truncrace, "truncrace"},
    {linkunlink, "linkunlink"},
    {smallfiles, "smallfiles"},
    // kernel limits a user can reach
    {itablefull, "itablefull"},
    {bcachefull, "bcachefull"},
    {killinit, "killinit"},
    {initretry, "initretry"},
    {writepartial, "writepartial"},
    {pgptekernel, "pgptekernel"},
};

constexpr Test kSlowTests[] = {
    {diskfull, "diskfull"},     {inodefull, "inodefull"}, {bigdir, "bigdir"},
    {memexhaust, "memexhaust"}, {lazyoom, "lazyoom"},     {manyforks, "manyforks"},
    {execoom, "execoom"},       {hugefork, "hugefork"},   {writeeof, "writeeof"},
};

// Run only when named (`usertests nlinkmax`): minutes long, too slow for the full run.
// //tests/reliability:nlinkmax runs it.
constexpr Test kManualTests[] = {
    {nlinkmax, "nlinkmax"},
};

enum class Loop { Once, UntilFailure, Forever };

struct Options {
  bool quick = false;
  Loop loop = Loop::Once;
  char** names = nullptr; // only these tests, if nnames > 0
  int nnames = 0;
};

bool selected(const Options& opt, const char* name) {
  if (opt.nnames == 0)
    return true;
  for (int i = 0; i < opt.nnames; i++)
    if (strcmp(opt.names[i], name) == 0)
      return true;
  return false;
}

// Runs one test in a child process; true if it exited 0.
bool run(const Test& t) {
  printf("test %s: ", t.name);
  int status = 0;
  int pid = fork_settled(&status);
  if (pid < 0) {
    printf("runtest: fork error\n");
    exit(1);
  }
  if (pid == 0) {
    ut::own_scratch();
    t.fn(t.name);
    exit(0);
  }
  wait(&status);
  printf("%s\n", status == 0 ? "OK" : "FAILED");
  return status == 0;
}

// Runs the selected tests of a list; returns the number that failed. Stops at the first
// failure unless looping with -C.
int run_list(const Test* tests, int n, const Options& opt) {
  int failed = 0;
  for (int i = 0; i < n; i++) {
    if (!selected(opt, tests[i].name))
      continue;
    if (!run(tests[i])) {
      failed++;
      if (opt.loop != Loop::Forever)
        break;
    }
  }
  return failed;
}

uint64 free_pages() {
  struct memstat ms;
  if (memstat(0, &ms) != 0) {
    printf("usertests: memstat failed\n");
    exit(1);
  }
  return ms.free_pages;
}

// One round of tests; true if all passed and no free page went missing.
bool run_round(const Options& opt) {
  printf("usertests starting\n");
  uint64 free0 = free_pages();
  int failed = run_list(kQuickTests, sizeof kQuickTests / sizeof kQuickTests[0], opt);
  if (!opt.quick && (failed == 0 || opt.loop == Loop::Forever)) {
    if (opt.nnames == 0)
      printf("usertests slow tests starting\n");
    failed += run_list(kSlowTests, sizeof kSlowTests / sizeof kSlowTests[0], opt);
  }
  if (opt.nnames > 0 && (failed == 0 || opt.loop == Loop::Forever))
    failed += run_list(kManualTests, sizeof kManualTests / sizeof kManualTests[0], opt);
  // Orphans of the tests may still be waiting for init to reap them: give them a moment.
  uint64 free1 = free_pages();
  for (int i = 0; i < 20 && free1 < free0; i++) {
    pause(5);
    free1 = free_pages();
  }
  if (free1 < free0) {
    printf("FAILED -- lost some free pages %d (out of %d)\n", static_cast<int>(free1),
           static_cast<int>(free0));
    failed++;
  }
  return failed == 0;
}

// Prints every test as "quick NAME" or "slow NAME", in running order: the build checks its
// per-test targets (tests/usertests) against this list.
void list_tests() {
  for (const Test& t : kQuickTests)
    printf("quick %s\n", t.name);
  for (const Test& t : kSlowTests)
    printf("slow %s\n", t.name);
}

bool known(const char* name) {
  for (const Test& t : kQuickTests)
    if (strcmp(t.name, name) == 0)
      return true;
  for (const Test& t : kSlowTests)
    if (strcmp(t.name, name) == 0)
      return true;
  for (const Test& t : kManualTests)
    if (strcmp(t.name, name) == 0)
      return true;
  return false;
}

} // namespace

int main(int argc, char* argv[]) {
  loadimage(); // the free-page and resident checks count the tests' pages, not the driver's code
  Options opt;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0) {
      opt.quick = true;
    } else if (strcmp(argv[i], "-c") == 0) {
      opt.loop = Loop::UntilFailure;
    } else if (strcmp(argv[i], "-C") == 0) {
      opt.loop = Loop::Forever;
    } else if (strcmp(argv[i], "-l") == 0) {
      list_tests();
      exit(0);
    } else if (argv[i][0] != '-' && known(argv[i])) {
      if (opt.nnames == 0)
        opt.names = argv + i;
      // Compact the names in place, starting at the first name's slot.
      opt.names[opt.nnames++] = argv[i];
    } else {
      printf("usage: usertests [-q] [-c] [-C] [-l] [testname...]\n");
      if (argv[i][0] != '-')
        printf("usertests: no test named %s\n", argv[i]);
      exit(1);
    }
  }
  for (;;) {
    bool ok = run_round(opt);
    if (opt.loop == Loop::Once || (!ok && opt.loop == Loop::UntilFailure)) {
      printf("%s\n", ok ? "ALL TESTS PASSED" : "SOME TESTS FAILED");
      exit(ok ? 0 : 1);
    }
    if (!ok)
      printf("SOME TESTS FAILED\n");
  }
}
