// rm: removes each named file (or empty directory).

#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  if (argc < 2) {
    fprintf(2, "usage: rm files...\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (unlink(argv[i]) < 0) {
      fprintf(2, "rm: %s failed to delete\n", argv[i]);
      return 1;
    }
  }
  return 0;
}
