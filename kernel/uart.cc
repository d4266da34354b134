// 16550a UART driver. Output from processes goes through a ring buffer drained by the
// transmit-ready interrupt; kernel printf and input echo poll (uartputc_sync_locked), after
// draining what is queued, so they work anywhere and output keeps its order. Everything that
// reaches the transmitter does so under uart_tx_lock.
#include "kernel/uart.h"

#include "kernel/console.h"
#include "kernel/memlayout.h"
#include "kernel/printf.h"
#include "kernel/proc.h"

constinit Spinlock uart_tx_lock("uart");

namespace {

// Register offsets and bits (see the 16550 data sheet).
constexpr uint64 kRHR = 0; // receive holding register (read)
constexpr uint64 kTHR = 0; // transmit holding register (write)
constexpr uint64 kIER = 1; // interrupt enable
constexpr uint8 kIerRxEnable = 1 << 0;
constexpr uint8 kIerTxEnable = 1 << 1;
constexpr uint64 kFCR = 2; // FIFO control (write)
constexpr uint8 kFcrFifoEnable = 1 << 0;
constexpr uint8 kFcrFifoClear = 3 << 1;
constexpr uint64 kISR = 2; // interrupt status (read)
constexpr uint64 kLCR = 3; // line control
constexpr uint8 kLcrEightBits = 3 << 0;
constexpr uint8 kLcrBaudLatch = 1 << 7; // DLL/DLM at registers 0/1 while set
constexpr uint64 kLSR = 5;              // line status
constexpr uint8 kLsrRxReady = 1 << 0;
constexpr uint8 kLsrTxIdle = 1 << 5; // THR can take another character

// The UART register at offset r, through the direct map.
volatile uint8& reg(uint64 r) {
  return *PhysAddr(UART0 + r).as_ptr<volatile uint8>();
}

// The transmit ring. A user write queues one line at a time, whole, once at least kTxMaxLine bytes
// (or what is left of the write, if less) are free; a longer line is queued in kTxMaxLine pieces.
constexpr uint64 kTxBufSize = 2048;
constexpr uint64 kTxMaxLine = 1024;
static_assert(kTxMaxLine <= kTxBufSize);

constinit char uart_tx_buf[kTxBufSize] GUARDED_BY(uart_tx_lock) = {};
constinit uint64 uart_tx_w GUARDED_BY(uart_tx_lock) = 0;     // next slot to write: buf[w % size]
constinit uint64 uart_tx_r GUARDED_BY(uart_tx_lock) = 0;     // next slot to send:  buf[r % size]
constinit int uart_tx_sleepers GUARDED_BY(uart_tx_lock) = 0; // writers waiting for room
constinit char uart_tx_last GUARDED_BY(uart_tx_lock) = '\n'; // last character sent or queued

// Free bytes in the transmit ring.
[[nodiscard]] uint64 tx_room_locked() REQUIRES(uart_tx_lock) {
  return kTxBufSize - (uart_tx_w - uart_tx_r);
}

// Moves buffered characters into the transmitter while it is idle, and wakes writers waiting for
// room once a whole line fits. Called by writers and by the transmit interrupt.
void uartstart_locked() REQUIRES(uart_tx_lock) {
  while (uart_tx_w != uart_tx_r && (reg(kLSR) & kLsrTxIdle) != 0) {
    reg(kTHR) = static_cast<uint8>(uart_tx_buf[uart_tx_r % kTxBufSize]);
    uart_tx_r++;
  }
  if (uart_tx_w == uart_tx_r)
    (void)reg(kISR); // buffer empty: acknowledge a pending TX interrupt
  if (uart_tx_sleepers > 0 && tx_room_locked() >= kTxMaxLine)
    wakeup(&uart_tx_r);
}

// Copies up to `max` bytes (max <= free room) from src into the transmit buffer, stopping after the
// first newline, and queues them. Returns the bytes queued, or BadAddress (nothing queued) if src
// is not readable. Copies from user memory with the lock held, as pipewrite does: a lazy page
// fault in copyin allocates and maps but never prints or sleeps.
Result<uint64> queue_line_locked(bool user_src, uint64 src, uint64 max) REQUIRES(uart_tx_lock) {
  uint64 n = 0;
  while (n < max) {
    const uint64 at = (uart_tx_w + n) % kTxBufSize;
    const uint64 m = max - n < kTxBufSize - at ? max - n : kTxBufSize - at; // up to the ring's end
    if (!either_copyin(&uart_tx_buf[at], user_src, src + n, m).ok())
      return Error::BadAddress;
    uint64 k = 0;
    while (k < m && uart_tx_buf[at + k] != '\n')
      k++;
    n += k < m ? k + 1 : m;
    if (k < m)
      break;
  }
  uart_tx_w += n;
  uart_tx_last = uart_tx_buf[(uart_tx_w - 1) % kTxBufSize];
  return n;
}

// Writes c to the transmitter, polling until it can take it.
void put_polled_locked(char c) REQUIRES(uart_tx_lock) {
  while ((reg(kLSR) & kLsrTxIdle) == 0) {
  }
  reg(kTHR) = static_cast<uint8>(c);
}

// One received character, or -1 if none is waiting.
int uartgetc() {
  if (reg(kLSR) & kLsrRxReady)
    return reg(kRHR);
  return -1;
}

// Spins forever once a hart has panicked, so the panic message is the last output.
void freeze_if_panicked() {
  if (panicked) {
    for (;;) {
    }
  }
}

} // namespace

