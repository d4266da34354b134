#include "tests/harness/files.h"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "mkfs/fsimage.h"

namespace lazyv6::harness {

std::string env_dir(const char* name) {
  const char* d = std::getenv(name);
  return d != nullptr && *d != 0 ? d : "/tmp";
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  auto r = fsimage::read_host_file(path, uint64_t{1} << 30);
  EXPECT_TRUE(r.ok()) << path << ": " << (r.ok() ? "" : r.error());
  return r.ok() ? std::move(r.value()) : std::vector<uint8_t>{};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

std::string write_temp(const std::string& name, const std::vector<uint8_t>& bytes) {
  std::string path = env_dir("TEST_TMPDIR") + "/" + name;
  write_bytes(path, bytes);
  return path;
}

} // namespace lazyv6::harness
