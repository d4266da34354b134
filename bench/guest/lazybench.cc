// lazybench: the guest half of //bench:lazy_vs_eager. Grows the heap eagerly or lazily, touches one
// byte in every k-th page (sequential or seeded random order), and prints what each step cost, read
// from the hardware counters (rdinstret, rdcycle, rdtime; the kernel opens them to user mode
// through mcounteren/scounteren). The host boots QEMU with -icount shift=0, where all three follow
// the instruction count, runs this program and parses its output (bench/results.h).
//
//   lazybench [check] [paths] [cow] [S=1,16,64] [K=1,8,64,512] [O=sr] [P=le] [R=1] [X=42]
//             [N=1000] [E=10] [A=1]
//
//   check   counter check: a loop of exactly 2,000,000 instructions, timed by all three counters
//   paths   kernel paths: an empty window (counter overhead), getpid round trips (N calls per
//           repeat), fork+exec+wait of `echo` (E per repeat; echo prints an empty line), lazy
//           sbrk of each size in S and shrinking it again while untouched
//   cow     copy-on-write (R repeats): fork+wait of a process holding 1, 16, 64 MiB of touched
//           heap, with fork (COW) and forkcopy (copies every page); a write fault on a COW page
//           shared with a live child (copy) and after it exited (taken over); a read fault on an
//           untouched page (zero page); a read-mostly sparse workload's resident pages
//   S=      sizes in MiB (1..2047: sbrk takes an int)        K=  strides in pages (touch every
//   k-th) O=      orders: s = sequential, r = random (seeded)      P=  policies: l = lazy, e =
//   eager R=      repeats (at least; small workloads repeat until they touched 64 pages, at most
//   16x) X=      random seed                                      N=  getpid calls per repeat A=1
//   align: pause(1) before every measurement, so it starts right after a timer tick and
//           (being far shorter than the 0.1 s tick) no timer interrupt lands inside its windows.
//           Under -icount this makes every instruction count repeat exactly from boot to boot.
// Fault workloads run for every S x P x K x O unless neither P nor K is given with `check`/`paths`/
// `cow`.
//
// Output, format version 1: lines of space-separated key=value pairs, one per measurement.
//   BENCH_BEGIN v=1 prog=lazybench timebase_hz=10000000 page_size=4096 reps=R seed=X
//   RESULT v=1 kind=KIND ... <name>_instret=I <name>_cycles=C <name>_ticks=T ...
//   BENCH_DONE v=1 results=<number of RESULT lines>
// or `BENCH_ERROR v=1 reason=...` (bad arguments), after which the program exits with status 2.
// A window named <name> is the difference of the three counters read just before and just after
// the measured code; ticks are rdtime ticks (QEMU virt: 10 MHz, 100 ns). Kinds and their fields:
//   check   loop_instructions, loop_*                         (the counter check)
//   null    rep, win_*                                        (two back-to-back counter reads)
//   getpid  rep, calls, win_*                                 (calls x getpid())
//   spawn   prog, exec, rep, calls, status, win_*             (calls x fork, exec prog, wait;
//                                                             prog=echo|execbig, exec=eager|lazy)
//   sbrk    policy=lazy, size_mib, rep, win_*                 (one sys_sbrk(+size, SBRK_LAZY))
//   shrink  size_mib, touched=0, rep, win_*                   (sys_sbrk(-size) right after it)
//   fault   policy, order, size_mib, k, seed, rep, status, pages (declared), touched,
//           sbrk_* (grow), touch_* (first pass), base_* (second pass over the same pages, in the
//           same order: the cost of touching a mapped page), shrink_* (sys_sbrk(-size)),
//           resident0..3, ptpages0..3, free0..3, faults0..3 (memstat: 0 before the grow,
//           1 after it, 2 after the first pass, 3 after the shrink)
//   status is ok, skipped_ram (would not fit in free memory; no window fields), or sbrk_failed.
//   forkwait  how=cow|copy, size_mib, rep, status, fork_* (fork in the parent), wait_* (wait: the
//             child runs, exits and is freed), taken (free pages fork took, the parent's own COW
//             copies included), child_ptpages, parent_cow (the parent's COW faults in fork_*)
//   cowfault  case=copy|own, rep, pages, touch_* (first write to each COW page), base_* (second)
//   zerofault rep, pages, touch_* (first read of each untouched page), base_* (second)
//   readmostly size_mib, rep, pages, reads, writes, resident, zero_mapped, taken, ptpages (memstat
//             deltas over reading every page of a fresh lazy region and writing one in 64)

