// sysfuzz: a seeded, reproducible system-call fuzzer that runs inside lazyv6.
//
//   sysfuzz [-s SEED] [-n CALLS] [-p PROCS] [-c BATCH] [-b INDEX] [-v] [-P] [-K] [-X]
//
//   -s SEED   64-bit seed, decimal or 0x-hex (default: from uptime, fault and free-page counts)
//   -n CALLS  go on until at least this many fuzzed calls were made (default 100000)
//   -p PROCS  batch children running at once (default 3, at most 8)
//   -c BATCH  calls per batch child (default 1000)
//   -b INDEX  run only batch INDEX of SEED, in one child, then check as usual (to replay a batch)
//   -v        trace every call (number, arguments, built strings, result) on the console
//   -P        profile: each batch that runs to its end prints the time per kind of step
//   -K        keep the scratch tree /sfz at the end (to look at it; the run then ends there)
//   -X        crowds are also stampedes and sieges (see crowd()), not only hoards
//
// Every call is made by a forked "batch" child: batch i draws its steps from xorshift64* seeded
// with splitmix64(SEED + i), so `sysfuzz -s SEED -b i -v` replays batch i and shows each call
// before it is made (a panic's last trace line names the call; batches running beside it and the
// scheduler differ, so a replay is close to, not always exactly, the original).
//
// What a batch does, per step: a system call over every number 1..24 and invalid ones (0, 26,
// 1000, -1, 1<<32 + 26, 1<<63, ...), or a memory touch. Arguments come from the values that break
// kernels: untouched lazy pages, the stack guard page and the padding running into it, page 0,
// text and rodata (for writes), kernel addresses, devices, TRAPFRAME/TRAMPOLINE, MAXVA and above,
// the heap limit, 1<<63, ~0 and wrapping ranges; negative and huge sizes (also with junk in the
// upper 32 bits); closed and out-of-range fds; paths of MAXPATH bytes and more, DIRSIZ names,
// strings that run off the end of memory or into the guard page; argv arrays that do; crafted
// ELF files with one or two hostile fields; and valid-ish values, so that calls get deep: files,
// directories, devices, links and pipes in a scratch tree, a cwd that wanders into it (and gets
// removed under itself), lazy and eager sbrk up and down, fork, wait, kill, exec. Now and then a
// batch hoards: it forks 24 to 48 children that each hold a cwd, 7 open files and a pipe (in
// /sfz/hoard: 64 inodes, more than the inode table holds), and fuzzes on while they hold them, so
// that the inode table, the file table and the process table are full for its calls; then it
// pushes their files out of the buffer cache and releases them together, into a burst of reads by
// more processes than the cache has buffers. With -X a crowd may instead be a stampede (one child
// per hoard file, released at once to read one uncached block each) or a siege (children
// until the process table is full, then all memory taken, then init's children, among them the
// shell, killed: init must retry its fork, not exit). A touch reads or writes an untouched lazy
// page (must be faulted in), or rarely a forbidden address (guard page, a store to text or rodata,
// above sz, TRAPFRAME, an instruction fetch from the heap), after which the process must be dead.
//
// Numbers 25 (forkcopy, fork that copies every page) and 27 (execload) are not fuzzed. The
// launcher, the crowds and the ticker are made with forkcopy: the launcher then shares no page
// copy-on-write, so it never needs a page to write when memory is full. Fuzzed forks are
// copy-on-write.
//
// Oracles: no panic (the Bazel test watches the console); every result must be one the call may
// return (-1, 0, a pid, an fd below NOFILE, a count up to n, ...); pipe() must hand out the lowest
// free fds and dup/close/open must agree with the fds the process knows it has; a forbidden touch
// must kill; console writes from forbidden addresses must print nothing; every report in a batch's
// pipe must come from the batch itself (not from one of its children); no batch may hang (a
// watchdog kills a batch after 60 s); after the run the free-page count (memstat) must equal the
// count before it (retried for a while, so that init can reap orphans) and /sfz must be removable.
// Anything else unexpected is an ANOMALY line on the console. (The Bazel test also runs fsck on
// the disk afterwards.)
//
// The fuzzer protects the test it runs in: it never kills anything but its own children, pids
// that cannot exist, init (which the kernel must refuse: kill(1) succeeding is an anomaly) and,
// in a siege, the pids below its own (the shell that started it: the test harness waits for the
// verdict across the restarted shell);
// execs only bad paths, crafted ELF files whose code exits at once, or itself as a helper that
// exits at once (sysfuzz -E); it closes the children's fds
// 0-2, never opens the console (mknod of major 1 is filtered) and keeps one console fd only for
// writes that must fail and reads of <= 0 bytes; creates files only under /sfz (paths read from
// memory that are absolute or contain ".." are replaced; the parent empties a slot's directory
// every 4 batches, so the disk's inodes last); keeps pause() short; clamps pipe reads and writes
// so that a child never sleeps forever on its own pipe; and lets a child have at most 4 children
// of its own, which make a few calls that cannot block, stay in the slot directory and exit (the
// batch kills and reaps them at its end).
//
// At the end: calls made, how the batch children ended, calls per second (uptime ticks), free
// pages before and after; the last line is `sysfuzz: OK` or `sysfuzz: FAILED <why>`.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/memstat.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/elf.h"
#include "kernel/syscall.h"
#include "user/user.h"
#include "user/strbuild.h"

extern "C" char end[]; // user.ld: end of .bss

namespace {

using strbuild::append;
using strbuild::append_num;

// ---- constants ---------------------------------------------------------------------------------

constexpr int kIntMax = 2147483647;
constexpr int kIntMin = -2147483647 - 1;
constexpr uint64 kPage = PGSIZE;
constexpr uint64 kHeapLimit = TRAPFRAME; // kernel/vm.h: the top of any heap

constexpr uint64 kScratchBytes = 48 * 1024; // eager heap area the fuzzer builds arguments in
constexpr uint64 kAreaBytes = 6 * 1024;     // one string area: room for a 4096-byte string
constexpr uint64 kStrArea = 4 * kAreaBytes; // scratch [0, 24K): 4 areas for strings and argv
constexpr int kPipeSize = 512;              // kernel/pipe.h PIPESIZE: a fuller pipe blocks writers
constexpr uint64 kLazyBytes = 64UL * 1024 * 1024; // lazy region, never touched by the parent

constexpr int kMaxGkids = 4;           // children a batch child may have at once
constexpr int kMaxHoarders = 48;       // children of one hoard (see crowd())
constexpr int kGrabbers = 2;           // children of a siege that fill memory
constexpr int kSiegeTicks = 40;        // how long a siege's grabbers hold memory
constexpr uint64 kSiegeFullPages = 16; // free pages at most when memory counts as full
constexpr int kMaxPipes = NOFILE;
constexpr int kWatchdogTicks = 600; // a batch running longer than 60 s is hung
constexpr int kTickerTicks = 10;    // how often the parent checks the watchdog
constexpr int kMaxProcs = 8;

// Exit statuses of batch children (anything else came from a fuzzed exit()).
constexpr int kStatusDone = 0;     // ran its calls
constexpr int kStatusHeapLost = 3; // a fuzzed sbrk shrank away the fuzzer's own scratch area
constexpr int kStatusExeced = 77;  // exec'd `sysfuzz -E`, which exits with this
constexpr int kStatusKilled = -1;  // the kernel killed it
constexpr int kStatusAnomaly = 99; // a batch's child saw an anomaly (it printed it)

constexpr const char* kScratchRoot = "/sfz";

// ---- PRNG --------------------------------------------------------------------------------------

// xorshift64* (Vigna): the state must never be 0.
struct Rng {
  uint64 s;
  uint64 next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DUL;
  }
  uint64 below(uint64 n) { return n == 0 ? 0 : next() % n; }
  bool chance(uint64 num, uint64 den) { return below(den) < num; }
  template <typename T, int N> T pick(const T (&v)[N]) { return v[below(N)]; }
};

// splitmix64: spreads consecutive batch numbers into unrelated seeds.
uint64 splitmix64(uint64 x) {
  x += 0x9E3779B97F4A7C15UL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
  x ^= x >> 31;
  return x != 0 ? x : 1;
}

// ---- raw system calls ----

// Makes system call `num` with six raw 64-bit arguments; returns a0 as the kernel left it.
[[gnu::noinline]] uint64 raw_syscall(uint64 num, uint64 a0, uint64 a1, uint64 a2, uint64 a3,
                                     uint64 a4, uint64 a5) {
  register uint64 r0 asm("a0") = a0;
  register uint64 r1 asm("a1") = a1;
  register uint64 r2 asm("a2") = a2;
  register uint64 r3 asm("a3") = a3;
  register uint64 r4 asm("a4") = a4;
  register uint64 r5 asm("a5") = a5;
  register uint64 r7 asm("a7") = num;
  asm volatile("ecall"
               : "+r"(r0)
               : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
               : "memory");
  return r0;
}

uint64 current_sz() {
  return reinterpret_cast<uint64>(sys_sbrk(0, SBRK_LAZY));
}

// ---- the address space, measured at startup ----------------------------------------------------

struct Layout {
  uint64 data_end;   // `end`: the bytes from here to the guard page are unused padding
  uint64 guard;      // the stack guard page (mapped without PTE_U)
  uint64 stack_base; // lowest stack address; the heap starts USERSTACK pages above
  uint64 scratch;    // eager heap area (kScratchBytes)
  uint64 lazy;       // lazy region (kLazyBytes), untouched in the parent
  uint64 text_fn;    // an address in .text
  uint64 rodata;     // an address in .rodata
  uint64 bss;        // an address in .bss
};
constinit Layout L{};

// ---- per-process fuzzing state (each batch child has its own copy) ------------------------------

enum class FdKind : uint8 { None, Other, PipeRead, PipeWrite, Protected };

struct PipeState {
  int bytes; // bytes in the pipe (only this process reads or writes pipes)
};

struct Counters {
  uint32 magic;     // kReportMagic
  uint32 pid;       // the process that wrote the report: must be the batch child itself
  uint32 calls;     // fuzzed system calls made
  uint32 errors;    // of which returned -1
  uint32 gkids;     // children forked by fuzzed fork()
  uint32 touches;   // memory touches
  uint32 anomalies; // things that must not happen (a bad touch survived, fd bookkeeping broke)
  uint32 hoards;    // crowds of hoarders (see crowd())
  uint32 hoarders;  // hoarders they forked
  uint32 stampedes; // crowds that each read their own file at one moment
  uint32 stampeders;
  uint32 sieges; // crowds that fill the process table and memory, then kill
  uint32 shells; // of init's children a siege killed (kill returned 0)
};
constexpr uint32 kReportMagic = 0x5f7a2024;

struct State {
  Rng rng;
  bool gkid;            // this is a child of a batch child
  bool verbose;         // trace every call on trace_fd
  bool profile;         // print time per kind of step on trace_fd at the end of the batch
  uint64 prof_time[26]; // rdtime ticks (10 MHz) spent in each kind of step
  uint32 prof_count[26];
  int batch;
  int slot;
  int pid;
  int report_fd;
  int console_fd; // protected: only writes from addresses that must fail, reads of <= 0 bytes
  int trace_fd;
  uint64 cur_sz;
  FdKind kind[NOFILE];
  int pipe_of[NOFILE]; // index into pipes[] for pipe fds
  PipeState pipes[kMaxPipes];
  int gkid_pid[kMaxGkids];
  int ngkids;
  int hoard_pid[NPROC]; // the crowd's children not yet reaped
  int nhoard;
  bool hoarding; // within crowd(): no crowd inside a crowd
  int report_every;
  int reports; // written so far (at most kMaxReports)
  Counters c;
  char dir[32]; // this slot's scratch directory, absolute
  int depth;    // levels the cwd is below dir
  char cwd[64]; // the cwd, absolute (dir and the names chdir took it through)
};
constinit State S{};

