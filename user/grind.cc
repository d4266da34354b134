// grind: random system-call stress. Each round forks two workers that perform random operations
// (files, directories, links, pipes, fork, exec, kill, lazy and eager sbrk, bad pointers) on a
// small shared set of names under /grindir, so they race with each other in the kernel. Workers
// check what they can check alone (their own files, pipes, memory) and exit 1 on a mismatch.
//   grind        runs forever, printing a worker letter (A, B) every kProgressEvery operations
//   grind N      runs N rounds, then prints "grind OK" (or "grind FAILED") and exits
// The point is to find kernel panics, deadlocks and leaks; a worker's failed call is normal.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/memstat.h"
#include "kernel/memlayout.h"
#include "user/user.h"

namespace {

constexpr int kWorkers = 2;
constexpr int kOpsPerRound = 600;
constexpr int kProgressEvery = 200;

// A small deterministic random generator (xorshift64*), seeded per worker and round.
class Random {
public:
  explicit Random(uint64 seed) : state_(seed * 0x9E3779B97F4A7C15UL + 1) {}
  uint64 next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DUL;
  }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64>(n)); }

private:
  uint64 state_;
};

// Shared names the workers race on (relative to /grindir), and each worker's private file.
const char* const kFiles[] = {"a", "b", "c", "dd/x", "dd/y"};
constexpr int kNumFiles = sizeof(kFiles) / sizeof(kFiles[0]);
const char* const kDir = "dd";

char buf[4096];
char check[4096];

char echo_path[] = "/echo";
char echo_arg[] = "grind";
char no_such_path[] = "/grindir/no-such-program";

int worker_id; // 0, 1, ... in the worker process

[[noreturn]] void fail(const char* what, int value) {
  printf("grind: worker %c: %s (%d)\n", 'A' + worker_id, what, value);
  exit(1);
}

// Forks; the child runs `body` and exits with its result. Returns the child's exit status.
template <typename F> int in_child(F body) {
  int pid = fork();
  if (pid < 0)
    return -1; // the table may be full: not an error
  if (pid == 0)
    exit(body());
  int status = 0;
  if (wait(&status) != pid)
    fail("wait returned another pid", pid);
  return status;
}

void fill(char* p, int n, uint64 seed) {
  for (int i = 0; i < n; i++)
    p[i] = static_cast<char>('a' + (seed + i * 7) % 26);
}

// Writes a private file and checks that it reads back the same.
void private_file_roundtrip(Random& rnd) {
  char name[] = "pA";
  name[1] = static_cast<char>('A' + worker_id);
  int n = 1 + rnd.below(sizeof(buf));
  fill(buf, n, rnd.next());
  int fd = open(name, O_CREATE | O_RDWR | O_TRUNC);
  if (fd < 0)
    fail("cannot create private file", fd);
  if (write(fd, buf, n) != n)
    fail("short write to private file", n);
  close(fd);
  fd = open(name, O_RDONLY);
  if (fd < 0)
    fail("cannot reopen private file", fd);
  int got = read(fd, check, sizeof(check));
  close(fd);
  if (got != n || memcmp(buf, check, n) != 0)
    fail("private file reads back wrong", got);
}

// Sends bytes through a pipe from a child and checks them.
void pipe_roundtrip(Random& rnd) {
  int p[2];
  if (pipe(p) < 0)
    return; // out of file descriptors or pipes
  int n = 1 + rnd.below(1500);
  fill(buf, n, rnd.next());
  int pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return;
  }
  if (pid == 0) {
    close(p[0]);
    exit(write(p[1], buf, n) == n ? 0 : 1);
  }
  close(p[1]);
  int total = 0;
  int r;
  while (total < static_cast<int>(sizeof(check)) &&
         (r = read(p[0], check + total, sizeof(check) - total)) > 0) {
    total += r;
  }
  close(p[0]);
  int status = 0;
  if (wait(&status) != pid || status != 0)
    fail("pipe writer failed", status);
  if (total != n || memcmp(buf, check, n) != 0)
    fail("pipe data wrong", total);
}

