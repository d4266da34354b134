// Console output is whole lines: `consoletest lines` has 16 processes write 40 lines each, one
// write() per line and up to 220 bytes long, while four more make the kernel print (page tables
// through kpgtbl, and kill messages) and the host sends Ctrl-P (a process listing printed from
// the UART interrupt). Every console line must be exactly one line that someone printed.

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "tests/harness/shell.h"

namespace lazyv6::harness {
namespace {

using namespace std::chrono_literals;

constexpr int kWorkers = 16;
constexpr int kLines = 40;
constexpr int kRounds = 10; // per kernel printer in consoletest.cc
constexpr int kMaxPayload = 200;

// The payload consoletest's worker w writes on line i.
std::string payload(int w, int i) {
  const int n = 10 + (w * 31 + i * 17) % kMaxPayload;
  std::string s;
  for (int k = 0; k < n; k++)
    s += static_cast<char>('a' + (w + i + k) % 26);
  return s;
}

TEST(ConsoleLines, EveryLineWholeOnEightHarts) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  const std::string cmd =
      "consoletest lines " + std::to_string(kWorkers) + " " + std::to_string(kLines);
  ASSERT_CONSOLE(q.send_line(cmd));
  ASSERT_CONSOLE(q.expect(cmd + "\n", kEchoTimeout));
  // Ctrl-P while the lines are written: procdump prints from the receive interrupt.
  for (int i = 0; i < 5; i++) {
    std::this_thread::sleep_for(50ms);
    ASSERT_CONSOLE(q.send_raw("\x10"));
  }
  auto done = q.expect("$ ", 300s);
  ASSERT_CONSOLE(done);
  const std::string out = done.before;

  const std::regex worker(R"(cw (\d+) (\d+) (\d+) ([a-z]+))");
  const std::regex pt_head(R"(page table 0x[0-9a-f]{16})");
  // A leaf may end in " cow" (shared copy-on-write) or " zero" (the zero page).
  const std::regex pt_line(
      R"(( \.\.)+0x[0-9a-f]{16}: pte 0x[0-9a-f]{16} pa 0x[0-9a-f]{16}( cow| zero)?)");
  const std::regex kill_line(
      R"(pid \d+ \(consoletest\): killed: .+ at va 0x[0-9a-f]{16} \(sepc 0x[0-9a-f]{16}\))");
  // Ctrl-P lines; a slot that allocproc is still setting up has no name yet.
  const std::regex proc_line(
      R"(\d+ +\S+ +(\S+ +)?resident \d+ pages, ptpages \d+, sz \d+, faults \d+)");
  // Each one's second line: COW and zero-page mappings, faults by kind.
  const std::regex proc_kinds(R"(  cow \d+, zero \d+; faults lazy \d+, zero \d+, cow \d+)");
  std::map<std::pair<int, int>, int> seen;
  int heads = 0, kills = 0, bad = 0;
  std::istringstream lines(out);
  std::string line;
  std::string bad_lines;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, worker)) {
      const int w = std::stoi(m[1]), i = std::stoi(m[2]);
      const std::string p = payload(w, i);
      if (m[3] == std::to_string(p.size()) && m[4] == p) {
        seen[{w, i}]++;
        continue;
      }
    } else if (std::regex_match(line, pt_head)) {
      heads++;
      continue;
    } else if (std::regex_match(line, kill_line)) {
      kills++;
      continue;
    } else if (line.empty() || line == "consoletest lines: OK" || std::regex_match(line, pt_line) ||
               std::regex_match(line, proc_line) || std::regex_match(line, proc_kinds)) {
      continue;
    }
    if (++bad <= 20)
      bad_lines += "  [" + line + "]\n";
  }
  EXPECT_EQ(bad, 0) << "lines that are not one whole printed line:\n" << bad_lines;
  EXPECT_NE(out.find("\nconsoletest lines: OK\n"), std::string::npos) << q.tail();
  EXPECT_EQ(heads, 2 * kRounds);
  EXPECT_EQ(kills, 2 * kRounds);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kWorkers * kLines));
  for (const auto& [key, n] : seen)
    EXPECT_EQ(n, 1) << "worker " << key.first << " line " << key.second;
  EXPECT_EQ(out.find("panic"), std::string::npos);
  EXPECT_EQ(run(q, "echo alive"), "alive\n");
}

} // namespace
} // namespace lazyv6::harness
