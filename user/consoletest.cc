// consoletest: the console's guarantees, checked from user space (tests/console drives it).
//
//   consoletest lines [WORKERS] [LINES]  WORKERS processes (default 16) each write LINES lines
//       (default 40) with one write() per line, all at once, while other processes make the kernel
//       print: their page table (kpgtbl) and kill messages (children that write to their own text).
//       Each line is "cw W I N " followed by N letters, letter k being 'a' + (W + I + k) % 26, so
//       the host can check that every console line came out whole.
//   consoletest killwrite  a child writes 2 MiB to the console; it is killed once the write has
//       started, and must exit long before such a write could finish.
//   consoletest badread  a read() into a bad buffer returns -1 and keeps the typed line for the
//       next read().
//
// Each mode ends with "consoletest MODE: OK" or "consoletest MODE: FAILED (...)".

#include "kernel/types.h"
#include "user/strbuild.h"
#include "user/user.h"

namespace {

constexpr int kMaxPayload = 200; // longer than the old 32-byte transmit ring and 64-byte copy chunk

// Length of worker w's line i payload: 10..209 letters.
int payload_len(int w, int i) {
  return 10 + (w * 31 + i * 17) % kMaxPayload;
}

// Worker w: waits until `go` closes, then writes `lines` lines, one write() each.
void worker(int go, int w, int lines) {
  char c;
  (void)read(go, &c, 1);
  for (int i = 0; i < lines; i++) {
    char line[kMaxPayload + 32]; // "cw W I N " + N letters + '\n' + NUL
    const int n = payload_len(w, i);
    int len = strbuild::append(line, 0, "cw ");
    len = strbuild::append(line, strbuild::append_num(line, len, w), " ");
    len = strbuild::append(line, strbuild::append_num(line, len, i), " ");
    len = strbuild::append(line, strbuild::append_num(line, len, n), " ");
    for (int k = 0; k < n; k++)
      line[len++] = static_cast<char>('a' + (w + i + k) % 26);
    line[len++] = '\n';
    if (write(1, line, len) != len)
      exit(1);
  }
  exit(0);
}

// Kernel printer: prints its page table `rounds` times, or has `rounds` children killed for writing
// to their own text (one kill message each).
void kernel_printer(int go, bool kills, int rounds) {
  char c;
  (void)read(go, &c, 1);
  for (int i = 0; i < rounds; i++) {
    if (!kills) {
      if (kpgtbl() != 0)
        exit(1);
      continue;
    }
    int pid = fork();
    if (pid < 0)
      exit(1);
    if (pid == 0) {
      *reinterpret_cast<volatile char*>(reinterpret_cast<uint64>(&worker)) = 0; // killed here
      exit(0);
    }
    int status = 0;
    if (wait(&status) != pid || status != -1)
      exit(1);
  }
  exit(0);
}

int lines_mode(int workers, int lines) {
  constexpr int kPrinters = 4; // two print page tables, two get children killed
  constexpr int kRounds = 10;
  int go[2];
  if (pipe(go) < 0) {
    printf("consoletest lines: FAILED (pipe)\n");
    return 1;
  }
  for (int n = 0; n < workers + kPrinters; n++) {
    int pid = fork();
    if (pid < 0) {
      printf("consoletest lines: FAILED (fork)\n");
      return 1;
    }
    if (pid == 0) {
      close(go[1]);
      if (n < workers)
        worker(go[0], n, lines);
      kernel_printer(go[0], n % 2 == 0, kRounds);
    }
  }
  close(go[0]);
  close(go[1]); // everyone starts now
  int failed = 0;
  for (int n = 0; n < workers + kPrinters; n++) {
    int status = 0;
    if (wait(&status) < 0 || status != 0)
      failed++;
  }
  if (failed != 0) {
    printf("consoletest lines: FAILED (%d processes failed)\n", failed);
    return 1;
  }
  printf("consoletest lines: OK\n");
  return 0;
}

int killwrite_mode() {
  constexpr int kBytes = 2 * 1024 * 1024;
  constexpr int kLine = 64;        // dots per line, newline included
  constexpr int kBoundTicks = 100; // a hang check: the whole write takes minutes at console speed
  char* buf = sbrk(kBytes);
  if (buf == SBRK_ERROR) {
    printf("consoletest killwrite: FAILED (sbrk)\n");
    return 1;
  }
  for (int i = 0; i < kBytes; i++)
    buf[i] = i % kLine == kLine - 1 ? '\n' : '.';
  int started[2];
  if (pipe(started) < 0) {
    printf("consoletest killwrite: FAILED (pipe)\n");
    return 1;
  }
  int pid = fork();
  if (pid < 0) {
    printf("consoletest killwrite: FAILED (fork)\n");
    return 1;
  }
  if (pid == 0) {
    (void)write(started[1], "s", 1);
    int n = write(1, buf, kBytes);
    exit(n == kBytes ? 0 : 2); // only reached if the kill came too late
  }
  char c;
  (void)read(started[0], &c, 1);
  pause(3); // well inside the write
  const int t0 = uptime();
  kill(pid);
  int status = 0;
  const int reaped = wait(&status);
  const int ticks = uptime() - t0;
  printf("consoletest killwrite: child exit status %d, %d ticks from kill to exit\n", status,
         ticks);
  if (reaped != pid || status != -1 || ticks >= kBoundTicks) {
    printf("consoletest killwrite: FAILED (want status -1 within %d ticks)\n", kBoundTicks);
    return 1;
  }
  printf("consoletest killwrite: OK\n");
  return 0;
}

int badread_mode() {
  char* const bad = sbrk(0) + 16 * 4096; // above the break: not the process's memory
  printf("consoletest badread: type a line\n");
  const int r1 = read(0, bad, 100);
  char buf[128];
  const int r2 = read(0, buf, sizeof(buf) - 1);
  if (r2 > 0)
    buf[r2] = 0;
  printf("consoletest badread: bad buffer %d, then %d bytes: %s", r1, r2, r2 > 0 ? buf : "\n");
  if (r1 != -1 || r2 <= 0 || buf[r2 - 1] != '\n') {
    printf("consoletest badread: FAILED (want -1, then the whole line)\n");
    return 1;
  }
  printf("consoletest badread: OK\n");
  return 0;
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc >= 2 && strcmp(argv[1], "lines") == 0) {
    return lines_mode(argc >= 3 ? atoi(argv[2]) : 16, argc >= 4 ? atoi(argv[3]) : 40);
  }
  if (argc == 2 && strcmp(argv[1], "killwrite") == 0)
    return killwrite_mode();
  if (argc == 2 && strcmp(argv[1], "badread") == 0)
    return badread_mode();
  fprintf(2, "usage: consoletest lines [WORKERS] [LINES] | killwrite | badread\n");
  return 1;
}
