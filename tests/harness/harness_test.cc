// Unit tests of the QEMU harness that need neither QEMU nor a kernel: testdata/fake_qemu.sh
// stands in for qemu-system-riscv64 (through QemuOptions::qemu or $LAZYV6_QEMU), prints its
// arguments and answers console lines. Covered: command line and disk copy, expect cursor and
// ordering, literal vs regex, expect_any, timeouts and killing (including QEMU's children), QEMU
// exiting early, exit status, the transcript file, stderr capture, and that no QEMU survives a
// test process killed by SIGTERM (Bazel's timeout) or SIGKILL.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "tests/harness/qemu.h"

namespace lazyv6::harness {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string fake_qemu() {
  return runfile("tests/harness/testdata/fake_qemu.sh");
}
// Any readable files do as "kernel" and "disk" for the fake.
std::string fake_kernel() {
  return runfile("tests/harness/testdata/echo_guest.S");
}
std::string fake_disk() {
  return runfile("tests/harness/testdata/echo_guest.ld");
}

QemuOptions fake_options() {
  QemuOptions o;
  o.qemu = fake_qemu();
  o.kernel = fake_kernel();
  o.fs_image = fake_disk();
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  o.log_name = std::string(info->test_suite_name()) + "." + info->name();
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// True if `pid` no longer runs, judged from /proc/PID/stat: gone (ENOENT, ESRCH), read empty or cut
// short (a process being torn down), or in state zombie or dead. A process that is exiting may
// give any of these; none of them means it still runs.
bool stat_says_gone(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    EXPECT_TRUE(errno == ENOENT || errno == ESRCH) << path << ": " << strerror(errno);
    return true;
  }
  char buf[1024];
  ssize_t n;
  do {
    n = read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0)
    return true; // ESRCH on read, or nothing left to read
  // "pid (comm) S ...": comm may hold ')' itself, so the state follows the last one.
  const std::string stat(buf, static_cast<size_t>(n));
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size())
    return true;
  const char state = stat[paren + 2];
  return state == 'Z' || state == 'X' || state == 'x';
}

// True once `pid` has exited (a zombie counts: it no longer runs). Waits up to `limit` for the
// kernel to say so (a pidfd becomes readable when its process exits): no polling, no sleeps.
bool dies_within(pid_t pid, std::chrono::milliseconds limit) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    EXPECT_EQ(errno, ESRCH) << "pidfd_open(" << pid << "): " << strerror(errno);
    return true; // already reaped
  }
  bool exited = stat_says_gone(pid);
  const auto deadline = Clock::now() + limit;
  while (!exited) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    struct pollfd p = {pidfd, POLLIN, 0};
    int r = poll(&p, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
    if (r < 0 && errno == EINTR)
      continue;
    EXPECT_GE(r, 0) << "poll on a pidfd: " << strerror(errno);
    exited = r > 0;
    if (r <= 0)
      break; // the deadline passed (or poll failed)
  }
  close(pidfd);
  return exited;
}

pid_t fake_pid(Qemu& q) {
  auto r = q.expect(re(R"(fake-qemu: pid (\d+)\n)"), 10s);
  return r ? std::stoi(r[1]) : -1;
}

TEST(Harness, CommandLineAndPrivateDiskCopy) {
  QemuOptions o = fake_options();
  o.harts = 2;
  o.memory = "256M";
  o.icount = true;
  o.extra_args = {"-s", "-S"};
  Qemu q(o);
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("fake-qemu: ready\n", 10s));

  std::vector<std::string> want = {o.qemu,
                                   "-machine",
                                   "virt",
                                   "-bios",
                                   "none",
                                   "-kernel",
                                   o.kernel,
                                   "-m",
                                   "256M",
                                   "-smp",
                                   "2",
                                   "-global",
                                   "virtio-mmio.force-legacy=false",
                                   "-drive",
                                   "file=" + q.disk_path() + ",if=none,format=raw,id=x0",
                                   "-device",
                                   "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
                                   "-nographic",
                                   "-monitor",
                                   "none",
                                   "-serial",
                                   "stdio",
                                   "-icount",
                                   "shift=0",
                                   "-s",
                                   "-S"};
  EXPECT_EQ(q.command_line(), want);
  std::string printed;
  for (size_t i = 1; i < want.size(); ++i)
    printed += "arg: " + want[i] + "\n";
  EXPECT_NE(q.transcript().find(printed), std::string::npos) << q.transcript();

  // QEMU writes to a private copy; the original stays as it was.
  EXPECT_NE(q.disk_path(), o.fs_image);
  std::string original = read_file(o.fs_image);
  ASSERT_CONSOLE(q.send_line("scribble"));
  ASSERT_CONSOLE(q.expect("fake-qemu: scribbled\n", 10s));
  EXPECT_EQ(read_file(q.disk_path()), original + "scribbled\n");
  EXPECT_EQ(read_file(o.fs_image), original);
}

