/* usertests: kernel limits a user program can reach must fail its system call, never panic. */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

// `n` children that each run setup(i) (which returns a byte to report), tell the parent, and then
// hold whatever they set up until the parent releases them all at once.
class Gang {
public:
  // Forks the children; returns when every one of them has reported (the bytes go to out[i]).
  template <typename F> Gang(const char* s, int n, char* out, F setup) : s_(s), n_(n) {
    int ready[2];
    CHECK(pipe(ready) == 0);
    CHECK(pipe(release_) == 0);
    for (int i = 0; i < n; i++) {
      if (xfork(s) == 0) {
        close(ready[0]);
        close(release_[1]);
        char c = setup(i);
        write(ready[1], &c, 1);
        read(release_[0], &c, 1); // returns 0 once the parent closes its end
        exit(0);
      }
    }
    close(ready[1]);
    close(release_[0]);
    for (int i = 0; i < n; i++)
      CHECKF(read(ready[0], out + i, 1) == 1, "child %d did not report", i);
    close(ready[0]);
  }

  // Lets the children go and reaps them; fails unless each exited 0.
  void release() {
    const char* s = s_;
    close(release_[1]);
    for (int i = 0; i < n_; i++) {
      int st = -99;
      CHECKF(wait(&st) > 0 && st == 0, "a holding child failed (status %d)", st);
    }
  }

private:
  const char* s_;
  int n_;
  int release_[2];
};

// out = prefix + a + sep + b (decimal).
void name_2(char* out, const char* prefix, int a, const char* sep, int b) {
  name_num(out, prefix, a);
  name_num(out + strlen(out), sep, b);
}

// Writes `bytes` bytes into file `name` in pieces of buf, so that the blocks written push older
// blocks out of the buffer cache.
void churn(const char* s, const char* name, int bytes) {
  int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
  CHECK(fd >= 0);
  for (int done = 0; done < bytes; done += kBufSize)
    CHECK(write(fd, buf, kBufSize) == kBufSize);
  close(fd);
  CHECK(unlink(name) == 0);
}

} // namespace

// More inodes in use than the in-memory table holds (NINODE): 8 processes each hold a cwd and 7
// open files, 64 inodes in all. What does not fit fails with -1, and so does every call that needs
// one more inode while the table is full; nothing of those reaches the disk.
void itablefull(const char* s) {
  constexpr int kProcs = 8, kFiles = 7;
  constexpr int kFillMax = 12; // files the parent may open to fill the table (NOFILE 16, 3 in use)
  static_assert(kProcs * (kFiles + 1) > NINODE);
  char name[32];
  CHECK(mkdir("itf") == 0);
  for (int p = 0; p < kProcs; p++) {
    name_num(name, "itf/d", p);
    CHECK(mkdir(name) == 0);
    for (int f = 0; f < kFiles; f++) {
      name_2(name, "itf/d", p, "/f", f);
      CHECK(write_file(name, "x", 1) == 1);
    }
  }
  for (int i = 0; i < kFillMax; i++) {
    name_num(name, "itfx", i);
    CHECK(write_file(name, "x", 1) == 1);
  }

  char held[kProcs];
  Gang gang(s, kProcs, held, [](int p) {
    char path[32];
    name_num(path, "itf/d", p);
    char n = chdir(path) == 0 ? 1 : 0;
    for (int f = 0; f < kFiles; f++) {
      if (n > 0)
        name_num(path, "f", f);
      else
        name_2(path, "itf/d", p, "/f", f);
      if (open(path, O_RDONLY) >= 0)
        n++;
    }
    return n;
  });
  int total = 0;
  for (int p = 0; p < kProcs; p++)
    total += held[p];
  CHECKF(total < kProcs * (kFiles + 1), "all %d inodes fit in the table", total);
  CHECKF(total > NINODE / 2, "only %d inodes held", total);

  // The children's failed opens may have lost to another child's path walk, whose transient
  // references are gone now: fill what is left with files in the (held) root directory, each of
  // which needs exactly one more slot, until one does not fit. Then the table is exactly full.
  int fill[kFillMax];
  int nfill = 0;
  for (; nfill < kFillMax; nfill++) {
    name_num(name, "itfx", nfill);
    fill[nfill] = open(name, O_RDONLY);
    if (fill[nfill] < 0)
      break;
  }
  CHECKF(nfill < kFillMax, "%d free slots left in the inode table", nfill);

  // The table is full: every one of these needs an inode no one holds ("itf", "echo", ...).
  CHECK(open("itf/d0/f0", O_RDONLY) == -1);
  CHECK(open("itfnew", O_CREATE | O_RDWR) == -1);
  CHECK(mkdir("itfdir") == -1);
  CHECK(chdir("itf") == -1);
  CHECK(link("itf/d0/f0", "itflink") == -1);
  CHECK(unlink("itf/d0/f1") == -1);
  const char* echo_argv[] = {"echo", "itablefull", nullptr};
  CHECK(exec_fails(s, "echo", echo_argv));
  struct stat st;
  CHECK(fstat(1, &st) == 0); // inodes already held still work

  for (int i = 0; i < nfill; i++)
    close(fill[i]);
  gang.release();
  CHECK(!exists("itfnew"));
  CHECK(!exists("itfdir"));
  CHECK(!exists("itflink"));
  CHECK(file_size("itf/d0/f1") == 1);
  for (int p = 0; p < kProcs; p++) {
    for (int f = 0; f < kFiles; f++) {
      name_2(name, "itf/d", p, "/f", f);
      CHECKF(unlink(name) == 0, "unlink %s", name);
    }
    name_num(name, "itf/d", p);
    CHECK(unlink(name) == 0);
  }
  CHECK(unlink("itf") == 0);
  for (int i = 0; i < kFillMax; i++) {
    name_num(name, "itfx", i);
    CHECK(unlink(name) == 0);
  }
}

