// lazydemo: the worked example of README's "Write your own program" (the README shows this file
// as it is). Grows the heap by N pages (default 8) with sbrk, which maps nothing yet, touches every
// other page, and shows the process's resident pages (memstat) at each step.
#include "kernel/types.h"
#include "kernel/memstat.h"
#include "user/user.h"

static int resident(void) // the caller's resident user pages
{
  struct memstat ms;

  if (memstat(0, &ms) < 0)
    return -1;
  return ms.resident;
}

int main(int argc, char* argv[]) {
  int pages = argc > 1 ? atoi(argv[1]) : 8;
  loadimage(); // exec loads pages on first touch: load them all now
  int before = resident();
  char* p = sbrk(pages * 4096); // lazy: maps nothing yet
  int grown = resident();
  for (int i = 0; i < pages; i += 2)
    p[i * 4096] = 1; // each first touch faults one page in
  printf("lazydemo: grew by %d pages: resident %d -> %d, touched %d -> %d\n", pages, before, grown,
         (pages + 1) / 2, resident());
  exit(0);
}
