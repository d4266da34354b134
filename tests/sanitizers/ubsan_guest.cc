// ubsan_guest: proof that kernel/ubsan.cc catches undefined behaviour, on the kernel's own terms:
// Clang 19 for rv64gc with the kernel's flags (KERNEL_UBSAN_COPTS), the kernel's handler file,
// QEMU. It stands in for the kernel only in providing printf and panic (kernel/printf.h) on the
// UART, so the handlers' output is exactly what the kernel would print.
//
// Hart 0 prints "ubsan_guest: ready", reads one trigger name per line and runs it. A trigger first
// prints "trigger <name> line <N>" (N: the line of the undefined operation) and then does it; the
// handler's panic prints the report and powers QEMU off with status 1. A trigger that comes back
// prints "NOT CAUGHT <name>" and exits with status 2. tests/sanitizers/ubsan_runtime_test.cc drives
// it, one boot per trigger (a report is final: the handlers never return).

#include <limits.h>
#include <stdarg.h>

#include "kernel/printf.h"
#include "kernel/types.h"

// ---- The console: what the kernel's printf and panic would do, minus locks and harts -----------

#pragma clang attribute push(__attribute__((no_sanitize("undefined"))), apply_to = function)

namespace {

constexpr uint64 kUart = 0x10000000; // 16550: THR/RBR at +0, LSR at +5
constexpr uint64 kSifiveTest = 0x100000;

volatile uint8* uart(int reg) {
  return reinterpret_cast<volatile uint8*>(kUart + reg);
}

void putc(char c) {
  while ((*uart(5) & 0x20) == 0) {
  }
  *uart(0) = static_cast<uint8>(c);
}

char getc() {
  while ((*uart(5) & 0x01) == 0) {
  }
  return static_cast<char>(*uart(0));
}

[[noreturn]] void poweroff(int status) {
  volatile uint32* dev = reinterpret_cast<volatile uint32*>(kSifiveTest);
  *dev = status == 0 ? 0x5555u : ((static_cast<uint32>(status) << 16) | 0x3333u);
  for (;;)
    asm volatile("wfi");
}

void putnum(uint64 x, int base, bool negative) {
  char buf[24];
  int i = 0;
  do {
    buf[i++] = "0123456789abcdef"[x % base];
    x /= base;
  } while (x != 0);
  if (negative)
    buf[i++] = '-';
  while (--i >= 0)
    putc(buf[i]);
}

// %d %i %u %x %p %s %c %% with l/ll, like the kernel's (widths are parsed and ignored).
void vprint(const char* fmt, va_list ap) {
  for (int i = 0; fmt[i] != 0; i++) {
    char c = fmt[i];
    if (c != '%') {
      putc(c);
      continue;
    }
    c = fmt[++i];
    while (c >= '0' && c <= '9')
      c = fmt[++i];
    int longs = 0;
    while (c == 'l') {
      longs++;
      c = fmt[++i];
    }
    if (c == 0)
      break;
    if (c == 'd' || c == 'i') {
      long v = longs > 0 ? va_arg(ap, long) : va_arg(ap, int);
      putnum(v < 0 ? 0 - static_cast<uint64>(v) : static_cast<uint64>(v), 10, v < 0);
    } else if (c == 'u' || c == 'x') {
      uint64 v = longs > 0 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
      putnum(v, c == 'u' ? 10 : 16, false);
    } else if (c == 'p') {
      putc('0');
      putc('x');
      putnum(reinterpret_cast<uint64>(va_arg(ap, void*)), 16, false);
    } else if (c == 's') {
      const char* s = va_arg(ap, const char*);
      for (s = s != nullptr ? s : "(null)"; *s != 0; s++)
        putc(*s);
    } else if (c == 'c') {
      putc(static_cast<char>(va_arg(ap, int)));
    } else {
      putc('%');
      putc(c);
    }
  }
}

} // namespace

void printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint(fmt, ap);
  va_end(ap);
}

void panic(const char* fmt, ...) {
  printf("panic: ");
  va_list ap;
  va_start(ap, fmt);
  vprint(fmt, ap);
  va_end(ap);
  printf("\n");
  poweroff(1);
}

#pragma clang attribute pop

// ---- The triggers: one undefined operation each, on values the compiler cannot see -------------

