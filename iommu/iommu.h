/*
 * iommu/iommu.h - AMD-Vi (the AMD IOMMU): the public interface.
 *
 * Spec: AMD I/O Virtualization Technology (IOMMU) Specification, 48882
 * (section numbers of rev. 3.x). Three layers:
 *   - ivrs.c:  the IVRS table (5.2) decoded into struct ivrs_info; pure,
 *              runs on the host (unit tests, fuzzing);
 *   - iopt.c, dte.c: the I/O page tables (2.2.3) and device table entries
 *              (2.2.2) as values; pure, host-tested;
 *   - hw.c, events.c: the hardware: MMIO registers (3.4), command buffer
 *              (2.4), event log (2.5), the console report. Kernel only.
 * What the guest gets and why: docs/iommu.md.
 */
#ifndef IOMMU_IOMMU_H
#define IOMMU_IOMMU_H

#include "kernel/kernel.h"

/* ==== IVRS (ivrs.c) =================================================== */

/* Limits; a table beyond them is refused (the machine then runs without
 * DMA protection, or not at all with iommu=required). */
#define IVRS_MAX_IOMMUS   8
#define IVRS_MAX_RANGES   256    /* device entries (select, range, alias) */
#define IVRS_MAX_SPECIAL  32     /* I/O APIC and HPET entries */
#define IVRS_MAX_IVMD     16

/* Device entry data setting (the "DTE setting" byte, 48882 5.2.2.2). */
#define IVRS_DTE_INITPASS  BIT(0)
#define IVRS_DTE_EINTPASS  BIT(1)
#define IVRS_DTE_NMIPASS   BIT(2)
#define IVRS_DTE_SYSMGT    GENMASK(5, 4)
#define IVRS_DTE_LINT0PASS BIT(6)
#define IVRS_DTE_LINT1PASS BIT(7)

/* A run of device IDs [first, last] behind one IOMMU; with an alias, the
 * devices' requests carry the ID `alias` instead (bridges, 5.2.2.2). */
struct ivrs_devs {
	uint16_t first, last;
	uint8_t setting;       /* IVRS_DTE_* */
	bool has_alias;
	uint16_t alias;
	bool extended;
	uint32_t ext_data;     /* extended entries: bit 31 ATS disabled */
	uint8_t entry_type;    /* the entry that described it (0x01..0xF0) */
};

/* Special device (type 48h): an I/O APIC or HPET and the ID its
 * interrupts carry. */
#define IVRS_VARIETY_IOAPIC 1
#define IVRS_VARIETY_HPET   2
struct ivrs_special {
	uint8_t variety;
	uint8_t handle;        /* I/O APIC ID or HPET number */
	uint16_t devid;
	uint8_t setting;
};

/* IVMD (types 20h-22h, 5.2.2.3): memory a device needs untouched. */
struct ivrs_ivmd {
	uint8_t type;          /* 0x20 all devices, 0x21 one, 0x22 a range */
	uint8_t flags;         /* bit 0 unity, 1 IR, 2 IW, 3 exclusion */
	uint16_t first, last;  /* device IDs it applies to */
	uint64_t start, len;
};

struct ivrs_iommu {
	uint8_t type;          /* IVHD 0x10, 0x11 or 0x40 */
	uint8_t flags;
	uint16_t devid;        /* the IOMMU's own PCI function (bus:dev.fn) */
	uint16_t cap_offset;   /* its capability block in config space */
	uint64_t base;         /* MMIO registers, 16 KiB aligned */
	uint16_t segment;
	uint16_t info;         /* bits 4:0 MSI number, 12:8 UnitID */
	uint32_t features;     /* 10h: feature reporting; 11h/40h: attributes */
	uint64_t efr;          /* 11h/40h: the EFR image, else 0 */
	unsigned first_devs, ndevs;       /* into ivrs_info.devs */
	unsigned first_special, nspecial; /* into ivrs_info.special */
	unsigned acpi_hid;     /* F0h entries seen (not used: see docs) */
};

struct ivrs_info {
	uint8_t revision;
	uint32_t iv_info;      /* bits 14:8 PA size, 21:15 VA size, ... */
	uint8_t ivhd_type;     /* the block type used (highest supported) */
	struct ivrs_iommu iommus[IVRS_MAX_IOMMUS];
	unsigned niommus;
	struct ivrs_devs devs[IVRS_MAX_RANGES];
	unsigned ndevs;
	struct ivrs_special special[IVRS_MAX_SPECIAL];
	unsigned nspecial;
	struct ivrs_ivmd ivmd[IVRS_MAX_IVMD];
	unsigned nivmd;
	unsigned superseded;   /* IVHD blocks of a lower type, not used */
	unsigned unknown;      /* blocks and entries of reserved types, skipped */
};

