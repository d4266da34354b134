// End-to-end test of //bench:lazy_vs_eager: runs the benchmark binary on a tiny configuration
// (boots both trap models' kernels under -icount, then both side by side for two alternating
// wall-clock rounds) and checks the shape of what it writes and the invariants that are not
// timings. Never asserts a timing. Also: bad flags fail fast with an error and the usage line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "bench/results.h"
#include "tests/harness/qemu_core.h"

namespace lazyv6::bench {
namespace {

namespace fs = std::filesystem;

struct Paths {
  std::string bench, kernel, kernel_isolated, fs_image;
};

Paths& paths() {
  static Paths p;
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Result {
  int status = -1;
  std::string out, err;
};

// Runs the benchmark binary with `args`, capturing stdout and stderr.
Result run_bench(const std::vector<std::string>& args, const std::string& tag) {
  std::string dir = ::testing::TempDir();
  std::string out_path = dir + "/" + tag + ".stdout", err_path = dir + "/" + tag + ".stderr";
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<std::string> all = {paths().bench};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  Result r;
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

std::vector<std::string> nonempty_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty())
      lines.push_back(line);
  }
  return lines;
}

// The number after "key": in the JSON object of the benchmark whose name starts with `name`.
std::optional<double> json_counter(const std::string& json, const std::string& name,
                                   const std::string& key) {
  size_t at = json.find("\"name\": \"" + name);
  if (at == std::string::npos)
    return std::nullopt;
  size_t end = json.find('}', at);
  size_t k = json.find("\"" + key + "\": ", at);
  if (k == std::string::npos || k > end)
    return std::nullopt;
  return std::stod(json.substr(k + key.size() + 4));
}

// ---- bad flags: no QEMU is started ------------------------------------------------------------

// Exits with status 2 before booting anything, printing exactly the error and the usage line.
void expect_usage_error(const std::vector<std::string>& args, const std::string& want) {
  Result r = run_bench(args, "bad");
  EXPECT_EQ(r.status, 2) << args[0];
  auto lines = nonempty_lines(r.err);
  ASSERT_EQ(lines.size(), 2u) << r.err;
  EXPECT_EQ(lines[0].rfind("lazy_vs_eager: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(want), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1].rfind("usage: bazel run //bench:lazy_vs_eager -- ", 0), 0u) << lines[1];
  EXPECT_EQ(r.out, "");
}

TEST(BadFlags, UnknownFlag) {
  expect_usage_error({"--frobnicate=1"}, "unknown flag '--frobnicate'");
  expect_usage_error({"--benchmark_frobnicate=1"}, "unknown flag '--benchmark_frobnicate'");
}

TEST(BadFlags, BadSizes) {
  expect_usage_error({"--sizes_mib=abc"}, "bad --sizes_mib");
  expect_usage_error({"--sizes_mib=0"}, "bad --sizes_mib");
  expect_usage_error({"--sizes_mib=4096"}, "bad --sizes_mib");
}

// Google Benchmark itself would print its own help for these and exit 0, after nothing ran.
TEST(BadFlags, UnsupportedBenchmarkFormat) {
  expect_usage_error({"--benchmark_format=xml"}, "bad --benchmark_format=xml");
  expect_usage_error({"--benchmark_out_format=xml"}, "bad --benchmark_out_format=xml");
  expect_usage_error({"--benchmark_format"}, "--benchmark_format needs a value");
  expect_usage_error({"--benchmark_color="}, "Google Benchmark rejected a flag value in: "
                                             "--benchmark_color=");
}

TEST(BadFlags, BadReportDir) {
  std::string file = ::testing::TempDir() + "/not_a_dir";
  std::ofstream(file) << "x";
  expect_usage_error({"--report_dir=" + file}, "bad --report_dir");
  expect_usage_error({"--report_dir=" + file + "/sub"}, "bad --report_dir");
}

TEST(BadFlags, Help) {
  Result r = run_bench({"--help"}, "help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--report_dir"), std::string::npos);
}

// ---- one tiny run, shared by the checks below --------------------------------------------------

class TinyRun : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new std::string((fs::path(::testing::TempDir()) / "tiny_report").lexically_normal());
    json_ = new std::string(::testing::TempDir() + "/tiny.json");
    result_ = new Result(run_bench(
        {"--kernel=" + paths().kernel, "--kernel_isolated=" + paths().kernel_isolated,
         "--fs=" + paths().fs_image, "--report_dir=" + *dir_, "--sizes_mib=1", "--strides=1,8",
         "--path_reps=2", "--spawn_calls=2", "--wall_rounds=2", "--benchmark_format=json",
         "--benchmark_out=" + *json_, "--benchmark_out_format=json"},
        "tiny"));
  }
  static std::string* dir_;
  static std::string* json_;
  static Result* result_;
};
std::string* TinyRun::dir_;
std::string* TinyRun::json_;
Result* TinyRun::result_;

