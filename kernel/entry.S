// Every hart starts here in machine mode (QEMU -bios none jumps to 0x80000000 with a0 = hartid).
// Give each hart its own boot stack, stack0 + (hartid + 1) * BOOT_STACK_SIZE (asmdefs.h), and call
// start() in C++. Harts beyond NCPU park forever.
//
// Until relocate turns paging on, the kernel runs at its load address (physical, 0x80000000)
// although it is linked at its direct-map address (kernel.ld): this file and start.cc reach code
// and data only pc-relatively, which works at either address.

#include "kernel/asmdefs.h"

.section .text.entry
.globl _entry
_entry:
        mv      s1, a1              // QEMU's reset code left the device tree's address in a1
        csrr    a1, mhartid
        li      a2, NCPU
        bgeu    a1, a2, park
        la      sp, stack0
        li      a0, BOOT_STACK_SIZE
        addi    a1, a1, 1
        mul     a0, a0, a1
        add     sp, sp, a0
        mv      a0, s1
        call    start
park:
        wfi
        j       park

// relocate(a0 = satp value for boot_pagetable, a1 = link address - load address, a2 = load address
// of main), entered in supervisor mode by start()'s mret, paging off. boot_pagetable maps the
// kernel at both addresses, so this code keeps running after the csrw; then the stack moves to its
// link address and main() is entered at its link address. kvminithart() later drops the
// load-address mapping.
.globl relocate
relocate:
        csrw    satp, a0
        sfence.vma zero, zero
        add     sp, sp, a1
        add     a2, a2, a1
        jr      a2

// bool cbo_zero_probe(void* page): runs cbo.zero on `page` in machine mode with a temporary trap
// vector; returns 1 if it executed, 0 if it trapped (no Zicboz). Clobbers mepc/mcause when it traps
// (start() sets mepc afterwards). Interrupts are off in M-mode here.
.section .text
.globl cbo_zero_probe
cbo_zero_probe:
        csrr    t1, mtvec
        la      t0, 1f
        csrw    mtvec, t0
        li      t2, 1
        .insn i 0x0F, 2, x0, 4(a0)  // cbo.zero (a0)
        j       2f
        .balign 4
1:
        li      t2, 0
2:
        csrw    mtvec, t1
        mv      a0, t2
        ret