/*
 * ivrs_parse - validate and decode a whole IVRS table.
 * @t, @len: the table (SDT header included; the ACPI layer has checked
 *   its checksum and that len is its header's length).
 * Every IVHD block of types 10h, 11h and 40h is checked, and those of the
 * highest type present are decoded (48882 5.2.2.1: software uses one
 * type per IOMMU, the newest it knows); IVMD blocks are decoded; blocks of
 * reserved types are skipped by their length. Any inconsistency refuses
 * the table: a block or entry crossing its end, a range start without
 * its end, an end without a start, a range that runs backwards, an
 * entry type of unknown length, an unaligned or zero MMIO base, two
 * IOMMUs at one base, more than the limits above.
 * Returns 0, or -1 with the reason (offset and entry) in @err. *out is
 * zeroed first and is complete only on success.
 */
int ivrs_parse(const void *t, size_t len, struct ivrs_info *out, char *err,
	       size_t errlen);

/* ivrs_request_ids: the IDs a device's requests may carry by @iv
 * (5.2.2.2 alias entries): @devid itself, then the alias of every run
 * of segment 0 that names it, each once. Returns the count (at most
 * @cap). */
size_t ivrs_request_ids(const struct ivrs_info *iv, uint16_t devid,
			uint16_t *out, size_t cap);

/* ivrs_unity_ranges: the IVMD blocks with the unity flag (5.2.2.3,
 * flags bit 0), as [base, end) widened to 4 KiB pages, at most @cap.
 * The hypervisor maps them, identity and read/write, in the guest's I/O
 * page tables for every guest device (coarser than the IVMD's device
 * scope and IR/IW: docs/iommu.md), never over its own holes. */
#define IVMD_UNITY     BIT(0)
#define IVMD_IR        BIT(1)
#define IVMD_IW        BIT(2)
#define IVMD_EXCLUSION BIT(3)
size_t ivrs_unity_ranges(const struct ivrs_info *iv, uint64_t (*out)[2],
			 size_t cap);

/* Print what ivrs_parse found (one line per IOMMU, device runs). */
void ivrs_print(const struct ivrs_info *iv, print_fn pr);

/* ==== I/O page tables (iopt.c; 48882 2.2.3) =========================== */

#define IOPT_LEVELS   4                 /* DTE Mode 4: 48-bit addresses */
#define IOPT_ENTRIES  512
#define IOPTE_PR      BIT(0)
#define IOPTE_NEXT(l) ((uint64_t)(l) << 9)   /* NextLevel, bits 11:9 */
#define IOPTE_NEXT_MASK GENMASK(11, 9)
#define IOPTE_ADDR    GENMASK(51, 12)
#define IOPTE_IR      BIT(61)
#define IOPTE_IW      BIT(62)
/* A non-present entry. PR = 0 makes hardware ignore the rest (2.2.3);
 * NextLevel = 1 is there for QEMU 7.2, whose walker reports a fault
 * (IO_PAGE_FAULT event) only for a non-present entry that names a next
 * level, and silently denies an all-zero one. */
#define IOPTE_ABSENT  IOPTE_NEXT(1)
#define IOPT_LEVEL_SIZE(l) (1ull << (12 + 9 * ((l) - 1)))

/* Where page-table pages come from (frames in the hypervisor, malloc in
 * tests), as struct npt_ops does for the NPT. */
struct iopt_ops {
	int (*alloc_table)(void *ctx, uint64_t *pa, void **va);
	void (*free_table)(void *ctx, uint64_t pa, void *va);
	void *(*table_va)(void *ctx, uint64_t pa);
	void *ctx;
};

/* What a device may reach: the 4 KiB pages wholly inside one of @ranges
 * and inside none of @holes ([base, end) each). */
struct iopt_range {
	uint64_t base, end;
};
struct iopt_layout {
	const struct iopt_range *ranges;
	size_t nranges;
	const struct iopt_range *holes;
	size_t nholes;
};

struct iopt {
	uint64_t root_pa;
	uint64_t *root;
	struct iopt_ops ops;
	size_t table_pages;
	uint64_t mapped;       /* bytes */
};

/* iopt_build: identity-map the layout with the largest leaves that fit
 * (1 GiB, 2 MiB, 4 KiB), readable and writable; every other entry is
 * IOPTE_ABSENT. Returns 0, or -1 when a table cannot be allocated
 * (everything allocated is then freed) or the layout is out of range. */
int iopt_build(struct iopt *pt, const struct iopt_layout *l,
	       const struct iopt_ops *ops);
/* iopt_destroy: free every table. */
void iopt_destroy(struct iopt *pt);
/* iopt_lookup: walk like the IOMMU does: the leaf's permissions
 * (IOPTE_IR | IOPTE_IW, 0 when unmapped) for the device address @da. */
uint64_t iopt_lookup(const struct iopt *pt, uint64_t da, uint64_t *pa);

