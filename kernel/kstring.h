// Memory and string helpers for the freestanding kernel (no libc).
#pragma once

#include "kernel/types.h"

// The compiler may emit calls to these three, so they keep their C names and linkage.
extern "C" {
void* memset(void* dst, int c, uint64 n);
void* memmove(void* dst, const void* src, uint64 n);
void* memcpy(void* dst, const void* src, uint64 n);
}
int memcmp(const void* a, const void* b, uint64 n);
uint64 strlen(const char* s);
// Compares at most n bytes, like C's strncmp.
int strncmp(const char* p, const char* q, uint64 n);
// Copies at most n bytes, like C's strncpy (may not NUL-terminate).
char* strncpy(char* dst, const char* src, uint64 n);
// Like strncpy but always NUL-terminates (n > 0).
char* safestrcpy(char* dst, const char* src, uint64 n);
