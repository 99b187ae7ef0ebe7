/*
 * guest/msrchecks.c - the boot CPU's checks of the hypervisor's MSR policy
 * (issue 6, "MSRs"; the policy is svm/msr.c's header comment): EFER and
 * the SVM MSRs shadowed, MTRR writes refused or dropped the way the CPU or
 * the hypervisor would, x2APIC and unmapped MSRs #GP, TOP_MEM writes
 * dropped, TSC writes turned into the vCPU's TSC offset.
 *
 * Every access goes through TRY_INSN with #GP armed, so a hypervisor that
 * behaves differently makes a check FAIL instead of halting the guest.
 * Without our hypervisor every check FAILs with "no hypervisor" and touches
 * no MSR: on a bare machine the writes would really disable MTRRs, move
 * TOP_MEM or turn SVM on.
 */
#include "guest/guest.h"

#define MSR_TSC           0x00000010
#define MSR_MTRR_CAP      0x000000FE   /* VCNT in bits 7:0 */
#define MSR_MTRR_BASE0    0x00000200   /* PhysBase0; PhysMask0 at +1 */
#define MSR_MTRR_FIXED    0x00000250   /* first fixed-range MTRR */
#define MSR_MTRR_DEF      0x000002FF
#define MSR_X2APIC_ID     0x00000802
#define MSR_TOP_MEM       0xC001001A
#define MSR_OUTSIDE_MAP   0x40000000   /* in none of the MSRPM's ranges */
#define VM_CR_LOCK        BIT(3)       /* APM Vol. 2, 15.30.1 */
#define VM_CR_SVMDIS      BIT(4)
#define MTRR_TYPE_MASK    0xFFull
#define MTRR_TYPE_UC      0
#define MTRR_TYPE_WT      4
#define TOP_MEM_STEP      0x100000ull  /* 1 MiB: TOP_MEM is 8 MiB granular */
#define HSAVE_TEST_PA     0x7654000ull /* any page-aligned value: a shadow */
#define TSC_JUMP          1000000000000ull   /* 10^12 cycles */
#define TSC_SLACK         1000000000ull      /* an exit costs far less */

/* RDMSR/WRMSR MSR with #GP expected: true when #GP was raised. */
static bool rdmsr_gp(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	bool gp = TRY_INSN(VEC_GP, "rdmsr", (, "=a"(lo), "=d"(hi)), ("c"(msr)), ());
	*val = gp ? 0 : ((uint64_t)hi << 32 | lo);
	return gp;
}

static bool wrmsr_gp(uint32_t msr, uint64_t val)
{
	return TRY_INSN(VEC_GP, "wrmsr", (), ("c"(msr), "a"((uint32_t)val),
					      "d"((uint32_t)(val >> 32))), ());
}

/* EFER: SVME is set in the real register and never shown; a write of
 * SVME is refused (#GP, as on a CPU without SVM), the current value is
 * taken. */
static const char *efer_policy(void)
{
	uint64_t efer, again;

	if (rdmsr_gp(MSR_EFER, &efer))
		return "RDMSR EFER raised #GP";
	if (efer & EFER_SVME)
		return "EFER reads with SVME set";
	if (!wrmsr_gp(MSR_EFER, efer | EFER_SVME))
		return "WRMSR EFER with SVME did not raise #GP";
	if (wrmsr_gp(MSR_EFER, efer))
		return "WRMSR EFER with its own value raised #GP";
	if (rdmsr_gp(MSR_EFER, &again) || again != efer)
		return "EFER changed by a write of its own value";
	return NULL;
}

/* VM_CR reads "SVM disabled, locked" and refuses writes; VM_HSAVE_PA is a
 * per-vCPU shadow that reads back what was written (restored after). */
static const char *svm_msr_policy(void)
{
	uint64_t vmcr, old, got;

	if (rdmsr_gp(MSR_VM_CR, &vmcr))
		return "RDMSR VM_CR raised #GP";
	if ((vmcr & (VM_CR_SVMDIS | VM_CR_LOCK)) != (VM_CR_SVMDIS | VM_CR_LOCK))
		return "VM_CR lacks SVMDIS or LOCK";
	if (!wrmsr_gp(MSR_VM_CR, vmcr))
		return "WRMSR VM_CR did not raise #GP";
	if (rdmsr_gp(MSR_VM_HSAVE_PA, &old))
		return "RDMSR VM_HSAVE_PA raised #GP";
	if (wrmsr_gp(MSR_VM_HSAVE_PA, HSAVE_TEST_PA))
		return "WRMSR VM_HSAVE_PA raised #GP";
	bool gp = rdmsr_gp(MSR_VM_HSAVE_PA, &got);
	wrmsr_gp(MSR_VM_HSAVE_PA, old);
	if (gp || got != HSAVE_TEST_PA)
		return "VM_HSAVE_PA does not read back what was written";
	return NULL;
}

