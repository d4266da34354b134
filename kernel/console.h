// The console device (major CONSOLE): line-edited input from the UART, output to the UART.
#pragma once

// Sets up the UART and registers consoleread/consolewrite in devsw[CONSOLE]. Hart 0, first thing.
void consoleinit();
// Echoes c to the screen (used by printf): polled, works with interrupts off.
void consputc(int c);
// Input interrupt handler for one received character: line editing (Backspace/DEL erase, Ctrl-U
// kills the line, Ctrl-D ends input, Ctrl-P lists processes), echo, wakes readers at end of line.
void consoleintr(int c);
