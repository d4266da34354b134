// The per-hart table (cpu.h). main() points each hart's tp at its entry.
#include "kernel/cpu.h"

constinit Cpu cpus[NCPU];
