// The user <-> kernel boundary. In the isolated trap model (LAZYV6_TRAP_ISOLATED, xv6's design)
// this page is mapped at TRAMPOLINE (R-X, kernel-only) in every user page table and in the
// kernel's, so these instructions keep running while satp switches between the two. In the shared
// model (default) the kernel half is in every user table: no satp write and no sfence.vma here,
// stvec points at uservec's link address, and the trap frame is used at its direct-map address.
//
// uservec: stvec points here while in user mode (isolated model) or always (shared model: the one
// trap vector, so that no trap writes stvec). Saves the user registers in the TrapFrame whose
// address waits in sscratch, loads the kernel's sp and tp (and, isolated, the kernel page table)
// from it, and jumps to usertrap(). Shared model: sscratch is 0 while the hart is in the kernel, so
// a trap that finds 0 there came from the kernel and goes on to kernelvec.
// userret(a0 = TrapFrame address as the user table maps it, a1 = user satp, isolated model only):
// called by usertrapret() to (isolated: switch to the user page table,) restore the user registers
// from the TrapFrame and sret to user mode.
//
// TrapFrame offsets: TF_* from asmdefs.h, checked against struct TrapFrame by asmdefs.cc.
// This path is measured (getpid round trip, lazy fault): keep it short.

#include "kernel/asmdefs.h"

.section trampsec, "ax"  // code: without the flags, the branch to .Lfrom_kernel does not link
.globl trampoline
.globl uservec
.globl userret
trampoline:
.balign 4
uservec:
        // sscratch holds the TrapFrame address (userret puts it there): swap it with the user's a0.
        csrrw   a0, sscratch, a0
#if !LAZYV6_TRAP_ISOLATED
        beqz    a0, .Lfrom_kernel
#endif

        sd      ra, TF_RA(a0)
        sd      sp, TF_SP(a0)
        sd      gp, TF_GP(a0)
        sd      tp, TF_TP(a0)
        sd      t0, TF_T0(a0)
        sd      t1, TF_T1(a0)
        sd      t2, TF_T2(a0)
        sd      s0, TF_S0(a0)
        sd      s1, TF_S1(a0)
        sd      a1, TF_A1(a0)
        sd      a2, TF_A2(a0)
        sd      a3, TF_A3(a0)
        sd      a4, TF_A4(a0)
        sd      a5, TF_A5(a0)
        sd      a6, TF_A6(a0)
        sd      a7, TF_A7(a0)
        sd      s2, TF_S2(a0)
        sd      s3, TF_S3(a0)
        sd      s4, TF_S4(a0)
        sd      s5, TF_S5(a0)
        sd      s6, TF_S6(a0)
        sd      s7, TF_S7(a0)
        sd      s8, TF_S8(a0)
        sd      s9, TF_S9(a0)
        sd      s10, TF_S10(a0)
        sd      s11, TF_S11(a0)
        sd      t3, TF_T3(a0)
        sd      t4, TF_T4(a0)
        sd      t5, TF_T5(a0)
        sd      t6, TF_T6(a0)
#if LAZYV6_TRAP_ISOLATED
        csrr    t0, sscratch
#else
        csrrw   t0, sscratch, zero  // the user's a0; 0 marks the hart as in the kernel
#endif
        sd      t0, TF_A0(a0)

        ld      sp, TF_KERNEL_SP(a0)
        ld      tp, TF_KERNEL_HARTID(a0)  // this hart's Cpu*
        ld      t0, TF_KERNEL_TRAP(a0)  // usertrap
#if LAZYV6_TRAP_ISOLATED
        ld      t1, TF_KERNEL_SATP(a0)

        sfence.vma zero, zero  // user-mode memory accesses finish under the user table
        csrw    satp, t1
        sfence.vma zero, zero
#endif
        jr      t0  // usertrap() does not return

#if !LAZYV6_TRAP_ISOLATED
.Lfrom_kernel:
        csrrw   a0, sscratch, a0  // the kernel's a0 back, and sscratch 0 again
        j       kernelvec
#endif

userret:
#if LAZYV6_TRAP_ISOLATED
        sfence.vma zero, zero  // the kernel's page-table writes are visible to the walker
        csrw    satp, a1
        sfence.vma zero, zero
#endif

        csrw    sscratch, a0    // for the next uservec (shared model: marks user mode)
        ld      ra, TF_RA(a0)
        ld      sp, TF_SP(a0)
        ld      gp, TF_GP(a0)
        ld      tp, TF_TP(a0)
        ld      t0, TF_T0(a0)
        ld      t1, TF_T1(a0)
        ld      t2, TF_T2(a0)
        ld      s0, TF_S0(a0)
        ld      s1, TF_S1(a0)
        ld      a1, TF_A1(a0)
        ld      a2, TF_A2(a0)
        ld      a3, TF_A3(a0)
        ld      a4, TF_A4(a0)
        ld      a5, TF_A5(a0)
        ld      a6, TF_A6(a0)
        ld      a7, TF_A7(a0)
        ld      s2, TF_S2(a0)
        ld      s3, TF_S3(a0)
        ld      s4, TF_S4(a0)
        ld      s5, TF_S5(a0)
        ld      s6, TF_S6(a0)
        ld      s7, TF_S7(a0)
        ld      s8, TF_S8(a0)
        ld      s9, TF_S9(a0)
        ld      s10, TF_S10(a0)
        ld      s11, TF_S11(a0)
        ld      t3, TF_T3(a0)
        ld      t4, TF_T4(a0)
        ld      t5, TF_T5(a0)
        ld      t6, TF_T6(a0)
        ld      a0, TF_A0(a0)
        sret
