// Console input: line editing at interrupt time (consoleintr) and reads of whole lines
// (consoleread). Output is the UART's: uartwrite for processes, printf for the kernel.
#include "kernel/console.h"

#include "kernel/file.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/uart.h"

namespace {

constexpr int kBackspace = 0x100; // consputc(kBackspace) erases the previous character
// The code the terminal sends for Ctrl-x (x an upper-case letter).
constexpr int ctrl(int x) {
  return x - '@';
}
constexpr int kDelete = 0x7f;
constexpr int kEscape = 0x1b;
constexpr int kBell = 0x07;

// The input ring holds complete lines not yet read plus the line being edited. A line holds at
// most kMaxLine characters before its newline (the shell's longest line is 510); one slot is
// always left for the newline or Ctrl-D that ends the line being edited.
constexpr uint kInputBufSize = 2048;
constexpr uint kMaxLine = 512;
static_assert(kInputBufSize >= 2 * (kMaxLine + 1)); // a line fits even while one waits unread

// Where consoleintr is in a terminal escape sequence it is swallowing (ECMA-48: ESC [ params
// final-byte, or ESC O x from keypads in application mode).
enum class Escape : uint8 { None, Esc, Csi, Ss3 };

// The input ring. [r, w) is complete lines ready for readers; [w, e) is the line being edited.
struct Console {
  Spinlock lock{"cons"};
  char buf[kInputBufSize] GUARDED_BY(lock) = {};
  uint r GUARDED_BY(lock) = 0; // read index
  uint w GUARDED_BY(lock) = 0; // write index (end of the last complete line)
  uint e GUARDED_BY(lock) = 0; // edit index
  Escape escape GUARDED_BY(lock) = Escape::None;
};
constinit Console cons;

// Echoes c (or erases the previous character for kBackspace), in order with all other output.
void consputc(int c) {
  SpinGuard guard(uart_tx_lock);
  if (c == kBackspace) {
    uartputc_sync_locked('\b');
    uartputc_sync_locked(' ');
    uartputc_sync_locked('\b');
  } else {
    uartputc_sync_locked(c);
  }
}

// Whether c is part of an escape sequence being swallowed (updating the state). A control
// character ends a sequence and is handled as usual, so Enter is never lost.
bool swallow_escape_locked(int c) REQUIRES(cons.lock) {
  const Escape state = cons.escape;
  cons.escape = Escape::None;
  if (c == kEscape) {
    cons.escape = Escape::Esc;
    return true;
  }
  if (state == Escape::None || c < ' ')
    return false;
  if (state == Escape::Esc) {
    if (c == '[')
      cons.escape = Escape::Csi;
    if (c == 'O')
      cons.escape = Escape::Ss3;
    return c == '[' || c == 'O'; // ESC + another key (Alt-key): drop the ESC, keep the key
  }
  if (state == Escape::Csi && (c < 0x40 || c > 0x7e))
    cons.escape = Escape::Csi; // not final yet
  return true;
}

// Adds c to the line being edited and echoes it, or rings the bell if it does not fit.
void add_input_locked(int c) REQUIRES(cons.lock) {
  const bool ends_line = c == '\n' || c == ctrl('D');
  const bool fits = ends_line ? cons.e - cons.r < kInputBufSize
                              : cons.e - cons.w < kMaxLine && cons.e - cons.r < kInputBufSize - 1;
  if (!fits) {
    consputc(kBell);
    return;
  }
  consputc(c);
  cons.buf[cons.e++ % kInputBufSize] = static_cast<char>(c);
  if (ends_line) {
    cons.w = cons.e; // a whole line is ready
    wakeup(&cons.r);
  }
}

// devsw[CONSOLE].read: copies up to one line (at most n bytes) to dst. Ctrl-D ends input: returns
// what precedes it, or 0 on an empty line. A character that cannot be copied to dst stays for the
// next read: BadAddress if none was copied. Killed if the reader is killed while waiting.
Result<int> consoleread(bool user_dst, uint64 dst, int n) {
  int target = n;
  SpinGuard guard(cons.lock);
  while (n > 0) {
    while (cons.r == cons.w) { // wait for a complete line
      if (killed(myproc()))
        return Error::Killed;
      sleep(&cons.r, cons.lock);
    }
    int c = cons.buf[cons.r % kInputBufSize];
    if (c == ctrl('D')) { // end of file
      if (n == target)
        cons.r++; // consumed; otherwise kept for the next read, which returns 0
      break;
    }
    char cbuf = static_cast<char>(c);
    if (!either_copyout(user_dst, dst, &cbuf, 1).ok()) {
      if (n == target)
        return Error::BadAddress;
      break;
    }
    cons.r++;
    dst++;
    n--;
    if (c == '\n')
      break; // a whole line has arrived
  }
  return target - n;
}

} // namespace

// Handles one received character at interrupt time: line editing (Backspace/DEL erase, Ctrl-U
// kills the line, Ctrl-D ends input, Ctrl-P lists processes), echo, and waking readers at the end
// of a line; a character that does not fit in a line of kMaxLine rings the bell, and terminal
// escape sequences (arrow keys) are swallowed. Takes cons.lock, then uart_tx_lock to echo.
void consoleintr(int c) {
  SpinGuard guard(cons.lock);
  if (swallow_escape_locked(c))
    return;
  switch (c) {
  case ctrl('P'):
    procdump();
    break;
  case ctrl('U'): // kill the line being edited
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
  case 0:
    break;
  default:
    add_input_locked(c == '\r' ? '\n' : c);
    break;
  }
}

// Sets up the UART and installs the console's read and write in devsw[CONSOLE]. Hart 0, first.
void consoleinit() {
  uartinit();
  devsw[CONSOLE].read = consoleread;
  devsw[CONSOLE].write = uartwrite;
}
