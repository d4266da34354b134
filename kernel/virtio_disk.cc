// Driver for QEMU's virtio block device through the virtio-mmio transport, modern interface (mmio
// version 2; QEMU needs -global virtio-mmio.force-legacy=false). Register layout and ring
// structures: virtio.h. One virtqueue of NUM descriptors; each request is a chain of three
// descriptors:
//   [0] a BlkReq header the device reads (type, sector),
//   [1] the buffer's BSIZE data bytes (device reads them for a write, writes them for a read),
//   [2] one status byte the device writes (0 = success).
// The requesting process sleeps on its Buf until virtio_disk_intr() sees the chain in the used
// ring.

#include "kernel/virtio_disk.h"

#include "kernel/bio.h"
#include "kernel/fs.h"
#include "kernel/kalloc.h"
#include "kernel/kstring.h"
#include "kernel/memlayout.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/virtio.h"

namespace {

using virtio::NUM;
using virtio::Reg;

// Reads a 32-bit device register, through the direct map.
uint32 reg_read(Reg r) {
  return *PhysAddr(VIRTIO0 + static_cast<uint64>(r)).as_ptr<volatile uint32>();
}
// Writes a 32-bit device register, through the direct map.
void reg_write(Reg r, uint32 v) {
  *PhysAddr(VIRTIO0 + static_cast<uint64>(r)).as_ptr<volatile uint32>() = v;
}
// Writes the physical address of kernel memory p into a Low/High register pair.
void reg_write_addr(Reg low, Reg high, const void* p) {
  uint64 a = PhysAddr::from_ptr(p).raw();
  reg_write(low, static_cast<uint32>(a));
  reg_write(high, static_cast<uint32>(a >> 32));
}

// Keeps the compiler and the hart from reordering memory accesses across this point, so the device
// sees ring updates in program order.
inline void fence() {
  __sync_synchronize();
}

// What is in flight for each descriptor chain, indexed by its head descriptor.
struct Inflight {
  Buf* b;
  uint8 status; // written by the device (descriptor 2 points here)
};

// The driver state. Ring memory is device-shared; everything else is guarded by `lock`.
struct Disk {
  Spinlock lock{"virtio_disk"};
  virtio::Desc* desc = nullptr;         // NUM descriptors (one page)
  virtio::Avail* avail = nullptr;       // driver -> device ring (one page)
  virtio::Used* used = nullptr;         // device -> driver ring (one page)
  bool free[NUM] GUARDED_BY(lock) = {}; // descriptor not in use
  uint16 used_idx GUARDED_BY(lock) = 0; // how far this driver has looked in the used ring
  Inflight info[NUM] GUARDED_BY(lock) = {};
  virtio::BlkReq ops[NUM] GUARDED_BY(lock) = {}; // request headers, one per head descriptor
  uint64 capacity_blocks = 0;                    // set once by init
};

constinit Disk disk;

// Marks descriptor i free and wakes anyone waiting for descriptors.
void free_desc_locked(int i) REQUIRES(disk.lock) {
  if (i < 0 || i >= NUM)
    panic("virtio_disk: free of descriptor %d out of range", i);
  if (disk.free[i])
    panic("virtio_disk: descriptor %d freed twice", i);
  disk.desc[i] = virtio::Desc{};
  disk.free[i] = true;
  wakeup(&disk.free[0]);
}

// Frees the chain of descriptors that starts at i.
void free_chain_locked(int i) REQUIRES(disk.lock) {
  for (;;) {
    bool more = (disk.desc[i].flags & virtio::kDescNext) != 0;
    int next = disk.desc[i].next;
    free_desc_locked(i);
    if (!more)
      return;
    i = next;
  }
}

// Takes one free descriptor; -1 if none.
int alloc_desc_locked() REQUIRES(disk.lock) {
  for (int i = 0; i < NUM; i++) {
    if (disk.free[i]) {
      disk.free[i] = false;
      return i;
    }
  }
  return -1;
}

// Takes three descriptors (they need not be contiguous). False, with nothing taken, if not enough.
bool alloc3_desc_locked(int idx[3]) REQUIRES(disk.lock) {
  for (int i = 0; i < 3; i++) {
    idx[i] = alloc_desc_locked();
    if (idx[i] < 0) {
      for (int j = 0; j < i; j++)
        free_desc_locked(idx[j]);
      return false;
    }
  }
  return true;
}

// Reads the 64-bit capacity (in 512-byte sectors) from the block device's configuration space,
// retrying if the device changed it in the middle (ConfigGeneration moved).
uint64 read_capacity_sectors() {
  for (;;) {
    uint32 gen = reg_read(Reg::ConfigGeneration);
    uint64 lo = reg_read(Reg::Config);
    uint64 hi = reg_read(static_cast<Reg>(static_cast<uint32>(Reg::Config) + 4));
    if (reg_read(Reg::ConfigGeneration) == gen)
      return lo | (hi << 32);
  }
}

} // namespace

