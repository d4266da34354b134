// Spinlocks: mutual exclusion between harts, with interrupts off on the holding hart.
#pragma once

#include "kernel/thread_annotations.h"
#include "kernel/types.h"

struct Cpu;

// A spinlock. acquire() disables interrupts on this hart (push_off) before spinning, so an
// interrupt handler can never deadlock against code on its own hart; release() restores them
// (pop_off). Constant-initialisable, so locks can be constinit globals. Prefer SpinGuard to bare
// calls.
class CAPABILITY("spinlock") Spinlock {
public:
  constexpr explicit Spinlock(const char* name) : name_(name) {}
  Spinlock(const Spinlock&) = delete;
  Spinlock& operator=(const Spinlock&) = delete;

  // Spins until this hart holds the lock. Panics if this hart already holds it.
  void acquire() ACQUIRE();
  // acquire() giving up after `timer_ticks`: for panic(), if a hart died holding the console lock.
  [[nodiscard]] bool acquire_within(uint64 timer_ticks) TRY_ACQUIRE(true);
  // Releases the lock, which this hart must hold.
  void release() RELEASE();
  // True if this hart holds the lock. Interrupts must be off.
  [[nodiscard]] bool holding() const;
  // Panics unless held; tells -Wthread-safety so. For a lock handed over through swtch.
  void assert_held() const ASSERT_CAPABILITY(this);
  [[nodiscard]] const char* name() const { return name_; }

private:
  uint32 locked_ = 0;  // 1 while held; changed only with atomic swap/store
  const char* name_;   // for debugging
  Cpu* cpu_ = nullptr; // the hart holding the lock, for holding() and panics
};

// Holds a Spinlock for the lifetime of the guard.
using SpinGuard = LockGuard<Spinlock>;

// Like intr_off(), but nesting: Spinlock::release() undoes one push_off() and turns interrupts back
// on only when undoing the outermost, and only if they were on before it.
void push_off();
