// The harness against the real QEMU, booting testdata/echo_guest.S (no kernel needed): banner,
// echo, regex submatches, expect_any, timeout + kill, power-off exit statuses, transcript file,
// disk copy, destructor kill. Run by Bazel with --kernel=<echo_guest ELF> --fs=<blank image>.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "tests/harness/qemu.h"

namespace lazyv6::harness {
namespace {

using namespace std::chrono_literals;

// True if no process `pid` exists any more (a zombie would still count as existing).
bool gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

constexpr auto kBoot = 20s;
// Command bytes understood by echo_guest (everything else is echoed).
constexpr const char* kPowerOff = "\x11";
constexpr const char* kExit3 = "\x12";
constexpr const char* kPanic = "\x14";

TEST(Guest, BannerEchoAndPowerOff) {
  QemuOptions o = from_test_args();
  ASSERT_FALSE(o.kernel.empty()) << "run with --kernel=<echo_guest ELF>";
  Qemu q(o);
  ASSERT_CONSOLE(q.start());
  EXPECT_TRUE(q.running());

  ASSERT_CONSOLE(q.expect("echo_guest: booted on hart 0\n", kBoot));
  ASSERT_CONSOLE(q.expect("type> ", 5s));

  ASSERT_CONSOLE(q.send_line("hello world"));
  auto echo = q.expect("hello world\n", 5s);
  ASSERT_CONSOLE(echo);
  EXPECT_EQ(echo.before, ""); // the echo follows the prompt directly

  ASSERT_CONSOLE(q.send_line("pid 4242 state RUNNING"));
  auto r = q.expect(re(R"(pid (\d+) state ([A-Z]+)\n)"), 5s);
  ASSERT_CONSOLE(r);
  ASSERT_EQ(r.groups.size(), 3u);
  EXPECT_EQ(r[1], "4242");
  EXPECT_EQ(r[2], "RUNNING");

  // Control bytes reach the guest unchanged through the pipe (no tty in between).
  ASSERT_CONSOLE(q.send_raw("\x10\x03\x04"));
  ASSERT_CONSOLE(q.expect("\x10\x03\x04", 5s));

  ASSERT_CONSOLE(q.send_raw(kPowerOff));
  auto e = q.wait_exit(10s);
  ASSERT_CONSOLE(e);
  EXPECT_EQ(e.status, 0);
  EXPECT_FALSE(q.running());

  // The transcript file holds exactly what the test saw.
  EXPECT_EQ(read_file(q.log_path()), q.transcript());
  EXPECT_NE(q.transcript().find("pid 4242"), std::string::npos);
}

TEST(Guest, ExitStatusFromSifiveTest) {
  Qemu q(from_test_args());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("type> ", kBoot));
  ASSERT_CONSOLE(q.send_raw(kExit3));
  auto e = q.wait_exit(10s);
  ASSERT_CONSOLE(e);
  EXPECT_EQ(e.status, 3);
  EXPECT_EQ(e.signal, 0);
}

TEST(Guest, ExpectAnyReportsWhichPattern) {
  Qemu q(from_test_args());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("type> ", kBoot));
  ASSERT_CONSOLE(q.send_raw(kPanic));
  auto r = q.expect_any({"ALL TESTS PASSED", "SOME TESTS FAILED", re(R"(panic: ([a-z ]+)\n)")}, 5s);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.index, 2);
  EXPECT_EQ(r[1], "fake panic for harness");
}

TEST(Guest, TimeoutKillsQemuAndExplains) {
  Qemu q(from_test_args());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("type> ", kBoot));
  pid_t pid = q.pid();
  ASSERT_GT(pid, 0);

  auto r = q.expect("ALL TESTS PASSED", 500ms);
  EXPECT_FALSE(r);
  EXPECT_NE(r.message.find("timed out after 500 ms"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("QEMU killed"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("\"ALL TESTS PASSED\""), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("echo_guest: booted"), std::string::npos) << "tail missing:\n"
                                                                     << r.message;
  EXPECT_NE(r.message.find(q.log_path()), std::string::npos) << r.message;
  EXPECT_FALSE(q.running());
  EXPECT_TRUE(gone(pid));

  // Everything after a kill fails fast and says why.
  auto later = q.expect("type> ", 5s);
  EXPECT_FALSE(later);
  EXPECT_NE(later.message.find("killed"), std::string::npos) << later.message;
  EXPECT_FALSE(q.send_line("x"));
  auto e = q.wait_exit(1s);
  EXPECT_FALSE(e);
  EXPECT_EQ(e.signal, SIGKILL);
}

TEST(Guest, KeepRunningProbeThenContinue) {
  Qemu q(from_test_args());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("type> ", kBoot));
  EXPECT_FALSE(q.expect("nothing like this", 300ms, OnTimeout::KeepRunning));
  EXPECT_TRUE(q.running());
  ASSERT_CONSOLE(q.send_line("still here"));
  ASSERT_CONSOLE(q.expect("still here\n", 5s));
  EXPECT_FALSE(q.wait_exit(300ms, OnTimeout::KeepRunning));
  EXPECT_TRUE(q.running());
  auto e = q.wait_exit(300ms); // OnTimeout::Kill
  EXPECT_FALSE(e);
  EXPECT_FALSE(q.running());
}

TEST(Guest, DestructorKillsQemu) {
  pid_t pid = -1;
  std::string disk;
  {
    Qemu q(from_test_args());
    ASSERT_CONSOLE(q.start());
    ASSERT_CONSOLE(q.expect("type> ", kBoot));
    pid = q.pid();
    disk = q.disk_path();
    EXPECT_FALSE(gone(pid));
  }
  EXPECT_TRUE(gone(pid));
  if (!disk.empty()) {
    EXPECT_NE(access(disk.c_str(), F_OK), 0) << "disk copy left behind: " << disk;
  }
}

TEST(Guest, DiskIsAPrivateWritableCopy) {
  QemuOptions o = from_test_args();
  if (o.fs_image.empty())
    GTEST_SKIP() << "no --fs given";
  Qemu q(o);
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("type> ", kBoot));
  EXPECT_NE(q.disk_path(), o.fs_image);
  EXPECT_EQ(access(q.disk_path().c_str(), W_OK), 0);
  EXPECT_EQ(read_file(q.disk_path()), read_file(o.fs_image));
  bool found = false;
  for (const auto& a : q.command_line()) {
    if (a.find("file=" + q.disk_path() + ",") == 0)
      found = true;
  }
  EXPECT_TRUE(found);
}

TEST(Guest, IcountBoots) {
  QemuOptions o = from_test_args();
  o.icount = true;
  o.harts = 1;
  Qemu q(o);
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("type> ", kBoot));
  ASSERT_CONSOLE(q.send_raw(kPowerOff));
  auto e = q.wait_exit(10s);
  ASSERT_CONSOLE(e);
  EXPECT_EQ(e.status, 0);
}

TEST(Guest, MissingKernelFailsClearly) {
  QemuOptions o = from_test_args();
  o.kernel = "/nonexistent/kernel";
  Qemu q(o);
  Status s = q.start();
  EXPECT_FALSE(s);
  EXPECT_NE(s.message.find("/nonexistent/kernel"), std::string::npos) << s.message;
  EXPECT_FALSE(q.running());
  EXPECT_FALSE(q.expect("x", 1s));
}

} // namespace
} // namespace lazyv6::harness
