/*
 * svm/svm.h - AMD SVM: the public interface of svm/.
 */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include "kernel/kernel.h"

/* ==== NPT: the nested page table (svm/npt.c) ==========================
 * One 4-level table shared by every vCPU (docs/design.md, "SVM"), identity
 * mapping guest-physical [0, top) with the largest pages that fit.
 * Format: APM Vol. 2, 5.3 (long-mode page tables) as used by nested paging,
 * 15.25.5. Every level needs P, RW and US for an access to pass (the nested
 * walk is a user-mode walk, 15.25.5), so table entries are 0x7 and leaves
 * 0x7 (4 KiB) or 0x87 (2 MiB, 1 GiB); read-only leaves lack RW. Memory type
 * bits stay 0 (WB, combined with the guest's type, 15.25.8).
 * Changes after the first VMRUN must be made under the caller's lock and
 * followed by a TLB flush on every vCPU (TLB_CONTROL = 1).
 */
#define NPT_P          BIT(0)
#define NPT_RW         BIT(1)
#define NPT_US         BIT(2)
#define NPT_PWT        BIT(3)
#define NPT_PCD        BIT(4)
#define NPT_A          BIT(5)
#define NPT_D          BIT(6)
#define NPT_PS         BIT(7)   /* in PDPE/PDE: 1 GiB / 2 MiB leaf */
#define NPT_G          BIT(8)
#define NPT_NX         BIT(63)
#define NPT_ADDR_MASK  GENMASK(51, 12)
#define NPT_TABLE      (NPT_P | NPT_RW | NPT_US)  /* 0x7 */
#define NPT_LEAF_RW    (NPT_P | NPT_RW | NPT_US)  /* 0x7 */
#define NPT_LEAF_RO    (NPT_P | NPT_US)           /* 0x5 */
#define NPT_ENTRIES    512
#define NPT_MAX_TOP    BIT(48)  /* 4 levels */

/* Leaf page sizes by level: 3 = 1 GiB, 2 = 2 MiB, 1 = 4 KiB. */
#define NPT_LEVEL_SIZE(level) (1ULL << (12 + 9 * ((level) - 1)))

/* Where table pages come from. alloc_table returns 0 and a 4 KiB-aligned
 * page (physical pa, mapped at va), or non-zero when out of memory;
 * free_table gives one back; table_va maps a table's pa to its va (the
 * kernel: the direct map). The kernel wires alloc to frame_alloc with the
 * NPT tag; tests to aligned malloc with fake addresses. */
struct npt_ops {
	int (*alloc_table)(void *ctx, uint64_t *pa, void **va);
	void (*free_table)(void *ctx, uint64_t pa, void *va);
	void *(*table_va)(void *ctx, uint64_t pa);
	void *ctx;
};

struct npt_range {
	uint64_t base, end;  /* [base, end) */
};

struct npt_layout {
	uint64_t top;                     /* map [0, top); <= NPT_MAX_TOP */
	const struct npt_range *holes;    /* not mapped (the hypervisor) */
	size_t nholes;
	const struct npt_range *small;    /* mapped with 4 KiB pages only */
	size_t nsmall;                    /* (e.g. [0, 2 MiB)) */
	const uint64_t *ro_pages;         /* 4 KiB pages mapped read-only */
	size_t nro;                       /* (the local APIC page) */
	const uint64_t *unmapped_pages;   /* 4 KiB pages not mapped */
	size_t nunmapped;
	bool page1gb;                     /* CPUID Fn8000_0001 EDX[26] */
	const struct npt_range *ro;       /* mapped read-only (ECAM), in */
	size_t nro_ranges;                /* pages as large as they fit */
};

struct npt {
	uint64_t root_pa;        /* nCR3 */
	uint64_t *root;
	struct npt_ops ops;
	size_t table_pages;      /* live table pages, root included */
	bool page1gb;
};

struct npt_stats {
	size_t leaves_1g, leaves_2m, leaves_4k;
	size_t tables;
	uint64_t mapped_bytes;
};

