#include "bench/report.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace lazyv6::bench {

namespace {

std::string mode_words(Mode m) {
  return m == Mode::Icount ? "-icount shift=0,sleep=off" : "no -icount (wall clock)";
}

// Runs argv in `cwd` with stdout+stderr to `log`; returns the exit status (-1: could not run).
int run_in(const std::vector<std::string>& argv, const std::string& cwd, const std::string& log) {
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0)
      _exit(126);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string first_line(const std::string& s) {
  size_t nl = s.find('\n');
  return s.substr(0, nl);
}

std::string opt(const std::optional<double>& v, int decimals = 0) {
  return v ? format_number(*v, decimals) : "–";
}

} // namespace

std::string format_number(double v, int decimals) {
  if (std::isnan(v) || std::isinf(v))
    return "–";
  char buf[64];
  if (decimals > 0 && std::fabs(v) < 10) {
    snprintf(buf, sizeof(buf), "%.*f", decimals, v);
    return buf;
  }
  snprintf(buf, sizeof(buf), "%.0f", v);
  std::string digits = buf;
  bool negative = !digits.empty() && digits[0] == '-';
  if (negative)
    digits.erase(0, 1);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0)
      out.push_back(',');
    out.push_back(digits[i]);
  }
  if (out == "0" && negative)
    negative = false;
  return negative ? "-" + out : out;
}

