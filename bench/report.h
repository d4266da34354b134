// The human-readable outputs of //bench:lazy_vs_eager: a markdown report and a gnuplot PNG.
#pragma once

#include <string>
#include <vector>

#include "bench/results.h"

namespace lazyv6::bench {

struct ReportInput {
  const Figures* icount = nullptr; // required
  const Figures* wall = nullptr;   // optional: the boot without -icount
  int wall_reps = 0;
  std::vector<TargetRow> targets;
  std::vector<Invariant> invariants;
  std::string plot_file;              // PNG basename next to the markdown, "" if none
  std::string plot_note;              // why there is no plot, if there is none
  std::vector<std::string> run_notes; // how each boot ran (command lines, logs), one per item
};

// The whole markdown report.
std::string render_markdown(const ReportInput& in);

// Writes <dir>/lazy_vs_eager.gp and its data files, and runs `gnuplot` on them to make
// <dir>/lazy_vs_eager.png: resident pages and emulated time against density, lazy vs eager.
// Returns true with *png set (basename); false with *message saying why (no gnuplot, it failed).
bool write_plot(const std::string& dir, const Figures& icount, const std::string& gnuplot,
                std::string* png, std::string* message);

// "12,345" (rounded); "1.25" style below 10 when `decimals` > 0.
std::string format_number(double v, int decimals = 0);

} // namespace lazyv6::bench
