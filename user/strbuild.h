// Building strings in a caller's buffer without printf: for programs that assemble file names and
// command lines in memory of their own choosing (sysfuzz, oomsoak). Header-only C++, names in a
// namespace, so nothing here can clash with an xv6 program's own functions.
#pragma once

#include "kernel/types.h"

namespace strbuild {

// Copies s to dst at pos, NUL-terminates, and returns the new end position.
inline int append(char* dst, int pos, const char* s) {
  while (*s != 0)
    dst[pos++] = *s++;
  dst[pos] = 0;
  return pos;
}

// Appends v in decimal at pos, NUL-terminates, and returns the new end position.
inline int append_num(char* dst, int pos, uint64 v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0)
    dst[pos++] = tmp[--n];
  dst[pos] = 0;
  return pos;
}

} // namespace strbuild