// The fuzzer's parent process (every batch's parent): no siege may kill it.
constinit int main_pid = 0;
// -X: crowds are stampedes and sieges too, not only hoards (see crowd()).
constinit bool stampedes_and_sieges = false;

// ---- small helpers ----

char* scratch_str(int area) {
  return reinterpret_cast<char*>(L.scratch + static_cast<uint64>(area) * kAreaBytes);
}

// True if this process may read the byte at va itself: [0, guard) (text, rodata, data, bss) or the
// stack and heap up to the end of the page holding the last byte below sz. Memory is page-granular,
// as in xv6: once the last page is mapped, its bytes beyond sz are readable too (and the kernel's
// copyin/copyinstr reads them); map_last_page() maps it first.
bool readable(uint64 va) {
  return va < L.guard || (va >= L.stack_base && va < PGROUNDUP(S.cur_sz));
}

// Faults in the page holding sz - 1 (if the heap is above scratch), so that all of it is readable.
void map_last_page() {
  if (S.cur_sz > L.scratch + kScratchBytes)
    (void)*reinterpret_cast<volatile char*>(S.cur_sz - 1);
}

uint64 rdtime() {
  uint64 t;
  asm volatile("rdtime %0" : "=r"(t));
  return t;
}

// Reports the counters to the parent through the report pipe. The pipe is read only after this
// process has ended, so at most kMaxReports fit: periodic ones stop after kPeriodicReports, ones
// before a step that may end the process after kMaxReports - 1, leaving room for the last one.
enum class Report { Periodic, MayEnd, Last };
constexpr int kPeriodicReports = 7;
// Reports that fit in the report pipe: a write beyond them would block the batch for good.
constexpr int kMaxReports = kPipeSize / static_cast<int>(sizeof(Counters));
static_assert(kMaxReports >= kPeriodicReports + 2);

void report(Report why = Report::MayEnd) {
  int limit = why == Report::Periodic ? kPeriodicReports
              : why == Report::MayEnd ? kMaxReports - 1
                                      : kMaxReports;
  if (S.gkid || S.report_fd < 0 || S.reports >= limit)
    return;
  S.reports++;
  S.c.magic = kReportMagic;
  S.c.pid = static_cast<uint32>(getpid()); // not S.pid: a fork's child has the batch's copy
  write(S.report_fd, &S.c, sizeof(S.c));
}

// Something the kernel must never do happened: counted (the run fails) and printed on the console.
void anomaly(const char* what, uint64 v) {
  S.c.anomalies++;
  if (S.console_fd >= 0) {
    fprintf(S.console_fd, "sysfuzz: batch %d%s call #%u: ANOMALY %s (0x%lx)\n", S.batch,
            S.gkid ? " child" : "", S.c.calls, what, v);
  }
}

// ---- argument classes ----

// How the kernel will use a pointer argument.
enum class Use {
  In,       // reads from it
  Out,      // writes up to n bytes to it (kept out of the fuzzer's data, bss and stack frames)
  OutSmall, // writes a small struct (<= 128 bytes): the unused bottom of the stack page is fine
};

// Addresses no user pointer may reach: kernel, devices, the top of the address space,
// non-canonical.
constexpr uint64 kHostile[] = {
    KERNBASE,
    KERNBASE + 0x1000,
    KERNBASE + 0x21000,
    PHYSTOP - 8,
    PHYSTOP - kPage,
    PHYSTOP,
    0x87fff000UL,
    UART0,
    VIRTIO0,
    PLIC,
    CLINT,
    TRAPFRAME,
    TRAPFRAME + 8,
    TRAPFRAME + kPage - 4,
    TRAMPOLINE,
    TRAMPOLINE + kPage - 1,
    MAXVA - 1,
    MAXVA - 8,
    MAXVA,
    MAXVA + kPage,
    kHeapLimit - 1,
    kHeapLimit,
    kHeapLimit - kPage,
    1UL << 39,
    1UL << 63,
    ~0UL,
    ~0UL - 7,
    ~0UL - 4095,
    0xffffffc000000000UL,
    0xffffffff80000000UL, // 0x80000000 sign-extended from an int
    0x100000000UL,
    0x7ffffffffUL,
};

// A user address for a pointer argument.
uint64 pick_addr(Use use) {
  Rng& r = S.rng;
  uint64 w = r.below(100);
  if (w < 38)
    return L.scratch + kStrArea + r.below(kScratchBytes - kStrArea); // valid, touched
  if (w < 56) {                                                      // lazy, likely untouched
    uint64 top = S.cur_sz < L.lazy + kLazyBytes ? S.cur_sz : L.lazy + kLazyBytes;
    if (top <= L.lazy)
      return L.lazy;
    return L.lazy + r.below(top - L.lazy);
  }
  if (w < 64) { // around the end of sz
    constexpr uint64 kBack[] = {1, 2, 4, 8, 16, 24, 64, 4095, 4096, 4097};
    if (r.chance(1, 2))
      return S.cur_sz - r.pick(kBack);
    return S.cur_sz + r.below(3) * kPage + (r.chance(1, 2) ? 0 : r.below(kPage));
  }
  if (w < 67 && use == Use::OutSmall)
    return L.stack_base + r.below(64) * 8;
  if (w < 70) { // page 0, text, rodata (read-only for the kernel too)
    constexpr uint64 kLow[] = {0, 1, 8, 4095, 4096};
    uint64 v = r.below(3);
    return v == 0 ? r.pick(kLow) : v == 1 ? L.text_fn : L.rodata;
  }
  if (w < 73 && use == Use::In)
    return L.bss + r.below(64);
  if (w < 78) { // the guard page, and the padding just below it (runs into it)
    uint64 v = r.below(4);
    if (v == 0)
      return L.guard;
    if (v == 1)
      return L.guard + r.below(kPage);
    if (v == 2)
      return L.guard - 8 >= L.data_end ? L.guard - 1 - r.below(8) : L.guard; // padding only
    return L.stack_base - 8;
  }
  if (w < 93)
    return r.pick(kHostile) + (r.chance(1, 4) ? r.below(16) : 0);
  if (w < 96)
    return r.next() & ((1UL << 39) - 1);
  if (w < 98)
    return r.next();
  return ~0UL - r.below(64); // addr + len wraps
}

// A byte count / int for read, write and friends.
uint64 pick_len() {
  Rng& r = S.rng;
  uint64 w = r.below(100);
  if (w < 55)
    return r.below(600);
  if (w < 70) {
    constexpr uint64 kSizes[] = {0, 1, 8, 24, 511, 512, 513, 1024, 4095, 4096, 4097, 8192};
    return r.pick(kSizes);
  }
  constexpr uint64 kHuge[] = {
      65536,
      1 << 20,
      static_cast<uint64>(kIntMax),
      static_cast<uint64>(-1L),
      static_cast<uint64>(static_cast<long>(kIntMin)),
      static_cast<uint64>(-4096L),
      0x100000000UL,        // int 0
      0x100000010UL,        // int 16
      0x8000000000000200UL, // int 512
      0xffffffff00000010UL, // int 16
  };
  return r.pick(kHuge);
}

// A file descriptor number, never one of the protected ones.
uint64 pick_fd() {
  Rng& r = S.rng;
  uint64 v;
  uint64 w = r.below(100);
  if (w < 70) {
    int open_fds[NOFILE];
    int n = 0;
    for (int fd = 0; fd < NOFILE; fd++) {
      if (S.kind[fd] != FdKind::None && S.kind[fd] != FdKind::Protected)
        open_fds[n++] = fd;
    }
    v = n > 0 ? static_cast<uint64>(open_fds[r.below(n)]) : r.below(NOFILE);
  } else if (w < 85) {
    v = r.below(NOFILE);
  } else {
    constexpr uint64 kBad[] = {
        static_cast<uint64>(-1L),
        NOFILE,
        NOFILE - 1,
        NOFILE + 1,
        100,
        1000,
        static_cast<uint64>(static_cast<long>(kIntMin)),
        static_cast<uint64>(kIntMax),
        0x100000003UL,
        0xffffffff00000001UL,
    };
    v = r.pick(kBad);
  }
  int fd = static_cast<int>(v);
  if (fd >= 0 && fd < NOFILE && S.kind[fd] == FdKind::Protected)
    v = static_cast<uint64>(-1L);
  return v;
}

// The kind of the fd the kernel will see for raw value v (it truncates to int).
FdKind kind_of(uint64 v) {
  int fd = static_cast<int>(v);
  return fd >= 0 && fd < NOFILE ? S.kind[fd] : FdKind::None;
}

// Relative names of the scratch tree (cwd is this slot's directory).
constexpr const char* kNames[] = {
    "a", "b", "c", "d", "d/a", "d/b", "e", "f", "d/d", "nnnnnnnnnnnnnn", "nnnnnnnnnnnnnnnnnnnn",
};
constexpr const char* kSpecialPaths[] = {
    "",
    ".",
    "..",
    "/",
    "./a",
    "d/../b",
    "a/",
    "d/./a",
    "/nonexistent/x",
    "nonexistent/x",
    "a/b",
    "d/..",
    "./././d/a",
};

// Fills a string area with a path of length `len` made of `unit` repeated ("x/" etc.).
char* repeated_path(int area, const char* unit, int len) {
  char* s = scratch_str(area);
  int ul = static_cast<int>(strlen(unit));
  for (int i = 0; i < len; i++)
    s[i] = unit[i % ul];
  s[len] = 0;
  return s;
}

// A pointer to `k` non-NUL bytes before sz, continued with non-NUL bytes to the end of that page:
// the string runs off the end of memory. Touches the last page (a lazy fault; if memory is gone, a
// kill, which is expected).
uint64 unterminated_at_sz(uint64 k) {
  uint64 start = S.cur_sz - k;
  if (start < L.scratch + kScratchBytes)
    return L.scratch + kStrArea; // heap too small: valid
  map_last_page();
  char* s = reinterpret_cast<char*>(start);
  for (uint64 i = 0; start + i < PGROUNDUP(S.cur_sz); i++)
    s[i] = 'A';
  return start;
}

// A pointer to non-NUL bytes that run into the stack guard page (the padding after .bss).
uint64 unterminated_at_guard() {
  uint64 pad = L.guard - L.data_end;
  if (pad == 0)
    return L.guard - 1; // no padding: the last byte of .bss, then the guard page
  uint64 k = 1 + S.rng.below(pad);
  return L.guard - k; // the padding was filled with 'A' at startup
}

// True if the string at va, as far as this process can read it, might name something outside the
// scratch tree: absolute, or with a ".." component. Unreadable strings are the kernel's to refuse.
bool escapes(uint64 va) {
  if (!readable(va))
    return false;
  map_last_page();
  const char* s = reinterpret_cast<const char*>(va);
  if (s[0] == '/')
    return true;
  for (int i = 0; i < MAXPATH + 1 && readable(va + i + 2); i++) {
    if (s[i] == 0)
      return false;
    bool start = i == 0 || s[i - 1] == '/';
    if (start && s[i] == '.' && s[i + 1] == '.' && (s[i + 2] == '/' || s[i + 2] == 0))
      return true;
  }
  return false;
}

