// Concurrency stress on 3 harts with a watchdog. Each batch starts, from the shell, two background
// jobs that run at the same time:
//   (crashwork -c -C x S1 C > x/o | crashwork -c -C y S2 C > y/o ; echo > x/end) &
//   (logstress z/1 z/2 z/3 > z/o | stressfs > z/s | grind G > z/g ; echo > z/end) &
// The stages of a pipeline run concurrently and none reads its stdin, so this is five workloads at
// once: two self-checking crashwork runs racing on the bitmap, the inode table and the log (create,
// append, rewrite, rename, delete, mkdir, rmdir), logstress (3 writers, writes split into several
// transactions), stressfs (5 processes) and grind (random system calls: files, links, pipes, fork,
// exec, kill, lazy and eager sbrk, bad pointers). Every workload writes to its own file, so nothing
// interleaves on the console. The test polls with `wc` every --poll seconds until both end markers
// exist; growing output files are progress. It fails on a hang (no output file grew, or the shell
// did not answer, for --watchdog seconds; it then sends Ctrl-P so the log shows the process table),
// on a panic or a kernel message about one of our processes (grind's are expected), and on a
// workload's failure line or missing success line. After a batch the shell removes what the
// workloads left, and `free` must show as many free pages as before it (every process has exited,
// so no page may be missing). After the last batch the disk must pass fsck.
// Flags: --minutes=M (start batches until M minutes have passed; at least one), --grind=G (rounds
// per grind), --ops=C (operations per crashwork), --watchdog=SECONDS, --poll=SECONDS, --seed=S.
// Figures (batches, rounds, operations, bytes, longest stall) go to stdout and stress_summary.txt.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"
#include "tests/harness/files.h"
#include "tests/harness/qemu.h"
#include "tests/harness/shell.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using lazyv6::harness::boot;
using lazyv6::harness::count;
using lazyv6::harness::env_dir;
using lazyv6::harness::from_test_args;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;
using lazyv6::harness::test_arg;

struct Flags {
  double minutes = 0; // 0: one batch
  int grind = 3;
  int ops = 200;
  int watchdog_s = 90;
  int poll_s = 2;
  uint64_t seed = 1;
};

Flags parse_flags() {
  Flags f;
  if (auto v = test_arg("minutes"))
    f.minutes = std::stod(*v);
  if (auto v = test_arg("grind"))
    f.grind = std::stoi(*v);
  if (auto v = test_arg("ops"))
    f.ops = std::stoi(*v);
  if (auto v = test_arg("watchdog"))
    f.watchdog_s = std::stoi(*v);
  if (auto v = test_arg("poll"))
    f.poll_s = std::stoi(*v);
  if (auto v = test_arg("seed"))
    f.seed = std::stoull(*v);
  return f;
}

// Why the console output `out` shows the kernel in trouble, or "". The kernel kills a process that
// faults with "pid N (name): killed: ..."; grind does that on purpose, no other workload may.
std::string kernel_trouble(const std::string& out) {
  for (const char* bad : {"panic", "balloc: out of blocks", "ialloc: no inodes", "scause"}) {
    if (size_t at = out.find(bad); at != std::string::npos && std::string(bad) != "scause")
      return out.substr(at > 1000 ? at - 1000 : 0, 2000);
  }
  static const std::regex kKilled(R"(\(([^)\n]*)\): killed)");
  for (std::sregex_iterator it(out.begin(), out.end(), kKilled), end; it != end; ++it) {
    if ((*it)[1] != "grind")
      return it->str() + " ...";
  }
  return "";
}

struct Totals {
  int batches = 0;
  int grind_rounds = 0;
  int crashwork_ops = 0;
  int logstress_runs = 0;
  int stressfs_runs = 0;
  uint64_t output_bytes = 0;  // what the workloads wrote to their output files
  double longest_stall_s = 0; // longest time the output files did not grow
  int polls = 0;
};

// Drives one booted machine through batches.
class Stress {
public:
  Stress(Qemu& q, const Flags& flags) : q_(q), flags_(flags) {}

