// Kernel printf (polled UART output, one lock so lines do not interleave) and panic.
#include "kernel/printf.h"

#include <stdarg.h>

#include "kernel/console.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"
#ifdef LAZYV6_PANIC_POWEROFF
#include "kernel/poweroff.h"
#endif

constinit volatile bool panicked = false;

namespace {

constinit Spinlock pr_lock("pr");
constinit volatile bool panicking = false;  // panic() is printing: printf stops taking pr_lock

constexpr char kDigits[] = "0123456789abcdef";

// Prints x in base (10 or 16), left-padded with `pad` to `width` characters.
void printnum(uint64 x, int base, bool negative, int width, char pad) {
  char buf[24];
  int i = 0;
  do {
    buf[i++] = kDigits[x % base];
    x /= base;
  } while (x != 0);
  if (negative) {
    if (pad == '0') {
      consputc('-');
      width--;
    } else {
      buf[i++] = '-';
    }
  }
  for (int n = i; n < width; n++) consputc(pad);
  while (--i >= 0) consputc(buf[i]);
}

void vprint(const char* fmt, va_list ap) {
  for (int i = 0; fmt[i] != 0; i++) {
    char c = fmt[i];
    if (c != '%') {
      consputc(c);
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
    if (c == 0) break;
    switch (c) {
      case 'd':
      case 'i': {
        long long v = longs >= 2 ? va_arg(ap, long long) : longs == 1 ? va_arg(ap, long) : va_arg(ap, int);
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
        consputc('0');
        consputc('x');
        printnum(v, 16, false, 16, '0');
        break;
      }
      case 'c':
        consputc(va_arg(ap, int));
        break;
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (s == nullptr) s = "(null)";
        int n = 0;
        while (s[n] != 0) n++;
        for (; n < width; n++) consputc(' ');
        for (; *s != 0; s++) consputc(*s);
        break;
      }
      case '%':
        consputc('%');
        break;
      default:  // unknown: print it as written
        consputc('%');
        consputc(c);
        break;
    }
  }
}

}  // namespace

void printf(const char* fmt, ...) NO_THREAD_SAFETY_ANALYSIS {
  bool locking = !panicking;
  if (locking) pr_lock.acquire();
  va_list ap;
  va_start(ap, fmt);
  vprint(fmt, ap);
  va_end(ap);
  if (locking) pr_lock.release();
}

void panic(const char* fmt, ...) {
  panicking = true;
  printf("panic: ");
  va_list ap;
  va_start(ap, fmt);
  vprint(fmt, ap);
  va_end(ap);
  printf("\n");
  panicked = true;  // freezes uart output (and timer interrupts) on other harts
#ifdef LAZYV6_PANIC_POWEROFF
  poweroff(1);
#endif
  for (;;) {
  }
}

void printfinit() {
  // pr_lock is constant-initialised; nothing else to set up.
}