// A path argument. `area` (0..3) is where in scratch it may be built.
uint64 pick_path(int area) {
  Rng& r = S.rng;
  uint64 w = r.below(100);
  char* s = scratch_str(area);
  uint64 p;
  if (S.depth > 0 && r.chance(1, 10)) { // the directory one is in, by its absolute name
    strcpy(s, S.cwd);
    return reinterpret_cast<uint64>(s);
  }
  if (w < 60) {
    strcpy(s, r.pick(kNames));
    return reinterpret_cast<uint64>(s);
  }
  if (w < 70) {
    strcpy(s, r.pick(kSpecialPaths));
    return reinterpret_cast<uint64>(s);
  }
  if (w < 73) { // absolute, into this slot's directory
    constexpr const char* kInDir[] = {"/a", "/d/b", "/d", "/d/d", "/a/b"};
    append(s, append(s, 0, S.dir), r.pick(kInDir));
    return reinterpret_cast<uint64>(s);
  }
  if (w < 80) {
    switch (r.below(6)) {
    case 0:
      return reinterpret_cast<uint64>(repeated_path(area, "x/", MAXPATH - 1)); // longest, missing
    case 1:
      return reinterpret_cast<uint64>(repeated_path(area, "./", MAXPATH - 2)); // longest, valid
    case 2:
      return reinterpret_cast<uint64>(repeated_path(area, "q", MAXPATH)); // no NUL in MAXPATH
    case 3:
      return reinterpret_cast<uint64>(repeated_path(area, "q", MAXPATH + 70));
    case 4:
      return reinterpret_cast<uint64>(repeated_path(area, "d/", 1000));
    default: { // 126 bytes of "./" then "a": creates or names "a"
      repeated_path(area, "./", MAXPATH - 2);
      s[MAXPATH - 2] = 'a';
      s[MAXPATH - 1] = 0;
      return reinterpret_cast<uint64>(s);
    }
    }
  }
  if (w < 85) {
    constexpr uint64 kLens[] = {1, 5, 14, 100, MAXPATH - 1, MAXPATH, 4096};
    p = unterminated_at_sz(r.pick(kLens));
  } else if (w < 88) {
    p = unterminated_at_guard();
  } else {
    p = pick_addr(Use::In);
  }
  if (escapes(p)) {
    strcpy(s, "a");
    return reinterpret_cast<uint64>(s);
  }
  return p;
}

// ---- bookkeeping of results ----

int alloc_pipe_state() {
  bool used[kMaxPipes] = {};
  for (int fd = 0; fd < NOFILE; fd++) {
    if (S.kind[fd] == FdKind::PipeRead || S.kind[fd] == FdKind::PipeWrite)
      used[S.pipe_of[fd]] = true;
  }
  for (int i = 0; i < kMaxPipes; i++) {
    if (!used[i]) {
      S.pipes[i].bytes = 0;
      return i;
    }
  }
  return 0; // cannot happen: fewer than NOFILE pipes fit in NOFILE fds
}

void track_new_fd(long fd, FdKind kind, int pipe) {
  if (fd < 0 || fd >= NOFILE) {
    anomaly("kernel returned an out-of-range fd", static_cast<uint64>(fd));
    return;
  }
  if (S.kind[fd] != FdKind::None)
    anomaly("kernel reused an open fd", static_cast<uint64>(fd));
  S.kind[fd] = kind;
  S.pipe_of[fd] = pipe;
}

int lowest_free_fd(int after) {
  for (int fd = after; fd < NOFILE; fd++) {
    if (S.kind[fd] == FdKind::None)
      return fd;
  }
  return -1;
}

// Forgets a reaped child: a fuzzed fork's or a hoarder.
void gkid_forget(int pid) {
  for (int i = 0; i < S.ngkids; i++) {
    if (S.gkid_pid[i] == pid) {
      S.gkid_pid[i] = S.gkid_pid[--S.ngkids];
      return;
    }
  }
  for (int i = 0; i < S.nhoard; i++) {
    if (S.hoard_pid[i] == pid) {
      S.hoard_pid[i] = S.hoard_pid[--S.nhoard];
      return;
    }
  }
}

// ---- the exit statuses a fuzzed exit() uses: never one the parent gives a meaning to ----

uint64 pick_exit_status() {
  constexpr uint64 kStatus[] = {1,
                                2,
                                4,
                                42,
                                255,
                                256,
                                static_cast<uint64>(-2L),
                                static_cast<uint64>(kIntMax),
                                static_cast<uint64>(static_cast<long>(kIntMin)),
                                0x100000005UL};
  return S.rng.pick(kStatus);
}

[[noreturn]] void gkid_main();
void crowd();

// ---- one fuzzed step ----

// Weights of the steps, per 10000. Index = system-call number; 0 = invalid numbers; 25 = touch.
constexpr int kTouch = 25;
constexpr int kWeights[26] = {
    /*invalid*/ 40,  /*fork*/ 90,    /*exit*/ 3,
    /*wait*/ 150,    /*pipe*/ 250,   /*read*/ 900,
    /*kill*/ 200,    /*exec*/ 250,   /*fstat*/ 600,
    /*chdir*/ 300,   /*dup*/ 500,    /*getpid*/ 200,
    /*sbrk*/ 600,    /*pause*/ 60,   /*uptime*/ 150,
    /*open*/ 1100,   /*write*/ 1000, /*mknod*/ 200,
    /*unlink*/ 500,  /*link*/ 350,   /*mkdir*/ 300,
    /*close*/ 900,   /*pgpte*/ 500,  /*kpgtbl*/ 1,
    /*memstat*/ 400, /*touch*/ 250,
};
constexpr int weight_sum() {
  int s = 0;
  for (int w : kWeights)
    s += w;
  return s;
}
constexpr int kWeightSum = weight_sum();

int pick_step() {
  int x = static_cast<int>(S.rng.below(kWeightSum));
  for (int i = 0; i < 26; i++) {
    if (x < kWeights[i])
      return i;
    x -= kWeights[i];
  }
  return SYS_getpid;
}

void trace_call(uint64 num, uint64 a0, uint64 a1, uint64 a2) {
  if (S.verbose) {
    fprintf(S.trace_fd, "[b%d%s #%u] sys %ld(0x%lx, 0x%lx, 0x%lx)", S.batch, S.gkid ? " child" : "",
            S.c.calls, static_cast<long>(num), a0, a1, a2);
    if (a0 >= L.scratch && a0 < L.scratch + kStrArea) { // a string the fuzzer built: show its start
      char shown[41];
      const char* str = reinterpret_cast<const char*>(a0);
      int i = 0;
      for (; i < 40 && str[i] != 0; i++)
        shown[i] = str[i] >= ' ' && str[i] < 127 ? str[i] : '?';
      shown[i] = 0;
      fprintf(S.trace_fd, " \"%s\"", shown);
    }
  }
}

void trace_result(uint64 ret) {
  if (S.verbose)
    fprintf(S.trace_fd, " = %ld\n", static_cast<long>(ret));
}

// True if `ret` is a value system call `num` may return for these arguments (xv6's contract: -1
// for any error; otherwise 0, a pid, an fd below NOFILE, a byte count up to n, the old break).
bool plausible(uint64 num, uint64 a2, uint64 ret) {
  const long r = static_cast<long>(ret);
  if (r == -1)
    return num != SYS_getpid && num != SYS_uptime && num != SYS_kpgtbl;
  switch (num) {
  case SYS_fork:
  case SYS_wait:
    return r >= 0 && r < (1L << 31);
  case SYS_pipe:
  case SYS_kill:
  case SYS_fstat:
  case SYS_chdir:
  case SYS_mknod:
  case SYS_unlink:
  case SYS_link:
  case SYS_mkdir:
  case SYS_close:
  case SYS_memstat:
  case SYS_pause:
  case SYS_kpgtbl:
    return r == 0;
  case SYS_exec:
    return false; // a successful exec does not return
  case SYS_read:
  case SYS_write: {
    int n = static_cast<int>(a2);
    return r >= 0 && r <= n;
  }
  case SYS_dup:
  case SYS_open:
    return r >= 0 && r < NOFILE;
  case SYS_getpid:
    return r == S.pid;
  case SYS_sbrk:
    return ret <= kHeapLimit;
  case SYS_uptime:
    return r >= 0 && r < (1L << 31);
  case SYS_pgpte:
    return true;
  default:
    return false; // invalid numbers fail
  }
}

// Makes a counted, traced system call, and checks that its result is one it may return.
uint64 call(uint64 num, uint64 a0 = 0, uint64 a1 = 0, uint64 a2 = 0, uint64 a3 = 0, uint64 a4 = 0,
            uint64 a5 = 0) {
  trace_call(num, a0, a1, a2);
  S.c.calls++;
  uint64 ret = raw_syscall(num, a0, a1, a2, a3, a4, a5);
  // A fuzzed fork's child is a batch's child from its first instruction: were it to write the
  // periodic report below, the batch's own reports would no longer fit in the pipe, and the batch
  // would sleep forever on its next one (its parent reads the pipe only once it has exited).
  if (num == SYS_fork && ret == 0)
    S.gkid = true;
  if (static_cast<long>(ret) == -1)
    S.c.errors++;
  trace_result(ret);
  if (!plausible(num, a2, ret)) {
    if (S.console_fd >= 0) {
      fprintf(S.console_fd, "sysfuzz: batch %d: sys %ld(0x%lx, 0x%lx, 0x%lx) returned %ld\n",
              S.batch, static_cast<long>(num), a0, a1, a2, static_cast<long>(ret));
    }
    anomaly("a system call returned a value it cannot return", ret);
  }
  // Periodic reports leave room in the pipe for the last ones (before exit, exec, a kill).
  if (S.c.calls % S.report_every == 0)
    report(Report::Periodic);
  return ret;
}

// After a successful chdir the fuzzer goes back to its own directory (never counted).
// Goes back to the slot directory. chdir fails while the inode table is full (hoarders hold it),
// so it tries again for a while; a batch that cannot get home ends rather than fuzz outside its
// tree.
void back_home() {
  for (int tries = 0; chdir(S.dir) < 0; tries++) {
    if (tries == 300) {
      anomaly("cannot chdir back to the scratch directory", 0);
      report(Report::Last);
      exit(kStatusAnomaly);
    }
    pause(1);
  }
  S.depth = 0;
  strcpy(S.cwd, S.dir);
}

// A bad memory access that must kill this process; if it comes back the kernel let it through.
[[gnu::noinline]] void bad_touch() {
  Rng& r = S.rng;
  uint64 kind = r.below(6);
  if (S.verbose)
    fprintf(S.trace_fd, "[b%d #%u] bad touch %lu\n", S.batch, S.c.calls, kind);
  report();
  uint64 va = 0;
  switch (kind) {
  case 0:
    va = L.guard + r.below(kPage);
    (void)*reinterpret_cast<volatile char*>(va);
    break;
  case 1:
    va = L.text_fn;
    *reinterpret_cast<volatile char*>(va) = 0;
    break;
  case 2:
    va = PGROUNDUP(S.cur_sz) + r.below(4) * kPage;
    (void)*reinterpret_cast<volatile char*>(va);
    break;
  case 3: // user addresses above sz (a "kernel" address below sz is just heap)
    do
      va = r.pick(kHostile) & ~7UL;
    while (va < PGROUNDUP(S.cur_sz));
    (void)*reinterpret_cast<volatile uint64*>(va);
    break;
  case 4:
    va = L.rodata;
    *reinterpret_cast<volatile char*>(va) = 1;
    break;
  default: { // an instruction fetch from the heap: lazy pages are never executable
    uint64 top = S.cur_sz < L.lazy + kLazyBytes ? S.cur_sz : L.lazy + kLazyBytes;
    va = top > L.lazy ? (L.lazy + r.below(top - L.lazy)) & ~3UL : L.scratch;
    reinterpret_cast<void (*)()>(va)();
    break;
  }
  }
  anomaly("a forbidden memory access did not kill the process", va);
  report();
}

