// //bench:lazy_vs_eager — lazy vs eager sbrk on lazyv6, and the shared vs isolated trap model, in
// emulated (QEMU TCG) time.
//
// Boots each trap model's kernel with the bench disk image under `-icount shift=0` (1 hart,
// 128 MiB), waits for the shell, runs the guest program lazybench (bench/guest/lazybench.cc) once
// for the counter check and kernel paths and once per heap size, and parses its RESULT lines
// (bench/results.h). With --wall (default) both kernels are booted again without -icount, side by
// side, and each round runs every command on both in turns (shared first, then isolated first,
// ...) so that a change in host load hits both alike; figures are medians over the rounds.
// Everything is parsed before any benchmark runs; then each workload and path becomes a Google
// Benchmark whose manual time is the emulated (guest) time and whose counters are the figures.
// Finally it writes a markdown report and a gnuplot PNG to --report_dir and prints the targets with
// MET/MISS (on stderr, so --benchmark_format=json on stdout stays clean). Flags: --help, or
// bench/flags.cc.
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/flags.h"
#include "bench/host_load.h"
#include "bench/report.h"
#include "bench/results.h"
#include "tests/harness/qemu_core.h"

namespace fs = std::filesystem;
using lazyv6::bench::Figures;
using lazyv6::bench::load_average;
using lazyv6::bench::Mode;
using lazyv6::bench::Model;
using lazyv6::bench::model_index;
using lazyv6::bench::model_name;
using lazyv6::bench::Options;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;

