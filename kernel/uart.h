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

// Configures the UART (38.4k baud, 8N1, FIFOs, RX and TX interrupts). Hart 0, once.
void uartinit();
// devsw[CONSOLE].write: queues n bytes from src (user memory if user_src) for output, one line (up
// to the newline, at most kTxMaxLine bytes) at a time, so a line is never split by other output.
// Sleeps while the buffer is full; stops if the caller is killed. Returns the bytes queued, or
// BadAddress / Killed if none were. Process context only; takes uart_tx_lock.
Result<int> uartwrite(bool user_src, uint64 src, int n) EXCLUDES(uart_tx_lock);
// Writes c now by polling, after everything already queued (output stays in order). Works with
// interrupts off and in interrupt handlers; wakes nobody, so callers may hold any other lock.
void uartputc_sync_locked(int c) REQUIRES(uart_tx_lock);
// True if nothing has been output yet or the last character output (or queued) was a newline.
[[nodiscard]] bool uart_at_line_start_locked() REQUIRES(uart_tx_lock);
// The UART interrupt: passes received characters to consoleintr() and refills the transmitter.
void uartintr();
