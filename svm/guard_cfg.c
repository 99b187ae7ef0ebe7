/*
 * svm/guard_cfg.c - the configuration-space filter (svm/cfgfilter.c) on
 * every path the guest has to PCI configuration space:
 *  - configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2): ports
 *    0xCF8-0xCFF intercepted whenever a guard exists; address and data
 *    accesses run under one lock, so the address checked is the one the
 *    data goes to. AMD's extended register bits (CF8[27:24], BKDG family
 *    10h-16h: IOCF8 ExtRegNo) are checked too, whether the chipset honours
 *    them or not. A write that straddles the address and data ports and
 *    touches a guarded byte is dropped whole;
 *  - ECAM (PCI Express Base 3.0, 7.2.2): the 4 KiB page of every guarded
 *    function is read-only in the NPT (not mapped for a hidden function
 *    and for one whose BARs answer sizing: the filter answers its reads),
 *    its faulting accesses emulated here through the same filter.
 * The MCFG's window for segment 0 must cover bus 0; the ECAM window cannot
 * move (Q35 PCIEXBAR is guarded; AMD's MMIO_CFG_BASE MSR is not the
 * guest's, svm/msr.c).
 * Every function, guarded or not, has its writes that place BARs and
 * windows checked (svm/cfgplace.c) against what the hypervisor keeps
 * (taken_io, taken_mem): mechanism #1 is intercepted always, and the
 * whole ECAM window of segment 0 is read-only in the NPT, its writes
 * emulated here.
 * A dropped write is logged the first time for each guard; placement
 * refusals the first PLACE_SAY times.
 */
#include "svm/internal.h"
#include "acpi/acpi.h"
#include "arch/x86.h"
#include "decode/decode.h"
#include "iommu/iommu.h"
#include "kernel/private.h"
#include "lib/lib.h"
#include "pci/pci.h"

#define CFG_ADDR_PORT   0xCF8
#define CFG_DATA_PORT   0xCFC
#define CFG_ENABLE      BIT(31)
#define CFG_EXT_REG(a)  (((a) >> 16) & 0xF00)   /* CF8[27:24]: reg[11:8] */
#define FCH_ACPI_MMIO   0xFED80000ULL

static struct cfg_filter filter;
static volatile uint8_t *ecam_va[CFG_MAX_DEVS];
static uint16_t ecam_bdf[CFG_MAX_DEVS];
static struct spinlock cfg_lock = SPINLOCK_INIT;
static bool said[CFG_MAX_GUARDS];

#define PLACE_SAY 16
static uint32_t place_said;

static bool overlaps_page(uint64_t page, uint64_t lo, uint64_t hi)
{
	return page && lo < page + 4096 && page < hi;
}

/* Ports the hypervisor intercepts (the IOPM: the console UART, 0xCF8-
 * 0xCFF, PM1, reset, keyboard controller...) or drives (its log UART). */
static bool taken_io(void *ctx, uint64_t lo, uint64_t hi)
{
	const uint8_t *iopm = phys_to_virt(svm.iopm_pa);
	uint16_t log = serial_current_port();

	(void)ctx;
	if (log && lo < log + 8u && log < hi)
		return true;
	for (uint64_t p = lo; p < hi && p < 0x10000; p++)
		if (iopm[p / 8] & (1u << (p % 8)))
			return true;
	return false;
}

/* Memory the nested page table keeps from the guest or makes read-only:
 * the hypervisor, its NIC's registers, the ECAM window, the local APIC,
 * the I/O APICs and every other guarded or hidden page. */