TEST(Harness, NoDiskWhenNoImage) {
  QemuOptions o = fake_options();
  o.fs_image.clear();
  Qemu q(o);
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("fake-qemu: ready\n", 10s));
  EXPECT_EQ(q.disk_path(), "");
  for (const auto& a : q.command_line())
    EXPECT_NE(a, "-drive");
}

TEST(Harness, ExpectConsumesOutputInOrder) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("fake-qemu: ready\n", 10s));
  ASSERT_CONSOLE(q.send_line("one"));
  ASSERT_CONSOLE(q.send_line("two"));
  ASSERT_CONSOLE(q.send_line("three"));
  auto two = q.expect("echo: two\n", 10s);
  ASSERT_CONSOLE(two);
  EXPECT_EQ(two.before, "echo: one\n");
  EXPECT_EQ(two.index, 0);
  // "one" lies before the cursor now: it cannot match again.
  EXPECT_FALSE(q.expect("echo: one", 300ms, OnTimeout::KeepRunning));
  ASSERT_CONSOLE(q.expect("echo: three\n", 10s));
  EXPECT_EQ(q.pending(), "");
  ASSERT_CONSOLE(q.send_line("four"));
  ASSERT_CONSOLE(q.expect("four", 10s));
  EXPECT_EQ(q.pending(), "\n");
}

TEST(Harness, LiteralsAreLiteralRegexesAreRegexes) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.send_line("a.b(c)$ [x]"));
  ASSERT_CONSOLE(q.send_line("axb(c) value=17"));
  auto lit = q.expect("a.b(c)$ [x]", 10s);
  ASSERT_CONSOLE(lit);
  EXPECT_EQ(lit.text, "a.b(c)$ [x]");
  auto rx = q.expect(re(R"(a.b\(c\) value=(\d+))"), 10s);
  ASSERT_CONSOLE(rx);
  EXPECT_EQ(rx[0], "axb(c) value=17");
  EXPECT_EQ(rx[1], "17");
  ASSERT_CONSOLE(q.send_line("plain std::regex 99"));
  auto sr = q.expect(std::regex(R"(regex (\d+))"), 10s);
  ASSERT_CONSOLE(sr);
  EXPECT_EQ(sr[1], "99");
}

TEST(Harness, RegexMatchAtTheEndOfOutputIsTakenOnceOutputPauses) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("fake-qemu: ready\n", 10s));
  ASSERT_CONSOLE(q.send_line("partial"));
  auto start = Clock::now();
  auto r = q.expect(re(R"(value (\d+))"), 10s);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r[1], "12"); // output stopped there: the held-back match is taken
  EXPECT_LT(Clock::now() - start, 5s);
  ASSERT_CONSOLE(q.send_line("rest"));
  ASSERT_CONSOLE(q.expect("34\n", 10s));
}

