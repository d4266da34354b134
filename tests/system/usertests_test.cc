// usertests, lazyv6's port of xv6's system test suite: `usertests -q` (quick tests) or `usertests`
// (quick and slow tests), chosen by --mode=quick|full; the kernel comes from the BUILD target.
// Passes on exactly "ALL TESTS PASSED" with no test reported FAILED and no panic.

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

// usertests prints "test NAME: " before running a test and "OK" or "FAILED" after it, with the
// test's own output and kernel messages possibly in between. Returns NAME -> passed, in order.
std::vector<std::pair<std::string, bool>> results(const std::string& text) {
  std::vector<std::pair<std::string, bool>> out;
  std::regex start(R"((?:^|\n)test (\w+): )");
  std::vector<std::pair<size_t, std::string>> starts;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), start);
       it != std::sregex_iterator(); ++it)
    starts.emplace_back(it->position(0) + it->length(0), (*it)[1].str());
  for (size_t i = 0; i < starts.size(); i++) {
    size_t end = i + 1 < starts.size() ? starts[i + 1].first : text.size();
    std::string segment = text.substr(starts[i].first, end - starts[i].first);
    bool ok =
        segment.find("FAILED") == std::string::npos && segment.find("OK\n") != std::string::npos;
    out.emplace_back(starts[i].second, ok);
  }
  return out;
}

TEST(Usertests, AllTestsPass) {
  const std::string mode = test_arg("mode", "quick");
  ASSERT_TRUE(mode == "quick" || mode == "full") << mode;
  const bool full = mode == "full";

  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  ASSERT_CONSOLE(q.send_line(full ? "usertests" : "usertests -q"));
  ASSERT_CONSOLE(q.expect("usertests starting\n", kCommandTimeout));
  // Hang detection only: a full run takes minutes, longer on a loaded machine.
  auto r = q.expect_any({"ALL TESTS PASSED\n", "SOME TESTS FAILED\n", "panic"}, full ? 840s : 600s);
  ASSERT_CONSOLE(r);
  std::string failed;
  size_t passed = 0;
  for (const auto& [name, ok] : results(r.before)) {
    if (ok)
      passed++;
    else
      failed += " " + name;
  }
  for (const auto& m : grep_lines(r.before, R"(FAILED -- .*)"))
    failed += " [" + m[0] + "]";
  EXPECT_EQ(r.index, 0) << "usertests ended with: " << r.text << "failed:" << failed
                        << "\nsee the console log in test.outputs";
  EXPECT_EQ(failed, "");
  EXPECT_EQ(r.before.find("panic"), std::string::npos);
  // Some tests ran, and in full mode the slow ones too.
  EXPECT_GE(passed, 40u) << r.before;
  EXPECT_EQ(r.before.find("usertests slow tests starting") != std::string::npos, full);
  if (r.index == 0) {
    ASSERT_CONSOLE(q.expect("$ ", kCommandTimeout));
    EXPECT_EQ(run(q, "echo after usertests"), "after usertests\n");
  }
}

} // namespace
} // namespace lazyv6::systest
