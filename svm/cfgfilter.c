/*
 * svm/cfgfilter.c - the PCI configuration-space filter: which bytes of
 * which functions the guest may not write (or not even see), and how a
 * guest access is performed around them. Pure logic over callbacks, so the
 * host tests and the fuzz target run the very code the hypervisor runs;
 * svm/guard_cfg.c connects it to ports 0xCF8/0xCFC and to ECAM.
 *
 * cfg_rules[] is the chipset policy: one row per (chipset function,
 * register range), each with its reason. Rows match functions on bus 0 by
 * vendor, device (or any), class (or any) and a device/function range; a
 * row may name a capability ID, its range then being relative to that
 * capability. Every register in the table routes memory or I/O, opens
 * SMRAM, or moves a window the hypervisor relies on; an OS has no reason
 * to write any of them after the firmware handed over. Per chipset, with
 * the datasheet sections, in docs/threat-model.md.
 */
#include "svm/svm.h"
#include "lib/lib.h"

#define ANY CFG_ANY
#define BDF(dev, fn) ((uint8_t)(((dev) << 3) | (fn)))

const struct cfg_rule cfg_rules[] = {
	/* Intel Q35 MCH, 00:00.0 (Intel 3 Series Express Chipset Family
	 * datasheet, 5.1; QEMU's q35 host bridge). */
	{ "Q35 MCH", 0x8086, 0x29C0, ANY, BDF(0, 0), BDF(0, 0), 0, 0x40, 0x50,
	  "EPBAR, MCHBAR: chipset register windows in memory" },
	{ "Q35 MCH", 0x8086, 0x29C0, ANY, BDF(0, 0), BDF(0, 0), 0, 0x50, 0x54,
	  "TSEG size extension, graphics stolen memory: move SMRAM" },
	{ "Q35 MCH", 0x8086, 0x29C0, ANY, BDF(0, 0), BDF(0, 0), 0, 0x60, 0x70,
	  "PCIEXBAR, DMIBAR: move the ECAM window, a register window" },
	{ "Q35 MCH", 0x8086, 0x29C0, ANY, BDF(0, 0), BDF(0, 0), 0, 0x90, 0x9C,
	  "PAM0-6, legacy access: route 0xC0000-0xFFFFF" },
	{ "Q35 MCH", 0x8086, 0x29C0, ANY, BDF(0, 0), BDF(0, 0), 0, 0x9C, 0xA0,
	  "SMBASE, SMRAM, ESMRAMC: open SMRAM, or make TSEG hide RAM" },
	{ "Q35 MCH", 0x8086, 0x29C0, ANY, BDF(0, 0), BDF(0, 0), 0, 0xA0, 0xB4,
	  "TOM, TOUUD, GBSM, BGSM, TSEGMB, TOLUD: memory limits" },
	/* Intel ICH9 LPC, 00:1f.0 (ICH9 datasheet 13.1). */
	{ "ICH9 LPC", 0x8086, 0x2918, ANY, BDF(31, 0), BDF(31, 0), 0, 0x40, 0x50,
	  "PMBASE, ACPI_CNTL, GPIOBASE, GPIO_CNTL: move the PM1 block" },
	{ "ICH9 LPC", 0x8086, 0x2918, ANY, BDF(31, 0), BDF(31, 0), 0, 0x80, 0x94,
	  "LPC I/O decode, generic decode ranges: route legacy ports" },
	{ "ICH9 LPC", 0x8086, 0x2918, ANY, BDF(31, 0), BDF(31, 0), 0, 0xDC, 0xE0,
	  "BIOS_CNTL: firmware flash write enable" },
	{ "ICH9 LPC", 0x8086, 0x2918, ANY, BDF(31, 0), BDF(31, 0), 0, 0xF0, 0xF4,
	  "RCBA: moves the root complex register block over any memory" },
	/* Intel ICH9 SMBus, 00:1f.3 (ICH9 datasheet 18.1). */
	{ "ICH9 SMBus", 0x8086, 0x2930, ANY, BDF(31, 3), BDF(31, 3), 0, 0x10, 0x24,
	  "SMBus BARs: move its ports over ports the hypervisor watches" },
	{ "ICH9 SMBus", 0x8086, 0x2930, ANY, BDF(31, 3), BDF(31, 3), 0, 0x40, 0x41,
	  "HOSTC: SMBus SMI routing" },
	/* Intel 440FX PMC, 00:00.0 (82441FX datasheet, 3.2). */
	{ "i440FX PMC", 0x8086, 0x1237, ANY, BDF(0, 0), BDF(0, 0), 0, 0x50, 0x74,
	  "DRAM control, PAM0-6, DRB, SMRAM: route memory, open SMRAM" },
	/* Intel PIIX3 ISA bridge, 00:01.0 (82371SB datasheet, 2.2). */
	{ "PIIX3 ISA", 0x8086, 0x7000, ANY, BDF(1, 0), BDF(1, 0), 0, 0x4C, 0x50,
	  "IORT, XBCS: BIOS and I/O APIC decode" },
	{ "PIIX3 ISA", 0x8086, 0x7000, ANY, BDF(1, 0), BDF(1, 0), 0, 0x69, 0x6A,
	  "TOM: top of memory forwarded to ISA" },
	{ "PIIX3 ISA", 0x8086, 0x7000, ANY, BDF(1, 0), BDF(1, 0), 0, 0x80, 0x81,
	  "APICBASE: moves the I/O APIC" },
	/* Intel PIIX4 power management function, 00:01.3 (82371AB datasheet,
	 * 7.1). */
	{ "PIIX4 PM", 0x8086, 0x7113, ANY, BDF(1, 3), BDF(1, 3), 0, 0x40, 0x44,
	  "PMBA: moves the PM1 block" },
	{ "PIIX4 PM", 0x8086, 0x7113, ANY, BDF(1, 3), BDF(1, 3), 0, 0x58, 0x70,
	  "DEVACT/DEVRES: device decode and monitor ranges" },
	{ "PIIX4 PM", 0x8086, 0x7113, ANY, BDF(1, 3), BDF(1, 3), 0, 0x80, 0x81,
	  "PMREGMISC: switches the PM I/O space off" },
	{ "PIIX4 PM", 0x8086, 0x7113, ANY, BDF(1, 3), BDF(1, 3), 0, 0x90, 0x94,
	  "SMBBA: moves the SMBus ports" },
	{ "PIIX4 PM", 0x8086, 0x7113, ANY, BDF(1, 3), BDF(1, 3), 0, 0xD2, 0xD3,
	  "SMBHSTCFG: SMBus enable and SMI routing" },
	/* AMD host bridge (root complex), 00:00.0, family 17h and later: the
	 * SMN index/data pairs reach the data fabric, the IOMMU and the SMU
	 * (PPR for AMD family 17h, NBIO D0F0x60/x64, xB8/xBC). */
	{ "AMD root complex", 0x1022, ANY, 0x0600, BDF(0, 0), BDF(0, 0), 0, 0x40,
	  0x1000, "SMN index/data and northbridge controls" },
	/* AMD northbridge / data fabric, 00:18.0-00:1f.7 (one device per
	 * node): DRAM and MMIO base/limit, I/O and config routing, DRAM hole
	 * (BKDG family 10h-16h D18F1x40-xF4, x120-x124; PPR family 17h
	 * D18F0x110-x2FF). The whole function past the header. */
	{ "AMD data fabric", 0x1022, ANY, 0x0600, BDF(24, 0), BDF(31, 7), 0, 0x40,
	  0x1000, "DRAM and MMIO base/limit, routing" },
	/* AMD IOMMU (any function on bus 0, class 08h/06h): its capability
	 * block, whose base address registers place the IOMMU's MMIO (AMD
	 * I/O Virtualization Technology spec, 3.2.1: header, base low and
	 * high, range, misc 0 and 1). */
	{ "AMD IOMMU", 0x1022, ANY, 0x0806, BDF(0, 0), BDF(31, 7), 0x0F, 0x00,
	  0x18, "IOMMU base address: places its MMIO" },
	{ "AMD IOMMU", 0x1022, ANY, 0x0806, BDF(0, 0), BDF(31, 7), 0, 0x10, 0x28,
	  "BARs" },
	/* AMD FCH LPC bridge, 00:14.3 (BKDG family 16h D14F3x44-xBB): I/O
	 * and memory decode, ROM ranges and protection, SPI and TPM bases. */
	{ "AMD FCH LPC", 0x1022, 0x790E, ANY, BDF(20, 3), BDF(20, 3), 0, 0x40,
	  0xC0, "LPC decode, ROM protect, SPI base" },
	{ "AMD FCH LPC", 0x1022, 0x780E, ANY, BDF(20, 3), BDF(20, 3), 0, 0x40,
	  0xC0, "LPC decode, ROM protect, SPI base" },
};
const size_t cfg_nrules = ARRAY_SIZE(cfg_rules);

