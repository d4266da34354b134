// grep: prints the lines of each named file (or standard input) that match a pattern.
//
// Patterns are tiny regular expressions: c matches the character c, '.' any character, 'x*' zero
// or more x, '^' at the start anchors to the line's start and '$' at the end to its end.
// Exit status: 0 if some line matched, 1 if none did, 2 on an error.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

bool match_here(const char* re, const char* text);

// Does c* followed by re match a prefix of text? Tries the shortest run of c first.
bool match_star(char c, const char* re, const char* text) {
  for (;;) {
    if (match_here(re, text))
      return true;
    if (*text == 0 || (c != '.' && *text != c))
      return false;
    text++;
  }
}

// Does re match a prefix of text?
bool match_here(const char* re, const char* text) {
  for (;;) {
    if (re[0] == 0)
      return true;
    if (re[1] == '*')
      return match_star(re[0], re + 2, text);
    if (re[0] == '$' && re[1] == 0)
      return *text == 0;
    if (*text == 0 || (re[0] != '.' && re[0] != *text))
      return false;
    re++;
    text++;
  }
}

// Does re match anywhere in text?
bool match(const char* re, const char* text) {
  if (re[0] == '^')
    return match_here(re + 1, text);
  for (;; text++) { // the empty rest of the text is tried too
    if (match_here(re, text))
      return true;
    if (*text == 0)
      return false;
  }
}

char buf[1024];
bool matched_any = false;

// Matches one NUL-terminated line (without its '\n') and prints it if it matches.
void check_line(const char* pattern, char* line, int len) {
  if (!match(pattern, line))
    return;
  matched_any = true;
  line[len] = '\n'; // the NUL goes back to being the line's end
  write(1, line, len + 1);
}

// Greps fd. Lines longer than the buffer are matched in buffer-sized pieces.
void grep(const char* pattern, int fd) {
  int m = 0; // bytes held in buf
  int n;
  while ((n = read(fd, buf + m, sizeof(buf) - m - 1)) > 0) {
    m += n;
    buf[m] = 0;
    char* p = buf;
    char* q;
    while ((q = strchr(p, '\n')) != nullptr) {
      *q = 0;
      check_line(pattern, p, q - p);
      p = q + 1;
    }
    m -= p - buf;
    memmove(buf, p, m);
    if (m == static_cast<int>(sizeof(buf)) - 1) { // no newline in a full buffer
      buf[m] = 0;
      check_line(pattern, buf, m);
      m = 0;
    }
  }
  if (n < 0) {
    fprintf(2, "grep: read error\n");
    exit(2);
  }
  if (m > 0) { // a last line without a newline
    buf[m] = 0;
    check_line(pattern, buf, m);
  }
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc < 2) {
    fprintf(2, "usage: grep pattern [file ...]\n");
    return 2;
  }
  const char* pattern = argv[1];

  if (argc == 2) {
    grep(pattern, 0);
  } else {
    for (int i = 2; i < argc; i++) {
      int fd = open(argv[i], O_RDONLY);
      if (fd < 0) {
        fprintf(2, "grep: cannot open %s\n", argv[i]);
        return 2;
      }
      grep(pattern, fd);
      close(fd);
    }
  }
  return matched_any ? 0 : 1;
}
