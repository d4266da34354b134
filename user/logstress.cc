// logstress: stresses the file system's write-ahead log. One process per file named on the
// command line writes that file concurrently with the others, in writes big enough that the
// kernel must split each into several log transactions; then each checks what it wrote.
//   logstress f1 f2 f3 f4
// Prints "logstress OK" when every writer succeeded; the files are left in place.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

constexpr int kChunk = 5000; // bytes per write(): spans several blocks and log transactions
constexpr int kWrites = 16;  // 80000 bytes per file: direct and indirect blocks
char buf[kChunk];
char got[kChunk];

// Writes `path` full of `fill` and reads it back. Returns the exit status.
int stress(const char* path, char fill) {
  int fd = open(path, O_CREATE | O_RDWR | O_TRUNC);
  if (fd < 0) {
    printf("logstress: create %s failed\n", path);
    return 1;
  }
  memset(buf, fill, sizeof(buf));
  for (int i = 0; i < kWrites; i++) {
    int n = write(fd, buf, kChunk);
    if (n != kChunk) {
      printf("logstress: write %s returned %d\n", path, n);
      return 1;
    }
  }
  close(fd);

  fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("logstress: open %s failed\n", path);
    return 1;
  }
  for (int i = 0; i < kWrites; i++) {
    int n = read(fd, got, kChunk);
    if (n != kChunk || memcmp(got, buf, kChunk) != 0) {
      printf("logstress: %s reads back wrong at chunk %d\n", path, i);
      return 1;
    }
  }
  close(fd);
  return 0;
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc < 2) {
    fprintf(2, "usage: logstress file...\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    int pid = fork();
    if (pid < 0) {
      printf("logstress: fork failed\n");
      return 1;
    }
    if (pid == 0)
      exit(stress(argv[i], static_cast<char>('0' + i % 10)));
  }

  int failed = 0;
  for (int i = 1; i < argc; i++) {
    int status = 0;
    if (wait(&status) < 0 || status != 0)
      failed = 1;
  }
  if (failed) {
    printf("logstress: FAILED\n");
    return 1;
  }
  printf("logstress OK\n");
  return 0;
}