static bool taken_mem(void *ctx, uint64_t lo, uint64_t hi)
{
	(void)ctx;
	if (in_hv_hole(lo, hi - lo) || hide_overlaps(lo, hi) ||
	    (svm.ecam_hi && lo < svm.ecam_hi && svm.ecam_lo < hi) ||
	    overlaps_page(svm.apic_gpa, lo, hi) ||
	    overlaps_page(svm.trapped_page, lo, hi) ||
	    overlaps_page(ALIGN_DOWN(svm.reset_mmio, 4096), lo, hi) ||
	    overlaps_page(svm.fch ? svm.fch_mmio : 0, lo, hi) ||
	    overlaps_page(svm.rcrb_page, lo, hi))
		return true;
	for (size_t i = 0; i < svm.nioapics; i++)
		if (overlaps_page(svm.ioapic_pa[i], lo, hi))
			return true;
	for (size_t i = 0; i < svm.nhidden_page; i++)
		if (overlaps_page(svm.hidden_page[i], lo, hi))
			return true;
	for (size_t i = 0; i < svm.ncfg; i++)
		if (overlaps_page(svm.cfg_page[i], lo, hi))
			return true;
	return false;
}

static const struct cfg_taken taken = { taken_io, taken_mem, NULL };

static uint32_t boot_read32(void *ctx, uint16_t bdf, unsigned reg)
{
	(void)ctx;
	outl(CFG_ADDR_PORT, (uint32_t)(CFG_ENABLE | ((uint32_t)bdf << 8) |
				       (reg & 0xFC)));
	return inl(CFG_DATA_PORT);
}

static void boot_write32(void *ctx, uint16_t bdf, unsigned reg, uint32_t val)
{
	(void)ctx;
	outl(CFG_ADDR_PORT, (uint32_t)(CFG_ENABLE | ((uint32_t)bdf << 8) |
				       (reg & 0xFC)));
	outl(CFG_DATA_PORT, val);
}

/* ICH9's chipset configuration registers (the root complex register
 * block at RCBA, ICH9 datasheet 10.1): RCBA itself cannot move (above);
 * in its page at +0x3000 OIC (0x31FE-0x31FF: moves and enables the I/O
 * APIC) and GCS (0x3410-0x3413: boot BIOS straps and their lock) are kept
 * from the guest the way configuration registers are: the page read-only,
 * writes through a filter of two guards. */
#define ICH9_LPC_BDF    0xF8
#define ICH9_RCBA       0xF0
#define RCBA_EN         BIT(0)
#define RCBA_MASK       0xFFFFC000u
#define RCRB_PAGE       0x3000
static struct cfg_filter rcrb;
static volatile uint8_t *rcrb_va;
static bool rcrb_said;

static void rcrb_init(void)
{
	uint32_t rcba;

	if (cfg_filter_dev(&filter, ICH9_LPC_BDF) < 0 ||
	    cfg_filter_hidden(&filter, ICH9_LPC_BDF))
		return;
	rcba = boot_read32(NULL, ICH9_LPC_BDF, ICH9_RCBA);
	if (!(rcba & RCBA_EN) || (boot_read32(NULL, ICH9_LPC_BDF, 0) & 0xFFFF) != 0x8086)
		return;
	svm.rcrb_page = (rcba & RCBA_MASK) + RCRB_PAGE;
	rcrb_va = ioremap(svm.rcrb_page, 4096);
	if (!rcrb_va)
		panic("svm: cannot map the ICH9 root complex block");
	rcrb.g[0] = (struct cfg_guard){ 0, 0x1FE, 0x200, CFG_READONLY, -1 };
	rcrb.g[1] = (struct cfg_guard){ 0, 0x410, 0x414, CFG_READONLY, -1 };
	rcrb.n = 2;
	printk("svm: ICH9 root complex block %#llx: OIC and GCS read-only to "
	       "the guest\n", (unsigned long long)svm.rcrb_page);
}

static void map_ecam(const struct svm_config *cfg, uint16_t bdf)
{
	for (size_t k = 0; k < cfg->nmcfg && svm.ncfg < CFG_MAX_DEVS; k++) {
		uint64_t pa;

		if (cfg->mcfg[k].segment || cfg->mcfg[k].start_bus)
			continue;
		pa = cfg->mcfg[k].base + ((uint64_t)bdf << 12);
		ecam_va[svm.ncfg] = ioremap(pa, 4096);
		if (!ecam_va[svm.ncfg])
			panic("svm: cannot map configuration page %#llx",
			      (unsigned long long)pa);
		ecam_bdf[svm.ncfg] = bdf;
		/* Reads trapped too where the filter answers them: a hidden
		 * function, or one with BARs that answer sizing. */
		svm.cfg_page_unmapped[svm.ncfg] = cfg_filter_hidden(&filter, bdf);
		for (size_t i = 0; i < filter.nbar; i++)
			if (filter.bar[i].bdf == bdf)
				svm.cfg_page_unmapped[svm.ncfg] = true;
		svm.cfg_page[svm.ncfg++] = pa;
		return;                  /* one window per function */
	}
}

