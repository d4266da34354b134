// vmprint: watch lazy allocation happen in your own page table.
//
// Grows the heap lazily by 8 pages, plus one page 64 MiB further on, prints the page table
// (kpgtbl), touches three of those pages, prints it again, and shows pgpte() of every heap page.
// Only the touched pages appear; the far one also brings a new level-0 page-table page.

#include "kernel/types.h"
#include "kernel/memstat.h"
#include "kernel/riscv.h"
#include "user/user.h"

namespace {

constexpr uint64 kNear = 8;                        // pages right at the old break
constexpr uint64 kGap = 64UL << 20;                // then 64 MiB of nothing
constexpr uint64 kFarPage = kNear + kGap / PGSIZE; // page index of the far page

uint64 pte_of(uint64 va) {
  return pgpte(reinterpret_cast<void*>(va));
}

struct memstat self_stat() {
  struct memstat ms;
  if (memstat(0, &ms) < 0) {
    printf("vmprint: memstat failed\n");
    exit(1);
  }
  return ms;
}

// Prints the figures memstat gives for this process.
void show_stat(const char* when) {
  struct memstat ms = self_stat();
  printf("%s: sz 0x%lx, resident %lu pages, page-table pages %lu, faults %lu\n", when, ms.sz,
         ms.resident, ms.ptpages, ms.faults);
}

// One line per heap page: its pgpte() and what the PTE bits say.
void show_pte(const char* label, uint64 va) {
  uint64 pte = pte_of(va);
  if (pte == 0) {
    printf("  %s va 0x%lx: pte 0 (not mapped: untouched)\n", label, va);
    return;
  }
  printf("  %s va 0x%lx: pte 0x%lx pa 0x%lx [%s%s%s%s%s%s%s]\n", label, va, pte, PTE2PA(pte),
         (pte & PTE_V) ? "V" : "", (pte & PTE_R) ? " R" : "", (pte & PTE_W) ? " W" : "",
         (pte & PTE_X) ? " X" : "", (pte & PTE_U) ? " U" : "", (pte & PTE_A) ? " A" : "",
         (pte & PTE_D) ? " D" : "");
}

} // namespace

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  uint64 old = reinterpret_cast<uint64>(sbrk(0));
  if (old % PGSIZE != 0)
    sbrklazy(static_cast<int>(PGROUNDUP(old) - old));
  uint64 base = reinterpret_cast<uint64>(sbrklazy(static_cast<int>((kFarPage + 1) * PGSIZE)));
  if (base == reinterpret_cast<uint64>(SBRK_ERROR)) {
    printf("vmprint: sbrklazy failed\n");
    return 1;
  }
  uint64 far = base + kFarPage * PGSIZE;
  printf("sbrklazy(%lu pages + 64 MiB + 1 page): heap 0x%lx..0x%lx, nothing allocated yet\n", kNear,
         base, far + PGSIZE);
  show_stat("before");
  printf("\nthe page table before touching the heap (no heap page in it):\n");
  kpgtbl();

  printf("\ntouching heap pages 0 and 5 (va 0x%lx, 0x%lx) and the far page (va 0x%lx)\n", base,
         base + 5 * PGSIZE, far);
  *reinterpret_cast<volatile char*>(base) = 'a';
  *reinterpret_cast<volatile char*>(base + 5 * PGSIZE) = 'b';
  *reinterpret_cast<volatile char*>(far) = 'c';
  show_stat("after");
  printf("\nthe page table after: three new leaf pages; the far one needed a new level-0 table\n");
  kpgtbl();

  printf("\npgpte() of the heap pages:\n");
  for (uint64 i = 0; i < kNear; i++) {
    char label[] = "page 0";
    label[5] = static_cast<char>('0' + i);
    show_pte(label, base + i * PGSIZE);
  }
  show_pte("far   ", far);

  printf("\nreading untouched page 7 gives %d, and maps a zeroed page too:\n",
         *reinterpret_cast<volatile char*>(base + 7 * PGSIZE));
  show_pte("page 7", base + 7 * PGSIZE);
  show_stat("now");
  return 0;
}
