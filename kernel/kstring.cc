// memset/memmove/memcpy (word at a time when the pointers allow it) and small string helpers.
// The compiler may call the first three itself, so they must not be written in a way it would turn
// back into calls to themselves (-fno-builtin keeps it from doing so).
#include "kernel/kstring.h"

namespace {
constexpr uint64 kWordMask = sizeof(uint64) - 1;
}

// Fills n bytes at dst with the byte c, eight at a time once dst is word-aligned; returns dst.
extern "C" void* memset(void* dst, int c, uint64 n) {
  uchar* d = static_cast<uchar*>(dst);
  uchar b = static_cast<uchar>(c);
  while (n > 0 && (reinterpret_cast<uint64>(d) & kWordMask) != 0) {
    *d++ = b;
    n--;
  }
  uint64 word = 0x0101010101010101ull * b;
  uint64* w = reinterpret_cast<uint64*>(d);
  for (; n >= 64; n -= 64, w += 8) {
    w[0] = word;
    w[1] = word;
    w[2] = word;
    w[3] = word;
    w[4] = word;
    w[5] = word;
    w[6] = word;
    w[7] = word;
  }
  for (; n >= 8; n -= 8)
    *w++ = word;
  d = reinterpret_cast<uchar*>(w);
  while (n-- > 0)
    *d++ = b;
  return dst;
}

// Copies n bytes from src to dst, which may overlap: forward or backward, words at a time when
// both are equally aligned. Returns dst.
extern "C" void* memmove(void* dst, const void* src, uint64 n) {
  uchar* d = static_cast<uchar*>(dst);
  const uchar* s = static_cast<const uchar*>(src);
  if (d == s || n == 0)
    return dst;
  bool words = ((reinterpret_cast<uint64>(d) ^ reinterpret_cast<uint64>(s)) & kWordMask) == 0;
  if (s > d || s + n <= d) {
    // Forward copy (also correct for overlap when the source is above the destination).
    if (words) {
      while (n > 0 && (reinterpret_cast<uint64>(d) & kWordMask) != 0) {
        *d++ = *s++;
        n--;
      }
      uint64* wd = reinterpret_cast<uint64*>(d);
      const uint64* ws = reinterpret_cast<const uint64*>(s);
      for (; n >= 32; n -= 32, wd += 4, ws += 4) {
        uint64 a = ws[0], b = ws[1], c = ws[2], e = ws[3];
        wd[0] = a;
        wd[1] = b;
        wd[2] = c;
        wd[3] = e;
      }
      for (; n >= 8; n -= 8)
        *wd++ = *ws++;
      d = reinterpret_cast<uchar*>(wd);
      s = reinterpret_cast<const uchar*>(ws);
    }
    while (n-- > 0)
      *d++ = *s++;
  } else {
    // Backward copy: the destination overlaps the end of the source.
    d += n;
    s += n;
    if (words) {
      while (n > 0 && (reinterpret_cast<uint64>(d) & kWordMask) != 0) {
        *--d = *--s;
        n--;
      }
      uint64* wd = reinterpret_cast<uint64*>(d);
      const uint64* ws = reinterpret_cast<const uint64*>(s);
      for (; n >= 8; n -= 8)
        *--wd = *--ws;
      d = reinterpret_cast<uchar*>(wd);
      s = reinterpret_cast<const uchar*>(ws);
    }
    while (n-- > 0)
      *--d = *--s;
  }
  return dst;
}

// memmove(): the compiler emits memcpy calls, and overlap-safety costs nothing here.
extern "C" void* memcpy(void* dst, const void* src, uint64 n) {
  return memmove(dst, src, n);
}

// <0, 0 or >0 as the first differing byte of a is less, none differs, or greater.
int memcmp(const void* a, const void* b, uint64 n) {
  const uchar* s1 = static_cast<const uchar*>(a);
  const uchar* s2 = static_cast<const uchar*>(b);
  for (; n > 0; n--, s1++, s2++) {
    if (*s1 != *s2)
      return *s1 - *s2;
  }
  return 0;
}

// Bytes before the NUL.
uint64 strlen(const char* s) {
  uint64 n = 0;
  while (s[n] != 0)
    n++;
  return n;
}

// Compares at most n characters, as C's strncmp: <0, 0 or >0.
int strncmp(const char* p, const char* q, uint64 n) {
  for (; n > 0 && *p != 0 && *p == *q; n--, p++, q++) {
  }
  if (n == 0)
    return 0;
  return static_cast<uchar>(*p) - static_cast<uchar>(*q);
}

// Copies src into dst and pads with NULs to n bytes, as C's: no NUL if src has n or more.
char* strncpy(char* dst, const char* src, uint64 n) {
  char* d = dst;
  for (; n > 0 && *src != 0; n--)
    *d++ = *src++;
  for (; n > 0; n--)
    *d++ = 0;
  return dst;
}

// Copies at most n-1 bytes of src and always NUL-terminates (unless n is 0); returns dst.
char* safestrcpy(char* dst, const char* src, uint64 n) {
  if (n == 0)
    return dst;
  char* d = dst;
  while (--n > 0 && *src != 0)
    *d++ = *src++;
  *d = 0;
  return dst;
}
