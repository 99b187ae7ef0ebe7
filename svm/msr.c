/*
 * svm/msr.c - intercepted MSR accesses, dispatched through the policy
 * table (svm/msrtable.c: default deny, each row with its reason; the
 * permission map is built from it). What the emulated ones do:
 *   EFER            read/write shadowed: SVME stays set, the guest never
 *                   sees it; values the CPU would refuse (bits it lacks,
 *                   LME changed with paging on) raise #GP in the guest
 *   VM_CR           reads "SVM disabled and locked"; writes #GP
 *   VM_HSAVE_PA     a per-vCPU shadow; never the real register
 *   APIC_BASE       xAPIC to x2APIC performed (when the CPU has one);
 *                   other changes (relocation, disable) dropped; what
 *                   the CPU would refuse raises #GP (apic_base_write_check)
 *   x2APIC writes   0x800-0x8FF that exit: the ICR emulated (svm/apic.c),
 *                   LVTs checked, read-only and absent ones #GP
 *                   (x2apic_write_class); #GP outside x2APIC mode
 *   MTRRs           writes that would make any of the hole non-WB dropped;
 *                   writes the CPU would refuse raise #GP in the guest
 *   TSC             writes become the vCPU's TSC offset
 *   DEBUGCTL        a per-vCPU shadow without effect: no VMCB field
 *                   switches it without LBR virtualization, and the
 *                   hypervisor's own branches must not land in the LBRs
 *   SPEC_CTRL       per-vCPU, where the CPU has it (else #GP): written to
 *                   the hardware before VMRUN and back to the host's 0
 *                   after each exit (svm/vcpu.c), when not 0
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "lib/lib.h"

#define MSR_TSC          0x00000010
#define MSR_DEBUGCTL     0x000001D9
#define MSR_MTRR_BASE0   0x00000200
#define MSR_MTRR_LAST    0x0000026F
#define MSR_MTRR_DEF     0x000002FF
#define MSR_MTRR_CAP     0x000000FE
#define MTRR_VALID       BIT(11)
#define MTRR_TYPE_WB     6
#define EFER_LMSLE       BIT(13)
#define EFER_FFXSR       BIT(14)
#define EFER_TCE         BIT(15)
#define DEBUGCTL_VALID   (BIT(0) | BIT(1) | GENMASK(5, 2)) /* LBR, BTF, PB0-3 */
#define SPEC_CTRL_VALID  (BIT(0) | BIT(1) | BIT(2))   /* IBRS, STIBP, SSBD */

static bool has_x2apic(void)
{
	return (cpuid(1, 0).ecx & BIT(21)) != 0;
}

/* A CPU without an x2APIC raises #GP for 0x800-0x8FF; QEMU TCG answers
 * them instead (measured: RDMSR 0x802 returns without #GP on qemu64).
 * There every access exits and gets the #GP here. */
void msrpm_setup(uint8_t *pm)
{
	msrpm_build(pm);
	if (!has_x2apic())
		msrpm_intercept(pm, 0x800, 0x8FF);
}

/* The EFER bits this CPU has (APM Vol. 2, 3.1.7; CPUID Fn8000_0001 EDX
 * SYSCALL[11], NX[20], LM[29], FFXSR[25]; ECX TCE[17]; Fn8000_0008 EBX[20]
 * EferLmsleUnsupported). */
static uint64_t efer_supported(void)
{
	struct cpuid_regs r = cpuid(0x80000001, 0);
	uint64_t ok = EFER_LMA;

	if (r.edx & BIT(11))
		ok |= EFER_SCE;
	if (r.edx & BIT(20))
		ok |= EFER_NXE;
	if (r.edx & BIT(29))
		ok |= EFER_LME;
	if (r.edx & BIT(25))
		ok |= EFER_FFXSR;
	if (r.ecx & BIT(17))
		ok |= EFER_TCE;
	if (cpuid(0x80000000, 0).eax >= 0x80000008 &&
	    !(cpuid(0x80000008, 0).ebx & BIT(20)))
		ok |= EFER_LMSLE;
	return ok;
}