#define PCI_ID          0x00
#define PCI_STATUS_CMD  0x04
#define PCI_CLASS_REV   0x08
#define PCI_HDR         0x0C
#define PCI_CAP_PTR     0x34
#define PCI_STATUS_CAPS BIT(16 + 4)     /* status bit 4: capability list */
#define PCI_HDR_MULTI   BIT(16 + 7)     /* header type bit 7 */
#define PCI_MAX_CAPS    48              /* (256 - 64) / 4 */

/* The offset of capability @id in the function's list, or 0. */
static unsigned find_cap(cfg_read32_fn rd, void *ctx, uint16_t bdf, uint8_t id)
{
	unsigned ptr;

	if (!(rd(ctx, bdf, PCI_STATUS_CMD) & PCI_STATUS_CAPS))
		return 0;
	ptr = rd(ctx, bdf, PCI_CAP_PTR) & 0xFC;
	for (unsigned n = 0; n < PCI_MAX_CAPS && ptr >= 0x40; n++) {
		uint32_t hdr = rd(ctx, bdf, ptr);

		if ((hdr & 0xFF) == id)
			return ptr;
		ptr = (hdr >> 8) & 0xFC;
	}
	return 0;
}

static void add_dev(struct cfg_filter *f, uint16_t bdf)
{
	for (size_t i = 0; i < f->ndev; i++)
		if (f->dev[i] == bdf)
			return;
	if (f->ndev == CFG_MAX_DEVS) {
		f->overflow = true;
		return;
	}
	f->dev[f->ndev++] = bdf;
}

