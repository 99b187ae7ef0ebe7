/*
 * svm/msrtable.c - the MSR policy table: every MSR the guest may touch,
 * how (per read and per write) and why. Default deny: an MSR in no row
 * is intercepted and answered with #GP, reads and writes alike (the CPU's
 * own answer for an MSR it does not have). The permission map (MSRPM,
 * APM Vol. 2, 15.11) is built from this table alone (msrpm_build), and
 * svm/msr.c dispatches intercepted accesses through it. Pure data and
 * logic: the host tests check the bitmap against the table.
 *
 * Kinds: MSR_PASS  no exit, the hardware register (switched by VMRUN /
 *                  #VMEXIT or VMLOAD / VMSAVE, or not used by the
 *                  hypervisor: the reason says which)
 *        MSR_EMUL  intercepted, emulated in svm/msr.c (a shadow or a check)
 *        MSR_DROP  (writes) intercepted, not performed, reported
 *                  (rate-limited); the guest reads the real value
 *        MSR_ZERO  (reads) intercepted, read as 0
 *        MSR_GP    intercepted, #GP in the guest
 */
#include "svm/svm.h"
#include "lib/lib.h"

#define P MSR_PASS
#define E MSR_EMUL
#define D MSR_DROP
#define Z MSR_ZERO
#define G MSR_GP

const struct msr_rule msr_rules[] = {
	/* Machine state switched by VMRUN/#VMEXIT or VMLOAD/VMSAVE
	 * (APM Vol. 2, 15.5.1, 15.5.2 and VMLOAD's list). */
	{ 0x00000174, 0x00000176, P, P, "SYSENTER_CS/ESP/EIP: VMLOAD/VMSAVE" },
	{ 0xC0000081, 0xC0000084, P, P, "STAR, LSTAR, CSTAR, SFMASK: VMLOAD/VMSAVE" },
	{ 0xC0000100, 0xC0000102, P, P, "FS/GS/KernelGS base: VMLOAD/VMSAVE" },
	{ 0x00000277, 0x00000277, P, P, "PAT: the guest's is G_PAT under NPT (15.25.8)" },
	/* Emulated. */
	{ 0xC0000080, 0xC0000080, E, E, "EFER: shadowed, SVME hidden and kept" },
	{ 0xC0010114, 0xC0010114, E, E, "VM_CR: reads disabled+locked, writes #GP" },
	{ 0xC0010117, 0xC0010117, E, E, "VM_HSAVE_PA: a per-vCPU shadow" },
	{ 0x00000010, 0x00000010, P, E, "TSC: reads offset by the CPU, writes set the offset" },
	{ 0x0000001B, 0x0000001B, P, E, "APIC_BASE: no relocation, disable or x2APIC" },
	{ 0x00000200, 0x0000026F, P, E, "MTRRs: the holes stay write-back" },
	{ 0x000002FF, 0x000002FF, P, E, "MTRR default type: stays write-back" },
	{ 0x000001D9, 0x000001D9, E, E, "DEBUGCTL: a shadow; the hypervisor's branches stay out of the LBRs" },
	{ 0x00000048, 0x00000048, E, E, "SPEC_CTRL: the guest's value only while it runs" },
	/* Read-only to the guest: writes would route or hide memory, or
	 * change the CPU under the hypervisor. */
	{ 0x000000FE, 0x000000FE, P, G, "MTRRcap: read-only" },
	{ 0x0000008B, 0x0000008B, P, D, "PATCH_LEVEL: read-only" },
	{ 0xC0010010, 0xC0010010, P, D, "SYSCFG: memory routing, MTRR extensions" },
	{ 0xC0010015, 0xC0010015, P, D, "HWCR: SMM lock, MCA status writes, TLB and cache controls" },
	{ 0xC0010016, 0xC0010019, P, D, "IORRs: route memory to I/O" },
	{ 0xC001001A, 0xC001001A, P, D, "TOP_MEM" },
	{ 0xC001001D, 0xC001001D, P, D, "TOP_MEM2" },
	{ 0xC001001F, 0xC001001F, P, D, "NB_CFG: extended CF8, APIC ID extension" },
	{ 0xC0010058, 0xC0010058, P, D, "MMIO_CFG_BASE: moves ECAM" },
	{ 0xC0010111, 0xC0010111, P, D, "SMM_BASE" },
	{ 0xC0010112, 0xC0010113, Z, D, "SMM_ADDR/MASK (TSEG): reads 0" },
	{ 0xC0010116, 0xC0010116, Z, D, "SMM_CTL: SMM entry/exit commands" },
	{ 0xC0010055, 0xC0010055, Z, D, "INT_PENDING (C1E, families 0Fh-10h): reads 0, no C1E; idle stays HLT" },
	{ 0xC0010020, 0xC0010020, G, D, "PATCH_LOADER: no microcode from the guest" },
	{ 0xC0010064, 0xC001006B, P, D, "P-state definitions: voltage and frequency" },
	{ 0xC0011004, 0xC0011005, P, D, "CPUID feature overrides" },
	{ 0xC0011020, 0xC0011023, P, D, "LS/IC/DC/BU_CFG: chicken bits of every core's host" },
	{ 0xC0011029, 0xC0011029, P, D, "DE_CFG: chicken bits (LFENCE serialization)" },
	{ 0xC0010140, 0xC0010141, P, D, "OSVW: errata information" },
	/* Machine check: the guest handles its banks, but cannot switch
	 * reporting off for the host (MCG_CTL, MCi_CTL dropped). */
	{ 0x00000179, 0x00000179, P, G, "MCG_CAP: read-only" },
	{ 0x0000017A, 0x0000017A, P, P, "MCG_STATUS: the guest's MCE handler" },
	{ 0x0000017B, 0x0000017B, P, D, "MCG_CTL: MCE reporting stays on" },
	/* 0x400-0x47F: bank i at 0x400 + 4i: CTL, STATUS, ADDR, MISC; see
	 * msr_rule_find: CTL dropped, the others the guest's. */
	{ 0x00000400, 0x0000047F, P, P, "MCi_STATUS/ADDR/MISC: the guest's MCE handler" },
	/* Performance: the guest's own, the hypervisor uses none (counts
	 * include hypervisor time: side channels are out of scope). */
	{ 0x00000049, 0x00000049, G, P, "PRED_CMD: IBPB, a command without state" },
	{ 0x000000E7, 0x000000E8, P, D, "MPERF/APERF" },
	{ 0xC00000E9, 0xC00000E9, P, D, "IRPERF" },
	{ 0xC0010000, 0xC0010007, P, P, "legacy PERF_CTL/PERF_CTR" },
	{ 0xC0010200, 0xC001020B, P, P, "core PERF_CTL/PERF_CTR" },
	{ 0xC0010061, 0xC0010061, P, D, "P-state current limit" },
	{ 0xC0010062, 0xC0010063, P, P, "P-state control/status: the guest's CPU's speed" },
	{ 0xC0000103, 0xC0000103, P, P, "TSC_AUX: the hypervisor never reads it (no RDTSCP/RDPID)" },
	/* The x2APIC, offered when the CPU has one (Intel SDM Vol. 3,
	 * 10.12; docs/interrupts.md, "x2APIC"): reads are the hardware's
	 * (#GP outside x2APIC mode, as on bare metal); writes that cannot
	 * reach another core, SMM or an INIT pass (x2apic_write_passes);
	 * the rest exit: the ICR emulated like the xAPIC's, LVTs checked. */
	{ 0x00000800, 0x00000807, P, E, "x2APIC ID, version: read-only (#GP)" },
	{ 0x00000808, 0x00000808, P, P, "x2APIC TPR" },
	{ 0x00000809, 0x0000080A, P, E, "x2APIC PPR: read-only (#GP)" },
	{ 0x0000080B, 0x0000080B, P, P, "x2APIC EOI" },
	{ 0x0000080C, 0x00000827, P, E, "x2APIC LDR, SVR, ISR/TMR/IRR: SVR forwarded, the rest read-only" },
	{ 0x00000828, 0x00000828, P, P, "x2APIC ESR" },
	{ 0x00000829, 0x00000837, P, E, "x2APIC ICR emulated (INIT, SIPI, NMI), LVTs checked" },
	{ 0x00000838, 0x00000838, P, P, "x2APIC timer initial count" },
	{ 0x00000839, 0x0000083D, P, E, "x2APIC timer current count: read-only (#GP)" },
	{ 0x0000083E, 0x0000083F, P, P, "x2APIC timer divide, SELF IPI (a fixed vector to itself)" },
	{ 0x00000840, 0x000008FF, P, E, "x2APIC: reserved (#GP)" },
};
const size_t msr_nrules = ARRAY_SIZE(msr_rules);

