/* usertests: sbrk (eager and lazy), lazy page faults, and user accesses that must kill. */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

struct Policy {
  const char* name;
  char* (*grow)(int);
};
constexpr Policy kPolicies[] = {{"sbrk", sbrk}, {"sbrklazy", sbrklazy}, {"sbrkeager", sbrkeager}};
constexpr Policy kExplicit[] = {{"sbrklazy", sbrklazy}, {"sbrkeager", sbrkeager}};

bool all_zero(const char* p, int n) {
  for (int i = 0; i < n; i++)
    if (p[i] != 0)
      return false;
  return true;
}

// Recurses with a large frame until the one-page stack overflows into the guard page.
__attribute__((noinline)) int deep(int n) {
  volatile char frame[512];
  frame[n % 512] = static_cast<char>(n);
  if (n == 0)
    return 0;
  return deep(n - 1) + frame[n % 512];
}

} // namespace

// sbrk(0) is the break; every policy grows, shrinks and regrows, returning zeroed memory.
void sbrkbasic(const char* s) {
  char* b0 = align_break(s);
  for (const Policy& p : kPolicies) {
    CHECKF(mine(s).sz == reinterpret_cast<uint64>(b0), "%s: memstat sz != sbrk(0)", p.name);
    CHECK(p.grow(0) == b0);
    const int n = 3 * PGSIZE + 123;
    for (int round = 0; round < 2; round++) {
      char* a = p.grow(n);
      CHECKF(a == b0, "%s: returned %p, break was %p", p.name, a, b0);
      CHECK(sbrk(0) == b0 + n);
      CHECK(mine(s).sz == reinterpret_cast<uint64>(b0 + n));
      CHECKF(all_zero(a, n), "%s round %d: new memory not zeroed", p.name, round);
      memset(a, 0xab, n);
      CHECK(sbrk(-n) == b0 + n);
      CHECK(sbrk(0) == b0);
    }
    for (int i = 0; i < 100; i++) {
      char* q = p.grow(1);
      CHECKF(q == b0 + i, "%s: one-byte steps not contiguous", p.name);
      *q = static_cast<char>(i);
    }
    for (int i = 0; i < 100; i++)
      CHECK(b0[i] == static_cast<char>(i));
    CHECK(sbrk(-100) == b0 + 100);
  }
}

// Impossible growth fails with SBRK_ERROR and changes nothing; a shrink below 0 changes nothing
// and returns the old break (xv6's lazy_copy relies on it).
void sbrkbounds(const char* s) {
  char* b0 = align_break(s);
  struct memstat ms0 = mine(s);

  CHECKF(sbrkeager(0x7ffff000) == SBRK_ERROR, "eager 2 GiB (more than RAM) succeeded");
  CHECK(sbrk(0) == b0);
  struct memstat ms1 = mine(s);
  CHECKF(pages_back(ms0, ms1), "failed eager sbrk kept pages: free %lu -> %lu", ms0.free_pages,
         ms1.free_pages);
  CHECK(ms1.resident == ms0.resident);

  const int below_zero[] = {-static_cast<int>(reinterpret_cast<uint64>(b0) + 1),
                            -static_cast<int>(reinterpret_cast<uint64>(b0) + PGSIZE),
                            -2147483647 - 1};
  for (int n : below_zero) {
    for (const Policy& p : kPolicies) {
      char* r = p.grow(n);
      CHECKF(r == b0, "%s(%d) below 0 returned %p, want the old break %p", p.name, n, r, b0);
      CHECK(sbrk(0) == b0);
    }
  }
  CHECK(mine(s).resident == ms0.resident);
}

