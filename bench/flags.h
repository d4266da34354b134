// Command-line flags of //bench:lazy_vs_eager (everything that is not a --benchmark_* flag, which
// Google Benchmark takes first), and the lazybench command lines they turn into.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lazyv6::bench {

struct Options {
  std::string kernel;     // --kernel: kernel ELF ($(rootpath) from BUILD, or a path)
  std::string fs_image;   // --fs: the bench file system image
  std::string report_dir; // --report_dir: where the PNG and markdown go ("" = default)
  std::vector<uint64_t> sizes_mib = {1, 16, 64, 1024};
  std::vector<uint64_t> strides = {1, 8, 64, 512};
  bool seq = true, rand = true;
  uint64_t eager_max_mib = 64; // eager workloads only for sizes up to this (RAM is 128 MiB)
  uint64_t seed = 42;
  int reps = 1;      // repeats per workload under -icount (small ones repeat more)
  int path_reps = 5; // repeats of each kernel-path measurement
  int getpid_calls = 1000;
  bool wall = true;  // also boot without -icount for wall-clock figures
  int wall_reps = 3; // repeats in that boot (figures are medians)
  int boot_timeout_s = 180;
  int run_timeout_s = 3600;
  std::string gnuplot = "/usr/bin/gnuplot";
  std::string replay_icount; // parse this saved console output instead of booting (-icount run)
  std::string replay_wall;   // likewise for the wall-clock run
  bool help = false;
};

// Parses our flags (args excludes argv[0]). On a bad flag returns false with a one-line error.
bool parse_options(const std::vector<std::string>& args, Options* out, std::string* error);

// The --help text.
std::string usage();

// The lazybench command lines one boot runs (each well under the console's 127-character line):
// counter check and kernel paths first, then one command per size.
std::vector<std::string> guest_commands(const Options& o, bool icount);

} // namespace lazyv6::bench
