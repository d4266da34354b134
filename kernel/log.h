// Write-ahead log: begin_op()/end_op() bracket a system call's disk updates, made with
// log_write(b) instead of bwrite(b), so that each operation's updates survive a crash all or none.
#pragma once

#include "kernel/fs.h"
#include "kernel/types.h"

struct Buf;

// Sets up the log and recovers a transaction committed before a crash.
void initlog(int dev, const superblock& sb);
// Starts a file-system operation of at most MAXOPBLOCKS blocks.
void begin_op();
// Ends an operation; the last outstanding one commits.
void end_op();
// Adds the locked, modified buffer b to the current transaction.
void log_write(Buf* b);
