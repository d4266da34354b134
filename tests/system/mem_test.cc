// Guest memory follows QEMU's -m: the kernel reads RAM's size from the device tree. 1 GiB gives
// `free` about 262,144 pages; below the stated minimum (128 MiB) the kernel refuses with one
// line and powers off instead of hanging.

#include <string>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;
using harness::QemuOptions;

constexpr uint64_t kPagesPerGiB = (1ull << 30) / 4096;

TEST(Memory, OneGibibyteOfRam) {
  QemuOptions o = from_test_args();
  o.memory = "1G";
  Qemu q(o);
  boot(q);
  ASSERT_FALSE(HasFailure());
  auto f = parse_free(run(q, "free"));
  ASSERT_TRUE(f);
  // All of it but the kernel image, its page tables and stacks (a few MiB).
  EXPECT_LE(f->total, kPagesPerGiB);
  EXPECT_GE(f->total, kPagesPerGiB - 2048);
  EXPECT_GT(f->free, f->total - 1024);
}

TEST(Memory, RefusesTooLittleRam) {
  QemuOptions o = from_test_args();
  o.memory = "64M";
  Qemu q(o);
  ASSERT_CONSOLE(q.start());
  auto r = q.wait_exit(60s);
  ASSERT_TRUE(r.exited) << r.message;
  EXPECT_EQ(r.status, 1);
  const std::string t = q.transcript();
  EXPECT_NE(t.find("lazyv6: needs at least 128 MiB of RAM; this machine has 64 MiB\n"),
            std::string::npos)
      << t;
  EXPECT_EQ(t.find("panic"), std::string::npos) << t;
  EXPECT_EQ(t.find("hart 0 starting"), std::string::npos) << t;
}

} // namespace
} // namespace lazyv6::systest
