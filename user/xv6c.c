// xv6c: a C program written the way xv6's own user programs are (their headers, in their order;
// GNU C with `asm volatile`; kernel/riscv.h's register readers; an old-style definition; a variable
// that is set but never used; sleep()), to prove that such programs build and run unchanged.
// It prints one line per check and "xv6c: ok" if all passed.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/syscall.h"

char buf[BSIZE];
int failures;

void check(int ok, char* what) {
  printf("%s: %s\n", what, ok ? "yes" : "NO");
  if (!ok)
    failures++;
}

// An old-style (K&R) definition, which GNU C17 still accepts.
int addup(a, b)
int a;
int b;
{
  return a + b;
}

int main(int argc, char* argv[]) {
  uint64 sp, t0, t1, tp, x, y;
  int fd, n, unused;
  struct stat st;

  unused = 0;
  for (n = 0; n < 3; n++)
    unused += n; // set, never read: clang -Wall warns, xv6's gcc build accepts it

  sp = r_sp();
  check(sp > 0 && sp < TRAPFRAME && PGROUNDDOWN(sp) == PGROUNDDOWN((uint64)&sp),
        "sp in the stack page");

  x = 41;
  asm volatile("addi %0, %1, 1" : "=r"(y) : "r"(x));
  check(y == 42, "asm volatile adds");
  check(addup(40, 2) == 42, "old-style definition");

  tp = r_tp();
  w_tp(0x1234);
  check(r_tp() == 0x1234, "tp written and read");
  w_tp(tp);
  check(r_ra() != 0, "ra set");

  t0 = r_time();
  if (sleep(2) < 0) {
    printf("xv6c: sleep failed\n");
    exit(1);
  }
  t1 = r_time();
  check(t1 > t0, "time advances over sleep(2)");

  check(SYS_write == 16 && SYS_sbrk == 12 && SYS_pause == 13, "xv6 syscall numbers");
  check(BSIZE == 1024 && DIRSIZ == 14 && NOFILE == 16 && MAXPATH == 128, "xv6 constants");
  check(TRAMPOLINE == MAXVA - PGSIZE && TRAPFRAME == TRAMPOLINE - PGSIZE, "xv6 memory layout");

  fd = open("xv6c.tmp", O_CREATE | O_RDWR);
  if (fd < 0) {
    printf("xv6c: cannot create xv6c.tmp\n");
    exit(1);
  }
  memset(buf, 'c', sizeof(buf));
  check(write(fd, buf, sizeof(buf)) == BSIZE, "wrote a block");
  check(fstat(fd, &st) == 0 && st.type == T_FILE && st.size == BSIZE, "fstat of the block");
  close(fd);
  check(unlink("xv6c.tmp") == 0, "unlinked");

  if (failures == 0)
    printf("xv6c: ok, argc %d, argv[0] %s\n", argc, argv[0]);
  exit(failures);
}