/* npt_build: build the identity map described by layout. Holes, small
 * ranges and special pages are widened to whole 4 KiB pages, top is rounded
 * up to 4 KiB. Returns 0, or -1 for a bad layout or when alloc_table fails
 * (everything allocated is freed again; *npt is then empty). */
int npt_build(struct npt *npt, const struct npt_layout *layout,
	      const struct npt_ops *ops);

/* npt_destroy: free every table page (free_table) and empty *npt. */
void npt_destroy(struct npt *npt);

/* npt_lookup: walk gpa. Returns 0 with the host-physical address, the leaf
 * entry's flag bits and its level (3, 2, 1), or -1 if not mapped (*level
 * then names the level whose entry is not present). Out pointers may be
 * NULL. */
int npt_lookup(const struct npt *npt, uint64_t gpa, uint64_t *hpa,
	       uint64_t *flags, int *level);

/* npt_set_page_flags: make the 4 KiB page at gpa an identity leaf with
 * flags (NPT_LEAF_RW, NPT_LEAF_RO, ...; without NPT_P: not mapped),
 * splitting a large page or adding tables as needed. Returns 0, or -1 for
 * a bad gpa/flags or when a table cannot be allocated (the mapping is then
 * unchanged; empty tables may have been added). */
int npt_set_page_flags(struct npt *npt, uint64_t gpa, uint64_t flags);

/* npt_unmap_page: npt_set_page_flags(npt, gpa, 0). */
int npt_unmap_page(struct npt *npt, uint64_t gpa);

/* npt_summary: count leaves by size, tables and mapped bytes. */
void npt_summary(const struct npt *npt, struct npt_stats *st);

/* ==== end of NPT ====================================================== */

/* ==== PCI configuration-space filter (svm/cfgfilter.c) =================
 * Which bytes of which PCI functions the guest may not write, or not see
 * at all, and how a guest access is carried out around them. The policy
 * is the table cfg_rules[] (each row: chipset, vendor, device or CFG_ANY,
 * class (base class << 8 | subclass) or CFG_ANY, the range of device <<
 * 3 | function it applies to on bus 0, optionally a capability ID the
 * register range is relative to, the range [lo, hi) and why). At boot
 * cfg_filter_build scans bus 0 once through @rd and compiles the rows that
 * match present functions into guards (bus/dev/fn, [lo, hi)).
 *
 * Hiding a function (kind CFG_HIDDEN: the guest sees no function at that
 * address: every read all-ones, every write dropped, through 0xCF8/0xCFC
 * and ECAM, whose page is then not mapped for the guest): list its bdf
 * (bus << 8 | dev << 3 | fn, bus 0) in svm_config.cfg_hide before
 * svm_init (the command line's pci_hide=DD.F does); that is the whole
 * interface (e.g. for a NIC the hypervisor
 * drives, or the IOMMU).
 * svm/guard_cfg.c applies the filter to every guest configuration access
 * and logs the first dropped write per guard. */
#define CFG_ANY        0xFFFF
#define CFG_SPACE      0x1000        /* bytes of one function (ECAM) */
#define CFG_MAX_GUARDS 64
#define CFG_MAX_DEVS   24            /* distinct functions guarded */
#define CFG_MAX_BARS   16            /* guarded BARs that answer sizing */
#define SVM_MAX_CFG_HIDE 4

enum { CFG_READONLY = 1, CFG_HIDDEN = 2 };
#define CFG_RULE_PATH  (-2)          /* cfg_guard.rule: a bridge to a hidden device */

struct cfg_rule {
	const char *chipset;
	uint16_t vendor, device, class_;
	uint8_t bdf_lo, bdf_hi;       /* dev << 3 | fn on bus 0, inclusive */
	uint8_t cap;                  /* 0, or the capability ID lo/hi follow */
	uint16_t lo, hi;              /* [lo, hi) */
	const char *why;
};
extern const struct cfg_rule cfg_rules[];
extern const size_t cfg_nrules;

struct cfg_guard {
	uint16_t bdf;
	uint16_t lo, hi;              /* [lo, hi) */
	uint8_t kind;                 /* CFG_READONLY, CFG_HIDDEN */
	int16_t rule;                 /* index in the rules, -1: hidden,
				       * CFG_RULE_PATH */
};

