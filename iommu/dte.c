/*
 * iommu/dte.c - device table entries as values (AMD IOMMU spec 48882,
 * 2.2.2 "Device Table Entry Format", 2.2.5 "Interrupt Remapping"). Pure.
 */
#include "iommu/iommu.h"
#include "lib/lib.h"

/* Interrupts, both kinds of entry: IV = 1 so that the pass bits and
 * IntCtl below apply (with IV = 0 the IOMMU forwards every interrupt
 * unmapped, INIT and SMI included); no InitPass, EIntPass, NMIPass,
 * Lint0Pass, Lint1Pass: those requests are target-aborted and logged;
 * SysMgt = 00b: SMI and other system-management messages blocked. */
static uint64_t irq_word(uint64_t irt_pa, unsigned intctl)
{
	return DTE2_IV | (irt_pa & DTE2_IRT_ROOT) | DTE2_INTCTL(intctl);
}

struct dte dte_guest(uint64_t pt_root, uint64_t irt_pa)
{
	struct dte d = { { 0 } };

	d.q[0] = DTE_V | DTE_TV | DTE_MODE(IOPT_LEVELS) |
		 (pt_root & DTE_PT_ROOT) | DTE_IR | DTE_IW;
	d.q[1] = IOMMU_DOMAIN_GUEST;   /* IoCtl 0, SysMgt 0, SE 0 */
	/* Fixed and arbitrated MSIs forwarded as the device sends them:
	 * the guest programs its devices' MSIs directly (docs/iommu.md). */
	d.q[2] = irq_word(irt_pa, INTCTL_FORWARD);
	return d;
}

struct dte dte_hypervisor(uint64_t pt_root, uint64_t irt_pa)
{
	struct dte d = dte_guest(pt_root, irt_pa);

	/* 2.2.2.2 Table 7: DomainID; 2.2.5: NMIPass lets an MSI with NMI
	 * delivery mode through unmapped, whatever IntCtl says. InitPass,
	 * EIntPass, Lint0/1Pass stay 0 and SysMgt 00b. */
	d.q[1] = (d.q[1] & ~DTE1_DOMAIN) | IOMMU_DOMAIN_HV;
	d.q[2] |= DTE2_NMIPASS;
	return d;
}

struct dte dte_blocked(uint64_t empty_root, uint64_t irt_pa)
{
	struct dte d = { { 0 } };

	/* IR = IW = 0 denies every request at the DTE already; the
	 * non-zero Mode with an empty table makes QEMU 7.2 report it too
	 * (it logs only faults it meets during a walk). */
	d.q[0] = DTE_V | DTE_TV | DTE_MODE(IOPT_LEVELS) |
		 (empty_root & DTE_PT_ROOT);
	d.q[1] = IOMMU_DOMAIN_BLOCKED;
	d.q[2] = irq_word(irt_pa, INTCTL_ABORT);
	return d;
}

bool dte_refuses_special_interrupts(const struct dte *d)
{
	uint64_t intctl = (d->q[2] & DTE2_INTCTL_MASK) >> 60;

	return (d->q[0] & DTE_V) && (d->q[2] & DTE2_IV) &&
	       !(d->q[2] & (DTE2_INITPASS | DTE2_EINTPASS | DTE2_NMIPASS |
			    DTE2_LINT0PASS | DTE2_LINT1PASS)) &&
	       !(d->q[1] & DTE1_SYSMGT) &&
	       (intctl == INTCTL_FORWARD || intctl == INTCTL_ABORT);
}