void guard_cfg_init(const struct svm_config *cfg)
{
	cfg_filter_build(&filter, cfg_rules, cfg_nrules, cfg->cfg_hide,
			 MIN(cfg->ncfg_hide, (size_t)SVM_MAX_CFG_HIDE),
			 boot_read32, NULL);
	/* The bridges above the hypervisor's own devices (its NIC). */
	for (size_t i = 0; i < cfg->nhidden_bdf; i++)
		if (!(cfg->hidden_bdf[i] >> 16))      /* segment 0 */
			cfg_filter_keep_path(&filter,
					     (uint16_t)cfg->hidden_bdf[i],
					     boot_read32, NULL);
	/* The BARs the guards make read-only still answer the guest's
	 * sizing (Linux sizes every BAR it finds: ICH9 SMBus's I/O BAR). */
	cfg_filter_probe_bars(&filter, boot_read32, boot_write32, NULL);
	if (filter.overflow)
		panic("svm: more chipset registers to guard than %u guards "
		      "(%u functions, %u BARs)", CFG_MAX_GUARDS, CFG_MAX_DEVS,
		      CFG_MAX_BARS);
	svm.ncfg = 0;
	/* Mechanism #1 intercepted on every machine: the placement checks
	 * apply to every function (svm/hide.c may have set it too). */
	filter.taken = &taken;
	svm.cfg_guarded = true;
	for (size_t k = 0; k < cfg->nmcfg; k++)
		if (!cfg->mcfg[k].segment && cfg->mcfg[k].start_bus == 0) {
			svm.ecam_lo = cfg->mcfg[k].base;
			svm.ecam_hi = cfg->mcfg[k].base +
				      (((uint64_t)cfg->mcfg[k].end_bus + 1) << 20);
			printk("svm: ECAM %#llx-%#llx read-only to the guest: "
			       "its writes checked\n",
			       (unsigned long long)svm.ecam_lo,
			       (unsigned long long)svm.ecam_hi - 1);
			break;
		}
	/* An AMD FCH (its LPC bridge is in the table): its PM registers too,
	 * through PMIO and AcpiMmio at the reset default 0xFED80000. */
	for (size_t i = 0; i < filter.n; i++)
		if (filter.g[i].rule >= 0 && !svm.fch &&
		    strcmp(cfg_rules[filter.g[i].rule].chipset, "AMD FCH LPC") == 0)
			fch_init(FCH_ACPI_MMIO);
	rcrb_init();
	for (size_t d = 0; d < filter.ndev; d++) {
		uint16_t bdf = filter.dev[d];
		const char *chip = "";
		unsigned ranges = 0, bars = 0;

		for (size_t i = 0; i < filter.n; i++)
			if (filter.g[i].bdf == bdf) {
				ranges++;
				if (filter.g[i].rule >= 0)
					chip = cfg_rules[filter.g[i].rule].chipset;
				else if (filter.g[i].rule == CFG_RULE_PATH)
					chip = "bridge to the hypervisor's NIC";
			}
		for (size_t i = 0; i < filter.nbar; i++)
			bars += filter.bar[i].bdf == bdf;
		map_ecam(cfg, bdf);
		if (cfg_filter_hidden(&filter, bdf))
			printk("svm: config %02x:%02x.%x hidden from the guest\n",
			       bdf >> 8, (bdf >> 3) & 31, bdf & 7);
		else
			printk("svm: config %02x:%02x.%x (%s): %u register "
			       "range(s) read-only to the guest, %u BAR(s) "
			       "answer sizing\n", bdf >> 8, (bdf >> 3) & 31,
			       bdf & 7, chip, ranges, bars);
	}
}