// Finds the block device at VIRTIO0, negotiates features, hands it queue 0's three ring pages and
// reads its capacity. Panics with the QEMU option to fix if there is no usable virtio block device
// there (a configuration problem, not a user error). Hart 0, once, before interrupts are on.
void virtio_disk_init() {
  uint32 magic = reg_read(Reg::MagicValue);
  uint32 version = reg_read(Reg::Version);
  uint32 device_id = reg_read(Reg::DeviceId);
  if (magic != virtio::kMagic)
    panic("virtio_disk: no virtio-mmio device at %p (magic %x)", PhysAddr(VIRTIO0).as_ptr(), magic);
  if (version == 1)
    panic("virtio_disk: legacy virtio-mmio device; run QEMU with -global "
          "virtio-mmio.force-legacy=false");
  if (version != virtio::kVersionModern)
    panic("virtio_disk: unsupported virtio-mmio version %u", version);
  if (device_id == 0)
    panic("virtio_disk: no disk attached (QEMU needs -drive ... -device "
          "virtio-blk-device,bus=virtio-mmio-bus.0)");
  if (device_id != virtio::kDeviceIdBlock)
    panic("virtio_disk: device at %p is not a block device (id %u)", (void*)VIRTIO0, device_id);

  // Reset, then announce a driver (virtio 1.2, 3.1.1 "Driver Requirements: Device Initialization").
  uint32 status = 0;
  reg_write(Reg::Status, status);
  status |= virtio::kStatusAcknowledge;
  reg_write(Reg::Status, status);
  status |= virtio::kStatusDriver;
  reg_write(Reg::Status, status);

  // Negotiate features: refuse everything optional, accept VERSION_1 (mandatory for modern
  // devices).
  reg_write(Reg::DeviceFeaturesSel, 0);
  uint32 features0 = reg_read(Reg::DeviceFeatures);
  features0 &= ~((1u << virtio::kBlkFeatureRo) | (1u << virtio::kBlkFeatureScsi) |
                 (1u << virtio::kBlkFeatureConfigWce) | (1u << virtio::kBlkFeatureMq) |
                 (1u << virtio::kFeatureAnyLayout) | (1u << virtio::kRingFeatureEventIdx) |
                 (1u << virtio::kRingFeatureIndirectDesc));
  reg_write(Reg::DeviceFeaturesSel, 1);
  uint32 features1 = reg_read(Reg::DeviceFeatures);
  constexpr uint32 kVersion1Bit = 1u << (virtio::kFeatureVersion1 - 32);
  if ((features1 & kVersion1Bit) == 0)
    panic("virtio_disk: device does not offer VIRTIO_F_VERSION_1");
  reg_write(Reg::DriverFeaturesSel, 0);
  reg_write(Reg::DriverFeatures, features0);
  reg_write(Reg::DriverFeaturesSel, 1);
  reg_write(Reg::DriverFeatures, kVersion1Bit);

  status |= virtio::kStatusFeaturesOk;
  reg_write(Reg::Status, status);
  if ((reg_read(Reg::Status) & virtio::kStatusFeaturesOk) == 0)
    panic("virtio_disk: device refused our features");

  // Queue 0: check it is unused and big enough, then hand the device our three ring pages.
  reg_write(Reg::QueueSel, 0);
  if (reg_read(Reg::QueueReady) != 0)
    panic("virtio_disk: queue 0 already in use");
  uint32 max = reg_read(Reg::QueueNumMax);
  if (max == 0)
    panic("virtio_disk: device has no queue 0");
  if (max < NUM)
    panic("virtio_disk: queue 0 holds %u descriptors, need %d", max, NUM);

  disk.desc = static_cast<virtio::Desc*>(kzalloc());
  disk.avail = static_cast<virtio::Avail*>(kzalloc());
  disk.used = static_cast<virtio::Used*>(kzalloc());
  if (disk.desc == nullptr || disk.avail == nullptr || disk.used == nullptr)
    panic("virtio_disk: out of memory for rings");

  reg_write(Reg::QueueNum, NUM);
  reg_write_addr(Reg::QueueDescLow, Reg::QueueDescHigh, disk.desc);
  reg_write_addr(Reg::QueueDriverLow, Reg::QueueDriverHigh, disk.avail);
  reg_write_addr(Reg::QueueDeviceLow, Reg::QueueDeviceHigh, disk.used);
  reg_write(Reg::QueueReady, 1);

  {
    SpinGuard guard(disk.lock);
    for (bool& f : disk.free)
      f = true;
  }
  disk.capacity_blocks = read_capacity_sectors() / (BSIZE / virtio::kSectorSize);

  status |= virtio::kStatusDriverOk;
  reg_write(Reg::Status, status);
  // The device raises VIRTIO0_IRQ when a request completes; devintr (trap.cc) then calls
  // virtio_disk_intr.
}

