// Driver for QEMU's virtio-mmio block device (modern interface, virtio 1.x / mmio version 2).
#pragma once

#include "kernel/types.h"

struct Buf;

// Finds and configures the disk at VIRTIO0.
void virtio_disk_init();
// Reads or writes the locked buffer b's block and sleeps until the disk is done.
void virtio_disk_rw(Buf* b, bool write);
// The disk interrupt: wakes the processes whose requests finished.
void virtio_disk_intr();
// Disk capacity in BSIZE blocks.
[[nodiscard]] uint64 virtio_disk_blocks();
