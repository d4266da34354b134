#include "bench/host_load.h"

#include <fstream>

namespace lazyv6::bench {

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string first;
  return in >> first ? first : "?";
}

} // namespace lazyv6::bench
