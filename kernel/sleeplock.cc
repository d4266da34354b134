// Sleep locks: a spinlock-protected flag; waiters sleep on the lock's address.
#include "kernel/sleeplock.h"

#include "kernel/proc.h"

void Sleeplock::acquire() NO_THREAD_SAFETY_ANALYSIS {
  SpinGuard guard(lk_);
  while (locked_) sleep(this, lk_);
  locked_ = true;
  pid_ = myproc()->pid;
}

void Sleeplock::release() NO_THREAD_SAFETY_ANALYSIS {
  SpinGuard guard(lk_);
  locked_ = false;
  pid_ = 0;
  wakeup(this);
}

bool Sleeplock::holding() {
  SpinGuard guard(lk_);
  Proc* p = myproc();
  return locked_ && p != nullptr && pid_ == p->pid;
}
