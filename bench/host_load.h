// The host's load, as the wall-clock benchmarks report it next to their figures.
#pragma once

#include <string>

namespace lazyv6::bench {

// The host's 1-minute load average, as /proc/loadavg gives it ("?" if unreadable).
std::string load_average();

} // namespace lazyv6::bench
