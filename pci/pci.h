/*
 * pci/pci.h - PCI configuration space for the hypervisor: enumeration of
 * every bus reachable from the host bridges (ECAM from the ACPI MCFG,
 * configuration mechanism #1 on ports 0xCF8/0xCFC when there is none),
 * BAR sizing, the capability walk, and MSI / MSI-X set-up.
 *
 * The logic (pci/scan.c, pci/cap.c, pci/msi.c) works on any struct
 * pci_cfg, so host tests run it on recorded configuration spaces; the
 * real accessors are in pci/access.c.
 *
 * References: PCI Local Bus Specification 3.0 (6.1 header, 6.2.5 BARs,
 * 6.7 capabilities, 6.8 MSI/MSI-X), PCI Express Base 4.0 (7.2.2 ECAM,
 * 7.7 MSI/MSI-X capabilities), PCI-to-PCI Bridge Architecture 1.2 (3.2).
 */
#ifndef PCI_PCI_H
#define PCI_PCI_H

#include "kernel/kernel.h"

/* A function's address: segment 31:16, bus 15:8, device 7:3, function 2:0
 * (bits 15:0 are the "BDF" of mechanism #1 and ECAM offsets). */
#define PCI_ADDR(seg, bus, dev, fn) \
	(((uint32_t)(seg) << 16) | ((uint32_t)(bus) << 8) | \
	 ((uint32_t)(dev) << 3) | (uint32_t)(fn))
#define PCI_SEG(a)   ((a) >> 16)
#define PCI_BUS(a)   (((a) >> 8) & 0xFF)
#define PCI_DEV(a)   (((a) >> 3) & 0x1F)
#define PCI_FN(a)    ((a) & 7)
#define PCI_BDF(a)   ((a) & 0xFFFF)

/* ---- configuration header (type 0 and 1), PCI 3.0 6.1 ------------------ */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define   PCI_CMD_IO          BIT(0)
#define   PCI_CMD_MEM         BIT(1)
#define   PCI_CMD_MASTER      BIT(2)
#define   PCI_CMD_INTX_OFF    BIT(10)
#define PCI_STATUS          0x06
#define   PCI_STATUS_CAPS     BIT(4)
#define PCI_REVISION        0x08
#define PCI_PROG_IF         0x09
#define PCI_SUBCLASS        0x0A
#define PCI_CLASS           0x0B
#define PCI_HEADER_TYPE     0x0E
#define   PCI_HEADER_MULTI    BIT(7)
#define   PCI_HEADER_KIND     GENMASK(6, 0)
#define   PCI_HEADER_DEVICE   0
#define   PCI_HEADER_BRIDGE   1
#define PCI_BAR0            0x10
#define PCI_SECONDARY_BUS   0x19   /* type 1 */
#define PCI_SUBORDINATE_BUS 0x1A   /* type 1 */
#define PCI_CAP_PTR         0x34
#define PCI_CFG_SIZE        256
#define PCI_ECAM_SIZE       4096

#define PCI_BAR_IO          BIT(0)
#define PCI_BAR_MEM_TYPE    GENMASK(2, 1)
#define   PCI_BAR_MEM64       (2u << 1)
#define PCI_BAR_PREFETCH    BIT(3)

/* ---- capabilities, PCI 3.0 6.7 / PCIe 4.0 7.7 -------------------------- */
#define PCI_CAP_ID_MSI      0x05
#define PCI_CAP_ID_VENDOR   0x09
#define PCI_CAP_ID_PCIE     0x10
#define PCI_CAP_ID_MSIX     0x11
/* The walk stops after this many entries: (256 - 64) / 4 is the most a
 * list without a loop can hold. */
#define PCI_CAP_MAX         48

/* MSI capability (PCI 3.0 6.8.1) */
#define PCI_MSI_CTRL        0x02
#define   PCI_MSI_ENABLE      BIT(0)
#define   PCI_MSI_MME         GENMASK(6, 4)
#define   PCI_MSI_64BIT       BIT(7)
#define   PCI_MSI_MASKABLE    BIT(8)
#define PCI_MSI_ADDR_LO     0x04
#define PCI_MSI_ADDR_HI     0x08   /* 64-bit only */
#define PCI_MSI_DATA_32     0x08
#define PCI_MSI_DATA_64     0x0C
#define PCI_MSI_MASK_32     0x0C
#define PCI_MSI_MASK_64     0x10

