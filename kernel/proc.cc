// Processes: the table, per-hart schedulers, sleep/wakeup, fork/exit/wait/kill.
#include "kernel/proc.h"

#include "kernel/arch.h"
#include "kernel/exec.h"
#include "kernel/file.h"
#include "kernel/inode.h"
#include "kernel/kalloc.h"
#include "kernel/kstring.h"
#include "kernel/log.h"
#include "kernel/memlayout.h"
#include "kernel/printf.h"
#include "kernel/trap.h"
#include "kernel/vm.h"

extern char trampoline[]; // trampoline.S
extern "C" void swtch(Context* old, Context* next);
extern "C" void usertrap();

constinit Proc proc[NPROC];

namespace {

constinit Proc* initproc = nullptr;

constinit Spinlock pid_lock("nextpid");
constinit int nextpid GUARDED_BY(pid_lock) = 1;

// Guards every p->parent, and makes a parent's wait() and a child's exit() (which wakes it) atomic
// with respect to each other. Acquired before any p->lock.
constinit Spinlock wait_lock("wait_lock");

int allocpid() {
  SpinGuard guard(pid_lock);
  return nextpid++;
}

const char* state_name(ProcState s) {
  switch (s) {
  case ProcState::Unused:
    return "unused";
  case ProcState::Used:
    return "used";
  case ProcState::Sleeping:
    return "sleep ";
  case ProcState::Runnable:
    return "runble";
  case ProcState::Running:
    return "run   ";
  case ProcState::Zombie:
    return "zombie";
  }
  return "???";
}

// Frees everything p holds and returns it to Unused. p->lock held.
void freeproc(Proc* p) REQUIRES(p->lock) {
  if (p->trapframe != nullptr)
    kfree(p->trapframe);
  p->trapframe = nullptr;
  if (p->pagetable != nullptr)
    proc_freepagetable(p->pagetable, p->sz, p->vm);
  p->pagetable = nullptr;
  p->last_cpu = nullptr;
  p->sz = 0;
  p->vm = VmStats{};
  p->pid = 0;
  p->parent = nullptr;
  p->name[0] = 0;
  p->chan = nullptr;
  __atomic_store_n(&p->killed_flag, 0, __ATOMIC_RELAXED);
  p->xstate = 0;
  p->state = ProcState::Unused;
}

void forkret();

// Finds an Unused slot and gives it a pid, a trap frame, an empty user page table and a context
// that starts in forkret. Returns it with p->lock held, or nullptr (nothing left allocated).
Proc* allocproc() NO_THREAD_SAFETY_ANALYSIS {
  for (Proc& slot : proc) {
    Proc* p = &slot;
    p->lock.acquire();
    if (p->state != ProcState::Unused) {
      p->lock.release();
      continue;
    }
    p->pid = allocpid();
    p->state = ProcState::Used;
    p->vm = VmStats{};
    p->trapframe = static_cast<TrapFrame*>(kzalloc());
    if (p->trapframe == nullptr) {
      freeproc(p);
      p->lock.release();
      return nullptr;
    }
    p->pagetable = proc_pagetable(p, p->vm);
    if (p->pagetable == nullptr) {
      freeproc(p);
      p->lock.release();
      return nullptr;
    }
    // What uservec needs to enter the kernel; constant for the life of the process.
    if constexpr (kIsolatedTraps)
      p->trapframe->kernel_satp = arch::make_satp(kernel_pagetable);
    p->trapframe->kernel_sp = p->kstack + kPageSize;
    p->trapframe->kernel_trap = reinterpret_cast<uint64>(&usertrap);
    p->context = Context{};
    p->context.ra = reinterpret_cast<uint64>(&forkret);
    p->context.sp = p->kstack + kPageSize;
    return p;
  }
  return nullptr;
}

// Switches to this hart's scheduler. The caller holds exactly p->lock and has changed p->state.
void sched() NO_THREAD_SAFETY_ANALYSIS {
  Proc* p = myproc();
  Cpu* c = mycpu();
  if (!p->lock.holding())
    panic("sched: p->lock not held");
  if (c->noff != 1)
    panic("sched: locks held");
  if (p->state == ProcState::Running)
    panic("sched: running");
  if (arch::intr_get())
    panic("sched: interruptible");
  int intena = c->intena; // a property of this kernel thread, not of the hart
  swtch(&p->context, &c->context);
  mycpu()->intena = intena;
}

// A process's first scheduling comes here (from swtch in the scheduler), still holding p->lock.
// The very first process finishes booting: mounts the file system, sets its cwd and execs /init.
void forkret() NO_THREAD_SAFETY_ANALYSIS {
  static constinit bool first = true;
  Proc* p = myproc();
  p->lock.release();
  if (first) {
    first = false;
    // fsinit sleeps on disk I/O, so it needs this process context.
    fsinit(ROOTDEV);
    __sync_synchronize();
    begin_op();
    p->cwd = namei("/");
    end_op();
    if (p->cwd == nullptr)
      panic("forkret: no root directory");
    const char* argv[] = {"/init", nullptr};
    Result<int> r = exec("/init", argv);
    if (!r.ok())
      panic("forkret: exec /init failed");
    p->trapframe->a0 = static_cast<uint64>(r.value());
  }
  usertrapret();
}

// Gives p's children to init, and wakes init in case one of them is a zombie. wait_lock held.
void reparent(Proc* p) REQUIRES(wait_lock) {
  for (Proc& pp : proc) {
    if (pp.parent == p) {
      pp.parent = initproc;
      wakeup(initproc);
    }
  }
}

} // namespace