/* SPEC_CTRL exists (CPUID Fn8000_0008 EBX IBRS[14], STIBP[15], SSBD[24];
 * or Fn0000_0007 EDX[26], the Intel-defined bit AMD also sets). */
static bool has_spec_ctrl(void)
{
	if (cpuid(0x80000000, 0).eax >= 0x80000008 &&
	    (cpuid(0x80000008, 0).ebx & (BIT(14) | BIT(15) | BIT(24))))
		return true;
	return cpuid(0, 0).eax >= 7 && (cpuid(7, 0).edx & BIT(26));
}

/* Would variable MTRR pair @n with (base, mask) give any byte of the
 * hole a type other than WB? Non-contiguous masks are refused. */
static bool mtrr_pair_hurts_hole(uint64_t base, uint64_t mask)
{
	uint64_t physmask, start, size;
	unsigned bits = cpuid(0x80000008, 0).eax & 0xFF;

	if (!(mask & MTRR_VALID) || (base & 0xFF) == MTRR_TYPE_WB)
		return false;
	physmask = (bits >= 64 ? ~0ULL : (1ULL << bits) - 1) & ~0xFFFULL;
	mask &= physmask;
	size = (~mask & physmask) + 0x1000;
	if (size & (size - 1))
		return true; /* non-contiguous: too clever to allow */
	start = base & mask & physmask;
	return in_hv_hole(start, size);
}

static bool mtrr_type_ok(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Would the CPU take this MTRR write (APM Vol. 2, 7.7)? An MSR that does
 * not exist or a reserved bit set means #GP, which the guest gets instead
 * of the hypervisor. */
static bool mtrr_write_valid(uint32_t msr, uint64_t val)
{
	unsigned bits = cpuid(0x80000008, 0).eax & 0xFF;
	uint64_t above = bits >= 64 ? 0 : ~((1ULL << bits) - 1);
	unsigned vcnt = rdmsr(MSR_MTRR_CAP) & 0xFF;

	if (msr == MSR_MTRR_DEF)
		return !(val & ~(0xFFULL | BIT(10) | BIT(11))) && mtrr_type_ok(val & 0xFF);
	if (msr >= 0x250) {
		if (msr != 0x250 && msr != 0x258 && msr != 0x259 &&
		    (msr < 0x268 || msr > 0x26F))
			return false;
		for (int i = 0; i < 8; i++)
			if (!mtrr_type_ok((val >> (8 * i)) & 0xFF))
				return false;
		return true;
	}
	if ((msr - MSR_MTRR_BASE0) / 2 >= vcnt)
		return false;
	if (msr & 1) /* PHYSMASK */
		return !(val & (GENMASK(10, 0) | above));
	return !(val & (GENMASK(11, 8) | above)) && mtrr_type_ok(val & 0xFF);
}

static bool mtrr_write_ok(uint32_t msr, uint64_t val)
{
	if (msr == MSR_MTRR_DEF) {
		/* Default type matters where no variable range covers: be
		 * strict and keep it WB (or MTRRs disabled: bit 11 clear
		 * means UC everywhere, refused too). */
		return (val & MTRR_VALID) && (val & 0xFF) == MTRR_TYPE_WB;
	}
	if (msr >= 0x250)
		return true; /* fixed ranges: below 1 MiB, never the hole */
	if (msr & 1) /* PHYSMASK: pair with the current base */
		return !mtrr_pair_hurts_hole(rdmsr(msr - 1), val);
	return !mtrr_pair_hurts_hole(val, rdmsr(msr + 1));
}

static uint64_t msr_dropped;

static enum exit_action gp(struct vcpu *v)
{
	vcpu_inject_gp(v);
	return EXIT_INJECT;
}

/* An x2APIC read that exited: no x2APIC, or not in x2APIC mode on this
 * CPU (#GP, as the CPU would), else the hardware's register when it has
 * one (a RDMSR of an absent one would #GP in the hypervisor). */
static enum exit_action x2apic_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (!lapic_x2apic() ||
	    !(apic_reg_flags((msr - 0x800) << 4, true) & APIC_REG_R))
		return gp(v);
	*val = rdmsr(msr);
	return EXIT_RESUME;
}