  // Runs a shell command line and returns what it printed (up to the next prompt).
  std::string shell(const std::string& line, std::chrono::seconds timeout = 60s,
                    lazyv6::harness::OnTimeout on_timeout = lazyv6::harness::OnTimeout::Kill) {
    EXPECT_CONSOLE(q_.send_line(line));
    auto r = q_.expect("$ ", timeout, on_timeout);
    EXPECT_CONSOLE(r);
    if (!r)
      return "";
    // The guest echoes the line first.
    std::string out = r.before;
    if (out.rfind(line + "\n", 0) == 0)
      out = out.substr(line.size() + 1);
    return out;
  }

  // Free pages as `free` reports them, or -1.
  long free_pages() {
    std::string out = shell("free");
    std::smatch m;
    static const std::regex kFree(R"(\nfree +(\d+) )");
    std::string text = "\n" + out;
    if (!std::regex_search(text, m, kFree)) {
      ADD_FAILURE() << "no free-pages line in: " << out;
      return -1;
    }
    return std::stol(m[1]);
  }

  void batch(int b, Totals* totals) {
    // Short names: the console takes at most 127 typed-ahead characters (xv6's 128-byte input
    // ring drops the rest), so each command line must stay below that.
    const std::string x = "x", y = "y", z = "z";
    const uint64_t s1 = flags_.seed * 7919 + static_cast<uint64_t>(b) * 2 + 1;
    const uint64_t s2 = s1 + 1;
    const size_t from = q_.transcript().size();
    auto started = Clock::now();

    const long free_before = free_pages();
    shell("mkdir " + x + " " + y + " " + z);
    std::ostringstream file_work, other_work;
    file_work << "(crashwork -c -C " << x << " " << s1 << " " << flags_.ops << " > " << x << "/o"
              << " | crashwork -c -C " << y << " " << s2 << " " << flags_.ops << " > " << y << "/o"
              << " ; echo > " << x << "/end) &";
    other_work << "(logstress " << z << "/1 " << z << "/2 " << z << "/3 > " << z << "/o"
               << " | stressfs > " << z << "/s | grind " << flags_.grind << " > " << z << "/g"
               << " ; echo > " << z << "/end) &";
    for (const std::string& line : {file_work.str(), other_work.str()}) {
      EXPECT_LT(line.size(), 127u) << line;
      shell(line);
    }
    if (testing::Test::HasFailure())
      return;

    // Poll until both end markers exist; the output files must keep growing.
    const std::string files = x + "/o " + y + "/o " + z + "/o " + z + "/s " + z + "/g";
    static const std::regex kWcLine(R"((\d+) (\d+) (\d+) (\S+))");
    uint64_t last_bytes = 0;
    auto last_growth = Clock::now();
    bool finished = false;
    while (!finished) {
      int ends = 0;
      std::this_thread::sleep_for(std::chrono::seconds(flags_.poll_s));
      std::string out = shell("wc " + files + " " + x + "/end " + z + "/end",
                              std::chrono::seconds(flags_.watchdog_s),
                              lazyv6::harness::OnTimeout::KeepRunning); // for Ctrl-P
      totals->polls++;
      if (testing::Test::HasFailure()) {
        hang_report("the shell did not answer `wc` within " + std::to_string(flags_.watchdog_s) +
                    " s");
        return;
      }
      if (std::string t = kernel_trouble(q_.transcript().substr(from)); !t.empty()) {
        ADD_FAILURE() << "console shows kernel trouble:\n" << t;
        return;
      }
      uint64_t bytes = 0;
      std::istringstream lines(out);
      for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, kWcLine))
          continue;
        if (m[4] == x + "/end" || m[4] == z + "/end")
          ends++;
        else
          bytes += std::stoull(m[3]);
      }
      finished = ends == 2;
      auto now = Clock::now();
      double stalled = std::chrono::duration<double>(now - last_growth).count();
      if (bytes != last_bytes || finished) {
        totals->longest_stall_s = std::max(totals->longest_stall_s, stalled);
        last_bytes = bytes;
        last_growth = now;
      } else if (stalled > flags_.watchdog_s) {
        hang_report("no workload wrote any output for " +
                    std::to_string(static_cast<int>(stalled)) + " s");
        return;
      }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - started).count();

    // Every workload said it succeeded, and none said anything else.
    std::string cw = shell("grep crashwork " + x + "/o " + y + "/o");
    EXPECT_EQ(count(cw, "crashwork: done " + std::to_string(flags_.ops) + " ops"), 2u) << cw;
    EXPECT_EQ(count(cw, "FAILED"), 0u) << cw;
    std::string rest = shell("cat " + z + "/o " + z + "/s " + z + "/g");
    EXPECT_EQ(count(rest, "logstress OK"), 1u) << rest;
    EXPECT_EQ(count(rest, "stressfs OK"), 1u) << rest;
    EXPECT_EQ(count(rest, "grind OK"), 1u) << rest;
    for (const char* bad : {"FAILED", "logstress:", "stressfs:", "grind:"})
      EXPECT_EQ(count(rest, bad), 0u) << "\"" << bad << "\" in:\n" << rest;
    if (testing::Test::HasFailure())
      return;

    // Clean up, then every page must be back (init reaps the orphans; give it a moment).
    shell("rm " + files + " " + x + "/end " + z + "/end " + z + "/1 " + z + "/2 " + z + "/3");
    shell("rm " + x + " " + y + " " + z);
    long free_after = -1;
    for (int attempt = 0; attempt < 10 && !testing::Test::HasFailure(); attempt++) {
      free_after = free_pages();
      if (free_after == free_before)
        break;
      std::this_thread::sleep_for(500ms);
    }
    EXPECT_EQ(free_after, free_before) << "free pages before and after batch " << b;
    if (std::string t = kernel_trouble(q_.transcript().substr(from)); !t.empty())
      ADD_FAILURE() << "console shows kernel trouble:\n" << t;

    totals->batches++;
    totals->grind_rounds += flags_.grind;
    totals->crashwork_ops += 2 * flags_.ops;
    totals->logstress_runs++;
    totals->stressfs_runs++;
    totals->output_bytes += last_bytes;
    std::cout << "batch " << b << ": " << static_cast<int>(secs) << " s: grind " << flags_.grind
              << " rounds, crashwork 2 x " << flags_.ops
              << " ops, logstress 3 x 80000 bytes, stressfs;"
              << " " << last_bytes << " bytes of output; free pages " << free_before << " -> "
              << free_after << "\n"
              << std::flush;
  }