std::string render_markdown(const ReportInput& in) {
  const Figures& f = *in.icount;
  std::ostringstream md;
  md << "# lazyv6: lazy vs eager `sbrk` (emulated figures)\n\n"
     << "All figures are **emulated**: QEMU 7.2 TCG, `-machine virt`, 1 hart (`-smp 1`), 128 MiB — "
        "not real-hardware times. Under `-icount shift=0,sleep=off` one guest instruction is one "
        "ns "
        "of emulated time. *instr* is guest `rdinstret` (kernel code included): each measurement "
        "starts right after a timer tick, so no interrupt lands in it and instruction counts "
        "repeat exactly from boot to boot. *ns* is guest `rdtime` (10 MHz: 100 ns ticks, so a "
        "single short call reads in steps of 100 ns, to within one tick from boot to boot). "
        "*Wall* figures come from a second boot without `-icount`: emulated time then follows "
        "the host's clock (noisier; medians of repeats).\n\n";

  md << "## Counter check\n\n";
  if (f.check.present) {
    md << "- -icount boot: " << f.check.summary << "\n";
  } else {
    md << "- -icount boot: not run\n";
  }
  if (in.wall != nullptr && in.wall->check.present) {
    md << "- wall-clock boot: " << in.wall->check.summary << "\n";
  }
  md << "\n";

  md << "## Targets (docs/design.md, \"Costs\")\n\n"
     << "Guest instructions under `-icount shift=0`, 1 hart. Upstream xv6 (2025) was measured the "
        "same way (figures from docs/design.md).\n\n"
     << "| path | lazyv6 (instr) | lazyv6 (emulated ns) | target | upstream xv6 | verdict | "
        "measured on |\n|---|---:|---:|---|---:|---|---|\n";
  for (const auto& t : in.targets) {
    md << "| " << t.path << " | " << opt(t.instr, 1) << " | " << opt(t.ns, 1) << " | " << t.target
       << " | " << t.upstream << " | **" << verdict_name(t.verdict) << "** | " << t.source
       << " |\n";
  }
  md << "\n";

  md << "## Kernel paths\n\n| path | -icount instr | -icount ns | wall ns (median) |\n"
     << "|---|---:|---:|---:|\n";
  const PathFigures* wp = in.wall != nullptr ? &in.wall->paths : nullptr;
  auto wall_of = [&](const std::map<uint64_t, double>& m, uint64_t size) -> std::string {
    auto it = m.find(size);
    return it == m.end() ? "–" : format_number(it->second, 1);
  };
  if (f.paths.null_window) {
    md << "| counter read overhead (subtracted everywhere) | "
       << format_number(f.paths.null_window->instret) << " | – | – |\n";
  }
  md << "| `getpid` round trip | " << opt(f.paths.getpid_instr, 1) << " | "
     << opt(f.paths.getpid_ns, 1) << " | " << (wp ? opt(wp->getpid_ns, 1) : "–") << " |\n";
  for (const auto& [size, instr] : f.paths.sbrk_lazy_instr) {
    md << "| lazy `sbrk(+" << size << " MiB)` | " << format_number(instr, 1) << " | "
       << wall_of(f.paths.sbrk_lazy_ns, size) << " | "
       << (wp ? wall_of(wp->sbrk_lazy_ns, size) : "–") << " |\n";
  }
  for (const auto& [size, instr] : f.paths.shrink_untouched_instr) {
    md << "| shrink untouched " << size << " MiB | " << format_number(instr, 1) << " | "
       << wall_of(f.paths.shrink_untouched_ns, size) << " | "
       << (wp ? wall_of(wp->shrink_untouched_ns, size) : "–") << " |\n";
  }
  md << "\n";

  md << "## Workloads (-icount shift=0)\n\n"
     << "Grow the heap by *size* (eager or lazy `sbrk`), write one byte in every *k*-th page "
        "(sequential or seeded random order), touch the same pages again (the baseline: a mapped "
        "page), shrink back. *fault* = first pass minus second pass, per touched page (lmbench "
        "style). Δresident and Δpt are memstat's user pages and page-table pages after the first "
        "pass minus before the grow. Ratios are lazy / eager: pages taken (resident + page-table) "
        "and emulated time of grow + first pass.\n\n"
     << "| size MiB | k | order | policy | touched | reps | grow instr | grow ns | first touch "
        "ns/page | fault instr | fault ns | shrink instr | Δresident | Δpt | lazy/eager pages | "
        "lazy/eager time |\n"
     << "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::vector<const WorkloadFigures*> skipped;
  for (const auto& w : f.workloads) {
    if (w.status != "ok") {
      skipped.push_back(&w);
      continue;
    }
    auto r = lazy_eager_ratios(f, w);
    md << "| " << w.key.size_mib << " | " << w.key.k << " | " << w.key.order << " | "
       << w.key.policy << " | " << w.touched << " | " << w.reps << " | "
       << format_number(w.sbrk_instr) << " | " << format_number(w.sbrk_ns) << " | "
       << format_number(w.touch_ns_pp, 1) << " | " << format_number(w.fault_instr, 1) << " | "
       << format_number(w.fault_ns, 1) << " | " << format_number(w.shrink_instr) << " | "
       << w.resident_delta << " | " << w.ptpages_delta << " | "
       << (r ? format_number(r->resident, 4) : "–") << " | "
       << (r ? format_number(r->time, 4) : "–") << " |\n";
  }
  md << "\n";
  if (!skipped.empty()) {
    md << "Skipped or failed:\n\n";
    for (const auto* w : skipped) {
      md << "- " << w->key.name() << ": " << w->status;
      if (w->status == "skipped_ram") {
        md << " (needs about " << w->need_pages << " pages, " << w->free_pages
           << " free: 128 MiB of RAM cannot hold it)";
      }
      md << "\n";
    }
    md << "\n";
  }

  if (in.wall != nullptr) {
    md << "## Workloads, wall clock (no -icount, medians of " << in.wall_reps << "+ repeats)\n\n"
       << "| size MiB | k | order | policy | touched | reps | grow ns | first touch ns/page | "
          "fault ns | shrink ns | lazy/eager time |\n"
       << "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& w : in.wall->workloads) {
      if (w.status != "ok")
        continue;
      auto r = lazy_eager_ratios(*in.wall, w);
      md << "| " << w.key.size_mib << " | " << w.key.k << " | " << w.key.order << " | "
         << w.key.policy << " | " << w.touched << " | " << w.reps << " | "
         << format_number(w.sbrk_ns) << " | " << format_number(w.touch_ns_pp, 1) << " | "
         << format_number(w.fault_ns, 1) << " | " << format_number(w.shrink_ns) << " | "
         << (r ? format_number(r->time, 4) : "–") << " |\n";
    }
    md << "\n";
  }

  md << "## Invariants (not timings)\n\n";
  int passed = 0;
  std::vector<const Invariant*> failed;
  for (const auto& i : in.invariants) {
    if (i.ok) {
      ++passed;
    } else {
      failed.push_back(&i);
    }
  }
  md << passed << " of " << in.invariants.size() << " hold.";
  if (!failed.empty()) {
    md << " Failing:\n\n";
    for (const auto* i : failed) {
      md << "- " << (i->required ? "" : "(kernel accounting) ") << i->name << ": " << i->detail
         << "\n";
    }
  }
  md << "\n\n";

  md << "## Plot\n\n";
  if (!in.plot_file.empty()) {
    md << "![resident pages and emulated time against density, lazy vs eager](" << in.plot_file
       << ")\n\n";
  } else {
    md << "No plot: " << in.plot_note << "\n\n";
  }

  if (!in.run_notes.empty()) {
    md << "## Runs\n\n";
    for (const auto& n : in.run_notes)
      md << "- " << n << "\n";
    md << "\n";
  }
  return md.str();
}

