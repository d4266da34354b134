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

// sbrk(n) with type 0 follows the build's default policy.
#ifdef LAZYV6_SBRK_DEFAULT_EAGER
constexpr bool kSbrkDefaultEager = true;
#else
constexpr bool kSbrkDefaultEager = false;
#endif

uint64 result_of(Result<int> r) { return r.ok() ? static_cast<uint64>(r.value()) : kSyscallError; }

}  // namespace

uint64 sys_fork() { return result_of(fork()); }

uint64 sys_exit() { exit(argint(0)); }

uint64 sys_wait() { return result_of(wait(argaddr(0))); }

uint64 sys_kill() { return kill(argint(0)).ok() ? 0 : kSyscallError; }

uint64 sys_getpid() { return static_cast<uint64>(myproc()->pid); }

// sbrk(n, type). Growing lazily only moves sz (after the overflow and heap-limit checks); growing
// eagerly maps zeroed pages or fails leaving nothing. Shrinking frees every mapped page above the new
// break at once; the break may not go below heap_base (the end of the stack, set by exec).
uint64 sys_sbrk() {
  int n = argint(0);
  int type = argint(1);
  bool eager;
  switch (type) {
    case 0: eager = kSbrkDefaultEager; break;
    case SBRK_EAGER: eager = true; break;
    case SBRK_LAZY: eager = false; break;
    default: return kSyscallError;
  }
  Proc* p = myproc();
  uint64 old = p->sz;
  if (n > 0 && !eager) {
    uint64 newsz = old + static_cast<uint64>(n);
    if (newsz < old || newsz > kHeapLimit) return kSyscallError;
    p->sz = newsz;
    return old;
  }
  if (!growproc(n).ok()) return kSyscallError;
  return old;
}

uint64 sys_pause() {
  int n = argint(0);
  if (n < 0) n = 0;
  SpinGuard guard(tickslock);
  uint ticks0 = ticks;
  while (ticks - ticks0 < static_cast<uint>(n)) {
    if (killed(myproc())) return kSyscallError;
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
  if (p == nullptr) return kSyscallError;
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
  if (!copyout(myproc()->pagetable, VirtAddr(addr), &st, sizeof(st)).ok()) return kSyscallError;
  return 0;
}
