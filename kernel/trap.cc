// Trap handling: user traps come through uservec (trampoline.S) to usertrap(); kernel traps through
// kernelvec.S to kerneltrap(). Page faults from user mode go to vm_fault(); any trap a user program
// causes that cannot be handled kills that process with a one-line reason, never the kernel.
#include "kernel/trap.h"

#include "kernel/arch.h"
#include "kernel/memlayout.h"
#include "kernel/plic.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/sysargs.h"
#include "kernel/uart.h"
#include "kernel/virtio_disk.h"
#include "kernel/vm.h"

extern char trampoline[], uservec[], userret[]; // trampoline.S
extern "C" void kernelvec();                    // kernelvec.S
extern "C" void usertrap();
extern "C" void kerneltrap();

constinit Spinlock tickslock("time");
constinit uint ticks = 0;

// uservec and userret where user mode reaches them: their TRAMPOLINE addresses in the isolated
// model, their link addresses in the shared one; computed once by trapinit. (External linkage on
// purpose: the compiler must load them, not re-derive them on every return to user mode.)
extern constinit uint64 uservec_va;
extern constinit uint64 userret_va;
constinit uint64 uservec_va = 0;
constinit uint64 userret_va = 0;

namespace {

enum class Intr { None, Device, Timer };

// Timer interrupt: hart 0 counts a tick and wakes pause()rs; every hart schedules its next one,
// arch::kTimerInterval later. After a panic, spins forever instead. Takes tickslock on hart 0.
void clockintr() {
  if (panicked) {
    for (;;) {
    }
  }
  if (cpuid() == 0) {
    SpinGuard guard(tickslock);
    ticks++;
    wakeup(&ticks);
  }
  LAZYV6_CSR_WRITE(stimecmp, arch::r_time() + arch::kTimerInterval);
}

// Handles the device (UART, disk: claimed from and completed at the PLIC) or timer interrupt that
// scause describes; returns which it was, None if scause is not an interrupt we expect.
Intr devintr(uint64 scause) {
  if (scause == arch::kScauseSupervisorExternal) {
    int irq = plic_claim();
    if (irq == UART0_IRQ) {
      uartintr();
    } else if (irq == VIRTIO0_IRQ) {
      virtio_disk_intr();
    } else if (irq != 0) {
      printf("devintr: unexpected interrupt irq=%d\n", irq);
    }
    if (irq != 0)
      plic_complete(irq);
    return Intr::Device;
  }
  if (scause == arch::kScauseSupervisorTimer) {
    clockintr();
    return Intr::Timer;
  }
  return Intr::None;
}

// A readable name for an exception's scause, for the kill and panic messages.
const char* exception_name(uint64 scause) {
  switch (scause) {
  case 0:
    return "instruction address misaligned";
  case 1:
    return "instruction access fault";
  case 2:
    return "illegal instruction";
  case 3:
    return "breakpoint";
  case 4:
    return "load address misaligned";
  case 5:
    return "load access fault";
  case 6:
    return "store address misaligned";
  case 7:
    return "store access fault";
  case 12:
    return "instruction page fault";
  case 13:
    return "load page fault";
  case 15:
    return "store page fault";
  default:
    return "unexpected trap";
  }
}

// A user page fault: vm_fault() maps an untouched page, or the process dies with one line.
void user_page_fault(Proc* p, uint64 scause) {
  const uint64 stval = LAZYV6_CSR_READ(stval);
  const Access access = scause == arch::kScauseStorePageFault  ? Access::Write
                        : scause == arch::kScauseLoadPageFault ? Access::Read
                                                               : Access::Execute;
  const FaultOutcome f = vm_fault(p->pagetable, p->sz, VirtAddr(stval), access, p->vm, &p->image);
  if (f.result == FaultResult::Handled)
    return;
  const char* cause = fault_cause_text(f.cause);
  printf("pid %d (%s): killed: %s at va %p (sepc %p)\n", p->pid, p->name, cause,
         reinterpret_cast<void*>(stval), reinterpret_cast<void*>(p->trapframe->epc));
  setkilled(p);
}

} // namespace

// Computes where user mode reaches uservec and userret (uservec_va, userret_va). Hart 0, once.
void trapinit() {
  const uint64 base = kIsolatedTraps ? TRAMPOLINE : reinterpret_cast<uint64>(trampoline);
  uservec_va = base + (reinterpret_cast<uint64>(uservec) - reinterpret_cast<uint64>(trampoline));
  userret_va = base + (reinterpret_cast<uint64>(userret) - reinterpret_cast<uint64>(trampoline));
}

// Points this hart's stvec at its trap vector, every hart. Isolated model: kernelvec, while in the
// kernel (usertrap and prepare_return switch it). Shared model: uservec, for good, with sscratch 0
// (in the kernel): uservec sends a trap that finds 0 in sscratch on to kernelvec.
void trapinithart() {
  if constexpr (kIsolatedTraps) {
    LAZYV6_CSR_WRITE(stvec, reinterpret_cast<uint64>(&kernelvec));
  } else {
    LAZYV6_CSR_WRITE(sscratch, 0);
    LAZYV6_CSR_WRITE(stvec, uservec_va);
  }
}

