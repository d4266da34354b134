// Helpers shared by the system tests: Ctrl-P, parse numbers out of program output, read files out
// of the disk image; and, from tests/harness/shell.h, boot to the shell prompt, run a command line
// and get exactly what it printed, wc_line, count, test_arg.
//
// All helpers record GoogleTest failures themselves (with the console tail, via ASSERT_CONSOLE /
// EXPECT_CONSOLE). After a console failure QEMU is dead, so later helpers return quietly ("" / 0)
// instead of piling up messages: check HasFailure() before assertions that would only echo it.

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/harness/qemu.h"
#include "tests/harness/shell.h"

namespace lazyv6::systest {

using harness::boot;
using harness::count;
using harness::kBootTimeout;
using harness::kCommandTimeout;
using harness::Qemu;
using harness::run;
using harness::test_arg;
using harness::wc_line;
using namespace std::chrono_literals;

// Sends Ctrl-P and returns the process listing (one line per process, as procdump prints it).
// Then runs a marker command (`echo`) to delimit the listing, which also lets the shell reap
// finished background jobs.
std::string ctrl_p(Qemu& q);

// One line of the Ctrl-P listing.
struct ProcLine {
  int pid = 0;
  std::string state; // "sleep", "run", "runble", "zombie", ...
  std::string name;
  uint64_t resident = 0, ptpages = 0, sz = 0, faults = 0;
};
std::vector<ProcLine> parse_procdump(const std::string& listing);

// Lines of `text` matching `ecmascript` (whole line, without its '\n'); the first submatches.
std::vector<std::vector<std::string>> grep_lines(const std::string& text,
                                                 const std::string& ecmascript);

// The first submatch of `ecmascript` in `text` as a number (decimal, or hex when `base` is 16);
// nullopt when it does not match.
std::optional<uint64_t> find_number(const std::string& text, const std::string& ecmascript,
                                    int base = 10);

// Physical-memory figures from `free` and `free -p PID`.
struct FreeFigures {
  uint64_t total = 0, used = 0, free = 0;
  uint64_t total_kib = 0, used_kib = 0, free_kib = 0;
};
std::optional<FreeFigures> parse_free(const std::string& output);
struct ProcFigures {
  uint64_t sz = 0, resident = 0, ptpages = 0, faults = 0;
};
std::optional<ProcFigures> parse_free_p(const std::string& output);

// Free pages plus what init (pid 1) and the shell (pid 2) hold: constant while nothing else runs
// and no page leaks, even if the shell's heap grows. Runs `free -p 1` and `free -p 2`.
struct MemoryBalance {
  uint64_t free_pages = 0; // as `free` reports (while `free` itself runs)
  uint64_t init_pages = 0; // init's resident + page-table pages
  uint64_t sh_pages = 0;   // the shell's
  uint64_t total() const { return free_pages + init_pages + sh_pages; }
};
std::optional<MemoryBalance> memory_balance(Qemu& q);
// Adds a failure if the balance now differs from `before` (pages lost after command `after`).
void expect_balance(Qemu& q, const MemoryBalance& before, const std::string& after);

// An in-OS check program's run (lazytest, cowtest): "\n" + everything it printed before its
// sentinel. Adds a failure, listing its FAILED lines, unless it ended with "ALL TESTS PASSED";
// then waits for the prompt.
std::string run_checks(Qemu& q, const std::string& command);
// The part of a check program's output from "test NAME: start" to its "test NAME: ..." verdict.
std::string section(const std::string& out, const std::string& name);

// A file of the disk image (--fs), or nullopt (with a failure recorded).
std::optional<std::string> image_file(const std::string& image_path, const std::string& path);

// What xv6 `ls` prints for the root directory of the image: one line per entry, in directory
// order, "name padded to DIRSIZ, type, inum, size". `extra_root_entries` is how many entries
// (e.g. init's console) were added since, which grows the sizes of "." and ".." by 16 each.
std::optional<std::string> expected_root_listing(const std::string& image_path,
                                                 int extra_root_entries);

} // namespace lazyv6::systest
