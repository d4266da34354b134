// exec: replace the current process's user image with an ELF program from the file system.
#pragma once

#include "kernel/result.h"
#include "kernel/types.h"

// Loads `path` with the kernel strings argv (nullptr-terminated, at most MAXARG, each shorter than a
// page) into a new address space: PT_LOAD segments (text R-X, data R-W), one guard page, USERSTACK
// stack pages holding argv. On success the old image is freed and argc is returned (the caller puts
// it in a0); a1 = argv, sp and epc are set. On failure nothing changes.
[[nodiscard]] Result<int> kexec(const char* path, const char* const* argv);