// As xv6's lazy_sbrk: lazy growth reaches exactly TRAPFRAME; the last page reads as zero and can be
// written; then sbrk(1) and sbrklazy(1) fail. Shrinking back leaves the trap frame working.
void sbrktrapframe(const char* s) {
  char* b0 = align_break(s);
  struct memstat ms0 = mine(s);
  for (uint64 brk = reinterpret_cast<uint64>(b0); brk < TRAPFRAME;) {
    uint64 step = TRAPFRAME - brk > (1UL << 30) ? (1UL << 30) : TRAPFRAME - brk;
    CHECKF(sbrklazy(static_cast<int>(step)) == reinterpret_cast<char*>(brk),
           "sbrklazy(%lu) at %lx failed", step, brk);
    brk += step;
  }
  CHECKF(reinterpret_cast<uint64>(sbrk(0)) == TRAPFRAME, "break %p, want TRAPFRAME", sbrk(0));
  struct memstat ms1 = mine(s);
  CHECKF(ms1.resident == ms0.resident, "lazy growth made pages resident: %lu -> %lu", ms0.resident,
         ms1.resident);

  constexpr uint64 kLast = TRAPFRAME - PGSIZE;
  CHECK(load(kLast) == 0 && load(TRAPFRAME - 1) == 0);
  store(kLast, 'L');
  store(TRAPFRAME - 1, 'T');
  CHECK(load(kLast) == 'L' && load(TRAPFRAME - 1) == 'T');
  struct memstat ms2 = mine(s);
  CHECK(ms2.resident == ms0.resident + 1);
  CHECKF(ms2.ptpages <= ms0.ptpages + 2, "one page at the top took %lu page-table pages",
         ms2.ptpages - ms0.ptpages);

  CHECK(sbrk(1) == SBRK_ERROR);
  CHECK(sbrklazy(1) == SBRK_ERROR);
  CHECK(sbrkeager(1) == SBRK_ERROR);
  CHECK(reinterpret_cast<uint64>(sbrk(0)) == TRAPFRAME);

  // fork copies only the touched pages; the child's writes stay its own.
  const uint64 parent_resident = ms2.resident;
  int st = run_child(s, [parent_resident, s] {
    CHECKF(mine(s).resident <= parent_resident + 2, "child has %lu resident pages, parent %lu",
           mine(s).resident, parent_resident);
    CHECK(load(kLast) == 'L' && load(kLast + 1) == 0);
    store(kLast, 'c');
  });
  CHECK(st == 0);
  CHECK(load(kLast) == 'L');

  // The trap frame shares the top page-table pages with the heap's last page: a shrink must free
  // the page but not them (every system call below goes through the trap frame).
  shrink_by(s, TRAPFRAME - reinterpret_cast<uint64>(b0));
  CHECK(sbrk(0) == b0);
  CHECK(getpid() > 0);
  struct memstat ms3 = mine(s);
  CHECK(ms3.resident == ms0.resident);
  CHECKF(pages_back(ms0, ms3), "free pages %lu before, %lu after", ms0.free_pages, ms3.free_pages);
  CHECK(killed(s, [] { load(kLast); }));
}

// sys_sbrk's type: SBRK_EAGER maps now, every other value is lazy (as xv6); plain sbrk(n) follows
// the kernel's default, which memstat reports.
void sbrktypes(const char* s) {
  const int lazy_types[] = {0, SBRK_LAZY, 3, -1, 1000};
  for (int type : lazy_types) {
    char* b0 = align_break(s);
    struct memstat before = mine(s);
    char* p = sys_sbrk(2 * PGSIZE, type);
    CHECKF(p == b0, "sys_sbrk(2 pages, %d) returned %p, want %p", type, p, b0);
    CHECKF(mine(s).resident == before.resident, "type %d was not lazy", type);
    CHECK(pgpte(p) == 0 && pgpte(p + PGSIZE) == 0);
    p[PGSIZE] = 1;
    CHECK(mine(s).resident == before.resident + 1);
    CHECK(sbrk(-2 * PGSIZE) == b0 + 2 * PGSIZE);
  }
  char* b0 = align_break(s);
  struct memstat before = mine(s);
  CHECK(sys_sbrk(2 * PGSIZE, SBRK_EAGER) == b0);
  CHECK(mine(s).resident == before.resident + 2);
  CHECK((pgpte(b0) & PTE_V) && (pgpte(b0 + PGSIZE) & PTE_V));
  CHECK(sbrk(-2 * PGSIZE) == b0 + 2 * PGSIZE);

  const uint64 want = before.sbrk_eager ? 2 : 0;
  CHECK(sbrk(2 * PGSIZE) == b0);
  CHECKF(mine(s).resident == before.resident + want, "sbrk(n) does not follow the default (%s)",
         before.sbrk_eager ? "eager" : "lazy");
  CHECK(sbrk(-2 * PGSIZE) == b0 + 2 * PGSIZE);
}

