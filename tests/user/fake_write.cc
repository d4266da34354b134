// Host stand-ins for the two user-library functions user/printf.cc calls, renamed by the
// -Dwrite=lv_write -Dstrlen=lv_strlen copts of //tests/user:printf_host. lv_write records every
// call, so the tests can check both the text and how many write() calls it took.

#include "tests/user/fake_write.h"

#include <string>
#include <vector>

namespace fake_write {

std::vector<Call>& calls() {
  static std::vector<Call> c;
  return c;
}

} // namespace fake_write

extern "C" int lv_write(int fd, const void* buf, int n) {
  fake_write::calls().push_back({fd, std::string(static_cast<const char*>(buf), n)});
  return n;
}

extern "C" unsigned int lv_strlen(const char* s) {
  unsigned int n = 0;
  while (s[n])
    n++;
  return n;
}