TEST(Harness, ExpectAnyPicksTheEarliestMatch) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("fake-qemu: ready\n", 10s));
  ASSERT_CONSOLE(q.send_line("SOME TESTS FAILED then ALL TESTS PASSED"));
  ASSERT_CONSOLE(q.send_line("sync"));
  std::this_thread::sleep_for(300ms); // let both lines arrive before the first search
  auto r = q.expect_any({"ALL TESTS PASSED", "SOME TESTS FAILED", re("panic: .*")}, 10s);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r.index, 1); // starts first, although listed second
  EXPECT_EQ(r.text, "SOME TESTS FAILED");
  EXPECT_EQ(r.before, "echo: ");
  auto r2 = q.expect_any({"ALL TESTS PASSED", "SOME TESTS FAILED"}, 10s);
  ASSERT_CONSOLE(r2);
  EXPECT_EQ(r2.index, 0);
  EXPECT_EQ(r2.before, " then ");
  // Both now lie before the cursor.
  EXPECT_FALSE(
      q.expect_any({"ALL TESTS PASSED", "SOME TESTS FAILED"}, 200ms, OnTimeout::KeepRunning));
  ASSERT_CONSOLE(q.expect("echo: sync\n", 10s));
}

TEST(Harness, TimeoutKillsQemuAndItsChildren) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  pid_t pid = fake_pid(q);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(pid, q.pid());
  ASSERT_CONSOLE(q.send_line("child"));
  auto c = q.expect(re(R"(fake-qemu: child (\d+)\n)"), 10s);
  ASSERT_CONSOLE(c);
  pid_t child = std::stoi(c[1]);
  ASSERT_CONSOLE(q.send_line("hang"));

  auto start = Clock::now();
  auto r = q.expect("ALL TESTS PASSED", 400ms);
  auto took = Clock::now() - start;
  EXPECT_FALSE(r);
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 5s);
  EXPECT_NE(r.message.find("timed out after 400 ms"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("QEMU killed"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("fake-qemu: child"), std::string::npos) << "no tail:\n" << r.message;
  EXPECT_NE(r.message.find(q.log_path()), std::string::npos) << r.message;
  EXPECT_FALSE(q.running());
  EXPECT_TRUE(dies_within(pid, 0ms));  // reaped before expect returned
  EXPECT_TRUE(dies_within(child, 5s)); // the whole process group went

  auto e = q.wait_exit(1s);
  EXPECT_FALSE(e);
  EXPECT_EQ(e.signal, SIGKILL);
  EXPECT_FALSE(q.send_line("anything"));
}

TEST(Harness, EarlyExitFailsFastWithStatus) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.send_line("exit 5"));
  auto start = Clock::now();
  auto r = q.expect("ALL TESTS PASSED", 30s);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_FALSE(r);
  EXPECT_NE(r.message.find("QEMU exited with status 5 before a match"), std::string::npos)
      << r.message;
  auto e = q.wait_exit(1s);
  ASSERT_CONSOLE(e);
  EXPECT_EQ(e.status, 5);
}

TEST(Harness, WaitExitReturnsStatus) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.send_line("exit 0"));
  auto e = q.wait_exit(10s);
  ASSERT_CONSOLE(e);
  EXPECT_EQ(e.status, 0);
  EXPECT_EQ(e.signal, 0);
  EXPECT_NE(q.transcript().find("fake-qemu: ready"), std::string::npos);
}

TEST(Harness, WaitExitTimeoutKills) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  pid_t pid = fake_pid(q);
  auto keep = q.wait_exit(200ms, OnTimeout::KeepRunning);
  EXPECT_FALSE(keep);
  EXPECT_TRUE(q.running());
  auto e = q.wait_exit(200ms);
  EXPECT_FALSE(e);
  EXPECT_NE(e.message.find("still running after 200 ms; QEMU killed"), std::string::npos)
      << e.message;
  EXPECT_FALSE(q.running());
  EXPECT_TRUE(dies_within(pid, 0ms));
}

TEST(Harness, DestructorKills) {
  pid_t pid;
  std::string disk;
  {
    Qemu q(fake_options());
    ASSERT_CONSOLE(q.start());
    pid = fake_pid(q);
    disk = q.disk_path();
    ASSERT_FALSE(dies_within(pid, 0ms));
  }
  EXPECT_TRUE(dies_within(pid, 0ms));
  EXPECT_NE(access(disk.c_str(), F_OK), 0) << "disk copy left behind";
}

