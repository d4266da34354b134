// The console device (major CONSOLE): line-edited input from the UART, output to the UART.
#pragma once

// Sets up the UART and registers consoleread and uartwrite in devsw[CONSOLE]. Hart 0, first thing.
void consoleinit();
// Input interrupt handler for one received character: line editing (Backspace/DEL erase, Ctrl-U
// kills the line, Ctrl-D ends input, Ctrl-P lists processes), echo, wakes readers at end of line.
// A line holds up to kMaxLine (512) characters; a character that does not fit is refused with a
// bell (BEL). Terminal escape sequences (arrow keys: ESC [ A, ...) are swallowed. Takes cons.lock,
// then uart_tx_lock to echo.
void consoleintr(int c);
