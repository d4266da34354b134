#include "bench/system_wall.h"

#include <algorithm>
#include <cstdio>

#include "bench/flags.h"

namespace lazyv6::bench::wall {

namespace {

constexpr int kMaxRounds = 100;
constexpr int kMaxHarts = 8; // the kernel's NCPU

// "%.3f" of `v`, right-aligned in `width` columns.
std::string fixed(double v, int width) {
  char buf[64];
  snprintf(buf, sizeof buf, "%*.3f", width, v);
  return buf;
}

} // namespace

std::string wall_usage_line() {
  return "usage: bazel run //bench:system_wall -- [--rounds N] [--harts N] "
         "[--only boot|usertests] [--help]";
}

std::string wall_usage() {
  return wall_usage_line() + R"(

Wall-clock time on the host of both trap models' kernels -- shared (//kernel:kernel) and isolated
(//kernel:kernel_isolated) -- booted one after the other in QEMU (128 MiB, a fresh copy of //:fs_img
each boot), the models interleaved round by round (shared first, then isolated first, ...):
  boot        from starting QEMU to the shell's first "$ " prompt
  usertests   from sending `usertests -q` to "ALL TESTS PASSED" (fails on SOME TESTS FAILED,
              a panic or a timeout)
Prints per model the median, min and max over the rounds, the ratio of medians isolated/shared,
and the host's load average at start and end.

  --rounds N                 boots per model (default 3, at most 100)
  --harts N                  -smp (default 3, at most 8)
  --only boot|usertests      measure only this (usertests still boots; its boot is not reported)
  --kernel=PATH --kernel_isolated=PATH --fs=PATH   kernels and disk image (bazel run passes them)
)";
}

bool parse_wall_options(const std::vector<std::string>& args, WallOptions* out,
                        std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out->help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument '" + arg + "'";
      return false;
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (name == "--rounds" || name == "--harts" || name == "--only" || name == "--kernel" ||
               name == "--kernel_isolated" || name == "--fs") {
      if (i + 1 == args.size()) {
        *error = "flag '" + name + "' needs a value";
        return false;
      }
      value = args[++i];
    } else {
      *error = "unknown flag '" + name + "'";
      return false;
    }
    if (name == "--rounds") {
      if (!parse_int(name, value, 1, kMaxRounds, &out->rounds, error))
        return false;
    } else if (name == "--harts") {
      if (!parse_int(name, value, 1, kMaxHarts, &out->harts, error))
        return false;
    } else if (name == "--only") {
      if (value == "boot") {
        out->only = Only::Boot;
      } else if (value == "usertests") {
        out->only = Only::Usertests;
      } else {
        *error = "bad --only='" + value + "': want boot or usertests";
        return false;
      }
    } else if (name == "--kernel") {
      out->kernel = value;
    } else if (name == "--kernel_isolated") {
      out->kernel_isolated = value;
    } else if (name == "--fs") {
      out->fs_image = value;
    } else {
      *error = "unknown flag '" + name + "'";
      return false;
    }
  }
  return true;
}

std::array<Model, 2> round_order(int round) {
  if (round % 2 == 0)
    return {Model::Shared, Model::Isolated};
  return {Model::Isolated, Model::Shared};
}

Stats summarize(const std::vector<double>& seconds) {
  Stats s;
  s.runs = static_cast<int>(seconds.size());
  if (seconds.empty())
    return s;
  s.median = median(seconds);
  const auto [lo, hi] = std::minmax_element(seconds.begin(), seconds.end());
  s.min = *lo;
  s.max = *hi;
  return s;
}

std::string format_table(const TableInput& in) {
  std::string t = "system_wall: wall-clock seconds on the host, " + std::to_string(in.rounds) +
                  (in.rounds == 1 ? " round" : " rounds") + ", " + std::to_string(in.harts) +
                  (in.harts == 1 ? " hart" : " harts") +
                  ", 128 MiB; models interleaved, alternating which goes first\n";
  t += "host load average (1 min): " + in.load_start + " at start, " + in.load_end + " at end, " +
       std::to_string(in.host_cpus) + " host CPUs\n\n";
  char line[160];
  snprintf(line, sizeof line, "%-10s %-9s %4s %10s %10s %10s %16s\n", "measure", "model", "runs",
           "median s", "min s", "max s", "isolated/shared");
  t += line;
  for (const Measure& m : in.measures) {
    const Stats s[2] = {summarize(m.seconds[0]), summarize(m.seconds[1])};
    for (Model model : kModels) {
      const Stats& st = s[model_index(model)];
      std::string ratio;
      if (model == Model::Isolated && s[0].runs > 0 && st.runs > 0 && s[0].median > 0)
        ratio = fixed(st.median / s[0].median, 16);
      snprintf(line, sizeof line, "%-10s %-9s %4d %s %s %s %s", m.name.c_str(), model_name(model),
               st.runs, fixed(st.median, 10).c_str(), fixed(st.min, 10).c_str(),
               fixed(st.max, 10).c_str(), ratio.c_str());
      std::string row = line;
      row.erase(row.find_last_not_of(' ') + 1);
      t += row + "\n";
    }
  }
  return t;
}

} // namespace lazyv6::bench::wall
