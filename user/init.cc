// init: the first user process. Opens the console as fds 0, 1 and 2 (creating the console device
// file if it is missing), then runs sh forever, restarting it whenever it exits, and reaps every
// orphan the kernel hands it.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

constexpr short kConsoleMajor = 1;  // the console's device number, as in xv6

char sh_path[] = "sh";
char* sh_argv[] = {sh_path, nullptr};

}  // namespace

int main() {
  if (open("console", O_RDWR) < 0) {
    mknod("console", kConsoleMajor, 0);
    if (open("console", O_RDWR) < 0) exit(1);  // nowhere to even report it
  }
  dup(0);  // stdout
  dup(0);  // stderr

  for (;;) {
    printf("init: starting sh\n");
    int pid = fork();
    if (pid < 0) {
      printf("init: fork failed\n");
      exit(1);
    }
    if (pid == 0) {
      exec(sh_path, sh_argv);
      printf("init: exec sh failed\n");
      exit(1);
    }

    // Wait for this shell to exit, reaping orphaned processes meanwhile.
    for (;;) {
      int wpid = wait(nullptr);
      if (wpid == pid) break;  // the shell exited: start another
      if (wpid < 0) {
        printf("init: wait returned an error\n");
        exit(1);
      }
      // Otherwise an orphan was reaped: nothing more to do.
    }
  }
}
