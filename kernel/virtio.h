// virtio-mmio register layout and the split-virtqueue structures (virtio 1.2 spec, sections 4.2.2
// "MMIO Device Register Layout" and 2.7 "Split Virtqueues"). Only what the block driver needs.
#pragma once

#include "kernel/types.h"

namespace virtio {

// MMIO registers: byte offsets from the device's base address (VIRTIO0). All are 32 bits wide.
enum class Reg : uint32 {
  MagicValue = 0x000,        // reads 0x74726976 ("virt")
  Version = 0x004,           // 2 for the modern interface, 1 for legacy
  DeviceId = 0x008,          // 2 = block device, 0 = no device in this slot
  VendorId = 0x00c,          // 0x554d4551 ("QEMU")
  DeviceFeatures = 0x010,    // features the device offers (bank chosen by DeviceFeaturesSel)
  DeviceFeaturesSel = 0x014, // which 32-bit bank DeviceFeatures shows
  DriverFeatures = 0x020,    // features the driver accepts (bank chosen by DriverFeaturesSel)
  DriverFeaturesSel = 0x024, // which 32-bit bank DriverFeatures sets
  QueueSel = 0x030,          // which virtqueue the Queue* registers refer to
  QueueNumMax = 0x034,       // largest queue size the device supports (0: no such queue)
  QueueNum = 0x038,          // queue size the driver uses
  QueueReady = 0x044,        // write 1 once the queue addresses are set
  QueueNotify = 0x050,       // write a queue index: "new buffers available"
  InterruptStatus = 0x060,   // bit 0: used buffer notification, bit 1: configuration change
  InterruptAck = 0x064,      // write the bits handled
  Status = 0x070,            // device status bits (below); write 0 to reset
  QueueDescLow = 0x080,      // physical address of the descriptor table
  QueueDescHigh = 0x084,     //   (high 32 bits)
  QueueDriverLow = 0x090,    // physical address of the available ring
  QueueDriverHigh = 0x094,   //   (high 32 bits)
  QueueDeviceLow = 0x0a0,    // physical address of the used ring
  QueueDeviceHigh = 0x0a4,   //   (high 32 bits)
  ConfigGeneration = 0x0fc,  // changes when the device changes its configuration
  Config = 0x100,            // device-specific configuration (block: u64 capacity in sectors)
};

inline constexpr uint32 kMagic = 0x74726976;
inline constexpr uint32 kVersionModern = 2;
inline constexpr uint32 kDeviceIdBlock = 2;

// Device status bits, set by the driver in this order during initialisation.
inline constexpr uint32 kStatusAcknowledge = 1;
inline constexpr uint32 kStatusDriver = 2;
inline constexpr uint32 kStatusDriverOk = 4;
inline constexpr uint32 kStatusFeaturesOk = 8;

// Feature bits (bank 0 holds bits 0..31, bank 1 holds 32..63).
inline constexpr uint32 kBlkFeatureRo = 5;         // read-only device
inline constexpr uint32 kBlkFeatureScsi = 7;       // legacy SCSI passthrough
inline constexpr uint32 kBlkFeatureConfigWce = 11; // writeback mode in config
inline constexpr uint32 kBlkFeatureMq = 12;        // multiple queues
inline constexpr uint32 kFeatureAnyLayout = 27;
inline constexpr uint32 kRingFeatureIndirectDesc = 28;
inline constexpr uint32 kRingFeatureEventIdx = 29;
inline constexpr uint32 kFeatureVersion1 = 32; // bank 1, bit 0: the device is virtio 1.x

// Descriptors in our single queue (a power of two, at most QueueNumMax).
inline constexpr int NUM = 8;

// A descriptor-table entry: one physically contiguous buffer of a request.
struct Desc {
  uint64 addr; // physical address
  uint32 len;
  uint16 flags; // kDescNext, kDescWrite
  uint16 next;  // index of the next descriptor when kDescNext
};
inline constexpr uint16 kDescNext = 1;  // chained with the `next` field
inline constexpr uint16 kDescWrite = 2; // the device writes this buffer (otherwise it reads it)

// The available ring: descriptor chain heads the driver offers the device.
struct Avail {
  uint16 flags;
  uint16 idx;       // where the driver puts the next entry (mod NUM)
  uint16 ring[NUM]; // head descriptor numbers
  uint16 unused;
};

// One entry of the used ring: a chain the device has finished.
struct UsedElem {
  uint32 id; // head descriptor of the completed chain
  uint32 len;
};

// The used ring: written by the device.
struct Used {
  uint16 flags;
  uint16 idx; // where the device puts the next entry (mod NUM)
  UsedElem ring[NUM];
};

static_assert(sizeof(Desc) == 16);
static_assert(sizeof(UsedElem) == 8);

// Block request types, and the header the driver puts in a request's first descriptor.
inline constexpr uint32 kBlkTypeIn = 0;  // read the disk
inline constexpr uint32 kBlkTypeOut = 1; // write the disk
struct BlkReq {
  uint32 type;
  uint32 reserved;
  uint64 sector; // in 512-byte sectors
};
static_assert(sizeof(BlkReq) == 16);
inline constexpr uint64 kSectorSize = 512;

} // namespace virtio
