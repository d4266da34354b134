// Traps: system calls, exceptions and interrupts from user and kernel mode, and the timer.
#pragma once

#include "kernel/spinlock.h"
#include "kernel/types.h"

// Timer ticks since boot (hart 0 counts them); sleepers on &ticks are woken every tick.
extern Spinlock tickslock;
extern uint ticks GUARDED_BY(tickslock);

// Hart 0, once.
void trapinit();
// Every hart: point stvec at kernelvec.
void trapinithart();
// Returns to user mode in the current process (from usertrap or forkret). Does not return.
[[noreturn]] void usertrapret();
