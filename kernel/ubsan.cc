// A minimal UndefinedBehaviorSanitizer runtime for the kernel (built only with //kernel:ubsan,
// i.e. --config=ubsan or //kernel:kernel_ubsan; the flags are KERNEL_UBSAN_COPTS in
// //toolchains:lazyv6.bzl).
//
// With -fsanitize=undefined Clang checks each risky operation inline and, when a check fails,
// calls __ubsan_handle_<check>(data, values...): `data` is a static record that starts with the
// source location and usually names the types involved. Compiler-rt's runtime prints the report
// and goes on; the kernel cannot link it (it needs libc), and going on after undefined behaviour
// is not what a test wants. So each handler here formats one line and panics:
//
//   panic: ubsan: signed-integer-overflow at kernel/vm.cc:12:7: 2147483647 + 1 overflows type 'int'
//
// The check name is the -fsanitize= name that enabled the check. Every function in this file is
// compiled without the checks (the pragma below), so a report cannot recurse into itself; a
// second report (another hart, or UB inside panic's own printing) waits forever instead.
//
// The record layouts and handler names are compiler-rt's ABI (ubsan_handlers.h, ubsan_value.h);
// Clang 19 emits the *_abort variants under -fno-sanitize-recover, both are defined.

#include "kernel/printf.h"
#include "kernel/types.h"

#pragma clang attribute push(__attribute__((no_sanitize("undefined"))), apply_to = function)

