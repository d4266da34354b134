// Every hart starts here in machine mode (QEMU -bios none jumps to 0x80000000 with a0 = hartid).
// Give each hart its own boot stack, stack0 + (hartid + 1) * kBootStack, and call start() in C++.
// Harts beyond NCPU park forever.

#define NCPU 8
#define BOOT_STACK 4096

.section .text.entry
.globl _entry
_entry:
        mv      s1, a1              // QEMU's reset code left the device tree's address in a1
        csrr    a1, mhartid
        li      a2, NCPU
        bgeu    a1, a2, park
        la      sp, stack0
        li      a0, BOOT_STACK
        addi    a1, a1, 1
        mul     a0, a0, a1
        add     sp, sp, a0
        mv      a0, s1
        call    start
park:
        wfi
        j       park

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
