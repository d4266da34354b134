// Host side of the lazybench result format (version 1; bench/guest/lazybench.cc defines it):
// parsing console output into records, turning records into figures (per workload and per kernel
// path), comparing figures with docs/design.md's cost targets, and checking the invariants that are
// not timings. Pure functions over strings and structs: unit-tested in bench/parse_test.cc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lazyv6::bench {

inline constexpr int kFormatVersion = 1;
inline constexpr uint64_t kPageSize = 4096;

// One RESULT line: its kind and every key=value pair (including v and kind).
struct Record {
  std::string kind;
  std::map<std::string, std::string> fields;

  bool has(const std::string& key) const { return fields.count(key) != 0; }
  std::string str(const std::string& key) const; // "" if absent
  // The field as an unsigned integer; nullopt if absent or not a number.
  std::optional<uint64_t> num(const std::string& key) const;
};

// Everything one guest run printed: the BENCH_BEGIN fields of its (last) invocation and every
// RESULT line of every invocation, in order.
struct GuestOutput {
  std::map<std::string, std::string> begin;
  std::vector<Record> records;
  int invocations = 0; // BENCH_BEGIN ... BENCH_DONE pairs seen
};

// Splits "a=1 b=x" into pairs. Fails on a token without '=' or an empty key.
bool split_fields(std::string_view text, std::map<std::string, std::string>* out,
                  std::string* error);

// Parses console output that holds one or more complete lazybench invocations (BENCH_BEGIN,
// RESULT lines, BENCH_DONE). Other lines (shell echo, kernel messages) are ignored. Fails, saying
// why, on BENCH_ERROR, a version other than 1, a malformed RESULT line, a RESULT outside an
// invocation, a missing BENCH_DONE, or a BENCH_DONE whose count disagrees with the lines seen.
bool parse_console(std::string_view text, GuestOutput* run, std::string* error);

// The two trap models the benchmark compares (//kernel:trap_model): index into per-model arrays
// via model_index().
enum class Model { Shared, Isolated };
inline constexpr Model kModels[] = {Model::Shared, Model::Isolated};
const char* model_name(Model m); // "shared" | "isolated"

constexpr int model_index(Model m) {
  return m == Model::Shared ? 0 : 1;
}

// How a run was timed: under -icount (deterministic: instruction counts are exact) or not
// (wall-clock: only rdtime is meaningful, and figures are medians over repeats).
enum class Mode { Icount, Wall };

// Per-rep deltas of one counter window, after parsing.
struct Window {
  double instret = 0;
  double cycles = 0;
  double ticks = 0;
};

struct WorkloadKey {
  std::string policy; // "lazy" | "eager"
  std::string order;  // "seq" | "rand"
  uint64_t size_mib = 0;
  uint64_t k = 0;
  bool operator<(const WorkloadKey& o) const;
  bool operator==(const WorkloadKey& o) const;
  std::string name() const; // "lazy/seq/16M/k8"
};

// The figures of one workload (one key), aggregated over its repeats: means under -icount,
// medians of per-repeat figures without it. Instruction figures are meaningful only under icount.
struct WorkloadFigures {
  WorkloadKey key;
  std::string status; // "ok", "skipped_ram", "sbrk_failed", "shrink_failed"
  int reps = 0;
  uint64_t pages = 0;                         // declared pages (size / 4 KiB)
  uint64_t touched = 0;                       // pages touched per pass
  uint64_t need_pages = 0, free_pages = 0;    // for skipped_ram
  double sbrk_instr = 0, sbrk_ns = 0;         // the grow call (counter overhead removed)
  double touch_instr_pp = 0, touch_ns_pp = 0; // first pass, per touched page
  double base_instr_pp = 0, base_ns_pp = 0;   // second pass (mapped pages), per page
  // Lazy only: first minus second pass, per page. An eager workload takes no fault, so its
  // difference would be clock noise around zero (and often negative): it has none.
  std::optional<double> fault_instr, fault_ns;
  double shrink_instr = 0, shrink_ns = 0; // the shrink call
  double workload_ns = 0;                 // grow + first pass
  // memstat deltas (first repeat): after the first pass minus before the grow.
  int64_t resident_delta = 0, ptpages_delta = 0, free_delta = 0, faults_delta = 0;
  int64_t resident_after_sbrk_delta = 0;               // after the grow minus before it
  int64_t resident_leftover = 0, ptpages_leftover = 0; // after the shrink minus before the grow
  uint64_t resident_after = 0, ptpages_after = 0;      // absolute, after the first pass
  bool reps_agree = true;                              // every repeat saw the same memstat deltas
};

