// What user/printf.cc wrote, when compiled for the host against tests/user/fake_write.cc.
#ifndef LAZYV6_TESTS_USER_FAKE_WRITE_H
#define LAZYV6_TESTS_USER_FAKE_WRITE_H

#include <string>
#include <vector>

// user/printf.cc's functions under their host names (see //tests/user:printf_host).
extern "C" void lv_printf(const char* fmt, ...);
extern "C" void lv_fprintf(int fd, const char* fmt, ...);

namespace fake_write {

struct Call {
  int fd;
  std::string data;
};

// Every write() call made so far, in order.
std::vector<Call>& calls();

} // namespace fake_write

#endif
