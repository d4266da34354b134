/* Fixed-width names xv6 programs use. Plain C: included by user programs, mkfs and the kernel. */
#ifndef LAZYV6_KERNEL_TYPES_H
#define LAZYV6_KERNEL_TYPES_H

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;

typedef uint64 pde_t;

#endif