static void say(struct vcpu *v, uint16_t bdf, unsigned reg, int g)
{
	const char *why = "hidden function";
	const char *chip = "";

	if (g < 0 || g >= CFG_MAX_GUARDS ||
	    __atomic_exchange_n(&said[g], true, __ATOMIC_RELAXED))
		return;
	if (filter.g[g].rule == CFG_RULE_PATH)
		why = "a bridge on the way to the hypervisor's NIC (its "
		      "decode, windows, bus numbers, resets)";
	else if (filter.g[g].rule >= 0) {
		why = cfg_rules[filter.g[g].rule].why;
		chip = cfg_rules[filter.g[g].rule].chipset;
	}
	printk("vcpu %u: guest write to config %02x:%02x.%x offset %#x "
	       "dropped: %s%s%s (logged once)\n", v->index, bdf >> 8,
	       (bdf >> 3) & 31, bdf & 7, reg, chip, chip[0] ? " " : "", why);
}

/* Any register of the function the guest's 0xCF8 value (ctx) addresses:
 * the caller puts that value back afterwards. */
static uint64_t io_read(void *ctx, unsigned reg, unsigned size)
{
	outl(CFG_ADDR_PORT, (*(uint32_t *)ctx & ~0xFCu) | (reg & 0xFC));
	return io_port_in((uint16_t)(CFG_DATA_PORT + (reg & 3)), size);
}

static void io_write(void *ctx, unsigned reg, unsigned size, uint64_t val)
{
	outl(CFG_ADDR_PORT, (*(uint32_t *)ctx & ~0xFCu) | (reg & 0xFC));
	io_port_out((uint16_t)(CFG_DATA_PORT + (reg & 3)), size, (uint32_t)val);
}

static void say_place(struct vcpu *v, uint16_t bdf, unsigned reg,
		      const char *why)
{
	if (__atomic_fetch_add(&place_said, 1, __ATOMIC_RELAXED) >= PLACE_SAY)
		return;
	printk("vcpu %u: guest write to config %02x:%02x.%x offset %#x "
	       "refused: it %s (logged %u times at most)\n", v->index,
	       bdf >> 8, (bdf >> 3) & 31, bdf & 7, reg, why, PLACE_SAY);
}

void guard_cfg_io(struct vcpu *v, uint16_t port, unsigned size, bool in,
		  uint32_t *val)
{
	/* The data-port bytes the access touches. */
	unsigned lo = MAX(port, CFG_DATA_PORT);
	unsigned hi = MIN(port + size, CFG_DATA_PORT + 4u);
	uint32_t addr;
	uint16_t bdf;
	unsigned reg, ext, mask = 0;
	int g = -1, g2 = -1;
	bool data, hidden, placing;
	const char *refused = NULL;
	struct cfg_access io_acc = { io_read, io_write, &addr };

	spin_lock(&cfg_lock);
	addr = inl(CFG_ADDR_PORT);   /* stable: CF8 writes take cfg_lock */
	data = lo < hi && (addr & CFG_ENABLE);
	bdf = (uint16_t)((addr >> 8) & 0xFFFF);
	reg = (addr & 0xFC) + (lo - CFG_DATA_PORT);
	ext = reg | CFG_EXT_REG(addr);
	/* Absent: a function pci_hide= names, or one the hypervisor keeps
	 * for itself (its NIC: svm/hide.c; the IOMMUs: iommu/hide.c). */
	hidden = data && (cfg_filter_hidden(&filter, bdf) ||
			  hide_cfg_port(port, size) ||
			  iommu_cfg_io_hidden(port, size));
	if (in) {
		*val = io_port_in(port, size);
		if (hidden) {
			for (unsigned p = lo; p < hi; p++)
				*val |= 0xFFu << (8 * (p - port));
		} else if (data && ext == reg && filter.nsizing) {
			/* A BAR being sized answers its probe. */
			unsigned sh = 8 * (lo - port);
			uint64_t m = ((1ULL << (8 * (hi - lo))) - 1) << sh;
			uint64_t d = cfg_filter_sized(&filter, bdf, reg, hi - lo,
						      (*val & m) >> sh);

			*val = (uint32_t)((*val & ~m) | ((d << sh) & m));
		}
	} else if (!data) {
		io_port_out(port, size, *val);
	} else if (hidden && !cfg_filter_hidden(&filter, bdf)) {
		/* the hypervisor's device: dropped */
	} else {
		mask = cfg_filter_mask(&filter, bdf, reg, hi - lo, &g);
		if (ext != reg)
			mask |= cfg_filter_mask(&filter, bdf, ext, hi - lo, &g2);
		if (g < 0)
			g = g2;
		/* A placing register may be reached only by an access of the
		 * data port alone, without extended bits (a chipset that
		 * ignores CF8[27:24] would take it as the register below). */
		placing = cfg_place_touches(reg, hi - lo);
		if (!mask && !placing) {
			io_port_out(port, size, *val);
		} else if (port == lo && hi == port + size && ext == reg) {
			mask = cfg_filter_write(&filter, bdf, reg, size, *val,
						&io_acc, NULL);
			refused = filter.refused;
			outl(CFG_ADDR_PORT, addr);  /* the guest's, for its next access */
		} else if (!mask) {
			mask = 1;
			refused = "reaches a placing register across ports or "
				  "with extended register bits";
		}
		/* else: straddling a port boundary, or extended: dropped
		 * whole */
	}
	spin_unlock(&cfg_lock);
	if (refused)
		say_place(v, bdf, ext != reg ? ext : reg, refused);
	else if (mask)
		say(v, bdf, ext != reg ? ext : reg, g);
}

