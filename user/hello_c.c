// hello_c: a plain C11 program written the way xv6 programs are, to prove that C code builds
// against lazyv6's user library unchanged.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  struct stat st;
  char* p;
  int i;

  printf("hello from C, argc %d, argv[0] %s\n", argc, argv[0]);

  p = malloc(100);
  if (p == 0) {
    printf("hello_c: malloc failed\n");
    exit(1);
  }
  for (i = 0; i < 99; i++)
    p[i] = 'a' + i % 26;
  p[99] = 0;
  printf("malloc'd %d bytes at %p, strlen %d\n", 100, p, strlen(p));
  free(p);

  if (fstat(1, &st) < 0) {
    printf("hello_c: fstat failed\n");
    exit(1);
  }
  printf("stdout: type %d ino %d\n", st.type, st.ino);

  p = sbrk(4096);
  if (p == SBRK_ERROR) {
    printf("hello_c: sbrk failed\n");
    exit(1);
  }
  p[0] = 'x';
  p[4095] = 'y';
  printf("sbrk ok: %c%c\n", p[0], p[4095]);

  exit(0);
}
