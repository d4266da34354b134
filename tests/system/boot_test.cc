// Booting: the banner, every hart of the machine starting (3 by default, and a 1-hart machine),
// init starting the shell, and the shell running programs.

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;
using harness::QemuOptions;

// Waits until "hart N starting\n" has been printed for every N < harts (harts start in any
// order, possibly after init's first line or even the prompt), then checks each was printed exactly
// once, no other hart started, and nothing panicked.
void expect_harts(Qemu& q, int harts) {
  for (int n = 0; n < harts; n++) {
    const std::string line = "hart " + std::to_string(n) + " starting\n";
    for (int tries = 0; count(q.transcript(), line) == 0 && tries < 300; tries++) {
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(count(q.transcript(), line), 1u) << line << "console:\n" << q.transcript();
  }
  // A hart that should not exist: give it a moment to show up if it wrongly does.
  std::this_thread::sleep_for(500ms);
  const std::string t = q.transcript();
  EXPECT_EQ(count(t, " starting\n"), static_cast<size_t>(harts)) << t;
  EXPECT_EQ(t.find("hart " + std::to_string(harts) + " "), std::string::npos) << t;
  EXPECT_EQ(t.find("panic"), std::string::npos) << t;
}

void check_boot(int harts) {
  QemuOptions o = from_test_args();
  o.harts = harts;
  Qemu q(o);
  ASSERT_CONSOLE(q.start());
  // The banner comes first, from hart 0, before any other kernel line.
  auto banner = q.expect("\nlazyv6 kernel is booting\n\n", kBootTimeout);
  ASSERT_CONSOLE(banner);
  EXPECT_EQ(banner.before.find("hart"), std::string::npos) << banner.before;
  // Hart 0 announces itself after initialising the kernel and before the first process runs.
  auto hart0 = q.expect("hart 0 starting\n", kBootTimeout);
  ASSERT_CONSOLE(hart0);
  auto init = q.expect("init: starting sh\n", kBootTimeout);
  ASSERT_CONSOLE(init);
  ASSERT_CONSOLE(q.expect("$ ", kBootTimeout));
  expect_harts(q, harts); // before any command, so a late hart's line cannot land in its output

  // The shell works: a built-in-free command line with a pipe and a program that forks a lot.
  EXPECT_EQ(run(q, "echo booted on " + std::to_string(harts) + " harts"),
            "booted on " + std::to_string(harts) + " harts\n");
  EXPECT_EQ(run(q, "echo one two three | wc"), "1 3 14 \n");
  EXPECT_EQ(run(q, "forktest"), "fork test\nfork test OK\n");
  // Still exactly one line per hart, and no panic.
  const std::string t = q.transcript();
  EXPECT_EQ(count(t, " starting\n"), static_cast<size_t>(harts)) << t;
  EXPECT_EQ(t.find("panic"), std::string::npos) << t;
}

TEST(Boot, ThreeHarts) {
  check_boot(3);
}

TEST(Boot, OneHart) {
  check_boot(1);
}

} // namespace
} // namespace lazyv6::systest