// The kernel paths measured by `lazybench check paths`.
struct PathFigures {
  std::optional<Window> null_window;             // counter-read overhead (min/median over reps)
  std::optional<double> getpid_instr, getpid_ns; // per call
  std::optional<double> spawn_instr, spawn_ns;   // per fork + exec("echo") + wait
  // The same with execload(1): exec reads every page of echo up front (the old way).
  std::optional<double> spawn_eager_instr, spawn_eager_ns;
  // fork + exec("execbig quit") + wait: 200 KiB of data it never touches; lazy and eager exec.
  std::optional<double> spawn_big_instr, spawn_big_ns, spawn_big_eager_instr, spawn_big_eager_ns;
  std::map<uint64_t, double> sbrk_lazy_instr, sbrk_lazy_ns;               // by size_mib
  std::map<uint64_t, double> shrink_untouched_instr, shrink_untouched_ns; // by size_mib
};

// The counter check: a loop of a known number of instructions timed by all three counters.
struct CounterCheck {
  bool present = false;
  uint64_t loop_instructions = 0;
  Window loop;
  bool ok = false;     // under icount: instret and cycles match the loop, time = 1 ns/instr
  std::string summary; // one line, for the report
};

// Copy-on-write (`lazybench cow`). Instructions are meaningful only under icount.
struct ForkFigures {        // one fork (or forkcopy) + wait of a process with a touched heap
  double instr = 0, ns = 0; // fork in the parent + wait (the child runs, exits, is freed)
  uint64_t taken = 0;       // free pages the fork took (first repeat), the parent's COW copies in
  uint64_t child_ptpages = 0, parent_cow = 0; // the child's page-table pages; those COW copies
};
struct ReadMostly { // memstat deltas: every page of a fresh lazy region read, one in 64 written
  uint64_t size_mib = 0, pages = 0, reads = 0, writes = 0;
  uint64_t resident = 0, zero_mapped = 0, taken = 0, ptpages = 0;
};
struct CowFigures {
  std::map<uint64_t, ForkFigures> fork_cow, fork_copy; // by heap size in MiB
  // Per page, first minus second pass: a write to a COW page shared with a live child (copy) or
  // no longer shared (own: taken over), and a read of an untouched page (maps the zero page).
  std::optional<double> fault_copy_instr, fault_copy_ns, fault_own_instr, fault_own_ns;
  std::optional<double> zero_instr, zero_ns;
  std::optional<ReadMostly> read_mostly;
};

struct Figures {
  Mode mode = Mode::Icount;
  double ns_per_tick = 100;               // from BENCH_BEGIN timebase_hz
  std::vector<WorkloadFigures> workloads; // sorted by key
  PathFigures paths;
  CounterCheck check;
  CowFigures cow;

  const WorkloadFigures* find(const WorkloadKey& key) const;
};

// Aggregates a parsed run. Fails on records missing the fields their kind requires.
bool aggregate(const GuestOutput& run, Mode mode, Figures* out, std::string* error);

// Checks the counter loop (fills check.ok/summary); exposed for tests.
CounterCheck evaluate_check(const Record& r, Mode mode, double ns_per_tick);

// ---- targets (docs/design.md, "Costs")
// --------------------------------------------

enum class Verdict { Met, Miss, NotMeasured };
const char* verdict_name(Verdict v); // "MET", "MISS", "n/a"