private:
  // Fails the test for a hang, with the process table (Ctrl-P) in the console log.
  void hang_report(const std::string& what) {
    (void)q_.send_raw("\x10");
    std::this_thread::sleep_for(2s);
    ADD_FAILURE() << "hang: " << what << "; console tail (after Ctrl-P):\n" << q_.tail(4000);
  }

  Qemu& q_;
  Flags flags_;
};

TEST(Stress, ConcurrentWorkloadsWithWatchdog) {
  const Flags flags = parse_flags();
  QemuOptions opts = from_test_args();
  ASSERT_EQ(opts.harts, 3);
  Qemu q(opts);
  ASSERT_NO_FATAL_FAILURE(boot(q, 60s));

  Totals totals;
  Stress stress(q, flags);
  auto start = Clock::now();
  for (int b = 0;; b++) {
    stress.batch(b, &totals);
    if (HasFailure())
      break;
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed >= flags.minutes * 60)
      break;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  q.kill();

  // The workloads are over and the shell idle: the disk needs no recovery and must be consistent.
  if (!HasFailure()) {
    auto disk = fsimage::read_host_file(q.disk_path(), uint64_t{1} << 30);
    ASSERT_TRUE(disk.ok()) << disk.error();
    fsimage::FsckReport r = fsimage::check_image(disk.value());
    std::string errors;
    for (const std::string& e : r.errors)
      errors += "\n  " + e;
    EXPECT_TRUE(r.ok()) << "fsck after the stress run:" << errors;
  }

  std::ostringstream s;
  s << "stress: " << totals.batches << " batches in " << static_cast<int>(secs) << " s on "
    << opts.harts << " harts: grind " << totals.grind_rounds << " rounds, crashwork "
    << totals.crashwork_ops << " ops, logstress " << totals.logstress_runs << " runs, stressfs "
    << totals.stressfs_runs << " runs; " << totals.output_bytes << " bytes of workload output; "
    << totals.polls << " polls; longest stall " << totals.longest_stall_s << " s (watchdog "
    << flags.watchdog_s << " s)\n";
  std::cout << s.str() << std::flush;
  std::ofstream(env_dir("TEST_UNDECLARED_OUTPUTS_DIR") + "/stress_summary.txt") << s.str();
}

} // namespace
