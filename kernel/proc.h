// Processes, harts and the scheduler: the process table, sleep/wakeup, kfork/kexit/kwait/kkill.
#pragma once

#include "kernel/addr.h"
#include "kernel/cpu.h"
#include "kernel/param.h"
#include "kernel/result.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"
#include "kernel/vm.h"

struct File;
struct Inode;
struct Proc;

// The per-process page uservec saves user registers into, reached at its direct-map address (in the
// isolated trap model, also mapped kernel-only at TRAPFRAME in the user page table, where uservec
// uses it). The first five fields are set by the kernel for uservec (kernel_satp only matters in
// the isolated model); the rest hold the user registers while in the kernel.
// Layout shared with trampoline.S: offsets in the comments.
struct TrapFrame {
  uint64 kernel_satp;   //   0 kernel page table
  uint64 kernel_sp;     //   8 top of this process's kernel stack
  uint64 kernel_trap;   //  16 usertrap()
  uint64 epc;           //  24 saved user program counter
  uint64 kernel_hartid; //  32 saved kernel tp (this hart's Cpu*)
  uint64 ra;            //  40
  uint64 sp;            //  48
  uint64 gp;            //  56
  uint64 tp;            //  64
  uint64 t0;            //  72
  uint64 t1;            //  80
  uint64 t2;            //  88
  uint64 s0;            //  96
  uint64 s1;            // 104
  uint64 a0;            // 112
  uint64 a1;            // 120
  uint64 a2;            // 128
  uint64 a3;            // 136
  uint64 a4;            // 144
  uint64 a5;            // 152
  uint64 a6;            // 160
  uint64 a7;            // 168
  uint64 s2;            // 176
  uint64 s3;            // 184
  uint64 s4;            // 192
  uint64 s5;            // 200
  uint64 s6;            // 208
  uint64 s7;            // 216
  uint64 s8;            // 224
  uint64 s9;            // 232
  uint64 s10;           // 240
  uint64 s11;           // 248
  uint64 t3;            // 256
  uint64 t4;            // 264
  uint64 t5;            // 272
  uint64 t6;            // 280
};
static_assert(__builtin_offsetof(TrapFrame, kernel_satp) == 0);
static_assert(__builtin_offsetof(TrapFrame, kernel_sp) == 8);
static_assert(__builtin_offsetof(TrapFrame, kernel_trap) == 16);
static_assert(__builtin_offsetof(TrapFrame, epc) == 24);
static_assert(__builtin_offsetof(TrapFrame, kernel_hartid) == 32);
static_assert(__builtin_offsetof(TrapFrame, ra) == 40);
static_assert(__builtin_offsetof(TrapFrame, a0) == 112);
static_assert(__builtin_offsetof(TrapFrame, a7) == 168);
static_assert(__builtin_offsetof(TrapFrame, s2) == 176);
static_assert(__builtin_offsetof(TrapFrame, t3) == 256);
static_assert(__builtin_offsetof(TrapFrame, t6) == 280);
static_assert(sizeof(TrapFrame) == 288);

enum class ProcState : uint8 { Unused, Used, Sleeping, Runnable, Running, Zombie };

// Guards every Proc::parent, and makes a parent's kwait() and a child's kexit() (which wakes it)
// atomic with respect to each other. Acquired before any p->lock.
extern Spinlock wait_lock;

// One process. Life cycle: Unused -> Used (allocproc) -> Runnable -> Running <-> Sleeping/Runnable
// -> Zombie (kexit) -> Unused (kwait, freeproc).
// Locking: `lock` guards state, chan and xstate, and pid's one write. `parent` is guarded by the
// global wait_lock. `killed` is an atomic flag (killed()/setkilled()). Everything else is private:
// to the creator while Used (nothing else looks at a Used process's fields), to the process itself
// while it runs, to its reaper (holding `lock`) once it is a Zombie.
struct Proc {
  Spinlock lock{"proc"};

