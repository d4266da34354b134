// The user library's small helpers: strings, memory, stat, gets, atoi and the sbrk policies.
//
// Compiled as C++20 with C linkage (user/user.h wraps its declarations in extern "C"), so C and
// C++ programs link against the same functions. The program is freestanding: no libc exists, and
// clang may emit calls to memset, memcpy and memmove on its own, so they must be defined here.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/memstat.h"
#include "kernel/riscv.h"
#include "user/user.h"

namespace {

// The sys_sbrk type plain sbrk(n) passes, 0 until first asked (see sbrk_default_type).
constinit int sbrk_default = 0;

// SBRK_EAGER if the kernel was built with an eager default (--config=eager), else SBRK_LAZY. The
// kernel treats every type but SBRK_EAGER as lazy (as xv6 does), so the library asks it once
// (memstat's sbrk_eager) and then passes an explicit type; a forked child inherits the answer.
int sbrk_default_type() {
  if (sbrk_default == 0) {
    struct memstat ms;
    sbrk_default = memstat(0, &ms) == 0 && ms.sbrk_eager ? SBRK_EAGER : SBRK_LAZY;
  }
  return sbrk_default;
}

// A machine word that may alias any other type, for the word-at-a-time loops below.
typedef uint64 __attribute__((may_alias)) Word;
constexpr uint64 kWord = sizeof(Word);

uint64 word_offset(const void* p) {
  return reinterpret_cast<uint64>(p) & (kWord - 1);
}
bool word_aligned(const void* p) {
  return word_offset(p) == 0;
}

} // namespace

extern "C" {

// Copies the NUL-terminated string src to dst; returns dst.
char* strcpy(char* dst, const char* src) {
  char* d = dst;
  while ((*d++ = *src++) != 0) {
  }
  return dst;
}

// Compares two strings byte by byte as unsigned chars: <0, 0 or >0.
int strcmp(const char* p, const char* q) {
  while (*p && *p == *q) {
    p++;
    q++;
  }
  return static_cast<uchar>(*p) - static_cast<uchar>(*q);
}

// Length of s, not counting the NUL.
unsigned int strlen(const char* s) {
  unsigned int n = 0;
  while (s[n])
    n++;
  return n;
}

// Fills n bytes at dst with the byte c, a word at a time where it can; returns dst.
// no_builtin keeps clang from turning the loops back into a call to memset itself.
__attribute__((no_builtin("memset"))) void* memset(void* dst, int c, unsigned int n) {
  uchar* d = static_cast<uchar*>(dst);
  const uchar byte = static_cast<uchar>(c);
  while (n > 0 && !word_aligned(d)) {
    *d++ = byte;
    n--;
  }
  const uint64 word = byte * 0x0101010101010101UL;
  for (; n >= kWord; n -= kWord, d += kWord)
    *reinterpret_cast<Word*>(d) = word;
  while (n-- > 0)
    *d++ = byte;
  return dst;
}

// First occurrence of c in s, or 0 if there is none.
char* strchr(const char* s, char c) {
  for (; *s; s++) {
    if (*s == c)
      return const_cast<char*>(s);
  }
  return nullptr;
}

// Reads a line from fd 0 into buf (at most max-1 bytes, keeping the '\n' or '\r' that ends it)
// and NUL-terminates it. At end of input buf holds what was read: "" if nothing was.
char* gets(char* buf, int max) {
  int i = 0;
  while (i + 1 < max) {
    char c;
    if (read(0, &c, 1) < 1)
      break;
    buf[i++] = c;
    if (c == '\n' || c == '\r')
      break;
  }
  buf[i] = 0;
  return buf;
}

// Fills *st with the status of the file at path; returns 0, or -1 if it cannot be opened.
int stat(const char* path, struct stat* st) {
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return -1;
  int r = fstat(fd, st);
  close(fd);
  return r;
}

// Decimal value of the digits at the start of s, with an optional leading '-'.
int atoi(const char* s) {
  bool negative = false;
  if (*s == '-') {
    negative = true;
    s++;
  }
  int n = 0;
  while (*s >= '0' && *s <= '9')
    n = n * 10 + (*s++ - '0');
  return negative ? -n : n;
}

// Copies n bytes from src to dst; the ranges may overlap. Returns dst. n <= 0 copies nothing.
__attribute__((no_builtin("memmove"))) void* memmove(void* dst, const void* src, int n) {
  uchar* d = static_cast<uchar*>(dst);
  const uchar* s = static_cast<const uchar*>(src);
  if (n <= 0 || d == s)
    return dst;
  if (d < s || d >= s + n) {
    // Forward copy is safe: dst starts before src, or after src's end.
    if (word_offset(d) == word_offset(s)) { // both can become aligned together
      while (n > 0 && !word_aligned(d)) {
        *d++ = *s++;
        n--;
      }
      for (; n >= static_cast<int>(kWord); n -= kWord, d += kWord, s += kWord) {
        *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
      }
    }
    while (n-- > 0)
      *d++ = *s++;
  } else {
    // dst overlaps the end of src: copy backwards.
    d += n;
    s += n;
    while (n-- > 0)
      *--d = *--s;
  }
  return dst;
}

// Compares n bytes as unsigned chars: <0, 0 or >0.
int memcmp(const void* a, const void* b, unsigned int n) {
  const uchar* p = static_cast<const uchar*>(a);
  const uchar* q = static_cast<const uchar*>(b);
  for (; n > 0; n--, p++, q++) {
    if (*p != *q)
      return *p - *q;
  }
  return 0;
}

// Copies n bytes from src to dst (clang emits calls to it for struct copies). Returns dst.
__attribute__((no_builtin("memcpy"))) void* memcpy(void* dst, const void* src, unsigned int n) {
  // memmove takes an int; split copies of 2 GiB or more.
  constexpr unsigned int kChunk = 1U << 30;
  uchar* d = static_cast<uchar*>(dst);
  const uchar* s = static_cast<const uchar*>(src);
  while (n > kChunk) {
    memmove(d, s, static_cast<int>(kChunk));
    d += kChunk;
    s += kChunk;
    n -= kChunk;
  }
  memmove(d, s, static_cast<int>(n));
  return dst;
}

// Grows (or shrinks, n < 0) the heap by n bytes with the kernel's default policy.
// Returns the old break, or SBRK_ERROR.
char* sbrk(int n) {
  return sys_sbrk(n, sbrk_default_type());
}

// Grows the heap by n bytes without allocating: pages come on first touch.
char* sbrklazy(int n) {
  return sys_sbrk(n, SBRK_LAZY);
}

// Grows the heap by n bytes, allocating and zeroing every page now.
char* sbrkeager(int n) {
  return sys_sbrk(n, SBRK_EAGER);
}

extern "C" char end[]; // user.ld: end of .bss

// Reads one byte of every page of the program, [0, end): exec loads text and data on first touch,
// so a program that measures its own memory calls this first and sees only what it measures.
void loadimage() {
  for (uint64 va = 0; va < reinterpret_cast<uint64>(end); va += PGSIZE) {
    char c;
    asm volatile("lb %0, 0(%1)" : "=r"(c) : "r"(va) : "memory"); // a C++ load of address 0 is UB
  }
}

// Sleeps for n clock ticks: the older name of pause().
int sleep(int n) {
  return pause(n);
}

} // extern "C"
