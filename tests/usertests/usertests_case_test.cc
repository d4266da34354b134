// One usertests case per Bazel target (tests/usertests/cases.bzl): boot a fresh kernel and image,
// run `usertests <case>` and pass on "test <case>: OK" then "ALL TESTS PASSED" (which also means
// no free page went missing), with no panic. UsertestsList checks that the guest's `usertests -l`
// is exactly the list the targets were generated from.

#include <string>

#include <gtest/gtest.h>

#include "tests/harness/shell.h"

namespace lazyv6::usertests {
namespace {

using harness::boot;
using harness::from_test_args;
using harness::kCommandTimeout;
using harness::Qemu;
using harness::run;
using harness::test_arg;
using namespace std::chrono_literals;

TEST(UsertestsCase, Passes) {
  const std::string name = test_arg("case", "");
  ASSERT_FALSE(name.empty()) << "no --case=NAME";

  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  ASSERT_CONSOLE(q.send_line("usertests " + name));
  ASSERT_CONSOLE(q.expect("usertests starting\n", kCommandTimeout));
  ASSERT_CONSOLE(q.expect("test " + name + ": ", kCommandTimeout));
  // Hang detection only: the slowest case takes about a minute on a loaded machine.
  auto r = q.expect_any({"ALL TESTS PASSED\n", "SOME TESTS FAILED\n", "panic"}, 600s);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.index, 0) << "usertests " << name << " ended with: " << r.text
                        << "\nsee the console log in test.outputs";
  EXPECT_NE(r.before.find("OK\n"), std::string::npos) << r.before;
  EXPECT_EQ(r.before.find("FAILED"), std::string::npos) << r.before;
  if (r.index == 0) {
    ASSERT_CONSOLE(q.expect("$ ", kCommandTimeout));
  }
}

// --expected=quick:NAME,...,slow:NAME,... (from cases.bzl) equals `usertests -l`, line for line.
TEST(UsertestsList, MatchesBuildList) {
  const std::string expected = test_arg("expected", "");
  ASSERT_FALSE(expected.empty()) << "no --expected=LIST";
  std::string want;
  for (char c : expected)
    want += c == ':' ? ' ' : c == ',' ? '\n' : c;
  want += '\n';

  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(run(q, "usertests -l"), want)
      << "user/usertests.cc and tests/usertests/cases.bzl list different cases: add the new "
         "case to QUICK_CASES or SLOW_CASES in cases.bzl";
}

} // namespace
} // namespace lazyv6::usertests