// Eager growth until memory runs out; freeing it all gives every page back.
void sbrkmuch(const char* s) {
  char* b0 = align_break(s);
  struct memstat ms0 = mine(s);
  uint64 grown = grow_until_failure(sbrkeager, kMiB);
  struct memstat ms1 = mine(s);
  CHECKF(ms1.free_pages < ms1.total_pages / 16, "eager growth stopped with %lu of %lu pages free",
         ms1.free_pages, ms1.total_pages);
  CHECK(ms1.resident >= ms0.resident + grown / PGSIZE);
  for (uint64 off = 0; off < grown; off += PGSIZE) {
    CHECKF(b0[off] == 0 && b0[off + PGSIZE - 1] == 0, "page at %p not zeroed", b0 + off);
    b0[off] = 1;
  }
  shrink_by(s, grown);
  CHECK(sbrk(0) == b0);
  struct memstat ms2 = mine(s);
  CHECKF(pages_back(ms0, ms2), "free pages %lu before, %lu after freeing", ms0.free_pages,
         ms2.free_pages);
  CHECK(ms2.resident == ms0.resident);
  CHECK(run_child(s, [] { exit(sbrkeager(kMiB) == SBRK_ERROR); }) == 0);
}

// Pages given back by a shrink are gone: syscalls refuse them and touching them kills.
void sbrkshrink(const char* s) {
  for (const Policy& p : kExplicit) {
    char* b0 = align_break(s);
    char* a = p.grow(2 * PGSIZE);
    CHECK(a == b0);
    a[0] = 1;
    a[PGSIZE] = 2;
    struct memstat before = mine(s);
    CHECK(sbrk(-PGSIZE) == a + 2 * PGSIZE);
    struct memstat after = mine(s);
    CHECKF(after.resident == before.resident - 1, "%s: shrink did not free the page", p.name);
    CHECK(pgpte(a + PGSIZE) == 0);
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECKF(read(fds[0], a + PGSIZE, 1) == -1, "%s: read into freed page succeeded", p.name);
    close(fds[0]);
    close(fds[1]);
    uint64 gone = reinterpret_cast<uint64>(a + PGSIZE);
    CHECKF(killed(s, [gone] { load(gone); }), "%s: load above the break did not kill", p.name);
    CHECKF(killed(s, [gone] { store(gone); }), "%s: store above the break did not kill", p.name);
    CHECK(a[0] == 1);
    CHECK(sbrk(-PGSIZE) == a + PGSIZE);
  }
}

