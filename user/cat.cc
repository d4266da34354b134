// cat: copies each named file (or standard input, if none is named) to standard output.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

char buf[512];

// Copies fd to standard output until end of file; exits with status 1 on an I/O error.
void cat(int fd) {
  int n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    if (write(1, buf, n) != n) {
      fprintf(2, "cat: write error\n");
      exit(1);
    }
  }
  if (n < 0) {
    fprintf(2, "cat: read error\n");
    exit(1);
  }
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc <= 1) {
    cat(0);
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "cat: cannot open %s\n", argv[i]);
      return 1;
    }
    cat(fd);
    close(fd);
  }
  return 0;
}
