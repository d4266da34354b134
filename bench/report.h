// The human-readable outputs of //bench:lazy_vs_eager: a markdown report and a gnuplot PNG.
#pragma once

#include <string>
#include <vector>

#include "bench/results.h"

namespace lazyv6::bench {

struct ReportInput {
  // Per trap model (model_index): the -icount boot (shared required) and the wall-clock rounds
  // (optional).
  const Figures* icount[2] = {nullptr, nullptr};
  const Figures* wall[2] = {nullptr, nullptr};
  int wall_rounds = 0;
  std::vector<TargetRow> targets;      // docs/design.md's, on the shared kernel under -icount
  std::vector<TargetRow> trap_targets; // evaluate_trap_targets
  std::vector<TargetRow> exec_targets; // evaluate_exec_targets
  std::vector<TargetRow> cow_targets;  // evaluate_cow_targets
  std::vector<Invariant> invariants;
  std::string plot_file;              // PNG basename next to the markdown, "" if none
  std::string plot_note;              // why there is no plot, if there is none
  std::vector<std::string> run_notes; // how each boot ran (command lines, logs), one per item
};

// The whole markdown report.
std::string render_markdown(const ReportInput& in);

// Writes <dir>/lazy_vs_eager.gp and its data files, and runs `gnuplot` on them to make
// <dir>/lazy_vs_eager.png: titled panels of pages taken and -icount time against density (shared
// kernel), and, when measured, wall time for each trap model; lazy vs eager, sequential and
// random order. Returns true with *png set (basename); false with *message saying why.
bool write_plot(const std::string& dir, const ReportInput& in, const std::string& gnuplot,
                std::string* png, std::string* message);

// "12,345" (rounded); "1.25" style below 10 when `decimals` > 0.
std::string format_number(double v, int decimals = 0);

// A counter for the console table: a plain decimal number, no SI suffix (0.00391, 1.34, 792,
// 2421700).
std::string plain_number(double v);

} // namespace lazyv6::bench
