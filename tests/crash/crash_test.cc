// Crash consistency of the file system: rounds of "run a workload, pull the plug, recover, check".
//
// One round (seeded, reproducible with --seed=S --round=R):
//   1. Boot on a fresh copy of fs.img and run `crashwork SEED NOPS` (user/crashwork.cc), which
//   works
//      under /cw and prints "DONE <i> ..." after operation i has returned.
//   2. SIGKILL QEMU at a random moment: some time after the k-th DONE line (k and the delay drawn
//      from the round's seed), or a random delay after the workload started.
//   3. The disk copy A: the host fsck with the log replayed in memory must find no problem (a
//      committed but uninstalled transaction is legitimate). A' = A with the log installed.
//   4. A' must hold exactly the /cw tree the plan (tests/crash/crashplan.h) has after some whole
//      number N of steps (one step = one log transaction), with N at or after the end of the last
//      operation whose DONE line arrived: every completed operation survived, and the operation in
//      flight is either absent or applied up to a transaction boundary (xv6 makes each transaction
//      atomic). Every file is compared byte for byte with the content the plan prescribes.
//   5. Sometimes (when A has a committed log) boot on A and kill QEMU again right after the kernel
//      announces recovery: a crash during recovery. Recovery must be idempotent.
//   6. Boot again on the same disk; the kernel installs the log before init runs. Kill at the
//      prompt. The disk B must pass fsck without replay, with no warning, and equal A' in every
//      block outside the log: the kernel's recovery installs exactly what the host's replay does.
//      The kernel must have announced "initlog: recovering <n> logged blocks" with A's n, or
//      nothing if n = 0.
// Flags: --rounds=N (default 24), --seed=S (default 1), --round=R (run only round R).
// Figures (rounds, operations completed, files checked, where the kills landed) go to stdout and to
// crash_summary.txt in the test's undeclared outputs.

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"
#include "mkfs/layout.h"
#include "tests/crash/crashplan.h"
#include "tests/harness/files.h"
#include "tests/harness/qemu.h"
#include "tests/harness/shell.h"

namespace {

using namespace std::chrono_literals;
using crashplan::Kind;
using crashplan::Model;
using crashplan::Op;
using lazyv6::harness::boot;
using lazyv6::harness::env_dir;
using lazyv6::harness::from_test_args;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;
using lazyv6::harness::read_bytes;
using lazyv6::harness::test_arg;
using lazyv6::harness::write_bytes;

// ---- Flags ------------------------------------------------------------------------------------

struct Flags {
  int rounds = 24;
  uint64_t seed = 1;
  int only_round = -1;
};

Flags parse_flags() {
  Flags f;
  if (auto v = test_arg("rounds"))
    f.rounds = std::stoi(*v);
  if (auto v = test_arg("seed"))
    f.seed = std::stoull(*v);
  if (auto v = test_arg("round"))
    f.only_round = std::stoi(*v);
  return f;
}

// ---- The plan, replayed on the host ------------------------------------------------------------

// The plan's first nops operations, the global step number at which each starts, and the model
// before each.
struct Trace {
  uint64_t seed = 0;
  std::vector<Op> ops;
  std::vector<uint64_t> first_step; // ops.size() + 1 entries; the last is the total
  std::vector<Model> before;        // ops.size() + 1 entries; the last is the final model

  static Trace make(uint64_t seed, int nops) {
    Trace t;
    t.seed = seed;
    crashplan::Plan plan(seed);
    Model m;
    uint64_t step = 0;
    for (int i = 0; i < nops; i++) {
      Op op = plan.next(m);
      t.ops.push_back(op);
      t.first_step.push_back(step);
      t.before.push_back(m);
      crashplan::apply(m, op);
      step += crashplan::step_count(op);
    }
    t.first_step.push_back(step);
    t.before.push_back(m);
    return t;
  }

  uint64_t total_steps() const { return first_step.back(); }

