// System-call dispatch, and access to the arguments of the current process's system call.
#include "kernel/syscall.h"

#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/sysargs.h"
#include "kernel/sysfile.h"
#include "kernel/sysproc.h"
#include "kernel/vm.h"

namespace {

using Handler = uint64 (*)();

// Indexed by system-call number (kernel/syscall.h); xv6's 1..21 at xv6's numbers.
constexpr uint64 kNumSyscalls = SYS_execload + 1;
struct SyscallTable {
  Handler handler[kNumSyscalls];
};
// The dispatch table, built at compile time: each number's handler, nullptr for unused numbers.
constexpr SyscallTable make_table() {
  SyscallTable t{};
  t.handler[SYS_fork] = sys_fork;
  t.handler[SYS_exit] = sys_exit;
  t.handler[SYS_wait] = sys_wait;
  t.handler[SYS_pipe] = sys_pipe;
  t.handler[SYS_read] = sys_read;
  t.handler[SYS_kill] = sys_kill;
  t.handler[SYS_exec] = sys_exec;
  t.handler[SYS_fstat] = sys_fstat;
  t.handler[SYS_chdir] = sys_chdir;
  t.handler[SYS_dup] = sys_dup;
  t.handler[SYS_getpid] = sys_getpid;
  t.handler[SYS_sbrk] = sys_sbrk;
  t.handler[SYS_pause] = sys_pause;
  t.handler[SYS_uptime] = sys_uptime;
  t.handler[SYS_open] = sys_open;
  t.handler[SYS_write] = sys_write;
  t.handler[SYS_mknod] = sys_mknod;
  t.handler[SYS_unlink] = sys_unlink;
  t.handler[SYS_link] = sys_link;
  t.handler[SYS_mkdir] = sys_mkdir;
  t.handler[SYS_close] = sys_close;
  t.handler[SYS_pgpte] = sys_pgpte;
  t.handler[SYS_kpgtbl] = sys_kpgtbl;
  t.handler[SYS_memstat] = sys_memstat;
  t.handler[SYS_forkcopy] = sys_forkcopy;
  t.handler[SYS_execload] = sys_execload;
  return t;
}
constexpr SyscallTable kSyscalls = make_table();

} // namespace

// Copies the string argument n into buf (max bytes with its NUL); returns its length, or
// BadAddress / TooBig.
Result<int> argstr(int n, char* buf, int max) {
  return fetchstr(argaddr(n), buf, max);
}

// Reads the 8-byte word at user address addr in the current process, or BadAddress.
Result<uint64> fetchaddr(uint64 addr) {
  uint64 v;
  Proc* p = myproc();
  TRY(copyin(p->mem(), &v, VirtAddr(addr), sizeof(v)));
  return v;
}

// Copies the NUL-terminated string at user address addr into buf (max bytes with its NUL);
// returns its length, or BadAddress / TooBig (no NUL within max).
Result<int> fetchstr(uint64 addr, char* buf, int max) {
  Proc* p = myproc();
  TRY(copyinstr(p->mem(), buf, VirtAddr(addr), static_cast<uint64>(max)));
  int n = 0;
  while (buf[n] != 0)
    n++;
  return n;
}

// Runs the system call numbered a7 of the current process and stores its result in a0; an unknown
// number prints a line and returns -1. Called by usertrap() with interrupts on, no locks held.
void syscall() {
  Proc* p = myproc();
  TrapFrame* tf = p->trapframe;
  uint64 num = tf->a7;
  if (num < kNumSyscalls && kSyscalls.handler[num] != nullptr) {
    tf->a0 = kSyscalls.handler[num]();
  } else {
    printf("%d %s: unknown sys call %lu\n", p->pid, p->name, num);
    tf->a0 = kSyscallError;
  }
}
