// Console input and output. Reads return whole lines (or what precedes Ctrl-D); writes go to the
// UART's transmit buffer. Input editing happens in consoleintr(), at interrupt time.
#include "kernel/console.h"

#include "kernel/file.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/uart.h"

namespace {

constexpr int kBackspace = 0x100;  // consputc(kBackspace) erases the previous character
constexpr int ctrl(int x) { return x - '@'; }
constexpr int kDelete = 0x7f;

constexpr uint kInputBufSize = 128;

// The input ring. [r, w) is complete lines ready for readers; [w, e) is the line being edited.
struct Console {
  Spinlock lock{"cons"};
  char buf[kInputBufSize] GUARDED_BY(lock) = {};
  uint r GUARDED_BY(lock) = 0;  // read index
  uint w GUARDED_BY(lock) = 0;  // write index (end of the last complete line)
  uint e GUARDED_BY(lock) = 0;  // edit index
};
constinit Console cons;

// devsw[CONSOLE].write: copies n bytes from src (user if user_src) to the UART. Returns the bytes
// written; BadAddress only if not even the first chunk could be copied.
Result<int> consolewrite(bool user_src, uint64 src, int n) {
  constexpr int kChunk = 64;
  char chunk[kChunk];
  int i = 0;
  while (i < n) {
    int m = n - i < kChunk ? n - i : kChunk;
    if (!either_copyin(chunk, user_src, src + i, m).ok()) {
      if (i == 0) return Error::BadAddress;
      break;
    }
    for (int j = 0; j < m; j++) uartputc(chunk[j]);
    i += m;
  }
  return i;
}

// devsw[CONSOLE].read: copies up to one line (at most n bytes) to dst. Ctrl-D ends input: returns
// what precedes it, or 0 on an empty line. Killed if the reader is killed while waiting.
Result<int> consoleread(bool user_dst, uint64 dst, int n) {
  int target = n;
  SpinGuard guard(cons.lock);
  while (n > 0) {
    while (cons.r == cons.w) {  // wait for a complete line
      if (killed(myproc())) return Error::Killed;
      sleep(&cons.r, cons.lock);
    }
    int c = cons.buf[cons.r++ % kInputBufSize];
    if (c == ctrl('D')) {  // end of file
      if (n < target) cons.r--;  // keep it for the next read, which then returns 0
      break;
    }
    char cbuf = static_cast<char>(c);
    if (!either_copyout(user_dst, dst, &cbuf, 1).ok()) break;
    dst++;
    n--;
    if (c == '\n') break;  // a whole line has arrived
  }
  return target - n;
}

}  // namespace

void consputc(int c) {
  if (c == kBackspace) {
    uartputc_sync('\b');
    uartputc_sync(' ');
    uartputc_sync('\b');
  } else {
    uartputc_sync(c);
  }
}

void consoleintr(int c) {
  SpinGuard guard(cons.lock);
  switch (c) {
    case ctrl('P'):
      procdump();
      break;
    case ctrl('U'):  // kill the line being edited
      while (cons.e != cons.w && cons.buf[(cons.e - 1) % kInputBufSize] != '\n') {
        cons.e--;
        consputc(kBackspace);
      }
      break;
    case ctrl('H'):
    case kDelete:
      if (cons.e != cons.w) {
        cons.e--;
        consputc(kBackspace);
      }
      break;
    default:
      if (c != 0 && cons.e - cons.r < kInputBufSize) {
        c = (c == '\r') ? '\n' : c;
        consputc(c);
        cons.buf[cons.e++ % kInputBufSize] = static_cast<char>(c);
        if (c == '\n' || c == ctrl('D') || cons.e - cons.r == kInputBufSize) {
          cons.w = cons.e;  // a whole line (or a full buffer) is ready
          wakeup(&cons.r);
        }
      }
      break;
  }
}

void consoleinit() {
  uartinit();
  devsw[CONSOLE].read = consoleread;
  devsw[CONSOLE].write = consolewrite;
}
