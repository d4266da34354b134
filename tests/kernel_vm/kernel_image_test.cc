// Checks of the built kernel ELFs (//kernel:kernel, shared trap model, and :kernel_isolated):
// kernel.ld links the kernel where memlayout.h says (KERNLINK, loaded at KERNBASE), and the user
// trap path writes satp and fences only in the isolated model, and in the shared model no stvec
// and no sstatus read. Paths come as --kernel=PATH --isolated=PATH (runfiles-relative).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "kernel/elf.h"
#include "kernel/memlayout.h"

namespace {

std::string g_kernel, g_isolated;

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

// The instructions of each function symbol in `path`, as llvm-objdump prints them.
std::map<std::string, std::vector<std::string>> disassemble(const std::string& path) {
  std::map<std::string, std::vector<std::string>> out;
  const std::string cmd =
      "/usr/lib/llvm-19/bin/llvm-objdump -d --no-show-raw-insn --no-leading-addr '" + path + "'";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr)
    return out;
  char line[512];
  std::string fn;
  while (fgets(line, sizeof(line), f) != nullptr) {
    std::string l(line);
    if (l.size() > 3 && l[0] == '<' && l.find(">:") != std::string::npos) {
      fn = l.substr(1, l.find(">:") - 1);
    } else if (!fn.empty() && l.find_first_not_of(" \t\n") != std::string::npos) {
      out[fn].push_back(l);
    }
  }
  pclose(f);
  return out;
}

int count_matching(const std::vector<std::string>& insns, const char* text) {
  int n = 0;
  for (const std::string& i : insns)
    n += i.find(text) != std::string::npos;
  return n;
}

void check_link_addresses(const std::string& path) {
  std::vector<char> elf = read_file(path);
  ASSERT_GE(elf.size(), sizeof(ElfHeader)) << path;
  ElfHeader eh;
  std::memcpy(&eh, elf.data(), sizeof(eh));
  ASSERT_TRUE(elf_check_header(eh, elf.size()).ok()) << path;
  EXPECT_EQ(eh.entry, KERNLINK) << "_entry must be the first byte of the image";
  int loads = 0;
  for (int i = 0; i < eh.phnum; i++) {
    ProgHeader ph;
    std::memcpy(&ph, elf.data() + eh.phoff + i * sizeof(ph), sizeof(ph));
    if (ph.type != kElfProgLoad)
      continue;
    if (loads++ == 0) {
      EXPECT_EQ(ph.vaddr, KERNLINK);
      EXPECT_EQ(ph.paddr, static_cast<uint64>(KERNBASE)) << "QEMU -bios none starts at KERNBASE";
    }
    EXPECT_EQ(ph.vaddr - ph.paddr, KDIRECT)
        << "segment " << i << " is not at its direct-map address";
  }
  EXPECT_GE(loads, 1);
}

// Checks that uservec and userret each write satp `satp` times and fence `fences` times.
void check_trap_path(std::map<std::string, std::vector<std::string>>& fns, int satp, int fences) {
  ASSERT_TRUE(fns.count("uservec") && fns.count("userret")) << "no trampoline symbols";
  for (const char* f : {"uservec", "userret"}) {
    EXPECT_EQ(count_matching(fns[f], "csrw\tsatp"), satp) << f;
    EXPECT_EQ(count_matching(fns[f], "sfence.vma"), fences) << f;
  }
}

TEST(KernelImage, LinkedAtKernlinkLoadedAtKernbase) {
  check_link_addresses(g_kernel);
  check_link_addresses(g_isolated);
}

TEST(KernelImage, SharedTrapPathWritesNoSatpAndFencesNothing) {
  auto fns = disassemble(g_kernel);
  check_trap_path(fns, 0, 0);
  // satp is written only to turn paging on (relocate, kvminithart), by switchuvm, and by start()
  // (0, in machine mode).
  for (const auto& [fn, insns] : fns) {
    if (count_matching(insns, "csrw\tsatp") == 0)
      continue;
    EXPECT_TRUE(fn == "relocate" || fn == "start" || fn.find("kvminithart") != std::string::npos ||
                fn.find("switchuvm") != std::string::npos)
        << "satp written in " << fn;
  }
}

// Every CSR access ends a QEMU translation block, so the shared model's user trap path keeps them
// few: stvec is written once per hart (uservec is the one vector, kernel traps included), and
// sstatus is written on the way out without being read.
TEST(KernelImage, SharedTrapPathWritesNoStvecAndReadsNoSstatus) {
  auto fns = disassemble(g_kernel);
  for (const char* f : {"usertrap", "_Z14prepare_returnv"}) {
    ASSERT_TRUE(fns.count(f)) << f;
    for (const std::string& insn : fns[f])
      EXPECT_FALSE(insn.find("csrr\t") != std::string::npos &&
                   insn.find(", sstatus") != std::string::npos)
          << f << " reads sstatus: " << insn;
  }
  for (const auto& [fn, insns] : fns) {
    if (count_matching(insns, "csrw\tstvec") != 0)
      EXPECT_NE(fn.find("trapinithart"), std::string::npos) << "stvec written in " << fn;
  }
}

TEST(KernelImage, IsolatedTrapPathSwitchesSatpOnEveryTrap) {
  auto fns = disassemble(g_isolated);
  check_trap_path(fns, 1, 2);
}

} // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const std::string srcdir =
      std::string(getenv("TEST_SRCDIR")) + "/" + getenv("TEST_WORKSPACE") + "/";
  for (int i = 1; i < argc; i++) {
    if (std::strncmp(argv[i], "--kernel=", 9) == 0)
      g_kernel = srcdir + (argv[i] + 9);
    if (std::strncmp(argv[i], "--isolated=", 11) == 0)
      g_isolated = srcdir + (argv[i] + 11);
  }
  return RUN_ALL_TESTS();
}
