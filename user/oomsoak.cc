// oomsoak: rounds of running out of memory while other processes keep working.
//
//   oomsoak [-r ROUNDS] [-w ITERATIONS]
//
// Each round (default 100 rounds):
//   - two workers start; each repeats, at least ITERATIONS times (default 4) and until the round's
//     hog is gone: fill half of its 64 KiB buffer with a pseudo-random pattern and check it back,
//     write 2 KiB to its own file and read them back, fork a short child that checksums the buffer
//     and exits with the checksum (checked by the worker). Workers and their children are made
//     with forkcopy (xv6's copying fork) from the parent's pre-touched buffer, so they own every
//     page from the start and never take a page fault: under memory pressure their fork can fail,
//     and they retry after a tick (counted as retries). A copy-on-write fork would instead let a
//     child, or the worker itself, be killed at its first write after the fork for want of a page.
//     The hog is made with fork (copy-on-write).
//   - a hog grows, alternating sbrklazy(L) + touching every page and sbrkeager(E) (L and E vary by
//     round, so memory runs out in a lazy touch in some rounds and in an eager sbrk in others),
//     until an eager sbrk fails (which must leave its size and resident pages unchanged) or the
//     kernel kills it for want of a page. After an eager failure it exits (1 round in 3), or grows
//     256 MiB lazily and touches page after page until the kernel kills it. It reports the pages
//     it holds through a pipe, which the parent drains.
//   - the parent reaps all three and checks: the hog died as it should (killed, or exited after an
//     eager failure), both workers exited 0 having done at least ITERATIONS, and the free-page
//     count (memstat) is back to the value before the first round.
// One line per round: pages the hog reached and how it ended, worker iterations and retries, free
// pages, ticks. At the end: rounds, ticks, the hog's pages (min..max, average), totals, and the
// last line `oomsoak: OK` or `oomsoak: FAILED <why>`.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/memstat.h"
#include "kernel/riscv.h"
#include "user/user.h"
#include "user/strbuild.h"