// Reads or writes a byte of the lazy region or the last page below sz: a lazy fault (or nothing).
void good_touch() {
  Rng& r = S.rng;
  S.c.touches++;
  uint64 top = S.cur_sz < L.lazy + kLazyBytes ? S.cur_sz : L.lazy + kLazyBytes;
  uint64 va;
  if (r.chance(1, 4) && S.cur_sz > L.scratch + kScratchBytes) {
    va = S.cur_sz - 1 - r.below(16);
  } else if (top > L.lazy) {
    va = L.lazy + r.below(top - L.lazy);
  } else {
    return;
  }
  if (S.verbose)
    fprintf(S.trace_fd, "[b%d #%u] touch 0x%lx\n", S.batch, S.c.calls, va);
  if (r.chance(1, 2)) {
    (void)*reinterpret_cast<volatile char*>(va);
  } else {
    *reinterpret_cast<volatile char*>(va) = 'z';
  }
}

// exec of a crafted ELF file (./elf): a valid executable whose code exits with kStatusExeced, with
// one or two fields made hostile (magic, class, machine, phentsize, phnum, phoff, a segment's
// vaddr/memsz/filesz/off/type, overlapping segments, the entry point, a truncated file).
void fuzz_exec_elf() {
  Rng& r = S.rng;
  constexpr uint64 kCodeOff = 512;
  constexpr uint32 kCode[] = {
      0x04d00513, // li a0, 77 (kStatusExeced)
      0x00200893, // li a7, SYS_exit
      0x00000073, // ecall
      0x0000006f, // j .
  };
  uint8* f = reinterpret_cast<uint8*>(scratch_str(1));
  memset(f, 0, 1024);
  ElfHeader* eh = reinterpret_cast<ElfHeader*>(f);
  ProgHeader* ph = reinterpret_cast<ProgHeader*>(f + sizeof(ElfHeader));
  eh->magic = kElfMagic;
  eh->elf[0] = kElfClass64;
  eh->elf[1] = kElfDataLittle;
  eh->elf[2] = 1; // ELF version
  eh->type = kElfTypeExec;
  eh->machine = kElfMachineRiscv;
  eh->version = 1;
  eh->entry = 0;
  eh->phoff = sizeof(ElfHeader);
  eh->ehsize = sizeof(ElfHeader);
  eh->phentsize = sizeof(ProgHeader);
  eh->phnum = 2;
  constexpr uint32 kRX = kElfProgFlagRead | kElfProgFlagExec;
  constexpr uint32 kRW = kElfProgFlagRead | kElfProgFlagWrite;
  ph[0] = ProgHeader{kElfProgLoad, kRX, kCodeOff, 0, 0, sizeof(kCode), kPage, kPage}; // text
  ph[1] = ProgHeader{kElfProgLoad, kRW,           kCodeOff,      kPage,
                     kPage,        sizeof(kCode), 2 * kPage + 8, kPage}; // data
  memmove(f + kCodeOff, kCode, sizeof(kCode));
  uint64 size = kCodeOff + sizeof(kCode);
  constexpr uint64 kBadVa[] = {1,
                               0x800,
                               kHeapLimit - kPage,
                               kHeapLimit,
                               MAXVA - kPage,
                               TRAPFRAME,
                               ~0UL & ~(kPage - 1),
                               1UL << 63,
                               1UL << 38,
                               (1UL << 32)};
  constexpr uint64 kBadLen[] = {~0UL, ~0UL - kPage, 1UL << 63, (1UL << 32) + 16, 1UL << 38, 0};
  int mutations = r.chance(1, 10) ? 0 : 1 + static_cast<int>(r.below(2));
  for (int m = 0; m < mutations; m++) {
    ProgHeader& p = ph[r.below(2)];
    switch (r.below(16)) {
    case 0:
      eh->magic ^= 1U << r.below(32);
      break;
    case 1:
      eh->elf[r.below(2)] = static_cast<uint8>(r.next());
      break;
    case 2:
      eh->machine = r.chance(1, 2) ? 62 : static_cast<uint16>(r.next());
      break;
    case 3:
      eh->type = static_cast<uint16>(r.below(5));
      break;
    case 4:
      eh->phentsize = r.chance(1, 2) ? 0 : static_cast<uint16>(r.next());
      break;
    case 5: {
      constexpr uint16 kPhnum[] = {0, 3, 9, 64, 65, 0xffff};
      eh->phnum = r.pick(kPhnum);
      break;
    }
    case 6: {
      constexpr uint64 kPhoff[] = {0, 1, 500, 600, ~0UL, 1UL << 63, ~0UL - 55, (1UL << 32) + 64};
      eh->phoff = r.pick(kPhoff);
      break;
    }
    case 7:
      p.vaddr = r.pick(kBadVa);
      break;
    case 8: // memsz: huge ones make exec allocate until memory runs out, then clean up
      p.memsz = r.chance(1, 8) ? (1UL << 28) + r.below(1UL << 28) : r.pick(kBadLen);
      break;
    case 9:
      p.filesz = r.pick(kBadLen);
      break;
    case 10:
      p.off = r.chance(1, 2) ? r.pick(kBadLen) : size + r.below(3);
      break;
    case 11:
      ph[1].vaddr = r.chance(1, 2) ? 0 : kPage / 2;
      break; // overlaps the text
    case 12:
      eh->entry = r.chance(1, 2) ? r.next() : r.pick(kBadVa);
      break;
    case 13:
      p.type = static_cast<uint32>(r.below(8));
      break;
    case 14:
      size = r.below(sizeof(ElfHeader) + 2 * sizeof(ProgHeader));
      break; // truncated file
    default:
      p.flags = static_cast<uint32>(r.below(8));
      break; // e.g. text not executable
    }
  }
  int fd = open("elf", O_CREATE | O_TRUNC | O_WRONLY); // bookkeeping: not a fuzzed call
  if (fd < 0)
    return;
  bool written = write(fd, f, static_cast<int>(size)) == static_cast<int>(size);
  close(fd);
  if (!written)
    return;
  static const char* const kArgv[] = {"elf", "crafted", nullptr};
  report(); // it may run, and exit
  call(SYS_exec, reinterpret_cast<uint64>("elf"), reinterpret_cast<uint64>(kArgv));
}

// exec: bad paths, bad argv, crafted ELF files, and rarely the real helper (which replaces this
// process).
void fuzz_exec() {
  Rng& r = S.rng;
  uint64* argv = reinterpret_cast<uint64*>(scratch_str(2)); // area 2: the argv array
  char* strs = scratch_str(3);                              // area 3: argv strings
  if (r.chance(1, 10)) {
    fuzz_exec_elf();
    return;
  }
  if (r.chance(1, 60)) {
    // The success path, with argument strings from untouched lazy pages and scratch.
    strcpy(strs, "/sysfuzz");
    strcpy(strs + 16, "-E");
    argv[0] = reinterpret_cast<uint64>(strs + 1);
    argv[1] = reinterpret_cast<uint64>(strs + 16);
    uint64 top = S.cur_sz < L.lazy + kLazyBytes ? S.cur_sz : L.lazy + kLazyBytes;
    argv[2] = top > L.lazy ? L.lazy + r.below(top - L.lazy) : reinterpret_cast<uint64>(strs + 15);
    argv[3] = reinterpret_cast<uint64>(repeated_path(1, "w", 1000));
    argv[4] = 0;
    map_last_page();
    if (argv[2] >= L.lazy && readable(argv[2])) {
      // Lazy bytes are 0 unless a read() put data there: keep the helper's argv harmless anyway.
      const char* s = reinterpret_cast<const char*>(argv[2]);
      if (s[0] == '-')
        argv[2] = reinterpret_cast<uint64>(strs + 15);
    }
    report();
    call(SYS_exec, reinterpret_cast<uint64>(strs), reinterpret_cast<uint64>(argv));
    return; // exec failed (out of memory): go on
  }
  // A path that must not run anything.
  uint64 path;
  uint64 w = r.below(10);
  if (w < 3) {
    constexpr const char* kBad[] = {"/nonexistent", "/", ".",    "a",          "d",  "/README",
                                    "README",       "",  "/sfz", "/sysfuzz/x", "d/a"};
    strcpy(scratch_str(0), r.pick(kBad));
    path = reinterpret_cast<uint64>(scratch_str(0));
  } else {
    path = pick_path(0);
  }
  // argv.
  uint64 av;
  w = r.below(10);
  if (w < 2) {
    av = r.chance(1, 2) ? 0 : pick_addr(Use::In);
  } else {
    int n = w < 4 ? MAXARG + 1 + static_cast<int>(r.below(3)) : static_cast<int>(r.below(6));
    for (int i = 0; i < n; i++) {
      uint64 x = r.below(10);
      if (x < 5) {
        argv[i] = reinterpret_cast<uint64>(strs + 16 * r.below(8));
      } else if (x < 7) {
        argv[i] = pick_addr(Use::In);
      } else if (x < 8) {
        argv[i] = unterminated_at_sz(r.chance(1, 2) ? 4096 : 4095);
      } else {
        argv[i] = reinterpret_cast<uint64>(repeated_path(1, "v", r.chance(1, 2) ? 4095 : 4096));
      }
    }
    for (int i = 0; i < 8; i++)
      strs[16 * i + 15] = 0;
    if (w < 3) {
      // The array runs off the end of memory (the last page, which is mapped whole).
      uint64 page_end = PGROUNDUP(S.cur_sz);
      av = page_end - 8 * (1 + r.below(3));
      if (av < L.scratch + kScratchBytes) {
        av = reinterpret_cast<uint64>(argv);
      } else {
        map_last_page();
        uint64* a = reinterpret_cast<uint64*>(av);
        for (uint64 x = av; x < page_end; x += 8)
          *a++ = reinterpret_cast<uint64>(strs);
      }
    } else {
      if (n <= MAXARG)
        argv[n] = 0;
      av = reinterpret_cast<uint64>(argv);
    }
  }
  call(SYS_exec, path, av);
}