static enum exit_action msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	const struct msr_rule *r = msr_rule_find(msr);

	if (msr >= 0x800 && msr <= 0x8FF)
		return x2apic_read(v, msr, val);
	switch (r ? r->read : MSR_GP) {
	case MSR_PASS:
		*val = rdmsr(msr);       /* an exit for a pass-through read:
					  * only if the map says otherwise */
		return EXIT_RESUME;
	case MSR_ZERO:
		*val = 0;
		return EXIT_RESUME;
	case MSR_EMUL:
		break;
	default:
		return gp(v);
	}
	switch (msr) {
	case MSR_EFER:
		*val = v->vmcb->save.efer & ~(uint64_t)EFER_SVME;
		return EXIT_RESUME;
	case MSR_VM_CR:
		*val = VM_CR_SVMDIS | VM_CR_LOCK;
		return EXIT_RESUME;
	case MSR_VM_HSAVE_PA:
		*val = v->vm_hsave_shadow;
		return EXIT_RESUME;
	case MSR_DEBUGCTL:
		*val = v->debugctl;
		return EXIT_RESUME;
	case MSR_SPEC_CTRL:
		if (!has_spec_ctrl())
			return gp(v);
		*val = v->spec_ctrl;
		return EXIT_RESUME;
	default:
		return gp(v);
	}
}

static enum exit_action efer_write(struct vcpu *v, uint64_t val)
{
	struct vmcb_save *s = &v->vmcb->save;

	/* SVME included: no SVM here. LME may not change while paging is
	 * on (APM Vol. 2, 14.6.1); VMRUN would refuse the result
	 * (15.5.1: LME and PG without PAE) and stop the vCPU instead. */
	if ((val & ~efer_supported()) ||
	    (((val ^ s->efer) & EFER_LME) && (s->cr0 & CR0_PG)))
		return gp(v);
	/* LMA is the CPU's to set; keep it. SVME stays on. */
	s->efer = (val & ~(uint64_t)EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
	return EXIT_RESUME;
}

static enum exit_action apic_base_write(struct vcpu *v, uint64_t val)
{
	uint64_t cur = rdmsr(MSR_APIC_BASE), n;
	unsigned bits = cpuid(0x80000008, 0).eax & 0xFF;
	/* BSP (8), EXTD (10), EN (11), the base up to MAXPHYADDR. */
	uint64_t valid = GENMASK(bits - 1, 12) | BIT(8) | BIT(10) | BIT(11);

	switch (apic_base_write_check(cur, val, has_x2apic(), valid)) {
	case APIC_BASE_SAME:
		return EXIT_RESUME;
	case APIC_BASE_TO_X2APIC:
		wrmsr(MSR_APIC_BASE, val);
		lapic_now_x2apic();     /* the hypervisor follows, on this CPU */
		printk("vcpu %u: the guest switched its local APIC to x2APIC "
		       "mode\n", v->index);
		return EXIT_RESUME;
	case APIC_BASE_DROP:
		if ((n = log_ratelimit(&msr_dropped)))
			printk("vcpu %u: APIC_BASE write %llx dropped (relocation, "
			       "disable and BSP changes are not offered; %llu so "
			       "far)\n", v->index, (unsigned long long)val,
			       (unsigned long long)n);
		return EXIT_RESUME;
	case APIC_BASE_GP:
		break;
	}
	return gp(v);
}

/* Intercepted WRMSR to 0x800-0x8FF. The MSRs exist only while this CPU's
 * APIC is in x2APIC mode (Intel SDM Vol. 3, 10.12.1.2). */
static enum exit_action x2apic_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (!lapic_x2apic())
		return gp(v);
	switch (x2apic_write_class(msr, val)) {
	case X2_ICR:
		apic_x2_icr_write(v, val);
		return EXIT_RESUME;
	case X2_FORWARD:
		wrmsr(msr, val);
		return EXIT_RESUME;
	case X2_DROP:
		if (v->apic_refused++ < 4)
			printk("vcpu %u: guest x2APIC LVT %#x write %#llx (SMI, "
			       "INIT or reserved delivery) dropped\n", v->index,
			       msr, (unsigned long long)val);
		return EXIT_RESUME;
	case X2_GP:
		break;
	}
	return gp(v);
}

