// Sleep locks: a spinlock-protected flag; waiters sleep on the lock's address.
#include "kernel/sleeplock.h"

#include "kernel/printf.h"
#include "kernel/proc.h"

// Sleeps on this lock's address until it is free, then takes it for the current process (and
// counts it in Proc::sleeplocks). Takes and releases lk_; must not be called with a spinlock held.
void Sleeplock::acquire() {
  SpinGuard guard(lk_);
  while (locked_) {
    waiters_++;
    sleep(this, lk_);
    waiters_--;
  }
  locked_ = true;
  Proc* p = myproc();
  pid_ = p->pid;
  p->sleeplocks++;
}

// Frees the lock, uncounts it, and wakes every process sleeping in acquire(), if there is one
// (wakeup() visits every process slot: most releases have no waiter). Takes and releases lk_.
void Sleeplock::release() {
  SpinGuard guard(lk_);
  locked_ = false;
  pid_ = 0;
  myproc()->sleeplocks--;
  if (waiters_ > 0)
    wakeup(this);
}

// True if the current process holds the lock. Takes and releases lk_.
bool Sleeplock::holding() {
  SpinGuard guard(lk_);
  Proc* p = myproc();
  return locked_ && p != nullptr && pid_ == p->pid;
}

// Panics if anyone holds the lock. Takes and releases lk_.
void Sleeplock::assert_unused() {
  SpinGuard guard(lk_);
  if (locked_)
    panic("sleeplock %s: in use where nobody may hold it", name_);
}