int guard_cfg_index(uint64_t gpa)
{
	return guard_page_index(svm.cfg_page, svm.ncfg, gpa);
}

struct ecam_ctx {
	volatile uint8_t *va;
	uint16_t bdf;
	unsigned reg;
	int guard;
	const char *refused;         /* a placement refusal, for the log */
};

static uint64_t ecam_read(void *ctx, unsigned reg, unsigned size)
{
	const volatile uint8_t *p = ((struct ecam_ctx *)ctx)->va + reg;

	return size == 1 ? *p : size == 2 ? *(const volatile uint16_t *)p :
	       size == 4 ? *(const volatile uint32_t *)p :
	       *(const volatile uint64_t *)p;
}

static void ecam_write(void *ctx, unsigned reg, unsigned size, uint64_t val)
{
	volatile uint8_t *p = ((struct ecam_ctx *)ctx)->va + reg;

	if (size == 1)
		*p = (uint8_t)val;
	else if (size == 2)
		*(volatile uint16_t *)p = (uint16_t)val;
	else if (size == 4)
		*(volatile uint32_t *)p = (uint32_t)val;
	else
		*(volatile uint64_t *)p = val;
}

/* The decoder hands whole operands (1, 2, 4, 8 bytes); one that would run
 * past the page is not ours to perform: the filter counts those bytes as
 * guarded. */
static int cfg_mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct ecam_ctx *c = ctx;
	struct cfg_access acc = { ecam_read, ecam_write, c };
	unsigned reg = gpa & 0xFFF;

	if (reg + size > CFG_SPACE) {
		*val = size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
		return 0;
	}
	*val = cfg_filter_read(&filter, c->bdf, reg, size, &acc);
	return 0;
}

static int cfg_mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct ecam_ctx *c = ctx;
	struct cfg_access acc = { ecam_read, ecam_write, c };
	unsigned reg = gpa & 0xFFF;
	int g;

	if (cfg_filter_write(&filter, c->bdf, reg, size, val, &acc, &g)) {
		c->reg = reg;
		c->guard = g;
	}
	if (filter.refused) {
		c->reg = reg;
		c->refused = filter.refused;
	}
	return 0;
}

static const struct mmio_ops cfg_ops = { cfg_mmio_read, cfg_mmio_write };

struct rcrb_ctx {
	struct vcpu *v;
	int guard;
	unsigned reg;
};

