#include "bench/report.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace lazyv6::bench {

namespace {

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

// A figure in ns as "12.34 µs", or "–".
std::string us(const std::optional<double>& ns) {
  return ns ? format_number(*ns / 1000, 2) + " µs" : "–";
}

// a / b as "12.3×", or "–".
std::string times(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b || *b <= 0)
    return "–";
  return plain_number(*a / *b) + "×";
}

// The wall-clock figures the trap-model comparison is about, for one kernel.
struct WallSummary {
  std::optional<double> getpid, fault, eager_page, spawn;
};

// The summary of one kernel's wall figures; empty for a kernel that was not measured (null).
WallSummary summarize(const Figures* f) {
  WallSummary s;
  if (f == nullptr)
    return s;
  s.getpid = f->paths.getpid_ns;
  s.spawn = f->paths.spawn_ns;
  if (const WorkloadFigures* w = dense_lazy(*f))
    s.fault = w->fault_ns;
  if (auto e = eager_page(*f))
    s.eager_page = e->ns;
  return s;
}

// A markdown table of targets; `other_column` heads the column the rows' `upstream` fills.
void target_table(std::ostringstream& md, const std::vector<TargetRow>& rows,
                  const std::string& other_column) {
  md << "| target | lazyv6 | goal | " << other_column << " | verdict | measured on |\n"
     << "|---|---:|---|---|---|---|\n";
  for (const auto& t : rows) {
    std::string value = t.ratio   ? plain_number(*t.ratio)
                        : t.instr ? format_number(*t.instr, 1) + " instr"
                                  : "–";
    md << "| " << t.path << " | " << value << " | " << t.target << " | " << t.upstream << " | **"
       << verdict_name(t.verdict) << "** | " << t.source << " |\n";
  }
  md << "\n";
}

// The copy-on-write section: its targets, fork + wait per heap size (COW and copying), and the
// read-mostly sparse workload (shared kernel, -icount).
void render_cow(std::ostringstream& md, const ReportInput& in) {
  md << "## Copy-on-write fork and the zero page, shared kernel, -icount\n\n";
  target_table(md, in.cow_targets, "upstream xv6");
  const CowFigures& c = in.icount[0]->cow;
  if (c.fork_cow.empty() && c.fork_copy.empty())
    return;
  md << "fork + wait of a process with a touched heap (the child exits at once): `fork` (COW) vs "
        "`forkcopy` (xv6's copying fork); pages taken by the fork itself.\n\n"
     << "| heap MiB | COW instr | copying instr | copying / COW | COW pages taken | copying pages "
        "taken |\n|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [size, cow] : c.fork_cow) {
    auto copy = c.fork_copy.find(size);
    const bool has_copy = copy != c.fork_copy.end();
    md << "| " << size << " | " << format_number(cow.instr) << " | "
       << (has_copy ? format_number(copy->second.instr) : "–") << " | "
       << (has_copy && cow.instr > 0 ? format_number(copy->second.instr / cow.instr, 1) : "–")
       << " | " << cow.taken << " | " << (has_copy ? std::to_string(copy->second.taken) : "–")
       << " |\n";
  }
  md << "\n";
  if (const auto& rm = c.read_mostly) {
    md << "Read-mostly sparse workload: a fresh " << rm->size_mib << " MiB lazy region, every page "
       << "read (" << rm->reads << "), one in 64 written (" << rm->writes << "): " << rm->resident
       << " pages resident, of which " << rm->zero_mapped << " map the zero page; " << rm->taken
       << " free pages taken (" << rm->ptpages
       << " of them page-table pages). Without the zero page every read page would take one.\n\n";
  }
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

std::string plain_number(double v) {
  if (std::isnan(v) || std::isinf(v))
    return "–";
  char buf[64];
  const double a = std::fabs(v);
  if (a >= 100 || v == std::round(v)) {
    snprintf(buf, sizeof(buf), "%.0f", v);
  } else if (a >= 1) {
    snprintf(buf, sizeof(buf), "%.2f", v);
  } else {
    snprintf(buf, sizeof(buf), "%.3g", v);
  }
  return buf;
}

