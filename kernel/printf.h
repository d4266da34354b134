// Formatted console output for the kernel, and panic.
#pragma once

// Prints to the console. Supports %d %i %u %x %p %s %c %% and the l/ll modifiers. Holds the console
// output lock (uart_tx_lock) for the whole call, after what user writes queued before it, so a line
// printed by one call never mixes with other kernel lines, echo or user writes. Print a line with
// one call. Safe in interrupt handlers and with other locks held (it wakes nobody).
void printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Reports a broken kernel invariant and stops every hart. Never for a user's mistake.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Hart 0, once, before any other hart prints; nothing to set up, kept for xv6's map.
void printfinit();

// Set once panic() has printed its message; every hart that then prints (or takes a timer
// interrupt) spins forever.
extern volatile bool panicked;
