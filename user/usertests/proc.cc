/* usertests: fork, exit, wait, kill, pause. */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

// Blocks until the child has written its one-byte "ready" signal on fd.
void await_ready(const char* s, int fd) {
  char c;
  CHECKF(read(fd, &c, 1) == 1, "child did not signal readiness");
}

// Kills pid, which must be our child, and checks it exits with status -1.
void kill_and_reap(const char* s, int pid, const char* what) {
  CHECKF(kill(pid) == 0, "%s: kill failed", what);
  int st = xwait(s, pid);
  CHECKF(st == -1, "%s: killed child exited with %d", what, st);
}

} // namespace

// fork fails cleanly once the process table is full; every child is reaped; then fork works.
void forkfull(const char* s) {
  int n = 0;
  for (; n < NPROC; n++) {
    int pid = fork();
    if (pid < 0)
      break;
    if (pid == 0)
      exit(0);
  }
  CHECKF(n < NPROC, "%d forks succeeded with NPROC %d", n, NPROC);
  CHECKF(n >= NPROC - 8, "only %d forks succeeded", n);
  int pid = fork();
  if (pid == 0)
    exit(0);
  CHECKF(pid < 0, "fork succeeded with the table full of zombies");
  for (int i = 0; i < n; i++)
    CHECKF(wait(nullptr) > 0, "wait %d of %d failed", i, n);
  CHECK(wait(nullptr) == -1);
  CHECK(run_child(s, [] {}) == 0);
}

// wait returns -1 without children and passes each child's exit status through unchanged.
void exitwait(const char* s) {
  int st = 12345;
  CHECK(wait(nullptr) == -1);
  CHECK(wait(&st) == -1);
  CHECK(st == 12345);
  const int kCodes[] = {0, 1, 42, 255, 256, -7, 0x7fffffff};
  for (int code : kCodes) {
    int pid = xfork(s);
    if (pid == 0)
      exit(code);
    st = xwait(s, pid);
    CHECKF(st == code, "exit(%d) reached wait as %d", code, st);
  }
  for (int i = 0; i < 100; i++) {
    int pid = xfork(s);
    if (pid == 0)
      exit(i);
    CHECK(xwait(s, pid) == i);
  }
  // Several children at once: each pid comes back with its own status.
  int pids[5];
  for (int i = 0; i < 5; i++) {
    pids[i] = xfork(s);
    if (pids[i] == 0) {
      pause(5 - i);
      exit(10 + i);
    }
  }
  for (int n = 0; n < 5; n++) {
    int pid = wait(&st);
    int i = 0;
    while (i < 5 && pids[i] != pid)
      i++;
    CHECKF(i < 5 && st == 10 + i, "wait returned pid %d status %d", pid, st);
    pids[i] = -1;
  }
  CHECK(wait(nullptr) == -1);
}

// A killed child exits with status -1 whether it spins or blocks in pause, read, write or wait.
void killstatus(const char* s) {
  for (int i = 0; i < 10; i++) {
    int pid = xfork(s);
    if (pid == 0)
      for (;;) {
      }
    pause(i % 3);
    kill_and_reap(s, pid, "spinning");
  }

  int ready[2], block[2];
  CHECK(pipe(ready) == 0 && pipe(block) == 0);

  int pid = xfork(s);
  if (pid == 0) {
    write(ready[1], "r", 1);
    pause(1000);
    exit(0);
  }
  await_ready(s, ready[0]);
  pause(2);
  int t0 = uptime();
  kill_and_reap(s, pid, "pausing");
  CHECKF(uptime() - t0 < 100, "kill did not wake a pausing child promptly");

  pid = xfork(s);
  if (pid == 0) {
    write(ready[1], "r", 1);
    read(block[0], buf, 1); // nothing is ever written
    exit(0);
  }
  await_ready(s, ready[0]);
  pause(2);
  kill_and_reap(s, pid, "reading a pipe");

  pid = xfork(s);
  if (pid == 0) {
    write(ready[1], "r", 1);
    for (;;)
      write(block[1], buf, kBufSize); // nobody reads
  }
  await_ready(s, ready[0]);
  pause(2);
  kill_and_reap(s, pid, "writing a full pipe");

  pid = xfork(s);
  if (pid == 0) {
    int grandchild = fork();
    if (grandchild == 0) {
      pause(5);
      exit(0);
    }
    write(ready[1], &grandchild, sizeof grandchild);
    wait(nullptr);
    exit(0);
  }
  int grandchild = 0;
  CHECK(read(ready[0], &grandchild, sizeof grandchild) == sizeof grandchild);
  CHECK(grandchild > 0);
  pause(1);
  kill_and_reap(s, pid, "waiting");
  CHECKF(wait_gone(grandchild), "orphaned grandchild %d never went away", grandchild);
}

// kill(getpid()) kills the caller; kill of a pid that does not exist fails.
void killself(const char* s) {
  int st = run_child(s, [] {
    kill(getpid());
    for (int i = 0; i < 100; i++)
      getpid();
    exit(0);
  });
  CHECKF(st == -1, "self-killed child exited with %d", st);
  int pid = xfork(s);
  if (pid == 0)
    exit(0);
  CHECK(xwait(s, pid) == 0);
  CHECKF(kill(pid) == -1, "kill of reaped pid %d succeeded", pid);
  CHECK(kill(0x7fffffff) == -1);
  CHECK(kill(-1) == -1);
}

// Orphans are re-parented to init and reaped, so they never fill the process table.
void orphans(const char* s) {
  for (int i = 0; i < 2 * NPROC; i++) {
    int pid = xfork(s);
    if (pid == 0) {
      for (int tries = 0; tries < 50; tries++) {
        int g = fork();
        if (g == 0)
          exit(0);
        if (g > 0)
          exit(0);
        pause(1);
      }
      exit(1);
    }
    CHECKF(xwait(s, pid) == 0, "round %d: no process slot (orphans not reaped?)", i);
  }
  int g = make_orphan(s);
  CHECK(wait(nullptr) == -1); // the grandchild is not ours
  CHECKF(wait_gone(g), "orphan %d never went away", g);
}

// pause(n) sleeps at least n ticks as counted by uptime.
void sleeptime(const char* s) {
  int t0 = uptime();
  CHECK(t0 >= 0);
  CHECK(pause(0) == 0);
  CHECK(pause(10) == 0);
  int t1 = uptime();
  CHECKF(t1 - t0 >= 10 && t1 - t0 < 1000, "pause(10) took %d ticks", t1 - t0);
  CHECK(sleep(1) == 0);
  CHECK(uptime() > t1);
}
