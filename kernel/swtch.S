// void swtch(Context* old, Context* new): saves the callee-saved registers of the current kernel
// thread in *old and loads *new's, then returns on new's stack to new's ra.
#include "kernel/asmdefs.h"

.section .text
.globl swtch
swtch:
        sd      ra, CONTEXT_RA(a0)
        sd      sp, CONTEXT_SP(a0)
        sd      s0, CONTEXT_S(0)(a0)
        sd      s1, CONTEXT_S(1)(a0)
        sd      s2, CONTEXT_S(2)(a0)
        sd      s3, CONTEXT_S(3)(a0)
        sd      s4, CONTEXT_S(4)(a0)
        sd      s5, CONTEXT_S(5)(a0)
        sd      s6, CONTEXT_S(6)(a0)
        sd      s7, CONTEXT_S(7)(a0)
        sd      s8, CONTEXT_S(8)(a0)
        sd      s9, CONTEXT_S(9)(a0)
        sd      s10, CONTEXT_S(10)(a0)
        sd      s11, CONTEXT_S(11)(a0)

        ld      ra, CONTEXT_RA(a1)
        ld      sp, CONTEXT_SP(a1)
        ld      s0, CONTEXT_S(0)(a1)
        ld      s1, CONTEXT_S(1)(a1)
        ld      s2, CONTEXT_S(2)(a1)
        ld      s3, CONTEXT_S(3)(a1)
        ld      s4, CONTEXT_S(4)(a1)
        ld      s5, CONTEXT_S(5)(a1)
        ld      s6, CONTEXT_S(6)(a1)
        ld      s7, CONTEXT_S(7)(a1)
        ld      s8, CONTEXT_S(8)(a1)
        ld      s9, CONTEXT_S(9)(a1)
        ld      s10, CONTEXT_S(10)(a1)
        ld      s11, CONTEXT_S(11)(a1)
        ret
