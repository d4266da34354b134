// 16550a UART driver. Output from processes goes through a small ring buffer drained by the
// transmit-ready interrupt; kernel printf polls (uartputc_sync) so it works anywhere.
#include "kernel/uart.h"

#include "kernel/console.h"
#include "kernel/memlayout.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"

namespace {

// Register offsets and bits (see the 16550 data sheet).
constexpr uint64 kRHR = 0;  // receive holding register (read)
constexpr uint64 kTHR = 0;  // transmit holding register (write)
constexpr uint64 kIER = 1;  // interrupt enable
constexpr uint8 kIerRxEnable = 1 << 0;
constexpr uint8 kIerTxEnable = 1 << 1;
constexpr uint64 kFCR = 2;  // FIFO control (write)
constexpr uint8 kFcrFifoEnable = 1 << 0;
constexpr uint8 kFcrFifoClear = 3 << 1;
constexpr uint64 kISR = 2;  // interrupt status (read)
constexpr uint64 kLCR = 3;  // line control
constexpr uint8 kLcrEightBits = 3 << 0;
constexpr uint8 kLcrBaudLatch = 1 << 7;  // DLL/DLM at registers 0/1 while set
constexpr uint64 kLSR = 5;  // line status
constexpr uint8 kLsrRxReady = 1 << 0;
constexpr uint8 kLsrTxIdle = 1 << 5;  // THR can take another character

volatile uint8& reg(uint64 r) {
  return *PhysAddr(UART0 + r).as_ptr<volatile uint8>();
}

constexpr uint64 kTxBufSize = 32;

constinit Spinlock uart_tx_lock("uart");
constinit char uart_tx_buf[kTxBufSize] GUARDED_BY(uart_tx_lock) = {};
constinit uint64 uart_tx_w GUARDED_BY(uart_tx_lock) = 0;  // next slot to write: buf[w % size]
constinit uint64 uart_tx_r GUARDED_BY(uart_tx_lock) = 0;  // next slot to send:  buf[r % size]

// Moves buffered characters into the transmitter while it is idle; wakes writers waiting for room.
void uartstart_locked() REQUIRES(uart_tx_lock) {
  for (;;) {
    if (uart_tx_w == uart_tx_r) {
      (void)reg(kISR);  // buffer empty: acknowledge a pending TX interrupt
      return;
    }
    if ((reg(kLSR) & kLsrTxIdle) == 0) return;  // busy: the TX interrupt brings us back
    int c = uart_tx_buf[uart_tx_r % kTxBufSize];
    uart_tx_r++;
    wakeup(&uart_tx_r);
    reg(kTHR) = static_cast<uint8>(c);
  }
}

// One received character, or -1 if none is waiting.
int uartgetc() {
  if (reg(kLSR) & kLsrRxReady) return reg(kRHR);
  return -1;
}

void freeze_if_panicked() {
  if (panicked) {
    for (;;) {
    }
  }
}

}  // namespace

void uartinit() {
  reg(kIER) = 0x00;  // interrupts off while configuring
  reg(kLCR) = kLcrBaudLatch;
  reg(0) = 0x03;  // divisor 3: 38.4K baud
  reg(1) = 0x00;
  reg(kLCR) = kLcrEightBits;  // leave baud latch mode; 8 bits, no parity
  reg(kFCR) = kFcrFifoEnable | kFcrFifoClear;
  reg(kIER) = kIerTxEnable | kIerRxEnable;
}

void uartputc(int c) {
  SpinGuard guard(uart_tx_lock);
  freeze_if_panicked();
  while (uart_tx_w == uart_tx_r + kTxBufSize) sleep(&uart_tx_r, uart_tx_lock);  // full
  uart_tx_buf[uart_tx_w % kTxBufSize] = static_cast<char>(c);
  uart_tx_w++;
  uartstart_locked();
}

void uartputc_sync(int c) {
  push_off();
  freeze_if_panicked();
  while ((reg(kLSR) & kLsrTxIdle) == 0) {
  }
  reg(kTHR) = static_cast<uint8>(c);
  pop_off();
}

void uartintr() {
  for (int c; (c = uartgetc()) != -1;) consoleintr(c);
  SpinGuard guard(uart_tx_lock);
  uartstart_locked();
}