// sbrk(n, type), with shrinks mostly kept above the fuzzer's own scratch area.
void fuzz_sbrk() {
  Rng& r = S.rng;
  uint64 w = r.below(100);
  long n;
  if (w < 35) {
    constexpr long kSmall[] = {0, 1, 8, 4095, 4096, 4097, 8192, 65536, 3 * 4096 + 5};
    n = r.pick(kSmall);
  } else if (w < 55) {
    constexpr long kBig[] = {1L << 20, 16L << 20, 1L << 30, kIntMax, (1L << 31) - 4096};
    n = r.pick(kBig);
  } else if (w < 85) {
    constexpr long kNeg[] = {-1,          -8,           -4096,       -4097,  -65536,
                             -(1L << 20), -(64L << 20), -(1L << 30), kIntMin};
    n = r.pick(kNeg);
  } else {
    n = static_cast<int>(r.next());
  }
  uint64 type;
  w = r.below(100);
  if (w < 45) {
    type = SBRK_LAZY;
  } else if (w < 75) {
    type = SBRK_EAGER;
    // Eager growth allocates every page: big ones only rarely (they take all of memory and fail).
    if (n > (1L << 20) && !r.chance(1, 16))
      n = 1L << 16;
  } else if (w < 92) {
    type = 0;
    if (n > (1L << 20) && !r.chance(1, 16))
      n = 1L << 16; // the default may be eager
  } else {
    constexpr uint64 kBadType[] = {3, static_cast<uint64>(-1L), 0x100000002UL, 0x100000001UL, 1000};
    type = r.pick(kBadType);
    if (static_cast<int>(type) == SBRK_EAGER && n > (1L << 20))
      n = 1L << 16;
  }
  // Keep the break above the lazy region's start, except now and then.
  if (n < 0 && !r.chance(1, 10)) {
    long room = static_cast<long>(S.cur_sz) - static_cast<long>(L.lazy);
    if (-n > room)
      n = -room;
  }
  uint64 upper = r.chance(1, 8) ? (r.next() << 32) : 0; // the kernel must use only the low 32 bits
  call(SYS_sbrk, upper | static_cast<uint32>(static_cast<int>(n)), type);
  S.cur_sz = current_sz();
}

// An address this process cannot access: the guard page, above sz, the top of the address space.
uint64 forbidden_addr() {
  Rng& r = S.rng;
  switch (r.below(4)) {
  case 0:
    return L.guard + r.below(kPage);
  case 1:
    return PGROUNDUP(S.cur_sz) + r.below(4 * kPage);
  case 2:
    return TRAPFRAME + r.below(2 * kPage);
  default:
    return MAXVA - 64 + r.below(128);
  }
}

// The console: a write from memory that must not be readable has to fail without printing; a
// read of <= 0 bytes has to return at once. (Anything else would print junk or wait for input.)
void fuzz_console(bool is_write) {
  Rng& r = S.rng;
  constexpr uint64 kNonPositive[] = {
      0, static_cast<uint64>(-1L), static_cast<uint64>(static_cast<long>(kIntMin)), 0x100000000UL};
  uint64 n = is_write && r.chance(3, 4) ? pick_len() : r.pick(kNonPositive);
  long ret = static_cast<long>(call(is_write ? SYS_write : SYS_read,
                                    static_cast<uint64>(S.console_fd), forbidden_addr(), n));
  if (ret > 0)
    anomaly("the console copied bytes from or to a forbidden address", static_cast<uint64>(ret));
}

// read/write, kept from sleeping forever on the fuzzer's own pipes.
void fuzz_rw(bool is_write) {
  if (S.console_fd >= 0 && S.rng.chance(1, 30)) {
    fuzz_console(is_write);
    return;
  }
  uint64 fd = pick_fd();
  uint64 addr = pick_addr(is_write ? Use::In : Use::Out);
  uint64 n = pick_len();
  FdKind k = kind_of(fd);
  int pi = -1;
  if (k == FdKind::PipeRead && !is_write)
    pi = S.pipe_of[static_cast<int>(fd)];
  if (k == FdKind::PipeWrite && is_write)
    pi = S.pipe_of[static_cast<int>(fd)];
  if (k == FdKind::Other && is_write && static_cast<int>(n) > 4096 && !S.rng.chance(1, 16)) {
    // Big file writes cost a disk block each (twice, with the log): keep most of them small.
    n = S.rng.below(4096);
  }
  if (pi >= 0) {
    if (S.gkid) {
      fd = static_cast<uint64>(-1L); // children of batches never use pipes
      pi = -1;
    } else if (is_write) {
      long room = kPipeSize - S.pipes[pi].bytes; // a full pipe would block
      if (static_cast<long>(static_cast<int>(n)) > room)
        n = static_cast<uint64>(room > 0 ? room : 0);
      if (n == 0)
        fd = static_cast<uint64>(-1L);
    } else if (S.pipes[pi].bytes == 0) {
      bool writer_here = false;
      for (int f = 0; f < NOFILE; f++) {
        if (S.kind[f] == FdKind::PipeWrite && S.pipe_of[f] == pi)
          writer_here = true;
      }
      if (writer_here)
        fd = static_cast<uint64>(-1L); // empty, and we would be the writer
    }
  }
  long ret = static_cast<long>(call(is_write ? SYS_write : SYS_read, fd, addr, n));
  if (pi >= 0 && ret > 0 && static_cast<int>(fd) >= 0)
    S.pipes[pi].bytes += is_write ? ret : -ret;
}

// One step: a system call (valid number or not) or a memory touch.
void do_step(int s);

void step() {
  int s = pick_step();
  if (!S.profile) {
    do_step(s);
    return;
  }
  uint64 t0 = rdtime();
  do_step(s);
  S.prof_time[s] += rdtime() - t0;
  S.prof_count[s]++;
}

void do_step(int s) {
  Rng& r = S.rng;
  switch (s) {
  case 0: { // invalid numbers: none truncates to a valid one
    constexpr uint64 kBadNum[] = {0,
                                  26,
                                  28,
                                  1000,
                                  static_cast<uint64>(-1L),
                                  static_cast<uint64>(kIntMin),
                                  (1UL << 32) + 26,
                                  1UL << 63,
                                  0xffffffff00000000UL,
                                  0x7fffffff};
    call(r.pick(kBadNum), r.next(), r.next(), r.next(), r.next(), r.next(), r.next());
    return;
  }
  case SYS_fork: {
    if (S.hoarding)
      return; // see SYS_chdir
    if (!S.gkid && r.chance(1, 32)) {
      crowd();
      return;
    }
    if (S.gkid || S.ngkids >= kMaxGkids) {
      long pid = static_cast<long>(call(SYS_wait, 0));
      if (pid > 0)
        gkid_forget(static_cast<int>(pid));
      return;
    }
    // Children start in the slot directory and stay there, so that no process outlives its batch
    // in a directory the parent may remove (see reset_slot()).
    if (S.depth > 0)
      back_home();
    long pid = static_cast<long>(call(SYS_fork));
    if (pid == 0)
      gkid_main();
    if (pid > 0) {
      S.gkid_pid[S.ngkids++] = static_cast<int>(pid);
      S.c.gkids++;
    }
    return;
  }
  case SYS_exit:
    report();
    call(SYS_exit, pick_exit_status());
    anomaly("exit returned", 0);
    return;
  case SYS_wait: {
    if (S.hoarding)
      return;     // the hoarders exit only once released: wait would never return
    if (S.gkid) { // has no children: returns at once
      call(SYS_wait, r.chance(1, 2) ? 0 : pick_addr(Use::OutSmall));
      return;
    }
    long pid = static_cast<long>(call(SYS_wait, r.chance(1, 3) ? 0 : pick_addr(Use::OutSmall)));
    if (pid > 0)
      gkid_forget(static_cast<int>(pid));
    return;
  }
  case SYS_pipe: {
    uint64 addr = pick_addr(Use::OutSmall);
    int f0 = lowest_free_fd(0);
    int f1 = f0 >= 0 ? lowest_free_fd(f0 + 1) : -1;
    long ret = static_cast<long>(call(SYS_pipe, addr));
    if (ret == 0) {
      int got0 = f0, got1 = f1;
      map_last_page();
      if (readable(addr) && readable(addr + 7)) {
        got0 = reinterpret_cast<volatile int*>(addr)[0];
        got1 = reinterpret_cast<volatile int*>(addr)[1];
        if (got0 != f0 || got1 != f1)
          anomaly("pipe fds are not the lowest free ones", addr);
      } else {
        anomaly("pipe() wrote to memory the process cannot read", addr);
      }
      int pi = alloc_pipe_state();
      track_new_fd(got0, FdKind::PipeRead, pi);
      track_new_fd(got1, FdKind::PipeWrite, pi);
    }
    return;
  }
  case SYS_read:
    fuzz_rw(false);
    return;
  case SYS_write:
    fuzz_rw(true);
    return;
  case SYS_kill: {
    uint64 w = r.below(100);
    uint64 pid;
    if (w < 50) {
      pid = S.ngkids > 0 ? static_cast<uint64>(S.gkid_pid[r.below(S.ngkids)]) : 0;
    } else if (w < 52) {
      report();
      pid = static_cast<uint64>(S.pid); // itself: dies on the way out of the call
    } else if (w < 54) {
      if (call(SYS_kill, 1) == 0)
        anomaly("kill(1) killed init", 1); // nobody may
      return;
    } else {
      constexpr uint64 kNoSuch[] = {0,
                                    static_cast<uint64>(-1L),
                                    static_cast<uint64>(static_cast<long>(kIntMin)),
                                    static_cast<uint64>(kIntMax),
                                    0xffffffff00000000UL,
                                    1UL << 40,
                                    static_cast<uint64>(-2L),
                                    2000000000};
      pid = r.pick(kNoSuch);
    }
    call(SYS_kill, pid);
    return;
  }
  case SYS_exec:
    fuzz_exec();
    return;
  case SYS_fstat:
    call(SYS_fstat, pick_fd(), pick_addr(Use::OutSmall));
    return;
  case SYS_chdir: {
    // While its own hoarders fill the inode table, a batch could not come back from a chdir.
    if (S.hoarding)
      return;
    if (!S.gkid && S.depth < 3 && r.chance(1, 3)) { // dive: make a directory and go into it
      constexpr const char* kDirs[] = {"d", "a", "b"};
      char* name = scratch_str(0);
      strcpy(name, r.pick(kDirs));
      call(SYS_mkdir, reinterpret_cast<uint64>(name));
      if (static_cast<long>(call(SYS_chdir, reinterpret_cast<uint64>(name))) == 0) {
        S.depth++;
        append(S.cwd, append(S.cwd, static_cast<int>(strlen(S.cwd)), "/"), name);
      }
      return;
    }
    // Into a directory of the scratch tree (a name from kNames) it may stay, a few levels deep at
    // most; anywhere else it goes straight back.
    uint64 path = pick_path(0);
    const char* s = scratch_str(0);
    bool in_tree = path == reinterpret_cast<uint64>(s) && s[0] != 0 && s[0] != '.' && s[0] != '/' &&
                   strchr(s, '.') == nullptr && strlen(s) <= 3;
    if (static_cast<long>(call(SYS_chdir, path)) == 0) {
      S.depth += s[1] == '/' ? 2 : 1;
      if (S.gkid || !in_tree || S.depth > 3 || r.chance(1, 4)) {
        back_home();
      } else {
        int n = static_cast<int>(strlen(S.cwd));
        append(S.cwd, append(S.cwd, n, "/"), s);
      }
    }
    return;
  }
  case SYS_dup: {
    uint64 fd = pick_fd();
    long ret = static_cast<long>(call(SYS_dup, fd));
    if (ret >= 0) {
      int old = static_cast<int>(fd);
      if (old < 0 || old >= NOFILE || S.kind[old] == FdKind::None)
        anomaly("dup of a closed fd worked", fd);
      track_new_fd(ret, old >= 0 && old < NOFILE ? S.kind[old] : FdKind::Other,
                   old >= 0 && old < NOFILE ? S.pipe_of[old] : 0);
    }
    return;
  }
  case SYS_getpid: {
    long pid = static_cast<long>(call(SYS_getpid));
    if (pid != S.pid)
      anomaly("getpid changed", static_cast<uint64>(pid));
    return;
  }
  case SYS_sbrk:
    fuzz_sbrk();
    return;
  case SYS_pause: {
    constexpr uint64 kPause[] = {0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 1,
                                 static_cast<uint64>(-1L),
                                 static_cast<uint64>(static_cast<long>(kIntMin)),
                                 0xffffffff00000000UL};
    call(SYS_pause, r.pick(kPause));
    return;
  }
  case SYS_uptime:
    call(SYS_uptime);
    return;
  case SYS_open: {
    uint64 path = pick_path(0);
    uint64 w = r.below(100);
    uint64 mode;
    if (w < 70) {
      constexpr uint64 kModes[] = {O_RDONLY,
                                   O_WRONLY,
                                   O_RDWR,
                                   O_CREATE | O_RDWR,
                                   O_CREATE | O_WRONLY | O_TRUNC,
                                   O_RDWR | O_TRUNC,
                                   O_CREATE,
                                   O_CREATE | O_RDONLY};
      mode = r.pick(kModes);
    } else {
      mode = r.chance(1, 2) ? r.next() : static_cast<uint64>(-1L);
    }
    long fd = static_cast<long>(call(SYS_open, path, mode));
    if (fd >= 0)
      track_new_fd(fd, FdKind::Other, 0);
    return;
  }
  case SYS_mknod: {
    constexpr uint64 kMajor[] = {0,
                                 2,
                                 9,
                                 NDEV,
                                 NDEV + 1,
                                 32767,
                                 static_cast<uint64>(-1L),
                                 static_cast<uint64>(-32768L),
                                 0x10002,
                                 0xffff};
    uint64 major = r.pick(kMajor);
    if (static_cast<short>(major) == 1)
      major = 2; // never another console
    call(SYS_mknod, pick_path(0), major, r.next() & 0xffff);
    return;
  }
  case SYS_unlink:
    call(SYS_unlink, pick_path(0));
    return;
  case SYS_link:
    call(SYS_link, pick_path(0), pick_path(1));
    return;
  case SYS_mkdir:
    call(SYS_mkdir, pick_path(0));
    return;
  case SYS_close: {
    uint64 fd = pick_fd();
    long ret = static_cast<long>(call(SYS_close, fd));
    int f = static_cast<int>(fd);
    bool open_here = f >= 0 && f < NOFILE && S.kind[f] != FdKind::None;
    if ((ret == 0) != open_here)
      anomaly("close disagrees with the fds this process has open", fd);
    if (ret == 0 && open_here)
      S.kind[f] = FdKind::None;
    return;
  }
  case SYS_pgpte:
    call(SYS_pgpte, pick_addr(Use::In));
    return;
  case SYS_kpgtbl:
    call(SYS_kpgtbl);
    return;
  case SYS_memstat: {
    uint64 w = r.below(10);
    uint64 pid;
    if (w < 4)
      pid = 0;
    else if (w < 6)
      pid = static_cast<uint64>(S.pid);
    else if (w < 7 && S.ngkids > 0)
      pid = static_cast<uint64>(S.gkid_pid[0]);
    else if (w < 8)
      pid = 1;
    else
      pid = r.chance(1, 2) ? static_cast<uint64>(-1L) : r.below(200);
    call(SYS_memstat, pid, pick_addr(Use::OutSmall));
    return;
  }
  case kTouch:
    if (r.chance(1, 60))
      bad_touch();
    else
      good_touch();
    return;
  default:
    call(SYS_getpid);
    return;
  }
}

