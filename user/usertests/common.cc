/* usertests: helpers shared by the test files (see usertests.h). */
#include "user/usertests/usertests.h"

namespace ut {

alignas(16) char buf[kBufSize];
alignas(16) char big[kBigSize];

void own_scratch() {
  for (int i = 0; i < kBufSize; i += PGSIZE)
    reinterpret_cast<volatile char*>(buf)[i] = buf[i];
  for (int i = 0; i < kBigSize; i += PGSIZE)
    reinterpret_cast<volatile char*>(big)[i] = big[i];
}

struct memstat mine(const char* s) {
  struct memstat ms;
  memset(&ms, 0, sizeof ms);
  CHECKF(memstat(0, &ms) == 0, "memstat(0) failed");
  return ms;
}

bool pages_back(const struct memstat& before, const struct memstat& after) {
  long kept_pt = static_cast<long>(after.ptpages) - static_cast<long>(before.ptpages);
  if (kept_pt < 0)
    kept_pt = 0;
  if (static_cast<long>(after.free_pages) + kept_pt >= static_cast<long>(before.free_pages))
    return true;
  printf("free pages %lu -> %lu, resident %lu -> %lu, page tables %lu -> %lu, faults lazy %lu -> "
         "%lu, zero %lu -> %lu, cow %lu -> %lu, file %lu -> %lu\n",
         before.free_pages, after.free_pages, before.resident, after.resident, before.ptpages,
         after.ptpages, before.faults_lazy, after.faults_lazy, before.faults_zero,
         after.faults_zero, before.faults_cow, after.faults_cow, before.faults_file,
         after.faults_file);
  return false;
}

int xfork(const char* s) {
  int pid = fork();
  CHECKF(pid >= 0, "fork failed");
  return pid;
}

int xwait(const char* s, int pid) {
  int status = 0;
  int got = wait(&status);
  CHECKF(got == pid, "wait returned %d, expected child %d", got, pid);
  return status;
}

bool exec_fails(const char* s, const char* path, const char* const* argv) {
  int pid = xfork(s);
  if (pid == 0) {
    exec(path, const_cast<char**>(argv));
    exit(kExecFailed);
  }
  return xwait(s, pid) == kExecFailed;
}

int run_capture(const char* s, const char* path, const char* const* argv, char* out, int max) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  int pid = xfork(s);
  if (pid == 0) {
    close(1);
    dup(fds[1]);
    close(fds[0]);
    close(fds[1]);
    exec(path, const_cast<char**>(argv));
    exit(kExecFailed);
  }
  close(fds[1]);
  int n = read_all(fds[0], out, max - 1);
  out[n] = 0;
  close(fds[0]);
  return xwait(s, pid);
}

uint64 stack_guard(const char* s) {
  uint64 va = PGROUNDDOWN(current_sp());
  for (int i = 0; i <= USERSTACK + 1; i++) {
    va -= PGSIZE;
    uint64 below = pgpte(reinterpret_cast<void*>(va - PGSIZE));
    if (pgpte(reinterpret_cast<void*>(va)) == 0 && (below & PTE_U))
      return va;
  }
  FAIL("no kernel-only page between the stack and the data (sp %lx)", current_sp());
}

char* align_break(const char* s) {
  uint64 brk = reinterpret_cast<uint64>(sbrk(0));
  if (brk % PGSIZE != 0)
    CHECK(sbrkeager(static_cast<int>(PGROUNDUP(brk) - brk)) != SBRK_ERROR);
  return sbrk(0);
}

char* fresh_end(const char* s) {
  char* start = align_break(s);
  CHECK(sbrkeager(PGSIZE) == start);
  memset(start, 'z', PGSIZE);
  return start + PGSIZE;
}

uint64 grow_until_failure(char* (*grow)(int), int step) {
  uint64 grown = 0;
  for (int i = 0; step >= PGSIZE && i < 100000; i++) {
    if (grow(step) == SBRK_ERROR)
      step /= 2;
    else
      grown += step;
  }
  return grown;
}

