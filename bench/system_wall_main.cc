// //bench:system_wall — boot-to-prompt and `usertests -q` wall-clock time of the two trap models
// (//kernel:kernel, shared, and //kernel:kernel_isolated), measured on the host in one run.
//
// Each round boots each model's kernel once, one QEMU at a time (--harts harts, 128 MiB, a fresh
// copy of the disk image per boot: Qemu::start copies it), shared first in even rounds and
// isolated first in odd ones, so a change in host load lands on both models alike. A boot is timed
// from Qemu::start to the first "$ " prompt; usertests from sending `usertests -q` to
// "ALL TESTS PASSED". Any failure (no prompt, SOME TESTS FAILED, a panic, a timeout) stops the run
// with exit status 1 and names the console log. Progress goes to stderr, the table (bench/
// system_wall.h) to stdout. Bad flags: exit status 2 and the usage line.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/host_load.h"
#include "bench/system_wall.h"
#include "tests/harness/qemu_core.h"

using lazyv6::bench::Model;
using lazyv6::bench::model_index;
using lazyv6::bench::model_name;
using lazyv6::bench::wall::Only;
using lazyv6::bench::wall::WallOptions;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;
using std::chrono::steady_clock;

namespace {

constexpr const char* kProg = "system_wall";
// Hang detection only (expect() multiplies them by $LAZYV6_TIMEOUT_SCALE): a loaded host slows
// both a lot.
constexpr std::chrono::seconds kBootTimeout{180};
constexpr std::chrono::seconds kUsertestsTimeout{1200};

// Seconds from t0 to now on the host's monotonic clock.
double seconds_since(steady_clock::time_point t0) {
  return std::chrono::duration<double>(steady_clock::now() - t0).count();
}

// Waits until every hart printed "hart N starting" (N < harts), so that usertests runs with all
// of them up. False with a message if QEMU dies or the deadline passes first.
bool wait_for_harts(const Qemu& qemu, int harts, steady_clock::time_point deadline,
                    std::string* error) {
  for (int n = 0; n < harts; ++n) {
    const std::string line = "hart " + std::to_string(n) + " starting\n";
    while (qemu.transcript().find(line) == std::string::npos) {
      if (!qemu.running() || steady_clock::now() > deadline) {
        *error = "no `hart " + std::to_string(n) +
                 " starting` line (console log: " + qemu.log_path() + ")";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return true;
}

// One boot of model m's kernel: its boot-to-prompt seconds and, unless --only boot, the seconds
// `usertests -q` took. False with a message on any failure; QEMU is killed when this returns.
bool run_once(const WallOptions& o, Model m, const std::string& log_name, double* boot_s,
              std::optional<double>* usertests_s, std::string* error) {
  QemuOptions q;
  q.kernel = m == Model::Shared ? o.kernel : o.kernel_isolated;
  q.fs_image = o.fs_image;
  q.harts = o.harts;
  q.memory = "128M";
  q.log_name = log_name;
  Qemu qemu(q);
  const auto t0 = steady_clock::now();
  if (auto st = qemu.start(); !st) {
    *error = "boot: " + st.message;
    return false;
  }
  auto prompt = qemu.expect("$ ", kBootTimeout);
  if (!prompt) {
    *error = "boot: no shell prompt: " + prompt.message;
    return false;
  }
  *boot_s = seconds_since(t0);
  if (o.only == Only::Boot)
    return true;
  if (!wait_for_harts(qemu, o.harts, t0 + lazyv6::harness::scaled(kBootTimeout), error))
    return false;
  const auto t1 = steady_clock::now();
  if (auto st = qemu.send_line("usertests -q"); !st) {
    *error = "usertests: " + st.message;
    return false;
  }
  auto r =
      qemu.expect_any({"ALL TESTS PASSED\n", "SOME TESTS FAILED\n", "panic"}, kUsertestsTimeout);
  if (!r) {
    *error = "usertests did not finish: " + r.message;
    return false;
  }
  if (r.index != 0) {
    *error = "usertests ended with '" + r.text.substr(0, r.text.find('\n')) +
             "' (console log: " + qemu.log_path() + ")";
    return false;
  }
  *usertests_s = seconds_since(t1);
  return true;
}

} // namespace

int main(int argc, char** argv) {
  WallOptions o;
  std::string error;
  if (!lazyv6::bench::wall::parse_wall_options(std::vector<std::string>(argv + 1, argv + argc), &o,
                                               &error)) {
    fprintf(stderr, "%s: %s\n%s\n", kProg, error.c_str(),
            lazyv6::bench::wall::wall_usage_line().c_str());
    return 2;
  }
  if (o.help) {
    printf("%s", lazyv6::bench::wall::wall_usage().c_str());
    return 0;
  }
  if (o.kernel.empty() || o.kernel_isolated.empty() || o.fs_image.empty()) {
    fprintf(stderr, "%s: --kernel, --kernel_isolated and --fs are required\n%s\n", kProg,
            lazyv6::bench::wall::wall_usage_line().c_str());
    return 2;
  }
  o.kernel = lazyv6::harness::runfile(o.kernel);
  o.kernel_isolated = lazyv6::harness::runfile(o.kernel_isolated);
  o.fs_image = lazyv6::harness::runfile(o.fs_image);

  lazyv6::bench::wall::TableInput table;
  table.rounds = o.rounds;
  table.harts = o.harts;
  table.host_cpus = std::thread::hardware_concurrency();
  lazyv6::bench::wall::Measure boot{"boot", {}}, usertests{"usertests", {}};
  table.load_start = lazyv6::bench::load_average();
  for (int round = 0; round < o.rounds; ++round) {
    for (Model m : lazyv6::bench::wall::round_order(round)) {
      const std::string what = std::string(model_name(m)) + ", round " + std::to_string(round + 1) +
                               "/" + std::to_string(o.rounds);
      fprintf(stderr, "[%s] %s ...\n", kProg, what.c_str());
      double boot_s = 0;
      std::optional<double> usertests_s;
      const std::string log_name =
          std::string("system_wall.") + model_name(m) + ".round" + std::to_string(round + 1);
      if (!run_once(o, m, log_name, &boot_s, &usertests_s, &error)) {
        fprintf(stderr, "%s: %s: %s\n", kProg, what.c_str(), error.c_str());
        return 1;
      }
      boot.seconds[model_index(m)].push_back(boot_s);
      fprintf(stderr, "[%s] %s: boot %.3f s", kProg, what.c_str(), boot_s);
      if (usertests_s) {
        usertests.seconds[model_index(m)].push_back(*usertests_s);
        fprintf(stderr, ", usertests -q %.3f s", *usertests_s);
      }
      fprintf(stderr, "\n");
    }
  }
  table.load_end = lazyv6::bench::load_average();
  if (o.only != Only::Usertests)
    table.measures.push_back(boot);
  if (o.only != Only::Boot)
    table.measures.push_back(usertests);
  printf("%s", lazyv6::bench::wall::format_table(table).c_str());
  return 0;
}
