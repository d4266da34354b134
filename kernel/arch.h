// RISC-V privileged-architecture access for the kernel: CSRs, interrupt enable, TLB flush,
// counters. Everything is an inline function around one or two instructions.
#pragma once

#include "kernel/addr.h"
#include "kernel/types.h"

// Reads/writes a CSR by name. The name must be a literal the assembler knows.
#define LAZYV6_CSR_READ(name)                                                                      \
  ({                                                                                               \
    uint64 v_;                                                                                     \
    asm volatile("csrr %0, " #name : "=r"(v_)::"memory");                                          \
    v_;                                                                                            \
  })
#define LAZYV6_CSR_WRITE(name, v)                                                                  \
  asm volatile("csrw " #name ", %0" ::"r"(static_cast<uint64>(v)) : "memory")
#define LAZYV6_CSR_SET(name, v)                                                                    \
  asm volatile("csrs " #name ", %0" ::"r"(static_cast<uint64>(v)) : "memory")
#define LAZYV6_CSR_CLEAR(name, v)                                                                  \
  asm volatile("csrc " #name ", %0" ::"r"(static_cast<uint64>(v)) : "memory")

namespace arch {

// mstatus / sstatus bits.
inline constexpr uint64 kMstatusMppMask = 3ull << 11;
inline constexpr uint64 kMstatusMppS = 1ull << 11;
inline constexpr uint64 kSstatusSpp = 1ull << 8;  // previous mode: 1 = supervisor
inline constexpr uint64 kSstatusSpie = 1ull << 5; // supervisor interrupts enabled before the trap
inline constexpr uint64 kSstatusSie = 1ull << 1;  // supervisor interrupt enable
// sstatus for an sret to user mode: SPP = 0 (user), SPIE = 1 (interrupts on there), SIE = 0 (off
// until then). Every other writable field stays 0 in this kernel (FS and VS off: no floating point
// or vector state; SUM and MXR off: the kernel reaches user memory through its direct map), so
// this constant is the whole register and the return path need not read it first.
inline constexpr uint64 kSstatusUserReturn = kSstatusSpie;
// sie bits.
inline constexpr uint64 kSieSeie = 1ull << 9; // external
inline constexpr uint64 kSieStie = 1ull << 5; // timer
// menvcfg bits.
inline constexpr uint64 kMenvcfgStce = 1ull << 63; // Sstc: stimecmp usable by S-mode
inline constexpr uint64 kMenvcfgCbze = 1ull << 7;  // Zicboz: cbo.zero usable below M-mode
// scause values (interrupt bit 63).
inline constexpr uint64 kScauseInterrupt = 1ull << 63;
inline constexpr uint64 kScauseSupervisorTimer = kScauseInterrupt | 5;
inline constexpr uint64 kScauseSupervisorExternal = kScauseInterrupt | 9;
inline constexpr uint64 kScauseInstrPageFault = 12;
inline constexpr uint64 kScauseLoadPageFault = 13;
inline constexpr uint64 kScauseStorePageFault = 15;
inline constexpr uint64 kScauseEcallU = 8;
// satp: Sv39 mode in the top bits, root page number below.
inline constexpr uint64 kSatpSv39 = 8ull << 60;

[[nodiscard]] inline uint64 make_satp(PageTable pt) {
  return kSatpSv39 | (PhysAddr::from_ptr(pt).raw() >> kPageShift);
}

inline uint64 r_tp() {
  uint64 x;
  asm volatile("mv %0, tp" : "=r"(x));
  return x;
}
inline void w_tp(uint64 x) {
  asm volatile("mv tp, %0" ::"r"(x));
}

// Supervisor interrupts on this hart.
inline void intr_on() {
  LAZYV6_CSR_SET(sstatus, kSstatusSie);
}
inline void intr_off() {
  LAZYV6_CSR_CLEAR(sstatus, kSstatusSie);
}
[[nodiscard]] inline bool intr_get() {
  return (LAZYV6_CSR_READ(sstatus) & kSstatusSie) != 0;
}
// Turns interrupts off and returns whether they were on (one csrrc).
[[nodiscard]] inline bool intr_save_off() {
  uint64 old;
  asm volatile("csrrc %0, sstatus, %1" : "=r"(old) : "r"(kSstatusSie) : "memory");
  return (old & kSstatusSie) != 0;
}

// Bytes cbo.zero clears (Zicboz), found by start() on hart 0 before main(); 0 if the machine has
// none.
extern uint64 cbo_zero_block;

// Flushes this hart's TLB (all addresses, all address spaces).
inline void sfence_vma() {
  asm volatile("sfence.vma zero, zero" ::: "memory");
}
// Flushes this hart's TLB entries for the page holding va (all address spaces).
inline void sfence_vma(VirtAddr va) {
  asm volatile("sfence.vma %0, zero" ::"r"(va.raw()) : "memory");
}

// The machine timer (10 MHz on QEMU virt), readable from S-mode once M-mode allows it.
[[nodiscard]] inline uint64 r_time() {
  uint64 x;
  asm volatile("rdtime %0" : "=r"(x));
  return x;
}
inline constexpr uint64 kTimebaseHz = 10'000'000;

// The timer interrupt's period in timebase ticks: 0.1 s, as xv6. start() arms the first
// interrupt, clockintr() each next one.
inline constexpr uint64 kTimerInterval = kTimebaseHz / 10;

} // namespace arch