std::string render_markdown(const ReportInput& in) {
  const Figures& f = *in.icount[0];
  const Figures* iso = in.icount[1];
  std::ostringstream md;
  md << "# lazyv6: lazy vs eager `sbrk`, shared vs isolated trap model (emulated figures)\n\n"
     << "All figures are **emulated**: QEMU 7.2 TCG, `-machine virt`, 1 hart (`-smp 1`), 128 MiB — "
        "not real-hardware times. Two kernels: *shared* (`//kernel:kernel`: the kernel mapped in "
        "every address space, no page-table switch per trap) and *isolated* "
        "(`//kernel:kernel_isolated`: xv6's trampoline, satp written on every trap). Under "
        "`-icount shift=0,sleep=off` one guest instruction is one ns of emulated time. *instr* is "
        "guest `rdinstret` (kernel code included): each measurement starts right after a timer "
        "tick, so no interrupt lands in it and instruction counts repeat exactly from boot to "
        "boot. *ns* is guest `rdtime` (10 MHz: 100 ns ticks). *Wall* figures come from boots "
        "without `-icount`, where emulated time follows the host's clock: both kernels are "
        "booted once and measured in "
     << in.wall_rounds
     << " alternating rounds (each lazybench command on both kernels in turns: shared first, "
        "then isolated first, …); figures are medians over all rounds.\n\n";

  md << "## Counter check\n\n";
  for (Model m : kModels) {
    const Figures* runs[2] = {in.icount[model_index(m)], in.wall[model_index(m)]};
    const char* what[2] = {"-icount", "wall clock"};
    for (int i = 0; i < 2; ++i) {
      if (runs[i] != nullptr && runs[i]->check.present) {
        md << "- " << model_name(m) << ", " << what[i] << ": " << runs[i]->check.summary << "\n";
      }
    }
  }
  md << "\n";

  md << "## Trap models: the targets (one run, wall-clock medians unless -icount)\n\n";
  if (in.wall[0] == nullptr || in.wall[1] == nullptr) {
    md << "Wall-clock rounds were not run (`--wall=false`): the ratio targets are not "
          "measured.\n\n";
  }
  target_table(md, in.trap_targets, "isolated kernel");
  md << "`usertests` are not part of this benchmark: their wall time on both models is measured "
        "separately (see the README).\n\n";

  md << "## Exec that loads on first touch (one run)\n\n"
     << "fork + exec + wait of `echo` (3 pages, nearly all touched) against the same path before "
        "copy-on-write fork and lazy exec (a figure measured at that commit: bench/README.md), "
        "and of `execbig quit` (200 KiB of data it never touches) with exec loading each page on "
        "first touch (the default) and with `execload(1)` (exec reads and maps every page up "
        "front, as before).\n\n";
  target_table(md, in.exec_targets, "–");

  md << "## Wall clock, shared vs isolated (medians)\n\n"
     << "| path | shared | isolated | isolated / shared |\n|---|---:|---:|---:|\n";
  const WallSummary ws = summarize(in.wall[0]), wi = summarize(in.wall[1]);
  auto wall_row = [&](const char* name, const std::optional<double>& a,
                      const std::optional<double>& b) {
    md << "| " << name << " | " << us(a) << " | " << us(b) << " | " << times(b, a) << " |\n";
  };
  wall_row("`getpid` round trip", ws.getpid, wi.getpid);
  wall_row("lazy page fault (lazy, seq, k=1, largest size; first minus second touch)", ws.fault,
           wi.fault);
  wall_row("eager page (eager `sbrk`, per page, largest eager size)", ws.eager_page, wi.eager_page);
  wall_row("fork + exec + wait of `echo`", ws.spawn, wi.spawn);
  md << "| lazy fault / eager page | " << times(ws.fault, ws.eager_page) << " | "
     << times(wi.fault, wi.eager_page) << " | |\n\n";

  if (in.wall[0] != nullptr) {
    md << "Lazy / eager wall time (grow + touch every k-th page), per density:\n\n"
       << "| size MiB | k | order | shared | isolated |\n|---:|---:|---|---:|---:|\n";
    for (const auto& w : in.wall[0]->workloads) {
      auto r = lazy_eager_ratios(*in.wall[0], w);
      if (!r)
        continue;
      std::string other = "–";
      if (in.wall[1] != nullptr) {
        if (const WorkloadFigures* o = in.wall[1]->find(w.key)) {
          if (auto ro = lazy_eager_ratios(*in.wall[1], *o))
            other = format_number(ro->time, 3);
        }
      }
      md << "| " << w.key.size_mib << " | " << w.key.k << " | " << w.key.order << " | "
         << format_number(r->time, 3) << " | " << other << " |\n";
    }
    md << "\n";
  }

  md << "## Targets (docs/design.md, \"Costs\"), shared kernel\n\n"
     << "Guest instructions under `-icount shift=0`, 1 hart. Upstream xv6 (2025) was measured the "
        "same way (figures from docs/design.md).\n\n";
  target_table(md, in.targets, "upstream xv6");

  render_cow(md, in);

  md << "## Kernel paths\n\n"
     << "| path | shared instr | isolated instr | shared -icount ns | shared wall ns | isolated "
        "wall ns |\n|---|---:|---:|---:|---:|---:|\n";
  const PathFigures* wp[2] = {in.wall[0] ? &in.wall[0]->paths : nullptr,
                              in.wall[1] ? &in.wall[1]->paths : nullptr};
  const PathFigures* ip = iso != nullptr ? &iso->paths : nullptr;
  auto at = [](const PathFigures* p, std::map<uint64_t, double> PathFigures::* m,
               uint64_t size) -> std::string {
    if (p == nullptr)
      return "–";
    auto it = (p->*m).find(size);
    return it == (p->*m).end() ? "–" : format_number(it->second, 1);
  };
  auto one = [](const PathFigures* p, std::optional<double> PathFigures::* m) -> std::string {
    return p == nullptr ? "–" : opt(p->*m, 1);
  };
  if (f.paths.null_window) {
    md << "| counter read overhead (subtracted everywhere) | "
       << format_number(f.paths.null_window->instret) << " | – | – | – | – |\n";
  }
  md << "| `getpid` round trip | " << opt(f.paths.getpid_instr, 1) << " | "
     << one(ip, &PathFigures::getpid_instr) << " | " << opt(f.paths.getpid_ns, 1) << " | "
     << one(wp[0], &PathFigures::getpid_ns) << " | " << one(wp[1], &PathFigures::getpid_ns)
     << " |\n";
  md << "| fork + exec + wait of `echo` | " << opt(f.paths.spawn_instr, 1) << " | "
     << one(ip, &PathFigures::spawn_instr) << " | " << opt(f.paths.spawn_ns, 1) << " | "
     << one(wp[0], &PathFigures::spawn_ns) << " | " << one(wp[1], &PathFigures::spawn_ns) << " |\n";
  using Field = std::optional<double> PathFigures::*;
  for (const auto& [name, instr, ns] :
       {std::tuple<const char*, Field, Field>{"fork + exec + wait of `echo`, eager exec",
                                              &PathFigures::spawn_eager_instr,
                                              &PathFigures::spawn_eager_ns},
        {"fork + exec + wait of `execbig quit`", &PathFigures::spawn_big_instr,
         &PathFigures::spawn_big_ns},
        {"fork + exec + wait of `execbig quit`, eager exec", &PathFigures::spawn_big_eager_instr,
         &PathFigures::spawn_big_eager_ns}}) {
    md << "| " << name << " | " << opt(f.paths.*instr, 1) << " | " << one(ip, instr) << " | "
       << opt(f.paths.*ns, 1) << " | " << one(wp[0], ns) << " | " << one(wp[1], ns) << " |\n";
  }
  for (const auto& [size, instr] : f.paths.sbrk_lazy_instr) {
    md << "| lazy `sbrk(+" << size << " MiB)` | " << format_number(instr, 1) << " | "
       << at(ip, &PathFigures::sbrk_lazy_instr, size) << " | "
       << at(&f.paths, &PathFigures::sbrk_lazy_ns, size) << " | "
       << at(wp[0], &PathFigures::sbrk_lazy_ns, size) << " | "
       << at(wp[1], &PathFigures::sbrk_lazy_ns, size) << " |\n";
  }
  for (const auto& [size, instr] : f.paths.shrink_untouched_instr) {
    md << "| shrink untouched " << size << " MiB | " << format_number(instr, 1) << " | "
       << at(ip, &PathFigures::shrink_untouched_instr, size) << " | "
       << at(&f.paths, &PathFigures::shrink_untouched_ns, size) << " | "
       << at(wp[0], &PathFigures::shrink_untouched_ns, size) << " | "
       << at(wp[1], &PathFigures::shrink_untouched_ns, size) << " |\n";
  }
  md << "\n";

  md << "## Workloads (-icount shift=0), shared kernel\n\n"
     << "Grow the heap by *size* (eager or lazy `sbrk`), write one byte in every *k*-th page "
        "(sequential or seeded random order), touch the same pages again (the baseline: a mapped "
        "page), shrink back. *fault* = first pass minus second pass, per touched page (lmbench "
        "style; lazy only: an eager workload takes no fault). Δresident and Δpt are memstat's "
        "user pages and page-table pages after the first pass minus before the grow. Ratios are "
        "lazy / eager: pages taken (resident + page-table) and emulated time of grow + first "
        "pass. The last column is the isolated kernel's fault.\n\n"
     << "| size MiB | k | order | policy | touched | reps | grow instr | grow ns | first touch "
        "ns/page | fault instr | fault ns | shrink instr | Δresident | Δpt | lazy/eager pages | "
        "lazy/eager time | isolated fault instr |\n"
     << "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::vector<const WorkloadFigures*> skipped;
  for (const auto& w : f.workloads) {
    if (w.status != "ok") {
      skipped.push_back(&w);
      continue;
    }
    auto r = lazy_eager_ratios(f, w);
    const WorkloadFigures* o = iso != nullptr ? iso->find(w.key) : nullptr;
    md << "| " << w.key.size_mib << " | " << w.key.k << " | " << w.key.order << " | "
       << w.key.policy << " | " << w.touched << " | " << w.reps << " | "
       << format_number(w.sbrk_instr) << " | " << format_number(w.sbrk_ns) << " | "
       << format_number(w.touch_ns_pp, 1) << " | " << opt(w.fault_instr, 1) << " | "
       << opt(w.fault_ns, 1) << " | " << format_number(w.shrink_instr) << " | " << w.resident_delta
       << " | " << w.ptpages_delta << " | " << (r ? format_number(r->resident, 4) : "–") << " | "
       << (r ? format_number(r->time, 4) : "–") << " | "
       << (o != nullptr ? opt(o->fault_instr, 1) : "–") << " |\n";
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

  for (Model m : kModels) {
    const Figures* wf = in.wall[model_index(m)];
    if (wf == nullptr)
      continue;
    md << "## Workloads, wall clock, " << model_name(m) << " kernel (medians over "
       << in.wall_rounds << " rounds)\n\n"
       << "| size MiB | k | order | policy | touched | reps | grow ns | first touch ns/page | "
          "fault ns | shrink ns | lazy/eager time |\n"
       << "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& w : wf->workloads) {
      if (w.status != "ok")
        continue;
      auto r = lazy_eager_ratios(*wf, w);
      md << "| " << w.key.size_mib << " | " << w.key.k << " | " << w.key.order << " | "
         << w.key.policy << " | " << w.touched << " | " << w.reps << " | "
         << format_number(w.sbrk_ns) << " | " << format_number(w.touch_ns_pp, 1) << " | "
         << opt(w.fault_ns, 1) << " | " << format_number(w.shrink_ns) << " | "
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
    md << "![pages taken, -icount time and wall time against density, lazy vs eager, both trap "
          "models]("
       << in.plot_file << ")\n\n";
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

namespace {

// One plotted line: a data file of (k, pages taken, time in ms) for a policy, size and order.
struct Series {
  std::string policy, order, data;
  uint64_t size_mib = 0;
};

// Writes one data file per (policy, size, order) of `f`, named
// <stem>.<policy>.<size>mib.<order>.dat.
bool write_series(const std::string& dir, const std::string& stem, const Figures& f,
                  std::vector<Series>* out, std::string* message) {
  std::map<std::tuple<std::string, uint64_t, std::string>, std::vector<const WorkloadFigures*>>
      groups;
  for (const auto& w : f.workloads) {
    if (w.status == "ok")
      groups[{w.key.policy, w.key.size_mib, w.key.order}].push_back(&w);
  }
  for (const auto& [key, ws] : groups) {
    const auto& [policy, size, order] = key;
    Series s{policy, order,
             stem + "." + policy + "." + std::to_string(size) + "mib." + order + ".dat", size};
    std::ofstream data(dir + "/" + s.data);
    data << "# k  pages_taken(resident+pt)  grow+first_touch_ms  (" << policy << ", " << size
         << " MiB, " << order << ")\n";
    for (const auto* w : ws) {
      data << w->key.k << " " << (w->resident_delta + w->ptpages_delta) << " "
           << w->workload_ns / 1e6 << "\n";
    }
    if (!data) {
      *message = "could not write " + dir + "/" + s.data;
      return false;
    }
    out->push_back(s);
  }
  return true;
}

// The gnuplot `plot` arguments for `series`, column `column` against k. Colour = size, solid =
// lazy, dashed = eager, filled points = sequential, open points = random order.
std::string plot_args(const std::vector<Series>& series, const std::map<uint64_t, int>& color,
                      int column) {
  std::ostringstream p;
  bool first = true;
  for (const auto& s : series) {
    const bool lazy = s.policy == "lazy", seq = s.order == "seq";
    const int pt = lazy ? (seq ? 7 : 6) : (seq ? 5 : 4);
    p << (first ? "" : ", \\\n     ") << "'" << s.data << "' using 1:" << column
      << " with linespoints lw 2 pt " << pt << " dt " << (lazy ? 1 : 2) << " lc "
      << color.at(s.size_mib) << " notitle";
    first = false;
  }
  return p.str();
}

} // namespace

bool write_plot(const std::string& dir, const ReportInput& in, const std::string& gnuplot,
                std::string* png, std::string* message) {
  if (access(gnuplot.c_str(), X_OK) != 0) {
    *message = "gnuplot not found at " + gnuplot +
               " (Debian package gnuplot-nox; ./bazelw installs it) — markdown written without a "
               "plot";
    return false;
  }
  std::vector<Series> icount, wall[2];
  if (!write_series(dir, "lazy_vs_eager.icount.shared", *in.icount[0], &icount, message))
    return false;
  for (Model m : kModels) {
    const Figures* wf = in.wall[model_index(m)];
    if (wf != nullptr && !write_series(dir, std::string("lazy_vs_eager.wall.") + model_name(m), *wf,
                                       &wall[model_index(m)], message)) {
      return false;
    }
  }
  if (icount.empty()) {
    *message = "no completed workloads to plot";
    return false;
  }
  std::map<uint64_t, int> color;
  std::set<uint64_t> lazy_sizes, eager_sizes;
  for (const auto& s : icount) {
    (s.policy == "lazy" ? lazy_sizes : eager_sizes).insert(s.size_mib);
    color.emplace(s.size_mib, 0);
  }
  for (const auto& ws : wall) {
    for (const auto& s : ws)
      color.emplace(s.size_mib, 0);
  }
  int next = 0;
  for (auto& [size, c] : color)
    c = ++next;

  // The legend (first panel only): dummy NaN entries for what colour, dash and point mean, and
  // why a size has no eager line.
  std::ostringstream key;
  for (const auto& [size, c] : color)
    key << ", \\\n     NaN with lines lw 2 lc " << c << " title '" << size << " MiB'";
  key << ", \\\n     NaN with lines lw 2 dt 1 lc 'black' title 'lazy (solid)'"
      << ", \\\n     NaN with lines lw 2 dt 2 lc 'black' title 'eager (dashed)'"
      << ", \\\n     NaN with points pt 7 lc 'black' title 'sequential order (filled)'"
      << ", \\\n     NaN with points pt 6 lc 'black' title 'random order (open)'";
  for (uint64_t size : lazy_sizes) {
    if (eager_sizes.count(size) == 0) {
      key << ", \\\n     NaN with lines lc 'white' title 'no eager " << size
          << " MiB line: above --eager_max_mib (RAM: 128 MiB)'";
    }
  }

  const bool has_wall = !wall[0].empty() || !wall[1].empty();
  // Both wall panels on one y range (whole decades), so the two kernels compare by eye.
  double lo = 0, hi = 0;
  for (const Figures* wf : in.wall) {
    if (wf == nullptr)
      continue;
    for (const auto& w : wf->workloads) {
      if (w.status != "ok" || w.workload_ns <= 0)
        continue;
      const double ms = w.workload_ns / 1e6;
      lo = lo == 0 ? ms : std::min(lo, ms);
      hi = std::max(hi, ms);
    }
  }
  std::string wall_range = "set autoscale y\n";
  if (lo > 0) {
    char buf[96];
    snprintf(buf, sizeof(buf), "set yrange [%g:%g]\n", std::pow(10, std::floor(std::log10(lo))),
             std::pow(10, std::ceil(std::log10(hi))));
    wall_range = buf;
  }
  *png = "lazy_vs_eager.png";
  auto script = [&](const std::string& terminal) {
    std::ostringstream gp;
    gp << "# Made by //bench:lazy_vs_eager; run `gnuplot lazy_vs_eager.gp` in this directory.\n"
       << "set terminal " << terminal << "\n"
       << "set output '" << *png << "'\n"
       << "set termoption noenhanced\n" // flag names and titles contain '_'
       << "set multiplot layout " << (has_wall ? 2 : 1)
       << ",2 title \"lazyv6: lazy vs eager sbrk — emulated figures (QEMU 7.2 TCG, 1 hart, 128 "
          "MiB)\"\n"
       << "set logscale x 2\nset logscale y 10\nset grid\n"
       << "set xlabel 'touch every k-th page (density 1/k)'\n"
       << "set key bottom left Left reverse samplen 2 font ',9'\n"
       << "set title 'Pages taken (resident + page-table), shared kernel'\n"
       << "set ylabel 'pages (log)'\n"
       << "plot " << plot_args(icount, color, 2) << key.str() << "\n"
       << "unset key\n"
       << "set title 'Emulated time under -icount (1 instr = 1 ns), shared kernel'\n"
       << "set ylabel 'grow + first touch, ms (log)'\n"
       << "plot " << plot_args(icount, color, 3) << "\n";
    for (Model m : kModels) {
      const auto& ws = wall[model_index(m)];
      if (!has_wall)
        break;
      gp << "set title 'Wall time, " << model_name(m) << " kernel (no -icount, medians of "
         << in.wall_rounds << " rounds)'\n"
         << "set ylabel 'grow + first touch, wall ms (log)'\n"
         << wall_range;
      if (ws.empty()) {
        gp << "plot NaN notitle\n";
      } else {
        gp << "plot " << plot_args(ws, color, 3) << "\n";
      }
    }
    gp << "unset multiplot\n";
    return gp.str();
  };
  const std::string size = has_wall ? "1400,1100" : "1400,600";
  const std::string gp_path = dir + "/lazy_vs_eager.gp";
  const std::string log_path = dir + "/lazy_vs_eager.gnuplot.log";
  for (const std::string& terminal :
       {"pngcairo size " + size + " font 'sans,10'", "png size " + size}) {
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