// A page unmapped while its process runs on one hart is gone on every hart. An idle hart keeps the
// last process's page table in satp; when that process comes back after running on another hart,
// where it may have unmapped pages, the hart must drop its old TLB entries. A child waits for the
// disk again and again (reads cycling over more blocks than the buffer cache holds), so that the
// completion interrupt's hart runs it next, touching a heap page on each hart; then it gives the
// page back, waits for the disk on and on, and reads the page: that read must kill it.
void shrinkmigrate(const char* s) {
  constexpr int kBlocks = 2 * NBUF;
  const char* name = "shrinkmig";
  int fd = open(name, O_CREATE | O_RDWR);
  CHECK(fd >= 0);
  static char block[BSIZE];
  for (int i = 0; i < kBlocks; i++)
    CHECK(write(fd, block, BSIZE) == BSIZE);
  close(fd);
  for (int round = 0; round < 6; round++) {
    int st = run_child(s, [s, name] {
      int rfd = -1, left = 0;
      auto wait_for_disk = [&] { // the next block, never in the cache: the read sleeps
        if (left == 0) {
          close(rfd);
          rfd = open(name, O_RDONLY);
          left = kBlocks;
        }
        left--;
        CHECK(read(rfd, block, BSIZE) == BSIZE);
      };
      align_break(s);
      volatile char* page = sbrk(PGSIZE);
      CHECK(page != SBRK_ERROR);
      for (int i = 0; i < 40; i++) {
        page[0] = 1;
        wait_for_disk();
      }
      CHECK(sbrk(-PGSIZE) != SBRK_ERROR);
      for (int i = 0; i < 120; i++) {
        wait_for_disk();
        (void)page[0];
      }
    });
    CHECKF(st == -1, "round %d: read a page it had given back (exit status %d)", round, st);
  }
  CHECK(unlink(name) == 0);
}

// A big heap survives fork: same contents, private copies, and lazy pages stay lazy in the child.
void sbrkfork(const char* s) {
  constexpr int kLazy = 1 << 30;
  constexpr int kEager = 4 * kMiB;
  char* lazy = sbrklazy(kLazy);
  CHECK(lazy != SBRK_ERROR);
  for (int off = 0; off < kLazy; off += 64 * PGSIZE)
    lazy[off] = static_cast<char>(off >> 18);
  char* eager = sbrkeager(kEager);
  CHECK(eager != SBRK_ERROR);
  for (int off = 0; off < kEager; off += PGSIZE)
    eager[off] = static_cast<char>(off >> 12);
  uint64 parent_resident = mine(s).resident;

  int pid = xfork(s);
  if (pid == 0) {
    struct memstat ms = mine(s);
    CHECKF(ms.resident <= parent_resident + 2, "child has %lu resident pages, parent %lu",
           ms.resident, parent_resident);
    for (int off = 0; off < kLazy; off += 64 * PGSIZE) {
      CHECK(lazy[off] == static_cast<char>(off >> 18));
      CHECK(lazy[off + PGSIZE] == 0);
      lazy[off] = 'c';
    }
    for (int off = 0; off < kEager; off += PGSIZE) {
      CHECK(eager[off] == static_cast<char>(off >> 12));
      eager[off] = 'c';
    }
    exit(0);
  }
  CHECK(xwait(s, pid) == 0);
  for (int off = 0; off < kLazy; off += 64 * PGSIZE)
    CHECKF(lazy[off] == static_cast<char>(off >> 18), "child's write reached the parent");
  for (int off = 0; off < kEager; off += PGSIZE)
    CHECK(eager[off] == static_cast<char>(off >> 12));
  CHECK(sbrk(-kEager) != SBRK_ERROR);
  CHECK(sbrk(-kLazy) != SBRK_ERROR);
}

// As xv6: shrinking to exactly 0 (or to a few bytes) is allowed and frees text and stack too, so
// the process faults and is killed; the kernel survives.
void sbrkdropall(const char* s) {
  constexpr int kRefused = 3;
  int st = run_child(s, [] {
    uint64 top = reinterpret_cast<uint64>(sbrk(0));
    if (sbrk(-static_cast<int>(top)) == SBRK_ERROR)
      exit(kRefused);
    exit(1); // unreachable: the code that would run here is unmapped
  });
  CHECKF(st == -1, "dropping all memory: status %d, want killed (-1)", st);
  st = run_child(s, [] {
    uint64 top = reinterpret_cast<uint64>(sbrk(0));
    if (sbrk(-static_cast<int>(top - 2500)) == SBRK_ERROR)
      exit(kRefused);
    for (;;)
      deep(opaque(10)); // the stack page is gone
  });
  CHECKF(st == -1, "dropping all but 2500 bytes: status %d, want killed (-1)", st);
}

