// fsck: checks an xv6 file system image. See mkfs/cli.h (run_fsck) and `fsck --help`.
#include <iostream>
#include <string>
#include <vector>

#include "mkfs/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return fsimage::run_fsck(args, std::cout, std::cerr);
}
