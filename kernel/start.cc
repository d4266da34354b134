// Machine-mode boot, on every hart: configure what only M-mode can (trap delegation, PMP, timer,
// counters, Zicboz), then drop to supervisor mode in main() with paging off.
#include "kernel/arch.h"
#include "kernel/fdt.h"
#include "kernel/param.h"
#include "kernel/types.h"

void main();
extern "C" bool cbo_zero_probe(void* page);

// Boot stacks for entry.S: one 4096-byte stack per hart.
alignas(16) constinit char stack0[4096 * NCPU] = {};

constinit uint64 arch::cbo_zero_block = 0;
constinit int boot_harts = 0;

namespace {

constexpr uint64 kTimerInterval = 1'000'000;  // 0.1 s at the 10 MHz timebase, as xv6

alignas(4096) constinit uint8 probe_page[4096] = {};

// Finds out whether this machine has cbo.zero and its block size (hart 0 only; all harts are alike).
void probe_zicboz() {
  for (auto& b : probe_page) b = 0xFF;
  if (!cbo_zero_probe(probe_page)) return;
  uint64 n = 0;
  while (n < sizeof(probe_page) && probe_page[n] == 0) n++;
  // Use it only for a power-of-two block size with at least four blocks per page (zero_page()).
  if (n >= 16 && n <= 1024 && (n & (n - 1)) == 0) arch::cbo_zero_block = n;
}

}  // namespace

// Called by entry.S on each hart's boot stack, in M-mode, with the device tree's address. Hart 0
// reads the hart count from it now: the blob sits in RAM that kinit() later hands out.
extern "C" void start(const uint8* device_tree) {
  uint64 hart = LAZYV6_CSR_READ(mhartid);
  if (hart == 0) {
    probe_zicboz();
    boot_harts = fdt::count_cpus(device_tree);
  }

  // mret goes to supervisor mode, at main().
  uint64 ms = LAZYV6_CSR_READ(mstatus);
  ms = (ms & ~arch::kMstatusMppMask) | arch::kMstatusMppS;
  LAZYV6_CSR_WRITE(mstatus, ms);
  LAZYV6_CSR_WRITE(mepc, reinterpret_cast<uint64>(&main));

  // Paging off until kvminithart().
  LAZYV6_CSR_WRITE(satp, 0);

  // Every exception and interrupt goes to supervisor mode.
  LAZYV6_CSR_WRITE(medeleg, 0xffff);
  LAZYV6_CSR_WRITE(mideleg, 0xffff);
  LAZYV6_CSR_SET(sie, arch::kSieSeie | arch::kSieStie);

  // One PMP region giving supervisor mode access to all of physical memory (TOR, R W X).
  LAZYV6_CSR_WRITE(pmpaddr0, 0x3fffffffffffffull);
  LAZYV6_CSR_WRITE(pmpcfg0, 0xf);

  // Timer: supervisor timer interrupts through Sstc's stimecmp, first one kTimerInterval from now.
  LAZYV6_CSR_SET(mie, arch::kSieStie);
  // CBZE lets S-mode use cbo.zero; the bit is WARL, so setting it without Zicboz is harmless (and
  // harts other than 0 may get here before hart 0 has finished probing).
  LAZYV6_CSR_SET(menvcfg, arch::kMenvcfgStce | arch::kMenvcfgCbze);
  // time, cycle and instret readable from S-mode and U-mode (the benchmark reads them in user code).
  LAZYV6_CSR_WRITE(mcounteren, 7);
  LAZYV6_CSR_WRITE(scounteren, 7);
  LAZYV6_CSR_WRITE(stimecmp, arch::r_time() + kTimerInterval);

  // The hart id travels to main() in tp; main() replaces it with the hart's Cpu*.
  arch::w_tp(hart);

  asm volatile("mret");
  __builtin_unreachable();
}
