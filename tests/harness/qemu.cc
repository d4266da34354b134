// GoogleTest glue for the QEMU harness. See qemu.h.

#include "tests/harness/qemu.h"

namespace lazyv6::harness {

QemuOptions from_test_args() {
  QemuOptions o = options_from_command_line();
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info != nullptr)
    o.log_name = std::string(info->test_suite_name()) + "." + info->name();
  return o;
}

::testing::AssertionResult console_ok(const Status& status) {
  if (status)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << status.message;
}

::testing::AssertionResult console_ok(const ExpectResult& result) {
  if (result)
    return ::testing::AssertionSuccess() << "matched \"" << result.text << "\"";
  return ::testing::AssertionFailure() << result.message;
}

::testing::AssertionResult console_ok(const ExitResult& result) {
  if (result)
    return ::testing::AssertionSuccess() << "QEMU exited with status " << result.status;
  return ::testing::AssertionFailure() << result.message;
}

} // namespace lazyv6::harness
