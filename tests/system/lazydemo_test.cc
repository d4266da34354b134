// README's "Write your own program" example, user/lazydemo.c, built from its one line in
// user/programs.bzl, runs in the guest: growing the heap maps nothing, and touching every other
// page of 8 makes exactly 4 pages resident.

#include <string>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

TEST(Lazydemo, GrowsLazilyAndTouchesHalf) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  const std::string out = run(q, "lazydemo 8");
  auto m =
      grep_lines(out, R"(lazydemo: grew by 8 pages: resident (\d+) -> (\d+), touched 4 -> (\d+))");
  ASSERT_EQ(m.size(), 1u) << out;
  const int before = std::stoi(m[0][1]);
  EXPECT_EQ(std::stoi(m[0][2]), before) << "sbrk mapped pages: " << out;
  EXPECT_EQ(std::stoi(m[0][3]), before + 4) << out;
  EXPECT_EQ(run(q, "lazydemo 16"), "lazydemo: grew by 16 pages: resident " + m[0][1] + " -> " +
                                       m[0][1] + ", touched 8 -> " + std::to_string(before + 8) +
                                       "\n");
}

} // namespace
} // namespace lazyv6::systest
