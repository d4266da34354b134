#include "bench/flags.h"

#include <algorithm>
#include <set>

namespace lazyv6::bench {

namespace {

constexpr uint64_t kMaxSizeMib = 2047; // sys_sbrk takes an int byte count
constexpr uint64_t kMaxStride = 1 << 20;
constexpr size_t kMaxListValues = 8; // lazybench takes at most 8 values per list

bool parse_uint(const std::string& text, uint64_t lo, uint64_t hi, uint64_t* out) {
  if (text.empty() || text.size() > 12)
    return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

// "1,16,64": distinct values in [lo, hi], at most kMaxListValues.
bool parse_list(const std::string& flag, const std::string& text, uint64_t lo, uint64_t hi,
                std::vector<uint64_t>* out, std::string* error) {
  std::vector<uint64_t> values;
  std::set<uint64_t> seen;
  size_t pos = 0;
  for (;;) {
    size_t comma = text.find(',', pos);
    std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    uint64_t v = 0;
    if (!parse_uint(item, lo, hi, &v)) {
      *error = "bad " + flag + "='" + text + "': '" + item + "' is not a whole number in [" +
               std::to_string(lo) + ", " + std::to_string(hi) + "]";
      return false;
    }
    if (!seen.insert(v).second) {
      *error = "bad " + flag + "='" + text + "': " + item + " appears twice";
      return false;
    }
    values.push_back(v);
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  if (values.size() > kMaxListValues) {
    *error =
        "bad " + flag + "='" + text + "': at most " + std::to_string(kMaxListValues) + " values";
    return false;
  }
  *out = values;
  return true;
}

bool parse_bool(const std::string& flag, const std::string& text, bool* out, std::string* error) {
  if (text == "" || text == "1" || text == "true" || text == "yes") {
    *out = true;
  } else if (text == "0" || text == "false" || text == "no") {
    *out = false;
  } else {
    *error = "bad " + flag + "='" + text + "': want true or false";
    return false;
  }
  return true;
}

std::string join(const std::vector<uint64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

} // namespace

bool parse_int(const std::string& flag, const std::string& text, int lo, int hi, int* out,
               std::string* error) {
  uint64_t v = 0;
  if (!parse_uint(text, static_cast<uint64_t>(lo), static_cast<uint64_t>(hi), &v)) {
    *error = "bad " + flag + "='" + text + "': want a whole number in [" + std::to_string(lo) +
             ", " + std::to_string(hi) + "]";
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

std::string usage_line() {
  return "usage: bazel run //bench:lazy_vs_eager -- [flags] [--benchmark_* flags]";
}

std::string usage() {
  return usage_line() + R"(

Boots lazyv6 in QEMU (1 hart, 128 MiB) with both trap models -- shared (//kernel:kernel) and
isolated (//kernel:kernel_isolated, xv6's page-table switch on every trap) -- under -icount
shift=0, runs the guest program lazybench, and reports lazy vs eager sbrk figures in emulated
(QEMU TCG) time through Google Benchmark, plus a markdown table and a PNG plot in --report_dir.
Then it boots both again without -icount and measures them in alternating rounds for wall-clock
figures (medians), including the trap-model targets (MET/MISS).

  --report_dir=DIR       where lazy_vs_eager.md, .png and raw logs go
                         (default: lazy_vs_eager_report/ in the directory bazel run was called from)
  --sizes_mib=LIST       heap growth sizes in MiB, 1..2047 (default 1,16,64,1024)
  --strides=LIST         touch every k-th page (default 1,8,64,512)
  --orders=LIST          seq and/or rand (default seq,rand)
  --eager_max_mib=N      eager workloads only up to this size (default 64; RAM is 128 MiB)
  --seed=N               random-order seed (default 42)
  --reps=N               repeats per workload under -icount (default 1; small ones repeat more)
  --path_reps=N          repeats of the getpid/spawn/sbrk/shrink paths (default 5; per round)
  --getpid_calls=N       getpid calls per repeat (default 1000)
  --spawn_calls=N        fork+exec+wait of echo per repeat (default 10)
  --wall=BOOL            also measure wall-clock figures without -icount (default true)
  --wall_rounds=N        alternating rounds per model without -icount; medians (default 5)
  --boot_timeout_s=N     time to reach the shell prompt (default 180)
  --run_timeout_s=N      time for all of lazybench's output in one boot (default 3600)
  --gnuplot=PATH         gnuplot binary (default /usr/bin/gnuplot; without it, no PNG)
  --kernel=PATH --kernel_isolated=PATH --fs=PATH   kernels and disk image (bazel run passes them)
  --replay=DIR           report the console transcripts saved in DIR by an earlier run
Google Benchmark flags work as usual: --benchmark_format=console|json|csv, --benchmark_out=FILE,
--benchmark_out_format=console|json|csv, --benchmark_filter=REGEX, ...
)";
}

bool supported_benchmark_format(const std::string& name) {
  return name == "console" || name == "json" || name == "csv";
}

bool check_benchmark_flags(const std::vector<std::string>& args, std::string* error) {
  for (const std::string& arg : args) {
    for (const char* flag : {"--benchmark_format", "--benchmark_out_format"}) {
      const std::string prefix = std::string(flag) + "=";
      if (arg.rfind(prefix, 0) == 0 && !supported_benchmark_format(arg.substr(prefix.size()))) {
        *error = "bad " + arg + ": supported formats are console, json and csv";
        return false;
      }
      if (arg == flag) {
        *error = "flag " + arg + " needs a value (" + arg + "=console|json|csv)";
        return false;
      }
    }
  }
  return true;
}

bool parse_options(const std::vector<std::string>& args, Options* out, std::string* error) {
  Options o;
  error->clear();
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument '" + arg + "' (flags look like --name=value; see --help)";
      return false;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    bool has_value = eq != std::string::npos;
    std::string value = has_value ? arg.substr(eq + 1) : "";
    auto need_value = [&]() {
      if (!has_value || value.empty()) {
        *error = "flag " + name + " needs a value (" + name + "=...)";
        return false;
      }
      return true;
    };
    uint64_t u = 0;
    if (name == "--kernel") {
      if (!need_value())
        return false;
      o.kernel = value;
    } else if (name == "--kernel_isolated") {
      if (!need_value())
        return false;
      o.kernel_isolated = value;
    } else if (name == "--fs") {
      if (!need_value())
        return false;
      o.fs_image = value;
    } else if (name == "--report_dir") {
      if (!need_value())
        return false;
      o.report_dir = value;
    } else if (name == "--sizes_mib") {
      if (!need_value() || !parse_list(name, value, 1, kMaxSizeMib, &o.sizes_mib, error))
        return false;
    } else if (name == "--strides") {
      if (!need_value() || !parse_list(name, value, 1, kMaxStride, &o.strides, error))
        return false;
    } else if (name == "--orders") {
      if (!need_value())
        return false;
      o.seq = o.rand = false;
      size_t pos = 0;
      for (;;) {
        size_t comma = value.find(',', pos);
        std::string item = value.substr(pos, comma == std::string::npos ? comma : comma - pos);
        if (item == "seq") {
          o.seq = true;
        } else if (item == "rand") {
          o.rand = true;
        } else {
          *error = "bad --orders='" + value + "': '" + item + "' is neither seq nor rand";
          return false;
        }
        if (comma == std::string::npos)
          break;
        pos = comma + 1;
      }
    } else if (name == "--eager_max_mib") {
      if (!need_value() || !parse_uint(value, 0, kMaxSizeMib, &u)) {
        if (error->empty())
          *error = "bad --eager_max_mib='" + value + "': want 0.." + std::to_string(kMaxSizeMib);
        return false;
      }
      o.eager_max_mib = u;
    } else if (name == "--seed") {
      if (!need_value() || !parse_uint(value, 0, 999'999'999'999ULL, &u)) {
        if (error->empty())
          *error = "bad --seed='" + value + "': want a whole number";
        return false;
      }
      o.seed = u;
    } else if (name == "--reps") {
      if (!need_value() || !parse_int(name, value, 1, 100, &o.reps, error))
        return false;
    } else if (name == "--path_reps") {
      if (!need_value() || !parse_int(name, value, 1, 100, &o.path_reps, error))
        return false;
    } else if (name == "--getpid_calls") {
      if (!need_value() || !parse_int(name, value, 1, 1'000'000, &o.getpid_calls, error))
        return false;
    } else if (name == "--wall") {
      if (!parse_bool(name, value, &o.wall, error))
        return false;
    } else if (name == "--wall_rounds") {
      if (!need_value() || !parse_int(name, value, 1, 100, &o.wall_rounds, error))
        return false;
    } else if (name == "--spawn_calls") {
      if (!need_value() || !parse_int(name, value, 1, 100'000, &o.spawn_calls, error))
        return false;
    } else if (name == "--boot_timeout_s") {
      if (!need_value() || !parse_int(name, value, 1, 86400, &o.boot_timeout_s, error))
        return false;
    } else if (name == "--run_timeout_s") {
      if (!need_value() || !parse_int(name, value, 1, 86400, &o.run_timeout_s, error))
        return false;
    } else if (name == "--gnuplot") {
      if (!need_value())
        return false;
      o.gnuplot = value;
    } else if (name == "--replay") {
      if (!need_value())
        return false;
      o.replay_dir = value;
    } else {
      *error = "unknown flag '" + name + "' (see --help)";
      return false;
    }
  }
  *out = o;
  return true;
}

std::vector<std::string> guest_commands(const Options& o, bool icount) {
  std::string orders = std::string(o.seq ? "s" : "") + (o.rand ? "r" : "");
  std::vector<std::string> commands;
  // Under -icount every measurement waits for a timer tick first (A=1), so no timer interrupt
  // lands in a window and instruction counts repeat exactly; wall-clock runs need no such care
  // and repeat through rounds instead (one repeat per workload per round).
  const std::string align = icount ? " A=1" : "";
  const int reps = icount ? o.reps : 1;
  commands.push_back("lazybench check paths S=" + join(o.sizes_mib) +
                     " R=" + std::to_string(o.path_reps) + " N=" + std::to_string(o.getpid_calls) +
                     " E=" + std::to_string(o.spawn_calls) + align);
  for (uint64_t size : o.sizes_mib) {
    std::string policies = size <= o.eager_max_mib ? "le" : "l";
    commands.push_back("lazybench S=" + std::to_string(size) + " K=" + join(o.strides) +
                       " O=" + orders + " P=" + policies + " R=" + std::to_string(reps) +
                       " X=" + std::to_string(o.seed) + align);
  }
  // Copy-on-write: fork + wait (COW and copying) of 1, 16, 64 MiB heaps, COW and zero-page faults,
  // a read-mostly workload.
  commands.push_back("lazybench cow R=" + std::to_string(o.path_reps) + align);
  return commands;
}

} // namespace lazyv6::bench
