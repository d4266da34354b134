// ls: lists files. For each argument (default "."): a file or device prints one line, a directory
// one line per entry. Each line is "name type inum size", the name padded to DIRSIZ as in xv6.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

int status = 0; // exit status: 1 once anything could not be listed

// The last component of path, padded with spaces to DIRSIZ (names that long are left as they are).
const char* fmtname(const char* path) {
  static char name[DIRSIZ + 1];
  const char* base = path + strlen(path);
  while (base > path && base[-1] != '/')
    base--;

  int len = static_cast<int>(strlen(base));
  if (len >= DIRSIZ)
    return base;
  memmove(name, base, len);
  memset(name + len, ' ', DIRSIZ - len);
  name[DIRSIZ] = 0;
  return name;
}

void print_entry(const char* path, const struct stat& st) {
  printf("%s %d %u %lu\n", fmtname(path), st.type, st.ino, st.size);
}

// Lists path: the file itself, or every entry of the directory.
void ls(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    fprintf(2, "ls: cannot open %s\n", path);
    status = 1;
    return;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    fprintf(2, "ls: cannot stat %s\n", path);
    status = 1;
    close(fd);
    return;
  }

  if (st.type != T_DIR) {
    print_entry(path, st);
    close(fd);
    return;
  }

  // buf holds "path/name" for each entry.
  char buf[MAXPATH + DIRSIZ + 2];
  unsigned int plen = strlen(path);
  if (plen + 1 + DIRSIZ + 1 > sizeof(buf)) {
    fprintf(2, "ls: path too long\n");
    status = 1;
    close(fd);
    return;
  }
  strcpy(buf, path);
  char* name = buf + plen;
  *name++ = '/';

  struct dirent de;
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    memmove(name, de.name, DIRSIZ); // a 14-byte name has no NUL
    name[DIRSIZ] = 0;
    if (stat(buf, &st) < 0) {
      fprintf(2, "ls: cannot stat %s\n", buf);
      status = 1;
      continue;
    }
    print_entry(buf, st);
  }
  close(fd);
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc < 2) {
    ls(".");
  } else {
    for (int i = 1; i < argc; i++)
      ls(argv[i]);
  }
  return status;
}
