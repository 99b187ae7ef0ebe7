/*
 * svm/fch.c - AMD FCH power-management registers (PMx), which place the
 * ACPI PM1 block, the PM timer, GPE0 and the SMI command port, and switch
 * the ACPI MMIO window on or off (BKDG family 16h, 3.26.8 "PMx"; PPR
 * family 17h, FCH::PM). Two paths lead to them:
 *  - the index/data pair, ports 0xCD6 (index) and 0xCD7 (data):
 *    intercepted when an AMD FCH is present, index and data under one
 *    lock; a data write to a guarded index is dropped and logged once;
 *  - AcpiMmio (0xFED80000, PMx at offset 0x300): its page is read-only for
 *    the guest, writes emulated through the same check.
 * The guarded indices are a table (fch_pm_guarded), host-tested.
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "decode/decode.h"
#include "lib/lib.h"

#define PM_INDEX_PORT   0xCD6
#define PM_DATA_PORT    0xCD7
#define ACPI_MMIO_PM    0x300          /* PMx in the AcpiMmio page */

static struct spinlock pm_lock = SPINLOCK_INIT;
static volatile uint8_t *acpimmio;
static bool said;

static void say(struct vcpu *v, unsigned index)
{
	if (__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
		return;
	printk("vcpu %u: guest write to FCH PM register %#x dropped: it "
	       "would move the ACPI blocks or the ACPI MMIO window (logged "
	       "once)\n", v->index, index);
}

void fch_init(uint64_t acpimmio_pa)
{
	svm.fch = true;
	svm.fch_mmio = acpimmio_pa;
	acpimmio = ioremap(acpimmio_pa, 4096);
	if (!acpimmio)
		panic("svm: cannot map the FCH's ACPI MMIO page");
	printk("svm: AMD FCH: PM registers (0xCD6/0xCD7, AcpiMmio %#llx) "
	       "guarded\n", (unsigned long long)acpimmio_pa);
}

/* An access to 0xCD6-0xCD7 (possibly wider): the index byte first, then
 * the data byte under the index as it then is. */
void fch_io(struct vcpu *v, uint16_t port, unsigned size, bool in,
	    uint32_t *val)
{
	bool dropped = false;
	uint8_t index = 0;

	spin_lock(&pm_lock);
	if (in) {
		*val = io_port_in(port, size);
	} else {
		for (unsigned i = 0; i < size; i++) {
			uint16_t p = (uint16_t)(port + i);
			uint8_t b = (uint8_t)(*val >> (8 * i));

			if (p == PM_INDEX_PORT) {
				outb(p, b);
			} else if (p == PM_DATA_PORT) {
				index = inb(PM_INDEX_PORT);
				if (fch_pm_guarded(index))
					dropped = true;
				else
					outb(p, b);
			} else {
				outb(p, b);      /* a neighbour of the pair */
			}
		}
	}
	spin_unlock(&pm_lock);
	if (dropped)
		say(v, index);
}

struct mmio_ctx {
	struct vcpu *v;
	int dropped;                    /* the first guarded index, or -1 */
};

static int pm_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	const volatile uint8_t *p = acpimmio + (gpa & 0xFFF);

	(void)ctx;
	*val = size == 1 ? *p : size == 2 ? *(const volatile uint16_t *)p :
	       size == 4 ? *(const volatile uint32_t *)p :
	       *(const volatile uint64_t *)p;
	return 0;
}

static int pm_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct mmio_ctx *c = ctx;
	unsigned off = gpa & 0xFFF;

	if (off + size > 4096)
		return 0;
	for (unsigned b = 0; b < size; b++)
		if (off + b >= ACPI_MMIO_PM && off + b < ACPI_MMIO_PM + 0x100 &&
		    fch_pm_guarded((uint8_t)(off + b - ACPI_MMIO_PM))) {
			c->dropped = (int)(off + b - ACPI_MMIO_PM);
			return 0;        /* dropped whole */
		}
	if (size == 1)
		acpimmio[off] = (uint8_t)val;
	else if (size == 2)
		*(volatile uint16_t *)(acpimmio + off) = (uint16_t)val;
	else if (size == 4)
		*(volatile uint32_t *)(acpimmio + off) = (uint32_t)val;
	else
		*(volatile uint64_t *)(acpimmio + off) = val;
	return 0;
}

static const struct mmio_ops pm_ops = { pm_read, pm_write };

enum exit_action fch_mmio_write(struct vcpu *v, uint64_t gpa)
{
	struct mmio_ctx c = { v, -1 };
	enum exit_action act = guard_emulate_locked(v, gpa, &pm_ops, &c,
						    &pm_lock, "FCH ACPI MMIO");

	if (c.dropped >= 0)
		say(v, (unsigned)c.dropped);
	return act;
}