/* A base address register inside a read-only guard that the guest may
 * still size (PCI Local Bus 3.0, 6.2.5.1: write all-ones, read the size
 * back, write the address back): the hardware BAR never changes; while
 * sizing is set, reads of it answer what the BAR itself read after
 * all-ones when the hypervisor probed it at boot. */
struct cfg_bar {
	uint16_t bdf;
	uint8_t reg;                  /* 0x10-0x24, dword-aligned */
	bool sizing;                  /* the guest's last write was all-ones */
	uint32_t probe;               /* the BAR's answer to all-ones */
};

/* What the hypervisor keeps, that no guest BAR or bridge window may newly
 * decode (svm/cfgplace.c): true when [lo, hi) overlaps it. */
struct cfg_taken {
	bool (*io)(void *ctx, uint64_t lo, uint64_t hi);    /* ports */
	bool (*mem)(void *ctx, uint64_t lo, uint64_t hi);   /* addresses */
	void *ctx;
};

struct cfg_filter {
	struct cfg_guard g[CFG_MAX_GUARDS];
	size_t n;
	uint16_t dev[CFG_MAX_DEVS];   /* functions with a guard */
	size_t ndev;
	struct cfg_bar bar[CFG_MAX_BARS];
	size_t nbar;
	size_t nsizing;               /* of them, being sized now */
	bool overflow;                /* more than the arrays hold */
	const struct cfg_taken *taken; /* NULL: placement not checked */
	const char *refused;          /* the last write's placement refusal */
};

/* Read a dword of configuration space (reg dword-aligned, < 0x100). */
typedef uint32_t (*cfg_read32_fn)(void *ctx, uint16_t bdf, unsigned reg);
/* Write one (reg dword-aligned, < 0x100). */
typedef void (*cfg_write32_fn)(void *ctx, uint16_t bdf, unsigned reg,
			       uint32_t val);

/* One function's configuration space, as the access path reaches it. */
struct cfg_access {
	uint64_t (*read)(void *ctx, unsigned reg, unsigned size);
	void (*write)(void *ctx, unsigned reg, unsigned size, uint64_t val);
	void *ctx;
};

/* cfg_filter_build: empty *f, add a hidden guard per hide[] entry, then
 * scan bus 0 through rd and add a read-only guard per matching rule. */
void cfg_filter_build(struct cfg_filter *f, const struct cfg_rule *rules,
		      size_t nrules, const uint16_t *hide, size_t nhide,
		      cfg_read32_fn rd, void *ctx);
/* cfg_filter_probe_bars: after cfg_filter_build, at boot (nothing else
 * touches configuration space): size every BAR of a type-0 header that a
 * read-only guard covers whole, on a function that is not hidden and not
 * an IOMMU (it may be translating already, and its capability places
 * its registers), with its I/O and memory decode off meanwhile, and
 * record the answers for the guest's sizing. */
void cfg_filter_probe_bars(struct cfg_filter *f, cfg_read32_fn rd,
			   cfg_write32_fn wr, void *ctx);
/* cfg_filter_keep_path: every bridge between bus 0 and the function
 * target (a device the hypervisor keeps, behind root ports or switches)
 * read-only whole (rule CFG_RULE_PATH): through its command register,
 * bus numbers, windows, bridge control (secondary bus reset), PCIe link
 * control or power state the guest could cut the device off. */
void cfg_filter_keep_path(struct cfg_filter *f, uint16_t target,
			  cfg_read32_fn rd, void *ctx);
/* The index of bdf in f->dev, or -1 when it has no guard. */
int cfg_filter_dev(const struct cfg_filter *f, uint16_t bdf);
bool cfg_filter_hidden(const struct cfg_filter *f, uint16_t bdf);
/* Bit b set: byte reg + b of bdf is guarded (bytes past CFG_SPACE count
 * as guarded); *guard (may be NULL): the first guard hit, or -1. */