void procinit() {
  for (int i = 0; i < NPROC; i++)
    proc[i].kstack = KSTACK(i); // mapped by kvmmake
}

PageTable proc_pagetable(Proc* p, VmStats& stats) {
  PageTable pt = uvmcreate(stats);
  if (pt == nullptr || !kIsolatedTraps)
    return pt;
  // Isolated model: the trampoline (kernel-only, R-X) at the top, for the user <-> kernel switch.
  if (!mappages(pt, VirtAddr(TRAMPOLINE), kPageSize, PhysAddr::from_ptr(trampoline),
                PteFlag::R | PteFlag::X, &stats)
           .ok()) {
    uvmfree(pt, 0, stats);
    return nullptr;
  }
  // The trap frame just below it (kernel-only, R-W).
  if (!mappages(pt, VirtAddr(TRAPFRAME), kPageSize, PhysAddr::from_ptr(p->trapframe),
                PteFlag::R | PteFlag::W, &stats)
           .ok()) {
    uvmunmap(pt, VirtAddr(TRAMPOLINE), 1, Free::No, stats);
    uvmfree(pt, 0, stats);
    return nullptr;
  }
  return pt;
}

void proc_freepagetable(PageTable pt, uint64 sz, VmStats& stats) {
  if constexpr (kIsolatedTraps) {
    uvmunmap(pt, VirtAddr(TRAMPOLINE), 1, Free::No, stats);
    uvmunmap(pt, VirtAddr(TRAPFRAME), 1, Free::No, stats);
  }
  uvmfree(pt, sz, stats);
}

void userinit() NO_THREAD_SAFETY_ANALYSIS {
  Proc* p = allocproc();
  if (p == nullptr)
    panic("userinit: no process");
  initproc = p;
  // No user memory yet: forkret execs /init once the file system is up.
  p->sz = 0;
  safestrcpy(p->name, "init", sizeof(p->name));
  p->state = ProcState::Runnable;
  p->lock.release();
}

