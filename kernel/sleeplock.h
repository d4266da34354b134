// Sleeping locks: long-term locks (inodes, disk buffers) whose holders may sleep while holding
// them.
#pragma once

#include "kernel/spinlock.h"

// A lock that yields the CPU while waiting. Must not be acquired with a spinlock held or from an
// interrupt handler. Prefer SleepGuard to bare calls.
class CAPABILITY("sleeplock") Sleeplock {
public:
  constexpr explicit Sleeplock(const char* name) : lk_("sleep lock"), name_(name) {}
  Sleeplock(const Sleeplock&) = delete;
  Sleeplock& operator=(const Sleeplock&) = delete;

  // Sleeps until the lock is free, then takes it for the current process.
  void acquire() ACQUIRE();
  // Releases the lock and wakes waiters.
  void release() RELEASE();
  // True if the current process holds the lock.
  [[nodiscard]] bool holding();
  // For code that touches the fields this lock guards while nobody can hold or wait for it (the
  // object has no reference but the caller's): panics if the lock is taken, and lets the
  // thread-safety analysis accept those accesses as if the caller held it.
  void assert_unused() ASSERT_CAPABILITY(this);
  [[nodiscard]] const char* name() const { return name_; }

private:
  Spinlock lk_; // protects this sleep lock's fields
  bool locked_ GUARDED_BY(lk_) = false;
  int pid_ GUARDED_BY(lk_) = 0;     // process holding the lock
  int waiters_ GUARDED_BY(lk_) = 0; // processes sleeping in acquire(): release() wakes only if any
  const char* name_;
};

// Holds a Sleeplock for the lifetime of the guard.
using SleepGuard = LockGuard<Sleeplock>;
