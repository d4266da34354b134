// Open files: the system-wide file table and the device switch.
//
// A File is what a file descriptor points to: a pipe end, an inode with a current offset, or a
// device. Several descriptors (dup, fork) may share one File; `ref` counts them.
#pragma once

#include "kernel/param.h"
#include "kernel/result.h"
#include "kernel/types.h"

struct Inode;
struct Pipe;

enum class FileType : uint8 { None, Pipe, Inode, Device };

// Life cycle: FileType::None with ref 0 while free in the table; filealloc() gives ref 1; the last
// fileclose() releases the pipe end or inode and frees the slot. ref is guarded by the file table's
// spinlock; the other fields are set once by the opener before the File is shared, except `off`,
// which is guarded by ip->lock.
struct File {
  FileType type = FileType::None;
  int ref = 0;
  bool readable = false;
  bool writable = false;
  Pipe* pipe = nullptr; // FileType::Pipe
  Inode* ip = nullptr;  // FileType::Inode and FileType::Device
  uint off = 0;         // FileType::Inode: the read/write offset
  short major = 0;      // FileType::Device: index into devsw
};

// A device driver's entry points, indexed by major number. n >= 0; they return bytes transferred.
struct Devsw {
  Result<int> (*read)(bool user_dst, uint64 dst, int n);
  Result<int> (*write)(bool user_src, uint64 src, int n);
};

// Registered by the drivers at boot (console: consoleinit()); nullptr entries mean "no such
// device".
extern Devsw devsw[NDEV];
inline constexpr int CONSOLE = 1;

// Initialises the file table.
void fileinit();
// Returns a free File with ref 1, or nullptr if the table is full.
[[nodiscard]] File* filealloc();
// Adds a reference to f and returns it.
File* filedup(File* f);
// Drops a reference; the last one closes what f points to.
void fileclose(File* f);
// Copies f's metadata as a struct stat to user address addr.
[[nodiscard]] Result<void> filestat(File* f, uint64 addr);
// Reads up to n bytes from f into user address addr; returns the count.
[[nodiscard]] Result<int> fileread(File* f, uint64 addr, int n);
// Writes n bytes from user address addr to f; returns the count.
[[nodiscard]] Result<int> filewrite(File* f, uint64 addr, int n);
