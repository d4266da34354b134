// forktest: forks until the process table is full, then checks that every child can be waited
// for and that wait() then reports no children left. Prints "fork test OK" on success.

#include "kernel/types.h"
#include "user/user.h"

namespace {

constexpr int kMaxForks = 1000; // far more than NPROC: fork must fail before this

} // namespace

int main() {
  printf("fork test\n");

  int n = 0;
  for (; n < kMaxForks; n++) {
    int pid = fork();
    if (pid < 0)
      break;
    if (pid == 0)
      exit(0);
  }
  if (n == kMaxForks) {
    printf("fork claimed to work %d times!\n", kMaxForks);
    return 1;
  }

  for (; n > 0; n--) {
    if (wait(nullptr) < 0) {
      printf("wait stopped early\n");
      return 1;
    }
  }
  if (wait(nullptr) != -1) {
    printf("wait got too many\n");
    return 1;
  }

  printf("fork test OK\n");
  return 0;
}
