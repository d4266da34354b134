/*
 * RISC-V Sv39 paging constants, as xv6 programs know them. Plain C (user programs include it); the
 * kernel builds its typed equivalents on them (PhysAddr, VirtAddr, Pte in kernel/addr.h; CSR
 * accessors in kernel/arch.h).
 */
#ifndef LAZYV6_KERNEL_RISCV_H
#define LAZYV6_KERNEL_RISCV_H

#define PGSIZE 4096 /* bytes per page */
#define PGSHIFT 12  /* bits of offset within a page */

#define PGROUNDUP(sz) (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))

#define PTE_V (1L << 0) /* valid */
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4) /* user can access */
#define PTE_G (1L << 5)
#define PTE_A (1L << 6)
#define PTE_D (1L << 7)

/* shift a physical address to the right place for a PTE, and back. */
#define PA2PTE(pa) ((((uint64)pa) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)
#define PTE_FLAGS(pte) ((pte) & 0x3FF)

/* extract the three 9-bit page table indices from a virtual address (the kernel's one spelling of
   the Sv39 index: VirtAddr::px uses PX). */
#define PXMASK 0x1FF /* 9 bits */
#define PXSHIFT(level) (PGSHIFT + (9 * (level)))
#define PX(level, va) ((((uint64)(va)) >> PXSHIFT(level)) & PXMASK)

/*
 * one beyond the highest possible virtual address. MAXVA is actually one bit less than the max
 * allowed by Sv39, to avoid having to sign-extend virtual addresses that have the high bit set.
 */
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

/*
 * For C user programs only, as xv6's kernel/riscv.h gives them: inline readers of the registers and
 * CSRs that user mode may touch. Programs include kernel/types.h first (for uint64). C++ code (the
 * kernel's typed accessors are in kernel/arch.h) and assembly never see this part.
 */
#if !defined(__cplusplus) && !defined(__ASSEMBLER__)

typedef uint64 pte_t;
typedef uint64* pagetable_t; /* 512 PTEs */

/* static inline uint64 name(void): runs one instruction that writes its result to %0 */
#define LAZYV6_USER_READER(name, insn)                                                             \
  static inline uint64 name(void) {                                                                \
    uint64 x;                                                                                      \
    asm volatile(insn : "=r"(x));                                                                  \
    return x;                                                                                      \
  }

/* counters (the kernel lets user mode read them through scounteren) */
LAZYV6_USER_READER(r_time, "csrr %0, time")
LAZYV6_USER_READER(r_cycle, "csrr %0, cycle")
LAZYV6_USER_READER(r_instret, "csrr %0, instret")
/* registers: stack pointer, thread pointer (free for a program to use), return address, frame
 * pointer */
LAZYV6_USER_READER(r_sp, "mv %0, sp")
LAZYV6_USER_READER(r_tp, "mv %0, tp")
LAZYV6_USER_READER(r_ra, "mv %0, ra")
LAZYV6_USER_READER(r_fp, "mv %0, s0")
#undef LAZYV6_USER_READER

static inline void w_tp(uint64 x) {
  asm volatile("mv tp, %0" : : "r"(x));
}

#endif /* C, not assembly */

#endif
