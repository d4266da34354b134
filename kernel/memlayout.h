/*
 * Physical and virtual memory layout (QEMU virt machine, -bios none). Plain C.
 *
 * Physical memory, as QEMU's hw/riscv/virt.c lays it out:
 *   00001000 -- boot ROM, provided by qemu
 *   02000000 -- CLINT
 *   0C000000 -- PLIC
 *   10000000 -- uart0
 *   10001000 -- virtio disk
 *   80000000 -- the kernel is loaded here (QEMU -kernel); RAM runs to PHYSTOP
 *
 * Kernel virtual memory: devices and RAM are mapped at their physical addresses (direct map);
 * kernel text is read-execute, everything else read-write. At the top:
 *   MAXVA - 1 page           TRAMPOLINE (user and kernel map it, R-X)
 *   below it, per process    kernel stack (KSTACK_PAGES pages) above an unmapped guard page
 *
 * User virtual memory, from 0 up:
 *   text, data and bss (from the ELF)
 *   one guard page (mapped without PTE_U, so a stack overflow faults)
 *   USERSTACK pages of stack
 *   heap, grown by sbrk, up to the heap limit
 *   ...
 *   TRAPFRAME (MAXVA - 2 pages, kernel-only), TRAMPOLINE (MAXVA - 1 page)
 */
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

/* the kernel expects there to be RAM for use by the kernel and user pages from KERNBASE to PHYSTOP. */
#define KERNBASE 0x80000000L
#define PHYSTOP (KERNBASE + 128 * 1024 * 1024)

/* map the trampoline page to the highest address, in both user and kernel space. */
#define TRAMPOLINE (MAXVA - PGSIZE)

/* map kernel stacks beneath the trampoline, each surrounded by invalid guard pages. */
#define KSTACK(p) (TRAMPOLINE - ((p) + 1) * 2 * PGSIZE)

/* User memory layout: the trap frame sits just below the trampoline. */
#define TRAPFRAME (TRAMPOLINE - PGSIZE)

#endif