// Disk capacity in BSIZE blocks (0 before virtio_disk_init()).
uint64 virtio_disk_blocks() {
  return disk.capacity_blocks;
}

// Reads (write = false) or writes b->data as block b->blockno: queues a three-descriptor request
// and sleeps until the interrupt marks it done. The caller holds b->lock; takes disk.lock (released
// while asleep). Panics if the block lies beyond the end of the disk.
void virtio_disk_rw(Buf* b, bool write) {
  if (b->blockno >= disk.capacity_blocks)
    panic("virtio_disk: block %u beyond the end of the disk (%lu blocks)", b->blockno,
          disk.capacity_blocks);
  uint64 sector = uint64{b->blockno} * (BSIZE / virtio::kSectorSize);

  SpinGuard guard(disk.lock);
  int idx[3];
  while (!alloc3_desc_locked(idx))
    sleep(&disk.free[0], disk.lock);

  virtio::BlkReq* req = &disk.ops[idx[0]];
  req->type = write ? virtio::kBlkTypeOut : virtio::kBlkTypeIn;
  req->reserved = 0;
  req->sector = sector;

  disk.desc[idx[0]] = {PhysAddr::from_ptr(req).raw(), sizeof(virtio::BlkReq), virtio::kDescNext,
                       static_cast<uint16>(idx[1])};
  uint16 data_flags = virtio::kDescNext | (write ? 0 : virtio::kDescWrite);
  disk.desc[idx[1]] = {PhysAddr::from_ptr(b->data).raw(), BSIZE, data_flags,
                       static_cast<uint16>(idx[2])};
  disk.info[idx[0]].status = 0xff; // the device writes 0 on success
  disk.desc[idx[2]] = {PhysAddr::from_ptr(&disk.info[idx[0]].status).raw(), 1, virtio::kDescWrite,
                       0};

  b->disk = true;
  disk.info[idx[0]].b = b;

  // Publish the chain head, then the new index, then tell the device.
  disk.avail->ring[disk.avail->idx % NUM] = static_cast<uint16>(idx[0]);
  fence();
  disk.avail->idx = static_cast<uint16>(disk.avail->idx + 1);
  fence();
  reg_write(Reg::QueueNotify, 0);

  while (b->disk)
    sleep(b, disk.lock);

  disk.info[idx[0]].b = nullptr;
  free_chain_locked(idx[0]);
}

// The disk interrupt: acknowledges it and, for each request the device has completed since the
// last one, clears b->disk and wakes the process waiting in virtio_disk_rw. Takes disk.lock.
void virtio_disk_intr() {
  SpinGuard guard(disk.lock);
  // Acknowledge first: a completion that arrives while we drain the ring raises a new interrupt.
  reg_write(Reg::InterruptAck, reg_read(Reg::InterruptStatus) & 0x3);
  fence();

  while (disk.used_idx != disk.used->idx) {
    fence();
    uint32 id = disk.used->ring[disk.used_idx % NUM].id;
    if (id >= static_cast<uint32>(NUM) || disk.info[id].b == nullptr)
      panic("virtio_disk: device completed unknown descriptor %u", id);
    Buf* b = disk.info[id].b;
    if (disk.info[id].status != 0)
      panic("virtio_disk: I/O error (status %u) on block %u", disk.info[id].status, b->blockno);
    b->disk = false; // the disk is done with b
    wakeup(b);
    disk.used_idx = static_cast<uint16>(disk.used_idx + 1);
  }
}
