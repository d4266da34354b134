/*
 * usertests: declarations shared by the test files (the driver is user/usertests.cc).
 *
 * A test is a function `void name(const char* s)` where `s` is its own name. The driver runs each
 * test in a forked child; the test fails by exiting non-zero, normally through FAIL or CHECK, which
 * print one line first. Tests must clean up every file they create so that a second run passes.
 * The user stack is a single page: keep large buffers out of local variables (use ut::buf).
 */
#ifndef LAZYV6_USER_USERTESTS_USERTESTS_H
#define LAZYV6_USER_USERTESTS_USERTESTS_H

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fs.h"
#include "kernel/memstat.h"
#include "user/user.h"

/* Report a failure of the running test (its name is `s`) and end it. */
#define FAIL(...)                                                                                  \
  do {                                                                                             \
    printf("%s: %s:%d: ", s, __FILE__, __LINE__);                                                  \
    printf(__VA_ARGS__);                                                                           \
    printf("\n");                                                                                  \
    exit(1);                                                                                       \
  } while (0)

/* Fail unless cond holds; CHECKF adds a formatted explanation. */
#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      FAIL("check failed: %s", #cond);                                                             \
  } while (0)
#define CHECKF(cond, ...)                                                                          \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      FAIL(__VA_ARGS__);                                                                           \
  } while (0)

namespace ut {

constexpr int kExecFailed = 77;                     // exit status of a child whose exec returned -1
constexpr int kBufSize = (MAXOPBLOCKS + 2) * BSIZE; // bigger than one log transaction
constexpr int kBigSize = 2 * PGSIZE + 64;
constexpr int kMiB = 1024 * 1024;

alignas(16) extern char buf[kBufSize]; // scratch for file and pipe data
alignas(16) extern char big[kBigSize]; // scratch for long strings and argument lists

// A value the optimizer cannot see through, so deliberate bad accesses stay in the code.
template <typename T> inline T opaque(T v) {
  asm volatile("" : "+r"(v));
  return v;
}

// One-byte load and store at an arbitrary user address.
inline char load(uint64 va) {
  return *reinterpret_cast<volatile char*>(opaque(va));
}
inline void store(uint64 va, char c = 1) {
  *reinterpret_cast<volatile char*>(opaque(va)) = c;
}

inline uint64 current_sp() {
  uint64 sp;
  asm volatile("mv %0, sp" : "=r"(sp));
  return sp;
}

// The caller's memstat; fails the test if the call fails.
struct memstat mine(const char* s);
// Makes the scratch buffers (buf, big) this process's own. Each test runs in a child of the
// driver, sharing them copy-on-write: the driver calls this first, so that a test's first write
// to them takes no page in the middle of its free-page balance (or fails with no page free).
void own_scratch();

// True if every free page the process had before is back, counting page-table pages the process
// still holds (a kernel may keep those after shrinking) as returned.
bool pages_back(const struct memstat& before, const struct memstat& after);

// fork() that fails the test instead of returning -1.
int xfork(const char* s);

// Waits for the child `pid` and returns its exit status; fails if wait returns anything else.
int xwait(const char* s, int pid);

// Forks; the child runs body() and exits 0. Returns the child's exit status (-1 if it was killed).
template <typename F> int run_child(const char* s, F body) {
  int pid = xfork(s);
  if (pid == 0) {
    body();
    exit(0);
  }
  return xwait(s, pid);
}

// True if body(), run in a child, gets that child killed.
template <typename F> bool killed(const char* s, F body) {
  return run_child(s, body) == -1;
}

// True if exec(path, argv), tried in a child, returns (-1) instead of running a program.
bool exec_fails(const char* s, const char* path, const char* const* argv);

// Runs path with argv in a child whose stdout is a pipe; collects up to max-1 bytes of output
// into out (NUL-terminated) and returns the child's exit status.
int run_capture(const char* s, const char* path, const char* const* argv, char* out, int max);

// The page below the user stack: mapped without PTE_U, so pgpte shows 0 for it, between the stack
// and the data, which are user pages.
uint64 stack_guard(const char* s);

// Makes the break page-aligned (eagerly filling the current page) and returns it.
char* align_break(const char* s);

// Grows the heap by a fresh, touched page and makes the break page-aligned; returns the break.
// [break - PGSIZE, break) is valid memory, [break, ...) is not.
char* fresh_end(const char* s);

// Grows the heap with `grow` (sbrklazy or sbrkeager) in steps of `step` bytes, halving the step
// on each failure down to a page; returns the bytes added. Lazy: reaches the heap limit at once;
// eager: stops when memory runs out.
uint64 grow_until_failure(char* (*grow)(int), int step);

// Shrinks the heap by `bytes`, in steps an int can express; fails the test if sbrk fails.
void shrink_by(const char* s, uint64 bytes);

// Addresses that no system call may read (KernelReads) or write (KernelWrites) for the caller.
enum class Access { KernelReads, KernelWrites };
struct AddrList {
  uint64 a[24];
  int n;
  void add(uint64 va) { a[n++] = va; }
};
AddrList bad_addrs(const char* s, Access access);

// File helpers. write_file creates or truncates; both return a byte count or -1.
int write_file(const char* name, const void* data, int n);
int read_file(const char* name, void* out, int max);
int file_size(const char* name); // -1 if name does not exist
bool exists(const char* name);

// Reads from fd until end of file or max bytes; returns the count.
int read_all(int fd, char* out, int max);

// out = prefix followed by the decimal digits of n (n >= 0).
void name_num(char* out, const char* prefix, int n);

// How many more file descriptors this process can get (probed with dup, then closed again).
int count_free_fds();

// Forks a child that forks a grandchild (which pauses 3 ticks and exits) and exits at once;
// returns the grandchild's pid, an orphan that only init can reap.
int make_orphan(const char* s);

// Waits (bounded, about 10 s) until process pid no longer exists; true if it went away.
bool wait_gone(int pid);

// Small deterministic pseudo-random generator.
struct Rng {
  uint64 state;
  uint32 next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<uint32>(state >> 11);
  }
};

} // namespace ut