  // The operation step N falls in (ops.size() when N is the total).
  size_t op_of_step(uint64_t n) const {
    size_t i = 0;
    while (i < ops.size() && first_step[i + 1] <= n)
      i++;
    return i;
  }

  // The model after the first n steps.
  Model model_after(uint64_t n) const {
    size_t i = op_of_step(n);
    Model m = before[i];
    for (uint64_t k = first_step[i]; k < n; k++)
      crashplan::apply_step(m, ops[i], static_cast<crashplan::u32>(k - first_step[i]));
    return m;
  }
};

// Absolute paths in the image: crashwork runs in "/".
std::string slot_path(int slot) {
  char p[crashplan::kMaxPath];
  return "/" + std::string(crashplan::slot_path(slot, p));
}

std::string dir_path(int d) {
  char p[crashplan::kMaxPath];
  return "/" + std::string(crashplan::dir_path(d, p));
}

// ---- Disk trees -------------------------------------------------------------------------------

struct Node {
  int16_t type = 0;
  uint32_t inum = 0;
  std::vector<uint8_t> data; // files and devices
};
using Tree = std::map<std::string, Node>;

// Every path in the image ("/README", "/cw", "/cw/d1/f5", ...). Problems (an unreadable directory
// or file, a loop) are appended to *problems; fsck reports them in detail.
Tree read_tree(const fsimage::Image& image, std::vector<std::string>* problems) {
  Tree tree;
  std::set<uint32_t> seen_dirs{fsimage::kRootInum};
  std::vector<std::pair<uint32_t, std::string>> todo{{fsimage::kRootInum, ""}};
  while (!todo.empty()) {
    auto [dir, prefix] = todo.back();
    todo.pop_back();
    auto entries = image.read_dir(dir);
    if (!entries) {
      problems->push_back("directory " + (prefix.empty() ? "/" : prefix) + " is unreadable");
      continue;
    }
    for (const fsimage::DirEntry& e : *entries) {
      if (e.inum == 0 || e.name == "." || e.name == "..")
        continue;
      std::string path = prefix + "/" + e.name;
      auto inode = image.read_inode(e.inum);
      if (!inode) {
        problems->push_back(path + ": inode " + std::to_string(e.inum) + " out of range");
        continue;
      }
      Node node;
      node.type = inode->type;
      node.inum = e.inum;
      if (inode->type == fsimage::kTypeDir) {
        if (seen_dirs.insert(e.inum).second)
          todo.push_back({e.inum, path});
        else
          problems->push_back(path + ": directory inode " + std::to_string(e.inum) + " seen twice");
      } else {
        auto data = image.read_data(*inode);
        if (!data)
          problems->push_back(path + ": data unreadable");
        else
          node.data = std::move(*data);
      }
      tree.emplace(path, std::move(node));
    }
  }
  return tree;
}

// The part of a tree under /cw (including /cw itself).
Tree cw_part(const Tree& tree) {
  Tree out;
  for (const auto& [path, node] : tree)
    if (path == "/cw" || path.rfind("/cw/", 0) == 0)
      out.emplace(path, node);
  return out;
}

// Why `disk` (a /cw tree) differs from model m, or "" if it holds exactly m: the same names, the
// same types, each file's bytes exactly the plan's stream prefix. *files counts the files compared.
std::string model_difference(const Model& m, uint64_t seed, const Tree& disk,
                             int* files = nullptr) {
  size_t expected = 0;
  auto want_dir = [&](const std::string& path) -> std::string {
    expected++;
    auto it = disk.find(path);
    if (it == disk.end())
      return path + " missing (a directory)";
    if (it->second.type != fsimage::kTypeDir)
      return path + " is not a directory";
    return "";
  };
  for (int d = 0; d < crashplan::kDirs; d++) {
    if (!m.dir[d])
      continue;
    if (std::string why = want_dir(dir_path(d)); !why.empty())
      return why;
  }
  int compared = 0;
  for (int s = 0; s < crashplan::kSlots; s++) {
    const crashplan::FileState& f = m.file[s];
    if (!f.exists)
      continue;
    expected++;
    std::string path = slot_path(s);
    auto it = disk.find(path);
    if (it == disk.end())
      return path + " missing (" + std::to_string(f.len) + " bytes expected)";
    if (it->second.type != fsimage::kTypeFile)
      return path + " is not a regular file";
    const std::vector<uint8_t>& data = it->second.data;
    if (data.size() != f.len)
      return path + " has " + std::to_string(data.size()) + " bytes, expected " +
             std::to_string(f.len);
    for (uint32_t i = 0; i < f.len; i++) {
      if (data[i] != crashplan::content_byte(seed, f.object, i))
        return path + " differs at byte " + std::to_string(i) + " of " + std::to_string(f.len);
    }
    compared++;
  }
  if (disk.size() != expected) {
    for (const auto& [path, node] : disk) {
      bool known = false;
      for (int d = 0; d < crashplan::kDirs && !known; d++)
        known = m.dir[d] && path == dir_path(d);
      for (int s = 0; s < crashplan::kSlots && !known; s++)
        known = m.file[s].exists && path == slot_path(s);
      if (!known)
        return path + " should not exist";
    }
  }
  if (files != nullptr)
    *files = compared;
  return "";
}

// Blocks outside the log region where two images of the same layout differ.
std::vector<uint32_t> differing_blocks(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                                       const fsimage::SuperBlock& sb) {
  std::vector<uint32_t> out;
  const size_t bs = fsimage::kBlockSize;
  for (uint32_t blk = 0; blk < sb.size; blk++) {
    if (blk >= sb.logstart && blk < sb.logstart + sb.nlog)
      continue;
    if ((blk + 1) * bs > a.size() || (blk + 1) * bs > b.size()) {
      out.push_back(blk);
      continue;
    }
    if (std::memcmp(&a[blk * bs], &b[blk * bs], bs) != 0)
      out.push_back(blk);
  }
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines)
    s += "\n  " + l;
  return s;
}