unsigned cfg_filter_mask(const struct cfg_filter *f, uint16_t bdf, unsigned reg,
			 unsigned size, int *guard);
/* cfg_filter_write: a guest write of size (1..8) bytes at reg: performed
 * through acc as written when it touches no guarded byte; else only its
 * unguarded bytes, one byte each (none for a hidden function). A dword
 * write to a probed BAR (f->bar) of all-ones starts its sizing, one of
 * the value it holds ends it: both count as performed, the hardware
 * untouched; any other write to it ends sizing and is dropped. With
 * f->taken set, a write to a visible function is also checked by
 * cfg_place_check (f->refused: its reason, or NULL), its refused bytes
 * counted as guarded. Returns the guarded-byte mask (0: performed as
 * written). */
unsigned cfg_filter_write(struct cfg_filter *f, uint16_t bdf,
			  unsigned reg, unsigned size, uint64_t val,
			  const struct cfg_access *acc, int *guard);
/* ---- placement (svm/cfgplace.c) ----
 * CFG_PLACE_END: the registers that place what a function decodes end
 * with the header. cfg_place_touches: a write of size bytes at reg
 * reaches the command register or a BAR, ROM, bridge window or bridge
 * control register. cfg_place_check: a guest write of size (1..8) bytes
 * of *val at reg of the function acc reaches, checked against t before it
 * is performed: NULL when it may be performed as written; else the
 * reason, with *drop the mask of its bytes that must not be performed
 * (the placing ones) and *val stripped of the decode enables it would
 * newly set. BARs the write changes or newly decodes are sized through
 * acc, the function's decode off meanwhile and restored. */
#define CFG_PLACE_END 0x40
bool cfg_place_touches(unsigned reg, unsigned size);
const char *cfg_place_check(const struct cfg_taken *t,
			    const struct cfg_access *acc, unsigned reg,
			    unsigned size, uint64_t *val, unsigned *drop);
/* cfg_filter_sized: val, read from size bytes at reg of bdf, with the
 * bytes of BARs being sized replaced by their probe answers. */
uint64_t cfg_filter_sized(const struct cfg_filter *f, uint16_t bdf,
			  unsigned reg, unsigned size, uint64_t val);
/* cfg_filter_read: all-ones for a hidden function, else through acc
 * (cfg_filter_sized applied). */
uint64_t cfg_filter_read(const struct cfg_filter *f, uint16_t bdf,
			 unsigned reg, unsigned size,
			 const struct cfg_access *acc);

/* ==== end of the configuration-space filter ============================ */

/* ==== the 8042 keyboard controller filter (svm/kbc.c) =================
 * kbc_command: a guest write of cmd to port 0x64; kbc_data: a write to
 * port 0x60 (*val may be changed: A20 forced on). KBC_PASS: perform the
 * write; KBC_DROP: do not; KBC_RESET: the guest resets the machine (the
 * caller reports it and resets). The allow-list is in svm/kbc.c. */
enum kbc_verdict { KBC_PASS, KBC_DROP, KBC_RESET };
struct kbc_state {
	uint8_t pending;     /* the command whose data byte comes next, or 0 */
};
enum kbc_verdict kbc_command(struct kbc_state *s, uint8_t cmd);
enum kbc_verdict kbc_data(struct kbc_state *s, uint8_t *val);

/* ==== AMD FCH PM registers (svm/fchregs.c) ===========================
 * Whether the guest must not write PM register index (PMx, through
 * 0xCD6/0xCD7 or AcpiMmio + 0x300): they place the ACPI blocks or switch
 * the ACPI MMIO window. */
bool fch_pm_guarded(uint8_t index);

/* ==== the MSR policy table (svm/msrtable.c) ===========================
 * One row per MSR range: what a guest read and a guest write do, and why.
 * An MSR in no row: #GP (default deny). msrpm_build fills the 8 KiB
 * permission map (APM Vol. 2, 15.11) from the table: only MSR_PASS
 * accesses run without an exit. */