// Lazy pages cost nothing until touched; a touch maps one zeroed user page and counts a fault.
void lazyfault(const char* s) {
  char* b0 = align_break(s);
  struct memstat ms0 = mine(s);
  char* p = sbrklazy(16 * PGSIZE);
  CHECK(p == b0);
  struct memstat ms1 = mine(s);
  CHECK(ms1.resident == ms0.resident);
  CHECK(ms1.sz == ms0.sz + 16 * PGSIZE);
  for (int i = 0; i < 16; i++)
    CHECKF(pgpte(p + i * PGSIZE) == 0, "lazy page %d is mapped", i);

  CHECK(p[5 * PGSIZE] == 0);
  struct memstat ms2 = mine(s);
  CHECKF(ms2.resident == ms0.resident + 1, "resident %lu -> %lu after one load", ms0.resident,
         ms2.resident);
  CHECK(ms2.faults == ms1.faults + 1);
  CHECK(ms2.total_faults >= ms1.total_faults + 1);
  p[7 * PGSIZE + 100] = 42;
  struct memstat ms3 = mine(s);
  CHECK(ms3.resident == ms0.resident + 2);
  CHECK(ms3.faults == ms1.faults + 2);
  uint64 pte = pgpte(p + 7 * PGSIZE);
  constexpr uint64 kUserRW = PTE_V | PTE_R | PTE_W | PTE_U;
  CHECKF((pte & kUserRW) == kUserRW && !(pte & PTE_X), "lazy page pte %lx", pte);
  CHECK(p[7 * PGSIZE + 100] == 42);
  CHECK(all_zero(p + 7 * PGSIZE, 100));

  char* e = sbrkeager(PGSIZE);
  CHECK(pgpte(e) & PTE_V);
  CHECK(mine(s).faults == ms3.faults);

  // An untouched address at or above sz kills, even inside the page that holds sz.
  char* q = sbrklazy(100);
  uint64 above = reinterpret_cast<uint64>(q) + 200;
  CHECK(killed(s, [above] { load(above); }));
  CHECK(killed(s, [above] { store(above + PGSIZE); }));
  CHECK(sbrk(-(17 * PGSIZE + 100)) == q + 100);
}