template <typename T> std::string first_items(const std::vector<T>& v, size_t n = 12) {
  std::ostringstream s;
  for (size_t i = 0; i < v.size() && i < n; i++)
    s << (i ? " " : "") << v[i];
  if (v.size() > n)
    s << " ...";
  return s.str();
}

// ---- Console ----------------------------------------------------------------------------------

struct DoneLine {
  int index = -1;
  std::string kind, path;
  uint32_t len = 0, sum = 0;
};

// Every complete DONE line in the transcript, in order.
std::vector<DoneLine> done_lines(const std::string& transcript) {
  static const std::regex kDone(R"(DONE (\d+) (\w+) (\S+) (\d+) ([0-9a-f]+)\n)");
  std::vector<DoneLine> out;
  for (std::sregex_iterator it(transcript.begin(), transcript.end(), kDone), end; it != end; ++it) {
    DoneLine d;
    d.index = std::stoi((*it)[1]);
    d.kind = (*it)[2];
    d.path = (*it)[3];
    d.len = static_cast<uint32_t>(std::stoul((*it)[4]));
    d.sum = static_cast<uint32_t>(std::stoul((*it)[5], nullptr, 16));
    out.push_back(d);
  }
  return out;
}

// What a DONE line for operation i must say, given the model after it.
DoneLine expected_done(const Trace& t, size_t i) {
  const Op& op = t.ops[i];
  const Model& m = t.before[i + 1];
  DoneLine d;
  d.index = static_cast<int>(i);
  d.kind = crashplan::kind_name(op.kind);
  switch (op.kind) {
  case Kind::Mkdir:
  case Kind::Rmdir:
    d.path = dir_path(op.slot);
    break;
  case Kind::Delete:
    d.path = slot_path(op.slot);
    break;
  default: {
    int slot = op.kind == Kind::Rename ? op.to : op.slot;
    d.path = slot_path(slot);
    d.len = m.file[slot].len;
    d.sum = crashplan::content_checksum(t.seed, m.file[slot].object, d.len);
  }
  }
  return d;
}

