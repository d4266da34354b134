// //bench:lazy_vs_eager — lazy vs eager sbrk on lazyv6, in emulated (QEMU TCG) time.
//
// Boots the kernel with the bench disk image under `-icount shift=0` (1 hart, 128 MiB), waits for
// the shell, runs the guest program lazybench (bench/guest/lazybench.cc) once for the counter
// check and kernel paths and once per heap size, and parses its RESULT lines (bench/results.h).
// With --wall (default) a second boot without -icount gives wall-clock figures. Everything is
// parsed before any benchmark runs; then each workload and path becomes a Google Benchmark whose
// manual time is the emulated time and whose counters are the figures. Finally it writes a
// markdown report and a gnuplot PNG to --report_dir and prints where they are (on stderr, so
// --benchmark_format=json on stdout stays clean). Flags: --help, or bench/flags.cc.
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/flags.h"
#include "bench/report.h"
#include "bench/results.h"
#include "tests/harness/qemu_core.h"

namespace fs = std::filesystem;
using lazyv6::bench::Figures;
using lazyv6::bench::Mode;
using lazyv6::bench::Options;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;

namespace {

constexpr const char* kProg = "lazy_vs_eager";

[[noreturn]] void die(int code, const std::string& message) {
  fprintf(stderr, "%s: %s\n", kProg, message.c_str());
  exit(code);
}

std::string env(const char* name) {
  const char* v = getenv(name);
  return v != nullptr ? v : "";
}

// The directory relative paths on the command line mean: where `bazel run` was started.
fs::path user_cwd() {
  std::string d = env("BUILD_WORKING_DIRECTORY");
  return d.empty() ? fs::current_path() : fs::path(d);
}

// Makes the report directory (absolute, created if missing, writable) or explains why not.
bool prepare_report_dir(const std::string& flag, std::string* dir, std::string* error) {
  fs::path p = flag.empty() ? user_cwd() / "lazy_vs_eager_report" : fs::path(flag);
  if (p.is_relative())
    p = user_cwd() / p;
  p = p.lexically_normal();
  std::error_code ec;
  if (fs::exists(p, ec) && !fs::is_directory(p, ec)) {
    *error = "bad --report_dir: '" + p.string() + "' exists and is not a directory";
    return false;
  }
  fs::create_directories(p, ec);
  if (ec) {
    *error = "bad --report_dir: cannot create '" + p.string() + "': " + ec.message();
    return false;
  }
  if (access(p.c_str(), W_OK | X_OK) != 0) {
    *error = "bad --report_dir: '" + p.string() + "' is not writable";
    return false;
  }
  *dir = p.string();
  return true;
}

std::string read_file(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read '" + path + "'";
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string join_args(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv)
    s += (s.empty() ? "" : " ") + a;
  return s;
}

// The console transcript's file name in the report directory (also the harness's log name).
std::string transcript_name(bool icount) {
  return icount ? "lazy_vs_eager.icount.console.log" : "lazy_vs_eager.wall.console.log";
}

// One boot: start QEMU, reach the shell, run every lazybench command, return the transcript.
bool boot_and_run(const Options& o, bool icount, std::string* transcript, std::string* log_path,
                  std::string* note, std::string* error) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  QemuOptions q;
  q.kernel = o.kernel;
  q.fs_image = o.fs_image;
  q.harts = 1;
  q.memory = "128M";
  // -icount shift=0: one instruction per emulated ns. sleep=off: idle time (waiting for the
  // console, lazybench's pause before each measurement) jumps straight to the next timer
  // deadline instead of following the host's clock, which keeps runs short and repeatable.
  q.icount = false;
  if (icount)
    q.extra_args = {"-icount", "shift=0,sleep=off"};
  q.log_name = icount ? "lazy_vs_eager.icount" : "lazy_vs_eager.wall";
  const char* what = icount ? "-icount boot" : "wall-clock boot";
  Qemu qemu(q);
  if (auto st = qemu.start(); !st) {
    *error = std::string(what) + ": " + st.message;
    return false;
  }
  auto prompt = qemu.expect("$ ", lazyv6::harness::scaled(seconds(o.boot_timeout_s)));
  if (!prompt) {
    *error = std::string(what) + ": no shell prompt: " + prompt.message;
    return false;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + lazyv6::harness::scaled(seconds(o.run_timeout_s));
  for (const std::string& cmd : lazyv6::bench::guest_commands(o, icount)) {
    fprintf(stderr, "[%s] %s: $ %s\n", kProg, what, cmd.c_str());
    if (auto st = qemu.send_line(cmd); !st) {
      *error = std::string(what) + ": " + st.message;
      return false;
    }
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      left = milliseconds(1);
    // lazybench ends with BENCH_DONE; a BENCH_ERROR, a panic or a prompt before it is a failure.
    auto m = qemu.expect_any({lazyv6::harness::re("BENCH_DONE[^\n]*\n"),
                              lazyv6::harness::re("BENCH_ERROR[^\n]*\n"),
                              lazyv6::harness::Pattern("panic"), lazyv6::harness::Pattern("$ ")},
                             left);
    if (!m || m.index != 0) {
      *error = std::string(what) + ": `" + cmd + "` did not finish: " +
               (m ? "got '" + m.text + "' (console log: " + qemu.log_path() + ")" : m.message);
      return false;
    }
    auto back = qemu.expect("$ ", lazyv6::harness::scaled(seconds(60)));
    if (!back) {
      *error = std::string(what) + ": no prompt after `" + cmd + "`: " + back.message;
      return false;
    }
  }
  *transcript = qemu.transcript();
  *log_path = qemu.log_path();
  *note = std::string(what) + ": `" + join_args(qemu.command_line()) + "`";
  return true;
}

// Gets one run's console text (booting, or from a replay file), saves it, parses and aggregates.
void obtain(const Options& o, bool icount, const std::string& report_dir, Figures* figures,
            std::vector<std::string>* notes) {
  const std::string& replay = icount ? o.replay_icount : o.replay_wall;
  std::string text, error, note, log_path;
  if (!replay.empty()) {
    text = read_file(replay, &error);
    if (!error.empty())
      die(2, "bad --replay_" + std::string(icount ? "icount" : "wall") + ": " + error);
    note = std::string(icount ? "-icount" : "wall-clock") + " figures replayed from " + replay;
  } else if (!boot_and_run(o, icount, &text, &log_path, &note, &error)) {
    die(1, error);
  }
  // The console transcript, under the harness's own log name (the harness may have written it
  // there already: main() points it at the report directory outside `bazel test`).
  const std::string saved = report_dir + "/" + transcript_name(icount);
  if (fs::path(log_path).lexically_normal() != fs::path(saved).lexically_normal()) {
    std::ofstream(saved) << text;
  }
  notes->push_back(note + "; console transcript " + saved);

  lazyv6::bench::GuestOutput run;
  if (!lazyv6::bench::parse_console(text, &run, &error))
    die(1, error + " (see " + saved + ")");
  if (!lazyv6::bench::aggregate(run, icount ? Mode::Icount : Mode::Wall, figures, &error)) {
    die(1, error + " (see " + saved + ")");
  }
}

// ---- Google Benchmark registration
// ---------------------------------------------------------------

// Registers one benchmark whose single iteration takes `seconds` of manual (emulated) time.
void add(const std::string& name, double seconds, const std::string& label,
         const std::vector<std::pair<std::string, double>>& counters, benchmark::TimeUnit unit) {
  seconds = std::max(seconds, 0.0);
  benchmark::RegisterBenchmark(name.c_str(),
                               [=](benchmark::State& st) {
                                 for (auto _ : st)
                                   st.SetIterationTime(seconds);
                                 for (const auto& [k, v] : counters)
                                   st.counters[k] = v;
                                 st.SetLabel(label);
                               })
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(unit);
}

void register_workloads(const Figures& f, const std::string& prefix, const std::string& label) {
  for (const auto& w : f.workloads) {
    if (w.status != "ok")
      continue;
    std::vector<std::pair<std::string, double>> c = {
        {"touched", static_cast<double>(w.touched)},
        {"sbrk_ns", w.sbrk_ns},
        {"touch_ns_pp", w.touch_ns_pp},
        {"fault_ns", w.fault_ns},
        {"resident", static_cast<double>(w.resident_delta)},
        {"ptpages", static_cast<double>(w.ptpages_delta)},
    };
    if (f.mode == Mode::Icount) {
      c.push_back({"sbrk_instr", w.sbrk_instr});
      c.push_back({"touch_instr_pp", w.touch_instr_pp});
      c.push_back({"fault_instr", w.fault_instr});
      c.push_back({"shrink_instr", w.shrink_instr});
    }
    if (auto r = lazyv6::bench::lazy_eager_ratios(f, w)) {
      if (f.mode == Mode::Icount)
        c.push_back({"lazy/eager_pages", r->resident});
      c.push_back({"lazy/eager_time", r->time});
    }
    add(prefix + w.key.name(), w.workload_ns * 1e-9, label, c, benchmark::kMicrosecond);
  }
}

void register_paths(const Figures& f, const std::vector<lazyv6::bench::TargetRow>& targets,
                    const std::string& prefix, const std::string& label) {
  const auto& p = f.paths;
  auto instr = [&](double v) -> std::vector<std::pair<std::string, double>> {
    if (f.mode == Mode::Icount)
      return {{"instr", v}};
    return {};
  };
  if (p.getpid_instr) {
    add(prefix + "path/getpid", *p.getpid_ns * 1e-9, label, instr(*p.getpid_instr),
        benchmark::kNanosecond);
  }
  for (const auto& [size, v] : p.sbrk_lazy_instr) {
    add(prefix + "path/sbrk_lazy/size_mib:" + std::to_string(size), p.sbrk_lazy_ns.at(size) * 1e-9,
        label, instr(v), benchmark::kNanosecond);
  }
  for (const auto& [size, v] : p.shrink_untouched_instr) {
    add(prefix + "path/shrink_untouched/size_mib:" + std::to_string(size),
        p.shrink_untouched_ns.at(size) * 1e-9, label, instr(v), benchmark::kNanosecond);
  }
  if (f.mode != Mode::Icount)
    return;
  // docs/design.md's targets, each with its verdict as a counter (1 = PASS).
  for (const auto& t : targets) {
    if (!t.instr)
      continue;
    std::vector<std::pair<std::string, double>> c = {
        {"instr", *t.instr}, {"pass", t.verdict == lazyv6::bench::Verdict::Pass ? 1.0 : 0.0}};
    add(prefix + "target/" + t.id, t.ns.value_or(0) * 1e-9,
        label + "; " + t.path + " " + t.target + ": " + lazyv6::bench::verdict_name(t.verdict), c,
        benchmark::kNanosecond);
  }
}

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      fputs(lazyv6::bench::usage().c_str(), stdout);
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv); // takes the --benchmark_* flags out of argv
  Options o;
  std::string error;
  if (!lazyv6::bench::parse_options(std::vector<std::string>(argv + 1, argv + argc), &o, &error)) {
    die(2, error);
  }
  std::string report_dir;
  if (!prepare_report_dir(o.report_dir, &report_dir, &error))
    die(2, error);
  const bool boots = o.replay_icount.empty() || (o.wall && o.replay_wall.empty());
  if (boots) {
    if (o.kernel.empty())
      o.kernel = env("LAZYV6_KERNEL");
    if (o.fs_image.empty())
      o.fs_image = env("LAZYV6_FS");
    if (o.kernel.empty() || o.fs_image.empty()) {
      die(2, "no kernel or disk image: pass --kernel=PATH --fs=PATH (bazel run does)");
    }
    o.kernel = lazyv6::harness::runfile(o.kernel);
    o.fs_image = lazyv6::harness::runfile(o.fs_image);
    for (const auto& path : {o.kernel, o.fs_image}) {
      if (access(path.c_str(), R_OK) != 0)
        die(2, "cannot read '" + path + "'");
    }
  }

  // Outside `bazel test` the harness would keep its console logs in a temporary directory of its
  // own; keep them with the report instead.
  if (env("TEST_UNDECLARED_OUTPUTS_DIR").empty()) {
    setenv("TEST_UNDECLARED_OUTPUTS_DIR", report_dir.c_str(), 1);
  }

  // Everything is measured and parsed before any benchmark runs.
  std::vector<std::string> notes;
  Figures icount, wall;
  obtain(o, /*icount=*/true, report_dir, &icount, &notes);
  if (o.wall)
    obtain(o, /*icount=*/false, report_dir, &wall, &notes);

  const auto targets = lazyv6::bench::evaluate_targets(icount);
  const auto invariants = lazyv6::bench::check_invariants(icount);

  const std::string icount_label = "emulated (QEMU TCG, -icount shift=0, 1 hart)";
  const std::string wall_label = "emulated wall clock (QEMU TCG, no -icount, 1 hart), median of " +
                                 std::to_string(o.wall_reps) + "+";
  register_paths(icount, targets, "", icount_label);
  register_workloads(icount, "fault/", icount_label);
  if (o.wall) {
    register_paths(wall, {}, "wall/", wall_label);
    register_workloads(wall, "wall/fault/", wall_label);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  lazyv6::bench::ReportInput in;
  in.icount = &icount;
  in.wall = o.wall ? &wall : nullptr;
  in.wall_reps = o.wall_reps;
  in.targets = targets;
  in.invariants = invariants;
  in.run_notes = notes;
  std::string png, plot_message;
  if (lazyv6::bench::write_plot(report_dir, icount, o.gnuplot, &png, &plot_message)) {
    in.plot_file = png;
  } else {
    in.plot_note = plot_message;
    fprintf(stderr, "%s: no plot: %s\n", kProg, plot_message.c_str());
  }
  const std::string md_path = report_dir + "/lazy_vs_eager.md";
  std::ofstream md(md_path);
  md << lazyv6::bench::render_markdown(in);
  md.close();
  if (!md)
    die(1, "could not write " + md_path);

  int failed_invariants = 0;
  for (const auto& inv : invariants)
    failed_invariants += inv.required && !inv.ok;
  fprintf(stderr, "\n%s: emulated (QEMU TCG) figures; report: %s", kProg, md_path.c_str());
  if (!png.empty())
    fprintf(stderr, ", plot: %s/%s", report_dir.c_str(), png.c_str());
  fprintf(stderr, "\n");
  for (const auto& t : targets) {
    fprintf(stderr, "  %-4s %s: %s instr (target %s, upstream xv6 %s)\n",
            lazyv6::bench::verdict_name(t.verdict), t.path.c_str(),
            t.instr ? lazyv6::bench::format_number(*t.instr, 1).c_str() : "–", t.target.c_str(),
            t.upstream.c_str());
  }
  if (failed_invariants > 0) {
    fprintf(stderr, "%s: WARNING: %d invariant(s) do not hold; see the report\n", kProg,
            failed_invariants);
  }
  if (icount.check.present && !icount.check.ok) {
    fprintf(stderr, "%s: counter check FAILED under -icount: %s\n", kProg,
            icount.check.summary.c_str());
    return 1;
  }
  return 0;
}
