// The user <-> kernel boundary. In the isolated trap model (LAZYV6_TRAP_ISOLATED, xv6's design)
// this page is mapped at TRAMPOLINE (R-X, kernel-only) in every user page table and in the
// kernel's, so these instructions keep running while satp switches between the two. In the shared
// model (default) the kernel half is in every user table: no satp write and no sfence.vma here,
// stvec points at uservec's link address, and the trap frame is used at its direct-map address.
//
// uservec: stvec points here while in user mode. Saves the user registers in the TrapFrame whose
// address waits in sscratch, loads the kernel's sp and tp (and, isolated, the kernel page table)
// from it, and jumps to usertrap().
// userret(a0 = TrapFrame address as the user table maps it, a1 = user satp, isolated model only):
// called by usertrapret() to (isolated: switch to the user page table,) restore the user registers
// from the TrapFrame and sret to user mode.
//
// TrapFrame offsets: see struct TrapFrame in proc.h (static_asserts there keep them in sync).
// This path is measured (getpid round trip, lazy fault): keep it short.

.section trampsec
.globl trampoline
.globl uservec
.globl userret
trampoline:
.balign 4
uservec:
        // sscratch holds the TrapFrame address (userret puts it there): swap it with the user's a0.
        csrrw   a0, sscratch, a0

        sd      ra, 40(a0)
        sd      sp, 48(a0)
        sd      gp, 56(a0)
        sd      tp, 64(a0)
        sd      t0, 72(a0)
        sd      t1, 80(a0)
        sd      t2, 88(a0)
        sd      s0, 96(a0)
        sd      s1, 104(a0)
        sd      a1, 120(a0)
        sd      a2, 128(a0)
        sd      a3, 136(a0)
        sd      a4, 144(a0)
        sd      a5, 152(a0)
        sd      a6, 160(a0)
        sd      a7, 168(a0)
        sd      s2, 176(a0)
        sd      s3, 184(a0)
        sd      s4, 192(a0)
        sd      s5, 200(a0)
        sd      s6, 208(a0)
        sd      s7, 216(a0)
        sd      s8, 224(a0)
        sd      s9, 232(a0)
        sd      s10, 240(a0)
        sd      s11, 248(a0)
        sd      t3, 256(a0)
        sd      t4, 264(a0)
        sd      t5, 272(a0)
        sd      t6, 280(a0)
        csrr    t0, sscratch
        sd      t0, 112(a0)

        ld      sp, 8(a0)  // kernel_sp
        ld      tp, 32(a0)  // kernel_hartid
        ld      t0, 16(a0)  // kernel_trap = usertrap
#if LAZYV6_TRAP_ISOLATED
        ld      t1, 0(a0)  // kernel_satp

        sfence.vma zero, zero  // user-mode memory accesses finish under the user table
        csrw    satp, t1
        sfence.vma zero, zero
#endif
        jr      t0  // usertrap() does not return

userret:
#if LAZYV6_TRAP_ISOLATED
        sfence.vma zero, zero  // the kernel's page-table writes are visible to the walker
        csrw    satp, a1
        sfence.vma zero, zero
#endif

        csrw    sscratch, a0    // for the next uservec
        ld      ra, 40(a0)
        ld      sp, 48(a0)
        ld      gp, 56(a0)
        ld      tp, 64(a0)
        ld      t0, 72(a0)
        ld      t1, 80(a0)
        ld      t2, 88(a0)
        ld      s0, 96(a0)
        ld      s1, 104(a0)
        ld      a1, 120(a0)
        ld      a2, 128(a0)
        ld      a3, 136(a0)
        ld      a4, 144(a0)
        ld      a5, 152(a0)
        ld      a6, 160(a0)
        ld      a7, 168(a0)
        ld      s2, 176(a0)
        ld      s3, 184(a0)
        ld      s4, 192(a0)
        ld      s5, 200(a0)
        ld      s6, 208(a0)
        ld      s7, 216(a0)
        ld      s8, 224(a0)
        ld      s9, 232(a0)
        ld      s10, 240(a0)
        ld      s11, 248(a0)
        ld      t3, 256(a0)
        ld      t4, 264(a0)
        ld      t5, 272(a0)
        ld      t6, 280(a0)
        ld      a0, 112(a0)
        sret
