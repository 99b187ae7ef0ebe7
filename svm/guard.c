/*
 * svm/guard.c - what the guest must not reach besides the hypervisor's
 * memory: the debug console's UART, and what the I/O APICs could do to
 * the hypervisor.
 *
 * The console's UART: eight I/O ports, intercepted in the IOPM; reads see
 * no device (all-ones), writes are dropped.
 *
 * The I/O APICs (every one the MADT lists, up to SVM_MAX_IOAPICS): their
 * pages are mapped read-only in the NPT, so the guest reads them directly
 * and every write exits here (82093AA data sheet, 3.0: IOREGSEL at 0x00
 * selects, IOWIN at 0x10 accesses; 3.2.4: entry n is registers 0x10 + 2n
 * and 0x11 + 2n). Writes are performed on the real I/O APIC, except IOWIN
 * writes
 *  - to the entry that routes the console's IRQ as an NMI to the boot CPU
 *    (either half): dropped;
 *  - of an entry's low half with a delivery mode other than fixed, lowest
 *    priority, NMI or ExtINT (3.2.4, bits 10:8): INIT, SMI and the
 *    reserved modes are dropped, the entry keeps its value. An INIT from a device
 *    line would reset a core under QEMU TCG even with INIT intercepted,
 *    or reach the hypervisor as #SX on hardware (svm-under-qemu-tcg.md,
 *    "INIT"); an SMI would enter SMM, which QEMU leaves with EFER.SVME
 *    clear. Fixed, lowest priority, NMI and ExtINT entries are the guest's
 *    to program: their NMIs reach it as its own.
 * One lock orders every guest write to these pages, so the selection
 * checked is the one written to. Guest writes to an I/O APIC cost an exit
 * each: setup, masking, and the EOI register for level-triggered lines.
 */
#include "svm/internal.h"
#include "acpi/acpi.h"
#include "arch/x86.h"
#include "decode/decode.h"
#include "iommu/iommu.h"
#include "lib/lib.h"


static struct spinlock ioapic_lock = SPINLOCK_INIT;
static volatile uint32_t *ioapic_va[SVM_MAX_IOAPICS];
static uint64_t said_console, said_mode;

void guard_init(const struct svm_config *cfg)
{
	svm.guard_port = cfg->console_port;
	svm.guard_ioapic_pa = cfg->console_ioapic_pa;
	svm.guard_pin = cfg->console_pin;
	svm.nioapics = 0;
	/* The console's first (console/ checked it is page aligned), so it
	 * is guarded even on a machine with more I/O APICs than slots. */
	for (size_t k = 0; k <= cfg->nioapics; k++) {
		uint64_t pa = k == 0 ? svm.guard_ioapic_pa : cfg->ioapic_pa[k - 1];

		if (!pa || (k > 0 && pa == svm.guard_ioapic_pa))
			continue;
		if (pa & 0xFFF) {
			printk("svm: I/O APIC at %#llx is not page aligned: "
			       "not guarded\n", (unsigned long long)pa);
			continue;
		}
		if (svm.nioapics == SVM_MAX_IOAPICS) {
			printk("svm: more than %u I/O APICs: %#llx not "
			       "guarded\n", SVM_MAX_IOAPICS,
			       (unsigned long long)pa);
			continue;
		}
		ioapic_va[svm.nioapics] = ioremap(pa, 4096);
		if (!ioapic_va[svm.nioapics])
			panic("svm: cannot map the I/O APIC at %#llx",
			      (unsigned long long)pa);
		svm.ioapic_pa[svm.nioapics++] = pa;
	}
}

static int page_index(const uint64_t *pages, size_t n, uint64_t gpa)
{
	for (size_t i = 0; i < n; i++)
		if ((gpa & ~0xFFFULL) == pages[i])
			return (int)i;
	return -1;
}

int guard_ioapic_index(uint64_t gpa)
{
	return page_index(svm.ioapic_pa, svm.nioapics, gpa);
}

/* Emulate the guest's write to a guarded page under lock; a write the
 * decoder cannot take stops the vCPU (what: the page's kind). */
static enum exit_action emulate_locked(struct vcpu *v, uint64_t gpa,
				       const struct mmio_ops *ops, void *ctx,
				       struct spinlock *lock, const char *what)
{
	struct insn in;
	int rc;

	spin_lock(lock);
	rc = vcpu_emulate_mmio(v, gpa, ops, ctx, &in);
	spin_unlock(lock);
	if (rc == DEC_OK)
		return EXIT_RESUME;
	printk("vcpu %u: %s write at %llx not emulated: %s\n", v->index, what,
	       (unsigned long long)gpa, decode_strerror(rc));
	vmcb_dump(v);
	vcpu_stop(v, "undecodable write to a guarded page");
	return EXIT_STOP;
}

struct write_ctx {
	volatile uint32_t *io;
	bool console_page;
	const char *dropped;          /* why a write was dropped, or NULL */
	uint32_t sel, val;
};

static bool is_console_entry(uint32_t sel)
{
	return (sel & 0xFF) == IOAPIC_RTE(svm.guard_pin) ||
	       (sel & 0xFF) == IOAPIC_RTE(svm.guard_pin) + 1;
}

