/*
 * svm/x2apic.c - the pure rules of the guest's x2APIC (svm/events.h),
 * free of hardware access (host-tested, tests/unit/test_x2apic.c).
 * Intel SDM Vol. 3, 10.12 (x2APIC) and APM Vol. 2, 16.11: the registers
 * are MSRs 0x800 + offset / 16, the ICR one 64-bit MSR (0x830) with a
 * 32-bit destination, no ICR high and no delivery status; logical IDs are
 * derived from the x2APIC ID (cluster = ID >> 4, member bit ID & 0xF).
 */
#include "svm/events.h"
#include "svm/svm.h"
#include "lib/lib.h"

/* x2APIC ICR bits that must be 0 (SDM Vol. 3, figure 10-28): 12 (no
 * delivery status), 13, 16-17 and 20-31 of the low half. */
#define X2_ICR_RESERVED (BIT(12) | BIT(13) | GENMASK(17, 16) | GENMASK(31, 20))
#define X2_BROADCAST    0xFFFFFFFFu

bool x2apic_icr_valid(uint64_t icr)
{
	return !((uint32_t)icr & X2_ICR_RESERVED);
}

bool icr_targets_x2(uint32_t lo, uint32_t dest, bool self, uint32_t x2apic_id)
{
	switch (ICR_SHORTHAND(lo)) {
	case 1: return self;
	case 2: return true;
	case 3: return !self;
	default: break;
	}
	if (dest == X2_BROADCAST)
		return true;
	if (lo & ICR_DEST_LOGICAL)      /* SDM 10.12.10.2: cluster, mask */
		return (dest >> 16) == (x2apic_id >> 4) &&
		       (dest & 0xFFFF & (1u << (x2apic_id & 0xF))) != 0;
	return dest == x2apic_id;
}

/* The MSRs whose writes the guest makes without an exit (svm/msrtable.c):
 * TPR, EOI, ESR, timer initial count and divide, SELF IPI. The hardware
 * checks their values itself and none can reach another core, SMM or an
 * INIT. */
bool x2apic_write_passes(uint32_t msr)
{
	switch (msr) {
	case 0x808: case 0x80B: case 0x828: case 0x838: case 0x83E: case 0x83F:
		return true;
	default:
		return false;
	}
}

enum x2_write x2apic_write_class(uint32_t msr, uint64_t val)
{
	uint32_t reg = (msr - 0x800) << 4;

	if (msr < 0x800 || msr > 0x8FF)
		return X2_GP;
	if (msr == 0x830)
		return x2apic_icr_valid(val) ? X2_ICR : X2_GP;
	/* Every other x2APIC register is 32 bits wide (10.12.1.2). */
	if (val >> 32)
		return X2_GP;
	if (x2apic_write_passes(msr))
		return X2_FORWARD;
	/* Only writable registers reach the hardware (a WRMSR to a
	 * read-only one would #GP in the hypervisor); the x2APIC has no
	 * DFR, and its LDR is read-only (apic_reg_flags). */
	if (!(apic_reg_flags(reg, true) & APIC_REG_W))
		return X2_GP;
	if (lvt_refused(reg, (uint32_t)val))
		return X2_DROP;
	return X2_FORWARD;
}

enum apic_base_action apic_base_write_check(uint64_t cur, uint64_t val,
					    bool has_x2apic, uint64_t valid)
{
	uint64_t en = BIT(11), extd = BIT(10);

	/* Reserved bits (above MAXPHYADDR, 0-7, 9), and the states and
	 * moves the CPU refuses (SDM 10.12.5, figure 10-27): EXTD without
	 * EN, EXTD without an x2APIC, x2APIC back to xAPIC directly. */
	if ((val & ~valid) || ((val & extd) && !(val & en)) ||
	    ((val & extd) && !has_x2apic) ||
	    ((cur & extd) && (val & en) && !(val & extd)))
		return APIC_BASE_GP;
	if (val == cur)
		return APIC_BASE_SAME;
	/* xAPIC to x2APIC, nothing else changed: the guest's to make. */
	if ((cur & en) && !(cur & extd) && val == (cur | extd))
		return APIC_BASE_TO_X2APIC;
	return APIC_BASE_DROP;      /* relocation, disable, BSP flag */
}
