// stressfs: several processes write and read back files at the same time, to stress the file
// system's locking and its log. Each writes its own file, checks what it reads back, removes it.
// Prints "stressfs OK" when every process succeeded.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

constexpr int kProcs = 5;
constexpr int kWrites = 20;
char data[512];
char got[512];

// Runs in child `i`: writes, reads back and checks "stressfs<i>". Returns the exit status.
int stress(int i) {
  char path[] = "stressfs0";
  path[8] += i;
  char fill = static_cast<char>('a' + i);
  memset(data, fill, sizeof(data));

  printf("write %d\n", i);
  int fd = open(path, O_CREATE | O_RDWR | O_TRUNC);
  if (fd < 0) {
    printf("stressfs: cannot create %s\n", path);
    return 1;
  }
  for (int n = 0; n < kWrites; n++) {
    if (write(fd, data, sizeof(data)) != static_cast<int>(sizeof(data))) {
      printf("stressfs: write to %s failed\n", path);
      return 1;
    }
  }
  close(fd);

  printf("read\n");
  fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("stressfs: cannot open %s\n", path);
    return 1;
  }
  for (int n = 0; n < kWrites; n++) {
    if (read(fd, got, sizeof(got)) != static_cast<int>(sizeof(got)) ||
        memcmp(got, data, sizeof(got)) != 0) {
      printf("stressfs: %s reads back wrong\n", path);
      return 1;
    }
  }
  if (read(fd, got, sizeof(got)) != 0) {
    printf("stressfs: %s is too long\n", path);
    return 1;
  }
  close(fd);
  unlink(path);
  return 0;
}

} // namespace

int main() {
  printf("stressfs starting\n");
  for (int i = 0; i < kProcs; i++) {
    int pid = fork();
    if (pid < 0) {
      printf("stressfs: fork failed\n");
      return 1;
    }
    if (pid == 0)
      exit(stress(i));
  }

  int failures = 0;
  for (int i = 0; i < kProcs; i++) {
    int status = 0;
    if (wait(&status) < 0 || status != 0)
      failures++;
  }
  if (failures != 0) {
    printf("stressfs: %d processes failed\n", failures);
    return 1;
  }
  printf("stressfs OK\n");
  return 0;
}
