// Per-hart state: struct Cpu, the cpus table, mycpu() and cpuid(). Below proc.h: spinlocks,
// kalloc's per-hart caches and the PLIC need the current hart without the process table.
#pragma once

#include "kernel/addr.h"
#include "kernel/asmdefs.h"
#include "kernel/param.h"
#include "kernel/types.h"

struct Proc;

// Callee-saved registers that swtch.S saves and restores when switching kernel threads.
// Layout shared with swtch.S through asmdefs.h's CONTEXT_*.
struct Context {
  uint64 ra;    //   0
  uint64 sp;    //   8
  uint64 s[12]; // 16: s0..s11
};
static_assert(__builtin_offsetof(Context, ra) == CONTEXT_RA);
static_assert(__builtin_offsetof(Context, sp) == CONTEXT_SP);
static_assert(__builtin_offsetof(Context, s) == CONTEXT_S(0));
static_assert(sizeof(Context) == CONTEXT_S(12), "swtch.S saves every field");

// Per-hart state. In the kernel, tp holds the address of this hart's Cpu (set by main(), saved in
// TrapFrame::kernel_hartid across user mode), so mycpu() and myproc() are one instruction each.
// A hart touches only its own Cpu.
struct Cpu {
  Proc* proc =
      nullptr;       // the process running on this hart, or nullptr. Offset 0: myproc() reads it.
  Context context{}; // swtch() here to enter the scheduler
  int noff = 0;      // depth of push_off() nesting
  int intena = 0;    // were interrupts enabled before the outermost push_off()?
  int id = 0;        // hart id
  // The table in this hart's satp (switchuvm); other harts read it atomically before freeing a
  // root.
  PageTable pagetable = nullptr;
  // Traps this hart has taken (usertrap, kerneltrap): while it stays the same, sepc and sstatus
  // hold what the last trap set.
  uint64 traps = 0;
};
static_assert(__builtin_offsetof(Cpu, proc) == 0);

extern Cpu cpus[NCPU];

// The current hart's Cpu. Interrupts must be off (or the caller must not care about migration).
inline Cpu* mycpu() {
  Cpu* c;
  asm volatile("mv %0, tp" : "=r"(c));
  return c;
}
// The current hart's id. Interrupts must be off, or the caller must not care about migration.
inline int cpuid() {
  return mycpu()->id;
}