/* ==== device table entries (dte.c; 48882 2.2.2) ======================= */

#define DEV_TABLE_ENTRIES 65536
struct dte {
	uint64_t q[4];
} __packed;
_Static_assert(sizeof(struct dte) == 32, "DTE is 256 bits");

#define DTE_V          BIT(0)
#define DTE_TV         BIT(1)
#define DTE_MODE(m)    ((uint64_t)(m) << 9)          /* bits 11:9 */
#define DTE_PT_ROOT    GENMASK(51, 12)
#define DTE_IR         BIT(61)
#define DTE_IW         BIT(62)
#define DTE1_DOMAIN    GENMASK(15, 0)
#define DTE1_SE        BIT(33)                       /* suppress events */
#define DTE1_IOCTL     GENMASK(36, 35)               /* 0: port I/O aborted */
#define DTE1_SYSMGT    GENMASK(41, 40)               /* 0: blocked */
#define DTE2_IV        BIT(0)
#define DTE2_INTTABLEN GENMASK(4, 1)
#define DTE2_IRT_ROOT  GENMASK(51, 6)
#define DTE2_INITPASS  BIT(56)
#define DTE2_EINTPASS  BIT(57)
#define DTE2_NMIPASS   BIT(58)
#define DTE2_INTCTL(x) ((uint64_t)(x) << 60)         /* bits 61:60 */
#define DTE2_INTCTL_MASK GENMASK(61, 60)
#define DTE2_LINT0PASS BIT(62)
#define DTE2_LINT1PASS BIT(63)
#define INTCTL_ABORT     0
#define INTCTL_FORWARD   1
#define INTCTL_REMAP     2

#define IOMMU_DOMAIN_GUEST   1
#define IOMMU_DOMAIN_BLOCKED 2
#define IOMMU_DOMAIN_HV      3   /* the hypervisor's NIC */

/* dte_guest: a device the guest drives: DMA translated through @pt_root
 * (the guest's RAM, never the hypervisor's), fixed and arbitrated MSIs
 * forwarded unchanged, INIT, ExtINT, NMI, LINT0/1 and SMI (SysMgt 0)
 * refused; @irt_pa: a 128-byte aligned interrupt table the IOMMU may
 * read (IV=1 needs one; IntCtl forward never consults it). */
struct dte dte_guest(uint64_t pt_root, uint64_t irt_pa);
/* dte_hypervisor: the hypervisor's own device (its NIC): DMA through
 * @pt_root, which maps only that device's buffers (domain
 * IOMMU_DOMAIN_HV); NMI MSIs pass (NMIPass: the NIC signals in NMI
 * delivery mode, docs/net.md), fixed and arbitrated forwarded; INIT,
 * ExtINT, LINT0/1 and SMI refused. */
struct dte dte_hypervisor(uint64_t pt_root, uint64_t irt_pa);
/* dte_blocked: no DMA at all (V=1, TV=1, IR=IW=0, a walk that can map
 * nothing: @empty_root, a zeroed top-level table) and no interrupts
 * (IntCtl abort, nothing passes). Faults are logged. */
struct dte dte_blocked(uint64_t empty_root, uint64_t irt_pa);
/* dte_check_guest_policy: true when @d refuses INIT, ExtINT, NMI, LINT
 * and SysMgt and forwards or aborts fixed interrupts (tests, bring-up). */
bool dte_refuses_special_interrupts(const struct dte *d);

/* ==== event log decoding (events.c; 48882 2.5) ======================== */

#define EVT_ILLEGAL_DEV_TABLE_ENTRY 0x1
#define EVT_IO_PAGE_FAULT           0x2
#define EVT_DEV_TAB_HW_ERROR        0x3
#define EVT_PAGE_TAB_HW_ERROR       0x4
#define EVT_ILLEGAL_COMMAND         0x5
#define EVT_COMMAND_HW_ERROR        0x6
#define EVT_IOTLB_INV_TIMEOUT       0x7
#define EVT_INVALID_DEVICE_REQUEST  0x8

struct iommu_event {
	uint8_t code;
	uint16_t devid;
	uint64_t addr;
	bool write;
	uint32_t flags;        /* dword 1, bits 27:16 */
};

/* Blocked accesses, by device, page and direction (events.c keeps one,
 * under its lock; decode.c counts). */
#define IOMMU_MAX_FAULT_KINDS 32
struct iommu_fault_kind {
	uint16_t devid;
	bool write;
	uint64_t page;
	uint64_t count;
};
struct iommu_faults {
	uint64_t by_code[16];
	uint64_t reads, writes;
	struct iommu_fault_kind kinds[IOMMU_MAX_FAULT_KINDS];
	unsigned nkinds;
	uint64_t other;        /* faults of kinds beyond the table */
};
/* iommu_faults_add: count one event; returns how many events of its kind
 * (same device, page, direction) there have been, this one included, or
 * 0 for an event that is not an IO_PAGE_FAULT. */
