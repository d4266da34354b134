/* usertests: pipes and the file tables. */
#include "user/usertests/usertests.h"

using namespace ut;

// Bytes written by one process arrive in order at another, whatever the read sizes.
void pipebasic(const char* s) {
  constexpr int kChunk = 1033;
  constexpr int kChunks = 5;
  int fds[2];
  CHECK(pipe(fds) == 0);
  int pid = xfork(s);
  if (pid == 0) {
    close(fds[0]);
    int seq = 0;
    for (int n = 0; n < kChunks; n++) {
      for (int i = 0; i < kChunk; i++)
        buf[i] = static_cast<char>(seq++);
      CHECK(write(fds[1], buf, kChunk) == kChunk);
    }
    exit(0);
  }
  close(fds[1]);
  int total = 0, want = 1, n;
  while ((n = read(fds[0], buf, want)) > 0) {
    for (int i = 0; i < n; i++)
      CHECKF(buf[i] == static_cast<char>(total + i), "byte %d wrong", total + i);
    total += n;
    want = want * 2 > kBufSize ? kBufSize : want * 2;
  }
  CHECK(n == 0);
  CHECKF(total == kChunk * kChunks, "read %d of %d bytes", total, kChunk * kChunks);
  close(fds[0]);
  CHECK(xwait(s, pid) == 0);
}

// A megabyte in writes of random sizes arrives intact; several writers share one pipe.
void pipebig(const char* s) {
  constexpr int kTotal = kMiB;
  int fds[2];
  CHECK(pipe(fds) == 0);
  int pid = xfork(s);
  if (pid == 0) {
    close(fds[0]);
    Rng sizes{1}, data{2};
    for (int sent = 0; sent < kTotal;) {
      int n = 1 + static_cast<int>(sizes.next() % kBufSize);
      if (n > kTotal - sent)
        n = kTotal - sent;
      for (int i = 0; i < n; i++)
        buf[i] = static_cast<char>(data.next());
      CHECK(write(fds[1], buf, n) == n);
      sent += n;
    }
    exit(0);
  }
  close(fds[1]);
  Rng data{2}, sizes{3};
  int got = 0, n;
  while ((n = read(fds[0], buf, 1 + static_cast<int>(sizes.next() % kBufSize))) > 0) {
    for (int i = 0; i < n; i++)
      CHECKF(buf[i] == static_cast<char>(data.next()), "byte %d corrupted", got + i);
    got += n;
  }
  CHECK(got == kTotal);
  close(fds[0]);
  CHECK(xwait(s, pid) == 0);

  constexpr int kWriters = 4, kEach = 600 * 100;
  CHECK(pipe(fds) == 0);
  for (int w = 0; w < kWriters; w++) {
    if (xfork(s) == 0) {
      close(fds[0]);
      memset(buf, 'A' + w, 100);
      for (int sent = 0; sent < kEach; sent += 100)
        CHECK(write(fds[1], buf, 100) == 100);
      exit(0);
    }
  }
  close(fds[1]);
  int counts[kWriters] = {};
  while ((n = read(fds[0], buf, kBufSize)) > 0) {
    for (int i = 0; i < n; i++) {
      int w = buf[i] - 'A';
      CHECKF(w >= 0 && w < kWriters, "stray byte %d", buf[i]);
      counts[w]++;
    }
  }
  close(fds[0]);
  for (int w = 0; w < kWriters; w++) {
    CHECK(wait(nullptr) > 0);
    CHECKF(counts[w] == kEach, "writer %d: %d of %d bytes", w, counts[w], kEach);
  }
}

// Closing one end: readers see end of file after the data, writers get -1 (even blocked ones).
void pipeclose(const char* s) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  CHECK(write(fds[1], "abc", 3) == 3);
  CHECK(close(fds[1]) == 0);
  CHECK(read(fds[0], buf, 10) == 3);
  CHECK(read(fds[0], buf, 10) == 0);
  CHECK(read(fds[0], buf, 10) == 0);
  close(fds[0]);

  CHECK(pipe(fds) == 0);
  close(fds[0]);
  CHECKF(write(fds[1], "x", 1) == -1, "write with no reader did not fail");
  close(fds[1]);

  // A reader blocked in another process wakes with 0 when the last writer closes.
  CHECK(pipe(fds) == 0);
  int pid = xfork(s);
  if (pid == 0) {
    close(fds[1]);
    exit(read(fds[0], buf, 10) == 0 ? 0 : 1);
  }
  pause(2);
  close(fds[1]);
  CHECKF(xwait(s, pid) == 0, "blocked reader did not see end of file");
  close(fds[0]);

  // A writer blocked on a full pipe wakes with a failure when the last reader closes.
  CHECK(pipe(fds) == 0);
  pid = xfork(s);
  if (pid == 0) {
    close(fds[0]);
    int r = write(fds[1], buf, kBufSize);
    exit(r == -1 || (r >= 0 && r < kBufSize) ? 0 : 1);
  }
  close(fds[1]);
  pause(2);
  CHECK(read(fds[0], buf, 1) == 1);
  close(fds[0]);
  CHECKF(xwait(s, pid) == 0, "blocked writer was not failed when the reader closed");
}

// pipe() fails cleanly when the descriptor table fills, without leaking descriptors.
void pipelimit(const char* s) {
  int start = count_free_fds();
  for (int round = 0; round < 3; round++) {
    int fds[NOFILE + 2];
    int n = 0;
    for (;;) {
      CHECK(n + 2 <= NOFILE + 2);
      if (pipe(fds + n) < 0)
        break;
      n += 2;
    }
    CHECKF(n == start - start % 2, "%d pipe descriptors with %d free", n, start);
    CHECKF(count_free_fds() == start - n, "the failed pipe() leaked a descriptor");
    CHECK(write(fds[n - 1], "z", 1) == 1 && read(fds[n - 2], buf, 1) == 1 && buf[0] == 'z');
    for (int i = 0; i < n; i++)
      CHECK(close(fds[i]) == 0);
    CHECK(count_free_fds() == start);
  }
}

// Several processes together exhaust the system file table; open fails cleanly and recovers.
void nfile(const char* s) {
  constexpr int kKids = NFILE / (NOFILE - 5) + 2;
  CHECK(write_file("nfile.f", "x", 1) == 1);
  int first_total = -1;
  for (int round = 0; round < 2; round++) {
    int counts[2], go[2];
    CHECK(pipe(counts) == 0 && pipe(go) == 0);
    for (int k = 0; k < kKids; k++) {
      if (xfork(s) == 0) {
        close(counts[0]);
        close(go[1]);
        int n = 0;
        while (open("nfile.f", O_RDONLY) >= 0)
          n++;
        write(counts[1], &n, sizeof n);
        read(go[0], buf, 1); // hold the files until the parent has counted
        exit(0);
      }
    }
    close(counts[1]);
    close(go[0]);
    int total = 0, n;
    for (int k = 0; k < kKids; k++) {
      CHECK(read(counts[0], &n, sizeof n) == sizeof n);
      total += n;
    }
    close(go[1]);
    close(counts[0]);
    for (int k = 0; k < kKids; k++)
      CHECK(wait(nullptr) > 0);
    CHECKF(total <= NFILE, "%d files open at once, NFILE is %d", total, NFILE);
    CHECKF(total < kKids * (NOFILE - 5), "the file table never filled (%d open)", total);
    if (round == 0)
      first_total = total;
    CHECKF(total == first_total, "round 2 opened %d files, round 1 %d", total, first_total);
  }
  CHECK(read_file("nfile.f", buf, 10) == 1);
  CHECK(unlink("nfile.f") == 0);
}
