/* System call numbers: xv6-riscv's 1..21, lazyv6 extensions from 22 (README.md, "The user ABI").
 * Plain C. */
#ifndef LAZYV6_KERNEL_SYSCALL_H
#define LAZYV6_KERNEL_SYSCALL_H

#define SYS_fork 1
#define SYS_exit 2
#define SYS_wait 3
#define SYS_pipe 4
#define SYS_read 5
#define SYS_kill 6
#define SYS_exec 7
#define SYS_fstat 8
#define SYS_chdir 9
#define SYS_dup 10
#define SYS_getpid 11
#define SYS_sbrk 12
#define SYS_pause 13
#define SYS_uptime 14
#define SYS_open 15
#define SYS_write 16
#define SYS_mknod 17
#define SYS_unlink 18
#define SYS_link 19
#define SYS_mkdir 20
#define SYS_close 21
/* lazyv6 extensions */
#define SYS_pgpte 22
#define SYS_kpgtbl 23
#define SYS_memstat 24
#define SYS_forkcopy 25
#define SYS_execload 27 /* 26 stays invalid (sysfuzz calls it) */

/* Second argument of SYS_sbrk. */
#define SBRK_EAGER 1
#define SBRK_LAZY 2

#endif
