// Formatted console output for the kernel, and panic.
#pragma once

// Prints to the console. Supports %d %i %u %x %p %s %c %% and the l/ll modifiers. Takes the printf
// lock so lines from different harts do not interleave; safe to call from interrupt handlers.
void printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Reports a broken kernel invariant and stops every hart. Never for a user's mistake.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Sets up the printf lock; called once by hart 0 before any other hart prints.
void printfinit();

// Set once panic() has printed its message; every hart that then prints (or takes a timer
// interrupt) spins forever. (Added by K1.)
extern volatile bool panicked;
