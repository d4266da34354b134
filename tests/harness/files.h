// Host files for tests that boot on a modified disk image or keep one: read a whole file, write
// one, and the directories Bazel gives a test. Failures are recorded as GoogleTest failures.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lazyv6::harness {

// The directory named by environment variable `name` (TEST_TMPDIR, TEST_UNDECLARED_OUTPUTS_DIR),
// or /tmp when it is unset or empty.
std::string env_dir(const char* name);

// The bytes of the file at `path` (at most 1 GiB); empty, with a failure recorded, if unreadable.
std::vector<uint8_t> read_bytes(const std::string& path);

// Writes `bytes` to `path` (replacing it); records a failure if that does not work.
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);

// Writes `bytes` to a fresh file `name` under $TEST_TMPDIR and returns its path.
std::string write_temp(const std::string& name, const std::vector<uint8_t>& bytes);

} // namespace lazyv6::harness
