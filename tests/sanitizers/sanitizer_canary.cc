// A host program with deliberate memory errors and undefined behaviour, one per mode (argv[1]).
// Built through sanitized_test's transition, each mode must die with the sanitizer's report;
// sanitizer_canary_test.cc checks that, proving the transition really sanitizes what it builds.

#include <climits>
#include <cstdio>
#include <cstring>

namespace {

volatile int g_int_max = INT_MAX;
volatile int g_one = 1;
volatile int g_index = 8;

int heap_overflow() {
  int* a = new int[8];
  int v = a[g_index]; // one past the end
  delete[] a;
  return v;
}

int use_after_free() {
  int* a = new int[8]();
  delete[] a;
  return a[g_one];
}

int signed_overflow() {
  return g_int_max + g_one;
}

} // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  int v = 0;
  if (std::strcmp(mode, "heap-overflow") == 0) {
    v = heap_overflow();
  } else if (std::strcmp(mode, "use-after-free") == 0) {
    v = use_after_free();
  } else if (std::strcmp(mode, "signed-overflow") == 0) {
    v = signed_overflow();
  } else if (std::strcmp(mode, "ok") != 0) {
    std::fprintf(stderr, "usage: %s heap-overflow|use-after-free|signed-overflow|ok\n", argv[0]);
    return 2;
  }
  std::printf("survived %s (%d)\n", mode, v);
  return 0;
}