TEST(Harness, TranscriptIsWrittenAsItArrives) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.send_line("first line"));
  ASSERT_CONSOLE(q.expect("echo: first line\n", 10s));
  // Still running: the file already has everything seen so far.
  std::string log = read_file(q.log_path());
  EXPECT_NE(log.find("echo: first line\n"), std::string::npos) << log;
  EXPECT_EQ(log.substr(0, 16), "fake-qemu: pid " + std::string(1, log[15]));
  ASSERT_CONSOLE(q.send_line("exit 0"));
  ASSERT_CONSOLE(q.wait_exit(10s));
  EXPECT_EQ(read_file(q.log_path()), q.transcript());
  // Named after the test, in Bazel's undeclared outputs when run by Bazel.
  EXPECT_NE(q.log_path().find("Harness.TranscriptIsWrittenAsItArrives.console.log"),
            std::string::npos);
  if (const char* dir = getenv("TEST_UNDECLARED_OUTPUTS_DIR")) {
    EXPECT_EQ(q.log_path().rfind(dir, 0), 0u) << q.log_path();
  }
  // A second instance with the same name gets its own file.
  Qemu again(fake_options());
  ASSERT_CONSOLE(again.start());
  EXPECT_NE(again.log_path(), q.log_path());
}

TEST(Harness, LargeOutputIsSearchedQuickly) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.send_line("burst 100000"));
  auto start = Clock::now();
  // A regex that only matches at the very end: rescans must not go quadratic.
  auto r = q.expect(re(R"(line 100000\nburst (d)one)"), 60s);
  ASSERT_CONSOLE(r);
  EXPECT_EQ(r[1], "d");
  EXPECT_LT(Clock::now() - start, 20s);
  EXPECT_GT(q.transcript().size(), 1'000'000u);
}

TEST(Harness, QemuStderrIsKeptApart) {
  Qemu q(fake_options());
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.send_line("stderr"));
  ASSERT_CONSOLE(q.expect("fake-qemu: wrote stderr\n", 10s));
  auto deadline = Clock::now() + 5s;
  while (q.qemu_stderr().empty() && Clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(q.qemu_stderr(), "oops from fake qemu\n");
  EXPECT_EQ(q.transcript().find("oops"), std::string::npos);
  auto r = q.expect("never", 100ms);
  EXPECT_NE(r.message.find("QEMU stderr:\noops from fake qemu"), std::string::npos) << r.message;
}

TEST(Harness, QemuFromEnvironment) {
  QemuOptions o = fake_options();
  o.qemu.clear();
  setenv("LAZYV6_QEMU", fake_qemu().c_str(), 1);
  Qemu q(o);
  Status s = q.start();
  unsetenv("LAZYV6_QEMU");
  ASSERT_CONSOLE(s);
  EXPECT_EQ(q.command_line().at(0), fake_qemu());
  ASSERT_CONSOLE(q.expect("fake-qemu: ready", 10s));
}

TEST(Harness, StartFailuresAreClear) {
  QemuOptions o = fake_options();
  o.qemu = "/nonexistent/qemu-system-riscv64";
  Qemu q(o);
  Status s = q.start();
  EXPECT_FALSE(s);
  EXPECT_NE(s.message.find("/nonexistent/qemu-system-riscv64"), std::string::npos) << s.message;
  EXPECT_FALSE(q.running());
  EXPECT_FALSE(q.send_line("x"));
  EXPECT_FALSE(q.wait_exit(100ms));

  QemuOptions k = fake_options();
  k.kernel.clear();
  Qemu q2(k);
  Status s2 = q2.start();
  EXPECT_FALSE(s2);
  EXPECT_NE(s2.message.find("--kernel"), std::string::npos) << s2.message;

  Qemu q3(fake_options());
  ASSERT_CONSOLE(q3.start());
  EXPECT_FALSE(q3.start()); // only once
}

TEST(Harness, TimeoutScaleStretchesTimeouts) {
  setenv("LAZYV6_TIMEOUT_SCALE", "2.5", 1);
  EXPECT_EQ(scaled(400ms), 1000ms);
  setenv("LAZYV6_TIMEOUT_SCALE", "junk", 1);
  EXPECT_EQ(scaled(400ms), 400ms);
  unsetenv("LAZYV6_TIMEOUT_SCALE");
  EXPECT_EQ(scaled(400ms), 400ms);
}

