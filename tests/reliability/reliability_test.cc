// Runs one in-OS reliability program (sysfuzz, oomsoak) from the shell of a freshly booted kernel
// and fails on its FAILED line, on any "panic" on the console (before or after the verdict), on
// its exit without a verdict, or when no verdict comes within --timeout_s (hang detection only:
// nothing here asserts how fast the guest is). After the program has ended (every transaction is
// on disk by then) QEMU is stopped and the disk must pass fsck, with no more inodes in use than
// after boot: what the program created and removed may leave no orphaned inode, lost block or bad
// link count behind.
//
// Test arguments (the last occurrence wins, so `--test_arg=--seed=...` overrides the BUILD file):
//   --program=NAME     the program's name: its verdict lines are "NAME: OK" / "NAME: FAILED ..."
//   --ok=LINE, --failed=LINE   other verdict lines (e.g. usertests' "ALL TESTS PASSED")
//   --command=LINE     the shell line to run; "{seed}" is replaced by the seed
//   --seed=S           a number (decimal or 0x-hex), or "random" for a fresh one (printed)
//   --timeout_s=N      how long the program may run (scaled by $LAZYV6_TIMEOUT_SCALE)
// The program's own summary lines (its figures), the fsck result and the wall time go to the
// test's stdout and to $TEST_UNDECLARED_OUTPUTS_DIR/<program>_summary.txt; the whole console log
// is kept by the harness next to it.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mkfs/fsck.h"
#include "tests/harness/files.h"
#include "tests/harness/qemu.h"
#include "tests/harness/shell.h"

namespace {

using namespace std::chrono_literals;
using lazyv6::harness::from_test_args;
using lazyv6::harness::Qemu;
using lazyv6::harness::re;
using lazyv6::harness::test_arg;

// What init prints before it forks a shell (user/init.cc): after boot, only when a shell died.
constexpr const char* kShellStarted = "init: starting sh";

// The seed as the guest parses it (decimal or 0x-hex); "random" draws one on the host.
std::string resolve_seed(const std::string& s) {
  if (s != "random")
    return s;
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  std::ostringstream out;
  out << "0x" << std::hex << v;
  return out.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// The console lines the program printed itself ("NAME: ..."), without per-round and progress
// detail unless it failed, and any line with a panic.
std::vector<std::string> program_lines(const std::string& transcript, const std::string& program) {
  std::vector<std::string> lines;
  std::istringstream in(transcript);
  std::string line;
  const std::string prefix = program + ": ";
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find("unknown sys call") != std::string::npos)
      continue; // the kernel on a fuzzed number
    size_t at = line.find(prefix);
    if (line.find("panic") != std::string::npos) {
      lines.push_back(line);
    } else if (at != std::string::npos) {
      std::string own = line.substr(at);
      bool detail = own.find(": round ") != std::string::npos ||
                    own.find(" batches done") != std::string::npos;
      if (!detail || own.find("FAILED") != std::string::npos)
        lines.push_back(own);
    }
  }
  return lines;
}

// fsck of the disk after the run; fills `errors` (empty: consistent) and returns a summary line.
std::string check_disk(const std::string& after_path, const std::string& booted_path,
                       std::vector<std::string>* errors) {
  std::vector<uint8_t> after = lazyv6::harness::read_bytes(after_path);
  std::vector<uint8_t> booted = lazyv6::harness::read_bytes(booted_path);
  if (after.empty() || booted.empty()) {
    errors->push_back("cannot read the disk images");
    return "fsck: not run";
  }
  fsimage::FsckReport a = fsimage::check_image(after);
  fsimage::FsckReport b = fsimage::check_image(booted);
  *errors = a.errors;
  if (a.errors_not_listed > 0)
    errors->push_back("... and " + std::to_string(a.errors_not_listed) + " more");
  // The console device file init creates on a fresh image is the only new inode allowed.
  if (a.inodes_used > b.inodes_used + 1) {
    errors->push_back(std::to_string(a.inodes_used - b.inodes_used) +
                      " more inodes in use than in the image booted");
  }
  return "fsck: " + std::string(errors->empty() ? "OK" : "FAILED") + " (" +
         std::to_string(a.inodes_used) + " inodes, " + std::to_string(a.blocks_used) +
         " blocks used; the image booted: " + std::to_string(b.inodes_used) + " and " +
         std::to_string(b.blocks_used) + ")";
}

