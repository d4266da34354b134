# A minimal bare-metal guest for testing the QEMU harness with a real QEMU, without the kernel.
#
# Hart 0 prints a banner and a prompt on the 16550 UART (virt: 0x10000000), then reads bytes:
#   0x11 (DC1) -> power off through the sifive_test device (virt: 0x100000): QEMU exits with 0
#   0x12 (DC2) -> (3 << 16) | 0x3333 to the same device: QEMU exits with status 3
#   0x14 (DC4) -> prints "panic: fake panic for harness" and stops responding
#   anything else is echoed back unchanged.
# The other harts park in wfi.

    .equ UART, 0x10000000
    .equ UART_LSR, 5          # line status register
    .equ LSR_RX_READY, 0x01
    .equ LSR_TX_IDLE, 0x20
    .equ SIFIVE_TEST, 0x100000
    .equ CMD_POWEROFF, 0x11
    .equ CMD_EXIT3, 0x12
    .equ CMD_PANIC, 0x14

    .section .text
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park
    li s0, UART
    la a0, banner
    call puts
loop:
    lbu t1, UART_LSR(s0)
    andi t1, t1, LSR_RX_READY
    beqz t1, loop
    lbu a1, 0(s0)
    li t2, CMD_POWEROFF
    beq a1, t2, poweroff
    li t2, CMD_EXIT3
    beq a1, t2, exit3
    li t2, CMD_PANIC
    beq a1, t2, fakepanic
    call putc
    j loop
poweroff:
    li t0, SIFIVE_TEST
    li t1, 0x5555
    sw t1, 0(t0)
    j park
exit3:
    li t0, SIFIVE_TEST
    li t1, (3 << 16) | 0x3333
    sw t1, 0(t0)
    j park
fakepanic:
    la a0, panicmsg
    call puts
park:
    wfi
    j park

# putc: writes the byte in a1 once the transmitter is idle. Clobbers t1.
putc:
    lbu t1, UART_LSR(s0)
    andi t1, t1, LSR_TX_IDLE
    beqz t1, putc
    sb a1, 0(s0)
    ret

# puts: writes the NUL-terminated string at a0. Clobbers a0, a1, t1, t3.
puts:
    mv t3, ra
1:  lbu a1, 0(a0)
    beqz a1, 2f
    call putc
    addi a0, a0, 1
    j 1b
2:  mv ra, t3
    ret

    .section .rodata
banner:   .asciz "echo_guest: booted on hart 0\ntype> "
panicmsg: .asciz "panic: fake panic for harness\n"