/* MSI-X capability and table (PCI 3.0 6.8.2) */
#define PCI_MSIX_CTRL       0x02
#define   PCI_MSIX_SIZE       GENMASK(10, 0)   /* entries - 1 */
#define   PCI_MSIX_FN_MASK    BIT(14)
#define   PCI_MSIX_ENABLE     BIT(15)
#define PCI_MSIX_TABLE      0x04
#define PCI_MSIX_PBA        0x08
#define   PCI_MSIX_BIR        GENMASK(2, 0)
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_ADDR_LO 0x0
#define PCI_MSIX_ENTRY_ADDR_HI 0x4
#define PCI_MSIX_ENTRY_DATA    0x8
#define PCI_MSIX_ENTRY_CTRL    0xC
#define   PCI_MSIX_ENTRY_MASKED  BIT(0)

/* An MSI message to a local APIC (Intel SDM Vol. 3, 11.11; AMD APM Vol. 2,
 * 16.4 on the same format): address 0xFEEx_xxxx with the destination APIC
 * ID in 19:12, physical destination; data: delivery mode 10:8, vector 7:0,
 * edge. */
#define MSI_ADDR_BASE       0xFEE00000u
#define MSI_ADDR_DEST(id)   ((uint32_t)(id) << 12)
#define MSI_DATA_NMI        (4u << 8)    /* delivery mode NMI: vector ignored */

/* ---- access -------------------------------------------------------------- */

/* Configuration space access. reg is a byte offset, naturally aligned for
 * the width, below 4096 (ECAM) or 256 (mechanism #1; beyond reads as all
 * ones, writes are dropped). An absent function reads all ones. */
struct pci_cfg {
	uint32_t (*read32)(void *ctx, uint32_t addr, unsigned reg);
	void (*write32)(void *ctx, uint32_t addr, unsigned reg, uint32_t v);
	void (*write16)(void *ctx, uint32_t addr, unsigned reg, uint16_t v);
	void *ctx;
};

uint8_t pci_read8(const struct pci_cfg *c, uint32_t addr, unsigned reg);
uint16_t pci_read16(const struct pci_cfg *c, uint32_t addr, unsigned reg);
uint32_t pci_read32(const struct pci_cfg *c, uint32_t addr, unsigned reg);
void pci_write16(const struct pci_cfg *c, uint32_t addr, unsigned reg, uint16_t v);
void pci_write32(const struct pci_cfg *c, uint32_t addr, unsigned reg, uint32_t v);

/* ---- enumeration (pci/scan.c) ---------------------------------------------- */

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_KIND_IO, PCI_BAR_KIND_MEM32, PCI_BAR_KIND_MEM64 };

struct pci_bar {
	uint64_t base;
	uint64_t size;           /* 0 until pci_size_bars, or unimplemented */
	uint8_t kind;            /* enum pci_bar_kind */
	bool prefetch;
};

#define PCI_MAX_BARS 6

struct pci_dev {
	uint32_t addr;           /* PCI_ADDR */
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header;          /* PCI_HEADER_KIND of the header type */
	uint8_t secondary, subordinate;   /* bridges */
	uint8_t cap_msi, cap_msix, cap_pcie;   /* offsets, 0 = absent */
	uint8_t nbars;           /* 6 for devices, 2 for bridges */
	struct pci_bar bar[PCI_MAX_BARS];
};

/* What a scan met that a sane configuration space would not have. */
struct pci_scan_stats {
	uint32_t functions;      /* found */
	uint32_t buses;          /* scanned */
	uint32_t dropped;        /* found beyond the caller's array */
	uint32_t bad_bridges;    /* secondary bus out of range or seen before */
	uint32_t bad_caps;       /* capability lists that loop or run wild */
};

/*
 * pci_scan - enumerate the functions of buses [first_bus, last_bus] of one
 * segment: first_bus, then each bridge's secondary bus, depth first, every
 * bus at most once (a bridge pointing outside the range or at a bus seen
 * before is counted in bad_bridges and not followed). Fills out[] (up to
 * max) with each function's identity, its BARs' kinds and bases (sizes
 * stay 0: sizing writes the BARs, pci_size_bars does it for the devices
 * the caller takes) and its MSI, MSI-X and PCIe capability offsets.
 * Reads only. Returns the number of functions stored.
 */
size_t pci_scan(const struct pci_cfg *c, uint16_t seg, uint8_t first_bus,
		uint8_t last_bus, struct pci_dev *out, size_t max,
		struct pci_scan_stats *st);

/*
 * pci_size_bars - size every BAR of d (PCI 3.0 6.2.5.1): with memory and
 * I/O decoding off, write all ones, read the mask, restore the BAR and the
 * command register. Fills d->bar[i].size (0: not implemented). A 64-bit
 * BAR uses two slots; the upper slot stays PCI_BAR_NONE. Returns 0, or -1
 * when a BAR reads back an impossible mask (then its size stays 0).
 */