#include "kernel/types.h"
#include "kernel/memstat.h"
#include "user/user.h"

namespace {

constexpr uint64 kPageSize = 4096;
constexpr uint64 kMiB = 1UL << 20;
constexpr int kVersion = 1;
constexpr uint64 kTimebaseHz = 10'000'000; // QEMU virt's ACLINT timer
constexpr uint64 kMaxTouched = 1UL << 15;  // 128 MiB of pages: all of RAM
constexpr uint64 kMinTouchedPerWorkload = 64;
constexpr int kMaxRepeats = 16;
constexpr uint64 kMarginPages = 64;            // kept free for the kernel while a workload runs
constexpr uint64 kCheckIterations = 1'000'000; // two instructions each

// ---- counters ----------------------------------------------------------------------------------

struct Counters {
  uint64 instret;
  uint64 cycles;
  uint64 ticks;
};

// Reads the three user-visible counters in one go (three instructions).
inline Counters now() {
  Counters c;
  asm volatile("rdinstret %0\n\t"
               "rdcycle %1\n\t"
               "rdtime %2"
               : "=r"(c.instret), "=r"(c.cycles), "=r"(c.ticks)
               :
               : "memory");
  return c;
}

Counters since(const Counters& start, const Counters& end) {
  return Counters{end.instret - start.instret, end.cycles - start.cycles, end.ticks - start.ticks};
}

// ---- output: one line at a time, built in a static buffer, written with one write() ------------

// The user stack is a single page, so the line buffer lives in .bss. Only one Line may be under
// construction at a time: each is emitted before the next is started.
char line_buf[1536];

class Line {
public:
  explicit Line(const char* head) { str(head); }