TEST_F(TinyRun, ExitsCleanly) {
  ASSERT_EQ(result_->status, 0) << result_->err;
  EXPECT_NE(result_->err.find("report: " + *dir_ + "/lazy_vs_eager.md"), std::string::npos)
      << result_->err;
}

TEST_F(TinyRun, JsonOnStdoutAndInTheOutFile) {
  ASSERT_EQ(result_->status, 0) << result_->err;
  for (const std::string& json : {result_->out, read_file(*json_)}) {
    EXPECT_EQ(json.find('{'), 0u) << json.substr(0, 200); // nothing before the JSON
    for (const char* want :
         {"\"benchmarks\"",
          "\"name\": \"shared/icount/getpid/",
          "\"name\": \"shared/icount/spawn_echo/",
          "\"name\": \"isolated/icount/getpid/",
          "\"name\": \"shared/icount/sbrk_lazy/1M/",
          "\"name\": \"shared/icount/shrink_untouched/1M/",
          "\"name\": \"target/getpid/",
          "\"name\": \"shared/icount/lazy/seq/1M/k1/",
          "\"name\": \"shared/icount/eager/rand/1M/k8/",
          "\"name\": \"isolated/icount/lazy/seq/1M/k8/",
          "\"name\": \"shared/wall/lazy/seq/1M/k8/",
          "\"name\": \"isolated/wall/getpid/",
          "\"name\": \"isolated/wall/spawn_echo/",
          "\"name\": \"target/getpid_isolated_over_shared/",
          "\"name\": \"target/lazy_fault_over_eager_page/",
          "\"name\": \"target/sparse_lazy_over_eager/",
          "\"name\": \"target/icount_getpid/",
          "\"label\": \"emulated (QEMU TCG, -icount shift=0, 1 hart), shared kernel\"",
          "\"label\": \"emulated wall clock (QEMU TCG, no -icount, 1 hart), isolated kernel, "
          "median of 2 alternating rounds\"",
          "\"time_unit\""}) {
      EXPECT_NE(json.find(want), std::string::npos) << want;
    }
    // Counters: exact page counts (not timings).
    for (const std::string model : {"shared", "isolated"}) {
      const std::string p = model + "/icount/";
      EXPECT_EQ(json_counter(json, p + "lazy/seq/1M/k8/", "resident"), 32.0);
      EXPECT_EQ(json_counter(json, p + "eager/seq/1M/k8/", "resident"), 256.0);
      EXPECT_EQ(json_counter(json, p + "lazy/rand/1M/k1/", "touched"), 256.0);
      EXPECT_EQ(json_counter(json, p + "lazy/seq/1M/k8/", "lazy/eager_pages"), 0.125);
      for (const char* key : {"fault_instr", "fault_ns", "sbrk_instr", "sbrk_ns", "ptpages"}) {
        EXPECT_TRUE(json_counter(json, p + "lazy/seq/1M/k1/", key)) << key;
      }
      // An eager workload takes no fault: no fault figure (it used to be noise, often < 0).
      EXPECT_FALSE(json_counter(json, p + "eager/seq/1M/k1/", "fault_ns"));
    }
    EXPECT_TRUE(json_counter(json, "target/getpid_isolated_over_shared/", "ratio"));
    EXPECT_TRUE(json_counter(json, "target/getpid_isolated_over_shared/", "met"));
  }
}

TEST_F(TinyRun, MarkdownAndPlot) {
  ASSERT_EQ(result_->status, 0) << result_->err;
  std::string md = read_file(*dir_ + "/lazy_vs_eager.md");
  for (const char* want :
       {"emulated", "## Counter check", "## Trap models", "`getpid` wall: isolated / shared",
        "## Wall clock, shared vs isolated", "fork + exec + wait of `echo`", "## Targets",
        "upstream xv6", "25,757", "≤ 800", "`getpid` round trip", "## Workloads (-icount shift=0)",
        "## Workloads, wall clock, shared kernel", "## Workloads, wall clock, isolated kernel",
        "## Invariants", "| 1 | 8 | seq | lazy | 32 |", "2 alternating rounds"}) {
    EXPECT_NE(md.find(want), std::string::npos) << want;
  }
  EXPECT_TRUE(md.find("**MET**") != std::string::npos || md.find("**MISS**") != std::string::npos);
  if (access("/usr/bin/gnuplot", X_OK) == 0) {
    std::string png = read_file(*dir_ + "/lazy_vs_eager.png");
    ASSERT_GT(png.size(), 8u);
    EXPECT_EQ(png.substr(1, 3), "PNG");
    EXPECT_NE(md.find("](lazy_vs_eager.png)"), std::string::npos);
  } else {
    EXPECT_NE(md.find("No plot: gnuplot not found"), std::string::npos);
  }
}

