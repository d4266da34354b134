// Process and memory system calls (sysproc.cc; sys_exec in exec.cc). Each returns the user-visible
// a0: a result, or kSyscallError (-1).
#pragma once

#include "kernel/types.h"

uint64 sys_fork();     // int fork(void)
uint64 sys_exit();     // int exit(int status), does not return
uint64 sys_wait();     // int wait(int* status)
uint64 sys_kill();     // int kill(int pid)
uint64 sys_getpid();   // int getpid(void)
uint64 sys_sbrk();     // char* sys_sbrk(int n, int type): old break, or -1
uint64 sys_pause();    // int pause(int ticks)
uint64 sys_uptime();   // int uptime(void)
uint64 sys_exec();     // int exec(const char* path, char** argv): argc in a0, or -1
uint64 sys_execload(); // int execload(int eager): this process's exec loading policy
uint64 sys_pgpte();    // uint64 pgpte(void* va): leaf PTE for va, 0 if none
uint64 sys_kpgtbl();   // int kpgtbl(void): prints the caller's page table
uint64 sys_memstat();  // int memstat(int pid, struct memstat* st)
// int forkcopy(void): fork copying every page at once (xv6's fork)
uint64 sys_forkcopy();