namespace {

using strbuild::append;
using strbuild::append_num;

constexpr uint64 kPage = PGSIZE;
constexpr int kBufBytes = 64 * 1024;  // each worker's pre-touched buffer
constexpr int kFileBytes = 2048;      // what a worker writes and reads back per iteration
constexpr int kFinalLazy = 256 << 20; // hog: more than physical memory, touched until killed
constexpr int kReportEvery = 64;      // hog: pages between reports in the touching phase
constexpr const char* kDir = "/oomsoak.d";
constexpr const char* kDoneFlag = "/oomsoak.d/hogdone";

// Worker exit statuses.
constexpr int kWorkerOk = 0;
constexpr int kWorkerBadBuffer = 10;
constexpr int kWorkerBadFile = 11;
constexpr int kWorkerBadChild = 12;
constexpr int kWorkerForkStuck = 13;
// Hog exit statuses (besides -1, killed).
constexpr int kHogExited = 0;
constexpr int kHogNotKilled = 20;
constexpr int kHogEagerLeft = 21; // a failed eager sbrk left something behind
constexpr int kHogBadSbrk = 22;   // a lazy sbrk failed
// Flags in the hog's reports (page counts stay far below them).
constexpr uint32 kEagerFailedFlag = 1u << 30; // the eager sbrk failed at this page count
constexpr uint32 kPtFlag = 1u << 29;          // ... and left this many page-table pages behind

// The workers' buffer, touched by the parent before the first round so that every fork copies it.
char* g_buf;

// What a worker tells the parent at its end, through the worker pipe.
struct WorkerReport {
  int id;
  int iterations;
  int fork_retries;
  int file_retries;
};

// xorshift32 pattern generator for the buffers.
uint32 next_rand(uint32* s) {
  uint32 x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

uint32 checksum(const char* p, int n) {
  uint32 sum = 2166136261u; // FNV-1a
  for (int i = 0; i < n; i++)
    sum = (sum ^ static_cast<uint8>(p[i])) * 16777619u;
  return sum;
}

bool exists(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return false;
  close(fd);
  return true;
}

// One worker iteration's file check: write kFileBytes of the buffer to `name`, read it back and
// compare. Returns false on a mismatch; retries (counted) if the file cannot be opened.
bool file_roundtrip(const char* name, const char* data, char* back, int* retries) {
  int fd;
  while ((fd = open(name, O_CREATE | O_TRUNC | O_WRONLY)) < 0) {
    (*retries)++;
    if (*retries > 1000)
      return false;
    pause(1);
  }
  int w = write(fd, data, kFileBytes);
  close(fd);
  if (w != kFileBytes)
    return false;
  fd = open(name, O_RDONLY);
  if (fd < 0)
    return false;
  int r = read(fd, back, kFileBytes);
  close(fd);
  return r == kFileBytes && memcmp(back, data, kFileBytes) == 0;
}

// A worker: works until the hog is gone (and at least min_iterations), then reports and exits.
[[noreturn]] void worker(int id, int min_iterations, int report_fd) {
  char name[32];
  strcpy(name, kDir);
  int n = static_cast<int>(strlen(name));
  name[n++] = '/';
  name[n++] = 'w';
  name[n++] = static_cast<char>('0' + id);
  name[n] = 0;
  // The read-back area is the second half of the buffer; the pattern fills the first half.
  char* buf = g_buf;
  char* back = g_buf + kBufBytes / 2;
  constexpr int kPattern = kBufBytes / 2;
  WorkerReport rep = {id, 0, 0, 0};
  for (int it = 0;; it++) {
    if (it >= min_iterations && exists(kDoneFlag))
      break;
    // 1. memory: a fresh pattern, checked back.
    uint32 seed = static_cast<uint32>(id * 7919 + it * 104729 + 1);
    uint32 s = seed;
    for (int i = 0; i < kPattern; i += 4)
      *reinterpret_cast<uint32*>(buf + i) = next_rand(&s);
    s = seed;
    for (int i = 0; i < kPattern; i += 4) {
      if (*reinterpret_cast<uint32*>(buf + i) != next_rand(&s)) {
        printf("oomsoak: worker %d: buffer word %d changed under it (iteration %d)\n", id, i / 4,
               it);
        exit(kWorkerBadBuffer);
      }
    }
    uint32 sum = checksum(buf, kPattern);
    // 2. a small file, written and read back.
    if (!file_roundtrip(name, buf, back, &rep.file_retries)) {
      printf("oomsoak: worker %d: file %s did not read back what was written (iteration %d)\n", id,
             name, it);
      exit(kWorkerBadFile);
    }
    // 3. a short child that checksums its copy of the buffer.
    int pid;
    int tries = 0;
    while ((pid = forkcopy()) < 0) {
      rep.fork_retries++;
      if (++tries > 3000) {
        printf("oomsoak: worker %d: fork failed %d times in a row\n", id, tries);
        exit(kWorkerForkStuck);
      }
      pause(1);
    }
    if (pid == 0)
      exit(static_cast<int>(checksum(buf, kPattern) & 0x7f));
    int status = -1;
    if (wait(&status) != pid || status != static_cast<int>(sum & 0x7f)) {
      printf("oomsoak: worker %d: child exited %d, expected %d (iteration %d)\n", id, status,
             static_cast<int>(sum & 0x7f), it);
      exit(kWorkerBadChild);
    }
    rep.iterations = it + 1;
  }
  write(report_fd, &rep, sizeof(rep));
  exit(kWorkerOk);
}

// Sends the hog's page count to the parent.
void hog_report(int fd, uint32 pages) {
  write(fd, &pages, sizeof(pages));
}

// Touches every page of [p, p + bytes) (a lazy fault each), reporting every kReportEvery pages.
void hog_touch(char* p, uint64 bytes, uint32* pages, int report_fd) {
  for (uint64 off = 0; off < bytes; off += kPage) {
    p[off] = 1;
    if (++*pages % kReportEvery == 0)
      hog_report(report_fd, *pages);
  }
}

// The hog: alternately grows lazily and touches, and grows eagerly, until an eager sbrk fails
// (which must leave the size and the resident pages as they were); then, unless exit_on_fail,
// grows kFinalLazy lazily and touches it until the kernel kills it.
[[noreturn]] void hog(int report_fd, bool exit_on_fail, int lazy_step, int eager_step) {
  uint32 pages = 0;
  hog_report(report_fd, 0);
  for (;;) {
    char* p = sbrklazy(lazy_step);
    if (p == SBRK_ERROR)
      exit(kHogBadSbrk);
    hog_touch(p, static_cast<uint64>(lazy_step), &pages, report_fd);
    struct memstat before, after;
    memstat(0, &before);
    if (sbrkeager(eager_step) == SBRK_ERROR) {
      memstat(0, &after);
      if (after.sz != before.sz || after.resident != before.resident) {
        printf("oomsoak: hog: a failed sbrkeager(%d) left sz 0x%lx -> 0x%lx, resident %lu -> %lu "
               "pages\n",
               eager_step, before.sz, after.sz, before.resident, after.resident);
        exit(kHogEagerLeft);
      }
      if (after.ptpages != before.ptpages)
        hog_report(report_fd, kPtFlag | static_cast<uint32>(after.ptpages - before.ptpages));
      break;
    }
    pages += static_cast<uint32>(eager_step / kPage);
    hog_report(report_fd, pages);
  }
  hog_report(report_fd, kEagerFailedFlag | pages);
  if (exit_on_fail)
    exit(kHogExited);
  char* p = sbrklazy(kFinalLazy);
  if (p == SBRK_ERROR)
    exit(kHogBadSbrk);
  hog_touch(p, kFinalLazy, &pages, report_fd);
  exit(kHogNotKilled); // touched 256 MiB more in 128 MiB of RAM: the kernel should have said no
}

uint64 free_pages() {
  struct memstat ms;
  if (memstat(0, &ms) < 0)
    return 0;
  return ms.free_pages;
}

// Forks with forker (fork or forkcopy), retrying while memory or process slots are short. Returns
// the pid (0 in the child).
int fork_retry(int (*forker)()) {
  for (int i = 0; i < 3000; i++) {
    int pid = forker();
    if (pid >= 0)
      return pid;
    pause(1);
  }
  return -1;
}

int usage() {
  fprintf(2, "usage: oomsoak [-r ROUNDS] [-w ITERATIONS]\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  int rounds = 100;
  int min_iterations = 4;
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "-r") == 0) {
      rounds = atoi(argv[++i]);
    } else if (i + 1 < argc && strcmp(argv[i], "-w") == 0) {
      min_iterations = atoi(argv[++i]);
    } else {
      return usage();
    }
  }
  if (rounds < 1 || min_iterations < 1)
    return usage();