namespace {

// ---- compiler-rt's data records ----------------------------------------------------------------

struct SourceLocation {
  const char* file;
  uint32 line;
  uint32 column;
};

// A type as Clang describes it: kind, then for integers (signed << 0) | (log2(bit width) << 1).
struct TypeDescriptor {
  uint16 kind; // kTypeKindInteger, kTypeKindFloat or 0xffff (unknown)
  uint16 info;
  char name[1]; // NUL-terminated, quoted by Clang (e.g. 'int')
};

constexpr uint16 kTypeKindInteger = 0;

// A value: the value itself if it fits in a pointer, else a pointer to it.
using ValueHandle = uint64;
using int64 = long;

struct TypeMismatchData {
  SourceLocation loc;
  const TypeDescriptor* type;
  uint8 log_alignment;
  uint8 type_check_kind; // index into kTypeCheckKinds
};

struct AlignmentAssumptionData {
  SourceLocation loc;
  SourceLocation assumption_loc;
  const TypeDescriptor* type;
};

struct OverflowData {
  SourceLocation loc;
  const TypeDescriptor* type;
};

struct ShiftOutOfBoundsData {
  SourceLocation loc;
  const TypeDescriptor* lhs_type;
  const TypeDescriptor* rhs_type;
};

struct OutOfBoundsData {
  SourceLocation loc;
  const TypeDescriptor* array_type;
  const TypeDescriptor* index_type;
};

struct UnreachableData {
  SourceLocation loc;
};

struct VlaBoundData {
  SourceLocation loc;
  const TypeDescriptor* type;
};

struct FloatCastOverflowData {
  SourceLocation loc;
  const TypeDescriptor* from_type;
  const TypeDescriptor* to_type;
};

struct InvalidValueData {
  SourceLocation loc;
  const TypeDescriptor* type;
};

struct ImplicitConversionData {
  SourceLocation loc;
  const TypeDescriptor* from_type;
  const TypeDescriptor* to_type;
  uint8 kind;
};

struct InvalidBuiltinData {
  SourceLocation loc;
  uint8 kind; // 0: ctz(0), 1: clz(0), 2: assume(false)
};

struct FunctionTypeMismatchData {
  SourceLocation loc;
  const TypeDescriptor* type;
};

struct NonNullReturnData {
  SourceLocation attr_loc; // the returns_nonnull / _Nonnull; the return itself is passed apart
};

struct NonNullArgData {
  SourceLocation loc;
  SourceLocation attr_loc;
  int arg_index;
};

struct PointerOverflowData {
  SourceLocation loc;
};

constexpr const char* kTypeCheckKinds[] = {
    "load of",
    "store to",
    "reference binding to",
    "member access within",
    "member call on",
    "constructor call on",
    "downcast of",
    "downcast of",
    "upcast of",
    "cast to virtual base of",
    "_Nonnull binding to",
    "dynamic operation on",
};

// ---- reporting ---------------------------------------------------------------------------------

constinit bool reporting = false;

// Claims the one report this boot gets. Any later caller (another hart, or a check failing inside
// panic's printing) parks here: the first report is the one worth reading.
void begin_report() {
  if (__atomic_exchange_n(&reporting, true, __ATOMIC_SEQ_CST)) {
    for (;;)
      asm volatile("wfi");
  }
}

// The source file of loc, or "<unknown>".
const char* file_of(const SourceLocation& loc) {
  return loc.file != nullptr ? loc.file : "<unknown>";
}

// The quoted type name Clang recorded, or "?".
const char* type_name(const TypeDescriptor* type) {
  return type != nullptr ? type->name : "?";
}

// Room for any 64-bit value in decimal, with sign, or a placeholder.
struct ValueText {
  char text[24];
};

// `value` of type `type` in decimal; integers wider than 64 bits and floats are not decoded.
ValueText format_value(const TypeDescriptor* type, ValueHandle value) {
  ValueText out;
  int i = 0;
  if (type == nullptr || type->kind != kTypeKindInteger || (type->info >> 1) > 6) {
    const char* what =
        type != nullptr && type->kind == kTypeKindInteger ? "(wide integer)" : "(value)";
    for (; what[i] != 0; i++)
      out.text[i] = what[i];
    out.text[i] = 0;
    return out;
  }
  uint32 bits = 1u << (type->info >> 1);
  uint64 magnitude = bits < 64 ? value & ((uint64{1} << bits) - 1) : value;
  if ((type->info & 1) != 0) {
    // Sign-extend from `bits`, then take the magnitude without overflowing on the minimum.
    int64 v = static_cast<int64>(value << (64 - bits)) >> (64 - bits);
    if (v < 0)
      out.text[i++] = '-';
    magnitude = v < 0 ? 0 - static_cast<uint64>(v) : static_cast<uint64>(v);
  }
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  while (n > 0)
    out.text[i++] = digits[--n];
  out.text[i] = 0;
  return out;
}

#define UBSAN_AT "ubsan: %s at %s:%u:%u"
#define UBSAN_LOC(loc) file_of(loc), (loc).line, (loc).column

// Panics with "ubsan: <check> at <loc>: <what>": the report of checks that pass no values.
[[noreturn]] void report_plain(const char* check, const SourceLocation& loc, const char* what) {
  begin_report();
  panic(UBSAN_AT ": %s", check, UBSAN_LOC(loc), what);
}

// Reports a bad pointer use: null (-fsanitize=null), misaligned (alignment), or too small for the
// type (object-size), in that order of checking.
[[noreturn]] void report_type_mismatch(const TypeMismatchData* d, ValueHandle pointer) {
  begin_report();
  uint64 alignment = uint64{1} << d->log_alignment;
  const char* kind = d->type_check_kind < sizeof(kTypeCheckKinds) / sizeof(kTypeCheckKinds[0])
                         ? kTypeCheckKinds[d->type_check_kind]
                         : "access to";
  if (pointer == 0) {
    panic(UBSAN_AT ": %s null pointer of type %s", "null", UBSAN_LOC(d->loc), kind,
          type_name(d->type));
  }
  if (d->log_alignment != 0 && (pointer & (alignment - 1)) != 0) {
    panic(UBSAN_AT ": %s misaligned address 0x%lx for type %s, which requires %lu-byte alignment",
          "alignment", UBSAN_LOC(d->loc), kind, pointer, type_name(d->type), alignment);
  }
  panic(UBSAN_AT ": %s address 0x%lx with insufficient space for an object of type %s",
        "object-size", UBSAN_LOC(d->loc), kind, pointer, type_name(d->type));
}

// The -fsanitize= name of an arithmetic overflow in type: signed or unsigned integer overflow.
const char* overflow_check(const TypeDescriptor* type) {
  return type != nullptr && (type->info & 1) != 0 ? "signed-integer-overflow"
                                                  : "unsigned-integer-overflow";
}

// Reports `lhs op rhs` overflowing its type (+, - or *).
[[noreturn]] void report_overflow(const OverflowData* d, ValueHandle lhs, ValueHandle rhs,
                                  const char* op) {
  begin_report();
  panic(UBSAN_AT ": %s %s %s overflows type %s", overflow_check(d->type), UBSAN_LOC(d->loc),
        format_value(d->type, lhs).text, op, format_value(d->type, rhs).text, type_name(d->type));
}

// Reports -value overflowing its type (the negation of the minimum).
[[noreturn]] void report_negate(const OverflowData* d, ValueHandle value) {
  begin_report();
  panic(UBSAN_AT ": -(%s) overflows type %s", overflow_check(d->type), UBSAN_LOC(d->loc),
        format_value(d->type, value).text, type_name(d->type));
}

// Reports a division or remainder by zero, or the minimum divided by -1.
[[noreturn]] void report_divrem(const OverflowData* d, ValueHandle lhs, ValueHandle rhs) {
  begin_report();
  ValueText divisor = format_value(d->type, rhs);
  if (divisor.text[0] == '0' && divisor.text[1] == 0) {
    panic(UBSAN_AT ": %s / 0 in type %s", "integer-divide-by-zero", UBSAN_LOC(d->loc),
          format_value(d->type, lhs).text, type_name(d->type));
  }
  panic(UBSAN_AT ": %s / %s overflows type %s", "signed-integer-overflow", UBSAN_LOC(d->loc),
        format_value(d->type, lhs).text, divisor.text, type_name(d->type));
}

// Reports a shift whose exponent is negative or at least the width (shift-exponent), or a left
// shift whose result does not fit (shift-base).
[[noreturn]] void report_shift(const ShiftOutOfBoundsData* d, ValueHandle lhs, ValueHandle rhs) {
  begin_report();
  uint64 lhs_bits = d->lhs_type != nullptr ? uint64{1} << (d->lhs_type->info >> 1) : 64;
  bool rhs_signed = d->rhs_type != nullptr && (d->rhs_type->info & 1) != 0;
  ValueText base = format_value(d->lhs_type, lhs);
  ValueText exponent = format_value(d->rhs_type, rhs);
  if (exponent.text[0] == '-' || (!rhs_signed && rhs >= lhs_bits) ||
      (rhs_signed && static_cast<int64>(rhs) >= static_cast<int64>(lhs_bits))) {
    panic(UBSAN_AT ": shift exponent %s is negative or too large for type %s", "shift-exponent",
          UBSAN_LOC(d->loc), exponent.text, type_name(d->lhs_type));
  }
  panic(UBSAN_AT ": left shift of %s by %s places cannot be represented in type %s", "shift-base",
        UBSAN_LOC(d->loc), base.text, exponent.text, type_name(d->lhs_type));
}

// Reports an array index outside the array's static bounds.
[[noreturn]] void report_out_of_bounds(const OutOfBoundsData* d, ValueHandle index) {
  begin_report();
  panic(UBSAN_AT ": index %s out of bounds for type %s", "array-bounds", UBSAN_LOC(d->loc),
        format_value(d->index_type, index).text, type_name(d->array_type));
}

// True if `name` ends with `suffix`.
bool ends_with(const char* name, const char* suffix) {
  int n = 0, m = 0;
  while (name[n] != 0)
    n++;
  while (suffix[m] != 0)
    m++;
  if (m > n)
    return false;
  for (int i = 0; i < m; i++) {
    if (name[n - m + i] != suffix[i])
      return false;
  }
  return true;
}

// Reports a load of a bool or enum whose bits are no valid value of the type.
[[noreturn]] void report_invalid_value(const InvalidValueData* d, ValueHandle value) {
  begin_report();
  bool is_bool = d->type != nullptr && ends_with(d->type->name, "bool'");
  panic(UBSAN_AT ": load of value %s, which is not valid for type %s", is_bool ? "bool" : "enum",
        UBSAN_LOC(d->loc), format_value(d->type, value).text, type_name(d->type));
}

// Reports ctz/clz of zero or __builtin_assume(false).
[[noreturn]] void report_builtin(const InvalidBuiltinData* d) {
  const char* what = d->kind == 0   ? "ctz() of zero"
                     : d->kind == 1 ? "clz() of zero"
                                    : "__builtin_assume() of false";
  report_plain("builtin", d->loc, what);
}

// Reports pointer arithmetic that wraps around the address space or offsets a null pointer.
[[noreturn]] void report_pointer_overflow(const PointerOverflowData* d, ValueHandle base,
                                          ValueHandle result) {
  begin_report();
  panic(UBSAN_AT ": pointer arithmetic on 0x%lx gives 0x%lx", "pointer-overflow", UBSAN_LOC(d->loc),
        base, result);
}

// Reports null passed for a parameter declared nonnull or _Nonnull.
[[noreturn]] void report_nonnull_arg(const NonNullArgData* d, const char* check) {
  begin_report();
  panic(UBSAN_AT ": null passed as argument %d, declared never null at %s:%u:%u", check,
        UBSAN_LOC(d->loc), d->arg_index, UBSAN_LOC(d->attr_loc));
}

// Reports null returned from a function declared returns_nonnull or _Nonnull; loc is the return.
[[noreturn]] void report_nonnull_return(const NonNullReturnData* d, const SourceLocation* loc,
                                        const char* check) {
  begin_report();
  const SourceLocation unknown{nullptr, 0, 0};
  const SourceLocation& where = loc != nullptr ? *loc : unknown;
  panic(UBSAN_AT ": null returned from a function declared never to return null at %s:%u:%u", check,
        UBSAN_LOC(where), UBSAN_LOC(d->attr_loc));
}

// Reports a conversion between two types that changes the value (what says which).
[[noreturn]] void report_types(const char* check, const SourceLocation& loc, const char* what,
                               const TypeDescriptor* from, const TypeDescriptor* to) {
  begin_report();
  panic(UBSAN_AT ": %s from %s to %s", check, UBSAN_LOC(loc), what, type_name(from), type_name(to));
}

// Reports a pointer that breaks an __builtin_assume_aligned / assume_aligned promise.
[[noreturn]] void report_alignment_assumption(const AlignmentAssumptionData* d, ValueHandle pointer,
                                              ValueHandle alignment) {
  begin_report();
  panic(UBSAN_AT ": assumed 0x%lx is %lu-byte aligned (assumption at %s:%u:%u)", "alignment",
        UBSAN_LOC(d->loc), pointer, alignment, UBSAN_LOC(d->assumption_loc));
}

// Reports a variable-length array whose bound is zero or negative.
[[noreturn]] void report_vla_bound(const VlaBoundData* d, ValueHandle bound) {
  begin_report();
  panic(UBSAN_AT ": variable length array bound %s is not positive", "vla-bound", UBSAN_LOC(d->loc),
        format_value(d->type, bound).text);
}

// Reports an indirect call through a pointer whose type does not match the function's.
[[noreturn]] void report_function(const FunctionTypeMismatchData* d, ValueHandle function) {
  begin_report();
  panic(UBSAN_AT ": call through a pointer (0x%lx) of the wrong function type %s", "function",
        UBSAN_LOC(d->loc), function, type_name(d->type));
}

} // namespace