// Console output that means the kernel or the workload broke.
void expect_no_trouble(const std::string& transcript, const std::string& boot) {
  for (const char* bad : {"panic", "crashwork: FAILED", "usertrap", "kerneltrap", "scause"}) {
    size_t at = transcript.find(bad);
    EXPECT_EQ(at, std::string::npos)
        << boot << " console shows \"" << bad << "\": ..."
        << transcript.substr(at == std::string::npos ? 0 : (at > 300 ? at - 300 : 0), 800);
  }
}

int failure_count() {
  const ::testing::TestResult* r =
      ::testing::UnitTest::GetInstance()->current_test_info()->result();
  int n = 0;
  for (int i = 0; i < r->total_part_count(); i++)
    n += r->GetTestPartResult(i).failed() ? 1 : 0;
  return n;
}

// ---- Rounds -----------------------------------------------------------------------------------

struct Stats {
  int rounds = 0;
  int failed_rounds = 0;
  uint64_t ops_done = 0;      // DONE lines seen
  uint64_t files_checked = 0; // files compared byte for byte (A' and B both)
  uint64_t steps_matched = 0;
  int between_ops = 0;      // the disk was at an operation boundary
  int mid_op = 0;           // ... inside an operation (some of its transactions done)
  int after_end = 0;        // the workload had finished
  int ahead_of_console = 0; // the disk had operations whose DONE line never arrived
  int committed_log = 0;    // A held a committed, uninstalled transaction
  uint64_t log_blocks = 0;  // blocks in those logs
  int recovery_crashes = 0; // rounds that also crashed during recovery
  int trigger_done = 0, trigger_time = 0;
  std::map<std::string, int> in_flight; // kind of the operation the kill interrupted
};

// Options for one boot of a round, logged as crash_r<round>_<what>.console.log.
QemuOptions boot_options(int round, const std::string& what, const std::string& image) {
  QemuOptions o = from_test_args();
  char name[64];
  std::snprintf(name, sizeof(name), "crash_r%03d_%s", round, what.c_str());
  o.log_name = name;
  if (!image.empty())
    o.fs_image = image;
  return o;
}

