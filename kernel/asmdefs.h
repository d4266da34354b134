/* Constants the assembly files share with C++: plain #defines, safe to include from a .S file.
 * Each is checked against the C++ layout it mirrors by a static_assert (cpu.h for Context,
 * asmdefs.cc for TrapFrame and the boot stacks), so a layout change that the assembly misses
 * fails the build. */
#ifndef LAZYV6_KERNEL_ASMDEFS_H
#define LAZYV6_KERNEL_ASMDEFS_H

#include "kernel/param.h" /* NCPU */

/* Bytes of boot stack per hart: entry.S gives hart i stack0 + (i + 1) * BOOT_STACK_SIZE. */
#define BOOT_STACK_SIZE 4096

/* struct Context (cpu.h), saved and restored by swtch.S. */
#define CONTEXT_RA 0
#define CONTEXT_SP 8
#define CONTEXT_S(n) (16 + 8 * (n)) /* s0..s11 */

/* struct TrapFrame (proc.h), filled and emptied by trampoline.S. */
#define TF_KERNEL_SATP 0
#define TF_KERNEL_SP 8
#define TF_KERNEL_TRAP 16
#define TF_EPC 24
#define TF_KERNEL_HARTID 32
#define TF_RA 40
#define TF_SP 48
#define TF_GP 56
#define TF_TP 64
#define TF_T0 72
#define TF_T1 80
#define TF_T2 88
#define TF_S0 96
#define TF_S1 104
#define TF_A0 112
#define TF_A1 120
#define TF_A2 128
#define TF_A3 136
#define TF_A4 144
#define TF_A5 152
#define TF_A6 160
#define TF_A7 168
#define TF_S2 176
#define TF_S3 184
#define TF_S4 192
#define TF_S5 200
#define TF_S6 208
#define TF_S7 216
#define TF_S8 224
#define TF_S9 232
#define TF_S10 240
#define TF_S11 248
#define TF_T3 256
#define TF_T4 264
#define TF_T5 272
#define TF_T6 280

#ifndef __ASSEMBLER__
/* The boot stacks entry.S switches to, defined in start.cc: declared here with the size entry.S
 * assumes, so a definition of another size does not compile. */
extern char stack0[BOOT_STACK_SIZE * NCPU];
#endif

#endif