// More processes than the buffer cache has buffers (NBUF) each read a different block that is not
// cached, all at the same moment: the readers beyond NBUF wait for a buffer and all get their data.
void bcachefull(const char* s) {
  constexpr int kReaders = 44; // with init, sh, usertests and this test: within NPROC and NINODE
  static_assert(kReaders > NBUF);
  char name[32];
  CHECK(mkdir("bcf") == 0);
  for (int i = 0; i < kReaders; i++) {
    name_num(name, "bcf/f", i);
    memset(buf, 'A' + i % 26, BSIZE);
    CHECK(write_file(name, buf, BSIZE) == BSIZE);
  }
  churn(s, "bcf/churn", 4 * NBUF * BSIZE);

  int go[2];
  CHECK(pipe(go) == 0);
  for (int i = 0; i < kReaders; i++) {
    if (xfork(s) == 0) {
      close(go[1]);
      name_num(name, "bcf/f", i);
      int fd = open(name, O_RDONLY);
      char c;
      read(go[0], &c, 1); // 0 at once when the parent closes go[1]: everyone starts together
      if (fd < 0 || read(fd, buf, BSIZE) != BSIZE)
        exit(2);
      for (int k = 0; k < BSIZE; k++)
        if (buf[k] != 'A' + i % 26)
          exit(3);
      exit(0);
    }
  }
  pause(2); // let the readers open their files and block on the pipe
  close(go[1]);
  close(go[0]);
  for (int i = 0; i < kReaders; i++) {
    int st = -99;
    CHECKF(wait(&st) > 0 && st == 0, "a reader failed (status %d)", st);
  }
  for (int i = 0; i < kReaders; i++) {
    name_num(name, "bcf/f", i);
    CHECK(unlink(name) == 0);
  }
  CHECK(unlink("bcf") == 0);
}

// Nobody may kill init (pid 1), and init lives on: it still reaps an orphan afterwards.
void killinit(const char* s) {
  CHECKF(kill(1) == -1, "kill(1) succeeded");
  int g = make_orphan(s);
  CHECKF(wait_gone(g), "orphan %d never went away: is init alive?", g);
}

