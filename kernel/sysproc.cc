// Process and memory system calls.
#include "kernel/sysproc.h"

#include "kernel/arch.h"
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

uint64 result_of(Result<int> r) {
  return r.ok() ? static_cast<uint64>(r.value()) : kSyscallError;
}

} // namespace

uint64 sys_fork() {
  return result_of(fork());
}

uint64 sys_exit() {
  exit(argint(0));
}

uint64 sys_wait() {
  return result_of(wait(argaddr(0)));
}

uint64 sys_kill() {
  return kill(argint(0)).ok() ? 0 : kSyscallError;
}

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

uint64 sys_kpgtbl() {
  vmprint(myproc()->pagetable);
  return 0;
}

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
  st.fault_ns = p->vm.fault_ns;
  st.free_pages = kfree_pages();
  st.total_pages = ktotal_pages();
  st.total_faults = vm_total_faults();
  st.sbrk_eager = kSbrkDefaultEager ? 1 : 0;
  Proc* me = myproc();
  if (!copyout(UserMem{me->pagetable, me->sz, &me->vm}, VirtAddr(addr), &st, sizeof(st)).ok())
    return kSyscallError;
  return 0;
}
