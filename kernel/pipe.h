// Pipes: a PIPESIZE-byte ring buffer between a read end and a write end, each an open File.
#pragma once

#include "kernel/result.h"
#include "kernel/types.h"

struct File;
struct Pipe;

inline constexpr int PIPESIZE = 512;

// Allocates a pipe and its two Files: *f0 reads, *f1 writes.
[[nodiscard]] Result<void> pipealloc(File** f0, File** f1);
// Closes one end of pi; the second close frees the pipe.
void pipeclose(Pipe* pi, bool writable);
// Writes n bytes from user address addr into pi; returns the count.
[[nodiscard]] Result<int> pipewrite(Pipe* pi, uint64 addr, int n);
// Reads up to n bytes from pi into user address addr; returns the count.
[[nodiscard]] Result<int> piperead(Pipe* pi, uint64 addr, int n);