// Runs /echo with its output on a pipe and checks what it printed.
void exec_echo() {
  int p[2];
  if (pipe(p) < 0)
    return;
  int pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return;
  }
  if (pid == 0) {
    close(1);
    dup(p[1]);
    close(p[0]);
    close(p[1]);
    char* argv[] = {echo_path, echo_arg, nullptr};
    exec(echo_path, argv);
    exit(2);
  }
  close(p[1]);
  int total = 0;
  int r;
  while (total < 64 && (r = read(p[0], check + total, 64 - total)) > 0)
    total += r;
  close(p[0]);
  int status = 0;
  if (wait(&status) != pid)
    fail("wait after exec", pid);
  if (status == 2)
    return; // exec failed, e.g. out of memory: allowed
  if (status != 0 || total != 6 || memcmp(check, "grind\n", 6) != 0)
    fail("echo output wrong", total);
}

// Grows the heap lazily, touches some pages, checks them (also from a forked child), shrinks back.
void lazy_heap(Random& rnd) {
  int pages = 1 + rnd.below(256);
  char* base = sbrklazy(pages * PGSIZE);
  if (base == SBRK_ERROR)
    return;
  for (int i = 0; i < 8; i++) {
    int page = rnd.below(pages);
    base[page * PGSIZE + (page % PGSIZE)] = static_cast<char>(page | 1);
  }
  for (int page = 0; page < pages; page++) {
    char want = 0;
    char got = base[page * PGSIZE + (page % PGSIZE)];
    if (got != 0)
      want = static_cast<char>(page | 1);
    if (got != want)
      fail("lazy page holds garbage", page);
  }
  if (rnd.below(4) == 0) {
    // The child sees the same memory, touched or not.
    int status = in_child([&] {
      for (int page = 0; page < pages; page++) {
        char got = base[page * PGSIZE + (page % PGSIZE)];
        if (got != 0 && got != static_cast<char>(page | 1))
          return 1;
      }
      return 0;
    });
    if (status > 0)
      fail("child saw different lazy memory", status);
  }
  if (sbrk(-pages * PGSIZE) != base + pages * PGSIZE)
    fail("sbrk shrink returned wrong break", pages);
}

// Grows the heap eagerly, checks the pages are zeroed, shrinks back.
void eager_heap(Random& rnd) {
  int pages = 1 + rnd.below(16);
  char* base = sbrkeager(pages * PGSIZE);
  if (base == SBRK_ERROR)
    return;
  for (int i = 0; i < pages * PGSIZE; i += 512) {
    if (base[i] != 0)
      fail("eager page not zeroed", i);
  }
  sbrk(-pages * PGSIZE);
}

// System calls given pointers outside the process's memory must fail, not kill it.
void bad_pointers() {
  char* beyond = sbrk(0) + 16 * PGSIZE; // above the break: not user memory
  int fd = open("a", O_CREATE | O_RDWR);
  if (fd < 0)
    return;
  if (write(fd, beyond, 10) >= 0)
    fail("write from a bad pointer succeeded", 0);
  if (read(fd, reinterpret_cast<char*>(TRAPFRAME), 10) > 0)
    fail("read into the trapframe succeeded", 0);
  close(fd);
  if (open(beyond, O_RDONLY) >= 0)
    fail("open of a bad path pointer succeeded", 0);
}