static bool decodes(unsigned off, unsigned size)
{
	/* Only dword registers decode (data sheet, 3.0); the rest floats. */
	return size == 4 && (off == IOAPIC_REGSEL || off == IOAPIC_WIN ||
			     off == IOAPIC_EOI);
}

static int ioapic_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	const struct write_ctx *w = ctx;
	unsigned off = gpa & 0xFFF;

	*val = decodes(off, size) ? w->io[off / 4] :
	       size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	return 0;
}

static int ioapic_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct write_ctx *w = ctx;
	unsigned off = gpa & 0xFFF;

	if (!decodes(off, size))
		return 0;
	if (off == IOAPIC_WIN) {
		uint32_t sel = w->io[IOAPIC_REGSEL / 4] & 0xFF;
		uint32_t mode = (uint32_t)val & RTE_DELIVERY_MASK;
		bool low_half = sel >= IOAPIC_RTE(0) && !(sel & 1);

		w->sel = sel;
		w->val = (uint32_t)val;
		if (w->console_page && is_console_entry(sel)) {
			w->dropped = "the console's NMI route";
			return 0;
		}
		if (low_half && mode != RTE_DELIVERY_FIXED &&
		    mode != RTE_DELIVERY_LOWEST && mode != RTE_DELIVERY_NMI &&
		    mode != RTE_DELIVERY_EXTINT) {
			w->dropped = mode == RTE_DELIVERY_INIT ? "INIT delivery" :
				     mode == RTE_DELIVERY_SMI ? "SMI delivery" :
				     "reserved delivery mode";
			return 0;
		}
	}
	w->io[off / 4] = (uint32_t)val;
	return 0;
}

static const struct mmio_ops ioapic_ops = { ioapic_read, ioapic_write };

enum exit_action guard_ioapic_write(struct vcpu *v, uint64_t gpa, int index)
{
	struct write_ctx w = {
		.io = ioapic_va[index],
		.console_page = svm.guard_ioapic_pa == svm.ioapic_pa[index],
	};
	enum exit_action act = emulate_locked(v, gpa, &ioapic_ops, &w,
					      &ioapic_lock, "I/O APIC");

	if (w.dropped) {
		bool console = w.console_page && is_console_entry(w.sel);
		uint64_t *said = console ? &said_console : &said_mode;

		if (__atomic_fetch_add(said, 1, __ATOMIC_RELAXED) < 4) {
			if (console)
				printk("vcpu %u: guest write to I/O APIC pin %u "
				       "(the console's NMI route) dropped\n",
				       v->index, svm.guard_pin);
			else
				printk("vcpu %u: guest write of %#x to I/O APIC "
				       "%#llx pin %u dropped: %s\n", v->index,
				       w.val,
				       (unsigned long long)svm.ioapic_pa[index],
				       (w.sel - IOAPIC_RTE(0)) / 2, w.dropped);
		}
	}
	return act;
}

bool guard_port(uint16_t port, unsigned size)
{
	return svm.guard_port && port < svm.guard_port + 8 &&
	       svm.guard_port < port + size;
}

/*
 * PCI configuration registers that move or switch off the fixed ACPI
 * hardware the hypervisor watches (svm/io.c: PM1 control and status), or
 * move the configuration window itself. Guarded only on the chipset they
 * belong to (other chipsets use these offsets for other things):
 *   Intel ICH9 LPC (0:31.0, 8086:2918): PMBASE 0x40-0x43, ACPI_CNTL
 *     0x44-0x47 (ICH9 datasheet 13.1.9-13.1.10);
 *   Intel Q35 MCH (0:0.0, 8086:29C0): PCIEXBAR 0x60-0x67 (moves ECAM).
 * Both paths to them are filtered: configuration mechanism #1 (ports
 * 0xCF8/0xCFC, intercepted, one lock for address and data) and ECAM (the
 * devices' 4 KiB configuration pages read-only in the NPT). A write that
 * touches a guarded byte is dropped whole and logged.
 */
struct cfg_range {
	uint32_t bdf, id;          /* bus/dev/fn, device:vendor it must have */
	uint16_t lo, hi;           /* [lo, hi) */
};

static const struct cfg_range cfg_ranges[] = {
	{ (0u << 8) | (31u << 3) | 0, 0x29188086u, 0x40, 0x48 },
	{ 0, 0x29C08086u, 0x60, 0x68 },
};
static bool cfg_active[ARRAY_SIZE(cfg_ranges)];
static volatile uint8_t *cfg_va[ARRAY_SIZE(cfg_ranges)];
static struct spinlock cfg_lock = SPINLOCK_INIT;
static uint64_t said_cfg;

#define CFG_ADDR_PORT   0xCF8
#define CFG_DATA_PORT   0xCFC
#define CFG_ENABLE      BIT(31)

static uint32_t cfg_read_id(uint32_t bdf)
{
	outl(CFG_ADDR_PORT, (uint32_t)(CFG_ENABLE | (bdf << 8)));
	return inl(CFG_DATA_PORT);
}

