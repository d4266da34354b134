// xv6c: a C program in the style of xv6's own user programs (GNU C, asm volatile, kernel/riscv.h's
// r_sp/r_time/r_tp/w_tp/r_ra, xv6's headers in xv6's order, an old-style definition, a
// set-but-unused variable, sleep) builds with user_program and every one of its checks holds when
// it runs.

#include <string>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

TEST(Xv6C, BuildsAndRunsLikeAnXv6Program) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());

  const std::string out = run(q, "xv6c a b");
  EXPECT_EQ(out, "sp in the stack page: yes\n"
                 "asm volatile adds: yes\n"
                 "old-style definition: yes\n"
                 "tp written and read: yes\n"
                 "ra set: yes\n"
                 "time advances over sleep(2): yes\n"
                 "xv6 syscall numbers: yes\n"
                 "xv6 constants: yes\n"
                 "xv6 memory layout: yes\n"
                 "wrote a block: yes\n"
                 "fstat of the block: yes\n"
                 "unlinked: yes\n"
                 "xv6c: ok, argc 3, argv[0] xv6c\n");
  // The shell survives it, and the temporary file is gone.
  EXPECT_EQ(run(q, "echo done"), "done\n");
  EXPECT_EQ(run(q, "ls xv6c.tmp").find("xv6c.tmp 2"), std::string::npos);
}

} // namespace
} // namespace lazyv6::systest
