// System-call arguments of the current process: raw registers, and user memory read through the
// lazy-aware copyin/copyinstr (an untouched page below sz is faulted in, anything else is an
// error).
#pragma once

#include "kernel/proc.h"
#include "kernel/result.h"
#include "kernel/types.h"

// The n-th system-call argument (a0..a5, 0 <= n < 6) as a raw 64-bit value / an int. Never fail (as
// xv6): the callee checks the value when it uses it. Inline: every system call reads its arguments.
inline uint64 argaddr(int n) {
  static_assert(__builtin_offsetof(TrapFrame, a5) - __builtin_offsetof(TrapFrame, a0) ==
                5 * sizeof(uint64));
  const uint64* a = &myproc()->trapframe->a0; // a0..a5 are consecutive words
  return a[n];
}
inline int argint(int n) {
  return static_cast<int>(argaddr(n));
}
// Copies the user string at argument n into buf; returns its length.
Result<int> argstr(int n, char* buf, int max);
// Reads the 8 bytes of user memory at addr.
Result<uint64> fetchaddr(uint64 addr);
// Copies the user string at addr into buf; returns its length.
Result<int> fetchstr(uint64 addr, char* buf, int max);

// Runs the current process's system call (number in a7), result in a0 (syscall.cc).
void syscall();