// ---- hoarding: many processes holding many resources at once -----------------------------------

// Where hoarders hold their resources: kHoardDirs directories and kHoardFiles one-block files,
// made by the parent at the start and shared by every slot. More inodes than NINODE.
constexpr const char* kHoardRoot = "/sfz/hoard";
constexpr int kHoardDirs = 8;
constexpr int kHoardFiles = 56;
constexpr int kFilesPerHoarder = 7;
constexpr int kChurnBlocks = 2 * NBUF; // hoard/churn: read before a release, it evicts the files
static_assert(kHoardDirs + kHoardFiles > NINODE);
static_assert(kHoardDirs * kFilesPerHoarder == kHoardFiles && kMaxHoarders <= kHoardFiles);

// out = kHoardRoot + "/" + kind + i; returns its length.
int hoard_path(char* out, const char* kind, int i) {
  return append_num(out, append(out, append(out, append(out, 0, kHoardRoot), "/"), kind),
                    static_cast<uint64>(i));
}

// A crowd's child has taken what it holds: says so on `ready` and closes it (so that the batch's
// read of `ready` ends once every child has either said so or died), then waits until the batch
// closes `release` (or dies).
void hold(int ready, int release) {
  char c = 'h';
  write(ready, &c, 1);
  close(ready);
  read(release, &c, 1);
}

// A hoarder: closes what it inherited, takes directory k % kHoardDirs as its cwd, opens files k,
// k + kHoardDirs, ... (so 8 hoarders hold every file, and no two start with the same one) and a
// pipe, says so on `ready`, and holds all of it until the batch closes `release`; then it reads a
// block of each file (mostly no longer cached) and exits.
// A result no call may return makes it exit with kStatusAnomaly.
[[noreturn]] void hoarder_main(int k, int ready, int release) {
  S.gkid = true;
  for (int fd = 0; fd < NOFILE; fd++) {
    if (fd != ready && fd != release)
      close(fd);
  }
  char path[48];
  hoard_path(path, "d", k % kHoardDirs);
  bool bad = false;
  int r = chdir(path); // fails while the inode table is full
  bad |= r != 0 && r != -1;
  int fds[kFilesPerHoarder];
  for (int j = 0; j < kFilesPerHoarder; j++) {
    hoard_path(path, "f", (k + j * kHoardDirs) % kHoardFiles);
    fds[j] = open(path, O_RDONLY);
    bad |= fds[j] < -1 || fds[j] >= NOFILE;
  }
  int p[2];
  r = pipe(p);
  bad |= r != 0 && r != -1;
  hold(ready, release);
  char* buf = scratch_str(1);
  for (int j = 0; j < kFilesPerHoarder; j++) {
    if (fds[j] < 0)
      continue;
    int n = read(fds[j], buf, BSIZE);
    bad |= n < -1 || n > BSIZE;
  }
  exit(bad ? kStatusAnomaly : 0);
}

// Makes the hoarders' directories and files; false if it cannot.
bool make_hoard() {
  char path[48];
  if (mkdir(kHoardRoot) < 0)
    return false;
  for (int i = 0; i < kHoardDirs; i++) {
    hoard_path(path, "d", i);
    if (mkdir(path) < 0)
      return false;
  }
  char block[BSIZE];
  memset(block, 'h', sizeof(block));
  for (int i = 0; i <= kHoardFiles; i++) {
    if (i < kHoardFiles)
      hoard_path(path, "f", i);
    else
      append(path, append(path, 0, kHoardRoot), "/churn");
    int fd = open(path, O_CREATE | O_WRONLY);
    bool ok = fd >= 0;
    for (int b = 0; ok && b < (i < kHoardFiles ? 1 : kChurnBlocks); b++)
      ok = write(fd, block, BSIZE) == BSIZE;
    if (fd >= 0)
      close(fd);
    if (!ok)
      return false;
  }
  return true;
}

// Opens hoard/churn (before the hoarders fill the inode table); -1 if it cannot.
int open_churn() {
  char path[48];
  append(path, append(path, 0, kHoardRoot), "/churn");
  int fd = open(path, O_RDONLY);
  if (fd >= 0)
    S.kind[fd] = FdKind::Protected;
  return fd;
}

// Reads all of hoard/churn through the buffer cache, so that the hoarders' blocks are no longer
// cached, and closes it.
void churn_cache(int fd) {
  if (fd < 0)
    return; // no fd or no inode was free: the burst may find its blocks cached
  while (read(fd, scratch_str(1), BSIZE) == BSIZE) {
  }
  close(fd);
  S.kind[fd] = FdKind::None;
}

// A stampeder: holds hoard file k (no two stampeders of a crowd share one) until released, then
// reads its block, so that the burst reads more uncached blocks at one moment than NBUF (only
// reads: writers would wait in begin_op, one transaction's worth at a time, and thin the burst).
// A result no call may return makes it exit with kStatusAnomaly.
[[noreturn]] void stampeder_main(int k, int ready, int release) {
  S.gkid = true;
  for (int fd = 0; fd < NOFILE; fd++) {
    if (fd != ready && fd != release)
      close(fd);
  }
  char path[48];
  hoard_path(path, "f", k % kHoardFiles);
  int fd = open(path, O_RDONLY);
  bool bad = fd < -1 || fd >= NOFILE;
  hold(ready, release);
  if (fd >= 0) {
    int n = read(fd, scratch_str(1), BSIZE);
    bad |= n < -1 || n > BSIZE;
  }
  exit(bad ? kStatusAnomaly : 0);
}

// A siege's sitter: holds a process slot, and nothing else, until released.
[[noreturn]] void sitter_main(int ready, int release) {
  S.gkid = true;
  for (int fd = 0; fd < NOFILE; fd++) {
    if (fd != ready && fd != release)
      close(fd);
  }
  hold(ready, release);
  exit(0);
}

// A siege's grabber: once `go` is closed, takes every page it can with eager sbrk, and keeps taking
// the pages that others free, for kSiegeTicks; then exits (so it ends even if its batch died).
[[noreturn]] void grabber_main(int go) {
  S.gkid = true;
  for (int fd = 0; fd < NOFILE; fd++) {
    if (fd != go)
      close(fd);
  }
  char c;
  read(go, &c, 1);
  const int deadline = uptime() + kSiegeTicks;
  int chunk = 1 << 20;
  while (uptime() < deadline) {
    if (sbrkeager(chunk) == SBRK_ERROR && chunk > static_cast<int>(kPage))
      chunk /= 2;
  }
  exit(0);
}

// The siege itself, with the process table full: waits until the grabbers have taken (nearly)
// every free page, then kills every pid below the fuzzer's: init's children, among them the shell
// that started it. init must then fail to fork a new shell and retry until the siege ends, never
// exit. Nothing the fuzzer runs is killed: a batch killed during a siege would orphan its crowd to
// init, which reaps no orphan while it retries its fork, so their process slots and memory would
// stay taken.
void besiege() {
  struct memstat ms;
  for (int t = 0; t < kSiegeTicks / 2; t++) {
    if (memstat(0, &ms) == 0 && ms.free_pages <= kSiegeFullPages)
      break;
    pause(1);
  }
  for (int pid = 2; pid < main_pid; pid++) {
    if (static_cast<long>(call(SYS_kill, static_cast<uint64>(pid))) == 0)
      S.c.shells++;
  }
}

