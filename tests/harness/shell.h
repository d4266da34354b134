// Driving the lazyv6 shell through the harness: boot to the first prompt with every hart up, run a
// command line and get exactly what it printed, xv6 `wc` arithmetic, and test arguments.
//
// The helpers record GoogleTest failures themselves (with the console tail, via ASSERT_CONSOLE /
// EXPECT_CONSOLE). After a console failure QEMU is dead, so run() returns "" quietly instead of
// piling up messages: check HasFailure() before assertions that would only echo it.

#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "tests/harness/qemu.h"

namespace lazyv6::harness {

inline constexpr std::chrono::milliseconds kBootTimeout = std::chrono::seconds(90);
inline constexpr std::chrono::milliseconds kCommandTimeout = std::chrono::seconds(60);
inline constexpr std::chrono::milliseconds kEchoTimeout = std::chrono::seconds(30);

// Starts q, waits for the kernel banner, then as reach_prompt(). Each wait has `timeout`.
void boot(Qemu& q, std::chrono::milliseconds timeout = kBootTimeout);

// For a machine already started (and past the banner): waits for init's line, the first shell
// prompt and every hart's "hart N starting" line (N < the -smp count), each within `timeout`.
void reach_prompt(Qemu& q, std::chrono::milliseconds timeout = kBootTimeout);

// Types `line` at the prompt, waits for its echo (within `echo_timeout`) and for the next prompt
// (within `timeout`), and returns everything printed in between (stdout, stderr and kernel messages
// alike). "" once QEMU is dead.
std::string run(Qemu& q, const std::string& line,
                std::chrono::milliseconds timeout = kCommandTimeout,
                std::chrono::milliseconds echo_timeout = kEchoTimeout);

// xv6 wc's line for `data` read from standard input: "lines words bytes \n".
std::string wc_line(const std::string& data);

// Number of (non-overlapping) occurrences of `needle` in `text`.
size_t count(const std::string& text, const std::string& needle);

// The value of the last test argument --name=value (after --kernel/--fs), or nullopt if absent:
// --test_arg=... overrides the BUILD's args.
std::optional<std::string> test_arg(const std::string& name);
// The same with a default.
std::string test_arg(const std::string& name, const std::string& fallback);

} // namespace lazyv6::harness
