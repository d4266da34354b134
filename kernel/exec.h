// exec: replace the current process's user image with an ELF program from the file system.
#pragma once

#include "kernel/result.h"
#include "kernel/types.h"

// Replaces the current process's image with the program at path; returns argc.
[[nodiscard]] Result<int> kexec(const char* path, const char* const* argv);
// Loads the untouched executable pages of the current process in [va, va+len) before a system
// call copies that range under a lock.
void image_preload(uint64 va, uint64 len);
