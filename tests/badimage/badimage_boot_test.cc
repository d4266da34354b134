// Booting on a corrupt or truncated disk image (tests/badimage/badimages.h) must end in a clear
// console message and a halt: a refused superblock powers off with status 1, a problem found later
// is a one-line "panic: ..." naming it. Never a trap dump (a wild pointer), never silence, never a
// shell on a broken root; and where the kernel stops before mounting, it must not have written the
// disk.

#include <algorithm>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mkfs/fsimage.h"
#include "tests/badimage/badimages.h"
#include "tests/harness/files.h"
#include "tests/harness/qemu.h"

namespace {

using namespace std::chrono_literals;
using badimage::Bytes;
using badimage::Case;
using badimage::Stop;
using lazyv6::harness::from_test_args;
using lazyv6::harness::Qemu;
using lazyv6::harness::QemuOptions;
using lazyv6::harness::read_bytes;
using lazyv6::harness::write_temp;

// What must never be on the console of a machine refusing a disk.
const char* const kNever[] = {
    "scause",
    "sepc",
    "stval",
    "kerneltrap",
    "usertrap", // a trap dump: a wild access
    "init: starting sh",
    "$ ", // it booted on a broken root
};

class BadImage : public testing::TestWithParam<Case> {};

TEST_P(BadImage, KernelStopsWithAClearMessage) {
  const Case& c = GetParam();
  QemuOptions opts = from_test_args();
  Bytes img = read_bytes(opts.fs_image);
  ASSERT_FALSE(img.empty());
  c.corrupt(img);
  opts.fs_image = write_temp(c.name + ".img", img);

  Qemu q(opts);
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("lazyv6 kernel is booting", 30s));
  // The clear message, or whatever came instead: a trap dump, the shell, or nothing (a hang).
  auto r = q.expect_any({lazyv6::harness::re(c.message), "scause", "$ "}, 15s);
  ASSERT_CONSOLE(r);
  ASSERT_EQ(r.index, 0) << "expected /" << c.message << "/; the console shows:\n" << q.transcript();

  if (c.stop == Stop::PowerOff) {
    auto exit = q.wait_exit(30s);
    ASSERT_CONSOLE(exit);
    EXPECT_EQ(exit.status, 1) << q.transcript();
  } else {
    // A panic names the problem, then the machine halts: give it a second to do anything else.
    // (The panic line itself may be garbled by another hart's "hart N starting": panic() stops
    // taking the print lock, as in xv6.)
    std::this_thread::sleep_for(1s);
    EXPECT_NE(q.transcript().find("panic: "), std::string::npos) << "not a panic:\n"
                                                                 << q.transcript();
    q.kill();
  }

  const std::string t = q.transcript();
  for (const char* bad : kNever)
    EXPECT_EQ(t.find(bad), std::string::npos) << "console shows \"" << bad << "\":\n" << t;
  if (c.disk_untouched) {
    // QEMU may round an image up to a whole sector with zeros; nothing else may change.
    Bytes after = read_bytes(q.disk_path());
    bool same = after.size() >= img.size() && std::equal(img.begin(), img.end(), after.begin()) &&
                std::all_of(after.begin() + static_cast<long>(img.size()), after.end(),
                            [](uint8_t b) { return b == 0; });
    EXPECT_TRUE(same) << "the kernel wrote the disk before refusing it (" << img.size() << " -> "
                      << after.size() << " bytes)";
  }
  // The whole line that matched, for the test log.
  size_t at = t.find(r.text);
  size_t bol = t.rfind('\n', at);
  bol = bol == std::string::npos ? 0 : bol + 1;
  std::string line = t.substr(bol, t.find('\n', at) - bol);
  std::cout << c.name << ": " << line << "\n";
}

INSTANTIATE_TEST_SUITE_P(Images, BadImage, testing::ValuesIn(badimage::cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

} // namespace