// Syscall buffers in untouched lazy pages are faulted in by copyin, copyout and copyinstr.
void lazysyscall(const char* s) {
  for (int i = 0; i < 2 * PGSIZE; i++)
    big[i] = static_cast<char>(i * 7 + 3);
  CHECK(write_file("lazy.f", big, 2 * PGSIZE) == 2 * PGSIZE);
  char* b0 = align_break(s);
  char* p = sbrklazy(8 * PGSIZE);
  CHECK(p == b0);

  int fd = open("lazy.f", O_RDONLY);
  CHECK(fd >= 0);
  CHECKF(read(fd, p + PGSIZE - 100, 2 * PGSIZE) == 2 * PGSIZE, "read into lazy pages failed");
  CHECK(memcmp(p + PGSIZE - 100, big, 2 * PGSIZE) == 0);

  auto* st = reinterpret_cast<struct stat*>(p + 4 * PGSIZE - 8); // straddles two lazy pages
  CHECK(fstat(fd, st) == 0);
  CHECK(st->size == 2 * PGSIZE && st->type == T_FILE);
  close(fd);

  fd = open("lazy.g", O_CREATE | O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  CHECKF(write(fd, p + 5 * PGSIZE, PGSIZE) == PGSIZE, "write from a lazy page failed");
  close(fd);
  CHECK(read_file("lazy.g", buf, PGSIZE) == PGSIZE);
  CHECK(all_zero(buf, PGSIZE));

  auto* fds = reinterpret_cast<int*>(p + 6 * PGSIZE + 16);
  CHECK(pipe(fds) == 0);
  CHECK(write(fds[1], "lz", 2) == 2);
  CHECK(read(fds[0], buf, 2) == 2 && buf[0] == 'l');
  close(fds[0]);
  close(fds[1]);

  auto* ms = reinterpret_cast<struct memstat*>(p + 8 * PGSIZE - sizeof(struct memstat));
  CHECK(memstat(0, ms) == 0);
  CHECK(ms->pid == getpid());

  int* status = reinterpret_cast<int*>(sbrklazy(PGSIZE));
  int pid = xfork(s);
  if (pid == 0)
    exit(5);
  CHECK(wait(status) == pid);
  CHECK(*status == 5);

  // A name ending exactly at the end of a touched page; its NUL comes from an untouched page.
  char* names = sbrklazy(2 * PGSIZE);
  memmove(names + PGSIZE - 6, "lzname", 6);
  fd = open(names + PGSIZE - 6, O_CREATE | O_RDWR);
  CHECKF(fd >= 0, "open of a name whose NUL is in a lazy page failed");
  close(fd);
  CHECK(unlink("lzname") == 0);
  CHECK(unlink("lazy.f") == 0);
  CHECK(unlink("lazy.g") == 0);
}

// Shrinking a big, sparsely touched lazy region frees exactly the touched pages.
void lazyshrink(const char* s) {
  constexpr int kSize = 64 * kMiB;
  align_break(s);
  struct memstat ms0 = mine(s);
  char* p = sbrklazy(kSize);
  CHECK(p != SBRK_ERROR);
  for (int off = 0; off < kSize; off += 64 * PGSIZE)
    p[off] = 1;
  struct memstat ms1 = mine(s);
  CHECK(ms1.resident == ms0.resident + kSize / (64 * PGSIZE));
  CHECK(sbrk(-kSize) == p + kSize);
  struct memstat ms2 = mine(s);
  CHECK(ms2.resident == ms0.resident);
  CHECKF(pages_back(ms0, ms2), "free pages %lu before, %lu after", ms0.free_pages, ms2.free_pages);
  CHECK(pgpte(p) == 0);
}

// User loads and stores to kernel memory kill the process.
void kernmem(const char* s) {
  for (uint64 a = KERNBASE; a < KERNBASE + 2 * kMiB; a += 256 * 1024)
    CHECKF(killed(s, [a] { load(a); }), "load from %lx did not kill", a);
  CHECK(killed(s, [] { load(PHYSTOP - 1); }));
  CHECK(killed(s, [] { store(KERNBASE + PGSIZE); }));
  CHECK(killed(s, [] { load(UART0); }));
}

// Loads, stores and jumps to the trap frame, trampoline, MAXVA and beyond kill the process.
void highmem(const char* s) {
  constexpr uint64 kAddrs[] = {TRAPFRAME,
                               TRAPFRAME + 100,
                               TRAMPOLINE,
                               MAXVA - 1,
                               MAXVA,
                               MAXVA + PGSIZE,
                               MAXVA << 1,
                               0x8000000000000000UL,
                               0xffffffc000000000UL,
                               0xffffffffffffffffUL};
  for (uint64 a : kAddrs) {
    CHECKF(killed(s, [a] { load(a); }), "load from %lx did not kill", a);
    CHECKF(killed(s, [a] { store(a); }), "store to %lx did not kill", a);
  }
  CHECKF(killed(s, [] { reinterpret_cast<void (*)()>(opaque(TRAMPOLINE))(); }),
         "jump to the trampoline did not kill");
}

// Text is mapped user read-execute; storing into it kills.
void textwrite(const char* s) {
  uint64 pte = pgpte(nullptr);
  constexpr uint64 kUserRX = PTE_V | PTE_R | PTE_X | PTE_U;
  CHECKF((pte & kUserRX) == kUserRX && !(pte & PTE_W), "page 0 pte %lx: want user r-x", pte);
  CHECK(killed(s, [] { store(0); }));
  CHECK(killed(s, [] { store(reinterpret_cast<uint64>(&deep)); }));
}

// The page below the stack is a guard: touching it, or overflowing the stack, kills.
void stackguard(const char* s) {
  uint64 guard = stack_guard(s);
  CHECK(pgpte(reinterpret_cast<void*>(guard + PGSIZE)) & PTE_U);
  CHECK(killed(s, [guard] { load(guard); }));
  CHECK(killed(s, [guard] { store(guard + PGSIZE - 1); }));
  CHECK(killed(s, [] { deep(opaque(100000)); }));
}

// Heap pages are not executable: jumping into them kills.
void execheap(const char* s) {
  for (const Policy& p : kExplicit) {
    auto* code = reinterpret_cast<uint32*>(p.grow(PGSIZE));
    CHECK(code != reinterpret_cast<uint32*>(SBRK_ERROR));
    code[0] = 0x00008067; // ret
    asm volatile("fence.i" ::: "memory");
    CHECK(!(pgpte(code) & PTE_X));
    CHECKF(killed(s, [code] { reinterpret_cast<void (*)()>(opaque(code))(); }),
           "%s: executing the heap did not kill", p.name);
  }
}

namespace {
char bss_block[3 * PGSIZE + 11];
int data_word = 0x5eed1234;
} // namespace

// exec zeroes bss and loads initialized data.
void bsszero(const char* s) {
  CHECK(all_zero(opaque(bss_block), sizeof bss_block));
  CHECK(opaque(&data_word)[0] == 0x5eed1234);
  memset(bss_block, 1, sizeof bss_block);
  data_word = 1;
  CHECK(opaque(&data_word)[0] == 1);
}

// malloc hands out distinct writable blocks and reuses freed memory.
void mallocfree(const char* s) {
  char* blocks[64];
  char* start = sbrk(0);
  char* after_first = nullptr;
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 64; i++) {
      blocks[i] = static_cast<char*>(malloc(16 + i * 97));
      CHECK(blocks[i] != nullptr);
      memset(blocks[i], i, 16 + i * 97);
    }
    for (int i = 0; i < 64; i++)
      for (int j = 0; j < 16 + i * 97; j++)
        CHECKF(blocks[i][j] == i, "block %d overlaps", i);
    for (int i = 0; i < 64; i++)
      free(blocks[i]);
    if (round == 0)
      after_first = sbrk(0);
  }
  CHECKF(sbrk(0) - after_first <= after_first - start, "malloc does not reuse freed memory");
  char* m = static_cast<char*>(malloc(kMiB));
  CHECK(m != nullptr);
  memset(m, 7, kMiB);
  CHECK(m[kMiB - 1] == 7);
  free(m);
}