void run_round(const Flags& flags, int round, Stats* stats, std::ostream& log) {
  crashplan::Random rng(flags.seed * 1000003ull + static_cast<uint64_t>(round));
  const uint64_t seed = rng.next() % 1000000000ull; // the guest parses decimal
  const std::string tmp = env_dir("TEST_TMPDIR");
  const std::string keep = env_dir("TEST_UNDECLARED_OUTPUTS_DIR");
  char tag[32];
  std::snprintf(tag, sizeof(tag), "r%03d", round);

  // How to kill: after the k-th DONE line plus a delay, or a delay after the workload started.
  const bool by_done = rng.below(10) < 7;
  int kill_after = 0, nops = 0;
  std::chrono::microseconds delay{0};
  if (by_done) {
    kill_after = static_cast<int>(rng.between(0, 60));
    nops = kill_after + 30;
    switch (rng.below(3)) {
    case 0:
      delay = 0us;
      break;
    case 1:
      delay = std::chrono::microseconds(rng.between(0, 3000));
      break;
    default:
      delay = std::chrono::microseconds(rng.between(0, 60000));
      break;
    }
  } else {
    nops = 150;
    delay = std::chrono::microseconds(rng.between(0, 4000000));
  }
  const bool crash_recovery = rng.below(3) == 0; // if A has a committed log
  const Trace trace = Trace::make(seed, nops);

  std::ostringstream how;
  how << "crashwork " << seed << " " << nops << ", kill "
      << (by_done ? "after DONE " + std::to_string(kill_after) + " +" : "at start +")
      << delay.count() / 1000.0 << "ms";
  SCOPED_TRACE("round " + std::to_string(round) + " (--seed=" + std::to_string(flags.seed) +
               " --round=" + std::to_string(round) + "): " + how.str());

  // 1-2. Run the workload and pull the plug.
  std::vector<uint8_t> a;
  std::string transcript;
  {
    Qemu q(boot_options(round, "run", ""));
    ASSERT_NO_FATAL_FAILURE(boot(q, 60s));
    ASSERT_CONSOLE(q.send_line("crashwork " + std::to_string(seed) + " " + std::to_string(nops)));
    ASSERT_CONSOLE(q.expect("crashwork: seed ", 30s));
    if (by_done) {
      auto r =
          q.expect_any({lazyv6::harness::re("DONE " + std::to_string(kill_after) + " [^\n]*\n"),
                        "crashwork: FAILED", "panic"},
                       120s);
      ASSERT_CONSOLE(r);
      ASSERT_EQ(r.index, 0) << "workload broke: " << q.tail();
    }
    std::this_thread::sleep_for(delay);
    q.kill();
    transcript = q.transcript();
    a = read_bytes(q.disk_path());
  }
  expect_no_trouble(transcript, "first boot");
  ASSERT_FALSE(a.empty());
  if (by_done) {
    stats->trigger_done++;
  } else {
    stats->trigger_time++;
  }

  // The DONE lines must be 0, 1, 2, ... and say what the plan says.
  std::vector<DoneLine> done = done_lines(transcript);
  for (size_t i = 0; i < done.size(); i++) {
    DoneLine want = expected_done(trace, i);
    ASSERT_EQ(done[i].index, want.index);
    ASSERT_EQ(done[i].kind, want.kind) << "DONE " << i;
    ASSERT_EQ("/" + done[i].path, want.path) << "DONE " << i;
    ASSERT_EQ(done[i].len, want.len) << "DONE " << i << " " << want.path;
    ASSERT_EQ(done[i].sum, want.sum) << "DONE " << i << " " << want.path;
  }
  ASSERT_LE(done.size(), trace.ops.size());
  if (by_done) {
    ASSERT_GT(done.size(), static_cast<size_t>(kill_after));
  }
  const uint64_t min_step = trace.first_step[done.size()]; // everything reported done

  auto save_on_failure = [&](const std::string& what, const std::vector<uint8_t>& img) {
    write_bytes(keep + "/crash_" + tag + "_" + what + ".img", img);
  };

  // 3. fsck with the log replayed in memory.
  fsimage::FsckOptions replay;
  replay.replay_log = true;
  fsimage::FsckReport ra = fsimage::check_image(a, replay);
  if (!ra.ok() || ra.errors_not_listed != 0)
    save_on_failure("A", a);
  ASSERT_TRUE(ra.ok()) << "fsck --replay of the crashed disk:" << join(ra.errors);
  for (const std::string& w : ra.warnings)
    EXPECT_EQ(w.rfind("log had ", 0), 0u) << "unexpected fsck warning: " << w;
  const int32_t log_n = fsimage::read_log_header(a).n;
  ASSERT_GE(log_n, 0);

  std::vector<uint8_t> a_replayed = a;
  auto installed = fsimage::install_log(a_replayed);
  ASSERT_TRUE(installed.ok()) << installed.error();
  ASSERT_EQ(installed.value(), static_cast<uint32_t>(log_n));
  const fsimage::SuperBlock sb = fsimage::Image::open(a_replayed).value().superblock();

  // 4. The replayed disk holds the plan's tree after N steps, N >= min_step.
  std::vector<std::string> problems;
  auto image_a = fsimage::Image::open(a_replayed);
  ASSERT_TRUE(image_a.ok()) << image_a.error();
  const Tree tree_a = read_tree(image_a.value(), &problems);
  ASSERT_TRUE(problems.empty()) << join(problems);
  const Tree cw_a = cw_part(tree_a);
  uint64_t matched = trace.total_steps() + 1;
  int files = 0;
  for (uint64_t n = min_step; n <= trace.total_steps(); n++) {
    if (model_difference(trace.model_after(n), seed, cw_a, &files).empty()) {
      matched = n;
      break;
    }
  }
  if (matched > trace.total_steps()) {
    save_on_failure("A", a);
    FAIL() << "after recovery the disk matches no state of the plan at or after step " << min_step
           << " (the end of operation " << done.size() - 1 << ", the last DONE line); against that "
           << "state: " << model_difference(trace.model_after(min_step), seed, cw_a);
  }
  const size_t op = trace.op_of_step(matched);
  std::string where;
  if (matched == trace.total_steps()) {
    stats->after_end++;
    where = "after the last operation";
  } else if (matched == trace.first_step[op]) {
    stats->between_ops++;
    where = "before operation " + std::to_string(op) + " (" +
            crashplan::kind_name(trace.ops[op].kind) + ")";
  } else {
    stats->mid_op++;
    stats->in_flight[crashplan::kind_name(trace.ops[op].kind)]++;
    where = "inside operation " + std::to_string(op) + " (" +
            crashplan::kind_name(trace.ops[op].kind) + "), " +
            std::to_string(matched - trace.first_step[op]) + " of " +
            std::to_string(crashplan::step_count(trace.ops[op])) + " transactions";
  }
  if (op > done.size())
    stats->ahead_of_console++;
  stats->files_checked += files;
  stats->steps_matched += matched;
  if (log_n > 0) {
    stats->committed_log++;
    stats->log_blocks += log_n;
  }

  // 5. Maybe crash again while the kernel recovers.
  std::string disk_for_boot2 = tmp + "/crash_" + tag + "_A.img";
  write_bytes(disk_for_boot2, a);
  bool crashed_in_recovery = false;
  if (log_n > 0 && crash_recovery) {
    std::vector<uint8_t> a2;
    {
      Qemu q(boot_options(round, "recovery_crash", disk_for_boot2));
      ASSERT_CONSOLE(q.start());
      ASSERT_CONSOLE(
          q.expect("initlog: recovering " + std::to_string(log_n) + " logged blocks", 60s));
      std::this_thread::sleep_for(std::chrono::microseconds(rng.between(0, 2000)));
      q.kill();
      expect_no_trouble(q.transcript(), "recovery-crash boot");
      a2 = read_bytes(q.disk_path());
    }
    fsimage::FsckReport r2 = fsimage::check_image(a2, replay);
    if (!r2.ok())
      save_on_failure("A2", a2);
    ASSERT_TRUE(r2.ok()) << "fsck --replay after a crash during recovery:" << join(r2.errors);
    std::vector<uint8_t> a2_replayed = a2;
    ASSERT_TRUE(fsimage::install_log(a2_replayed).ok());
    std::vector<uint32_t> diff = differing_blocks(a_replayed, a2_replayed, sb);
    EXPECT_TRUE(diff.empty()) << "a crash during recovery changed blocks " << first_items(diff);
    disk_for_boot2 = tmp + "/crash_" + tag + "_A2.img";
    write_bytes(disk_for_boot2, a2);
    crashed_in_recovery = true;
    stats->recovery_crashes++;
  }

  // 6. Boot again: the kernel recovers, init starts the shell; then kill.
  std::vector<uint8_t> b;
  {
    Qemu q(boot_options(round, "recover", disk_for_boot2));
    ASSERT_NO_FATAL_FAILURE(boot(q, 60s));
    q.kill();
    std::string t = q.transcript();
    expect_no_trouble(t, "recovery boot");
    static const std::regex kRecovering(R"(initlog: recovering (\d+) logged blocks)");
    std::smatch m;
    bool announced = std::regex_search(t, m, kRecovering);
    if (!crashed_in_recovery) {
      EXPECT_EQ(announced ? std::stoi(m[1]) : 0, log_n) << "the kernel's recovery announcement";
    }
    b = read_bytes(q.disk_path());
  }
  std::remove((tmp + "/crash_" + tag + "_A.img").c_str());
  std::remove((tmp + "/crash_" + tag + "_A2.img").c_str());

  fsimage::FsckReport rb = fsimage::check_image(b);
  if (!rb.ok() || !rb.warnings.empty())
    save_on_failure("B", b);
  ASSERT_TRUE(rb.ok()) << "fsck (no replay) after the kernel's recovery:" << join(rb.errors);
  EXPECT_TRUE(rb.warnings.empty()) << "fsck warnings after recovery:" << join(rb.warnings);
  std::vector<uint32_t> diff = differing_blocks(a_replayed, b, sb);
  if (!diff.empty())
    save_on_failure("B", b);
  EXPECT_TRUE(diff.empty()) << "the kernel's recovery and the host's replay differ in blocks "
                            << first_items(diff);
  auto image_b = fsimage::Image::open(b);
  ASSERT_TRUE(image_b.ok()) << image_b.error();
  const Tree tree_b = read_tree(image_b.value(), &problems);
  ASSERT_TRUE(problems.empty()) << join(problems);
  int files_b = 0;
  EXPECT_EQ(model_difference(trace.model_after(matched), seed, cw_part(tree_b), &files_b), "");
  stats->files_checked += files_b;
  stats->ops_done += done.size();

  log << "round " << tag << ": " << how.str() << ": " << done.size() << " DONE, disk at step "
      << matched << " " << where << ", log " << log_n << " blocks"
      << (crashed_in_recovery ? ", crashed during recovery too" : "") << ", " << files
      << " files checked\n";
  log.flush();
}

