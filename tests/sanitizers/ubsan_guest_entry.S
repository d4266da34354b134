# ubsan_guest's start: hart 0 gets a stack and the FPU (the float-cast-overflow trigger converts a
# double), then runs guest_main; the other harts park in wfi.

    .section .text.entry
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park
    la sp, stack_top
    li t0, 0x2000            # mstatus.FS = Initial: floating-point instructions no longer trap
    csrs mstatus, t0
    call guest_main
park:
    wfi
    j park

    .section .bss
    .balign 16
stack:
    .space 16384
stack_top:
