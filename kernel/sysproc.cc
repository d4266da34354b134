// Process and memory system calls.
#include "kernel/sysproc.h"

#include "kernel/arch.h"
#include "kernel/exec.h"
#include "kernel/kalloc.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/sysargs.h"
#include "kernel/trap.h"
#include "kernel/vm.h"

#include "kernel/memstat.h"

namespace {

// The build's default sbrk policy (--config=eager), reported by memstat so that the user library's
// sbrk(n) can follow it with an explicit type.
#ifdef LAZYV6_SBRK_DEFAULT_EAGER
constexpr bool kSbrkDefaultEager = true;
#else
constexpr bool kSbrkDefaultEager = false;
#endif

} // namespace

// fork(): the child's pid in the parent, 0 in the child, -1 on failure.
uint64 sys_fork() {
  return to_user(kfork());
}

// forkcopy(): fork, but the child gets a copy of every page at once (xv6's fork), for measuring
// what copy-on-write saves (//bench:lazy_vs_eager). As fork().
uint64 sys_forkcopy() {
  return to_user(kfork(ForkCopy::Eager));
}

// exit(status): never returns.
uint64 sys_exit() {
  kexit(argint(0));
}

// wait(int* status): a child's pid, its exit status stored at status unless null; -1 if none.
uint64 sys_wait() {
  const uint64 addr = argaddr(0);
  image_preload(addr, sizeof(int)); // kwait copies the status out under wait_lock
  return to_user(kwait(addr));
}

// kill(pid): 0, or -1 if there is no such process or it is init.
uint64 sys_kill() {
  return to_user(kkill(argint(0)));
}

// getpid(): the caller's pid.
uint64 sys_getpid() {
  return static_cast<uint64>(myproc()->pid);
}

// sbrk(n, type), as xv6: type SBRK_EAGER grows eagerly (zeroed pages mapped now, or failure leaving
// nothing); every other type grows lazily, only moving sz after the overflow and kHeapLimit checks.
// A negative n frees every mapped page above the new break at once (growproc). Returns the old
// break.
uint64 sys_sbrk() {
  int n = argint(0);
  bool eager = argint(1) == SBRK_EAGER;
  Proc* p = myproc();
  uint64 old = p->sz;
  if (n > 0 && !eager) {
    uint64 newsz = old + static_cast<uint64>(n);
    if (newsz < old || newsz > kHeapLimit)
      return kSyscallError;
    p->sz = newsz;
    return old;
  }
  if (!growproc(n).ok())
    return kSyscallError;
  return old;
}

// pause(n) (xv6's sleep): sleeps n timer ticks on &ticks; -1 if killed meanwhile. Takes
// tickslock, which sleep() releases while waiting.
uint64 sys_pause() {
  int n = argint(0);
  if (n < 0)
    n = 0;
  SpinGuard guard(tickslock);
  uint ticks0 = ticks;
  while (ticks - ticks0 < static_cast<uint>(n)) {
    if (killed(myproc()))
      return kSyscallError;
    sleep(&ticks, tickslock);
  }
  return 0;
}

// uptime(): timer ticks since boot. Takes tickslock.
uint64 sys_uptime() {
  SpinGuard guard(tickslock);
  return ticks;
}

// pgpte(va): the leaf PTE mapping va, or 0 if there is none or the page is not the user's (no
// PTE_U: the trap frame, the trampoline, the stack guard), whose PTE would disclose where kernel
// memory lies.
uint64 sys_pgpte() {
  uint64 va = argaddr(0);
  Pte* pte = walk(myproc()->pagetable, VirtAddr(va), Alloc::No);
  return (pte == nullptr || !pte->valid() || !pte->has(PteFlag::U)) ? 0 : pte->raw();
}

// kpgtbl(): prints the caller's page table on the console (vmprint); returns 0.
uint64 sys_kpgtbl() {
  vmprint(myproc()->pagetable);
  return 0;
}

// memstat(pid, st): copies process pid's (0: the caller's) memory counters and the system's
// into user struct memstat st. 0, or -1 for no such process or a bad st. The counters are read
// without locks (single-word loads) and may be a moment old.
uint64 sys_memstat() {
  int pid = argint(0);
  uint64 addr = argaddr(1);
  Proc* p = findproc(pid);
  if (p == nullptr)
    return kSyscallError;
  memstat st{};
  st.pid = p->pid;
  st.sz = p->sz;
  st.resident = p->vm.resident;
  st.ptpages = p->vm.ptpages;
  st.faults = p->vm.faults;
  st.free_pages = kfree_pages();
  st.total_pages = ktotal_pages();
  st.total_faults = vm_total_faults();
  st.shared = p->vm.shared;
  st.zero_mapped = p->vm.zero_mapped;
  st.faults_lazy = p->vm.faults_lazy();
  st.faults_zero = p->vm.faults_zero;
  st.faults_cow = p->vm.faults_cow;
  st.total_cow_faults = vm_total_cow_faults();
  st.sbrk_eager = kSbrkDefaultEager ? 1 : 0;
  st.faults_file = p->vm.faults_file;
  Proc* me = myproc();
  if (!copyout(me->mem(), VirtAddr(addr), &st, sizeof(st)).ok())
    return kSyscallError;
  return 0;
}
