// Console input and the console's answers to killed writers and bad read buffers:
// - a 300-character line pasted in one burst arrives whole, Enter included;
// - backspace works far into a long line (past the old 128-byte buffer);
// - arrow keys (ESC [ A ... and ESC O A) leave no stray characters, on screen or in the line;
// - a line holds 512 characters; what does not fit is refused with a bell (BEL), not lost silently
//   with the Enter that follows;
// - read() into a bad buffer returns -1 and keeps the line (consoletest badread);
// - a process killed during a 2 MiB write to the console exits at once (consoletest killwrite).

#include <string>

#include <gtest/gtest.h>

#include "tests/harness/shell.h"

namespace lazyv6::harness {
namespace {

using namespace std::chrono_literals;

// n characters cycling through letters and digits, so a lost or repeated stretch shows.
std::string pattern(size_t n) {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (size_t i = 0; i < n; i++)
    s += kChars[i % (sizeof(kChars) - 1)];
  return s;
}

// Boots to the prompt and runs one command, so that every boot line (a late "hart N starting")
// is behind the cursor and the next expect() sees only what the test caused.
void boot_and_settle(Qemu& q) {
  boot(q);
  if (!::testing::Test::HasFailure()) {
    EXPECT_EQ(run(q, "echo ready"), "ready\n");
  }
}

TEST(ConsoleInput, PastedLongLineArrivesWhole) {
  Qemu q(from_test_args());
  boot_and_settle(q);
  ASSERT_FALSE(HasFailure());
  const std::string s = pattern(300);
  // run() sends the whole line (and its Enter) in one write, then waits for its echo.
  EXPECT_EQ(run(q, "echo " + s), s + "\n");
  EXPECT_EQ(run(q, "echo alive"), "alive\n");
}

TEST(ConsoleInput, BackspaceFarIntoALine) {
  Qemu q(from_test_args());
  boot_and_settle(q);
  ASSERT_FALSE(HasFailure());
  const std::string s = pattern(200); // the cursor is at 205 when the erasing starts
  ASSERT_CONSOLE(q.send_raw("echo " + s + "\x7f\x7f\b" + "XYZ\n"));
  auto r = q.expect("$ ", kCommandTimeout);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.before, "echo " + s + "\b \b\b \b\b \bXYZ\n" + s.substr(0, 197) + "XYZ\n");
}

TEST(ConsoleInput, ArrowKeysLeaveNoTrace) {
  Qemu q(from_test_args());
  boot_and_settle(q);
  ASSERT_FALSE(HasFailure());
  // Up, down, right, left (CSI), a parameterised CSI (Ctrl-Right), and keypad-mode up (SS3).
  ASSERT_CONSOLE(q.send_raw("echo ab\x1b[A\x1b[Bc\x1b[C\x1b[Dd\x1b[1;5Ce\x1bOAf\n"));
  auto r = q.expect("$ ", kCommandTimeout);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.before, "echo abcdef\nabcdef\n");
  EXPECT_EQ(run(q, "echo alive"), "alive\n");
}

TEST(ConsoleInput, LineLimitRingsTheBell) {
  Qemu q(from_test_args());
  boot_and_settle(q);
  ASSERT_FALSE(HasFailure());
  ASSERT_CONSOLE(q.send_line("cat"));
  ASSERT_CONSOLE(q.expect("cat\n", kEchoTimeout));
  const std::string x512(512, 'x');
  ASSERT_CONSOLE(q.send_line(x512 + "yyyyyyyy"));
  // Echo: 512 characters, a bell for each of the 8 refused, the Enter; then cat's copy of the line.
  auto r = q.expect(x512 + std::string(8, '\a') + "\n" + x512 + "\n", kCommandTimeout);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.before, "");
  ASSERT_CONSOLE(q.send_raw("\x04")); // Ctrl-D: end of cat's input
  ASSERT_CONSOLE(q.expect("$ ", kCommandTimeout));
  EXPECT_EQ(run(q, "echo alive"), "alive\n");
}

TEST(ConsoleRead, BadBufferReturnsMinusOneAndKeepsTheLine) {
  Qemu q(from_test_args());
  boot_and_settle(q);
  ASSERT_FALSE(HasFailure());
  ASSERT_CONSOLE(q.send_line("consoletest badread"));
  ASSERT_CONSOLE(q.expect("consoletest badread: type a line\n", kCommandTimeout));
  ASSERT_CONSOLE(q.send_line("hello console"));
  auto r = q.expect("$ ", kCommandTimeout);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.before, "hello console\n"
                      "consoletest badread: bad buffer -1, then 14 bytes: hello console\n"
                      "consoletest badread: OK\n");
}

TEST(ConsoleWrite, KilledWriterStopsAtOnce) {
  Qemu q(from_test_args());
  boot_and_settle(q);
  ASSERT_FALSE(HasFailure());
  // The whole write would take minutes; the timeout only catches a hang.
  const std::string out = run(q, "consoletest killwrite", 300s);
  EXPECT_NE(out.find("consoletest killwrite: OK\n"), std::string::npos) << q.tail();
  // The child's 2 MiB of dots were cut short, at a line boundary; the write had started.
  const size_t dots = count(out, "."), lines = count(out, std::string(63, '.') + "\n");
  EXPECT_GT(dots, 0u);
  EXPECT_LT(dots, 2u * 1024 * 1024 / 2);
  EXPECT_EQ(dots, lines * 63);
  EXPECT_EQ(run(q, "echo alive"), "alive\n");
}

} // namespace
} // namespace lazyv6::harness
