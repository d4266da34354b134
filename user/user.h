/*
 * The user-space interface: system calls and the user library. Plain C with C linkage, usable from
 * C11 and C++20. Programs include, in this order: "kernel/types.h", "kernel/stat.h" (if they use
 * struct stat), "kernel/fcntl.h" (for open flags), then "user/user.h".
 */
#ifndef LAZYV6_USER_USER_H
#define LAZYV6_USER_USER_H

#ifdef __cplusplus
extern "C" {
#endif

struct stat;
struct memstat;

#define SBRK_ERROR ((char*)-1)
#ifndef SBRK_EAGER
#define SBRK_EAGER 1 /* sys_sbrk type: allocate, zero and map every page now */
#define SBRK_LAZY 2  /* sys_sbrk type: only move the size; pages come on first touch */
#endif

/* system calls */
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int*);
int pipe(int*);
int write(int, const void*, int);
int read(int, void*, int);
int close(int);
int kill(int);
int exec(const char*, char**);
int open(const char*, int);
int mknod(const char*, short, short);
int unlink(const char*);
int fstat(int fd, struct stat*);
int link(const char*, const char*);
int mkdir(const char*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* sys_sbrk(int, int);
int pause(int);
int uptime(void);

/* lazyv6 extensions (README.md, "The user ABI") */
unsigned long pgpte(void* va); /* leaf PTE mapping va in the caller's page table, 0 if none */
int kpgtbl(void);              /* print the caller's page table on the console */
int memstat(int pid, struct memstat*); /* memory figures of pid (0 = the caller) and the system */
int forkcopy(void);      /* fork copying every page at once (xv6's fork), a benchmark baseline */
int execload(int eager); /* 1: this process's execs load every page up front; 0: on first touch */

/* ulib.c */
int stat(const char*, struct stat*);
char* strcpy(char*, const char*);
void* memmove(void*, const void*, int);
char* strchr(const char*, char c);
int strcmp(const char*, const char*);
char* gets(char*, int max);
unsigned int strlen(const char*);
void* memset(void*, int, unsigned int);
int atoi(const char*);
int memcmp(const void*, const void*, unsigned int);
void* memcpy(void*, const void*, unsigned int);
char* sbrk(int);     /* grow by the kernel's default policy (lazy unless built eager); malloc too */
char* sbrklazy(int); /* always lazy */
char* sbrkeager(int); /* always eager */
int sleep(int);       /* older name of pause() */
void loadimage(void); /* touch every page of the program so exec's lazy loading is done */

/* printf.c: %d %x %p %s %c %l (as in %ld, %lu, %lx) %u %% */
void fprintf(int, const char*, ...) __attribute__((format(printf, 2, 3)));
void printf(const char*, ...) __attribute__((format(printf, 1, 2)));

/* umalloc.c */
void* malloc(unsigned int);
void free(void*);

#ifdef __cplusplus
}
#endif

#endif
