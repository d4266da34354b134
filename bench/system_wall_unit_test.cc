// Unit tests of //bench:system_wall's pure parts: flags, round order, median/min/max, the table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/system_wall.h"

namespace lazyv6::bench::wall {
namespace {

// Parses args, expecting success.
WallOptions parsed(const std::vector<std::string>& args) {
  WallOptions o;
  std::string error;
  EXPECT_TRUE(parse_wall_options(args, &o, &error)) << error;
  return o;
}

// Parses args, expecting failure; returns the error.
std::string parse_error(const std::vector<std::string>& args) {
  WallOptions o;
  std::string error;
  EXPECT_FALSE(parse_wall_options(args, &o, &error)) << args.back();
  return error;
}

TEST(Flags, Defaults) {
  WallOptions o = parsed({});
  EXPECT_EQ(o.rounds, 3);
  EXPECT_EQ(o.harts, 3);
  EXPECT_EQ(o.only, Only::Both);
  EXPECT_FALSE(o.help);
}

TEST(Flags, SeparateAndJoinedValues) {
  WallOptions o = parsed({"--rounds", "5", "--harts=2", "--only", "boot", "--kernel=k",
                          "--kernel_isolated", "ki", "--fs=f"});
  EXPECT_EQ(o.rounds, 5);
  EXPECT_EQ(o.harts, 2);
  EXPECT_EQ(o.only, Only::Boot);
  EXPECT_EQ(o.kernel, "k");
  EXPECT_EQ(o.kernel_isolated, "ki");
  EXPECT_EQ(o.fs_image, "f");
  EXPECT_EQ(parsed({"--only=usertests"}).only, Only::Usertests);
  EXPECT_TRUE(parsed({"--help"}).help);
  // The last value wins (bazel run puts the BUILD's args first).
  EXPECT_EQ(parsed({"--kernel=a", "--kernel=b"}).kernel, "b");
}

TEST(Flags, BadValues) {
  EXPECT_NE(parse_error({"--rounds", "0"}).find("bad --rounds='0'"), std::string::npos);
  EXPECT_NE(parse_error({"--rounds=101"}).find("bad --rounds"), std::string::npos);
  EXPECT_NE(parse_error({"--rounds=-1"}).find("bad --rounds"), std::string::npos);
  EXPECT_NE(parse_error({"--rounds=3x"}).find("bad --rounds"), std::string::npos);
  EXPECT_NE(parse_error({"--harts=0"}).find("bad --harts"), std::string::npos);
  EXPECT_NE(parse_error({"--harts=9"}).find("bad --harts"), std::string::npos);
  EXPECT_NE(parse_error({"--only=all"}).find("bad --only='all'"), std::string::npos);
  EXPECT_NE(parse_error({"--rounds"}).find("'--rounds' needs a value"), std::string::npos);
  EXPECT_NE(parse_error({"--frob=1"}).find("unknown flag '--frob'"), std::string::npos);
  EXPECT_NE(parse_error({"--frob"}).find("unknown flag '--frob'"), std::string::npos);
  EXPECT_NE(parse_error({"rounds"}).find("unexpected argument 'rounds'"), std::string::npos);
}

TEST(Flags, UsageLineStartsHelp) {
  EXPECT_EQ(wall_usage_line().rfind("usage: bazel run //bench:system_wall -- ", 0), 0u);
  EXPECT_EQ(wall_usage().rfind(wall_usage_line() + "\n", 0), 0u);
}

TEST(RoundOrder, AlternatesWhichModelGoesFirst) {
  for (int round = 0; round < 6; ++round) {
    auto order = round_order(round);
    EXPECT_NE(order[0], order[1]);
    EXPECT_EQ(order[0], round % 2 == 0 ? Model::Shared : Model::Isolated) << round;
  }
}

TEST(Summarize, MedianMinMax) {
  Stats odd = summarize({3.0, 1.0, 2.0});
  EXPECT_EQ(odd.runs, 3);
  EXPECT_DOUBLE_EQ(odd.median, 2.0);
  EXPECT_DOUBLE_EQ(odd.min, 1.0);
  EXPECT_DOUBLE_EQ(odd.max, 3.0);
  Stats even = summarize({4.0, 1.0, 10.0, 2.0});
  EXPECT_DOUBLE_EQ(even.median, 3.0); // mean of the middle two
  EXPECT_DOUBLE_EQ(even.min, 1.0);
  EXPECT_DOUBLE_EQ(even.max, 10.0);
  Stats one = summarize({7.5});
  EXPECT_EQ(one.runs, 1);
  EXPECT_DOUBLE_EQ(one.median, 7.5);
  EXPECT_EQ(summarize({}).runs, 0);
}

TEST(Table, RowsAndRatios) {
  TableInput in;
  in.rounds = 2;
  in.harts = 3;
  in.load_start = "1.50";
  in.load_end = "2.25";
  in.host_cpus = 2;
  in.measures = {{"boot", {{2.0, 4.0}, {3.0, 5.0}}}, {"usertests", {{100.0, 80.0}, {90.0, 90.0}}}};
  const std::string t = format_table(in);
  EXPECT_NE(t.find("2 rounds, 3 harts"), std::string::npos) << t;
  EXPECT_NE(t.find("host load average (1 min): 1.50 at start, 2.25 at end, 2 host CPUs"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("measure    model     runs   median s      min s      max s  isolated/shared\n"
                   "boot       shared       2      3.000      2.000      4.000\n"
                   "boot       isolated     2      4.000      3.000      5.000            1.333\n"
                   "usertests  shared       2     90.000     80.000    100.000\n"
                   "usertests  isolated     2     90.000     90.000     90.000            1.000\n"),
            std::string::npos)
      << t;
}

} // namespace
} // namespace lazyv6::bench::wall