void scheduler() NO_THREAD_SAFETY_ANALYSIS {
  Cpu* c = mycpu();
  c->proc = nullptr;
  for (;;) {
    // Let devices interrupt (avoids deadlock if every process is waiting), then look for work with
    // interrupts off.
    arch::intr_on();
    arch::intr_off();
    bool found = false;
    for (Proc& slot : proc) {
      Proc* p = &slot;
      p->lock.acquire();
      if (p->state == ProcState::Runnable) {
        p->state = ProcState::Running;
        c->proc = p;
        // Shared trap model: the only satp write, and none when p's table is still there. If p
        // ran on another hart since it left this one, it may have unmapped pages there.
        switchuvm(p->pagetable, p->last_cpu != c);
        p->last_cpu = c;
        swtch(&c->context, &p->context);
        // The process is done for now; it changed its state before coming back.
        c->proc = nullptr;
        found = true;
      }
      p->lock.release();
    }
    if (!found) {
      // Wait with interrupts still off: wfi wakes for a pending interrupt even then, and the
      // intr_on() above takes it. Enabling them first would take one that arrived during the scan
      // and then sleep through the wakeup it made until the next timer tick (0.1 s). The hart
      // keeps a live process's table in satp: if the process comes back here, nothing is flushed.
      leave_retired();
      asm volatile("wfi");
    }
  }
}

void yield() NO_THREAD_SAFETY_ANALYSIS {
  Proc* p = myproc();
  p->lock.acquire();
  p->state = ProcState::Runnable;
  sched();
  p->lock.release();
}

void sleep(void* chan, Spinlock& lk) NO_THREAD_SAFETY_ANALYSIS {
  Proc* p = myproc();
  // Holding p->lock while releasing lk means no wakeup(chan) can be missed: wakeup needs p->lock.
  p->lock.acquire();
  lk.release();
  p->chan = chan;
  p->state = ProcState::Sleeping;
  sched();
  p->chan = nullptr;
  p->lock.release();
  lk.acquire();
}

void wakeup(void* chan) {
  Proc* me = myproc();
  for (Proc& slot : proc) {
    Proc* p = &slot;
    if (p == me)
      continue;
    SpinGuard guard(p->lock);
    if (p->state == ProcState::Sleeping && p->chan == chan)
      p->state = ProcState::Runnable;
  }
}

Result<int> fork() NO_THREAD_SAFETY_ANALYSIS {
  Proc* p = myproc();
  Proc* np = allocproc();
  if (np == nullptr)
    return Error::NoSpace;

  // Copy the parent's mapped pages; untouched pages stay untouched in the child.
  if (!uvmcopy(p->pagetable, np->pagetable, p->sz, np->vm).ok()) {
    freeproc(np);
    np->lock.release();
    return Error::NoMemory;
  }
  np->sz = p->sz;

  // Same user registers, except that fork returns 0 in the child.
  const uint64 kernel_sp = np->trapframe->kernel_sp;
  *np->trapframe = *p->trapframe;
  np->trapframe->kernel_sp = kernel_sp;
  np->trapframe->a0 = 0;

  for (int i = 0; i < NOFILE; i++) {
    if (p->ofile[i] != nullptr)
      np->ofile[i] = filedup(p->ofile[i]);
  }
  np->cwd = p->cwd != nullptr ? idup(p->cwd) : nullptr;
  safestrcpy(np->name, p->name, sizeof(np->name));
  int pid = np->pid;
  np->lock.release();

  {
    SpinGuard guard(wait_lock);
    np->parent = p;
  }
  {
    SpinGuard guard(np->lock);
    np->state = ProcState::Runnable;
  }
  return pid;
}

void exit(int status) NO_THREAD_SAFETY_ANALYSIS {
  Proc* p = myproc();
  if (p == initproc)
    panic("init exiting");

  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] != nullptr) {
      File* f = p->ofile[fd];
      p->ofile[fd] = nullptr;
      fileclose(f);
    }
  }
  if (p->cwd != nullptr) {
    begin_op();
    iput(p->cwd);
    end_op();
    p->cwd = nullptr;
  }

  wait_lock.acquire();
  reparent(p);
  wakeup(p->parent); // the parent may be sleeping in wait()
  p->lock.acquire();
  p->xstate = status;
  p->state = ProcState::Zombie;
  wait_lock.release();

  sched(); // never comes back: the parent's wait() frees us
  panic("zombie exit");
}