/* MTRRs (APM Vol. 2, 7.7): a variable MTRR beyond MTRRcap.VCNT does not
 * exist (#GP); MTRRdefType takes its own value; a default type other than
 * WB is dropped silently (it would make the hypervisor's memory non-WB).
 * MTRRdefType is put back if the drop did not happen. */
static const char *mtrr_policy(void)
{
	uint64_t cap, def, got;

	if (rdmsr_gp(MSR_MTRR_CAP, &cap))
		return "RDMSR MTRRcap raised #GP";
	uint32_t beyond = MSR_MTRR_BASE0 + 2 * (uint32_t)(cap & 0xFF);
	if (beyond < MSR_MTRR_FIXED && !wrmsr_gp(beyond, 0))
		return "WRMSR of a variable MTRR beyond VCNT did not raise #GP";
	if (rdmsr_gp(MSR_MTRR_DEF, &def))
		return "RDMSR MTRRdefType raised #GP";
	if (wrmsr_gp(MSR_MTRR_DEF, def))
		return "WRMSR MTRRdefType with its own value raised #GP";
	uint64_t type = (def & MTRR_TYPE_MASK) == MTRR_TYPE_UC ? MTRR_TYPE_WT :
			MTRR_TYPE_UC;
	uint64_t bad = (def & ~MTRR_TYPE_MASK) | type;
	if (wrmsr_gp(MSR_MTRR_DEF, bad))
		return "WRMSR MTRRdefType non-WB raised #GP (should be dropped)";
	bool gp = rdmsr_gp(MSR_MTRR_DEF, &got);
	if (gp || got != def) {
		wrmsr_gp(MSR_MTRR_DEF, def);
		return "MTRRdefType changed to a non-WB default type";
	}
	return NULL;
}

/* TOP_MEM routes memory: writes are dropped (and logged by the
 * hypervisor), reads pass through. */
static const char *top_mem_policy(void)
{
	uint64_t top, got;

	if (rdmsr_gp(MSR_TOP_MEM, &top))
		return "RDMSR TOP_MEM raised #GP";
	if (wrmsr_gp(MSR_TOP_MEM, top + TOP_MEM_STEP))
		return "WRMSR TOP_MEM raised #GP (should be dropped)";
	if (rdmsr_gp(MSR_TOP_MEM, &got) || got != top) {
		wrmsr_gp(MSR_TOP_MEM, top);
		return "TOP_MEM changed";
	}
	return NULL;
}

/* Without an x2APIC (QEMU TCG's qemu64) and outside x2APIC mode,
 * 0x800-0x8FF #GP as on bare metal (the hypervisor intercepts them where
 * TCG would answer); MSRs outside the MSRPM's ranges always exit and get
 * #GP. */
static const char *gp_policy(void)
{
	uint64_t v;

	if (!rdmsr_gp(MSR_X2APIC_ID, &v))
		return "RDMSR x2APIC ID (0x802) did not raise #GP";
	if (!rdmsr_gp(MSR_OUTSIDE_MAP, &v))
		return "RDMSR 0x40000000 (outside the MSRPM) did not raise #GP";
	return NULL;
}

/* TSC writes become the vCPU's TSC offset (APM Vol. 2, 15.30.4 and
 * 15.15.1 "TSC offset"): jump 10^12 ahead, see RDTSC jump by about that,
 * then jump back. The offset is computed from the host TSC at the exit,
 * so each write loses the cycles between the guest's RDTSC and the
 * hypervisor's: the measured exit-return part of the first write is added
 * back twice, an estimate that keeps the boot CPU's TSC close to the APs'
 * (the SMP bench compares them). */