namespace {

constexpr const char* kProg = "lazy_vs_eager";

[[noreturn]] void die(int code, const std::string& message) {
  fprintf(stderr, "%s: %s\n", kProg, message.c_str());
  exit(code);
}

// A bad command line: the error and the usage line, exit status 2.
[[noreturn]] void die_usage(const std::string& message) {
  fprintf(stderr, "%s: %s\n%s\n", kProg, message.c_str(), lazyv6::bench::usage_line().c_str());
  exit(2);
}

// The --benchmark_* arguments, for the message when Google Benchmark rejects one of them.
std::string benchmark_args;

// Google Benchmark calls this when it rejects a --benchmark_* value, and would then exit 0.
void benchmark_flag_rejected() {
  die_usage("Google Benchmark rejected a flag value in:" + benchmark_args);
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

// A run's console transcript name in the report directory, without ".console.log" (also the
// harness's log name): lazy_vs_eager.<model>.<icount|wall>.
std::string log_stem(Model m, bool icount) {
  return std::string("lazy_vs_eager.") + model_name(m) + (icount ? ".icount" : ".wall");
}

// "shared -icount boot", "isolated wall-clock boot": how progress and errors name a boot.
std::string what_of(Model m, bool icount) {
  return std::string(model_name(m)) + (icount ? " -icount boot" : " wall-clock boot");
}

// Starts QEMU on model m's kernel and waits for the shell prompt.
bool boot(const Options& o, Model m, bool icount, std::unique_ptr<Qemu>* out, std::string* error) {
  QemuOptions q;
  q.kernel = m == Model::Shared ? o.kernel : o.kernel_isolated;
  q.fs_image = o.fs_image;
  q.harts = 1;
  // 256 MiB: a copying fork of a 64 MiB touched heap (`lazybench cow`) needs 128 MiB of it.
  q.memory = "256M";
  // -icount shift=0: one instruction per emulated ns. sleep=off: idle time (waiting for the
  // console, lazybench's pause before each measurement) jumps straight to the next timer
  // deadline instead of following the host's clock, which keeps runs short and repeatable.
  q.icount = false;
  if (icount)
    q.extra_args = {"-icount", "shift=0,sleep=off"};
  q.log_name = log_stem(m, icount);
  auto qemu = std::make_unique<Qemu>(q);
  if (auto st = qemu->start(); !st) {
    *error = what_of(m, icount) + ": " + st.message;
    return false;
  }
  auto prompt = qemu->expect("$ ", std::chrono::seconds(o.boot_timeout_s)); // expect() scales it
  if (!prompt) {
    *error = what_of(m, icount) + ": no shell prompt: " + prompt.message;
    return false;
  }
  *out = std::move(qemu);
  return true;
}

// Runs each lazybench command at the shell and waits for its BENCH_DONE and the next prompt.
bool run_commands(Qemu& qemu, const std::string& what, const std::vector<std::string>& commands,
                  std::chrono::steady_clock::time_point deadline, std::string* error) {
  using std::chrono::milliseconds;
  for (const std::string& cmd : commands) {
    fprintf(stderr, "[%s] %s: $ %s\n", kProg, what.c_str(), cmd.c_str());
    if (auto st = qemu.send_line(cmd); !st) {
      *error = what + ": " + st.message;
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
      *error = what + ": `" + cmd + "` did not finish: " +
               (m ? "got '" + m.text + "' (console log: " + qemu.log_path() + ")" : m.message);
      return false;
    }
    auto back = qemu.expect("$ ", std::chrono::seconds(60)); // expect() scales it
    if (!back) {
      *error = what + ": no prompt after `" + cmd + "`: " + back.message;
      return false;
    }
  }
  return true;
}

// The console text of each model's run in one mode: two -icount boots one after the other, or
// (wall clock) two boots side by side, each command run on both in turns, round after round, so
// that both models see the same host load. Dies with a message on any failure.
void measure(const Options& o, bool icount, std::string text[2], std::vector<std::string>* notes) {
  const auto deadline = std::chrono::steady_clock::now() +
                        lazyv6::harness::scaled(std::chrono::seconds(o.run_timeout_s));
  const auto commands = lazyv6::bench::guest_commands(o, icount);
  std::unique_ptr<Qemu> qemu[2];
  std::string error;
  for (Model m : lazyv6::bench::kModels) {
    const int i = model_index(m);
    if (!boot(o, m, icount, &qemu[i], &error))
      die(1, error);
    if (icount) {
      if (!run_commands(*qemu[i], what_of(m, icount), commands, deadline, &error))
        die(1, error);
      text[i] = qemu[i]->transcript();
      notes->push_back(what_of(m, icount) + ": `" + join_args(qemu[i]->command_line()) + "`");
      qemu[i].reset();
    }
  }
  if (icount)
    return;
  const std::string load_before = load_average();
  // Command by command, in turns (shared first, then isolated first, ...), so a change in the
  // host's load lands on both kernels within seconds.
  int turn = 0;
  for (int round = 0; round < o.wall_rounds; ++round) {
    for (const std::string& cmd : commands) {
      for (int j = 0; j < 2; ++j) {
        const Model m = lazyv6::bench::kModels[turn % 2 == 0 ? j : 1 - j];
        const std::string what = what_of(m, false) + ", round " + std::to_string(round + 1) + "/" +
                                 std::to_string(o.wall_rounds);
        if (!run_commands(*qemu[model_index(m)], what, {cmd}, deadline, &error))
          die(1, error);
      }
      ++turn;
    }
  }
  notes->push_back(
      "host load average (1 min) before / after the wall-clock rounds: " + load_before + " / " +
      load_average() + ", on " + std::to_string(std::thread::hardware_concurrency()) +
      " host CPUs (other load moves wall figures; -icount figures never move)");
  for (Model m : lazyv6::bench::kModels) {
    const int i = model_index(m);
    text[i] = qemu[i]->transcript();
    notes->push_back(what_of(m, false) + " (" + std::to_string(o.wall_rounds) +
                     " alternating rounds): `" + join_args(qemu[i]->command_line()) + "`");
  }
}

// Gets each model's console text in one mode (booting, or from --replay), keeps it in the report
// directory, and parses and aggregates it.
void obtain(const Options& o, bool icount, const std::string& report_dir, Figures figures[2],
            std::vector<std::string>* notes) {
  std::string text[2], error;
  if (o.replay_dir.empty()) {
    measure(o, icount, text, notes);
  }
  for (Model m : lazyv6::bench::kModels) {
    const int i = model_index(m);
    const std::string name = log_stem(m, icount) + ".console.log";
    const std::string saved = report_dir + "/" + name;
    std::error_code ec;
    bool same_file = false;
    if (!o.replay_dir.empty()) {
      const std::string from = o.replay_dir + "/" + name;
      text[i] = read_file(from, &error);
      if (!error.empty())
        die_usage("bad --replay: " + error);
      notes->push_back(what_of(m, icount) + ": replayed from " + from);
      same_file = fs::equivalent(saved, from, ec);
    }
    if (!same_file)
      std::ofstream(saved) << text[i];
    notes->push_back(what_of(m, icount) + ": console transcript " + saved);
    lazyv6::bench::GuestOutput run;
    if (!lazyv6::bench::parse_console(text[i], &run, &error))
      die(1, error + " (see " + saved + ")");
    if (!lazyv6::bench::aggregate(run, icount ? Mode::Icount : Mode::Wall, &figures[i], &error))
      die(1, error + " (see " + saved + ")");
  }
}

// ---- Google Benchmark registration and the console table ---------------------------------------

using Counters = std::vector<std::pair<std::string, double>>;

// Registers one benchmark whose single iteration takes `seconds` of manual (guest) time.
void add(const std::string& name, double seconds, const std::string& label,
         const Counters& counters, benchmark::TimeUnit unit) {
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

// One benchmark per completed workload of `f`, named prefix + key ("shared/wall/lazy/seq/16M/k8"):
// time = grow + first pass, counters = its figures (instructions only under -icount).
void register_workloads(const Figures& f, const std::string& prefix, const std::string& label) {
  for (const auto& w : f.workloads) {
    if (w.status != "ok")
      continue;
    Counters c = {
        {"touched", static_cast<double>(w.touched)},
        {"sbrk_ns", w.sbrk_ns},
        {"touch_ns_pp", w.touch_ns_pp},
        {"resident", static_cast<double>(w.resident_delta)},
        {"ptpages", static_cast<double>(w.ptpages_delta)},
    };
    if (w.fault_ns)
      c.push_back({"fault_ns", *w.fault_ns});
    if (f.mode == Mode::Icount) {
      c.push_back({"sbrk_instr", w.sbrk_instr});
      c.push_back({"touch_instr_pp", w.touch_instr_pp});
      if (w.fault_instr)
        c.push_back({"fault_instr", *w.fault_instr});
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

// One benchmark per kernel path of `f` (getpid, spawn_echo, sbrk_lazy/<size>M,
// shrink_untouched/<size>M), named after `prefix`; counters: instructions under -icount.
void register_paths(const Figures& f, const std::string& prefix, const std::string& label) {
  const auto& p = f.paths;
  auto instr = [&](double v) -> Counters {
    if (f.mode == Mode::Icount)
      return {{"instr", v}};
    return {};
  };
  if (p.getpid_instr)
    add(prefix + "getpid", *p.getpid_ns * 1e-9, label, instr(*p.getpid_instr),
        benchmark::kNanosecond);
  if (p.spawn_instr) {
    add(prefix + "spawn_echo", *p.spawn_ns * 1e-9, label, instr(*p.spawn_instr),
        benchmark::kMicrosecond);
  }
  for (const auto& [name, i, ns] :
       {std::tuple{"spawn_echo_eager_exec", p.spawn_eager_instr, p.spawn_eager_ns},
        std::tuple{"spawn_execbig", p.spawn_big_instr, p.spawn_big_ns},
        std::tuple{"spawn_execbig_eager_exec", p.spawn_big_eager_instr, p.spawn_big_eager_ns}}) {
    if (i)
      add(prefix + name, *ns * 1e-9, label, instr(*i), benchmark::kMicrosecond);
  }
  for (const auto& [size, v] : p.sbrk_lazy_instr) {
    add(prefix + "sbrk_lazy/" + std::to_string(size) + "M", p.sbrk_lazy_ns.at(size) * 1e-9, label,
        instr(v), benchmark::kNanosecond);
  }
  for (const auto& [size, v] : p.shrink_untouched_instr) {
    add(prefix + "shrink_untouched/" + std::to_string(size) + "M",
        p.shrink_untouched_ns.at(size) * 1e-9, label, instr(v), benchmark::kNanosecond);
  }
}

// Each target as a benchmark: time = the measured guest time, counters = the figure and met (1/0).
void register_targets(const std::vector<lazyv6::bench::TargetRow>& targets) {
  for (const auto& t : targets) {
    if (!t.instr && !t.ratio)
      continue;
    Counters c;
    if (t.instr)
      c.push_back({"instr", *t.instr});
    if (t.ratio)
      c.push_back({"ratio", *t.ratio});
    c.push_back({"met", t.verdict == lazyv6::bench::Verdict::Met ? 1.0 : 0.0});
    add("target/" + t.id, t.ns.value_or(0) * 1e-9,
        t.path + " " + t.target + ": " + lazyv6::bench::verdict_name(t.verdict), c,
        benchmark::kNanosecond);
  }
}

// The console table: the name as registered, the guest time (there is no meaningful CPU time:
// the host only replays figures the guest measured), counters as plain numbers. Rows are grouped
// under their name's first two parts ("shared/icount"), whose label is printed once as a heading.
class Table : public benchmark::BenchmarkReporter {
public:
  bool ReportContext(const Context&) override {
    fprintf(stdout, "%-34s %14s  %s\n", "benchmark", "guest time", "figures");
    return true;
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const std::string& name = run.run_name.function_name;
      size_t slash = name.find('/');
      if (slash != std::string::npos && name.compare(0, slash, "target") != 0)
        slash = name.find('/', slash + 1);
      const std::string group = name.substr(0, slash);
      const bool heading = group != group_;
      if (heading) {
        group_ = group;
        fprintf(stdout, "\n== %s%s%s\n", group.c_str(), group == "target" ? "" : ": ",
                group == "target" ? "" : run.report_label.c_str());
      }
      std::string figures;
      for (const auto& [key, counter] : run.counters)
        figures +=
            (figures.empty() ? "" : " ") + key + "=" + lazyv6::bench::plain_number(counter.value);
      if (group == "target")
        figures += " " + run.report_label;
      const double seconds =
          run.iterations > 0 ? run.real_accumulated_time / static_cast<double>(run.iterations) : 0;
      fprintf(stdout, "%-34s %14s%s%s\n",
              name.substr(slash == std::string::npos ? 0 : slash + 1).c_str(),
              guest_time(seconds).c_str(), figures.empty() ? "" : "  ", figures.c_str());
    }
    fflush(stdout);
  }

private:
  static std::string guest_time(double seconds) {
    const char* unit = "ns";
    double v = seconds * 1e9;
    if (v >= 1e6) {
      v /= 1e6, unit = "ms";
    } else if (v >= 1e4) {
      v /= 1e3, unit = "us";
    }
    return lazyv6::bench::plain_number(v) + " " + unit;
  }

  std::string group_;
};

// The value of the last `--benchmark_format=` argument, "console" if none.
std::string benchmark_format(int argc, char** argv) {
  std::string format = "console";
  const std::string prefix = "--benchmark_format=";
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind(prefix, 0) == 0)
      format = std::string(argv[i]).substr(prefix.size());
  }
  return format;
}

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      fputs(lazyv6::bench::usage().c_str(), stdout);
      return 0;
    }
  }
  std::string error;
  const std::vector<std::string> all_args(argv + 1, argv + argc);
  if (!lazyv6::bench::check_benchmark_flags(all_args, &error))
    die_usage(error);
  for (const auto& a : all_args) {
    if (a.rfind("--benchmark_", 0) == 0)
      benchmark_args += " " + a;
  }
  const std::string format = benchmark_format(argc, argv);
  benchmark::Initialize(&argc, argv, benchmark_flag_rejected); // takes the --benchmark_* flags
  Options o;
  if (!lazyv6::bench::parse_options(std::vector<std::string>(argv + 1, argv + argc), &o, &error))
    die_usage(error);
  std::string report_dir;
  if (!prepare_report_dir(o.report_dir, &report_dir, &error))
    die_usage(error);
  if (o.replay_dir.empty()) {
    if (o.kernel.empty())
      o.kernel = env("LAZYV6_KERNEL");
    if (o.kernel_isolated.empty())
      o.kernel_isolated = env("LAZYV6_KERNEL_ISOLATED");
    if (o.fs_image.empty())
      o.fs_image = env("LAZYV6_FS");
    if (o.kernel.empty() || o.kernel_isolated.empty() || o.fs_image.empty()) {
      die_usage("no kernels or disk image: pass --kernel=PATH --kernel_isolated=PATH --fs=PATH "
                "(bazel run does)");
    }
    for (std::string* path : {&o.kernel, &o.kernel_isolated, &o.fs_image}) {
      *path = lazyv6::harness::runfile(*path);
      if (access(path->c_str(), R_OK) != 0)
        die_usage("cannot read '" + *path + "'");
    }
  }

