// free: how much physical memory is in use, from memstat().
//
//   free           total, used and free pages (and KiB), lazy page faults since boot
//   free -p PID    the same, then PID's size, resident pages (and how many are copy-on-write or
//                  the zero page), page-table pages and faults (and of which kind)

#include "kernel/types.h"
#include "kernel/memstat.h"
#include "kernel/riscv.h"
#include "user/user.h"

namespace {

constexpr uint64 kKiBPerPage = PGSIZE / 1024;

// One line of the table: a name, then pages and KiB right-aligned.
void row(const char* name, uint64 pages) {
  printf("%-6s%10lu%12lu\n", name, pages, pages * kKiBPerPage);
}

int usage() {
  fprintf(2, "usage: free [-p pid]\n");
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  int pid = 0;
  if (argc == 3 && strcmp(argv[1], "-p") == 0) {
    pid = atoi(argv[2]);
    if (pid <= 0)
      return usage();
  } else if (argc != 1) {
    return usage();
  }

  struct memstat ms;
  if (memstat(pid, &ms) < 0) {
    if (pid != 0)
      fprintf(2, "free: no process %d\n", pid);
    else
      fprintf(2, "free: memstat failed\n");
    return 1;
  }

  printf("%-6s%10s%12s\n", "", "pages", "KiB");
  row("total", ms.total_pages);
  row("used", ms.total_pages - ms.free_pages);
  row("free", ms.free_pages);
  printf("lazy page faults since boot: %lu\n", ms.total_faults);
  printf("copy-on-write faults since boot: %lu\n", ms.total_cow_faults);

  if (pid != 0) {
    printf("process %d:\n", ms.pid);
    printf("  size        %lu bytes (%lu KiB declared)\n", ms.sz, ms.sz / 1024);
    printf("  resident    %lu pages (%lu KiB)\n", ms.resident, ms.resident * kKiBPerPage);
    printf("    cow       %lu pages shared copy-on-write\n", ms.shared);
    printf("    zero      %lu mappings of the zero page\n", ms.zero_mapped);
    printf("  page tables %lu pages (%lu KiB)\n", ms.ptpages, ms.ptpages * kKiBPerPage);
    printf("  faults      %lu\n", ms.faults);
    printf("    of which  %lu untouched->private, %lu zero page, %lu copy-on-write, %lu file\n",
           ms.faults_lazy, ms.faults_zero, ms.faults_cow, ms.faults_file);
  }
  return 0;
}