#undef P
#undef E
#undef D
#undef Z
#undef G

#define MC_BANK_FIRST 0x400
#define MC_BANK_LAST  0x47F

static const struct msr_rule mc_ctl_rule = {
	MC_BANK_FIRST, MC_BANK_LAST, MSR_PASS, MSR_DROP,
	"MCi_CTL: MCE reporting stays on",
};

long msrpm_bit(uint32_t msr)
{
	if (msr <= 0x1FFF)
		return (long)msr * 2;
	if (msr >= 0xC0000000 && msr <= 0xC0001FFF)
		return 0x800 * 8 + (long)(msr - 0xC0000000) * 2;
	if (msr >= 0xC0010000 && msr <= 0xC0011FFF)
		return 0x1000 * 8 + (long)(msr - 0xC0010000) * 2;
	return -1;
}

const struct msr_rule *msr_rule_find(uint32_t msr)
{
	if (msr >= MC_BANK_FIRST && msr <= MC_BANK_LAST && (msr & 3) == 0)
		return &mc_ctl_rule;
	for (size_t i = 0; i < msr_nrules; i++)
		if (msr >= msr_rules[i].first && msr <= msr_rules[i].last)
			return &msr_rules[i];
	return NULL;
}

void msrpm_intercept(uint8_t *pm, uint32_t first, uint32_t last)
{
	for (uint64_t msr = first; msr <= last; msr++) {
		long bit = msrpm_bit((uint32_t)msr);

		if (bit < 0)
			continue;           /* outside the map: exits anyway */
		pm[bit / 8] |= (uint8_t)(1U << (bit % 8));
		pm[(bit + 1) / 8] |= (uint8_t)(1U << ((bit + 1) % 8));
	}
}

void msrpm_build(uint8_t *pm)
{
	/* Everything intercepted, then the pass-through accesses opened. */
	memset(pm, 0xFF, MSRPM_SIZE);
	for (long bit = 0; bit < 0x1800 * 8; bit += 2) {
		uint32_t msr = bit < 0x800 * 8 ? (uint32_t)(bit / 2) :
			       bit < 0x1000 * 8 ?
			       0xC0000000u + (uint32_t)((bit - 0x800 * 8) / 2) :
			       0xC0010000u + (uint32_t)((bit - 0x1000 * 8) / 2);
		const struct msr_rule *r = msr_rule_find(msr);

		if (!r)
			continue;
		if (r->read == MSR_PASS)
			pm[bit / 8] &= (uint8_t)~(1U << (bit % 8));
		if (r->write == MSR_PASS)
			pm[(bit + 1) / 8] &= (uint8_t)~(1U << ((bit + 1) % 8));
	}
}