  Line& str(const char* s) {
    while (*s != 0 && n_ < kCap - 2)
      line_buf[n_++] = *s++;
    return *this;
  }
  Line& num(uint64 v) {
    char tmp[24];
    int i = 0;
    do {
      tmp[i++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (i > 0 && n_ < kCap - 2)
      line_buf[n_++] = tmp[--i];
    return *this;
  }
  Line& kv(const char* key, uint64 v) { return str(" ").str(key).str("=").num(v); }
  Line& kv(const char* key, const char* v) { return str(" ").str(key).str("=").str(v); }
  // <name>_instret, <name>_cycles, <name>_ticks.
  Line& window(const char* name, const Counters& c) {
    str(" ").str(name).str("_instret=").num(c.instret);
    str(" ").str(name).str("_cycles=").num(c.cycles);
    return str(" ").str(name).str("_ticks=").num(c.ticks);
  }
  void emit() {
    line_buf[n_++] = '\n';
    write(1, line_buf, n_);
    n_ = 0;
  }

private:
  static constexpr int kCap = sizeof(line_buf);
  int n_ = 0;
};

int results; // RESULT lines printed

// Starts a RESULT line of the given kind.
Line& start_result(Line& l, const char* kind) {
  results++;
  return l.kv("v", kVersion).kv("kind", kind);
}

[[noreturn]] void fail_args(const char* reason, const char* arg) {
  Line l("BENCH_ERROR");
  l.kv("v", kVersion).kv("reason", reason).kv("arg", arg).emit();
  exit(2);
}

// ---- memstat -----------------------------------------------------------------------------------

struct memstat stat_self() {
  struct memstat ms;
  if (memstat(0, &ms) < 0) {
    Line l("BENCH_ERROR");
    l.kv("v", kVersion).kv("reason", "memstat_failed").emit();
    exit(1);
  }
  return ms;
}

// ---- arguments ---------------------------------------------------------------------------------

struct Config {
  uint64 sizes[8];
  int nsizes = 0;
  uint64 strides[8];
  int nstrides = 0;
  bool seq = false, rnd = false;
  bool lazy = false, eager = false;
  int reps = 1;
  uint64 seed = 42;
  int calls = 1000;
  int spawns = 10;
  bool check = false;
  bool paths = false;
  bool cow = false;
  bool align = false;
  bool workloads = false;
};

bool starts_with(const char* s, const char* prefix) {
  while (*prefix != 0) {
    if (*s++ != *prefix++)
      return false;
  }
  return true;
}

// Parses "1,16,64" into out[]; every number must be within [lo, hi].
int parse_list(const char* arg, const char* s, uint64* out, int cap, uint64 lo, uint64 hi) {
  int n = 0;
  for (;;) {
    if (*s < '0' || *s > '9')
      fail_args("bad_number", arg);
    uint64 v = 0;
    while (*s >= '0' && *s <= '9') {
      v = v * 10 + static_cast<uint64>(*s++ - '0');
      if (v > hi)
        fail_args("out_of_range", arg);
    }
    if (v < lo)
      fail_args("out_of_range", arg);
    if (n == cap)
      fail_args("too_many_values", arg);
    out[n++] = v;
    if (*s == 0)
      return n;
    if (*s++ != ',')
      fail_args("bad_list", arg);
  }
}

uint64 parse_one(const char* arg, const char* s, uint64 lo, uint64 hi) {
  uint64 v[1];
  parse_list(arg, s, v, 1, lo, hi);
  return v[0];
}

Config parse_args(int argc, char** argv) {
  Config c;
  bool gave_policy_or_stride = false;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "check") == 0) {
      c.check = true;
    } else if (strcmp(a, "paths") == 0) {
      c.paths = true;
    } else if (strcmp(a, "cow") == 0) {
      c.cow = true;
    } else if (starts_with(a, "S=")) {
      c.nsizes = parse_list(a, a + 2, c.sizes, 8, 1, 2047);
    } else if (starts_with(a, "K=")) {
      c.nstrides = parse_list(a, a + 2, c.strides, 8, 1, 1UL << 20);
      gave_policy_or_stride = true;
    } else if (starts_with(a, "O=")) {
      for (const char* s = a + 2; *s != 0; s++) {
        if (*s == 's')
          c.seq = true;
        else if (*s == 'r')
          c.rnd = true;
        else
          fail_args("bad_order", a);
      }
    } else if (starts_with(a, "P=")) {
      for (const char* s = a + 2; *s != 0; s++) {
        if (*s == 'l')
          c.lazy = true;
        else if (*s == 'e')
          c.eager = true;
        else
          fail_args("bad_policy", a);
      }
      gave_policy_or_stride = true;
    } else if (starts_with(a, "R=")) {
      c.reps = static_cast<int>(parse_one(a, a + 2, 1, 1000));
    } else if (starts_with(a, "X=")) {
      c.seed = parse_one(a, a + 2, 0, ~0UL / 10);
    } else if (starts_with(a, "A=")) {
      c.align = parse_one(a, a + 2, 0, 1) == 1;
    } else if (starts_with(a, "N=")) {
      c.calls = static_cast<int>(parse_one(a, a + 2, 1, 10'000'000));
    } else if (starts_with(a, "E=")) {
      c.spawns = static_cast<int>(parse_one(a, a + 2, 1, 100'000));
    } else {
      fail_args("unknown_argument", a);
    }
  }
  if (c.nsizes == 0) {
    static constexpr uint64 kSizes[] = {1, 16, 64};
    for (uint64 s : kSizes)
      c.sizes[c.nsizes++] = s;
  }
  if (c.nstrides == 0) {
    static constexpr uint64 kStrides[] = {1, 8, 64, 512};
    for (uint64 k : kStrides)
      c.strides[c.nstrides++] = k;
  }
  if (!c.seq && !c.rnd)
    c.seq = c.rnd = true;
  if (!c.lazy && !c.eager)
    c.lazy = c.eager = true;
  c.workloads = gave_policy_or_stride || (!c.check && !c.paths && !c.cow);
  return c;
}

// ---- the measured code
// ---------------------------------------------------------------------------

bool align_to_tick; // A=1

// Waits for the next timer tick when asked to (A=1): what follows starts a full tick before the
// next timer interrupt.
void align() {
  if (align_to_tick)
    pause(1);
}

uint32 page_index[kMaxTouched]; // the pages a workload touches, in touch order

// Writes one byte in each listed page. Not inlined, so both passes run the very same loop.
__attribute__((noinline)) void touch(char* base, const uint32* idx, uint64 n) {
  for (uint64 i = 0; i < n; i++) {
    *reinterpret_cast<volatile char*>(base + (static_cast<uint64>(idx[i]) * kPageSize)) = 1;
  }
}

// xorshift64*: a small, seedable generator for the random order.
uint64 next_random(uint64* state) {
  uint64 x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DUL;
}

// The seed a workload shuffles with: the same for lazy and eager, and for every repeat.
uint64 workload_seed(uint64 seed, uint64 size_mib, uint64 k) {
  uint64 s =
      seed * 0x9E3779B97F4A7C15UL + size_mib * 0xBF58476D1CE4E5B9UL + k * 0x94D049BB133111EBUL;
  return s == 0 ? 1 : s;
}

// Fills page_index with pages 0, k, 2k, ... and shuffles it (Fisher-Yates) for the random order.
void fill_pages(uint64 touched, uint64 k, bool random, uint64 seed) {
  for (uint64 i = 0; i < touched; i++)
    page_index[i] = static_cast<uint32>(i * k);
  if (!random)
    return;
  uint64 state = seed;
  for (uint64 i = touched; i > 1; i--) {
    uint64 j = next_random(&state) % i;
    uint32 t = page_index[i - 1];
    page_index[i - 1] = page_index[j];
    page_index[j] = t;
  }
}

// Page-table pages a mapping of `pages` pages may need at most (Sv39: 512 PTEs per page).
uint64 ptpages_bound(uint64 pages) {
  return (pages + 511) / 512 + (pages + 512 * 512 - 1) / (512 * 512) + 1;
}

void add_stat(Line& l, const char* suffix, const struct memstat& ms) {
  l.str(" resident").str(suffix).str("=").num(ms.resident);
  l.str(" ptpages").str(suffix).str("=").num(ms.ptpages);
  l.str(" free").str(suffix).str("=").num(ms.free_pages);
  l.str(" faults").str(suffix).str("=").num(ms.faults);
}

// One fault workload, one repeat: grow by size_mib, touch every k-th page twice, shrink back.
void fault_workload(uint64 size_mib, uint64 k, bool random, bool eager, uint64 seed, int rep) {
  const uint64 bytes = size_mib * kMiB;
  const int n = static_cast<int>(bytes);
  const uint64 pages = bytes / kPageSize;
  const uint64 touched = (pages + k - 1) / k;
  const int type = eager ? SBRK_EAGER : SBRK_LAZY;
  const uint64 wseed = workload_seed(seed, size_mib, k);

  Line l("RESULT");
  start_result(l, "fault");
  l.kv("policy", eager ? "eager" : "lazy").kv("order", random ? "rand" : "seq");
  l.kv("size_mib", size_mib).kv("k", k).kv("seed", wseed).kv("rep", static_cast<uint64>(rep));

  struct memstat ms0 = stat_self();
  uint64 need = (eager ? pages : touched) + ptpages_bound(pages) + kMarginPages;
  if (touched > kMaxTouched || need > ms0.free_pages) {
    l.kv("status", "skipped_ram").kv("pages", pages).kv("touched", touched);
    l.kv("need_pages", need).kv("free_pages", ms0.free_pages).emit();
    return;
  }
  fill_pages(touched, k, random, wseed);

  align();
  Counters c0 = now();
  char* base = sys_sbrk(n, type);
  Counters c1 = now();
  if (base == SBRK_ERROR) {
    l.kv("status", "sbrk_failed").kv("pages", pages).kv("touched", touched).emit();
    return;
  }
  struct memstat ms1 = stat_self();
  Counters c2 = now();
  touch(base, page_index, touched);
  Counters c3 = now();
  struct memstat ms2 = stat_self();
  Counters c4 = now();
  touch(base, page_index, touched);
  Counters c5 = now();
  Counters c6 = now();
  char* shrunk = sys_sbrk(-n, type);
  Counters c7 = now();
  struct memstat ms3 = stat_self();

  l.kv("status", shrunk == SBRK_ERROR ? "shrink_failed" : "ok")
      .kv("pages", pages)
      .kv("touched", touched);
  l.window("sbrk", since(c0, c1)).window("touch", since(c2, c3));
  l.window("base", since(c4, c5)).window("shrink", since(c6, c7));
  add_stat(l, "0", ms0);
  add_stat(l, "1", ms1);
  add_stat(l, "2", ms2);
  add_stat(l, "3", ms3);
  l.emit();
}

void run_workloads(const Config& c) {
  for (int si = 0; si < c.nsizes; si++) {
    for (int pi = 0; pi < 2; pi++) {
      bool eager = pi == 1;
      if (eager ? !c.eager : !c.lazy)
        continue;
      for (int ki = 0; ki < c.nstrides; ki++) {
        uint64 pages = c.sizes[si] * kMiB / kPageSize;
        uint64 touched = (pages + c.strides[ki] - 1) / c.strides[ki];
        // Small workloads repeat until they touched enough pages for the 100 ns clock.
        int reps = c.reps;
        while (reps < kMaxRepeats && static_cast<uint64>(reps) * touched < kMinTouchedPerWorkload)
          reps++;
        for (int oi = 0; oi < 2; oi++) {
          bool random = oi == 1;
          if (random ? !c.rnd : !c.seq)
            continue;
          for (int rep = 0; rep < reps; rep++) {
            fault_workload(c.sizes[si], c.strides[ki], random, eager, c.seed, rep);
          }
        }
      }
    }
  }
}

void run_check() {
  uint64 n = kCheckIterations;
  align();
  Counters c0 = now();
  asm volatile("1: addi %0, %0, -1\n\t"
               "bnez %0, 1b"
               : "+r"(n));
  Counters c1 = now();
  Line l("RESULT");
  start_result(l, "check");
  l.kv("loop_instructions", 2 * kCheckIterations).window("loop", since(c0, c1)).emit();
}

// One fork + exec(argv[0]) + wait, as the shell runs a command. Returns false if any step failed
// (then the child exits 1 and the status says so).
bool spawn(const char* const* argv) {
  int pid = fork();
  if (pid < 0)
    return false;
  if (pid == 0) {
    exec(argv[0], const_cast<char**>(argv));
    exit(1);
  }
  int status = -1;
  return wait(&status) == pid && status == 0;
}

// R repeats of E fork + exec + wait of prog, one RESULT line each: `echo` (prints an empty line,
// touches nearly all of its 3 pages) or `execbig quit` (exits at once, leaving 200 KiB of data
// untouched). exec "eager" sets execload(1) for them, so exec reads and maps every page up front,
// as it did before loading on first touch ("lazy": the default).
void run_spawns(const Config& c, const char* prog, const char* exec) {
  const char* const echo[] = {"echo", nullptr};
  const char* const big[] = {"execbig", "quit", nullptr};
  const char* const* argv = strcmp(prog, "echo") == 0 ? echo : big;
  const int old = execload(strcmp(exec, "eager") == 0 ? 1 : 0);
  for (int rep = 0; rep < c.reps; rep++) {
    align();
    Counters c0 = now();
    bool ok = old >= 0;
    for (int i = 0; i < c.spawns && ok; i++)
      ok = spawn(argv);
    Counters c1 = now();
    Line l("RESULT");
    start_result(l, "spawn");
    l.kv("prog", prog).kv("exec", exec).kv("rep", static_cast<uint64>(rep));
    l.kv("calls", static_cast<uint64>(c.spawns));
    l.kv("status", ok ? "ok" : "spawn_failed").window("win", since(c0, c1)).emit();
  }
  execload(old);
}

// `paths`: counter overhead, getpid, lazy sbrk and untouched shrink per size, then fork + exec +
// wait of echo; each R times, one RESULT line per repeat.
void run_paths(const Config& c) {
  for (int rep = 0; rep < c.reps; rep++) {
    align();
    Counters c0 = now();
    Counters c1 = now();
    Line l("RESULT");
    start_result(l, "null");
    l.kv("rep", static_cast<uint64>(rep)).window("win", since(c0, c1)).emit();
  }
  for (int rep = 0; rep < c.reps; rep++) {
    align();
    Counters c0 = now();
    for (int i = 0; i < c.calls; i++)
      getpid();
    Counters c1 = now();
    Line l("RESULT");
    start_result(l, "getpid");
    l.kv("rep", static_cast<uint64>(rep)).kv("calls", static_cast<uint64>(c.calls));
    l.window("win", since(c0, c1)).emit();
  }
  for (int si = 0; si < c.nsizes; si++) {
    const int n = static_cast<int>(c.sizes[si] * kMiB);
    for (int rep = 0; rep < c.reps; rep++) {
      align();
      Counters c0 = now();
      char* grown = sys_sbrk(n, SBRK_LAZY);
      Counters c1 = now();
      if (grown == SBRK_ERROR) {
        Line l("RESULT");
        start_result(l, "sbrk");
        l.kv("policy", "lazy").kv("size_mib", c.sizes[si]).kv("rep", static_cast<uint64>(rep));
        l.kv("status", "sbrk_failed").emit();
        break;
      }
      Counters c2 = now();
      char* shrunk = sys_sbrk(-n, SBRK_LAZY);
      Counters c3 = now();
      Line l("RESULT");
      start_result(l, "sbrk");
      l.kv("policy", "lazy").kv("size_mib", c.sizes[si]).kv("rep", static_cast<uint64>(rep));
      l.kv("status", "ok").window("win", since(c0, c1)).emit();
      Line s("RESULT");
      start_result(s, "shrink");
      s.kv("size_mib", c.sizes[si]).kv("touched", 0UL).kv("rep", static_cast<uint64>(rep));
      s.kv("status", shrunk == SBRK_ERROR ? "shrink_failed" : "ok")
          .window("win", since(c2, c3))
          .emit();
    }
  }
  // Last: fork and exec change kernel state (free lists, caches) the paths above must not see.
  static const char* const kProgs[] = {"echo", "execbig"};
  for (const char* prog : kProgs) {
    run_spawns(c, prog, "lazy");
    run_spawns(c, prog, "eager");
  }
}

// ---- copy-on-write (`cow`) ----------------------------------------------------------------------

constexpr uint64 kCowSizesMib[] = {1, 16, 64};
constexpr uint64 kCowFaultPages = 256;       // pages per COW / zero-page fault measurement
constexpr uint64 kReadMostlyMib = 64;        // the read-mostly workload's region
constexpr uint64 kReadMostlyWriteEvery = 64; // it writes one page in this many

// Reads one byte in each listed page (the read twin of touch()).
__attribute__((noinline)) void read_pages(char* base, const uint32* idx, uint64 n) {
  for (uint64 i = 0; i < n; i++)
    (void)*reinterpret_cast<const volatile char*>(base + (static_cast<uint64>(idx[i]) * kPageSize));
}

// Runs pass over the first kCowFaultPages pages of base twice (after a tick if A=1) and adds
// pages=, the first pass's window touch_* and the second's base_* to l.
void two_passes(Line& l, char* base, void (*pass)(char*, const uint32*, uint64)) {
  align();
  Counters c0 = now();
  pass(base, page_index, kCowFaultPages);
  Counters c1 = now();
  pass(base, page_index, kCowFaultPages);
  Counters c2 = now();
  l.kv("pages", kCowFaultPages).window("touch", since(c0, c1)).window("base", since(c1, c2));
}

// fork (or forkcopy) + wait of this process holding size_mib of touched heap; the child exits at
// once. One RESULT line.
void fork_wait(uint64 size_mib, bool copy, int rep) {
  const int n = static_cast<int>(size_mib * kMiB);
  const uint64 pages = size_mib * kMiB / kPageSize;
  Line l("RESULT");
  start_result(l, "forkwait");
  l.kv("how", copy ? "copy" : "cow").kv("size_mib", size_mib).kv("rep", static_cast<uint64>(rep));
  char* base = sys_sbrk(n, SBRK_EAGER);
  if (base == SBRK_ERROR) {
    l.kv("status", "sbrk_failed").emit();
    return;
  }
  fill_pages(pages, 1, false, 0);
  touch(base, page_index, pages);
  const struct memstat ms0 = stat_self();
  align();
  Counters c0 = now();
  int pid = copy ? forkcopy() : fork();
  if (pid == 0)
    exit(0);
  Counters c1 = now();
  const struct memstat ms1 = stat_self();
  struct memstat child;
  const bool have_child = pid > 0 && memstat(pid, &child) == 0;
  Counters c2 = now();
  int st = -1;
  if (pid > 0)
    wait(&st);
  Counters c3 = now();
  sys_sbrk(-n, SBRK_EAGER);
  if (pid < 0 || !have_child || st != 0) {
    l.kv("status", "fork_failed").emit();
    return;
  }
  l.kv("status", "ok")
      .kv("pages", pages)
      .window("fork", since(c0, c1))
      .window("wait", since(c2, c3));
  l.kv("taken", ms0.free_pages - ms1.free_pages).kv("child_ptpages", child.ptpages);
  l.kv("parent_cow", ms1.faults_cow - ms0.faults_cow).emit();
}

// Write faults on kCowFaultPages COW pages: shared with a live child (each write copies), or
// (own) after the child exited (each write takes its page over). One RESULT line.
void cow_faults(bool own, int rep) {
  const int n = static_cast<int>(kCowFaultPages * kPageSize);
  char* base = sys_sbrk(n, SBRK_EAGER);
  if (base == SBRK_ERROR)
    return;
  fill_pages(kCowFaultPages, 1, false, 0);
  touch(base, page_index, kCowFaultPages);
  int go[2];
  if (pipe(go) != 0)
    return;
  int pid = fork();
  if (pid == 0) {
    char ch;
    exit(read(go[0], &ch, 1) == 1 ? 0 : 1);
  }
  auto release = [&] {
    write(go[1], "x", 1);
    wait(nullptr);
    close(go[0]);
    close(go[1]);
  };
  if (own)
    release();
  Line l("RESULT");
  start_result(l, "cowfault");
  l.kv("case", own ? "own" : "copy").kv("rep", static_cast<uint64>(rep));
  two_passes(l, base, touch);
  if (!own)
    release();
  sys_sbrk(-n, SBRK_EAGER);
  l.emit();
}

// Read faults on kCowFaultPages untouched pages (each maps the zero page). One RESULT line.
void zero_faults(int rep) {
  const int n = static_cast<int>(kCowFaultPages * kPageSize);
  char* base = sys_sbrk(n, SBRK_LAZY);
  if (base == SBRK_ERROR)
    return;
  fill_pages(kCowFaultPages, 1, false, 0);
  Line l("RESULT");
  start_result(l, "zerofault");
  l.kv("rep", static_cast<uint64>(rep));
  two_passes(l, base, read_pages);
  sys_sbrk(-n, SBRK_LAZY);
  l.emit();
}

// A read-mostly sparse workload: reads every page of a fresh kReadMostlyMib lazy region, writes
// one in kReadMostlyWriteEvery. One RESULT line of memstat deltas.
void read_mostly(int rep) {
  const int n = static_cast<int>(kReadMostlyMib * kMiB);
  const uint64 pages = kReadMostlyMib * kMiB / kPageSize;
  const uint64 writes = pages / kReadMostlyWriteEvery;
  char* base = sys_sbrk(n, SBRK_LAZY);
  if (base == SBRK_ERROR)
    return;
  fill_pages(pages, 1, false, 0);
  const struct memstat ms0 = stat_self();
  read_pages(base, page_index, pages);
  fill_pages(writes, kReadMostlyWriteEvery, false, 0);
  touch(base, page_index, writes);
  const struct memstat ms1 = stat_self();
  sys_sbrk(-n, SBRK_LAZY);
  Line l("RESULT");
  start_result(l, "readmostly");
  l.kv("size_mib", kReadMostlyMib).kv("rep", static_cast<uint64>(rep)).kv("pages", pages);
  l.kv("reads", pages).kv("writes", writes).kv("resident", ms1.resident - ms0.resident);
  l.kv("zero_mapped", ms1.zero_mapped - ms0.zero_mapped);
  l.kv("taken", ms0.free_pages - ms1.free_pages).kv("ptpages", ms1.ptpages - ms0.ptpages).emit();
}

// `cow`: every copy-on-write measurement, R times each.
void run_cow(const Config& c) {
  for (uint64 size : kCowSizesMib) {
    for (int rep = 0; rep < c.reps; rep++) {
      fork_wait(size, false, rep);
      fork_wait(size, true, rep);
    }
  }
  for (int rep = 0; rep < c.reps; rep++) {
    cow_faults(false, rep);
    cow_faults(true, rep);
    zero_faults(rep);
  }
  read_mostly(0);
}

} // namespace

int main(int argc, char** argv) {
  Config c = parse_args(argc, argv);
  align_to_tick = c.align;

  // Load the whole program now (exec loads text, data and .bss, page_index included, on first
  // touch), so no workload's figures include it.
  loadimage();

  // Page-align the break once, so every workload's region starts on a page boundary.
  uint64 brk = reinterpret_cast<uint64>(sys_sbrk(0, SBRK_LAZY));
  if (brk % kPageSize != 0)
    sys_sbrk(static_cast<int>(kPageSize - brk % kPageSize), SBRK_EAGER);

  Line begin("BENCH_BEGIN");
  begin.kv("v", kVersion).kv("prog", "lazybench").kv("timebase_hz", kTimebaseHz);
  begin.kv("page_size", kPageSize).kv("reps", static_cast<uint64>(c.reps)).kv("seed", c.seed);
  begin.kv("align", c.align ? 1UL : 0UL);
  begin.emit();

  if (c.check)
    run_check();
  if (c.paths)
    run_paths(c);
  if (c.cow)
    run_cow(c);
  if (c.workloads)
    run_workloads(c);

  Line done("BENCH_DONE");
  done.kv("v", kVersion).kv("results", static_cast<uint64>(results)).emit();
  return 0;
}
