/*
 * RISC-V Sv39 paging constants, as xv6 programs know them. Plain C (user programs include it); the
 * kernel's typed equivalents (PhysAddr, VirtAddr, Pte, CSR accessors) live in kernel/arch.h.
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

/* extract the three 9-bit page table indices from a virtual address. */
#define PXMASK 0x1FF /* 9 bits */
#define PXSHIFT(level) (PGSHIFT + (9 * (level)))
#define PX(level, va) ((((uint64)(va)) >> PXSHIFT(level)) & PXMASK)

/*
 * one beyond the highest possible virtual address. MAXVA is actually one bit less than the max
 * allowed by Sv39, to avoid having to sign-extend virtual addresses that have the high bit set.
 */
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

#endif
