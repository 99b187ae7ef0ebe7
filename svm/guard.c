/*
 * svm/guard.c - what the guest must not reach besides the hypervisor's
 * memory: the debug console's UART, what the I/O APICs could do to the
 * hypervisor, and the FADT's reset register in memory space (end of
 * file). Chipset configuration registers: svm/guard_cfg.c.
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
 *    or reach the hypervisor as #SX on hardware (docs/qemu-svm.md,
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
static volatile uint8_t *reset_page;

void guard_init(const struct svm_config *cfg)
{
	svm.guard_port = cfg->console_port;
	svm.guard_ioapic_pa = cfg->console_ioapic_pa;
	svm.guard_pin = cfg->console_pin;
	svm.nioapics = 0;
	if (cfg->reset_mmio) {
		reset_page = ioremap(cfg->reset_mmio & ~0xFFFULL, 4096);
		if (!reset_page)
			panic("svm: cannot map the reset register's page");
	}
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

int guard_page_index(const uint64_t *pages, size_t n, uint64_t gpa)
{
	for (size_t i = 0; i < n; i++)
		if ((gpa & ~0xFFFULL) == pages[i])
			return (int)i;
	return -1;
}

int guard_ioapic_index(uint64_t gpa)
{
	return guard_page_index(svm.ioapic_pa, svm.nioapics, gpa);
}

enum exit_action guard_emulate_locked(struct vcpu *v, uint64_t gpa,
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
	printk("vcpu %u: %s access at %llx not emulated: %s\n", v->index, what,
	       (unsigned long long)gpa, decode_strerror(rc));
	vmcb_dump(v);
	vcpu_stop(v, "undecodable access to a guarded page");
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
	enum exit_action act = guard_emulate_locked(v, gpa, &ioapic_ops, &w,
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
 * The FADT's RESET_REG in memory space (ACPI 6.5, 4.8.3.6): its page is
 * read-only for the guest; writes to it are performed, except that the
 * reset value written to the register is the guest resetting the machine:
 * reported, then done by the hypervisor (the same path as port 0xCF9).
 */
static struct spinlock reset_lock = SPINLOCK_INIT;

struct reset_ctx {
	volatile uint8_t *page;
	struct vcpu *v;
};

static int reset_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	const struct reset_ctx *c = ctx;
	const volatile uint8_t *p = c->page + (gpa & 0xFFF);

	*val = size == 1 ? *p : size == 2 ? *(const volatile uint16_t *)p :
	       size == 4 ? *(const volatile uint32_t *)p :
	       *(const volatile uint64_t *)p;
	return 0;
}

static int reset_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	const struct reset_ctx *c = ctx;
	volatile uint8_t *p = c->page + (gpa & 0xFFF);

	if (gpa <= svm.reset_mmio && svm.reset_mmio < gpa + size &&
	    (uint8_t)(val >> (8 * (svm.reset_mmio - gpa))) == svm.reset_value)
		guest_reset(c->v, "FADT RESET_REG");
	if ((gpa & 0xFFF) + size > 4096)
		return 0;                /* past the page: not this register's */
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

static const struct mmio_ops reset_ops = { reset_read, reset_write };

enum exit_action guard_reset_mmio_write(struct vcpu *v, uint64_t gpa)
{
	struct reset_ctx c = { reset_page, v };

	return guard_emulate_locked(v, gpa, &reset_ops, &c, &reset_lock,
				    "reset register page");
}
