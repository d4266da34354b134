// Host-side results for mkfs and fsck: a value or a one-line error message, no exceptions.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace fsimage {

// Why something failed, as a one-line message a user can act on (no trailing newline).
struct Error {
  std::string message;
};

// A T or an Error. Callers check ok() before value(); value() on an error is a programming bug.
template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : v_(std::move(value)) {}     // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {} // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const std::string& error() const { return std::get<1>(v_).message; }

private:
  std::variant<T, Error> v_;
};

// Success or an Error.
template <> class [[nodiscard]] Result<void> {
public:
  Result() = default;
  Result(Error error) : error_(std::move(error.message)), ok_(false) {} // NOLINT: implicit

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& error() const { return error_; }

private:
  std::string error_;
  bool ok_ = true;
};

using Status = Result<void>;

} // namespace fsimage

// Evaluates a Result expression; on failure returns its Error from the enclosing function.
#define FSIMAGE_TRY(expr)                                                                          \
  do {                                                                                             \
    auto&& fsimage_try_ = (expr);                                                                  \
    if (!fsimage_try_.ok())                                                                        \
      return ::fsimage::Error{fsimage_try_.error()};                                               \
  } while (0)
