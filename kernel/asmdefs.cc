// Build-time check that asmdefs.h, which the assembly files use, matches the C++ layout of
// TrapFrame (proc.h). No code: only static_asserts.
#include "kernel/asmdefs.h"

#include "kernel/proc.h"

#define CHECK_TF(field, offset) static_assert(__builtin_offsetof(TrapFrame, field) == (offset))

CHECK_TF(kernel_satp, TF_KERNEL_SATP);
CHECK_TF(kernel_sp, TF_KERNEL_SP);
CHECK_TF(kernel_trap, TF_KERNEL_TRAP);
CHECK_TF(epc, TF_EPC);
CHECK_TF(kernel_hartid, TF_KERNEL_HARTID);
CHECK_TF(ra, TF_RA);
CHECK_TF(sp, TF_SP);
CHECK_TF(gp, TF_GP);
CHECK_TF(tp, TF_TP);
CHECK_TF(t0, TF_T0);
CHECK_TF(t1, TF_T1);
CHECK_TF(t2, TF_T2);
CHECK_TF(s0, TF_S0);
CHECK_TF(s1, TF_S1);
CHECK_TF(a0, TF_A0);
CHECK_TF(a1, TF_A1);
CHECK_TF(a2, TF_A2);
CHECK_TF(a3, TF_A3);
CHECK_TF(a4, TF_A4);
CHECK_TF(a5, TF_A5);
CHECK_TF(a6, TF_A6);
CHECK_TF(a7, TF_A7);
CHECK_TF(s2, TF_S2);
CHECK_TF(s3, TF_S3);
CHECK_TF(s4, TF_S4);
CHECK_TF(s5, TF_S5);
CHECK_TF(s6, TF_S6);
CHECK_TF(s7, TF_S7);
CHECK_TF(s8, TF_S8);
CHECK_TF(s9, TF_S9);
CHECK_TF(s10, TF_S10);
CHECK_TF(s11, TF_S11);
CHECK_TF(t3, TF_T3);
CHECK_TF(t4, TF_T4);
CHECK_TF(t5, TF_T5);
CHECK_TF(t6, TF_T6);
static_assert(sizeof(TrapFrame) == TF_T6 + 8, "trampoline.S saves every field");