static enum exit_action mtrr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t n;

	if (!mtrr_write_valid(msr, val))
		return gp(v);
	if (mtrr_write_ok(msr, val))
		wrmsr(msr, val);
	else if ((n = log_ratelimit(&msr_dropped)))
		printk("vcpu %u: MTRR %x write %llx dropped: it would make "
		       "hypervisor memory non-write-back (%llu so far)\n",
		       v->index, msr, (unsigned long long)val,
		       (unsigned long long)n);
	return EXIT_RESUME;
}

static enum exit_action msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	const struct msr_rule *r = msr_rule_find(msr);
	uint64_t n;

	switch (r ? r->write : MSR_GP) {
	case MSR_PASS:
		wrmsr(msr, val);         /* only if the map says otherwise */
		return EXIT_RESUME;
	case MSR_DROP:
		if ((n = log_ratelimit(&msr_dropped)))
			printk("vcpu %u: write %llx to MSR %x dropped: %s "
			       "(%llu so far)\n", v->index,
			       (unsigned long long)val, msr, r->why,
			       (unsigned long long)n);
		return EXIT_RESUME;
	case MSR_EMUL:
		break;
	default:
		return gp(v);
	}
	switch (msr) {
	case MSR_EFER:
		return efer_write(v, val);
	case MSR_VM_HSAVE_PA:
		v->vm_hsave_shadow = val;
		return EXIT_RESUME;
	case MSR_TSC:
		v->vmcb->ctl.tsc_offset = val - rdtsc();
		return EXIT_RESUME;
	case MSR_APIC_BASE:
		return apic_base_write(v, val);
	case MSR_DEBUGCTL:
		if (val & ~(uint64_t)DEBUGCTL_VALID)
			return gp(v);
		v->debugctl = val;
		return EXIT_RESUME;
	case MSR_SPEC_CTRL:
		if (!has_spec_ctrl() || (val & ~(uint64_t)SPEC_CTRL_VALID))
			return gp(v);
		v->spec_ctrl = val;      /* loaded before the next VMRUN */
		return EXIT_RESUME;
	case MSR_VM_CR:
		return gp(v);
	default:
		break;
	}
	if ((msr >= MSR_MTRR_BASE0 && msr <= MSR_MTRR_LAST) || msr == MSR_MTRR_DEF)
		return mtrr_write(v, msr, val);
	if (msr >= 0x800 && msr <= 0x8FF)
		return x2apic_write(v, msr, val);
	return gp(v);
}

enum exit_action handle_msr(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint32_t msr = (uint32_t)v->regs.rcx;
	bool write = v->vmcb->ctl.exit_info1 & 1;
	enum exit_action act;
	uint64_t val = 0;

	if (write)
		act = msr_write(v, msr, (s->rax & 0xFFFFFFFF) |
					    (v->regs.rdx << 32));
	else
		act = msr_read(v, msr, &val);
	if (act != EXIT_RESUME)
		return act;
	if (!vcpu_skip_insn(v))
		return EXIT_STOP;
	if (!write) {
		s->rax = (uint32_t)val;
		v->regs.rdx = val >> 32;
	}
	return EXIT_RESUME;
}
