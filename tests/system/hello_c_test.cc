// hello_c: a plain C program written the xv6 way (kernel/types.h, user/user.h, printf, malloc,
// fstat, sbrk) builds against the user library and runs, printing what user/hello_c.c says.

#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;

// hello_c's whole output for argv[0] = `argv0`, argc `argc`, stdout on inode `ino` of type `type`.
std::regex hello_output(const std::string& argv0, int argc, int type, const std::string& ino) {
  return std::regex("hello from C, argc " + std::to_string(argc) + ", argv\\[0\\] " + argv0 +
                    "\n"
                    "malloc'd 100 bytes at 0x([0-9a-f]{16}), strlen 99\n"
                    "stdout: type " +
                    std::to_string(type) + " ino " + ino +
                    "\n"
                    "sbrk ok: xy\n");
}

TEST(HelloC, RunsLikeAnXv6Program) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());

  // stdout is the console device: its inode as ls shows it.
  auto console = grep_lines(run(q, "ls console"), R"(console +3 (\d+) 0)");
  ASSERT_EQ(console.size(), 1u);
  const std::string console_ino = console[0][1];

  std::smatch m;
  std::string out = run(q, "hello_c");
  ASSERT_TRUE(std::regex_match(out, m, hello_output("hello_c", 1, 3, console_ino))) << out;
  EXPECT_NE(std::stoull(m[1].str(), nullptr, 16), 0u); // malloc gave a real pointer

  out = run(q, "hello_c one two");
  EXPECT_TRUE(std::regex_match(out, hello_output("hello_c", 3, 3, console_ino))) << out;
  out = run(q, "/hello_c");
  EXPECT_TRUE(std::regex_match(out, hello_output("/hello_c", 1, 3, console_ino))) << out;

  // Redirected, stdout is a regular file (type 2): the one ls lists.
  EXPECT_EQ(run(q, "hello_c x > out"), "");
  auto file = grep_lines(run(q, "ls out"), R"(out +2 (\d+) (\d+))");
  ASSERT_EQ(file.size(), 1u);
  out = run(q, "cat out");
  EXPECT_TRUE(std::regex_match(out, hello_output("hello_c", 2, 2, file[0][1]))) << out;
  EXPECT_EQ(file[0][2], std::to_string(out.size()));
  EXPECT_EQ(out.find("hello_c:"), std::string::npos) << out; // none of its failure messages
}

} // namespace
} // namespace lazyv6::systest
