/*
 * On-disk file system format (xv6-riscv 2025), shared by the kernel, mkfs and fsck. Plain C.
 *
 * Disk layout: [ boot | super | log | inodes | free bitmap | data ], each region's start in the
 * super block (explained in kernel/fs.cc).
 */
#ifndef LAZYV6_KERNEL_FS_H
#define LAZYV6_KERNEL_FS_H

#include "kernel/types.h"

#define ROOTINO 1  /* root i-number */
#define BSIZE 1024 /* block size */

#define FSMAGIC 0x10203040

struct superblock {
  uint magic;      /* Must be FSMAGIC */
  uint size;       /* Size of file system image (blocks) */
  uint nblocks;    /* Number of data blocks */
  uint ninodes;    /* Number of inodes. */
  uint nlog;       /* Number of log blocks */
  uint logstart;   /* Block number of first log block */
  uint inodestart; /* Block number of first inode block */
  uint bmapstart;  /* Block number of first free map block */
};

#define NDIRECT 12
#define NINDIRECT (BSIZE / sizeof(uint))
#define MAXFILE (NDIRECT + NINDIRECT)

/* On-disk inode structure: 64 bytes. */
struct dinode {
  short type;              /* File type (T_DIR, T_FILE, T_DEVICE; 0 = free) */
  short major;             /* Major device number (T_DEVICE only) */
  short minor;             /* Minor device number (T_DEVICE only) */
  short nlink;             /* Number of links to inode in file system */
  uint size;               /* Size of file (bytes) */
  uint addrs[NDIRECT + 1]; /* Data block addresses; the last is the indirect block */
};

/* Most links an inode may have: nlink is a 16-bit signed count. */
#define MAXLINK 32767

/* Inodes per block. */
#define IPB (BSIZE / sizeof(struct dinode))

/* Block containing inode i */
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart)

/* Bitmap bits per block */
#define BPB (BSIZE * 8)

/* Block of free map containing bit for block b */
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmapstart)

/* Directory is a file containing a sequence of dirent structures; a 14-byte name has no NUL. */
#define DIRSIZ 14

struct dirent {
  ushort inum; /* 0 = free slot */
  char name[DIRSIZ];
};

#endif