// ---- the entry points Clang calls ---------------------------------------------------------------

// Defines __ubsan_handle_<name> and __ubsan_handle_<name>_abort: same parameters, same report.
#define UBSAN_HANDLER(name, params, report)                                                        \
  extern "C" [[noreturn]] void __ubsan_handle_##name params;                                       \
  extern "C" [[noreturn]] void __ubsan_handle_##name##_abort params;                               \
  extern "C" void __ubsan_handle_##name params {                                                   \
    report;                                                                                        \
  }                                                                                                \
  extern "C" void __ubsan_handle_##name##_abort params {                                           \
    report;                                                                                        \
  }

UBSAN_HANDLER(type_mismatch_v1, (TypeMismatchData * d, ValueHandle pointer),
              report_type_mismatch(d, pointer))
UBSAN_HANDLER(alignment_assumption,
              (AlignmentAssumptionData * d, ValueHandle pointer, ValueHandle alignment,
               ValueHandle),
              report_alignment_assumption(d, pointer, alignment))
UBSAN_HANDLER(add_overflow, (OverflowData * d, ValueHandle lhs, ValueHandle rhs),
              report_overflow(d, lhs, rhs, "+"))
UBSAN_HANDLER(sub_overflow, (OverflowData * d, ValueHandle lhs, ValueHandle rhs),
              report_overflow(d, lhs, rhs, "-"))