namespace {

volatile int g_int; // where results go, so that nothing is optimised away
int* volatile g_pointer;
volatile int g_zero = 0;
volatile int g_one = 1;
volatile int g_minus_one = -1;
volatile int g_two = 2;
volatile int g_four = 4;
volatile int g_five = 5;
volatile int g_forty = 40;
volatile int g_int_max = INT_MAX;
volatile int g_int_min = INT_MIN;
volatile unsigned g_zero_u = 0;
volatile uint64 g_near_top = ~uint64{0} - 7;
volatile double g_huge = 1e20;
volatile uint8 g_five_byte = 5;
int* volatile g_null = nullptr;
int g_array[4];
alignas(8) uint8 g_bytes[16];
alignas(4) uint8 g_two_bytes[2];

enum Color { kRed, kGreen }; // no fixed underlying type: only 0 and 1 are valid values

void sink(int value) {
  g_int = value;
}

// Prints the line of the operation about to run (call it in the same statement, before it).
int announce(const char* name, int line) {
  printf("trigger %s line %d\n", name, line);
  return 0;
}

__attribute__((nonnull)) void takes_nonnull(int* p) {
  g_pointer = p;
}

__attribute__((returns_nonnull)) int* gives_null() {
  return announce("returnsnonnull", __LINE__), g_null;
}

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wreturn-type"
constexpr int kFallsOffTheEndLine = __LINE__ + 1; // the report points at the function's name
int falls_off_the_end(int x) {
  if (x == 0)
    return 1;
  announce("return", kFallsOffTheEndLine);
}
#pragma clang diagnostic pop

struct Trigger {
  const char* name;
  void (*run)();
};

// Each line: the announcement and the undefined operation, in one statement (so, one line).
// clang-format off
constexpr Trigger kTriggers[] = {
    {"add", [] { announce("add", __LINE__), sink(g_int_max + g_one); }},
    {"sub", [] { announce("sub", __LINE__), sink(g_int_min - g_one); }},
    {"mul", [] { announce("mul", __LINE__), sink(g_int_max * g_two); }},
    {"negate", [] { announce("negate", __LINE__), sink(-g_int_min); }},
    {"divzero", [] { announce("divzero", __LINE__), sink(g_one / g_zero); }},
    {"divoverflow", [] { announce("divoverflow", __LINE__), sink(g_int_min / g_minus_one); }},
    {"shift", [] { announce("shift", __LINE__), sink(g_one << g_forty); }},
    {"bounds", [] { announce("bounds", __LINE__), sink(g_array[g_four]); }},
    {"null", [] { announce("null", __LINE__), sink(*g_null); }},
    {"misaligned", [] { announce("misaligned", __LINE__), sink(*reinterpret_cast<int*>(g_bytes + g_one)); }},
    {"objectsize", [] { announce("objectsize", __LINE__), sink(*reinterpret_cast<int*>(g_two_bytes)); }},
    {"pointer", [] { announce("pointer", __LINE__), sink(*(reinterpret_cast<char*>(g_near_top) + 16)); }},
    {"unreachable", [] { announce("unreachable", __LINE__), g_one != 0 ? __builtin_unreachable() : void(); }},
    {"builtin", [] { announce("builtin", __LINE__), sink(__builtin_ctz(g_zero_u)); }},
    {"bool", [] { announce("bool", __LINE__), sink(*reinterpret_cast<volatile bool*>(&g_five_byte)); }},
    {"enum", [] { announce("enum", __LINE__), sink(*reinterpret_cast<volatile Color*>(&g_five)); }},
    {"floatcast", [] { announce("floatcast", __LINE__), sink(static_cast<int>(g_huge)); }},
    {"nonnull", [] { announce("nonnull", __LINE__), takes_nonnull(g_null); }},
    {"returnsnonnull", [] { g_pointer = gives_null(); }},
    {"return", [] { sink(falls_off_the_end(g_one)); }},
};
// clang-format on

bool same(const char* a, const char* b) {
  while (*a != 0 && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

} // namespace

extern "C" [[noreturn]] void guest_main() {
  printf("ubsan_guest: ready\n");
  for (;;) {
    char line[32];
    int n = 0;
    for (char c = getc(); c != '\n' && c != '\r'; c = getc()) {
      if (n + 1 < static_cast<int>(sizeof(line)))
        line[n++] = c;
    }
    line[n] = 0;
    if (n == 0)
      continue;
    for (const Trigger& t : kTriggers) {
      if (same(t.name, line)) {
        t.run();
        printf("NOT CAUGHT %s\n", t.name);
        poweroff(2);
      }
    }
    printf("unknown trigger %s\n", line);
  }
}
