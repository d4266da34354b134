// Strong types for addresses and page-table entries, so a physical address cannot be passed where a
// virtual one is expected, and PTE bits are named rather than or-ed integers.
#pragma once

#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/types.h"

inline constexpr uint64 kPageSize = PGSIZE;
inline constexpr uint64 kPageShift = PGSHIFT;
inline constexpr uint64 kMaxVa = MAXVA;
// Where the kernel sees physical address 0: RAM and devices are mapped at kDirectMap + pa.
inline constexpr uint64 kDirectMap = KDIRECT;
// The boot page table direct-maps physical [0, kDirectMapBootEnd); RAM above it stays unused.
inline constexpr uint64 kDirectMapBootEnd = 4ull << 30;

[[nodiscard]] constexpr uint64 page_round_up(uint64 a) {
  return (a + kPageSize - 1) & ~(kPageSize - 1);
}
[[nodiscard]] constexpr uint64 page_round_down(uint64 a) {
  return a & ~(kPageSize - 1);
}

// The bytes one PTE maps at `level` (2 = root: 1 GiB, 1: 2 MiB, 0: one 4 KiB page).
[[nodiscard]] constexpr uint64 sv39_span(int level) {
  return 1ull << PXSHIFT(level);
}

// A physical address. The kernel maps RAM and devices at kDirectMap + pa (the direct map), so a
// PhysAddr turns into a kernel pointer with as_ptr(), and a kernel pointer (into the image, a page
// from kalloc, a device) back into a PhysAddr with from_ptr().
class PhysAddr {
public:
  constexpr PhysAddr() = default;
  explicit constexpr PhysAddr(uint64 v) : v_(v) {}
  [[nodiscard]] static PhysAddr from_ptr(const void* p) {
    return PhysAddr(reinterpret_cast<uint64>(p) - kDirectMap);
  }

  [[nodiscard]] constexpr uint64 raw() const { return v_; }
  [[nodiscard]] constexpr bool is_null() const { return v_ == 0; }
  [[nodiscard]] constexpr PhysAddr page_base() const { return PhysAddr(page_round_down(v_)); }
  [[nodiscard]] constexpr bool is_page_aligned() const { return (v_ & (kPageSize - 1)) == 0; }
  template <typename T = void> [[nodiscard]] T* as_ptr() const {
    return reinterpret_cast<T*>(v_ + kDirectMap);
  }

  constexpr bool operator==(const PhysAddr&) const = default;

private:
  uint64 v_ = 0;
};

// A virtual address (user or kernel), below MAXVA when valid.
class VirtAddr {
public:
  constexpr VirtAddr() = default;
  explicit constexpr VirtAddr(uint64 v) : v_(v) {}

  [[nodiscard]] constexpr uint64 raw() const { return v_; }
  [[nodiscard]] constexpr VirtAddr page_base() const { return VirtAddr(page_round_down(v_)); }
  [[nodiscard]] constexpr bool is_page_aligned() const { return (v_ & (kPageSize - 1)) == 0; }
  [[nodiscard]] constexpr uint64 page_offset() const { return v_ & (kPageSize - 1); }
  // The 9-bit index into the page-table page at `level` (2 = root, 0 = leaf level).
  [[nodiscard]] constexpr uint64 px(int level) const { return PX(level, v_); }
  [[nodiscard]] constexpr VirtAddr operator+(uint64 n) const { return VirtAddr(v_ + n); }

  // No <compare> in a freestanding build, so the comparisons are spelled out.
  constexpr bool operator==(const VirtAddr&) const = default;
  constexpr bool operator<(const VirtAddr& o) const { return v_ < o.v_; }
  constexpr bool operator<=(const VirtAddr& o) const { return v_ <= o.v_; }
  constexpr bool operator>(const VirtAddr& o) const { return v_ > o.v_; }
  constexpr bool operator>=(const VirtAddr& o) const { return v_ >= o.v_; }

private:
  uint64 v_ = 0;
};

// The architectural PTE bits (V R W X U G A D are bits 0..7), and the two bits (8, 9: RSW) the
// hardware ignores, which mark user leaves for the fault handler (docs/design.md, "Copy-on-write
// fork and the zero page").
enum class PteFlag : uint64 {
  None = 0,
  V = PTE_V,
  R = PTE_R,
  W = PTE_W,
  X = PTE_X,
  U = PTE_U,
  G = PTE_G,
  A = PTE_A,
  D = PTE_D,
  Cow = 1ull << 8,  // a page fork shared, W cleared: a write copies it (or takes it over if alone)
  Zero = 1ull << 9, // the shared zero page, read-only: a write maps a private zeroed page
};
[[nodiscard]] constexpr PteFlag operator|(PteFlag a, PteFlag b) {
  return static_cast<PteFlag>(static_cast<uint64>(a) | static_cast<uint64>(b));
}
[[nodiscard]] constexpr PteFlag operator&(PteFlag a, PteFlag b) {
  return static_cast<PteFlag>(static_cast<uint64>(a) & static_cast<uint64>(b));
}
[[nodiscard]] constexpr PteFlag operator~(PteFlag a) {
  return static_cast<PteFlag>(~static_cast<uint64>(a) & 0x3FF);
}
[[nodiscard]] constexpr bool any(PteFlag f) {
  return static_cast<uint64>(f) != 0;
}

// One Sv39 page-table entry: physical page number in bits 10..53, flags in bits 0..9.
class Pte {
public:
  constexpr Pte() = default;
  explicit constexpr Pte(uint64 raw) : raw_(raw) {}
  [[nodiscard]] static constexpr Pte make(PhysAddr pa, PteFlag flags) {
    return Pte(PA2PTE(pa.raw()) | static_cast<uint64>(flags));
  }

  [[nodiscard]] constexpr uint64 raw() const { return raw_; }
  [[nodiscard]] constexpr bool valid() const { return has(PteFlag::V); }
  // A leaf maps a page; a valid non-leaf (no R, W or X) points to the next page-table level.
  [[nodiscard]] constexpr bool leaf() const {
    return any(flags() & (PteFlag::R | PteFlag::W | PteFlag::X));
  }
  [[nodiscard]] constexpr PhysAddr pa() const { return PhysAddr(PTE2PA(raw_)); }
  [[nodiscard]] constexpr PteFlag flags() const { return static_cast<PteFlag>(PTE_FLAGS(raw_)); }
  [[nodiscard]] constexpr bool has(PteFlag f) const { return (flags() & f) == f; }

private:
  uint64 raw_ = 0;
};
static_assert(sizeof(Pte) == 8);

// A page-table page: 512 PTEs in one physical page, reached through the direct map.
using PageTable = Pte*;
inline constexpr int kPtesPerPage = 512;
