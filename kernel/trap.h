// Traps: system calls, exceptions and interrupts from user and kernel mode, and the timer.
#pragma once

#include "kernel/spinlock.h"
#include "kernel/types.h"

// Timer ticks since boot (hart 0 counts them); sleepers on &ticks are woken every tick.
extern Spinlock tickslock;
extern uint ticks GUARDED_BY(tickslock);

// Hart 0, once.
void trapinit();
// Every hart: point stvec at the trap vector (kernelvec in the isolated model, uservec in the
// shared).
void trapinithart();
// Sets up the hart and trap frame for a return to user mode in the current process; interrupts off.
void prepare_return();
// After prepare_return(): enters user mode in the current process through userret.
[[noreturn]] void enter_user();