static const char *tsc_policy(char *buf, size_t len)
{
	uint64_t t0 = rdtsc();
	if (wrmsr_gp(MSR_TSC, t0 + TSC_JUMP))
		return "WRMSR TSC raised #GP";
	uint64_t t1 = rdtsc();
	uint64_t delta = t1 - t0;
	uint64_t lost = delta >= TSC_JUMP && delta - TSC_JUMP < TSC_SLACK ?
			delta - TSC_JUMP : 0;
	uint64_t t2 = rdtsc();
	bool gp = wrmsr_gp(MSR_TSC, t2 - TSC_JUMP + 2 * lost);
	uint64_t t3 = rdtsc();

	if (delta < TSC_JUMP || delta - TSC_JUMP >= TSC_SLACK) {
		ksnprintf(buf, len, "RDTSC moved by %lu after a write of "
				"TSC + 10^12", delta);
		return buf;
	}
	if (gp)
		return "WRMSR TSC (restore) raised #GP";
	if (t3 > t2 || t2 - t3 < TSC_JUMP - TSC_SLACK) {
		ksnprintf(buf, len, "RDTSC moved by %ld after the restoring "
				"write", (long)(t3 - t2));
		return buf;
	}
	printk("TSC write: RDTSC jumped by 10^12 + %lu, restored\n", lost);
	return NULL;
}

/* Default deny (svm/msrtable.c): microcode loading and MCi_CTL writes
 * are dropped, an MSR in no row raises #GP, DEBUGCTL is a shadow (reads
 * back, never reaches the hardware), EFER bits the CPU lacks and a change
 * of LME with paging on raise #GP instead of stopping the vCPU. */
#define MSR_PATCH_LOADER  0xC0010020
#define MSR_MC0_CTL       0x00000400
#define MSR_SMI_TRIGGER   0xC0010056   /* in no row */
#define MSR_DEBUGCTL      0x000001D9
#define DEBUGCTL_BTF      BIT(1)
#define EFER_TCE          BIT(15)

static const char *deny_policy(void)
{
	uint64_t v, old;

	if (wrmsr_gp(MSR_PATCH_LOADER, 0))
		return "PATCH_LOADER write raised #GP (expected: dropped)";
	if (!rdmsr_gp(MSR_SMI_TRIGGER, &v) || !wrmsr_gp(MSR_SMI_TRIGGER, 0))
		return "an MSR in no row did not raise #GP";
	if (!rdmsr_gp(MSR_MC0_CTL, &old)) {
		if (wrmsr_gp(MSR_MC0_CTL, 0))
			return "MC0_CTL write raised #GP (expected: dropped)";
		if (rdmsr_gp(MSR_MC0_CTL, &v) || v != old)
			return "MC0_CTL write of 0 landed";
	}
	if (wrmsr_gp(MSR_DEBUGCTL, DEBUGCTL_BTF) ||
	    rdmsr_gp(MSR_DEBUGCTL, &v) || v != DEBUGCTL_BTF)
		return "DEBUGCTL does not read back the guest's value";
	if (wrmsr_gp(MSR_DEBUGCTL, 0) || !wrmsr_gp(MSR_DEBUGCTL, BIT(63)))
		return "DEBUGCTL reserved bit did not raise #GP";
	if (rdmsr_gp(MSR_EFER, &old))
		return "RDMSR EFER raised #GP";
	if (!(cpuid(0x80000001, 0).ecx & BIT(17)) &&
	    !wrmsr_gp(MSR_EFER, old | EFER_TCE))
		return "EFER.TCE without CPU support did not raise #GP";
	if (!wrmsr_gp(MSR_EFER, old ^ EFER_LME))
		return "EFER.LME changed with paging on did not raise #GP";
	if (rdmsr_gp(MSR_EFER, &v) || v != old)
		return "EFER changed";
	return NULL;
}

void checks_msr(void)
{
	static const struct {
		const char *name;
		const char *(*run)(void);
	} checks[] = {
		{ "msr_efer", efer_policy },
		{ "msr_svm", svm_msr_policy },
		{ "msr_mtrr", mtrr_policy },
		{ "msr_top_mem", top_mem_policy },
		{ "msr_gp", gp_policy },
		{ "msr_deny", deny_policy },
	};
	bool hv = hv_present();
	char buf[96];

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		const char *why = hv ? checks[i].run() : "no hypervisor";
		check_report(checks[i].name, why == NULL, "%s", why);
	}
	/* Last: the TSC jumps and comes back; nothing else is timing now.
	 * Not under `bench`: the restore is only exact to about one exit,
	 * and the SMP bench compares TSCs across CPUs. */
	if (smp_bench) {
		check_report("msr_tsc", true, "skipped under bench");
		return;
	}
	const char *why = hv ? tsc_policy(buf, sizeof(buf)) : "no hypervisor";
	check_report("msr_tsc", why == NULL, "%s", why);
}
