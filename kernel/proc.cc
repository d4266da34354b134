// Processes: the table, per-hart schedulers, sleep/wakeup, kfork/kexit/kwait/kkill.
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
constinit Spinlock wait_lock("wait_lock");

namespace {

constinit Proc* initproc = nullptr;

constinit Spinlock pid_lock("nextpid");
constinit int nextpid GUARDED_BY(pid_lock) = 1;

// Returns a fresh pid (never 0). Takes pid_lock.
int allocpid() EXCLUDES(pid_lock) {
  SpinGuard guard(pid_lock);
  return nextpid++;
}

// The six-character name procdump prints for a state.
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

// Frees everything p holds (trap frame, page table and user memory) and returns it to Unused.
// Requires p->lock; p->parent must already be nullptr (it is wait_lock's, which kwait holds).
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
  p->image = ExecImage{}; // its reference went in kexit (a failed fork never took one)
  p->exec_eager = false;
  p->pid = 0;
  p->name[0] = 0;
  p->chan = nullptr;
  __atomic_store_n(&p->killed_flag, 0, __ATOMIC_RELAXED);
  p->xstate = 0;
  p->state = ProcState::Unused;
}

void forkret();

// Finds an Unused slot, marks it Used with a fresh pid, and gives it a trap frame, an empty user
// page table and a context that starts in forkret. Returns it, or nullptr (nothing left allocated).
// Unlike xv6's, returns with p->lock released: the scheduler, wakeup and kwait skip a Used
// process (kkill, findproc and procdump only read its pid and counters), so the caller fills it
// in without the lock, then sets it Runnable under it. Takes each p->lock in turn, and pid_lock.
Proc* allocproc() EXCLUDES(pid_lock) {
  Proc* p = nullptr;
  for (Proc& slot : proc) {
    SpinGuard guard(slot.lock);
    if (slot.state == ProcState::Unused) {
      slot.pid = allocpid();
      slot.state = ProcState::Used;
      p = &slot;
      break;
    }
  }
  if (p == nullptr)
    return nullptr;
  p->vm = VmStats{};
  p->trapframe = static_cast<TrapFrame*>(kzalloc());
  if (p->trapframe != nullptr)
    p->pagetable = proc_pagetable(p, p->vm);
  if (p->pagetable == nullptr) {
    SpinGuard guard(p->lock);
    freeproc(p);
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

// Switches from p, the current process, to this hart's scheduler; returns when p is next chosen.
// Requires exactly p->lock held (the scheduler releases and retakes it: swtch hands it over) and
// p->state already changed from Running. Takes p as an argument, unlike xv6, to name its lock.
void sched(Proc* p) REQUIRES(p->lock) {
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

// A process's first scheduling comes here (from swtch in the scheduler), which hands over p->lock
// and releases it. The very first process finishes booting: mounts the file system, sets its cwd
// and execs /init. Then returns to user mode; never returns.
void forkret() {
  static constinit bool first = true;
  Proc* p = myproc();
  p->lock.assert_held(); // the scheduler took it in another kernel thread, before swtch
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
    Result<int> r = kexec("/init", argv);
    if (!r.ok())
      panic("forkret: exec /init failed");
    p->trapframe->a0 = static_cast<uint64>(r.value());
  }
  prepare_return();
  enter_user();
}

// Gives p's children to init, and wakes init in case one of them is a zombie. Requires wait_lock.
void reparent(Proc* p) REQUIRES(wait_lock) {
  for (Proc& pp : proc) {
    if (pp.parent == p) {
      pp.parent = initproc;
      wakeup(initproc);
    }
  }
}

} // namespace

// Gives every slot its kernel stack address (kvmmake maps the stacks). Hart 0, once.
void procinit() {
  for (int i = 0; i < NPROC; i++)
    proc[i].kstack = KSTACK(i); // mapped by kvmmake
}

// A fresh user page table for p, charged to stats, or nullptr if out of memory. Isolated trap
// model: with the trampoline and p's trap frame mapped kernel-only; shared: with the kernel half.
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

// Frees pt and the user memory [0, sz) in it, after unmapping (not freeing) the trampoline and the
// trap frame in the isolated model.
void proc_freepagetable(PageTable pt, uint64 sz, VmStats& stats) {
  if constexpr (kIsolatedTraps) {
    uvmunmap(pt, VirtAddr(TRAMPOLINE), 1, Free::No, stats);
    uvmunmap(pt, VirtAddr(TRAPFRAME), 1, Free::No, stats);
  }
  uvmfree(pt, sz, stats);
}

// Creates init, the first process, with no user memory: its forkret execs /init once the file
// system is up. Hart 0, once, before any scheduler runs.
void userinit() {
  Proc* p = allocproc();
  if (p == nullptr)
    panic("userinit: no process");
  initproc = p;
  p->sz = 0;
  safestrcpy(p->name, "init", sizeof(p->name));
  SpinGuard guard(p->lock);
  p->state = ProcState::Runnable;
}

// Each hart's loop: picks a Runnable process and swtch()es to it with its p->lock held (the process
// releases it, in sched()'s caller or forkret, and holds it again when it swtch()es back); idles in
// wfi when there is none. Shared trap model: the only satp write (switchuvm), skipped when the
// chosen process's table is already there. Never returns.
void scheduler() {
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

// Gives up the CPU for one scheduling round: Runnable, then back to the scheduler. Takes and
// releases the current process's lock.
void yield() {
  Proc* p = myproc();
  SpinGuard guard(p->lock);
  p->state = ProcState::Runnable;
  sched(p);
}

// Atomically releases lk and sleeps on chan; reacquires lk when woken. Requires lk (not p->lock):
// takes p->lock before releasing lk, so a wakeup(chan), which needs p->lock, cannot be missed.
void sleep(void* chan, Spinlock& lk) REQUIRES(lk) {
  Proc* p = myproc();
  {
    SpinGuard guard(p->lock);
    lk.release();
    p->chan = chan;
    p->state = ProcState::Sleeping;
    sched(p);
    p->chan = nullptr;
  }
  lk.acquire();
}

// Makes every process other than the caller sleeping on chan Runnable. Takes each p->lock in turn,
// so the caller must hold none (it may hold the lock the sleepers passed to sleep()). No
// annotation: "every other process's lock" is not an expression the analysis can name.
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

// Creates a child with the caller's memory (shared copy-on-write, or copied at once for forkcopy:
// `how`), registers, open files, cwd and executable reference; fork returns 0 in the child.
// Returns the child's pid, or NoSpace (no slot) / NoMemory. Takes wait_lock, then the child's
// lock, one at a time.
Result<int> kfork(ForkCopy how) {
  Proc* p = myproc();
  Proc* np = allocproc();
  if (np == nullptr)
    return Error::NoSpace;

  // Share the parent's mapped pages copy-on-write; untouched pages stay untouched in the child.
  if (!uvmcopy(p->pagetable, np->pagetable, p->sz, p->vm, np->vm, how).ok()) {
    SpinGuard guard(np->lock);
    freeproc(np);
    return Error::NoMemory;
  }
  np->sz = p->sz;
  // The child's untouched text and data load from the same executable.
  np->image = p->image;
  if (np->image.ip != nullptr)
    np->image.ip = idup(np->image.ip);
  np->exec_eager = p->exec_eager;

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

// Ends the current process: closes its files, drops its cwd and executable (one transaction),
// gives its children to init, wakes its parent and becomes a Zombie with `status` until the
// parent's kwait frees it. Never returns. Takes wait_lock, then p->lock, which sched() hands to
// the scheduler.
void kexit(int status) {
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
  begin_op();
  if (p->cwd != nullptr)
    iput(p->cwd);
  if (p->image.ip != nullptr)
    iput(p->image.ip);
  end_op();
  p->cwd = nullptr;
  p->image = ExecImage{};

  wait_lock.acquire();
  reparent(p);
  wakeup(p->parent); // the parent may be sleeping in kwait()
  p->lock.acquire();
  p->xstate = status;
  p->state = ProcState::Zombie;
  wait_lock.release();

  sched(p); // never comes back: the parent's kwait() frees us
  panic("zombie exit");
}

// Waits for a child to exit, copies its status to user address addr (unless 0), frees it and
// returns its pid. NotFound without children, Killed if the caller is killed while waiting,
// BadAddress if the copy fails (the child stays a zombie). Takes wait_lock, then each child's lock.
Result<int> kwait(uint64 addr) {
  Proc* p = myproc();
  SpinGuard guard(wait_lock);
  for (;;) {
    bool havekids = false;
    for (Proc& slot : proc) {
      Proc* pp = &slot;
      if (pp->parent != p)
        continue;
      SpinGuard child(pp->lock); // make sure the child is not still in kexit() or swtch()
      havekids = true;
      if (pp->state == ProcState::Zombie) {
        int pid = pp->pid;
        if (addr != 0 && !copyout(p->mem(), VirtAddr(addr), &pp->xstate, sizeof(pp->xstate)).ok())
          return Error::BadAddress;
        pp->parent = nullptr;
        freeproc(pp);
        return pid;
      }
    }
    if (!havekids)
      return Error::NotFound;
    if (killed(p))
      return Error::Killed;
    sleep(p, wait_lock); // kexit() of a child wakes us
  }
}

// Marks process pid killed and wakes it if it sleeps; it exits at its next crossing of the
// user/kernel boundary. NotFound if there is none, Invalid for init. Takes each p->lock in turn.
Result<void> kkill(int pid) {
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

// Grows the current process's memory by n bytes eagerly (to at most kHeapLimit; TooBig beyond,
// NoMemory if pages run out), or shrinks it by -n, freeing the pages and flushing the TLB. As xv6,
// a shrink may reach 0 (text and stack go too); one below 0 changes nothing and succeeds.
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

// Copies len bytes to dst: a user address in the current process if user_dst, else a kernel
// address. BadAddress if a user copy fails.
Result<void> either_copyout(bool user_dst, uint64 dst, const void* src, uint64 len) {
  if (user_dst)
    return copyout(myproc()->mem(), VirtAddr(dst), src, len);
  memmove(reinterpret_cast<void*>(dst), src, len);
  return {};
}

// Copies len bytes from src: a user address in the current process if user_src, else a kernel
// address. BadAddress if a user copy fails.
Result<void> either_copyin(void* dst, bool user_src, uint64 src, uint64 len) {
  if (user_src)
    return copyin(myproc()->mem(), dst, VirtAddr(src), len);
  memmove(dst, reinterpret_cast<const void*>(src), len);
  return {};
}

// The process with this pid (0: the caller), or nullptr. Takes each p->lock in turn; the result
// may exit at any moment after, so callers only read its counters.
Proc* findproc(int pid) {
  if (pid == 0)
    return myproc();
  for (Proc& slot : proc) {
    SpinGuard guard(slot.lock);
    if (slot.pid == pid && slot.state != ProcState::Unused)
      return &slot;
  }
  return nullptr;
}

// Prints every process (pid, state, name, memory counters; then its COW and zero-page mappings and
// faults by kind on a second line) for Ctrl-P. Takes no locks, as xv6, so
// it works on a wedged machine: state is read with a relaxed atomic load and may be stale.
void procdump() {
  printf("\n");
  for (Proc& p : proc) {
    ProcState state;
    __atomic_load(&p.state, &state, __ATOMIC_RELAXED);
    if (state == ProcState::Unused)
      continue;
    printf("%d %s %s resident %lu pages, ptpages %lu, sz %lu, faults %lu\n", p.pid,
           state_name(state), p.name, p.vm.resident, p.vm.ptpages, p.sz, p.vm.faults);
    printf("  cow %lu, zero %lu; faults lazy %lu, zero %lu, cow %lu\n", p.vm.shared,
           p.vm.zero_mapped, p.vm.faults_lazy(), p.vm.faults_zero, p.vm.faults_cow);
  }
}
