// echo: prints its arguments separated by single spaces, then a newline.
// The line goes out in one write() when it fits in the buffer, so it is not split up by other
// output.

#include "kernel/types.h"
#include "user/user.h"

namespace {

char line[512];
int len = 0;

void flush() {
  if (len > 0 && write(1, line, len) != len) {
    fprintf(2, "echo: write error\n");
    exit(1);
  }
  len = 0;
}

void put(char c) {
  if (len == static_cast<int>(sizeof(line)))
    flush();
  line[len++] = c;
}

} // namespace

int main(int argc, char* argv[]) {
  for (int i = 1; i < argc; i++) {
    for (const char* s = argv[i]; *s; s++)
      put(*s);
    put(i + 1 < argc ? ' ' : '\n');
  }
  if (argc < 2)
    put('\n');
  flush();
  return 0;
}
