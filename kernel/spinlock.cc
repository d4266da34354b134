// Spinlocks (amoswap acquire / release store) and the nesting interrupt-disable push_off/pop_off.
// acquire/release sit on every hot path (kalloc in a lazy fault, wakeup, ...), so their bookkeeping
// is inlined here rather than calling push_off/pop_off.
#include "kernel/spinlock.h"

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/printf.h"

namespace {

inline Cpu* push_off_inline() {
  bool old = arch::intr_save_off();
  Cpu* c = mycpu();
  if (c->noff == 0)
    c->intena = old;
  c->noff++;
  return c;
}

inline void pop_off_inline(Cpu* c) {
  if (c->noff < 1)
    panic("pop_off: unbalanced");
  c->noff--;
  if (c->noff == 0 && c->intena)
    arch::intr_on();
}

} // namespace

void Spinlock::acquire() NO_THREAD_SAFETY_ANALYSIS {
  Cpu* c = push_off_inline(); // an interrupt handler on this hart must not spin on this lock
  if (locked_ != 0 && cpu_ == c)
    panic("acquire: %s already held", name_);
  while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
  cpu_ = c;
}

bool Spinlock::acquire_within(uint64 timer_ticks) NO_THREAD_SAFETY_ANALYSIS {
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

void Spinlock::release() NO_THREAD_SAFETY_ANALYSIS {
  Cpu* c = mycpu();
  if (locked_ == 0 || cpu_ != c)
    panic("release: %s not held", name_);
  cpu_ = nullptr;
  __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE);
  pop_off_inline(c);
}

bool Spinlock::holding() const {
  return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0 && cpu_ == mycpu();
}

void push_off() {
  (void)push_off_inline();
}

void pop_off() {
  if (arch::intr_get())
    panic("pop_off: interruptible");
  pop_off_inline(mycpu());
}