uint64_t iommu_faults_add(struct iommu_faults *f, const struct iommu_event *ev);

/* iommu_event_decode: one 16-byte log entry. */
void iommu_event_decode(const uint32_t raw[4], struct iommu_event *ev);
const char *iommu_event_name(uint8_t code);

/* iommu_evt_pending (decode.c, pure): whether an IOMMU has something for
 * its event interrupt's NMI (the NMI source's pending(), NMI context):
 * @status (MMIO 2020h, 3.4.7) with EventLogInt or EventOverflow set, or
 * an entry waiting at @head: @head != @tail, or under QEMU's tail quirk
 * (@tail_quirk) a non-zero event code in the entry's dword 1
 * (@head_dword1, 2.5.2: codes are never 0). */
#define IOMMU_STATUS_EVT_OVERFLOW BIT(0)
#define IOMMU_STATUS_EVT_LOG_INT  BIT(1)
bool iommu_evt_pending(uint64_t status, uint32_t head, uint32_t tail,
		       bool tail_quirk, uint32_t head_dword1);

/* iommu_msi_data (decode.c, pure): the IOMMU's own MSI (PCI MSI
 * capability of its function) as an NMI to @apic_id: address and data. */
#define IOMMU_MSI_DATA_NMI 0x0400u       /* delivery mode 100b, bits 10:8 */
void iommu_msi_nmi(uint8_t apic_id, uint32_t *addr, uint32_t *data);

/* ==== the hardware (hw.c) ============================================= */

struct iommu_config {
	const void *ivrs;        /* the hypervisor's copy, or NULL */
	uint32_t ivrs_len;
	const struct mem_range *map; /* firmware map: what devices may reach */
	size_t nmap;
	const struct hv_hole *holes; /* the hypervisor's memory: never */
	size_t nholes;
	bool required;           /* iommu=required */
	/* The hypervisor's own DMA device (its NIC), when hv_dev: its ID
	 * (bus 15:8, device 7:3, function 2:0) and the only memory it may
	 * reach ([base, end), 4 KiB aligned), identity-mapped. */
	bool hv_dev;
	uint16_t hv_devid;
	const struct iopt_range *hv_dma;
	size_t nhv_dma;
};

/* iommu_init: on the boot CPU before the guest's first instruction:
 * parse IVRS, build the page tables and the device table, program and
 * enable every IOMMU, wait for its invalidations. Without an IOMMU, or
 * when any step fails, prints "DMA is not protected" and returns -1
 * (the caller panics when required); 0 when every IOMMU translates. */
int iommu_init(const struct iommu_config *cfg);

/* iommu_poll: drain every event log (counts, rate-limited log lines).
 * Cheap when nothing is new; any CPU, serialised inside. @force: ignore
 * the poll interval (the console). */
void iommu_poll(bool force);
/* The TSC at which the exit path's iommu_poll(false) is next due;
 * UINT64_MAX while no IOMMU is active (one compare per exit). */
extern volatile uint64_t iommu_poll_due_tsc;
static inline void iommu_poll_at(uint64_t now)
{
	if (now >= iommu_poll_due_tsc)
		iommu_poll(false);
}

/* The IOMMU's event interrupt as an NMI source of the boot CPU (smp/,
 * "NMI sources"): each IOMMU's MSI is programmed in NMI delivery mode to
 * the boot CPU and EventIntEn set (iommu_init). pending() asks
 * iommu_evt_pending of every unit; service() drains like iommu_poll(true).
 * Returns the claims so far (the console). */
uint64_t iommu_nmi_claims(void);

/* Whether the guest must not see this: the IOMMUs' MMIO pages and PCI
 * functions (svm/ and kernel/main.c use these). */
bool iommu_active(void);
size_t iommu_mmio_ranges(struct iopt_range *out, size_t cap);
bool iommu_is_own_function(uint16_t segment, uint16_t bdf);
/* iommu_hv_ids (hw.c): the device IDs given the hypervisor's entry (the
 * NIC's and the alias its requests carry); returns the count. */
size_t iommu_hv_ids(uint16_t *out, size_t cap);

/* iommu_cfg_io_hidden (hide.c): an intercepted access to 0xCF8-0xCFF
 * that reaches an IOMMU's function: reads all-ones, writes dropped. */
bool iommu_cfg_io_hidden(uint16_t port, unsigned size);

/* iommu_report: the console's `iommu`: units, device table, page tables,
 * blocked accesses by device, address and direction. */
void iommu_report(print_fn pr);
/* The console's `iommu` command (console/commands.c's table). */
void iommu_console_cmd(print_fn pr, int argc, char **argv);

#endif