static void add_guard(struct cfg_filter *f, uint16_t bdf, unsigned lo,
		      unsigned hi, uint8_t kind, int rule)
{
	if (f->n == CFG_MAX_GUARDS) {
		f->overflow = true;
		return;
	}
	f->g[f->n++] = (struct cfg_guard){ bdf, (uint16_t)lo, (uint16_t)hi,
					   kind, (int16_t)rule };
	add_dev(f, bdf);
}

static bool rule_matches(const struct cfg_rule *r, uint16_t bdf, uint32_t id,
			 uint32_t class_rev)
{
	return bdf >= r->bdf_lo && bdf <= r->bdf_hi &&
	       (id & 0xFFFF) == r->vendor &&
	       (r->device == CFG_ANY || (id >> 16) == r->device) &&
	       (r->class_ == CFG_ANY || (class_rev >> 16) == r->class_);
}

static bool fn_present(uint32_t id)
{
	return (id & 0xFFFF) != 0xFFFF && (id & 0xFFFF) != 0;
}

/* How far a bus scan moves on from function bdf: to the next device when
 * function 0 is absent (no function 0: no device) or is a single-function
 * device, which may answer on every function number (PCI Local Bus 3.0,
 * 6.2.1: header type bit 7); else to the next function. */
static unsigned fn_step(cfg_read32_fn rd, void *ctx, uint16_t bdf,
			bool present)
{
	if (bdf & 7)
		return 1;
	return present && (rd(ctx, bdf, PCI_HDR) & PCI_HDR_MULTI) ? 1 : 8;
}

void cfg_filter_build(struct cfg_filter *f, const struct cfg_rule *rules,
		      size_t nrules, const uint16_t *hide, size_t nhide,
		      cfg_read32_fn rd, void *ctx)
{
	unsigned step;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < nhide; i++)
		add_guard(f, hide[i], 0, CFG_SPACE, CFG_HIDDEN, -1);
	for (unsigned bdf = 0; bdf < 256; bdf += step) {
		uint32_t id = rd(ctx, (uint16_t)bdf, PCI_ID), class_rev;

		step = fn_step(rd, ctx, (uint16_t)bdf, fn_present(id));
		if (!fn_present(id))
			continue;
		class_rev = rd(ctx, (uint16_t)bdf, PCI_CLASS_REV);
		for (size_t k = 0; k < nrules; k++) {
			const struct cfg_rule *r = &rules[k];
			unsigned base = 0;

			if (!rule_matches(r, (uint16_t)bdf, id, class_rev))
				continue;
			if (r->cap) {
				base = find_cap(rd, ctx, (uint16_t)bdf, r->cap);
				if (!base)
					continue;
			}
			add_guard(f, (uint16_t)bdf, base + r->lo,
				  MIN(base + r->hi, (unsigned)CFG_SPACE),
				  CFG_READONLY, (int)k);
		}
	}
}

