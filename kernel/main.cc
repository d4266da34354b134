// Supervisor-mode entry on every hart (start() mrets here). Hart 0 initialises the kernel in
// dependency order; the others wait for it, then set up their own paging, trap vector and PLIC.
#include "kernel/arch.h"
#include "kernel/bio.h"
#include "kernel/console.h"
#include "kernel/fdt.h"
#include "kernel/file.h"
#include "kernel/inode.h"
#include "kernel/kalloc.h"
#include "kernel/plic.h"
#include "kernel/poweroff.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/trap.h"
#include "kernel/virtio_disk.h"
#include "kernel/vm.h"

// Physical address of QEMU's device tree (start.cc).
extern uint64 boot_device_tree;

namespace {
constexpr uint64 kMinRam = 128ull << 20; // what init, the shell and usertests need

// Harts in the machine, from the device tree; 0 if it could not be read.
constinit int boot_harts = 0;
constinit volatile bool started = false;
constinit int harts_running = 1; // hart 0; the others add themselves once they have announced

// How long a hart waiting at boot sleeps between looks: 0.1 ms of timebase ticks.
constexpr uint64 kBootPoll = arch::kTimebaseHz / 10'000;

// Waits until done() holds, in wfi between looks, woken by this hart's timer every kBootPoll.
// Spinning instead would take host CPU time from the hart being waited for whenever the host has
// fewer CPUs than QEMU has harts (3 harts on 2 CPUs). Interrupts are off, so wfi only returns;
// the timer stays armed, and this hart's first tick comes early.
template <typename F> void boot_wait(F done) {
  while (!done()) {
    LAZYV6_CSR_WRITE(stimecmp, arch::r_time() + kBootPoll);
    asm volatile("wfi");
  }
}
} // namespace

// Never returns: each hart ends in its scheduler loop.
void main() {
  // start() left the hart id in tp; from here on tp points to this hart's Cpu.
  uint64 hart = arch::r_tp();
  cpus[hart].id = static_cast<int>(hart);
  arch::w_tp(reinterpret_cast<uint64>(&cpus[hart]));

  if (cpuid() == 0) {
    consoleinit();
    printfinit();
    printf("\nlazyv6 kernel is booting\n\n");
    // Still on the boot page table, whose direct map reaches the device tree; read it before
    // kinit() hands out the RAM it sits in.
    const uint8* dtb = PhysAddr(boot_device_tree).as_ptr<const uint8>();
    boot_harts = fdt::count_cpus(dtb);
    const fdt::MemoryRange ram = fdt::memory_range(dtb);
    if (ram.base != KERNBASE || ram.size < kMinRam) {
      printf("lazyv6: needs at least %lu MiB of RAM; this machine has %lu MiB\n", kMinRam >> 20,
             ram.base == KERNBASE ? ram.size >> 20 : 0);
      poweroff(1);
    }
    const uint64 ram_end =
        ram.size < kDirectMapBootEnd - KERNBASE ? KERNBASE + ram.size : kDirectMapBootEnd;
    kinit(PhysAddr(ram_end)); // physical page allocator
    kvminit();                // kernel page table
    kvminithart();            // leave the boot page table for the kernel's
    procinit();               // process table
    trapinit();               // trap vectors
    trapinithart();           // install kernel trap vector
    plicinit();               // interrupt controller
    plicinithart();           // ask PLIC for device interrupts
    binit();                  // buffer cache
    iinit();                  // inode table
    fileinit();               // file table
    virtio_disk_init();       // emulated hard disk
    userinit();               // first user process
    printf("hart %d starting\n", cpuid());
    __sync_synchronize();
    started = true;
    // Let every hart announce itself before the first process can write to the console.
    int expected = boot_harts < NCPU ? boot_harts : NCPU;
    boot_wait([expected] { return __atomic_load_n(&harts_running, __ATOMIC_ACQUIRE) >= expected; });
  } else {
    boot_wait([] { return started; });
    __sync_synchronize();
    printf("hart %d starting\n", cpuid());
    __atomic_fetch_add(&harts_running, 1, __ATOMIC_RELEASE);
    kvminithart();
    trapinithart();
    plicinithart();
  }
  scheduler();
}