enum msr_kind { MSR_PASS, MSR_EMUL, MSR_DROP, MSR_ZERO, MSR_GP };
struct msr_rule {
	uint32_t first, last;         /* inclusive */
	uint8_t read, write;          /* enum msr_kind */
	const char *why;
};
extern const struct msr_rule msr_rules[];
extern const size_t msr_nrules;
#define MSRPM_SIZE 0x2000
/* The rule for msr, or NULL (#GP). */
const struct msr_rule *msr_rule_find(uint32_t msr);
/* The read bit of msr in the map (its write bit follows), or -1 when the
 * map does not cover it (always intercepted). */
long msrpm_bit(uint32_t msr);
void msrpm_build(uint8_t *pm);
/* Intercept reads and writes of [first, last] in the map (svm/msr.c: the
 * x2APIC range on a CPU without one). */
void msrpm_intercept(uint8_t *pm, uint32_t first, uint32_t last);

/* ==== local APIC registers the guest reaches (svm/apicregs.c) =========
 * apic_reg_flags: for the register at offset off of the APIC page (a
 * multiple of 16; anything else: 0) with the host's APIC in xAPIC or
 * x2APIC mode: APIC_REG_R when a read may go to the hardware,
 * APIC_REG_W when a guest write does (ICR, ID, LDR/DFR shadows are
 * svm/apic.c's business). Registers with neither read 0 and ignore
 * writes. */
#define APIC_REG_R     1u
#define APIC_REG_W     2u
#define APIC_REG_XAPIC 4u
unsigned apic_reg_flags(uint32_t off, bool x2apic);

/* ==== SVM: bring-up and the guest (svm/setup.c) ========================= */

#define SVM_MAX_IOAPICS 8      /* guarded; more are reported */
#define SVM_MAX_HIDDEN_PAGES 64    /* svm_config.hidden_pages */
/* PM1 register slots: PM1a, PM1b, then PM1a and PM1b again for the legacy
 * ports when the X_ blocks name others (slot & 1: b). */
#define SVM_PM1_SLOTS   4

struct acpi_mcfg_seg;

struct svm_config {
	struct hv_hole holes[HV_MAX_HOLES]; /* never mapped for the guest */
	size_t nholes;
	const struct mem_range *map;     /* firmware map: RAM top for the NPT */
	size_t nmap;
	uint16_t reset_port;             /* FADT RESET_REG in I/O space, or 0 */
	uint64_t reset_mmio;             /* ... in memory space, or 0 */
	uint8_t reset_value;
	/* The debug console's (console/): its UART's 8 ports (0: none) and
	 * the I/O APIC page and pin of its NMI route (pa 0: none), kept from
	 * the guest (svm/guard.c). */
	uint16_t console_port;
	uint64_t console_ioapic_pa;
	unsigned console_pin;
	/* Every I/O APIC (MADT): pages read-only for the guest, writes
	 * filtered (no INIT or SMI delivery; svm/guard.c). */
	const uint64_t *ioapic_pa;
	size_t nioapics;
	/* ACPI sleep: PM1a/PM1b control and status ports in SVM_PM1_SLOTS
	 * slots (0: none or not in I/O space) and S5's SLP_TYPa/b from the
	 * DSDT (svm/io.c). */
	uint16_t pm1_cnt[SVM_PM1_SLOTS], pm1_sts[SVM_PM1_SLOTS];
	bool s5_known;
	uint8_t s5_typ[2];
	/* ECAM windows (MCFG), for the chipset registers that would move
	 * the PM1 block or the ECAM window (svm/guard_cfg.c). */
	const struct acpi_mcfg_seg *mcfg;
	size_t nmcfg;
	/* PCI functions (bus 0, dev << 3 | fn) the guest must not see at
	 * all: the hypervisor's own devices (see the filter above). */
	uint16_t cfg_hide[SVM_MAX_CFG_HIDE];
	size_t ncfg_hide;
	/* Devices the hypervisor keeps (its NIC): absent for the guest
	 * (svm/hide.c): these ranges (ECAM page, memory BARs) left out of
	 * the NPT, these PCI functions (segment 0) hidden from 0xCF8/0xCFC. */
	const struct hv_hole *hidden;
	size_t nhidden;
	const uint32_t *hidden_bdf;
	size_t nhidden_bdf;
	/* Device pages that are the hypervisor's (the IOMMUs' registers and
	 * configuration pages, iommu/): never mapped for the guest, which
	 * reads all-ones there; at most SVM_MAX_HIDDEN_PAGES. */
	const uint64_t *hidden_pages;
	size_t nhidden_pages;
	/* A device page the guest shares with the hypervisor (the HPET when
	 * the hypervisor keeps one of its timers, hpet/): not mapped, every
	 * guest access performed by trapped_ops, one at a time. 0: none. */
	uint64_t trapped_page;
	const struct mmio_ops *trapped_ops;
};
#define SVM_MAX_HIDDEN 8