void shrink_by(const char* s, uint64 bytes) {
  while (bytes > 0) {
    int step = bytes > (1UL << 30) ? (1 << 30) : static_cast<int>(bytes);
    CHECKF(sbrk(-step) != SBRK_ERROR, "sbrk(-%d) failed", step);
    bytes -= step;
  }
}

static void text_marker() {}

AddrList bad_addrs(const char* s, Access access) {
  AddrList l;
  l.n = 0;
  uint64 brk = PGROUNDUP(reinterpret_cast<uint64>(sbrk(0)));
  uint64 guard = stack_guard(s);
  l.add(KERNBASE);                // kernel text
  l.add(KERNBASE + 0x123450);     // kernel data, somewhere
  l.add(PHYSTOP - 64);            // end of RAM
  l.add(brk);                     // first page above the break
  l.add(brk + 64 * PGSIZE);       // well above it
  l.add(TRAPFRAME - 64 * PGSIZE); // the hole below the trap frame
  l.add(TRAPFRAME);
  l.add(TRAPFRAME + 8);
  l.add(TRAMPOLINE);
  l.add(MAXVA - 8);
  l.add(MAXVA);
  l.add(MAXVA + PGSIZE);
  l.add(1UL << 40);
  l.add(0x8000000000000000UL);
  l.add(0xffffffc000000000UL); // canonical Sv39 "upper half"
  l.add(0xfffffffffffffff0UL); // start + length wraps around zero
  l.add(0xffffffffffffffffUL);
  l.add(guard);
  l.add(guard + 100);
  if (access == Access::KernelWrites) {
    l.add(0); // text: mapped, readable, not writable
    l.add(reinterpret_cast<uint64>(&text_marker));
  }
  return l;
}

int write_file(const char* name, const void* data, int n) {
  int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
  if (fd < 0)
    return -1;
  int r = write(fd, data, n);
  close(fd);
  return r;
}

int read_file(const char* name, void* out, int max) {
  int fd = open(name, O_RDONLY);
  if (fd < 0)
    return -1;
  int n = read_all(fd, static_cast<char*>(out), max);
  close(fd);
  return n;
}

int file_size(const char* name) {
  struct stat st;
  if (stat(name, &st) < 0)
    return -1;
  return static_cast<int>(st.size);
}

bool exists(const char* name) {
  struct stat st;
  return stat(name, &st) == 0;
}

int read_all(int fd, char* out, int max) {
  int total = 0;
  while (total < max) {
    int n = read(fd, out + total, max - total);
    if (n <= 0)
      break;
    total += n;
  }
  return total;
}

void name_num(char* out, const char* prefix, int n) {
  int len = static_cast<int>(strlen(prefix));
  memmove(out, prefix, len);
  char digits[12];
  int k = 0;
  do {
    digits[k++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0);
  while (k > 0)
    out[len++] = digits[--k];
  out[len] = 0;
}

int count_free_fds() {
  int fds[NOFILE];
  int n = 0;
  while (n < NOFILE) {
    int fd = dup(1);
    if (fd < 0)
      break;
    fds[n++] = fd;
  }
  for (int i = 0; i < n; i++)
    close(fds[i]);
  return n;
}

int make_orphan(const char* s) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  int pid = xfork(s);
  if (pid == 0) {
    int g = xfork(s);
    if (g == 0) {
      pause(3);
      exit(0);
    }
    write(fds[1], &g, sizeof g);
    exit(0);
  }
  int g = 0;
  CHECK(read(fds[0], &g, sizeof g) == sizeof g);
  close(fds[0]);
  close(fds[1]);
  CHECK(xwait(s, pid) == 0);
  return g;
}

bool wait_gone(int pid) {
  struct memstat ms;
  for (int i = 0; i < 100; i++) {
    // memstat fails once the process is gone; kill fails once its slot is freed.
    if (memstat(pid, &ms) != 0 && kill(pid) != 0)
      return true;
    pause(1);
  }
  return false;
}

} // namespace ut
