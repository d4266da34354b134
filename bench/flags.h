// Command-line flags of //bench:lazy_vs_eager (everything that is not a --benchmark_* flag, which
// Google Benchmark takes first), and the lazybench command lines they turn into.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/results.h"

namespace lazyv6::bench {

struct Options {
  std::string kernel;          // --kernel: the shared-model kernel ELF (//kernel:kernel)
  std::string kernel_isolated; // --kernel_isolated: xv6's trampoline model (:kernel_isolated)
  std::string fs_image;        // --fs: the bench file system image
  std::string report_dir;      // --report_dir: where the PNG and markdown go ("" = default)
  std::vector<uint64_t> sizes_mib = {1, 16, 64, 1024};
  std::vector<uint64_t> strides = {1, 8, 64, 512};
  bool seq = true, rand = true;
  uint64_t eager_max_mib = 64; // eager workloads only for sizes up to this (RAM is 128 MiB)
  uint64_t seed = 42;
  int reps = 1;      // repeats per workload under -icount (small ones repeat more)
  int path_reps = 5; // repeats of each kernel-path measurement (per round without -icount)
  int getpid_calls = 1000;
  int spawn_calls = 10; // fork+exec+wait of echo per path repeat
  bool wall = true;     // also boot without -icount for wall-clock figures
  int wall_rounds = 5;  // alternating rounds per model in those boots (figures are medians)
  int boot_timeout_s = 180;
  int run_timeout_s = 3600;
  std::string gnuplot = "/usr/bin/gnuplot";
  std::string replay_dir; // report the console transcripts saved there instead of booting
  bool help = false;
};

// Parses our flags (args excludes argv[0]). On a bad flag returns false with a one-line error.
bool parse_options(const std::vector<std::string>& args, Options* out, std::string* error);

// Parses `text`, the value of `flag`, as a whole number in [lo, hi]. On failure returns false
// with a one-line error naming the flag.
bool parse_int(const std::string& flag, const std::string& text, int lo, int hi, int* out,
               std::string* error);

// The --help text; its first line is usage_line().
std::string usage();
std::string usage_line();

// Google Benchmark's output formats (--benchmark_format, --benchmark_out_format).
bool supported_benchmark_format(const std::string& name);

// Checks the values of the --benchmark_* flags this program relies on before Google Benchmark
// sees them (it would print its own help and exit 0 on a bad one). False with a one-line error.
bool check_benchmark_flags(const std::vector<std::string>& args, std::string* error);

// The lazybench command lines one boot (icount) or one wall-clock round runs (each well under the
// console's 127-character line): counter check and kernel paths first, then one command per size.
std::vector<std::string> guest_commands(const Options& o, bool icount);

} // namespace lazyv6::bench