  // Outside `bazel test` the harness would keep its console logs in a temporary directory of its
  // own; keep them with the report instead.
  if (env("TEST_UNDECLARED_OUTPUTS_DIR").empty()) {
    setenv("TEST_UNDECLARED_OUTPUTS_DIR", report_dir.c_str(), 1);
  }

  // Everything is measured and parsed before any benchmark runs.
  std::vector<std::string> notes;
  Figures icount[2], wall[2];
  obtain(o, /*icount=*/true, report_dir, icount, &notes);
  if (o.wall)
    obtain(o, /*icount=*/false, report_dir, wall, &notes);

  const auto targets = lazyv6::bench::evaluate_targets(icount[0]);
  const auto cow_targets = lazyv6::bench::evaluate_cow_targets(icount[0]);
  const auto trap_targets = lazyv6::bench::evaluate_trap_targets(
      icount[0], o.wall ? &wall[0] : nullptr, o.wall ? &wall[1] : nullptr);
  const auto exec_targets =
      lazyv6::bench::evaluate_exec_targets(icount[0], o.wall ? &wall[0] : nullptr);
  std::vector<lazyv6::bench::Invariant> invariants;
  for (Model m : lazyv6::bench::kModels) {
    for (auto inv : lazyv6::bench::check_invariants(icount[model_index(m)])) {
      inv.name = std::string(model_name(m)) + ": " + inv.name;
      invariants.push_back(inv);
    }
  }

