/* usertests: the file system used by several processes at once, and in bulk. */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

// Waits for n children and fails unless each exited 0.
void reap_ok(const char* s, int n) {
  for (int i = 0; i < n; i++) {
    int st = -99;
    CHECKF(wait(&st) > 0 && st == 0, "a worker process failed (status %d)", st);
  }
}

// Copies a directory entry's name into out (DIRSIZ + 1 bytes) with a NUL.
void entry_name(const struct dirent& de, char* out) {
  memmove(out, de.name, DIRSIZ);
  out[DIRSIZ] = 0;
}

} // namespace

// Concurrent creates of the same names make one entry each; concurrent unlinks remove each once.
void concreate(const char* s) {
  constexpr int kNames = 30, kProcs = 3;
  char name[32];
  for (int i = 0; i < kNames; i++) {
    name_num(name, "cc/N", i);
    unlink(name);
  }
  unlink("cc");
  CHECK(mkdir("cc") == 0);
  for (int p = 0; p < kProcs; p++) {
    if (xfork(s) == 0) {
      for (int round = 0; round < 3; round++) {
        for (int k = 0; k < kNames; k++) {
          name_num(name, "cc/N", (k * 7 + p * 11 + round) % kNames);
          int fd = open(name, O_CREATE | O_RDWR);
          CHECKF(fd >= 0, "create of %s failed", name);
          close(fd);
        }
      }
      exit(0);
    }
  }
  reap_ok(s, kProcs);

  int seen[kNames] = {};
  int fd = open("cc", O_RDONLY);
  CHECK(fd >= 0);
  struct dirent de;
  char entry[DIRSIZ + 1];
  while (read(fd, &de, sizeof de) == sizeof de) {
    if (de.inum == 0)
      continue;
    entry_name(de, entry);
    if (strcmp(entry, ".") == 0 || strcmp(entry, "..") == 0)
      continue;
    int i = atoi(entry + 1);
    CHECKF(entry[0] == 'N' && i >= 0 && i < kNames, "unexpected entry %s", entry);
    seen[i]++;
  }
  close(fd);
  for (int i = 0; i < kNames; i++)
    CHECKF(seen[i] == 1, "N%d has %d entries", i, seen[i]);

  for (int p = 0; p < kProcs; p++) {
    if (xfork(s) == 0) {
      int removed = 0;
      for (int k = 0; k < kNames; k++) {
        name_num(name, "cc/N", (k * 7 + p * 13) % kNames);
        if (unlink(name) == 0)
          removed++;
      }
      exit(removed);
    }
  }
  int removed = 0;
  for (int p = 0; p < kProcs; p++) {
    int st = 0;
    CHECK(wait(&st) > 0);
    removed += st;
  }
  CHECKF(removed == kNames, "%d successful unlinks of %d names", removed, kNames);
  CHECK(unlink("cc") == 0);
}

// Four processes write four files at once; each file holds exactly its writer's bytes.
void fourfiles(const char* s) {
  constexpr int kFiles = 4, kWrites = 12, kSize = 500;
  char name[16];
  for (int f = 0; f < kFiles; f++) {
    name_num(name, "4f.", f);
    unlink(name);
    if (xfork(s) == 0) {
      int fd = open(name, O_CREATE | O_RDWR | O_TRUNC);
      CHECK(fd >= 0);
      memset(buf, '0' + f, kSize);
      for (int i = 0; i < kWrites; i++)
        CHECK(write(fd, buf, kSize) == kSize);
      exit(0);
    }
  }
  reap_ok(s, kFiles);
  for (int f = 0; f < kFiles; f++) {
    name_num(name, "4f.", f);
    int n = read_file(name, buf, kBufSize);
    CHECKF(n == kWrites * kSize, "%s has %d bytes", name, n);
    for (int i = 0; i < n; i++)
      CHECKF(buf[i] == '0' + f, "%s byte %d is %c", name, i, buf[i]);
    CHECK(unlink(name) == 0);
  }
}

// Four processes create and delete files in one directory at once; the right ones survive.
void createdelete(const char* s) {
  constexpr int kProcs = 4, kFiles = 20;
  char name[16];
  unlink("cd");
  CHECK(mkdir("cd") == 0);
  for (int p = 0; p < kProcs; p++) {
    if (xfork(s) == 0) {
      char prefix[] = "cd/?";
      prefix[3] = static_cast<char>('a' + p);
      for (int i = 0; i < kFiles; i++) {
        name_num(name, prefix, i);
        CHECK(write_file(name, name, 4) == 4);
        if (i > 0 && i % 2 == 0) {
          name_num(name, prefix, i / 2);
          CHECKF(unlink(name) == 0, "unlink %s failed", name);
        }
      }
      exit(0);
    }
  }
  reap_ok(s, kProcs);
  for (int p = 0; p < kProcs; p++) {
    char prefix[] = "cd/?";
    prefix[3] = static_cast<char>('a' + p);
    for (int i = 0; i < kFiles; i++) {
      name_num(name, prefix, i);
      bool deleted = i >= 1 && 2 * i < kFiles;
      CHECKF(exists(name) != deleted, "%s %s", name, deleted ? "survived" : "is missing");
      if (!deleted)
        CHECK(unlink(name) == 0);
    }
  }
  CHECK(unlink("cd") == 0);
}