// malloc follows the default sbrk policy. Eager (as xv6's malloc): it takes memory as it grows and
// returns 0, without the process dying, when memory runs out. Lazy: a big block costs no memory
// until it is touched.
void mallocpolicy(const char* s) {
  struct memstat ms0 = mine(s);
  if (!ms0.sbrk_eager) {
    char* m = static_cast<char*>(malloc(64 * kMiB));
    CHECK(m != nullptr);
    struct memstat ms1 = mine(s);
    CHECKF(ms1.resident <= ms0.resident + 4, "lazy malloc(64 MiB) made %lu pages resident",
           ms1.resident - ms0.resident);
    m[0] = 1;
    m[64 * kMiB - 1] = 2;
    CHECK(m[kMiB] == 0);
    free(m);
    return;
  }
  int st = run_child(s, [s] {
    struct memstat before = mine(s);
    uint64 blocks = 0;
    while (malloc(kMiB) != nullptr) {
      blocks++;
      // (slack: the first blocks may come from free memory the heap already had)
      CHECKF(mine(s).resident + 2 * (kMiB / PGSIZE) >= before.resident + blocks * (kMiB / PGSIZE),
             "eager malloc: %lu MiB taken, resident %lu -> %lu", blocks, before.resident,
             mine(s).resident);
    }
    CHECKF(blocks >= 8, "eager malloc gave only %lu MiB", blocks);
    struct memstat after = mine(s);
    CHECKF(after.free_pages < after.total_pages / 8, "malloc returned 0 with %lu of %lu pages free",
           after.free_pages, after.total_pages);
  });
  CHECKF(st == 0, "eager malloc until 0: status %d", st);
}
