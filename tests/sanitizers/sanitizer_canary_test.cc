// Runs sanitizer_canary (argv[1]) in each mode and expects the sanitizer's report and a failing
// exit: the host sanitizer transition is really on. Only meaningful under sanitized_test.

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace {

std::string g_canary;

struct Outcome {
  int status = -1;
  std::string output; // stdout and stderr
};

Outcome run_canary(const std::string& mode) {
  Outcome r;
  std::string command = "'" + g_canary + "' " + mode + " 2>&1";
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr)
    return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    r.output.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

TEST(SanitizerCanary, CleanRunPasses) {
  Outcome r = run_canary("ok");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("survived ok"), std::string::npos) << r.output;
}

TEST(SanitizerCanary, AsanCatchesHeapOverflow) {
  Outcome r = run_canary("heap-overflow");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("AddressSanitizer: heap-buffer-overflow"), std::string::npos) << r.output;
}

TEST(SanitizerCanary, AsanCatchesUseAfterFree) {
  Outcome r = run_canary("use-after-free");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("AddressSanitizer: heap-use-after-free"), std::string::npos) << r.output;
}

TEST(SanitizerCanary, UbsanCatchesSignedOverflowAndStops) {
  Outcome r = run_canary("signed-overflow");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("signed integer overflow"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("survived"), std::string::npos)
      << "-fno-sanitize-recover: must not go on";
}

} // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CANARY_BINARY\n", argv[0]);
    return 2;
  }
  g_canary = argv[1];
  return RUN_ALL_TESTS();
}
