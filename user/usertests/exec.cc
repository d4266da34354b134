/* usertests: exec success and failure. */
#include "user/usertests/usertests.h"

#include "kernel/elf.h"

using namespace ut;

namespace {

constexpr const char* kEcho = "/echo";

struct ElfImage {
  ElfHeader eh;
  ProgHeader ph;
};

// A plausible RISC-V executable whose one segment loads the file itself at address 0.
ElfImage plausible_elf() {
  ElfImage img;
  memset(&img, 0, sizeof img);
  img.eh.magic = kElfMagic;
  img.eh.elf[0] = kElfClass64;
  img.eh.elf[1] = kElfDataLittle;
  img.eh.elf[2] = 1; // ELF version
  img.eh.type = kElfTypeExec;
  img.eh.machine = kElfMachineRiscv;
  img.eh.version = 1;
  img.eh.phoff = sizeof(ElfHeader);
  img.eh.ehsize = sizeof(ElfHeader);
  img.eh.phentsize = sizeof(ProgHeader);
  img.eh.phnum = 1;
  img.ph.type = kElfProgLoad;
  img.ph.flags = kElfProgFlagRead | kElfProgFlagExec;
  img.ph.filesz = sizeof img;
  img.ph.memsz = sizeof img;
  img.ph.align = PGSIZE;
  return img;
}

int sentinel = 7;

} // namespace

// exec fails, leaving the caller intact, for missing files and files that are not programs.
void execbad(const char* s) {
  static const char* const kArgv[] = {"echo", "hi", nullptr};
  char** argv = const_cast<char**>(kArgv);
  char* heap = static_cast<char*>(malloc(100));
  strcpy(heap, "still here");
  CHECK(exec("/no-such-program", argv) == -1);
  CHECK(write_file("execbad.txt", "#!/bin/sh\necho hi\n", 18) == 18);
  CHECK(write_file("execbad.0", "", 0) == 0);
  CHECK(write_file("execbad.4",
                   "\x7f"
                   "ELF",
                   4) == 4);
  CHECK(exec("execbad.txt", argv) == -1);
  CHECK(exec("execbad.4", argv) == -1);
  CHECK(sentinel == 7 && strcmp(heap, "still here") == 0);

  const char* const kBad[] = {
      "/no-such-program", "execbad.txt", "execbad.0", "execbad.4", "/", "/console", ""};
  for (const char* path : kBad)
    CHECKF(exec_fails(s, path, kArgv), "exec(\"%s\") did not fail", path);
  CHECK(unlink("execbad.txt") == 0);
  CHECK(unlink("execbad.0") == 0);
  CHECK(unlink("execbad.4") == 0);
}

// exec checks ELF headers: program headers beyond the file, memsz < filesz, wrapping,
// unaligned or oversized segments all fail.
void execelf(const char* s) {
  static const char* const kArgv[] = {"bad", nullptr};
  for (int c = 0; c < 8; c++) {
    ElfImage img = plausible_elf();
    switch (c) {
    case 0:
      img.eh.phoff = 4096;
      break; // headers past EOF
    case 1:
      img.eh.phnum = 0xffff;
      break; // ditto, many of them
    case 2:
      img.ph.memsz = img.ph.filesz / 2;
      break; // memsz < filesz
    case 3:
      img.ph.vaddr = 0xfffffffffffff000UL;
      img.ph.memsz = 0x2000;
      break; // wraps
    case 4:
      img.ph.vaddr = 0x100;
      break; // not page-aligned
    case 5:
      img.ph.filesz = img.ph.memsz = 0x10000;
      break; // data past EOF
    case 6:
      img.ph.vaddr = TRAPFRAME - PGSIZE;
      img.ph.memsz = 3 * PGSIZE;
      img.ph.filesz = 0;
      break; // over the trap frame
    case 7:
      img.ph.memsz = MAXVA;
      break; // bigger than memory
    }
    CHECK(write_file("execelf.bin", &img, sizeof img) == sizeof img);
    CHECKF(exec_fails(s, "execelf.bin", kArgv), "bad ELF case %d did not fail", c);
  }
  CHECK(unlink("execelf.bin") == 0);
}