// One random operation.
void random_op(Random& rnd) {
  const char* file = kFiles[rnd.below(kNumFiles)];
  const char* other = kFiles[rnd.below(kNumFiles)];
  struct stat st;
  int fd;

  switch (rnd.below(24)) {
  case 0:
    fd = open(file, O_CREATE | O_RDWR);
    if (fd >= 0)
      close(fd);
    break;
  case 1:
    unlink(file);
    break;
  case 2:
    mkdir(kDir);
    break;
  case 3:
    unlink(kDir); // fails unless empty
    break;
  case 4:
    link(file, other);
    break;
  case 5:
    fd = open(file, O_CREATE | O_WRONLY | (rnd.below(2) ? O_TRUNC : 0));
    if (fd >= 0) {
      fill(buf, sizeof(buf), rnd.next());
      write(fd, buf, 1 + rnd.below(3000));
      close(fd);
    }
    break;
  case 6:
    fd = open(file, O_RDONLY);
    if (fd >= 0) {
      read(fd, buf, sizeof(buf));
      close(fd);
    }
    break;
  case 7:
    if (chdir(kDir) == 0) {
      fd = open("y", O_CREATE | O_RDWR);
      if (fd >= 0)
        close(fd);
      if (chdir("/grindir") < 0)
        fail("cannot return to /grindir", 0);
    }
    break;
  case 8:
    fd = open(file, O_RDONLY);
    if (fd >= 0) {
      if (fstat(fd, &st) < 0)
        fail("fstat of an open file failed", fd);
      if (st.type != T_FILE && st.type != T_DIR)
        fail("odd file type", st.type);
      close(fd);
    }
    break;
  case 9:
    fd = dup(1);
    if (fd >= 0)
      close(fd);
    break;
  case 10:
    private_file_roundtrip(rnd);
    break;
  case 11:
    pipe_roundtrip(rnd);
    break;
  case 12:
    in_child([] { return 0; });
    break;
  case 13:
    if (rnd.below(4) == 0)
      exec_echo();
    break;
  case 14: {
    int status = in_child([] {
      char* argv[] = {no_such_path, nullptr};
      exec(no_such_path, argv);
      return 0; // exec must fail and return
    });
    if (status > 0)
      fail("exec of a missing program did not fail", status);
    break;
  }
  case 15: {
    int pid = fork();
    if (pid == 0) {
      for (;;)
        pause(1);
    }
    if (pid > 0) {
      if (rnd.below(2))
        pause(1);
      kill(pid);
      if (wait(nullptr) != pid)
        fail("killed child not reaped", pid);
    }
    break;
  }
  case 16:
    lazy_heap(rnd);
    break;
  case 17:
    eager_heap(rnd);
    break;
  case 18: {
    int p[2];
    if (pipe(p) == 0) {
      int status = in_child([&] {
        int pid = getpid();
        return write(p[1], &pid, sizeof(pid)) == sizeof(pid) ? 0 : 1;
      });
      int child_pid = 0;
      if (status == 0 && read(p[0], &child_pid, sizeof(child_pid)) != sizeof(child_pid)) {
        fail("child's getpid lost", 0);
      }
      close(p[0]);
      close(p[1]);
    }
    break;
  }
  case 19:
    bad_pointers();
    break;
  case 20: {
    struct memstat ms;
    if (memstat(0, &ms) == 0 && ms.sz != reinterpret_cast<uint64>(sbrk(0))) {
      fail("memstat size disagrees with sbrk(0)", static_cast<int>(ms.sz));
    }
    break;
  }
  case 21: {
    int before = uptime();
    int after = uptime();
    if (after < before)
      fail("uptime went backwards", after);
    break;
  }
  case 22: {
    void* p = malloc(1 + rnd.below(20000));
    if (p != nullptr) {
      memset(p, 0x5a, 1);
      free(p);
    }
    break;
  }
  default:
    stat(file, &st);
    break;
  }
}

[[noreturn]] void worker(int id, int round) {
  worker_id = id;
  if (chdir("/grindir") < 0)
    fail("cannot chdir to /grindir", 0);
  Random rnd(static_cast<uint64>(round) * kWorkers + id + 1);
  for (int op = 1; op <= kOpsPerRound; op++) {
    random_op(rnd);
    if (op % kProgressEvery == 0)
      write(1, id == 0 ? "A" : "B", 1);
  }
  exit(0);
}

} // namespace

int main(int argc, char* argv[]) {
  int rounds = argc > 1 ? atoi(argv[1]) : -1; // -1: forever
  mkdir("/grindir");
  struct stat st;
  if (stat("/grindir", &st) < 0 || st.type != T_DIR) {
    printf("grind: cannot make /grindir\n");
    return 1;
  }

  int failures = 0;
  for (int round = 0; rounds < 0 || round < rounds; round++) {
    int started = 0;
    for (int id = 0; id < kWorkers; id++) {
      int pid = fork();
      if (pid == 0)
        worker(id, round);
      if (pid > 0)
        started++;
    }
    for (int i = 0; i < started; i++) {
      int status = 0;
      wait(&status);
      if (status != 0)
        failures++;
    }
    if (rounds < 0 && failures > 0) {
      printf("grind: %d worker failures so far\n", failures);
      failures = 0;
    }
    pause(rounds < 0 ? 20 : 1);
  }

  printf("\n%s\n", failures == 0 ? "grind OK" : "grind FAILED");
  return failures == 0 ? 0 : 1;
}
