// exec(): build a new user address space from an ELF file, then swap it in.
#include "kernel/exec.h"

#include "kernel/arch.h"
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

// Fills page with the page at va of seg: the file bytes below filesz, zeros after them. Invalid if
// ip (image's inode, locked) changed since exec or no longer holds those bytes.
Result<void> fill_locked(Inode* ip, const ExecImage& image, const ImageSegment& seg, VirtAddr va,
                         void* page) REQUIRES(ip->lock) {
  const uint64 off = va.raw() - seg.vaddr;
  const uint64 n =
      off >= seg.filesz ? 0 : (seg.filesz - off < kPageSize ? seg.filesz - off : kPageSize);
  if (n > 0) {
    if (ip->gen != image.gen)
      return Error::Invalid;
    TRY(read_exact(ip, page, static_cast<uint>(seg.off + off), static_cast<uint>(n)));
  }
  memset(static_cast<char*>(page) + n, 0, kPageSize - n);
  return {};
}

// Records every PT_LOAD segment of the ELF file ip in image (checked as they would be loaded: in
// ascending order, no shared page, at most kMaxImageSegments) without reading or mapping any of
// their pages. *sz becomes the end of the highest segment rounded up to a page, *entry the entry
// point.
Result<void> read_segments(Inode* ip, ExecImage& image, uint64* sz, uint64* entry)
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
    *sz = page_round_up(ph.vaddr + ph.memsz);
    if (ph.memsz == 0)
      continue;
    if (image.nseg == kMaxImageSegments)
      return Error::TooBig;
    image.seg[image.nseg++] = {ph.vaddr, ph.memsz, ph.off, ph.filesz, elf_segment_perm(ph.flags)};
  }
  image.end = *sz;
  *entry = eh.entry;
  return {};
}

// The eager loader (execload(1), for measuring what loading on first touch saves):
// maps every page of image's segments into pt, filled from its file ip, as exec did before.
Result<void> load_all(Inode* ip, PageTable pt, const ExecImage& image, VmStats& stats)
    REQUIRES(ip->lock) {
  for (int i = 0; i < image.nseg; i++) {
    const ImageSegment& seg = image.seg[i];
    for (uint64 va = seg.vaddr; va < seg.vaddr + seg.memsz; va += kPageSize) {
      void* mem = kalloc();
      if (mem == nullptr)
        return Error::NoMemory;
      Result<void> filled = fill_locked(ip, image, seg, VirtAddr(va), mem);
      if (filled.ok())
        filled = mappages(pt, VirtAddr(va), kPageSize, PhysAddr::from_ptr(mem),
                          PteFlag::R | PteFlag::U | seg.perm, &stats);
      if (!filled.ok()) {
        kfree(mem);
        return filled.error();
      }
    }
  }
  return {};
}

