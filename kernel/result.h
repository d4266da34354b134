// [[nodiscard]] results instead of -1 plumbing. Every Error becomes -1 at the system-call boundary
// (xv6's ABI has no errno); the names say why, for kernel readers and debug traces.
#pragma once

#include "kernel/types.h"

enum class Error : uint8 {
  BadAddress, // user pointer outside the process's memory, or not allowed (e.g. write to text)
  NoMemory,   // out of physical pages
  NotFound,   // no such file, process or entry
  Exists,     // name already in use
  Invalid,    // argument out of range or not meaningful
  BadFd,      // not an open file descriptor of the right kind
  NoSpace,    // out of disk blocks, inodes or table slots
  TooBig,     // beyond a size limit (file size, exec arguments, heap limit)
  NotDir,     // a path component is not a directory
  IsDir,      // a directory where a file was required
  Busy,       // directory not empty, or resource in use
  Killed,     // the calling process was killed while waiting
  Broken,     // pipe with no reader
};

// Returned by a system call on any failure.
inline constexpr uint64 kSyscallError = static_cast<uint64>(-1);

// A value of type T or an Error. T must be trivially copyable (pointers, integers, small structs).
template <typename T> class [[nodiscard]] Result {
public:
  constexpr Result(T value) : value_(value), ok_(true) {} // NOLINT: implicit by design
  constexpr Result(Error e) : error_(e), ok_(false) {}    // NOLINT: implicit by design

  [[nodiscard]] constexpr bool ok() const { return ok_; }
  [[nodiscard]] constexpr T value() const { return value_; }
  [[nodiscard]] constexpr Error error() const { return error_; }
  [[nodiscard]] constexpr T value_or(T fallback) const { return ok_ ? value_ : fallback; }

private:
  T value_{};
  Error error_{};
  bool ok_;
};

// Success or an Error.
template <> class [[nodiscard]] Result<void> {
public:
  constexpr Result() : ok_(true) {}
  constexpr Result(Error e) : error_(e), ok_(false) {} // NOLINT: implicit by design

  [[nodiscard]] constexpr bool ok() const { return ok_; }
  [[nodiscard]] constexpr Error error() const { return error_; }

private:
  Error error_{};
  bool ok_;
};

// Evaluates a Result expression; on error returns that error from the enclosing function.
#define TRY(expr)                                                                                  \
  do {                                                                                             \
    auto try_result_ = (expr);                                                                     \
    if (!try_result_.ok())                                                                         \
      return try_result_.error();                                                                  \
  } while (0)

// Evaluates a Result<T>; on error returns it, otherwise assigns the value to `lhs`.
#define TRY_ASSIGN(lhs, expr)                                                                      \
  do {                                                                                             \
    auto try_result_ = (expr);                                                                     \
    if (!try_result_.ok())                                                                         \
      return try_result_.error();                                                                  \
    lhs = try_result_.value();                                                                     \
  } while (0)

// A system call's result as the user sees it in a0: the value (0 for Result<void>), or
// kSyscallError.
inline uint64 to_user(const Result<int>& r) {
  return r.ok() ? static_cast<uint64>(r.value()) : kSyscallError;
}
inline uint64 to_user(const Result<void>& r) {
  return r.ok() ? 0 : kSyscallError;
}
