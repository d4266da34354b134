// The mkfs command line (run_mkfs): argument forms, names, and every error case, each of which must
// leave no output file behind.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mkfs/cli.h"
#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"
#include "tests/fs/test_util.h"

namespace fsimage {
namespace {

using testing::pattern;
using testing::TempDir;

class MkfsCli : public ::testing::Test {
protected:
  void SetUp() override {
    testing::write_host(tmp_ / "README", pattern(100, 1));
    testing::write_host(tmp_ / "_cat", pattern(5000, 2));
    testing::write_host(tmp_ / "big", pattern(kMaxFileBytes, 3));
    testing::write_host(tmp_ / "toobig", pattern(kMaxFileBytes + 1, 4));
    testing::write_host(tmp_ / "empty", {});
  }

  int run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return run_mkfs(args, out_, err_);
  }

  // Expects mkfs to fail with one "mkfs: ..." line containing `needle`, leaving no image and no
  // temporary file.
  void expect_failure(const std::vector<std::string>& args, const std::string& needle) {
    const auto before = listing();
    EXPECT_EQ(run(args), 1);
    const std::string e = err_.str();
    EXPECT_EQ(e.rfind("mkfs: ", 0), 0u) << e;
    EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
    EXPECT_NE(e.find(needle), std::string::npos) << "wanted '" << needle << "' in: " << e;
    EXPECT_FALSE(std::filesystem::exists(img())) << "partial image left behind";
    EXPECT_EQ(listing(), before) << "stray files left behind";
  }

  std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(tmp_.path())) {
      names.insert(e.path().filename().string());
    }
    return names;
  }

  Image load() {
    auto image = Image::load(img());
    EXPECT_TRUE(image.ok()) << image.error();
    return std::move(image.value());
  }

  std::string img() const { return tmp_ / "fs.img"; }
  std::string in(const std::string& name) const { return tmp_ / name; }

  TempDir tmp_;
  std::ostringstream out_, err_;
};

TEST_F(MkfsCli, NameEqualsPathAndBarePaths) {
  ASSERT_EQ(run({img(), "readme.txt=" + in("README"), in("_cat"), in("empty")}), 0) << err_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(out_.str(), "");
  const Image image = load();
  EXPECT_EQ(read_file(image, "readme.txt"), pattern(100, 1));
  EXPECT_EQ(read_file(image, "cat"), pattern(5000, 2)); // leading '_' stripped, as xv6 does
  EXPECT_EQ(read_file(image, "empty"), std::vector<uint8_t>{});
  EXPECT_EQ(image.lookup("_cat"), std::nullopt);
  EXPECT_EQ(image.lookup("README"), std::nullopt);
  EXPECT_TRUE(check_image(image.bytes()).ok());
}

TEST_F(MkfsCli, DefaultsAreXv6s) {
  ASSERT_EQ(run({img()}), 0) << err_.str();
  const Image image = load();
  EXPECT_EQ(image.bytes().size(), 2000u * kBlockSize);
  EXPECT_EQ(image.superblock().ninodes, 200u);
  EXPECT_EQ(image.superblock().nblocks, 1953u);
  EXPECT_EQ(std::filesystem::status(img()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0644));
}

TEST_F(MkfsCli, OptionForms) {
  ASSERT_EQ(run({"--size=3000", img(), "--ninodes", "64", in("README")}), 0) << err_.str();
  Image image = load();
  EXPECT_EQ(image.superblock().size, 3000u);
  EXPECT_EQ(image.superblock().ninodes, 64u);
  testing::write_host(in("-dash"), pattern(7));
  ASSERT_EQ(run({"--", img(), in("-dash"), "-x=" + in("README")}), 0) << err_.str();
  EXPECT_EQ(read_file(load(), "-dash"), pattern(7));
  EXPECT_EQ(read_file(load(), "-x"), pattern(100, 1));
}

TEST_F(MkfsCli, NameIsSplitAtTheFirstEquals) {
  testing::write_host(in("a=b"), pattern(9));
  ASSERT_EQ(run({img(), "n=" + in("a=b")}), 0) << err_.str();
  EXPECT_EQ(read_file(load(), "n"), pattern(9));
}

TEST_F(MkfsCli, FourteenByteNameAcceptedFifteenRejected) {
  ASSERT_EQ(run({img(), "abcdefghijklmn=" + in("README")}), 0) << err_.str();
  const Image image = load();
  EXPECT_EQ(read_file(image, "abcdefghijklmn"), pattern(100, 1));
  const auto entries = image.read_dir(kRootInum);
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[2].name.size(), 14u); // no NUL stored
  std::filesystem::remove(img());
  expect_failure({img(), "abcdefghijklmno=" + in("README")}, "15 bytes; at most 14 (DIRSIZ)");
  testing::write_host(in("_abcdefghijklmno"), pattern(1)); // 15 after stripping '_'
  expect_failure({img(), in("_abcdefghijklmno")}, "name 'abcdefghijklmno' is 15 bytes");
}