// Forks a crowd and fuzzes on while it holds what it took, so that the calls made meanwhile meet
// full tables; then releases it together and reaps it. Three kinds:
//  - a hoard: 24 to kMaxHoarders hoarders, each with a cwd, files and a pipe (more than NINODE
//    inodes, with a few batches NFILE files and NPROC processes); released after their files are
//    pushed out of the buffer cache, into a burst of reads;
//  - a stampede: one stampeder per hoard file (as many as fork allows), each holding its own file;
//    released after the cache is churned, they read one uncached block each at the same moment,
//    more blocks than NBUF buffers;
//  - a siege: sitters until fork fails (the process table is full), then grabbers take all memory,
//    then besiege() kills init's children; released after kSiegeTicks. The calls of the other
//    batches meanwhile meet a full process table and no free memory.
void crowd() {
  enum class Kind { Hoard, Stampede, Siege };
  Rng& r = S.rng;
  uint64 w = stampedes_and_sieges ? r.below(5) : 0;
  const Kind kind = w < 2 ? Kind::Hoard : w < 4 ? Kind::Stampede : Kind::Siege;
  int ready[2], release[2], go[2];
  if (pipe(ready) != 0)
    return;
  if (pipe(release) != 0) {
    close(ready[0]);
    close(ready[1]);
    return;
  }
  go[0] = go[1] = -1;
  if (kind == Kind::Siege && pipe(go) != 0) {
    int opened[] = {ready[0], ready[1], release[0], release[1]};
    for (int fd : opened)
      close(fd);
    return;
  }
  int mine[] = {ready[0], ready[1], release[0], release[1], go[0], go[1]};
  for (int fd : mine) {
    if (fd >= 0)
      S.kind[fd] = FdKind::Protected;
  }
  int churn = kind == Kind::Siege ? -1 : open_churn();
  const int n = kind == Kind::Hoard      ? 24 + static_cast<int>(r.below(kMaxHoarders - 23))
                : kind == Kind::Stampede ? kHoardFiles
                                         : NPROC;
  const int first =
      kind == Kind::Stampede ? static_cast<int>(r.below(kHoardFiles)) : 0; // its first file
  S.nhoard = 0;
  int waiting = 0; // children that will report on `ready`
  for (int k = 0; k < n; k++) {
    int pid = forkcopy();
    if (pid == 0) {
      if (kind == Kind::Hoard)
        hoarder_main(k, ready[1], release[0]);
      if (kind == Kind::Stampede)
        stampeder_main(first + k, ready[1], release[0]);
      if (k < kGrabbers)
        grabber_main(go[0]);
      sitter_main(ready[1], release[0]);
    }
    if (pid < 0)
      break;
    S.hoard_pid[S.nhoard++] = pid;
    if (kind != Kind::Siege || k >= kGrabbers)
      waiting++;
  }
  int theirs[] = {ready[1], release[0], go[0]};
  for (int fd : theirs) {
    if (fd >= 0) {
      close(fd);
      S.kind[fd] = FdKind::None;
    }
  }
  uint32 forked = static_cast<uint32>(S.nhoard);
  if (kind == Kind::Hoard) {
    S.c.hoards++;
    S.c.hoarders += forked;
  } else if (kind == Kind::Stampede) {
    S.c.stampedes++;
    S.c.stampeders += forked;
  } else {
    S.c.sieges++;
  }
  char c;
  for (int i = 0; i < waiting; i++) {
    if (read(ready[0], &c, 1) != 1)
      break; // every child has reported or died
  }
  S.hoarding = true;
  int start = uptime();
  if (kind == Kind::Siege) {
    close(go[1]); // the grabbers start
    S.kind[go[1]] = FdKind::None;
    besiege();
  }
  // A siege's batch makes no fuzzed calls: with memory full, any of them might end it (see
  // besiege()).
  int steps = kind == Kind::Siege ? 0 : 8 + static_cast<int>(r.below(25));
  for (int i = 0; i < steps && S.cur_sz >= L.scratch + kScratchBytes; i++)
    step();
  while (kind == Kind::Siege && uptime() - start < kSiegeTicks)
    pause(2); // init retries its fork meanwhile
  S.hoarding = false;
  churn_cache(churn);
  close(ready[0]);
  close(release[1]);
  S.kind[ready[0]] = S.kind[release[1]] = FdKind::None;
  while (S.nhoard > 0) {
    int st = 0;
    int pid = wait(&st);
    if (pid < 0)
      break;
    gkid_forget(pid);
    if (st == kStatusAnomaly)
      anomaly("a crowd's child saw an impossible result", static_cast<uint64>(pid));
  }
}

// A child forked by a fuzzed fork(): a few calls that cannot block for long, then exit.
[[noreturn]] void gkid_main() {
  S.gkid = true;
  S.pid = getpid();
  S.ngkids = 0;
  S.nhoard = 0;
  int n = static_cast<int>(S.rng.below(9));
  for (int i = 0; i < n && S.cur_sz >= L.scratch + kScratchBytes; i++)
    step();
  exit(S.c.anomalies > 0 ? kStatusAnomaly : static_cast<int>(pick_exit_status()));
}

// ---- a batch child ----

// Runs `calls` fuzzed steps of batch `batch` in scratch slot `slot`, reporting to report_fd.
[[noreturn]] void run_batch(uint64 seed, int batch, int slot, int calls, int report_fd,
                            bool verbose, bool profile) {
  S.rng.s = splitmix64(seed + static_cast<uint64>(batch));
  S.gkid = false;
  S.verbose = verbose;
  S.profile = profile;
  S.batch = batch;
  S.slot = slot;
  S.pid = getpid();
  S.c = Counters{};
  S.ngkids = 0;
  S.report_every = calls / kPeriodicReports > 0 ? calls / kPeriodicReports : 1;
  S.reports = 0;
  for (int fd = 0; fd < NOFILE; fd++)
    S.kind[fd] = FdKind::None;
  // Keep only the report pipe and one console fd (for the trace, and for console writes that must
  // fail): nothing else is ours to touch.
  S.console_fd = dup(1);
  S.trace_fd = verbose || profile ? S.console_fd : -1;
  for (int fd = 0; fd < NOFILE; fd++) {
    if (fd != report_fd && fd != S.console_fd)
      close(fd);
  }
  S.report_fd = report_fd;
  S.kind[report_fd] = FdKind::Protected;
  if (S.console_fd >= 0)
    S.kind[S.console_fd] = FdKind::Protected;
  int n = append(S.dir, 0, kScratchRoot);
  n = append(S.dir, n, "/c");
  append_num(S.dir, n, static_cast<uint64>(slot));
  back_home();
  S.cur_sz = current_sz();
  report();

  for (int i = 0; i < calls; i++) {
    step();
    if (S.cur_sz < L.scratch + kScratchBytes) { // a fuzzed sbrk took the fuzzer's own memory
      report(Report::Last);
      exit(kStatusHeapLost);
    }
  }
  // Kill and reap what fuzzed forks left behind.
  for (int i = 0; i < S.ngkids; i++)
    kill(S.gkid_pid[i]);
  int st;
  while (wait(&st) > 0) {
    if (st == kStatusAnomaly)
      S.c.anomalies++;
  }
  report(Report::Last);
  if (S.profile) {
    for (int k = 0; k < 26; k++) {
      if (S.prof_count[k] == 0)
        continue;
      fprintf(S.trace_fd, "sysfuzz: batch %d profile: step %d: %u x, %lu us total, %lu us each\n",
              batch, k, S.prof_count[k], S.prof_time[k] / 10,
              S.prof_time[k] / 10 / S.prof_count[k]);
    }
  }
  exit(kStatusDone);
}

// ---- the parent ----

struct Slot {
  int pid; // 0: free
  int batch;
  int start; // uptime when started
  int report_rfd;
  bool hung;
  int launched; // batches started in this slot
};

struct Totals {
  uint64 calls, errors, gkids, touches, anomalies, hoards, hoarders, stampedes, stampeders, sieges,
      shells;
  int batches, done, killed, exited, execed, heap_lost, hung, no_report;
};

int parse_num(const char* s, uint64* out) {
  uint64 v = 0;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s += 2;
    if (*s == 0)
      return -1;
    for (; *s != 0; s++) {
      int d = *s >= '0' && *s <= '9'   ? *s - '0'
              : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
              : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
                                       : -1;
      if (d < 0)
        return -1;
      v = v * 16 + static_cast<uint64>(d);
    }
  } else {
    if (*s == 0)
      return -1;
    for (; *s != 0; s++) {
      if (*s < '0' || *s > '9')
        return -1;
      v = v * 10 + static_cast<uint64>(*s - '0');
    }
  }
  *out = v;
  return 0;
}

uint64 free_pages() {
  struct memstat ms;
  if (memstat(0, &ms) < 0)
    return 0;
  return ms.free_pages;
}

// Removes everything in directory path and (if remove_self) path itself. path has room for MAXPATH
// bytes + 16.
bool remove_tree(char* path, bool remove_self = true) {
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return unlink(path) == 0; // e.g. a device with a major number open refuses
  struct stat st;
  bool ok = fstat(fd, &st) == 0;
  if (ok && st.type == T_DIR) {
    struct dirent de;
    int len = static_cast<int>(strlen(path));
    while (read(fd, &de, sizeof(de)) == sizeof(de)) {
      if (de.inum == 0)
        continue;
      char name[DIRSIZ + 1];
      memmove(name, de.name, DIRSIZ);
      name[DIRSIZ] = 0;
      if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        continue;
      if (len + 1 + static_cast<int>(strlen(name)) >= MAXPATH) {
        ok = false;
        continue;
      }
      path[len] = '/';
      strcpy(path + len + 1, name);
      if (!remove_tree(path)) {
        printf("sysfuzz: cannot remove %s\n", path);
        ok = false;
      }
      path[len] = 0;
    }
  }
  close(fd);
  if (!remove_self)
    return ok;
  return unlink(path) == 0 && ok;
}

// Empties slot `slot`'s directory before a batch starts in it, every few batches, so that what the
// fuzzer creates cannot fill the disk's inodes. Children of earlier batches of the slot that are
// still running (orphans of a killed batch) have their cwd in the slot directory itself, which
// stays.
void reset_slot(int slot) {
  static char path[MAXPATH + 32];
  int n = append(path, 0, kScratchRoot);
  n = append(path, n, "/c");
  append_num(path, n, static_cast<uint64>(slot));
  remove_tree(path, /*remove_self=*/false);
}

// Starts batch `batch` in slot `s`; false if pipe or fork failed (try again later).
bool launch(Slot& s, int slot_index, int batch, uint64 seed, int calls, bool verbose,
            bool profile) {
  int fds[2];
  if (pipe(fds) < 0)
    return false;
  if (++s.launched % 4 == 0)
    reset_slot(slot_index);
  int pid = forkcopy();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    run_batch(seed, batch, slot_index, calls, fds[1], verbose, profile);
  }
  close(fds[1]);
  s.pid = pid;
  s.batch = batch;
  s.start = uptime();
  s.report_rfd = fds[0];
  s.hung = false;
  if (verbose)
    printf("sysfuzz: batch %d is pid %d\n", batch, pid);
  return true;
}

// Reads the last report a finished batch child `pid` left in its pipe into *out (false if there is
// none); *foreign counts reports another process wrote there (one of the batch's children: the
// batch's own reports might then not fit, and it would hang).
bool read_report(int fd, int pid, Counters* out, int* foreign) {
  static Counters buf[40];
  int n = read(fd, buf, sizeof(buf));
  int records = n > 0 ? n / static_cast<int>(sizeof(Counters)) : 0;
  bool found = false;
  *foreign = 0;
  for (int i = records - 1; i >= 0; i--) {
    if (buf[i].magic != kReportMagic)
      continue;
    if (buf[i].pid != static_cast<uint32>(pid)) {
      (*foreign)++;
    } else if (!found) {
      *out = buf[i];
      found = true;
    }
  }
  return found;
}