// The tests, grouped by file. Quick tests run by default; slow ones are skipped by -q.
// mem.cc
void sbrkbasic(const char* s);
void sbrkbounds(const char* s);
void sbrktrapframe(const char* s);
void sbrktypes(const char* s);
void sbrkmuch(const char* s);
void sbrkshrink(const char* s);
void sbrkfork(const char* s);
void sbrkdropall(const char* s);
void lazyfault(const char* s);
void lazysyscall(const char* s);
void lazyshrink(const char* s);
void shrinkmigrate(const char* s);
void kernmem(const char* s);
void highmem(const char* s);
void kernaddr(const char* s);
void kernaddrsys(const char* s);
void textwrite(const char* s);
void stackguard(const char* s);
void execheap(const char* s);
void bsszero(const char* s);
void mallocfree(const char* s);
void mallocpolicy(const char* s);
// badptr.cc
void copyout(const char* s);
void copyin(const char* s);
void copyinstr(const char* s);
void badfd(const char* s);
void pathmax(const char* s);
void longnames(const char* s);
// exec.cc
void execbad(const char* s);
void execelf(const char* s);
void execargs(const char* s);
void leakloop(const char* s);
// lazyexec.cc
void execlazy(const char* s);
void execlocks(const char* s);
void exectrunc(const char* s);
void execeager(const char* s);
// proc.cc
void forkfull(const char* s);
void exitwait(const char* s);
void killstatus(const char* s);
void killself(const char* s);
void orphans(const char* s);
void sleeptime(const char* s);
// pipe.cc
void pipebasic(const char* s);
void pipebig(const char* s);
void pipeclose(const char* s);
void pipelimit(const char* s);
void nfile(const char* s);
// fs.cc
void createread(const char* s);
void rdwrmodes(const char* s);
void maxfile(const char* s);
void bigwrite(const char* s);
void unlinkopen(const char* s);
void links(const char* s);
void dirs(const char* s);
void dirread(const char* s);
void dupoffset(const char* s);
void devices(const char* s);
void iref(const char* s);
void cwdremoved(const char* s);
// fsconc.cc
void concreate(const char* s);
void fourfiles(const char* s);
void createdelete(const char* s);
void sharedfd(const char* s);
void truncrace(const char* s);
void linkunlink(const char* s);
void smallfiles(const char* s);
// slow.cc
void diskfull(const char* s);
void inodefull(const char* s);
void bigdir(const char* s);
void memexhaust(const char* s);
void lazyoom(const char* s);
void manyforks(const char* s);
void execoom(const char* s);
void hugefork(const char* s);
void writeeof(const char* s);
// robust.cc (nlinkmax runs only when named)
void itablefull(const char* s);
void bcachefull(const char* s);
void killinit(const char* s);
void initretry(const char* s);
void writepartial(const char* s);
void pgptekernel(const char* s);
void nlinkmax(const char* s);

#endif