int pci_size_bars(const struct pci_cfg *c, struct pci_dev *d);

/*
 * pci_claim_mmio - a function the hypervisor drives through memory BARs
 * alone: memory decode and bus mastering on, INTx off (it signals by MSI),
 * and I/O decode OFF. The guest cannot reach a hidden function's memory
 * BARs (not in its nested page table) nor its configuration space, but
 * the I/O ports firmware gave it are not intercepted: through them a
 * device may expose every register (e1000e IOADDR/IODATA, 82574
 * datasheet 8.2.2; the legacy virtio interface), its DMA rings included.
 */
void pci_claim_mmio(const struct pci_cfg *c, uint32_t addr);

/*
 * pci_find_cap - offset of the first capability with this id in the
 * standard list, 0 when absent (or the status register says there is no
 * list). Offsets below 0x40 end the list; a list longer than PCI_CAP_MAX
 * (a loop) ends the walk and sets *looped when looped is not NULL.
 */
uint8_t pci_find_cap(const struct pci_cfg *c, uint32_t addr, uint8_t id,
		     bool *looped);

/* pci_name - "SSSS:BB:DD.F" into buf (at least 13 bytes). */
const char *pci_name(uint32_t addr, char *buf, size_t size);

/* pci_parse_bdf - "BB:DD.F" (hex bus and device, function 0-7), segment
 * 0. Returns 0 and *addr, or -1. */
int pci_parse_bdf(const char *s, uint32_t *addr);

/* ---- MSI and MSI-X (pci/msi.c) ------------------------------------------------ */

/*
 * pci_msi_enable - program d's MSI capability with one message (addr,
 * data), unmasked, multiple-message enable 0, and enable it; INTx off.
 * Returns 0, or -1 when d has no MSI capability.
 */
int pci_msi_enable(const struct pci_cfg *c, const struct pci_dev *d,
		   uint64_t addr, uint32_t data);
void pci_msi_disable(const struct pci_cfg *c, const struct pci_dev *d);

/* Where d's MSI-X table lives. */
struct pci_msix_info {
	uint8_t bir;             /* BAR index */
	uint32_t offset;         /* within that BAR */
	uint16_t entries;
};

/* pci_msix_info - read d's MSI-X capability; -1 when absent or when the
 * table's BAR is not a memory BAR of d or the table does not fit in it
 * (needs pci_size_bars first). */
int pci_msix_info(const struct pci_cfg *c, const struct pci_dev *d,
		  struct pci_msix_info *info);

/* pci_msix_set - write entry idx of the mapped table (unmasked). */
void pci_msix_set(volatile void *table, unsigned idx, uint64_t addr,
		  uint32_t data);

/* pci_msix_enable - function mask off, MSI-X on, INTx off. */
void pci_msix_enable(const struct pci_cfg *c, const struct pci_dev *d);

/* ---- the machine (pci/access.c; not in host builds) ---------------------------- */
#ifndef HOST_BUILD
struct acpi_mcfg_seg;

/*
 * pci_init - choose the access method: ECAM through the MCFG windows
 * (each bus's 1 MiB mapped when first scanned), mechanism #1 when there is
 * no MCFG. Boot CPU, at bring-up, before the guest runs.
 */
void pci_init(const struct acpi_mcfg_seg *mcfg, size_t nmcfg);

/* The machine's accessor (valid after pci_init). */
const struct pci_cfg *pci_machine(void);

/*
 * pci_enumerate - scan every segment and bus (pci_scan) into a table kept
 * by pci/ (the first PCI_MAX_DEVS functions). Returns the count.
 */
#define PCI_MAX_DEVS 256
size_t pci_enumerate(void);
const struct pci_dev *pci_devices(size_t *n);

/* pci_ecam_page - the physical address of addr's ECAM page, 0 when it is
 * reached through mechanism #1 only. */
uint64_t pci_ecam_page(uint32_t addr);

/* pci_ecam_map - addr's ECAM page mapped (its bus's megabyte is mapped
 * the first time; callers serialize), NULL without a window or mapping. */
volatile void *pci_ecam_map(uint32_t addr);

/* pci_print - one line per function through pr. */
void pci_print(print_fn pr);

/* pci_dump - every function's 256-byte configuration space in hex and its
 * BAR sizes ("pcidump" lines; sizing writes the BARs, decoding off meanwhile):
 * a diagnostic, and how the host tests' recorded spaces were made. Boot
 * CPU, before the guest runs. */
void pci_dump(print_fn pr);
#endif

#endif