int usage() {
  fprintf(
      2,
      "usage: sysfuzz [-s SEED] [-n CALLS] [-p PROCS] [-c BATCH] [-b INDEX] [-v] [-P] [-K] [-X]\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "-E") == 0)
    exit(kStatusExeced); // the exec helper
  loadimage();           // its free-page balance must not count its own code loading on first touch

  uint64 seed = 0;
  bool have_seed = false;
  uint64 target = 100000, procs = 3, batch_calls = 1000, only_batch = 0;
  bool single = false, verbose = false, profile = false, keep = false;
  for (int i = 1; i < argc; i++) {
    uint64* dst = nullptr;
    if (strcmp(argv[i], "-X") == 0) {
      stampedes_and_sieges = true;
      continue;
    }
    if (strcmp(argv[i], "-K") == 0) {
      keep = true;
      continue;
    }
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "-P") == 0) {
      (argv[i][1] == 'v' ? verbose : profile) = true;
      continue;
    }
    if (strcmp(argv[i], "-s") == 0)
      dst = &seed, have_seed = true;
    else if (strcmp(argv[i], "-n") == 0)
      dst = &target;
    else if (strcmp(argv[i], "-p") == 0)
      dst = &procs;
    else if (strcmp(argv[i], "-c") == 0)
      dst = &batch_calls;
    else if (strcmp(argv[i], "-b") == 0)
      dst = &only_batch, single = true;
    else
      return usage();
    if (i + 1 >= argc || parse_num(argv[i + 1], dst) < 0)
      return usage();
    i++;
  }
  if (procs < 1 || procs > kMaxProcs || batch_calls < 1 || batch_calls > 100000)
    return usage();
  if (single)
    procs = 1;

  // The address space.
  uint64 sp;
  asm volatile("mv %0, sp" : "=r"(sp));
  L.stack_base = PGROUNDDOWN(sp) - (USERSTACK - 1) * kPage;
  L.guard = L.stack_base - kPage;
  L.data_end = reinterpret_cast<uint64>(end);
  L.text_fn = reinterpret_cast<uint64>(&splitmix64);
  L.rodata = reinterpret_cast<uint64>(kSpecialPaths[1]);
  L.bss = reinterpret_cast<uint64>(&S);
  uint64 guard_pte = pgpte(reinterpret_cast<void*>(L.guard));
  if (guard_pte != 0) {
    printf(
        "sysfuzz: FAILED pgpte shows the stack guard page at 0x%lx: pte 0x%lx (want 0: no PTE_U)\n",
        L.guard, guard_pte);
    return 1;
  }
  for (uint64 va = L.data_end; va < L.guard; va++)
    *reinterpret_cast<char*>(va) = 'A';
  char* scratch = sbrkeager(static_cast<int>(kScratchBytes));
  char* lazy = sbrklazy(static_cast<int>(kLazyBytes));
  if (scratch == SBRK_ERROR || lazy == SBRK_ERROR) {
    printf("sysfuzz: FAILED cannot set up its memory\n");
    return 1;
  }
  L.scratch = reinterpret_cast<uint64>(scratch);
  L.lazy = reinterpret_cast<uint64>(lazy);
  S.cur_sz = current_sz();

  if (!have_seed) {
    struct memstat ms;
    memstat(0, &ms);
    seed =
        splitmix64((static_cast<uint64>(uptime()) << 32) ^ ms.total_faults ^ (ms.free_pages << 16));
  }
  printf("sysfuzz: seed 0x%lx, PRNG xorshift64*, batch i seeded with splitmix64(seed + i)\n", seed);
  printf("sysfuzz: %lu procs, %lu calls per batch, target %lu calls%s\n", procs, batch_calls,
         single ? batch_calls : target, single ? " (one batch)" : "");
  printf("sysfuzz: replay a batch: sysfuzz -s 0x%lx -b INDEX -c %lu -v\n", seed, batch_calls);

  // Scratch tree: /sfz/c0 .. /sfz/c<procs-1>.
  static char path[MAXPATH + 32];
  strcpy(path, kScratchRoot);
  remove_tree(path); // left over from an earlier run
  if (mkdir(kScratchRoot) < 0) {
    printf("sysfuzz: FAILED cannot mkdir %s\n", kScratchRoot);
    return 1;
  }
  if (!make_hoard()) {
    printf("sysfuzz: FAILED cannot make %s\n", kHoardRoot);
    return 1;
  }
  for (uint64 i = 0; i < procs; i++) {
    int n = append(path, 0, kScratchRoot);
    n = append(path, n, "/c");
    append_num(path, n, i);
    if (mkdir(path) < 0) {
      printf("sysfuzz: FAILED cannot mkdir %s\n", path);
      return 1;
    }
  }

  main_pid = getpid();
  const uint64 free_before = free_pages();
  const int t0 = uptime();
  Slot slots[kMaxProcs] = {};
  Totals t{};
  int next_batch = single ? static_cast<int>(only_batch) : 0;
  int ticker = 0;
  uint64 progress_step = target / 10 > 0 ? target / 10 : 1;
  uint64 next_progress = progress_step;
  bool stop = false;
  int launch_failures = 0;
  int max_hung_ticks = 0;

  for (;;) {
    // Keep every slot busy until enough calls were made.
    int busy = 0;
    for (uint64 i = 0; i < procs; i++) {
      if (slots[i].pid == 0 && !stop) {
        if (launch(slots[i], static_cast<int>(i), next_batch, seed, static_cast<int>(batch_calls),
                   verbose, profile)) {
          next_batch++;
          t.batches++;
          if (single)
            stop = true;
        } else {
          launch_failures++;
        }
      }
      if (slots[i].pid != 0)
        busy++;
    }
    if (busy == 0) {
      if (stop)
        break;
      pause(2); // fork failed for every slot: memory or process slots are short; try again
      if (launch_failures > 1000) {
        printf("sysfuzz: FAILED cannot start batch children\n");
        return 1;
      }
      continue;
    }
    if (ticker == 0) {
      ticker = forkcopy();
      if (ticker == 0) {
        pause(kTickerTicks);
        exit(0);
      }
      if (ticker < 0)
        ticker = 0;
    }
    int status = 0;
    int pid = wait(&status);
    if (pid < 0) {
      printf("sysfuzz: FAILED wait returned -1 with %d children running\n", busy);
      return 1;
    }
    int now = uptime();
    if (pid == ticker) {
      ticker = 0;
      for (uint64 i = 0; i < procs; i++) {
        if (slots[i].pid != 0 && !slots[i].hung && now - slots[i].start > kWatchdogTicks) {
          printf("sysfuzz: batch %d (pid %d) still running after %d ticks: killing it (hung)\n",
                 slots[i].batch, slots[i].pid, now - slots[i].start);
          slots[i].hung = true;
          kill(slots[i].pid);
        }
      }
      continue;
    }
    uint64 i = 0;
    while (i < procs && slots[i].pid != pid)
      i++;
    if (i == procs) {
      printf("sysfuzz: FAILED wait returned pid %d, not a child of ours\n", pid);
      return 1;
    }
    Slot& s = slots[i];
    Counters c{};
    int foreign = 0;
    bool reported = read_report(s.report_rfd, pid, &c, &foreign);
    if (foreign > 0) {
      printf(
          "sysfuzz: batch %d (pid %d): ANOMALY %d reports in its pipe written by another process\n",
          s.batch, pid, foreign);
      t.anomalies += static_cast<uint64>(foreign);
    }
    if (reported) {
      t.calls += c.calls;
      t.errors += c.errors;
      t.gkids += c.gkids;
      t.touches += c.touches;
      t.anomalies += c.anomalies;
      t.hoards += c.hoards;
      t.hoarders += c.hoarders;
      t.stampedes += c.stampedes;
      t.stampeders += c.stampeders;
      t.sieges += c.sieges;
      t.shells += c.shells;
      if (c.anomalies > 0) {
        printf("sysfuzz: batch %d (pid %d): %u anomalies (replay with -b %d -v)\n", s.batch, pid,
               c.anomalies, s.batch);
      }
    } else {
      t.no_report++;
    }
    close(s.report_rfd);
    if (s.hung) {
      t.hung++;
      if (now - s.start > max_hung_ticks)
        max_hung_ticks = now - s.start;
    } else if (status == kStatusDone) {
      t.done++;
    } else if (status == kStatusKilled) {
      t.killed++;
    } else if (status == kStatusExeced) {
      t.execed++;
    } else if (status == kStatusHeapLost) {
      t.heap_lost++;
    } else {
      t.exited++;
    }
    s.pid = 0;
    if (!single && t.calls >= target)
      stop = true;
    if (!single && t.calls >= next_progress) {
      printf("sysfuzz: %lu calls, %d batches done, %d ticks\n", t.calls,
             t.done + t.killed + t.execed + t.exited + t.heap_lost + t.hung, now - t0);
      while (next_progress <= t.calls)
        next_progress += progress_step;
    }
  }
  if (ticker > 0) {
    kill(ticker);
    while (wait(nullptr) != ticker) {
    }
  }
  const int t1 = uptime();
  int ticks = t1 - t0 > 0 ? t1 - t0 : 1;

  // Let init reap orphans of killed batches (they make at most 8 short calls), then clean up.
  pause(5);
  strcpy(path, kScratchRoot);
  if (keep) {
    printf("sysfuzz: kept %s\n", kScratchRoot);
    return 0;
  }
  bool removed = remove_tree(path);
  struct stat st;
  bool gone = stat(kScratchRoot, &st) < 0;

  uint64 free_after = free_pages();
  for (int tries = 0; free_after != free_before && tries < 50; tries++) {
    pause(2);
    free_after = free_pages();
  }

  printf("sysfuzz: %lu calls (%lu returned -1) in %d batches of <= %lu, %lu memory touches, %lu "
         "children forked\n",
         t.calls, t.errors, t.batches, batch_calls, t.touches, t.gkids);
  printf("sysfuzz: %lu hoards held resources with %lu processes, %lu stampedes with %lu, %lu "
         "sieges killed %lu of "
         "init's children\n",
         t.hoards, t.hoarders, t.stampedes, t.stampeders, t.sieges, t.shells);
  printf("sysfuzz: batch children: %d ran to the end, %d killed, %d exited by a fuzzed exit, %d "
         "exec'd the helper, "
         "%d lost their heap, %d hung\n",
         t.done, t.killed, t.exited, t.execed, t.heap_lost, t.hung);
  printf("sysfuzz: %d ticks (%d.%d s), %lu calls/s\n", ticks, ticks / 10, ticks % 10,
         t.calls * 10 / ticks);
  printf("sysfuzz: free pages %lu before, %lu after\n", free_before, free_after);

  bool ok = true;
  if (free_after != free_before) {
    printf("sysfuzz: FAILED %ld pages lost\n",
           static_cast<long>(free_before) - static_cast<long>(free_after));
    ok = false;
  }
  if (t.hung > 0) {
    printf("sysfuzz: FAILED %d batches hung (longest %d ticks)\n", t.hung, max_hung_ticks);
    ok = false;
  }
  if (t.anomalies > 0) {
    printf("sysfuzz: FAILED %lu anomalies\n", t.anomalies);
    ok = false;
  }
  if (!removed || !gone) {
    printf("sysfuzz: FAILED could not remove %s\n", kScratchRoot);
    ok = false;
  }
  if (!single && t.calls < target) {
    printf("sysfuzz: FAILED only %lu of %lu calls made\n", t.calls, target);
    ok = false;
  }
  if (ok)
    printf("sysfuzz: OK\n");
  return ok ? 0 : 1;
}
