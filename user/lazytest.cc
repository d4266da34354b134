// lazytest: lazy allocation, demonstrated and then checked.
//
//   lazytest         the 1 GiB demonstration, then every check
//   lazytest -q      every check, without the demonstration
//   lazytest NAME    one check (or "demo"); `lazytest -l` lists the names
//
// Each check runs in a forked child (as in usertests), prints its figures indented, and the parent
// prints one line `test NAME: OK` or `test NAME: FAILED`. The run ends with the free-page check
// (no page lost over the run) and exactly `ALL TESTS PASSED` or `SOME TESTS FAILED`.
//
// The checks name their allocation policy: sbrklazy() and sbrkeager(), never sbrk(n > 0), except
// the one check that reports which policy the kernel's default sbrk(n) follows. They pass whether
// the kernel was built lazy or eager by default.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/memstat.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"
#include "user/checks.h"

namespace {

constexpr uint64 kPage = PGSIZE;
constexpr uint64 kMiB = 1UL << 20;
constexpr uint64 kGiB = 1UL << 30;
constexpr uint64 k2MiB = 2 * kMiB;
constexpr int kIntMax = 2147483647;
constexpr int kIntMin = -2147483647 - 1;

// The sparse pattern of the demonstration and of `sparse`: one byte every kStride pages of 1 GiB.
constexpr uint64 kStride = 64;
constexpr uint64 kSparsePages = kGiB / kPage;             // 262144 pages declared
constexpr uint64 kSparseTouches = kSparsePages / kStride; // 4096 pages touched

// ---- small helpers -----------------------------------------------------------------------------

char* as_ptr(uint64 va) {
  return reinterpret_cast<char*>(va);
}
uint64 as_va(const void* p) {
  return reinterpret_cast<uint64>(p);
}
uint64 pte_of(uint64 va) {
  return pgpte(reinterpret_cast<void*>(va));
}
uint64 brk() {
  return as_va(sbrk(0));
}

// One byte access through volatile, so the compiler neither drops nor merges it.
void poke(uint64 va, char v) {
  *reinterpret_cast<volatile char*>(va) = v;
}
char peek(uint64 va) {
  return *reinterpret_cast<volatile char*>(va);
}

// The byte the sparse pattern stores in its i-th touched page: never 0.
char pattern(uint64 i) {
  return static_cast<char>(1 + i % 251);
}

// sbrk in pieces of at most 1 GiB (its argument is an int). Returns the old break, or 0 when a
// piece failed (the pieces before it stay).
uint64 grow(uint64 bytes, bool lazy) {
  uint64 start = brk();
  while (bytes > 0) {
    int n = static_cast<int>(bytes > kGiB ? kGiB : bytes);
    char* r = lazy ? sbrklazy(n) : sbrkeager(n);
    if (r == SBRK_ERROR)
      return 0;
    bytes -= static_cast<uint64>(n);
  }
  return start;
}

// Shrinks the break by `bytes`, in pieces of at most 1 GiB.
void shrink(uint64 bytes) {
  while (bytes > 0) {
    int n = static_cast<int>(bytes > kGiB ? kGiB : bytes);
    if (sbrklazy(-n) == SBRK_ERROR)
      die("sbrk shrink failed");
    bytes -= static_cast<uint64>(n);
  }
}

// Grows lazily so that the break is a multiple of `align`; returns the new break.
uint64 align_break(uint64 align) {
  uint64 b = brk();
  uint64 up = (b + align - 1) & ~(align - 1);
  if (up != b && grow(up - b, true) == 0)
    die("sbrklazy to align the break failed");
  return up;
}

// Runs fn(arg) in a new child, which exits 0 if fn returns; gives the child's wait() status.
int run_child(void (*fn)(uint64), uint64 arg) {
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  if (pid == 0) {
    fn(arg);
    exit(0);
  }
  int status = 0;
  if (wait(&status) != pid)
    die("wait failed");
  return status;
}

// Page-table pages that touching addresses va_i = base + i*step (i < count, increasing) adds, when
// the process's tables cover only addresses below `old_top`: one level-0 table for each 2 MiB
// region and one level-1 table for each 1 GiB region first used above old_top.
struct NewTables {
  uint64 l0;
  uint64 l1;
};
NewTables new_tables(uint64 old_top, uint64 base, uint64 step, uint64 count) {
  NewTables t = {0, 0};
  uint64 old_l0 = (old_top - 1) / k2MiB, old_l1 = (old_top - 1) / kGiB;
  uint64 last_l0 = old_l0, last_l1 = old_l1;
  for (uint64 i = 0; i < count; i++) {
    uint64 va = base + i * step;
    if (va / k2MiB > last_l0) {
      last_l0 = va / k2MiB;
      t.l0++;
    }
    if (va / kGiB > last_l1) {
      last_l1 = va / kGiB;
      t.l1++;
    }
  }
  return t;
}

// ---- the demonstration --------------------------------------------------------------------------

void print_stat(const char* label, const struct memstat& ms) {
  printf("  %s sz 0x%lx, resident %lu pages, ptpages %lu, faults %lu\n", label, ms.sz, ms.resident,
         ms.ptpages, ms.faults);
}

// The demonstration: 1 GiB declared, one byte every 64 pages touched, figures at every step.
void test_demo() {
  printf("  -- sbrklazy(1 GiB) only moves the declared size --\n");
  struct memstat m0 = self_stat();
  print_stat("before:", m0);
  uint64 base = as_va(sbrklazy(static_cast<int>(kGiB)));
  if (base == as_va(SBRK_ERROR))
    die("sbrklazy(1 GiB) failed");
  struct memstat m1 = self_stat();
  print_stat("after: ", m1);
  expect("sz grew by (bytes)", static_cast<long>(m1.sz - m0.sz), static_cast<long>(kGiB));
  expect("resident grew by (pages)", static_cast<long>(m1.resident - m0.resident), 0);

  printf("  -- touching one byte every %lu pages: each first touch faults one zeroed page in --\n",
         kStride);
  for (uint64 i = 0; i < kSparseTouches; i++) {
    uint64 va = base + i * kStride * kPage;
    uint64 before = pte_of(va);
    poke(va, pattern(i));
    if (i < 4) {
      struct memstat m = self_stat();
      printf("  touch page %lu (va 0x%lx): pte 0x%lx -> 0x%lx, resident %lu (+%lu), faults +%lu\n",
             i * kStride, va, before, pte_of(va), m.resident, m.resident - m1.resident,
             m.faults - m1.faults);
    } else if (i == 4) {
      printf("  ... %lu more touches ...\n", kSparseTouches - 4);
    }
  }
  struct memstat m2 = self_stat();
  NewTables t = new_tables(m0.sz, base, kStride * kPage, kSparseTouches);
  printf("  after %lu touches of a 1 GiB region (%lu pages declared):\n", kSparseTouches,
         kSparsePages);
  expect("resident pages gained", static_cast<long>(m2.resident - m1.resident),
         static_cast<long>(kSparseTouches));
  expect("faults taken", static_cast<long>(m2.faults - m1.faults),
         static_cast<long>(kSparseTouches));
  printf("  page-table pages: %lu new 2 MiB regions + %lu new 1 GiB regions\n", t.l0, t.l1);
  expect("page-table pages gained", static_cast<long>(m2.ptpages - m1.ptpages),
         static_cast<long>(t.l0 + t.l1));
  printf("  memory used: %lu KiB of data + %lu KiB of page tables, for 1048576 KiB declared\n",
         (m2.resident - m1.resident) * 4, (m2.ptpages - m1.ptpages) * 4);

  printf("  -- reading back: touched bytes as written, the rest of their pages 0 --\n");
  uint64 bad = 0;
  for (uint64 i = 0; i < kSparseTouches; i++) {
    uint64 va = base + i * kStride * kPage;
    if (peek(va) != pattern(i) || peek(va + 1) != 0 || peek(va + kPage - 1) != 0)
      bad++;
  }
  struct memstat m3 = self_stat();
  expect("pages with wrong contents", static_cast<long>(bad), 0);
  expect("resident pages gained by reading them", static_cast<long>(m3.resident - m2.resident), 0);

  printf("  -- reading untouched pages: they read as 0, the read maps the shared zero page --\n");
  constexpr uint64 kReads = 4;
  for (uint64 i = 0; i < kReads; i++) {
    uint64 va = base + (i * kStride + kStride / 2) * kPage;
    uint64 before = pte_of(va);
    char c = peek(va + 123);
    printf("  read va 0x%lx: %d, pte 0x%lx -> 0x%lx\n", va + 123, c, before, pte_of(va));
    if (c != 0)
      bad++;
  }
  struct memstat m4 = self_stat();
  expect("untouched pages not reading 0", static_cast<long>(bad), 0);
  expect("resident pages gained (one per untouched page read)",
         static_cast<long>(m4.resident - m3.resident), static_cast<long>(kReads));
  expect("zero-page mappings gained", static_cast<long>(m4.zero_mapped - m3.zero_mapped),
         static_cast<long>(kReads));
  expect("free pages used by the reads", static_cast<long>(m3.free_pages - m4.free_pages), 0);

  printf("  -- sbrk(-1 GiB) frees the touched pages at once --\n");
  shrink(kGiB);
  struct memstat m5 = self_stat();
  print_stat("after: ", m5);
  expect("resident back to the start (difference)", static_cast<long>(m5.resident - m0.resident),
         0);
  // Zero-page mappings are resident but hold no page of their own.
  expect("free pages gained", static_cast<long>(m5.free_pages - m4.free_pages),
         static_cast<long>(m4.resident - m5.resident - (m4.zero_mapped - m5.zero_mapped) +
                           m4.ptpages - m5.ptpages));
}

// ---- the checks --------------------------------------------------------------------------------

// 1 GiB, starting on a 1 GiB boundary, one byte every 64 pages: exact residency, page-table pages,
// faults; read back; untouched bytes read 0 and count.
void test_sparse() {
  uint64 top = brk();
  uint64 base = align_break(kGiB);
  if (grow(kGiB, true) != base)
    die("sbrklazy(1 GiB) failed");
  struct memstat m0 = self_stat();
  printf("  region 0x%lx..0x%lx (old break 0x%lx)\n", base, base + kGiB, top);
  for (uint64 i = 0; i < kSparseTouches; i++)
    poke(base + i * kStride * kPage, pattern(i));
  struct memstat m1 = self_stat();
  NewTables t = new_tables(top, base, kStride * kPage, kSparseTouches);
  expect("touched pages", static_cast<long>(kSparseTouches), 4096);
  expect("resident pages gained", static_cast<long>(m1.resident - m0.resident),
         static_cast<long>(kSparseTouches));
  expect("faults taken", static_cast<long>(m1.faults - m0.faults),
         static_cast<long>(kSparseTouches));
  printf("  new regions: %lu of 2 MiB, %lu of 1 GiB\n", t.l0, t.l1);
  expect("page-table pages gained", static_cast<long>(m1.ptpages - m0.ptpages),
         static_cast<long>(t.l0 + t.l1));
  expect("free pages used (data + page tables)", static_cast<long>(m0.free_pages - m1.free_pages),
         static_cast<long>(kSparseTouches + t.l0 + t.l1));

  uint64 bad = 0;
  for (uint64 i = 0; i < kSparseTouches; i++) {
    uint64 va = base + i * kStride * kPage;
    if (peek(va) != pattern(i) || peek(va + 2049) != 0 || pte_of(va) == 0)
      bad++;
  }
  struct memstat m2 = self_stat();
  expect("touched pages read back wrong", static_cast<long>(bad), 0);
  expect("resident pages gained by reading touched pages",
         static_cast<long>(m2.resident - m1.resident), 0);

  constexpr uint64 kReads = 16;
  for (uint64 i = 0; i < kReads; i++) {
    uint64 va = base + (i * 997 % kSparsePages) * kPage; // none a multiple of 64 pages but i = 0
    if (i > 0 && pte_of(va) != 0)
      bad++;
    if (peek(va + 7) != 0)
      bad++;
  }
  struct memstat m3 = self_stat();
  expect("untouched pages mapped early or not zero", static_cast<long>(bad), 0);
  expect("resident pages gained by reading 15 untouched pages",
         static_cast<long>(m3.resident - m2.resident), 15);
  expect("faults taken by reading 15 untouched pages", static_cast<long>(m3.faults - m2.faults),
         15);

  shrink(kGiB);
  struct memstat m4 = self_stat();
  expect("resident after sbrk(-1 GiB), minus before the touches",
         static_cast<long>(m4.resident - m0.resident), 0);
}

// Reading a 1 GiB lazy region end to end takes no data page: every page maps the shared zero page,
// and only page-table pages are used. Then a write to one page of every 64 gets a private zeroed
// page in place of the zero page (one page each, no more).
void test_zeroread() {
  uint64 top = brk();
  uint64 base = align_break(kGiB);
  if (grow(kGiB, true) != base)
    die("sbrklazy(1 GiB) failed");
  struct memstat m0 = self_stat();
  uint64 bad = 0;
  for (uint64 va = base; va < base + kGiB; va += kPage) {
    if (peek(va + (va / kPage) % kPage) != 0)
      bad++;
  }
  struct memstat m1 = self_stat();
  NewTables t = new_tables(top, base, kPage, kSparsePages);
  expect("pages read (1 GiB)", static_cast<long>(kSparsePages), 262144);
  expect("pages not reading 0", static_cast<long>(bad), 0);
  expect("zero-page faults", static_cast<long>(m1.faults_zero - m0.faults_zero),
         static_cast<long>(kSparsePages));
  expect("zero-page mappings gained", static_cast<long>(m1.zero_mapped - m0.zero_mapped),
         static_cast<long>(kSparsePages));
  expect("resident gained (mappings)", static_cast<long>(m1.resident - m0.resident),
         static_cast<long>(kSparsePages));
  expect("page-table pages gained", static_cast<long>(m1.ptpages - m0.ptpages),
         static_cast<long>(t.l0 + t.l1));
  expect("free pages used (page tables only)", static_cast<long>(m0.free_pages - m1.free_pages),
         static_cast<long>(t.l0 + t.l1));

  for (uint64 i = 0; i < kSparseTouches; i++)
    poke(base + i * kStride * kPage, pattern(i));
  struct memstat m2 = self_stat();
  expect("write faults on the zero page", static_cast<long>(m2.faults_cow - m1.faults_cow),
         static_cast<long>(kSparseTouches));
  expect("zero-page mappings left", static_cast<long>(m2.zero_mapped - m0.zero_mapped),
         static_cast<long>(kSparsePages - kSparseTouches));
  expect("free pages used by the writes", static_cast<long>(m1.free_pages - m2.free_pages),
         static_cast<long>(kSparseTouches));
  expect("resident change by the writes", static_cast<long>(m2.resident - m1.resident), 0);
  for (uint64 i = 0; i < kSparseTouches; i++) {
    uint64 va = base + i * kStride * kPage;
    if (peek(va) != pattern(i) || peek(va + 1) != 0 || peek(va + kPage) != 0)
      bad++;
  }
  expect("pages reading wrong after the writes", static_cast<long>(bad), 0);

  shrink(kGiB);
  struct memstat m3 = self_stat();
  expect("zero-page mappings after sbrk(-1 GiB), minus before",
         static_cast<long>(m3.zero_mapped - m0.zero_mapped), 0);
  expect("resident after sbrk(-1 GiB), minus before", static_cast<long>(m3.resident - m0.resident),
         0);
}

// A child shrinks a touched region, then touches it again: killed (wait status -1).
void test_shrinkkill() {
  int st = run_child(
      [](uint64) {
        uint64 base = align_break(kPage);
        if (grow(16 * kPage, true) != base)
          die("sbrklazy failed");
        for (uint64 i = 0; i < 16; i++)
          poke(base + i * kPage, 1);
        shrink(8 * kPage);
        if (pte_of(base + 8 * kPage) != 0)
          die("page above the new size still mapped");
        if (peek(base + 7 * kPage) != 1)
          die("page below the new size lost");
        printf("  child touches 0x%lx, 1 page above its size (expect a kill)\n", base + 8 * kPage);
        poke(base + 8 * kPage, 2);
        printf("  child survived the touch\n");
      },
      0);
  expect("wait status", st, -1);
}

// Out of memory during a fault kills the child; its pages all come back.
void test_oom() {
  struct memstat m0 = self_stat(); // before the pipe, whose page comes back when it is closed
  int fds[2];
  if (pipe(fds) < 0)
    die("pipe failed");
  uint64 pages = m0.free_pages + 1024;
  printf("  free pages %lu; child declares %lu pages lazily and touches them all\n", m0.free_pages,
         pages);
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  if (pid == 0) {
    close(fds[0]);
    uint64 base = align_break(kPage);
    if (grow(pages * kPage, true) != base)
      die("sbrklazy failed");
    for (uint64 i = 0; i < pages; i++) {
      poke(base + i * kPage, 1);
      if (i % 256 == 255) {
        int n = static_cast<int>(i + 1);
        write(fds[1], &n, sizeof(n));
      }
    }
    printf("  child touched every page and was not killed\n");
    exit(0);
  }
  close(fds[1]);
  int n = 0, last = 0;
  while (read(fds[0], &n, sizeof(n)) == sizeof(n))
    last = n;
  close(fds[0]);
  int st = 0;
  if (wait(&st) != pid)
    die("wait failed");
  printf("  child had touched at least %d pages when it was killed\n", last);
  expect("wait status", st, -1);
  struct memstat m1 = self_stat();
  expect("free pages after the child, minus before",
         static_cast<long>(m1.free_pages - m0.free_pages), 0);
}

// System calls given buffers, paths and argv in untouched lazy pages fault them in, both ways.
constexpr const char kMsg[] = "lazy pages go in and out of the kernel.";
constexpr const char kFile[] = "lazytmp";
char self_path[MAXPATH]; // this program's path, for the exec check

void test_lazyio() {
  uint64 b = align_break(kPage);
  if (grow(32 * kPage, true) != b)
    die("sbrklazy(32 pages) failed");
  auto pg = [b](uint64 i) { return b + i * kPage; };
  auto mapped = [](uint64 va) { return pte_of(va) != 0; };

  // open: path written at the end of page 0; its NUL is the first byte of untouched page 1.
  uint64 path = pg(1) - (sizeof(kFile) - 1);
  memmove(as_ptr(path), kFile, sizeof(kFile) - 1);
  expect_true("page 1 untouched before open", !mapped(pg(1)));
  int fd = open(as_ptr(path), O_CREATE | O_TRUNC | O_RDWR);
  if (fd < 0)
    die("open with the path's NUL in an untouched page failed");
  expect_true("open faulted in the page holding the path's NUL", mapped(pg(1)));

  // write: from a written page, then a whole untouched page (it writes zeros).
  memmove(as_ptr(pg(2)), kMsg, sizeof(kMsg));
  expect("write(msg)", write(fd, as_ptr(pg(2)), sizeof(kMsg)), sizeof(kMsg));
  expect("write(untouched page)", write(fd, as_ptr(pg(4)), kPage), kPage);
  expect_true("write faulted in its untouched source page", mapped(pg(4)));
  close(fd);

  // fstat into an untouched page.
  fd = open(as_ptr(path), O_RDONLY);
  if (fd < 0)
    die("reopen failed");
  auto* st = reinterpret_cast<struct stat*>(pg(8));
  expect("fstat(untouched page)", fstat(fd, st), 0);
  expect("  st.type", st->type, T_FILE);
  expect("  st.size", static_cast<long>(st->size), static_cast<long>(sizeof(kMsg) + kPage));

  // read: into two untouched pages (the buffer straddles pages 5 and 6), then zeros into page 7.
  uint64 dst = pg(6) - 16;
  expect("read(untouched pages 5|6)", read(fd, as_ptr(dst), sizeof(kMsg)), sizeof(kMsg));
  expect_true("read faulted in both pages", mapped(pg(5)) && mapped(pg(6)));
  expect("  contents differ from what was written", memcmp(as_ptr(dst), kMsg, sizeof(kMsg)) != 0,
         0);
  memset(as_ptr(pg(7)), 0xAA, kPage);
  expect("read(4096 bytes written from an untouched page)", read(fd, as_ptr(pg(7)), kPage), kPage);
  uint64 nonzero = 0;
  for (uint64 i = 0; i < kPage; i++)
    nonzero += peek(pg(7) + i) != 0;
  expect("  non-zero bytes among them", static_cast<long>(nonzero), 0);
  close(fd);
  if (unlink(kFile) < 0)
    die("unlink failed");

  // memstat into an untouched page.
  auto* ms = reinterpret_cast<struct memstat*>(pg(9));
  expect("memstat(untouched page)", memstat(0, ms), 0);
  expect("  ms.pid is our pid", ms->pid == getpid(), 1);

  // pipe: its int[2] in an untouched page; data out of a written page, into untouched ones.
  int* pfd = reinterpret_cast<int*>(pg(10));
  expect("pipe(untouched page)", pipe(pfd), 0);
  expect("write(pipe, msg)", write(pfd[1], as_ptr(pg(2)), sizeof(kMsg)), sizeof(kMsg));
  expect("read(pipe, untouched page)", read(pfd[0], as_ptr(pg(11)), sizeof(kMsg)), sizeof(kMsg));
  expect("  contents differ", memcmp(as_ptr(pg(11)), kMsg, sizeof(kMsg)) != 0, 0);
  expect("write(pipe, untouched page)", write(pfd[1], as_ptr(pg(12)), 100), 100);
  expect("read(pipe, 100 zeros)", read(pfd[0], as_ptr(pg(7)), 100), 100);
  expect("  contents differ", memcmp(as_ptr(pg(7)), as_ptr(pg(12)), 100) != 0, 0);
  close(pfd[0]);
  close(pfd[1]);

  // exec: strings written into untouched pages, each NUL or the argv's null pointer in a page
  // still untouched, so exec's copy must fault them in. The new image checks its arguments.
  int st2 = run_child(
      [](uint64 base) {
        auto p = [base](uint64 i) { return base + i * kPage; };
        uint64 exe = p(14) - 40;
        strcpy(as_ptr(exe), self_path);
        uint64 a1 = p(16) + 100, a2 = p(16) + 200, a3 = p(17) - 4;
        strcpy(as_ptr(a1), "-x");
        strcpy(as_ptr(a2), "hello");
        memmove(as_ptr(a3), "lazy", 4); // NUL in untouched page 17
        auto** argv = reinterpret_cast<char**>(p(15) - 4 * sizeof(char*)); // argv[4] in page 15
        argv[0] = as_ptr(exe);
        argv[1] = as_ptr(a1);
        argv[2] = as_ptr(a2);
        argv[3] = as_ptr(a3);
        if (pte_of(p(15)) != 0 || pte_of(p(17)) != 0)
          exit(4);
        exec(as_ptr(exe), argv);
        printf("  exec %s failed\n", self_path);
        exit(2);
      },
      b);
  expect("exec'ed image's exit status (0: arguments arrived intact)", st2, 0);
}

// Bad pointers (at or above sz, kernel and trap-frame addresses, past MAXVA) make system calls
// return -1, and the process lives.
void test_badptr() {
  uint64 b = align_break(kPage);
  if (grow(4 * kPage, true) != b)
    die("sbrklazy failed");
  int fd = open(kFile, O_CREATE | O_TRUNC | O_RDWR);
  if (fd < 0)
    die("open failed");
  memmove(as_ptr(b), kMsg, sizeof(kMsg));
  if (write(fd, as_ptr(b), sizeof(kMsg)) != sizeof(kMsg))
    die("write failed");
  close(fd);
  fd = open(kFile, O_RDWR);
  if (fd < 0)
    die("reopen failed");
  uint64 sz = brk();
  const uint64 bad[] = {sz,        sz + kPage, sz + kGiB, KERNBASE,
                        TRAPFRAME, TRAMPOLINE, MAXVA,     0xFFFFFFFFFFFFF000UL};
  int wrong = 0;
  for (uint64 va : bad) {
    char* p = as_ptr(va);
    // Should an exec wrongly succeed, the new image sees "-x" with the wrong argc and exits 3.
    char x[] = "-x";
    char* bad_arg[3] = {p, x, nullptr};
    char* good_argv[3] = {self_path, x, nullptr};
    constexpr int kCalls = 9;
    const char* names[kCalls] = {"read",    "write",      "open",          "pipe",      "fstat",
                                 "memstat", "exec(path)", "exec(argv[0])", "exec(argv)"};
    int r[kCalls] = {read(fd, p, 10),
                     write(fd, p, 10),
                     open(p, O_RDONLY),
                     pipe(reinterpret_cast<int*>(p)),
                     fstat(fd, reinterpret_cast<struct stat*>(p)),
                     memstat(0, reinterpret_cast<struct memstat*>(p)),
                     exec(p, good_argv),
                     exec(self_path, bad_arg),
                     exec(self_path, reinterpret_cast<char**>(p))};
    for (int i = 0; i < kCalls; i++) {
      if (r[i] != -1) {
        printf("  %s with pointer 0x%lx returned %d, expected -1\n", names[i], va, r[i]);
        wrong++;
      }
    }
  }
  printf("  read, write, open, pipe, fstat, memstat, exec (path, argv[0], argv) with %d bad "
         "pointers each\n",
         static_cast<int>(sizeof(bad) / sizeof(bad[0])));
  expect("calls not returning -1", wrong, 0);
  expect("file still intact: bytes read", read(fd, as_ptr(b + kPage), 100), sizeof(kMsg));
  close(fd);
  unlink(kFile);
  expect("sz unchanged", static_cast<long>(brk() - sz), 0);
}

// fork copies mapped pages only: data equal, untouched stays untouched, writes stay private.
void test_fork() {
  constexpr uint64 kPages = 64;
  uint64 b = align_break(kPage);
  if (grow(kPages * kPage, true) != b)
    die("sbrklazy failed");
  for (uint64 i = 0; i < kPages; i += 2)
    poke(b + i * kPage + i, static_cast<char>(i + 1));
  struct memstat mp = self_stat();
  printf("  parent: %lu heap pages, every other one touched; resident %lu, ptpages %lu\n", kPages,
         mp.resident, mp.ptpages);
  int fds[2];
  if (pipe(fds) < 0)
    die("pipe failed");
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  if (pid == 0) {
    close(fds[0]);
    struct memstat mc = self_stat();
    uint64 r[3] = {mc.resident, mc.ptpages, 0};
    for (uint64 i = 0; i < kPages; i++) {
      uint64 va = b + i * kPage;
      if (i % 2 == 0 ? peek(va + i) != static_cast<char>(i + 1) : pte_of(va) != 0)
        r[2]++;
    }
    write(fds[1], r, sizeof(r));
    for (uint64 i = 0; i < kPages; i++)
      poke(b + i * kPage + i, 'c');
    exit(0);
  }
  close(fds[1]);
  uint64 r[3] = {0, 0, 99};
  if (read(fds[0], r, sizeof(r)) != sizeof(r))
    die("no report from the child");
  close(fds[0]);
  int st = 0;
  if (wait(&st) != pid)
    die("wait failed");
  expect("child's resident at fork (want the parent's)", static_cast<long>(r[0]),
         static_cast<long>(mp.resident));
  expect("child's ptpages at fork (want the parent's)", static_cast<long>(r[1]),
         static_cast<long>(mp.ptpages));
  expect("child pages wrong (data differs, or an untouched page mapped)", static_cast<long>(r[2]),
         0);
  expect("child exit status", st, 0);
  uint64 bad = 0;
  for (uint64 i = 0; i < kPages; i++) {
    uint64 va = b + i * kPage;
    if (i % 2 == 0 ? peek(va + i) != static_cast<char>(i + 1) : pte_of(va) != 0)
      bad++;
  }
  expect("parent pages changed by the child's writes", static_cast<long>(bad), 0);
  expect("parent resident change", static_cast<long>(self_stat().resident - mp.resident), 0);
}

// Shrinking frees exactly the touched pages above the new size; regrown pages read 0.
void test_shrinkfree() {
  constexpr uint64 kPages = 1024; // 4 MiB: spans several 2 MiB regions
  uint64 b = align_break(kPage);
  if (grow(kPages * kPage, true) != b)
    die("sbrklazy failed");
  uint64 touched = 0, touched_low = 0;
  constexpr uint64 kKeep = 501; // pages [0, 501] stay after the first shrink
  for (uint64 i = 0; i < kPages; i += 3) {
    poke(b + i * kPage + 5, 'x');
    touched++;
    if (i <= kKeep)
      touched_low++;
  }
  struct memstat m0 = self_stat();
  printf("  %lu of %lu pages touched (every third)\n", touched, kPages);

  // Down to an unaligned size inside page 501 (touched): pages 502.. go, page 501 stays.
  uint64 newsz = b + kKeep * kPage + 100;
  if (sbrklazy(-static_cast<int>(b + kPages * kPage - newsz)) == SBRK_ERROR)
    die("shrink failed");
  struct memstat m1 = self_stat();
  expect("sz", static_cast<long>(m1.sz - b), static_cast<long>(newsz - b));
  expect("resident freed by the first shrink", static_cast<long>(m0.resident - m1.resident),
         static_cast<long>(touched - touched_low));
  expect("free pages gained (= resident + ptpages freed)",
         static_cast<long>(m1.free_pages - m0.free_pages),
         static_cast<long>(m0.resident - m1.resident + m0.ptpages - m1.ptpages));
  expect("page 501 (holding the new size) still there", peek(b + kKeep * kPage + 5), 'x');
  expect_true("page 504 unmapped", pte_of(b + 504 * kPage) == 0);

  // Down to where the region began.
  shrink(newsz - b);
  struct memstat m2 = self_stat();
  expect("resident freed by the second shrink", static_cast<long>(m1.resident - m2.resident),
         static_cast<long>(touched_low));
  expect("free pages gained (= resident + ptpages freed)",
         static_cast<long>(m2.free_pages - m1.free_pages),
         static_cast<long>(m1.resident - m2.resident + m1.ptpages - m2.ptpages));
  printf("  page-table pages freed by shrinking: %lu\n", m0.ptpages - m2.ptpages);

  // Grown again, the old pages come back as fresh zero pages.
  if (grow(kPages * kPage, true) != b)
    die("sbrklazy regrow failed");
  expect_true("regrown page 0 unmapped", pte_of(b) == 0);
  expect("regrown page 0 byte 5", peek(b + 5), 0);
  expect("regrown page 3 byte 5", peek(b + 3 * kPage + 5), 0);
  struct memstat m3 = self_stat();
  expect("resident pages gained by reading 2 regrown pages",
         static_cast<long>(m3.resident - m2.resident), 2);
}

// Faults the kernel must not fix: each kills its child (wait status -1).
uint64 guard_page; // found by the parent before forking

void test_badfault() {
  struct Case {
    const char* name;
    void (*fn)(uint64);
    uint64 arg;
  };
  uint64 sz = align_break(kPage);
  auto load = [](uint64 va) { (void)peek(va); };
  auto store = [](uint64 va) { poke(va, 1); };
  auto fetch = [](uint64 va) { reinterpret_cast<void (*)()>(va)(); };
  uint64 text = reinterpret_cast<uint64>(&test_badfault);
  const Case cases[] = {
      {"read the stack guard page", load, guard_page},
      {"write the stack guard page", store, guard_page},
      {"read at sz", load, sz},
      {"write at sz", store, sz},
      {"write at sz + 1 GiB", store, sz + kGiB},
      {"jump to sz + 16 pages", fetch, sz + 16 * kPage},
      {"read KERNBASE", load, KERNBASE},
      {"write KERNBASE", store, KERNBASE},
      {"read TRAPFRAME", load, TRAPFRAME},
      {"write TRAPFRAME", store, TRAPFRAME},
      {"read TRAMPOLINE", load, TRAMPOLINE},
      {"read MAXVA", load, MAXVA},
      {"write MAXVA + 1 GiB", store, MAXVA + kGiB},
      {"read 0xfffffffffffff000", load, 0xFFFFFFFFFFFFF000UL},
      {"write our own text", store, text},
  };
  uint64 gpte = pte_of(guard_page);
  printf("  guard page 0x%lx pte 0x%lx (want 0: pgpte hides pages without PTE_U)\n", guard_page,
         gpte);
  expect_true("guard page not a user page", gpte == 0);
  for (const Case& c : cases) {
    int st = run_child(c.fn, c.arg);
    if (st == -1) {
      printf("  %s (0x%lx): killed\n", c.name, c.arg);
    } else {
      printf("  %s (0x%lx): wait status %d, expected -1  <-- FAILED\n", c.name, c.arg, st);
      failures++;
    }
  }
  expect("sz of the parent unchanged", static_cast<long>(brk() - sz), 0);
}

// Lazy growth stops at the heap limit, TRAPFRAME (as xv6): SBRK_ERROR, sz unchanged; the top page
// reads as zero and can be written.
void test_limit() {
  uint64 s0 = brk();
  struct memstat m0 = self_stat();
  int gibs = 0;
  while (sbrklazy(static_cast<int>(kGiB)) != SBRK_ERROR) {
    if (++gibs > 300)
      die("grew past 300 GiB: no limit");
  }
  uint64 s1 = brk();
  printf("  %d lazy growths of 1 GiB succeeded, then SBRK_ERROR at sz 0x%lx\n", gibs, s1);
  for (int step = 1 << 29; step > 0; step >>= 1)
    (void)sbrklazy(step);
  uint64 lim = brk();
  printf("  heap limit (largest sz lazy sbrk reaches): 0x%lx = TRAPFRAME - 0x%lx\n", lim,
         TRAPFRAME - lim);
  expect("limit - TRAPFRAME", static_cast<long>(lim - TRAPFRAME), 0);
  expect("sbrklazy(1) at the limit fails", sbrklazy(1) == SBRK_ERROR, 1);
  expect("sbrk(1) at the limit fails", sbrk(1) == SBRK_ERROR, 1);
  expect("sbrklazy(INT_MAX) at the limit fails", sbrklazy(kIntMax) == SBRK_ERROR, 1);
  struct memstat m1 = self_stat();
  expect("sbrkeager(1 page) at the limit fails", sbrkeager(static_cast<int>(kPage)) == SBRK_ERROR,
         1);
  struct memstat m2 = self_stat();
  expect("sz change after the failures", static_cast<long>(m2.sz - lim), 0);
  expect("resident pages gained by the failed sbrks", static_cast<long>(m2.resident - m0.resident),
         0);
  expect("free pages used by the failed eager sbrk",
         static_cast<long>(m1.free_pages - m2.free_pages), 0);

  uint64 top = PGROUNDDOWN(lim - 1);
  expect("top page reads as zero", peek(top), 0);
  poke(top, 'T');
  struct memstat m3 = self_stat();
  expect("touch of the top page: resident pages gained",
         static_cast<long>(m3.resident - m2.resident), 1);
  expect("  byte read back", peek(top), 'T');
  printf("  touching the top page 0x%lx added %lu page-table pages\n", top,
         m3.ptpages - m2.ptpages);

  shrink(lim - s0);
  struct memstat m4 = self_stat();
  expect("sz back (difference)", static_cast<long>(m4.sz - s0), 0);
  expect("resident back (difference)", static_cast<long>(m4.resident - m0.resident), 0);
  expect_true("top page unmapped", pte_of(top) == 0);
}

// sbrk(0) and its relatives return the break and change nothing.
void test_sbrkzero() {
  uint64 a = brk();
  struct memstat m0 = self_stat();
  expect("sbrk(0) twice (difference)", static_cast<long>(brk() - a), 0);
  expect("sbrklazy(0) - sbrk(0)", static_cast<long>(as_va(sbrklazy(0)) - a), 0);
  expect("sbrkeager(0) - sbrk(0)", static_cast<long>(as_va(sbrkeager(0)) - a), 0);
  expect("sys_sbrk(0, LAZY) - sbrk(0)", static_cast<long>(as_va(sys_sbrk(0, SBRK_LAZY)) - a), 0);
  expect("sz (memstat) - sbrk(0)", static_cast<long>(m0.sz - a), 0);
  expect("sbrklazy(1) returns the old break (difference)",
         static_cast<long>(as_va(sbrklazy(1)) - a), 0);
  expect("sbrk(0) after sbrklazy(1) (difference)", static_cast<long>(brk() - a), 1);
  expect("sbrklazy(4096) returns old break (difference)",
         static_cast<long>(as_va(sbrklazy(static_cast<int>(kPage))) - a), 1);
  expect("sbrk(0) after (difference)", static_cast<long>(brk() - a), 1 + static_cast<long>(kPage));
  struct memstat m1 = self_stat();
  expect("resident pages gained", static_cast<long>(m1.resident - m0.resident), 0);
  expect("memstat sz - sbrk(0)", static_cast<long>(m1.sz - brk()), 0);
}

// Arguments that would take sz below 0 (ignored, as xv6) or past the limit (SBRK_ERROR) change
// nothing.
void test_overflow() {
  uint64 s = brk();
  struct memstat m0 = self_stat();
  printf("  sz 0x%lx\n", s);
  // A shrink below 0 changes nothing and returns the old break (as xv6).
  expect("sbrklazy(INT_MIN) - old break", static_cast<long>(as_va(sbrklazy(kIntMin)) - s), 0);
  expect("sbrkeager(INT_MIN) - old break", static_cast<long>(as_va(sbrkeager(kIntMin)) - s), 0);
  expect("sbrklazy(-(sz + 1)) - old break",
         static_cast<long>(as_va(sbrklazy(-static_cast<int>(s) - 1)) - s), 0);
  expect("sz change", static_cast<long>(brk() - s), 0);
  // 2 GiB eagerly is more than the machine has: it must fail and give back what it took.
  expect("sbrkeager(INT_MAX) fails", sbrkeager(kIntMax) == SBRK_ERROR, 1);
  struct memstat m1 = self_stat();
  expect("sz change", static_cast<long>(m1.sz - s), 0);
  expect("resident change", static_cast<long>(m1.resident - m0.resident), 0);
  // "Fails leaving nothing behind" (docs/design.md): no data page and no page-table page either.
  expect("free pages lost", static_cast<long>(m0.free_pages - m1.free_pages), 0);
  expect("page-table pages kept", static_cast<long>(m1.ptpages - m0.ptpages), 0);
  // 2 GiB lazily is fine, and goes back.
  expect("sbrklazy(INT_MAX) works", sbrklazy(kIntMax) != SBRK_ERROR, 1);
  expect("sz gained", static_cast<long>(brk() - s), kIntMax);
  expect("sbrklazy(-INT_MAX) works", sbrklazy(-kIntMax) != SBRK_ERROR, 1);
  struct memstat m2 = self_stat();
  expect("sz change", static_cast<long>(m2.sz - s), 0);
  expect("resident change", static_cast<long>(m2.resident - m0.resident), 0);
}

// Eager sbrk maps at once; lazy maps on touch.
void test_eagerlazy() {
  constexpr uint64 kPages = 8;
  uint64 b = align_break(kPage);
  struct memstat m0 = self_stat();
  if (as_va(sbrkeager(static_cast<int>(kPages * kPage))) != b)
    die("sbrkeager failed");
  struct memstat m1 = self_stat();
  expect("eager: resident pages gained", static_cast<long>(m1.resident - m0.resident), kPages);
  expect("eager: free pages used (data + new page tables)",
         static_cast<long>(m0.free_pages - m1.free_pages),
         static_cast<long>(kPages + m1.ptpages - m0.ptpages));
  uint64 ok = 0;
  for (uint64 i = 0; i < kPages; i++) {
    uint64 pte = pte_of(b + i * kPage);
    uint64 want = PTE_V | PTE_R | PTE_W | PTE_U;
    if ((pte & want) == want && peek(b + i * kPage + 9) == 0)
      ok++;
  }
  expect("eager: pages mapped V R W U and zeroed", static_cast<long>(ok), kPages);
  printf("  eager page 0 pte 0x%lx\n", pte_of(b));
  for (uint64 i = 0; i < kPages; i++)
    poke(b + i * kPage, 'e');
  expect("eager: faults taken by touching them", static_cast<long>(self_stat().faults - m1.faults),
         0);

  uint64 l = b + kPages * kPage;
  struct memstat m2 = self_stat();
  if (as_va(sbrklazy(static_cast<int>(kPages * kPage))) != l)
    die("sbrklazy failed");
  struct memstat m3 = self_stat();
  expect("lazy: resident pages gained", static_cast<long>(m3.resident - m2.resident), 0);
  expect("lazy: free pages used", static_cast<long>(m2.free_pages - m3.free_pages), 0);
  ok = 0;
  for (uint64 i = 0; i < kPages; i++)
    ok += pte_of(l + i * kPage) == 0;
  expect("lazy: pages with pgpte 0 before the touch", static_cast<long>(ok), kPages);
  for (uint64 i = 0; i < kPages; i++)
    poke(l + i * kPage, 'l');
  struct memstat m4 = self_stat();
  ok = 0;
  for (uint64 i = 0; i < kPages; i++)
    ok += pte_of(l + i * kPage) != 0;
  expect("lazy: pages with pgpte non-zero after", static_cast<long>(ok), kPages);
  printf("  lazy page 0 pte after the touch 0x%lx\n", pte_of(l));
  expect("lazy: resident pages gained by touching", static_cast<long>(m4.resident - m3.resident),
         kPages);
  expect("lazy: faults taken by touching", static_cast<long>(m4.faults - m3.faults), kPages);
}

// Which policy the kernel's default sbrk(n) follows; either is right, it must be one of them.
void test_default() {
  constexpr uint64 kPages = 4;
  uint64 b = align_break(kPage);
  struct memstat m0 = self_stat();
  if (as_va(sbrk(static_cast<int>(kPages * kPage))) != b)
    die("sbrk failed");
  struct memstat m1 = self_stat();
  uint64 mapped = 0;
  for (uint64 i = 0; i < kPages; i++)
    mapped += pte_of(b + i * kPage) != 0;
  long dr = static_cast<long>(m1.resident - m0.resident);
  if (dr == 0 && mapped == 0) {
    printf("  sbrk(n) default policy: lazy (resident +0, no page mapped after sbrk(4 pages))\n");
  } else if (dr == static_cast<long>(kPages) && mapped == kPages) {
    printf("  sbrk(n) default policy: eager (resident +4, 4 pages mapped after sbrk(4 pages))\n");
  } else {
    printf("  sbrk(n): resident +%ld, %lu pages mapped: neither lazy nor eager  <-- FAILED\n", dr,
           mapped);
    failures++;
  }
  for (uint64 i = 0; i < kPages; i++)
    expect_true("sbrk'd page reads 0", peek(b + i * kPage) == 0);
}

// ---- the runner ---------------------------------------------------------------------------------

constexpr Test kTests[] = {
    {"sparse", test_sparse},
    {"zeroread", test_zeroread},
    {"shrinkkill", test_shrinkkill},
    {"oom", test_oom},
    {"lazyio", test_lazyio},
    {"badptr", test_badptr},
    {"fork", test_fork},
    {"shrinkfree", test_shrinkfree},
    {"badfault", test_badfault},
    {"limit", test_limit},
    {"sbrkzero", test_sbrkzero},
    {"overflow", test_overflow},
    {"eagerlazy", test_eagerlazy},
    {"default", test_default},
};
constexpr Test kDemo = {"demo", test_demo};

// The stack guard: the first page below the stack pointer's page that pgpte does not show (it is
// mapped without PTE_U) above a user page (the data below it).
uint64 find_guard() {
  int here = 0;
  uint64 va = PGROUNDDOWN(as_va(&here));
  for (int i = 0; i < USERSTACK + 2 && va >= 2 * kPage; i++) {
    va -= kPage;
    if (pte_of(va) == 0 && (pte_of(va - kPage) & PTE_U) != 0)
      return va;
  }
  return PGROUNDDOWN(as_va(&here)) - USERSTACK * kPage; // not found: the check reports it
}

// `lazytest -x hello lazy`, run by the lazyio check through exec: are the arguments intact?
int exec_check(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "-x") == 0 && strcmp(argv[2], "hello") == 0 &&
      strcmp(argv[3], "lazy") == 0)
    return 0;
  printf("  exec'ed lazytest: wrong arguments (argc %d)\n", argc);
  return 3;
}

} // namespace

