/* usertests: no user program can reach the kernel's memory, in either trap model. */
#include "user/usertests/usertests.h"

using namespace ut;

namespace {

// Kernel addresses of every kind (kernel/memlayout.h): the kernel image in the upper half, the
// direct map of RAM and devices, the kernel stacks, and the user-half addresses xv6 reserves.
constexpr uint64 kKernelAddrs[] = {
    KERNLINK,                       // kernel text: _entry
    KERNLINK + 0x2000,              // kernel text
    KERNLINK + 0x20000,             // kernel rodata/data
    KDIRECT + KERNBASE + 64 * kMiB, // direct map: a page of RAM (free or in use)
    KDIRECT + PHYSTOP - PGSIZE,     // direct map: the last page of RAM
    KDIRECT + UART0,                // device MMIO: the console UART
    KDIRECT + VIRTIO0,              // device MMIO: the disk
    KDIRECT + PLIC,                 // device MMIO: the interrupt controller
    KDIRECT + 0x100000,             // device MMIO: sifive_test (a store would power off)
    KSTACK(0),                      // a kernel stack
    KSTACK(NPROC - 1),              // the lowest kernel stack
    KERNBASE,                       // where the kernel is in physical memory
    TRAPFRAME,
    TRAMPOLINE,
    MAXVA,
    0xffffffffffffffffUL,
};

} // namespace

// Loads, stores and jumps at kernel addresses kill the process (each in its own child); no
// address in the kernel half has a PTE in the caller's page table as pgpte sees it.
void kernaddr(const char* s) {
  for (uint64 a : kKernelAddrs) {
    CHECKF(killed(s, [a] { load(a); }), "load from %lx did not kill", a);
    CHECKF(killed(s, [a] { store(a); }), "store to %lx did not kill", a);
    CHECKF(killed(s, [a] { reinterpret_cast<void (*)()>(opaque(a))(); }),
           "jump to %lx did not kill", a);
    if (a >= MAXVA)
      CHECKF(pgpte(reinterpret_cast<void*>(a)) == 0, "pgpte(%lx) is not 0", a);
  }
}

// System calls given kernel addresses as buffers or strings fail with -1 and move no data.
void kernaddrsys(const char* s) {
  CHECK(write_file("kaddr.f", "0123456789", 10) == 10);
  for (uint64 a : kKernelAddrs) {
    char* p = reinterpret_cast<char*>(a);
    int fd = open("kaddr.f", O_RDWR);
    CHECK(fd >= 0);
    CHECKF(read(fd, p, 10) == -1, "read(file, %lx) did not fail", a);
    CHECKF(write(fd, p, 10) == -1, "write(file, %lx) did not fail", a);
    CHECKF(fstat(fd, reinterpret_cast<struct stat*>(p)) == -1, "fstat(%lx) did not fail", a);
    close(fd);
    CHECKF(file_size("kaddr.f") == 10, "a failed call on %lx changed the file", a);
    int fds[2];
    CHECK(pipe(fds) == 0);
    int r = write(fds[1], p, 10);
    CHECKF(r == -1 || r == 0, "write(pipe, %lx) returned %d", a, r);
    close(fds[1]);
    CHECKF(read(fds[0], buf, 10) == 0, "write(pipe, %lx) put kernel bytes in the pipe", a);
    close(fds[0]);
    CHECKF(pipe(reinterpret_cast<int*>(p)) == -1, "pipe(%lx) did not fail", a);
    CHECKF(memstat(0, reinterpret_cast<struct memstat*>(p)) == -1, "memstat(0, %lx) did not fail",
           a);
    CHECKF(open(p, O_RDONLY) == -1, "open(%lx) did not fail", a);
    CHECKF(mkdir(p) == -1, "mkdir(%lx) did not fail", a);
    const char* argv[] = {"echo", p, nullptr};
    const char* no_args[] = {nullptr};
    CHECKF(exec_fails(s, p, no_args), "exec(%lx) did not fail", a);
    CHECKF(exec_fails(s, "/echo", argv), "exec(echo, {echo, %lx}) did not fail", a);
    CHECKF(exec_fails(s, "/echo", reinterpret_cast<const char* const*>(p)),
           "exec(echo, argv=%lx) did not fail", a);
    int pid = xfork(s);
    if (pid == 0)
      exit(0);
    CHECKF(wait(reinterpret_cast<int*>(p)) == -1, "wait(%lx) did not fail", a);
    wait(nullptr);
  }
  CHECK(unlink("kaddr.f") == 0);
}
