// PLIC: priorities, per-hart enables, claim/complete (QEMU virt layout, memlayout.h).
#include "kernel/plic.h"

#include "kernel/addr.h"
#include "kernel/memlayout.h"
#include "kernel/cpu.h"

namespace {
// The PLIC register at physical address addr, through the direct map.
volatile uint32& word(uint64 addr) {
  return *PhysAddr(addr).as_ptr<volatile uint32>();
}
} // namespace

// Gives the UART and virtio-disk interrupts priority 1 (0 would disable them). Hart 0, once.
void plicinit() {
  word(PLIC_PRIORITY + UART0_IRQ * 4) = 1;
  word(PLIC_PRIORITY + VIRTIO0_IRQ * 4) = 1;
}

// Enables the UART and disk interrupts for this hart's supervisor context, threshold 0. Every hart.
void plicinithart() {
  int hart = cpuid();
  word(PLIC_SENABLE(hart)) = (1u << UART0_IRQ) | (1u << VIRTIO0_IRQ);
  word(PLIC_SPRIORITY(hart)) = 0; // accept every priority above 0
}

// Claims the highest-priority pending interrupt for this hart: its irq, or 0 if none.
int plic_claim() {
  return static_cast<int>(word(PLIC_SCLAIM(cpuid())));
}

// Tells the PLIC this hart is done with irq, so it may be raised again.
void plic_complete(int irq) {
  word(PLIC_SCLAIM(cpuid())) = static_cast<uint32>(irq);
}