// Handles a trap from user mode: a system call, a page fault, a device or timer interrupt, or an
// exception that kills the process. Entered from uservec (with jr: it never returns) on the
// process's kernel stack, interrupts off (isolated model: kernel page table; shared: the
// process's, whose kernel half is the kernel's). Leaves through enter_user, after prepare_return
// unless a page fault left sepc and sstatus as the trap set them.
extern "C" void usertrap() {
  // Shared model: uservec came here because sscratch held a trap frame, which it does only in user
  // mode, and cleared it: from now on traps are kernel traps.
  if constexpr (kIsolatedTraps) {
    if ((LAZYV6_CSR_READ(sstatus) & arch::kSstatusSpp) != 0)
      panic("usertrap: not from user mode");
    LAZYV6_CSR_WRITE(stvec, reinterpret_cast<uint64>(&kernelvec));
  }

  Cpu* c = mycpu(); // interrupts are still off: no migration
  const uint64 trap = ++c->traps;
  Proc* p = c->proc;
  p->trapframe->epc = LAZYV6_CSR_READ(sepc);
  const uint64 scause = LAZYV6_CSR_READ(scause);

  Intr which = Intr::None;
  if (scause == arch::kScauseEcallU) {
    if (killed(p))
      kexit(-1);
    p->trapframe->epc += 4; // return to the instruction after ecall
    arch::intr_on();        // the system call may take a while
    syscall();
  } else if (scause == arch::kScauseLoadPageFault || scause == arch::kScauseStorePageFault ||
             scause == arch::kScauseInstrPageFault) {
    // If this hart took no trap while the fault was handled, sepc still holds the faulting
    // instruction and sstatus says "back to user mode, interrupts on there": return as they are,
    // two CSR writes fewer (each ends a QEMU translation block). Only a trap changes them: a
    // process that ran here in between reached user mode and left it by a trap.
    user_page_fault(p, scause);
    if (!killed(p) && mycpu() == c && c->traps == trap) {
      if constexpr (kIsolatedTraps)
        LAZYV6_CSR_WRITE(stvec, uservec_va);
      enter_user();
    }
  } else if ((which = devintr(scause)) == Intr::None) {
    printf("pid %d (%s): killed: %s (scause %p) at va %p (sepc %p)\n", p->pid, p->name,
           exception_name(scause), reinterpret_cast<void*>(scause),
           reinterpret_cast<void*>(LAZYV6_CSR_READ(stval)),
           reinterpret_cast<void*>(p->trapframe->epc));
    setkilled(p);
  }

  if (killed(p))
    kexit(-1);
  if (which == Intr::Timer)
    yield();
  prepare_return();
  enter_user();
}

// Sets up the return to user mode in the current process, as xv6 2025's prepare_return: (isolated
// model: stvec to uservec,) the hart in the trap frame, sstatus for sret to user mode with
// interrupts on, sepc. Leaves interrupts off (a trap before sret would reach uservec from the
// kernel). Inlined into usertrap, every trap's way out (a call here cost 5 instructions per trap).
[[gnu::always_inline]] void prepare_return() {
  Proc* p = myproc();
  // Interrupts off now (SIE = 0), and sret to user mode (SPP = 0) with interrupts on (SPIE = 1):
  // one sstatus write and no read, since QEMU ends its translation block at every CSR access.
  LAZYV6_CSR_WRITE(sstatus, arch::kSstatusUserReturn);
  if constexpr (kIsolatedTraps)
    LAZYV6_CSR_WRITE(stvec, uservec_va);

  // kernel_satp, kernel_sp and kernel_trap were set once by allocproc; the hart can change.
  p->trapframe->kernel_hartid = arch::r_tp(); // this hart's Cpu*
  LAZYV6_CSR_WRITE(sepc, p->trapframe->epc);
}

// Jumps to userret, which restores the user registers and srets; never returns. Call after
// prepare_return(). In xv6 2025 usertrap returns the user satp and uservec falls into userret;
// here uservec enters usertrap with jr, and in the shared model userret takes the trap frame's
// address rather than a satp, so usertrap and forkret both jump from here.
void enter_user() {
  Proc* p = myproc();
  // Isolated: the trap frame at TRAPFRAME in the user table, which userret switches to. Shared:
  // at its direct-map address, in the table the scheduler (or exec) already put in satp.
  if constexpr (kIsolatedTraps) {
    reinterpret_cast<void (*)(uint64, uint64)>(userret_va)(TRAPFRAME,
                                                           arch::make_satp(p->pagetable));
  } else {
    reinterpret_cast<void (*)(uint64)>(userret_va)(reinterpret_cast<uint64>(p->trapframe));
  }
  __builtin_unreachable();
}

// Handles a trap in supervisor mode, entered from kernelvec on the current kernel stack. Only
// device and timer interrupts are expected (a timer tick yields the current process, if any); any
// exception, a kernel page fault included, is a kernel bug and panics.
extern "C" void kerneltrap() {
  mycpu()->traps++; // sepc and sstatus are this trap's now (usertrap's page-fault return)
  const uint64 sepc = LAZYV6_CSR_READ(sepc);
  const uint64 sstatus = LAZYV6_CSR_READ(sstatus);
  const uint64 scause = LAZYV6_CSR_READ(scause);
  if ((sstatus & arch::kSstatusSpp) == 0)
    panic("kerneltrap: not from supervisor mode");
  if (arch::intr_get())
    panic("kerneltrap: interrupts enabled");

  Intr which = devintr(scause);
  if (which == Intr::None) {
    panic("kerneltrap: %s (scause %p) sepc %p stval %p", exception_name(scause),
          reinterpret_cast<void*>(scause), reinterpret_cast<void*>(sepc),
          reinterpret_cast<void*>(LAZYV6_CSR_READ(stval)));
  }
  if (which == Intr::Timer && myproc() != nullptr)
    yield();

  // yield() may have taken traps that overwrote sepc and sstatus.
  LAZYV6_CSR_WRITE(sepc, sepc);
  LAZYV6_CSR_WRITE(sstatus, sstatus);
}