bool write_plot(const std::string& dir, const Figures& f, const std::string& gnuplot,
                std::string* png, std::string* message) {
  if (access(gnuplot.c_str(), X_OK) != 0) {
    *message = "gnuplot not found at " + gnuplot +
               " (Debian package gnuplot-nox; ./bazelw installs it) — markdown written without a "
               "plot";
    return false;
  }
  // One data file per (policy, size), sequential order (random if there is no sequential run).
  bool have_seq = false;
  for (const auto& w : f.workloads)
    have_seq = have_seq || (w.status == "ok" && w.key.order == "seq");
  const std::string order = have_seq ? "seq" : "rand";
  std::map<std::pair<std::string, uint64_t>, std::vector<const WorkloadFigures*>> series;
  for (const auto& w : f.workloads) {
    if (w.status == "ok" && w.key.order == order)
      series[{w.key.policy, w.key.size_mib}].push_back(&w);
  }
  if (series.empty()) {
    *message = "no completed workloads to plot";
    return false;
  }
  std::set<uint64_t> sizes;
  for (const auto& [key, ws] : series)
    sizes.insert(key.second);

  std::ostringstream left, right;
  int color = 0;
  std::map<uint64_t, int> color_of;
  for (uint64_t s : sizes)
    color_of[s] = ++color;
  bool first = true;
  for (const auto& [key, ws] : series) {
    const auto& [policy, size] = key;
    std::string data = "lazy_vs_eager." + policy + "." + std::to_string(size) + "mib.dat";
    std::ofstream out(dir + "/" + data);
    out << "# k  pages_taken(resident+pt)  grow+first_touch_ms  (" << policy << ", " << size
        << " MiB, " << order << ", emulated)\n";
    for (const auto* w : ws) {
      out << w->key.k << " " << (w->resident_delta + w->ptpages_delta) << " "
          << w->workload_ns / 1e6 << "\n";
    }
    if (!out) {
      *message = "could not write " + dir + "/" + data;
      return false;
    }
    std::string style = " with linespoints lw 2 pt " + std::string(policy == "lazy" ? "7" : "5") +
                        " dt " + (policy == "lazy" ? "1" : "2") + " lc " +
                        std::to_string(color_of[size]) + " title '" + policy + " " +
                        std::to_string(size) + " MiB'";
    left << (first ? "" : ", \\\n     ") << "'" << data << "' using 1:2" << style;
    right << (first ? "" : ", \\\n     ") << "'" << data << "' using 1:3" << style;
    first = false;
  }

  *png = "lazy_vs_eager.png";
  auto script = [&](const std::string& terminal) {
    std::ostringstream gp;
    gp << "# Made by //bench:lazy_vs_eager; run `gnuplot lazy_vs_eager.gp` in this directory.\n"
       << "set terminal " << terminal << "\n"
       << "set output '" << *png << "'\n"
       << "set multiplot layout 1,2 title \"lazyv6: lazy vs eager sbrk — emulated figures (QEMU "
          "TCG, "
       << mode_words(f.mode) << ", 1 hart), " << order << " order\"\n"
       << "set logscale x 2\nset logscale y 10\nset grid\nset key bottom left\n"
       << "set xlabel 'touch every k-th page (density 1/k)'\n"
       << "set ylabel 'pages taken: resident + page-table (log)'\n"
       << "plot " << left.str() << "\n"
       << "set ylabel 'grow + first touch, emulated ms (log)'\n"
       << "plot " << right.str() << "\n"
       << "unset multiplot\n";
    return gp.str();
  };
  const std::string gp_path = dir + "/lazy_vs_eager.gp";
  const std::string log_path = dir + "/lazy_vs_eager.gnuplot.log";
  for (const char* terminal : {"pngcairo size 1400,600 font 'sans,10'", "png size 1400,600"}) {
    std::ofstream(gp_path) << script(terminal);
    int status = run_in({gnuplot, "lazy_vs_eager.gp"}, dir, log_path);
    std::string log = read_file(log_path);
    if (status == 0 && access((dir + "/" + *png).c_str(), R_OK) == 0 &&
        log.find("unknown or ambiguous terminal") == std::string::npos) {
      return true;
    }
    *message = "gnuplot failed (exit " + std::to_string(status) + "): " + first_line(log);
  }
  return false;
}

} // namespace lazyv6::bench
