// The figures and verdicts of the in-OS check programs (lazytest, cowtest): each check runs in a
// child, prints its figures indented, one line each, and marks a mismatch "<-- FAILED".
#pragma once

#include "kernel/types.h"
#include "kernel/memstat.h"
#include "user/runner.h"
#include "user/user.h"

inline int failures; // checks failed in the current test process

// The memstat figures of pid (0: the caller). Failing to get them ends the test.
inline struct memstat stat_of(int pid) {
  struct memstat ms;
  if (memstat(pid, &ms) < 0) {
    printf("  memstat(%d) failed\n", pid);
    exit(1);
  }
  return ms;
}

// The caller's figures.
inline struct memstat self_stat() {
  return stat_of(0);
}

// Ends the test process: a step the rest of the test depends on did not work.
[[noreturn]] inline void die(const char* what) {
  printf("  FAILED: %s\n", what);
  exit(1);
}

// Prints one figure and whether it is the expected one; a mismatch fails the test.
inline void expect(const char* what, long got, long want) {
  if (got == want) {
    printf("  %s: %ld\n", what, got);
  } else {
    printf("  %s: %ld, expected %ld  <-- FAILED\n", what, got, want);
    failures++;
  }
}

// One check: its name and the function that runs it.
struct Test {
  const char* name;
  void (*fn)();
};

// Runs t in a child process (failures counted afresh there), between the lines "test NAME: start"
// and "test NAME: OK" or "test NAME: FAILED"; true if it passed (the child exited 0).
inline bool run_test(const Test& t) {
  printf("test %s: start\n", t.name);
  int status = -1;
  int pid = fork_settled(&status);
  if (pid < 0) {
    printf("test %s: FAILED (fork)\n", t.name);
    return false;
  }
  if (pid == 0) {
    failures = 0;
    t.fn();
    exit(failures == 0 ? 0 : 1);
  }
  wait(&status);
  printf("test %s: %s\n", t.name, status == 0 ? "OK" : "FAILED");
  return status == 0;
}

// A condition without a figure.
inline void expect_true(const char* what, bool ok) {
  if (!ok) {
    printf("  %s  <-- FAILED\n", what);
    failures++;
  }
}