TEST(Crash, KillRecoverVerify) {
  const Flags flags = parse_flags();
  Stats stats;
  std::ofstream summary(env_dir("TEST_UNDECLARED_OUTPUTS_DIR") + "/crash_summary.txt");
  auto both = [&summary](const std::string& s) {
    std::cout << s << std::flush;
    summary << s << std::flush;
  };
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < flags.rounds; round++) {
    if (flags.only_round >= 0 && round != flags.only_round)
      continue;
    int failures = failure_count();
    std::ostringstream line;
    run_round(flags, round, &stats, line);
    both(line.str());
    stats.rounds++;
    if (failure_count() != failures) {
      stats.failed_rounds++;
      both("round " + std::to_string(round) + " FAILED\n");
      if (stats.failed_rounds >= 3)
        break; // a broken kernel need not be shown 300 times
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ostringstream s;
  s << "crash consistency: " << stats.rounds << " rounds (" << stats.failed_rounds << " failed) in "
    << static_cast<int>(secs) << " s, seed " << flags.seed << "\n"
    << "  operations completed (DONE lines): " << stats.ops_done << "\n"
    << "  files compared byte for byte: " << stats.files_checked << "\n"
    << "  kill points: " << stats.trigger_done << " after a DONE line, " << stats.trigger_time
    << " after a random delay; disk state " << stats.between_ops << " between operations, "
    << stats.mid_op << " inside one, " << stats.after_end << " after the workload ended; "
    << stats.ahead_of_console << " with operations done whose DONE line was not yet out\n"
    << "  committed log at the kill: " << stats.committed_log << " rounds (" << stats.log_blocks
    << " blocks); crashes during recovery: " << stats.recovery_crashes << "\n"
    << "  interrupted operations:";
  for (const auto& [kind, n] : stats.in_flight)
    s << " " << kind << " " << n;
  s << "\n";
  both(s.str());
  EXPECT_GT(stats.rounds, 0);
}

} // namespace
