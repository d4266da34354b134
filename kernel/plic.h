// The RISC-V platform-level interrupt controller: routes UART and disk interrupts to harts.
#pragma once

// Gives the UART and virtio-disk interrupts a non-zero priority. Hart 0, once.
void plicinit();
// Enables those interrupts for this hart's supervisor context. Every hart.
void plicinithart();
// The highest-priority pending interrupt for this hart (0 if none); claims it.
int plic_claim();
// Tells the PLIC this hart has finished with irq.
void plic_complete(int irq);
