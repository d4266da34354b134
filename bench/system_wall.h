// The pure parts of //bench:system_wall (see bench/system_wall_main.cc): its flags, the order in
// which the two trap models run in each round, and the summary table. Unit-tested in
// bench/system_wall_unit_test.cc; nothing here boots QEMU.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "bench/results.h"

namespace lazyv6::bench::wall {

// What each boot measures: only the boot, only usertests (the boot is still timed), or both.
enum class Only { Both, Boot, Usertests };

struct WallOptions {
  std::string kernel;          // --kernel: the shared-model kernel ELF (//kernel:kernel)
  std::string kernel_isolated; // --kernel_isolated: the isolated model (//kernel:kernel_isolated)
  std::string fs_image;        // --fs: //:fs_img, copied afresh for every boot
  int rounds = 3;              // --rounds: boots per model, interleaved with the other model's
  int harts = 3;               // --harts: -smp
  Only only = Only::Both;      // --only boot|usertests
  bool help = false;           // --help
};

// Parses the flags (args excludes argv[0]); flags take "--flag N" or "--flag=N". On a bad flag
// returns false with a one-line error and leaves *out unspecified.
bool parse_wall_options(const std::vector<std::string>& args, WallOptions* out, std::string* error);

// The usage line, and the --help text that starts with it.
std::string wall_usage_line();
std::string wall_usage();

// The two models in the order round `round` (0-based) runs them: shared first in even rounds,
// isolated first in odd ones, so neither always runs in the same slot.
std::array<Model, 2> round_order(int round);

// Median, minimum and maximum of a non-empty sample of seconds.
struct Stats {
  int runs = 0;
  double median = 0, min = 0, max = 0;
};
Stats summarize(const std::vector<double>& seconds);

// One measured quantity ("boot", "usertests") and its samples per model (model_index).
struct Measure {
  std::string name;
  std::vector<double> seconds[2];
};

// Everything the table shows besides the measures.
struct TableInput {
  int rounds = 0;
  int harts = 0;
  std::string load_start, load_end; // host 1-minute load average
  unsigned host_cpus = 0;
  std::vector<Measure> measures; // each with samples for both models
};

// The table: a heading with rounds, harts and the load averages, then per measure one row per
// model (runs, median, min, max in seconds) with the ratio of medians isolated/shared on the
// isolated row.
std::string format_table(const TableInput& in);

} // namespace lazyv6::bench::wall