/* svm_init: on the boot CPU, once: check SVM and NPT (CPUID Fn8000_0001
 * ECX[2], Fn8000_000A EDX[0], VM_CR.SVMDIS), report the features, build
 * the shared nested page table, MSRPM and IOPM. Returns 0, or -1 with a
 * message printed (no SVM, SVM disabled by firmware, no NPT, no memory). */
int svm_init(const struct svm_config *cfg);

/* svm_init_cpu: on every CPU (smp_call_all): EFER.SVME, host save area,
 * host state page, this CPU's vCPU (waiting for SIPI), VM_CR.R_INIT where
 * the CPU has VM_CR. Reports failures; the vCPU is then absent. */
void svm_init_cpu(void *unused);

/* svm_run_boot_vcpu: start the boot CPU's vCPU in the Multiboot2 machine
 * state (Multiboot2 spec 3.3) at @entry with the information at @mbi and a
 * flat GDT at @gdt_gpa. Runs it until it stops; never returns. */
enum svm_boot_kind {
	SVM_BOOT_MULTIBOOT2,  /* EAX magic, EBX info; GDT 0x08 code, 0x10 data */
	SVM_BOOT_LINUX32,     /* ESI boot_params, EBX/EBP/EDI 0; GDT 0x10 code,
			       * 0x18 data (Linux boot.rst, "32-bit boot
			       * protocol") */
	SVM_BOOT_LINUX64,     /* the same in long mode, CR3 = pt (identity),
			       * 0x10 64-bit code ("64-bit boot protocol") */
};
_Noreturn void svm_run_boot_vcpu(uint32_t entry, uint32_t info, uint64_t gdt_gpa,
				 uint64_t pt, enum svm_boot_kind kind);

/* Number of CPUs whose vCPU is ready. */
unsigned int svm_vcpus_ready(void);

/* ---- reports (svm/report.c): the shutdown summary and the console ------
 * They read other CPUs' vCPUs without stopping them: guest state is the
 * state saved at that vCPU's last exit. */
/* svm_report_vcpus: one line per vCPU (state, exits, INIT/SIPI, NMIs). */
void svm_report_vcpus(print_fn pr);
/* svm_report_exits: exit counts by code, summed over every vCPU (cpu < 0)
 * or for one; -1 when that CPU has no vCPU. */
int svm_report_exits(print_fn pr, int cpu);
/* svm_report_regs: a vCPU's registers, control registers and segments;
 * -1 when that CPU has no vCPU. */
int svm_report_regs(print_fn pr, unsigned cpu);
/* svm_report_npt: the nested page table: range, tables, leaves by size,
 * holes, read-only pages. */
void svm_report_npt(print_fn pr);
/* svm_pause_all: park every running vCPU in the hypervisor (each at its
 * next kick, which this sends); waits up to timeout_ms for them. Returns
 * how many of the *total vCPUs are out of the guest (the caller's own
 * counts: it parks when its loop resumes). svm_resume_all lets them go. */
unsigned svm_pause_all(unsigned timeout_ms, unsigned *total);
void svm_resume_all(void);
bool svm_paused(void);
/* svm_peek_guest: copy len bytes of guest RAM at gpa; -1 when any byte is
 * not guest RAM (the hypervisor's range, MMIO, beyond RAM). */
int svm_peek_guest(uint64_t gpa, void *buf, size_t len);

#endif
