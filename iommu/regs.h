/*
 * iommu/regs.h - AMD IOMMU MMIO registers and command formats (AMD IOMMU
 * spec 48882, 3.4 "IOMMU MMIO Registers", 2.4 "Commands"). iommu/ only.
 */
#ifndef IOMMU_REGS_H
#define IOMMU_REGS_H

#include "iommu/iommu.h"
#include "lib/lib.h"

#define IOMMU_MMIO_SIZE      (16 * KiB)

#define MMIO_DEV_TABLE_BASE  0x0000   /* 3.4.1: base 51:12, size 8:0 */
#define MMIO_CMD_BUF_BASE    0x0008   /* 3.4.2: base 51:12, ComLen 59:56 */
#define MMIO_EVT_LOG_BASE    0x0010   /* 3.4.3: base 51:12, EventLen 59:56 */
#define MMIO_CONTROL         0x0018   /* 3.4.4 */
#define MMIO_EXCL_BASE       0x0020
#define MMIO_EXCL_LIMIT      0x0028
#define MMIO_EFR             0x0030   /* 3.4.5 Extended Feature Register */
#define MMIO_CMD_HEAD        0x2000   /* byte offsets, bits 18:4 */
#define MMIO_CMD_TAIL        0x2008
#define MMIO_EVT_HEAD        0x2010
#define MMIO_EVT_TAIL        0x2018
#define MMIO_STATUS          0x2020

#define DEV_TABLE_SIZE_ALL   0x1FF    /* (0x1FF + 1) * 4 KiB: 64K entries */
#define RING_LEN_256         (8ull << 56)  /* 2^8 entries of 16 bytes */
#define RING_BYTES           4096          /* the command buffer */
/* The event log: 4096 entries, 64 KiB (order 4). Room for bursts: QEMU
 * 7.2 logs a fault per 4-byte access of a blocked transfer, and takes the
 * entry count for a byte count, so it holds 4096 bytes (256 events). */
#define EVT_LEN_4096         (12ull << 56)
#define EVT_BYTES            (64 * KiB)
#define EVT_ORDER            4
#define RING_PTR_MASK        GENMASK(18, 4)

#define CTRL_IOMMU_EN        BIT(0)
#define CTRL_EVT_LOG_EN      BIT(2)
#define CTRL_EVT_INT_EN      BIT(3)
#define CTRL_COMWAIT_INT_EN  BIT(4)
#define CTRL_CMD_BUF_EN      BIT(12)

#define STATUS_EVT_OVERFLOW  IOMMU_STATUS_EVT_OVERFLOW   /* RW1C */
#define STATUS_EVT_LOG_INT   IOMMU_STATUS_EVT_LOG_INT    /* RW1C */
#define STATUS_COMWAIT_INT   BIT(2)   /* RW1C */
#define STATUS_EVT_LOG_RUN   BIT(3)
#define STATUS_CMD_BUF_RUN   BIT(4)

#define QEMU_IOMMU_ID        0x00181022u  /* device:vendor, config 0x00 */

#define EFR_IA_SUP           BIT(6)   /* INVALIDATE_IOMMU_ALL */
#define EFR_HATS             GENMASK(11, 10)

/* Commands: 128 bits, opcode in bits 63:60 of the first quadword. */
#define CMD_OPCODE(op)           ((uint64_t)(op) << 60)
#define CMD_COMPLETION_WAIT      0x1  /* 2.4.1 */
#define CMD_INV_DEVTAB_ENTRY     0x2  /* 2.4.2 */
#define CMD_INV_IOMMU_PAGES      0x3  /* 2.4.3 */
#define CMD_INV_INTERRUPT_TABLE  0x5  /* 2.4.5 */
#define CMD_INV_IOMMU_ALL        0x8  /* 2.4.9 */
#define CW_STORE                 BIT(0)
#define CW_ADDR                  GENMASK(51, 3)
#define INV_PAGES_ALL            0x7FFFFFFFFFFFF000ull
#define INV_PAGES_S              BIT(0)
#define INV_PAGES_PDE            BIT(1)

struct iommu_cmd {
	uint64_t q[2];
};
_Static_assert(sizeof(struct iommu_cmd) == 16, "command is 128 bits");

#endif