#define PCI_BUSES       0x18            /* type 1: primary, secondary, subordinate */

void cfg_filter_keep_path(struct cfg_filter *f, uint16_t target,
			  cfg_read32_fn rd, void *ctx)
{
	unsigned want = target >> 8, bus = 0;

	/* From bus 0 down: at each level the bridge whose bus range holds
	 * the target's bus (PCI-to-PCI Bridge 1.2, 3.2.5.3); at most one
	 * level per bus number, so a loop in hostile numbers ends. */
	for (unsigned depth = 0; depth < 256 && bus != want; depth++) {
		int found = -1;
		unsigned step;

		for (unsigned df = 0; df < 256 && found < 0; df += step) {
			uint16_t bdf = (uint16_t)(bus << 8 | df);
			uint32_t id = rd(ctx, bdf, PCI_ID), nums;
			unsigned sec, sub;

			step = fn_step(rd, ctx, bdf, fn_present(id));
			if (!fn_present(id))
				continue;
			if (((rd(ctx, bdf, PCI_HDR) >> 16) & 0x7F) == 1) {
				nums = rd(ctx, bdf, PCI_BUSES);
				sec = (nums >> 8) & 0xFF;
				sub = (nums >> 16) & 0xFF;
				if (sec > bus && sec <= want && want <= sub) {
					add_guard(f, bdf, 0, CFG_SPACE,
						  CFG_READONLY, CFG_RULE_PATH);
					found = (int)sec;
				}
			}
		}
		if (found < 0)
			return;       /* no bridge to it: on bus 0, or gone */
		bus = (unsigned)found;
	}
}

#define PCI_BAR0        0x10
#define PCI_BAR_END     0x28            /* past BAR5 of a type-0 header */
#define PCI_CMD_DECODE  0x3             /* command: I/O and memory space */
#define PCI_CLASS_IOMMU 0x0806

/* The guard of kind CFG_READONLY that holds [reg, reg + 4) of bdf whole. */
static bool readonly_whole(const struct cfg_filter *f, uint16_t bdf,
			   unsigned reg)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct cfg_guard *g = &f->g[i];

		if (g->bdf == bdf && g->kind == CFG_READONLY && g->lo <= reg &&
		    reg + 4 <= g->hi)
			return true;
	}
	return false;
}

void cfg_filter_probe_bars(struct cfg_filter *f, cfg_read32_fn rd,
			   cfg_write32_fn wr, void *ctx)
{
	f->nbar = 0;
	f->nsizing = 0;
	for (size_t d = 0; d < f->ndev; d++) {
		uint16_t bdf = f->dev[d];
		uint32_t cmd;
		bool off = false;

		/* Not an IOMMU: it may be translating already (iommu_init
		 * runs first) and its registers are placed by its
		 * capability, so its BARs are left alone (their sizing
		 * stays dropped: an unimplemented BAR reads 0 either way). */
		if (cfg_filter_hidden(f, bdf) ||
		    ((rd(ctx, bdf, PCI_HDR) >> 16) & 0x7F) != 0 ||
		    (rd(ctx, bdf, PCI_CLASS_REV) >> 16) == PCI_CLASS_IOMMU)
			continue;         /* no type-0 header: no BAR0-5 */
		cmd = rd(ctx, bdf, PCI_STATUS_CMD) & 0xFFFF;
		for (unsigned reg = PCI_BAR0; reg < PCI_BAR_END; reg += 4) {
			uint32_t orig;

			if (!readonly_whole(f, bdf, reg))
				continue;
			if (f->nbar == CFG_MAX_BARS) {
				f->overflow = true;
				break;
			}
			/* Decode off (PCI 3.0, 6.2.5.1); the status half
			 * written as zeros: its RW1C bits stay. */
			if (!off && (cmd & PCI_CMD_DECODE)) {
				wr(ctx, bdf, PCI_STATUS_CMD, cmd & ~PCI_CMD_DECODE);
				off = true;
			}
			orig = rd(ctx, bdf, reg);
			wr(ctx, bdf, reg, 0xFFFFFFFF);
			f->bar[f->nbar++] = (struct cfg_bar){
				bdf, (uint8_t)reg, false, rd(ctx, bdf, reg) };
			wr(ctx, bdf, reg, orig);
		}
		if (off)
			wr(ctx, bdf, PCI_STATUS_CMD, cmd);
	}
}

