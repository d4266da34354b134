// zombie: leaves a zombie behind. The child exits at once; the parent sleeps and exits without
// waiting, so the child stays a zombie until init adopts and reaps it.

#include "kernel/types.h"
#include "user/user.h"

int main() {
  if (fork() > 0)
    pause(5); // let the child exit first
  return 0;
}
