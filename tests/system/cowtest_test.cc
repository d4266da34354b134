// cowtest: every copy-on-write check passes (upstream xv6's cowtest checks and our memstat ones),
// the child killed by out of memory in a COW fault is named on the console, vmprint marks COW and
// zero-page leaves, and no physical page is lost once the programs exit.

#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

TEST(Cowtest, AllChecksPass) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  auto boot_balance = memory_balance(q);
  ASSERT_TRUE(boot_balance.has_value());

  std::vector<std::string> names;
  for (const auto& m : grep_lines(run(q, "cowtest -l"), R"((\w+))"))
    names.push_back(m[1]);
  ASSERT_GE(names.size(), 8u);

  const std::string out = run_checks(q, "cowtest");
  ASSERT_FALSE(HasFailure());
  for (const std::string& name : names)
    EXPECT_NE(out.find("\ntest " + name + ": OK\n"), std::string::npos) << name;
  EXPECT_NE(out.find("\ntest freepages: OK"), std::string::npos);

  // The child that ran out of memory in a COW fault: one line, naming the cause.
  EXPECT_TRUE(std::regex_search(
      section(out, "cowoom"),
      std::regex(R"(\npid \d+ \(cowtest\): killed: out of memory for a copy-on-write page at va)")))
      << section(out, "cowoom");

  // vmprint after fork: the written page is COW, the page only read maps the zero page.
  {
    const std::string marks = section(out, "marks");
    auto vas = grep_lines(marks, R"(  written page va 0x([0-9a-f]+), read page va 0x([0-9a-f]+))");
    ASSERT_EQ(vas.size(), 1u) << marks;
    auto leaf = [&](const std::string& va) {
      auto l = grep_lines(marks, R"( \.\. \.\. \.\.0x0*)" + va +
                                     R"(: pte 0x[0-9a-f]+ pa 0x[0-9a-f]+(.*))");
      return l.size() == 1 ? l[0][1] : std::string("(no line)");
    };
    auto strip = [](const std::string& hex) { return hex.substr(hex.find_first_not_of('0')); };
    EXPECT_EQ(leaf(strip(vas[0][1])), " cow") << marks;
    EXPECT_EQ(leaf(strip(vas[0][2])), " zero") << marks;
  }

  expect_balance(q, *boot_balance, "cowtest");
  EXPECT_EQ(run(q, "forktest"), "fork test\nfork test OK\n");
  expect_balance(q, *boot_balance, "forktest");
}

} // namespace
} // namespace lazyv6::systest
