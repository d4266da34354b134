// Pipes: a PIPESIZE-byte ring buffer between a read end and a write end, each an open File.
#pragma once

#include "kernel/result.h"
#include "kernel/types.h"

struct File;
struct Pipe;

inline constexpr int PIPESIZE = 512;

// Allocates a pipe and two Files for it: *f0 reads, *f1 writes. Error::NoSpace if the file table or
// the pipe pool is full (nothing is left allocated then).
[[nodiscard]] Result<void> pipealloc(File** f0, File** f1);
// Closes one end; frees the pipe when both are closed. Wakes the other end.
void pipeclose(Pipe* pi, bool writable);
// Writes n bytes from user address addr, sleeping while the ring is full. Returns n; Error::Broken
// if the read end closes (or Killed if the caller is killed) before all went in, as xv6; a bad
// address ends the write early (BadAddress if no byte went in).
[[nodiscard]] Result<int> pipewrite(Pipe* pi, uint64 addr, int n);
// Reads up to n bytes into user address addr, sleeping while the ring is empty and a writer exists.
// Returns 0 at end of file; Error::Killed if the caller is killed while waiting; BadAddress if no
// byte could be copied out.
[[nodiscard]] Result<int> piperead(Pipe* pi, uint64 addr, int n);