TEST_F(TinyRun, InvariantsHold) {
  ASSERT_EQ(result_->status, 0) << result_->err;
  for (const char* log :
       {"/lazy_vs_eager.shared.icount.console.log", "/lazy_vs_eager.isolated.icount.console.log",
        "/lazy_vs_eager.shared.wall.console.log", "/lazy_vs_eager.isolated.wall.console.log"}) {
    GuestOutput out;
    std::string error;
    ASSERT_TRUE(parse_console(read_file(*dir_ + log), &out, &error)) << error;
    Figures f;
    ASSERT_TRUE(aggregate(
        out, std::string(log).find("icount") != std::string::npos ? Mode::Icount : Mode::Wall, &f,
        &error))
        << error;
    ASSERT_TRUE(f.check.present);
    EXPECT_TRUE(f.paths.spawn_ns) << log;       // fork + exec + wait of echo succeeded
    EXPECT_TRUE(f.check.ok) << f.check.summary; // rdinstret/rdcycle/rdtime follow -icount
    ASSERT_EQ(f.workloads.size(), 8u);          // {lazy, eager} x {seq, rand} x k {1, 8}
    for (const auto& w : f.workloads) {
      ASSERT_EQ(w.status, "ok") << w.key.name();
      EXPECT_EQ(w.pages, 256u);
      EXPECT_EQ(w.touched, w.key.k == 1 ? 256u : 32u);
      if (w.key.policy == "lazy") {
        EXPECT_EQ(w.resident_delta, static_cast<int64_t>(w.touched)) << w.key.name();
        EXPECT_EQ(w.resident_after_sbrk_delta, 0) << w.key.name();
        if (w.key.k > 1) {
          WorkloadKey e = w.key;
          e.policy = "eager";
          ASSERT_NE(f.find(e), nullptr);
          EXPECT_LT(w.resident_delta, f.find(e)->resident_delta) << w.key.name();
        }
      } else {
        EXPECT_EQ(w.resident_delta, 256) << w.key.name();
      }
    }
    for (const auto& i : check_invariants(f)) {
      if (i.required) {
        EXPECT_TRUE(i.ok) << i.name << ": " << i.detail;
      }
    }
  }
}

TEST_F(TinyRun, ReplayWithoutGnuplotStillWritesMarkdown) {
  ASSERT_EQ(result_->status, 0) << result_->err;
  std::string dir = ::testing::TempDir() + "/replay_report";
  Result r = run_bench({"--report_dir=" + dir, "--replay=" + *dir_, "--wall=false",
                        "--gnuplot=/nonexistent/gnuplot"},
                       "replay");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("no plot: gnuplot not found"), std::string::npos) << r.err;
  std::string md = read_file(dir + "/lazy_vs_eager.md");
  EXPECT_NE(md.find("No plot: gnuplot not found"), std::string::npos);
  EXPECT_NE(md.find("## Targets"), std::string::npos);
  // The console table: short names, guest time only (no CPU or iterations column), no
  // negative figure.
  EXPECT_NE(r.out.find("\n== shared/icount: emulated (QEMU TCG"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nlazy/seq/1M/k8 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("guest time"), std::string::npos) << r.out;
  for (const char* absent : {"CPU", "Iterations", "manual_time"})
    EXPECT_EQ(r.out.find(absent), std::string::npos) << absent << "\n" << r.out;
  EXPECT_FALSE(std::regex_search(r.out, std::regex("[ =]-[0-9]"))) << r.out;
  EXPECT_FALSE(std::regex_search(r.out, std::regex(" \n"))) << "trailing blanks:\n" << r.out;
}

} // namespace
} // namespace lazyv6::bench

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto& p = lazyv6::bench::paths();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> std::string* {
      std::string f = std::string(flag) + "=";
      if (a.rfind(f, 0) != 0)
        return nullptr;
      static std::string v;
      v = a.substr(f.size());
      return &v;
    };
    if (auto* v = value("--bench"))
      p.bench = lazyv6::harness::runfile(*v);
    if (auto* v = value("--kernel"))
      p.kernel = lazyv6::harness::runfile(*v);
    if (auto* v = value("--kernel_isolated"))
      p.kernel_isolated = lazyv6::harness::runfile(*v);
    if (auto* v = value("--fs"))
      p.fs_image = lazyv6::harness::runfile(*v);
  }
  if (p.bench.empty() || p.kernel.empty() || p.kernel_isolated.empty() || p.fs_image.empty()) {
    fprintf(stderr, "usage: lazy_vs_eager_test --bench=PATH --kernel=PATH --kernel_isolated=PATH "
                    "--fs=PATH\n");
    return 2;
  }
  return RUN_ALL_TESTS();
}