TEST(Harness, OptionsFromArgs) {
  QemuOptions o = options_from_args({"test_bin", "--gtest_filter=x", "--kernel=/abs/kernel",
                                     "--fs=/abs/fs.img", "--harts=1", "--memory=256M", "--icount",
                                     "--qemu_arg=-s", "--qemu_arg=-S"});
  EXPECT_EQ(o.kernel, "/abs/kernel");
  EXPECT_EQ(o.fs_image, "/abs/fs.img");
  EXPECT_EQ(o.harts, 1);
  EXPECT_EQ(o.memory, "256M");
  EXPECT_TRUE(o.icount);
  EXPECT_EQ(o.extra_args, (std::vector<std::string>{"-s", "-S"}));

  // Relative paths resolve through the runfiles tree (or the cwd).
  QemuOptions r = options_from_args({"test_bin", "--kernel=tests/harness/testdata/echo_guest.S"});
  EXPECT_EQ(r.kernel, fake_kernel());
  EXPECT_EQ(r.kernel.front(), '/');

  // The process's own command line is readable (this is what from_test_args() uses).
  std::vector<std::string> self = process_args();
  ASSERT_FALSE(self.empty());
  EXPECT_EQ(self[0], ::testing::internal::GetArgvs().at(0));
}

TEST(Harness, Runfile) {
  std::string p = runfile("tests/harness/testdata/fake_qemu.sh");
  EXPECT_EQ(p.front(), '/');
  EXPECT_EQ(access(p.c_str(), X_OK), 0) << p;
  EXPECT_EQ(runfile("/etc/hostname"), "/etc/hostname");
  EXPECT_EQ(runfile("no/such/file"), "no/such/file");
}

// Starts a Qemu (the fake) in a forked copy of this test process, then kills that process with
// `sig`. QEMU must not outlive it: SIGTERM goes through the harness's handler, SIGKILL through
// PR_SET_PDEATHSIG.
void check_qemu_dies_with_test_process(int sig) {
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  QemuOptions o = fake_options();
  o.log_name += (sig == SIGTERM ? ".term" : ".kill");
  pid_t test = fork();
  ASSERT_GE(test, 0);
  if (test == 0) {
    close(report[0]);
    Qemu q(o);
    pid_t pid = -1;
    if (q.start())
      pid = fake_pid(q);
    ssize_t ignored = write(report[1], &pid, sizeof pid);
    (void)ignored;
    for (;;)
      pause();
  }
  close(report[1]);
  pid_t qemu = -1;
  ASSERT_EQ(read(report[0], &qemu, sizeof qemu), static_cast<ssize_t>(sizeof qemu));
  close(report[0]);
  ASSERT_GT(qemu, 0);
  ASSERT_FALSE(dies_within(qemu, 0ms));
  ASSERT_EQ(::kill(test, sig), 0);
  int status = 0;
  ASSERT_EQ(waitpid(test, &status, 0), test);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
  EXPECT_TRUE(dies_within(qemu, 5s)) << "QEMU (fake) pid " << qemu << " outlived the test";
  ::kill(-qemu, SIGKILL); // no leftovers even when the check failed
}

// dies_within() tells a running process from one that exited: a zombie (not yet waited for) and a
// reaped one count as gone, and an exit is seen without waiting for the whole limit.
TEST(Harness, DiesWithinSeesExitZombieAndReaped) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (;;)
      pause();
  }
  EXPECT_FALSE(stat_says_gone(child));
  EXPECT_FALSE(dies_within(child, 0ms));
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  EXPECT_TRUE(dies_within(child, 60s)); // a zombie now: the kill took effect
  EXPECT_TRUE(stat_says_gone(child));
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(stat_says_gone(child));
  EXPECT_TRUE(dies_within(child, 0ms));
}

TEST(Harness, NoQemuOutlivesSigterm) {
  check_qemu_dies_with_test_process(SIGTERM);
}
TEST(Harness, NoQemuOutlivesSigkill) {
  check_qemu_dies_with_test_process(SIGKILL);
}

} // namespace
} // namespace lazyv6::harness