Result<int> wait(uint64 addr) NO_THREAD_SAFETY_ANALYSIS {
  Proc* p = myproc();
  wait_lock.acquire();
  for (;;) {
    bool havekids = false;
    for (Proc& slot : proc) {
      Proc* pp = &slot;
      if (pp->parent != p)
        continue;
      pp->lock.acquire(); // make sure the child is not still in exit() or swtch()
      havekids = true;
      if (pp->state == ProcState::Zombie) {
        int pid = pp->pid;
        if (addr != 0 &&
            !copyout(p->pagetable, VirtAddr(addr), &pp->xstate, sizeof(pp->xstate)).ok()) {
          pp->lock.release();
          wait_lock.release();
          return Error::BadAddress;
        }
        freeproc(pp);
        pp->lock.release();
        wait_lock.release();
        return pid;
      }
      pp->lock.release();
    }
    if (!havekids) {
      wait_lock.release();
      return Error::NotFound;
    }
    if (killed(p)) {
      wait_lock.release();
      return Error::Killed;
    }
    sleep(p, wait_lock); // exit() of a child wakes us
  }
}

Result<void> kill(int pid) {
  for (Proc& slot : proc) {
    Proc* p = &slot;
    SpinGuard guard(p->lock);
    if (p->pid == pid && p->state != ProcState::Unused) {
      if (p == initproc)
        return Error::Invalid; // init must outlive every process it reaps
      setkilled(p);
      if (p->state == ProcState::Sleeping)
        p->state = ProcState::Runnable; // wake it to notice
      return {};
    }
  }
  return Error::NotFound;
}

Result<void> growproc(int n) {
  Proc* p = myproc();
  uint64 sz = p->sz;
  if (n > 0) {
    uint64 newsz = sz + static_cast<uint64>(n);
    if (newsz < sz || newsz > kHeapLimit)
      return Error::TooBig;
    TRY_ASSIGN(sz, uvmalloc(p->pagetable, sz, newsz, PteFlag::W, p->vm));
  } else if (n < 0) {
    uint64 dec = static_cast<uint64>(-static_cast<long>(n));
    if (dec > sz)
      return {}; // as xv6: a shrink below 0 changes nothing
    const uint64 oldsz = sz;
    sz = uvmdealloc(p->pagetable, sz, sz - dec, p->vm);
    const uint64 lo = page_round_up(sz);
    flush_tlb(VirtAddr(lo), (page_round_up(oldsz) - lo) / kPageSize);
  }
  p->sz = sz;
  return {};
}

Result<void> either_copyout(bool user_dst, uint64 dst, const void* src, uint64 len) {
  if (user_dst)
    return copyout(myproc()->pagetable, VirtAddr(dst), src, len);
  memmove(reinterpret_cast<void*>(dst), src, len);
  return {};
}

Result<void> either_copyin(void* dst, bool user_src, uint64 src, uint64 len) {
  if (user_src)
    return copyin(myproc()->pagetable, dst, VirtAddr(src), len);
  memmove(dst, reinterpret_cast<const void*>(src), len);
  return {};
}

Proc* findproc(int pid) NO_THREAD_SAFETY_ANALYSIS {
  if (pid == 0)
    return myproc();
  for (Proc& slot : proc) {
    SpinGuard guard(slot.lock);
    if (slot.pid == pid && slot.state != ProcState::Unused)
      return &slot;
  }
  return nullptr;
}

void procdump() NO_THREAD_SAFETY_ANALYSIS {
  printf("\n");
  for (Proc& p : proc) {
    if (p.state == ProcState::Unused)
      continue;
    printf("%d %s %s resident %lu pages, ptpages %lu, sz %lu, faults %lu\n", p.pid,
           state_name(p.state), p.name, p.vm.resident, p.vm.ptpages, p.sz, p.vm.faults);
  }
}
