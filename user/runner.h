// What the test runners (cowtest's and lazytest's run_test, usertests' run) share: forking a
// check that measures memory.
#pragma once

#include "kernel/types.h"
#include "user/user.h"

// fork() for a runner whose child checks free pages: the child returns only after the parent has
// written *status, the word its wait() will write. fork made the parent's stack copy-on-write, so
// that write faults and copies the page; on 3 harts the fault could otherwise land inside a window
// the child measures (seen in CI: one page more free after a check than before it, when the
// parent's copy and the child's own fault on the same page both copied and the later one freed
// the shared page mid-check). Returns what fork() does; -1 also if no pipe can be made.
inline int fork_settled(int* status) {
  int ready[2];
  if (pipe(ready) != 0)
    return -1;
  int pid = fork();
  if (pid == 0) {
    close(ready[1]);
    char go = 0;
    const int n = read(ready[0], &go, 1);
    close(ready[0]);
    if (n != 1)
      exit(1); // the parent is gone
    return 0;
  }
  close(ready[0]);
  if (pid > 0) {
    *static_cast<volatile int*>(status) = *status;
    write(ready[1], "g", 1);
  }
  close(ready[1]);
  return pid;
}
