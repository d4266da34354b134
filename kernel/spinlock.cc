// Spinlocks (amoswap acquire / release store) and the nesting interrupt-disable push_off.
// acquire/release sit on every hot path (kalloc in a lazy fault, wakeup, ...), so their interrupt
// bookkeeping is inlined here.
#include "kernel/spinlock.h"

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/printf.h"

namespace {

// Interrupts off, nesting counted in this hart's Cpu, which it returns. Inline for acquire's hot
// path; push_off() is the same for callers outside this file.
inline Cpu* push_off_inline() {
  bool old = arch::intr_save_off();
  Cpu* c = mycpu();
  if (c->noff == 0)
    c->intena = old;
  c->noff++;
  return c;
}

// Undoes one push_off on hart c (xv6's pop_off): interrupts back on when undoing the outermost, if
// they were on before it.
inline void pop_off_inline(Cpu* c) {
  if (c->noff < 1)
    panic("pop_off: unbalanced");
  c->noff--;
  if (c->noff == 0 && c->intena)
    arch::intr_on();
}

} // namespace

// Spins on an atomic swap until this hart holds the lock, interrupts off from before the first
// attempt. Panics if this hart already holds it (that would spin forever).
void Spinlock::acquire() {
  Cpu* c = push_off_inline(); // an interrupt handler on this hart must not spin on this lock
  if (locked_ != 0 && cpu_ == c)
    panic("acquire: %s already held", name_);
  while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
  cpu_ = c;
}

// acquire() that gives up after timer_ticks: true with the lock held and interrupts off, false
// with interrupts as they were.
bool Spinlock::acquire_within(uint64 timer_ticks) {
  Cpu* c = push_off_inline();
  const uint64 start = arch::r_time();
  while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
    if (arch::r_time() - start >= timer_ticks) {
      pop_off_inline(c);
      return false;
    }
  }
  cpu_ = c;
  return true;
}

// Releases the lock (a release store, so the holder's writes are visible to the next holder) and
// restores interrupts. Panics unless this hart holds it.
void Spinlock::release() {
  Cpu* c = mycpu();
  if (locked_ == 0 || cpu_ != c)
    panic("release: %s not held", name_);
  cpu_ = nullptr;
  __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE);
  pop_off_inline(c);
}

// True if this hart holds the lock. Interrupts must be off, or the answer may be for another hart.
bool Spinlock::holding() const {
  return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0 && cpu_ == mycpu();
}

// Panics unless this hart holds the lock; from here on -Wthread-safety treats it as held. For a
// lock one kernel thread took and another releases after swtch (a process's lock in forkret).
void Spinlock::assert_held() const {
  if (!holding())
    panic("assert_held: %s not held", name_);
}

// Interrupts off, nesting: see spinlock.h.
void push_off() {
  (void)push_off_inline();
}
