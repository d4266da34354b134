// printf and fprintf for user programs.
//
// Conversions: %d %i %u %x %p %s %c %%, with the length modifiers l, ll (and z) as in %ld %lu %lx
// %lld, an optional '-' or '0' flag and a field width (%5d, %-14s, %08x). A NULL %s prints
// "(null)". Each call formats into a buffer and writes it with one write() when it fits, so lines
// printed by concurrent processes do not interleave byte by byte.

#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

namespace {

constexpr char kDigits[] = "0123456789abcdef";

// Collects output for one fd and writes it in as few write() calls as it can.
class OutBuf {
public:
  explicit OutBuf(int fd) : fd_(fd) {}
  OutBuf(const OutBuf&) = delete;
  OutBuf& operator=(const OutBuf&) = delete;

  void put(char c) {
    if (len_ == sizeof(buf_))
      flush();
    buf_[len_++] = c;
  }

  void put_n(char c, int count) {
    while (count-- > 0)
      put(c);
  }

  void flush() {
    if (len_ > 0)
      write(fd_, buf_, len_);
    len_ = 0;
  }

private:
  int fd_;
  int len_ = 0;
  char buf_[256];
};

// One conversion's flags and width.
struct Spec {
  bool left = false; // '-': pad on the right
  bool zero = false; // '0': pad numbers with zeros
  int width = 0;
};

// Emits text (len bytes) padded to spec.width with spaces.
void emit_padded(OutBuf& out, const char* text, int len, const Spec& spec) {
  int pad = spec.width > len ? spec.width - len : 0;
  if (!spec.left)
    out.put_n(' ', pad);
  for (int i = 0; i < len; i++)
    out.put(text[i]);
  if (spec.left)
    out.put_n(' ', pad);
}

// Emits the magnitude x in base 10 or 16, preceded by a minus sign if negative, padded per spec.
void emit_number(OutBuf& out, uint64 x, int base, bool negative, const Spec& spec) {
  char digits[24]; // 2^64 has 20 decimal digits
  int n = 0;
  do {
    digits[n++] = kDigits[x % base];
    x /= base;
  } while (x != 0);

  int len = n + (negative ? 1 : 0);
  int pad = spec.width > len ? spec.width - len : 0;
  if (!spec.left && !spec.zero)
    out.put_n(' ', pad);
  if (negative)
    out.put('-');
  if (!spec.left && spec.zero)
    out.put_n('0', pad);
  while (n > 0)
    out.put(digits[--n]);
  if (spec.left)
    out.put_n(' ', pad);
}

// Formats fmt with ap into out. Unknown conversions are printed as they are, '%' included.
void format(OutBuf& out, const char* fmt, va_list ap) {
  for (const char* p = fmt; *p; p++) {
    if (*p != '%') {
      out.put(*p);
      continue;
    }
    const char* start = p; // to echo an unknown conversion
    p++;

    Spec spec;
    for (;; p++) {
      if (*p == '-') {
        spec.left = true;
      } else if (*p == '0') {
        spec.zero = true;
      } else {
        break;
      }
    }
    while (*p >= '0' && *p <= '9')
      spec.width = spec.width * 10 + (*p++ - '0');

    int longs = 0; // number of 'l's; 'z' counts as one (size_t is unsigned long here)
    while (*p == 'l' || *p == 'z') {
      longs++;
      p++;
    }

    switch (*p) {
    case 'd':
    case 'i': {
      long v = longs == 0 ? va_arg(ap, int) : longs == 1 ? va_arg(ap, long) : va_arg(ap, long long);
      bool negative = v < 0;
      uint64 magnitude = negative ? 0 - static_cast<uint64>(v) : static_cast<uint64>(v);
      emit_number(out, magnitude, 10, negative, spec);
      break;
    }
    case 'u':
    case 'x': {
      uint64 v = longs == 0   ? va_arg(ap, unsigned int)
                 : longs == 1 ? va_arg(ap, unsigned long)
                              : va_arg(ap, unsigned long long);
      emit_number(out, v, *p == 'u' ? 10 : 16, false, spec);
      break;
    }
    case 'p': {
      // Always 0x and 16 hex digits, as xv6 prints pointers.
      uint64 v = reinterpret_cast<uint64>(va_arg(ap, void*));
      out.put('0');
      out.put('x');
      for (int shift = 60; shift >= 0; shift -= 4)
        out.put(kDigits[(v >> shift) & 0xf]);
      break;
    }
    case 's': {
      const char* s = va_arg(ap, const char*);
      if (s == nullptr)
        s = "(null)";
      emit_padded(out, s, static_cast<int>(strlen(s)), spec);
      break;
    }
    case 'c': {
      char c = static_cast<char>(va_arg(ap, int));
      emit_padded(out, &c, 1, spec);
      break;
    }
    case '%':
      out.put('%');
      break;
    case 0:
      // The format ends with a lone '%' (or flags): print what was there and stop.
      for (const char* q = start; q < p; q++)
        out.put(*q);
      return;
    default:
      for (const char* q = start; q <= p; q++)
        out.put(*q);
      break;
    }
  }
}

} // namespace

extern "C" {

// Prints fmt's formatted text to file descriptor fd.
void fprintf(int fd, const char* fmt, ...) {
  OutBuf out(fd);
  va_list ap;
  va_start(ap, fmt);
  format(out, fmt, ap);
  va_end(ap);
  out.flush();
}

// Prints fmt's formatted text to standard output (fd 1).
void printf(const char* fmt, ...) {
  OutBuf out(1);
  va_list ap;
  va_start(ap, fmt);
  format(out, fmt, ap);
  va_end(ap);
  out.flush();
}

} // extern "C"
