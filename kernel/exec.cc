// exec(): build a new user address space from an ELF file, then swap it in.
#include "kernel/exec.h"

#include "kernel/elf.h"
#include "kernel/inode.h"
#include "kernel/kalloc.h"
#include "kernel/kstring.h"
#include "kernel/log.h"
#include "kernel/param.h"
#include "kernel/proc.h"
#include "kernel/sysargs.h"
#include "kernel/sysproc.h"
#include "kernel/vm.h"

namespace {

// Reads n bytes at file offset off into a kernel buffer; anything short is an error.
Result<void> read_exact(Inode* ip, void* dst, uint off, uint n) REQUIRES(ip->lock) {
  Result<int> r = readi(ip, false, reinterpret_cast<uint64>(dst), off, n);
  if (!r.ok() || r.value() != static_cast<int>(n))
    return Error::Invalid;
  return {};
}

// Copies a segment's file bytes [off, off+sz) to va in pt; the pages are already mapped.
Result<void> loadseg(PageTable pt, uint64 va, Inode* ip, uint64 off, uint64 sz) REQUIRES(ip->lock) {
  for (uint64 i = 0; i < sz; i += kPageSize) {
    Result<PhysAddr> pa = walkaddr(pt, VirtAddr(va + i));
    if (!pa.ok())
      return Error::BadAddress;
    uint64 n = sz - i < kPageSize ? sz - i : kPageSize;
    TRY(read_exact(ip, pa.value().as_ptr(), static_cast<uint>(off + i), static_cast<uint>(n)));
  }
  return {};
}

// Maps and fills every PT_LOAD segment of the ELF file ip into pt. *sz becomes the end of the
// highest segment, *entry the entry point.
Result<void> load_segments(Inode* ip, PageTable pt, VmStats& stats, uint64* sz, uint64* entry)
    REQUIRES(ip->lock) {
  ElfHeader eh;
  if (ip->size < sizeof(eh))
    return Error::Invalid;
  TRY(read_exact(ip, &eh, 0, sizeof(eh)));
  TRY(elf_check_header(eh, ip->size));
  for (uint i = 0; i < eh.phnum; i++) {
    ProgHeader ph;
    TRY(read_exact(ip, &ph, static_cast<uint>(eh.phoff + i * sizeof(ph)), sizeof(ph)));
    if (ph.type != kElfProgLoad)
      continue;
    TRY(elf_check_segment(ph, kHeapLimit, ip->size));
    if (ph.vaddr < *sz)
      return Error::Invalid; // overlaps an earlier segment (or its last page)
    uint64 end;
    TRY_ASSIGN(end, uvmalloc(pt, ph.vaddr, ph.vaddr + ph.memsz, elf_segment_perm(ph.flags), stats));
    *sz = page_round_up(end);
    TRY(loadseg(pt, ph.vaddr, ip, ph.off, ph.filesz));
  }
  *entry = eh.entry;
  return {};
}

// Pushes the argument strings and the argv array on the new stack [stackbase, *sp). Returns argc.
Result<int> push_args(const UserMem& m, uint64 stackbase, uint64* sp, const char* const* argv) {
  uint64 ustack[MAXARG + 1];
  int argc = 0;
  for (; argv[argc] != nullptr; argc++) {
    if (argc >= MAXARG)
      return Error::TooBig;
    uint64 len = strlen(argv[argc]) + 1;
    if (len > kPageSize)
      return Error::TooBig;
    *sp -= len;
    *sp -= *sp % 16; // riscv sp must be 16-byte aligned
    if (*sp < stackbase)
      return Error::TooBig;
    TRY(copyout(m, VirtAddr(*sp), argv[argc], len));
    ustack[argc] = *sp;
  }
  ustack[argc] = 0;
  uint64 bytes = (argc + 1) * sizeof(uint64);
  *sp -= bytes;
  *sp -= *sp % 16;
  if (*sp < stackbase)
    return Error::TooBig;
  TRY(copyout(m, VirtAddr(*sp), ustack, bytes));
  return argc;
}

} // namespace

