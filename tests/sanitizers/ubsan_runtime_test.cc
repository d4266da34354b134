// kernel/ubsan.cc catches deliberate undefined behaviour: boots ubsan_guest (kernel/ubsan.cc and
// the kernel's UBSan flags, on QEMU) once per trigger and checks the report: the -fsanitize= check
// name, the file and the exact line of the operation (the guest announces it), a detail, and that
// the panic stops the machine. Run by Bazel with --kernel=<ubsan_guest ELF>.

#include <chrono>
#include <regex>
#include <string>

#include "tests/harness/qemu.h"

namespace {

using namespace std::chrono_literals;
using lazyv6::harness::from_test_args;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;
using lazyv6::harness::re;

struct Case {
  const char* trigger; // name the guest knows
  const char* check;   // the -fsanitize= check the report must name
  const char* detail;  // a piece of the report's explanation
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.trigger;
}

class UbsanRuntime : public ::testing::TestWithParam<Case> {};

TEST_P(UbsanRuntime, ReportsCheckAndLocationThenPanics) {
  const Case& c = GetParam();
  QemuOptions o = from_test_args();
  ASSERT_FALSE(o.kernel.empty()) << "run with --kernel=<ubsan_guest ELF>";
  o.harts = 1;
  Qemu q(o);
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("ubsan_guest: ready\n", 20s));
  ASSERT_CONSOLE(q.send_line(c.trigger));

  auto announced = q.expect(re("trigger " + std::string(c.trigger) + R"( line (\d+)\n)"), 10s);
  ASSERT_CONSOLE(announced);
  auto report =
      q.expect(re(R"(panic: ubsan: ([a-z-]+) at ([^:\n]+):(\d+):(\d+): ([^\n]*)\n)"), 10s);
  ASSERT_CONSOLE(report);
  EXPECT_EQ(report[1], c.check);
  EXPECT_EQ(report[2], "tests/sanitizers/ubsan_guest.cc");
  EXPECT_EQ(report[3], announced[1]) << "the report must point at the announced line";
  EXPECT_NE(report[4], "0");
  EXPECT_NE(report[5].find(c.detail), std::string::npos) << report.text;

  auto exit = q.wait_exit(10s);
  ASSERT_CONSOLE(exit);
  EXPECT_EQ(exit.status, 1) << "the guest's panic powers off with status 1; 2 means not caught";
}

// Every handler the kernel's flags can reach, and the values the reports decode.
INSTANTIATE_TEST_SUITE_P(
    Triggers, UbsanRuntime,
    ::testing::Values(
        Case{"add", "signed-integer-overflow", "2147483647 + 1 overflows type 'int'"},
        Case{"sub", "signed-integer-overflow", "-2147483648 - 1 overflows type 'int'"},
        Case{"mul", "signed-integer-overflow", "2147483647 * 2 overflows type 'int'"},
        Case{"negate", "signed-integer-overflow", "-(-2147483648) overflows type 'int'"},
        Case{"divzero", "integer-divide-by-zero", "1 / 0"},
        Case{"divoverflow", "signed-integer-overflow", "-2147483648 / -1"},
        Case{"shift", "shift-exponent", "shift exponent 40"},
        Case{"bounds", "array-bounds", "index 4 out of bounds for type 'int[4]'"},
        Case{"null", "null", "load of null pointer of type 'int'"},
        Case{"misaligned", "alignment", "requires 4-byte alignment"},
        Case{"objectsize", "object-size", "insufficient space for an object of type 'int'"},
        Case{"pointer", "pointer-overflow", "on 0xfffffffffffffff8 gives 0x8"},
        Case{"unreachable", "unreachable", "__builtin_unreachable() reached"},
        Case{"builtin", "builtin", "ctz() of zero"},
        Case{"bool", "bool", "load of value 5, which is not valid for type 'volatile bool'"},
        Case{"enum", "enum", "load of value 5, which is not valid for type 'volatile Color'"},
        Case{"floatcast", "float-cast-overflow", "from 'double' to 'int'"},
        Case{"nonnull", "nonnull-attribute", "null passed as argument 1"},
        Case{"returnsnonnull", "returns-nonnull-attribute", "declared never to return null"},
        Case{"return", "return", "without a return"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.trigger); });

} // namespace
