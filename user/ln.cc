// ln: makes `new` another name (a hard link) for the file `old`.

#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  if (argc != 3) {
    fprintf(2, "usage: ln old new\n");
    return 1;
  }
  if (link(argv[1], argv[2]) < 0) {
    fprintf(2, "link %s %s: failed\n", argv[1], argv[2]);
    return 1;
  }
  return 0;
}