struct TargetRow {
  std::string id;              // short name for the benchmark ("lazy_fault", "getpid", ...)
  std::string path;            // what is measured
  std::string source;          // which measurement the figure comes from
  std::optional<double> instr; // guest instructions
  std::optional<double> ns;    // emulated ns
  std::string target;          // e.g. "≤ 800"
  std::string upstream;        // upstream xv6's figure
  Verdict verdict = Verdict::NotMeasured;
  std::optional<double> ratio; // for targets that are ratios of two measurements
};

std::vector<TargetRow> evaluate_targets(const Figures& icount);

// The trap-model targets, as ratios of wall-clock medians from one run (the wall figures may be
// null when not measured): isolated getpid / shared getpid ≥ 10; shared lazy fault / shared eager
// page ≤ 2; lazy / eager (grow + touch all) < 1 at density 1/8 and sparser on shared; and under
// -icount, no regression of the shared kernel (lazy fault ≤ 792, getpid ≤ 193 whole instructions).
std::vector<TargetRow> evaluate_trap_targets(const Figures& shared_icount,
                                             const Figures* shared_wall,
                                             const Figures* isolated_wall);

// fork + exec + wait of echo per spawn under -icount before copy-on-write fork and lazy exec
// (commit 39e1ff6: copying fork, eager exec), measured 2026-12-02 with that commit's `lazybench
// paths` (minimum of 3 repeats of 10 spawns): the reference of the target "≥ 2x cheaper than
// before". bench/README.md says how to measure it again.
inline constexpr double kSpawnEchoBeforeInstr = 172264;
inline constexpr const char* kSpawnEchoBeforeCommit = "39e1ff6";

// Demand paging's exec targets: fork + exec + wait of echo ≥ 2x cheaper in instructions than
// kSpawnEchoBeforeInstr; and of execbig (a big program that touches little), eager exec / lazy
// exec ≥ 2, in instructions (-icount) and in wall-clock medians (shared_wall may be null), from
// one run.
std::vector<TargetRow> evaluate_exec_targets(const Figures& shared_icount,
                                             const Figures* shared_wall);
// The copy-on-write targets, under -icount on the shared kernel: COW fork + wait of a 64 MiB
// touched heap takes >= 20x fewer instructions than copying fork, and allocates only page-table
// pages (and the trap frame); a COW write fault (copy, and taken over) <= 1,000 instructions; a
// zero-page read fault <= 300.
std::vector<TargetRow> evaluate_cow_targets(const Figures& icount);

// Eager `sbrk` per page (instructions, ns): the mean over the largest eager size's workloads.
struct EagerPage {
  double instr = 0, ns = 0;
  uint64_t size_mib = 0;
};
std::optional<EagerPage> eager_page(const Figures& f);

// The ok lazy seq k=1 workload of the largest size, if any: the dense-fault reference.
const WorkloadFigures* dense_lazy(const Figures& f);

// ---- invariants that are not timings ------------------------------------------------------------

struct Invariant {
  std::string name;
  bool ok = false;
  bool required = true; // false: reported, but a kernel-accounting property the test leaves alone
  std::string detail;
};

// For every ok workload: lazy resident delta == touched pages, eager resident delta == declared
// pages, lazy resident < eager resident for k > 1 (same size and order), and the repeats agree
// (required); the shrink returns every user page, and (sparse accounting) the free-page delta ==
// resident delta + page-table delta (reported, not required).
std::vector<Invariant> check_invariants(const Figures& figures);

// Lazy/eager ratios for a lazy workload (nullopt if the eager twin is missing or not ok).
struct Ratios {
  double resident = 0; // (Δresident + Δptpages) lazy / eager
  double time = 0;     // (grow + first pass) lazy / eager
};
std::optional<Ratios> lazy_eager_ratios(const Figures& figures, const WorkloadFigures& lazy);

// Median of a non-empty list (mean of the middle two for even sizes).
double median(std::vector<double> values);

} // namespace lazyv6::bench