  ProcState state GUARDED_BY(lock) = ProcState::Unused;
  void* chan GUARDED_BY(lock) = nullptr; // sleeping on chan, if non-null
  int xstate GUARDED_BY(lock) = 0;       // exit status, for the parent's wait
  int pid = 0;                           // written under lock in allocproc, then constant
  int killed_flag = 0;                   // non-zero once killed; read/written atomically

  Proc* parent GUARDED_BY(wait_lock) = nullptr;

  // Private to the process.
  uint64 kstack = 0;              // virtual address of the bottom of its kernel stack
  uint64 sz = 0;                  // declared user memory [0, sz); pages in it may be untouched
  PageTable pagetable = nullptr;  // user page table
  Cpu* last_cpu = nullptr;        // the hart that last ran it (scheduler, under lock)
  TrapFrame* trapframe = nullptr; // data page for trampoline.S (kernel address)
  Context context{};              // swtch() here to run the process
  VmStats vm{};                   // resident pages, page-table pages, faults (vm.h)
  File* ofile[NOFILE] = {};       // open files
  Inode* cwd = nullptr;           // current directory
  ExecImage image{};              // the executable its text and data load from (referenced)
  bool exec_eager = false;        // its execs read every page up front (execload; fork copies it)
  int sleeplocks = 0;             // sleeplocks it holds (a file-page load must not wait then)
  char name[16] = {};             // process name, for debugging

  // Its user memory, as the copy functions take it (copyin/copyout act for this process).
  UserMem mem() { return UserMem{pagetable, sz, &vm, &image}; }
};

extern Proc proc[NPROC];

// The process running on this hart, or nullptr. Safe with interrupts on: a single load through tp
// cannot be split by a timer interrupt that moves this thread to another hart.
inline Proc* myproc() {
  Proc* p;
  asm volatile("ld %0, 0(tp)" : "=r"(p)::"memory");
  return p;
}

// Gives every process slot its kernel stack. Hart 0, once.
void procinit();
// Creates init, the first process; its forkret execs /init.
void userinit();
// Per-hart scheduler loop; never returns.
[[noreturn]] void scheduler();
// Gives up the CPU for one scheduling round.
void yield();
// Atomically releases lk and sleeps on chan; reacquires lk when woken.
void sleep(void* chan, Spinlock& lk) REQUIRES(lk);
// Wakes every other process sleeping on chan. Must not be called with any p->lock held.
void wakeup(void* chan);
// xv6's fork: creates a child copying the caller; returns the child's pid.
Result<int> kfork(ForkCopy how = ForkCopy::Cow) EXCLUDES(wait_lock);
// xv6's exit: ends the calling process with `status`; never returns.
[[noreturn]] void kexit(int status) EXCLUDES(wait_lock);
// xv6's wait: reaps an exited child, its status copied to user `addr`; returns its pid.
Result<int> kwait(uint64 addr) EXCLUDES(wait_lock);
// xv6's kill: marks process `pid` killed.
Result<void> kkill(int pid);
// Whether p has been killed (atomic read, no lock needed).
inline bool killed(Proc* p) {
  return __atomic_load_n(&p->killed_flag, __ATOMIC_ACQUIRE) != 0;
}
// Marks p killed (atomic write, no lock needed).
inline void setkilled(Proc* p) {
  __atomic_store_n(&p->killed_flag, 1, __ATOMIC_RELEASE);
}
// Grows or shrinks the current process's memory by n bytes, eagerly.
Result<void> growproc(int n);
// Copies to a user address (if user_dst, in the current process) or a kernel address.
Result<void> either_copyout(bool user_dst, uint64 dst, const void* src, uint64 len);
// Copies from a user address (if user_src, in the current process) or a kernel address.
Result<void> either_copyin(void* dst, bool user_src, uint64 src, uint64 len);
// Prints every process on the console, for Ctrl-P; takes no locks.
void procdump();
// Finds a process by pid (0 = the caller); nullptr if none.
Proc* findproc(int pid);
// A fresh user page table for p (charged to stats), or nullptr.
PageTable proc_pagetable(Proc* p, VmStats& stats);
// Frees a page table built by proc_pagetable and the user memory [0, sz) in it.
void proc_freepagetable(PageTable pt, uint64 sz, VmStats& stats);
