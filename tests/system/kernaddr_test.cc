// A user program cannot reach kernel memory: `usertests kernaddr kernaddrsys` loads, stores and
// jumps at kernel text and data, the direct map of RAM and devices, the kernel stacks, KERNBASE,
// TRAPFRAME, TRAMPOLINE, MAXVA and ~0, each in a child that must be killed, and gives those
// addresses to system calls, which must fail with -1. Run on both trap models (BUILD).

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "kernel/memlayout.h"
#include "kernel/param.h"
#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

// The kill line's address, as the kernel prints it (%p: 0x and 16 hex digits).
std::string va_text(uint64_t va) {
  char text[32];
  std::snprintf(text, sizeof(text), "at va 0x%016llx", static_cast<unsigned long long>(va));
  return text;
}

TEST(KernelAddresses, UserProgramsCannotReachThem) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());
  ASSERT_CONSOLE(q.send_line("usertests kernaddr kernaddrsys"));
  auto r = q.expect_any({"ALL TESTS PASSED\n", "SOME TESTS FAILED\n", "panic"}, 300s);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.index, 0) << r.before;
  EXPECT_NE(r.before.find("test kernaddr: "), std::string::npos) << r.before;
  EXPECT_NE(r.before.find("test kernaddrsys: "), std::string::npos) << r.before;
  EXPECT_EQ(r.before.find("FAILED"), std::string::npos) << r.before;
  // Each upper-half address killed a load, a store and a jump, each with its own console line.
  const uint64_t upper[] = {KERNLINK,        KDIRECT + KERNBASE + 64 * 1024 * 1024,
                            KDIRECT + UART0, KDIRECT + 0x100000,
                            KSTACK(0),       KSTACK(NPROC - 1)};
  for (uint64_t va : upper) {
    EXPECT_EQ(count(r.before, va_text(va) + " "), 3u) << va_text(va) << "\n" << r.before;
  }
  EXPECT_EQ(r.before.find("panic"), std::string::npos);
}

} // namespace
} // namespace lazyv6::systest