UBSAN_HANDLER(mul_overflow, (OverflowData * d, ValueHandle lhs, ValueHandle rhs),
              report_overflow(d, lhs, rhs, "*"))
UBSAN_HANDLER(negate_overflow, (OverflowData * d, ValueHandle value), report_negate(d, value))
UBSAN_HANDLER(divrem_overflow, (OverflowData * d, ValueHandle lhs, ValueHandle rhs),
              report_divrem(d, lhs, rhs))
UBSAN_HANDLER(shift_out_of_bounds, (ShiftOutOfBoundsData * d, ValueHandle lhs, ValueHandle rhs),
              report_shift(d, lhs, rhs))
UBSAN_HANDLER(out_of_bounds, (OutOfBoundsData * d, ValueHandle index),
              report_out_of_bounds(d, index))
UBSAN_HANDLER(vla_bound_not_positive, (VlaBoundData * d, ValueHandle bound),
              report_vla_bound(d, bound))
UBSAN_HANDLER(float_cast_overflow, (FloatCastOverflowData * d, ValueHandle),
              report_types("float-cast-overflow", d->loc, "out-of-range conversion", d->from_type,
                           d->to_type))
UBSAN_HANDLER(load_invalid_value, (InvalidValueData * d, ValueHandle value),
              report_invalid_value(d, value))