// exec passes up to MAXARG-1 arguments; too many, too long, or more than the stack holds fail.
void execargs(const char* s) {
  const char* argv[MAXARG + 2];
  argv[0] = "echo";
  argv[1] = "hello";
  argv[2] = "lazy";
  argv[3] = "world";
  argv[4] = nullptr;
  int st = run_capture(s, kEcho, argv, buf, kBufSize);
  CHECKF(st == 0 && strcmp(buf, "hello lazy world\n") == 0, "echo printed \"%s\", status %d", buf,
         st);

  // argv[1..] = "a1" .. "a<n>", strings kept in big; expected output built in big too.
  char* strings = big;
  char* expect = big + 512;
  char* e = expect;
  for (int i = 1; i <= MAXARG; i++) {
    name_num(strings + 8 * i, "a", i);
    argv[i] = strings + 8 * i;
  }
  for (int i = 1; i < MAXARG - 1; i++) {
    int n = static_cast<int>(strlen(argv[i]));
    memmove(e, argv[i], n);
    e += n;
    *e++ = i + 1 < MAXARG - 1 ? ' ' : '\n';
  }
  *e = 0;
  argv[MAXARG - 1] = nullptr;
  st = run_capture(s, kEcho, argv, buf, kBufSize);
  CHECKF(st == 0 && strcmp(buf, expect) == 0, "echo with %d arguments printed \"%s\"", MAXARG - 1,
         buf);
  argv[MAXARG - 1] = "x";
  argv[MAXARG] = "y";
  argv[MAXARG + 1] = nullptr;
  CHECKF(exec_fails(s, kEcho, argv), "exec with %d arguments did not fail", MAXARG + 1);

  // One argument longer than a page.
  memset(big, 'x', PGSIZE + 10);
  big[PGSIZE + 10] = 0;
  argv[1] = big;
  argv[2] = nullptr;
  CHECKF(exec_fails(s, kEcho, argv), "exec with a %d-byte argument did not fail", PGSIZE + 10);

  // Arguments that fit one by one but not together on the USERSTACK-page stack.
  static_assert((MAXARG - 2) * 200 > USERSTACK * PGSIZE);
  for (int i = 1; i < MAXARG - 1; i++) {
    argv[i] = big + (i - 1) * 200;
    memset(big + (i - 1) * 200, 'y', 199);
    big[(i - 1) * 200 + 199] = 0;
  }
  argv[MAXARG - 1] = nullptr;
  CHECKF(exec_fails(s, kEcho, argv), "exec with %d bytes of arguments did not fail",
         (MAXARG - 2) * 200);
}

// Failing execs, pipes and opens leave no pages or descriptors behind.
void leakloop(const char* s) {
  static const char* const kArgv[] = {"echo", "x", nullptr};
  CHECK(write_file("leak.txt", "not a program", 13) == 13);
  ElfImage img = plausible_elf();
  img.ph.filesz = img.ph.memsz = 0x10000;
  CHECK(write_file("leak.elf", &img, sizeof img) == sizeof img);
  memset(big, 'x', PGSIZE + 10);
  big[PGSIZE + 10] = 0;
  const char* long_argv[] = {"echo", big, nullptr};
  char* end = fresh_end(s);
  auto** open_argv = reinterpret_cast<const char**>(end - sizeof(char*)); // no terminator

  struct memstat before = mine(s);
  int free_fds = count_free_fds();
  for (int i = 0; i < 30; i++) {
    CHECK(exec("leak.txt", const_cast<char**>(kArgv)) == -1);
    CHECK(exec("leak.elf", const_cast<char**>(kArgv)) == -1);
    CHECK(exec(kEcho, const_cast<char**>(long_argv)) == -1);
    open_argv[0] = "echo";
    CHECK(exec(kEcho, const_cast<char**>(open_argv)) == -1);
    memmove(end - 3, "abc", 3); // unterminated
    CHECK(open(end - 3, O_RDONLY) == -1);
    CHECK(pipe(reinterpret_cast<int*>(end - 4)) == -1);
  }
  struct memstat after = mine(s);
  CHECKF(after.free_pages >= before.free_pages, "free pages %lu -> %lu", before.free_pages,
         after.free_pages);
  CHECK(after.resident == before.resident);
  CHECK(count_free_fds() == free_fds);
  CHECK(unlink("leak.txt") == 0);
  CHECK(unlink("leak.elf") == 0);
}