TEST(Reliability, RunsToOk) {
  const std::string program = test_arg("program", "");
  const std::string ok_line = test_arg("ok", program + ": OK");
  const std::string failed_line = test_arg("failed", program + ": FAILED");
  const std::string seed = resolve_seed(test_arg("seed", "1"));
  const std::string command = replace_all(test_arg("command", ""), "{seed}", seed);
  const int timeout_s = std::stoi(test_arg("timeout_s", "600"));
  ASSERT_FALSE(program.empty()) << "--program= is required";
  ASSERT_FALSE(command.empty()) << "--command= is required";
  std::cout << "reliability: running `" << command << "`" << std::endl;

  Qemu q(from_test_args());
  lazyv6::harness::boot(q);
  ASSERT_FALSE(HasFailure());
  ASSERT_CONSOLE(q.send_line(command));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(timeout_s);
  // Verdict, panic, or the shell's next prompt without a verdict (index 3). sysfuzz's sieges kill
  // the shell that started it ("init: starting sh" comes before a new shell's prompt): from then on
  // a prompt says nothing about the program, so only its verdict ends the wait.
  bool shell_restarted = false;
  lazyv6::harness::ExpectResult verdict;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    verdict = q.expect_any({ok_line + "\n", failed_line, "panic", re("\\n\\$ $")},
                           std::max(left, std::chrono::milliseconds(1)));
    shell_restarted =
        shell_restarted || (verdict && verdict.before.find(kShellStarted) != std::string::npos);
    if (!verdict || verdict.index != 3 || !shell_restarted)
      break;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bool ended = verdict && verdict.index == 3;
  if (verdict && (verdict.index == 0 || verdict.index == 1)) {
    // The rest of the program's output, then its exit: the shell's prompt, or, when the program
    // outlived its shell, the new shell's answer (the verdict is the program's last output).
    if (shell_restarted) {
      ASSERT_CONSOLE(q.send_line("echo ended"));
      ended = static_cast<bool>(
          q.expect(re("\\nended\\n"), 60s, lazyv6::harness::OnTimeout::KeepRunning));
    } else {
      ended = static_cast<bool>(q.expect("$ ", 30s, lazyv6::harness::OnTimeout::KeepRunning));
    }
  }
  q.kill();

  std::vector<std::string> fsck_errors;
  std::string fsck_line = "fsck: not run (the program did not end)";
  if (ended)
    fsck_line = check_disk(q.disk_path(), from_test_args().fs_image, &fsck_errors);

  const std::string transcript = q.transcript();
  std::ostringstream summary;
  summary << "command: " << command << "\n";
  for (const std::string& line : program_lines(transcript, program))
    summary << line << "\n";
  summary << fsck_line << "\n";
  for (const std::string& e : fsck_errors)
    summary << "fsck: " << e << "\n";
  summary << "host wall time: " << static_cast<int>(seconds) << " s\n";
  std::cout << summary.str() << std::flush;
  std::ofstream(lazyv6::harness::env_dir("TEST_UNDECLARED_OUTPUTS_DIR") + "/" + program +
                "_summary.txt")
      << summary.str();

  ASSERT_CONSOLE(verdict);
  EXPECT_EQ(verdict.index, 0) << (verdict.index == 1   ? "the program reported a failure"
                                  : verdict.index == 2 ? "the kernel panicked"
                                                       : "the program ended without a verdict")
                              << "; console tail:\n"
                              << q.tail(4096);
  EXPECT_EQ(transcript.find("panic"), std::string::npos) << "a panic on the console:\n"
                                                         << q.tail(4096);
  EXPECT_TRUE(fsck_errors.empty()) << "the disk is not consistent after the run:\n"
                                   << summary.str();
}

} // namespace
