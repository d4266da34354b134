// The kernel built with UndefinedBehaviorSanitizer (//kernel:kernel_ubsan) runs lazytest and
// `usertests -q` clean: both print ALL TESTS PASSED, and no check fires (a report is a panic that
// starts with "ubsan:", see kernel/ubsan.cc). Each program gets its own boot on a fresh disk copy.

#include <chrono>
#include <string>

#include "tests/harness/qemu.h"

namespace {

using namespace std::chrono_literals;
using lazyv6::harness::from_test_args;
using lazyv6::harness::Qemu;

// Boots the UBSan kernel, runs `command` in the shell and expects its ALL TESTS PASSED, with no
// UBSan report and no panic anywhere in the transcript.
void run_clean(const std::string& command, std::chrono::milliseconds timeout) {
  Qemu q(from_test_args());
  ASSERT_CONSOLE(q.start());
  auto boot = q.expect_any({"$ ", "ubsan:", "panic:"}, 60s); // a check can fire while booting
  ASSERT_CONSOLE(boot);
  ASSERT_EQ(boot.index, 0) << "boot ended with '" << boot.text << "'; console tail:\n"
                           << q.tail(4096);
  ASSERT_CONSOLE(q.send_line(command));
  auto r = q.expect_any({"ALL TESTS PASSED", "SOME TESTS FAILED", "ubsan:", "panic:"}, timeout);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.index, 0) << command << " ended with '" << r.text << "'; console tail:\n"
                        << q.tail(4096);
  // Let the shell print its next prompt: a report right after the verdict would show up here.
  ASSERT_CONSOLE(q.expect("$ ", 30s));
  std::string all = q.transcript();
  EXPECT_EQ(all.find("ubsan:"), std::string::npos) << q.tail(4096);
  EXPECT_EQ(all.find("panic:"), std::string::npos) << q.tail(4096);
}

TEST(UbsanKernel, LazytestClean) {
  run_clean("lazytest", 300s);
}

TEST(UbsanKernel, UsertestsQuickClean) {
  run_clean("usertests -q", 900s);
}

} // namespace
