// The console device (major CONSOLE): line-edited input from the UART, output to the UART.
#pragma once

// Sets up the UART and registers the console in devsw[CONSOLE].
void consoleinit();
// Handles one received character: line editing, echo, waking readers.
void consoleintr(int c);