static uint64_t rcrb_read(void *ctx, unsigned reg, unsigned size)
{
	struct ecam_ctx e = { rcrb_va, 0, 0, -1, NULL };

	(void)ctx;
	return ecam_read(&e, reg, size);
}

static void rcrb_write(void *ctx, unsigned reg, unsigned size, uint64_t val)
{
	struct ecam_ctx e = { rcrb_va, 0, 0, -1, NULL };

	(void)ctx;
	ecam_write(&e, reg, size, val);
}

static int rcrb_mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	unsigned reg = gpa & 0xFFF;

	(void)ctx;
	*val = reg + size > 4096 ? ~0ULL : rcrb_read(NULL, reg, size);
	return 0;
}

static int rcrb_mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	static const struct cfg_access acc = { rcrb_read, rcrb_write, NULL };
	struct rcrb_ctx *c = ctx;
	unsigned reg = gpa & 0xFFF;
	int g;

	if (cfg_filter_write(&rcrb, 0, reg, size, val, &acc, &g)) {
		c->guard = g;
		c->reg = reg;
	}
	return 0;
}

static const struct mmio_ops rcrb_ops = { rcrb_mmio_read, rcrb_mmio_write };

enum exit_action guard_rcrb_write(struct vcpu *v, uint64_t gpa)
{
	struct rcrb_ctx c = { v, -1, 0 };
	enum exit_action act = guard_emulate_locked(v, gpa, &rcrb_ops, &c,
						    &cfg_lock,
						    "root complex block");

	if (c.guard >= 0 && !__atomic_exchange_n(&rcrb_said, true,
						 __ATOMIC_RELAXED))
		printk("vcpu %u: guest write to the ICH9 root complex block at "
		       "%#x dropped: %s (logged once)\n", v->index,
		       RCRB_PAGE + c.reg,
		       c.guard == 0 ? "OIC moves the I/O APIC" :
		       "GCS: boot BIOS straps");
	return act;
}

static enum exit_action ecam_emulate(struct vcpu *v, uint64_t gpa,
				     struct ecam_ctx *c)
{
	enum exit_action act = guard_emulate_locked(v, gpa, &cfg_ops, c,
						    &cfg_lock,
						    "configuration space");

	if (c->refused)
		say_place(v, c->bdf, c->reg, c->refused);
	else if (c->guard >= 0)
		say(v, c->bdf, c->reg, c->guard);
	return act;
}

enum exit_action guard_cfg_access(struct vcpu *v, uint64_t gpa, int index)
{
	struct ecam_ctx c = { ecam_va[index], ecam_bdf[index], 0, -1, NULL };

	return ecam_emulate(v, gpa, &c);
}

/* No page to reach: reads all ones, writes dropped. */
static int none_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	(void)ctx;
	(void)gpa;
	*val = size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	return 0;
}

static int none_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	(void)ctx;
	(void)gpa;
	(void)size;
	(void)val;
	return 0;
}

static const struct mmio_ops none_ops = { none_read, none_write };

bool guard_cfg_in_window(uint64_t gpa)
{
	return svm.ecam_hi && gpa >= svm.ecam_lo && gpa < svm.ecam_hi;
}

/* A write to the ECAM page of a function with no guard: emulated through
 * the filter for its placement checks. The page's mapping is made under
 * the lock (pci/ maps a bus's megabyte the first time). */
enum exit_action guard_cfg_window_write(struct vcpu *v, uint64_t gpa)
{
	uint16_t bdf = (uint16_t)((gpa - svm.ecam_lo) >> 12);
	struct ecam_ctx c = { NULL, bdf, 0, -1, NULL };

	spin_lock(&cfg_lock);
	c.va = (volatile uint8_t *)pci_ecam_map(bdf);
	spin_unlock(&cfg_lock);
	if (!c.va) {
		printk("vcpu %u: ECAM write at %#llx: its page cannot be "
		       "mapped; dropped\n", v->index, (unsigned long long)gpa);
		return guard_emulate_locked(v, gpa, &none_ops, NULL, &cfg_lock,
					    "configuration space");
	}
	return ecam_emulate(v, gpa, &c);
}