// Loads the ELF program at path into a new address space: its PT_LOAD segments (text R-X, data
// R-W), a guard page, and USERSTACK stack pages holding argv (kernel strings, nullptr-terminated,
// at most MAXARG, each shorter than a page). On success frees the old image, sets sp, epc and a1
// (argv) and returns argc for a0; on failure the process is unchanged. Sleeps on the disk.
Result<int> kexec(const char* path, const char* const* argv) {
  Proc* p = myproc();
  VmStats stats{};
  PageTable pt = nullptr;
  uint64 sz = 0;
  uint64 entry = 0;

  begin_op();
  Inode* ip = namei(path);
  if (ip == nullptr) {
    end_op();
    return Error::NotFound;
  }
  ilock(ip);
  pt = proc_pagetable(p, stats);
  Result<void> loaded =
      pt == nullptr ? Result<void>(Error::NoMemory) : load_segments(ip, pt, stats, &sz, &entry);
  iunlockput(ip);
  end_op();

  // Stack: one guard page (no PTE_U, so an overflow faults) under USERSTACK pages.
  uint64 sp = 0;
  uint64 stackbase = 0;
  Result<int> argc = Error::Invalid;
  if (loaded.ok()) {
    const uint64 stack_top = sz + (USERSTACK + 1) * kPageSize;
    Result<uint64> top = stack_top > kHeapLimit ? Result<uint64>(Error::TooBig)
                                                : uvmalloc(pt, sz, stack_top, PteFlag::W, stats);
    if (top.ok()) {
      uvmclear(pt, VirtAddr(sz));
      sz = top.value();
      sp = sz;
      stackbase = sp - USERSTACK * kPageSize;
      argc = push_args(UserMem{pt, sz, &stats}, stackbase, &sp, argv);
    } else {
      argc = top.error();
    }
  } else {
    argc = loaded.error();
  }
  if (!argc.ok()) {
    if (pt != nullptr)
      proc_freepagetable(pt, sz, stats);
    return argc.error();
  }

  // Name the process after the last path element.
  const char* last = path;
  for (const char* s = path; *s != 0; s++) {
    if (*s == '/')
      last = s + 1;
  }
  safestrcpy(p->name, last, sizeof(p->name));

  // Commit: swap in the new image and free the old one.
  PageTable oldpt = p->pagetable;
  uint64 oldsz = p->sz;
  VmStats oldstats = p->vm;
  p->pagetable = pt;
  p->sz = sz;
  p->vm.resident = stats.resident;
  p->vm.ptpages = stats.ptpages; // faults and fault time stay: they count over the process's life
  p->trapframe->epc = entry;
  p->trapframe->sp = sp;
  p->trapframe->a1 = sp; // argv; argc goes in a0 as the return value
  switchuvm(pt);         // shared trap model: nothing on the way back to user mode writes satp
  proc_freepagetable(oldpt, oldsz, oldstats);
  return argc;
}

// int exec(const char* path, char* argv[]): copies path and the argument strings (one kernel page
// each) from user memory and calls exec. Returns argc (the new program's a0), or -1.
uint64 sys_exec() {
  char path[MAXPATH];
  if (!argstr(0, path, MAXPATH).ok())
    return kSyscallError;
  uint64 uargv = argaddr(1);

  char* argv[MAXARG + 1] = {};
  uint64 result = kSyscallError;
  int i = 0;
  for (;; i++) {
    if (i > MAXARG)
      goto out; // no terminating null pointer within MAXARG arguments
    Result<uint64> uarg = fetchaddr(uargv + i * sizeof(uint64));
    if (!uarg.ok())
      goto out;
    if (uarg.value() == 0)
      break;
    argv[i] = static_cast<char*>(kalloc());
    if (argv[i] == nullptr)
      goto out;
    if (!fetchstr(uarg.value(), argv[i], kPageSize).ok())
      goto out;
  }
  argv[i] = nullptr;
  {
    Result<int> r = kexec(path, argv);
    if (r.ok())
      result = static_cast<uint64>(r.value());
  }
out:
  for (int j = 0; j <= MAXARG && argv[j] != nullptr; j++)
    kfree(argv[j]);
  return result;
}