// Configures the UART: 38.4k baud, 8N1, FIFOs on, receive and transmit interrupts on. Hart 0,
// once.
void uartinit() {
  reg(kIER) = 0x00; // interrupts off while configuring
  reg(kLCR) = kLcrBaudLatch;
  reg(0) = 0x03; // divisor 3: 38.4K baud
  reg(1) = 0x00;
  reg(kLCR) = kLcrEightBits; // leave baud latch mode; 8 bits, no parity
  reg(kFCR) = kFcrFifoEnable | kFcrFifoClear;
  reg(kIER) = kIerTxEnable | kIerRxEnable;
}

// devsw[CONSOLE].write: queues n bytes from src (user memory if user_src) for output, one line (up
// to the newline, at most kTxMaxLine bytes) at a time, so other output never splits a line. Sleeps
// while the ring lacks room; stops if the caller is killed. Returns the bytes queued, or
// BadAddress / Killed if none were. Process context only; takes uart_tx_lock.
Result<int> uartwrite(bool user_src, uint64 src, int n) {
  Proc* p = myproc();
  int done = 0;
  while (done < n) {
    const uint64 want = static_cast<uint64>(n - done) < kTxMaxLine ? n - done : kTxMaxLine;
    SpinGuard guard(uart_tx_lock);
    while (tx_room_locked() < want && !killed(p)) {
      uart_tx_sleepers++;
      sleep(&uart_tx_r, uart_tx_lock);
      uart_tx_sleepers--;
    }
    if (killed(p))
      return done > 0 ? Result<int>(done) : Error::Killed;
    freeze_if_panicked();
    Result<uint64> queued = queue_line_locked(user_src, src + done, want);
    if (!queued.ok())
      return done > 0 ? Result<int>(done) : queued.error();
    done += static_cast<int>(queued.value());
    uartstart_locked();
  }
  return done;
}

// Writes c now by polling, after everything already queued (output stays in order). Works with
// interrupts off and in interrupt handlers, and wakes nobody, so callers may hold any other lock.
// The caller holds uart_tx_lock.
void uartputc_sync_locked(int c) {
  freeze_if_panicked();
  for (; uart_tx_w != uart_tx_r; uart_tx_r++)
    put_polled_locked(uart_tx_buf[uart_tx_r % kTxBufSize]); // queued first
  put_polled_locked(static_cast<char>(c));
  uart_tx_last = static_cast<char>(c);
}

// True if nothing has been output yet or the last character output (or queued) was a newline.
// The caller holds uart_tx_lock.
bool uart_at_line_start_locked() {
  return uart_tx_last == '\n';
}

// The UART interrupt: passes every received character to consoleintr, then refills the
// transmitter from the ring. Takes uart_tx_lock for the transmitter only.
void uartintr() {
  for (int c; (c = uartgetc()) != -1;)
    consoleintr(c); // the whole receive FIFO
  SpinGuard guard(uart_tx_lock);
  uartstart_locked();
}