// Drops a reference to an executable's inode, in its own transaction (the last reference to an
// unlinked file frees it). Sleeps on the disk.
void image_put(Inode* ip) {
  begin_op();
  iput(ip);
  end_op();
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

// vm_fault's loader for a page of a segment (vm.h): a page wholly past the segment's file bytes is
// zeroed, no disk. Otherwise it reads the file under the inode's sleeplock, which it takes only if
// the caller holds no lock at all: a copyin/copyout made under a spinlock (pipe, console, wait)
// must not sleep, and one made under a sleeplock (readi/writei hold the file's inode lock) could
// take the same lock again or, with another process, deadlock ABBA; then Busy, the copy fails and
// the system call returns -1 (the syscalls that copy under locks preload first: image_preload).
// Invalid if the file changed since exec. Sleeps on the disk.
Result<void> image_fill_page(const ExecImage& image, const ImageSegment& seg, VirtAddr va,
                             void* page) {
  if (va.raw() - seg.vaddr >= seg.filesz) {
    memset(page, 0, kPageSize);
    return {};
  }
  // Holding a spinlock means interrupts are off, and then this thread cannot move to another hart
  // between mycpu() and the read of noff.
  const bool spinlocked = !arch::intr_get() && mycpu()->noff > 0;
  if (spinlocked || myproc()->sleeplocks > 0)
    return Error::Busy;
  ilock(image.ip);
  Result<void> r = fill_locked(image.ip, image, seg, va, page);
  iunlock(image.ip);
  return r;
}

// Loads the untouched pages of the current process's executable that [va, va+len) overlaps, so
// that a system call which then copies that range under a lock (read/write of a file, pipe or
// console; wait) finds them mapped. Costs one comparison for a range above the image (the
// stack, the heap). Best effort: a page it cannot load makes the later copy fail with -1. Call
// with no lock held; sleeps on the disk.
void image_preload(uint64 va, uint64 len) {
  Proc* p = myproc();
  if (va >= p->image.end || len == 0)
    return;
  const uint64 end = len > p->image.end - va ? p->image.end : va + len;
  for (uint64 a = page_round_down(va); a < end; a += kPageSize) {
    if (image_segment(&p->image, a) == nullptr)
      continue; // a gap between segments: an ordinary untouched page
    Pte* pte = walk(p->pagetable, VirtAddr(a), Alloc::No);
    if (pte == nullptr || !pte->valid())
      (void)vm_fault(p->pagetable, p->sz, VirtAddr(a), Access::Read, p->vm, &p->image);
  }
}

// Loads the ELF program at path into a new address space: records its PT_LOAD segments (text
// R-X, data R-W) for loading on first touch (vm_fault, image_fill_page) and maps none of them,
// then maps a guard page and USERSTACK stack pages holding argv (kernel strings,
// nullptr-terminated, at most MAXARG, each shorter than a page). On success frees the old image,
// drops the old executable's reference and keeps one to the new; sets sp, epc and a1 (argv) and
// returns argc for a0. On failure the process is unchanged. Sleeps on the disk.
Result<int> kexec(const char* path, const char* const* argv) {
  Proc* p = myproc();
  VmStats stats{};
  PageTable pt = nullptr;
  ExecImage image{};
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
      pt == nullptr ? Result<void>(Error::NoMemory) : read_segments(ip, image, &sz, &entry);
  image.ip = ip; // the reference namei took
  image.gen = ip->gen;
  if (loaded.ok() && p->exec_eager)
    loaded = load_all(ip, pt, image, stats);
  iunlock(ip);
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
      argc = push_args(UserMem{pt, sz, &stats, nullptr}, stackbase, &sp, argv);
    } else {
      argc = top.error();
    }
  } else {
    argc = loaded.error();
  }
  if (!argc.ok()) {
    if (pt != nullptr)
      proc_freepagetable(pt, sz, stats);
    image_put(ip);
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
  Inode* oldip = p->image.ip;
  p->pagetable = pt;
  p->sz = sz;
  p->image = image;
  p->vm.resident = stats.resident;
  p->vm.ptpages = stats.ptpages; // faults and fault time stay: they count over the process's life
  p->trapframe->epc = entry;
  p->trapframe->sp = sp;
  p->trapframe->a1 = sp; // argv; argc goes in a0 as the return value
  switchuvm(pt);         // shared trap model: nothing on the way back to user mode writes satp
  proc_freepagetable(oldpt, oldsz, oldstats);
  if (oldip != nullptr)
    image_put(oldip);
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

// int execload(int eager): 1 makes this process's later execs (and its children's, which inherit
// it) read and map every text and data page up front, as exec did before loading on first touch;
// 0 restores loading on first touch (the default); -1 only asks. Returns the policy before the
// call (0 or 1), or -1 for any other argument.
uint64 sys_execload() {
  const int eager = argint(0);
  Proc* p = myproc();
  const uint64 old = p->exec_eager ? 1 : 0;
  if (eager == 0 || eager == 1)
    p->exec_eager = eager == 1;
  else if (eager != -1)
    return kSyscallError;
  return old;
}
