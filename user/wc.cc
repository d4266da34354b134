// wc: counts lines, words and bytes of each named file (or standard input) and prints
// "lines words bytes name".

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

char buf[512];

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

// Counts fd to its end and prints the totals under `name`; exits with status 1 on a read error.
void wc(int fd, const char* name) {
  int lines = 0, words = 0, bytes = 0;
  bool in_word = false;
  int n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    for (int i = 0; i < n; i++) {
      bytes++;
      if (buf[i] == '\n')
        lines++;
      if (is_space(buf[i])) {
        in_word = false;
      } else if (!in_word) {
        in_word = true;
        words++;
      }
    }
  }
  if (n < 0) {
    fprintf(2, "wc: read error\n");
    exit(1);
  }
  printf("%d %d %d %s\n", lines, words, bytes, name);
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc <= 1) {
    wc(0, "");
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "wc: cannot open %s\n", argv[i]);
      return 1;
    }
    wc(fd, argv[i]);
    close(fd);
  }
  return 0;
}
