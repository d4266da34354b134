// Driver for the 16550a UART at UART0 (QEMU virt's serial console): interrupt-driven transmit
// buffer and receive.
#pragma once

// Configures the UART (38.4k baud, 8N1, FIFOs, RX and TX interrupts). Hart 0, once.
void uartinit();
// Queues c for output, sleeping while the transmit buffer is full. For console writes by processes:
// must not be called from interrupt handlers.
void uartputc(int c);
// Writes c now by polling, with interrupts off. For kernel printf and echoing input.
void uartputc_sync(int c);
// The UART interrupt: passes received characters to consoleintr() and refills the transmitter.
void uartintr();