uint64_t cfg_filter_sized(const struct cfg_filter *f, uint16_t bdf,
			  unsigned reg, unsigned size, uint64_t val)
{
	if (!f->nsizing)
		return val;               /* the common case: none */
	for (size_t i = 0; i < f->nbar; i++) {
		const struct cfg_bar *b = &f->bar[i];

		if (!b->sizing || b->bdf != bdf)
			continue;
		for (unsigned k = 0; k < size && k < 8; k++) {
			unsigned r = reg + k;

			if (r < b->reg || r >= b->reg + 4u)
				continue;
			val &= ~(0xFFULL << (8 * k));
			val |= (uint64_t)((b->probe >> (8 * (r - b->reg))) & 0xFF)
			       << (8 * k);
		}
	}
	return val;
}

int cfg_filter_dev(const struct cfg_filter *f, uint16_t bdf)
{
	for (size_t i = 0; i < f->ndev; i++)
		if (f->dev[i] == bdf)
			return (int)i;
	return -1;
}

bool cfg_filter_hidden(const struct cfg_filter *f, uint16_t bdf)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->g[i].bdf == bdf && f->g[i].kind == CFG_HIDDEN)
			return true;
	return false;
}

unsigned cfg_filter_mask(const struct cfg_filter *f, uint16_t bdf, unsigned reg,
			 unsigned size, int *guard)
{
	unsigned mask = 0;

	if (guard)
		*guard = -1;
	for (unsigned b = 0; b < size; b++) {
		unsigned r = reg + b;

		if (r >= CFG_SPACE) {
			mask |= 1u << b;  /* past the function: not ours */
			continue;
		}
		for (size_t i = 0; i < f->n; i++) {
			const struct cfg_guard *g = &f->g[i];

			if (g->bdf == bdf && g->lo <= r && r < g->hi) {
				mask |= 1u << b;
				if (guard && *guard < 0)
					*guard = (int)i;
				break;
			}
		}
	}
	return mask;
}

static uint64_t ones(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

unsigned cfg_filter_write(struct cfg_filter *f, uint16_t bdf,
			  unsigned reg, unsigned size, uint64_t val,
			  const struct cfg_access *acc, int *guard)
{
	unsigned mask = cfg_filter_mask(f, bdf, reg, size, guard);
	struct cfg_bar *bar = NULL;

	f->refused = NULL;
	if (size == 0 || size > 8)
		return 0;
	/* A probed BAR: any write that touches it ends its sizing, except
	 * all-ones to the whole of it, which (re)starts it. */
	for (size_t i = 0; i < f->nbar; i++) {
		struct cfg_bar *b = &f->bar[i];

		if (b->bdf != bdf || reg >= b->reg + 4u || reg + size <= b->reg)
			continue;
		f->nsizing -= b->sizing;
		b->sizing = false;
		if (size == 4 && reg == b->reg)
			bar = b;
	}
	if (bar && (uint32_t)val == 0xFFFFFFFF) {
		bar->sizing = true;
		f->nsizing++;
		if (guard)
			*guard = -1;
		return 0;
	}
	if (bar && (uint32_t)val == (uint32_t)acc->read(acc->ctx, reg, 4)) {
		if (guard)
			*guard = -1;
		return 0;                /* the address back: it holds it */
	}
	if (cfg_filter_hidden(f, bdf))
		return mask;
	/* Where the write would place what the function decodes: after the
	 * guards (their bytes are not performed anyway). */
	if (f->taken && cfg_place_touches(reg, size)) {
		unsigned drop = 0;

		f->refused = cfg_place_check(f->taken, acc, reg, size, &val,
					     &drop);
		mask |= drop;
	}
	if (!mask) {
		acc->write(acc->ctx, reg, size, val);
		return 0;
	}
	/* Only the unguarded bytes, one at a time: a read-modify-write of
	 * the whole access would write status bits back (RW1C) and guarded
	 * registers with what they hold now, which may have changed. */
	for (unsigned b = 0; b < size; b++)
		if (!(mask & (1u << b)))
			acc->write(acc->ctx, reg + b, 1, (val >> (8 * b)) & 0xFF);
	return mask;
}

uint64_t cfg_filter_read(const struct cfg_filter *f, uint16_t bdf,
			 unsigned reg, unsigned size,
			 const struct cfg_access *acc)
{
	if (size == 0 || size > 8)
		return 0;
	if (cfg_filter_hidden(f, bdf))
		return ones(size);    /* no function here (PCI 3.0, 6.1) */
	return cfg_filter_sized(f, bdf, reg, size, acc->read(acc->ctx, reg, size));
}
