// QEMU test harness for GoogleTest tests: everything in qemu_core.h plus test glue.
//
//   #include "tests/harness/qemu.h"
//   using namespace std::chrono_literals;
//   using lazyv6::harness::Qemu;
//
//   TEST(Shell, Echo) {
//     Qemu q(lazyv6::harness::from_test_args());   // --kernel/--fs from qemu_test() in defs.bzl
//     ASSERT_CONSOLE(q.start());
//     ASSERT_CONSOLE(q.expect("$ ", 30s));
//     ASSERT_CONSOLE(q.send_line("echo hi"));
//     ASSERT_CONSOLE(q.expect("hi\n", 10s));
//     auto r = q.expect_any({"ALL TESTS PASSED", "SOME TESTS FAILED", "panic"}, 300s);
//     ASSERT_CONSOLE(r);
//     EXPECT_EQ(r.index, 0) << r.text;
//   }
//
// A failed start/send/expect/wait_exit prints its reason and the console tail to stderr, and
// ASSERT_CONSOLE / EXPECT_CONSOLE turn it into a test failure carrying the same message.

#pragma once

#include <gtest/gtest.h>

#include "tests/harness/qemu_core.h"

namespace lazyv6::harness {

// Options for the running test: the process's --kernel/--fs/... flags (see options_from_args;
// gtest_main leaves flags it does not know alone), and a transcript named after the running
// GoogleTest test ("Suite.Name.console.log"), or after the Bazel target outside a test body.
QemuOptions from_test_args();

// Success, or failure carrying the harness's message (reason, log path, console tail).
::testing::AssertionResult console_ok(const Status& status);
::testing::AssertionResult console_ok(const ExpectResult& result);
::testing::AssertionResult console_ok(const ExitResult& result);

} // namespace lazyv6::harness

#define ASSERT_CONSOLE(result) ASSERT_TRUE(::lazyv6::harness::console_ok(result))
#define EXPECT_CONSOLE(result) EXPECT_TRUE(::lazyv6::harness::console_ok(result))
