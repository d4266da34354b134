/* clang-format off: the map below is laid out by hand */
/*
 * Physical and virtual memory layout (QEMU virt machine, -bios none). Plain C: user programs
 * include it, and the names they use (KERNBASE, PHYSTOP, TRAPFRAME, TRAMPOLINE, UART0, ...) keep
 * xv6's values.
 *
 * Physical memory, as QEMU's hw/riscv/virt.c lays it out:
 *   00001000 -- boot ROM, provided by qemu
 *   00100000 -- sifive_test (power off)
 *   02000000 -- CLINT
 *   0C000000 -- PLIC
 *   10000000 -- uart0
 *   10001000 -- virtio disk
 *   80000000 -- KERNBASE: the kernel image is loaded here (QEMU -kernel); RAM runs to PHYSTOP
 *
 * Virtual memory (Sv39: 39-bit addresses, sign-extended to 64 bits, so there are two halves):
 *
 *   ffffffff_ffffffff +------------------------------------------+  kernel half: root PTEs
 *                     | (top page unmapped)                      |  256..511, never PTE_U,
 *   KSTACK(0)         | kernel stack 0, guard page below it      |  complete once kvminit()
 *   KSTACK(i)         | ... one page + one unmapped guard each   |  returns
 *                     |                                          |
 *   KDIRECT+PHYSTOP   +------------------------------------------+
 *                     | RAM (free pages, page tables, ...)  R-W  |  direct map: the kernel
 *                     | kernel data and bss                 R-W  |  reaches physical address
 *   KERNLINK          | kernel text (linked here)           R-X  |  pa at KDIRECT + pa
 *   KDIRECT+KERNBASE  +------------------------------------------+
 *                     | devices: PLIC, UART0, VIRTIO0,      R-W  |  at KDIRECT + their
 *                     | sifive_test                              |  physical address
 *   KDIRECT           +------------------------------------------+  ffffffc0_00000000
 *                     | (not addressable in Sv39)                |
 *   MAXVA             +------------------------------------------+  0x40_00000000: user half ends
 *   TRAMPOLINE        | uservec/userret (isolated model only)    |  R-X, not PTE_U
 *   TRAPFRAME         | the trap frame (isolated model only)     |  R-W, not PTE_U
 *                     | ... heap, grown by sbrk up to TRAPFRAME  |
 *                     | USERSTACK pages of stack                 |
 *                     | guard page (mapped without PTE_U)        |
 *                     | text, data and bss (from the ELF)        |
 *   0                 +------------------------------------------+
 *
 * Trap models (//kernel:trap_model). shared (default): every user root page table also holds the
 * kernel's root entries 256..511, so a trap needs no page-table switch; the trap frame is reached
 * at its direct-map address and nothing is mapped at TRAPFRAME or TRAMPOLINE. isolated (xv6's
 * design, -DLAZYV6_TRAP_ISOLATED=1): a user table holds only the trampoline and the trap frame in
 * its upper pages, and the trampoline switches satp on every trap; the kernel table maps the
 * trampoline at TRAMPOLINE too. In both, the kernel runs in the upper half, which user code can
 * never reach: its pages carry no PTE_U, and a user access to any address at or above MAXVA faults
 * and is killed.
 */
/* clang-format on */
#ifndef LAZYV6_KERNEL_MEMLAYOUT_H
#define LAZYV6_KERNEL_MEMLAYOUT_H

#include "kernel/riscv.h"

/* qemu puts UART registers here in physical memory. */
#define UART0 0x10000000L
#define UART0_IRQ 10

/* virtio mmio interface */
#define VIRTIO0 0x10001000L
#define VIRTIO0_IRQ 1

/* core local interruptor (CLINT), which contains the machine-mode timer. */
#define CLINT 0x2000000L

/* qemu puts the platform-level interrupt controller (PLIC) here. */
#define PLIC 0x0c000000L
#define PLIC_PRIORITY (PLIC + 0x0)
#define PLIC_PENDING (PLIC + 0x1000)
#define PLIC_SENABLE(hart) (PLIC + 0x2080 + (hart) * 0x100)
#define PLIC_SPRIORITY(hart) (PLIC + 0x201000 + (hart) * 0x2000)
#define PLIC_SCLAIM(hart) (PLIC + 0x201004 + (hart) * 0x2000)

/* RAM starts at KERNBASE (physical). PHYSTOP is its end with QEMU's default 128 MiB; the kernel
   takes the real end from the device tree (main.cc), up to 4 GiB physical. */
#define KERNBASE 0x80000000L
#define PHYSTOP (KERNBASE + 128 * 1024 * 1024)

/* The kernel half: physical address pa is mapped at KDIRECT + pa, and the kernel is linked at
   KERNLINK, the direct-map address of KERNBASE. */
#define KDIRECT 0xffffffc000000000UL
#define KERNLINK (KDIRECT + KERNBASE)

/* Kernel stacks at the top of the kernel half, each with an unmapped guard page below it. */
#define KSTACK(p) (0xfffffffffffff000UL - ((p) + 1) * 2 * PGSIZE)

/* The trampoline at the highest user-half address, the trap frame just below it (isolated model;
   in the shared model nothing is mapped there, and both still kill a user access). */
#define TRAMPOLINE (MAXVA - PGSIZE)
#define TRAPFRAME (TRAMPOLINE - PGSIZE)

#endif
