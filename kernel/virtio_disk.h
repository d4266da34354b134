// Driver for QEMU's virtio-mmio block device (modern interface, virtio 1.x / mmio version 2).
#pragma once

#include "kernel/types.h"

struct Buf;

// Finds and configures the disk at VIRTIO0. Panics with a clear message if there is no virtio block
// device there (a kernel or QEMU configuration problem, not a user error). Hart 0, once.
void virtio_disk_init();
// Reads (write = false) or writes b->data for block b->blockno, and sleeps until the disk is done.
// The caller holds b->lock. Panics if the block lies beyond the end of the disk.
void virtio_disk_rw(Buf* b, bool write);
// The disk interrupt (VIRTIO0_IRQ): acknowledges it and wakes the processes whose requests
// finished.
void virtio_disk_intr();
// Disk capacity in BSIZE blocks (0 before virtio_disk_init()).
[[nodiscard]] uint64 virtio_disk_blocks();