// init's own code keeps going when fork fails: /init run as an ordinary child while the process
// table is full must report the failure and retry until a slot frees, never exit. It runs in a
// directory without `sh`, so each shell it then starts fails at once ("exec sh failed").
void initretry(const char* s) {
  CHECK(mkdir("irt") == 0);
  CHECK(chdir("irt") == 0);
  int out[2], go[2];
  CHECK(pipe(out) == 0);
  CHECK(pipe(go) == 0);
  int init = xfork(s);
  if (init == 0) {
    close(1);
    dup(out[1]); // init's stdout; it opens "console" for fd 3 and up, which it never uses
    close(out[0]);
    close(out[1]);
    close(go[1]);
    char c;
    read(go[0], &c, 1);
    const char* argv[] = {"/init", nullptr};
    exec("/init", const_cast<char**>(argv));
    exit(kExecFailed);
  }
  close(out[1]);
  close(go[0]);

  // Fill the process table with children that wait for the end of the test.
  int hold[2];
  CHECK(pipe(hold) == 0);
  int held = 0;
  for (; held < NPROC; held++) {
    int pid = fork();
    if (pid < 0)
      break;
    if (pid == 0) {
      close(hold[1]);
      char c;
      read(hold[0], &c, 1);
      exit(0);
    }
  }
  CHECKF(held < NPROC, "the process table never filled");
  close(hold[0]);
  CHECK(write(go[1], "g", 1) == 1); // init starts now (the holders share go[1], so no close)
  close(go[1]);

  // "init: starting sh", then "init: fork failed, retrying" at least twice.
  char* text = big;
  int len = 0;
  auto read_until = [&](const char* want, int times) {
    for (;;) {
      text[len] = 0;
      int seen = 0;
      int wlen = static_cast<int>(strlen(want));
      for (int at = 0; at + wlen <= len; at++)
        seen += memcmp(text + at, want, wlen) == 0;
      if (seen >= times)
        return true;
      if (len >= kBigSize - 1)
        return false;
      int n = read(out[0], text + len, kBigSize - 1 - len);
      if (n <= 0)
        return false;
      len += n;
    }
  };
  bool retried = read_until("init: fork failed, retrying\n", 2);
  close(hold[1]); // free the table
  for (int i = 0; i < held; i++)
    CHECK(wait(nullptr) > 0);
  CHECKF(retried, "init did not retry its fork; it printed:\n%s", text);
  // With slots free again, a fork succeeds: the child finds no sh here.
  CHECKF(read_until("init: exec sh failed\n", 1), "init never forked again; it printed:\n%s", text);
  CHECK(kill(init) == 0);
  CHECK(xwait(s, init) == -1);
  close(out[0]);
  CHECK(chdir("..") == 0);
  CHECK(unlink("irt/console") == 0); // init made it
  CHECK(unlink("irt") == 0);
}

namespace {

// nlinkmax's layout: kLinkWorkers processes, each with kDirsPerWorker small directories of at most
// kLinksPerDir names (short directories keep each lookup cheap; the workers run in parallel).
constexpr int kLinkWorkers = 4, kDirsPerWorker = 32, kLinksPerDir = 256;
static_assert(kLinkWorkers * kDirsPerWorker * kLinksPerDir >= MAXLINK - 1);

// Name i of worker w (i < kDirsPerWorker * kLinksPerDir): nlm/d<dir>/<j>.
void link_name(char* out, int w, int i) {
  name_2(out, "nlm/d", w * kDirsPerWorker + i / kLinksPerDir, "/", i % kLinksPerDir);
}

// Forks the workers; worker w runs op(w, i) for its names i < count(w), exits 1 at the first that
// fails. Fails the test unless every worker succeeded.
template <typename Op> void link_workers(const char* s, int total, Op op) {
  for (int w = 0; w < kLinkWorkers; w++) {
    int count = total - w * kDirsPerWorker * kLinksPerDir;
    if (count > kDirsPerWorker * kLinksPerDir)
      count = kDirsPerWorker * kLinksPerDir;
    if (xfork(s) == 0) {
      for (int i = 0; i < count; i++)
        if (!op(w, i))
          exit(1);
      exit(0);
    }
  }
  for (int w = 0; w < kLinkWorkers; w++) {
    int st = -99;
    CHECKF(wait(&st) > 0 && st == 0, "a link worker failed (status %d)", st);
  }
}

} // namespace