void guard_cfg_init(const struct svm_config *cfg)
{
	svm.ncfg = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cfg_ranges); i++) {
		const struct cfg_range *r = &cfg_ranges[i];

		cfg_active[i] = cfg_read_id(r->bdf) == r->id;
		if (!cfg_active[i])
			continue;
		svm.cfg_guarded = true;
		/* Its ECAM page, when segment 0's window covers bus 0. */
		for (size_t k = 0; k < cfg->nmcfg &&
				   svm.ncfg < ARRAY_SIZE(svm.cfg_page); k++) {
			uint64_t pa;

			if (cfg->mcfg[k].segment || cfg->mcfg[k].start_bus)
				continue;
			pa = cfg->mcfg[k].base + ((uint64_t)r->bdf << 12);
			cfg_va[i] = ioremap(pa, 4096);
			if (!cfg_va[i])
				panic("svm: cannot map configuration page %#llx",
				      (unsigned long long)pa);
			svm.cfg_page[svm.ncfg] = pa;
			svm.cfg_page_range[svm.ncfg++] = (uint8_t)i;
			break;           /* one window per device */
		}
		printk("svm: guarding config %02x:%02x.%x [%#x, %#x) from the "
		       "guest\n", r->bdf >> 8, (r->bdf >> 3) & 31, r->bdf & 7,
		       r->lo, r->hi);
	}
}

static bool cfg_refused(unsigned range, unsigned reg, unsigned size)
{
	const struct cfg_range *r = &cfg_ranges[range];

	return cfg_active[range] && reg < r->hi && r->lo < reg + size;
}

static void cfg_say(struct vcpu *v, unsigned range, unsigned reg)
{
	const struct cfg_range *r = &cfg_ranges[range];

	if (__atomic_fetch_add(&said_cfg, 1, __ATOMIC_RELAXED) < 4)
		printk("vcpu %u: guest write to config %02x:%02x.%x offset "
		       "%#x dropped: it would move the fixed ACPI hardware or "
		       "the config window\n", v->index, r->bdf >> 8,
		       (r->bdf >> 3) & 31, r->bdf & 7, reg);
}

void guard_cfg_lock(void)
{
	spin_lock(&cfg_lock);
}

void guard_cfg_unlock(void)
{
	spin_unlock(&cfg_lock);
}

bool guard_cfg_io_refused(struct vcpu *v, uint16_t port, unsigned size)
{
	/* The data-port bytes the access touches (an access may straddle
	 * the address and data ports). */
	unsigned lo = MAX(port, CFG_DATA_PORT);
	unsigned hi = MIN(port + size, CFG_DATA_PORT + 4u);
	uint32_t addr, bdf;
	unsigned reg;

	if (lo >= hi)
		return false;          /* the address port, CF9: not config */
	if (iommu_cfg_io_hidden(port, size))
		return true;           /* the IOMMU's function (iommu/hide.c) */
	addr = inl(CFG_ADDR_PORT);   /* stable: CF8 writes take cfg_lock */
	if (!(addr & CFG_ENABLE))
		return false;
	bdf = (addr >> 8) & 0xFFFF;
	reg = (addr & 0xFC) + (lo - CFG_DATA_PORT);
	for (unsigned i = 0; i < ARRAY_SIZE(cfg_ranges); i++)
		if (cfg_ranges[i].bdf == bdf && cfg_refused(i, reg, hi - lo)) {
			cfg_say(v, i, reg);
			return true;
		}
	return false;
}

int guard_cfg_index(uint64_t gpa)
{
	return page_index(svm.cfg_page, svm.ncfg, gpa);
}

struct cfg_ctx {
	volatile uint8_t *va;
	unsigned range;
	bool refused;
};

static int cfg_mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	const struct cfg_ctx *c = ctx;
	const volatile uint8_t *p = c->va + (gpa & 0xFFF);

	*val = size == 1 ? *p : size == 2 ? *(const volatile uint16_t *)p :
	       size == 4 ? *(const volatile uint32_t *)p :
	       *(const volatile uint64_t *)p;
	return 0;
}

static int cfg_mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct cfg_ctx *c = ctx;
	volatile uint8_t *p = c->va + (gpa & 0xFFF);

	if (cfg_refused(c->range, gpa & 0xFFF, size)) {
		c->refused = true;
		return 0;
	}
	if (size == 1)
		*p = (uint8_t)val;
	else if (size == 2)
		*(volatile uint16_t *)p = (uint16_t)val;
	else if (size == 4)
		*(volatile uint32_t *)p = (uint32_t)val;
	else
		*(volatile uint64_t *)p = val;
	return 0;
}

static const struct mmio_ops cfg_ops = { cfg_mmio_read, cfg_mmio_write };

enum exit_action guard_cfg_write(struct vcpu *v, uint64_t gpa, int index)
{
	struct cfg_ctx c = { cfg_va[svm.cfg_page_range[index]],
			     svm.cfg_page_range[index], false };
	enum exit_action act = emulate_locked(v, gpa, &cfg_ops, &c, &cfg_lock,
					      "configuration space");

	if (c.refused)
		cfg_say(v, c.range, (unsigned)(gpa & 0xFFF));
	return act;
}
