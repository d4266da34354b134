// exec: replace the current process's user image with an ELF program from the file system.
#pragma once

#include "kernel/result.h"
#include "kernel/types.h"

// Replaces the current process's image with the program at path; returns argc.
[[nodiscard]] Result<int> kexec(const char* path, const char* const* argv);
