// lazydemo: the worked example of README's "Write your own program". A plain C program that grows
// its heap by N pages (default 8) with sbrk, which maps nothing yet, then touches every other page
// and shows the process's resident pages (memstat) after each step.
#include "kernel/types.h"
#include "kernel/memstat.h"
#include "user/user.h"

// The caller's resident user pages, or -1 if memstat fails.
static int
resident(void)
{
  struct memstat ms;

  if(memstat(0, &ms) < 0)
    return -1;
  return ms.resident;
}

int
main(int argc, char *argv[])
{
  int pages = 8;
  int before, grown, touched;
  char *p;
  int i;

  if(argc > 1)
    pages = atoi(argv[1]);
  if(pages < 1 || pages > 1024){
    printf("usage: lazydemo [pages 1..1024]\n");
    exit(1);
  }
  before = resident();
  p = sbrk(pages * 4096);
  if(p == (char*)-1){
    printf("lazydemo: sbrk failed\n");
    exit(1);
  }
  grown = resident();
  for(i = 0; i < pages; i += 2)
    p[i * 4096] = 1;
  touched = resident();
  printf("lazydemo: grew by %d pages: resident %d -> %d, touched %d -> %d\n",
         pages, before, grown, (pages + 1) / 2, touched);
  exit(0);
}
