// init: the first user process. Opens the console as fds 0, 1 and 2 (creating the console device
// file if it is missing), then runs sh forever, restarting it whenever it exits, and reaps every
// orphan the kernel hands it.
//
// init must never exit (the kernel cannot run without it, and no one may kill it), so a failure
// that a busy system can cause is waited out: a fork refused because the process table or memory
// is full is retried after a pause, and so is a wait that fails. init forks with forkcopy (the
// child gets its own copy of init's few pages at once): with copy-on-write fork, init would share
// its pages with the child, and its own next write could need a page when memory is full, and
// kill it.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

constexpr short kConsoleMajor = 1; // the console's device number (kernel/file.h, CONSOLE)
constexpr int kRetryTicks = 10;    // pause before trying a failed fork or wait again

char sh_path[] = "sh";
char* sh_argv[] = {sh_path, nullptr};

// Forks a child that runs the shell; retries until the fork succeeds. Returns the child's pid.
int start_sh() {
  for (;;) {
    printf("init: starting sh\n");
    int pid = forkcopy();
    if (pid == 0) {
      exec(sh_path, sh_argv);
      printf("init: exec sh failed\n");
      exit(1);
    }
    if (pid > 0)
      return pid;
    printf("init: fork failed, retrying\n");
    pause(kRetryTicks);
  }
}

} // namespace

int main() {
  loadimage(); // as sh: long-lived, its pages counted by tests, so loaded once and for all
  if (open("console", O_RDWR) < 0) {
    mknod("console", kConsoleMajor, 0);
    if (open("console", O_RDWR) < 0)
      exit(1); // nowhere to even report it
  }
  dup(0); // stdout
  dup(0); // stderr

  for (;;) {
    int pid = start_sh();
    // Wait for this shell to exit, reaping orphaned processes meanwhile.
    for (;;) {
      int wpid = wait(nullptr);
      if (wpid == pid)
        break; // the shell exited: start another
      if (wpid < 0) {
        // init always has the shell as a child, so this is transient: try again.
        printf("init: wait returned an error\n");
        pause(kRetryTicks);
      }
      // Otherwise an orphan was reaped: nothing more to do.
    }
  }
}