  g_buf = sbrkeager(kBufBytes);
  if (g_buf == SBRK_ERROR) {
    printf("oomsoak: FAILED cannot allocate its buffer\n");
    return 1;
  }
  unlink(kDoneFlag);
  mkdir(kDir);
  struct memstat ms;
  memstat(0, &ms);
  const uint64 free0 = free_pages();
  printf("oomsoak: %d rounds; %lu pages free of %lu; 2 workers (>= %d iterations each), 1 hog\n",
         rounds, free0, ms.total_pages, min_iterations);

  const int t_start = uptime();
  uint64 min_pages = ~0UL, max_pages = 0, sum_pages = 0;
  int killed_rounds = 0, exited_rounds = 0, total_iterations = 0, total_fork_retries = 0;
  int eager_failures = 0, pt_left_rounds = 0;
  int failures = 0;
  for (int round = 0; round < rounds; round++) {
    const int t0 = uptime();
    bool exit_on_fail = round % 3 == 2;
    // Step sizes vary by round so that memory runs out at different points: in a lazy touch (a
    // kill) or in an eager sbrk (which fails).
    const int lazy_step = (1 + round % 4) << 20;
    const int eager_step = (6 + (round * 5) % 17) << 20;
    unlink(kDoneFlag);

    int wfd[2];
    if (pipe(wfd) < 0) {
      printf("oomsoak: FAILED round %d: pipe\n", round);
      return 1;
    }
    int workers[2];
    for (int id = 0; id < 2; id++) {
      workers[id] = fork_retry(forkcopy);
      if (workers[id] == 0) {
        close(wfd[0]);
        worker(id, min_iterations, wfd[1]);
      }
      if (workers[id] < 0) {
        printf("oomsoak: FAILED round %d: cannot fork worker %d\n", round, id);
        return 1;
      }
    }
    close(wfd[1]);

    int hfd[2];
    if (pipe(hfd) < 0) {
      printf("oomsoak: FAILED round %d: pipe\n", round);
      return 1;
    }
    int hog_pid = fork_retry(fork);
    if (hog_pid == 0) {
      close(hfd[0]);
      close(wfd[0]);
      hog(hfd[1], exit_on_fail, lazy_step, eager_step);
    }
    if (hog_pid < 0) {
      printf("oomsoak: FAILED round %d: cannot fork the hog\n", round);
      return 1;
    }
    close(hfd[1]);

    // The hog's reports, until it is gone (its end of the pipe closes).
    uint32 pages = 0, got, eager_failed_at = 0, pt_left = 0;
    while (read(hfd[0], &got, sizeof(got)) == sizeof(got)) {
      if (got & kEagerFailedFlag)
        eager_failed_at = got & ~kEagerFailedFlag;
      else if (got & kPtFlag)
        pt_left = got & ~kPtFlag;
      else
        pages = got;
    }
    close(hfd[0]);
    // Reap all three; the workers stop once the flag file says the hog is gone.
    int hog_status = 0, worker_status[2] = {0, 0};
    bool ok = true;
    for (int left = 3; left > 0; left--) {
      int st = 0;
      int pid = wait(&st);
      if (pid == hog_pid) {
        hog_status = st;
        int fd = open(kDoneFlag, O_CREATE | O_WRONLY);
        if (fd < 0) {
          printf("oomsoak: FAILED round %d: cannot create %s\n", round, kDoneFlag);
          return 1;
        }
        close(fd);
      } else if (pid == workers[0] || pid == workers[1]) {
        worker_status[pid == workers[0] ? 0 : 1] = st;
      } else {
        printf("oomsoak: FAILED round %d: wait returned %d\n", round, pid);
        return 1;
      }
    }
    for (int id = 0; id < 2; id++) {
      int st = worker_status[id];
      if (st != kWorkerOk) {
        printf("oomsoak: round %d: worker %d failed with status %d%s\n", round, id, st,
               st == -1
                   ? " (killed: it never faults, so the kernel killed a process it should not have)"
                   : "");
        ok = false;
      }
    }
    int iterations[2] = {0, 0}, retries = 0;
    WorkerReport rep;
    while (read(wfd[0], &rep, sizeof(rep)) == sizeof(rep)) {
      if (rep.id == 0 || rep.id == 1)
        iterations[rep.id] = rep.iterations;
      retries += rep.fork_retries + rep.file_retries;
    }
    close(wfd[0]);
    for (int id = 0; id < 2; id++) {
      if (iterations[id] < min_iterations) {
        printf("oomsoak: round %d: worker %d did %d iterations, fewer than %d\n", round, id,
               iterations[id], min_iterations);
        ok = false;
      }
    }

    // How the hog ended.
    char how[64];
    int hn = 0;
    if (eager_failed_at != 0) {
      hn = append(how, hn, "sbrkeager failed at ");
      hn = append_num(how, hn, eager_failed_at);
      hn = append(how, hn, ", ");
    }
    if (hog_status == -1) {
      hn = append(how, hn, "killed");
      killed_rounds++;
    } else if (hog_status == kHogExited && exit_on_fail && eager_failed_at != 0) {
      hn = append(how, hn, "exited");
      exited_rounds++;
    } else {
      hn = append(how, hn,
                  hog_status == kHogNotKilled   ? "NOT KILLED"
                  : hog_status == kHogEagerLeft ? "failed eager sbrk left pages behind"
                                                : "bad exit status ");
      if (hog_status != kHogNotKilled && hog_status != kHogEagerLeft)
        append_num(how, hn, static_cast<uint64>(hog_status));
      ok = false;
    }
    if (eager_failed_at != 0)
      eager_failures++;
    if (pt_left != 0)
      pt_left_rounds++;

    uint64 free_now = free_pages();
    for (int tries = 0; free_now != free0 && tries < 20; tries++) {
      pause(1);
      free_now = free_pages();
    }
    if (free_now != free0)
      ok = false;
    const int ticks = uptime() - t0;
    printf("oomsoak: round %d: hog %u pages, %s; workers %d+%d iterations, %d retries; free %lu%s; "
           "%d ticks%s%s\n",
           round, pages, how, iterations[0], iterations[1], retries, free_now,
           free_now == free0 ? "" : " (LEAK)", ticks,
           pt_left != 0 ? " (the failed sbrkeager kept a page-table page)" : "",
           ok ? "" : "  <-- FAILED");
    if (!ok)
      failures++;
    if (pages < min_pages)
      min_pages = pages;
    if (pages > max_pages)
      max_pages = pages;
    sum_pages += pages;
    total_iterations += iterations[0] + iterations[1];
    total_fork_retries += retries;
  }
  const int ticks = uptime() - t_start;
  unlink(kDoneFlag);
  unlink("/oomsoak.d/w0");
  unlink("/oomsoak.d/w1");
  unlink(kDir);

  printf("oomsoak: %d rounds in %d ticks (%d.%d s): hog reached %lu..%lu pages (avg %lu, %lu MiB) "
         "of %lu free; "
         "killed %d, exited %d; sbrkeager failed in %d rounds\n",
         rounds, ticks, ticks / 10, ticks % 10, min_pages, max_pages, sum_pages / rounds,
         sum_pages / rounds / 256, free0, killed_rounds, exited_rounds, eager_failures);
  printf("oomsoak: workers: %d iterations, %d retries; free pages %lu before, %lu after\n",
         total_iterations, total_fork_retries, free0, free_pages());
  if (pt_left_rounds > 0) {
    printf("oomsoak: note: in %d rounds a failed sbrkeager kept a page-table page until exit\n",
           pt_left_rounds);
  }
  if (failures > 0) {
    printf("oomsoak: FAILED %d of %d rounds\n", failures, rounds);
    return 1;
  }
  printf("oomsoak: OK\n");
  return 0;
}
