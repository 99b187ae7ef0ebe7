/*
 * svm/guard.c - what the guest must not reach besides the hypervisor's
 * memory: the debug console's UART (eight I/O ports, intercepted in the
 * IOPM: reads see no device, all-ones; writes are dropped) and the I/O
 * APIC redirection entry that routes its IRQ as an NMI to the boot CPU.
 *
 * The I/O APIC page holding that entry is mapped read-only in the NPT, so
 * the guest reads its I/O APIC directly and every write exits here
 * (82093AA data sheet, 3.0: IOREGSEL at 0x00 selects, IOWIN at 0x10
 * accesses; 3.2.4: entry n is registers 0x10 + 2n and 0x11 + 2n). Writes
 * are performed on the real I/O APIC, except IOWIN writes while IOREGSEL
 * selects our entry, which are dropped: one lock orders every guest write
 * to that page, so the selection checked is the one written to.
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "decode/decode.h"
#include "lib/lib.h"

static struct spinlock ioapic_lock = SPINLOCK_INIT;
static volatile uint32_t *ioapic;   /* our mapping of the guarded page */
static uint64_t dropped;

void guard_init(const struct svm_config *cfg)
{
	svm.guard_port = cfg->console_port;
	svm.guard_ioapic_pa = cfg->console_ioapic_pa;
	svm.guard_pin = cfg->console_pin;
	if (svm.guard_ioapic_pa)
		ioapic = ioremap(svm.guard_ioapic_pa, 4096);
	if (svm.guard_ioapic_pa && !ioapic)
		panic("svm: cannot map the console's I/O APIC");
}

static bool is_our_entry(uint32_t sel)
{
	return (sel & 0xFF) == IOAPIC_RTE(svm.guard_pin) ||
	       (sel & 0xFF) == IOAPIC_RTE(svm.guard_pin) + 1;
}

static int ioapic_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	unsigned off = gpa & 0xFFF;

	/* Only dword registers decode (data sheet, 3.0); the rest floats. */
	*val = size == 4 && (off == IOAPIC_REGSEL || off == IOAPIC_WIN ||
			     off == IOAPIC_EOI) ? ioapic[off / 4] :
	       size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	return 0;
}

static int ioapic_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	unsigned off = gpa & 0xFFF;

	if (size != 4 || (off != IOAPIC_REGSEL && off != IOAPIC_WIN &&
			  off != IOAPIC_EOI))
		return 0;                  /* not decoded by the I/O APIC */
	if (off == IOAPIC_WIN && is_our_entry(ioapic[IOAPIC_REGSEL / 4])) {
		*(bool *)ctx = true;       /* said after the lock is dropped */
		return 0;
	}
	ioapic[off / 4] = (uint32_t)val;
	return 0;
}

static const struct mmio_ops ioapic_ops = { ioapic_read, ioapic_write };

enum exit_action guard_ioapic_write(struct vcpu *v, uint64_t gpa)
{
	struct insn in;
	bool refused = false;
	int rc;

	spin_lock(&ioapic_lock);
	rc = vcpu_emulate_mmio(v, gpa, &ioapic_ops, &refused, &in);
	spin_unlock(&ioapic_lock);
	if (refused && __atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED) < 4)
		printk("vcpu %u: guest write to I/O APIC pin %u (the console's "
		       "NMI route) dropped\n", v->index, svm.guard_pin);
	if (rc != DEC_OK) {
		printk("vcpu %u: I/O APIC write at %llx not emulated: %s\n",
		       v->index, (unsigned long long)gpa, decode_strerror(rc));
		vmcb_dump(v);
		vcpu_stop(v, "undecodable I/O APIC write");
		return EXIT_STOP;
	}
	return EXIT_RESUME;
}

bool guard_port(uint16_t port, unsigned size)
{
	return svm.guard_port && port < svm.guard_port + 8 &&
	       svm.guard_port < port + size;
}