int main(int argc, char** argv) {
  loadimage(); // the resident and free-page checks count the heap, not lazytest's own code
  if (argc >= 2 && strcmp(argv[1], "-x") == 0)
    return exec_check(argc, argv);

  bool demo = true;
  const char* only = nullptr;
  if (argc >= 2 && strcmp(argv[1], "-q") == 0) {
    demo = false;
  } else if (argc >= 2 && strcmp(argv[1], "-l") == 0) {
    printf("%s\n", kDemo.name);
    for (const Test& t : kTests)
      printf("%s\n", t.name);
    return 0;
  } else if (argc >= 2) {
    only = argv[1];
    bool known = strcmp(only, kDemo.name) == 0;
    for (const Test& t : kTests)
      known = known || strcmp(only, t.name) == 0;
    if (!known) {
      printf("lazytest: no test named %s (lazytest -l lists them)\n", only);
      return 1;
    }
  }

  // exec needs a path that works from any directory.
  const char* name = argc >= 1 ? argv[0] : "lazytest";
  self_path[0] = 0;
  if (name[0] != '/')
    strcpy(self_path, "/");
  if (strlen(self_path) + strlen(name) < sizeof(self_path))
    memmove(self_path + strlen(self_path), name, strlen(name) + 1);
  guard_page = find_guard();

  struct memstat start = self_stat();
  printf("lazytest: %lu free pages of %lu\n", start.free_pages, start.total_pages);
  int failed = 0;
  if (only == nullptr ? demo : strcmp(only, kDemo.name) == 0)
    failed += !run_test(kDemo);
  for (const Test& t : kTests) {
    if (only == nullptr || strcmp(only, t.name) == 0)
      failed += !run_test(t);
  }
  // No page may be lost over the run.
  struct memstat end = self_stat();
  if (end.free_pages == start.free_pages) {
    printf("test freepages: OK\n");
  } else {
    printf("  free pages at the start %lu, at the end %lu\n", start.free_pages, end.free_pages);
    printf("test freepages: FAILED\n");
    failed++;
  }
  printf(failed == 0 ? "ALL TESTS PASSED\n" : "SOME TESTS FAILED\n");
  return failed == 0 ? 0 : 1;
}
