/*
 * System call stubs: one small function per call in user/user.h.
 *
 * The RISC-V convention lazyv6 shares with xv6: the system call number goes in a7, up to six
 * arguments in a0..a5, `ecall` traps into the kernel, and the result comes back in a0. The
 * arguments are already in a0..a5 when the stub is called, so the stub only loads a7.
 *
 * This is the one place that pairs a function name with its number (SYS_* from kernel/syscall.h).
 * Each stub sits in its own section so --gc-sections drops the ones a program does not use.
 */
#include "kernel/syscall.h"

#define SYSCALL(fn, number)              \
    .section .text.fn, "ax", @progbits;  \
    .globl fn;                           \
    .type fn, @function;                 \
    .p2align 1;                          \
fn:                                      \
    li a7, number;                       \
    ecall;                               \
    ret;                                 \
    .size fn, . - fn

SYSCALL(fork, SYS_fork)
SYSCALL(exit, SYS_exit)
SYSCALL(wait, SYS_wait)
SYSCALL(pipe, SYS_pipe)
SYSCALL(read, SYS_read)
SYSCALL(kill, SYS_kill)
SYSCALL(exec, SYS_exec)
SYSCALL(fstat, SYS_fstat)
SYSCALL(chdir, SYS_chdir)
SYSCALL(dup, SYS_dup)
SYSCALL(getpid, SYS_getpid)
SYSCALL(sys_sbrk, SYS_sbrk)     /* sys_sbrk(n, type): two arguments */
SYSCALL(pause, SYS_pause)
SYSCALL(uptime, SYS_uptime)
SYSCALL(open, SYS_open)
SYSCALL(write, SYS_write)
SYSCALL(mknod, SYS_mknod)
SYSCALL(unlink, SYS_unlink)
SYSCALL(link, SYS_link)
SYSCALL(mkdir, SYS_mkdir)
SYSCALL(close, SYS_close)
/* lazyv6 extensions */
SYSCALL(pgpte, SYS_pgpte)
SYSCALL(kpgtbl, SYS_kpgtbl)
SYSCALL(memstat, SYS_memstat)
SYSCALL(forkcopy, SYS_forkcopy)
SYSCALL(execload, SYS_execload)
