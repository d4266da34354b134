// File-system system calls: each returns the user-visible a0, a non-negative result or -1; none
// panics for anything a user program can do.
#pragma once

#include "kernel/types.h"

uint64 sys_dup();    // int dup(int fd)
uint64 sys_read();   // int read(int fd, void* buf, int n)
uint64 sys_write();  // int write(int fd, const void* buf, int n)
uint64 sys_close();  // int close(int fd)
uint64 sys_fstat();  // int fstat(int fd, struct stat* st)
uint64 sys_link();   // int link(const char* old, const char* new)
uint64 sys_unlink(); // int unlink(const char* path)
uint64 sys_open();   // int open(const char* path, int omode)
uint64 sys_mkdir();  // int mkdir(const char* path)
uint64 sys_mknod();  // int mknod(const char* path, short major, short minor)
uint64 sys_chdir();  // int chdir(const char* path)
uint64 sys_pipe();   // int pipe(int fds[2])
