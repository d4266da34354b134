// Machine-mode boot, on every hart: configure what only M-mode can (trap delegation, PMP, timer,
// counters, Zicboz), then drop to supervisor mode in entry.S's relocate, which turns paging on with
// boot_pagetable and enters main() at the kernel's link address. This file runs at the load
// address with paging off: pc-relative references only (no pointers stored in data, no switch
// that could become a jump table of link addresses); anything more belongs in main().
#include "kernel/arch.h"
#include "kernel/asmdefs.h"
#include "kernel/memlayout.h"
#include "kernel/param.h"
#include "kernel/types.h"

void main();
extern "C" bool cbo_zero_probe(void* page);
extern "C" void relocate(); // entry.S

// Boot stacks for entry.S: one 4096-byte stack per hart.
alignas(16) constinit char stack0[4096 * NCPU] = {};

constinit uint64 arch::cbo_zero_block = 0;
constinit uint64 boot_device_tree = 0; // physical address of QEMU's device tree, for main()

namespace {

alignas(4096) constinit uint8 probe_page[4096] = {};

// Finds out whether this machine has cbo.zero and its block size (hart 0 only; all harts are
// alike).
void probe_zicboz() {
  for (auto& b : probe_page)
    b = 0xFF;
  if (!cbo_zero_probe(probe_page))
    return;
  uint64 n = 0;
  while (n < sizeof(probe_page) && probe_page[n] == 0)
    n++;
  // Use it only for a power-of-two block size with at least four blocks per page (zero_page()).
  if (n >= 16 && n <= 1024 && (n & (n - 1)) == 0)
    arch::cbo_zero_block = n;
}

// The page table every hart turns paging on with: 1 GiB leaves (R W X, never U) mapping physical
// [0, 4 GiB) at the direct map, which covers the devices, the kernel image at its link address and
// the RAM kinit() threads its free list through; plus the gigabyte holding the load address at
// itself, for the few instructions of relocate that run there after satp is written.
// kvminithart() replaces it with kernel_pagetable, which has no user-half mappings.
struct alignas(4096) BootPageTable {
  Pte pte[kPtesPerPage];
};
constexpr uint64 kGiB = 1ull << 30;
constexpr uint64 kBootDirectGiB = kDirectMapBootEnd / kGiB;

// Builds boot_pagetable at compile time (see above).
consteval BootPageTable make_boot_pagetable() {
  BootPageTable t{};
  const PteFlag leaf = PteFlag::V | PteFlag::R | PteFlag::W | PteFlag::X | PteFlag::A | PteFlag::D;
  for (uint64 g = 0; g < kBootDirectGiB; g++) {
    t.pte[VirtAddr(KDIRECT + g * kGiB).px(2)] = Pte::make(PhysAddr(g * kGiB), leaf);
  }
  t.pte[VirtAddr(KERNBASE).px(2)] = Pte::make(PhysAddr(KERNBASE & ~(kGiB - 1)), leaf);
  return t;
}
constinit BootPageTable boot_pagetable = make_boot_pagetable();

} // namespace

// Called by entry.S on each hart's boot stack, in M-mode, with the device tree's physical address
// (hart 0 keeps it for main()).
extern "C" void start(uint64 device_tree) {
  uint64 hart = LAZYV6_CSR_READ(mhartid);
  if (hart == 0) {
    probe_zicboz();
    boot_device_tree = device_tree;
  }

  // mret goes to supervisor mode, at relocate (its load address: this code runs there).
  uint64 ms = LAZYV6_CSR_READ(mstatus);
  ms = (ms & ~arch::kMstatusMppMask) | arch::kMstatusMppS;
  LAZYV6_CSR_WRITE(mstatus, ms);
  LAZYV6_CSR_WRITE(mepc, reinterpret_cast<uint64>(&relocate));

  // Paging off until relocate.
  LAZYV6_CSR_WRITE(satp, 0);

  // Every exception and interrupt goes to supervisor mode.
  LAZYV6_CSR_WRITE(medeleg, 0xffff);
  LAZYV6_CSR_WRITE(mideleg, 0xffff);
  LAZYV6_CSR_SET(sie, arch::kSieSeie | arch::kSieStie);

  // One PMP region giving supervisor mode access to all of physical memory (TOR, R W X).
  LAZYV6_CSR_WRITE(pmpaddr0, 0x3fffffffffffffull);
  LAZYV6_CSR_WRITE(pmpcfg0, 0xf);

  // Timer: supervisor timer interrupts through Sstc's stimecmp, first one arch::kTimerInterval from
  // now.
  LAZYV6_CSR_SET(mie, arch::kSieStie);
  // CBZE lets S-mode use cbo.zero; the bit is WARL, so setting it without Zicboz is harmless (and
  // harts other than 0 may get here before hart 0 has finished probing).
  LAZYV6_CSR_SET(menvcfg, arch::kMenvcfgStce | arch::kMenvcfgCbze);
  // time, cycle and instret readable from S-mode and U-mode (the benchmark reads them in user
  // code).
  LAZYV6_CSR_WRITE(mcounteren, 7);
  LAZYV6_CSR_WRITE(scounteren, 7);
  LAZYV6_CSR_WRITE(stimecmp, arch::r_time() + arch::kTimerInterval);

  // The hart id travels to main() in tp; main() replaces it with the hart's Cpu*.
  arch::w_tp(hart);

  // relocate's arguments: boot_pagetable's physical address (pc-relative addresses are load
  // addresses here), the offset from load to link address, and main's load address.
  const uint64 satp = arch::kSatpSv39 | (reinterpret_cast<uint64>(&boot_pagetable) >> kPageShift);
  asm volatile("mv a0, %0\n"
               "mv a1, %1\n"
               "mv a2, %2\n"
               "mret" ::"r"(satp),
               "r"(kDirectMap), "r"(reinterpret_cast<uint64>(&main))
               : "a0", "a1", "a2");
  __builtin_unreachable();
}
