// Kernel printf and panic: polled UART output under the console output lock (uart_tx_lock), which
// user writes and the transmit interrupt share, so each printf call comes out whole.
#include "kernel/printf.h"

#include <stdarg.h>

#include "kernel/arch.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"
#include "kernel/uart.h"
#ifdef LAZYV6_PANIC_POWEROFF
#include "kernel/poweroff.h"
#endif

constinit volatile bool panicked = false;

namespace {

// How long panic() waits for the console lock: long enough for any line in progress to finish,
// short enough that a hart that died holding the lock delays the message only a little.
constexpr uint64 kPanicLockWait = arch::kTimebaseHz; // 1 s of the machine timer

constexpr char kDigits[] = "0123456789abcdef";

// One character of kernel output.
void out(int c) REQUIRES(uart_tx_lock) {
  uartputc_sync_locked(c);
}

// Prints x in base (10 or 16), left-padded with `pad` to `width` characters.
void printnum(uint64 x, int base, bool negative, int width, char pad) REQUIRES(uart_tx_lock) {
  char buf[24];
  int i = 0;
  do {
    buf[i++] = kDigits[x % base];
    x /= base;
  } while (x != 0);
  if (negative) {
    if (pad == '0') {
      out('-');
      width--;
    } else {
      buf[i++] = '-';
    }
  }
  for (int n = i; n < width; n++)
    out(pad);
  while (--i >= 0)
    out(buf[i]);
}

// Formats fmt with ap onto the console.
void vprint(const char* fmt, va_list ap) REQUIRES(uart_tx_lock) {
  for (int i = 0; fmt[i] != 0; i++) {
    char c = fmt[i];
    if (c != '%') {
      out(c);
      continue;
    }
    // %[0][width][l|ll]conv
    char pad = ' ';
    int width = 0;
    c = fmt[++i];
    if (c == '0') {
      pad = '0';
      c = fmt[++i];
    }
    while (c >= '0' && c <= '9') {
      width = width * 10 + (c - '0');
      c = fmt[++i];
    }
    int longs = 0;
    while (c == 'l') {
      longs++;
      c = fmt[++i];
    }
    if (c == 0)
      break;
    switch (c) {
    case 'd':
    case 'i': {
      long long v = longs >= 2   ? va_arg(ap, long long)
                    : longs == 1 ? va_arg(ap, long)
                                 : va_arg(ap, int);
      bool neg = v < 0;
      printnum(neg ? 0 - static_cast<uint64>(v) : static_cast<uint64>(v), 10, neg, width, pad);
      break;
    }
    case 'u':
    case 'x': {
      uint64 v = longs >= 2   ? va_arg(ap, unsigned long long)
                 : longs == 1 ? va_arg(ap, unsigned long)
                              : va_arg(ap, unsigned int);
      printnum(v, c == 'u' ? 10 : 16, false, width, pad);
      break;
    }
    case 'p': {
      uint64 v = reinterpret_cast<uint64>(va_arg(ap, void*));
      out('0');
      out('x');
      printnum(v, 16, false, 16, '0');
      break;
    }
    case 'c':
      out(va_arg(ap, int));
      break;
    case 's': {
      const char* s = va_arg(ap, const char*);
      if (s == nullptr)
        s = "(null)";
      int n = 0;
      while (s[n] != 0)
        n++;
      for (; n < width; n++)
        out(' ');
      for (; *s != 0; s++)
        out(*s);
      break;
    }
    case '%':
      out('%');
      break;
    default: // unknown: print it as written
      out('%');
      out(c);
      break;
    }
  }
}

// Tells -Wthread-safety that panic() now owns console output. True when panic took (or already
// held) uart_tx_lock; otherwise its holder did not let go within kPanicLockWait and is presumed
// dead, and panic prints over it. An assertion to the analysis only: nothing to check at run time.
void own_console_for_panic() ASSERT_CAPABILITY(uart_tx_lock) {}

} // namespace

// Formats fmt (see printf.h for the conversions) onto the console as one uninterrupted piece.
// Takes uart_tx_lock for the whole call.
void printf(const char* fmt, ...) {
  SpinGuard guard(uart_tx_lock);
  va_list ap;
  va_start(ap, fmt);
  vprint(fmt, ap);
  va_end(ap);
}

// Prints "panic: " and the message on a line of its own, sets `panicked` (other harts freeze at
// their next output or tick) and stops this hart (or powers off in test builds). Never returns.
// Takes uart_tx_lock for good, or waits at most kPanicLockWait for it and prints anyway.
void panic(const char* fmt, ...) {
  push_off(); // for holding(); this hart never turns interrupts back on
  // Keeps the console lock for good (other harts then stop at their next output), unless its holder
  // does not let go in time; this hart may already hold it if it panicked while printing.
  if (!uart_tx_lock.holding())
    (void)uart_tx_lock.acquire_within(kPanicLockWait);
  own_console_for_panic();
  if (!uart_at_line_start_locked())
    out('\n');
  va_list ap;
  va_start(ap, fmt);
  for (const char* s = "panic: "; *s != 0; s++)
    out(*s);
  vprint(fmt, ap);
  va_end(ap);
  out('\n');
  panicked = true; // freezes console output (and timer interrupts) on other harts
#ifdef LAZYV6_PANIC_POWEROFF
  poweroff(1);
#endif
  for (;;) {
  }
}

// Nothing to set up (uart_tx_lock is constant-initialised); kept for xv6's map.
void printfinit() {
  // uart_tx_lock is constant-initialised; nothing else to set up.
}
