// Driver for the 16550a UART at UART0 (QEMU virt's serial console): interrupt-driven transmit
// buffer and receive. All console output goes through here under one lock, uart_tx_lock, so that
// kernel lines, input echo and user writes never interleave mid-line.
#pragma once

#include "kernel/result.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"

// The console output lock. Its holder owns the transmitter and the transmit buffer: a kernel printf
// line, an echoed character or one line of a user write goes out whole under it, and the transmit
// interrupt drains the buffer under it.
extern Spinlock uart_tx_lock;

// Configures the UART.
void uartinit();
// devsw[CONSOLE].write: queues n bytes for output, a line at a time; returns the count.
Result<int> uartwrite(bool user_src, uint64 src, int n) EXCLUDES(uart_tx_lock);
// Writes c now by polling, after what is queued.
void uartputc_sync_locked(int c) REQUIRES(uart_tx_lock);
// True if the last character output (or queued) was a newline.
[[nodiscard]] bool uart_at_line_start_locked() REQUIRES(uart_tx_lock);
// The UART interrupt: receives characters and refills the transmitter.
void uartintr();