// Two processes writing through one shared descriptor never overwrite each other.
void sharedfd(const char* s) {
  constexpr int kWrites = 1000, kSize = 10;
  int fd = open("sharedfd", O_CREATE | O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  int pid = xfork(s);
  char c = pid == 0 ? 'c' : 'p';
  char chunk[kSize];
  memset(chunk, c, kSize);
  for (int i = 0; i < kWrites; i++)
    CHECKF(write(fd, chunk, kSize) == kSize, "%c: write %d", c, i);
  if (pid == 0)
    exit(0);
  CHECK(xwait(s, pid) == 0);
  close(fd);
  fd = open("sharedfd", O_RDONLY);
  int counts[2] = {0, 0}, n;
  while ((n = read(fd, buf, kBufSize)) > 0) {
    for (int i = 0; i < n; i++) {
      CHECKF(buf[i] == 'c' || buf[i] == 'p', "stray byte %d", buf[i]);
      counts[buf[i] == 'p']++;
    }
  }
  close(fd);
  CHECKF(counts[0] == kWrites * kSize && counts[1] == kWrites * kSize, "counts %d %d", counts[0],
         counts[1]);
  CHECK(unlink("sharedfd") == 0);
}

// One process truncates and rewrites a file while another reads it; both keep working.
void truncrace(const char* s) {
  CHECK(write_file("trunc.f", "", 0) == 0);
  int pid = xfork(s);
  if (pid == 0) {
    for (int i = 0; i < 100; i++) {
      int fd = open("trunc.f", O_CREATE | O_WRONLY | O_TRUNC);
      CHECKF(fd >= 0, "writer: open failed at %d", i);
      CHECK(write(fd, "1234567890", 10) == 10);
      close(fd);
      fd = open("trunc.f", O_RDONLY);
      CHECKF(fd >= 0, "writer: reopen failed at %d", i);
      read(fd, buf, 100);
      close(fd);
    }
    exit(0);
  }
  for (int i = 0; i < 150; i++) {
    int fd = open("trunc.f", O_CREATE | O_WRONLY | O_TRUNC);
    CHECKF(fd >= 0, "truncator: open failed at %d", i);
    int r = write(fd, "xxx", 3);
    CHECKF(r == 3 || r == -1, "truncator: write returned %d", r);
    close(fd);
  }
  CHECK(xwait(s, pid) == 0);
  int n = file_size("trunc.f");
  CHECKF(n == 3 || n == 10 || n == 13, "final size %d", n);
  CHECK(unlink("trunc.f") == 0);
}

// Two processes race create, link and unlink on a few shared names; everything stays consistent.
void linkunlink(const char* s) {
  constexpr int kNames = 5;
  char name[16], other[16];
  for (int i = 0; i < kNames; i++) {
    name_num(name, "lu/", i);
    unlink(name);
  }
  unlink("lu");
  CHECK(mkdir("lu") == 0);
  int pid = xfork(s);
  Rng rng{pid == 0 ? 1234u : 5678u};
  for (int i = 0; i < 300; i++) {
    uint32 r = rng.next();
    name_num(name, "lu/", static_cast<int>(r % kNames));
    name_num(other, "lu/", static_cast<int>((r >> 8) % kNames));
    switch ((r >> 16) % 3) {
    case 0: {
      int fd = open(name, O_CREATE | O_RDWR);
      CHECKF(fd >= 0, "create %s failed", name);
      close(fd);
      break;
    }
    case 1:
      link(other, name);
      break;
    case 2:
      unlink(name);
      break;
    }
  }
  if (pid == 0)
    exit(0);
  CHECK(xwait(s, pid) == 0);
  for (int i = 0; i < kNames; i++) {
    name_num(name, "lu/", i);
    struct stat st;
    if (stat(name, &st) == 0) {
      CHECKF(st.type == T_FILE && st.nlink >= 1 && st.nlink <= kNames, "%s: nlink %d", name,
             st.nlink);
      CHECK(unlink(name) == 0);
    }
  }
  CHECKF(unlink("lu") == 0, "directory not empty after removing every name");
}

// Many small files in one directory: create, read back by name, delete.
void smallfiles(const char* s) {
  constexpr int kFiles = 100;
  char name[16];
  unlink("sf");
  CHECK(mkdir("sf") == 0);
  for (int i = 0; i < kFiles; i++) {
    name_num(name, "sf/f", i);
    int len = static_cast<int>(strlen(name));
    CHECKF(write_file(name, name, len) == len, "create %s failed", name);
  }
  for (int i = 0; i < kFiles; i++) {
    name_num(name, "sf/f", i);
    int len = static_cast<int>(strlen(name));
    CHECKF(read_file(name, buf, 32) == len && memcmp(buf, name, len) == 0, "%s reads back wrong",
           name);
  }
  for (int i = 0; i < kFiles; i++) {
    name_num(name, "sf/f", i);
    CHECK(unlink(name) == 0);
  }
  CHECK(unlink("sf") == 0);
}