// A file may have MAXLINK (32767) links, nlink's largest value, and no more: one more link fails
// and leaves the count alone, so that unlinking every name frees the inode exactly once.
void nlinkmax(const char* s) {
  constexpr int kDirs = kLinkWorkers * kDirsPerWorker;
  char name[32];
  CHECK(mkdir("nlm") == 0);
  CHECK(write_file("nlm/f", "linked", 6) == 6);
  for (int d = 0; d < kDirs; d++) {
    name_num(name, "nlm/d", d);
    CHECK(mkdir(name) == 0);
  }
  link_workers(s, MAXLINK - 1, [](int w, int i) {
    char path[32];
    link_name(path, w, i);
    return link("nlm/f", path) == 0;
  });

  struct stat st;
  int fd = open("nlm/f", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(fstat(fd, &st) == 0);
  CHECKF(st.nlink == MAXLINK, "nlink %d after %d links", st.nlink, MAXLINK);
  CHECKF(link("nlm/f", "nlm/over") == -1, "link number %d succeeded", MAXLINK + 1);
  CHECK(!exists("nlm/over"));
  CHECK(fstat(fd, &st) == 0 && st.nlink == MAXLINK);
  CHECK(unlink("nlm/d0/0") == 0);
  CHECK(link("nlm/f", "nlm/d0/0") == 0); // a freed count may be used again
  CHECK(link("nlm/f", "nlm/over") == -1);

  link_workers(s, MAXLINK - 1, [](int w, int i) {
    char path[32];
    link_name(path, w, i);
    return unlink(path) == 0;
  });
  for (int d = 0; d < kDirs; d++) {
    name_num(name, "nlm/d", d);
    CHECKF(unlink(name) == 0, "unlink %s", name);
  }
  CHECK(fstat(fd, &st) == 0 && st.nlink == 1);
  CHECK(unlink("nlm/f") == 0);
  CHECK(fstat(fd, &st) == 0 && st.nlink == 0);
  close(fd);
  CHECK(unlink("nlm") == 0);
}

// A write whose buffer runs past the end of memory writes the bytes before that point, logged,
// and returns their count; a write that can copy nothing fails and changes nothing, not even the
// blocks the file has (checked by the host's fsck after the Bazel test).
void writepartial(const char* s) {
  char* end = fresh_end(s); // [end - PGSIZE, end) is memory, end is not
  char* src = end - 100;
  memset(src, 'n', 100);

  // A new file: 100 of the 1000 bytes exist.
  int fd = open("wpart", O_CREATE | O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  int n = write(fd, src, 1000);
  CHECKF(n == 100, "write returned %d, want 100", n);
  CHECKF(write(fd, end, 500) == -1, "a write from beyond sz succeeded"); // at the end of file
  close(fd);
  CHECK(file_size("wpart") == 100);

  // Over existing bytes: only the first 100 change.
  memset(buf, 'a', 2 * BSIZE);
  CHECK(write_file("wpart2", buf, 2 * BSIZE) == 2 * BSIZE);
  fd = open("wpart2", O_RDWR);
  CHECK(fd >= 0);
  CHECK(write(fd, src, 600) == 100);
  CHECK(write(fd, end - 1, 2 * BSIZE) == 1);
  close(fd);

  // Push the blocks out of the cache, so that what is read back comes from the disk.
  churn(s, "wpchurn", 4 * NBUF * BSIZE);
  CHECK(read_file("wpart", buf, kBufSize) == 100);
  for (int i = 0; i < 100; i++)
    CHECKF(buf[i] == 'n', "wpart byte %d is %x", i, buf[i]);
  CHECK(read_file("wpart2", buf, kBufSize) == 2 * BSIZE);
  for (int i = 0; i < 2 * BSIZE; i++) {
    char want = i < 101 ? 'n' : 'a';
    CHECKF(buf[i] == want, "wpart2 byte %d is %x, want %x", i, buf[i], want);
  }
  CHECK(unlink("wpart") == 0);
  CHECK(unlink("wpart2") == 0);
}

// pgpte never shows a page that is not the user's: the trap frame, the trampoline, the kernel, the
// stack guard page. The caller's own pages it does show.
void pgptekernel(const char* s) {
  CHECKF(pgpte(reinterpret_cast<void*>(TRAPFRAME)) == 0, "pgpte(TRAPFRAME) shows a PTE");
  CHECKF(pgpte(reinterpret_cast<void*>(TRAMPOLINE)) == 0, "pgpte(TRAMPOLINE) shows a PTE");
  CHECKF(pgpte(reinterpret_cast<void*>(KERNBASE)) == 0, "pgpte(KERNBASE) shows a PTE");
  uint64 sp_page = PGROUNDDOWN(current_sp());
  CHECK(pgpte(reinterpret_cast<void*>(sp_page)) & PTE_U);
  CHECK(pgpte(reinterpret_cast<void*>(sp_page - PGSIZE)) == 0); // the guard
  CHECK(pgpte(reinterpret_cast<void*>(buf)) & PTE_U);
}
