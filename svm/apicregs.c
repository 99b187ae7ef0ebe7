/*
 * svm/apicregs.c - which local APIC registers a guest access may reach on
 * the hardware, by offset in the APIC page (APM Vol. 2, table 16-2 for the
 * xAPIC; 16.11, table 16-6 for the x2APIC MSRs 0x800 + offset / 16). In
 * x2APIC mode every forwarded access becomes an MSR access with a number
 * derived from the guest's address: only registers the x2APIC has may be
 * forwarded, or the hypervisor takes #GP. Reserved and absent registers
 * read 0 and ignore writes, as the xAPIC does. Pure table, host-tested.
 */
#include "svm/svm.h"

#define R  APIC_REG_R      /* readable (x2APIC: RDMSR works) */
#define W  APIC_REG_W      /* a guest write goes to the hardware */
#define X  APIC_REG_XAPIC  /* xAPIC only (absent or read-only in x2APIC) */

/* Indexed by offset >> 4; offsets 0x400 and above (AMD's extended APIC
 * space) are never forwarded. */
static const uint8_t regs[64] = {
	[0x02] = R,              /* ID: never written (kicks use it) */
	[0x03] = R,              /* version */
	[0x08] = R | W,          /* TPR */
	[0x09] = R | X,          /* APR: xAPIC only */
	[0x0A] = R,              /* PPR */
	[0x0B] = W,              /* EOI: write-only (x2APIC RDMSR #GPs) */
	[0x0C] = R | X,          /* RRD: xAPIC only */
	[0x0D] = R | W | X,      /* LDR: x2APIC read-only, not written */
	[0x0E] = R | W | X,      /* DFR: absent in x2APIC */
	[0x0F] = R | W,          /* SVR */
	[0x10] = R, [0x11] = R, [0x12] = R, [0x13] = R,     /* ISR */
	[0x14] = R, [0x15] = R, [0x16] = R, [0x17] = R,
	[0x18] = R, [0x19] = R, [0x1A] = R, [0x1B] = R,     /* TMR */
	[0x1C] = R, [0x1D] = R, [0x1E] = R, [0x1F] = R,
	[0x20] = R, [0x21] = R, [0x22] = R, [0x23] = R,     /* IRR */
	[0x24] = R, [0x25] = R, [0x26] = R, [0x27] = R,
	[0x28] = R | W,          /* ESR */
	[0x30] = R,              /* ICR low: written through svm/apic.c */
	[0x31] = R | X,          /* ICR high: a shadow (svm/apic.c) */
	[0x32] = R | W,          /* LVT timer */
	[0x33] = R | W,          /* LVT thermal */
	[0x34] = R | W,          /* LVT performance counter */
	[0x35] = R | W,          /* LVT LINT0 */
	[0x36] = R | W,          /* LVT LINT1 */
	[0x37] = R | W,          /* LVT error */
	[0x38] = R | W,          /* timer initial count */
	[0x39] = R,              /* timer current count */
	[0x3E] = R | W,          /* timer divide configuration */
};

unsigned apic_reg_flags(uint32_t off, bool x2apic)
{
	unsigned f;

	if (off >= 0x400 || (off & 0xF))
		return 0;
	f = regs[off >> 4];
	if (x2apic && (f & X))
		return 0;
	return f & (R | W);
}