TEST_F(MkfsCli, LargestFileFitsOneMoreByteDoesNot) {
  ASSERT_EQ(run({img(), in("big")}), 0) << err_.str();
  EXPECT_EQ(read_file(load(), "big"), pattern(kMaxFileBytes, 3));
  std::filesystem::remove(img());
  expect_failure({img(), in("toobig")}, "larger than the largest xv6 file (274432 bytes");
}

TEST_F(MkfsCli, InputErrors) {
  expect_failure({img(), in("nosuch")}, "cannot read '" + in("nosuch") + "': No such file");
  expect_failure({img(), tmp_.path().string()}, "Is a directory");
  expect_failure({img(), "=" + in("README")}, "empty file name");
  expect_failure({img(), "a/b=" + in("README")}, "name 'a/b' contains '/'");
  expect_failure({img(), "x="}, "empty PATH in 'x='");
  expect_failure({img(), ".=" + in("README")}, "name '.' is reserved");
  expect_failure({img(), "..=" + in("README")}, "name '..' is reserved");
  expect_failure({img(), in("README"), "README=" + in("_cat")}, "duplicate name 'README'");
  testing::write_host(in("_"), pattern(1));
  expect_failure({img(), in("_")}, "empty file name");
}

TEST_F(MkfsCli, ImageTooSmallForTheInputs) {
  expect_failure({"--size", "100", img(), in("big")}, "image too small: out of data blocks");
  expect_failure({"--ninodes", "3", img(), in("README"), in("_cat")},
                 "image too small: out of inodes (--ninodes 3) while adding file 'cat'");
  // Exactly full is fine: 47 metadata + root + 1 data block.
  ASSERT_EQ(run({"--size", "49", img(), in("README")}), 0) << err_.str();
  EXPECT_TRUE(check_image(load().bytes()).ok());
}

TEST_F(MkfsCli, BadOptionValues) {
  expect_failure({"--size", "abc", img()}, "--size: 'abc' is not a number");
  expect_failure({"--size", "-5", img()}, "--size: '-5' is not a number");
  expect_failure({"--size=", img()}, "--size needs a number");
  expect_failure({"--ninodes", "99999999999", img()}, "too large");
  expect_failure({img(), "--size"}, "--size needs a number");
  expect_failure({"--size", "47", img()}, "--size 47 is too small: the metadata alone takes 47");
  expect_failure({"--size", "0", img()}, "too small");
  expect_failure({"--ninodes", "1", img()}, "--ninodes 1 is too small");
  expect_failure({"--ninodes", "65537", img()}, "--ninodes 65537 is too large");
  expect_failure({"--size", "2000000", img()}, "--size 2000000 is too large");
  expect_failure({"--bogus", img()}, "unknown option '--bogus'");
  expect_failure({"-s", "5", img()}, "unknown option '-s'");
  expect_failure({}, "missing OUTPUT.img");
}

TEST_F(MkfsCli, UnwritableOutput) {
  const std::string out = tmp_ / "no/such/dir/fs.img";
  EXPECT_EQ(run({out, in("README")}), 1);
  EXPECT_NE(err_.str().find("cannot create"), std::string::npos) << err_.str();
  // OUTPUT is an existing directory: rename fails and the temporary goes away.
  std::filesystem::create_directory(tmp_ / "outdir");
  const auto before = listing();
  EXPECT_EQ(run({tmp_ / "outdir", in("README")}), 1);
  EXPECT_NE(err_.str().find("cannot write"), std::string::npos) << err_.str();
  EXPECT_EQ(listing(), before);
}

TEST_F(MkfsCli, FailureLeavesAnExistingImageUntouched) {
  testing::write_host(img(), pattern(10, 42));
  EXPECT_EQ(run({img(), in("nosuch")}), 1);
  EXPECT_EQ(testing::read_host(img()), pattern(10, 42));
}

TEST_F(MkfsCli, Help) {
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_EQ(out_.str().rfind("usage: mkfs [--size BLOCKS] [--ninodes N] OUTPUT.img", 0), 0u);
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(run({img(), "-h"}), 0);
  EXPECT_FALSE(std::filesystem::exists(img()));
}

TEST(InputSpec, Forms) {
  auto s = parse_input_spec("cat=user/_cat");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value().name, "cat");
  EXPECT_EQ(s.value().path, "user/_cat");
  s = parse_input_spec("bazel-out/k8-fastbuild/bin/user/_usertests");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value().name, "usertests");
  s = parse_input_spec("README");
  EXPECT_EQ(s.value().name, "README");
  s = parse_input_spec("__x");
  EXPECT_EQ(s.value().name, "_x"); // only one '_' is stripped
  EXPECT_FALSE(parse_input_spec("a=").ok());
  EXPECT_FALSE(parse_input_spec("").ok());
}

} // namespace
} // namespace fsimage
