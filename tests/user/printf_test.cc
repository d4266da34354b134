// Host unit tests for the user library's printf (user/printf.cc), built with the host toolchain
// with write() replaced by a recorder (fake_write.cc).

#include <gtest/gtest.h>

#include <string>

#include "tests/user/fake_write.h"

namespace {

class PrintfTest : public ::testing::Test {
protected:
  void SetUp() override { fake_write::calls().clear(); }

  // Everything written to fd, concatenated.
  static std::string out(int fd = 1) {
    std::string s;
    for (const auto& c : fake_write::calls()) {
      if (c.fd == fd)
        s += c.data;
    }
    return s;
  }
};

// The format strings are deliberately unusual in places; the checker does not know lv_printf.
TEST_F(PrintfTest, PlainTextAndPercent) {
  lv_printf("hello, world\n");
  lv_printf("100%%\n");
  EXPECT_EQ(out(), "hello, world\n100%\n");
}

TEST_F(PrintfTest, Integers) {
  lv_printf("%d %i %d %d %u %x\n", 0, 42, -7, -2147483647 - 1, 4294967295u, 0xbeefu);
  EXPECT_EQ(out(), "0 42 -7 -2147483648 4294967295 beef\n");
}

TEST_F(PrintfTest, LongModifiers) {
  lv_printf("%ld %lu %lx %lld %llu %llx %zu\n", -9223372036854775807L - 1, 18446744073709551615UL,
            0xdeadbeefcafeUL, -5LL, 12345678901234ULL, 0xffULL, static_cast<size_t>(77));
  EXPECT_EQ(out(),
            "-9223372036854775808 18446744073709551615 deadbeefcafe -5 12345678901234 ff 77\n");
}

TEST_F(PrintfTest, PointersAreSixteenHexDigits) {
  lv_printf("%p %p\n", reinterpret_cast<void*>(0x1234), static_cast<void*>(nullptr));
  EXPECT_EQ(out(), "0x0000000000001234 0x0000000000000000\n");
}

TEST_F(PrintfTest, StringsAndChars) {
  const char* null_string = nullptr;
  lv_printf("[%s] [%s] [%c%c]\n", "abc", null_string, 'x', 'y');
  EXPECT_EQ(out(), "[abc] [(null)] [xy]\n");
}

TEST_F(PrintfTest, WidthAndFlags) {
  lv_printf("[%5d][%-5d][%05d][%-6s][%6s][%08x][%3d][%-3c]\n", 42, 42, -42, "ab", "ab", 0xabcu,
            12345, 'z');
  EXPECT_EQ(out(), "[   42][42   ][-0042][ab    ][    ab][00000abc][12345][z  ]\n");
}

TEST_F(PrintfTest, UnknownConversionsArePrintedAsIs) {
  lv_printf("%q %");
  EXPECT_EQ(out(), "%q %");
}

TEST_F(PrintfTest, FprintfUsesItsFd) {
  lv_fprintf(2, "err %d\n", 1);
  lv_printf("out\n");
  EXPECT_EQ(out(2), "err 1\n");
  EXPECT_EQ(out(1), "out\n");
}

TEST_F(PrintfTest, OneWritePerCallWhenItFits) {
  lv_printf("%s %d %s\n", "a line", 12, "with several conversions");
  ASSERT_EQ(fake_write::calls().size(), 1u);
  EXPECT_EQ(fake_write::calls()[0].data, "a line 12 with several conversions\n");
}

TEST_F(PrintfTest, LongOutputIsCompleteAcrossWrites) {
  std::string big(1000, 'q');
  lv_printf("<%s>", big.c_str());
  EXPECT_EQ(out(), "<" + big + ">");
  EXPECT_GT(fake_write::calls().size(), 1u);
}

TEST_F(PrintfTest, EmptyFormatWritesNothing) {
  lv_printf("%s", "");
  EXPECT_TRUE(fake_write::calls().empty());
}

} // namespace