  for (Model m : lazyv6::bench::kModels) {
    const int i = model_index(m);
    const std::string icount_label =
        std::string("emulated (QEMU TCG, -icount shift=0, 1 hart), ") + model_name(m) + " kernel";
    register_paths(icount[i], std::string(model_name(m)) + "/icount/", icount_label);
    register_workloads(icount[i], std::string(model_name(m)) + "/icount/", icount_label);
  }
  if (o.wall) {
    for (Model m : lazyv6::bench::kModels) {
      const int i = model_index(m);
      const std::string wall_label =
          std::string("emulated wall clock (QEMU TCG, no -icount, 1 hart), ") + model_name(m) +
          " kernel, median of " + std::to_string(o.wall_rounds) + " alternating rounds";
      register_paths(wall[i], std::string(model_name(m)) + "/wall/", wall_label);
      register_workloads(wall[i], std::string(model_name(m)) + "/wall/", wall_label);
    }
  }
  register_targets(targets);
  register_targets(trap_targets);
  register_targets(exec_targets);
  register_targets(cow_targets);
  if (format == "console") {
    Table table;
    benchmark::RunSpecifiedBenchmarks(&table);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();

  lazyv6::bench::ReportInput in;
  for (int i = 0; i < 2; ++i) {
    in.icount[i] = &icount[i];
    in.wall[i] = o.wall ? &wall[i] : nullptr;
  }
  in.wall_rounds = o.wall_rounds;
  in.targets = targets;
  in.trap_targets = trap_targets;
  in.exec_targets = exec_targets;
  in.cow_targets = cow_targets;
  in.invariants = invariants;
  in.run_notes = notes;
  std::string png, plot_message;
  if (lazyv6::bench::write_plot(report_dir, in, o.gnuplot, &png, &plot_message)) {
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
  fprintf(stderr,
          "\nTrap-model targets (wall-clock ratios of one run; -icount for instructions):\n");
  for (const auto& t : trap_targets) {
    std::string value = t.ratio   ? lazyv6::bench::plain_number(*t.ratio)
                        : t.instr ? lazyv6::bench::format_number(*t.instr, 1) + " instr"
                                  : "–";
    fprintf(stderr, "  %-4s %s: %s (target %s)%s%s\n", lazyv6::bench::verdict_name(t.verdict),
            t.path.c_str(), value.c_str(), t.target.c_str(), t.upstream.empty() ? "" : "; ",
            t.upstream.c_str());
  }
  fprintf(stderr, "Exec that loads on first touch (eager / lazy exec of one run):\n");
  for (const auto& t : exec_targets) {
    fprintf(stderr, "  %-4s %s: %s (target %s)%s%s\n", lazyv6::bench::verdict_name(t.verdict),
            t.path.c_str(), t.ratio ? lazyv6::bench::plain_number(*t.ratio).c_str() : "–",
            t.target.c_str(), t.source.empty() ? "" : "; ", t.source.c_str());
  }
  fprintf(stderr, "docs/design.md targets (shared kernel, -icount):\n");
  for (const auto& t : targets) {
    fprintf(stderr, "  %-4s %s: %s instr (target %s, upstream xv6 %s)\n",
            lazyv6::bench::verdict_name(t.verdict), t.path.c_str(),
            t.instr ? lazyv6::bench::format_number(*t.instr, 1).c_str() : "–", t.target.c_str(),
            t.upstream.c_str());
  }
  fprintf(stderr, "Copy-on-write targets (shared kernel, -icount):\n");
  for (const auto& t : cow_targets) {
    std::string value = t.ratio   ? lazyv6::bench::format_number(*t.ratio, 1) + "x"
                        : t.instr ? lazyv6::bench::format_number(*t.instr, 1)
                                  : "–";
    fprintf(stderr, "  %-4s %s: %s (target %s; %s)\n", lazyv6::bench::verdict_name(t.verdict),
            t.path.c_str(), value.c_str(), t.target.c_str(), t.source.c_str());
  }
  if (const auto& rm = icount[0].cow.read_mostly) {
    fprintf(stderr,
            "  read-mostly sparse workload (%lu MiB, every page read, 1 in 64 written): %lu "
            "resident (%lu zero-page mappings), %lu pages taken (%lu page-table pages)\n",
            static_cast<unsigned long>(rm->size_mib), static_cast<unsigned long>(rm->resident),
            static_cast<unsigned long>(rm->zero_mapped), static_cast<unsigned long>(rm->taken),
            static_cast<unsigned long>(rm->ptpages));
  }
  if (failed_invariants > 0) {
    fprintf(stderr, "%s: WARNING: %d invariant(s) do not hold; see the report\n", kProg,
            failed_invariants);
  }
  for (Model m : lazyv6::bench::kModels) {
    const Figures& f = icount[model_index(m)];
    if (f.check.present && !f.check.ok) {
      fprintf(stderr, "%s: counter check FAILED under -icount (%s kernel): %s\n", kProg,
              model_name(m), f.check.summary.c_str());
      return 1;
    }
  }
  return 0;
}