UBSAN_HANDLER(implicit_conversion, (ImplicitConversionData * d, ValueHandle, ValueHandle),
              report_types("implicit-conversion", d->loc, "value-changing conversion", d->from_type,
                           d->to_type))
UBSAN_HANDLER(invalid_builtin, (InvalidBuiltinData * d), report_builtin(d))
UBSAN_HANDLER(function_type_mismatch, (FunctionTypeMismatchData * d, ValueHandle function),
              report_function(d, function))
UBSAN_HANDLER(nonnull_return_v1, (NonNullReturnData * d, SourceLocation* loc),
              report_nonnull_return(d, loc, "returns-nonnull-attribute"))
UBSAN_HANDLER(nullability_return_v1, (NonNullReturnData * d, SourceLocation* loc),
              report_nonnull_return(d, loc, "nullability-return"))
UBSAN_HANDLER(nonnull_arg, (NonNullArgData * d), report_nonnull_arg(d, "nonnull-attribute"))
UBSAN_HANDLER(nullability_arg, (NonNullArgData * d), report_nonnull_arg(d, "nullability-arg"))
UBSAN_HANDLER(pointer_overflow, (PointerOverflowData * d, ValueHandle base, ValueHandle result),
              report_pointer_overflow(d, base, result))

// These two never return in compiler-rt either, so they have no _abort twin.
extern "C" [[noreturn]] void __ubsan_handle_builtin_unreachable(UnreachableData* d);
extern "C" [[noreturn]] void __ubsan_handle_missing_return(UnreachableData* d);

// Reached __builtin_unreachable().
extern "C" void __ubsan_handle_builtin_unreachable(UnreachableData* d) {
  report_plain("unreachable", d->loc, "__builtin_unreachable() reached");
}

// Fell off the end of a function that returns a value.
extern "C" void __ubsan_handle_missing_return(UnreachableData* d) {
  report_plain("return", d->loc, "end of a value-returning function reached without a return");
}

#pragma clang attribute pop
