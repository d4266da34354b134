// A process that faults on an address it may not use is killed with exactly one console line
// naming its pid, the cause and the faulting address; its parent sees exit status -1, the shell
// survives and no zombie is left. The faults come from lazytest's shrinkkill and badfault checks,
// whose own output says which address each child touches.

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

constexpr const char* kKillLine =
    R"(pid (\d+) \((\S+)\): killed: (.+) at va 0x([0-9a-f]{16}) \(sepc 0x([0-9a-f]{16})\))";

uint64_t hex(const std::string& s) {
  return std::stoull(s, nullptr, 16);
}

void expect_only_init_and_sh(Qemu& q) {
  auto procs = parse_procdump(ctrl_p(q));
  ASSERT_EQ(procs.size(), 2u) << "a killed process was left behind";
  EXPECT_EQ(procs[0].name, "init");
  EXPECT_EQ(procs[1].name, "sh");
}

TEST(KillMessage, TouchAboveTheBreak) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  const std::string out = run(q, "lazytest shrinkkill");

  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      out, m, std::regex(R"(  child touches 0x([0-9a-f]+), 1 page above its size)")))
      << out;
  const uint64_t va = hex(m[1]);
  auto kills = grep_lines(out, kKillLine);
  ASSERT_EQ(kills.size(), 1u) << out;
  EXPECT_EQ(count(out, "killed"), 1u) << "one line per kill:\n" << out;
  EXPECT_GT(std::stoi(kills[0][1]), 2);
  EXPECT_EQ(kills[0][2], "lazytest");
  EXPECT_NE(kills[0][3].find("outside user memory"), std::string::npos) << kills[0][0];
  EXPECT_EQ(hex(kills[0][4]), va) << kills[0][0];
  // The kill comes right after the child announced the touch, and the touch never completed.
  EXPECT_LT(out.find("child touches"), out.find(kills[0][0]));
  EXPECT_EQ(out.find("child survived"), std::string::npos) << out;
  EXPECT_NE(out.find("\n  wait status: -1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\ntest shrinkkill: OK\n"), std::string::npos) << out;

  EXPECT_EQ(run(q, "echo alive"), "alive\n");
  expect_only_init_and_sh(q);
}

TEST(KillMessage, EveryForbiddenAccessKillsWithItsAddress) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  const std::string out = run(q, "lazytest badfault");

  // lazytest's line for each case: "  <what> (0x<address>): killed".
  auto cases = grep_lines(out, R"(  (.+) \(0x([0-9a-f]+)\): (.+))");
  auto kills = grep_lines(out, kKillLine);
  ASSERT_GE(cases.size(), 10u) << out;
  ASSERT_EQ(kills.size(), cases.size()) << out;
  EXPECT_EQ(count(out, "killed: "), kills.size()) << "a kill message spread over lines?\n" << out;
  int last_pid = 2;
  for (size_t i = 0; i < cases.size(); i++) {
    const std::string& what = cases[i][1];
    SCOPED_TRACE(what);
    EXPECT_EQ(cases[i][3], "killed");
    // Each kill line precedes its case's verdict and follows the previous one.
    EXPECT_LT(out.find(kills[i][0]), out.find(cases[i][0]));
    if (i > 0) {
      EXPECT_GT(out.find(kills[i][0]), out.find(cases[i - 1][0]));
    }
    const int pid = std::stoi(kills[i][1]);
    EXPECT_GT(pid, last_pid); // each case is a new child
    last_pid = pid;
    EXPECT_EQ(kills[i][2], "lazytest");
    EXPECT_EQ(hex(kills[i][4]), hex(cases[i][2])) << kills[i][0];
    const std::string& cause = kills[i][3];
    if (what.find("guard page") != std::string::npos) {
      EXPECT_NE(cause.find("guard"), std::string::npos) << kills[i][0];
    } else if (what.find("own text") != std::string::npos) {
      EXPECT_NE(cause.find("read-only"), std::string::npos) << kills[i][0];
    } else {
      EXPECT_NE(cause.find("outside user memory"), std::string::npos) << kills[i][0];
    }
    if (what.find("jump") != std::string::npos) {
      EXPECT_EQ(kills[i][5], kills[i][4]); // sepc = the jump target
    }
  }
  EXPECT_NE(out.find("\ntest badfault: OK\n"), std::string::npos) << out;

  EXPECT_EQ(run(q, "echo alive"), "alive\n");
  expect_only_init_and_sh(q);
}

} // namespace
} // namespace lazyv6::systest
